//! Files: run folder names, atomic writes, CSV text and safetensors weights that PyTorch loads
//! unchanged.
//!
//! Every file curvegan writes goes through [`write_atomic`]: the bytes go to a temporary file
//! in the same folder, which is flushed to disk (`fsync`) and then renamed over the target, so a
//! reader — or a crash — sees either the old file or the new one, never half of one.
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
/// The generator's weights.
pub const GENERATOR: &str = "generator.safetensors";
/// The discriminator's weights.
pub const DISCRIMINATOR: &str = "discriminator.safetensors";
/// The loss curves.
pub const LOSSES: &str = "losses.png";
/// The folder of the best evaluation so far (with `keep_best`).
pub const BEST_DIR: &str = "best";
/// In [`BEST_DIR`]: which metric, its value and the step.
pub const BEST: &str = "best.json";
/// The checkpoint: weights, optimizer states, RNG state, step (see [`crate::run::checkpoint`]).
pub const CHECKPOINT: &str = "checkpoint.safetensors";

/// The folder new runs go into when no `--out` is given.
pub const RUNS: &str = "runs";
/// In a sweep's folder: one row per seed.
pub const SWEEP_CSV: &str = "sweep.csv";
/// In a benchmark's folder: one row per trial.
pub const BENCH_CSV: &str = "bench.csv";
/// In a benchmark's folder: the published rows and ours, as Markdown.
pub const BENCH_TABLE: &str = "table.md";

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
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| {
        f.write_all(bytes)
            .map_err(|e| Error::io("cannot write", path, e))
    })
}

/// Writes `path` atomically as `write` fills it, for output too large to hold in memory; if
/// `write` fails, the temporary file is removed and its error returned.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::bad_file(path, "not a file name"))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let file = fs::File::create(&tmp).map_err(|e| Error::io("cannot write", path, e))?;
    let mut f = std::io::BufWriter::new(file);
    let result = write(&mut f).and_then(|()| {
        (|| {
            let f = f.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            fs::rename(&tmp, path)?;
            // Make the rename itself durable; not every platform can open a folder, so best
            // effort.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })()
        .map_err(|e| Error::io("cannot write", path, e))
    });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads every tensor of a safetensors file; each must be f32.
pub fn read_tensors(path: &Path) -> Result<BTreeMap<String, Tensor>> {
    let bytes = fs::read(path).map_err(|e| Error::io("cannot read", path, e))?;
    tensors_from_bytes(&bytes).map_err(|m| Error::bad_file(path, m))
}

/// Saves an MLP's state dict (keys `0.weight`, `0.bias`, …) atomically.
pub fn save_mlp(path: &Path, mlp: &Mlp) -> Result<()> {
    write_atomic(path, &tensors_to_bytes(mlp_tensors(mlp, ""))?)
}

/// Loads an MLP of shape `spec` from a state-dict safetensors file.
pub fn load_mlp(path: &Path, spec: &MlpSpec) -> Result<Mlp> {
    mlp_from_tensors(spec, &read_tensors(path)?, "", path)
}
