//! `curvegan`: the command-line front end. Parses the arguments ([`commands::Cli`]) and hands
//! them to the command's module, which converts them once into the library's checked settings,
//! runs the library and prints; this file prints the error and chooses the exit code. Its
//! modules are layers, bottom up: [`term`], [`dashboard`], [`output`], [`args`], [`scale`],
//! [`commands`], this one; each imports only those below it (the library's `suite/layers.rs`
//! checks it).

mod args;
mod commands;
mod dashboard;
mod keys;
mod output;
mod scale;
mod term;

use std::process::ExitCode;

use anyhow::Result;
use curvegan::Error;

use commands::Cli;

fn run() -> Result<()> {
    Cli::parse_args().exec()
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
            // The library's config keys in the command line's words, once, here.
            let args: Vec<String> = std::env::args().collect();
            let names = keys::Names {
                from_file: args
                    .iter()
                    .any(|a| a == "--config" || a.starts_with("--config="))
                    || args.get(1).is_some_and(|a| a == "resume"),
                args: &args,
            };
            eprintln!("error: {}", keys::in_text(&output::error_text(&e), &names));
            ExitCode::from(exit_code(&e))
        }
    }
}
