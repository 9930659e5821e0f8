//! `curvegan runs`: one row per run folder under a folder — its name, start, target (a
//! formula target by its formula), loss, steps done and planned, status, final metric and best.
//!
//! A folder is a run folder when it holds `config.toml` (and no `sweep.json` or `slurm.json`,
//! which mark a sweep, whose shared config sits beside its runs, [`is_sweep`]); folders are searched a few levels
//! deep (a sweep's runs sit one level below the sweep). The status is `running` when a
//! process holds the folder's lock ([`folder::is_locked`]), else the one `run.json` records
//! (`killed` if it still says running); a run written before `run.json` existed gets one
//! inferred from its files: final weights mean finished (early-stopped with fewer steps than
//! planned), a checkpoint alone means stopped, neither means failed.
//!
//! The steps done are the rows of `metrics.csv`, which a run writes at its checkpoints and its
//! end; a running run's are the later of those and its last `live.json` (written at its figure
//! and evaluation steps), so a listing follows it between checkpoints.
//!
//! A run folder with an unreadable or foreign file still gets a row, with the fields it could
//! not read left empty: a listing never fails because of one bad run. A folder below the
//! listed one that cannot be searched (unreadable, or removed while it is listed) is left out
//! and named in [`Listing::skipped`]; only the listed folder itself must be readable.
//!
//! Every file is read with a bound: `metrics.csv` is streamed (its rows counted, the last
//! evaluation kept; no line longer than [`MAX_LINE`]), the others are read whole up to their
//! limit ([`files::read_at_most`]), and a FIFO or a device in a file's place is not read at all.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{TrainConfig, MAX_CONFIG_BYTES};
use crate::data::input;
use crate::data::target::TargetConfig;
use crate::error::{Error, Result};
use crate::run::store::files;
use crate::run::store::folder;
use crate::run::store::live_json;
use crate::run::store::run_json::{Best, RunRecord, Status};

/// How deep below the listed folder run folders are looked for.
pub const MAX_DEPTH: usize = 3;

/// The longest line of `metrics.csv` a listing reads (a row is a few hundred bytes); a longer
/// one leaves the run's steps and metric unknown.
pub const MAX_LINE: u64 = 1 << 16;

/// One run folder, as `curvegan runs` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    /// The run folder (in JSON as text, bytes that are not UTF-8 as `�`).
    #[serde(serialize_with = "lossy")]
    pub folder: PathBuf,
    /// The `--name` it was given, else the folder's path below the listed folder (its name,
    /// for [`row`]).
    pub name: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// When it started (RFC 3339 UTC), from `run.json`.
    pub start: Option<String>,
    /// The target's kind (`quadratic`, `family`, …), or a formula target's formula
    /// (`2*x^2+1`).
    pub target: Option<String>,
    /// The loss.
    pub loss: Option<String>,
    /// Steps in `metrics.csv`; for a running run, the later of those and its `live.json`'s.
    pub steps_done: Option<usize>,
    /// Steps the config plans.
    pub steps_planned: Option<usize>,
    /// Running, finished, stopped, early-stopped, failed or killed.
    pub status: Status,
    /// The error that ended a failed run.
    pub error: Option<String>,
    /// The last evaluation's first metric (the watched one with `keep_best`; the one asked for
    /// with [`scan_for`]).
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

/// A folder below a listed one that was left out: it could not be searched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The folder (in JSON as text, bytes that are not UTF-8 as `�`).
    #[serde(serialize_with = "lossy")]
    pub folder: PathBuf,
    /// Why (the OS error).
    pub error: String,
}

/// The run folders under a folder, and the folders below it that could not be searched.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing {
    /// One row per run folder, sorted by path.
    pub rows: Vec<RunRow>,
    /// The folders left out, sorted by path.
    pub skipped: Vec<Skipped>,
}

/// A path as JSON text: a folder whose name is not UTF-8 is listed too, not an error for the
/// whole listing.
fn lossy<S: serde::Serializer>(path: &Path, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// The run folders under `root` (at most [`MAX_DEPTH`] levels down), sorted by path; the
/// folders below `root` that could not be searched are left out ([`scan`] names them). The
/// error names `root` when it is not a readable folder.
pub fn list(root: &Path) -> Result<Vec<RunRow>> {
    scan(root).map(|l| l.rows)
}

/// [`list`], with the folders left out.
pub fn scan(root: &Path) -> Result<Listing> {
    scan_for(root, None)
}

/// [`scan`], each row's [`RunRow::metric`] being metric `metric` (the last value of its column
/// in `metrics.csv`; none for a run without it) when one is named.
pub fn scan_for(root: &Path, metric: Option<&str>) -> Result<Listing> {
    if !root.is_dir() {
        return Err(Error::config(
            "DIR",
            format!("{} is not a folder", root.display()),
        ));
    }
    let (mut dirs, mut skipped) = (Vec::new(), Vec::new());
    // The listed folder itself must be readable; any folder below it may fail alone.
    if root.join(files::CONFIG).is_file() && !is_sweep(root) {
        dirs.push(root.to_path_buf());
    } else {
        let entries = fs::read_dir(root).map_err(|e| Error::io("cannot read", root, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("cannot read", root, e))?;
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                find_runs(&entry.path(), MAX_DEPTH - 1, &mut dirs, &mut skipped);
            }
        }
    }
    dirs.sort();
    skipped.sort_by(|a, b| a.folder.cmp(&b.folder));
    let rows = dirs
        .iter()
        .map(|d| {
            let below = d.strip_prefix(root).unwrap_or(d);
            row_named(d, below.display().to_string(), metric)
        })
        .collect();
    Ok(Listing { rows, skipped })
}

/// True for a sweep's or benchmark's folder: it holds a plan, `sweep.json` (run on this
/// machine) or `slurm.json` (submitted to Slurm), beside the `config.toml` its runs share,
/// which is not a run's.
pub fn is_sweep(dir: &Path) -> bool {
    dir.join(files::SWEEP_PLAN).is_file() || dir.join(files::SLURM_PLAN).is_file()
}

/// True for a hyperparameter sweep's setting folder, `setting-NN` in a sweep's folder: its
/// `config.toml` is the one its seeds' runs share.
fn is_setting(dir: &Path) -> bool {
    let numbered = (dir.file_name().and_then(|n| n.to_str()))
        .and_then(|n| n.strip_prefix("setting-"))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    numbered && dir.parent().is_some_and(is_sweep)
}

/// Adds the run folders at or below `dir` to `out`, and the folders that cannot be searched
/// to `skipped`.
fn find_runs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, skipped: &mut Vec<Skipped>) {
    // A sweep keeps its shared config.toml beside its runs, and so does each of its settings.
    if dir.join(files::CONFIG).is_file() && !is_sweep(dir) && !is_setting(dir) {
        out.push(dir.to_path_buf());
        return;
    }
    if depth == 0 {
        return;
    }
    let mut skip = |e: std::io::Error| {
        skipped.push(Skipped {
            folder: dir.to_path_buf(),
            error: e.to_string(),
        })
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return skip(e),
    };
    let mut below = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) if entry.file_type().is_ok_and(|t| t.is_dir()) => below.push(entry.path()),
            Ok(_) => {}
            Err(e) => return skip(e),
        }
    }
    for path in below {
        find_runs(&path, depth - 1, out, skipped);
    }
}

/// The row of the run folder `dir`.
pub fn row(dir: &Path) -> RunRow {
    let name = dir
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
    row_named(dir, name, None)
}

/// The row of the run folder `dir`, named `unnamed` unless it has a `--name`, with metric
/// `metric` (default: the watched one, else the first).
fn row_named(dir: &Path, unnamed: String, metric: Option<&str>) -> RunRow {
    let config = TrainConfig::load_saved(&dir.join(files::CONFIG)).ok();
    let record = RunRecord::load(dir).ok().flatten();
    let watched = config.as_ref().and_then(|c| c.keep_best.clone());
    let metrics = scan_metrics(&dir.join(files::METRICS), metric.or(watched.as_deref()));
    let mut steps_done = metrics.as_ref().map(|m| m.0);
    let steps_planned = config.as_ref().map(|c| c.steps);
    let best = best(dir);
    let status = match &record {
        _ if folder::is_locked(dir) => Status::Running,
        Some(r) if r.status == Status::Running => Status::Killed,
        Some(r) => r.status,
        None => inferred_status(dir, steps_done, steps_planned),
    };
    if status == Status::Running {
        // metrics.csv is written at checkpoints; live.json more often.
        steps_done = steps_done.max(live_steps(dir));
    }
    RunRow {
        folder: dir.to_path_buf(),
        name: record
            .as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or(unnamed),
        tags: record.as_ref().map(|r| r.tags.clone()).unwrap_or_default(),
        start: record.as_ref().map(|r| r.start.utc.clone()),
        target: config.as_ref().map(|c| target_shown(&c.target)),
        loss: config.as_ref().map(|c| c.loss.name().to_string()),
        steps_done,
        steps_planned,
        status,
        error: record.and_then(|r| r.error),
        metric: metrics.and_then(|m| m.1),
        best,
    }
}

/// A target as a listing names it: its kind, or a formula target's formula.
fn target_shown(target: &TargetConfig) -> String {
    match target {
        TargetConfig::Expr { expr, .. } => expr.clone(),
        other => other.name().to_string(),
    }
}

/// The steps a run has trained by its `live.json`: its step (0-based) + 1; `None` when it has
/// no readable one. Only the format and the step are kept of the snapshot.
fn live_steps(dir: &Path) -> Option<usize> {
    #[derive(serde::Deserialize)]
    struct Step {
        format: String,
        step: usize,
    }
    let bytes = files::read_at_most(&dir.join(files::LIVE), files::MAX_LIVE).ok()?;
    let live: Step = serde_json::from_slice(&bytes).ok()?;
    (live.format == live_json::FORMAT).then_some(live.step + 1)
}

/// Whether the run folder `dir`'s `config.toml` sets config key `key` (dotted: `optim_g.lr`,
/// `target.kind`) to `value`: text as written (`hinge`), a number by its value (`2e-4` is
/// `0.0002`), a list as its items separated by commas (`g_hidden` `400,400`). `None` when the
/// file cannot be read or has no such key.
pub fn config_matches(dir: &Path, key: &str, value: &str) -> Option<bool> {
    let same = |set: &toml::Value, given: &str| match set {
        toml::Value::String(s) => s == given,
        toml::Value::Integer(i) => given.parse::<f64>().is_ok_and(|g| g == *i as f64),
        toml::Value::Float(f) => given.parse::<f64>().is_ok_and(|g| g == *f),
        toml::Value::Boolean(b) => given == b.to_string(),
        _ => false,
    };
    Some(match config_value(dir, key)? {
        toml::Value::Array(items) => {
            let given: Vec<&str> = value.split(',').map(str::trim).collect();
            items.len() == given.len() && items.iter().zip(given).all(|(i, g)| same(i, g))
        }
        set => same(&set, value.trim()),
    })
}

/// The value of config key `key` in the run folder `dir`'s `config.toml`.
fn config_value(dir: &Path, key: &str) -> Option<toml::Value> {
    let text = input::read_regular_text(&dir.join(files::CONFIG), MAX_CONFIG_BYTES).ok()?;
    let table = text.parse::<toml::Table>().ok()?;
    let mut parts = key.split('.');
    let first = table.get(parts.next()?)?;
    parts.try_fold(first, |v, k| v.get(k)).cloned()
}

/// The best evaluation kept in `dir`'s `best/best.json`; `None` if there is none (or it cannot
/// be read).
pub fn best(dir: &Path) -> Option<Best> {
    files::read_at_most(
        &dir.join(files::BEST_DIR).join(files::BEST),
        files::MAX_BEST,
    )
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

/// The rows of the `metrics.csv` at `path` (its lines after the header) and the value of
/// metric `watched` (default: the first metric column) in the last row that has one, read as
/// the file streams by; `None` when the file cannot be read, is not a regular file, holds more
/// than [`files::MAX_METRICS`] bytes or a line longer than [`MAX_LINE`].
fn scan_metrics(path: &Path, watched: Option<&str>) -> Option<(usize, Option<Metric>)> {
    let file = input::open_regular(path).ok()?;
    let mut reader = BufReader::new(file.take(files::MAX_METRICS));
    let mut line = Vec::new();
    let mut next_line = |line: &mut Vec<u8>| -> Option<bool> {
        line.clear();
        let n = (&mut reader).take(MAX_LINE).read_until(b'\n', line).ok()?;
        match (n, line.last()) {
            (0, _) => Some(false),
            (_, Some(b'\n')) => Some(true),
            // The file's last line, without its line break, or a line over the bound.
            _ if (n as u64) < MAX_LINE => Some(true),
            _ => None,
        }
    };
    if !next_line(&mut line)? {
        return Some((0, None));
    }
    let header_line = String::from_utf8_lossy(&line).into_owned();
    let header: Vec<&str> = header_line
        .trim_end_matches(['\n', '\r'])
        .split(',')
        .collect();
    // The first five columns are step and the losses; metrics follow.
    let column = match watched {
        Some(w) => header.iter().position(|h| *h == w),
        None => Some(5).filter(|&c| c < header.len()),
    };
    let (mut rows, mut metric) = (0, None);
    while next_line(&mut line)? {
        rows += 1;
        let Some(column) = column else { continue };
        let text = String::from_utf8_lossy(&line);
        let value = text.trim_end_matches(['\n', '\r']).split(',').nth(column);
        if let Some(value) = value.and_then(|v| v.parse::<f64>().ok()) {
            metric = Some(Metric {
                name: header[column].to_string(),
                value,
            });
        }
    }
    Some((rows, metric))
}
