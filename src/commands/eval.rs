//! `curvegan eval`: a run's generator scored with the metrics that fit its target, as a
//! table or JSON; a stopped or running run's last checkpoint, saying so on standard error.

use std::path::PathBuf;

use anyhow::Result;
use curvegan::run::train::sample::{evaluate, DEFAULT_EVAL_COUNT};
use curvegan::{Error, Generator};

use crate::args::DEFAULT;
use crate::term;

/// The arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder (finished, stopped or running) or its `best/`
    run: PathBuf,
    /// Generated (and real) samples to compare
    #[arg(long, short, default_value_t = DEFAULT_EVAL_COUNT)]
    n: usize,
    /// Seed of the noise and of the real samples
    #[arg(long, default_value_t = DEFAULT.seed)]
    seed: u64,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
    /// The checkpoint after N steps instead (a run keeps only its latest)
    #[arg(long, value_name = "N")]
    step: Option<usize>,
}

/// `curvegan eval`.
pub fn exec(args: Args) -> Result<()> {
    if let Some((what, run)) = curvegan::run::scale::plan::describe(&args.run) {
        return Err(Error::config(
            "RUN",
            format!(
                "{} is a {what}'s folder, not a run folder; eval scores one of its runs, e.g. `curvegan eval {}`",
                args.run.display(),
                run.display()
            ),
        )
        .into());
    }
    let generator = Generator::load_at(&args.run, args.step, "RUN")?;
    super::sample::note_source(&generator, "evaluating");
    let report = evaluate(&generator, args.n, args.seed, "--n")?;
    match args.json {
        true => term::print_json(&(serde_json::to_string_pretty(&report)? + "\n")),
        false => term::print(&report.table()),
    }
}
