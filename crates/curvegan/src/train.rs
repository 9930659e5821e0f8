//! The GAN training step and the trainer that feeds it.
//!
//! [`train_step`] is a pure function of (weights, optimizer states, real batch, noise): it does
//! not draw anything, so tests can replay PyTorch's runs from their noise. [`Trainer`] owns the
//! random number generators and draws, in order, the initial weights (G layer by layer, then
//! D), and at every step the real batch and the noise.
//!
//! One step (`B` = batch, `n` = sample size, `k` = latent size, `s = D(·)`: `[B, 1]`; the
//! losses are those of [`crate::gan_loss`]):
//! ```text
//! repeat n_critic times (i = 1..n_critic), one D update each:
//!     fake   = G(z_d[i])                           z_d[i]: [B, k] → fake: [B, n], detached
//!     s_r    = D(real),  s_f = D(fake)             the same real batch every time
//!     wgan-gp: x̂ = ε_i·real + (1 − ε_i)·fake        ε_i: [B], one per row; f32, in that order
//!              D_loss += λ·P(x̂)                    P: the gradient penalty (crate::gp)
//!     D_loss = loss(s_r, s_f)
//!     D ← opt_D(D, ∂D_loss/∂D)
//!     wgan:    every D parameter clamped to [−clip, clip]
//! then one G update, with the updated D:
//!     s      = D(G(z_g))                           z_g: [B, k]
//!     G_loss = loss(s)
//!     G ← opt_G(G, ∂G_loss/∂G)                     backward through D to its input, then G
//! ```
//! The `seed` loss (the tutorial's) takes one D update and its G update reuses the D update's
//! noise and fake batch (`z_g = None`): G has not changed in between, so G's forward pass is
//! done once per step. Any kind can reuse the last critic update's noise this way.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::config::{LrDecay, TrainConfig};
use crate::error::{Error, Result};
use crate::gan_loss::{LossKind, LossSettings};
use crate::gp::{gradient_penalty, GpWorkspace, Penalty};
use crate::loss::mean;
use crate::mlp::{Mlp, Tape};
use crate::optim::Optimizer;
use crate::report;
use crate::target::Target;

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
    /// Mean of D(real) in the (last) D update: a probability for `seed`, else a raw score.
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
    /// fake batch (the `seed` loss's procedure).
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
    /// The `seed` loss's noise: one `[B, latent]` batch for its D update and its G update.
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
    /// D's gradients from the fake batch alone (all kinds but `seed`), added to `grad_d`.
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
        if kind == LossKind::Seed {
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

/// Writes `[a_row | b_row]` for each of the `batch` rows of `a` and `b` into `dst`.
fn append_rows(dst: &mut Vec<f32>, a: &[f32], b: &[f32], batch: usize) {
    let (wa, wb) = (a.len() / batch, b.len() / batch);
    dst.clear();
    for (ra, rb) in a.chunks_exact(wa).zip(b.chunks_exact(wb)) {
        dst.extend_from_slice(ra);
        dst.extend_from_slice(rb);
    }
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

/// Fills `out` with standard normal draws, in order (like `torch.randn` fills a tensor).
pub fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f32]) {
    for v in out {
        *v = StandardNormal.sample(rng);
    }
}

/// RNG stream of training draws (weights, real batches, noise).
const TRAIN_STREAM: u64 = 0;
/// First RNG stream of evaluation draws; the evaluation at step s uses stream base + s.
const EVAL_STREAM_BASE: u64 = 1 << 32;

/// RNG stream of the real samples every evaluation of a run compares with.
const EVAL_REAL_STREAM: u64 = 4;

/// The result of evaluating the generator on fresh noise.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Training step at which it was measured.
    pub step: usize,
    /// The metrics' names ([`Trainer::metric_names`]).
    pub names: Vec<&'static str>,
    /// Their values, in the order of `names`.
    pub values: Vec<f64>,
}

impl Evaluation {
    /// The value of a metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        let i = self.names.iter().position(|n| *n == name)?;
        Some(self.values[i])
    }

    /// The mean squared error to the fixed target curve, if it was computed.
    pub fn mse(&self) -> Option<f64> {
        self.get("mse_to_target")
    }
}

/// Owns everything a training run changes: weights, optimizer states, RNGs, buffers.
#[derive(Debug, Clone)]
pub struct Trainer {
    config: TrainConfig,
    target: Target,
    gan: Gan,
    opt: Optimizers,
    rng: ChaCha8Rng,
    ws: Workspace,
    eval_tape: Tape,
    /// The metrics each evaluation computes.
    eval_metrics: Vec<&'static str>,
    /// The real samples they compare with, `[eval_samples, n]` (empty if none needs them).
    eval_real: Vec<f32>,
    loss: LossSettings,
    real: Vec<f32>,
    /// G's noise of each D update, `n_critic × [B, latent]`.
    z_d: Vec<f32>,
    /// G's noise of the G update, `[B, latent]` (unused by `seed`).
    z_g: Vec<f32>,
    /// `wgan-gp`'s interpolation weights, `n_critic × [B]` (empty otherwise).
    gp_eps: Vec<f32>,
    /// The real batch's conditions, `[B, c]` (empty unless conditional).
    cond: Vec<f32>,
    step: usize,
}

impl Trainer {
    /// A fresh run: checks the config, then draws the initial weights (G, then D) from the seed.
    pub fn new(config: &TrainConfig) -> Result<Self> {
        config.validate()?;
        let target = config.target.build()?;
        let n = target.dim();
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(TRAIN_STREAM);
        let (g_spec, d_spec) = config.specs(&target)?;
        let c_dim = g_spec.input_dim() - config.latent_dim;
        let generator = Mlp::init(&g_spec, &mut rng)?;
        let discriminator = Mlp::init(&d_spec, &mut rng)?;
        let opt = Optimizers {
            generator: Optimizer::new(config.optim_g, generator.params().len()),
            discriminator: Optimizer::new(config.optim_d, discriminator.params().len()),
        };
        let loss = config.loss_settings();
        let eval_metrics = config.eval_metric_names(&target)?;
        let mut eval_real = Vec::new();
        if report::needs_real(&eval_metrics) {
            let mut real_rng = ChaCha8Rng::seed_from_u64(config.seed);
            real_rng.set_stream(EVAL_REAL_STREAM);
            eval_real = vec![0.0; config.eval_samples * n];
            target.draw(&mut real_rng, &mut eval_real, None)?;
        }
        let (batch, latent) = (config.batch_size, config.latent_dim);
        let gp_rows = if loss.kind.has_gradient_penalty() {
            loss.n_critic * batch
        } else {
            0
        };
        Ok(Trainer {
            real: vec![0.0; batch * n],
            cond: vec![0.0; batch * c_dim],
            z_d: vec![0.0; loss.n_critic * batch * latent],
            z_g: vec![0.0; batch * latent],
            gp_eps: vec![0.0; gp_rows],
            loss,
            config: config.clone(),
            target,
            gan: Gan {
                generator,
                discriminator,
            },
            opt,
            rng,
            ws: Workspace::default(),
            eval_tape: Tape::default(),
            eval_metrics,
            eval_real,
            step: 0,
        })
    }

    /// A trainer in exactly the state saved in `ckpt`, with the settings `config` (which may
    /// differ from the saved ones only in the number of steps).
    pub fn from_checkpoint(
        config: &TrainConfig,
        ckpt: &crate::checkpoint::Checkpoint,
    ) -> Result<Self> {
        let mut trainer = Trainer::new(config)?;
        let path = std::path::Path::new(crate::checkpoint::FILE);
        let (g_spec, d_spec) = config.specs(&trainer.target)?;
        trainer.gan = Gan {
            generator: crate::io::mlp_from_tensors(&g_spec, &ckpt.weights, "G.", path)?,
            discriminator: crate::io::mlp_from_tensors(&d_spec, &ckpt.weights, "D.", path)?,
        };
        let restore = |cfg, n: usize, (step, m, v): &(u64, Vec<f32>, Vec<f32>)| {
            if v.len() != n {
                return Err(Error::bad_file(
                    path,
                    format!("optimizer state has {} values for {n} parameters", v.len()),
                ));
            }
            Optimizer::from_state(cfg, *step, m.clone(), v.clone())
        };
        trainer.opt = Optimizers {
            generator: restore(
                config.optim_g,
                trainer.gan.generator.params().len(),
                &ckpt.opt_g,
            )?,
            discriminator: restore(
                config.optim_d,
                trainer.gan.discriminator.params().len(),
                &ckpt.opt_d,
            )?,
        };
        trainer.rng = ckpt.rng.restore();
        trainer.step = ckpt.step;
        Ok(trainer)
    }

    /// Saves everything needed to continue exactly (see [`crate::checkpoint`]).
    pub fn save_checkpoint(
        &self,
        path: &std::path::Path,
        config_toml: &str,
        metrics: &str,
    ) -> Result<()> {
        // Never replace a good checkpoint with non-finite weights.
        for (net, mlp) in [("G", &self.gan.generator), ("D", &self.gan.discriminator)] {
            if let Some((name, _, _)) =
                mlp.state_dict_layout().into_iter().find(|(_, shape, at)| {
                    let n: usize = shape.iter().product();
                    mlp.params()[*at..at + n].iter().any(|v| !v.is_finite())
                })
            {
                return Err(Error::Diverged {
                    step: self.step.saturating_sub(1),
                    what: format!("a weight of {net}.{name} is not finite"),
                });
            }
        }
        crate::checkpoint::save(
            path,
            &crate::checkpoint::CheckpointRef {
                step: self.step,
                gan: &self.gan,
                opt_g: &self.opt.generator,
                opt_d: &self.opt.discriminator,
                rng: &self.rng,
                config: config_toml,
                metrics,
            },
        )
    }

    /// The settings.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The real data.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The networks.
    pub fn gan(&self) -> &Gan {
        &self.gan
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// The fake batch of the last step (`[B, n]`), as the tutorial plots it.
    pub fn last_fake(&self) -> &[f32] {
        self.ws.fake()
    }

    /// The per-update records and gradients of the last step.
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// Draws a real batch and noise, and takes one training step. A non-finite loss is an
    /// error naming the step.
    ///
    /// The draws, in order: the real batch; then for `seed` one noise batch `[B, latent]`,
    /// used by the D and the G update; for every other kind, for each D update its noise
    /// `[B, latent]` followed (`wgan-gp` only) by its ε `[B]` from U[0, 1), then the G
    /// update's noise `[B, latent]` — the order of the PyTorch fixtures.
    pub fn step(&mut self) -> Result<StepStats> {
        if self.config.lr_decay != LrDecay::None {
            let f = self.config.lr_decay.factor(self.step, self.config.steps);
            self.opt.generator.set_lr(self.config.optim_g.lr() * f);
            self.opt.discriminator.set_lr(self.config.optim_d.lr() * f);
        }
        let cond = (!self.cond.is_empty()).then_some(&mut self.cond[..]);
        self.target.draw(&mut self.rng, &mut self.real, cond)?;
        let cond = (!self.cond.is_empty()).then_some(&self.cond[..]);
        let noise = if self.loss.kind == LossKind::Seed {
            fill_normal(&mut self.rng, &mut self.z_d);
            StepNoise {
                cond,
                ..StepNoise::single(&self.z_d)
            }
        } else {
            let per_update = self.z_d.len() / self.loss.n_critic;
            let rows = self.gp_eps.len() / self.loss.n_critic;
            for i in 0..self.loss.n_critic {
                fill_normal(
                    &mut self.rng,
                    &mut self.z_d[i * per_update..(i + 1) * per_update],
                );
                for e in &mut self.gp_eps[i * rows..(i + 1) * rows] {
                    *e = self.rng.random::<f32>();
                }
            }
            fill_normal(&mut self.rng, &mut self.z_g);
            StepNoise {
                z_d: &self.z_d,
                z_g: Some(&self.z_g),
                gp_eps: self
                    .loss
                    .kind
                    .has_gradient_penalty()
                    .then_some(&self.gp_eps[..]),
                cond,
            }
        };
        let stats = train_step(
            &self.loss,
            &mut self.gan,
            &mut self.opt,
            &self.real,
            noise,
            &mut self.ws,
        )?;
        let step = self.step;
        self.step += 1;
        if !stats.is_finite() {
            return Err(Error::Diverged {
                step,
                what: format!(
                    "a loss is not finite (d_loss {}, g_loss {})",
                    stats.d_loss, stats.g_loss
                ),
            });
        }
        Ok(stats)
    }

    /// Generates `count` samples from noise drawn from `rng` (`[count, n]`). A conditional
    /// generator gets conditions drawn from the target's distribution, from the same `rng`.
    pub fn generate(&mut self, count: usize, rng: &mut ChaCha8Rng) -> Result<Vec<f32>> {
        let mut noise = vec![0.0; count * self.config.latent_dim];
        fill_normal(rng, &mut noise);
        let c_dim = self.cond.len() / self.config.batch_size;
        let input = if c_dim > 0 {
            let mut real = vec![0.0; count * self.target.dim()];
            let mut cond = vec![0.0; count * c_dim];
            self.target.draw(rng, &mut real, Some(&mut cond))?;
            let mut input = Vec::new();
            append_rows(&mut input, &noise, &cond, count);
            input
        } else {
            noise
        };
        let out = self.gan.generator.forward(&input, &mut self.eval_tape)?;
        Ok(out.to_vec())
    }

    /// The metrics [`Trainer::evaluate`] computes, in order ([`TrainConfig::eval_metric_names`]).
    pub fn metric_names(&self) -> &[&'static str] {
        &self.eval_metrics
    }

    /// Evaluates the generator on `eval_samples` fresh samples: the metrics of
    /// [`Trainer::metric_names`] ([`report::score`]), against `eval_samples` real samples drawn
    /// once per run. The noise comes from an RNG stream of its own, fixed by the seed and the
    /// step, and the real samples from another: evaluating never changes training, and the
    /// evaluation at a step is the same however often (or whether) earlier ones ran.
    pub fn evaluate(&mut self) -> Result<Evaluation> {
        let count = self.config.eval_samples;
        let step = self.step.saturating_sub(1);
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed);
        rng.set_stream(EVAL_STREAM_BASE + step as u64);
        let samples = self.generate(count, &mut rng)?;
        let real = (!self.eval_real.is_empty()).then_some(&self.eval_real[..]);
        let values = report::score(&self.target, &samples, real, &self.eval_metrics)?;
        Ok(Evaluation {
            step,
            names: self.eval_metrics.clone(),
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trainer draws, per step, the real batch, then each critic update's noise (and
    /// `wgan-gp`'s ε), then the G update's noise — replayed here by hand through
    /// [`train_step`], bit for bit.
    #[test]
    fn trainer_draws_in_the_fixtures_order() {
        for kind in [LossKind::Hinge, LossKind::Wgan, LossKind::WganGp] {
            let config = TrainConfig {
                loss: kind,
                n_critic: Some(2),
                batch_size: 8,
                g_hidden: vec![16],
                d_hidden: vec![16],
                optim_g: kind.default_optimizer(),
                optim_d: kind.default_optimizer(),
                ..TrainConfig::default()
            };
            let mut trainer = Trainer::new(&config).unwrap();
            let mut rng = trainer.rng.clone();
            let mut gan = trainer.gan.clone();
            let mut opt = trainer.opt.clone();
            let loss = config.loss_settings();
            let (b, k, n) = (8, config.latent_dim, trainer.target.dim());
            let mut ws = Workspace::default();
            for _ in 0..3 {
                let stats = trainer.step().unwrap();
                let mut real = vec![0.0; b * n];
                trainer.target.draw(&mut rng, &mut real, None).unwrap();
                let mut z_d = vec![0.0; 2 * b * k];
                let mut eps = Vec::new();
                for i in 0..2 {
                    fill_normal(&mut rng, &mut z_d[i * b * k..(i + 1) * b * k]);
                    if kind.has_gradient_penalty() {
                        eps.extend((0..b).map(|_| rng.random::<f32>()));
                    }
                }
                let mut z_g = vec![0.0; b * k];
                fill_normal(&mut rng, &mut z_g);
                let noise = StepNoise {
                    z_d: &z_d,
                    z_g: Some(&z_g),
                    gp_eps: kind.has_gradient_penalty().then_some(&eps[..]),
                    cond: None,
                };
                let ours = train_step(&loss, &mut gan, &mut opt, &real, noise, &mut ws).unwrap();
                assert_eq!(stats, ours, "{kind}");
                assert_eq!(trainer.gan, gan, "{kind}");
                assert_eq!(trainer.ws.critic_stats().len(), 2);
            }
        }
    }
}
