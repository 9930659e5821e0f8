//! The GAN training step: the tutorial's "forward, backward, update" block.
//!
//! [`train_step`] is a pure function of (weights, optimizer states, real batch, noise): it does
//! not draw anything, so tests can replay PyTorch's runs from their noise. `run::train::trainer::Trainer` owns the
//! random number generators and draws, in order, the initial weights (G layer by layer, then
//! D), and at every step the real batch and the noise.
//!
//! One step (`B` = batch, `n` = sample size, `k` = latent size, `s = D(·)`: `[B, 1]`; the
//! losses are those of [`crate::gan::loss`]):
//! ```text
//! repeat n_critic times (i = 1..n_critic), one D update each:
//!     fake   = G(z_d[i])                           z_d[i]: [B, k] → fake: [B, n], detached
//!     s_r    = D(real),  s_f = D(fake)             the same real batch every time
//!     D_loss = loss(s_r, s_f)
//!     wgan-gp: x̂ = ε_i·real + (1 − ε_i)·fake        ε_i: [B], one per row; f32, in that order
//!              D_loss += λ·P(x̂)                    P: the gradient penalty (crate::nn::gp)
//!     r1 = γ:  D_loss += (γ/2)·mean_j ‖∇D(real)_j‖²  on D's (packed) real input rows
//!     D ← opt_D(D, ∂D_loss/∂D)
//!     wgan:    every D parameter clamped to [−clip, clip]
//! then one G update, with the updated D:
//!     s      = D(G(z_g))                           z_g: [B, k]
//!     top-k: s ← the k_t scores D finds most real   k_t rows of the B / pack, others get no gradient
//!     G_loss = loss(s)
//!     G ← opt_G(G, ∂G_loss/∂G)                     backward through D to its input, then G
//! ```
//! The `tutorial` loss (the tutorial's) takes one D update and its G update reuses the D update's
//! noise and fake batch (`z_g = None`): G has not changed in between, so G's forward pass is
//! done once per step. Any kind can reuse the last critic update's noise this way.
//!
//! **Top-k** (Sinha et al., 2020; [`LossSettings::g_rows`]): G's update learns only from the
//! fakes D scores as the most real, `k_t` of D's `R = B / pack` scores, k_t falling linearly
//! from R to ν·R over the first `top_k_anneal` steps (t = G updates so far, read from G's
//! optimizer): `G_loss = loss(s[top])` over those k_t rows, and the other rows' fakes get no
//! gradient. A fake far from every mode is the one D scores lowest, and its gradient can pull
//! G away from the modes the good fakes sit on; the update drops it. PyTorch:
//! `s = D(G(z)).view(-1); G_loss = loss(torch.topk(s, k).values)`.
//!
//! Two variants change only the shapes the networks see:
//! - **conditioning** (`c` values per row, [`StepNoise::cond`]): G sees `[z | c]`, `[B, k + c]`,
//!   and D sees `[x | c]` and `[fake | c]`, `[B, n + c]` ([`with_condition`]); G's gradient
//!   keeps only the sample's `n` columns of ∂G_loss/∂(D's input);
//! - **packing** (PacGAN, `pack` samples per D input): D's input width is `pack·(n + c)`, so
//!   it reads the batch `[B, n + c]` as `[B / pack, pack·(n + c)]` and scores `B / pack` rows.
//!
//! G runs in training mode ([`Mlp::forward_train`]): with batch normalisation each of its
//! forward passes above (one per D update, and the G update's own when `z_g` is given)
//! normalises with its batch's statistics and updates the running ones, as a PyTorch loop
//! with `G.train()` does.
//!
//! **Spectral normalisation** of D ([`Gan::spectral`], [`crate::nn::spectral`]): every call
//! of D above (`D(real)`, `D(fake)`, `D(G(z_g))`) first runs one power iteration and uses
//! `W/σ` of that call, as PyTorch's `spectral_norm` in training mode; ∂D_loss/∂W sums the two
//! calls' backward passes through `W/σ` (R1 goes through the real call's), and `opt_D` (and
//! `wgan`'s clamp) updates the raw weights. `wgan-gp`'s third call on x̂ is not supported: the
//! combination is refused.
//!
//! In the code: [`check_step`] validates every shape once and returns the step's sizes;
//! `train_step` then reads as the block above, calling `critic_loss` (D's loss and gradient),
//! `add_gradient_penalty` (`wgan-gp`), `add_r1` (R1), `clip_weights` (`wgan`) and `grad_wrt_fake` (the
//! backward pass through D in G's update).

use crate::error::{Error, Result};
use crate::gan::loss::{LossKind, LossSettings};
use crate::gan::noise::with_condition;
use crate::nn::criterion::mean;
use crate::nn::gp::{input_penalty_on, GpWorkspace, Penalty, PenaltyForm};
use crate::nn::mlp::{Mlp, Tape};
use crate::nn::optim::Optimizer;
use crate::nn::spectral::{SnPass, SpectralNorm};

/// The two networks.
#[derive(Debug, Clone, PartialEq)]
pub struct Gan {
    /// The generator G: noise `[B, latent]` → samples `[B, n]`.
    pub generator: Mlp,
    /// The discriminator D: samples `[B, n]` → `[B, 1]`. With spectral normalisation it holds
    /// `W/σ` of its last forward call; the raw weights are in `spectral`.
    pub discriminator: Mlp,
    /// Spectral normalisation of D (`--spectral-norm`): D's raw weights, `u` and `v`, which
    /// the optimizer and the checkpoint see instead of `discriminator`'s parameters.
    pub spectral: Option<SpectralNorm>,
}

impl Gan {
    /// G and D without spectral normalisation.
    pub fn new(generator: Mlp, discriminator: Mlp) -> Self {
        Gan {
            generator,
            discriminator,
            spectral: None,
        }
    }

    /// D's trainable parameters: the raw weights and biases with spectral normalisation,
    /// else D's own.
    pub fn discriminator_params(&self) -> &[f32] {
        match &self.spectral {
            Some(sn) => sn.params(),
            None => self.discriminator.params(),
        }
    }
}

/// The two optimizers, one per network, each with its own state and step counter.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizers {
    /// G's optimizer.
    pub generator: Optimizer,
    /// D's optimizer.
    pub discriminator: Optimizer,
}

/// What one step measured. With several critic updates per step, the D numbers are those of
/// the last one; [`Workspace::critic_stats`] has every update's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepStats {
    /// D's loss in the (last) D update, before that update (with `λ·P` for `wgan-gp`, R1's
    /// penalty with R1).
    pub d_loss: f32,
    /// G's loss, computed with the updated D.
    pub g_loss: f32,
    /// Mean of D(real) in the (last) D update: a probability for `tutorial`, else a raw score.
    pub d_real: f32,
    /// Mean of D(fake) in the (last) D update, before D changes.
    pub d_fake: f32,
    /// Mean of D(fake) in the G update, with the updated D.
    pub d_fake_g: f32,
}

impl StepStats {
    /// True if every number is finite.
    pub fn is_finite(&self) -> bool {
        [
            self.d_loss,
            self.g_loss,
            self.d_real,
            self.d_fake,
            self.d_fake_g,
        ]
        .iter()
        .all(|v| v.is_finite())
    }
}

/// What one D ("critic") update measured, before its optimizer step.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CriticStats {
    /// D's loss (with `λ·P` for `wgan-gp`, `(γ/2)·P` with R1).
    pub d_loss: f32,
    /// Mean of D(real).
    pub s_real: f32,
    /// Mean of D(fake).
    pub s_fake: f32,
    /// `wgan-gp` and R1 only: the penalty `P` (without its weight) and the mean gradient norm.
    pub penalty: Option<Penalty>,
}

/// The randomness of one step, drawn by the caller (see the module docs for its use).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepNoise<'a> {
    /// G's input in each D update: `n_critic × [B, latent]`, update after update.
    pub z_d: &'a [f32],
    /// G's input in the G update, `[B, latent]`; `None` reuses the last D update's noise and
    /// fake batch (the `tutorial` loss's procedure).
    pub z_g: Option<&'a [f32]>,
    /// `wgan-gp` only (and required there): the interpolation weights ε, `n_critic × [B]`,
    /// each in [0, 1).
    pub gp_eps: Option<&'a [f32]>,
    /// Conditional GANs only: the condition of each real row, `[B, c]`. It is appended to G's
    /// noise (G sees `[z | c]`) and to D's input for the real batch and the fakes alike
    /// (`[x | c]`, `[G(z, c) | c]`).
    pub cond: Option<&'a [f32]>,
}

impl<'a> StepNoise<'a> {
    /// The `tutorial` loss's noise: one `[B, latent]` batch for its D update and its G update.
    pub fn single(z: &'a [f32]) -> Self {
        StepNoise {
            z_d: z,
            z_g: None,
            gp_eps: None,
            cond: None,
        }
    }
}

/// Buffers reused from step to step, so that a step allocates nothing after the first. Also
/// holds what the last step computed, for tests and diagnostics.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Conditional GANs: G's input `[z | c]`, `[B, k + c]`.
    g_in: Vec<f32>,
    /// G's forward pass: the fake batch of the last D update, then the G update's.
    g_tape: Tape,
    /// Conditional GANs: D's inputs `[x | c]` and `[fake | c]`, `[B, n + c]`.
    d_in_real: Vec<f32>,
    d_in_fake: Vec<f32>,
    /// D's passes and gradients.
    d: CriticBuffers,
    /// Conditional GANs: ∂G_loss/∂(D's input), `[B, n + c]`.
    grad_d_in: Vec<f32>,
    /// ∂G_loss/∂fake, `[B, n]`.
    grad_fake: Vec<f32>,
    /// ∂G_loss/∂G, flat.
    grad_g: Vec<f32>,
    critic: Vec<CriticStats>,
    /// Conditional GANs: which of D's input columns hold samples ([`sample_columns`]).
    columns: Vec<bool>,
}

/// D's side of the workspace.
#[derive(Debug, Clone, Default)]
struct CriticBuffers {
    /// D(real), then D(fake) in the G update.
    tape: Tape,
    /// D(fake) in a D update.
    tape_fake: Tape,
    /// ∂D_loss/∂D, flat.
    grad: Vec<f32>,
    /// D's gradients from the fake batch alone (all kinds but `tutorial`), added to `grad`.
    grad_from_fake: Vec<f32>,
    /// ∂D_loss/∂s_real, `[B / pack]`.
    grad_real: Vec<f32>,
    /// ∂D_loss/∂s_fake, then ∂G_loss/∂s, `[B / pack]`.
    grad_score: Vec<f32>,
    scratch: Vec<f32>,
    /// The interpolates x̂, `[B, n (+ c)]`.
    xhat: Vec<f32>,
    gp: GpWorkspace,
    /// Spectral normalisation: the constants of the forward calls on real, on fakes, and in
    /// the G update, and ∂D_loss/∂(raw weights).
    sn_real: SnPass,
    sn_fake: SnPass,
    sn_g: SnPass,
    grad_orig: Vec<f32>,
    /// Top-k update of G.
    top: TopKBuffers,
}

/// The top-k update's buffers: the kept rows, most real first, their scores and
/// ∂G_loss/∂(kept score).
#[derive(Debug, Clone, Default)]
struct TopKBuffers {
    rows: Vec<usize>,
    scores: Vec<f32>,
    grad: Vec<f32>,
}

impl Workspace {
    /// The generator's output in the last step's G update: the fake batch `[B, n]`.
    pub fn fake(&self) -> &[f32] {
        self.g_tape.output()
    }

    /// The D gradients of the last step's last D update, before its optimizer step (and
    /// before `wgan`'s clamp); flat, in [`Mlp::params`]'s layout.
    pub fn grad_discriminator(&self) -> &[f32] {
        &self.d.grad
    }

    /// The G gradients of the last step's G update; flat, in [`Mlp::params`]'s layout.
    pub fn grad_generator(&self) -> &[f32] {
        &self.grad_g
    }

    /// One record per D update of the last step, in order.
    pub fn critic_stats(&self) -> &[CriticStats] {
        &self.critic
    }

    /// Sizes the gradient buffers for a step of `dims` and forgets the last step's records.
    fn prepare(&mut self, gan: &Gan, dims: &StepDims) {
        let d_params = gan.discriminator.params().len();
        self.grad_g.resize(gan.generator.params().len(), 0.0);
        self.grad_fake.resize(dims.batch * dims.n, 0.0);
        self.grad_d_in
            .resize(dims.batch * (dims.n + dims.c_dim), 0.0);
        self.d.grad.resize(d_params, 0.0);
        self.d.grad_from_fake.resize(d_params, 0.0);
        self.d.grad_real.resize(dims.d_rows, 0.0);
        self.d.grad_score.resize(dims.d_rows, 0.0);
        self.critic.clear();
        if self.columns.len() != (dims.n + dims.c_dim) * dims.pack || dims.c_dim == 0 {
            self.columns = sample_columns(dims);
        }
    }
}

/// The sizes of one step, as [`check_step`] found them consistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDims {
    /// Rows of the real batch, `B`.
    pub batch: usize,
    /// Sample size `n`: G's output width.
    pub n: usize,
    /// Condition size `c` per row (0 unless conditional).
    pub c_dim: usize,
    /// Noise size `k`: G's input width minus `c`.
    pub latent: usize,
    /// Samples per D input (PacGAN; 1 without packing).
    pub pack: usize,
    /// D's input rows per batch, `B / pack`: the number of scores.
    pub d_rows: usize,
}

/// One training step (see the module docs) on the real batch `real` (`[B, n]`, used by every
/// D update) with the given noise. D's output activation must be the loss's
/// ([`LossKind::head`]).
pub fn train_step(
    loss: &LossSettings,
    gan: &mut Gan,
    opt: &mut Optimizers,
    real: &[f32],
    noise: StepNoise<'_>,
    ws: &mut Workspace,
) -> Result<StepStats> {
    let dims = check_step(loss, gan, real, &noise)?;
    ws.prepare(gan, &dims);
    let Gan {
        generator: g,
        discriminator: d,
        spectral,
    } = gan;
    let (kind, b, cond) = (loss.kind, dims.batch, noise.cond.unwrap_or(&[]));
    // D's input for the real batch: x, or [x | c] for a conditional GAN.
    let real = with_condition(&mut ws.d_in_real, real, cond, b);
    for (i, z) in noise.z_d.chunks_exact(b * dims.latent).enumerate() {
        // fake = G(z): [B, n], detached (D's loss does not reach G); D sees [fake | c].
        let fake = g.forward_train(with_condition(&mut ws.g_in, z, cond, b), &mut ws.g_tape)?;
        let fake = with_condition(&mut ws.d_in_fake, fake, cond, b);
        // D's loss on real and fake, and ∂D_loss/∂D.
        let mut sn = spectral.as_mut();
        let mut stats = critic_loss(kind, d, sn.as_deref_mut(), real, fake, &mut ws.d)?;
        // A condition's columns are data: the penalties are about the sample's.
        let columns = &ws.columns;
        if let Some(eps) = noise.gp_eps {
            let (eps, weight) = (&eps[i * b..(i + 1) * b], loss.gp_weight as f32);
            add_gradient_penalty(&mut stats, d, real, fake, eps, columns, weight, &mut ws.d)?;
        }
        if let Some(weight) = loss.r1_weight() {
            add_r1(&mut stats, d, real, columns, weight, &mut ws.d)?;
        }
        // D's update.
        let params = updated_params(d, sn, &mut ws.d)?;
        opt.discriminator.step(params, &ws.d.grad)?;
        if kind.clips_weights() {
            clip_weights(params, loss.clip as f32);
        }
        ws.critic.push(stats);
    }
    // G's loss on the same fake through the updated D (on a fresh fake if z_g is given).
    if let Some(z_g) = noise.z_g {
        g.forward_train(with_condition(&mut ws.g_in, z_g, cond, b), &mut ws.g_tape)?;
    }
    let fake = with_condition(&mut ws.d_in_fake, ws.g_tape.output(), cond, b);
    if let Some(sn) = spectral {
        sn.train_forward(d, &mut ws.d.sn_g);
    }
    let s = d.forward(fake, &mut ws.d.tape)?; // [B / pack, 1]
    let d_fake_g = mean(s);
    // G's loss on the k rows D finds the most real (all of them without top-k).
    let k = loss.g_rows(dims.d_rows, opt.generator.state().0);
    let (grad_s, scratch, top) = (&mut ws.d.grad_score, &mut ws.d.scratch, &mut ws.d.top);
    let g_loss = top_k_g_loss(kind, s, k, grad_s, scratch, top)?;
    // G's update: ∂G_loss/∂fake through D, then ∂G_loss/∂G through G.
    grad_wrt_fake(d, &dims, ws)?;
    ws.grad_g.fill(0.0);
    g.backward(&mut ws.g_tape, &ws.grad_fake, Some(&mut ws.grad_g), None)?;
    opt.generator.step(g.params_mut(), &ws.grad_g)?;

    let last = ws.critic.last().copied().unwrap_or_default();
    Ok(StepStats {
        d_loss: last.d_loss,
        g_loss,
        d_real: last.s_real,
        d_fake: last.s_fake,
        d_fake_g,
    })
}

/// G's loss on the `k` of D's scores `s` (`[R]`) that are the most real by
/// [`LossKind::higher_is_real`], taken in that order (as `torch.topk`'s sorted output; ties by
/// row), with ∂G_loss/∂s in `grad` (`[R]`): the kind's gradient on the kept rows, 0 on the
/// others. With `k = R` this is the kind's loss on every row, in row order.
fn top_k_g_loss(
    kind: LossKind,
    s: &[f32],
    k: usize,
    grad: &mut [f32],
    scratch: &mut Vec<f32>,
    top: &mut TopKBuffers,
) -> Result<f32> {
    if k >= s.len() {
        return kind.g_loss(s, grad, scratch);
    }
    top.rows.clear();
    top.rows.extend(0..s.len());
    let sign = if kind.higher_is_real() { 1.0 } else { -1.0 };
    // Stable: equal scores keep their row order.
    top.rows
        .sort_by(|&a, &b| (sign * s[b]).total_cmp(&(sign * s[a])));
    top.rows.truncate(k);
    top.scores.clear();
    top.scores.extend(top.rows.iter().map(|&r| s[r]));
    top.grad.resize(k, 0.0);
    let g_loss = kind.g_loss(&top.scores, &mut top.grad, scratch)?;
    grad.fill(0.0);
    for (&r, &g) in top.rows.iter().zip(&top.grad) {
        grad[r] = g;
    }
    Ok(g_loss)
}

/// The parameters D's optimizer updates, with their gradient left in `bufs.grad`: D's own, or
/// with spectral normalisation the raw weights, the gradient taken through each forward call's
/// `W/σ` (the real batch's and the fake batch's, see `critic_loss`) and summed.
fn updated_params<'a>(
    d: &'a mut Mlp,
    sn: Option<&'a mut SpectralNorm>,
    bufs: &mut CriticBuffers,
) -> Result<&'a mut [f32]> {
    let Some(sn) = sn else {
        return Ok(d.params_mut());
    };
    bufs.grad_orig.clear();
    bufs.grad_orig.resize(bufs.grad.len(), 0.0);
    sn.backward(&bufs.sn_real, &bufs.grad, &mut bufs.grad_orig)?;
    sn.backward(&bufs.sn_fake, &bufs.grad_from_fake, &mut bufs.grad_orig)?;
    std::mem::swap(&mut bufs.grad, &mut bufs.grad_orig);
    Ok(sn.params_mut())
}

/// D's loss on D's inputs for the real and the fake batch (`[B, n (+ c)]` each), with
/// ∂D_loss/∂D written into `bufs.grad` (zeroed first).
///
/// With spectral normalisation `sn`, each of the two forward calls runs its own power
/// iteration (as PyTorch's), so they see different `W/σ`: the gradient through the real batch
/// (w.r.t. its `W/σ`) is left in `bufs.grad`, the fake batch's in `bufs.grad_from_fake`, and
/// `d` holds the real call's weights on return (for R1).
fn critic_loss(
    kind: LossKind,
    d: &mut Mlp,
    mut sn: Option<&mut SpectralNorm>,
    real: &[f32],
    fake: &[f32],
    bufs: &mut CriticBuffers,
) -> Result<CriticStats> {
    if let Some(sn) = sn.as_deref_mut() {
        sn.train_forward(d, &mut bufs.sn_real);
    }
    let s_real = d.forward(real, &mut bufs.tape)?; // [B / pack, 1]
    if let Some(sn) = sn.as_deref_mut() {
        sn.train_forward(d, &mut bufs.sn_fake);
    }
    let s_fake = d.forward(fake, &mut bufs.tape_fake)?; // [B / pack, 1]
    let (grad_real, grad_fake) = (&mut bufs.grad_real, &mut bufs.grad_score);
    let d_loss = kind.d_loss(s_real, s_fake, grad_real, grad_fake, &mut bufs.scratch)?;
    let (s_real, s_fake) = (mean(s_real), mean(s_fake));
    let stats = CriticStats {
        d_loss,
        s_real,
        s_fake,
        penalty: None,
    };
    if let Some(sn) = sn {
        bufs.grad_from_fake.fill(0.0);
        let grad = Some(&mut bufs.grad_from_fake[..]);
        d.backward(&mut bufs.tape_fake, &bufs.grad_score, grad, None)?;
        sn.install(d, &bufs.sn_real);
        bufs.grad.fill(0.0);
        d.backward(&mut bufs.tape, &bufs.grad_real, Some(&mut bufs.grad), None)?;
        return Ok(stats);
    }
    bufs.grad.fill(0.0);
    d.backward(&mut bufs.tape, &bufs.grad_real, Some(&mut bufs.grad), None)?;
    if kind == LossKind::Tutorial {
        // The tutorial's exact arithmetic: both batches accumulate into one buffer.
        let grad = Some(&mut bufs.grad[..]);
        d.backward(&mut bufs.tape_fake, &bufs.grad_score, grad, None)?;
    } else {
        // PyTorch sums each batch's gradient on its own, then adds the two. With the bias
        // sums done that way, a hidden unit active on every row of both batches gets exactly
        // 0 where the terms cancel (e.g. hinge, wgan), as in PyTorch; Adam would amplify a
        // rounding residue of 1e-9 there to an update of 1e-5.
        bufs.grad_from_fake.fill(0.0);
        let grad = Some(&mut bufs.grad_from_fake[..]);
        d.backward(&mut bufs.tape_fake, &bufs.grad_score, grad, None)?;
        let pairs = bufs.grad.iter_mut().zip(&bufs.grad_from_fake);
        pairs.for_each(|(g, f)| *g += f);
    }
    Ok(stats)
}

/// The mask of D's input columns that hold samples, `[pack · (n + c)]` (true for the first
/// `n` of each packed `n + c`); empty without a condition (every column is a sample's).
fn sample_columns(dims: &StepDims) -> Vec<bool> {
    if dims.c_dim == 0 {
        return Vec::new();
    }
    let block = (0..dims.n + dims.c_dim).map(|j| j < dims.n);
    std::iter::repeat_n(block, dims.pack).flatten().collect()
}

/// `wgan-gp`: adds `λ·P(x̂)` to the D loss in `stats` and its gradient to `bufs.grad`, for
/// `x̂ = ε·real + (1 − ε)·fake` row by row (`ε`: `[B]`), in f32 in PyTorch's order, the norm
/// over the sample's `columns` ([`sample_columns`]).
#[allow(clippy::too_many_arguments)]
fn add_gradient_penalty(
    stats: &mut CriticStats,
    d: &Mlp,
    real: &[f32],
    fake: &[f32],
    eps: &[f32],
    columns: &[bool],
    weight: f32,
    bufs: &mut CriticBuffers,
) -> Result<()> {
    let width = real.len() / eps.len(); // n (+ c)
    bufs.xhat.resize(real.len(), 0.0);
    let rows = bufs
        .xhat
        .chunks_exact_mut(width)
        .zip(real.chunks_exact(width));
    for (((xh, x), f), &e) in rows.zip(fake.chunks_exact(width)).zip(eps) {
        let keep = 1.0 - e;
        for ((xh, &x), &f) in xh.iter_mut().zip(x).zip(f) {
            *xh = e * x + keep * f;
        }
    }
    let grads = Some(&mut bufs.grad[..]);
    let form = PenaltyForm::WganGp;
    let p = input_penalty_on(form, d, &bufs.xhat, columns, weight, grads, &mut bufs.gp)?;
    stats.d_loss += weight * p.value;
    stats.penalty = Some(p);
    Ok(())
}

/// R1: adds `(γ/2)·P` to the D loss in `stats` and its gradient to `bufs.grad`, for
/// `P = mean_j ‖∂D(real)_j/∂real_j‖²` on D's input rows, over the sample's `columns`.
fn add_r1(
    stats: &mut CriticStats,
    d: &Mlp,
    real: &[f32],
    columns: &[bool],
    weight: f32,
    bufs: &mut CriticBuffers,
) -> Result<()> {
    let grads = Some(&mut bufs.grad[..]);
    let p = input_penalty_on(
        PenaltyForm::R1,
        d,
        real,
        columns,
        weight,
        grads,
        &mut bufs.gp,
    )?;
    stats.d_loss += weight * p.value;
    stats.penalty = Some(p);
    Ok(())
}

/// `wgan`: clamps every D parameter (the raw weights with spectral normalisation) to
/// `[−clip, clip]`. `clip` is positive after [`LossSettings::validate`], so `clamp` cannot
/// panic.
fn clip_weights(params: &mut [f32], clip: f32) {
    params.iter_mut().for_each(|p| *p = p.clamp(-clip, clip));
}

/// ∂G_loss/∂fake (`[B, n]`, into `ws.grad_fake`) from ∂G_loss/∂s, by backward through D to
/// its input; D's own gradients are discarded, as in PyTorch. A conditional D's input is
/// `[fake | c]`: the condition is data, not G's output, so only the sample's columns are kept.
fn grad_wrt_fake(d: &Mlp, dims: &StepDims, ws: &mut Workspace) -> Result<()> {
    let (tape, grad_s) = (&mut ws.d.tape, &ws.d.grad_score);
    if dims.c_dim == 0 {
        return d.backward(tape, grad_s, None, Some(&mut ws.grad_fake));
    }
    d.backward(tape, grad_s, None, Some(&mut ws.grad_d_in))?;
    let rows = ws.grad_fake.chunks_exact_mut(dims.n);
    for (dst, src) in rows.zip(ws.grad_d_in.chunks_exact(dims.n + dims.c_dim)) {
        dst.copy_from_slice(&src[..dims.n]);
    }
    Ok(())
}

/// Checks a step's inputs before anything runs: the loss settings, the real batch against G's
/// sample size, the condition, the networks against each other and the loss, and the lengths
/// of the noise. Returns the step's sizes; every error names the offending sizes.
pub fn check_step(
    loss: &LossSettings,
    gan: &Gan,
    real: &[f32],
    noise: &StepNoise<'_>,
) -> Result<StepDims> {
    loss.validate()?;
    let (kind, n_critic) = (loss.kind, loss.n_critic);
    let (g, d) = (&gan.generator, &gan.discriminator);
    if let Some(sn) = &gan.spectral {
        if kind.has_gradient_penalty() {
            return Err(spectral_with_gp(kind));
        }
        if sn.params().len() != d.params().len() {
            return Err(Error::Shape(format!(
                "the spectral norm state has {} parameters, D has {}",
                sn.params().len(),
                d.params().len()
            )));
        }
    }
    let n = g.spec().output_dim();
    if real.is_empty() || !real.len().is_multiple_of(n) {
        return Err(Error::Shape(format!(
            "real batch has {} values, not a positive multiple of the sample size {n}",
            real.len()
        )));
    }
    let batch = real.len() / n;
    let cond = noise.cond.unwrap_or(&[]);
    if !cond.len().is_multiple_of(batch) {
        return Err(Error::Shape(format!(
            "condition has {} values, not a multiple of the batch size {batch}",
            cond.len()
        )));
    }
    let c_dim = cond.len() / batch;
    let pack = check_nets(kind, g, d, c_dim)?;
    if !batch.is_multiple_of(pack) {
        return Err(Error::Shape(format!(
            "D packs {pack} samples per input, the batch of {batch} is not a multiple of it"
        )));
    }
    let latent = g.spec().input_dim() - c_dim;
    let expect = |what: &str, got: usize, want: usize, shape: String| {
        if got == want {
            Ok(())
        } else {
            Err(Error::Shape(format!(
                "{what} has {got} values; a real batch of {batch} rows and {n_critic} D \
                 update(s) need {shape} = {want}"
            )))
        }
    };
    let want = n_critic * batch * latent;
    let shape = format!("[{n_critic}, {batch}, {latent}]");
    expect("z_d", noise.z_d.len(), want, shape)?;
    if let Some(z_g) = noise.z_g {
        let shape = format!("[{batch}, {latent}]");
        expect("z_g", z_g.len(), batch * latent, shape)?;
    }
    match (kind.has_gradient_penalty(), noise.gp_eps) {
        (true, Some(eps)) => {
            let shape = format!("[{n_critic}, {batch}]");
            expect("gp_eps", eps.len(), n_critic * batch, shape)?;
        }
        (true, None) => {
            return Err(Error::Shape(format!(
                "the {kind} loss needs the interpolation weights gp_eps, none were given"
            )))
        }
        (false, Some(_)) => {
            return Err(Error::Shape(format!(
                "gp_eps given, but the {kind} loss has no gradient penalty"
            )))
        }
        (false, None) => {}
    }
    Ok(StepDims {
        batch,
        n,
        c_dim,
        latent,
        pack,
        d_rows: batch / pack,
    })
}

/// The error for spectral normalisation with `wgan-gp`'s penalty.
pub fn spectral_with_gp(kind: LossKind) -> Error {
    Error::config(
        "spectral_norm",
        format!(
            "not supported with the {kind} loss: its gradient penalty calls D a third time per \
             update, on interpolates (use R1, `r1`, with another loss)"
        ),
    )
}

/// Checks that G's samples (with the condition) fit D, that D has one output and the
/// loss's head; returns the samples per D input (PacGAN's `pack`).
fn check_nets(kind: LossKind, g: &Mlp, d: &Mlp, c_dim: usize) -> Result<usize> {
    let (gs, ds) = (g.spec(), d.spec());
    let width = gs.output_dim() + c_dim;
    if ds.input_dim() % width != 0 || ds.output_dim() != 1 {
        return Err(Error::Shape(format!(
            "G makes samples of size {} (+ a condition of {c_dim}), D takes {} (not a whole number of samples) and outputs {} (needs 1)",
            gs.output_dim(),
            ds.input_dim(),
            ds.output_dim()
        )));
    }
    if gs.input_dim() <= c_dim {
        return Err(Error::Shape(format!(
            "G's input width {} leaves no room for noise beside a condition of {c_dim}",
            gs.input_dim()
        )));
    }
    if ds.output_activation != kind.head() {
        return Err(Error::Shape(format!(
            "the {kind} loss needs D's output activation to be {}, it is {}",
            kind.head(),
            ds.output_activation
        )));
    }
    Ok(ds.input_dim() / width)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// G's top-k loss keeps the rows D finds most real (highest scores, lowest for the
    /// tutorial's D, which outputs the probability of fake), in that order, and gives the
    /// others no gradient; equal scores keep their row order.
    #[test]
    fn top_k_keeps_the_most_real_rows() {
        let mut top = TopKBuffers::default();
        let mut scratch = Vec::new();
        for (kind, s, kept) in [
            (LossKind::Nonsaturating, [0.9f32, -0.1, 0.5, 0.3], [0, 2]),
            (LossKind::Hinge, [0.2f32, 0.7, 0.7, -3.0], [1, 2]),
            (LossKind::Tutorial, [0.9f32, 0.1, 0.5, 0.3], [1, 3]),
        ] {
            let mut grad = [f32::NAN; 4];
            let loss = top_k_g_loss(kind, &s, 2, &mut grad, &mut scratch, &mut top).unwrap();
            assert_eq!(top.rows, kept, "{kind}");
            let picked = kept.map(|r| s[r]);
            let mut want_grad = [0.0; 2];
            let want = kind.g_loss(&picked, &mut want_grad, &mut scratch).unwrap();
            assert_eq!(loss, want, "{kind}");
            for (r, g) in grad.iter().enumerate() {
                let want = kept
                    .iter()
                    .position(|&k| k == r)
                    .map_or(0.0, |i| want_grad[i]);
                assert_eq!(*g, want, "{kind} row {r}");
            }
        }
        // k = R is the plain loss over every row, in row order.
        let s = [0.9f32, -0.1, 0.5, 0.3];
        let (mut grad, mut want_grad) = ([0.0; 4], [0.0; 4]);
        let kind = LossKind::Nonsaturating;
        let loss = top_k_g_loss(kind, &s, 4, &mut grad, &mut scratch, &mut top).unwrap();
        let want = kind.g_loss(&s, &mut want_grad, &mut scratch).unwrap();
        assert_eq!((loss, grad), (want, want_grad));
    }
}
