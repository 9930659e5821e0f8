//! Sweeps and benchmarks on a Slurm cluster: the trials handed to Slurm as one job array, one
//! trial per array task. curvegan schedules nothing itself; Slurm queues, places, requeues and
//! accounts, and curvegan writes the job's script, submits it, and reads back what happened.
//!
//! A submitted folder `ROOT` (on storage every node sees) holds:
//! - `config.toml`: the settings every trial shares (its seed aside);
//! - `slurm.sh`: the job-array script ([`script`]). Task `i` of `--array=0-(N−1)` trains seed
//!   `S = first + i` with `BIN train --config ROOT/config.toml --seed S --out ROOT/seed-S
//!   --force`, exactly what [`crate::run::scale::sweep`] does on a thread, so its files are byte for
//!   byte those of a local sweep; when `ROOT/seed-S` has a checkpoint it runs `BIN resume
//!   ROOT/seed-S` instead, so a requeued or preempted task continues from its checkpoint (Slurm
//!   sends SIGTERM first, on which a run saves one), and a finished trial is left as it is;
//! - `logs/task-I.log`: each task's output, appended to across requeues;
//! - `slurm.json`: the [`Plan`] — what was submitted (the fields of a local sweep's `sweep.json`,
//!   [`plan::Plan`]), the job id, the binary, the sbatch options;
//! - `seed-S/`: each trial's run folder, once its task starts.
//!
//! A trial's [`State`] combines Slurm's view (`squeue`, then `sacct` for tasks `squeue` has
//! forgotten) with its run folder ([`crate::run::store::listing`]): a finished run is done, and a run
//! whose folder a process holds is running, whatever Slurm says; else Slurm's pending and
//! running states are queued and running, and any other
//! end (failed, cancelled, timeout, node failure, or a task gone from Slurm with its run
//! unfinished) is failed, shown with the last lines of its log. [`collect`] scores the done
//! trials as a local sweep or benchmark does ([`sweep::result_of`], [`plan::write_results`]) and
//! writes `sweep.csv`, or `bench.csv` and `table.md`.
//!
//! Every Slurm command is run with [`std::process::Command`]; a missing command or a refusal is
//! an error naming the command and quoting its message.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::{Error, Result, READ};
use crate::run::scale::grid;
use crate::run::scale::plan::{self, write_results, RunId};
use crate::run::scale::sweep::{self, SeedResult};
use crate::run::store::files::{self, write_atomic};
use crate::run::store::folder;
use crate::run::store::listing::{self, RunRow};
use crate::run::store::run_json::{Status, Time};
use crate::text::echo;

/// Lines of a failed task's log that [`Trial::log_tail`] shows.
pub const LOG_TAIL: usize = 8;

/// The most characters of a log line [`Trial::log_tail`] shows (control characters escaped).
pub const LOG_LINE_CHARS: usize = 500;

/// How often [`wait`] asks Slurm about the array.
pub const POLL: Duration = Duration::from_secs(3);

/// sbatch's long options that curvegan sets itself or that would break what it relies on,
/// refused in `--slurm-arg`, with any abbreviation of them (sbatch takes a unique prefix of a
/// long option for the option): the array, its logs and their mode, requeueing, and the
/// output of `sbatch` that curvegan reads (`--parsable`, `--wait`, `--wrap`).
const OWN_LONG: [&str; 9] = [
    "--array",
    "--output",
    "--error",
    "--open-mode",
    "--requeue",
    "--no-requeue",
    "--parsable",
    "--wrap",
    "--wait",
];

pub use crate::run::scale::plan::{Collected, Kind};
pub use crate::run::scale::script::{script, Submit};

/// The short forms of [`OWN_LONG`]: `-a`, `-o`, `-e`, `-W`.
const OWN_SHORT: [char; 4] = ['a', 'o', 'e', 'W'];

/// sbatch's short options that take no argument, so that another may follow in one word
/// (`-Qo file` is `-Q -o file`).
const SHORT_FLAGS: [char; 10] = ['h', 'H', 'k', 'O', 'Q', 's', 'u', 'v', 'V', 'W'];

/// Characters an `--out` of `--backend slurm` may not hold: its path goes into `#SBATCH`
/// lines, which sbatch splits at spaces, where it takes `#` for a comment and removes
/// quotes, and into `--output`, where `%` and `\` are patterns.
const UNSAFE_IN_SBATCH: [char; 5] = ['\\', '#', '\'', '"', '%'];

/// What was submitted: `slurm.json` in the folder — the sweep's [`plan::Plan`] (its fields
/// at the top level, as in a local sweep's `sweep.json`) and the Slurm job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// A sweep or a benchmark, and its seeds: task `i` trains seed `first_seed + i`.
    #[serde(flatten)]
    pub sweep: plan::Plan,
    /// Slurm's id of the job array.
    pub job_id: String,
    /// The curvegan binary the tasks run.
    pub binary: PathBuf,
    /// The sbatch options given (`--slurm-arg`).
    pub slurm_args: Vec<String>,
    /// When it was submitted.
    pub submitted: Time,
}

impl Plan {
    /// The seeds of the trials.
    pub fn seeds(&self) -> Range<u64> {
        self.sweep.seeds()
    }

    /// The plan of the folder `root`; the error says when `root` is missing or is not a
    /// folder submitted to Slurm.
    pub fn load(root: &Path) -> Result<Plan> {
        if !root.is_dir() {
            return Err(Error::config(
                "DIR",
                format!("{} is not a folder", root.display()),
            ));
        }
        let path = root.join(files::SLURM_PLAN);
        if !path.is_file() {
            return Err(Error::config(
                "DIR",
                format!(
                    "{} is not a sweep or benchmark submitted with --backend slurm (it has no {})",
                    root.display(),
                    files::SLURM_PLAN
                ),
            ));
        }
        let bytes = files::read_at_most(&path, files::MAX_SLURM_PLAN)?;
        let plan: Plan = serde_json::from_slice(&bytes)
            .map_err(|e| Error::bad_file(&path, format!("is not a Slurm plan: {e}")))?;
        plan.sweep.check_file(&path)?;
        Ok(plan)
    }
}

/// The error for `curvegan resume ROOT` of a folder submitted to Slurm: its tasks resume from
/// their checkpoints by themselves when Slurm requeues them, and the trials not done are run
/// again with `sbatch --array=I,J ROOT/slurm.sh` (named, from their run folders).
pub fn not_resumable(root: &Path) -> Error {
    let r = root.display();
    let plan = match Plan::load(root) {
        Ok(plan) => plan,
        Err(e) => return e,
    };
    let runs = plan.sweep.runs();
    let unfinished: Vec<u64> = (0..runs.len() as u64)
        .filter(|&task| {
            let dir = plan.sweep.run_dir(root, runs[task as usize]);
            !(dir.is_dir()
                && matches!(
                    listing::row(&dir).status,
                    Status::Finished | Status::EarlyStopped
                ))
        })
        .collect();
    // sbatch's array syntax: `0-3,7`; too many pieces for one line are left to `status`.
    let mut pieces: Vec<(u64, u64)> = Vec::new();
    for &task in &unfinished {
        match pieces.last_mut() {
            Some((_, last)) if *last + 1 == task => *last = task,
            _ => pieces.push((task, task)),
        }
    }
    let array = match pieces.len() {
        n if n > 20 => "TASKS".to_string(),
        _ => (pieces.iter())
            .map(|&(a, b)| match a == b {
                true => a.to_string(),
                false => format!("{a}-{b}"),
            })
            .collect::<Vec<_>>()
            .join(","),
    };
    let what = match unfinished.is_empty() {
        true => format!("every trial is done: `curvegan collect {r}` writes its table"),
        false => format!(
            "to run again the {} tasks whose trials are not done, each from its checkpoint: `sbatch --array={array} {}` (`curvegan status {r}` shows them), then `curvegan collect {r}`",
            unfinished.len(),
            root.join(files::SLURM_SCRIPT).display()
        ),
    };
    Error::config(
        "DIR",
        format!(
            "{r} was submitted to Slurm (job {}); `curvegan resume` does not run it here: its tasks resume from their checkpoints by themselves when Slurm requeues them; {what}",
            plan.job_id
        ),
    )
}

/// Checks the `--slurm-arg` options: each one option starting with `-`, without spaces or
/// control characters (`--partition=cpu`, `--time=00:30:00`), and none of those curvegan sets
/// itself or relies on (`--array`, `--output`, `--error`, `--open-mode`,
/// `--requeue`, `--no-requeue`, `--parsable`, `--wrap`, `--wait`), under any abbreviation
/// sbatch accepts (`--arr=0-3`, `--outp=x`, `--pars`) or short form (`-a`, `-o`, `-e`, `-W`,
/// also after flags in one word: `-Qo x`).
pub fn check_args(args: &[String]) -> Result<()> {
    for a in args {
        let name = a.split('=').next().unwrap_or(a);
        let problem = if !a.starts_with('-') || a.len() < 2 || name == "--" {
            Some("is not an sbatch option (they start with '-', e.g. --partition=cpu)".to_string())
        } else if a.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("holds a space or a control character; give one option per `slurm_args` entry, as --partition=cpu".to_string())
        } else {
            own_option(name).map(|own| {
                format!("is {own}, which curvegan sets itself (the array, its logs, requeueing and sbatch's output)")
            })
        };
        if let Some(p) = problem {
            return Err(Error::config(
                "slurm_args",
                format!("{} {p}", echo(&format!("{a:?}"))),
            ));
        }
    }
    Ok(())
}

/// The option of [`OWN_LONG`] or [`OWN_SHORT`] that the sbatch option `name` (without its
/// `=value`) is, or abbreviates, or holds among its short flags.
fn own_option(name: &str) -> Option<String> {
    if name.starts_with("--") {
        // A long option or a prefix of one: sbatch reads a unique prefix as the option, and
        // refuses an ambiguous one, so refusing every prefix of ours loses nothing.
        return OWN_LONG
            .iter()
            .find(|own| own.starts_with(name))
            .map(|own| match *own == name {
                true => own.to_string(),
                false => format!("{own} abbreviated"),
            });
    }
    // Short options: flags without an argument may precede one in the same word; the first
    // option that takes an argument ends them (the rest is its value).
    for c in name.chars().skip(1) {
        if OWN_SHORT.contains(&c) {
            return Some(format!("-{c}"));
        }
        if !SHORT_FLAGS.contains(&c) {
            break;
        }
    }
    None
}

/// Refuses a folder whose absolute path `root` cannot be written into the `#SBATCH` lines
/// and log paths of the script: a space or any other whitespace, a control character, or
/// one of `\`, `#`, `'`, `"`, `%`. The error names `--out`.
pub fn check_out(root: &Path) -> Result<()> {
    let text = root.to_string_lossy();
    let bad = text
        .chars()
        .find(|&c| c.is_whitespace() || c.is_control() || UNSAFE_IN_SBATCH.contains(&c));
    match bad {
        None => Ok(()),
        Some(c) => Err(Error::config(
            "out",
            format!(
                "{} holds {}, which sbatch's #SBATCH lines and log paths cannot hold; \
                 choose a folder whose path has no space, tab, line break, control character, \
                 \\, #, ', \" or %",
                echo(&format!("{text:?}")),
                match c {
                    ' ' => "a space".to_string(),
                    c => echo(&format!("{c:?}")),
                }
            ),
        )),
    }
}

/// Runs `program` with `args`; its standard output, or a message naming the command and
/// quoting what it said (a missing program named with the package that has it).
fn run(program: &str, args: &[String]) -> std::result::Result<String, String> {
    let shown = || format!("{program} {}", args.join(" "));
    let out = Command::new(program).args(args).output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "{program} not found: run where Slurm's commands are on PATH (Debian package slurm-client)"
        ),
        _ => format!("cannot run {}: {e}", shown()),
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{} failed ({}): {}",
            shown(),
            out.status,
            stderr.trim()
        ));
    }
    Ok(stdout)
}

/// Writes the folder `root` (which must be absent or empty) for the trials of `sweep` over
/// `config` — `config.toml` (and a hyperparameter sweep's `settings.csv` and
/// `setting-NN/config.toml`), `slurm.sh`, `logs/` — submits the array with
/// `sbatch --parsable`, and writes `slurm.json`. Returns the plan, with Slurm's job id. If the
/// submission fails nothing is left behind: the files and the folders this call created are
/// removed (a job submitted whose plan cannot be written is cancelled).
pub fn submit(
    config: &TrainConfig,
    sweep: plan::Plan,
    root: &Path,
    submit: &Submit,
) -> Result<Plan> {
    check_args(&submit.args)?;
    config.validate()?;
    if sweep.trials == 0 {
        return Err(Error::config("seeds", "the range is empty"));
    }
    sweep::check_runs("seeds", sweep.total_runs())?;
    let settings: Vec<TrainConfig> = (0..sweep.settings.len())
        .map(|i| sweep.config_of(config, Some(i)))
        .collect::<Result<_>>()?;
    if !submit.binary.is_absolute() || !submit.binary.is_file() {
        return Err(Error::config(
            "slurm_binary",
            format!(
                "{} is not a file by absolute path (the tasks run it on every node)",
                submit.binary.display()
            ),
        ));
    }
    // The path as given, and as the tasks will see it (absolute), before anything is written.
    check_out(root)?;
    check_out(&std::path::absolute(root).map_err(|e| Error::io(READ, root, e))?)?;
    folder::check_empty(root, false)?;
    let created = folder::create_dirs(root, "out")?;
    let written = [
        files::CONFIG,
        files::SLURM_SCRIPT,
        files::SLURM_LOGS,
        files::SLURM_PLAN,
        grid::SETTINGS_CSV,
    ];
    let setting_dirs: Vec<PathBuf> = (0..settings.len())
        .map(|i| sweep.setting_root(root, Some(i)))
        .collect();
    let result = write_and_submit(config, &settings, sweep, root, submit);
    if result.is_err() {
        for dir in &setting_dirs {
            let _ = fs::remove_file(dir.join(files::CONFIG));
            let _ = fs::remove_dir(dir);
        }
        for name in written {
            let path = root.join(name);
            let _ = match path.is_dir() {
                true => fs::remove_dir(&path),
                false => fs::remove_file(&path),
            };
        }
        folder::remove_empty(&created);
    }
    result
}

fn write_and_submit(
    config: &TrainConfig,
    settings: &[TrainConfig],
    sweep: plan::Plan,
    root: &Path,
    submit: &Submit,
) -> Result<Plan> {
    let root = fs::canonicalize(root).map_err(|e| Error::io(READ, root, e))?;
    // Symlinks resolved, the path may hold what the one given did not.
    check_out(&root)?;
    write_atomic(&root.join(files::CONFIG), config.to_toml()?.as_bytes())?;
    if !settings.is_empty() {
        let csv = grid::settings_csv(&sweep.settings);
        write_atomic(&root.join(grid::SETTINGS_CSV), csv.as_bytes())?;
    }
    for (i, setting) in settings.iter().enumerate() {
        let dir = sweep.setting_root(&root, Some(i));
        fs::create_dir(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
        write_atomic(&dir.join(files::CONFIG), setting.to_toml()?.as_bytes())?;
    }
    let logs = root.join(files::SLURM_LOGS);
    fs::create_dir(&logs).map_err(|e| Error::io("cannot create", &logs, e))?;
    let script_path = root.join(files::SLURM_SCRIPT);
    let text = script(&root, &sweep, submit);
    write_atomic(&script_path, text.as_bytes())?;
    let args = ["--parsable".to_string(), script_path.display().to_string()];
    let out = run("sbatch", &args).map_err(|e| Error::config("backend", e))?;
    let job_id = out.trim().split(';').next().unwrap_or("").to_string();
    if job_id.is_empty() || !job_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::config(
            "backend",
            format!("sbatch --parsable printed {out:?}, not a job id"),
        ));
    }
    let plan = Plan {
        sweep,
        job_id,
        binary: submit.binary.clone(),
        slurm_args: submit.args.clone(),
        submitted: Time::now(),
    };
    let saved = serde_json::to_string_pretty(&plan)
        .map_err(|e| Error::Serialize(format!("{}: {e}", files::SLURM_PLAN)))
        .and_then(|json| write_atomic(&root.join(files::SLURM_PLAN), (json + "\n").as_bytes()));
    if let Err(e) = saved {
        let _ = run("scancel", std::slice::from_ref(&plan.job_id));
        return Err(e);
    }
    Ok(plan)
}

/// Where a trial is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Waiting in Slurm's queue (pending, or requeued).
    Queued,
    /// Its task runs.
    Running,
    /// Its run finished (or stopped early, as its config asked).
    Done,
    /// Its task ended without finishing the run, or left Slurm unfinished.
    Failed,
    /// Slurm could not be asked and its run is not finished.
    Unknown,
}

impl State {
    /// `queued`, `running`, `done`, `failed`, `unknown`.
    pub fn name(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
            State::Unknown => "unknown",
        }
    }

    /// True while Slurm may still run it.
    pub fn pending(self) -> bool {
        matches!(self, State::Queued | State::Running)
    }

    /// The state of a trial from its run folder's row (if it has a folder) and Slurm's state
    /// of its task (`None` when Slurm has no record of it); `slurm_known`: Slurm answered.
    pub fn of(run: Option<&RunRow>, slurm: Option<&str>, slurm_known: bool) -> State {
        let status = run.map(|r| r.status);
        match status {
            Some(Status::Finished | Status::EarlyStopped) => return State::Done,
            // A process holds the folder's lock: some task (a resubmitted one, say) trains it.
            Some(Status::Running) => return State::Running,
            _ => {}
        }
        match slurm.map(|s| s.split_whitespace().next().unwrap_or("")) {
            Some(
                "PENDING" | "CONFIGURING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED"
                | "RESV_DEL_HOLD",
            ) => State::Queued,
            Some(
                "RUNNING" | "COMPLETING" | "SIGNALING" | "STAGE_OUT" | "RESIZING" | "SUSPENDED"
                | "STOPPED",
            ) => State::Running,
            Some(_) => State::Failed,
            None if slurm_known => State::Failed,
            None => State::Unknown,
        }
    }
}

/// One trial of a submitted folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trial {
    /// Its seed.
    pub seed: u64,
    /// Its setting's index (from 0) in a hyperparameter sweep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<usize>,
    /// Its array task's index.
    pub task: u64,
    /// Where it is.
    pub state: State,
    /// Slurm's state of its task (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, …), if Slurm
    /// has one.
    pub slurm: Option<String>,
    /// Its run folder's row, once the folder exists.
    pub run: Option<RunRow>,
    /// Its task's log.
    pub log: PathBuf,
}

impl Trial {
    /// The last `n` lines of its log (none when there is no log yet).
    pub fn log_tail(&self, n: usize) -> Vec<String> {
        tail(&self.log, n)
    }

    /// What is known of how it ended, for a trial that did not finish: Slurm's state, the
    /// run's status and error, and the last lines of its log.
    pub fn failure(&self) -> String {
        let mut text = format!("seed {} ({}", self.seed, self.state.name());
        if let Some(s) = &self.slurm {
            text += &format!(", Slurm {s}");
        }
        if let Some(r) = &self.run {
            text += &format!(", run {}", r.status.name());
            if let (Some(done), Some(planned)) = (r.steps_done, r.steps_planned) {
                text += &format!(" at step {done}/{planned}");
            }
            if let Some(e) = &r.error {
                text += &format!(": {}", echo(e));
            }
        }
        text += ")";
        if self.state == State::Failed {
            let lines = self.log_tail(LOG_TAIL);
            match lines.is_empty() {
                true => text += &format!("; no log at {}", self.log.display()),
                false => {
                    text += &format!("; the last lines of {}:", self.log.display());
                    for l in lines {
                        text += &format!("\n    {l}");
                    }
                }
            }
        }
        text
    }
}

/// The last `n` lines of the file at `path` (at most its last 64 KiB are read), with their
/// control characters escaped and cut to [`LOG_LINE_CHARS`].
fn tail(path: &Path, n: usize) -> Vec<String> {
    // A FIFO or a device in its place is not a log: nothing is waited for or read from it.
    let Ok(mut file) = crate::data::input::open_regular(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(1 << 16)));
    let mut bytes = Vec::new();
    // A log still being written may grow meanwhile: no more than was asked for is read.
    let _ = (&mut file).take(1 << 16).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..]
        .iter()
        .map(|l| crate::text::cut(&crate::text::escape(l), LOG_LINE_CHARS).into_owned())
        .collect()
}

/// A submitted folder's trials, as `curvegan status` shows them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// The folder.
    pub root: PathBuf,
    /// What was submitted.
    pub plan: Plan,
    /// Every trial, in seed order.
    pub trials: Vec<Trial>,
    /// Why Slurm could not be asked, if it could not (states then come from the folders).
    pub slurm_error: Option<String>,
}

impl Progress {
    /// How many trials are in `state`.
    pub fn count(&self, state: State) -> usize {
        self.trials.iter().filter(|t| t.state == state).count()
    }

    /// `queued 3, running 2, done 5, failed 0` (and unknown, when there are some).
    pub fn counts(&self) -> String {
        let mut states = vec![State::Queued, State::Running, State::Done, State::Failed];
        if self.count(State::Unknown) > 0 {
            states.push(State::Unknown);
        }
        let parts: Vec<String> = (states.iter())
            .map(|s| format!("{} {}", s.name(), self.count(*s)))
            .collect();
        parts.join(", ")
    }
}

/// The trials of the folder `root` ([`Plan::load`]), each in its [`State`], from Slurm
/// (`squeue`, and `sacct` where accounting keeps tasks `squeue` has forgotten) and the run
/// folders. When Slurm cannot be asked, the states come from the folders alone and
/// [`Progress::slurm_error`] says why.
pub fn status(root: &Path) -> Result<Progress> {
    let plan = Plan::load(root)?;
    let (slurm, slurm_error) = match task_states(&plan) {
        Ok(states) => (states, None),
        Err(e) => (BTreeMap::new(), Some(e)),
    };
    let trials = (plan.sweep.runs().into_iter().zip(0u64..))
        .map(|(id, task)| {
            let dir = plan.sweep.run_dir(root, id);
            let run = dir.is_dir().then(|| listing::row(&dir));
            let state_text = slurm.get(&task).cloned();
            Trial {
                seed: id.seed,
                setting: id.setting,
                task,
                state: State::of(run.as_ref(), state_text.as_deref(), slurm_error.is_none()),
                slurm: state_text,
                run,
                log: root
                    .join(files::SLURM_LOGS)
                    .join(format!("task-{task}.log")),
            }
        })
        .collect();
    Ok(Progress {
        root: root.to_path_buf(),
        plan,
        trials,
        slurm_error,
    })
}

/// Slurm's state of each array task of the plan's job, by task index: `squeue`'s, and for
/// tasks it no longer lists `sacct`'s (which fails harmlessly where accounting is off).
fn task_states(plan: &Plan) -> std::result::Result<BTreeMap<u64, String>, String> {
    let args = [
        format!("--jobs={}", plan.job_id),
        "--array".to_string(),
        "--states=all".to_string(),
        "--noheader".to_string(),
        "--format=%i|%T".to_string(),
    ];
    let mut states = match run("squeue", &args) {
        Ok(out) => parse_states(&out, &plan.job_id),
        // A job that has left the controller's memory is not an error.
        Err(e) if e.contains("Invalid job id") => BTreeMap::new(),
        Err(e) => return Err(e),
    };
    if (states.len() as u64) < plan.sweep.total_runs() {
        let args = [
            format!("--jobs={}", plan.job_id),
            "--noheader".to_string(),
            "--parsable2".to_string(),
            "--allocations".to_string(),
            "--format=JobID,State".to_string(),
        ];
        if let Ok(out) = run("sacct", &args) {
            for (task, state) in parse_states(&out, &plan.job_id) {
                states.entry(task).or_insert(state);
            }
        }
    }
    Ok(states)
}

/// Parses `JOB_TASK|STATE` lines (`squeue --format=%i|%T`, `sacct --parsable2`) of job `job`
/// into the state of each task; `JOB_[2-5,7%2]` stands for tasks 2 to 5 and 7. Other jobs'
/// lines and malformed ones are skipped.
pub fn parse_states(text: &str, job: &str) -> BTreeMap<u64, String> {
    let mut states = BTreeMap::new();
    for line in text.lines() {
        let Some((id, state)) = line.trim().split_once('|') else {
            continue;
        };
        let Some(tasks) = id.strip_prefix(job).and_then(|t| t.strip_prefix('_')) else {
            continue;
        };
        let tasks = tasks.trim_start_matches('[').trim_end_matches(']');
        let tasks = tasks.split('%').next().unwrap_or("");
        for part in tasks.split(',') {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            if let (Ok(a), Ok(b)) = (a.parse::<u64>(), b.parse::<u64>()) {
                // A range longer than a million tasks is not one of ours.
                for task in a..=b.min(a.saturating_add(sweep::MAX_RUNS)) {
                    states.insert(task, state.trim().to_string());
                }
            }
        }
    }
    states
}

/// Waits until no trial of `root` is queued or running, asking Slurm every `poll`; `progress`
/// hears every status. Fails when Slurm cannot be asked.
pub fn wait(root: &Path, poll: Duration, mut progress: impl FnMut(&Progress)) -> Result<Progress> {
    loop {
        let p = status(root)?;
        if let Some(e) = &p.slurm_error {
            return Err(Error::Incomplete(format!("cannot follow the job: {e}")));
        }
        progress(&p);
        if !p.trials.iter().any(|t| t.state.pending()) {
            return Ok(p);
        }
        std::thread::sleep(poll);
    }
}

/// The result of the done trials of a submitted folder, and the trials left out.
#[derive(Debug, Clone)]
pub struct Collection {
    /// The table's content.
    pub collected: Collected,
    /// The trials not done (collected with `partial` only).
    pub missing: Vec<Trial>,
}

/// The result of `trial` in `root`, scored as `plan` says — what a local sweep reports for it.
pub fn result(root: &Path, plan: &Plan, trial: &Trial) -> Result<SeedResult> {
    let id = RunId {
        setting: trial.setting,
        seed: trial.seed,
    };
    plan.sweep.result(root, id)
}

/// Scores the done trials of `root` as a local sweep or benchmark does and writes its table:
/// `sweep.csv`, or `bench.csv` and `table.md`. With trials not done, fails naming them (and
/// the failed ones' last log lines) unless `partial`, which collects the done ones.
pub fn collect(root: &Path, partial: bool) -> Result<Collection> {
    let progress = status(root)?;
    let plan = &progress.plan;
    let (done, missing): (Vec<Trial>, Vec<Trial>) =
        (progress.trials.iter().cloned()).partition(|t| t.state == State::Done);
    if !missing.is_empty() && (!partial || done.is_empty()) {
        let mut text = format!(
            "{} of {} trials in {} are not done ({}){}:",
            missing.len(),
            plan.sweep.total_runs(),
            root.display(),
            progress.counts(),
            match partial {
                true => "",
                false => "; `curvegan collect --partial` collects the others",
            }
        );
        if let Some(e) = &progress.slurm_error {
            text += &format!("\n  Slurm could not be asked: {e}");
        }
        for t in &missing {
            text += &format!("\n  {}", t.failure());
        }
        return Err(Error::Incomplete(text));
    }
    let results = (done.iter())
        .map(|t| result(root, plan, t))
        .collect::<Result<Vec<SeedResult>>>()?;
    // The plan was checked as it was loaded: its criterion and dataset parse.
    let collected = write_results(root, &plan.sweep, results)?;
    Ok(Collection { collected, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeue_and_sacct_lines_give_each_task_its_state() {
        let text = "12_0|COMPLETED\n12_[2-4,7%2]|PENDING\n13_1|RUNNING\n12_5|CANCELLED by 0\n12|RUNNING\nnoise\n";
        let s = parse_states(text, "12");
        let want: Vec<(u64, &str)> = vec![
            (0, "COMPLETED"),
            (2, "PENDING"),
            (3, "PENDING"),
            (4, "PENDING"),
            (5, "CANCELLED by 0"),
            (7, "PENDING"),
        ];
        let got: Vec<(u64, &str)> = s.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(got, want);
        // Job 1 is not job 12.
        assert!(parse_states("12_0|RUNNING", "1").is_empty());
    }

    #[test]
    fn a_finished_run_is_done_whatever_slurm_says_else_slurm_decides() {
        let row = |status| RunRow {
            folder: PathBuf::from("r"),
            name: "r".into(),
            tags: vec![],
            start: None,
            target: None,
            loss: None,
            steps_done: None,
            steps_planned: None,
            status,
            error: None,
            metric: None,
            best: None,
        };
        let finished = row(Status::Finished);
        assert_eq!(
            State::of(Some(&finished), Some("FAILED"), true),
            State::Done
        );
        let stopped = row(Status::Stopped);
        assert_eq!(
            State::of(Some(&stopped), Some("PENDING"), true),
            State::Queued
        );
        assert_eq!(
            State::of(Some(&stopped), Some("RUNNING"), true),
            State::Running
        );
        assert_eq!(
            State::of(Some(&stopped), Some("CANCELLED by 0"), true),
            State::Failed
        );
        assert_eq!(
            State::of(Some(&stopped), Some("COMPLETED"), true),
            State::Failed
        );
        assert_eq!(State::of(Some(&stopped), None, true), State::Failed);
        assert_eq!(State::of(Some(&stopped), None, false), State::Unknown);
        assert_eq!(State::of(None, None, true), State::Failed);
        assert_eq!(
            State::of(Some(&row(Status::Running)), None, false),
            State::Running
        );
    }

    #[test]
    fn slurm_args_are_single_options_curvegan_does_not_set() {
        let ok = |a: &str| check_args(&[a.to_string()]).is_ok();
        assert!(ok("--partition=cpu") && ok("--time=00:30:00") && ok("-pcpu") && ok("--mem=1G"));
        for bad in [
            "partition=cpu",
            "--partition cpu",
            "--array=0-3",
            "--output=x",
            "-o",
            "-ox",
            "--wrap=ls",
            "-",
            "--x\n",
        ] {
            let e = check_args(&[bad.to_string()]).unwrap_err();
            assert!(
                e.is_bad_input() && e.to_string().contains("slurm_args"),
                "{bad}: {e}"
            );
        }
    }

    /// sbatch reads a unique prefix of a long option as the option, and short flags without
    /// an argument may come before another in one word: each way of writing an option
    /// curvegan sets is refused, naming it; options that merely start alike are not.
    #[test]
    fn abbreviations_and_short_forms_of_options_curvegan_sets_are_refused() {
        for (bad, own) in [
            ("--arr=0-3", "--array"),
            ("--a=1", "--array"),
            ("--outp=x", "--output"),
            ("--erro=x", "--error"),
            ("--pars", "--parsable"),
            ("--wra=ls", "--wrap"),
            ("--requ", "--requeue"),
            ("--no-req", "--no-requeue"),
            ("--open-m=truncate", "--open-mode"),
            ("--wai", "--wait"),
            ("--wait", "--wait"),
            ("-a0-3", "-a"),
            ("-o/tmp/x", "-o"),
            ("-e", "-e"),
            ("-W", "-W"),
            ("-Qo/tmp/x", "-o"),
            ("-vvHa3", "-a"),
        ] {
            let e = check_args(&[bad.to_string()]).unwrap_err().to_string();
            assert!(e.contains("slurm_args") && e.contains(own), "{bad}: {e}");
        }
        for ok in [
            "--partition=cpu",
            "--part=cpu",
            "--account=x",
            "--exclusive",
            "--wait-all-nodes=1",
            "--nodes=1",
            "-pcpu",
            "-Jname-with-o-and-a",
            "-t10",
            "-Q",
            "--mem=1G",
        ] {
            assert!(check_args(&[ok.to_string()]).is_ok(), "{ok}");
        }
    }

    /// An `--out` whose path sbatch's `#SBATCH` lines or log patterns cannot hold is refused,
    /// naming `--out` and the character; an ordinary path passes.
    #[test]
    fn an_out_with_characters_sbatch_lines_cannot_hold_is_refused() {
        for bad in [
            "/shared/a b",
            "/shared/a\\b",
            "/shared/a#b",
            "/shared/it's",
            "/shared/a\"b",
            "/shared/a\nb",
            "/shared/a\tb",
            "/shared/100%",
        ] {
            let e = check_out(Path::new(bad)).unwrap_err();
            let m = e.to_string();
            assert!(
                e.is_bad_input() && m.starts_with("invalid out:"),
                "{bad}: {m}"
            );
            assert!(!m.contains('\n'), "{m}");
        }
        assert!(check_out(Path::new("/shared/sweep-0007/x_y.z-1+2@3")).is_ok());
    }

    #[test]
    fn slurm_json_keeps_the_sweep_plan_at_its_top_level() {
        let plan = Plan {
            sweep: plan::Plan::new(
                Kind::Sweep {
                    eval_n: 100,
                    success: Some("mse_to_target<=0.01".into()),
                },
                3..5,
            ),
            job_id: "12".into(),
            binary: PathBuf::from("/bin/curvegan"),
            slurm_args: vec![],
            submitted: Time::from_unix(0),
        };
        let json: serde_json::Value = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["kind"], "sweep");
        assert_eq!(json["eval_n"], 100);
        assert_eq!(json["first_seed"], 3);
        assert_eq!(json["job_id"], "12");
        assert_eq!(serde_json::from_value::<Plan>(json).unwrap(), plan);
    }

    #[test]
    fn the_script_resumes_from_a_checkpoint_and_sets_the_array() {
        let submit = Submit {
            args: vec!["--partition=cpu".into(), "--cpus-per-task=2".into()],
            binary: PathBuf::from("/opt/it's/curvegan"),
        };
        let kind = Kind::Sweep {
            eval_n: 1000,
            success: None,
        };
        let s = script(
            Path::new("/shared/sweep-0007"),
            &plan::Plan::new(kind, 5..15),
            &submit,
        );
        for line in [
            "#SBATCH --array=0-9\n",
            "#SBATCH --requeue\n",
            "#SBATCH --open-mode=append\n",
            "#SBATCH --output=/shared/sweep-0007/logs/task-%a.log\n",
            "#SBATCH --partition=cpu\n",
            "#SBATCH --cpus-per-task=2\n",
            "seed=$((5 + SLURM_ARRAY_TASK_ID))\n",
            "exec '/opt/it'\\''s/curvegan' resume \"$run\"\n",
            "train --config '/shared/sweep-0007/config.toml' --seed \"$seed\" --out \"$run\" --force\n",
        ] {
            assert!(s.contains(line), "{line} missing from\n{s}");
        }
        // The user's --cpus-per-task replaces the default; #SBATCH lines precede every command.
        assert!(!s.contains("--cpus-per-task=1"), "{s}");
        let first_command = s.find("\nset -u").unwrap();
        assert!(s.rfind("#SBATCH").unwrap() < first_command);
    }
}
