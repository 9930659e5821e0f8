//! The commands, one module each, as cargo's `commands/`: a command's file holds its arguments
//! (clap), their conversion into the library's checked types, and the run of it. This module
//! holds the top-level parser ([`Cli`]), the list of commands ([`Command`]) and the dispatch
//! ([`Cli::exec`]); the arguments several commands share are in [`crate::args`].

pub mod bench;
pub mod collect;
pub mod eval;
pub mod export;
pub mod report;
pub mod resume;
pub mod runs;
pub mod sample;
pub mod status;
pub mod sweep;
pub mod train;
pub mod watch;

use anyhow::Result;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::args::settings::TrainSettings;

/// Train generative adversarial networks that generate curves from noise.
#[derive(Debug, Parser)]
#[command(name = "curvegan", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The commands, in the order `--help` lists them.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a GAN; with no options, exactly the tutorial's (G learns y = 2x² + 1).
    #[command(after_long_help = train::EXAMPLES)]
    Train(Box<train::Args>),
    /// Continue a run from its checkpoint, with its own settings.
    Resume(resume::Args),
    /// Draw samples from a trained generator.
    Sample(sample::Args),
    /// Score a trained generator with the metrics that fit its target.
    Eval(eval::Args),
    /// Write a trained generator as an ONNX model, for onnxruntime and other runtimes.
    #[command(after_long_help = export::EXAMPLES)]
    Export(export::Args),
    /// Train one configuration over many seeds in parallel and score every run.
    Sweep(Box<sweep::Args>),
    /// Benchmarks that compare curvegan with published results.
    Bench(bench::Args),
    /// List the run folders under a folder: name, start, target, loss, steps, status, metric;
    /// sorted and filtered.
    #[command(after_long_help = runs::EXAMPLES)]
    Runs(runs::Args),
    /// Follow a run another process is training (or show a finished one) in a full-screen
    /// live view, from its live.json; q closes it.
    Watch(watch::Args),
    /// Write a run's report.html, or one page comparing several runs.
    #[command(after_long_help = report::EXAMPLES)]
    Report(report::Args),
    /// The trials of a sweep or benchmark submitted to Slurm: queued, running, done, failed.
    Status(status::Args),
    /// Score the done trials of a sweep or benchmark submitted to Slurm and write its table.
    Collect(collect::Args),
}

impl Cli {
    /// clap's command, with every setting of a new run ([`TrainSettings`]) in conflict with
    /// `train --resume`. The conflicts are set per option, so that an error names the option
    /// given (a conflict with a group lists all of its options), and here, because `sweep`
    /// shares the settings but not `train --resume DIR` (its own `--resume` continues a sweep
    /// with the settings given).
    pub fn command_with_alias() -> clap::Command {
        // A negative number is read as a value, so that `--steps -1` is reported as an invalid
        // value of --steps, not as an unknown argument.
        fn negatives(cmd: clap::Command) -> clap::Command {
            cmd.mut_args(|a| match a.get_action().takes_values() {
                true => a.allow_negative_numbers(true),
                false => a,
            })
            .mut_subcommands(negatives)
        }
        // A sweep takes its seeds from --seeds: --seed is refused there, so not listed.
        // Each option that sets a key of config.toml names it, from the one table.
        fn keys(cmd: clap::Command) -> clap::Command {
            cmd.mut_args(|a| {
                let flag = format!("--{}", a.get_long().unwrap_or_default());
                let keys = crate::keys::help_keys(&flag);
                if keys.is_empty() {
                    return a;
                }
                let s = if keys.len() > 1 { "s" } else { "" };
                let note = format!("[config key{s}: {}]", keys.join(", "));
                let help = a.get_help().map(|h| format!("{h} {note}"));
                let long = a.get_long_help().map(|h| format!("{h} {note}"));
                let a = match help {
                    Some(h) => a.help(h),
                    None => a,
                };
                match long {
                    Some(h) => a.long_help(h),
                    None => a,
                }
            })
            .mut_subcommands(keys)
        }
        let cmd = keys(whole_numbers(negatives(Cli::command())))
            .mut_subcommand("sweep", |sweep| sweep.mut_arg("seed", |a| a.hide(true)));
        cmd.mut_subcommand("train", |mut train| {
            let settings: Vec<clap::Id> =
                TrainSettings::augment_args(clap::Command::new("settings"))
                    .get_arguments()
                    .map(|a| a.get_id().clone())
                    .collect();
            // mut_arg moves an argument to the end, and --help orders its headings by the
            // arguments: every argument is passed through, in order, to keep that order.
            let all: Vec<clap::Id> = train.get_arguments().map(|a| a.get_id().clone()).collect();
            for id in all {
                let conflicts = settings.contains(&id);
                train = train.mut_arg(id, |a| match conflicts {
                    true => a.conflicts_with("resume"),
                    false => a,
                });
            }
            train
        })
    }

    /// Parses the process's arguments; on a usage error, prints it and exits with code 2.
    pub fn parse_args() -> Cli {
        let matches = (Self::command_with_alias().try_get_matches()).unwrap_or_else(|e| exit(e));
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit(e))
    }

    /// Runs the command the arguments name: its own module converts its arguments, checked,
    /// and runs it.
    pub fn exec(self) -> Result<()> {
        match self.command {
            Command::Train(a) => train::exec(*a),
            Command::Resume(a) => resume::exec(a),
            Command::Sample(a) => sample::exec(a),
            Command::Eval(a) => eval::exec(a),
            Command::Export(a) => export::exec(a),
            Command::Sweep(a) => sweep::exec(*a),
            Command::Bench(a) => bench::exec(a),
            Command::Runs(a) => runs::exec(a),
            Command::Watch(a) => watch::exec(a),
            Command::Report(a) => report::exec(a),
            Command::Status(a) => status::exec(a),
            Command::Collect(a) => collect::exec(a),
        }
    }
}

/// Options whose 0 means something (`--eval-every 0`: only at the end; a seed): every other
/// count starts at 1 ([`whole_numbers`]).
const ZERO_MEANS: &[&str] = &[
    "seed",
    "eval-every",
    "plot-every",
    "checkpoint-every",
    "early-stop",
    "top-k-anneal",
    "g-basis",
];

/// Every count (an option of type `usize` or `u64`) read by [`whole`], so that `--steps 1e4`
/// says what is expected rather than "invalid digit found in string".
fn whole_numbers(cmd: clap::Command) -> clap::Command {
    let usize_id = clap::builder::ValueParser::from(clap::value_parser!(usize)).type_id();
    let u64_id = clap::builder::ValueParser::from(clap::value_parser!(u64)).type_id();
    cmd.mut_args(|a| {
        let min = match ZERO_MEANS.contains(&a.get_long().unwrap_or_default()) {
            true => 0,
            false => 1,
        };
        let id = a.get_value_parser().type_id();
        if id == usize_id {
            a.value_parser(move |t: &str| whole::<usize>(t, min))
        } else if id == u64_id {
            a.value_parser(move |t: &str| whole::<u64>(t, min))
        } else {
            a
        }
    })
    .mut_subcommands(whole_numbers)
}

/// A count as typed: a whole number; the error says so, with the least value the option
/// takes (`min`, which the library checks) and the text given. `+5` and leading zeros are
/// taken, as Rust's `parse` takes them.
fn whole<T>(text: &str, min: u64) -> Result<T, String>
where
    T: std::str::FromStr<Err = std::num::ParseIntError> + std::fmt::Display + num_max::Max,
{
    use std::num::IntErrorKind;
    text.parse::<T>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => format!("too large: at most {}, got '{text}'", T::MAX),
        _ => format!("expected a whole number ≥ {min}, got '{text}'"),
    })
}

/// The largest value of a count's type, for [`whole`]'s message.
mod num_max {
    pub trait Max {
        const MAX: Self;
    }
    impl Max for usize {
        const MAX: usize = usize::MAX;
    }
    impl Max for u64 {
        const MAX: u64 = u64::MAX;
    }
}

/// Ends the process on a usage error as clap does (exit code 2; help and version on stdout,
/// code 0), but with the arguments it quotes escaped and cut ([`crate::output::error_text`]):
/// an argument's control characters never reach the terminal raw.
fn exit(e: clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit()
    }
    let text = crate::output::error_text(&anyhow::Error::msg(e.render().to_string()));
    eprint!("{text}");
    std::process::exit(e.exit_code())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use curvegan::TrainConfig;

    use super::*;
    use crate::output::Show;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let matches = Cli::command_with_alias().try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }

    /// The checked job of a `train` command line.
    fn train_job(args: &[&str]) -> train::Job {
        match parse(args).unwrap().command {
            Command::Train(a) => a.checked().unwrap(),
            other => panic!("not train: {other:?}"),
        }
    }

    #[test]
    fn argument_definitions_are_consistent() {
        Cli::command().debug_assert();
        Cli::command_with_alias().debug_assert();
    }

    /// Every count option of every command (by its type in clap's own parser) says what it
    /// expects of `1e4`, and each option that takes 0 is one ([`ZERO_MEANS`]).
    #[test]
    fn every_count_option_says_it_takes_a_whole_number() {
        fn walk(
            cmd: &clap::Command,
            path: &mut Vec<String>,
            found: &mut Vec<(Vec<String>, String)>,
        ) {
            let count = [
                clap::builder::ValueParser::from(clap::value_parser!(usize)).type_id(),
                clap::builder::ValueParser::from(clap::value_parser!(u64)).type_id(),
            ];
            for a in cmd.get_arguments() {
                if let Some(long) = a.get_long() {
                    if count.contains(&a.get_value_parser().type_id()) {
                        found.push((path.clone(), long.to_string()));
                    }
                }
            }
            for sub in cmd.get_subcommands() {
                path.push(sub.get_name().to_string());
                walk(sub, path, found);
                path.pop();
            }
        }
        let mut found = Vec::new();
        walk(
            &Cli::command(),
            &mut vec!["curvegan".to_string()],
            &mut found,
        );
        assert!(found.len() > 25, "{found:?}");
        for zero in ZERO_MEANS {
            assert!(found.iter().any(|(_, long)| long == zero), "{zero}");
        }
        for (path, long) in found {
            let flag = format!("--{long}");
            let args = [&path[..], &[flag.clone(), "1e4".to_string()]].concat();
            let err = parse(&args.iter().map(String::as_str).collect::<Vec<_>>())
                .unwrap_err()
                .to_string();
            let min = if ZERO_MEANS.contains(&long.as_str()) {
                0
            } else {
                1
            };
            let expected = format!("expected a whole number ≥ {min}, got '1e4'");
            assert!(
                err.contains(&expected) && err.contains(&flag),
                "{args:?}: {err}"
            );
        }
    }

    #[test]
    fn no_options_is_the_tutorial() {
        let job = train_job(&["curvegan", "train"]);
        let train::Job::New { config, .. } = job else {
            panic!("not train: {job:?}")
        };
        assert_eq!(*config, TrainConfig::default());
    }

    #[test]
    fn help_shows_the_library_defaults() {
        let mut cmd = Cli::command();
        // Unwrapped (term_width 0), so that each `[default: …]` stays on one line.
        let help = (cmd.find_subcommand_mut("train").unwrap().clone())
            .term_width(0)
            .render_help()
            .to_string();
        let d = TrainConfig::default();
        for shown in [
            format!("[default: {}]", d.steps),
            format!("[default: {}]", d.batch_size),
            format!("[default: {}]", d.loss),
            format!("[default: {}]", d.activation),
        ] {
            assert!(help.contains(&shown), "{shown} missing from:\n{help}");
        }
    }

    #[test]
    fn help_groups_train_options_and_lists_only_accepted_ones() {
        let help = |args: &[&str]| parse(args).unwrap_err().render().to_string();
        let long = help(&["curvegan", "train", "--help"]);
        let headings = [
            "What to learn:",
            "Networks:",
            "Loss and optimiser:",
            "Evaluation:",
            "Output:",
            "Checkpoints:",
            "Examples:",
        ];
        let at: Vec<usize> = headings.iter().map(|h| long.find(h).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{long}");
        let short = help(&["curvegan", "train", "-h"]);
        assert!(
            short.contains("Networks:") && !short.contains("Examples:"),
            "{short}"
        );
        let sweep = help(&["curvegan", "sweep", "--help"]);
        assert!(
            sweep.contains("--seeds") && sweep.contains("Networks:"),
            "{sweep}"
        );
        // Nor train's `--resume DIR`: sweep's own `--resume` is a flag.
        assert!(
            !sweep.contains("--seed ") && !sweep.contains("--resume <DIR>"),
            "{sweep}"
        );
        let resume = help(&["curvegan", "resume", "--help"]);
        assert!(
            !resume.contains("--target") && !resume.contains("--seed"),
            "{resume}"
        );
    }

    #[test]
    fn train_resume_is_resume_and_takes_only_steps_and_quiet() {
        let job = train_job(&["curvegan", "train", "--resume", "r", "--steps", "9", "-q"]);
        assert!(
            matches!(&job, train::Job::Resume { dir, steps: Some(9), show: Show { quiet: true, live: false } } if dir == Path::new("r")),
            "{job:?}"
        );
        for other in [["--seed", "3"], ["--out", "x"], ["--loss", "wgan"]] {
            let args = [&["curvegan", "train", "--resume", "r"][..], &other].concat();
            let err = parse(&args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
            // The message names the setting given, not every setting of the group.
            let msg = err.to_string();
            assert!(msg.contains(other[0]) && !msg.contains("--pack"), "{msg}");
        }
        let err = parse(&["curvegan", "train", "--resume", "r", "--force"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
