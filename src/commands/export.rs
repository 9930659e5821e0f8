//! `curvegan export RUN`: the run's generator as an ONNX model, written atomically
//! ([`curvegan::run::train::export`]); a stopped or running run's from its last checkpoint,
//! which it says on standard error, as `sample` does.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;
use curvegan::run::train::export::{default_out, write_onnx};
use curvegan::Generator;

use crate::commands::sample::note_source;
use crate::output::shown;
use crate::term::print;

/// The examples at the end of `export --help`.
pub const EXAMPLES: &str = "\
Examples:
  # Writes runs/train-0001/generator.onnx
  curvegan export runs/train-0001
  # Into g.onnx (a run's best/ exports as a run does)
  curvegan export runs/train-0001 --out g.onnx";

/// The arguments of `export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder (finished, stopped or running) or its `best/`
    #[arg(value_name = "RUN")]
    run: PathBuf,
    /// The model's format: ONNX (opset 17, IR version 8)
    #[arg(long, value_enum, default_value_t = FormatArg::Onnx)]
    format: FormatArg,
    /// The file to write (atomically) [default: RUN/generator.onnx]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The checkpoint after N steps instead (a run keeps only its latest)
    #[arg(long, value_name = "N")]
    step: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Onnx,
}

/// `curvegan export`: loads the generator as `sample` does, writes the model, says where.
pub fn exec(args: Args) -> Result<()> {
    let generator = Generator::load_at(&args.run, args.step, "RUN")?;
    note_source(&generator, "exporting");
    let out = args.out.unwrap_or_else(|| default_out(&args.run));
    match args.format {
        FormatArg::Onnx => write_onnx(&generator, &out)?,
    }
    match out == Path::new("-") {
        true => Ok(()),
        false => print(&format!("onnx: {}\n", shown(&out))),
    }
}
