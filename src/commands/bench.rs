//! `curvegan bench modes`: the mode-collapse benchmark (VEEGAN / PacGAN protocol) on its
//! backend, its table beside the published results.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use curvegan::config::TrainConfig;
use curvegan::data::target::TargetConfig;
use curvegan::run::scale::bench;
use curvegan::run::scale::grid::Setting;
use curvegan::run::scale::local::{Start, Sweep};
use curvegan::run::scale::plan;
use curvegan::run::scale::slurm;
use curvegan::run::scale::sweep;
use curvegan::Error;

use crate::args::backend::{Backend, BackendArgs};
use crate::args::space::SpaceArgs;
use crate::args::{out_dir, start};
use crate::scale;

/// The arguments of `bench`: which benchmark.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    which: BenchCommand,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// The mode-collapse benchmark (VEEGAN / PacGAN protocol): train --trials GANs on ring8 or
    /// grid25, score 2500 samples of each, print mean ± standard error beside PacGAN's Table 1
    Modes(ModesArgs),
}

#[derive(Debug, clap::Args)]
struct ModesArgs {
    /// ring8 or grid25
    #[arg(long, value_parser = bench::parse_dataset)]
    dataset: TargetConfig,
    /// Trials (seeds 0..TRIALS)
    #[arg(long, default_value_t = bench::DEFAULT_TRIALS)]
    trials: usize,
    /// Training settings [default: the shipped configs/ring8.toml or configs/grid25.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Override the config's training steps
    #[arg(long)]
    steps: Option<usize>,
    /// Trials trained at once (each uses one core) [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// Folder of the trials' runs, bench.csv and table.md [default: runs/bench-DATASET-NNNN]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the benchmark in an existing non-empty folder: its files and every trial's run
    #[arg(long)]
    force: bool,
    /// Continue the benchmark in --out (stopped or killed): keep its finished trials, resume
    /// the others from their checkpoints, train those not started; the settings must be its own
    #[arg(long, conflicts_with = "force", requires = "out")]
    resume: bool,
    /// No table and no line per trial; bench.csv and table.md are still written
    #[arg(long, short)]
    quiet: bool,
    // Tuning the benchmark: every setting runs every trial, and the table has a row per setting.
    #[command(flatten)]
    space: SpaceArgs,
    /// Draws of --random (each runs the --trials seeds)
    #[arg(long)]
    draws: Option<usize>,
    /// The statistic the settings are sorted by, ties by reverse_kl: modes_captured,
    /// high_quality_fraction or reverse_kl [default: modes_captured]
    #[arg(long)]
    metric: Option<String>,
    #[command(flatten)]
    backend: BackendArgs,
}

/// The mode-collapse benchmark on `dataset`.
#[derive(Debug)]
struct Job {
    dataset: TargetConfig,
    config: TrainConfig,
    trials: usize,
    settings: Vec<Setting>,
    metric: Option<String>,
    root: PathBuf,
    backend: Backend,
    start: Start,
    quiet: bool,
}

impl ModesArgs {
    /// The checked job: the settings (the shipped ones unless `--config`), the trials, the
    /// backend; the error names the option and its value.
    fn checked(self) -> Result<Job, Error> {
        let mut config = match &self.config {
            Some(path) => TrainConfig::load(path)?,
            None => bench::shipped_config(&self.dataset)?,
        };
        if let Some(steps) = self.steps {
            config.steps = steps;
        }
        config.validate()?;
        let settings = self.space.settings(self.draws, 0, "draws")?;
        let runs = (self.trials as u64).saturating_mul(settings.len().max(1) as u64);
        sweep::check_runs("--trials", runs)?;
        bench::check(&self.dataset, &config, self.trials)?;
        // Every setting, before anything is written: its keys set, its target the dataset.
        for setting in &settings {
            bench::check(&self.dataset, &setting.apply(&config)?, self.trials)?;
        }
        if let Some(metric) = &self.metric {
            bench::check_metric(metric)?;
            if settings.is_empty() {
                return Err(Error::config(
                    "metric",
                    "sorts the table of settings; give `grid` or `random`",
                ));
            }
        }
        Ok(Job {
            settings,
            metric: self.metric.clone(),
            root: out_dir(&self.out, &format!("bench-{}", self.dataset.name())),
            dataset: self.dataset,
            config,
            trials: self.trials,
            backend: self.backend.checked(self.jobs, self.force, self.resume)?,
            start: start(self.force, self.resume),
            quiet: self.quiet,
        })
    }
}

/// `curvegan bench`.
pub fn exec(args: Args) -> Result<()> {
    let BenchCommand::Modes(a) = args.which;
    let j = a.checked()?;
    let plan = plan::Plan {
        settings: j.settings,
        metric: j.metric,
        ..plan::Plan::bench(&j.dataset, j.trials)
    };
    match j.backend {
        Backend::Local { jobs } => {
            let sweep = Sweep {
                plan,
                config: j.config,
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
