//! State dicts as safetensors bytes: the MLP's parameters under PyTorch's `nn.Sequential`
//! names (`0.weight`, `0.bias`, `2.weight`, …), f32, layout `[out, in]` for a weight and
//! `[out]` for a bias, so that PyTorch's `net.load_state_dict(safetensors.torch.load_file(p))`
//! loads them unchanged. Bytes only: reading and writing files is [`crate::run::files`]'s.
//!
//! # Format
//!
//! safetensors: an 8-byte little-endian header length `N`, `N` bytes of JSON header padded
//! with spaces to a multiple of 8, then the data section (every tensor's f32 values,
//! little-endian, one after the other). curvegan writes the header itself so that equal
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

use safetensors::{Dtype, SafeTensors};

use crate::error::{Error, Result};
use crate::nn::mlp::{Mlp, MlpSpec};

/// One f32 tensor: shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Shape, e.g. `[128, 15]`.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub data: Vec<f32>,
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

/// Serialises named f32 tensors to safetensors bytes (metadata: the checksum only).
pub fn tensors_to_bytes<'a>(
    tensors: impl IntoIterator<Item = (String, Vec<usize>, &'a [f32])>,
) -> Result<Vec<u8>> {
    tensors_to_bytes_with_metadata(tensors, BTreeMap::new())
}

/// Serialises named f32 tensors to safetensors bytes with string metadata, plus the checksum.
/// Deterministic: the same tensors and metadata always give the same bytes.
pub fn tensors_to_bytes_with_metadata<'a>(
    tensors: impl IntoIterator<Item = (String, Vec<usize>, &'a [f32])>,
    mut metadata: BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let mut tensors: Vec<_> = tensors.into_iter().collect();
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
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [begin, data.len()]}),
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

/// Checks the checksum of safetensors bytes, if they hold one; returns whether they did.
pub fn verify_checksum(bytes: &[u8]) -> std::result::Result<bool, String> {
    let (n, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| format!("not a safetensors file: {e}"))?;
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

/// Parses safetensors bytes into named tensors; each must be f32. The checksum is verified when
/// there is one (see the module's docs).
pub fn tensors_from_bytes(bytes: &[u8]) -> std::result::Result<BTreeMap<String, Tensor>, String> {
    verify_checksum(bytes)?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| format!("not a safetensors file: {e}"))?;
    let mut out = BTreeMap::new();
    for (name, view) in st.iter() {
        if view.dtype() != Dtype::F32 {
            return Err(format!(
                "tensor '{name}' has dtype {:?}, curvegan reads only F32",
                view.dtype()
            ));
        }
        let data = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        out.insert(
            name.to_string(),
            Tensor {
                shape: view.shape().to_vec(),
                data,
            },
        );
    }
    Ok(out)
}

/// The MLP's parameters as state-dict tensors, names prefixed with `prefix` (e.g. `""` or `"G."`).
pub fn mlp_tensors<'a>(mlp: &'a Mlp, prefix: &str) -> Vec<(String, Vec<usize>, &'a [f32])> {
    mlp.state_dict_layout()
        .into_iter()
        .map(|(name, shape, at)| {
            let n: usize = shape.iter().product();
            (format!("{prefix}{name}"), shape, &mlp.params()[at..at + n])
        })
        .collect()
}

/// The largest weight magnitude a loaded network may hold: a sanity bound, far beyond what
/// training these small nets gives (weights of order 1), that refuses corrupt or diverged
/// files before they produce infinite outputs.
pub const WEIGHT_BOUND: f32 = 1e6;

/// Builds an MLP of shape `spec` from tensors named `{prefix}0.weight`, …; every tensor must be
/// present with the right shape, finite and within ±[`WEIGHT_BOUND`]. `source` names where they
/// came from, for messages.
pub fn mlp_from_tensors(
    spec: &MlpSpec,
    tensors: &BTreeMap<String, Tensor>,
    prefix: &str,
    source: &Path,
) -> Result<Mlp> {
    let mut mlp = Mlp::zeros(spec)?;
    for (name, shape, at) in mlp.state_dict_layout() {
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
        if let Some(bad) = t.data.iter().find(|v| !v.is_finite()) {
            return Err(Error::bad_file(
                source,
                format!("tensor '{key}' holds a non-finite value ({bad})"),
            ));
        }
        if let Some(bad) = t.data.iter().find(|v| v.abs() > WEIGHT_BOUND) {
            return Err(Error::bad_file(
                source,
                format!(
                    "tensor '{key}' holds {bad:e}, beyond the sanity bound ±{WEIGHT_BOUND:e} (corrupt or diverged weights)"
                ),
            ));
        }
        mlp.params_mut()[at..at + t.data.len()].copy_from_slice(&t.data);
    }
    Ok(mlp)
}
