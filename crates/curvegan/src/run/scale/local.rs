//! Sweeps and benchmarks on this machine: every seed of a [`Plan`] trained on `jobs` threads of
//! this process, each into `ROOT/seed-S` as `curvegan train --seed S` would, scored
//! ([`crate::run::scale::sweep`]), and the table written ([`crate::run::scale::plan::write_results`]).
//!
//! Before its first run a sweep writes into its folder `config.toml` and `sweep.json`, its
//! plan, and the process running it holds the folder's lock (`ROOT/.lock`,
//! [`crate::run::store::folder`]), so two processes never run one sweep. A sweep stopped by a signal,
//! or killed, is continued ([`Start::Continue`]): finished runs are kept, stopped ones resume
//! from their checkpoints, the others train, and the result is byte-identical to a sweep never
//! stopped (wall times aside).

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::run::scale::bench;
use crate::run::scale::grid;
use crate::run::scale::plan::{
    describe, entries, seed_of, write_results, Collected, Kind, Plan, RunId,
};
use crate::run::scale::slurm;
use crate::run::scale::sweep::{check_runs, SeedObserver, SeedResult};
use crate::run::store::files;
use crate::run::store::folder::{self, RunFolder};
use crate::run::store::run_json::{Label, RunRecord, Status};
use crate::run::train::run_loop::{self, Observer, Output};

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
    /// what to do instead ([`crate::run::scale::slurm::not_resumable`]); a folder without a plan is
    /// not a sweep this can continue.
    pub fn open(root: &Path, jobs: usize) -> Result<Sweep> {
        if root.join(files::SLURM_PLAN).is_file() {
            return Err(slurm::not_resumable(root));
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
            Kind::Sweep { .. } => "seeds",
            Kind::Bench { .. } => "trials",
        };
        if self.plan.trials == 0 {
            return Err(Error::config(seeds_option, "the range is empty"));
        }
        check_runs(seeds_option, self.plan.total_runs())?;
        if self.plan.first_seed.checked_add(self.plan.trials).is_none() {
            return Err(Error::config(seeds_option, "the seeds overflow"));
        }
        if self.jobs == 0 {
            return Err(Error::config("jobs", "must be at least 1, got 0"));
        }
        self.config.validate()?;
        self.plan
            .kind
            .success()
            .map_err(|e| Error::config("success", e))?;
        let dataset = (self.plan.kind.dataset()).map_err(|e| Error::config("dataset", e))?;
        // Every setting of a hyperparameter sweep, before any is written.
        let settings: Vec<Option<usize>> = match self.plan.settings.len() {
            0 => vec![None],
            n => (0..n).map(Some).collect(),
        };
        for setting in settings {
            let config = self.plan.config_of(&self.config, setting)?;
            if let Some(dataset) = &dataset {
                bench::check(dataset, &config, self.plan.trials as usize)?;
            }
        }
        Ok(())
    }

    /// Runs the sweep: trains every seed of the plan into `root/seed-S` as
    /// `curvegan train --seed S` would, `jobs` at a time, scores each run (its `best/` when the
    /// config keeps the best), and writes the table: `sweep.csv`, or `bench.csv` and
    /// `table.md`, and `report.html`. `start` says what the folder may hold
    /// ([`Start`]); the folder is locked (`root/.lock`) while this runs, so two processes never
    /// run one sweep. `command` (the command line, as data) goes into each run's
    /// `run.json`, as the command that started it or resumed it; `observer` hears of each seed as it finishes and is asked whether to stop.
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
        let created = folder::create_dirs(root, "out")?;
        let lock = match RunFolder::open(root, "out") {
            Ok(lock) => lock,
            Err(e) => {
                remove_lock_file(root, &created);
                return Err(e);
            }
        };
        let action = self.inspect(start);
        let writes = matches!(action, Ok(Action::Write | Action::Replace(..)));
        let outcome = (action.and_then(|action| self.begin(action)))
            .and_then(|()| self.run_seeds(command, observer));
        if writes
            && matches!(&outcome, Err(e) if !matches!(e, Error::SweepInterrupted { .. }))
            && !(self.plan.runs().iter()).any(|&r| self.plan.run_dir(root, r).exists())
        {
            // Nothing trained: the folder goes back to what it was (a new sweep's is removed).
            for name in [files::SWEEP_PLAN, files::CONFIG, grid::SETTINGS_CSV] {
                let _ = fs::remove_file(root.join(name));
            }
            for i in 0..self.plan.settings.len() {
                let dir = self.plan.setting_root(root, Some(i));
                let _ = fs::remove_file(dir.join(files::CONFIG));
                let _ = fs::remove_dir(dir);
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
                "out",
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
                "out",
                format!(
                    "{} is a sweep submitted to Slurm; it is never replaced or continued here (its tasks resume themselves; see `curvegan status {0}`): choose another `out`",
                    root.display()
                ),
            ));
        }
        let empty = names.iter().all(|(n, _)| n == files::LOCK);
        match start {
            _ if empty => Ok(Action::Write),
            Start::New => {
                let hint = match stored {
                    Some(_) => "pass `resume` to continue the sweep in it, or `force` to replace it",
                    None => "pass `force` to write into it",
                };
                Err(Error::config(
                    "out",
                    format!("{} exists and is not empty; {hint}", root.display()),
                ))
            }
            Start::Replace => {
                let (mut seeds, mut settings) = (Vec::new(), Vec::new());
                let replaceable = |path: &Path| {
                    if folder::is_locked(path) {
                        return Err(Error::config(
                            "out",
                            format!("{} is being written by another curvegan process; wait for it to end", path.display()),
                        ));
                    }
                    folder::check_replaceable(path, true)
                };
                for (name, is_dir) in &names {
                    let path = root.join(name);
                    if *is_dir && seed_of(name).is_some() {
                        replaceable(&path)?;
                        seeds.push(path);
                    } else if *is_dir && is_setting_folder(name) {
                        // A hyperparameter sweep's setting: its config.toml and seed-S runs.
                        for (inner, inner_dir) in entries(&path)? {
                            let inner_path = path.join(&inner);
                            if inner_dir && seed_of(&inner).is_some() {
                                replaceable(&inner_path)?;
                                seeds.push(inner_path);
                            } else if inner_dir || inner != files::CONFIG {
                                return Err(Error::config(
                                    "out",
                                    format!(
                                        "{} holds '{inner}', which is not a file of a curvegan sweep; `force` replaces only a sweep's folder, so remove it yourself or choose another `out`",
                                        path.display()
                                    ),
                                ));
                            }
                        }
                        settings.push(path);
                    } else if *is_dir || !written_by_a_sweep(name) {
                        return Err(Error::config(
                            "out",
                            format!(
                                "{} holds '{name}', which is not a file of a curvegan sweep; `force` replaces only a sweep's folder, so remove it yourself or choose another `out`",
                                root.display()
                            ),
                        ));
                    }
                }
                Ok(Action::Replace(seeds, settings))
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
                        "resume",
                        format!(
                            "{} holds '{name}' but no {}: it is not a sweep curvegan can continue (one of an older version cannot be checked against these settings); `force` replaces it",
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
                "resume",
                format!(
                    "{setting} differs from the {}'s in {}: {here} here, {there} in {}; give the same settings, or run `curvegan resume {}`, which reads them from the folder",
                    stored.kind.noun(),
                    root.display(),
                    file,
                    root.display()
                ),
            )
        };
        // A setting of the sweep's own (its seeds, trials, scoring), between backquotes so that
        // a front end names it its way; a key of config.toml below is named as the file has it.
        if let Some((setting, here, there)) = self.plan.difference(stored) {
            let key = (setting.chars()).all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
            return Err(differs(
                match key {
                    true => format!("`{setting}`"),
                    false => setting,
                },
                here,
                there,
                files::SWEEP_PLAN,
            ));
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
        if let Action::Replace(seeds, settings) = &action {
            // The plan first: a folder half replaced is not taken for a sweep to continue.
            let _ = remove_file_if_any(&root.join(files::SWEEP_PLAN));
            for dir in seeds {
                remove_run_folder(dir)?;
            }
            for dir in settings {
                remove_file_if_any(&dir.join(files::CONFIG))?;
                fs::remove_dir(dir).map_err(|e| Error::io("cannot remove", dir, e))?;
            }
        }
        for (name, is_dir) in entries(root)? {
            let stale = files::is_temporary(&name)
                || (matches!(action, Action::Replace(..)) && name != files::LOCK);
            if !is_dir && stale {
                remove_file_if_any(&root.join(&name))?;
            }
        }
        if matches!(action, Action::Keep) {
            return Ok(());
        }
        files::write_atomic(&root.join(files::CONFIG), self.config.to_toml()?.as_bytes())?;
        if !self.plan.settings.is_empty() {
            // Each setting's settings beside its runs, as a Slurm task reads them.
            files::write_atomic(
                &root.join(grid::SETTINGS_CSV),
                grid::settings_csv(&self.plan.settings).as_bytes(),
            )?;
            for i in 0..self.plan.settings.len() {
                let dir = self.plan.setting_root(root, Some(i));
                folder::create_dirs(&dir, "out")?;
                let config = self.plan.config_of(&self.config, Some(i))?;
                files::write_atomic(&dir.join(files::CONFIG), config.to_toml()?.as_bytes())?;
            }
        }
        let json = serde_json::to_string_pretty(&self.plan)
            .map_err(|e| Error::Serialize(format!("{}: {e}", files::SWEEP_PLAN)))?;
        files::write_atomic(&root.join(files::SWEEP_PLAN), (json + "\n").as_bytes())
    }

    /// Trains, resumes or keeps every seed on `jobs` threads, then writes the table of the
    /// finished ones.
    fn run_seeds(&self, command: &[String], observer: &dyn SeedObserver) -> Result<Collected> {
        let runs = self.plan.runs();
        let outcomes = on_threads(&runs, self.jobs, observer, |run| {
            self.run_seed(run, command, observer)
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
        run: RunId,
        command: &[String],
        observer: &dyn SeedObserver,
    ) -> Result<SeedResult> {
        let dir = self.plan.run_dir(&self.root, run);
        let mut stop = StopOn(observer);
        let config = TrainConfig {
            seed: run.seed,
            ..self.plan.config_of(&self.config, run.setting)?
        };
        // The run's `run.json` (and its page) name the sweep's command line, which started it.
        let output = |force| Output {
            dir: dir.clone(),
            force,
            label: Label {
                command: command.to_vec(),
                ..Label::default()
            },
        };
        match SeedState::of(&dir) {
            SeedState::Finished => {}
            SeedState::Checkpointed => resume_seed(&dir, command, &mut stop)?,
            SeedState::Absent => drop(run_loop::train(&config, &output(false), &mut stop)?),
            SeedState::Unfinished => drop(run_loop::train(&config, &output(true), &mut stop)?),
        }
        self.plan.result(&self.root, run)
    }

    /// Writes the table of `results` ([`write_results`]).
    fn write(&self, results: Vec<SeedResult>) -> Result<Collected> {
        write_results(&self.root, &self.plan, results)
    }
}

/// What a sweep's start does to its folder.
#[derive(Debug)]
enum Action {
    /// Writes the settings and plan of a new sweep (into an absent or empty folder).
    Write,
    /// Removes the sweep there (these run folders, these setting folders of a hyperparameter
    /// sweep, and the sweep's own files), then writes.
    Replace(Vec<PathBuf>, Vec<PathBuf>),
    /// Continues the sweep there.
    Keep,
}

/// Resumes the unfinished run in `dir` from its checkpoint. A run whose process died after
/// its last outputs but before its `run.json` said so has nothing to resume: its files are
/// whole, so its record is completed and it counts as finished.
fn resume_seed(dir: &Path, command: &[String], observer: &mut dyn Observer) -> Result<()> {
    match run_loop::resume(dir, None, command, observer) {
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
    let folder = RunFolder::open(dir, "resume")?;
    let summary = run_loop::summary_of(dir)?;
    let planned = TrainConfig::load(&dir.join(files::CONFIG))?.steps;
    let mut record = RunRecord::load(dir)?.unwrap_or_else(|| RunRecord::start(&Label::default()));
    let status = match summary.steps < planned {
        true => Status::EarlyStopped,
        false => Status::Finished,
    };
    record.end(status, None, std::time::Duration::ZERO);
    record.save(folder.dir())
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
        grid::SETTINGS_CSV,
        grid::RUNS_CSV,
    ]
    .contains(&name)
        || files::is_temporary(name)
}

/// True for the name of a hyperparameter sweep's setting folder: `setting-NN`.
fn is_setting_folder(name: &str) -> bool {
    name.strip_prefix("setting-")
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
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

/// Runs `run_seed` for every run on `jobs` threads, in the order of `seeds`, and returns each
/// run's outcome in that order: `None` for a run not started, because an earlier one failed
/// or `observer` asked to stop.
fn on_threads(
    seeds: &[RunId],
    jobs: usize,
    observer: &dyn SeedObserver,
    run_seed: impl Fn(RunId) -> Result<SeedResult> + Sync,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::target::TargetConfig;

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
        let plan = |first_seed, trials, eval_n| {
            let kind = Kind::Sweep {
                eval_n,
                success: None,
            };
            Plan::new(kind, first_seed..first_seed + trials)
        };
        let named = |p: Plan, q: Plan| p.difference(&q).map(|(option, ..)| option);
        assert_eq!(named(plan(0, 4, 10), plan(0, 4, 10)), None);
        assert_eq!(
            named(plan(0, 5, 10), plan(0, 4, 10)).as_deref(),
            Some("seeds")
        );
        assert_eq!(
            named(plan(0, 4, 9), plan(0, 4, 10)).as_deref(),
            Some("eval_n")
        );
        let bench = Plan::bench(&TargetConfig::Ring8 {}, 4);
        assert_eq!(
            named(bench.clone(), plan(0, 4, 10)).as_deref(),
            Some("the command")
        );
        let grid = Plan::bench(&TargetConfig::Grid25 {}, 4);
        assert_eq!(named(grid, bench).as_deref(), Some("dataset"));
    }
}
