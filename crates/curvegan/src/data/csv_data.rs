//! Real samples read from a CSV file (`--data FILE.csv`).
//!
//! Each row is one real sample of `dim` values; all rows have the same length, so the file is
//! a matrix `[N, dim]`, kept row-major in f32 (each value parsed as f64, then rounded). The
//! file is read by the [`csv`] crate: fields are separated by commas and may be quoted
//! (`"1.5"`); spaces around fields are ignored, and so are blank lines and a UTF-8 byte-order
//! mark.
//!
//! The first row is a header (its names kept, see [`CsvTable::header`]) only if none of its
//! fields is a number; a first row that mixes names and numbers is an error, as it is neither
//! a header nor data.
//!
//! **Condition columns.** Columns named in `condition_columns` (`--condition-columns`) are not
//! values of the sample but what it is conditioned on: their fields are kept as text, one
//! [`Column`] each, and may hold anything but an empty field (the data set makes numbers of
//! them or categories). They need a header to be named in, and every name must be
//! one of its columns.
//!
//! Errors name the file, the 1-based line and what is wrong: a ragged row (its length and the
//! first row's), a field that is not a number (its text and 1-based column), NaN or an
//! infinity, a value too large for f32, an empty file, or a header with no rows after it.
//!
//! ```
//! use std::path::Path;
//! use curvegan::data::csv_data::parse_table;
//!
//! let t = parse_table("t0,t1,\"t2\"\n1,2,3\n4,5,6\n", Path::new("curves.csv"), &[]).unwrap();
//! assert_eq!((t.values.len() / t.dim, t.dim), (2, 3));
//! assert_eq!(&t.values[3..], &[4.0, 5.0, 6.0]);
//! assert_eq!(t.header.unwrap(), &["t0", "t1", "t2"]);
//! let err = parse_table("t0,1\n1,2\n", Path::new("curves.csv"), &[]).unwrap_err();
//! assert!(err.to_string().contains("line 1"));
//! ```

use std::path::Path;

use crate::error::{Error, Result};
use crate::text::echo;

/// A CSV file's content: its header, its value columns as a matrix `[N, dim]`, and its
/// condition columns as text.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    /// The header's names of the value columns, if the file has a header line.
    pub header: Option<Vec<String>>,
    /// Value columns.
    pub dim: usize,
    /// `[N, dim]`, row-major.
    pub values: Vec<f32>,
    /// Each condition column (in the order asked): its name and its `N` fields.
    pub columns: Vec<Column>,
}

/// A condition column of a CSV file: its name and one field per row, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name in the header.
    pub name: String,
    /// `[N]`: the fields.
    pub fields: Vec<String>,
}

/// Parses CSV text whose columns named in `conditions` are condition columns (see the module
/// docs); `path` is only used in error messages.
pub fn parse_table(text: &str, path: &Path, conditions: &[String]) -> Result<CsvTable> {
    let bad = |message: String| Error::bad_file(path, message);
    // A UTF-8 byte-order mark is not part of the first field.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true) // ragged rows are reported below, with both lengths
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    // Line numbers are counted here from the records' byte offsets: the csv crate's own
    // line count, and its offset of a record, leave out the empty lines skipped before it.
    let mut lines = LineCounter {
        text,
        byte: 0,
        line: 1,
    };
    let mut header: Option<(u64, Vec<String>)> = None;
    // (line number, length) of the first data row: every other row must match it.
    let mut width: Option<(u64, usize)> = None;
    let mut values = Vec::new();
    // The positions of the condition columns, and their fields.
    let mut cond_at: Vec<usize> = Vec::new();
    let mut columns: Vec<Column> = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e
                .position()
                .map_or(String::new(), |p| format!("line {}: ", p.line()));
            bad(format!("{line}{e}"))
        })?;
        if !more {
            break;
        }
        let line_no = lines.line_at(record.position().map_or(0, |p| p.byte()));
        // A line of spaces is one empty field: blank, skipped like an empty line.
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if header.is_none() && width.is_none() {
            let numbers = record.iter().filter(|f| f.parse::<f64>().is_ok()).count();
            if numbers == 0 {
                header = Some((line_no, record.iter().map(str::to_string).collect()));
                continue;
            }
            if !conditions.is_empty() {
                return Err(bad(format!(
                    "line {line_no}: `target.condition_columns` names columns of a header, and the \
                     first row is data (it holds numbers); add a header line naming the columns"
                )));
            }
            if numbers < record.len() {
                let names: Vec<&str> = record
                    .iter()
                    .filter(|f| f.parse::<f64>().is_err())
                    .collect();
                return Err(bad(format!(
                    "line {line_no}: the first row mixes numbers and names ({}): a header \
                     must have no numbers, a row of data only numbers",
                    echo(&names.join(", "))
                )));
            }
        }
        match width {
            None => {
                if let Some((h_line, names)) = &header {
                    if names.len() != record.len() {
                        return Err(bad(format!(
                            "line {line_no}: ragged row: {} values, but the header on line \
                             {h_line} has {} names",
                            record.len(),
                            names.len()
                        )));
                    }
                }
                width = Some((line_no, record.len()));
                if let Some((h_line, names)) = &header {
                    cond_at = condition_positions(names, conditions)
                        .map_err(|m| bad(format!("line {h_line}: {m}")))?;
                    for &at in &cond_at {
                        columns.push(Column {
                            name: names[at].clone(),
                            fields: Vec::new(),
                        });
                    }
                }
            }
            Some((w_line, w)) if record.len() != w => {
                return Err(bad(format!(
                    "line {line_no}: ragged row: {} values, but the first row (line {w_line}) \
                     has {w}",
                    record.len()
                )));
            }
            Some(_) => {}
        }
        for (col, field) in record.iter().enumerate() {
            if let Some(k) = cond_at.iter().position(|&c| c == col) {
                if field.is_empty() {
                    return Err(bad(format!(
                        "line {line_no}, column {} ({}): the condition is empty",
                        col + 1,
                        echo(&columns[k].name)
                    )));
                }
                columns[k].fields.push(field.to_string());
                continue;
            }
            values.push(
                parse_value(field)
                    .map_err(|why| bad(format!("line {line_no}, column {}: {why}", col + 1)))?,
            );
        }
    }
    let Some((_, width)) = width else {
        return Err(bad(match header {
            Some((h_line, _)) => format!("no rows of values: only the header on line {h_line}"),
            None => "empty file: no rows of values".into(),
        }));
    };
    let dim = width - cond_at.len();
    if dim == 0 {
        return Err(bad(
            "every column is a condition column: no values are left for the samples".into(),
        ));
    }
    let header = header.map(|(_, names)| {
        (names.into_iter().enumerate())
            .filter(|(i, _)| !cond_at.contains(i))
            .map(|(_, n)| n)
            .collect()
    });
    Ok(CsvTable {
        header,
        dim,
        values,
        columns,
    })
}

/// The positions in `header` of the columns named `conditions`, in that order; each name must
/// be a column, once.
fn condition_positions(
    header: &[String],
    conditions: &[String],
) -> std::result::Result<Vec<usize>, String> {
    let mut at = Vec::with_capacity(conditions.len());
    for name in conditions {
        let i = header.iter().position(|h| h == name).ok_or_else(|| {
            let shown: Vec<&str> = header.iter().take(20).map(String::as_str).collect();
            format!(
                "`target.condition_columns` names '{}', which is not a column of the header ({}{})",
                echo(name),
                echo(&shown.join(", ")),
                if header.len() > 20 { ", …" } else { "" }
            )
        })?;
        if at.contains(&i) {
            return Err(format!(
                "`target.condition_columns` names '{}' twice",
                echo(name)
            ));
        }
        at.push(i);
    }
    Ok(at)
}

/// 1-based line numbers of records in `text` from the byte offsets the csv crate gives them
/// (where reading began, before any empty lines it skipped), in increasing order.
struct LineCounter<'a> {
    text: &'a str,
    /// The last offset asked for, and its line.
    byte: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, byte: u64) -> u64 {
        let bytes = self.text.as_bytes();
        let mut byte = (byte as usize).clamp(self.byte, bytes.len());
        // Empty lines are skipped, not records: the record starts after them.
        while byte < bytes.len() && matches!(bytes[byte], b'\n' | b'\r') {
            byte += 1;
        }
        let newlines = bytes[self.byte..byte]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.byte = byte;
        self.line
    }
}

/// One field as a finite f32, or why it is not one (naming the text).
fn parse_value(field: &str) -> std::result::Result<f32, String> {
    let v: f64 = field
        .parse()
        .map_err(|_| format!("'{}' is not a number", echo(field)))?;
    if !v.is_finite() {
        return Err(format!(
            "{} is not allowed (values must be finite, not NaN or infinite)",
            echo(field)
        ));
    }
    let v32 = v as f32;
    if !v32.is_finite() {
        return Err(format!("{} is too large for f32", echo(field)));
    }
    Ok(v32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CsvTable> {
        parse_table(text, Path::new("t.csv"), &[])
    }

    #[test]
    fn reads_with_and_without_header() {
        let d = parse("1, 2\r\n\n3,4\n").unwrap();
        assert_eq!(d.values.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
        assert!(d.header.is_none());
        let d = parse("\"a\",b\n1,2\n").unwrap();
        assert_eq!(d.header.unwrap(), &["a", "b"]);
        assert_eq!(d.values.len() / d.dim, 1);
    }

    #[test]
    fn quotes_bom_and_crlf_are_read() {
        let d = parse("\u{feff}\"t 0\",\"t,1\"\r\n\"1.5\", 2\r\n3,\"-4e0\"\r\n").unwrap();
        assert_eq!(d.header.unwrap(), &["t 0", "t,1"]);
        assert_eq!(d.values.as_slice(), &[1.5, 2.0, 3.0, -4.0]);
        // A BOM before data, not a header.
        let d = parse("\u{feff}1,2\n").unwrap();
        assert!(d.header.is_none());
        assert_eq!(d.values.as_slice(), &[1.0, 2.0]);
    }

    #[test]
    fn a_half_numeric_first_row_is_an_error() {
        let err = parse("\n\nt0,1,2\n1,2,3\n").unwrap_err().to_string();
        assert!(err.contains("t.csv") && err.contains("line 3"), "{err}");
        assert!(err.contains("mixes numbers and names (t0)"), "{err}");
        // Only the first row can be a header.
        let err = parse("a,b\nc,d\n").unwrap_err().to_string();
        assert!(
            err.contains("line 2, column 1: 'c' is not a number"),
            "{err}"
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        for (text, needle) in [
            (
                "1,2\n3\n",
                "line 2: ragged row: 1 values, but the first row (line 1) has 2",
            ),
            ("1,2\n3,\"x\"\n", "line 2, column 2: 'x' is not a number"),
            ("1,2\n3,\n", "line 2, column 2: '' is not a number"),
            ("1\nNaN\n", "line 2, column 1: NaN is not allowed"),
            (
                "1,2\r\n\r\n\r\n3,x\r\n",
                "line 4, column 2: 'x' is not a number",
            ),
            // The line break inside the quoted field is shown escaped (never printed raw).
            (
                "a\n\"1\n2\"\n\n3\nz\n",
                "line 2, column 1: '1\\n2' is not a number",
            ),
            ("1\n\"2\n\"\n\nz\n", "line 5, column 1: 'z' is not a number"),
            ("1\n-inf\n", "line 2, column 1: -inf is not allowed"),
            ("1\n1e39\n", "line 2, column 1: 1e39 is too large for f32"),
            ("", "empty file"),
            ("\u{feff}", "empty file"),
            ("\n \n\t\n", "empty file"),
            ("a,b\n\n", "only the header on line 1"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(matches!(&err, Error::BadFile { path, .. } if path == Path::new("t.csv")));
            let err = err.to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
            assert!(err.contains("t.csv"), "{text:?}: {err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(text in "[-0-9a-z,.\"\n\r \u{feff}]{0,40}") {
            let _ = parse(&text);
        }
    }

    #[test]
    fn header_width_must_match() {
        let err = parse("a,b,c\n1,2\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
