//! `curvegan resume DIR`: a run continued from its checkpoint with its own settings, or a
//! sweep's or benchmark's folder continued with the settings recorded there.

use std::path::{Path, PathBuf};

use anyhow::Result;
use curvegan::run::scale::local::{Start, Sweep};
use curvegan::run::scale::plan;
use curvegan::run::store::files;
use curvegan::{Error, TrainConfig};

use crate::args::{command_line, jobs_or_cores};
use crate::output::{self, Show};
use crate::scale;

/// The arguments of `resume`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder with a checkpoint, written by `curvegan train`, or the folder of a sweep
    /// or benchmark that was stopped or killed
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Train until this many steps in all [default: the run's own]
    #[arg(long)]
    steps: Option<usize>,
    /// For a sweep's or benchmark's folder: runs trained at once [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// No progress bar and no summary
    #[arg(long, short)]
    quiet: bool,
    /// A full-screen live view, as `train --live`
    #[arg(long)]
    live: bool,
}

/// What `resume` continues, checked.
#[derive(Debug)]
enum Job {
    /// The run in `dir` (to `steps` in all, if given).
    Run {
        dir: PathBuf,
        steps: Option<usize>,
        show: Show,
    },
    /// The sweep or benchmark in `dir`, on `jobs` threads.
    Sweep {
        dir: PathBuf,
        jobs: usize,
        quiet: bool,
    },
}

impl Args {
    /// The checked job: `--steps` and `--live` go with a run's folder, `--jobs` with a
    /// sweep's; the error names the option.
    fn checked(self) -> Result<Job, Error> {
        if plan::describe(&self.dir).is_some() {
            // A sweep continues with its own settings, its runs' progress on stderr.
            let own = [("--steps", self.steps.is_some()), ("--live", self.live)];
            if let Some((option, _)) = own.iter().find(|(_, given)| *given) {
                return Err(Error::config(
                    *option,
                    format!(
                        "{} is a sweep's or benchmark's folder, which continues with its own settings and progress lines; {option} goes with a run folder",
                        self.dir.display()
                    ),
                ));
            }
            return Ok(Job::Sweep {
                dir: self.dir,
                jobs: jobs_or_cores(self.jobs),
                quiet: self.quiet,
            });
        }
        if self.jobs.is_some() {
            return Err(Error::config(
                "--jobs",
                format!(
                    "goes with a sweep's or benchmark's folder; {} is a run's",
                    self.dir.display()
                ),
            ));
        }
        Ok(Job::Run {
            dir: self.dir,
            steps: self.steps,
            show: Show {
                quiet: self.quiet,
                live: self.live,
            },
        })
    }
}

/// `curvegan resume`.
pub fn exec(args: Args) -> Result<()> {
    match args.checked()? {
        Job::Run { dir, steps, show } => run(&dir, steps, show),
        // Continues it with the settings recorded there.
        Job::Sweep { dir, jobs, quiet } => {
            scale::run_here(&Sweep::open(&dir, jobs)?, Start::Continue, quiet)
        }
    }
}

/// Continues the run in `dir` (to `steps` in all, if given), as `resume` and `train --resume`
/// do.
pub fn run(dir: &Path, steps: Option<usize>, show: Show) -> Result<()> {
    // For the progress bar and the summary only; resume() reads and checks it itself.
    let saved = TrainConfig::load_saved(&dir.join(files::CONFIG)).unwrap_or_default();
    output::train(steps.unwrap_or(saved.steps), &saved, show, |o| {
        curvegan::resume(dir, steps, &command_line(), o)
    })
}
