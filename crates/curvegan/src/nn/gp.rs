//! Gradient penalties of D's input gradient, exactly, by double backpropagation through an
//! [`Mlp`] whose activations are piecewise linear (ReLU, LeakyReLU, identity): WGAN-GP's on
//! interpolates and R1 (Mescheder et al., 2018) on real samples.
//!
//! For points `x` (`[B, n₀]`: WGAN-GP's interpolates `x̂`, or the real batch for R1) and a
//! critic with one output, `s_j = D(x)_j`:
//!
//! ```text
//! g_j  = ∂s_j/∂x_j              [B, n₀]   (row j of ∂(Σ_j s_j)/∂x: rows do not interact)
//! n_j  = ‖g_j‖₂                 [B]
//! P    = mean_j φ(g_j)           scalar, [`PenaltyForm`]:
//!        WGAN-GP  φ = (n_j − 1)²      (one-centred)
//!        R1       φ = Σ_k g_jk² = n_j² (zero-centred; the training step weighs it by γ/2)
//! ```
//!
//! With `W_l` of shape `[n_{l+1}, n_l]` and the slopes `d_l = act′(pre_l)` (`[B, n_{l+1}]`,
//! the last one the output activation's), the input gradient is a backward pass with
//! upstream 1:
//!
//! ```text
//! δ_{L−1} = d_{L−1}                        [B, 1]
//! δ_{l−1} = (δ_l · W_l) ⊙ d_{l−1}          [B, n_l]
//! g       = δ_0 · W_0                      [B, n₀]
//! ```
//!
//! The slopes are piecewise constant (ReLU′(0) = 0, LeakyReLU′(0) = slope), so g depends on
//! the weights only, through this linear chain. Its reverse, with `γ_j = ∂P/∂g_j` (WGAN-GP:
//! `2(n_j − 1)/(n_j·B)·g_j`, 0 where `n_j = 0` as torch's norm backward; R1: `2g_j/B`) and
//! `ē_0 = γ`:
//!
//! ```text
//! ∂P/∂W_l  = δ_lᵀ · ē_l                    [n_{l+1}, n_l]
//! ē_{l+1}  = (ē_l · W_lᵀ) ⊙ d_l            [B, n_{l+1}]
//! ∂P/∂b_l  = 0,  ∂P/∂x = 0                 (they act only through the constant slopes)
//! ```
//!
//! **Conditions.** A conditional critic's input rows hold the sample and its condition,
//! `[x | c]` (packed: `[x₁ | c₁ | x₂ | c₂ …]`). The condition is data, not a point the penalty
//! is about: [`input_penalty_on`] takes the mask of the sample's columns and the penalty is
//! that of `g` restricted to them (PyTorch: `autograd.grad(D(torch.cat([x, c], 1)), x)`), the
//! condition's columns of `g` set to 0 before the norms, so that `γ` is 0 there too. Without
//! it, R1 would also push D's slope along the condition to zero, and D would learn to ignore
//! the condition.
//!
//! For one hidden-layer pair this is the fixture README's `dP/dW0 = u1ᵀγ`,
//! `dP/dW2 = u2ᵀ(d1 ⊙ γW0ᵀ)`, `dP/dW4 = Σ_rows d2 ⊙ ((d1 ⊙ γW0ᵀ)W2ᵀ)`. A smooth activation
//! (tanh, sigmoid) would add second-derivative terms; it is rejected with an error.
//!
//! ```
//! use curvegan::nn::gp::{gradient_penalty, input_penalty, GpWorkspace, PenaltyForm};
//! use curvegan::nn::mlp::{Activation, Mlp, MlpSpec};
//! use rand::SeedableRng;
//!
//! let spec = MlpSpec::new(3, &[8], 1, Activation::LeakyRelu(0.2), Activation::Identity);
//! let critic = Mlp::init(&spec, &mut rand_chacha::ChaCha8Rng::seed_from_u64(0)).unwrap();
//! let xhat = vec![0.1f32; 4 * 3]; // [B = 4, n = 3]
//! let mut grads = vec![0.0; critic.params().len()];
//! let mut ws = GpWorkspace::default();
//! let p = gradient_penalty(&critic, &xhat, 10.0, Some(&mut grads), &mut ws).unwrap();
//! assert!(p.value >= 0.0 && ws.norms().len() == 4);
//! // R1 on the same points: mean ‖g_j‖², here with the weight γ/2 = 5.
//! let r1 = input_penalty(PenaltyForm::R1, &critic, &xhat, 5.0, None, &mut ws).unwrap();
//! let mean_sq = ws.norms().iter().map(|n| n * n).sum::<f32>() / 4.0;
//! assert!((r1.value - mean_sq).abs() <= 1e-6 * (1.0 + mean_sq));
//! ```

use crate::error::{Error, Result};
use crate::nn::mlp::{Mlp, Tape};

/// Which function of the input gradient a penalty averages (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PenaltyForm {
    /// WGAN-GP's `(‖g_j‖ − 1)²`.
    WganGp,
    /// R1's `‖g_j‖²` (summed squares, no square root).
    R1,
}

/// The penalty of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Penalty {
    /// `P = mean_j φ(g_j)` (WGAN-GP: `(‖g_j‖ − 1)²`, R1: `‖g_j‖²`), without the weight.
    pub value: f32,
    /// `mean_j ‖g_j‖`.
    pub mean_norm: f32,
}

/// Buffers of [`gradient_penalty`], kept between calls so that a call allocates nothing once
/// the batch size and the MLP's shape have been seen.
#[derive(Debug, Clone, Default)]
pub struct GpWorkspace {
    /// Forward pass on x̂.
    tape: Tape,
    /// `d_l = act′(pre_l)`, `[B, n_{l+1}]` per layer.
    slopes: Vec<Vec<f32>>,
    /// `δ_l`, `[B, n_{l+1}]` per layer.
    delta: Vec<Vec<f32>>,
    /// `ē_l = ∂P/∂e_l`, `[B, n_l]` per layer; `ē_0 = γ`.
    adjoint: Vec<Vec<f32>>,
    /// `g`, `[B, n₀]`.
    g: Vec<f32>,
    /// `‖g_j‖`, `[B]`.
    norms: Vec<f32>,
}

impl GpWorkspace {
    /// `g = ∂D(x̂)/∂x̂` of the last call, `[B, n₀]`.
    pub fn input_gradient(&self) -> &[f32] {
        &self.g
    }

    /// `‖g_j‖₂` of the last call, `[B]`.
    pub fn norms(&self) -> &[f32] {
        &self.norms
    }

    /// The critic's scores `D(x̂)` of the last call, `[B, 1]`.
    pub fn scores(&self) -> &[f32] {
        self.tape.output()
    }

    fn prepare(&mut self, widths: &[usize], batch: usize) {
        let layers = widths.len() - 1;
        for v in [&mut self.slopes, &mut self.delta, &mut self.adjoint] {
            v.resize_with(layers, Vec::new);
        }
        for l in 0..layers {
            self.slopes[l].resize(batch * widths[l + 1], 0.0);
            self.delta[l].resize(batch * widths[l + 1], 0.0);
            self.adjoint[l].resize(batch * widths[l], 0.0);
        }
        self.g.resize(batch * widths[0], 0.0);
        self.norms.resize(batch, 0.0);
    }
}

/// WGAN-GP's gradient penalty of `critic` at the interpolates `xhat` (`[B, n₀]`, row-major):
/// [`input_penalty`] with [`PenaltyForm::WganGp`].
pub fn gradient_penalty(
    critic: &Mlp,
    xhat: &[f32],
    weight: f32,
    grads: Option<&mut [f32]>,
    ws: &mut GpWorkspace,
) -> Result<Penalty> {
    input_penalty(PenaltyForm::WganGp, critic, xhat, weight, grads, ws)
}

/// The penalty `form` of `critic`'s input gradient at the points `xhat` (`[B, n₀]`,
/// row-major), see the module docs. When `grads` is given (the critic's flat gradient layout,
/// [`Mlp::params`]), adds `weight·∂P/∂params` into it: to the weights only, the biases get
/// exactly 0.
///
/// Errors: the critic must have one output, plain hidden layers (no maxout or batch
/// normalisation: [`Error::Config`] naming `--d-maxout`) and piecewise-linear activations
/// ([`Error::Config`] naming `--activation` otherwise); `xhat` must be a non-empty whole
/// number of rows and `grads` as long as the parameters ([`Error::Shape`]).
pub fn input_penalty(
    form: PenaltyForm,
    critic: &Mlp,
    xhat: &[f32],
    weight: f32,
    grads: Option<&mut [f32]>,
    ws: &mut GpWorkspace,
) -> Result<Penalty> {
    input_penalty_on(form, critic, xhat, &[], weight, grads, ws)
}

/// [`input_penalty`] of the input gradient restricted to the columns where `columns` is true
/// (`[n₀]`; empty: every column): a conditional critic's sample columns (see the module docs).
pub fn input_penalty_on(
    form: PenaltyForm,
    critic: &Mlp,
    xhat: &[f32],
    columns: &[bool],
    weight: f32,
    grads: Option<&mut [f32]>,
    ws: &mut GpWorkspace,
) -> Result<Penalty> {
    let spec = critic.spec();
    let layers = critic.layers();
    let n_layers = layers.len();
    let act = |l: usize| {
        if l + 1 == n_layers {
            spec.output_activation
        } else {
            spec.activation
        }
    };
    if spec.maxout > 1 || spec.batchnorm {
        return Err(Error::config(
            "d_maxout",
            format!(
                "the gradient penalty supports plain hidden layers only; this critic has {}",
                if spec.batchnorm {
                    "batch normalisation".to_string()
                } else {
                    format!("maxout with {} pieces", spec.maxout)
                }
            ),
        ));
    }
    for (l, what) in [(0, "hidden"), (n_layers - 1, "output")] {
        let a = act(l);
        if !a.is_piecewise_linear() {
            return Err(Error::config(
                "activation",
                format!(
                    "the gradient penalty is exact only for piecewise-linear activations \
                     (relu, leaky-relu, identity); the critic's {what} activation is '{a}'"
                ),
            ));
        }
    }
    if spec.output_dim() != 1 {
        return Err(Error::Shape(format!(
            "the gradient penalty needs a critic with one output, this one has {}",
            spec.output_dim()
        )));
    }
    let n0 = spec.input_dim();
    if !columns.is_empty() && columns.len() != n0 {
        return Err(Error::Shape(format!(
            "the penalty's column mask has {} entries, the critic's input {n0}",
            columns.len()
        )));
    }
    if xhat.is_empty() || !xhat.len().is_multiple_of(n0) {
        return Err(Error::Shape(format!(
            "penalty points have {} values, not a positive multiple of the input width {n0}",
            xhat.len()
        )));
    }
    if let Some(g) = grads.as_deref() {
        if g.len() != critic.params().len() {
            return Err(Error::Shape(format!(
                "gradient buffer has {} values, the critic has {} parameters",
                g.len(),
                critic.params().len()
            )));
        }
    }
    let batch = xhat.len() / n0;
    critic.forward(xhat, &mut ws.tape)?;
    ws.prepare(&spec.widths, batch);
    let params = critic.params();

    // Slopes d_l = act′(pre_l); every activation was checked to be piecewise linear above.
    for l in 0..n_layers {
        let a = act(l);
        let pre = ws.tape.pre_activation(l);
        for (d, &p) in ws.slopes[l].iter_mut().zip(pre) {
            *d = a.piecewise_slope(p).unwrap_or(0.0);
        }
    }

    // First backward, upstream 1: δ_{L−1} = d_{L−1}, δ_{l−1} = (δ_l·W_l) ⊙ d_{l−1}, g = δ_0·W_0.
    ws.delta[n_layers - 1].copy_from_slice(&ws.slopes[n_layers - 1]);
    for l in (0..n_layers).rev() {
        let o = layers[l];
        let w = &params[o.weight..o.bias];
        let (below, here) = ws.delta.split_at_mut(l);
        let dst: &mut [f32] = if l == 0 { &mut ws.g } else { &mut below[l - 1] };
        // [B, n_in] = δ_l[B, n_out] · W_l[n_out, n_in]
        matmul(
            batch,
            o.n_out,
            o.n_in,
            &here[0],
            (o.n_out, 1),
            w,
            (o.n_in, 1),
            0.0,
            dst,
        );
        if l > 0 {
            dst.iter_mut()
                .zip(&ws.slopes[l - 1])
                .for_each(|(v, d)| *v *= d);
        }
    }

    // A condition's columns do not count: g restricted to the sample's columns.
    if !columns.is_empty() {
        for row in ws.g.chunks_exact_mut(n0) {
            row.iter_mut()
                .zip(columns)
                .filter(|(_, &keep)| !keep)
                .for_each(|(v, _)| *v = 0.0);
        }
    }

    // Norms, P, and γ in torch's order of operations: WGAN-GP γ_j = g_j · ((λ/B)·2(n_j − 1))
    // / n_j; R1 γ_j = (λ/B)·(2·g_j).
    let mut sum_sq = 0.0f64;
    let mut sum_norm = 0.0f64;
    let up = weight / batch as f32;
    for (j, (row, gamma)) in
        ws.g.chunks_exact(n0)
            .zip(ws.adjoint[0].chunks_exact_mut(n0))
            .enumerate()
    {
        let sq = row.iter().map(|v| v * v).sum::<f32>();
        let norm = sq.sqrt();
        ws.norms[j] = norm;
        sum_norm += norm as f64;
        match form {
            PenaltyForm::WganGp => {
                let dev = norm - 1.0;
                sum_sq += (dev * dev) as f64;
                let scale = if norm == 0.0 {
                    0.0
                } else {
                    (up * (2.0 * dev)) / norm
                };
                gamma
                    .iter_mut()
                    .zip(row)
                    .for_each(|(gm, v)| *gm = v * scale);
            }
            PenaltyForm::R1 => {
                sum_sq += sq as f64;
                gamma
                    .iter_mut()
                    .zip(row)
                    .for_each(|(gm, v)| *gm = up * (2.0 * v));
            }
        }
    }
    let penalty = Penalty {
        value: (sum_sq / batch as f64) as f32,
        mean_norm: (sum_norm / batch as f64) as f32,
    };

    // Second backward, through the linear chain: ∂P/∂W_l += δ_lᵀ·ē_l, ē_{l+1} = (ē_l·W_lᵀ) ⊙ d_l.
    let Some(grads) = grads else {
        return Ok(penalty);
    };
    let transposed = critic.weights_t();
    for l in 0..n_layers {
        let o = layers[l];
        let (upto, above) = ws.adjoint.split_at_mut(l + 1);
        let adj = &upto[l];
        // ∂W[n_out, n_in] += δ_lᵀ[n_out, B] · ē_l[B, n_in]
        matmul(
            o.n_out,
            batch,
            o.n_in,
            &ws.delta[l],
            (1, o.n_out),
            adj,
            (o.n_in, 1),
            1.0,
            &mut grads[o.weight..o.bias],
        );
        if let Some(next) = above.first_mut() {
            // ē_{l+1}[B, n_out] = ē_l[B, n_in] · W_lᵀ[n_in, n_out], then ⊙ d_l
            matmul(
                batch,
                o.n_in,
                o.n_out,
                adj,
                (o.n_in, 1),
                transposed.weight_t(&o),
                (o.n_out, 1),
                0.0,
                next,
            );
            next.iter_mut()
                .zip(&ws.slopes[l])
                .for_each(|(v, d)| *v *= d);
        }
    }
    Ok(penalty)
}

/// `C[m, n] = A[m, k] · B[k, n] + beta·C` with C row-major and contiguous: the engine's
/// product ([`crate::nn::mlp`]), with its fast paths.
#[allow(clippy::too_many_arguments)]
fn matmul(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    a_strides: (usize, usize),
    b: &[f32],
    b_strides: (usize, usize),
    beta: f32,
    c: &mut [f32],
) {
    crate::nn::gemm::gemm(m, k, n, a, a_strides, b, b_strides, beta, c, (n, 1));
}
