//! `curvegan status DIR`: the trials of a sweep or benchmark submitted to Slurm — queued,
//! running, done, failed — and the last log lines of each failed one.

use std::path::PathBuf;

use anyhow::Result;
use curvegan::run::scale::slurm::{self, State};

use crate::{output, term};

/// The arguments of `status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of a sweep or benchmark submitted with --backend slurm
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// `curvegan status DIR`: a line per trial, and the last log lines of each failed one.
pub fn exec(args: Args) -> Result<()> {
    let root = &args.dir;
    let p = slurm::status(root)?;
    let plan = &p.plan;
    let mut text = format!(
        "{} {}: Slurm job {}, seeds {}..{}, submitted {}\n{}\n",
        plan.sweep.kind.name(),
        output::shown(root),
        plan.job_id,
        plan.seeds().start,
        plan.seeds().end,
        plan.submitted.utc,
        p.counts()
    );
    if let Some(e) = &p.slurm_error {
        text += &format!("Slurm could not be asked, states are from the folders: {e}\n");
    }
    text += &format!(
        "{:>8}  {:<8}  {:<12}  {:>13}\n",
        "seed", "state", "slurm", "steps"
    );
    for t in &p.trials {
        let steps = t.run.as_ref().map_or("—".to_string(), |r| {
            let n = |v: Option<usize>| v.map_or("?".to_string(), |v| v.to_string());
            format!("{}/{}", n(r.steps_done), n(r.steps_planned))
        });
        let slurm = curvegan::text::echo(t.slurm.as_deref().unwrap_or("—"));
        text += &format!(
            "{:>8}  {:<8}  {:<12}  {:>13}\n",
            t.seed,
            t.state.name(),
            slurm,
            steps
        );
    }
    for t in p.trials.iter().filter(|t| t.state == State::Failed) {
        text += &format!("{}\n", t.failure());
    }
    term::print(&text)
}
