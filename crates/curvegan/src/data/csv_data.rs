//! Real samples read from a CSV file (`--data FILE.csv`).
//!
//! Each row is one real sample of `dim` values; all rows have the same length, so the file is
//! a matrix `[N, dim]`, kept row-major in f32. Values are separated by commas; spaces around
//! them are ignored, and so are blank lines. The first line is a header (skipped, its names
//! kept) when one of its fields is not a number.
//!
//! Errors name the file, the 1-based line and what is wrong: a ragged row (its length and the
//! first row's), a field that is not a number (its text and 1-based column), NaN or an
//! infinity, a value too large for f32, an empty file, or a header with no rows after it.
//!
//! ```
//! use std::path::Path;
//! use curvegan::data::csv_data::Dataset;
//!
//! let data = Dataset::parse("t0,t1,t2\n1,2,3\n4,5,6\n", Path::new("curves.csv")).unwrap();
//! assert_eq!((data.len(), data.dim()), (2, 3));
//! assert_eq!(data.row(1), &[4.0, 5.0, 6.0]);
//! assert_eq!(data.header().unwrap(), &["t0", "t1", "t2"]);
//! ```

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A data set of real samples: `[N, dim]` f32 values, N ≥ 1, dim ≥ 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    path: PathBuf,
    header: Option<Vec<String>>,
    dim: usize,
    values: Vec<f32>,
}

impl Dataset {
    /// Reads and checks a CSV file (see the module docs).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
        Self::parse(&text, path)
    }

    /// Parses CSV text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let bad = |message: String| Error::bad_file(path, message);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((first_no, first)) = lines.next() else {
            return Err(bad("empty file: no rows of values".into()));
        };
        let first_fields: Vec<&str> = first.split(',').map(str::trim).collect();
        let is_header = first_fields.iter().any(|f| f.parse::<f64>().is_err());
        let mut values = Vec::new();
        // (line number, length) of the first data row: every other row must match it.
        let mut width: Option<(usize, usize)> = None;
        let mut header = None;
        let rows = std::iter::once((first_no, first)).chain(lines);
        for (k, (line_no, line)) in rows.enumerate() {
            if k == 0 && is_header {
                header = Some(
                    first_fields
                        .iter()
                        .map(|f| f.trim_matches('"').to_string())
                        .collect::<Vec<_>>(),
                );
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            match width {
                None => {
                    if let Some(h) = &header {
                        if h.len() != fields.len() {
                            return Err(bad(format!(
                                "line {line_no}: ragged row: {} values, but the header on line \
                                 {first_no} has {} names",
                                fields.len(),
                                h.len()
                            )));
                        }
                    }
                    width = Some((line_no, fields.len()));
                }
                Some((w_line, w)) if fields.len() != w => {
                    return Err(bad(format!(
                        "line {line_no}: ragged row: {} values, but the first row (line {w_line}) \
                         has {w}",
                        fields.len()
                    )));
                }
                Some(_) => {}
            }
            for (col, field) in fields.iter().enumerate() {
                let col = col + 1;
                let v: f64 = field.parse().map_err(|_| {
                    bad(format!(
                        "line {line_no}, column {col}: '{field}' is not a number"
                    ))
                })?;
                if !v.is_finite() {
                    return Err(bad(format!(
                        "line {line_no}, column {col}: {field} is not allowed (values must be \
                         finite, not NaN or infinite)"
                    )));
                }
                let v32 = v as f32;
                if !v32.is_finite() {
                    return Err(bad(format!(
                        "line {line_no}, column {col}: {field} is too large for f32"
                    )));
                }
                values.push(v32);
            }
        }
        let Some((_, dim)) = width else {
            return Err(bad(format!(
                "no rows of values: only the header on line {first_no}"
            )));
        };
        Ok(Dataset {
            path: path.to_path_buf(),
            header,
            dim,
            values,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header's names, if the file has a header line.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// Values per sample (the number of columns).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of samples (rows).
    pub fn len(&self) -> usize {
        self.values.len() / self.dim
    }

    /// Always false: a data set has at least one row.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// All values, `[N, dim]` row-major.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Sample `i` (`[dim]`). Panics if `i >= len()`, like slice indexing.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.dim..(i + 1) * self.dim]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Dataset> {
        Dataset::parse(text, Path::new("t.csv"))
    }

    #[test]
    fn reads_with_and_without_header() {
        let d = parse("1, 2\r\n\n3,4\n").unwrap();
        assert_eq!(d.values(), &[1.0, 2.0, 3.0, 4.0]);
        assert!(d.header().is_none());
        let d = parse("\"a\",b\n1,2\n").unwrap();
        assert_eq!(d.header().unwrap(), &["a", "b"]);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn header_width_must_match() {
        let err = parse("a,b,c\n1,2\n").unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
