//! The report's pages gathered: a run's numbers from a trainer in memory (as it trains) or from
//! its folder (`curvegan report`, a sweep's comparison), handed to [`report`](crate::run::view::report) to render, and
//! the page written; that module's docs describe the page.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;

use crate::config::{TrainConfig, MAX_CONFIG_BYTES};
use crate::error::{Error, Result};
use crate::gan::noise::Stream;
use crate::gan::step::StepStats;
use crate::run::store::files::{self, write_atomic, Dir};
use crate::run::store::folder::RunFolder;
use crate::run::store::listing::{self, Skipped};
use crate::run::store::run_json::{Best, RunRecord, Status, Time};
use crate::run::train::sample::Generator;
use crate::run::train::tables;
use crate::run::train::trainer::Trainer;
use crate::run::view::report::{
    html, page, run_data, stale_seconds, Figures, Page, Parts, RunData, FAMILY_SAMPLES, MARK,
    MAX_FIGURES,
};
use crate::text::echo;

/// `report.html` of the run in `dir` as it trains, from what `trainer` holds: `stats`, the
/// rows so far, `evals` the evaluations (`(step, values)`), `status` how it stands and
/// `session` how long this session has run (added to `run.json`'s duration).
pub fn write_live(
    dir: &Dir,
    trainer: &mut Trainer,
    stats: &[StepStats],
    evals: &[(usize, Vec<f64>)],
    status: Status,
    session: Duration,
) -> Result<()> {
    let config = trainer.config().clone();
    let config_toml = config.to_toml()?;
    let names: Vec<String> = trainer
        .metric_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let generated = match trainer.target().is_family() {
        true => Some(trainer.generate(FAMILY_SAMPLES, &mut Stream::Sample.rng(config.seed))?),
        false => None,
    };
    let mut record = RunRecord::load_in(dir)?;
    if let Some(r) = record.as_mut() {
        r.status = status;
        r.duration_s += session.as_secs_f64();
        r.end = (status != Status::Running).then(Time::now);
    }
    let seconds = record
        .as_ref()
        .map_or(session.as_secs_f64(), |r| r.duration_s);
    let stale_s = stale_seconds(seconds, stats.len(), config.plot_every);
    // Named as `curvegan runs` names it; the run's own rows, not metrics.csv, are its steps.
    let name = run_name(dir, record.as_ref());
    let data = run_data(Parts {
        folder: dir.root(),
        name,
        config: &config,
        config_toml: &config_toml,
        record,
        status,
        stats,
        names: &names,
        evals,
        best: listing::best_in(dir),
        generated,
        figures: figures(dir, stats.len())?,
    })?;
    let mut page = page(vec![data]);
    page.stale_s = stale_s;
    dir.write(files::REPORT, html(&page)?.as_bytes())
}

/// The run's name as `curvegan runs` shows it: its `--name`, else its folder's name.
fn run_name(dir: &Dir, record: Option<&RunRecord>) -> String {
    (record.and_then(|r| r.name.clone()))
        .or_else(|| (dir.root().file_name()).map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.root().display().to_string())
}

/// The run's step figures of its first `steps` steps (a figure a killed process wrote after
/// its last checkpoint is not yet the run's), at most [`MAX_FIGURES`] of them evenly spaced
/// (the first and the last included), as base64 PNG.
fn figures(dir: &Dir, steps: usize) -> Result<Figures> {
    let all = files::step_figures(dir, steps)?;
    let n = all.len();
    let mut chosen: Vec<usize> = match n <= MAX_FIGURES {
        true => (0..n).collect(),
        false => (0..MAX_FIGURES)
            .map(|k| k * (n - 1) / (MAX_FIGURES - 1))
            .collect(),
    };
    chosen.dedup();
    let mut out = Figures {
        total: n,
        ..Figures::default()
    };
    for i in chosen {
        let (step, name) = &all[i];
        let png = dir.read_at_most(name, files::MAX_FIGURE)?;
        out.step.push(*step);
        out.png
            .push(base64::engine::general_purpose::STANDARD.encode(png));
    }
    Ok(out)
}

/// Rewrites the page of the run in `dir` from its files once its session has ended as `record`
/// says (a failed run: the page its loop wrote last still says running).
pub fn write_ended(dir: &Dir, record: &RunRecord) -> Result<()> {
    let (name, best) = (run_name(dir, Some(record)), listing::best_in(dir));
    let mut data = load_run_in(dir, name, record.status, best, true)?;
    data.record = Some(record.clone());
    dir.write(files::REPORT, html(&page(vec![data]))?.as_bytes())
}

/// The data of the run folder `dir`, read from its files (`figures`: with its step figures
/// and, for a `family` run, the histogram of `a`). `name` names it on the page.
pub fn load_run(dir: &Path, figures: bool) -> Result<RunData> {
    let row = listing::row(dir);
    load_run_in(&Dir::open(dir)?, row.name, row.status, row.best, figures)
}

/// [`load_run`] through the open folder `dir`, named `name`, whose status is `status` and
/// whose best evaluation is `best`.
fn load_run_in(
    dir: &Dir,
    name: String,
    status: Status,
    best: Option<Best>,
    figures: bool,
) -> Result<RunData> {
    let path = dir.path(files::CONFIG);
    let config_toml = String::from_utf8(dir.read_at_most(files::CONFIG, MAX_CONFIG_BYTES)?)
        .map_err(|_| Error::bad_file(&path, "is not UTF-8 text"))?;
    let config = TrainConfig::from_toml(&config_toml, &path)?;
    let (stats, names, evals) = read_metrics(dir)?;
    // The generator is loaded by path: only while the path still leads to this folder.
    let weights = dir.is_file(files::GENERATOR) && dir.is_at_its_path();
    let generated = match figures && weights {
        true if config.target.build()?.is_family() => Some(
            Generator::load(dir.root())?
                .sample(FAMILY_SAMPLES, config.seed, None)?
                .curves
                .concat(),
        ),
        _ => None,
    };
    run_data(Parts {
        folder: dir.root(),
        name,
        config: &config,
        config_toml: &config_toml,
        record: RunRecord::load_in(dir)?,
        status,
        stats: &stats,
        names: &names,
        evals: &evals,
        best,
        generated,
        figures: match figures {
            true => self::figures(dir, stats.len())?,
            false => Figures::default(),
        },
    })
}

/// Metrics rows, metric names and the evaluations `(step, values)`.
type Metrics = (Vec<StepStats>, Vec<String>, Vec<(usize, Vec<f64>)>);

/// `metrics.csv` of `dir`, by its header (`step,d_loss,g_loss,d_real,d_fake`, then the
/// metrics); none yet is no rows.
fn read_metrics(dir: &Dir) -> Result<Metrics> {
    let path = dir.path(files::METRICS);
    if !dir.is_file(files::METRICS) {
        return Ok(Default::default());
    }
    let text = String::from_utf8(dir.read_at_most(files::METRICS, files::MAX_METRICS)?)
        .map_err(|_| Error::bad_file(&path, "is not UTF-8 text"))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    if header.len() < 5 || header[0] != "step" {
        return Err(Error::bad_file(
            &path,
            format!("has no metrics header: '{}'", echo(&header.join(","))),
        ));
    }
    let names: Vec<String> = header[5..].iter().map(|s| s.to_string()).collect();
    let (mut stats, mut evals) = (Vec::new(), Vec::new());
    for (i, line) in lines.enumerate() {
        let bad = || {
            Error::bad_file(
                &path,
                format!("row {} is malformed: '{}'", i + 1, echo(line)),
            )
        };
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != header.len() {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<f32>().map_err(|_| bad());
        stats.push(StepStats {
            d_loss: num(f[1])?,
            g_loss: num(f[2])?,
            d_real: num(f[3])?,
            d_fake: num(f[4])?,
            ..StepStats::default()
        });
        if !names.is_empty() && f[5..].iter().any(|v| !v.is_empty()) {
            let values = (f[5..].iter())
                .map(|v| v.parse::<f64>().map_err(|_| bad()))
                .collect::<Result<Vec<f64>>>()?;
            evals.push((i, values));
        }
    }
    Ok((stats, names, evals))
}

/// The run folders `run` stands for: itself when it holds `config.toml` (and is not a sweep's
/// folder, [`listing::is_sweep`]), else the run folders below it (a sweep's or a benchmark's),
/// with the folders below it that could not be searched ([`listing::scan`]). The error names
/// `run`.
pub fn runs_in(run: &Path) -> Result<(Vec<PathBuf>, Vec<Skipped>)> {
    if !run.is_dir() {
        let what = match run.exists() {
            true => "is not a folder",
            false => "does not exist",
        };
        return Err(Error::config("RUN", format!("{} {what}", run.display())));
    }
    if run.join(files::CONFIG).is_file() && !listing::is_sweep(run) {
        return Ok((vec![run.to_path_buf()], Vec::new()));
    }
    let listing = listing::scan(run)?;
    let found: Vec<PathBuf> = listing.rows.into_iter().map(|r| r.folder).collect();
    if found.is_empty() {
        let skipped = match listing.skipped.len() {
            0 => String::new(),
            n => format!(
                " it could read ({n} could not be read: {})",
                skipped_list(&listing.skipped)
            ),
        };
        return Err(Error::config(
            "RUN",
            format!(
                "{} is not a run folder (it has no {}) and holds no run folders{skipped}",
                run.display(),
                files::CONFIG
            ),
        ));
    }
    Ok((found, listing.skipped))
}

/// `FOLDER (WHY), …` of folders left out.
fn skipped_list(skipped: &[Skipped]) -> String {
    let each: Vec<String> = (skipped.iter())
        .map(|s| format!("{} ({})", s.folder.display(), s.error))
        .collect();
    each.join(", ")
}

/// `curvegan report RUN… [--out FILE]`: one run folder gets its page (default
/// `RUN/report.html`); several, or a sweep's or benchmark's folder, a comparison (default
/// `report.html` in a sweep's or benchmark's folder given alone, else in the current folder).
/// Everything is read and checked before anything is written; a file that exists and is not
/// a curvegan report is never overwritten. A run folder given is read whole or the report
/// fails naming it; one found below a given folder that cannot be read (unreadable, removed
/// meanwhile) is left out, and named on the page and in the folders returned. Returns the
/// path written and the folders left out.
pub fn write(runs: &[PathBuf], out: Option<&Path>) -> Result<(PathBuf, Vec<Skipped>)> {
    let (mut dirs, mut skipped) = (Vec::new(), Vec::new());
    for run in runs {
        let (found, left_out) = runs_in(run)?;
        dirs.extend(found);
        skipped.extend(left_out);
    }
    let single = runs.len() == 1;
    let out = match (out, single) {
        (Some(out), _) => out.to_path_buf(),
        (None, true) => runs[0].join(files::REPORT),
        (None, false) => PathBuf::from(files::REPORT),
    };
    let one_run = single && dirs.len() == 1 && dirs[0] == runs[0];
    let mut data = Vec::new();
    for dir in &dirs {
        match load_run(dir, one_run) {
            Ok(d) => data.push(d),
            // A run found below a given folder: the others are still worth a page.
            Err(e) if !runs.contains(dir) => skipped.push(Skipped {
                folder: dir.clone(),
                error: e.to_string(),
            }),
            Err(e) => return Err(e),
        }
    }
    if data.is_empty() {
        return Err(Error::config(
            "RUN",
            format!("no run could be read ({})", skipped_list(&skipped)),
        ));
    }
    // Unnamed runs below a sweep's folder are named by their path there (as `curvegan runs`
    // names them); runs named alike, by their folder.
    for d in data.iter_mut().filter(|d| single && !one_run && unnamed(d)) {
        if let Ok(below) = Path::new(&d.folder).strip_prefix(&runs[0]) {
            d.name = below.display().to_string();
        }
    }
    let names: Vec<String> = data.iter().map(|d| d.name.clone()).collect();
    if (1..names.len()).any(|i| names[..i].contains(&names[i])) {
        for d in &mut data {
            d.name = d.folder.clone();
        }
    }
    let mut page = page(data);
    page.skipped = (skipped.iter())
        .map(|s| (s.folder.display().to_string(), s.error.clone()))
        .collect();
    if single && !one_run {
        // A sweep's or benchmark's folder: its tables' numbers, or why they are left out.
        match tables::of(&runs[0], &page.runs) {
            Ok(scores) => page.scores = scores,
            Err(e) => page
                .skipped
                .push((runs[0].display().to_string(), e.to_string())),
        }
    }
    write_page(&out, &page)?;
    Ok((out, skipped))
}

/// True for a run without a `--name`.
fn unnamed(run: &RunData) -> bool {
    run.record.as_ref().and_then(|r| r.name.as_ref()).is_none()
}

/// A sweep's or benchmark's `ROOT/report.html`, comparing the runs below `root`.
pub fn write_comparison(root: &Path) -> Result<()> {
    write(&[root.to_path_buf()], None).map(|_| ())
}

/// Writes `page` to `out`, unless `out` is a folder or a file that is not a curvegan report;
/// inside a run folder, under its lock.
fn write_page(out: &Path, page: &Page) -> Result<()> {
    if out.is_dir() {
        return Err(Error::config(
            "out",
            format!("{} is a folder; name the report's file", out.display()),
        ));
    }
    if out.is_file() {
        // The marker is in the page's head, in its first few hundred bytes.
        let mut head = Vec::new();
        let read = (crate::data::input::open_regular(out).ok())
            .and_then(|f| f.take(4096).read_to_end(&mut head).ok());
        if read.is_none() || !String::from_utf8_lossy(&head).contains(MARK) {
            return Err(Error::config(
                "out",
                format!(
                    "{} exists and is not a curvegan report; it is left as it is (choose another `out`)",
                    out.display()
                ),
            ));
        }
    }
    let text = html(page)?;
    // A sweep's folder is locked by the sweep that writes its page, not by run folders' rules.
    let folder = (out.parent()).filter(|d| {
        out != Path::new("-") && d.join(files::CONFIG).is_file() && !listing::is_sweep(d)
    });
    let _lock = folder.map(|d| RunFolder::open(d, "RUN")).transpose()?;
    write_atomic(out, text.as_bytes())
}
