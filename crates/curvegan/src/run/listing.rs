//! `curvegan runs`: one row per run folder under a folder — its name, start, target, loss,
//! steps done and planned, status, final metric and best.
//!
//! A folder is a run folder when it holds `config.toml` (and no `sweep.json` or `slurm.json`,
//! which mark a sweep, whose shared config sits beside its runs, [`is_sweep`]); folders are searched a few levels
//! deep (a sweep's runs sit one level below the sweep). The status is `running` when a
//! process holds the folder's lock ([`folder::is_locked`]), else the one `run.json` records
//! (`killed` if it still says running); a run written before `run.json` existed gets one
//! inferred from its files: final weights mean finished (early-stopped with fewer steps than
//! planned), a checkpoint alone means stopped, neither means failed.
//!
//! A run folder with an unreadable or foreign file still gets a row, with the fields it could
//! not read left empty: a listing never fails because of one bad run.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::run::files;
use crate::run::folder;
use crate::run::record::{Best, RunRecord, Status};

/// How deep below the listed folder run folders are looked for.
pub const MAX_DEPTH: usize = 3;

/// The largest `metrics.csv` a listing reads (a run of millions of steps is not counted).
const MAX_METRICS_BYTES: u64 = 1 << 30;

/// One run folder, as `curvegan runs` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    /// The run folder.
    pub folder: PathBuf,
    /// The `--name` it was given, else the folder's path below the listed folder (its name,
    /// for [`row`]).
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// When it started (RFC 3339 UTC), from `run.json`.
    pub start: Option<String>,
    /// The target's kind (`quadratic`, `family`, …).
    pub target: Option<String>,
    /// The loss.
    pub loss: Option<String>,
    /// Steps in `metrics.csv`.
    pub steps_done: Option<usize>,
    /// Steps the config plans.
    pub steps_planned: Option<usize>,
    /// Running, finished, stopped, early-stopped, failed or killed.
    pub status: Status,
    /// The error that ended a failed run.
    pub error: Option<String>,
    /// The last evaluation's first metric (the watched one with `keep_best`).
    pub metric: Option<Metric>,
    /// The best evaluation, from `best/best.json`.
    pub best: Option<Best>,
}

/// A metric's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// The metric's name, as in `metrics.csv`.
    pub name: String,
    /// Its value.
    pub value: f64,
}

/// The run folders under `root` (at most [`MAX_DEPTH`] levels down), sorted by path. The
/// error names `root` when it is not a readable folder.
pub fn list(root: &Path) -> Result<Vec<RunRow>> {
    if !root.is_dir() {
        return Err(Error::config(
            "DIR",
            format!("{} is not a folder", root.display()),
        ));
    }
    let mut dirs = Vec::new();
    find_runs(root, MAX_DEPTH, &mut dirs)
        .map_err(|e| Error::io("cannot read", root.to_path_buf(), e))?;
    dirs.sort();
    Ok(dirs
        .iter()
        .map(|d| {
            let below = d.strip_prefix(root).unwrap_or(d);
            row_named(d, below.display().to_string())
        })
        .collect())
}

/// True for a sweep's or benchmark's folder: it holds a plan, `sweep.json` (run on this
/// machine) or `slurm.json` (submitted to Slurm), beside the `config.toml` its runs share,
/// which is not a run's.
pub fn is_sweep(dir: &Path) -> bool {
    dir.join(files::SWEEP_PLAN).is_file() || dir.join(files::SLURM_PLAN).is_file()
}

fn find_runs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    // A sweep keeps its shared config.toml beside its runs.
    if dir.join(files::CONFIG).is_file() && !is_sweep(dir) {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    if depth == 0 {
        return Ok(());
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            find_runs(&entry.path(), depth - 1, out)?;
        }
    }
    Ok(())
}

/// The row of the run folder `dir`.
pub fn row(dir: &Path) -> RunRow {
    let name = dir
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
    row_named(dir, name)
}

/// The row of the run folder `dir`, named `unnamed` unless it has a `--name`.
fn row_named(dir: &Path, unnamed: String) -> RunRow {
    let config = TrainConfig::load(&dir.join(files::CONFIG)).ok();
    let record = RunRecord::load(dir).ok().flatten();
    let metrics = fs::metadata(dir.join(files::METRICS))
        .ok()
        .filter(|m| m.len() <= MAX_METRICS_BYTES)
        .and_then(|_| fs::read_to_string(dir.join(files::METRICS)).ok());
    let steps_done = metrics
        .as_deref()
        .map(|m| m.lines().count().saturating_sub(1));
    let steps_planned = config.as_ref().map(|c| c.steps);
    let best = best(dir);
    let watched = config.as_ref().and_then(|c| c.keep_best.clone());
    let status = match &record {
        _ if folder::is_locked(dir) => Status::Running,
        Some(r) if r.status == Status::Running => Status::Killed,
        Some(r) => r.status,
        None => inferred_status(dir, steps_done, steps_planned),
    };
    RunRow {
        folder: dir.to_path_buf(),
        name: record
            .as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or(unnamed),
        tags: record.as_ref().map(|r| r.tags.clone()).unwrap_or_default(),
        start: record.as_ref().map(|r| r.start.utc.clone()),
        target: config.as_ref().map(|c| c.target.name().to_string()),
        loss: config.as_ref().map(|c| c.loss.name().to_string()),
        steps_done,
        steps_planned,
        status,
        error: record.and_then(|r| r.error),
        metric: metrics
            .as_deref()
            .and_then(|m| last_metric(m, watched.as_deref())),
        best,
    }
}

/// The best evaluation kept in `dir`'s `best/best.json`; `None` if there is none (or it cannot
/// be read).
pub fn best(dir: &Path) -> Option<Best> {
    files::read_at_most(&dir.join(files::BEST_DIR).join(files::BEST), 1 << 16)
        .ok()
        .and_then(|b| serde_json::from_slice::<Best>(&b).ok())
}

/// [`best`] through the open run folder `dir`.
pub fn best_in(dir: &files::Dir) -> Option<Best> {
    let best = dir.open_subdir(files::BEST_DIR).ok().flatten()?;
    (best.read_at_most(files::BEST, 1 << 16).ok())
        .and_then(|b| serde_json::from_slice::<Best>(&b).ok())
}

/// The status of a run written before `run.json`, from its files.
fn inferred_status(dir: &Path, done: Option<usize>, planned: Option<usize>) -> Status {
    if dir.join(files::GENERATOR).is_file() {
        match (done, planned) {
            (Some(d), Some(p)) if d < p => Status::EarlyStopped,
            _ => Status::Finished,
        }
    } else if dir.join(files::CHECKPOINT).is_file() {
        Status::Stopped
    } else {
        Status::Failed
    }
}

/// The value of metric `watched` (default: the first metric column) in the last row of
/// `metrics.csv` text that has one.
fn last_metric(metrics: &str, watched: Option<&str>) -> Option<Metric> {
    let mut lines = metrics.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    // The first five columns are step and the losses; metrics follow.
    let column = match watched {
        Some(w) => header.iter().position(|h| *h == w)?,
        None => 5,
    };
    let name = header.get(column)?.to_string();
    metrics.lines().rev().find_map(|line| {
        let value = line.split(',').nth(column)?.parse::<f64>().ok()?;
        Some(Metric {
            name: name.clone(),
            value,
        })
    })
}
