//! Weights ↔ safetensors: the one place where a run's nets become the tensors and bytes of its
//! files, and where those files become nets again.
//!
//! | file | tensors |
//! |---|---|
//! | `generator.safetensors`, `best/generator.safetensors` | the sampling generator's state dict (G's moving average with `g_ema`, else G), and a scaled data set's `scaler.shift`, `scaler.scale` (`[d]` each) |
//! | `discriminator.safetensors`, `best/discriminator.safetensors` | D's state dict (with `spectral_norm`: `spectral_norm`'s `i.bias`, `i.weight_orig`, `i.weight_u`, `i.weight_v`) |
//! | `checkpoint.safetensors` | `G.…`, `D.…`, `G_ema.…` (with `g_ema`), the scaler (see [`crate::run::store::checkpoint`] for the rest) |
//!
//! A run's sampling generator is read from `generator.safetensors` once the run is finished,
//! else from its last checkpoint (a stopped or running run: `G_ema.…`, else `G.…`, and the
//! scaler, as the finished files would hold them), read without the run's lock and never
//! written ([`crate::run::store::checkpoint::load_run_generator`]).
//!
//! A net's own names (`0.weight`, `1.running_mean`, …) and the safetensors format are the
//! engine's ([`crate::nn::state_dict`], [`crate::nn::spectral`]); which nets go in which file,
//! under which prefix, is this module's. It sees the nets as plain data ([`Nets`]), never a
//! trainer.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::MAX_BYTES;
use crate::data::scale::{Scaler, SCALE, SHIFT};
use crate::error::{Error, Result};
use crate::gan::step::Gan;
use crate::nn::mlp::{Mlp, MlpSpec};
use crate::nn::spectral;
use crate::nn::state_dict::{
    check_values, mlp_from_tensors, mlp_tensors, tensors_from_bytes, tensors_to_bytes, Tensor,
    Values,
};
use crate::run::store::files::{read_at_most, write_atomic};

/// A named tensor to write: name, shape, values.
pub type Named<'a> = (String, Vec<usize>, Values<'a>);

/// The prefix of G's tensors in a checkpoint.
pub const G: &str = "G.";
/// The prefix of D's tensors in a checkpoint.
pub const D: &str = "D.";
/// The prefix of the tensors of G's moving average in a checkpoint.
pub const G_EMA: &str = "G_ema.";

/// A run's nets, as the files hold them: borrowed views of a trainer's state.
#[derive(Debug, Clone, Copy)]
pub struct Nets<'a> {
    /// G and D (with D's spectral normalisation, if any).
    pub gan: &'a Gan,
    /// The moving average of G's weights, if the run keeps one.
    pub g_ema: Option<&'a Mlp>,
    /// A scaled data set's scaler (none for an identity).
    pub scaler: Option<&'a Scaler>,
}

impl<'a> Nets<'a> {
    /// The generator that is saved as `generator.safetensors`: G's moving average when there is
    /// one, else G.
    pub fn sampling_generator(&self) -> &'a Mlp {
        self.g_ema.unwrap_or(&self.gan.generator)
    }

    /// The tensors of `generator.safetensors`: the sampling generator's state dict and the
    /// scaler, which brings G's output to the data's units.
    pub fn generator_tensors(&self) -> Vec<Named<'a>> {
        let mut tensors = mlp_tensors(self.sampling_generator(), "");
        if let Some(scaler) = self.scaler {
            tensors.extend(scaler_tensors(scaler));
        }
        tensors
    }

    /// The bytes of `generator.safetensors`.
    pub fn generator_bytes(&self) -> Result<Vec<u8>> {
        tensors_to_bytes(self.generator_tensors())
    }

    /// The bytes of `discriminator.safetensors`.
    pub fn discriminator_bytes(&self) -> Result<Vec<u8>> {
        tensors_to_bytes(discriminator_tensors(self.gan, ""))
    }

    /// Each net's state dict without prefix, in state-dict order: `G`, `D`, then `G_ema`.
    fn by_net(&self) -> Vec<(&'static str, Vec<Named<'a>>)> {
        let mut nets = vec![
            ("G", mlp_tensors(&self.gan.generator, "")),
            ("D", discriminator_tensors(self.gan, "")),
        ];
        if let Some(ema) = self.g_ema {
            nets.push(("G_ema", mlp_tensors(ema, "")));
        }
        nets
    }

    /// The nets' tensors of `checkpoint.safetensors`: `G.…`, `D.…`, `G_ema.…` and the scaler.
    pub fn checkpoint_tensors(&self) -> Vec<Named<'a>> {
        let mut tensors: Vec<Named<'a>> = (self.by_net().into_iter())
            .flat_map(|(net, tensors)| {
                (tensors.into_iter())
                    .map(move |(name, shape, v)| (format!("{net}.{name}"), shape, v))
            })
            .collect();
        if let Some(scaler) = self.scaler {
            tensors.extend(scaler_tensors(scaler));
        }
        tensors
    }

    /// The first tensor, in state-dict order (G, D, then G's average), whose values a load
    /// would refuse ([`check_values`]: not finite, beyond ±1e6): the net (`"G"`, `"D"`,
    /// `"G_ema"`) and the message naming the tensor; `None` if every one loads.
    pub fn first_refused(&self) -> Option<(&'static str, String)> {
        for (net, tensors) in self.by_net() {
            // Every f32 tensor: weights and batch normalisation's running statistics.
            for (name, _, data) in tensors {
                let Values::F32(data) = data else { continue };
                if let Err(m) = check_values(&format!("{net}.{name}"), data) {
                    return Some((net, m));
                }
            }
        }
        None
    }
}

/// D's state-dict tensors under PyTorch's names, prefixed with `prefix`: `i.weight`,
/// `i.bias`, or with spectral normalisation `spectral_norm`'s `i.bias`, `i.weight_orig`,
/// `i.weight_u`, `i.weight_v`.
pub fn discriminator_tensors<'a>(gan: &'a Gan, prefix: &str) -> Vec<Named<'a>> {
    match &gan.spectral {
        Some(sn) => (sn.tensors(prefix).into_iter())
            .map(|(name, shape, v)| (name, shape, v.into()))
            .collect(),
        None => mlp_tensors(&gan.discriminator, prefix),
    }
}

/// A scaler's tensors, `scaler.shift` and `scaler.scale` (`[d]` each), as `generator.safetensors`
/// and the checkpoint hold them.
pub fn scaler_tensors(scaler: &Scaler) -> Vec<Named<'_>> {
    vec![
        (
            SHIFT.to_string(),
            vec![scaler.dim()],
            Values::F32(scaler.shift()),
        ),
        (
            SCALE.to_string(),
            vec![scaler.dim()],
            Values::F32(scaler.scale()),
        ),
    ]
}

/// Takes the scaler out of `tensors` (`None` if it holds neither tensor); both present, of one
/// length, finite, the scales positive, or an error naming `path`.
pub fn take_scaler(tensors: &mut BTreeMap<String, Tensor>, path: &Path) -> Result<Option<Scaler>> {
    match (tensors.remove(SHIFT), tensors.remove(SCALE)) {
        (None, None) => Ok(None),
        (Some(shift), Some(scale)) => Scaler::from_parts(shift.data, scale.data)
            .map(Some)
            .ok_or_else(|| {
                Error::bad_file(
                    path,
                    format!("'{SHIFT}' and '{SCALE}' are not a scaler: one length, finite values, positive scales"),
                )
            }),
        _ => Err(Error::bad_file(
            path,
            format!("holds one of '{SHIFT}' and '{SCALE}' without the other"),
        )),
    }
}

/// The nets of a checkpoint's `tensors`, read from `path` (named in errors): G of shape
/// `g_spec`, D of shape `d_spec` (with its spectral normalisation when `spectral_norm`), and G's
/// moving average when `ema`. Loaded in the order G's average, G, D, each checked as
/// [`mlp_from_tensors`] checks.
pub fn nets_from_checkpoint(
    tensors: &BTreeMap<String, Tensor>,
    (g_spec, d_spec): (&MlpSpec, &MlpSpec),
    spectral_norm: bool,
    ema: bool,
    path: &Path,
) -> Result<(Gan, Option<Mlp>)> {
    let g_ema = match ema {
        true => Some(mlp_from_tensors(g_spec, tensors, G_EMA, path)?),
        false => None,
    };
    let generator = mlp_from_tensors(g_spec, tensors, G, path)?;
    let gan = if spectral_norm {
        let (discriminator, sn) = spectral::from_tensors(d_spec, tensors, D, path)?;
        Gan {
            generator,
            discriminator,
            spectral: Some(sn),
        }
    } else {
        Gan::new(generator, mlp_from_tensors(d_spec, tensors, D, path)?)
    };
    Ok((gan, g_ema))
}

/// Loads `generator.safetensors` at `path`: a generator of shape `spec` and its scaler, which
/// must be of the samples' `dim` values. Refuses a file larger than those weights, the scaler
/// and a header of at most 100 MB.
pub fn load_generator(path: &Path, spec: &MlpSpec, dim: usize) -> Result<(Mlp, Option<Scaler>)> {
    // The weights of that shape, with the scaler's 2·dim and a smooth basis's matrix.
    let basis = spec.basis.map_or(0, |b| b.inputs() * b.outputs()) as u64;
    let data = (spec.num_params() as u64 + 2 * dim as u64 + basis).saturating_mul(4);
    let mut tensors = read_tensors_at_most(path, data.saturating_add(8 + 100_000_000))?;
    let scaler = take_scaler(&mut tensors, path)?;
    check_scaler_dim(&scaler, dim, path)?;
    Ok((mlp_from_tensors(spec, &tensors, "", path)?, scaler))
}

/// Refuses a scaler that is not of the samples' `dim` values, naming `path`.
fn check_scaler_dim(scaler: &Option<Scaler>, dim: usize, path: &Path) -> Result<()> {
    match scaler.as_ref().is_some_and(|s| s.dim() != dim) {
        true => Err(Error::bad_file(
            path,
            format!("its scaler is not of the samples' {dim} values"),
        )),
        false => Ok(()),
    }
}

/// The sampling generator of a checkpoint's weights and scaler, read from `path`, as `generator.safetensors` would
/// hold it at that step: G's moving average (`G_ema.…`) when `ema`, else G (`G.…`), of shape
/// `spec`, and the scaler, which must be of the samples' `dim` values.
pub fn generator_from_checkpoint(
    (weights, scaler): (&BTreeMap<String, Tensor>, &Option<Scaler>),
    spec: &MlpSpec,
    dim: usize,
    ema: bool,
    path: &Path,
) -> Result<(Mlp, Option<Scaler>)> {
    check_scaler_dim(scaler, dim, path)?;
    let prefix = if ema { G_EMA } else { G };
    let mlp = mlp_from_tensors(spec, weights, prefix, path)?;
    Ok((mlp, scaler.clone()))
}

/// Reads every tensor of a safetensors file; each must be f32 or i64.
pub fn read_tensors(path: &Path) -> Result<BTreeMap<String, Tensor>> {
    read_tensors_at_most(path, MAX_TENSOR_FILE)
}

/// The largest safetensors file curvegan reads: a header of at most 100 MB (the format's own
/// limit) and [`MAX_BYTES`] of data, the most a run may hold.
pub const MAX_TENSOR_FILE: u64 = 8 + 100_000_000 + MAX_BYTES;

/// [`read_tensors`] of a file that can hold at most `limit` bytes.
pub fn read_tensors_at_most(path: &Path, limit: u64) -> Result<BTreeMap<String, Tensor>> {
    let bytes = read_at_most(path, limit)?;
    tensors_from_bytes(&bytes).map_err(|m| Error::bad_file(path, m))
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
