//! A data file's samples, whatever its format: `N` rows of `channels × points` values, and the
//! columns a conditional GAN can be conditioned on (a class, a measured quantity).
//!
//! | format (by the file's extension) | rows | channels | conditions |
//! | --- | --- | --- | --- |
//! | CSV, separated by `,`, `;` or tabs (any other extension; [`crate::data::csv_data`]) | one per line | 1 | the columns named in `condition_columns` |
//! | NumPy `.npy` ([`crate::data::npy`]) | the first axis | 1, or the middle axis of `[rows, channels, points]` | none |
//! | UCR/UEA `.ts` ([`crate::data::ts`]) | one per series | `@dimensions` | the series' label, as the column `label` |
//!
//! A row is stored channel after channel: `[c₀p₀ … c₀pₙ₋₁, c₁p₀ …]`, `dim = channels · points`,
//! in f32. A `.ts` file with series of different lengths needs `resample` (`--resample N`):
//! every channel is then interpolated linearly onto `N` points ([`crate::data::ts::resample`]);
//! the other formats have equal rows by construction.
//!
//! **Condition columns** become [`ColumnValues`]: a column whose every field is a number is a
//! continuous quantity ([`ColumnValues::Number`]), any other a category
//! ([`ColumnValues::Category`], its levels sorted — numerically when they are all numbers);
//! `NAME:category` in `condition_columns` makes a column of numbers a category (class codes
//! such as 1, 2, 3). A `.ts` class label is a category with the levels in the order of its
//! `@classLabel` line; a `@targetLabel` is a number. A constant column is refused: it
//! conditions on nothing.
//!
//! ```
//! use std::path::Path;
//! use curvegan::data::dataset::{ColumnValues, DataOptions, Dataset};
//!
//! let text = "t0,t1,kind,temp\n1,2,a,20.5\n3,4,b,21\n5,6,a,19\n";
//! let options = DataOptions { condition_columns: vec!["kind".into(), "temp".into()], resample: None };
//! let data = Dataset::parse_bytes(text.as_bytes(), Path::new("x.csv"), &options).unwrap();
//! assert_eq!((data.len(), data.channels(), data.points()), (3, 1, 2));
//! assert_eq!(data.row(2), &[5.0, 6.0]);
//! let ColumnValues::Category { levels, index } = &data.columns()[0].values else { panic!() };
//! assert_eq!((levels.as_slice(), index.as_slice()), (&["a".to_string(), "b".to_string()][..], &[0, 1, 0][..]));
//! assert_eq!(data.columns()[1].values, ColumnValues::Number(vec![20.5, 21.0, 19.0]));
//! ```

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::data::csv_data::{self, CsvTable};
use crate::data::input::{self, Fingerprint};
use crate::data::npy;
use crate::data::ts::{TsFile, TsLabels};
use crate::error::{Error, Result};
use crate::text::echo;

/// The largest data file read: 1 GiB (about 100 million values of text).
pub const MAX_DATA_BYTES: u64 = 1 << 30;

/// The most points a resampled series may have.
pub const MAX_RESAMPLE: usize = 1 << 20;

/// The name of a `.ts` file's label column.
pub const TS_LABEL: &str = "label";

/// A data file's format, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text separated by commas, semicolons or tabs (any extension but `.npy` and `.ts`).
    Csv,
    /// A NumPy array.
    Npy,
    /// The UCR/UEA time-series text format.
    Ts,
}

impl Format {
    /// The format of `path`: `.npy` and `.ts` (any case) by their extension, CSV otherwise.
    pub fn of(path: &Path) -> Format {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("npy") => Format::Npy,
            Some("ts") => Format::Ts,
            _ => Format::Csv,
        }
    }

    /// The format's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Npy => "NumPy .npy",
            Format::Ts => ".ts",
        }
    }
}

/// How to read a data file: the columns that are conditions, and the length to resample
/// series to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataOptions {
    /// The names of a CSV file's condition columns (`NAME` or `NAME:category`).
    pub condition_columns: Vec<String>,
    /// Interpolate every channel of every series onto this many points (`.ts` only).
    pub resample: Option<usize>,
}

/// A condition column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// A category: the sorted levels, and each row's level.
    Category {
        /// The distinct values, in order.
        levels: Vec<String>,
        /// `[N]`: each row's index into `levels`.
        index: Vec<usize>,
    },
    /// A continuous quantity: each row's value.
    Number(Vec<f64>),
}

/// A condition column: its name and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The name (`--condition NAME=VALUE` uses it).
    pub name: String,
    /// The values, one per row.
    pub values: ColumnValues,
}

/// A data set of real samples: `[N, channels · points]` f32 values, N ≥ 1, and its condition
/// columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    path: PathBuf,
    fingerprint: Fingerprint,
    format: Format,
    header: Option<Vec<String>>,
    channels: usize,
    points: usize,
    values: Vec<f32>,
    columns: Vec<Column>,
    /// How the file was read, where a reader decided something (a CSV file's separator, …).
    notes: Vec<String>,
}

impl Dataset {
    /// Reads and checks a data file (see the module docs): a regular file, or a pipe or FIFO
    /// read to its end ([`input::read_input`]), of at most [`MAX_DATA_BYTES`]. The bytes of a
    /// pipe are kept for the process's next loads of the same path.
    pub fn load(path: &Path, options: &DataOptions) -> Result<Self> {
        // A pipe (`--data <(…)`) gives its bytes once: a second load in this process (the
        // checks before a run, then the run; each seed of a sweep) takes the bytes it gave.
        static PIPED: Mutex<Vec<(PathBuf, Vec<u8>)>> = Mutex::new(Vec::new());
        let piped = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let mut kept = PIPED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, bytes)) = kept.iter().find(|(p, _)| piped && p == path) {
            return Self::parse_bytes(bytes, path, options);
        }
        let bytes = match Format::of(path) {
            Format::Npy => input::read_input(path, MAX_DATA_BYTES)?,
            Format::Csv | Format::Ts => input::read_text(path, MAX_DATA_BYTES)?.into_bytes(),
        };
        let data = Self::parse_bytes(&bytes, path, options)?;
        if piped {
            kept.push((path.to_path_buf(), bytes));
        }
        Ok(data)
    }

    /// Parses CSV text without condition columns; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        Self::parse_bytes(text.as_bytes(), path, &DataOptions::default())
    }

    /// Parses a data file's bytes in the format of `path`'s extension ([`Format::of`]);
    /// `path` names it in errors.
    pub fn parse_bytes(bytes: &[u8], path: &Path, options: &DataOptions) -> Result<Self> {
        let format = Format::of(path);
        let refuse = |option: &str, what: &str| {
            Error::config(
                option,
                format!(
                    "{what} applies to .ts files; {} is a {} file",
                    path.display(),
                    format.name()
                ),
            )
        };
        if format != Format::Ts && options.resample.is_some() {
            return Err(refuse("target.resample", "resampling"));
        }
        if let Some(n) = options.resample {
            if !(2..=MAX_RESAMPLE).contains(&n) {
                return Err(Error::config(
                    "target.resample",
                    format!("takes 2 to {MAX_RESAMPLE} points, got {n}"),
                ));
            }
        }
        let text =
            || std::str::from_utf8(bytes).map_err(|_| Error::bad_file(path, "is not UTF-8 text"));
        let (specs, categorical) = column_specs(&options.condition_columns);
        let mut data = match format {
            Format::Csv => {
                let CsvTable {
                    header,
                    dim,
                    values,
                    columns,
                    notes,
                } = csv_data::parse_table(text()?, path, &specs)?;
                let columns = (columns.into_iter().zip(&categorical))
                    .map(|(c, &category)| Column {
                        values: column_values(c.fields, category),
                        name: c.name,
                    })
                    .collect();
                let mut data = Dataset::new(path, format, header, 1, dim, values, columns);
                data.notes = notes;
                data
            }
            Format::Npy => {
                if let Some(name) = specs.first() {
                    return Err(Error::config(
                        "target.condition_columns",
                        format!(
                            "'{}' given, but {} is a NumPy array, which has no named columns",
                            echo(name),
                            path.display()
                        ),
                    ));
                }
                let a = npy::parse(bytes, path)?;
                Dataset::new(
                    path,
                    format,
                    None,
                    a.channels,
                    a.points,
                    a.values,
                    Vec::new(),
                )
            }
            Format::Ts => {
                let file = TsFile::parse(text()?, path)?;
                let (points, values) = file.rows(options.resample, path)?;
                let columns = match file.labels {
                    TsLabels::None => Vec::new(),
                    TsLabels::Classes { names, index } => vec![Column {
                        name: TS_LABEL.into(),
                        values: ColumnValues::Category {
                            levels: names,
                            index,
                        },
                    }],
                    TsLabels::Targets(v) => vec![Column {
                        name: TS_LABEL.into(),
                        values: ColumnValues::Number(v),
                    }],
                };
                if let Some(other) = specs.iter().find(|s| s.as_str() != TS_LABEL) {
                    return Err(Error::config(
                        "target.condition_columns",
                        format!(
                            "'{}' given, but a .ts file's only condition is its '{TS_LABEL}' ({})",
                            echo(other),
                            path.display()
                        ),
                    ));
                }
                Dataset::new(path, format, None, file.channels, points, values, columns)
            }
        };
        data.fingerprint = Fingerprint::of(bytes);
        for c in &data.columns {
            check_not_constant(c, path)?;
        }
        Ok(data)
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        path: &Path,
        format: Format,
        header: Option<Vec<String>>,
        channels: usize,
        points: usize,
        values: Vec<f32>,
        columns: Vec<Column>,
    ) -> Dataset {
        Dataset {
            path: path.to_path_buf(),
            fingerprint: Fingerprint::of(&[]),
            format,
            header,
            channels,
            points,
            values,
            columns,
            notes: Vec::new(),
        }
    }

    /// A stand-in for the data file `path` when it is gone: one row of zeros of
    /// `channels × points` values, no condition columns (sampling from weights alone).
    pub fn zeros(path: &Path, channels: usize, points: usize) -> Dataset {
        let values = vec![0.0; channels * points];
        Dataset::new(
            path,
            Format::of(path),
            None,
            channels,
            points,
            values,
            Vec::new(),
        )
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The length and CRC-32 of the bytes it was read from (those of the file when it was
    /// read: a pipe gives its bytes once).
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A CSV file's names of its value columns, if it has a header line.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// How the file was read where its reader decided something the user should know: a CSV
    /// file's separator other than `,`, its decimal commas, an index column left out
    /// ([`csv_data::CsvTable::notes`]). One sentence each; empty for most files.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Channels per sample.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Points per channel.
    pub fn points(&self) -> usize {
        self.points
    }

    /// Values per sample: `channels · points`.
    pub fn dim(&self) -> usize {
        self.channels * self.points
    }

    /// Number of samples (rows).
    pub fn len(&self) -> usize {
        self.values.len() / self.dim().max(1)
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
        let d = self.dim();
        &self.values[i * d..(i + 1) * d]
    }

    /// The condition columns, in the order asked (a `.ts` file's label).
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
}

/// The names of `condition_columns` without their `:category` suffix, and whether each has it.
fn column_specs(condition_columns: &[String]) -> (Vec<String>, Vec<bool>) {
    condition_columns
        .iter()
        .map(|c| match c.strip_suffix(":category") {
            Some(name) => (name.to_string(), true),
            None => (c.clone(), false),
        })
        .unzip()
}

/// A column's fields as numbers when every one is a finite number (and `category` is false),
/// else as a category with its levels sorted (numerically when all are numbers).
fn column_values(fields: Vec<String>, category: bool) -> ColumnValues {
    let numbers: Option<Vec<f64>> = fields
        .iter()
        .map(|f| f.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    if let (Some(v), false) = (&numbers, category) {
        return ColumnValues::Number(v.clone());
    }
    let mut levels: Vec<String> = fields.clone();
    match &numbers {
        Some(_) => levels.sort_by(|a, b| {
            let (a, b) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            a.total_cmp(&b)
        }),
        None => levels.sort(),
    }
    levels.dedup();
    let index = fields
        .iter()
        .map(|f| levels.iter().position(|l| l == f).unwrap_or(0))
        .collect();
    ColumnValues::Category { levels, index }
}

/// Refuses a condition column with one value only.
fn check_not_constant(c: &Column, path: &Path) -> Result<()> {
    let constant = match &c.values {
        ColumnValues::Category { levels, .. } => levels.len() < 2,
        ColumnValues::Number(v) => v.iter().all(|x| *x == v[0]),
    };
    match constant {
        true => Err(Error::config(
            "target.condition_columns",
            format!(
                "the column '{}' of {} holds one value only: it conditions on nothing",
                echo(&c.name),
                path.display()
            ),
        )),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(columns: &[&str]) -> DataOptions {
        DataOptions {
            condition_columns: columns.iter().map(|c| c.to_string()).collect(),
            resample: None,
        }
    }

    #[test]
    fn csv_condition_columns_are_numbers_or_categories() {
        let text = "a,b,cls,t\n1,2,10,0.5\n3,4,2,1.5\n5,6,10,2.5\n";
        let d = Dataset::parse_bytes(
            text.as_bytes(),
            Path::new("x.csv"),
            &options(&["cls:category", "t"]),
        )
        .unwrap();
        assert_eq!(d.header().unwrap(), &["a", "b"]);
        assert_eq!(d.values(), &[1., 2., 3., 4., 5., 6.]);
        // Levels sorted numerically: 2 before 10.
        assert_eq!(
            d.columns()[0].values,
            ColumnValues::Category {
                levels: vec!["2".into(), "10".into()],
                index: vec![1, 0, 1]
            }
        );
        assert_eq!(
            d.columns()[1].values,
            ColumnValues::Number(vec![0.5, 1.5, 2.5])
        );
        // Without the suffix a column of numbers is a quantity.
        let d =
            Dataset::parse_bytes(text.as_bytes(), Path::new("x.csv"), &options(&["cls"])).unwrap();
        assert_eq!(
            d.columns()[0].values,
            ColumnValues::Number(vec![10., 2., 10.])
        );
        assert_eq!(d.dim(), 3);
    }

    #[test]
    fn bad_condition_columns_name_the_file_and_the_culprit() {
        let p = Path::new("x.csv");
        for (text, columns, want) in [
            (
                "a,b\n1,2\n3,4\n",
                &["c"][..],
                "'c', which is not a column of the header (a, b)",
            ),
            ("a,b\n1,2\n3,4\n", &["a", "a"][..], "names 'a' twice"),
            ("1,2\n3,4\n", &["a"][..], "the first row is data"),
            ("a,b\n1,x\n3,x\n", &["b"][..], "holds one value only"),
            (
                "a,b\n1,\n3,y\n",
                &["b"][..],
                "line 2, column 2 (b): the condition is empty",
            ),
            ("a\n1\n2\n", &["a"][..], "no values are left"),
        ] {
            let e = Dataset::parse_bytes(text.as_bytes(), p, &options(columns))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want) && e.contains("x.csv"), "{text:?}: {e}");
        }
        let e = Dataset::parse_bytes(b"x", Path::new("x.npy"), &options(&["a"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("target.condition_columns") && e.contains("no named columns"),
            "{e}"
        );
        let e = Dataset::parse_bytes(
            b"1,2\n",
            p,
            &DataOptions {
                resample: Some(5),
                ..DataOptions::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("target.resample") && e.contains("CSV"), "{e}");
    }

    #[test]
    fn ts_labels_and_channels() {
        let text = "@dimensions 2\n@classLabel true up down\n@data\n1,2:3,4:down\n5,6:7,8:up\n";
        let d = Dataset::parse_bytes(text.as_bytes(), Path::new("x.ts"), &DataOptions::default())
            .unwrap();
        assert_eq!((d.len(), d.channels(), d.points(), d.dim()), (2, 2, 2, 4));
        assert_eq!(d.row(0), &[1., 2., 3., 4.]);
        assert_eq!(d.columns()[0].name, "label");
        assert_eq!(
            d.columns()[0].values,
            ColumnValues::Category {
                levels: vec!["up".into(), "down".into()],
                index: vec![1, 0]
            }
        );
        let e = Dataset::parse_bytes(text.as_bytes(), Path::new("x.ts"), &options(&["cls"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("only condition is its 'label'"), "{e}");
    }
}
