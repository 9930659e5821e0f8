//! The trials of a sweep or benchmark, as the commands that start, continue or collect them
//! share it: run on this process's threads ([`run_here`]: `sweep`, `bench modes`, `resume` of
//! a sweep's folder), or submitted as a Slurm job array ([`curvegan::run::scale::slurm`]) and
//! followed ([`submitted`]), and collected into its table ([`collect`]: `collect`, and
//! `sweep --wait`). The tables are the library's, printed by [`output`].

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use curvegan::run::scale::local::{Start, Sweep};
use curvegan::run::scale::slurm::{self, Collected, Plan, Progress, State};
use curvegan::run::scale::sweep::SeedObserver;

use crate::{output, term};

/// Runs `sweep` on this machine's threads, stopped (each run with a checkpoint) by Ctrl-C,
/// SIGTERM or SIGHUP as `train` is, with a line per seed on stderr, then prints its table.
pub fn run_here(sweep: &Sweep, start: Start, quiet: bool) -> Result<()> {
    term::catch_signals("stopped at once, the last checkpoint is kept");
    let observer = output::Seeds::new(sweep.plan.total_runs() as usize, quiet);
    let collected = sweep.run(start, &crate::args::command_line(), &observer)?;
    drop(observer);
    quiet_or_print(quiet, &collected_text(&collected, &sweep.root)?)
}

/// The table of a sweep or benchmark, as a local run and `collect` print it.
fn collected_text(collected: &Collected, root: &Path) -> Result<String> {
    Ok(match collected {
        Collected::Sweep {
            results,
            success,
            table,
        } => output::sweep_report(results, success.as_ref(), table.as_ref(), root)?,
        Collected::Bench(outcome) => output::bench_report(outcome, root),
    })
}

/// After a submission: the job id and what to run next, or with `wait`, the progress until
/// the array ends and then the collected table.
pub fn submitted(plan: &Plan, root: &Path, wait: bool, quiet: bool) -> Result<()> {
    let r = output::shown(root);
    term::print(&format!(
        "submitted Slurm job {}: {} trials (seeds {}..{}) in {r}\n",
        plan.job_id,
        plan.sweep.total_runs(),
        plan.seeds().start,
        plan.seeds().end
    ))?;
    if !wait {
        return term::print(&format!(
            "follow it with `curvegan status {r}`, and when its trials are done: `curvegan collect {r}`\n"
        ));
    }
    let observer = output::Seeds::new(plan.sweep.total_runs() as usize, quiet);
    let mut reported = BTreeSet::new();
    let mut last_counts = String::new();
    slurm::wait(root, slurm::POLL, |p: &Progress| {
        for t in p.trials.iter().filter(|t| t.state == State::Done) {
            if reported.insert(t.task) {
                if let Ok(result) = slurm::result(root, plan, t) {
                    observer.on_seed(&result);
                }
            }
        }
        let counts = p.counts();
        if counts != last_counts && !quiet {
            eprintln!("job {}: {counts}", plan.job_id);
            last_counts = counts;
        }
    })?;
    drop(observer);
    collect(root, false, quiet)
}

/// `curvegan collect DIR`: the sweep's or benchmark's table, as a local run prints it.
pub fn collect(root: &Path, partial: bool, quiet: bool) -> Result<()> {
    let c = slurm::collect(root, partial)?;
    let mut text = collected_text(&c.collected, root)?;
    if !c.missing.is_empty() {
        text += &format!(
            "{} trials not done and left out (--partial):\n",
            c.missing.len()
        );
        for t in &c.missing {
            text += &format!("  {}\n", t.failure());
        }
    }
    quiet_or_print(quiet, &text)
}

fn quiet_or_print(quiet: bool, text: &str) -> Result<()> {
    match quiet {
        true => Ok(()),
        false => term::print(text),
    }
}
