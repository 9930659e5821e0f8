//! `curvegan sweep`: one configuration trained over many seeds, on this machine's threads or
//! as a Slurm job array, every run scored.

use std::ops::Range;

use anyhow::Result;
use curvegan::config::{check_config_int, TrainConfig};
use curvegan::eval::catalogue::available;
use curvegan::run::scale::grid::Setting;
use curvegan::run::scale::local::{Start, Sweep};
use curvegan::run::scale::plan;
use curvegan::run::scale::slurm::{self, Kind};
use curvegan::run::scale::sweep::{self as sweeps, Criterion, Scoring, DEFAULT_SCORING_SAMPLES};
use curvegan::run::train::sample::check_eval_count;
use curvegan::Error;
use std::path::PathBuf;

use crate::args::backend::{Backend, BackendArgs};
use crate::args::settings::TrainSettings;
use crate::args::space::SpaceArgs;
use crate::args::{out_dir, start, StepsArg};
use crate::scale;

/// The arguments of `sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seeds A..B (B excluded), e.g. 0..10
    #[arg(long, value_parser = parse_seeds, conflicts_with = "seed", allow_hyphen_values = true)]
    seeds: Range<u64>,
    /// Runs trained at once (each uses one core) [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// A run succeeds if it meets this, e.g. "mse_to_target<=0.01"
    #[arg(long, value_name = "METRIC<=VALUE")]
    success: Option<Criterion>,
    /// Samples each run is scored on
    #[arg(long, default_value_t = DEFAULT_SCORING_SAMPLES)]
    eval_n: usize,
    #[command(flatten)]
    space: SpaceArgs,
    /// Draws of --random
    #[arg(long)]
    trials: Option<usize>,
    /// The metric the table of settings is sorted by [default: --success's, else the first
    /// scored]
    #[arg(long)]
    metric: Option<String>,
    /// No table; sweep.csv is still written
    #[arg(long, short)]
    quiet: bool,
    /// Continue the sweep in --out (stopped or killed): keep its finished runs, resume the
    /// others from their checkpoints, train those not started; the settings must be its own
    #[arg(long, conflicts_with = "force", requires = "out")]
    resume: bool,
    #[command(flatten)]
    steps: StepsArg,
    #[command(flatten)]
    backend: BackendArgs,
    /// Training settings, as for `curvegan train`; each seed trains into OUT/seed-S
    #[command(flatten)]
    train: TrainSettings,
}

/// Train `config` (with each setting) once per seed under `root`.
#[derive(Debug)]
struct Job {
    config: TrainConfig,
    settings: Vec<Setting>,
    metric: Option<String>,
    seeds: Range<u64>,
    root: PathBuf,
    backend: Backend,
    scoring: Scoring,
    start: Start,
    success: Option<Criterion>,
    quiet: bool,
}

impl Args {
    /// The checked job: the settings, the seeds, the backend; the error names the option and
    /// its value.
    fn checked(self) -> Result<Job, Error> {
        let settings = self
            .space
            .settings(self.trials, self.seeds.start, "trials")?;
        let config = self.checked_config()?;
        // Every setting, before anything is written: its keys set, its metrics checked.
        for setting in &settings {
            self.check_metrics(&setting.apply(&config)?)?;
        }
        if self.metric.is_some() && settings.is_empty() {
            return Err(Error::config(
                "metric",
                "sorts the table of settings; give `grid` or `random`",
            ));
        }
        Ok(Job {
            config,
            metric: self.metric.clone(),
            seeds: {
                let runs = (self.seeds.end - self.seeds.start)
                    .saturating_mul(settings.len().max(1) as u64);
                sweeps::check_runs("--seeds", runs)?;
                // Each seed's config.toml holds its seed.
                check_config_int("seeds", self.seeds.end - 1)?;
                self.seeds.clone()
            },
            root: out_dir(&self.train.out, "sweep"),
            backend: self
                .backend
                .checked(self.jobs, self.train.force, self.resume)?,
            scoring: Scoring {
                samples: self.eval_n,
                seed_offset: 0,
            },
            start: start(self.train.force, self.resume),
            success: self.success,
            quiet: self.quiet,
            settings,
        })
    }

    /// The training settings, with `--eval-n` and `--success` checked against them before any
    /// seed trains.
    fn checked_config(&self) -> Result<TrainConfig, Error> {
        let config = self.train.config(self.steps.steps)?;
        self.check_metrics(&config)?;
        Ok(config)
    }

    /// `--eval-n`, `--success` and `--metric` checked against the settings `config`.
    fn check_metrics(&self, config: &TrainConfig) -> Result<(), Error> {
        let target = config.target.build()?;
        let (g, _) = config.specs(&target)?;
        check_eval_count(&g, target.dim(), self.eval_n, "--eval-n")?;
        if let Some(c) = &self.success {
            let names = available(&target, config.conditional);
            if !names.contains(&c.metric.as_str()) {
                return Err(Error::config(
                    "--success",
                    format!(
                        "'{}' is not a metric of the target {}; it has: {}",
                        c.metric,
                        config.target.name(),
                        names.join(", ")
                    ),
                ));
            }
        }
        if let Some(m) = &self.metric {
            let names = available(&target, config.conditional);
            if !names.contains(&m.as_str()) {
                return Err(Error::config(
                    "metric",
                    format!(
                        "'{m}' is not a metric of the target {}; it has: {}",
                        config.target.name(),
                        names.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// `curvegan sweep`.
pub fn exec(args: Args) -> Result<()> {
    let j = args.checked()?;
    let kind = Kind::Sweep {
        eval_n: j.scoring.samples,
        success: j.success.as_ref().map(|c| c.to_string()),
    };
    let plan = plan::Plan {
        settings: j.settings,
        metric: j.metric,
        ..plan::Plan::new(kind, j.seeds)
    };
    match j.backend {
        Backend::Local { jobs } => {
            let sweep = Sweep {
                config: j.config,
                plan,
                root: j.root,
                jobs,
            };
            scale::run_here(&sweep, j.start, j.quiet)
        }
        Backend::Slurm { submit, wait } => {
            let plan = slurm::submit(&j.config, plan, &j.root, &submit)?;
            scale::submitted(&plan, &j.root, wait, j.quiet)
        }
    }
}

/// Parses `A..B` (B excluded).
fn parse_seeds(text: &str) -> Result<Range<u64>, String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("expected A..B, e.g. 0..10, got '{text}'"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| format!("'{v}' in '{text}' is not a seed"))
    };
    let range = parse(a)?..parse(b)?;
    if range.is_empty() {
        return Err(format!("'{text}' holds no seed"));
    }
    Ok(range)
}
