//! Files: atomic writes and safetensors weights that PyTorch loads unchanged.
//!
//! Every file curvegan writes goes through [`write_atomic`]: the bytes go to a temporary file
//! in the same folder, which is flushed to disk (`fsync`) and then renamed over the target, so a
//! reader — or a crash — sees either the old file or the new one, never half of one.
//!
//! Weights are saved as safetensors with `nn.Sequential` state-dict names (`0.weight`,
//! `0.bias`, `2.weight`, …), f32, PyTorch layout `[out, in]`, so that in PyTorch
//! `net.load_state_dict(safetensors.torch.load_file(path))` works as it is.

use std::collections::BTreeMap;
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

/// The first `runs/train-NNNN` under `root` that does not exist yet.
pub fn next_run_dir(root: &Path) -> PathBuf {
    (1..)
        .map(|i| root.join(format!("train-{i:04}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| root.join("train"))
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::bad_file(path, "not a file name"))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; not every platform can open a folder, so best effort.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io("cannot write", path, e)
    })
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
