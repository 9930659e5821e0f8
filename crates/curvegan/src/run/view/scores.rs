//! A sweep's or a benchmark's results as its page shows them: the numbers its tables hold
//! (`sweep.csv`, `runs.csv`, `bench.csv`, `table.md`), each with the text those tables print
//! for it, made by the same functions ([`mean_sd_text`], [`success_text`], [`fixed`]), so that
//! the page and the tables cannot disagree.
//!
//! The runs are grouped: by setting in a hyperparameter sweep (`setting-NN/seed-S`, in the
//! order of `sweep.csv`, best first), else one group of every seed or trial. A group's mean
//! and standard deviation are the sample ones over its runs (`n − 1`), as `sweep.csv` has
//! them; a benchmark's mean ± standard error is its `table.md` row.

use serde::{Serialize, Serializer};

/// A number as the page's JSON holds it (here and in [`crate::run::view::report`]): finite ones as numbers, others as `"inf"`, `"-inf"`, `"NaN"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            v if v.is_finite() => s.serialize_f64(v),
            v if v.is_nan() => s.serialize_str("NaN"),
            v if v > 0.0 => s.serialize_str("inf"),
            _ => s.serialize_str("-inf"),
        }
    }
}

/// Decimals of a score in the tables (`table.md`, the sweep's table) and on the page.
pub const DECIMALS: usize = 5;

/// Mean and sample standard deviation (over n − 1; NaN for fewer than 2 values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = match values.len() {
        0 | 1 => f64::NAN,
        _ => (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt(),
    };
    (mean, sd)
}

/// A number as the tables print a score: [`DECIMALS`] decimals.
pub fn fixed(v: f64) -> String {
    format!("{v:.DECIMALS$}")
}

/// A mean ± sd cell as `table.md` prints it: `—` without runs, the mean alone without an sd
/// (one run), else `MEAN ± SD`.
pub fn mean_sd_text(mean: f64, sd: f64) -> String {
    match (mean.is_nan(), sd.is_nan()) {
        (true, _) => "—".to_string(),
        (false, true) => fixed(mean),
        (false, false) => format!("{} ± {}", fixed(mean), fixed(sd)),
    }
}

/// A success cell as `table.md` prints it: `MET/N (P %)`, `—` without runs.
pub fn success_text(met: usize, runs: usize) -> String {
    match runs {
        0 => "—".to_string(),
        n => format!("{met}/{n} ({:.0} %)", 100.0 * met as f64 / n as f64),
    }
}

/// One number on the page: the value the table's file holds, and the text shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// The value, as the file has it (a fraction shown in percent keeps the fraction).
    pub value: Num,
    /// What the page prints.
    pub text: String,
}

/// A column of the per-run scores: the file's column and its heading on the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The column's name in the file (`mse_to_target`, `high_quality_fraction`).
    pub name: String,
    /// Its heading on the page (`high-quality %`).
    pub heading: String,
}

/// A metric's mean and sd over a group's runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanSd {
    /// The metric.
    pub name: String,
    /// The mean (`M_mean` of `sweep.csv`).
    pub mean: Num,
    /// The sample standard deviation (`M_sd`; NaN for one run).
    pub sd: Num,
    /// [`mean_sd_text`].
    pub text: String,
}

/// One run's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunScores {
    /// The run's index in the page's runs; `None` when its folder could not be read.
    pub run: Option<usize>,
    /// Its folder below the sweep's (`setting-01/seed-0`).
    pub folder: String,
    /// Its seed.
    pub seed: u64,
    /// Its score in each of [`Scores::columns`].
    pub values: Vec<Cell>,
}

/// A group of runs: a setting's seeds, or every seed of a sweep or trial of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Its heading: `setting 1`, `every seed`, `every trial`.
    pub name: String,
    /// Its folder below the sweep's (`setting-01`; empty for the sweep's own).
    pub folder: String,
    /// The setting's keys and values (none for seeds alone).
    pub setting: Vec<(String, String)>,
    /// Runs done (scored), as the table counts them.
    pub runs: usize,
    /// The fraction of runs that met the success criterion (`success_rate` of `sweep.csv`),
    /// and its text as `table.md` has it; `None` without a criterion.
    pub success: Option<Cell>,
    /// Every metric's mean and sd over the runs (none for a benchmark: its `table.md` row
    /// holds its mean ± standard error).
    pub means: Vec<MeanSd>,
    /// Its runs' scores.
    pub scores: Vec<RunScores>,
}

/// A table of `table.md`: the line above it and its cells, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextTable {
    /// The line above the table (empty if none).
    pub caption: String,
    /// The header's cells.
    pub header: Vec<String>,
    /// The rows' cells.
    pub rows: Vec<Vec<String>>,
}

/// A sweep's or a benchmark's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// `seeds` (a sweep over seeds), `grid` (a hyperparameter sweep) or `bench`.
    pub kind: &'static str,
    /// The files the numbers come from.
    pub files: Vec<String>,
    /// The metric the settings are sorted by (a hyperparameter sweep's).
    pub metric: Option<String>,
    /// `table.md`, as written.
    pub table: Option<TextTable>,
    /// The columns of the runs' scores.
    pub columns: Vec<Column>,
    /// The groups, in the table's order.
    pub groups: Vec<Group>,
}

/// The cells of a Markdown table's row `| a | b |`; `None` for a line that is not one.
fn markdown_row(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(|c| c.trim().to_string()).collect())
}

/// The first table of Markdown `text` (`table.md`): the last non-empty line above it, its
/// header and rows. `None` without a table or with a row of another width than its header
/// (a cell holding `|`): the page then leaves it out rather than show it misaligned.
pub fn markdown_table(text: &str) -> Option<TextTable> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| markdown_row(l).is_some())?;
    let header = markdown_row(lines[start])?;
    let caption = (lines[..start].iter().rev())
        .find(|l| !l.trim().is_empty())
        .map_or(String::new(), |l| l.trim().to_string());
    let mut rows = Vec::new();
    for line in &lines[start + 1..] {
        let Some(row) = markdown_row(line) else { break };
        if row
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| "-:".contains(ch)))
        {
            continue;
        }
        if row.len() != header.len() {
            return None;
        }
        rows.push(row);
    }
    Some(TextTable {
        caption,
        header,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_printed_as_the_tables_print_them() {
        assert_eq!(mean_sd_text(0.0100893, 0.00012), "0.01009 ± 0.00012");
        assert_eq!(mean_sd_text(0.5, f64::NAN), "0.50000");
        assert_eq!(mean_sd_text(f64::NAN, f64::NAN), "—");
        // 12.5 % rounds half to even, as Rust's formatting does everywhere.
        assert_eq!(success_text(1, 8), "1/8 (12 %)");
        assert_eq!(success_text(0, 0), "—");
    }

    #[test]
    fn a_markdown_table_is_read_cell_by_cell() {
        let t = markdown_table(
            "Settings by m:\n\n| a | b (mean ± sd) |\n|---|---|\n| 1 | 0.5 ± 0.1 |\n",
        )
        .unwrap();
        assert_eq!(t.caption, "Settings by m:");
        assert_eq!(t.header, ["a", "b (mean ± sd)"]);
        assert_eq!(t.rows, [["1", "0.5 ± 0.1"]]);
        assert!(markdown_table("| a | b |\n|---|---|\n| 1 | x | y |\n").is_none());
        assert!(markdown_table("no table").is_none());
    }
}
