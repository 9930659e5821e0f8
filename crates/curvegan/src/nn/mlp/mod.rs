//! A small, exact multilayer perceptron: forward, backward, and PyTorch's default initialisation.
//!
//! An [`Mlp`] is the PyTorch module
//! `nn.Sequential(Linear(n₀,n₁), act, Linear(n₁,n₂), act, …, Linear(n_{L−1},n_L) [, out_act])`.
//! Layer `l` computes, for a batch `x` of shape `[B, n_l]`,
//!
//! ```text
//! pre_l  = x · W_lᵀ + b_l        W_l: [n_{l+1}, n_l] (PyTorch layout [out, in]),  b_l: [n_{l+1}]
//! post_l = act(pre_l)            [B, n_{l+1}]; the last layer uses the output activation
//! ```
//!
//! All parameters live in one flat `f32` buffer, layer by layer, weight then bias (or BN's γ
//! and β, below), so that an
//! optimizer is a loop over one slice and a gradient buffer has the same layout. The state-dict
//! name of layer `l` is `"{2l}.weight"` / `"{2l}.bias"`: each hidden `Linear` is followed by its
//! activation module, exactly as in the `nn.Sequential` above.
//!
//! Backward, given `δ_L = ∂L/∂post_L` of shape `[B, n_L]`, walks the layers down:
//!
//! ```text
//! δ_pre = δ_post ⊙ act′          ReLU′(0) = 0, LeakyReLU′(0) = slope, tanh′ = 1 − y², σ′ = (1 − y)·y
//! ∂L/∂W_l += δ_preᵀ · x_l        [n_{l+1}, n_l]
//! ∂L/∂b_l += Σ_rows δ_pre        [n_{l+1}]
//! δ_post(l−1) = δ_pre · W_l      [B, n_l]   (for l = 0 this is ∂L/∂x)
//! ```
//!
//! Gradients *accumulate* into the buffer, as PyTorch's `.grad` does; zero it between steps.
//! Matrix products go through [`crate::nn::gemm`]; a [`Tape`] holds every buffer that forward and
//! backward need, so a training loop allocates nothing after its first step.
//!
//! Each layer has a kind ([`LayerKind`], from the spec): `Plain` (the fused `Linear` and
//! activation of the engine's matrix products, `crate::nn::gemm`), `BatchNorm` (`batchnorm.rs`) or
//! `Maxout` (`maxout.rs`); each kind's forward and backward sit side by side in its file, and
//! [`Mlp`]'s forward and backward pass dispatch on it.
//!
//! # Batch normalisation (`batchnorm`, G of the mode-collapse papers)
//!
//! With `batchnorm` every hidden `Linear` is followed by `BatchNorm1d(n_{l+1})` (eps
//! [`BN_EPS`] = 1e-5, momentum [`BN_MOMENTUM`] = 0.1) before the activation, so the
//! `nn.Sequential` is `Linear 0, BN 1, act 2, Linear 3, BN 4, act 5, …, Linear 3(L−1)`: layer
//! `l`'s `Linear` is module `3l`, its BN `3l + 1`. A hidden `Linear` before a BN has no bias
//! (`nn.Linear(n_l, n_{l+1}, bias=False)`): BN subtracts the batch mean, so a bias there would
//! not change the output and its gradient would be exactly 0, in f32 rounding noise that Adam
//! would amplify into steps of `lr`-size. For `h = pre_l = x·W_lᵀ` (`[B, n]`) and feature `j`:
//!
//! ```text
//! training:  μ_j = mean_b h_bj,  σ²_j = mean_b (h_bj − μ_j)²   (biased), B ≥ 2
//!            x̂ = (h − μ) / √(σ² + eps),  y = γ ⊙ x̂ + β,  post = act(y)
//!            running_mean ← (1 − m)·running_mean + m·μ
//!            running_var  ← (1 − m)·running_var  + m·σ²·B/(B − 1)   (unbiased)
//!            num_batches_tracked += 1
//! eval:      x̂ = (h − running_mean) / √(running_var + eps), nothing updated
//! backward:  ∂γ = Σ_b dy ⊙ x̂,  ∂β = Σ_b dy,
//!            ∂h = γ/(B·√(σ² + eps)) ⊙ (B·dy − Σ_b dy − x̂ ⊙ Σ_b (dy ⊙ x̂))
//! ```
//!
//! γ (init 1) and β (init 0) are parameters, in the flat buffer right after their layer's bias;
//! the running statistics are buffers ([`BatchNormBuffers`]), outside it. [`Mlp::forward_train`]
//! is PyTorch's `train()` mode, [`crate::nn::mlp::Mlp::forward`] its `eval()` mode; for a net without batch
//! normalisation the two are the same.
//!
//! # Maxout (`maxout = K ≥ 2`, D of the mode-collapse papers)
//!
//! Every hidden layer is `Linear(n_l, n_{l+1}·K)` followed by a max over `K` pieces, replacing
//! the activation: `post_{b,u} = max_j pre_{b, u·K + j}` (`pre`: `[B, n_{l+1}·K]`, `post`:
//! `[B, n_{l+1}]`), i.e. PyTorch's `x.view(B, n, K).max(dim=2).values`; the max module has no
//! parameters, so the state-dict names stay `{2l}.weight`. Backward sends each unit's gradient
//! to its selected piece (the first of equal maxima, as `torch.max`), the others get 0.
//!
//! # A smooth output basis (`basis`, G of smooth curves)
//!
//! With `basis` ([`BasisSpec`], [`crate::nn::basis`]) the last `Linear` gives `n_L =
//! channels · k` spline coefficients and a fixed, bias-free map `M` (`[channels · points, n_L]`,
//! not a parameter) follows: `out = post_L · Mᵀ`, `[B, channels · points]`, and backward starts
//! with `δ_L = ∂L/∂out · M`. In PyTorch: one more module, `nn.Linear(n_L, channels · points,
//! bias=False)` with `M` as its frozen weight, right after the last `Linear` (the output
//! activation must be the identity), so its state-dict name is the next index's `weight`.
//!
//! ```
//! use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
//! use rand::SeedableRng;
//!
//! let spec = MlpSpec::new(15, &[128], 15, Activation::Relu, Activation::Identity);
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let g = Mlp::init(&spec, &mut rng).unwrap();
//! let mut tape = Tape::new(&spec, 4);
//! let noise = vec![0.5f32; 4 * 15]; // [B = 4, latent 15]
//! let curves = g.forward(&noise, &mut tape).unwrap(); // [4, 15]
//! assert_eq!(curves.len(), 4 * 15);
//! ```

mod activation;
mod batchnorm;
mod maxout;
mod spec;
mod tape;
mod transposed;

use rand::Rng;

use crate::error::{Error, Result};
pub use crate::nn::basis::BasisSpec;
use crate::nn::gemm::{gemm, linear_forward, vectorised, Act, Isa};
pub use crate::nn::mlp::activation::{sigmoid, Activation};
use crate::nn::mlp::batchnorm::{
    batch_statistics, batchnorm_backward, normalise, running_statistics,
};
pub use crate::nn::mlp::batchnorm::{BatchNormBuffers, BN_EPS, BN_MOMENTUM};
use crate::nn::mlp::maxout::{maxout_backward, maxout_forward};
pub use crate::nn::mlp::spec::{LayerKind, LayerOffsets, MlpSpec, MAX_MAXOUT};
pub use crate::nn::mlp::tape::Tape;
use crate::nn::mlp::transposed::Transposed;

/// An MLP with its parameters (and batch normalisation's running statistics).
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    spec: MlpSpec,
    layers: Vec<LayerOffsets>,
    params: Vec<f32>,
    /// One per hidden layer with batch normalisation, else empty.
    norms: Vec<BatchNormBuffers>,
    /// The smooth basis's fixed `M`, `[outputs, coefficients]` (empty without one).
    basis: Vec<f32>,
    /// Every layer's `Wᵀ` for the forward pass, until the parameters change (`transposed.rs`).
    transposed: Transposed,
}

impl Mlp {
    /// An MLP of the given shape with all parameters zero (batch normalisation's running
    /// statistics at PyTorch's initial values).
    pub fn zeros(spec: &MlpSpec) -> Result<Self> {
        spec.validate()?;
        let layers = spec.offsets();
        let norms = layers
            .iter()
            .filter(|o| o.norm().is_some())
            .map(|o| BatchNormBuffers::new(o.units))
            .collect();
        let basis = match &spec.basis {
            Some(b) => b.matrix()?,
            None => Vec::new(),
        };
        Ok(Mlp {
            layers,
            params: vec![0.0; spec.num_params()],
            spec: spec.clone(),
            norms,
            basis,
            transposed: Transposed::default(),
        })
    }

    /// PyTorch's default initialisation: for each `Linear` in order, the weight and then the
    /// bias are drawn from U(−1/√n_in, 1/√n_in); a `BatchNorm1d` draws nothing (γ = 1, β = 0).
    pub fn init(spec: &MlpSpec, rng: &mut impl Rng) -> Result<Self> {
        let mut mlp = Mlp::zeros(spec)?;
        for l in 0..mlp.layers.len() {
            let o = mlp.layers[l];
            let bound = 1.0 / (o.n_in as f32).sqrt();
            let end = o.bias + o.bias_len();
            for p in &mut mlp.params[o.weight..end] {
                *p = rng.random_range(-bound..bound);
            }
            if let Some(norm) = o.norm() {
                mlp.params[norm..norm + o.units].fill(1.0);
            }
        }
        Ok(mlp)
    }

    /// The shape.
    pub fn spec(&self) -> &MlpSpec {
        &self.spec
    }

    /// The layers' positions in [`Mlp::params`].
    pub fn layers(&self) -> &[LayerOffsets] {
        &self.layers
    }

    /// All parameters, flat: layer by layer, weight (`[out, in]`) then bias (then γ, β).
    pub fn params(&self) -> &[f32] {
        &self.params
    }

    /// All parameters, mutable (for optimizers and loading).
    pub fn params_mut(&mut self) -> &mut [f32] {
        self.transposed.invalidate();
        &mut self.params
    }

    /// Every layer's `Wᵀ` (`[n_in, n_out]` row-major, [`transposed::Cache::weight_t`]), the
    /// copies the forward pass reads, made now if the parameters changed since.
    pub(crate) fn weights_t(&self) -> std::sync::MutexGuard<'_, transposed::Cache> {
        self.transposed.get(&self.params, &self.layers)
    }

    /// The running statistics, one per hidden layer with batch normalisation, in order
    /// (layer `l`'s belong to `nn.Sequential` module `3l + 1`); empty without.
    pub fn batchnorm_buffers(&self) -> &[BatchNormBuffers] {
        &self.norms
    }

    /// The running statistics, mutable (for loading).
    pub fn batchnorm_buffers_mut(&mut self) -> &mut [BatchNormBuffers] {
        &mut self.norms
    }

    /// The smooth basis's fixed matrix `M` (`[outputs, coefficients]`, nn.Linear's layout) and
    /// its `nn.Sequential` index (right after the last `Linear`); `None` without a basis.
    pub fn basis(&self) -> Option<(&[f32], usize)> {
        let index = self.spec.module_index(self.layers.len() - 1) + 1;
        self.spec.basis.map(|_| (self.basis.as_slice(), index))
    }

    /// The `nn.Sequential` state-dict entries of the parameters: `(name, shape, offset in
    /// params)`, in order. Batch normalisation's buffers are in [`Mlp::batchnorm_buffers`].
    pub fn state_dict_layout(&self) -> Vec<(String, Vec<usize>, usize)> {
        let mut out = Vec::with_capacity(4 * self.layers.len());
        for (l, o) in self.layers.iter().enumerate() {
            let m = self.spec.module_index(l);
            out.push((format!("{m}.weight"), vec![o.n_out, o.n_in], o.weight));
            if o.bias_len() > 0 {
                out.push((format!("{m}.bias"), vec![o.n_out], o.bias));
            }
            if let Some(norm) = o.norm() {
                out.push((format!("{}.weight", m + 1), vec![o.units], norm));
                out.push((format!("{}.bias", m + 1), vec![o.units], norm + o.units));
            }
        }
        out
    }

    /// Runs the MLP in evaluation mode (PyTorch's `eval()`: batch normalisation uses the
    /// running statistics and updates nothing) on `x` (`[B, n₀]`, row-major), keeping in
    /// `tape` what backward needs, and returns the output `[B, n_L]`.
    pub fn forward<'t>(&self, x: &[f32], tape: &'t mut Tape) -> Result<&'t [f32]> {
        self.run(x, tape, None)
    }

    /// Runs the MLP in training mode (PyTorch's `train()`): batch normalisation normalises
    /// with the batch's statistics and updates the running ones. Without batch normalisation
    /// the same as [`crate::nn::mlp::Mlp::forward`]. With it, a batch of one row is an error, as in PyTorch.
    pub fn forward_train<'t>(&mut self, x: &[f32], tape: &'t mut Tape) -> Result<&'t [f32]> {
        let mut norms = std::mem::take(&mut self.norms);
        let out = self.run(x, tape, Some(&mut norms));
        self.norms = norms;
        out
    }

    /// The forward pass; `train` holds the running statistics to update in training mode.
    fn run<'t>(
        &self,
        x: &[f32],
        tape: &'t mut Tape,
        mut train: Option<&mut [BatchNormBuffers]>,
    ) -> Result<&'t [f32]> {
        let n0 = self.spec.input_dim();
        if n0 == 0 || !x.len().is_multiple_of(n0) {
            return Err(Error::Shape(format!(
                "MLP input has {} values, not a multiple of the input width {n0}",
                x.len()
            )));
        }
        let batch = x.len() / n0;
        if train.as_ref().is_some_and(|n| !n.is_empty()) && batch < 2 {
            return Err(Error::Shape(format!(
                "batch normalisation in training mode needs more than 1 row per batch, got {batch} (PyTorch: expected more than 1 value per channel when training)"
            )));
        }
        tape.prepare(&self.spec, batch);
        tape.train = train.is_some();
        tape.input.copy_from_slice(x);
        let transposed = self.weights_t();
        for (l, o) in self.layers.iter().enumerate() {
            let (before, rest) = tape.post.split_at_mut(l);
            let input: &[f32] = if l == 0 { &tape.input } else { &before[l - 1] };
            let weight = (&self.params[o.weight..o.bias], transposed.weight_t(o));
            let bias = match o.bias_len() {
                0 => &tape.zeros[..o.n_out],
                n => &self.params[o.bias..o.bias + n],
            };
            let (pre, post) = (&mut tape.pre[l], &mut rest[0]);
            let act = self.spec.act(l);
            match o.kind {
                LayerKind::BatchNorm { gamma: norm } => {
                    // h = Linear(input) into pre, BN in place (h → y), then post = act(y).
                    let n = o.units;
                    let (centred, mean, invstd) =
                        (&mut tape.centred[l], &mut tape.mean[l], &mut tape.invstd[l]);
                    let (i, plain) = (Act::Identity, centred.as_mut_slice());
                    linear_forward(batch, o.n_in, n, input, weight, bias, i, pre, plain);
                    match train.as_deref_mut() {
                        Some(norms) => batch_statistics(batch, pre, &mut norms[l], mean, invstd),
                        None => running_statistics(&self.norms[l], mean, invstd),
                    }
                    let gamma = &self.params[norm..norm + n];
                    let beta = &self.params[norm + n..norm + 2 * n];
                    normalise(gamma, beta, mean, invstd, pre, centred);
                    act.apply_into(pre, post);
                }
                LayerKind::Maxout { pieces } => {
                    // Maxout: pre = Linear(input), [B, units·K]; post = max over each unit's pieces.
                    let scratch = &mut tape.spread[l];
                    linear_forward(
                        batch,
                        o.n_in,
                        o.n_out,
                        input,
                        weight,
                        bias,
                        Act::Identity,
                        pre,
                        scratch,
                    );
                    maxout_forward(o.units, pieces, pre, post, &mut tape.argmax[l]);
                }
                LayerKind::Plain => {
                    // pre[B, out] = input[B, in] · Wᵀ + b, post = act(pre): one pass.
                    let smooth = |pre: &[f32], post: &mut [f32]| act.apply_into(pre, post);
                    linear_forward(
                        batch,
                        o.n_in,
                        o.n_out,
                        input,
                        weight,
                        bias,
                        match act {
                            Activation::Relu => Act::Relu,
                            Activation::LeakyRelu(slope) => Act::LeakyRelu(slope),
                            Activation::Identity => Act::Identity,
                            Activation::Tanh | Activation::Sigmoid => Act::Rows(&smooth),
                        },
                        pre,
                        post,
                    );
                }
            }
        }
        if let Some(b) = &self.spec.basis {
            // out[B, outputs] = coefficients[B, k] · Mᵀ
            let (k, n) = (b.inputs(), b.outputs());
            let coefficients = &tape.post[self.layers.len() - 1];
            let strides = ((k, 1), (1, k), (n, 1));
            let (a, m, c) = (coefficients, &self.basis, &mut tape.smooth);
            gemm(batch, k, n, a, strides.0, m, strides.1, 0.0, c, strides.2);
        }
        Ok(tape.output())
    }

    /// Backpropagates `grad_output` (∂L/∂output, `[B, n_L]`) through the last forward pass
    /// recorded in `tape`. Adds ∂L/∂params into `grads` when given (same layout as
    /// [`Mlp::params`]) and writes ∂L/∂x into `grad_input` when given (`[B, n₀]`). Through
    /// batch normalisation, the forward pass must have been [`Mlp::forward_train`]'s.
    pub fn backward(
        &self,
        tape: &mut Tape,
        grad_output: &[f32],
        mut grads: Option<&mut [f32]>,
        mut grad_input: Option<&mut [f32]>,
    ) -> Result<()> {
        let batch = tape.batch;
        let n_last = self.spec.output_dim();
        if grad_output.len() != batch * n_last {
            return Err(Error::Shape(format!(
                "gradient of the output has {} values, the last forward produced [{batch}, {n_last}]",
                grad_output.len()
            )));
        }
        if !self.norms.is_empty() && !tape.train {
            return Err(Error::Shape(
                "backward through batch normalisation needs a training-mode forward pass (forward_train), the tape holds an evaluation-mode one"
                    .into(),
            ));
        }
        if let Some(g) = grads.as_deref() {
            if g.len() != self.params.len() {
                return Err(Error::Shape(format!(
                    "gradient buffer has {} values, the MLP has {} parameters",
                    g.len(),
                    self.params.len()
                )));
            }
        }
        if let Some(gi) = grad_input.as_deref() {
            if gi.len() != batch * self.spec.input_dim() {
                return Err(Error::Shape(format!(
                    "input-gradient buffer has {} values, the input was [{batch}, {}]",
                    gi.len(),
                    self.spec.input_dim()
                )));
            }
        }
        // The element-wise loops below run compiled for the CPU's vector instructions.
        vectorised(
            Isa::current(),
            #[inline(always)]
            || {
                let last = self.layers.len() - 1;
                match &self.spec.basis {
                    // δ_L[B, k] = ∂L/∂out[B, outputs] · M[outputs, k]
                    Some(b) => {
                        let (k, n) = (b.inputs(), b.outputs());
                        let (g, m, d) = (grad_output, &self.basis, &mut tape.delta[last]);
                        gemm(batch, n, k, g, (n, 1), m, (k, 1), 0.0, d, (k, 1));
                    }
                    None => tape.delta[last].copy_from_slice(grad_output),
                }
                for l in (0..self.layers.len()).rev() {
                    let o = self.layers[l];
                    let act = self.spec.act(l);
                    let maxout = matches!(o.kind, LayerKind::Maxout { .. });
                    match o.kind {
                        LayerKind::Maxout { pieces } => {
                            // ∂L/∂pre: each unit's gradient to its selected piece.
                            let (argmax, delta) = (&tape.argmax[l], &tape.delta[l]);
                            maxout_backward(pieces, argmax, delta, &mut tape.spread[l]);
                        }
                        // δ_pre = δ_post ⊙ act′(pre_l)
                        LayerKind::Plain => {
                            act.backward(&tape.pre[l], &tape.post[l], &mut tape.delta[l])
                        }
                        // act′ at y, then BN's backward
                        LayerKind::BatchNorm { gamma: norm } => {
                            act.backward(&tape.pre[l], &tape.post[l], &mut tape.delta[l]);
                            let gamma = &self.params[norm..norm + o.units];
                            let gb = grads
                                .as_deref_mut()
                                .map(|g| &mut g[norm..norm + 2 * o.units]);
                            let (centred, invstd) = (&tape.centred[l], &tape.invstd[l]);
                            let (dy, sums) = (&mut tape.delta[l], &mut tape.sums);
                            batchnorm_backward(gamma, centred, invstd, dy, gb, sums);
                        }
                    }
                    let (below, here) = tape.delta.split_at_mut(l);
                    let delta: &[f32] = if maxout { &tape.spread[l] } else { &here[0] };
                    if let Some(g) = grads.as_deref_mut() {
                        let input: &[f32] = if l == 0 {
                            &tape.input
                        } else {
                            &tape.post[l - 1]
                        };
                        // ∂W[out, in] += δᵀ[out, B] · input[B, in]
                        gemm(
                            o.n_out,
                            batch,
                            o.n_in,
                            delta,
                            (1, o.n_out),
                            input,
                            (o.n_in, 1),
                            1.0,
                            &mut g[o.weight..o.bias],
                            (o.n_in, 1),
                        );
                        let gb = &mut g[o.bias..o.bias + o.bias_len()];
                        if !gb.is_empty() {
                            for row in delta.chunks_exact(o.n_out) {
                                gb.iter_mut().zip(row).for_each(|(b, d)| *b += d);
                            }
                        }
                    }
                    // δ_post(l−1)[B, in] = δ[B, out] · W[out, in]
                    let dst: &mut [f32] = match (l, grad_input.as_deref_mut()) {
                        (0, Some(gi)) => gi,
                        (0, None) => break,
                        _ => &mut below[l - 1],
                    };
                    gemm(
                        batch,
                        o.n_out,
                        o.n_in,
                        delta,
                        (o.n_out, 1),
                        &self.params[o.weight..o.bias],
                        (o.n_in, 1),
                        0.0,
                        dst,
                        (o.n_in, 1),
                    );
                }
            },
        );
        Ok(())
    }
}
