//! A sweep's or a benchmark's tables read back from its folder for its page
//! ([`crate::run::view::scores`]): `sweep.csv` (a row per seed, or per setting), `runs.csv`
//! (a hyperparameter sweep's row per run), `bench.csv` (a row per trial) and `table.md`. The
//! page shows the numbers these files hold — the scores of the final (or `best/`) generators —
//! never the last evaluation during training, which is another number.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::run::store::files;
use crate::run::view::report::{Num, RunData};
use crate::run::view::scores::{
    fixed, markdown_table, mean_sd, mean_sd_text, success_text, Cell, Column, Group, MeanSd,
    RunScores, Scores,
};

/// A CSV file's header and rows, as text.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    path: PathBuf,
}

impl Csv {
    /// Reads `root/name` (at most [`files::MAX_METRICS`] bytes); every row as wide as the header.
    fn read(root: &Path, name: &str) -> Result<Csv> {
        let path = root.join(name);
        let bytes = files::read_at_most(&path, files::MAX_METRICS)?;
        let bad = |e: csv::Error| Error::bad_file(&path, format!("is not a CSV table: {e}"));
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header = reader
            .headers()
            .map_err(bad)?
            .iter()
            .map(String::from)
            .collect();
        let rows = (reader.records())
            .map(|r| r.map(|r| r.iter().map(String::from).collect()).map_err(bad))
            .collect::<Result<_>>()?;
        Ok(Csv { header, rows, path })
    }

    /// The index of column `name`.
    fn column(&self, name: &str) -> Result<usize> {
        (self.header.iter().position(|h| h == name))
            .ok_or_else(|| Error::bad_file(&self.path, format!("has no column {name}")))
    }

    /// Field `col` of `row` as a number (empty: NaN, as the tables write a missing one).
    fn number(&self, row: &[String], col: usize) -> Result<f64> {
        match row[col].as_str() {
            "" => Ok(f64::NAN),
            text => text.parse().map_err(|_| {
                let what = format!(
                    "has '{}' in column {}",
                    crate::text::echo(text),
                    self.header[col]
                );
                Error::bad_file(&self.path, what)
            }),
        }
    }

    /// Field `col` of `row` as a seed or a setting's number.
    fn whole(&self, row: &[String], col: usize) -> Result<u64> {
        row[col].parse().map_err(|_| {
            let what = format!(
                "has '{}' in column {}",
                crate::text::echo(&row[col]),
                self.header[col]
            );
            Error::bad_file(&self.path, what)
        })
    }
}

/// How a per-run column is shown: its heading, its text, and the value shown (a fraction in
/// percent).
fn show(name: &str, v: f64) -> (String, String) {
    match name {
        // The benchmark's trials, as `curvegan bench modes` prints them.
        "high_quality_fraction" => ("high-quality %".into(), format!("{:.2}", 100.0 * v)),
        "reverse_kl" => ("reverse KL".into(), format!("{v:.4}")),
        "modes_captured" => ("modes captured".into(), v.to_string()),
        _ => (name.to_string(), fixed(v)),
    }
}

/// The scores of the sweep or benchmark in `root` whose runs are `runs` (the page's, by
/// folder); `None` for a folder without tables (not yet written, or not a sweep's).
pub fn of(root: &Path, runs: &[RunData]) -> Result<Option<Scores>> {
    let index = |folder: &str| {
        let path = root.join(folder).display().to_string();
        runs.iter().position(|r| r.folder == path)
    };
    let is = |name: &str| root.join(name).is_file();
    let table = match is(files::BENCH_TABLE) {
        true => {
            let bytes = files::read_at_most(&root.join(files::BENCH_TABLE), files::MAX_METRICS)?;
            markdown_table(&String::from_utf8_lossy(&bytes))
        }
        false => None,
    };
    if is(files::BENCH_CSV) {
        // `seed,modes_captured,high_quality_fraction,reverse_kl,wall_s`.
        let csv = Csv::read(root, files::BENCH_CSV)?;
        let cols = 1..csv.column("wall_s")?;
        let group = seed_group(&csv, cols.clone(), "every trial", &index)?;
        let scores = Scores {
            kind: "bench",
            files: vec![files::BENCH_CSV.into(), files::BENCH_TABLE.into()],
            metric: None,
            table,
            columns: columns(&csv.header[cols]),
            // The table's row holds the mean ± standard error.
            groups: vec![Group {
                means: Vec::new(),
                ..group
            }],
        };
        return Ok(Some(scores));
    }
    if !is(files::SWEEP_CSV) {
        return Ok(None);
    }
    let sweep = Csv::read(root, files::SWEEP_CSV)?;
    if !is(files::RUNS_CSV) {
        // A sweep over seeds: `seed,wall_s,d_loss,g_loss,<metrics…>`.
        sweep.column("seed")?;
        let group = seed_group(&sweep, 4..sweep.header.len(), "every seed", &index)?;
        return Ok(Some(Scores {
            kind: "seeds",
            files: vec![files::SWEEP_CSV.into()],
            metric: None,
            table: None,
            columns: columns(&sweep.header[4..]),
            groups: vec![group],
        }));
    }
    let runs_csv = Csv::read(root, files::RUNS_CSV)?;
    let (first, seed_col) = (5, runs_csv.column("seed")?);
    let setting_col = runs_csv.column("setting")?;
    let names = &runs_csv.header[first..];
    let runs_at = sweep.column("runs")?;
    let rate_at = sweep.column("success_rate").ok();
    let width = sweep.rows.len().to_string().len().max(2);
    let mut groups = Vec::new();
    for row in &sweep.rows {
        let number = sweep.whole(row, 0)?;
        let folder = format!("setting-{number:0width$}");
        let setting = (1..runs_at)
            .map(|c| (sweep.header[c].clone(), row[c].clone()))
            .collect();
        let count = sweep.whole(row, runs_at)? as usize;
        let success = match rate_at {
            Some(c) => {
                let rate = sweep.number(row, c)?;
                let met = (rate * count as f64).round() as usize;
                Some(Cell {
                    value: Num(rate),
                    text: success_text(met, count),
                })
            }
            None => None,
        };
        let mut means = Vec::new();
        for name in names {
            let mean = sweep.number(row, sweep.column(&format!("{name}_mean"))?)?;
            let sd = sweep.number(row, sweep.column(&format!("{name}_sd"))?)?;
            let text = mean_sd_text(mean, sd);
            means.push(MeanSd {
                name: name.clone(),
                mean: Num(mean),
                sd: Num(sd),
                text,
            });
        }
        let mut scores = Vec::new();
        for r in (runs_csv.rows.iter()).filter(|r| r[setting_col] == row[0]) {
            let seed = runs_csv.whole(r, seed_col)?;
            let run_folder = format!("{folder}/seed-{seed}");
            scores.push(RunScores {
                run: index(&run_folder),
                folder: run_folder,
                seed,
                values: cells(&runs_csv, r, first)?,
            });
        }
        groups.push(Group {
            name: format!("setting {number}"),
            folder,
            setting,
            runs: count,
            success,
            means,
            scores,
        });
    }
    Ok(Some(Scores {
        kind: "grid",
        files: vec![
            files::SWEEP_CSV.into(),
            files::RUNS_CSV.into(),
            files::BENCH_TABLE.into(),
        ],
        metric: table.as_ref().and_then(|t| sort_metric(&t.caption)),
        table,
        columns: columns(names),
        groups,
    }))
}

/// The metric of `table.md`'s caption, `Settings by METRIC over seeds (…):`.
fn sort_metric(caption: &str) -> Option<String> {
    let rest = caption.strip_prefix("Settings by ")?;
    Some(rest.split(" over seeds").next()?.to_string())
}

/// The columns named `names`, with their headings.
fn columns(names: &[String]) -> Vec<Column> {
    (names.iter())
        .map(|n| Column {
            name: n.clone(),
            heading: show(n, 0.0).0,
        })
        .collect()
}

/// The cells of `row` from column `first` on.
fn cells(csv: &Csv, row: &[String], first: usize) -> Result<Vec<Cell>> {
    (first..row.len())
        .map(|c| {
            let v = csv.number(row, c)?;
            Ok(Cell {
                value: Num(v),
                text: show(&csv.header[c], v).1,
            })
        })
        .collect()
}

/// One group of every row of `csv` (`seed` first), scored by the columns `cols`, with every
/// score's mean ± sd.
fn seed_group(
    csv: &Csv,
    cols: Range<usize>,
    name: &str,
    index: &dyn Fn(&str) -> Option<usize>,
) -> Result<Group> {
    let mut scores = Vec::new();
    for row in &csv.rows {
        let seed = csv.whole(row, 0)?;
        let folder = format!("seed-{seed}");
        let values = cells(csv, &row[..cols.end], cols.start)?;
        scores.push(RunScores {
            run: index(&folder),
            folder,
            seed,
            values,
        });
    }
    let means = cols
        .clone()
        .map(|c| {
            let at = c - cols.start;
            let values: Vec<f64> = (scores.iter()).map(|s| s.values[at].value.0).collect();
            let (mean, sd) = mean_sd(&values);
            let name = csv.header[c].clone();
            MeanSd {
                name,
                mean: Num(mean),
                sd: Num(sd),
                text: mean_sd_text(mean, sd),
            }
        })
        .collect();
    Ok(Group {
        name: name.to_string(),
        folder: String::new(),
        setting: Vec::new(),
        runs: scores.len(),
        success: None,
        means,
        scores,
    })
}
