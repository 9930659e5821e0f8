//! State dicts as safetensors bytes: the MLP's parameters under PyTorch's `nn.Sequential`
//! names (`0.weight`, `0.bias`, `2.weight`, …), f32, layout `[out, in]` for a weight and
//! `[out]` for a bias, so that PyTorch's `net.load_state_dict(safetensors.torch.load_file(p))`
//! loads them unchanged. Bytes only: reading and writing files is [`crate::run::files`]'s.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors, View};

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

/// Borrowed f32 data viewed as a safetensors tensor.
struct F32View<'a> {
    shape: Vec<usize>,
    data: &'a [f32],
}

impl View for F32View<'_> {
    fn dtype(&self) -> Dtype {
        Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        self.data.iter().flat_map(|v| v.to_le_bytes()).collect()
    }
    fn data_len(&self) -> usize {
        self.data.len() * 4
    }
}

/// Serialises named f32 tensors to safetensors bytes (no metadata).
pub fn tensors_to_bytes<'a>(
    tensors: impl IntoIterator<Item = (String, Vec<usize>, &'a [f32])>,
) -> Result<Vec<u8>> {
    tensors_to_bytes_with_metadata(tensors, None)
}

/// Serialises named f32 tensors to safetensors bytes with string metadata.
pub fn tensors_to_bytes_with_metadata<'a>(
    tensors: impl IntoIterator<Item = (String, Vec<usize>, &'a [f32])>,
    metadata: Option<std::collections::HashMap<String, String>>,
) -> Result<Vec<u8>> {
    let views: Vec<(String, F32View)> = tensors
        .into_iter()
        .map(|(name, shape, data)| (name, F32View { shape, data }))
        .collect();
    safetensors::serialize(views, metadata)
        .map_err(|e| Error::Serialize(format!("tensors as safetensors: {e}")))
}

/// Parses safetensors bytes into named tensors; each must be f32.
pub fn tensors_from_bytes(bytes: &[u8]) -> std::result::Result<BTreeMap<String, Tensor>, String> {
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

/// Builds an MLP of shape `spec` from tensors named `{prefix}0.weight`, …; every tensor must be
/// present with the right shape. `source` names where they came from, for messages.
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
        mlp.params_mut()[at..at + t.data.len()].copy_from_slice(&t.data);
    }
    Ok(mlp)
}
