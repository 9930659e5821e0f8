//! A training run and its folder: the loop that drives a [`Trainer`] and writes what it shows.
//!
//! A run folder holds:
//! - `config.toml`: every setting ([`TrainConfig`]); training from it repeats the run exactly;
//! - `metrics.csv`: one row per step — `step,d_loss,g_loss,d_real,d_fake`, then one column per
//!   evaluation metric ([`crate::eval::catalogue`]; for the tutorial `mse_to_target`, the mean squared
//!   error of `eval_samples` fresh curves to the target), filled at evaluation steps only;
//! - `step_00000.png`, `step_01000.png`, …: the tutorial's figure every `plot_every` steps and at
//!   the last step (none with `plot_every = 0`);
//! - `losses.png`: both losses over the steps with their equilibrium values where the loss
//!   fixes them ([`crate::gan::loss::LossKind::equilibrium`]; ln 2 and 2 ln 2 for the tutorial);
//! - `metrics.png` (with `plot_every > 0`): every evaluation metric over the evaluation steps,
//!   one panel each;
//! - `evolution.gif` (with `plot_every > 0`): the step figures in step order, animated, written
//!   at the end from the figures in the folder;
//! - `report.html`: the run's page for a browser ([`crate::run::view::report`]), rewritten at every
//!   figure step, when the run is stopped and at its end (also with `plot_every = 0`);
//! - `generator.safetensors`, `discriminator.safetensors`: the final weights;
//! - `checkpoint.safetensors`: weights, optimizer states, RNG state, and the length and checksum
//!   of `metrics.csv` (written just before it), every
//!   `checkpoint_every` steps, on interruption and at the end ([`crate::run::store::checkpoint`]);
//!   [`resume`] continues from it, byte-identical to a run never stopped;
//! - `data.json` (with a data file): its length, CRC-32 and row length
//!   ([`crate::run::store::data_json`]), so the run samples without it and a resume notices a change;
//! - `best/` (with `keep_best`): `config.toml`, both nets' weights and `best.json` (metric,
//!   value, step) of the evaluation with the best value of the watched metric so far — a run
//!   folder of its own for `curvegan sample` and `curvegan eval`;
//! - `events.out.tfevents.*` (with `tensorboard`): the run's TensorBoard log, appended at each
//!   snapshot and checkpoint ([`crate::run::store::tensorboard`]).
//!
//! Only the evaluations every `eval_every` steps compete for `best/` (not the extra one at
//! the last step, which is not an evaluation step when a finished run is extended). With
//! `early_stop = P` the run ends after the first of them that leaves the watched metric
//! without improvement for `P` evaluations in a row.
//!
//! Every file is written atomically, into a folder locked while the run writes it
//! ([`crate::run::store::folder`]), through the folder's descriptor ([`Dir`]): a run whose folder is
//! renamed or removed while it trains keeps writing (and reading) that folder, never another one
//! made at its old path. Bad input is refused before the folder exists. A run that fails before
//! its first step removes what it wrote and the folders it created (if then empty); one that
//! fails later keeps its folder — `run.json` (failed, with the error), `metrics.csv` with the
//! rows so far, the figures and the report — and a file the user put there is never removed.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::{LrDecay, TrainConfig, RESUME_KEYS};
use crate::error::{Error, Result};
use crate::eval::catalogue::{self, Scores};
use crate::gan::loss::Equilibrium;
use crate::run::store::checkpoint;
use crate::run::store::data_json::DataRecord;
use crate::run::store::files::{self, Dir};
use crate::run::store::folder::RunFolder;
use crate::run::store::live_json::{self as live, Evaluations, Figure, History, Snapshot};
use crate::run::store::metrics_csv::{metrics_csv, parse_rows, Row, METRICS_HEADER};
pub use crate::run::store::run_json::Best;
use crate::run::store::run_json::{Label, RunRecord, Status};
use crate::run::store::tensorboard::TensorBoard;
use crate::run::train::snapshot;
use crate::run::train::watch::{write_best, Watch};

use crate::gan::step::StepStats;
use crate::run::train::gather as report;
use crate::run::train::trainer::Trainer;
use crate::run::view::plot::{self, MetricsFigure};

/// How many of the last steps the summary averages over.
pub const SUMMARY_WINDOW: usize = 100;

/// What a finished run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The run folder.
    pub out: PathBuf,
    /// Steps trained.
    pub steps: usize,
    /// Means over the last [`SUMMARY_WINDOW`] steps (or all, if fewer).
    pub last: StepStats,
    /// Steps averaged in `last`.
    pub window: usize,
    /// The evaluation at the last step.
    pub final_eval: Scores,
    /// The best evaluation of the watched metric (with `keep_best`), kept in `best/`.
    pub best: Option<Best>,
    /// True if early stopping ended the run before its last step.
    pub stopped_early: bool,
    /// The loss's equilibrium values, to compare the means in `last` with.
    pub equilibrium: Equilibrium,
    /// Wall time of the whole run, files included.
    pub wall: Duration,
    /// Time spent in training steps alone.
    pub train_time: Duration,
}

impl Summary {
    /// Mean time of one training step, in microseconds.
    pub fn us_per_step(&self) -> f64 {
        self.train_time.as_secs_f64() * 1e6 / self.steps.max(1) as f64
    }
}

/// Something that wants to hear about the run's progress (a progress bar, a logger).
pub trait Observer {
    /// Called once the run folder `dir` is open and its `run.json` written, before the first step.
    fn on_start(&mut self, _dir: &Path) {}
    /// Called once before the first step of a run on a data file, with what its reader decided
    /// and the user should know ([`crate::data::dataset::Dataset::notes`]: a CSV file's
    /// separator, decimal commas, an index column left out), when there is something.
    fn on_data_notes(&mut self, _notes: &[String]) {}
    /// Called after every step.
    fn on_step(&mut self, _step: usize, _stats: &StepStats) {}
    /// Called after every evaluation.
    fn on_eval(&mut self, _eval: &Scores) {}
    /// Called with each [`Snapshot`] the run writes to `live.json` (figure and evaluation steps,
    /// the last step).
    fn on_snapshot(&mut self, _snapshot: &Snapshot) {}
    /// Asked after every step: true saves a checkpoint and stops (e.g. on Ctrl-C).
    fn should_stop(&mut self) -> bool {
        false
    }
}

/// An observer that ignores everything.
impl Observer for () {}

/// Where a run writes, and whether it may overwrite.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The run folder.
    pub dir: PathBuf,
    /// Allow an existing non-empty folder.
    pub force: bool,
    /// The run's name, tags and command line, for `run.json` ([`crate::run::store::run_json`]).
    pub label: Label,
}

/// Trains a GAN as `config` says and writes the run folder, locked while it writes
/// ([`RunFolder`]). Checks the config before it creates anything.
pub fn train(config: &TrainConfig, out: &Output, observer: &mut dyn Observer) -> Result<Summary> {
    let trainer = Trainer::new(config)?;
    let folder = RunFolder::create(&out.dir, out.force)?;
    let dir = folder.dir().clone();
    let record = RunRecord::start(&out.label);
    let started = Cell::new(false);
    let result = session(&dir, record, observer, |o| {
        run(trainer, Vec::new(), &dir, o, false, &started)
    });
    // A run that failed before its first step leaves nothing of its own behind (what it wrote,
    // the folders it created if then empty); one that failed later keeps its folder.
    if result.is_err() && !started.get() {
        folder.remove_written();
    }
    result
}

/// Continues the run in `dir` from its checkpoint, up to `steps` steps in all (default: the
/// run's own, from its `config.toml`). The result is byte-identical to a run that was never
/// stopped. `command` (the command line, as data) is added to `run.json`'s resumes.
///
/// The settings are the run's `config.toml`: it may differ from the checkpoint's config in
/// the keys of [`RESUME_KEYS`] (the steps, evaluation, figures and checkpoints), which the
/// resume then follows; any other difference is an error naming the keys and both values
/// ([`TrainConfig::changed_keys`]). `steps` wins over the file's. A missing `config.toml` is
/// written again from the checkpoint.
///
/// A checkpoint at the run's end (its last step, or an early stop) with final outputs missing
/// or unlike the checkpoint's — the process died between writing them — gets them written
/// from the checkpoint; a finished run with every output in place is an error. Nothing is
/// written before the checkpoint, the config and `steps` are known to be valid; every error of
/// those checks names the run folder.
pub fn resume(
    dir: &Path,
    steps: Option<usize>,
    command: &[String],
    observer: &mut dyn Observer,
) -> Result<Summary> {
    let path = dir.join(files::CHECKPOINT);
    if !path.is_file() {
        return Err(Error::config(
            "resume",
            format!(
                "{} has no {} to resume from",
                dir.display(),
                files::CHECKPOINT
            ),
        ));
    }
    let folder = RunFolder::open(dir, "resume")?;
    let opened = folder.dir().clone();
    let (trainer, rows, ended) =
        prepare_resume(&opened, &path, steps).map_err(|e| naming_run(e, dir))?;
    folder.remove_temporaries()?;
    let record = RunRecord::resumed(&opened, command)?;
    let started = Cell::new(false);
    session(&opened, record, observer, |o| {
        run(trainer, rows, &opened, o, ended, &started)
    })
}

/// `e` with the run folder `dir` named, for an error of a resume's checks that does not name
/// it (an option's value: `--steps 0`).
fn naming_run(e: Error, dir: &Path) -> Error {
    match e {
        Error::Config { key, message } if !message.contains(&*dir.to_string_lossy()) => {
            Error::Config {
                key,
                message: format!("{message} (resuming the run in {})", dir.display()),
            }
        }
        e => e,
    }
}

/// The checks of [`resume`], before it writes anything, reading the locked folder `opened`
/// (its checkpoint at `path`): the trainer in the checkpoint's state with the resumed
/// settings, the metrics rows so far, and whether the run has ended already (only its final
/// outputs are missing).
fn prepare_resume(
    opened: &Dir,
    path: &Path,
    steps: Option<usize>,
) -> Result<(Trainer, Vec<Row>, bool)> {
    let dir = opened.root();
    let ckpt = checkpoint::load_in(opened)?;
    let saved = TrainConfig::from_toml(&ckpt.config, path)?;
    let (config, in_file) = resume_config(opened, &saved, steps)?;
    if let Some(record) = DataRecord::load_in(opened)? {
        if let Some(problem) = record.problem() {
            return Err(Error::bad_file(
                &record.path,
                format!(
                    "cannot resume the run in {}: the data file {problem}",
                    dir.display()
                ),
            ));
        }
    }
    let target = config.target.build()?;
    let n_metrics = config.eval_metric_names(&target)?.len();
    let (text, source) = match &ckpt.metrics {
        checkpoint::Metrics::Inline(text) => (text.clone(), path.to_path_buf()),
        checkpoint::Metrics::InFile { bytes, crc32 } => (
            metrics_at_checkpoint(opened, *bytes, crc32)?,
            opened.path(files::METRICS),
        ),
    };
    let mut rows = parse_rows(&text, n_metrics).map_err(|m| Error::bad_file(&source, m))?;
    if rows.len() != ckpt.step {
        return Err(Error::bad_file(
            path,
            format!(
                "checkpoint at step {} holds {} metrics rows",
                ckpt.step,
                rows.len()
            ),
        ));
    }
    let trainer = Trainer::from_checkpoint(&config, &ckpt, path)?;
    let names = trainer.metric_names().to_vec();
    let watch = Watch::replay(&config, &names, &rows);
    let stop_message = watch
        .as_ref()
        .filter(|w| w.exhausted())
        .map(|w| w.stop_message(dir, rows.len().saturating_sub(1)));
    let ended = ckpt.step >= saved.steps || stop_message.is_some();
    if ended && config.steps == saved.steps {
        let outputs = final_outputs(&trainer, &rows, &names, opened)?;
        // config.toml by its settings, not its bytes: a hand edit in its own words stays.
        let complete = in_file.as_ref() == Some(&config)
            && outputs.iter().all(|(name, bytes)| {
                opened.read_at_most(name, bytes.len() as u64).ok().as_ref() == Some(bytes)
            });
        if !complete {
            return Ok((trainer, rows, true));
        }
    }
    if let Some(message) = stop_message {
        return Err(Error::config("resume", message));
    }
    if ckpt.step >= config.steps {
        return Err(Error::config(
            "steps",
            format!(
                "the run in {} already has {} steps; pass a larger `steps` (or raise it in its {}) to continue it",
                dir.display(),
                ckpt.step,
                files::CONFIG
            ),
        ));
    }
    // A finished run evaluated its last step; extended, that step may not be an evaluation
    // step any more. Evaluations are a function of (weights, seed, step), so dropping it gives
    // exactly the metrics of a run that was never stopped. Only that extra evaluation goes:
    // those of the schedule (even one config.toml has since changed) stay.
    let scheduled = |every: usize, step: usize| every > 0 && step.is_multiple_of(every);
    if ckpt.step >= saved.steps {
        if let Some((step, row)) = rows.iter_mut().enumerate().next_back() {
            if !scheduled(saved.eval_every, step) && !scheduled(config.eval_every, step) {
                row.metrics = None;
            }
        }
    }
    Ok((trainer, rows, false))
}

/// The settings a resume of the run in `opened` continues with, and those of its
/// `config.toml` (`None` if it has none): the file's, which may differ from the checkpoint's
/// `saved` only in [`RESUME_KEYS`], with `steps` (the command line's) over the file's. The
/// number of steps cannot change under a learning-rate decay, whose schedule spans the run's
/// steps.
fn resume_config(
    opened: &Dir,
    saved: &TrainConfig,
    steps: Option<usize>,
) -> Result<(TrainConfig, Option<TrainConfig>)> {
    let dir = opened.root();
    let file = opened.path(files::CONFIG);
    let in_file = match opened.is_file(files::CONFIG) {
        true => Some(saved_config(opened)?),
        false => None,
    };
    let mut config = in_file.clone().unwrap_or_else(|| saved.clone());
    let changed = saved.changed_keys(&config)?;
    let refused: Vec<String> = (changed.iter())
        .filter(|c| !RESUME_KEYS.contains(&c.key.as_str()))
        .map(|c| {
            format!(
                "{} (checkpoint {}, {} {})",
                c.key,
                c.old,
                files::CONFIG,
                c.new
            )
        })
        .collect();
    if !refused.is_empty() {
        return Err(Error::bad_file(
            &file,
            format!(
                "differs from the run's checkpoint in {}; a resume can change only {}. Put the checkpoint's values back, or train a new run from it: curvegan train --config {} --out NEW",
                refused.join(", "),
                RESUME_KEYS.join(", "),
                file.display()
            ),
        ));
    }
    let from_cli = steps.is_some();
    if let Some(steps) = steps {
        config.steps = steps;
    }
    if config.steps != saved.steps && config.lr_decay != LrDecay::None {
        let given = match from_cli {
            true => String::new(),
            false => format!(" (in {})", file.display()),
        };
        return Err(Error::config(
            "steps",
            format!(
                "the run in {} decays its learning rate over its {} steps; {}{given} steps would change that schedule",
                dir.display(),
                saved.steps,
                config.steps
            ),
        ));
    }
    // An invalid value of the file's is named with the file; the command line's --steps not.
    config.validate().map_err(|e| match e {
        Error::Config { key, message } if !(from_cli && key == "steps") => Error::Config {
            key,
            message: format!("{message} (settings from {})", file.display()),
        },
        e => e,
    })?;
    Ok((config, in_file))
}

/// The run's own `config.toml`, read through the locked folder.
fn saved_config(opened: &Dir) -> Result<TrainConfig> {
    let path = opened.path(files::CONFIG);
    let bytes = opened.read_at_most(files::CONFIG, 1 << 20)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::bad_file(&path, "is not UTF-8 text"))?;
    TrainConfig::from_toml(&text, &path)
}

/// One session of a run in `dir`: writes `record` as running, tells the observer, trains with
/// `train`, and writes how it ended.
fn session(
    dir: &Dir,
    mut record: RunRecord,
    observer: &mut dyn Observer,
    train: impl FnOnce(&mut dyn Observer) -> Result<Summary>,
) -> Result<Summary> {
    let started = Instant::now();
    record.save(dir)?;
    observer.on_start(dir.root());
    let result = train(observer);
    let (status, error) = match &result {
        Ok(s) if s.stopped_early => (Status::EarlyStopped, None),
        Ok(_) => (Status::Finished, None),
        Err(Error::Interrupted { .. }) => (Status::Stopped, None),
        Err(e) => (Status::Failed, Some(e.to_string())),
    };
    record.end(status, error, started.elapsed());
    let saved = record.save(dir);
    // The loop wrote the page of every other ending; this one's error is the run's error.
    if status == Status::Failed {
        let _ = report::write_ended(dir, &record);
    }
    let summary = result?;
    saved.map(|()| summary)
}

/// The rows of `metrics.csv` (without the header) as they were at the checkpoint: its first
/// `bytes` bytes, which must have the CRC-32 `crc32`. Rows written after the checkpoint (by a
/// process that stopped before its next checkpoint) are dropped.
fn metrics_at_checkpoint(dir: &Dir, bytes: usize, crc32: &str) -> Result<String> {
    let path = dir.path(files::METRICS);
    // Only the checkpoint's bytes are read: the rows after them are dropped anyway.
    let text = dir.read_prefix(files::METRICS, bytes as u64)?;
    let prefix = text.get(..bytes).ok_or_else(|| {
        Error::bad_file(
            &path,
            format!(
                "holds {} bytes, fewer than the {bytes} the checkpoint was written with",
                text.len()
            ),
        )
    })?;
    let computed = checkpoint::metrics_checksum(prefix);
    if computed != crc32 {
        return Err(Error::bad_file(
            &path,
            format!(
                "the file is corrupt: checksum mismatch with the checkpoint (crc32 stored {crc32}, computed {computed} over its first {bytes} bytes)"
            ),
        ));
    }
    let text = String::from_utf8(prefix.to_vec())
        .map_err(|_| Error::bad_file(&path, "is not UTF-8 text"))?;
    // The header names the columns, which the config fixes: skip it.
    Ok(text
        .split_once('\n')
        .map(|(_, rows)| rows)
        .unwrap_or_default()
        .to_string())
}

/// Trains from `rows.len()` steps to the config's end and writes the run's files. `ended`: the
/// trainer is at the run's end already (the resume of a run whose final outputs are missing),
/// so only the outputs written after the last checkpoint are written. `started` is set as the
/// first step begins; a run that fails after that keeps what it has ([`keep_failed`]).
fn run(
    trainer: Trainer,
    mut rows: Vec<Row>,
    dir: &Dir,
    observer: &mut dyn Observer,
    ended: bool,
    started: &Cell<bool>,
) -> Result<Summary> {
    let names = trainer.metric_names().to_vec();
    let loss = trainer.config().loss;
    let result = steps(trainer, &mut rows, dir, observer, ended, started);
    // A stopped run has its checkpoint and report already.
    let failed = matches!(&result, Err(e) if !matches!(e, Error::Interrupted { .. }));
    if failed && started.get() {
        keep_failed(&rows, &names, loss, dir);
    }
    result
}

/// What a run that failed after it started training keeps for its user to see what went
/// wrong, best effort: `metrics.csv` with the rows so far — unless the file holds rows this
/// text does not begin with, which the last checkpoint may count on — and `losses.png`.
fn keep_failed(rows: &[Row], names: &[&str], loss: crate::gan::loss::LossKind, dir: &Dir) {
    if rows.is_empty() {
        return;
    }
    let csv = metrics_csv(rows, names);
    let extends = match dir.read_at_most(files::METRICS, csv.len() as u64) {
        Ok(old) => csv.as_bytes().starts_with(&old),
        Err(Error::Io { cause, .. }) => cause.kind() == std::io::ErrorKind::NotFound,
        Err(_) => false,
    };
    if extends {
        let _ = dir.write(files::METRICS, csv.as_bytes());
    }
    if let Ok(png) = snapshot::losses_png(rows, loss, dir) {
        let _ = dir.write(files::LOSSES, &png);
    }
}

/// What the training loop carries from step to step, besides the trainer and the rows.
struct Loop<'a> {
    dir: &'a Dir,
    config: TrainConfig,
    config_toml: String,
    names: Vec<&'static str>,
    data_record: Option<DataRecord>,
    /// Keep-best and early stopping, when asked for.
    watch: Option<Watch>,
    /// The losses so far, for the live snapshot.
    history: History,
    started_at: Instant,
    /// Rows that came from a checkpoint.
    first: usize,
    stopped_early: bool,
    final_eval: Option<Scores>,
    tensorboard: TensorBoard,
}

/// The jobs due at a step besides training it: a function of the config and the step alone
/// (and, for `last`, of early stopping).
#[derive(Debug, Clone, Copy)]
struct Due {
    /// The step is the run's last (planned, or by early stopping).
    last: bool,
    /// A scheduled evaluation (`eval_every`); the last step is evaluated too.
    scheduled: bool,
    /// The step figure, `step_*.png` (`plot_every`, and the last step).
    figure: bool,
}

impl Due {
    fn at(config: &TrainConfig, step: usize) -> Due {
        Due {
            last: step + 1 == config.steps,
            scheduled: config.eval_every > 0 && step.is_multiple_of(config.eval_every),
            figure: false,
        }
    }

    /// The step figure is due; asked once the evaluation has said whether the step is the last.
    fn with_figure(self, config: &TrainConfig, step: usize) -> Due {
        // The last step is always plotted, so a run's final state has its figure.
        let figure = config.plot_every > 0 && (step.is_multiple_of(config.plot_every) || self.last);
        Due { figure, ..self }
    }

    /// The live snapshot, `live.json`.
    fn snapshot(&self) -> bool {
        self.figure || self.scheduled || self.last
    }
}

/// The training loop of [`run`]: trains, appending to `rows`, and writes the run's files. Each
/// step trains, then does the jobs due at it, one function each, in this order: evaluate (and
/// watch for the best), the step figure, the live snapshot, the live report, the checkpoint,
/// the stop asked for.
fn steps(
    mut trainer: Trainer,
    rows: &mut Vec<Row>,
    dir: &Dir,
    observer: &mut dyn Observer,
    ended: bool,
    started: &Cell<bool>,
) -> Result<Summary> {
    let config = trainer.config().clone();
    let names = trainer.metric_names().to_vec();
    let mut lp = Loop {
        dir,
        config_toml: config.to_toml()?,
        watch: Watch::replay(&config, &names, rows),
        tensorboard: TensorBoard::open(dir, &config, &names, rows)?,
        names,
        data_record: None,
        history: History::of(rows.iter().map(|r| r.stats)),
        started_at: Instant::now(),
        first: rows.len(),
        stopped_early: false,
        final_eval: None,
        config,
    };
    dir.write(files::CONFIG, lp.config_toml.as_bytes())?;
    lp.data_record = (trainer.target().data_source())
        .map(DataRecord::of)
        .transpose()?;
    if let Some(record) = &lp.data_record {
        record.save(dir)?;
    }
    let notes = trainer.target().dataset().map_or(&[][..], |d| d.notes());
    if !notes.is_empty() {
        observer.on_data_notes(notes);
    }

    let mut train_time = Duration::ZERO;
    lp.stopped_early = ended && lp.watch.as_ref().is_some_and(Watch::exhausted);
    let end = if ended { lp.first } else { lp.config.steps };
    rows.reserve(end.saturating_sub(lp.first));
    for step in lp.first..end {
        let t = Instant::now();
        started.set(true);
        let stats = train_one(&mut trainer, dir)?;
        train_time += t.elapsed();
        observer.on_step(step, &stats);
        let mut due = Due::at(&lp.config, step);
        let metrics = match due.last || due.scheduled {
            true => Some(evaluate(&mut lp, &mut trainer, step, &mut due, observer)?),
            false => None,
        };
        let due = due.with_figure(&lp.config, step);
        // The step figure's data, built once for the PNG and the snapshot.
        let figure = match due.snapshot() {
            true => Some(snapshot::step_figure(&mut trainer, live::FIGURE_POINTS)?),
            false => None,
        };
        if let (true, Some(figure)) = (due.figure, &figure) {
            write_step_figure(&lp, figure, step, &stats, metrics.as_deref())?;
        }
        rows.push(Row { stats, metrics });
        lp.history.push(step, &stats);
        if let Some(figure) = figure {
            write_snapshot(&lp, rows, figure, due, observer)?;
        }
        // The live report, at each figure but the last (the run's end writes that one).
        if due.figure && !due.last {
            write_report(&mut lp, &mut trainer, rows, Status::Running)?;
        }
        if checkpoint_due(&lp.config, step) && !due.last {
            save_checkpoint(&lp, &trainer, rows)?;
        }
        if !due.last && observer.should_stop() {
            return Err(stop(&mut lp, &mut trainer, rows)?);
        }
        if due.last {
            break;
        }
    }

    if !ended {
        save_checkpoint(&lp, &trainer, rows)?;
    }
    // Written after the checkpoint that marks the run's end; a process killed meanwhile is
    // finished by `resume`, which writes them from that checkpoint.
    let status = match lp.stopped_early {
        true => Status::EarlyStopped,
        false => Status::Finished,
    };
    write_report(&mut lp, &mut trainer, rows, status)?;
    for (name, bytes) in final_outputs(&trainer, rows, &lp.names, dir)? {
        dir.write(name, &bytes)?;
    }
    let final_eval = match lp.final_eval {
        Some(eval) => Some(eval),
        // The evaluation at the last step is a function of the weights, the seed and the step.
        None if ended => Some(trainer.evaluate()?),
        None => None,
    };
    let (last, window) = last_means(rows, lp.first);
    Ok(Summary {
        out: dir.root().to_path_buf(),
        steps: rows.len() - lp.first,
        last,
        window,
        final_eval: final_eval.ok_or_else(|| Error::config("steps", "must be at least 1"))?,
        best: lp.watch.and_then(|w| w.best()),
        equilibrium: lp.config.loss.equilibrium(),
        stopped_early: lp.stopped_early,
        wall: lp.started_at.elapsed(),
        train_time,
    })
}

/// Trains one step; a divergence names the last good checkpoint, if there is one.
fn train_one(trainer: &mut Trainer, dir: &Dir) -> Result<StepStats> {
    trainer.step().map_err(|e| match e {
        Error::Diverged { step, what } if dir.is_file(files::CHECKPOINT) => Error::Diverged {
            step,
            what: format!(
                "{what}; the last good checkpoint is kept in {} (resume with: curvegan resume {})",
                dir.path(files::CHECKPOINT).display(),
                dir.root().display()
            ),
        },
        e => e,
    })
}

/// The evaluation at `step`, and the best-checkpoint watch on it: a new best writes `best/`;
/// early stopping makes the step the last. Returns the evaluation's values.
fn evaluate(
    lp: &mut Loop,
    trainer: &mut Trainer,
    step: usize,
    due: &mut Due,
    observer: &mut dyn Observer,
) -> Result<Vec<f64>> {
    let eval = trainer.evaluate()?;
    // Only scheduled evaluations compete: the extra one at the last step is not one when a
    // finished run is extended, and best/ must not depend on where it stopped.
    if let Some(w) = lp.watch.as_mut().filter(|_| due.scheduled) {
        if let Some(best) = w.update(step, &eval.values()) {
            let best_dir = write_best(lp.dir, &lp.config_toml, trainer, &best)?;
            if let Some(record) = &lp.data_record {
                record.save(&best_dir)?;
            }
        }
        if w.exhausted() && !due.last {
            due.last = true;
            lp.stopped_early = true;
        }
    }
    observer.on_eval(&eval);
    let values = eval.values();
    lp.final_eval = Some(eval);
    Ok(values)
}

/// `step_*.png` from the step figure's data `figure` ([`snapshot::step_figure`]): the
/// tutorial's figure of real and generated curves, or a scatter of a 2-D set's points. The
/// title names the run folder, the step and the watched metric (else the first) when it was
/// evaluated at this step (`metrics`).
fn write_step_figure(
    lp: &Loop,
    figure: &Figure,
    step: usize,
    stats: &StepStats,
    metrics: Option<&[f64]>,
) -> Result<()> {
    let main = lp.config.keep_best.as_deref().or(lp.names.first().copied());
    let metric = main.and_then(|name| {
        let i = lp.names.iter().position(|n| *n == name)?;
        Some((name, *metrics?.get(i)?))
    });
    let png = figure.png(
        &snapshot::run_name(lp.dir.root()),
        step,
        metric,
        stats.g_loss,
        stats.d_loss,
    )?;
    lp.tensorboard.figure(step, &png);
    lp.dir.write(&files::step_figure(step), &png)
}

/// `live.json` after the last of `rows`, with the step figure's data `figure`, and the
/// observer told.
fn write_snapshot(
    lp: &Loop,
    rows: &[Row],
    figure: Figure,
    due: Due,
    observer: &mut dyn Observer,
) -> Result<()> {
    let status = match (due.last, lp.stopped_early) {
        (false, _) => Status::Running,
        (true, false) => Status::Finished,
        (true, true) => Status::EarlyStopped,
    };
    let evaluations =
        (rows.iter().enumerate()).filter_map(|(step, r)| Some((step, r.metrics.as_deref()?)));
    let timing = live::Timing {
        elapsed: lp.started_at.elapsed(),
        trained: rows.len() - lp.first,
    };
    let snapshot = Snapshot::of(
        &lp.config,
        snapshot::for_snapshot(&figure),
        lp.dir.root(),
        rows.len() - 1,
        status,
        timing,
        &lp.history,
        Evaluations::of(&lp.names, evaluations),
    );
    snapshot.save(lp.dir)?;
    lp.tensorboard.append(rows)?;
    observer.on_snapshot(&snapshot);
    Ok(())
}

/// A checkpoint is due after `step` (`checkpoint_every`; the run's end has its own).
fn checkpoint_due(config: &TrainConfig, step: usize) -> bool {
    config.checkpoint_every > 0 && (step + 1).is_multiple_of(config.checkpoint_every)
}

/// The TensorBoard log, `metrics.csv`, then the checkpoint: the checkpoint stores the CSV's
/// length and checksum, not its rows.
fn save_checkpoint(lp: &Loop, trainer: &Trainer, rows: &[Row]) -> Result<()> {
    lp.tensorboard.append(rows)?;
    let csv = metrics_csv(rows, &lp.names);
    lp.dir.write(files::METRICS, csv.as_bytes())?;
    trainer.save_checkpoint(lp.dir, &lp.config_toml, &csv)
}

/// A stop asked for (Ctrl-C): the checkpoint and the report of a stopped run; returns the error
/// that says so.
fn stop(lp: &mut Loop, trainer: &mut Trainer, rows: &[Row]) -> Result<Error> {
    save_checkpoint(lp, trainer, rows)?;
    write_report(lp, trainer, rows, Status::Stopped)?;
    Ok(Error::Interrupted {
        step: rows.len(),
        dir: lp.dir.root().to_path_buf(),
    })
}

/// The means of the last [`SUMMARY_WINDOW`] rows (or all, if fewer), and how many that is.
/// `metrics.csv` has no column for D(fake) in the G update, so rows read back from a checkpoint
/// do not know it: it is averaged over the window's rows from `fresh` on, those trained by this
/// process (0 when there are none).
fn last_means(rows: &[Row], fresh: usize) -> (StepStats, usize) {
    let window = rows.len().min(SUMMARY_WINDOW);
    let mean = |rows: &[Row], f: fn(&StepStats) -> f32| {
        (rows.iter().map(|r| f(&r.stats) as f64).sum::<f64>() / rows.len().max(1) as f64) as f32
    };
    let tail = &rows[rows.len() - window..];
    let avg = |f: fn(&StepStats) -> f32| mean(tail, f);
    let fresh_tail = &rows[(rows.len() - window).max(fresh.min(rows.len()))..];
    let last = StepStats {
        d_loss: avg(|s| s.d_loss),
        g_loss: avg(|s| s.g_loss),
        d_real: avg(|s| s.d_real),
        d_fake: avg(|s| s.d_fake),
        d_fake_g: mean(fresh_tail, |s| s.d_fake_g),
    };
    (last, window)
}

/// The summary of the finished run in `dir`, read back from its files, for a run some other
/// process trained (a trial of a sweep on Slurm, [`crate::run::scale::slurm`]): the means of the last
/// rows of `metrics.csv` (D(fake) of the G update, which the file lacks, reads 0), its last
/// evaluation, `best/best.json`, and as wall time `run.json`'s `duration_s` (all sessions).
/// The numbers a sweep's table shows are those [`train`] returned, but for the times.
pub fn summary_of(dir: &Path) -> Result<Summary> {
    let config = TrainConfig::load_saved(&dir.join(files::CONFIG))?;
    let path = dir.join(files::METRICS);
    let text = String::from_utf8(files::read_at_most(&path, files::MAX_METRICS)?)
        .map_err(|_| Error::bad_file(&path, "is not UTF-8 text"))?;
    let (header, body) = text.split_once('\n').unwrap_or((&text, ""));
    let names: Vec<&str> = header
        .split(',')
        .skip(METRICS_HEADER.split(',').count())
        .collect();
    let rows = parse_rows(body, names.len()).map_err(|m| Error::bad_file(&path, m))?;
    let (step, values) = (rows.iter().enumerate().rev())
        .find_map(|(step, r)| Some((step, r.metrics.clone()?)))
        .ok_or_else(|| Error::bad_file(&path, "has no evaluation"))?;
    let record = RunRecord::load(dir)?;
    let best_path = dir.join(files::BEST_DIR).join(files::BEST);
    let best = match config.keep_best.is_some() && best_path.is_file() {
        true => Some(
            serde_json::from_slice::<Best>(&files::read_at_most(&best_path, files::MAX_BEST)?)
                .map_err(|e| Error::bad_file(&best_path, e.to_string()))?,
        ),
        false => None,
    };
    let seconds = record.as_ref().map_or(0.0, |r| r.duration_s);
    let wall = Duration::try_from_secs_f64(seconds).unwrap_or_default();
    let (last, window) = last_means(&rows, rows.len());
    Ok(Summary {
        out: dir.to_path_buf(),
        steps: rows.len(),
        last,
        window,
        final_eval: Scores {
            run: None,
            step: Some(step),
            target: config.target.name().to_string(),
            samples: config.eval_samples,
            metrics: names.iter().map(|n| n.to_string()).zip(values).collect(),
            channels: Vec::new(),
            notes: Vec::new(),
        },
        best,
        equilibrium: config.loss.equilibrium(),
        stopped_early: record.is_some_and(|r| r.status == Status::EarlyStopped),
        wall,
        train_time: wall,
    })
}

/// The files a run writes after its last checkpoint, with their bytes: `metrics.csv`,
/// `losses.png`, both nets' weights and (with `plot_every > 0`) `metrics.png` and
/// `evolution.gif`, the latter made from the step figures in `dir`.
fn final_outputs(
    trainer: &Trainer,
    rows: &[Row],
    names: &[&str],
    dir: &Dir,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let losses = snapshot::losses_png(rows, trainer.config().loss, dir)?;
    let (eval_steps, values): (Vec<usize>, Vec<&[f64]>) = rows
        .iter()
        .enumerate()
        .filter_map(|(step, r)| Some((step, r.metrics.as_deref()?)))
        .filter(|(_, v)| v.len() == names.len())
        .unzip();
    let mut outputs = vec![
        (files::METRICS, metrics_csv(rows, names).into_bytes()),
        (files::LOSSES, losses),
        (files::GENERATOR, trainer.nets().generator_bytes()?),
        (files::DISCRIMINATOR, trainer.nets().discriminator_bytes()?),
    ];
    // A new figure, so only where figures are asked for.
    if trainer.config().plot_every > 0 {
        let known: Vec<_> = (names.iter())
            .map(|n| catalogue::known(n, trainer.target()))
            .collect();
        let metrics = plot::metrics_png(&MetricsFigure {
            run: &snapshot::run_name(dir.root()),
            known: &known,
            names,
            steps: &eval_steps,
            values: &values.concat(),
        })?;
        outputs.push((files::METRICS_FIGURE, metrics));
        outputs.push((files::EVOLUTION, evolution_gif(dir, rows.len())?));
    }
    Ok(outputs)
}

/// `evolution.gif`: the step figures of the run's `steps` steps in `dir`, read back in step
/// order and animated.
fn evolution_gif(dir: &Dir, steps: usize) -> Result<Vec<u8>> {
    let pngs = files::step_figures(dir, steps)?
        .into_iter()
        .map(|(_, name)| dir.read_at_most(&name, files::MAX_FIGURE))
        .collect::<Result<Vec<_>>>()?;
    Ok(plot::evolution_gif(&pngs)?)
}

/// `report.html` from the rows in memory (`metrics.csv` is only written at checkpoints), with
/// the run's `status` and this session's time so far ([`report::write_live`]).
fn write_report(lp: &mut Loop, trainer: &mut Trainer, rows: &[Row], status: Status) -> Result<()> {
    let stats: Vec<StepStats> = rows.iter().map(|r| r.stats).collect();
    let evals: Vec<(usize, Vec<f64>)> = (rows.iter().enumerate())
        .filter_map(|(step, r)| Some((step, r.metrics.clone()?)))
        .collect();
    let session = lp.started_at.elapsed();
    report::write_live(lp.dir, trainer, &stats, &evals, status, session)
}
