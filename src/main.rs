//! `curvegan`: the command-line front end. Parses the arguments, converts them once into the
//! library's checked settings ([`cli`]), runs the library, and prints ([`output`]). Its
//! modules are layers, bottom up: [`term`], [`dashboard`], [`output`], [`cli`], [`scale`], this
//! one; each imports only those below it (the library's `suite/layers.rs` checks it).

mod cli;
mod dashboard;
mod output;
mod scale;
mod term;

use std::process::ExitCode;

use anyhow::Result;
use std::{io::Write, path::Path};

use curvegan::run::store::files::{self, write_atomic_with};
use curvegan::run::train::sample::evaluate;
use curvegan::{Error, Generator, TrainConfig};

use cli::{Cli, Job};

fn run() -> Result<()> {
    match Cli::parse_args().job()? {
        Job::Train { config, out, show } => output::train(config.steps, &config, show, |o| {
            curvegan::train(&config, &out, o)
        }),
        Job::Resume { dir, steps, show } => {
            // For the progress bar and the summary only; resume() reads and checks it itself.
            let saved = TrainConfig::load_saved(&dir.join(files::CONFIG)).unwrap_or_default();
            output::train(steps.unwrap_or(saved.steps), &saved, show, |o| {
                curvegan::resume(&dir, steps, &cli::command_line(), o)
            })
        }
        Job::Sample(j) => {
            let generator = Generator::load(&j.run)?;
            let condition = match j.condition.is_empty() {
                true => None,
                false => Some(generator.parse_condition(&j.condition)?),
            };
            let write = |out: &mut dyn Write, dest: &Path, stop: &dyn Fn() -> bool| {
                generator.write_samples_until(
                    j.count,
                    j.seed,
                    condition.as_deref(),
                    j.format,
                    j.noise,
                    out,
                    dest,
                    stop,
                )
            };
            match j.out {
                Some(path) => {
                    // Checked before anything is written: not a file of a run, room enough.
                    generator.check_out(&path)?;
                    let (c, seed) = (condition.as_deref(), j.seed);
                    generator.check_room(&path, j.count, seed, c, j.format, j.noise)?;
                    // Ctrl-C, SIGTERM, SIGHUP stop the writing between chunks: the temporary
                    // file is removed and the file at --out left as it was.
                    term::catch_signals("stopped at once");
                    let stop = || term::STOP.load(std::sync::atomic::Ordering::Relaxed);
                    Ok(write_atomic_with(&path, |f| write(f, &path, &stop))?)
                }
                None => term::stream(|out| write(out, Path::new("standard output"), &|| false)),
            }
        }
        Job::Eval(j) => {
            if let Some((what, run)) = curvegan::run::scale::plan::describe(&j.run) {
                return Err(Error::config(
                    "RUN",
                    format!(
                        "{} is a {what}'s folder, not a run folder; eval scores one of its runs, e.g. `curvegan eval {}`",
                        j.run.display(),
                        run.display()
                    ),
                )
                .into());
            }
            let generator = Generator::load_named(&j.run, "RUN")?;
            let report = evaluate(&generator, j.count, j.seed, "--n")?;
            match j.json {
                true => term::print_json(&(serde_json::to_string_pretty(&report)? + "\n")),
                false => term::print(&report.table()),
            }
        }
        Job::ResumeSweep { dir, jobs, quiet } => scale::resume(&dir, jobs, quiet),
        Job::Sweep(j) => scale::sweep(j),
        Job::BenchModes(j) => scale::bench(j),
        Job::Runs { dir, json } => output::runs(&dir, json),
        Job::Status { dir } => scale::status(&dir),
        Job::Collect { dir, partial } => scale::collect(&dir, partial, false),
        Job::Watch { dir } => dashboard::watch(&dir),
        Job::Report { runs, out } => output::report(&runs, out.as_deref()),
    }
}

/// The exit code of a failure: 2 for bad input (an option, a file's content), as clap's own
/// usage errors; 130 after Ctrl-C, as a shell reports a process ended by SIGINT, and after
/// SIGTERM or SIGHUP too (the handler cannot tell them apart; every one stops the same way);
/// else 1.
fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<Error>() {
        Some(e) if e.is_bad_input() => 2,
        Some(Error::Interrupted { .. } | Error::SweepInterrupted { .. } | Error::Cancelled(_)) => {
            130
        }
        _ => 1,
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", output::error_text(&e));
            ExitCode::from(exit_code(&e))
        }
    }
}
