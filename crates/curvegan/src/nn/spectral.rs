//! Spectral normalisation of an [`Mlp`]'s `Linear` layers, as PyTorch's classic
//! `torch.nn.utils.spectral_norm(module, n_power_iterations=1, eps=1e-12, dim=0)`.
//!
//! Every layer keeps its raw weight `W` (`weight_orig`, `[n_out, n_in]`, what the optimizer
//! updates) and two unit vectors `u` (`[n_out]`) and `v` (`[n_in]`). Each forward call in
//! training mode runs one power iteration and uses the normalised weight:
//!
//! ```text
//! v   = normalize(Wᵀ u)          [n_in]    normalize(x) = x / max(‖x‖₂, 1e-12)
//! u   = normalize(W v)           [n_out]   (u and v are stored for the next call)
//! σ   = uᵀ (W v)                 scalar    (≈ the largest singular value of W)
//! W_sn = W / σ                   [n_out, n_in]
//! ```
//!
//! The biases are not normalised. `u` and `v` are constants for backpropagation (PyTorch
//! computes them under `no_grad`), so with `G = ∂L/∂W_sn`:
//!
//! ```text
//! ∂L/∂σ = −Σ_ij G_ij · W_sn,ij / σ
//! ∂L/∂W = G / σ + (∂L/∂σ) · u vᵀ           (∂σ/∂W = u vᵀ)
//! ```
//!
//! [`SpectralNorm`] holds `W` (with the biases, in [`Mlp::params`]'s layout), `u` and `v`; the
//! [`Mlp`] it normalises holds `W_sn` and the biases, and runs forward and backward as
//! usual. A call that runs the network several times in one step (D on real, on fakes, in G's
//! update: one power iteration each, as PyTorch's forward pre-hook) keeps each call's σ, u, v
//! in an [`SnPass`] to backpropagate through it.
//!
//! Initialisation ([`SpectralNorm::init`]): for each layer in order, `u` ~ N(0, 1) then `v` ~
//! N(0, 1), each normalised, drawn after the MLP's own weights.
//!
//! ```
//! use curvegan::nn::mlp::{Activation, Mlp, MlpSpec};
//! use curvegan::nn::spectral::{SnPass, SpectralNorm};
//! use rand::SeedableRng;
//!
//! let spec = MlpSpec::new(3, &[8], 1, Activation::Relu, Activation::Identity);
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut d = Mlp::init(&spec, &mut rng).unwrap();
//! let mut sn = SpectralNorm::init(&d, &mut rng);
//! let mut pass = SnPass::default();
//! sn.train_forward(&mut d, &mut pass); // one power iteration; W/σ into d
//! let sigma = pass.sigma()[0];
//! assert_eq!(d.params()[0], sn.params()[0] / sigma); // layer 0's W_sn[0, 0]
//! assert!(sigma > 0.0 && sn.u().len() == 8 + 1 && sn.v().len() == 3 + 8);
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{Error, Result};
use crate::nn::mlp::{LayerOffsets, Mlp, MlpSpec};
use crate::nn::state_dict::{mlp_from_tensors, Tensor};

/// PyTorch's `eps` of `F.normalize` in `spectral_norm`.
pub const EPS: f32 = 1e-12;

/// The raw weights, `u` and `v` of a spectrally normalised MLP (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralNorm {
    layers: Vec<LayerOffsets>,
    /// `W` (`weight_orig`) and the biases, in [`Mlp::params`]'s layout.
    params: Vec<f32>,
    /// Every layer's `u`, `[n_out]`, one after the other.
    u: Vec<f32>,
    /// Every layer's `v`, `[n_in]`, one after the other.
    v: Vec<f32>,
}

/// The constants of one forward call: each layer's σ, u and v.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnPass {
    sigma: Vec<f32>,
    u: Vec<f32>,
    v: Vec<f32>,
    /// `W v` of the layer being normalised (a buffer).
    wv: Vec<f32>,
}

impl SnPass {
    /// Each layer's σ of that call.
    pub fn sigma(&self) -> &[f32] {
        &self.sigma
    }
}

/// `x / max(‖x‖₂, eps)`, in place.
fn normalize(x: &mut [f32]) {
    let norm = x.iter().map(|v| v * v).sum::<f32>().sqrt().max(EPS);
    x.iter_mut().for_each(|v| *v /= norm);
}

impl SpectralNorm {
    /// Spectral normalisation of `mlp` with its current weights as `W`, and `u`, `v` drawn
    /// from `rng`: per layer, `n_out` standard normals for `u`, then `n_in` for `v`, each
    /// normalised.
    pub fn init(mlp: &Mlp, rng: &mut impl Rng) -> Self {
        let (mut u, mut v) = (Vec::new(), Vec::new());
        for o in mlp.layers() {
            for (dst, n) in [(&mut u, o.n_out), (&mut v, o.n_in)] {
                let at = dst.len();
                dst.extend((0..n).map(|_| -> f32 { StandardNormal.sample(rng) }));
                normalize(&mut dst[at..]);
            }
        }
        SpectralNorm {
            layers: mlp.layers().to_vec(),
            params: mlp.params().to_vec(),
            u,
            v,
        }
    }

    /// A saved state: `params` (`W` and biases in `mlp`'s layout), every layer's `u` and `v`
    /// concatenated. Errors ([`Error::Shape`]) name the lengths that do not fit `mlp`.
    pub fn from_parts(mlp: &Mlp, params: Vec<f32>, u: Vec<f32>, v: Vec<f32>) -> Result<Self> {
        let layers = mlp.layers();
        let n_u: usize = layers.iter().map(|o| o.n_out).sum();
        let n_v: usize = layers.iter().map(|o| o.n_in).sum();
        if params.len() != mlp.params().len() || u.len() != n_u || v.len() != n_v {
            return Err(Error::Shape(format!(
                "spectral norm state has {} parameters, {} u and {} v values; the network needs {}, {n_u} and {n_v}",
                params.len(),
                u.len(),
                v.len(),
                mlp.params().len()
            )));
        }
        Ok(SpectralNorm {
            layers: layers.to_vec(),
            params,
            u,
            v,
        })
    }

    /// `W` and the biases, flat ([`Mlp::params`]'s layout): what the optimizer updates.
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// `W` and the biases, mutable (for the optimizer).
    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    /// Every layer's `u`, concatenated.
    pub fn u(&self) -> &[f32] {
        &self.u
    }

    /// Every layer's `v`, concatenated.
    pub fn v(&self) -> &[f32] {
        &self.v
    }

    /// Layer `l`'s `(u, v)` ranges in [`SpectralNorm::u`] and [`SpectralNorm::v`].
    pub fn uv_ranges(&self, l: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let u0: usize = self.layers[..l].iter().map(|o| o.n_out).sum();
        let v0: usize = self.layers[..l].iter().map(|o| o.n_in).sum();
        let o = self.layers[l];
        (u0..u0 + o.n_out, v0..v0 + o.n_in)
    }

    /// One power iteration per layer (updating the stored `u`, `v`), σ, and writes
    /// `W_sn = W/σ` and the biases into `mlp`: one training-mode forward call's
    /// normalisation. `pass` records the call's σ, u, v for [`SpectralNorm::backward`].
    pub fn train_forward(&mut self, mlp: &mut Mlp, pass: &mut SnPass) {
        self.power_iteration_only(mlp, pass);
        self.install(mlp, pass);
    }

    /// The power iteration and σ of [`SpectralNorm::train_forward`], without writing `mlp`'s
    /// weights (`mlp` gives only the layout).
    pub fn power_iteration_only(&mut self, mlp: &Mlp, pass: &mut SnPass) {
        debug_assert_eq!(mlp.layers(), &self.layers[..]);
        pass.sigma.resize(self.layers.len(), 0.0);
        for l in 0..self.layers.len() {
            let o = self.layers[l];
            let w = &self.params[o.weight..o.bias];
            let (ur, vr) = self.uv_ranges(l);
            // v = normalize(Wᵀu)
            let (u, v) = (&self.u[ur.clone()], &mut self.v[vr]);
            for (j, vj) in v.iter_mut().enumerate() {
                *vj = (0..o.n_out).map(|i| w[i * o.n_in + j] * u[i]).sum();
            }
            normalize(v);
            // u = normalize(W v); σ = uᵀ(W v)
            let v = &self.v[self.uv_ranges(l).1];
            pass.wv.clear();
            let rows = w.chunks_exact(o.n_in);
            pass.wv
                .extend(rows.map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum::<f32>()));
            let u = &mut self.u[ur];
            u.copy_from_slice(&pass.wv);
            normalize(u);
            pass.sigma[l] = u.iter().zip(&pass.wv).map(|(a, b)| a * b).sum();
        }
        pass.u.clone_from(&self.u);
        pass.v.clone_from(&self.v);
    }

    /// Writes `W/σ` (σ of `pass`) and the biases into `mlp`: the weights of the forward call
    /// `pass` recorded.
    pub fn install(&self, mlp: &mut Mlp, pass: &SnPass) {
        let dst = mlp.params_mut();
        dst.copy_from_slice(&self.params);
        for (o, &sigma) in self.layers.iter().zip(&pass.sigma) {
            dst[o.weight..o.bias].iter_mut().for_each(|w| *w /= sigma);
        }
    }

    /// Adds `∂L/∂W` and `∂L/∂b` into `out` (flat, [`Mlp::params`]'s layout) from
    /// `grad_sn = ∂L/∂(W_sn, b)` of the forward call `pass` (see the module docs). Errors
    /// ([`Error::Shape`]) when a buffer does not fit.
    pub fn backward(&self, pass: &SnPass, grad_sn: &[f32], out: &mut [f32]) -> Result<()> {
        let n = self.params.len();
        if grad_sn.len() != n || out.len() != n || pass.sigma.len() != self.layers.len() {
            return Err(Error::Shape(format!(
                "spectral norm backward: gradients of {} and {} values for {n} parameters",
                grad_sn.len(),
                out.len()
            )));
        }
        for (l, (o, &sigma)) in self.layers.iter().zip(&pass.sigma).enumerate() {
            let (w, g) = (&self.params[o.weight..o.bias], &grad_sn[o.weight..o.bias]);
            // ∂L/∂σ = −Σ G ⊙ ((W/σ)/σ), as torch's division backward.
            let grad_sigma: f32 = -g
                .iter()
                .zip(w)
                .map(|(g, w)| g * ((w / sigma) / sigma))
                .sum::<f32>();
            let (ur, vr) = self.uv_ranges(l);
            let (u, v) = (&pass.u[ur], &pass.v[vr]);
            let dst = out[o.weight..o.bias].chunks_exact_mut(o.n_in);
            for ((dst, g), &ui) in dst.zip(g.chunks_exact(o.n_in)).zip(u) {
                let gu = grad_sigma * ui;
                for ((d, g), vj) in dst.iter_mut().zip(g).zip(v) {
                    *d += g / sigma + gu * vj;
                }
            }
            let bias = o.bias..o.bias + o.n_out;
            out[bias.clone()]
                .iter_mut()
                .zip(&grad_sn[bias])
                .for_each(|(d, g)| *d += g);
        }
        Ok(())
    }

    /// The state-dict tensors of the normalised MLP under PyTorch's names, prefixed with
    /// `prefix`: per layer `i.bias`, `i.weight_orig`, `i.weight_u`, `i.weight_v` (`i = 2l`,
    /// the `nn.Sequential` index), the order of `spectral_norm`'s state dict.
    pub fn tensors<'a>(&'a self, prefix: &str) -> Vec<(String, Vec<usize>, &'a [f32])> {
        let mut out = Vec::with_capacity(4 * self.layers.len());
        for (l, o) in self.layers.iter().enumerate() {
            let (ur, vr) = self.uv_ranges(l);
            let i = 2 * l;
            out.push((
                format!("{prefix}{i}.bias"),
                vec![o.n_out],
                &self.params[o.bias..o.bias + o.n_out],
            ));
            out.push((
                format!("{prefix}{i}.weight_orig"),
                vec![o.n_out, o.n_in],
                &self.params[o.weight..o.bias],
            ));
            out.push((format!("{prefix}{i}.weight_u"), vec![o.n_out], &self.u[ur]));
            out.push((format!("{prefix}{i}.weight_v"), vec![o.n_in], &self.v[vr]));
        }
        out
    }
}

/// D and its spectral normalisation from state-dict tensors named as
/// [`SpectralNorm::tensors`] writes them (`{prefix}0.weight_orig`, `…weight_u`, `…weight_v`,
/// `…bias`); the MLP gets the raw weights until its first forward call. Every tensor must be
/// present with the right shape and finite, the weights as [`mlp_from_tensors`] demands;
/// `source` names where they came from, for messages.
pub fn from_tensors(
    spec: &MlpSpec,
    tensors: &BTreeMap<String, Tensor>,
    prefix: &str,
    source: &Path,
) -> Result<(Mlp, SpectralNorm)> {
    // The raw weights under nn.Linear's names, for mlp_from_tensors's checks.
    let mut renamed = BTreeMap::new();
    for (l, &n_out) in spec.widths[1..].iter().enumerate() {
        let i = 2 * l;
        let key = format!("{prefix}{i}.weight_orig");
        let w = tensors.get(&key).ok_or_else(|| {
            let shape = [n_out, spec.widths[l]];
            Error::bad_file(source, format!("missing tensor '{key}' (shape {shape:?})"))
        })?;
        renamed.insert(format!("{prefix}{i}.weight"), w.clone());
        if let Some(b) = tensors.get(&format!("{prefix}{i}.bias")) {
            renamed.insert(format!("{prefix}{i}.bias"), b.clone());
        }
    }
    let mlp = mlp_from_tensors(spec, &renamed, prefix, source)?;
    let (mut u, mut v) = (Vec::new(), Vec::new());
    for (l, o) in mlp.layers().iter().enumerate() {
        for (dst, what, n) in [(&mut u, "weight_u", o.n_out), (&mut v, "weight_v", o.n_in)] {
            let key = format!("{prefix}{}.{what}", 2 * l);
            let t = tensors.get(&key).ok_or_else(|| {
                Error::bad_file(source, format!("missing tensor '{key}' (shape [{n}])"))
            })?;
            if t.shape != [n] || t.data.iter().any(|x| !x.is_finite()) {
                return Err(Error::bad_file(
                    source,
                    format!(
                        "tensor '{key}' has shape {:?} or a non-finite value; spectral norm needs [{n}] finite values",
                        t.shape
                    ),
                ));
            }
            dst.extend_from_slice(&t.data);
        }
    }
    let params = mlp.params().to_vec();
    let sn = SpectralNorm::from_parts(&mlp, params, u, v)?;
    Ok((mlp, sn))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mlp::Activation;
    use rand::SeedableRng;

    /// σ converges to the largest singular value, and W_sn's spectral norm is then 1.
    #[test]
    fn sigma_converges_to_the_largest_singular_value() {
        // W = diag(3, 2) (as [2, 2]) and a [1, 2] layer: singular values 3 and |w|.
        let spec = MlpSpec::new(2, &[2], 1, Activation::Relu, Activation::Identity);
        let mut mlp = Mlp::zeros(&spec).unwrap();
        mlp.params_mut()[..4].copy_from_slice(&[3.0, 0.0, 0.0, 2.0]);
        mlp.params_mut()[6..8].copy_from_slice(&[3.0, -4.0]);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut sn = SpectralNorm::init(&mlp, &mut rng);
        let mut pass = SnPass::default();
        for _ in 0..60 {
            sn.train_forward(&mut mlp, &mut pass);
        }
        assert!((pass.sigma()[0] - 3.0).abs() < 1e-5, "{:?}", pass.sigma());
        assert!((pass.sigma()[1] - 5.0).abs() < 1e-5, "{:?}", pass.sigma());
        assert!((mlp.params()[0] - 1.0).abs() < 1e-5);
        assert_eq!(sn.params()[0], 3.0, "W itself is not changed");
    }
}
