//! `curvegan sample`: samples of a run's generator (or its input rows, `--noise`), as JSON,
//! CSV or NumPy `.npy` (the format `--format` names, else `--out`'s extension), to standard
//! output or atomically to a file; a conditional generator's `.npy` with its conditions in a
//! CSV file beside it. A stopped or running run is sampled from its last checkpoint, and says
//! so on standard error ([`note_source`]).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;
use curvegan::run::store::checkpoint::Source;
use curvegan::run::store::files::write_atomic_with;
use curvegan::run::train::sample::DEFAULT_COUNT;
use curvegan::run::train::sample_write::{conditions_path, Format};
use curvegan::{Error, Generator};

use crate::args::DEFAULT;
use crate::term;

/// The arguments of `sample`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder (finished, stopped or running) or its `best/`
    #[arg(value_name = "RUN", required_unless_present = "run_flag")]
    run: Option<PathBuf>,
    /// The run folder: the older spelling of RUN
    #[arg(long = "run", value_name = "RUN", hide = true, conflicts_with = "run")]
    run_flag: Option<PathBuf>,
    /// Number of samples
    #[arg(long, short, default_value_t = DEFAULT_COUNT)]
    n: usize,
    /// Seed of the noise
    #[arg(long, default_value_t = DEFAULT.seed)]
    seed: u64,
    /// Output format [default: by --out's extension (.csv, .json, .npy), else json]
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write to this file (atomically) instead of standard output; a conditional generator's
    /// npy writes its conditions beside it too (s.npy: s.conditions.csv)
    #[arg(long)]
    out: Option<PathBuf>,
    /// A conditional generator's condition, e.g. a=1.8 (repeatable; default: drawn from the
    /// target's distribution)
    #[arg(long, value_name = "NAME=VALUE")]
    condition: Vec<String>,
    /// Print G's input (the noise, then any condition) instead of the samples, one row per
    /// sample, to run another implementation on the same noise
    #[arg(long)]
    noise: bool,
    /// The checkpoint after N steps instead (a run keeps only its latest)
    #[arg(long, value_name = "N")]
    step: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
    Npy,
}

/// What `sample` draws, checked: `count` samples from the generator in `run`.
#[derive(Debug)]
struct Job {
    run: PathBuf,
    /// How errors name the run folder: `RUN`, or `run` (`--run`) when given so.
    option: &'static str,
    /// The checkpoint's step, if one is asked for.
    step: Option<usize>,
    count: usize,
    seed: u64,
    /// `NAME=VALUE` pairs, parsed by the generator, which knows its names.
    condition: Vec<String>,
    format: Format,
    /// Print G's input rows instead of its samples.
    noise: bool,
    /// Where to write; standard output if `None` (or `-`).
    out: Option<PathBuf>,
}

impl Args {
    /// The checked job; the error names the option and its value.
    fn checked(self) -> Result<Job, Error> {
        if self.n == 0 {
            return Err(Error::config("--n", "must be at least 1, got 0"));
        }
        Ok(Job {
            // clap requires one of the two; errors name the one given.
            option: if self.run.is_some() { "RUN" } else { "run" },
            run: self.run.or(self.run_flag).unwrap_or_default(),
            step: self.step,
            count: self.n,
            seed: self.seed,
            condition: self.condition,
            format: match self.format {
                Some(FormatArg::Csv) => Format::Csv,
                Some(FormatArg::Json) => Format::Json,
                Some(FormatArg::Npy) => Format::Npy,
                None => (self.out.as_deref())
                    .and_then(Format::of_extension)
                    .unwrap_or(Format::Json),
            },
            noise: self.noise,
            out: self.out.filter(|p| p != Path::new("-")),
        })
    }
}

/// `curvegan sample`.
pub fn exec(args: Args) -> Result<()> {
    let j = args.checked()?;
    let generator = Generator::load_at(&j.run, j.step, j.option)?;
    note_source(&generator, "sampling");
    let condition = match j.condition.is_empty() {
        true => None,
        false => Some(generator.parse_condition(&j.condition)?),
    };
    let (c, seed, count) = (condition.as_deref(), j.seed, j.count);
    // An .npy file of a conditional generator's samples: its conditions in a file beside it.
    let beside = j.format == Format::Npy && !j.noise && generator.c_dim() > 0;
    let write = |out: &mut dyn Write, dest: &Path, stop: &dyn Fn() -> bool| {
        generator.write_samples_until(count, seed, c, j.format, j.noise, out, dest, stop)
    };
    match j.out {
        Some(path) => {
            let conditions = beside.then(|| conditions_path(&path));
            // Checked before anything is written: not a file of a run, room enough.
            for file in std::iter::once(&path).chain(&conditions) {
                generator.check_out(file)?;
            }
            generator.check_room(&path, count, seed, c, j.format, j.noise)?;
            // Ctrl-C, SIGTERM, SIGHUP stop the writing between chunks: the temporary
            // file is removed and the file at --out left as it was.
            term::catch_signals("stopped at once");
            let stop = || term::STOP.load(std::sync::atomic::Ordering::Relaxed);
            // The conditions are written (and renamed into place) last, inside the samples'
            // write: a write stopped or failed while generating leaves both files as they were.
            Ok(write_atomic_with(&path, |f| {
                write(f, &path, &stop)?;
                match &conditions {
                    Some(file) => write_atomic_with(file, |g| {
                        generator.write_conditions_until(count, seed, c, g, file, &stop)
                    }),
                    None => Ok(()),
                }
            })?)
        }
        None => {
            if j.format == Format::Npy {
                check_npy_stdout(beside)?;
            }
            term::stream(|out| write(out, Path::new("standard output"), &|| false))
        }
    }
}

/// Refuses `.npy` samples on standard output when they are binary bytes for a terminal, or
/// when a conditional generator's conditions need a file beside them (naming `--out`).
fn check_npy_stdout(beside: bool) -> Result<(), Error> {
    if beside {
        return Err(Error::config(
            "--out",
            "a conditional generator's npy samples go to a file, with their conditions in a \
             CSV file beside it (--out s.npy writes s.npy and s.conditions.csv); give --out",
        ));
    }
    if std::io::stdout().is_terminal() {
        return Err(Error::config(
            "--format",
            "npy is binary, not for a terminal: give --out FILE.npy or redirect standard output",
        ));
    }
    Ok(())
}

/// Says on standard error which checkpoint `doing` (`sampling`, `evaluating`) reads, when it is
/// not a finished run's generator: the step, and whether the run is finished.
pub fn note_source(generator: &Generator, doing: &str) {
    if let Source::Checkpoint(step) = generator.source() {
        let finished = generator.dir().join(curvegan::run::store::files::GENERATOR);
        let state = match finished.is_file() {
            true => "the run is finished",
            false => "the run is not finished",
        };
        eprintln!("{doing} the checkpoint at step {step} ({state})");
    }
}
