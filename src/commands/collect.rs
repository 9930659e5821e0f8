//! `curvegan collect DIR`: the done trials of a sweep or benchmark submitted to Slurm, scored,
//! and its table written and printed, as a local run prints it.

use std::path::PathBuf;

use anyhow::Result;

use crate::scale;

/// The arguments of `collect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of a sweep or benchmark submitted with --backend slurm
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Collect the done trials even though others are not done
    #[arg(long)]
    partial: bool,
}

/// `curvegan collect`.
pub fn exec(args: Args) -> Result<()> {
    scale::collect(&args.dir, args.partial, false)
}
