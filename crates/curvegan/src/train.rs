//! The GAN training step and the trainer that feeds it.
//!
//! [`train_step`] is a pure function of (weights, optimizer states, real batch, noise): it does
//! not draw anything, so tests can replay PyTorch's runs from their noise. [`Trainer`] owns the
//! random number generators and draws, in order, the initial weights (G layer by layer, then
//! D), and at every step the real batch and the noise.
//!
//! One step of the tutorial, statement by statement (`B` = batch, `n` = sample size,
//! `k` = latent size):
//! ```text
//! fake   = G(z)                                   z: [B, k]  →  fake: [B, n]
//! D_loss = bce(1 − D(real), 1) + bce(1 − D(fake), 0)          D(·): [B, 1]
//! D ← Adam(D, ∂D_loss/∂D)                         the G gradients of D_loss are discarded
//! G_loss = bce(D(fake), 0)                        same z, same fake (G has not changed), new D
//! G ← Adam(G, ∂G_loss/∂G)                         backward through D to its input, then G
//! ```
//! G's forward pass is done once per step: G does not change during the D update.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::config::{LossKind, TrainConfig};
use crate::error::{Error, Result};
use crate::loss::{seed_term, SeedTerm};
use crate::mlp::{Mlp, Tape};
use crate::optim::Optimizer;
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

/// What one step measured.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepStats {
    /// D's loss, before D's update.
    pub d_loss: f32,
    /// G's loss, computed with the updated D.
    pub g_loss: f32,
    /// Mean of D(real) in the D update.
    pub d_real: f32,
    /// Mean of D(fake) in the D update, before D changes.
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

/// Buffers reused from step to step, so that a step allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    g_tape: Tape,
    d_tape: Tape,
    grad_g: Vec<f32>,
    grad_d: Vec<f32>,
    grad_score: Vec<f32>,
    grad_fake: Vec<f32>,
    scratch: Vec<f32>,
}

impl Workspace {
    /// The generator's output in the last step: the fake batch `[B, n]`.
    pub fn fake(&self) -> &[f32] {
        self.g_tape.output()
    }
}

/// The mean of a slice, accumulated in f64.
fn mean(v: &[f32]) -> f32 {
    (v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64) as f32
}

/// One training step of the tutorial's GAN (see the module docs), on the real batch
/// `real` (`[B, n]`) and the noise `noise` (`[B, latent]`).
pub fn train_step(
    loss: LossKind,
    gan: &mut Gan,
    opt: &mut Optimizers,
    real: &[f32],
    noise: &[f32],
    ws: &mut Workspace,
) -> Result<StepStats> {
    let LossKind::Seed = loss;
    let (g, d) = (&gan.generator, &mut gan.discriminator);
    let n = g.spec().output_dim();
    let batch = noise.len() / g.spec().input_dim().max(1);
    if real.len() != batch * n {
        return Err(Error::Shape(format!(
            "real batch has {} values, the noise gives a fake batch of [{batch}, {n}]",
            real.len()
        )));
    }
    ws.grad_g.resize(g.params().len(), 0.0);
    ws.grad_d.resize(d.params().len(), 0.0);
    ws.grad_score.resize(batch, 0.0);
    ws.grad_fake.resize(batch * n, 0.0);

    // fake = G(z): [B, n]. Kept in g_tape for the G update.
    let fake = g.forward(noise, &mut ws.g_tape)?;

    // D update: D_loss = bce(1 − D(real), 1) + bce(1 − D(fake), 0).
    ws.grad_d.fill(0.0);
    let d_real = d.forward(real, &mut ws.d_tape)?; // [B, 1]
    let d_real_mean = mean(d_real);
    let loss_real = seed_term(SeedTerm::Real, d_real, &mut ws.grad_score, &mut ws.scratch)?;
    d.backward(&mut ws.d_tape, &ws.grad_score, Some(&mut ws.grad_d), None)?;
    let d_fake = d.forward(fake, &mut ws.d_tape)?;
    let d_fake_mean = mean(d_fake);
    let loss_fake = seed_term(SeedTerm::Fake, d_fake, &mut ws.grad_score, &mut ws.scratch)?;
    d.backward(&mut ws.d_tape, &ws.grad_score, Some(&mut ws.grad_d), None)?;
    let d_loss = loss_real + loss_fake;
    opt.discriminator.step(d.params_mut(), &ws.grad_d)?;

    // G update: same fake, updated D. G_loss = bce(D(fake), 0).
    let d_fake = d.forward(fake, &mut ws.d_tape)?;
    let d_fake_g = mean(d_fake);
    let g_loss = seed_term(
        SeedTerm::Generator,
        d_fake,
        &mut ws.grad_score,
        &mut ws.scratch,
    )?;
    // Only ∂G_loss/∂fake is needed from D; D's own gradients are discarded in PyTorch too.
    d.backward(
        &mut ws.d_tape,
        &ws.grad_score,
        None,
        Some(&mut ws.grad_fake),
    )?;
    let g = &mut gan.generator;
    ws.grad_g.fill(0.0);
    g.backward(&mut ws.g_tape, &ws.grad_fake, Some(&mut ws.grad_g), None)?;
    opt.generator.step(g.params_mut(), &ws.grad_g)?;

    Ok(StepStats {
        d_loss,
        g_loss,
        d_real: d_real_mean,
        d_fake: d_fake_mean,
        d_fake_g,
    })
}

/// Fills `out` with standard normal draws, in order (like `torch.randn` fills a tensor).
pub fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f32]) {
    for v in out {
        *v = StandardNormal.sample(rng);
    }
}

/// RNG stream of training draws (weights, real batches, noise).
const TRAIN_STREAM: u64 = 0;
/// RNG stream of evaluation draws, so that evaluating never changes training.
const EVAL_STREAM: u64 = 1;

/// The result of evaluating the generator on fresh noise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Training step at which it was measured.
    pub step: usize,
    /// Mean squared error of the generated samples to the fixed target curve, if there is one.
    pub mse: Option<f64>,
}

/// Owns everything a training run changes: weights, optimizer states, RNGs, buffers.
#[derive(Debug, Clone)]
pub struct Trainer {
    config: TrainConfig,
    target: Target,
    gan: Gan,
    opt: Optimizers,
    rng: ChaCha8Rng,
    eval_rng: ChaCha8Rng,
    ws: Workspace,
    eval_tape: Tape,
    real: Vec<f32>,
    noise: Vec<f32>,
    eval_noise: Vec<f32>,
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
        let generator = Mlp::init(&config.generator_spec(n), &mut rng)?;
        let discriminator = Mlp::init(&config.discriminator_spec(n), &mut rng)?;
        let mut eval_rng = ChaCha8Rng::seed_from_u64(config.seed);
        eval_rng.set_stream(EVAL_STREAM);
        let opt = Optimizers {
            generator: Optimizer::new(config.optim_g, generator.params().len()),
            discriminator: Optimizer::new(config.optim_d, discriminator.params().len()),
        };
        Ok(Trainer {
            real: vec![0.0; config.batch_size * n],
            noise: vec![0.0; config.batch_size * config.latent_dim],
            eval_noise: Vec::new(),
            config: config.clone(),
            target,
            gan: Gan {
                generator,
                discriminator,
            },
            opt,
            rng,
            eval_rng,
            ws: Workspace::default(),
            eval_tape: Tape::default(),
            step: 0,
        })
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

    /// Draws a real batch and noise, and takes one training step. A non-finite loss or
    /// weight is an error naming the step.
    pub fn step(&mut self) -> Result<StepStats> {
        self.target.sample_into(&mut self.real);
        fill_normal(&mut self.rng, &mut self.noise);
        let stats = train_step(
            self.config.loss,
            &mut self.gan,
            &mut self.opt,
            &self.real,
            &self.noise,
            &mut self.ws,
        )?;
        let step = self.step;
        self.step += 1;
        if !stats.is_finite() {
            return Err(Error::Diverged {
                step,
                what: format!("a loss (d_loss {}, g_loss {})", stats.d_loss, stats.g_loss),
            });
        }
        Ok(stats)
    }

    /// Generates `count` samples from noise drawn from `rng` (`[count, n]`).
    pub fn generate(&mut self, count: usize, rng: &mut ChaCha8Rng) -> Result<Vec<f32>> {
        let mut noise = vec![0.0; count * self.config.latent_dim];
        fill_normal(rng, &mut noise);
        let out = self.gan.generator.forward(&noise, &mut self.eval_tape)?;
        Ok(out.to_vec())
    }

    /// Evaluates the generator on `eval_samples` fresh samples from the evaluation RNG stream.
    pub fn evaluate(&mut self) -> Result<Evaluation> {
        let count = self.config.eval_samples;
        self.eval_noise.resize(count * self.config.latent_dim, 0.0);
        fill_normal(&mut self.eval_rng, &mut self.eval_noise);
        let samples = self
            .gan
            .generator
            .forward(&self.eval_noise, &mut self.eval_tape)?;
        Ok(Evaluation {
            step: self.step.saturating_sub(1),
            mse: self.target.mse(samples),
        })
    }
}
