//! The arguments several commands share, and the helpers that convert them: the training
//! settings ([`settings`]) and what they learn ([`target`]), the backend of a sweep or
//! benchmark ([`backend`]), `--steps`, the output folder, the process's command line. Holds
//! only clap's types and the library's.
//!
//! Defaults are not written here: `--help` shows the values of [`TrainConfig::default()`] and
//! of the library's constants (`DEFAULT_*`), read when the help is built.

pub mod backend;
pub mod settings;
pub mod space;
pub mod target;

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use clap::Args;
use curvegan::run::scale::local::Start;
use curvegan::run::store::files;
use curvegan::TrainConfig;

/// The defaults, from the one place that holds them.
pub static DEFAULT: LazyLock<TrainConfig> = LazyLock::new(TrainConfig::default);

/// `text [default: value]`, the form clap gives its own defaults.
pub fn with_default(text: &str, value: impl Display) -> String {
    format!("{text} [default: {value}]")
}

/// `--steps` of `train` and `sweep`.
#[derive(Debug, Args)]
pub struct StepsArg {
    #[arg(long, help = with_default("Training steps (the tutorial: range(N))", DEFAULT.steps))]
    pub steps: Option<usize>,
}

/// The process's command line, for `run.json` (the library never reads it itself).
pub fn command_line() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// `--jobs`, or the number of cores.
pub fn jobs_or_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How a sweep treats its `--out`: `--force` replaces the sweep there, `--resume` continues
/// it (clap refuses both at once).
pub fn start(force: bool, resume: bool) -> Start {
    match (force, resume) {
        (true, _) => Start::Replace,
        (false, true) => Start::Continue,
        (false, false) => Start::New,
    }
}

/// `--out`, or a new `runs/PREFIX-NNNN`.
pub fn out_dir(out: &Option<PathBuf>, prefix: &str) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| files::next_run_dir(Path::new(files::RUNS), prefix))
}
