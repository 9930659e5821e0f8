//! `curvegan train`: a new run with the settings given ([`TrainSettings`]), under a progress
//! bar or the live view, then its summary; `train --resume DIR` is `curvegan resume DIR`.

use std::path::PathBuf;

use anyhow::Result;
use curvegan::run::store::run_json::Label;
use curvegan::{Error, Output, TrainConfig};

use crate::args::settings::{TrainSettings, OUTPUT};
use crate::args::{command_line, out_dir, StepsArg};
use crate::commands::resume;
use crate::output::{self, Show};

/// The examples at the end of `train --help` (not of `train -h`).
pub const EXAMPLES: &str = "\
Examples:
  # The tutorial, into a new runs/train-NNNN
  curvegan train
  # Another seed into a folder of your choice, without figures
  curvegan train --seed 3 --out runs/s3 --plot-every 0
  # A family of curves; the nets of the best evaluation kept in RUN/best
  curvegan train --target family --keep-best energy_distance --early-stop 5
  # Another loss, a deeper generator, a name and a tag for `curvegan runs`
  curvegan train --loss wgan-gp --g-hidden 400,400,400 --name deep --tag wgan
  # runs/s3 again, exactly, from its own settings
  curvegan train --config runs/s3/config.toml --out runs/s3-again
  # runs/s3 continued to 20001 steps in all
  curvegan resume runs/s3 --steps 20001";

/// The arguments of `train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    steps: StepsArg,
    /// The same as `curvegan resume DIR` (kept for old scripts): only --steps and --quiet go
    /// with it.
    #[arg(long, value_name = "DIR", hide = true)]
    resume: Option<PathBuf>,
    #[command(flatten)]
    settings: TrainSettings,
    /// No run folder line, no progress bar and no summary
    #[arg(long, short, help_heading = OUTPUT)]
    quiet: bool,
    /// A full-screen live view (keys: q stop with a checkpoint, p pause, s save the figure);
    /// the usual progress where stdin or stderr is not a terminal
    #[arg(long, conflicts_with = "resume", help_heading = OUTPUT)]
    live: bool,
    /// A name for the run, kept in its run.json and shown by `curvegan runs` [default: the
    /// folder's name]
    #[arg(long, value_name = "NAME", conflicts_with = "resume", help_heading = OUTPUT)]
    name: Option<String>,
    /// A tag for the run, kept in its run.json (repeatable)
    #[arg(long = "tag", value_name = "TAG", conflicts_with = "resume", help_heading = OUTPUT)]
    tags: Vec<String>,
}

/// What `train` runs, checked: only the library's types.
#[derive(Debug)]
pub enum Job {
    /// Train a new run.
    New {
        config: Box<TrainConfig>,
        out: Output,
        show: Show,
    },
    /// `--resume DIR`: continue the run in `dir` (to `steps` in all, if given).
    Resume {
        dir: PathBuf,
        steps: Option<usize>,
        show: Show,
    },
}

impl Args {
    /// The checked job; the error names the option and its value.
    pub fn checked(self) -> Result<Job, Error> {
        Ok(match self.resume {
            Some(dir) => Job::Resume {
                dir,
                steps: self.steps.steps,
                show: Show {
                    quiet: self.quiet,
                    live: false,
                },
            },
            None => Job::New {
                config: Box::new(self.settings.config(self.steps.steps)?),
                out: Output {
                    dir: out_dir(&self.settings.out, "train"),
                    force: self.settings.force,
                    label: checked_label(Label {
                        name: non_blank("--name", self.name)?,
                        tags: (self.tags.into_iter())
                            .map(|t| non_blank("--tag", Some(t)).map(Option::unwrap_or_default))
                            .collect::<Result<_, _>>()?,
                        command: command_line(),
                    })?,
                },
                show: Show {
                    quiet: self.quiet,
                    live: self.live,
                },
            },
        })
    }
}

/// `curvegan train`.
pub fn exec(args: Args) -> Result<()> {
    match args.checked()? {
        Job::New { config, out, show } => output::train(config.steps, &config, show, |o| {
            curvegan::train(&config, &out, o)
        }),
        Job::Resume { dir, steps, show } => resume::run(&dir, steps, show),
    }
}

/// `value`, refused (naming `option`) when it is blank or holds a control character.
fn non_blank(option: &str, value: Option<String>) -> Result<Option<String>, Error> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().any(char::is_control) => Err(Error::config(
            option,
            format!("must be non-blank text without control characters, got {v:?}"),
        )),
        v => Ok(v),
    }
}

/// `label`, checked: a name and tags `run.json` can read back.
fn checked_label(label: Label) -> Result<Label, Error> {
    label.validate()?;
    Ok(label)
}
