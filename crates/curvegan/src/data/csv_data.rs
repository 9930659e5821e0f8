//! Real samples read from a CSV file (`--data FILE.csv`).
//!
//! Each row is one real sample of `dim` values; all rows have the same length, so the file is
//! a matrix `[N, dim]`, kept row-major in f32 (each value parsed as f64, then rounded). The
//! file is read by the [`csv`] crate: fields may be quoted (`"1.5"`); spaces around fields are
//! ignored, and so are blank lines and a UTF-8 byte-order mark.
//!
//! **The separator** is read from the first line that is not blank ([`Separator::sniff`]):
//! `;` if that line holds one (outside quotes), else a tab if it holds one between fields and
//! no comma other than a decimal comma (a digit on each side), else `,`. In a file separated by
//! `;` or tabs a field with one comma and no point is a number with a decimal comma (`1,5` is
//! 1.5), as spreadsheets write them in much of Europe; a condition field of that form is read
//! with a point too.
//!
//! **The header.** The first row is a header (its names kept, see [`CsvTable::header`]) if none
//! of its fields is a number; a first row that mixes names and numbers is an error, as it is
//! neither a header nor data. One exception, pandas' `DataFrame.to_csv()`: a first row whose
//! first field is empty, above a first column of increasing whole numbers (`0, 1, 2, …`), is
//! a header (its names may be numbers, as a frame's default column labels are) over an index
//! column, which is left out. An empty first name over other values is a column of values
//! with an empty name, as before, when the other names are names; with numbers among them it is
//! an error naming the column.
//!
//! What the reader decided (a separator other than `,`, decimal commas, an index left out) is
//! said in [`CsvTable::notes`].
//!
//! **Condition columns.** Columns named in `condition_columns` (`--condition-columns`) are not
//! values of the sample but what it is conditioned on: their fields are kept as text, one
//! [`Column`] each, and may hold anything but an empty field (the data set makes numbers of
//! them or categories). They need a header to be named in, and every name must be
//! one of its columns.
//!
//! Errors name the file, the 1-based line and what is wrong: a ragged row (its length and the
//! first row's), a field that is not a number (its text and 1-based column, and the separator
//! it seems to hold if it is not the file's), NaN or an infinity, a value too large for f32,
//! an empty file, or a header with no rows after it.
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
//! // pandas' `df.to_csv(sep=";", decimal=",")`: the index left out, decimal commas read.
//! let t = parse_table(";0;1\n0;1,5;2\n1;3;-0,25\n", Path::new("df.csv"), &[]).unwrap();
//! assert_eq!((t.header.unwrap(), t.values), (vec!["0".into(), "1".into()], vec![1.5, 2.0, 3.0, -0.25]));
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
    /// How the file was read where it is not a plain comma-separated table: its separator,
    /// decimal commas, an index column left out. One sentence each, for the user.
    pub notes: Vec<String>,
}

/// A condition column of a CSV file: its name and one field per row, as text.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column's name in the header.
    pub name: String,
    /// `[N]`: the fields.
    pub fields: Vec<String>,
}

/// What separates the fields of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `,`.
    Comma,
    /// `;`: fields may hold decimal commas.
    Semicolon,
    /// A tab: fields may hold decimal commas.
    Tab,
}

impl Separator {
    /// The separator of `text`, from its first line that is not blank (a byte-order mark
    /// aside): `;` if the line holds one outside quotes; else a tab if it holds one between
    /// two fields and no comma outside quotes but decimal commas (`1,5`: a digit each side);
    /// else `,`.
    ///
    /// ```
    /// use curvegan::data::csv_data::Separator;
    ///
    /// assert_eq!(Separator::sniff("t0;t1\n1,5;2\n"), Separator::Semicolon);
    /// assert_eq!(Separator::sniff("\n1,5\t2,25\n"), Separator::Tab);
    /// assert_eq!(Separator::sniff("1,2,3\t\n"), Separator::Comma);
    /// assert_eq!(Separator::sniff("\"a;b\",c\n"), Separator::Comma);
    /// ```
    pub fn sniff(text: &str) -> Separator {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let line = (text.lines().map(str::trim))
            .find(|l| !l.is_empty())
            .unwrap_or_default()
            .as_bytes();
        let digit = |i: Option<usize>| i.and_then(|i| line.get(i)).is_some_and(u8::is_ascii_digit);
        let (mut quoted, mut semicolon, mut tab, mut comma) = (false, false, false, false);
        for (i, &c) in line.iter().enumerate() {
            match c {
                b'"' => quoted = !quoted,
                _ if quoted => {}
                b';' => semicolon = true,
                b'\t' => tab = true,
                b',' => comma |= !(digit(i.checked_sub(1)) && digit(Some(i + 1))),
                _ => {}
            }
        }
        match (semicolon, tab && !comma) {
            (true, _) => Separator::Semicolon,
            (false, true) => Separator::Tab,
            (false, false) => Separator::Comma,
        }
    }

    fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
            Separator::Tab => b'\t',
        }
    }

    /// The separator in messages: `','`, `';'`, `tabs`.
    fn shown(self) -> &'static str {
        match self {
            Separator::Comma => "','",
            Separator::Semicolon => "';'",
            Separator::Tab => "tabs",
        }
    }
}

/// A first column without a name in the header: pandas' index if its fields are increasing
/// whole numbers, else a column of values.
struct Unnamed {
    /// Whether the header's other names include numbers (a header only over an index).
    numbered: bool,
    /// `[N]`: its values, should it be a column of values.
    values: Vec<f32>,
    /// The first and last whole numbers seen.
    first: Option<u64>,
    last: Option<u64>,
    /// The first field that is not the next whole number: its line and text.
    not_index: Option<(u64, String)>,
}

impl Unnamed {
    fn push(&mut self, value: f32, field: &str, line: u64) {
        self.values.push(value);
        let whole = !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
        let n = field.parse::<u64>().ok().filter(|_| whole);
        match (n, self.last) {
            (Some(n), last) if last.is_none_or(|l| n > l) => {
                self.first = self.first.or(Some(n));
                self.last = Some(n);
            }
            _ if self.not_index.is_none() => self.not_index = Some((line, field.to_string())),
            _ => {}
        }
    }
}

/// Parses CSV text whose columns named in `conditions` are condition columns (see the module
/// docs); `path` is only used in error messages.
pub fn parse_table(text: &str, path: &Path, conditions: &[String]) -> Result<CsvTable> {
    let bad = |message: String| Error::bad_file(path, message);
    // A UTF-8 byte-order mark is not part of the first field.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let separator = Separator::sniff(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(separator.byte())
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
    // A first column the header leaves unnamed: pandas' index, or values.
    let mut unnamed: Option<Unnamed> = None;
    // (line number, length) of the first data row: every other row must match it.
    let mut width: Option<(u64, usize)> = None;
    let mut values = Vec::new();
    let mut decimal_commas = false;
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
            // A number as this file writes them (a decimal comma in a file separated by `;`).
            let number = |f: &&str| {
                let point = decimal_point(f).filter(|_| separator != Separator::Comma);
                f.parse::<f64>().is_ok() || point.is_some_and(|p| p.parse::<f64>().is_ok())
            };
            let numbers = record.iter().filter(number).count();
            let empty_first = record.len() > 1 && record[0].is_empty();
            if numbers == 0 || empty_first {
                header = Some((line_no, record.iter().map(str::to_string).collect()));
                unnamed = empty_first.then_some(Unnamed {
                    numbered: numbers > 0,
                    values: Vec::new(),
                    first: None,
                    last: None,
                    not_index: None,
                });
                continue;
            }
            if !conditions.is_empty() {
                return Err(bad(format!(
                    "line {line_no}: `target.condition_columns` names columns of a header, and the \
                     first row is data (it holds numbers); add a header line naming the columns"
                )));
            }
            if numbers < record.len() {
                let names: Vec<&str> = record.iter().filter(|f| !number(f)).collect();
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
                columns[k].fields.push(condition_field(field, separator));
                continue;
            }
            let (value, comma) = parse_value(field, separator)
                .map_err(|why| bad(format!("line {line_no}, column {}: {why}", col + 1)))?;
            decimal_commas |= comma;
            match (&mut unnamed, col) {
                (Some(u), 0) => u.push(value, field, line_no),
                _ => values.push(value),
            }
        }
    }
    let Some((_, width)) = width else {
        return Err(bad(match header {
            Some((h_line, _)) => format!("no rows of values: only the header on line {h_line}"),
            None => "empty file: no rows of values".into(),
        }));
    };
    let mut notes = Vec::new();
    if separator != Separator::Comma {
        notes.push(format!("fields separated by {}", separator.shown()));
    }
    if decimal_commas {
        notes.push("decimal commas read as points (1,5 is 1.5)".into());
    }
    // Whether the unnamed first column is an index, left out.
    let mut index = false;
    if let Some(u) = unnamed {
        let h_line = header.as_ref().map_or(1, |(l, _)| *l);
        match (u.not_index, u.numbered) {
            (None, _) => {
                index = true;
                notes.push(format!(
                    "column 1, unnamed in the header on line {h_line} and holding the whole numbers {} to {} in order, is an index (pandas' `to_csv()` writes one): left out",
                    u.first.unwrap_or_default(),
                    u.last.unwrap_or_default()
                ));
            }
            (Some((line, field)), true) => {
                return Err(bad(format!(
                    "line {h_line}: the header leaves column 1 unnamed and names others with numbers, as pandas' `to_csv()` writes above its index, but column 1 is no index of increasing whole numbers (line {line} holds '{}'): write the file with `to_csv(index=False)`, or name every column",
                    echo(&field)
                )));
            }
            // A column of values with an empty name, in front of the others of each row.
            (Some(_), false) => {
                let d = width - cond_at.len() - 1;
                let mut rows = Vec::with_capacity(values.len() + u.values.len());
                for (r, first) in u.values.iter().enumerate() {
                    rows.push(*first);
                    rows.extend_from_slice(&values[r * d..(r + 1) * d]);
                }
                values = rows;
            }
        }
    }
    let dim = width - cond_at.len() - usize::from(index);
    if dim == 0 {
        return Err(bad(
            "every column is a condition column: no values are left for the samples".into(),
        ));
    }
    let header = header.map(|(_, names)| {
        (names.into_iter().enumerate())
            .filter(|(i, _)| !(cond_at.contains(i) || (index && *i == 0)))
            .map(|(_, n)| n)
            .collect()
    });
    Ok(CsvTable {
        header,
        dim,
        values,
        columns,
        notes,
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

/// A field with one comma and no point, with a point for the comma (`1,5` → `1.5`).
fn decimal_point(field: &str) -> Option<String> {
    let one_comma = field.matches(',').count() == 1 && !field.contains('.');
    one_comma.then(|| field.replace(',', "."))
}

/// A condition field as kept: a number with a decimal comma in a file separated by `;` or tabs
/// with a point instead, anything else as it is.
fn condition_field(field: &str, separator: Separator) -> String {
    match decimal_point(field) {
        Some(f) if separator != Separator::Comma && f.parse::<f64>().is_ok() => f,
        _ => field.to_string(),
    }
}

/// One field as a finite f32, and whether it was read with a decimal comma (only in a file
/// separated by `;` or tabs); or why it is not one (naming the text, and the separator it
/// holds when that is not the file's).
fn parse_value(field: &str, separator: Separator) -> std::result::Result<(f32, bool), String> {
    let comma = || match separator {
        Separator::Comma => None,
        _ => decimal_point(field)?.parse::<f64>().ok(),
    };
    let (v, decimal_comma) = match (field.parse::<f64>(), comma()) {
        (Ok(v), _) => (v, false),
        (Err(_), Some(v)) => (v, true),
        (Err(_), None) => return Err(not_a_number(field, separator)),
    };
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
    Ok((v32, decimal_comma))
}

/// Why `field` is not a number, with a hint when it holds a separator the file's first line
/// does not (`;`, or a tab in a comma-separated file), or a decimal comma in a comma-separated
/// file.
fn not_a_number(field: &str, separator: Separator) -> String {
    let held = match separator {
        Separator::Comma => [Separator::Semicolon, Separator::Tab].as_slice(),
        Separator::Tab => [Separator::Semicolon].as_slice(),
        Separator::Semicolon => [].as_slice(),
    };
    let held = held.iter().find(|s| field.contains(s.byte() as char));
    let hint = match held {
        Some(s) => format!(
            " (it holds {}, which the file's first line does not, so its fields are read as \
             separated by {}: is the file separated by {} from its first line on?)",
            s.shown(),
            separator.shown(),
            s.shown()
        ),
        None if separator == Separator::Comma && field.contains(',') => {
            " (a decimal comma is read only in a file separated by ';' or tabs)".into()
        }
        None => String::new(),
    };
    format!("'{}' is not a number{hint}", echo(field))
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

    /// The bytes pandas 3.1.1 writes (`df.to_csv()`, its defaults) for
    /// `rows = np.array([[1.5, -0.25, 3.0, 0.1], [2.0, 0.5, -1.0, 0.2], [0.3, 0.7, 0.9, 1.1]],
    /// dtype=np.float32)`: `pd.DataFrame(rows)` (the frame's column labels 0, 1, 2, 3), and
    /// with `columns=["t0", …, "t3"]` and `df.insert(0, "kind", ["up", "down", "up"])`.
    const PANDAS: &str = ",0,1,2,3\n0,1.5,-0.25,3.0,0.1\n1,2.0,0.5,-1.0,0.2\n2,0.3,0.7,0.9,1.1\n";
    const PANDAS_KIND: &str =
        ",kind,t0,t1,t2,t3\n0,up,1.5,-0.25,3.0,0.1\n1,down,2.0,0.5,-1.0,0.2\n2,up,0.3,0.7,0.9,1.1\n";
    /// The same frames with `sep=";", decimal=","`, and with `sep="\t"` (from float64).
    const PANDAS_SEMICOLON: &str =
        ";kind;t0;t1;t2;t3\n0;up;1,5;-0,25;3,0;0,1\n1;down;2,0;0,5;-1,0;0,2\n2;up;0,3;0,7;0,9;1,1\n";
    const PANDAS_TAB: &str = "\t0\t1\t2\t3\n0\t1.5\t-0.25\t3.0\t0.10000000149011612\n1\t2.0\t0.5\t-1.0\t0.20000000298023224\n2\t0.30000001192092896\t0.699999988079071\t0.8999999761581421\t1.100000023841858\n";
    const ROWS: [f32; 12] = [
        1.5, -0.25, 3.0, 0.1, 2.0, 0.5, -1.0, 0.2, 0.3, 0.7, 0.9, 1.1,
    ];

    #[test]
    fn pandas_files_are_read_without_their_index() {
        let d = parse(PANDAS).unwrap();
        assert_eq!(d.values, ROWS);
        assert_eq!(d.header.unwrap(), ["0", "1", "2", "3"]);
        assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
        assert!(d.notes[0].contains("column 1") && d.notes[0].contains("0 to 2"));
        let kind = |text: &str| parse_table(text, Path::new("t.csv"), &["kind".into()]).unwrap();
        for text in [PANDAS_KIND, PANDAS_SEMICOLON] {
            let d = kind(text);
            assert_eq!(d.values, ROWS, "{text}");
            assert_eq!(d.header.unwrap(), ["t0", "t1", "t2", "t3"]);
            assert_eq!(d.columns[0].fields, ["up", "down", "up"]);
        }
        let notes = kind(PANDAS_SEMICOLON).notes.join("; ");
        assert!(notes.contains("separated by ';'") && notes.contains("decimal commas"));
        let d = parse(PANDAS_TAB).unwrap();
        assert_eq!(d.values, ROWS);
        assert!(d.notes[0].contains("separated by tabs"), "{:?}", d.notes);
        // Rows a filter left: increasing whole numbers.
        let d = parse(",a,b\n3,1,2\n10,3,4\n").unwrap();
        assert_eq!((d.dim, d.values), (2, vec![1., 2., 3., 4.]));
    }

    #[test]
    fn an_unnamed_first_column_of_values_is_kept_or_named_in_the_error() {
        // Names only: an empty name over values is a column of values, as it always was.
        let d = parse(",a,b\n0.5,1,2\n0.25,3,4\n").unwrap();
        assert_eq!(d.values, [0.5, 1., 2., 0.25, 3., 4.]);
        assert_eq!(d.header.unwrap(), ["", "a", "b"]);
        assert!(d.notes.is_empty());
        let d = parse(",a\n2,1\n1,3\n").unwrap();
        assert_eq!(d.values, [2., 1., 1., 3.]);
        // Numbers among the names: a header only over an index.
        let e = parse(",0,1\n0,1,2\n5,3,4\n2,5,6\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1: the header leaves column 1 unnamed")
                && e.contains("line 4 holds '2'")
                && e.contains("to_csv(index=False)"),
            "{e}"
        );
    }

    #[test]
    fn semicolons_and_tabs_are_read_with_decimal_commas() {
        let d = parse("a;b\n1,5;2\n-3;4,25e1\n").unwrap();
        assert_eq!(d.values, [1.5, 2.0, -3.0, 42.5]);
        let d = parse("1\t2,5\n3\t4\n").unwrap();
        assert_eq!(d.values, [1.0, 2.5, 3.0, 4.0]);
        assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
        // A comma file's decimal comma is no number; nor is a thousands separator.
        for (text, needle) in [
            ("1,2\n1,\"2,5\"\n", "'2,5' is not a number (a decimal comma is read only"),
            ("a;b\n1.000,5;2\n", "'1.000,5' is not a number"),
            (
                "value\n1;2;3\n",
                "line 2, column 1: '1;2;3' is not a number (it holds ';', which the file's first line does not",
            ),
            ("a,b\n1\t2,3\n", "'1\\t2' is not a number (it holds tabs"),
            ("a\tb\n1;2\t3\n", "'1;2' is not a number (it holds ';'"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
        let d = parse_table("a;c\n1;2,5\n2;3\n", Path::new("t.csv"), &["c".into()]).unwrap();
        assert_eq!(d.columns[0].fields, ["2.5", "3"]);
    }

    #[test]
    fn header_width_must_match() {
        let err = parse("a,b,c\n1,2\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
