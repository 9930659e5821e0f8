//! State dicts as safetensors bytes: the MLP's parameters under PyTorch's `nn.Sequential`
//! names (`0.weight`, `0.bias`, `2.weight`, …), f32, layout `[out, in]` for a weight and
//! `[out]` for a bias, so that PyTorch's `net.load_state_dict(safetensors.torch.load_file(p))`
//! loads them unchanged. Bytes only: which nets go in which file, and reading and writing the
//! files, is [`crate::run::store::weights`]'s.
//!
//! A net with batch normalisation ([`crate::nn::mlp`]) also has, for every hidden layer `l`,
//! module `3l + 1`'s `weight` (γ) and `bias` (β), `[n]` f32 parameters, and its buffers
//! `running_mean` and `running_var` (`[n]`, f32) and `num_batches_tracked` (shape `[]`,
//! **I64**, as PyTorch's `int64` tensor), so that `load_state_dict(…, strict=True)` accepts
//! the file. I64 is the only other dtype read or written.
//!
//! A net with a smooth output basis ([`crate::nn::basis`]) also has the basis's fixed matrix
//! as the weight of the module after its last `Linear` (`nn.Linear(…, bias=False)`), written so
//! that PyTorch loads it, and checked on load to be exactly the basis its spec makes.
//!
//! # Format
//!
//! safetensors: an 8-byte little-endian header length `N`, `N` bytes of JSON header padded
//! with spaces to a multiple of 8, then the data section (every tensor's f32 values,
//! or i64, little-endian, one after the other). curvegan writes the header itself so that equal
//! tensors and metadata give equal bytes: JSON object keys in sorted order (`__metadata__`
//! and the tensor names), tensors stored in name order.
//!
//! # Checksum
//!
//! The header's `__metadata__` holds `"crc32"`: 8 hex digits of the CRC-32 (IEEE) of the data
//! section followed by every other metadata entry as `key NUL value NUL`, in key order. So a
//! flipped byte in any value, or in any metadata string, is found on load
//! ([`tensors_from_bytes`] then fails with "the file is corrupt: checksum mismatch"). Files
//! without a `crc32` entry (written by older curvegan versions, or by PyTorch) load
//! unverified. Metadata is strings only, so PyTorch's `safetensors.torch.load_file` reads
//! curvegan's files as before.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensorError, SafeTensors};

use crate::error::{Error, Result};
use crate::nn::mlp::{Mlp, MlpSpec};

/// One tensor read from a file: shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Shape, e.g. `[128, 15]`.
    pub shape: Vec<usize>,
    /// Row-major values (an I64 tensor's converted to f32).
    pub data: Vec<f32>,
    /// An I64 tensor's exact values (`None` for F32).
    pub ints: Option<Vec<i64>>,
}

/// The values of one tensor to write: f32, or i64 (`num_batches_tracked`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Values<'a> {
    /// Written as F32.
    F32(&'a [f32]),
    /// Written as I64.
    I64(&'a [i64]),
}

impl<'a> From<&'a [f32]> for Values<'a> {
    fn from(v: &'a [f32]) -> Self {
        Values::F32(v)
    }
}

impl<'a> Values<'a> {
    /// The values of an F32 tensor; `None` for I64.
    pub fn as_f32(self) -> Option<&'a [f32]> {
        match self {
            Values::F32(v) => Some(v),
            Values::I64(_) => None,
        }
    }

    fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
        }
    }
}

/// Metadata key of the checksum (see the module's docs).
pub const CHECKSUM_KEY: &str = "crc32";

/// The checksum of a data section and its metadata (without [`CHECKSUM_KEY`]), as 8 hex digits.
fn checksum(data: &[u8], metadata: &BTreeMap<String, String>) -> String {
    let mut h = crc32fast::Hasher::new();
    h.update(data);
    for (k, v) in metadata.iter().filter(|(k, _)| *k != CHECKSUM_KEY) {
        for part in [k.as_bytes(), &[0], v.as_bytes(), &[0]] {
            h.update(part);
        }
    }
    format!("{:08x}", h.finalize())
}

/// Serialises named tensors to safetensors bytes (metadata: the checksum only).
pub fn tensors_to_bytes<'a, V: Into<Values<'a>>>(
    tensors: impl IntoIterator<Item = (String, Vec<usize>, V)>,
) -> Result<Vec<u8>> {
    tensors_to_bytes_with_metadata(tensors, BTreeMap::new())
}

/// Serialises named tensors to safetensors bytes with string metadata, plus the checksum.
/// Deterministic: the same tensors and metadata always give the same bytes.
pub fn tensors_to_bytes_with_metadata<'a, V: Into<Values<'a>>>(
    tensors: impl IntoIterator<Item = (String, Vec<usize>, V)>,
    mut metadata: BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let mut tensors: Vec<(String, Vec<usize>, Values)> = tensors
        .into_iter()
        .map(|(name, shape, v)| (name, shape, v.into()))
        .collect();
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    let mut header = serde_json::Map::new();
    let mut data = Vec::new();
    for (name, shape, values) in &tensors {
        let n: usize = shape.iter().product();
        if n != values.len() || name == "__metadata__" || header.contains_key(name) {
            return Err(Error::Serialize(format!(
                "tensor '{name}' of shape {shape:?} with {} values",
                values.len()
            )));
        }
        let begin = data.len();
        let dtype = match values {
            Values::F32(v) => {
                data.extend(v.iter().flat_map(|v| v.to_le_bytes()));
                "F32"
            }
            Values::I64(v) => {
                data.extend(v.iter().flat_map(|v| v.to_le_bytes()));
                "I64"
            }
        };
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype, "shape": shape, "data_offsets": [begin, data.len()]}),
        );
    }
    metadata.insert(CHECKSUM_KEY.to_string(), checksum(&data, &metadata));
    header.insert(
        "__metadata__".to_string(),
        serde_json::to_value(&metadata)
            .map_err(|e| Error::Serialize(format!("safetensors metadata: {e}")))?,
    );
    // serde_json's map keeps keys sorted (BTreeMap), so the text is the same every time.
    let mut json = serde_json::to_vec(&header)
        .map_err(|e| Error::Serialize(format!("safetensors header: {e}")))?;
    json.resize(json.len().next_multiple_of(8), b' ');
    let mut bytes = Vec::with_capacity(8 + json.len() + data.len());
    bytes.extend((json.len() as u64).to_le_bytes());
    bytes.extend(json);
    bytes.extend(data);
    Ok(bytes)
}

/// The message for a header `safetensors` refused. Its "invalid offset" names whichever
/// tensor its hash map gave first; this names the first in offset order, ties broken by
/// state-dict order, the same every time.
fn header_error(bytes: &[u8], e: SafeTensorError) -> String {
    let named = match &e {
        SafeTensorError::InvalidOffset(_) => first_bad_offset(bytes),
        _ => None,
    };
    match named {
        Some(name) => format!("not a safetensors file: invalid offset for tensor `{name}`"),
        None => format!("not a safetensors file: {e}"),
    }
}

/// The first tensor of the header whose data offsets do not follow the previous one's end, as
/// `safetensors` checks them, in a deterministic order.
fn first_bad_offset(bytes: &[u8]) -> Option<String> {
    let n = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let header = bytes.get(8..8usize.checked_add(usize::try_from(n).ok()?)?)?;
    let header: BTreeMap<String, serde_json::Value> = serde_json::from_slice(header).ok()?;
    let mut offsets: Vec<(u64, u64, &String)> = (header.iter())
        .filter(|(name, _)| *name != "__metadata__")
        .filter_map(|(name, info)| {
            let o = info.get("data_offsets")?;
            Some((o.get(0)?.as_u64()?, o.get(1)?.as_u64()?, name))
        })
        .collect();
    offsets.sort_by_cached_key(|&(s, e, name)| (s, e, state_dict_order(name)));
    let mut start = 0;
    for (s, e, name) in offsets {
        if s != start || e < s {
            return Some(name.clone());
        }
        start = e;
    }
    None
}

/// Checks the checksum of safetensors bytes, if they hold one; returns whether they did.
pub fn verify_checksum(bytes: &[u8]) -> std::result::Result<bool, String> {
    let (n, meta) = SafeTensors::read_metadata(bytes).map_err(|e| header_error(bytes, e))?;
    let Some(metadata) = meta.metadata() else {
        return Ok(false);
    };
    let Some(stored) = metadata.get(CHECKSUM_KEY) else {
        return Ok(false);
    };
    let metadata: BTreeMap<String, String> = metadata.clone().into_iter().collect();
    let data = bytes.get(8 + n..).unwrap_or_default();
    let computed = checksum(data, &metadata);
    if *stored != computed {
        return Err(format!(
            "the file is corrupt: checksum mismatch (crc32 stored {stored}, computed {computed}); it was changed after curvegan wrote it"
        ));
    }
    Ok(true)
}

/// Parses safetensors bytes into named tensors; each must be F32 or I64. The checksum is verified when
/// there is one (see the module's docs).
pub fn tensors_from_bytes(bytes: &[u8]) -> std::result::Result<BTreeMap<String, Tensor>, String> {
    verify_checksum(bytes)?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| header_error(bytes, e))?;
    let mut out = BTreeMap::new();
    // In state-dict order, not the header's hash order: an error names the same tensor every
    // time.
    let mut views: Vec<_> = st.iter().collect();
    views.sort_by_cached_key(|(name, _)| state_dict_order(name));
    for (name, view) in views {
        let (data, ints) = match view.dtype() {
            Dtype::F32 => {
                let data = view.data().chunks_exact(4);
                let data = data.map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                (data.collect(), None)
            }
            Dtype::I64 => {
                let ints: Vec<i64> = view
                    .data()
                    .chunks_exact(8)
                    .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
                    .collect();
                (ints.iter().map(|&v| v as f32).collect(), Some(ints))
            }
            other => {
                return Err(format!(
                    "tensor '{name}' has dtype {other:?}, curvegan reads only F32 and I64"
                ))
            }
        };
        out.insert(
            name.to_string(),
            Tensor {
                shape: view.shape().to_vec(),
                data,
                ints,
            },
        );
    }
    Ok(out)
}

/// One dot-separated part of a tensor name, ordered as PyTorch orders a state dict.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum NamePart {
    /// A net's prefix in a checkpoint (`G`, `D`, `G_ema`, `opt`), in the order it saves them.
    Net(usize),
    /// A module index: `2` before `10`.
    Index(u64),
    /// A tensor of a module, in the order PyTorch registers them.
    Tensor(usize),
    /// Anything else, by its text.
    Other(String),
}

/// The sort key of a tensor name in state-dict order: `G.0.weight`, `G.0.bias`,
/// `G.1.running_mean`, …, `G.10.weight`, then `D.…`, `G_ema.…` and `opt.…`.
fn state_dict_order(name: &str) -> Vec<NamePart> {
    const NETS: [&str; 4] = ["G", "D", "G_ema", "opt"];
    const TENSORS: [&str; 8] = [
        "weight",
        "bias",
        "weight_orig",
        "weight_u",
        "weight_v",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ];
    name.split('.')
        .map(|part| {
            if let Ok(i) = part.parse() {
                NamePart::Index(i)
            } else if let Some(i) = NETS.iter().position(|n| *n == part) {
                NamePart::Net(i)
            } else if let Some(i) = TENSORS.iter().position(|t| *t == part) {
                NamePart::Tensor(i)
            } else {
                NamePart::Other(part.to_string())
            }
        })
        .collect()
}

/// The MLP's state dict (parameters, and batch normalisation's buffers) as tensors, names
/// prefixed with `prefix` (e.g. `""` or `"G."`).
pub fn mlp_tensors<'a>(mlp: &'a Mlp, prefix: &str) -> Vec<(String, Vec<usize>, Values<'a>)> {
    let mut out: Vec<(String, Vec<usize>, Values<'a>)> = mlp
        .state_dict_layout()
        .into_iter()
        .map(|(name, shape, at)| {
            let n: usize = shape.iter().product();
            let values = Values::F32(&mlp.params()[at..at + n]);
            (format!("{prefix}{name}"), shape, values)
        })
        .collect();
    for (l, bn) in mlp.batchnorm_buffers().iter().enumerate() {
        let m = format!("{prefix}{}", mlp.spec().module_index(l) + 1);
        let n = bn.running_mean.len();
        out.push((
            format!("{m}.running_mean"),
            vec![n],
            Values::F32(&bn.running_mean),
        ));
        out.push((
            format!("{m}.running_var"),
            vec![n],
            Values::F32(&bn.running_var),
        ));
        let count = std::slice::from_ref(&bn.num_batches_tracked);
        out.push((
            format!("{m}.num_batches_tracked"),
            vec![],
            Values::I64(count),
        ));
    }
    if let (Some((matrix, index)), Some(b)) = (mlp.basis(), mlp.spec().basis) {
        let shape = vec![b.outputs(), b.inputs()];
        out.push((
            format!("{prefix}{index}.weight"),
            shape,
            Values::F32(matrix),
        ));
    }
    out
}

/// The largest weight magnitude a loaded network may hold: a sanity bound, far beyond what
/// training these small nets gives (weights of order 1), that refuses corrupt or diverged
/// files before they produce infinite outputs. Training stops when a weight leaves it
/// ([`check_values`]), so that it never saves weights a load refuses.
pub const WEIGHT_BOUND: f32 = 1e6;

/// True if every value is finite and within ±[`WEIGHT_BOUND`]: the quick test training makes
/// after every step (branch-free over blocks, so that it vectorises); [`check_values`] then
/// names the culprit.
pub fn within_bound(values: &[f32]) -> bool {
    // NaN fails the comparison, as ±∞ does.
    values
        .chunks(256)
        .all(|c| c.iter().fold(true, |ok, v| ok & (v.abs() <= WEIGHT_BOUND)))
}

/// Checks the values of the state-dict tensor `key` as every network loaded from a file is
/// checked: finite, within ±[`WEIGHT_BOUND`], and for a `running_var` non-negative. The error
/// names the tensor and the first offending value. Loading ([`mlp_from_tensors`]) and training
/// (after every step) both use it, so that what training saves always loads.
pub fn check_values(key: &str, data: &[f32]) -> std::result::Result<(), String> {
    if let Some(bad) = data.iter().find(|v| !v.is_finite()) {
        return Err(format!("tensor '{key}' holds a non-finite value ({bad})"));
    }
    if let Some(bad) = data.iter().find(|v| v.abs() > WEIGHT_BOUND) {
        return Err(format!(
            "tensor '{key}' holds {bad:e}, beyond the sanity bound ±{WEIGHT_BOUND:e} (corrupt or diverged weights)"
        ));
    }
    if key.ends_with("running_var") {
        if let Some(bad) = data.iter().find(|v| **v < 0.0) {
            return Err(format!("tensor '{key}' holds a negative variance ({bad})"));
        }
    }
    Ok(())
}

/// Builds an MLP of shape `spec` from tensors named `{prefix}0.weight`, …; every tensor must be
/// present with the right shape, finite and within ±[`WEIGHT_BOUND`] (a running variance also
/// non-negative, `num_batches_tracked` a non-negative whole number). `source` names where
/// they came from, for messages.
pub fn mlp_from_tensors(
    spec: &MlpSpec,
    tensors: &BTreeMap<String, Tensor>,
    prefix: &str,
    source: &Path,
) -> Result<Mlp> {
    let mut mlp = Mlp::zeros(spec)?;
    let get = |name: &str, shape: &[usize]| checked_tensor(tensors, prefix, name, shape, source);
    for (name, shape, at) in mlp.state_dict_layout() {
        let t = get(&name, &shape)?;
        mlp.params_mut()[at..at + t.data.len()].copy_from_slice(&t.data);
    }
    for l in 0..mlp.batchnorm_buffers().len() {
        let m = spec.module_index(l) + 1;
        let n = mlp.batchnorm_buffers()[l].running_mean.len();
        let mean = &get(&format!("{m}.running_mean"), &[n])?.data;
        // Non-negative too, by `check_values`.
        let var = &get(&format!("{m}.running_var"), &[n])?.data;
        let count = batches_tracked(tensors, &format!("{prefix}{m}.num_batches_tracked"), source)?;
        let bn = &mut mlp.batchnorm_buffers_mut()[l];
        bn.running_mean.copy_from_slice(mean);
        bn.running_var.copy_from_slice(var);
        bn.num_batches_tracked = count;
    }
    if let (Some((matrix, index)), Some(b)) = (mlp.basis(), spec.basis) {
        let name = format!("{index}.weight");
        let t = get(&name, &[b.outputs(), b.inputs()])?;
        if t.data != matrix {
            return Err(Error::bad_file(
                source,
                format!(
                    "tensor '{prefix}{name}' is not the fixed smooth basis of {} coefficients on {} points (it is never trained; was it edited?)",
                    b.coefficients, b.points
                ),
            ));
        }
    }
    Ok(mlp)
}

/// `num_batches_tracked` at `key`: shape `[]`, a non-negative whole number (I64 as PyTorch
/// writes it, or F32). Not bounded like a weight: it counts training-mode forward passes.
fn batches_tracked(tensors: &BTreeMap<String, Tensor>, key: &str, source: &Path) -> Result<i64> {
    let t = tensors
        .get(key)
        .ok_or_else(|| Error::bad_file(source, format!("missing tensor '{key}' (shape [])")))?;
    let count = match (&t.ints, t.data.as_slice()) {
        _ if !t.shape.is_empty() => None,
        (Some(ints), _) => ints.first().copied(),
        (None, &[v]) if v.fract() == 0.0 && v.abs() < 9e18 => Some(v as i64),
        _ => None,
    };
    match count {
        Some(c) if c >= 0 => Ok(c),
        _ => Err(Error::bad_file(
            source,
            format!(
                "tensor '{key}' (shape {:?}, values {:?}) is not a count: num_batches_tracked must be one non-negative whole number, shape []",
                t.shape,
                &t.data[..t.data.len().min(4)]
            ),
        )),
    }
}

/// The tensor `{prefix}{name}`, checked: present, of `shape`, its values by [`check_values`].
fn checked_tensor<'t>(
    tensors: &'t BTreeMap<String, Tensor>,
    prefix: &str,
    name: &str,
    shape: &[usize],
    source: &Path,
) -> Result<&'t Tensor> {
    let key = format!("{prefix}{name}");
    let t = tensors.get(&key).ok_or_else(|| {
        Error::bad_file(source, format!("missing tensor '{key}' (shape {shape:?})"))
    })?;
    if t.shape != shape {
        return Err(Error::bad_file(
            source,
            format!(
                "tensor '{key}' has shape {:?}, the network needs {shape:?}",
                t.shape
            ),
        ));
    }
    check_values(&key, &t.data).map_err(|m| Error::bad_file(source, m))?;
    Ok(t)
}
