//! `curvegan report RUN…`: a run's report.html, or one page comparing several runs.

use std::path::{Path, PathBuf};

use anyhow::Result;
use curvegan::text;

use crate::output::shown;
use crate::term::print;

/// The examples at the end of `report --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Rewrites runs/train-0001/report.html
  curvegan report runs/train-0001
  # Compares a sweep's seeds in runs/sweep-0001/report.html
  curvegan report runs/sweep-0001
  # Compares two runs in ab.html
  curvegan report runs/a runs/b --out ab.html";

/// The arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run folders; a sweep's or a benchmark's folder stands for its runs
    #[arg(value_name = "RUN", required = true)]
    runs: Vec<PathBuf>,
    /// The page to write ('-': standard output); a file that is not a curvegan report is never
    /// overwritten [default: RUN/report.html for one folder, else report.html here]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `curvegan report`: writes the page ([`curvegan::run::train::gather::write`]) and says where, on
/// stderr when the page itself goes to standard output; names the run folders left out on
/// stderr. A closed standard output (`report --out - | head`) is not an error.
pub fn exec(args: Args) -> Result<()> {
    let (runs, out) = (&args.runs, args.out.as_deref());
    let stdout = out == Some(Path::new("-"));
    let (written, skipped) = match curvegan::run::train::gather::write(runs, out) {
        Err(curvegan::Error::Io { cause, .. })
            if stdout && cause.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            return Ok(())
        }
        r => r?,
    };
    for s in &skipped {
        eprintln!("left out {}: {}", shown(&s.folder), text::echo(&s.error));
    }
    match stdout {
        true => Ok(()),
        false => print(&format!("report: {}\n", shown(&written))),
    }
}
