//! The GAN training step and the trainer that feeds it.
//!
//! [`train_step`] is a pure function of (weights, optimizer states, real batch, noise): it does
//! not draw anything, so tests can replay PyTorch's runs from their noise. `run::trainer::Trainer` owns the
//! random number generators and draws, in order, the initial weights (G layer by layer, then
//! D), and at every step the real batch and the noise.
//!
//! One step (`B` = batch, `n` = sample size, `k` = latent size, `s = D(·)`: `[B, 1]`; the
//! losses are those of [`crate::gan::loss`]):
//! ```text
//! repeat n_critic times (i = 1..n_critic), one D update each:
//!     fake   = G(z_d[i])                           z_d[i]: [B, k] → fake: [B, n], detached
//!     s_r    = D(real),  s_f = D(fake)             the same real batch every time
//!     wgan-gp: x̂ = ε_i·real + (1 − ε_i)·fake        ε_i: [B], one per row; f32, in that order
//!              D_loss += λ·P(x̂)                    P: the gradient penalty (crate::nn::gp)
//!     D_loss = loss(s_r, s_f)
//!     D ← opt_D(D, ∂D_loss/∂D)
//!     wgan:    every D parameter clamped to [−clip, clip]
//! then one G update, with the updated D:
//!     s      = D(G(z_g))                           z_g: [B, k]
//!     G_loss = loss(s)
//!     G ← opt_G(G, ∂G_loss/∂G)                     backward through D to its input, then G
//! ```
//! The `tutorial` loss (the tutorial's) takes one D update and its G update reuses the D update's
//! noise and fake batch (`z_g = None`): G has not changed in between, so G's forward pass is
//! done once per step. Any kind can reuse the last critic update's noise this way.

use crate::error::{Error, Result};
use crate::gan::loss::{LossKind, LossSettings};
use crate::gan::noise::append_rows;
use crate::nn::gp::{gradient_penalty, GpWorkspace, Penalty};
use crate::nn::loss::mean;
use crate::nn::mlp::{Mlp, Tape};
use crate::nn::optim::Optimizer;

/// The two networks.
#[derive(Debug, Clone, PartialEq)]
pub struct Gan {
    /// The generator G: noise `[B, latent]` → samples `[B, n]`.
    pub generator: Mlp,
    /// The discriminator D: samples `[B, n]` → `[B, 1]`.
    pub discriminator: Mlp,
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
    /// D's loss in the (last) D update, before that update (with `λ·P` for `wgan-gp`).
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
    /// D's loss (with `λ·P` for `wgan-gp`).
    pub d_loss: f32,
    /// Mean of D(real).
    pub s_real: f32,
    /// Mean of D(fake).
    pub s_fake: f32,
    /// `wgan-gp` only: the penalty `P` (without the weight λ) and the mean gradient norm.
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
    /// G's forward pass: the fake batch of the last D update, then the G update's.
    g_tape: Tape,
    /// D(real), then D(G(z_g)) in the G update.
    d_tape: Tape,
    /// D(fake) in a D update.
    d_tape_fake: Tape,
    grad_g: Vec<f32>,
    grad_d: Vec<f32>,
    /// D's gradients from the fake batch alone (all kinds but `tutorial`), added to `grad_d`.
    grad_d_fake: Vec<f32>,
    /// ∂D_loss/∂s_real, `[B]`.
    grad_real: Vec<f32>,
    /// ∂D_loss/∂s_fake, then ∂G_loss/∂s, `[B]`.
    grad_score: Vec<f32>,
    /// ∂G_loss/∂fake, `[B, n]`.
    grad_fake: Vec<f32>,
    scratch: Vec<f32>,
    /// The interpolates x̂, `[B, n (+ c)]`.
    xhat: Vec<f32>,
    /// Conditional GANs: G's input `[z | c]` and D's inputs `[x | c]`, `[fake | c]`.
    g_in: Vec<f32>,
    d_in_real: Vec<f32>,
    d_in_fake: Vec<f32>,
    /// Conditional GANs: ∂G_loss/∂(D's input), `[B, n + c]`.
    grad_d_in: Vec<f32>,
    gp: GpWorkspace,
    critic: Vec<CriticStats>,
}

impl Workspace {
    /// The generator's output in the last step's G update: the fake batch `[B, n]`.
    pub fn fake(&self) -> &[f32] {
        self.g_tape.output()
    }

    /// The D gradients of the last step's last D update, before its optimizer step (and
    /// before `wgan`'s clamp); flat, in [`Mlp::params`]'s layout.
    pub fn grad_discriminator(&self) -> &[f32] {
        &self.grad_d
    }

    /// The G gradients of the last step's G update; flat, in [`Mlp::params`]'s layout.
    pub fn grad_generator(&self) -> &[f32] {
        &self.grad_g
    }

    /// One record per D update of the last step, in order.
    pub fn critic_stats(&self) -> &[CriticStats] {
        &self.critic
    }
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
    loss.validate()?;
    let kind = loss.kind;
    let (g, d) = (&mut gan.generator, &mut gan.discriminator);
    let n = g.spec().output_dim();
    if real.is_empty() || real.len() % n != 0 {
        return Err(Error::Shape(format!(
            "real batch has {} values, not a positive multiple of the sample size {n}",
            real.len()
        )));
    }
    let batch = real.len() / n;
    let cond = noise.cond.unwrap_or(&[]);
    if cond.len() % batch != 0 {
        return Err(Error::Shape(format!(
            "condition has {} values, not a multiple of the batch size {batch}",
            cond.len()
        )));
    }
    let c_dim = cond.len() / batch;
    let pack = check_nets(kind, g, d, c_dim)?;
    if batch % pack != 0 {
        return Err(Error::Shape(format!(
            "D packs {pack} samples per input, the batch of {batch} is not a multiple of it"
        )));
    }
    // D sees `pack` consecutive samples as one input: [B, n] read as [B / pack, pack·n].
    let d_rows = batch / pack;
    let latent = g.spec().input_dim() - c_dim;
    let n_critic = loss.n_critic;
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
    expect(
        "z_d",
        noise.z_d.len(),
        n_critic * batch * latent,
        format!("[{n_critic}, {batch}, {latent}]"),
    )?;
    if let Some(z_g) = noise.z_g {
        expect(
            "z_g",
            z_g.len(),
            batch * latent,
            format!("[{batch}, {latent}]"),
        )?;
    }
    let gp_eps = match (kind.has_gradient_penalty(), noise.gp_eps) {
        (true, Some(eps)) => {
            expect(
                "gp_eps",
                eps.len(),
                n_critic * batch,
                format!("[{n_critic}, {batch}]"),
            )?;
            Some(eps)
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
        (false, None) => None,
    };
    ws.grad_g.resize(g.params().len(), 0.0);
    ws.grad_d.resize(d.params().len(), 0.0);
    ws.grad_real.resize(d_rows, 0.0);
    ws.grad_score.resize(d_rows, 0.0);
    ws.grad_fake.resize(batch * n, 0.0);
    ws.critic.clear();
    let (clip, gp_weight) = (loss.clip as f32, loss.gp_weight as f32);

    // D's input for the real batch: [B, n], or [B, n + c] with the condition appended.
    let d_real_in: &[f32] = if c_dim > 0 {
        append_rows(&mut ws.d_in_real, real, cond, batch);
        &ws.d_in_real
    } else {
        real
    };
    for i in 0..n_critic {
        // fake = G(z): [B, n], detached (no gradient flows back to G from D's loss).
        let z = &noise.z_d[i * batch * latent..(i + 1) * batch * latent];
        let fake = if c_dim > 0 {
            append_rows(&mut ws.g_in, z, cond, batch);
            let fake = g.forward(&ws.g_in, &mut ws.g_tape)?;
            append_rows(&mut ws.d_in_fake, fake, cond, batch);
            &ws.d_in_fake
        } else {
            g.forward(z, &mut ws.g_tape)?
        };
        let real = d_real_in;
        let n = n + c_dim;
        let s_real = d.forward(real, &mut ws.d_tape)?; // [B, 1]
        let s_fake = d.forward(fake, &mut ws.d_tape_fake)?; // [B, 1]
        let mut d_loss = kind.d_loss(
            s_real,
            s_fake,
            &mut ws.grad_real,
            &mut ws.grad_score,
            &mut ws.scratch,
        )?;
        let (s_real, s_fake) = (mean(s_real), mean(s_fake));

        ws.grad_d.fill(0.0);
        d.backward(&mut ws.d_tape, &ws.grad_real, Some(&mut ws.grad_d), None)?;
        if kind == LossKind::Tutorial {
            // The tutorial's exact arithmetic: both batches accumulate into one buffer.
            d.backward(
                &mut ws.d_tape_fake,
                &ws.grad_score,
                Some(&mut ws.grad_d),
                None,
            )?;
        } else {
            // PyTorch sums each batch's gradient on its own, then adds the two. With the
            // bias sums done that way, a hidden unit active on every row of both batches
            // gets exactly 0 where the terms cancel (e.g. hinge, wgan), as in PyTorch;
            // Adam would amplify a rounding residue of 1e-9 there to an update of 1e-5.
            ws.grad_d_fake.resize(ws.grad_d.len(), 0.0);
            ws.grad_d_fake.fill(0.0);
            d.backward(
                &mut ws.d_tape_fake,
                &ws.grad_score,
                Some(&mut ws.grad_d_fake),
                None,
            )?;
            ws.grad_d
                .iter_mut()
                .zip(&ws.grad_d_fake)
                .for_each(|(g, f)| *g += f);
        }
        let mut penalty = None;
        if let Some(eps) = gp_eps {
            // x̂ = ε·real + (1 − ε)·fake, row by row, f32 in PyTorch's order.
            let eps = &eps[i * batch..(i + 1) * batch];
            ws.xhat.resize(batch * n, 0.0);
            let rows = ws.xhat.chunks_exact_mut(n).zip(real.chunks_exact(n));
            for (((xh, x), f), &e) in rows.zip(fake.chunks_exact(n)).zip(eps) {
                let keep = 1.0 - e;
                for ((xh, &x), &f) in xh.iter_mut().zip(x).zip(f) {
                    *xh = e * x + keep * f;
                }
            }
            let p = gradient_penalty(d, &ws.xhat, gp_weight, Some(&mut ws.grad_d), &mut ws.gp)?;
            d_loss += gp_weight * p.value;
            penalty = Some(p);
        }
        opt.discriminator.step(d.params_mut(), &ws.grad_d)?;
        if kind.clips_weights() {
            // clip > 0 and finite-or-inf after validation: clamp cannot panic.
            d.params_mut()
                .iter_mut()
                .for_each(|p| *p = p.clamp(-clip, clip));
        }
        ws.critic.push(CriticStats {
            d_loss,
            s_real,
            s_fake,
            penalty,
        });
    }

    // G update with the updated D; G's forward is redone only for fresh noise.
    if let Some(z_g) = noise.z_g {
        if c_dim > 0 {
            append_rows(&mut ws.g_in, z_g, cond, batch);
            g.forward(&ws.g_in, &mut ws.g_tape)?;
        } else {
            g.forward(z_g, &mut ws.g_tape)?;
        }
    }
    let s = if c_dim > 0 {
        append_rows(&mut ws.d_in_fake, ws.g_tape.output(), cond, batch);
        d.forward(&ws.d_in_fake, &mut ws.d_tape)?
    } else {
        d.forward(ws.g_tape.output(), &mut ws.d_tape)?
    };
    let d_fake_g = mean(s);
    let g_loss = kind.g_loss(s, &mut ws.grad_score, &mut ws.scratch)?;
    // Only ∂G_loss/∂fake is needed from D; D's own gradients are discarded in PyTorch too.
    if c_dim > 0 {
        ws.grad_d_in.resize(batch * (n + c_dim), 0.0);
        d.backward(
            &mut ws.d_tape,
            &ws.grad_score,
            None,
            Some(&mut ws.grad_d_in),
        )?;
        // The condition is data, not G's output: keep the sample's columns.
        let rows = ws.grad_fake.chunks_exact_mut(n);
        for (dst, src) in rows.zip(ws.grad_d_in.chunks_exact(n + c_dim)) {
            dst.copy_from_slice(&src[..n]);
        }
    } else {
        d.backward(
            &mut ws.d_tape,
            &ws.grad_score,
            None,
            Some(&mut ws.grad_fake),
        )?;
    }
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

/// Checks that G's samples (with the condition) fit D, that D has one output and the
/// loss's head.
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
