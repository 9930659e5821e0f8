//! CSV text written by curvegan (`metrics.csv`, a sweep's tables, samples): fields quoted
//! only when they must be ([`CsvWriter`]).

use std::fmt::Display;

/// CSV text built one row at a time: fields separated by commas, each row ended by `\n`, and
/// a field quoted (`"…"`, inner quotes doubled) only when it holds a comma, a quote or a line
/// break. Fields are written with `Display`, so floats get Rust's shortest text that reads
/// back to the same value.
///
/// ```
/// use curvegan::run::store::csv_text::CsvWriter;
///
/// let mut csv = CsvWriter::new();
/// csv.row(["seed", "a,b"]).row([1.5, 2.0]);
/// assert_eq!(csv.finish(), "seed,\"a,b\"\n1.5,2\n");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvWriter {
    text: String,
}

impl CsvWriter {
    /// An empty CSV text.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one row.
    pub fn row<T: Display>(&mut self, fields: impl IntoIterator<Item = T>) -> &mut Self {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            let field = field.to_string();
            if field.contains([',', '"', '\n', '\r']) {
                self.text.push('"');
                self.text.push_str(&field.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(&field);
            }
        }
        self.text.push('\n');
        self
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text.
    pub fn finish(self) -> String {
        self.text
    }
}
