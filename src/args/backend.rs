//! Where the trials of `sweep` and `bench modes` run ([`BackendArgs`]): this process's threads
//! or a Slurm job array, checked into a [`Backend`] with the other backend's options refused.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use curvegan::run::scale::slurm;
use curvegan::Error;

use crate::args::jobs_or_cores;

/// Where the trials of `sweep` and `bench modes` run.
#[derive(Debug, Args)]
pub struct BackendArgs {
    /// Where the trials run: local (threads of this process) or slurm (a job array, one trial
    /// per task; the folder must be on storage every node sees)
    #[arg(long, value_enum, default_value_t = BackendArg::Local, help_heading = "Backend")]
    backend: BackendArg,
    /// An sbatch option for the job array, e.g. --slurm-arg=--partition=cpu (repeatable)
    #[arg(
        long = "slurm-arg",
        value_name = "OPTION",
        allow_hyphen_values = true,
        help_heading = "Backend"
    )]
    slurm_args: Vec<String>,
    /// The curvegan binary the tasks run, by absolute path [default: this one]
    #[arg(long, value_name = "PATH", help_heading = "Backend")]
    slurm_binary: Option<PathBuf>,
    /// With --backend slurm: wait for the array to finish, showing progress, then collect
    #[arg(long, help_heading = "Backend")]
    wait: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Local,
    Slurm,
}

/// Where the trials of a sweep or benchmark run.
#[derive(Debug)]
pub enum Backend {
    /// On `jobs` threads of this process.
    Local { jobs: usize },
    /// As a Slurm job array; with `wait`, this process waits for it and collects.
    Slurm { submit: slurm::Submit, wait: bool },
}

impl BackendArgs {
    /// The backend, with the options that belong to the other one refused: `--jobs` and
    /// `--force` are for local runs (a Slurm folder is never replaced), `--slurm-arg`,
    /// `--slurm-binary` and `--wait` for Slurm.
    pub fn checked(
        &self,
        jobs: Option<usize>,
        force: bool,
        resume: bool,
    ) -> Result<Backend, Error> {
        let refuse = |option: &str, why: &str| Err(Error::config(option, why.to_string()));
        match self.backend {
            BackendArg::Local => {
                let slurm_only = [
                    ("--slurm-arg", !self.slurm_args.is_empty()),
                    ("--slurm-binary", self.slurm_binary.is_some()),
                    ("--wait", self.wait),
                ];
                if let Some((option, _)) = slurm_only.iter().find(|(_, given)| *given) {
                    return refuse(option, "goes with --backend slurm only");
                }
                Ok(Backend::Local {
                    jobs: jobs_or_cores(jobs),
                })
            }
            BackendArg::Slurm => {
                if jobs.is_some() {
                    return refuse("--jobs", "goes with --backend local; on Slurm each trial is one array task (sbatch options: --slurm-arg)");
                }
                for (option, given) in [("--force", force), ("--resume", resume)] {
                    if given {
                        return refuse(
                            option,
                            "--backend slurm writes a new folder only (its tasks resume themselves); choose an absent or empty --out",
                        );
                    }
                }
                slurm::check_args(&self.slurm_args)?;
                let binary = match &self.slurm_binary {
                    Some(path) => std::path::absolute(path).map_err(|e| {
                        Error::config("--slurm-binary", format!("{}: {e}", path.display()))
                    })?,
                    None => std::env::current_exe().map_err(|e| {
                        Error::config(
                            "--slurm-binary",
                            format!("this binary's path is unknown ({e}); give it"),
                        )
                    })?,
                };
                Ok(Backend::Slurm {
                    submit: slurm::Submit {
                        args: self.slurm_args.clone(),
                        binary,
                    },
                    wait: self.wait,
                })
            }
        }
    }
}
