//! `curvegan watch RUN`: a run another process is training (or a finished one) in the
//! full-screen live view ([`crate::dashboard`]).

use std::path::PathBuf;

use anyhow::Result;

use crate::dashboard;

/// The arguments of `watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder, running or not
    #[arg(value_name = "RUN")]
    run: PathBuf,
}

/// `curvegan watch`.
pub fn exec(args: Args) -> Result<()> {
    dashboard::watch(&args.run)
}
