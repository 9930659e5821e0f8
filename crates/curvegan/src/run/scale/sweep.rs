//! Sweeps: one configuration trained over many seeds, in parallel, and scored.
//!
//! Each seed `s` trains into `ROOT/seed-s` exactly as `curvegan train --seed s` would, on one
//! of `jobs` worker threads (a run is single-threaded, so `jobs` = the number of cores is the
//! natural choice), and its final generator — or its `best/` one when the config keeps the
//! best ([`crate::run::train::run_loop`]) — is scored with [`crate::run::train::sample::evaluate`]. A [`Criterion`] such as
//! `mse_to_target<=0.01` says which runs count as a success. This module scores a seed's run
//! and makes the sweep's table; what a sweep's folder runs is its plan
//! ([`crate::run::scale::plan`]), run on this machine's threads by [`crate::run::scale::local`] or on a Slurm
//! cluster by [`crate::run::scale::slurm`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::eval::catalogue::Scores;
use crate::run::store::files::{self, CsvWriter};
use crate::run::train::gather as report;
use crate::run::train::run_loop::{self, Summary};
use crate::run::train::sample::{evaluate, Generator};
use crate::text::echo;

/// Samples each run of a sweep is scored on unless told otherwise.
pub const DEFAULT_SCORING_SAMPLES: usize = 1000;

/// The most runs one sweep or benchmark trains (a million): each keeps a run folder on disk
/// and its result in memory, and the list of seeds is built before the first one trains.
pub const MAX_RUNS: u64 = 1_000_000;

/// Checks a number of runs against [`MAX_RUNS`]; `option` names it in the error.
pub fn check_runs(option: &str, runs: u64) -> Result<()> {
    if runs > MAX_RUNS {
        return Err(Error::config(
            option,
            format!("{runs} runs, above the limit of {MAX_RUNS}"),
        ));
    }
    Ok(())
}

/// A comparison of a metric with a threshold, e.g. `mse_to_target<=0.01`.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// The metric's name, as in [`Scores::metrics`].
    pub metric: String,
    /// The comparison.
    pub op: Comparison,
    /// The threshold.
    pub value: f64,
}

/// How a metric is compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<=`
    Le,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl Criterion {
    /// Whether `report` meets the criterion; `None` if it lacks the metric.
    pub fn met_by(&self, report: &Scores) -> Option<bool> {
        let v = report.get(&self.metric)?;
        Some(match self.op {
            Comparison::Le => v <= self.value,
            Comparison::Lt => v < self.value,
            Comparison::Ge => v >= self.value,
            Comparison::Gt => v > self.value,
        })
    }
}

impl FromStr for Criterion {
    type Err = String;

    /// Parses `METRIC<=VALUE` (also `<`, `>=`, `>`).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        for (token, op) in [
            ("<=", Comparison::Le),
            (">=", Comparison::Ge),
            ("<", Comparison::Lt),
            (">", Comparison::Gt),
        ] {
            if let Some((metric, value)) = s.split_once(token) {
                let metric = metric.trim();
                let value: f64 = value.trim().parse().map_err(|_| {
                    format!("'{}' in '{}' is not a number", echo(value.trim()), echo(s))
                })?;
                if metric.is_empty() || !value.is_finite() {
                    return Err(format!(
                        "expected METRIC<=VALUE with a finite VALUE, got '{}'",
                        echo(s)
                    ));
                }
                return Ok(Criterion {
                    metric: metric.to_string(),
                    op,
                    value,
                });
            }
        }
        Err(format!(
            "expected METRIC<=VALUE (or <, >=, >), got '{}'",
            echo(s)
        ))
    }
}

impl fmt::Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Comparison::Le => "<=",
            Comparison::Lt => "<",
            Comparison::Ge => ">=",
            Comparison::Gt => ">",
        };
        write!(f, "{}{op}{}", self.metric, self.value)
    }
}

/// One seed's outcome.
#[derive(Debug, Clone)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Its setting's index (from 0) in a hyperparameter sweep ([`crate::run::scale::grid`]);
    /// `None` in a sweep over seeds alone.
    pub setting: Option<usize>,
    /// Its run folder.
    pub dir: PathBuf,
    /// What training reported.
    pub summary: Summary,
    /// The final generator's metrics.
    pub report: Scores,
}

/// How each run of a sweep is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scoring {
    /// Generated (and real) samples.
    pub samples: usize,
    /// The run with seed `s` is scored with seed `s + seed_offset`
    /// ([`crate::run::train::sample::evaluate`]).
    pub seed_offset: u64,
}

/// Hears about each seed of a sweep as it finishes (progress lines, a bar); called from the
/// sweep's worker threads, in the order the seeds finish.
pub trait SeedObserver: Sync {
    /// Called when a seed's run is trained (or found finished) and scored.
    fn on_seed(&self, _result: &SeedResult) {}
    /// Asked before a seed starts and after every step of each running one: true starts no
    /// new seed and stops each running one with a checkpoint (e.g. on Ctrl-C).
    fn should_stop(&self) -> bool {
        false
    }
}

/// An observer that ignores every seed.
impl SeedObserver for () {}

/// The run folder of seed `seed` in the sweep folder `root`: `root/seed-S`.
pub fn seed_dir(root: &Path, seed: u64) -> PathBuf {
    root.join(format!("seed-{seed}"))
}

/// The result of the finished run of seed `seed` in `root`, however it was trained (in one
/// session, resumed, by another process, a trial on Slurm): its summary read back from its
/// files ([`run_loop::summary_of`]; its wall time is `run.json`'s, all its sessions), then scored.
pub fn result_of(root: &Path, seed: u64, scoring: Scoring) -> Result<SeedResult> {
    let dir = seed_dir(root, seed);
    let summary = run_loop::summary_of(&dir)?;
    score(seed, dir, summary, scoring)
}

/// Scores the run of `seed` in `dir`: its final generator, or its `best/` one when it keeps
/// the best, on `scoring.samples` samples with seed `seed + scoring.seed_offset`.
fn score(seed: u64, dir: PathBuf, summary: Summary, scoring: Scoring) -> Result<SeedResult> {
    let scored = match summary.best {
        Some(_) => dir.join(files::BEST_DIR),
        None => dir.clone(),
    };
    let score_seed = seed.wrapping_add(scoring.seed_offset);
    let report = evaluate(
        &Generator::load(&scored)?,
        scoring.samples,
        score_seed,
        "eval_n",
    )?;
    Ok(SeedResult {
        seed,
        setting: None,
        dir,
        summary,
        report,
    })
}

/// The sweep as CSV: `seed,wall_s,d_loss,g_loss,<metrics…>`.
pub fn to_csv(results: &[SeedResult]) -> String {
    rows_csv(results, false)
}

/// A row per run: `seed,wall_s,d_loss,g_loss,<metrics…>`, after a `setting` column (numbered
/// from 1) when `with_setting` (a hyperparameter sweep's `runs.csv`).
pub fn rows_csv(results: &[SeedResult], with_setting: bool) -> String {
    let mut csv = CsvWriter::new();
    let Some(first) = results.first() else {
        return csv.finish();
    };
    let lead = with_setting.then_some("setting");
    let names = first.report.metrics.iter().map(|(name, _)| name.as_str());
    csv.row(
        lead.into_iter()
            .chain(["seed", "wall_s", "d_loss", "g_loss"])
            .chain(names),
    );
    for r in results {
        let s = &r.summary;
        let setting = r.setting.map_or(String::new(), |i| (i + 1).to_string());
        let mut fields: Vec<String> = with_setting.then_some(setting).into_iter().collect();
        fields.extend([
            r.seed.to_string(),
            s.wall.as_secs_f64().to_string(),
            s.last.d_loss.to_string(),
            s.last.g_loss.to_string(),
        ]);
        fields.extend(r.report.metrics.iter().map(|(_, v)| v.to_string()));
        csv.row(fields);
    }
    csv.finish()
}

/// Writes [`to_csv`] to `root/sweep.csv` ([`files::SWEEP_CSV`]) and the page comparing the
/// seeds' runs to `root/report.html` ([`report::write_comparison`]).
pub fn save(root: &Path, results: &[SeedResult]) -> Result<()> {
    files::write_atomic(&root.join(files::SWEEP_CSV), to_csv(results).as_bytes())?;
    report::write_comparison(root)
}

/// The sweep as a table for people: seed, wall time and every metric, then, with a
/// `success` criterion, a yes/no column and the count of seeds that met it. Fails if a run
/// lacks the criterion's metric.
pub fn table(results: &[SeedResult], success: Option<&Criterion>) -> Result<String> {
    let names: Vec<&str> = results.first().map_or(Vec::new(), |r| {
        r.report.metrics.iter().map(|(n, _)| n.as_str()).collect()
    });
    let mut text = format!("{:>6} {:>8}", "seed", "wall_s");
    for n in &names {
        text.push_str(&format!(" {:>w$}", n, w = n.len().max(10)));
    }
    if success.is_some() {
        text.push_str("  success");
    }
    text.push('\n');
    let mut met = 0;
    for r in results {
        text.push_str(&format!(
            "{:>6} {:>8.2}",
            r.seed,
            r.summary.wall.as_secs_f64()
        ));
        for (n, (_, v)) in names.iter().zip(&r.report.metrics) {
            text.push_str(&format!(" {:>w$.5}", v, w = n.len().max(10)));
        }
        if let Some(c) = success {
            let ok = c.met_by(&r.report).ok_or_else(|| {
                Error::config(
                    "success",
                    format!(
                        "no metric '{}'; this target has {}",
                        echo(&c.metric),
                        names.join(", ")
                    ),
                )
            })?;
            met += ok as usize;
            text.push_str(if ok { "  yes" } else { "  no" });
        }
        text.push('\n');
    }
    if let Some(c) = success {
        text.push_str(&format!(
            "success ({c}): {met} of {} seeds ({:.0} %)\n",
            results.len(),
            100.0 * met as f64 / results.len() as f64
        ));
    }
    Ok(text)
}
