//! Files: run folder names, atomic writes, CSV text and safetensors weights that PyTorch loads
//! unchanged.
//!
//! Every file curvegan writes goes through [`write_atomic`]: the bytes go to a temporary file
//! in the same folder, which is flushed to disk (`fsync`) and then renamed over the target, so a
//! reader — or a crash — sees either the old file or the new one, never half of one. Paths
//! that are not regular files (`/dev/null`, a FIFO, `-` for standard output) are written
//! directly instead: renaming over them would replace a device with a regular file.
//!
//! Every CSV file curvegan writes is built with [`CsvWriter`], which quotes a field only when
//! it must (RFC 4180).
//!
//! Weights are saved as safetensors with `nn.Sequential` state-dict names (`0.weight`,
//! `0.bias`, `2.weight`, …), f32, PyTorch layout `[out, in]`, so that in PyTorch
//! `net.load_state_dict(safetensors.torch.load_file(path))` works as it is.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::MAX_BYTES;
use crate::data::input;
use crate::error::{Error, Result};
use crate::nn::mlp::{Mlp, MlpSpec};
use crate::nn::state_dict::{
    mlp_from_tensors, mlp_tensors, tensors_from_bytes, tensors_to_bytes, Tensor,
};

// File names inside a run folder.
/// The settings.
pub const CONFIG: &str = "config.toml";
/// Per-step metrics.
pub const METRICS: &str = "metrics.csv";
/// The largest [`METRICS`] read: [`MAX_BYTES`], more than the rows of the longest run a run's
/// memory allows.
pub const MAX_METRICS: u64 = MAX_BYTES;
/// The generator's weights.
pub const GENERATOR: &str = "generator.safetensors";
/// The discriminator's weights.
pub const DISCRIMINATOR: &str = "discriminator.safetensors";
/// The loss curves.
pub const LOSSES: &str = "losses.png";
/// The evaluation metrics over the steps.
pub const METRICS_FIGURE: &str = "metrics.png";
/// The step figures in step order, animated.
pub const EVOLUTION: &str = "evolution.gif";
/// The largest step figure read back (for `evolution.gif` and reports; one is about 50 KB).
pub const MAX_FIGURE: u64 = 16 << 20;
/// The run's report: one self-contained HTML page (see [`crate::run::report`]).
pub const REPORT: &str = "report.html";
/// The folder of the best evaluation so far (with `keep_best`).
pub const BEST_DIR: &str = "best";
/// In [`BEST_DIR`]: which metric, its value and the step.
pub const BEST: &str = "best.json";
/// The largest [`BEST`] read.
pub const MAX_BEST: u64 = 1 << 16;
/// The checkpoint: weights, optimizer states, RNG state, step (see [`crate::run::checkpoint`]).
pub const CHECKPOINT: &str = "checkpoint.safetensors";
/// The lock a process holds while it writes the run folder (see [`crate::run::folder`]).
pub const LOCK: &str = ".lock";

/// When the run started and ended, how it ended, its name and tags (see [`crate::run::record`]).
pub const RUN_RECORD: &str = "run.json";
/// The largest [`RUN_RECORD`] read (it holds the command line of every session).
pub const MAX_RUN_RECORD: u64 = 16 << 20;

/// With a data file: its length, checksum and row length (see [`crate::run::data_record`]).
pub const DATA: &str = "data.json";
/// The largest [`DATA`] read.
pub const MAX_DATA_RECORD: u64 = 1 << 16;

/// A snapshot of the run for a live view of it (see [`crate::run::live`]).
pub const LIVE: &str = "live.json";
/// The largest [`LIVE`] read.
pub const MAX_LIVE: u64 = 64 << 20;

/// The folder new runs go into when no `--out` is given.
pub const RUNS: &str = "runs";
/// In a sweep's folder: one row per seed.
pub const SWEEP_CSV: &str = "sweep.csv";
/// In a benchmark's folder: one row per trial.
pub const BENCH_CSV: &str = "bench.csv";
/// In a benchmark's folder: the published rows and ours, as Markdown.
pub const BENCH_TABLE: &str = "table.md";
/// In a sweep's or benchmark's folder submitted to Slurm: what was submitted
/// ([`crate::run::slurm::Plan`]).
pub const SLURM_PLAN: &str = "slurm.json";
/// The largest [`SLURM_PLAN`] read.
pub const MAX_SLURM_PLAN: u64 = 4 << 20;
/// In a sweep's or benchmark's folder submitted to Slurm: the job-array script.
pub const SLURM_SCRIPT: &str = "slurm.sh";
/// In a sweep's or benchmark's folder submitted to Slurm: the array tasks' logs,
/// `task-I.log`.
pub const SLURM_LOGS: &str = "logs";

/// The first `ROOT/PREFIX-NNNN` (`train-0001`, `sweep-0001`, `bench-ring8-0001`, …) that does
/// not exist yet.
pub fn next_run_dir(root: &Path, prefix: &str) -> PathBuf {
    (1..)
        .map(|i| root.join(format!("{prefix}-{i:04}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| root.join(prefix))
}

/// CSV text built one row at a time: fields separated by commas, each row ended by `\n`, and
/// a field quoted (`"…"`, inner quotes doubled) only when it holds a comma, a quote or a line
/// break. Fields are written with `Display`, so floats get Rust's shortest text that reads
/// back to the same value.
///
/// ```
/// use curvegan::run::files::CsvWriter;
///
/// let mut csv = CsvWriter::new();
/// csv.row(["seed", "a,b"]).row([1.5, 2.0]);
/// assert_eq!(csv.finish(), "seed,\"a,b\"\n1.5,2\n");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvWriter {
    text: String,
}

impl CsvWriter {
    /// An empty CSV text.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one row.
    pub fn row<T: Display>(&mut self, fields: impl IntoIterator<Item = T>) -> &mut Self {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            let field = field.to_string();
            if field.contains([',', '"', '\n', '\r']) {
                self.text.push('"');
                self.text.push_str(&field.replace('"', "\"\""));
                self.text.push('"');
            } else {
                self.text.push_str(&field);
            }
        }
        self.text.push('\n');
        self
    }

    /// The text so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The text.
    pub fn finish(self) -> String {
        self.text
    }
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
/// Only a regular file, or a path that does not exist yet, is replaced so: `-` means standard
/// output, and anything else that exists and is not a regular file (a device such as
/// `/dev/null`, a FIFO) is written to directly and never replaced (see [`write_atomic_with`]).
///
/// Each of its five steps (create, write, fsync, rename, fsync of the folder) is a *write
/// point*, where the testing hook [`fault`] can kill the process or fail with an I/O error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| {
        f.write_all(bytes)
            .map_err(|e| Error::io("cannot write", path, e))
    })
}

/// Writes `path` as `write` fills it, atomically as [`write_atomic`] does (for output too large
/// to hold in memory); `-`, a device or a FIFO is written to directly. If `write` fails, the
/// temporary file is removed and its error returned.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io("cannot write", path, e);
    if let Some(mut out) = special_target(path)? {
        write(&mut out)?;
        return out.flush().map_err(io);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::bad_file(path, "not a file name"))?
        .to_string_lossy();
    if !dir.is_dir() {
        return Err(Error::bad_file(
            path,
            format!(
                "cannot be written: the folder {} does not exist",
                dir.display()
            ),
        ));
    }
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        fault::point("create", path).map_err(io)?;
        let mut f = std::io::BufWriter::new(fs::File::create(&tmp).map_err(io)?);
        fault::point("write", path).map_err(io)?;
        write(&mut f)?;
        let f = f.into_inner().map_err(|e| io(e.into_error()))?;
        fault::point("fsync", path).map_err(io)?;
        f.sync_all().map_err(io)?;
        fault::point("rename", path).map_err(io)?;
        fs::rename(&tmp, path).map_err(io)?;
        // Make the rename itself durable; not every platform can open a folder, so best effort.
        if fault::point("fsync-dir", path).is_ok() {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The name of the figure a live view saves at `step` (the `s` key): `live_step_01000.png`.
pub fn live_figure(step: usize) -> String {
    format!("live_{}", step_figure(step))
}

/// True for a name [`live_figure`] gives.
pub fn is_live_figure(name: &str) -> bool {
    name.strip_prefix("live_").is_some_and(is_step_figure)
}

/// The name of the step figure at `step`: `step_00000.png`, `step_01000.png`, …
pub fn step_figure(step: usize) -> String {
    format!("step_{step:05}.png")
}

/// True for a name [`step_figure`] gives.
pub fn is_step_figure(name: &str) -> bool {
    name.strip_prefix("step_")
        .and_then(|n| n.strip_suffix(".png"))
        .is_some_and(|n| n.len() >= 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The step of a name [`step_figure`] gives, `None` for any other name.
pub fn figure_step(name: &str) -> Option<usize> {
    is_step_figure(name).then(|| name["step_".len()..name.len() - ".png".len()].parse().ok())?
}

/// The step figures in `dir` of the steps before `steps`, in step order, with their paths.
pub fn step_figures(dir: &Path, steps: usize) -> Result<Vec<(usize, PathBuf)>> {
    let read_dir = |e| Error::io("cannot list", dir, e);
    let mut figures = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_dir)? {
        let name = entry.map_err(read_dir)?.file_name();
        let Some(name) = name.to_str() else { continue };
        match figure_step(name) {
            Some(step) if step < steps => figures.push((step, dir.join(name))),
            _ => {}
        }
    }
    figures.sort();
    Ok(figures)
}

/// True for the name of a temporary file of [`write_atomic`], `.NAME.tmp-PID`: one a killed
/// process left behind.
pub fn is_temporary(name: &str) -> bool {
    match name.strip_prefix('.').and_then(|n| n.rsplit_once(".tmp-")) {
        Some((target, pid)) => {
            !target.is_empty() && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Where a write to `path` goes straight, without a temporary file and a rename: standard
/// output for `-`, and an existing path that is not a regular file (a device, a FIFO: renaming
/// over one would replace it with a regular file). `None` for a regular file or a new path.
fn special_target(path: &Path) -> Result<Option<Box<dyn Write>>> {
    if path == Path::new("-") {
        return Ok(Some(Box::new(std::io::stdout().lock())));
    }
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(Error::bad_file(path, "is a folder, not a file")),
        Ok(m) if !m.is_file() => {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io("cannot write", path, e))?;
            Ok(Some(Box::new(f)))
        }
        _ => Ok(None),
    }
}

/// A testing hook, off unless the environment variable `CURVEGAN_FAULT` is set: it numbers
/// the write points of [`write_atomic`] in the process (1, 2, …) and injects a fault at one.
///
/// - `CURVEGAN_FAULT=count`: prints `curvegan-fault: write point N: STEP PATH` to stderr at
///   every write point, and injects nothing;
/// - `CURVEGAN_FAULT=write:N:kill`: at the N-th write point, exits at once with code 137 (as
///   SIGKILL would: no cleanup, temporary files left as they are);
/// - `CURVEGAN_FAULT=write:N:eio`: the N-th write point fails with an I/O error (at the
///   folder's fsync, which is best effort, the error is ignored as a real one would be).
///
/// The CLI tests (`tests/cli/faults.rs`) use it to kill or fail a small run at every one of its
/// write points in turn, then check that it recovers exactly.
pub mod fault {
    use std::io;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    /// The environment variable read.
    pub const VAR: &str = "CURVEGAN_FAULT";

    /// What to inject where; read once per process.
    enum Plan {
        Off,
        Count,
        Kill(usize),
        Eio(usize),
        Malformed(String),
    }

    fn plan() -> &'static Plan {
        static PLAN: OnceLock<Plan> = OnceLock::new();
        PLAN.get_or_init(|| {
            let Ok(v) = std::env::var(VAR) else {
                return Plan::Off;
            };
            let parts: Vec<&str> = v.split(':').collect();
            match parts[..] {
                ["count"] => Plan::Count,
                ["write", n, kind] => match (n.parse::<usize>(), kind) {
                    (Ok(n), "kill") => Plan::Kill(n),
                    (Ok(n), "eio") => Plan::Eio(n),
                    _ => Plan::Malformed(v),
                },
                _ => Plan::Malformed(v),
            }
        })
    }

    /// One write point: `step` of the write of `path`.
    pub(super) fn point(step: &str, path: &Path) -> io::Result<()> {
        static POINTS: AtomicUsize = AtomicUsize::new(0);
        let plan = plan();
        if let Plan::Off = plan {
            return Ok(());
        }
        let n = POINTS.fetch_add(1, Ordering::SeqCst) + 1;
        let at = || format!("write point {n}: {step} {}", path.display());
        match *plan {
            Plan::Count => eprintln!("curvegan-fault: {}", at()),
            Plan::Kill(k) if k == n => {
                eprintln!("curvegan-fault: killed at {}", at());
                std::process::exit(137);
            }
            Plan::Eio(k) if k == n => {
                return Err(io::Error::other(format!("injected I/O error at {}", at())));
            }
            Plan::Malformed(ref v) => {
                return Err(io::Error::other(format!(
                    "{VAR}='{v}' is not 'count', 'write:N:kill' or 'write:N:eio'"
                )));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Reads every tensor of a safetensors file; each must be f32.
pub fn read_tensors(path: &Path) -> Result<BTreeMap<String, Tensor>> {
    read_tensors_at_most(path, MAX_TENSOR_FILE)
}

/// The largest safetensors file curvegan reads: a header of at most 100 MB (the format's own
/// limit) and [`MAX_BYTES`] of data, the most a run may hold.
pub const MAX_TENSOR_FILE: u64 = 8 + 100_000_000 + MAX_BYTES;

/// [`read_tensors`] of a file that can hold at most `limit` bytes.
fn read_tensors_at_most(path: &Path, limit: u64) -> Result<BTreeMap<String, Tensor>> {
    let bytes = read_at_most(path, limit)?;
    tensors_from_bytes(&bytes).map_err(|m| Error::bad_file(path, m))
}

/// Reads the run folder's file `path` whole, but refuses a file of more than `limit` bytes
/// before holding it, and anything that is not a regular file (a FIFO, a device such as
/// `/dev/zero`: curvegan writes regular files) at once, without waiting for a FIFO's writer
/// ([`input::read_regular`]).
pub fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>> {
    input::read_regular(path, limit)
}

/// Saves an MLP's state dict (keys `0.weight`, `0.bias`, …) atomically.
pub fn save_mlp(path: &Path, mlp: &Mlp) -> Result<()> {
    write_atomic(path, &tensors_to_bytes(mlp_tensors(mlp, ""))?)
}

/// Loads an MLP of shape `spec` from a state-dict safetensors file.
pub fn load_mlp(path: &Path, spec: &MlpSpec) -> Result<Mlp> {
    // The weights of `spec` in f32, and a header of at most 100 MB.
    let data = (spec.num_params() as u64).saturating_mul(4);
    let limit = data.saturating_add(8 + 100_000_000);
    mlp_from_tensors(spec, &read_tensors_at_most(path, limit)?, "", path)
}
