//! Sweeps: one configuration trained over many seeds, in parallel, and scored; the
//! mode-collapse benchmark ([`crate::run::bench`]) is one too.
//!
//! Each seed `s` trains into `ROOT/seed-s` exactly as `curvegan train --seed s` would, on one
//! of `jobs` worker threads (a run is single-threaded, so `jobs` = the number of cores is the
//! natural choice), and its final generator — or its `best/` one when the config keeps the
//! best ([`crate::run::train`]) — is scored with [`crate::run::sample::evaluate`]. A [`Criterion`] such as
//! `mse_to_target<=0.01` says which runs count as a success.
//!
//! Before its first run a sweep records in its folder what it is: `config.toml`, the
//! settings every run shares, and `sweep.json`, its [`Plan`] (a sweep or a benchmark, the
//! seeds, how runs are scored). A process that runs the sweep holds the folder's lock
//! (`ROOT/.lock`, [`crate::run::folder`]). So a sweep stopped by a signal, or killed, is
//! continued ([`Start::Continue`]): finished runs are kept, stopped ones resume from their
//! checkpoints, the others train, and the result is byte-identical to a sweep never stopped
//! (wall times aside).

use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::data::target::TargetConfig;
use crate::error::{Error, Result, READ};
use crate::eval::catalogue::Report;
use crate::run::bench::{self, Outcome};
use crate::run::files::{self, CsvWriter};
use crate::run::folder::{self, RunFolder};
use crate::run::record::{Label, RunRecord, Status};
use crate::run::report;
use crate::run::sample::{evaluate, Generator};
use crate::run::train::{self, Observer, Output, Summary};

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
    /// The metric's name, as in [`Report::metrics`].
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
    pub fn met_by(&self, report: &Report) -> Option<bool> {
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
                let value: f64 = value
                    .trim()
                    .parse()
                    .map_err(|_| format!("'{}' in '{s}' is not a number", value.trim()))?;
                if metric.is_empty() || !value.is_finite() {
                    return Err(format!(
                        "expected METRIC<=VALUE with a finite VALUE, got '{s}'"
                    ));
                }
                return Ok(Criterion {
                    metric: metric.to_string(),
                    op,
                    value,
                });
            }
        }
        Err(format!("expected METRIC<=VALUE (or <, >=, >), got '{s}'"))
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
    /// Its run folder.
    pub dir: PathBuf,
    /// What training reported.
    pub summary: Summary,
    /// The final generator's metrics.
    pub report: Report,
}

/// How each run of a sweep is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scoring {
    /// Generated (and real) samples.
    pub samples: usize,
    /// The run with seed `s` is scored with seed `s + seed_offset`
    /// ([`crate::run::sample::evaluate`]).
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

/// What a sweep's folder runs: a sweep (scored as `curvegan sweep` scores) or the
/// mode-collapse benchmark. Part of its [`Plan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// `curvegan sweep`: each run scored on `eval_n` samples, and `success` if given.
    Sweep {
        /// Samples each run is scored on (`--eval-n`).
        eval_n: usize,
        /// The success criterion (`--success`), as given.
        success: Option<String>,
    },
    /// `curvegan bench modes` on `dataset` (`ring8` or `grid25`).
    Bench {
        /// The dataset's name.
        dataset: String,
    },
}

impl Kind {
    /// How a run is scored: a sweep's on `eval_n` samples with the run's seed, a benchmark's
    /// as [`bench::SCORING`] says.
    pub fn scoring(&self) -> Scoring {
        match self {
            Kind::Sweep { eval_n, .. } => Scoring {
                samples: *eval_n,
                seed_offset: 0,
            },
            Kind::Bench { .. } => bench::SCORING,
        }
    }

    /// `sweep` or `bench-DATASET`, for a Slurm job's name.
    pub fn name(&self) -> String {
        match self {
            Kind::Sweep { .. } => "sweep".to_string(),
            Kind::Bench { dataset } => format!("bench-{dataset}"),
        }
    }

    /// `sweep` or `benchmark`, for people.
    pub fn noun(&self) -> &'static str {
        match self {
            Kind::Sweep { .. } => "sweep",
            Kind::Bench { .. } => "benchmark",
        }
    }

    /// The success criterion of a sweep, parsed; none for a benchmark.
    pub fn success(&self) -> std::result::Result<Option<Criterion>, String> {
        match self {
            Kind::Sweep {
                success: Some(s), ..
            } => s.parse().map(Some),
            _ => Ok(None),
        }
    }

    /// The dataset of a benchmark, parsed; none for a sweep.
    pub fn dataset(&self) -> std::result::Result<Option<TargetConfig>, String> {
        match self {
            Kind::Bench { dataset } => bench::parse_dataset(dataset).map(Some),
            Kind::Sweep { .. } => Ok(None),
        }
    }
}

/// What a sweep's folder runs, recorded in it before its first run starts: `sweep.json`
/// ([`files::SWEEP_PLAN`]) for a sweep on this machine, and the same fields in `slurm.json`
/// for one submitted to Slurm ([`crate::run::slurm::Plan`]). Beside it, `config.toml` holds
/// the settings every run shares (its seed aside).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// A sweep or a benchmark, and how its runs are scored.
    #[serde(flatten)]
    pub kind: Kind,
    /// The seed of the first run; run `i` trains seed `first_seed + i`.
    pub first_seed: u64,
    /// Runs, at least 1 and at most [`MAX_RUNS`].
    pub trials: u64,
}

impl Plan {
    /// The seeds of the runs.
    pub fn seeds(&self) -> Range<u64> {
        self.first_seed..self.first_seed.saturating_add(self.trials)
    }

    /// Checks a plan read from the file `path`: its number of runs, its seeds, its success
    /// criterion and dataset; errors name the file.
    pub fn check_file(&self, path: &Path) -> Result<()> {
        check_runs(&path.display().to_string(), self.trials)?;
        let bad = |m: String| Error::bad_file(path, m);
        self.first_seed
            .checked_add(self.trials)
            .ok_or_else(|| bad("its seeds overflow".into()))?;
        if self.trials == 0 {
            return Err(bad("it has no runs".into()));
        }
        self.kind.success().map_err(bad)?;
        self.kind.dataset().map_err(bad)?;
        Ok(())
    }

    /// The plan in the file `path` (`sweep.json`, `slurm.json`), checked.
    fn read(path: &Path) -> Result<Plan> {
        let bytes = files::read_at_most(path, 1 << 20)?;
        let plan: Plan = serde_json::from_slice(&bytes)
            .map_err(|e| Error::bad_file(path, format!("is not a sweep's plan: {e}")))?;
        plan.check_file(path)?;
        Ok(plan)
    }

    /// The plan of the local sweep in `root` (its `sweep.json`), `None` if it has none.
    pub fn load(root: &Path) -> Result<Option<Plan>> {
        let path = root.join(files::SWEEP_PLAN);
        match path.is_file() {
            true => Plan::read(&path).map(Some),
            false => Ok(None),
        }
    }

    /// The setting of this plan that differs from `stored`'s, as an option with both values:
    /// `(option, here, there)`.
    fn difference(&self, stored: &Plan) -> Option<(String, String, String)> {
        let runs = |p: &Plan| match p.kind {
            Kind::Sweep { .. } => format!("{}..{}", p.first_seed, p.seeds().end),
            Kind::Bench { .. } => p.trials.to_string(),
        };
        let seeds_option = match self.kind {
            Kind::Sweep { .. } => "--seeds",
            Kind::Bench { .. } => "--trials",
        };
        let differs = match (&self.kind, &stored.kind) {
            (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => Some((
                "the command".to_string(),
                format!("a {}", a.noun()),
                format!("a {}", b.noun()),
            )),
            (Kind::Bench { dataset: a }, Kind::Bench { dataset: b }) if a != b => {
                Some(("--dataset".to_string(), a.clone(), b.clone()))
            }
            (
                Kind::Sweep {
                    eval_n: a,
                    success: sa,
                },
                Kind::Sweep {
                    eval_n: b,
                    success: sb,
                },
            ) if a != b || sa != sb => match a != b {
                true => Some(("--eval-n".to_string(), a.to_string(), b.to_string())),
                false => {
                    let shown = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
                    Some(("--success".to_string(), shown(sa), shown(sb)))
                }
            },
            _ => None,
        };
        differs.or_else(|| {
            (self.first_seed != stored.first_seed || self.trials != stored.trials)
                .then(|| (seeds_option.to_string(), runs(self), runs(stored)))
        })
    }
}

/// How a sweep treats the folder it runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A new sweep: the folder must be absent or empty.
    New,
    /// `--force`: replaces the sweep in the folder — its own files and every `seed-S` run
    /// folder — after checking all of them: a folder holding anything else (a file of the
    /// user's anywhere in it, a sweep submitted to Slurm) is refused before anything is removed.
    Replace,
    /// `--resume`: continues the sweep in the folder, which must have been started with the
    /// same settings (its `config.toml` and `sweep.json`); an absent or empty folder starts it.
    Continue,
}

/// A sweep (or a benchmark) to run on this machine: the settings every run shares, its plan,
/// its folder and the runs trained at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// The settings of every run; run `s` trains with `seed = s`.
    pub config: TrainConfig,
    /// Its runs and how they are scored.
    pub plan: Plan,
    /// Its folder: each run trains into `root/seed-S`.
    pub root: PathBuf,
    /// Runs trained at once, each on a thread of its own.
    pub jobs: usize,
}

/// The outcome of a sweep: its results and its table.
#[derive(Debug, Clone)]
pub enum Collected {
    /// A sweep's results, in seed order, and its success criterion.
    Sweep {
        /// The runs' results.
        results: Vec<SeedResult>,
        /// `--success`, if it was given.
        success: Option<Criterion>,
    },
    /// A benchmark's outcome.
    Bench(Outcome),
}

/// Where a seed's run is, read from its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeedState {
    /// No folder yet.
    Absent,
    /// `run.json` says finished or early-stopped: kept as it is.
    Finished,
    /// Unfinished, with a checkpoint: resumed from it.
    Checkpointed,
    /// Unfinished without a checkpoint (its process died before the first): trained again.
    Unfinished,
}

impl SeedState {
    fn of(dir: &Path) -> SeedState {
        if !dir.exists() {
            return SeedState::Absent;
        }
        let record = RunRecord::load(dir).ok().flatten();
        if record.is_some_and(|r| matches!(r.status, Status::Finished | Status::EarlyStopped)) {
            return SeedState::Finished;
        }
        match dir.join(files::CHECKPOINT).is_file() {
            true => SeedState::Checkpointed,
            false => SeedState::Unfinished,
        }
    }
}

/// Asks a seed's run to stop (with a checkpoint) when the sweep's observer says so.
struct StopOn<'a>(&'a dyn SeedObserver);

impl Observer for StopOn<'_> {
    fn should_stop(&mut self) -> bool {
        self.0.should_stop()
    }
}

impl Sweep {
    /// The sweep recorded in `root` (its `config.toml` and `sweep.json`), to continue it
    /// (`curvegan resume ROOT`) on `jobs` threads. A folder submitted to Slurm is refused with
    /// what to do instead ([`crate::run::slurm::not_resumable`]); a folder without a plan is
    /// not a sweep this can continue.
    pub fn open(root: &Path, jobs: usize) -> Result<Sweep> {
        if root.join(files::SLURM_PLAN).is_file() {
            return Err(crate::run::slurm::not_resumable(root));
        }
        let plan = Plan::load(root)?.ok_or_else(|| {
            let runs = match describe(root) {
                Some((_, run)) => format!(
                    "; resume its runs one by one instead, e.g. `curvegan resume {}`",
                    run.display()
                ),
                None => String::new(),
            };
            Error::config(
                "DIR",
                format!(
                    "{} has no {}, so it is not a sweep or benchmark curvegan can continue as a whole (one of an older version has none){runs}",
                    root.display(),
                    files::SWEEP_PLAN
                ),
            )
        })?;
        let config = TrainConfig::load(&root.join(files::CONFIG))?;
        Ok(Sweep {
            config,
            plan,
            root: root.to_path_buf(),
            jobs,
        })
    }

    /// Checks the sweep before anything is written: runs, jobs, settings, and a benchmark's
    /// dataset against its config.
    fn check(&self) -> Result<()> {
        let seeds_option = match self.plan.kind {
            Kind::Sweep { .. } => "--seeds",
            Kind::Bench { .. } => "--trials",
        };
        if self.plan.trials == 0 {
            return Err(Error::config(seeds_option, "the range is empty"));
        }
        check_runs(seeds_option, self.plan.trials)?;
        if self.plan.first_seed.checked_add(self.plan.trials).is_none() {
            return Err(Error::config(seeds_option, "the seeds overflow"));
        }
        if self.jobs == 0 {
            return Err(Error::config("--jobs", "must be at least 1, got 0"));
        }
        self.config.validate()?;
        self.plan
            .kind
            .success()
            .map_err(|e| Error::config("--success", e))?;
        if let Some(dataset) = self
            .plan
            .kind
            .dataset()
            .map_err(|e| Error::config("--dataset", e))?
        {
            bench::check(&dataset, &self.config, self.plan.trials as usize)?;
        }
        Ok(())
    }

    /// Runs the sweep: trains every seed of the plan into `root/seed-S` as
    /// `curvegan train --seed S` would, `jobs` at a time, scores each run (its `best/` when the
    /// config keeps the best), and writes the table: `sweep.csv`, or `bench.csv` and
    /// `table.md`, and `report.html`. `start` says what the folder may hold
    /// ([`Start`]); the folder is locked (`root/.lock`) while this runs, so two processes never
    /// run one sweep. `command` (the command line, as data) goes into a resumed run's
    /// `run.json`; `observer` hears of each seed as it finishes and is asked whether to stop.
    ///
    /// In the folder, a finished run is kept as it is, an unfinished one with a checkpoint
    /// resumes from it, and one without trains again (its folder replaced as `--force` does),
    /// so that the result is byte-identical to a sweep never stopped; each run's numbers are
    /// read back from its files, its wall time from its `run.json` (all its sessions).
    ///
    /// When the observer asks to stop, no new seed starts and each running one saves a
    /// checkpoint and stops; the table of the finished ones is written and
    /// [`Error::SweepInterrupted`] returned. The first error of a run stops the sweep (runs
    /// already started finish) and is returned; a sweep that fails before any run folder exists
    /// leaves nothing behind.
    pub fn run(
        &self,
        start: Start,
        command: &[String],
        observer: &dyn SeedObserver,
    ) -> Result<Collected> {
        self.check()?;
        let root = &self.root;
        // Checked before anything is created, so that a refused folder stays untouched, and
        // again under the lock, since another process may have changed it meanwhile.
        self.inspect(start)?;
        let created = folder::create_dirs(root, "--out")?;
        let lock = match RunFolder::open(root, "--out") {
            Ok(lock) => lock,
            Err(e) => {
                remove_lock_file(root, &created);
                return Err(e);
            }
        };
        let action = self.inspect(start);
        let writes = matches!(action, Ok(Action::Write | Action::Replace(_)));
        let outcome = (action.and_then(|action| self.begin(action)))
            .and_then(|()| self.run_seeds(command, observer));
        if writes
            && matches!(&outcome, Err(e) if !matches!(e, Error::SweepInterrupted { .. }))
            && !self.plan.seeds().any(|s| seed_dir(root, s).exists())
        {
            // Nothing trained: the folder goes back to what it was (a new sweep's is removed).
            for name in [files::SWEEP_PLAN, files::CONFIG] {
                let _ = fs::remove_file(root.join(name));
            }
            drop(lock);
            remove_lock_file(root, &created);
        }
        outcome
    }

    /// What `start` asks of the folder as it is now, or why it cannot: the check of
    /// [`Sweep::run`], with no side effect.
    fn inspect(&self, start: Start) -> Result<Action> {
        let root = &self.root;
        if root.exists() && !root.is_dir() {
            return Err(Error::config(
                "--out",
                format!("{} exists and is not a folder", root.display()),
            ));
        }
        let names = entries(root)?;
        let stored = match root.is_dir() {
            true => Plan::load(root)?,
            false => None,
        };
        if names.iter().any(|(n, _)| n == files::SLURM_PLAN) {
            return Err(Error::config(
                "--out",
                format!(
                    "{} is a sweep submitted to Slurm; it is never replaced or continued here (its tasks resume themselves; see `curvegan status {0}`): choose another --out",
                    root.display()
                ),
            ));
        }
        let empty = names.iter().all(|(n, _)| n == files::LOCK);
        match start {
            _ if empty => Ok(Action::Write),
            Start::New => {
                let hint = match stored {
                    Some(_) => "pass --resume to continue the sweep in it, or --force to replace it",
                    None => "pass --force to write into it",
                };
                Err(Error::config(
                    "--out",
                    format!("{} exists and is not empty; {hint}", root.display()),
                ))
            }
            Start::Replace => {
                let mut seeds = Vec::new();
                for (name, is_dir) in &names {
                    let path = root.join(name);
                    if *is_dir && seed_of(name).is_some() {
                        if folder::is_locked(&path) {
                            return Err(Error::config(
                                "--out",
                                format!("{} is being written by another curvegan process; wait for it to end", path.display()),
                            ));
                        }
                        folder::check_replaceable(&path, true)?;
                        seeds.push(path);
                    } else if *is_dir || !written_by_a_sweep(name) {
                        return Err(Error::config(
                            "--out",
                            format!(
                                "{} holds '{name}', which is not a file of a curvegan sweep; --force replaces only a sweep's folder, so remove it yourself or choose another --out",
                                root.display()
                            ),
                        ));
                    }
                }
                Ok(Action::Replace(seeds))
            }
            Start::Continue => match stored {
                Some(stored) => {
                    self.same_as(&stored)?;
                    Ok(Action::Keep)
                }
                None => match names.iter().find(|(n, is_dir)| *is_dir || !written_by_a_sweep(n)) {
                    // Killed before its plan was written: nothing of it to keep.
                    None => Ok(Action::Write),
                    Some((name, _)) => Err(Error::config(
                        "--resume",
                        format!(
                            "{} holds '{name}' but no {}: it is not a sweep curvegan can continue (one of an older version cannot be checked against these settings); --force replaces it",
                            root.display(),
                            files::SWEEP_PLAN
                        ),
                    )),
                },
            },
        }
    }

    /// Refuses to continue the sweep whose plan is `stored` (and whose settings are the
    /// folder's `config.toml`) with other settings, naming the first that differs.
    fn same_as(&self, stored: &Plan) -> Result<()> {
        let root = &self.root;
        let differs = |setting: String, here: String, there: String, file: &str| {
            Error::config(
                "--resume",
                format!(
                    "{setting} differs from the {}'s in {}: {here} here, {there} in {}; give the same settings, or run `curvegan resume {}`, which reads them from the folder",
                    stored.kind.noun(),
                    root.display(),
                    file,
                    root.display()
                ),
            )
        };
        if let Some((setting, here, there)) = self.plan.difference(stored) {
            return Err(differs(setting, here, there, files::SWEEP_PLAN));
        }
        let path = root.join(files::CONFIG);
        let saved = TrainConfig::load(&path)?;
        let given = TrainConfig {
            seed: saved.seed,
            ..self.config.clone()
        };
        if given != saved {
            let (key, here, there) = toml_difference(&given.to_toml()?, &saved.to_toml()?)
                .unwrap_or_else(|| ("the settings".into(), "other".into(), "others".into()));
            return Err(differs(
                format!("the setting {key}"),
                here,
                there,
                files::CONFIG,
            ));
        }
        Ok(())
    }

    /// Prepares the folder, under its lock, as `action` says: clears a replaced sweep, and
    /// writes the settings and the plan of a new one (the plan last: a folder with a plan
    /// has its settings).
    fn begin(&self, action: Action) -> Result<()> {
        let root = &self.root;
        if let Action::Replace(seeds) = &action {
            // The plan first: a folder half replaced is not taken for a sweep to continue.
            let _ = remove_file_if_any(&root.join(files::SWEEP_PLAN));
            for dir in seeds {
                remove_run_folder(dir)?;
            }
        }
        for (name, is_dir) in entries(root)? {
            let stale = files::is_temporary(&name)
                || (matches!(action, Action::Replace(_)) && name != files::LOCK);
            if !is_dir && stale {
                remove_file_if_any(&root.join(&name))?;
            }
        }
        if matches!(action, Action::Keep) {
            return Ok(());
        }
        files::write_atomic(&root.join(files::CONFIG), self.config.to_toml()?.as_bytes())?;
        let json = serde_json::to_string_pretty(&self.plan)
            .map_err(|e| Error::Serialize(format!("{}: {e}", files::SWEEP_PLAN)))?;
        files::write_atomic(&root.join(files::SWEEP_PLAN), (json + "\n").as_bytes())
    }

    /// Trains, resumes or keeps every seed on `jobs` threads, then writes the table of the
    /// finished ones.
    fn run_seeds(&self, command: &[String], observer: &dyn SeedObserver) -> Result<Collected> {
        let seeds: Vec<u64> = self.plan.seeds().collect();
        let outcomes = on_threads(&seeds, self.jobs, observer, |seed| {
            self.run_seed(seed, command, observer)
        })?;
        let total = outcomes.len();
        let mut finished = Vec::with_capacity(total);
        for outcome in outcomes {
            match outcome {
                Some(Ok(result)) => finished.push(result),
                // Stopped at a checkpoint, or not started: the sweep was interrupted.
                Some(Err(Error::Interrupted { .. })) | None => {}
                Some(Err(e)) => return Err(e),
            }
        }
        if finished.len() < total {
            if !finished.is_empty() {
                self.write(finished.clone())?;
            }
            return Err(Error::SweepInterrupted {
                finished: finished.len(),
                runs: total,
                dir: self.root.clone(),
            });
        }
        self.write(finished)
    }

    /// The run of `seed`: trained, resumed or kept as its folder says ([`SeedState`]), then
    /// scored from its files.
    fn run_seed(
        &self,
        seed: u64,
        command: &[String],
        observer: &dyn SeedObserver,
    ) -> Result<SeedResult> {
        let dir = seed_dir(&self.root, seed);
        let mut stop = StopOn(observer);
        let config = TrainConfig {
            seed,
            ..self.config.clone()
        };
        let output = |force| Output {
            dir: dir.clone(),
            force,
            label: Default::default(),
        };
        match SeedState::of(&dir) {
            SeedState::Finished => {}
            SeedState::Checkpointed => resume_seed(&dir, command, &mut stop)?,
            SeedState::Absent => drop(train::train(&config, &output(false), &mut stop)?),
            SeedState::Unfinished => drop(train::train(&config, &output(true), &mut stop)?),
        }
        result_of(&self.root, seed, self.plan.kind.scoring())
    }

    /// Writes the table of `results` ([`write_results`]).
    fn write(&self, results: Vec<SeedResult>) -> Result<Collected> {
        write_results(&self.root, &self.plan.kind, results)
    }
}

/// What a sweep's start does to its folder.
#[derive(Debug)]
enum Action {
    /// Writes the settings and plan of a new sweep (into an absent or empty folder).
    Write,
    /// Removes the sweep there (these run folders and the sweep's own files), then writes.
    Replace(Vec<PathBuf>),
    /// Continues the sweep there.
    Keep,
}

/// Resumes the unfinished run in `dir` from its checkpoint. A run whose process died after
/// its last outputs but before its `run.json` said so has nothing to resume: its files are
/// whole, so its record is completed and it counts as finished.
fn resume_seed(dir: &Path, command: &[String], observer: &mut dyn Observer) -> Result<()> {
    match train::resume(dir, None, command, observer) {
        Ok(_) => Ok(()),
        Err(e @ Error::Config { .. })
            if dir.join(files::GENERATOR).is_file() && !folder::is_locked(dir) =>
        {
            record_finished(dir).map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

/// Records the run in `dir`, whose files are whole, as finished (early-stopped when it has
/// fewer steps than its config plans), under its lock.
fn record_finished(dir: &Path) -> Result<()> {
    let _lock = RunFolder::open(dir, "--resume")?;
    let summary = train::summary_of(dir)?;
    let planned = TrainConfig::load(&dir.join(files::CONFIG))?.steps;
    let mut record = RunRecord::load(dir)?.unwrap_or_else(|| RunRecord::start(&Label::default()));
    let status = match summary.steps < planned {
        true => Status::EarlyStopped,
        false => Status::Finished,
    };
    record.end(status, None, std::time::Duration::ZERO);
    record.save(dir)
}

/// Writes the table of a sweep of `kind` with `results` into `root` — `sweep.csv`, or
/// `bench.csv` and `table.md` — and `report.html`, the page comparing its runs; returns it.
pub fn write_results(root: &Path, kind: &Kind, results: Vec<SeedResult>) -> Result<Collected> {
    let plan_error = |e: String| Error::config("--success", e);
    Ok(
        match kind.dataset().map_err(|e| Error::config("--dataset", e))? {
            None => {
                let success = kind.success().map_err(plan_error)?;
                save(root, &results)?;
                Collected::Sweep { results, success }
            }
            Some(dataset) => {
                let outcome = bench::outcome(&dataset, &results)?;
                outcome.save(root)?;
                Collected::Bench(outcome)
            }
        },
    )
}

/// The seed of a run folder's name `seed-S`.
fn seed_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("seed-")?;
    match digits.bytes().all(|b| b.is_ascii_digit()) {
        true => digits.parse().ok(),
        false => None,
    }
}

/// True for a file a sweep writes into its own folder (not into its runs'): its settings,
/// plan, tables, page, lock, and temporary files of [`files::write_atomic`].
fn written_by_a_sweep(name: &str) -> bool {
    [
        files::CONFIG,
        files::SWEEP_PLAN,
        files::SWEEP_CSV,
        files::BENCH_CSV,
        files::BENCH_TABLE,
        files::REPORT,
        files::LOCK,
    ]
    .contains(&name)
        || files::is_temporary(name)
}

/// The names in `dir` (none when it does not exist), each with whether it is a folder.
fn entries(dir: &Path) -> Result<Vec<(String, bool)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let read = |e| Error::io(READ, dir, e);
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let is_dir = entry.file_type().map_err(read)?.is_dir();
        names.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
    }
    names.sort();
    Ok(names)
}

fn remove_file_if_any(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::io("cannot remove", path, e))
        }
        _ => Ok(()),
    }
}

/// Removes the run folder `dir` whole, through [`RunFolder::create`] with `force` (which
/// refuses a folder holding a file of the user's), then its lock file and the folder itself.
fn remove_run_folder(dir: &Path) -> Result<()> {
    let run = RunFolder::create(dir, true)?;
    remove_file_if_any(&dir.join(files::LOCK))?;
    drop(run);
    fs::remove_dir(dir).map_err(|e| Error::io("cannot remove", dir, e))
}

/// After a refused or failed start: the lock file this process made in `root`, and the folders
/// it created, when they are empty.
fn remove_lock_file(root: &Path, created: &[PathBuf]) {
    if !created.is_empty() {
        let _ = fs::remove_file(root.join(files::LOCK));
        folder::remove_empty(created);
    }
}

/// The first key (dotted: `optim_g.lr`) whose value differs between the TOML texts `here` and
/// `there`, with both values (`absent` for a missing key).
fn toml_difference(here: &str, there: &str) -> Option<(String, String, String)> {
    fn walk(
        key: &str,
        a: Option<&toml::Value>,
        b: Option<&toml::Value>,
    ) -> Option<(String, String, String)> {
        let shown = |v: Option<&toml::Value>| v.map_or("absent".to_string(), |v| v.to_string());
        match (a, b) {
            (Some(toml::Value::Table(a)), Some(toml::Value::Table(b))) => {
                let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                keys.into_iter().find_map(|k| {
                    let path = match key.is_empty() {
                        true => k.clone(),
                        false => format!("{key}.{k}"),
                    };
                    walk(&path, a.get(k), b.get(k))
                })
            }
            (a, b) if a != b => Some((key.to_string(), shown(a), shown(b))),
            _ => None,
        }
    }
    let here: toml::Value = toml::from_str(here).ok()?;
    let there: toml::Value = toml::from_str(there).ok()?;
    walk("", Some(&here), Some(&there))
}

/// What a folder of runs made by a sweep or a benchmark is, for a command given it in place of
/// a run folder: `("sweep" or "benchmark", one of its run folders)`. `None` for any other
/// folder. Recognised by its plan (`sweep.json`, `slurm.json`), its table (`sweep.csv`,
/// `bench.csv`), or, lacking a `config.toml`, a `seed-S` run folder in it.
pub fn describe(dir: &Path) -> Option<(&'static str, PathBuf)> {
    let plan = [files::SWEEP_PLAN, files::SLURM_PLAN]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .map(|path| Plan::read(&path).ok());
    let mut seeds: Vec<u64> = entries(dir)
        .ok()?
        .into_iter()
        .filter(|(name, is_dir)| *is_dir && dir.join(name).join(files::CONFIG).is_file())
        .filter_map(|(name, _)| seed_of(&name))
        .collect();
    seeds.sort_unstable();
    let bench_table = dir.join(files::BENCH_CSV).is_file();
    let is_one = plan.is_some()
        || bench_table
        || dir.join(files::SWEEP_CSV).is_file()
        || (!seeds.is_empty() && !dir.join(files::CONFIG).is_file());
    if !is_one {
        return None;
    }
    let noun = match plan.flatten() {
        Some(p) => {
            seeds.push(p.first_seed);
            p.kind.noun()
        }
        None if bench_table => "benchmark",
        None => "sweep",
    };
    let seed = seeds.first().copied().unwrap_or(0);
    Some((noun, seed_dir(dir, seed)))
}

/// Runs `run_seed` for every seed on `jobs` threads, in the order of `seeds`, and returns each
/// seed's outcome in that order: `None` for a seed not started, because an earlier one failed
/// or `observer` asked to stop.
fn on_threads(
    seeds: &[u64],
    jobs: usize,
    observer: &dyn SeedObserver,
    run_seed: impl Fn(u64) -> Result<SeedResult> + Sync,
) -> Result<Vec<Option<Result<SeedResult>>>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<SeedResult>>>> =
        Mutex::new((0..seeds.len()).map(|_| None).collect());
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(seeds.len()) {
            scope.spawn(|| loop {
                if failed.load(Ordering::Relaxed) || observer.should_stop() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= seeds.len() {
                    break;
                }
                let outcome = run_seed(seeds[i]);
                match &outcome {
                    Ok(result) => observer.on_seed(result),
                    Err(Error::Interrupted { .. }) => {}
                    Err(_) => failed.store(true, Ordering::Relaxed),
                }
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(outcome);
                }
            });
        }
    });
    results
        .into_inner()
        .map_err(|_| Error::Serialize("sweep results (a worker panicked)".into()))
}

/// The run folder of seed `seed` in the sweep folder `root`: `root/seed-S`.
pub fn seed_dir(root: &Path, seed: u64) -> PathBuf {
    root.join(format!("seed-{seed}"))
}

/// The result of the finished run of seed `seed` in `root`, however it was trained (in one
/// session, resumed, by another process, a trial on Slurm): its summary read back from its
/// files ([`train::summary_of`]; its wall time is `run.json`'s, all its sessions), then scored.
pub fn result_of(root: &Path, seed: u64, scoring: Scoring) -> Result<SeedResult> {
    let dir = seed_dir(root, seed);
    let summary = train::summary_of(&dir)?;
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
        "--eval-n",
    )?;
    Ok(SeedResult {
        seed,
        dir,
        summary,
        report,
    })
}

/// The sweep as CSV: `seed,wall_s,d_loss,g_loss,<metrics…>`.
pub fn to_csv(results: &[SeedResult]) -> String {
    let mut csv = CsvWriter::new();
    let Some(first) = results.first() else {
        return csv.finish();
    };
    let names = first.report.metrics.iter().map(|(name, _)| name.as_str());
    csv.row(
        ["seed", "wall_s", "d_loss", "g_loss"]
            .into_iter()
            .chain(names),
    );
    for r in results {
        let s = &r.summary;
        let mut fields = vec![
            r.seed.to_string(),
            s.wall.as_secs_f64().to_string(),
            s.last.d_loss.to_string(),
            s.last.g_loss.to_string(),
        ];
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
                    "--success",
                    format!(
                        "no metric '{}'; this target has {}",
                        c.metric,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_that_differs_is_named_by_its_key() {
        let a = TrainConfig::default();
        let mut b = a.clone();
        b.optim_g = crate::nn::optim::OptimizerConfig::adam(0.5);
        let (key, here, there) =
            toml_difference(&b.to_toml().unwrap(), &a.to_toml().unwrap()).expect("a difference");
        assert_eq!(key, "optim_g.lr");
        assert_eq!((here.as_str(), there), ("0.5", a.optim_g.lr().to_string()));
        assert!(toml_difference(&a.to_toml().unwrap(), &a.to_toml().unwrap()).is_none());
        let plan = |first_seed, trials, eval_n| Plan {
            kind: Kind::Sweep {
                eval_n,
                success: None,
            },
            first_seed,
            trials,
        };
        let named = |p: Plan, q: Plan| p.difference(&q).map(|(option, ..)| option);
        assert_eq!(named(plan(0, 4, 10), plan(0, 4, 10)), None);
        assert_eq!(
            named(plan(0, 5, 10), plan(0, 4, 10)).as_deref(),
            Some("--seeds")
        );
        assert_eq!(
            named(plan(0, 4, 9), plan(0, 4, 10)).as_deref(),
            Some("--eval-n")
        );
        let bench = bench::plan(&TargetConfig::Ring8 {}, 4);
        assert_eq!(
            named(bench.clone(), plan(0, 4, 10)).as_deref(),
            Some("the command")
        );
        let grid = bench::plan(&TargetConfig::Grid25 {}, 4);
        assert_eq!(named(grid, bench).as_deref(), Some("--dataset"));
    }

    #[test]
    fn a_plan_reads_back_and_run_folder_names_give_their_seed() {
        let plan = bench::plan(&TargetConfig::Grid25 {}, 7);
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"bench","dataset":"grid25","first_seed":0,"trials":7}"#
        );
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
        assert_eq!(plan.kind.scoring(), bench::SCORING);
        assert_eq!(seed_of("seed-12"), Some(12));
        for other in [
            "seed-",
            "seed-1a",
            "seed--1",
            "seeds-1",
            "seed-99999999999999999999",
        ] {
            assert_eq!(seed_of(other), None, "{other}");
        }
    }
}
