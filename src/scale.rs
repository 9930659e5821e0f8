//! `sweep` and `bench modes` on their backend — this process's threads, or a Slurm job array
//! ([`curvegan::run::scale::slurm`]) — `resume` of a sweep's folder, and `status` and `collect` of a
//! folder submitted to Slurm.
//! The tables are the library's, printed by [`output`].

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use curvegan::run::scale::local::{Start, Sweep};
use curvegan::run::scale::plan;
use curvegan::run::scale::slurm::{self, Collected, Kind, Plan, Progress, State};
use curvegan::run::scale::sweep::SeedObserver;

use crate::cli::{Backend, BenchJob, SweepJob};
use crate::{output, term};

/// `curvegan sweep`.
pub fn sweep(j: SweepJob) -> Result<()> {
    let kind = Kind::Sweep {
        eval_n: j.scoring.samples,
        success: j.success.as_ref().map(|c| c.to_string()),
    };
    match j.backend {
        Backend::Local { jobs } => {
            let sweep = Sweep {
                config: j.config,
                plan: plan::Plan::new(kind, j.seeds),
                root: j.root,
                jobs,
            };
            run_here(&sweep, j.start, j.quiet)
        }
        Backend::Slurm { submit, wait } => {
            let plan = slurm::submit(&j.config, j.seeds, &j.root, kind, &submit)?;
            submitted(&plan, &j.root, wait, j.quiet)
        }
    }
}

/// `curvegan bench modes`.
pub fn bench(j: BenchJob) -> Result<()> {
    match j.backend {
        Backend::Local { jobs } => {
            let sweep = Sweep {
                plan: plan::Plan::bench(&j.dataset, j.trials),
                config: j.config,
                root: j.root,
                jobs,
            };
            run_here(&sweep, j.start, j.quiet)
        }
        Backend::Slurm { submit, wait } => {
            let kind = Kind::Bench {
                dataset: j.dataset.name().to_string(),
            };
            let seeds = 0..j.trials as u64;
            let plan = slurm::submit(&j.config, seeds, &j.root, kind, &submit)?;
            submitted(&plan, &j.root, wait, j.quiet)
        }
    }
}

/// `curvegan resume DIR` of a sweep's or benchmark's folder: continues it with the settings
/// recorded there, on `jobs` threads.
pub fn resume(dir: &Path, jobs: usize, quiet: bool) -> Result<()> {
    run_here(&Sweep::open(dir, jobs)?, Start::Continue, quiet)
}

/// Runs `sweep` on this machine's threads, stopped (each run with a checkpoint) by Ctrl-C,
/// SIGTERM or SIGHUP as `train` is, with a line per seed on stderr, then prints its table.
fn run_here(sweep: &Sweep, start: Start, quiet: bool) -> Result<()> {
    term::catch_signals("stopped at once, the last checkpoint is kept");
    let observer = output::Seeds::new(sweep.plan.trials as usize, quiet);
    let collected = sweep.run(start, &crate::cli::command_line(), &observer)?;
    drop(observer);
    quiet_or_print(quiet, &collected_text(&collected, &sweep.root)?)
}

/// The table of a sweep or benchmark, as a local run and `collect` print it.
fn collected_text(collected: &Collected, root: &Path) -> Result<String> {
    Ok(match collected {
        Collected::Sweep { results, success } => {
            output::sweep_report(results, success.as_ref(), root)?
        }
        Collected::Bench(outcome) => output::bench_report(outcome, root),
    })
}

/// After a submission: the job id and what to run next, or with `wait`, the progress until
/// the array ends and then the collected table.
fn submitted(plan: &Plan, root: &Path, wait: bool, quiet: bool) -> Result<()> {
    let r = output::shown(root);
    term::print(&format!(
        "submitted Slurm job {}: {} trials (seeds {}..{}) in {r}\n",
        plan.job_id,
        plan.sweep.trials,
        plan.seeds().start,
        plan.seeds().end
    ))?;
    if !wait {
        return term::print(&format!(
            "follow it with `curvegan status {r}`, and when its trials are done: `curvegan collect {r}`\n"
        ));
    }
    let observer = output::Seeds::new(plan.sweep.trials as usize, quiet);
    let mut reported = BTreeSet::new();
    let mut last_counts = String::new();
    slurm::wait(root, slurm::POLL, |p: &Progress| {
        for t in p.trials.iter().filter(|t| t.state == State::Done) {
            if reported.insert(t.seed) {
                if let Ok(result) = slurm::result(root, plan, t.seed) {
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

/// `curvegan status DIR`: a line per trial, and the last log lines of each failed one.
pub fn status(root: &Path) -> Result<()> {
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
