//! Checkpoints: everything a run needs to continue exactly where it stopped.
//!
//! The nets' tensors are [`crate::run::store::weights`]'s ([`Nets::checkpoint_tensors`],
//! [`weights::nets_from_checkpoint`]); this module adds the optimizers, the step, the random
//! stream, the config and the metrics' length and checksum.
//!
//! One safetensors file, `checkpoint.safetensors`, written atomically, holds
//!
//! | tensor | shape | content |
//! |---|---|---|
//! | `G.0.weight`, `G.0.bias`, … | PyTorch's | the generator's state dict (with batch normalisation: `G.1.running_mean`, `G.1.running_var`, `G.1.num_batches_tracked` (I64), …) |
//! | `D.0.weight`, … | PyTorch's | the discriminator's state dict (with `--spectral-norm`: `D.0.bias`, `D.0.weight_orig`, `D.0.weight_u`, `D.0.weight_v`, …, as `spectral_norm`'s) |
//! | `G_ema.0.weight`, … | PyTorch's | the moving average of G's weights (only with `g_ema`) |
//! | `opt.G.exp_avg`, `opt.G.sq_avg` | `[params of G]` | G's optimizer moments (Adam's `exp_avg`, `exp_avg_sq`; RMSprop has only `sq_avg`) |
//! | `opt.D.exp_avg`, `opt.D.sq_avg` | `[params of D]` | D's |
//! | `scaler.shift`, `scaler.scale` | `[d]` | a scaled data set's scaler ([`crate::data::scale`]; only then) |
//!
//! and, as string metadata, the step, both optimizers' step counters, the state of the training random
//! number generator (seed, stream and position, so the next draw is the one an uninterrupted
//! run would make), the run's config as TOML, and `metrics.bytes` and `metrics.crc32`: the
//! length and CRC-32 of `metrics.csv` as it was when the checkpoint was written. The metrics
//! rows themselves stay in `metrics.csv` (written atomically just before the checkpoint), so a
//! checkpoint's size does not grow with the steps. On resume `metrics.csv` is cut to
//! `metrics.bytes` (a crash between the two writes leaves rows of later steps, which are
//! dropped) and must match `metrics.crc32`. The file's own checksum (`crc32`, see
//! [`crate::nn::state_dict`]) covers the tensors and all of this metadata.
//!
//! Format `curvegan-checkpoint-2`. Checkpoints of format `curvegan-checkpoint-1` (older
//! versions) held the metrics rows in the metadata (`metrics`) and no checksum; they still load.
//!
//! Everything loaded is checked before use: the weights as [`crate::nn::state_dict`] checks
//! them (finite, within ±1e6), the optimizer moments finite, the second moments (Adam's
//! `exp_avg_sq`, RMSprop's `square_avg`) non-negative; errors name the file and the tensor.
//!
//! A run without `generator.safetensors` (stopped or running) is sampled from its checkpoint:
//! [`load_run_generator`] picks the file, read without the run's lock and never written, and
//! [`weights::generator_from_checkpoint`] turns its tensors into the generator.

use std::collections::BTreeMap;
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use safetensors::SafeTensors;

use crate::data::scale::Scaler;
use crate::error::{Error, Result};
use crate::nn::mlp::{Mlp, MlpSpec};
use crate::nn::optim::Optimizer;
use crate::nn::state_dict::{tensors_from_bytes, tensors_to_bytes_with_metadata, Tensor};
use crate::run::store::files::{self, write_atomic, Dir};
use crate::run::store::weights::{self, take_scaler, Nets};

/// Format tag stored in the metadata.
const FORMAT: &str = "curvegan-checkpoint-2";
/// The format of older versions, still read: the metrics rows in the metadata, no checksum.
const FORMAT_1: &str = "curvegan-checkpoint-1";

/// The checksum of `metrics.csv`'s text, as stored in `metrics.crc32`: 8 hex digits.
pub fn metrics_checksum(text: &[u8]) -> String {
    format!("{:08x}", crc32fast::hash(text))
}

/// Where a checkpoint's metrics rows are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Metrics {
    /// Format 1: the rows (CSV lines without the header) in the checkpoint itself.
    Inline(String),
    /// Format 2: the first `bytes` bytes of `metrics.csv`, with this CRC-32
    /// ([`metrics_checksum`]).
    InFile {
        /// Length of `metrics.csv`'s text at the checkpoint.
        bytes: usize,
        /// Its CRC-32, 8 hex digits.
        crc32: String,
    },
}

/// The RNG state as written before it went through `rand_chacha`'s serde support:
/// `HEXKEY:STREAM:WORD_POS` (64 hex digits, then two decimal numbers). Still read, so that
/// checkpoints of older runs resume.
fn decode_legacy_rng(s: &str) -> Option<ChaCha8Rng> {
    let mut parts = s.split(':');
    let hex = parts.next()?;
    if hex.len() != 64 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let stream = parts.next()?.parse().ok()?;
    let word_pos = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    let mut rng = ChaCha8Rng::from_seed(seed);
    rng.set_stream(stream);
    rng.set_word_pos(word_pos);
    Some(rng)
}

/// Everything saved at a checkpoint.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// Steps completed.
    pub step: usize,
    /// The networks' tensors, keyed `G.*`, `D.*` (and `G_ema.*` with an average of G).
    pub weights: BTreeMap<String, Tensor>,
    /// G's optimizer: (step counter, exp_avg, sq_avg).
    pub opt_g: (u64, Vec<f32>, Vec<f32>),
    /// D's optimizer: (step counter, exp_avg, sq_avg).
    pub opt_d: (u64, Vec<f32>, Vec<f32>),
    /// The training RNG, at exactly the position where the run stopped.
    pub rng: ChaCha8Rng,
    /// The run's config, as TOML.
    pub config: String,
    /// The metrics rows so far, or where to find them.
    pub metrics: Metrics,
    /// A scaled data set's scaler, as the run fitted it.
    pub scaler: Option<Scaler>,
}

/// What [`save`] writes: borrowed views of the live training state.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointRef<'a> {
    /// Steps completed.
    pub step: usize,
    /// The networks (G, D, G's moving average) and the data's scaler.
    pub nets: Nets<'a>,
    /// G's optimizer.
    pub opt_g: &'a Optimizer,
    /// D's optimizer.
    pub opt_d: &'a Optimizer,
    /// The training RNG.
    pub rng: &'a ChaCha8Rng,
    /// The run's config, as TOML.
    pub config: &'a str,
    /// `metrics.csv`'s text as just written (its length and checksum are stored).
    pub metrics_csv: &'a str,
}

/// Writes a checkpoint atomically to `path`.
pub fn save(path: &Path, c: &CheckpointRef) -> Result<()> {
    write_atomic(path, &to_bytes(c)?)
}

/// Writes a checkpoint atomically to `checkpoint.safetensors` in the run folder `dir`.
pub fn save_in(dir: &Dir, c: &CheckpointRef) -> Result<()> {
    dir.write(files::CHECKPOINT, &to_bytes(c)?)
}

/// The bytes of a checkpoint file.
fn to_bytes(c: &CheckpointRef) -> Result<Vec<u8>> {
    let mut tensors = c.nets.checkpoint_tensors();
    let (g_step, g_m, g_v) = c.opt_g.state();
    let (d_step, d_m, d_v) = c.opt_d.state();
    for (name, data) in [
        ("opt.G.exp_avg", g_m),
        ("opt.G.sq_avg", g_v),
        ("opt.D.exp_avg", d_m),
        ("opt.D.sq_avg", d_v),
    ] {
        if !data.is_empty() {
            tensors.push((name.to_string(), vec![data.len()], data.into()));
        }
    }
    let metadata = BTreeMap::from([
        ("format".to_string(), FORMAT.to_string()),
        ("step".to_string(), c.step.to_string()),
        ("opt.G.step".to_string(), g_step.to_string()),
        ("opt.D.step".to_string(), d_step.to_string()),
        (
            "rng".to_string(),
            serde_json::to_string(c.rng)
                .map_err(|e| Error::Serialize(format!("the RNG state: {e}")))?,
        ),
        ("config".to_string(), c.config.to_string()),
        ("metrics.bytes".to_string(), c.metrics_csv.len().to_string()),
        (
            "metrics.crc32".to_string(),
            metrics_checksum(c.metrics_csv.as_bytes()),
        ),
    ]);
    tensors_to_bytes_with_metadata(tensors, metadata)
}

/// Reads a checkpoint, checking that every part is present and well formed.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let bytes = files::read_at_most(path, weights::MAX_TENSOR_FILE)?;
    from_bytes(&bytes, path)
}

/// [`load`] of `checkpoint.safetensors` in the run folder `dir`.
pub fn load_in(dir: &Dir) -> Result<Checkpoint> {
    let bytes = dir.read_at_most(files::CHECKPOINT, weights::MAX_TENSOR_FILE)?;
    from_bytes(&bytes, &dir.path(files::CHECKPOINT))
}

/// The checkpoint in `bytes`, read from `path`.
fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint> {
    let bad = |m: String| Error::bad_file(path, m);
    let (_, meta) = SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
    let meta = meta
        .metadata()
        .clone()
        .ok_or_else(|| bad("no checkpoint metadata".into()))?;
    let get = |k: &str| {
        meta.get(k)
            .cloned()
            .ok_or_else(|| bad(format!("checkpoint metadata lacks '{k}'")))
    };
    let format = get("format")?;
    if format != FORMAT && format != FORMAT_1 {
        return Err(bad(format!(
            "unknown checkpoint format '{format}', expected '{FORMAT}'"
        )));
    }
    let num = |k: &str| -> Result<u64> {
        let v = get(k)?;
        v.parse()
            .map_err(|_| bad(format!("checkpoint '{k}' is not a number: '{v}'")))
    };
    let rng = |k: &str| -> Result<ChaCha8Rng> {
        let v = get(k)?;
        serde_json::from_str(&v)
            .ok()
            .or_else(|| decode_legacy_rng(&v))
            .ok_or_else(|| bad(format!("checkpoint '{k}' is malformed: '{v}'")))
    };
    let mut tensors = tensors_from_bytes(bytes).map_err(bad)?;
    let scaler = take_scaler(&mut tensors, path)?;
    let mut take = |k: &str| tensors.remove(k).map(|t| t.data).unwrap_or_default();
    let opt_g = (
        num("opt.G.step")?,
        take("opt.G.exp_avg"),
        take("opt.G.sq_avg"),
    );
    let opt_d = (
        num("opt.D.step")?,
        take("opt.D.exp_avg"),
        take("opt.D.sq_avg"),
    );
    for (net, (_, m, v)) in [("G", &opt_g), ("D", &opt_d)] {
        let which = [("exp_avg", m, false), ("sq_avg", v, true)];
        for (name, values, non_negative) in which {
            if let Some(x) = values
                .iter()
                .find(|x| !x.is_finite() || (non_negative && **x < 0.0))
            {
                return Err(bad(format!(
                    "tensor 'opt.{net}.{name}' holds {x}, which {}",
                    if non_negative {
                        "a second moment cannot be (it must be finite and ≥ 0)"
                    } else {
                        "is not finite"
                    }
                )));
            }
        }
    }
    let metrics = if format == FORMAT_1 {
        Metrics::Inline(get("metrics")?)
    } else {
        Metrics::InFile {
            bytes: num("metrics.bytes")? as usize,
            crc32: get("metrics.crc32")?,
        }
    };
    Ok(Checkpoint {
        step: num("step")? as usize,
        weights: tensors,
        opt_g,
        opt_d,
        rng: rng("rng")?,
        scaler,
        config: get("config")?,
        metrics,
    })
}

/// Refuses a run folder `run` that holds no weights to sample: neither `generator.safetensors`
/// (unless `step` asks for a checkpoint) nor `checkpoint.safetensors`; `option` names the
/// folder. Checked before anything is read, so that an empty folder says what it lacks.
pub fn check_has_weights(run: &Path, step: Option<usize>, option: &str) -> Result<()> {
    // Present in any form: a device, a FIFO or a link in a weights file's place is read (and
    // refused by the read's checks), never passed over for another file.
    let has = |name: &str| std::fs::symlink_metadata(run.join(name)).is_ok();
    let what = match step {
        _ if has(files::CHECKPOINT) => return Ok(()),
        None if has(files::GENERATOR) => return Ok(()),
        Some(_) => format!("{} has no {}", run.display(), files::CHECKPOINT),
        None => format!(
            "{} has neither {} nor {} (has training begun?)",
            run.display(),
            files::GENERATOR,
            files::CHECKPOINT
        ),
    };
    Err(Error::config(option, what))
}

/// Which file of a run its sampling generator was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `generator.safetensors`: a finished run's (or its `best/`).
    Final,
    /// `checkpoint.safetensors`, written after this many steps: a stopped or running run's, or
    /// the one asked for by its step.
    Checkpoint(usize),
}

/// The sampling generator of the run folder `run` (of shape `spec`, samples of `dim` values, G's
/// moving average when `ema`) and where it was read from. Without `step`: `generator.safetensors`
/// if the run has one (in any form: a file that is not a regular one is refused, not passed
/// over), else its last checkpoint. With `step`: the checkpoint written after
/// that many steps, which must be the one the run keeps (a run keeps only its latest; the error
/// names its step). The checkpoint is read through the folder without taking the run's lock, so
/// a running run is read as it goes (its files are replaced atomically) and never written.
/// A step the run does not keep is refused naming `step`; call [`check_has_weights`] first.
pub fn load_run_generator(
    run: &Path,
    step: Option<usize>,
    (spec, dim, ema): (&MlpSpec, usize, bool),
) -> Result<(Mlp, Option<Scaler>, Source)> {
    let finished = run.join(files::GENERATOR);
    if step.is_none() && std::fs::symlink_metadata(&finished).is_ok() {
        let (mlp, scaler) = weights::load_generator(&finished, spec, dim)?;
        return Ok((mlp, scaler, Source::Final));
    }
    let dir = Dir::open(run)?;
    let ckpt = load_in(&dir)?;
    if let Some(n) = step.filter(|n| *n != ckpt.step) {
        return Err(Error::config(
            "step",
            format!(
                "{} has no checkpoint at step {n}: it keeps only its latest, at step {} (`checkpoint_every` overwrites it)",
                run.display(),
                ckpt.step
            ),
        ));
    }
    let path = dir.path(files::CHECKPOINT);
    let (mlp, scaler) =
        weights::generator_from_checkpoint((&ckpt.weights, &ckpt.scaler), spec, dim, ema, &path)?;
    Ok((mlp, scaler, Source::Checkpoint(ckpt.step)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn rng_state_round_trips_mid_buffer() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        rng.set_stream(3);
        for _ in 0..37 {
            rng.next_u32();
        }
        let text = serde_json::to_string(&rng).unwrap();
        let mut restored: ChaCha8Rng = serde_json::from_str(&text).unwrap();
        for _ in 0..100 {
            assert_eq!(restored.next_u64(), rng.next_u64());
        }
    }

    /// Checkpoints written before the serde codec keep resuming at the same position.
    #[test]
    fn legacy_rng_state_is_read() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        rng.set_stream(3);
        for _ in 0..37 {
            rng.next_u32();
        }
        let hex: String = rng.get_seed().iter().map(|b| format!("{b:02x}")).collect();
        let legacy = format!("{hex}:{}:{}", rng.get_stream(), rng.get_word_pos());
        let mut restored = decode_legacy_rng(&legacy).unwrap();
        for _ in 0..100 {
            assert_eq!(restored.next_u64(), rng.next_u64());
        }
    }

    #[test]
    fn malformed_legacy_rng_state_is_rejected() {
        for s in [
            "",
            "zz:1:2",
            &format!("{}:1", "0".repeat(64)),
            &format!("{}:x:2", "0".repeat(64)),
            &format!("{}:1:2:3", "0".repeat(64)),
        ] {
            assert!(decode_legacy_rng(s).is_none(), "{s}");
        }
    }
}
