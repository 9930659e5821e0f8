//! Errors of the library, one enum for the whole crate.
//!
//! Every message names the offending value (a setting and what it was given, a file and the
//! line, a tensor and its shape), so that a user can act on it without reading the source.
//!
//! The library speaks in config keys, the names of `config.toml` (`batch_size`,
//! `target.points`, `optim_g.lr`; settings outside a run's config by the library's own name for
//! them: `out`, `seeds`, `condition`). An [`Error::Config`] carries its key apart, and a message
//! that mentions another setting writes its key between backquotes (`` `target.resample` ``),
//! so that a front end can show its own name for each (the command line its `--flag`, in one
//! table) without reading the message's words.
//! Paths and messages are shown with their control characters escaped ([`crate::text`]), so
//! that a file's or a folder's name cannot write to the terminal; quoted input is cut where it
//! is quoted ([`crate::text::echo`]).

use std::path::PathBuf;

use crate::text::{self, escape};

/// Everything that can go wrong in curvegan.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting is impossible: its config key and the offending value are in the message.
    #[error("invalid {}: {}", escape(key), escape(message))]
    Config {
        /// The setting's config key, e.g. `batch_size` or `optim_g.lr`.
        key: String,
        /// What is wrong with its value, naming the value.
        message: String,
    },
    /// A tensor or buffer does not have the shape an operation needs.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// Reading or writing a file failed. The OS error is part of the message and not a
    /// `source()`, so that a printed chain (`{:#}`) shows it once.
    #[error("{action} {}: {cause}", text::path(path))]
    Io {
        /// What was being done, e.g. `cannot write`.
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        cause: std::io::Error,
    },
    /// A file exists but its content is not what curvegan expects.
    #[error("{}: {}", text::path(path), escape(message))]
    BadFile {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// Training produced a NaN or an infinity.
    #[error("training diverged at step {step}: {}", escape(what))]
    Diverged {
        /// The step at which the non-finite value appeared.
        step: usize,
        /// What is not finite (a loss or a weight tensor), and where the last good
        /// checkpoint is.
        what: String,
    },
    /// A formula target was NaN or infinite at a parameter draw that the check before training
    /// ([`crate::data::target::TargetConfig::build`]) did not meet. Not bad input: the
    /// formula passed that check, maybe hours earlier. The message names x, the drawn values
    /// and what to do.
    #[error("{}{what}", .step.map_or(String::new(), |s| format!("training stopped at step {s}: ")))]
    Draw {
        /// The training step that drew it, when known.
        step: Option<usize>,
        /// What was drawn, where the formula is not finite, and what to do.
        what: String,
    },
    /// Data could not be serialised (e.g. a value TOML cannot hold).
    #[error("cannot serialise {0}")]
    Serialize(String),
    /// Training was stopped on request (Ctrl-C, SIGTERM, SIGHUP) after saving a checkpoint.
    #[error(
        "interrupted after step {step}; checkpoint saved. Resume with: curvegan resume {}",
        text::path(dir)
    )]
    Interrupted {
        /// Steps completed.
        step: usize,
        /// The run folder.
        dir: PathBuf,
    },
    /// A sweep or benchmark was stopped on request (Ctrl-C, SIGTERM, SIGHUP): no new run
    /// started, each running one saved a checkpoint, and the table of the finished ones was
    /// written.
    #[error("interrupted: {finished} of {runs} runs finished, the others stopped at a checkpoint or had not started. Continue with: curvegan resume {}", dir.display())]
    SweepInterrupted {
        /// Runs finished.
        finished: usize,
        /// Runs of the sweep.
        runs: usize,
        /// The sweep's folder.
        dir: PathBuf,
    },
    /// Writing an output was stopped on request (Ctrl-C, SIGTERM, SIGHUP) before it was whole:
    /// its temporary file is removed and the file it was to replace is left as it was.
    #[error("interrupted; {} was not written (a file there is left as it was)", .0.display())]
    Cancelled(PathBuf),
    /// Some trials of a sweep or benchmark submitted to Slurm are not done: the message names
    /// each, with its state and, for a failed one, the last lines of its log.
    #[error("{}", text::escape_keeping_lines(.0))]
    Incomplete(String),
    /// Rendering a figure failed.
    #[error("cannot render figure: {0}")]
    Plot(#[from] PlotError),
}

/// The action of an [`Error::Io`] that failed to read an input.
pub const READ: &str = "cannot read";

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::Config`] for the config key `key` with a message naming the value.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// A [`Error::Io`] for `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            cause: source,
        }
    }

    /// True for an error in what the user gave: an option, a file's content, or an input file
    /// that cannot be read (missing, unreadable). Failures to write are not.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Config { .. } | Error::BadFile { .. } => true,
            Error::Io { action, .. } => *action == READ,
            _ => false,
        }
    }

    /// A [`Error::BadFile`] for `path`.
    pub fn bad_file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::BadFile {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Error from rendering or encoding a figure.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input cannot be drawn: mismatched lengths, a non-finite
    /// coordinate or an empty or inverted range. The message names the
    /// offending input and its lengths or value.
    #[error("bad plot input: {0}")]
    BadInput(String),
    /// Drawing the figure failed.
    #[error("rendering the figure failed: {0}")]
    Render(String),
    /// Encoding the rendered figure as PNG failed.
    #[error("encoding the figure as PNG failed: {0}")]
    Encode(String),
}
