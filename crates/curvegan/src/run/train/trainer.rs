//! The trainer: owns everything a training run changes (weights, optimizer states, random
//! streams, buffers), draws each step's randomness and calls [`crate::gan::step::train_step`];
//! with `g_ema` it also keeps the moving average of G's weights ([`crate::nn::ema`]), updated
//! after every step, which then samples and is evaluated.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::config::{LrDecay, TrainConfig};
use crate::data::scale::Scaler;
use crate::data::target::Target;
use crate::error::{Error, Result};
use crate::eval::catalogue::{self, Scores};
use crate::gan::loss::{LossKind, LossSettings};
use crate::gan::noise::{fill_normal, generate, input_with_conditions, Stream};
use crate::gan::step::{train_step, Gan, Optimizers, StepNoise, StepStats, Workspace};
use crate::nn::ema;
use crate::nn::mlp::{Mlp, Tape};
use crate::nn::optim::Optimizer;
use crate::nn::spectral::SpectralNorm;
use crate::nn::state_dict::within_bound;
use crate::run::store::checkpoint::{self, Checkpoint, CheckpointRef};
use crate::run::store::files::Dir;
use crate::run::store::weights::{nets_from_checkpoint, Nets};

/// Owns everything a training run changes: weights, optimizer states, RNGs, buffers.
#[derive(Debug, Clone)]
pub struct Trainer {
    config: TrainConfig,
    target: Target,
    gan: Gan,
    /// The moving average of G's weights (`g_ema > 0`), and its lerp weight `1 − g_ema`.
    g_ema: Option<(Mlp, f32)>,
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
    /// G's noise of the G update, `[B, latent]` (unused by `tutorial`).
    z_g: Vec<f32>,
    /// `wgan-gp`'s interpolation weights, `n_critic × [B]` (empty otherwise).
    gp_eps: Vec<f32>,
    /// The real batch's conditions, `[B, c]` (empty unless conditional).
    cond: Vec<f32>,
    step: usize,
}

impl Trainer {
    /// A fresh run: checks the config, then draws the initial weights (G, then D) from the seed,
    /// and with spectral normalisation D's `u` and `v` ([`SpectralNorm::init`]) after them.
    pub fn new(config: &TrainConfig) -> Result<Self> {
        config.validate()?;
        let target = config.target.build()?;
        let n = target.dim();
        let mut rng = Stream::Train.rng(config.seed);
        let (g_spec, d_spec) = config.specs(&target)?;
        let c_dim = g_spec.input_dim() - config.latent_dim;
        let generator = Mlp::init(&g_spec, &mut rng)?;
        let discriminator = Mlp::init(&d_spec, &mut rng)?;
        let spectral = config
            .spectral_norm
            .then(|| SpectralNorm::init(&discriminator, &mut rng));
        let opt = Optimizers {
            generator: Optimizer::new(config.optim_g, generator.params().len()),
            discriminator: Optimizer::new(config.optim_d, discriminator.params().len()),
        };
        let loss = config.loss_settings();
        let eval_metrics = config.eval_metric_names(&target)?;
        let mut eval_real = Vec::new();
        if catalogue::needs_real(&eval_metrics) {
            let mut real_rng = Stream::TrainingEvalReal.rng(config.seed);
            // Before the first step: a formula not finite there is bad input, as in the
            // check of the target's build. A data set's are its held-out rows.
            eval_real =
                (target.eval_real(config.eval_samples, &mut real_rng)).map_err(|e| match e {
                    Error::Draw { what, .. } => Error::config("target", what),
                    e => e,
                })?;
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
            g_ema: (config.g_ema > 0.0)
                .then(|| (generator.clone(), ema::lerp_weight(config.g_ema))),
            gan: Gan {
                generator,
                discriminator,
                spectral,
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

    /// A trainer in exactly the state saved in `ckpt`, read from `path` (named in errors), with
    /// the settings `config` (which may differ from the saved ones only in the keys a resume
    /// may change: the steps, evaluation, figures and checkpoints).
    pub fn from_checkpoint(
        config: &TrainConfig,
        ckpt: &Checkpoint,
        path: &std::path::Path,
    ) -> Result<Self> {
        let mut trainer = Trainer::new(config)?;
        // The scaler the run fitted is the one a refit of the same data and settings gives.
        if ckpt.scaler.as_ref() != trainer.scaler() {
            return Err(Error::bad_file(
                path,
                "its data scaler differs from the one fitted again on the run's data file and settings",
            ));
        }
        let (g_spec, d_spec) = config.specs(&trainer.target)?;
        let specs = (&g_spec, &d_spec);
        let ema = trainer.g_ema.is_some();
        let (gan, g_ema) =
            nets_from_checkpoint(&ckpt.weights, specs, config.spectral_norm, ema, path)?;
        trainer.gan = gan;
        if let (Some((ema, _)), Some(loaded)) = (&mut trainer.g_ema, g_ema) {
            *ema = loaded;
        }
        // Each training step takes one G update and n_critic D updates: a counter beyond that
        // is corrupt (and Adam's bias correction needs a small one).
        let max_updates = (ckpt.step as u64)
            .saturating_mul(trainer.config.loss_settings().n_critic.max(1) as u64);
        let restore = |net: &str, cfg, n: usize, (step, m, v): &(u64, Vec<f32>, Vec<f32>)| {
            if *step > max_updates {
                return Err(Error::bad_file(
                    path,
                    format!(
                        "'opt.{net}.step' is {step}, more than the {max_updates} updates of {} training steps",
                        ckpt.step
                    ),
                ));
            }
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
                "G",
                config.optim_g,
                trainer.gan.generator.params().len(),
                &ckpt.opt_g,
            )?,
            discriminator: restore(
                "D",
                config.optim_d,
                trainer.gan.discriminator_params().len(),
                &ckpt.opt_d,
            )?,
        };
        trainer.rng = ckpt.rng.clone();
        trainer.step = ckpt.step;
        Ok(trainer)
    }

    /// Saves everything needed to continue exactly into the run folder `dir`'s
    /// `checkpoint.safetensors` (see [`crate::run::store::checkpoint`]).
    pub fn save_checkpoint(&self, dir: &Dir, config_toml: &str, metrics_csv: &str) -> Result<()> {
        // Never replace a good checkpoint with weights a load refuses.
        if let Some(what) = self.weights_problem() {
            return Err(Error::Diverged {
                step: self.step.saturating_sub(1),
                what,
            });
        }
        checkpoint::save_in(
            dir,
            &CheckpointRef {
                step: self.step,
                nets: self.nets(),
                opt_g: &self.opt.generator,
                opt_d: &self.opt.discriminator,
                rng: &self.rng,
                config: config_toml,
                metrics_csv,
            },
        )
    }

    /// A scaled data set's scaler (`None` for the other targets and for `scale = "none"`).
    pub fn scaler(&self) -> Option<&Scaler> {
        let scaler = self.target.data_source()?.scaler();
        (!scaler.is_identity()).then_some(scaler)
    }

    /// The nets as the run folder's files hold them: G, D, G's moving average and the data's
    /// scaler ([`crate::run::store::weights`]).
    pub fn nets(&self) -> Nets<'_> {
        Nets {
            gan: &self.gan,
            g_ema: self.g_ema.as_ref().map(|(ema, _)| ema),
            scaler: self.scaler(),
        }
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

    /// The generator that samples, is evaluated and is saved as `generator.safetensors`: the
    /// moving average of G's weights when the run keeps one (`g_ema`), else G itself.
    pub fn sampling_generator(&self) -> &Mlp {
        self.nets().sampling_generator()
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> usize {
        self.step
    }

    /// The fake batch of the last step (`[B, n]`), as the tutorial plots it, in G's space (a
    /// scaled data set's scaled values: [`Target::to_data_units`] brings them back).
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
    /// The draws, in order: the real batch; then for `tutorial` one noise batch `[B, latent]`,
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
        let step = self.step;
        let at_step = |e| match e {
            Error::Draw { what, .. } => Error::Draw {
                step: Some(step),
                what,
            },
            e => e,
        };
        (self.target.draw(&mut self.rng, &mut self.real, cond)).map_err(at_step)?;
        let cond = (!self.cond.is_empty()).then_some(&self.cond[..]);
        let noise = if self.loss.kind == LossKind::Tutorial {
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
        if let Some((ema, weight)) = &mut self.g_ema {
            ema::update(ema.params_mut(), self.gan.generator.params(), *weight);
            // Batch normalisation's running statistics are not averaged: the average uses G's.
            let stats = self.gan.generator.batchnorm_buffers();
            ema.batchnorm_buffers_mut().clone_from_slice(stats);
        }
        self.step += 1;
        // The weights as a load checks them, so that no file written from them is refused;
        // the quick test first, every step.
        let quick = [
            self.gan.generator.params(),
            self.gan.discriminator_params(),
            self.g_ema.as_ref().map_or(&[][..], |(ema, _)| ema.params()),
        ];
        let stats_of_g = self.gan.generator.batchnorm_buffers().iter();
        let in_bound = quick.iter().all(|p| within_bound(p))
            && stats_of_g
                .into_iter()
                .all(|b| within_bound(&b.running_mean) && within_bound(&b.running_var));
        if !in_bound {
            if let Some(what) = self.weights_problem() {
                return Err(Error::Diverged { step, what });
            }
        }
        if !stats.is_finite() {
            let named = [
                ("d_loss", stats.d_loss),
                ("g_loss", stats.g_loss),
                ("d_real (mean of D(real))", stats.d_real),
                ("d_fake (mean of D(fake))", stats.d_fake),
                ("the mean of D(fake) in G's update", stats.d_fake_g),
            ];
            let bad: Vec<String> = (named.iter())
                .filter(|(_, v)| !v.is_finite())
                .map(|(name, v)| format!("{name} is {v}"))
                .collect();
            return Err(Error::Diverged {
                step,
                what: format!(
                    "{} (d_loss {}, g_loss {}); lower the learning rates (`optim_g.lr`, `optim_d.lr`)",
                    bad.join(", "),
                    stats.d_loss,
                    stats.g_loss
                ),
            });
        }
        Ok(stats)
    }

    /// The first tensor, in state-dict order (G, D, then G's average), whose values a load
    /// would refuse ([`Nets::first_refused`]: not finite, beyond ±1e6), as a message naming it
    /// and what to do; `None` if every one loads.
    fn weights_problem(&self) -> Option<String> {
        let (net, m) = self.nets().first_refused()?;
        let rate = match net {
            "D" => "optim_d.lr",
            _ => "optim_g.lr",
        };
        Some(format!(
            "{m}, which sample, eval and resume would refuse; lower the learning rate (`{rate}`)"
        ))
    }

    /// Generates `count` samples of [`Trainer::sampling_generator`] from noise drawn from `rng`
    /// (`[count, n]`), in the data's units ([`Target::to_data_units`]). A conditional generator
    /// gets conditions drawn from the target's distribution, from the same `rng`.
    pub fn generate(&mut self, count: usize, rng: &mut ChaCha8Rng) -> Result<Vec<f32>> {
        let c_dim = self.cond.len() / self.config.batch_size;
        let g = self
            .g_ema
            .as_ref()
            .map_or(&self.gan.generator, |(ema, _)| ema);
        let mut samples = generate(
            g,
            &self.target,
            count,
            c_dim,
            None,
            rng,
            &mut self.eval_tape,
        )?;
        self.target.to_data_units(&mut samples);
        Ok(samples)
    }

    /// The metrics [`Trainer::evaluate`] computes, in order ([`TrainConfig::eval_metric_names`]).
    pub fn metric_names(&self) -> &[&'static str] {
        &self.eval_metrics
    }

    /// Evaluates the generator on `eval_samples` fresh samples: the metrics of
    /// [`Trainer::metric_names`] ([`catalogue::score`]), against `eval_samples` real samples drawn
    /// once per run. The noise comes from an RNG stream of its own, fixed by the seed and the
    /// step, and the real samples from another: evaluating never changes training, and the
    /// evaluation at a step is the same however often (or whether) earlier ones ran.
    pub fn evaluate(&mut self) -> Result<Scores> {
        let count = self.config.eval_samples;
        let step = self.step.saturating_sub(1);
        let mut rng = Stream::TrainingEval { step: step as u64 }.rng(self.config.seed);
        // A conditional generator's conditions are drawn from the target.
        let samples = self.generate(count, &mut rng).map_err(|e| match e {
            Error::Draw { what, .. } => Error::Draw {
                step: Some(step),
                what,
            },
            e => e,
        })?;
        let real = (!self.eval_real.is_empty()).then_some(&self.eval_real[..]);
        let c_dim = self.cond.len() / self.config.batch_size;
        let g = self
            .g_ema
            .as_ref()
            .map_or(&self.gan.generator, |(ema, _)| ema);
        // The curve measures' own samples continue the evaluation's stream.
        let mut sampler = GeneratorSampler::new(g, &self.target, c_dim, &mut rng);
        let seed = self.config.seed;
        let values = catalogue::score(
            &self.target,
            &samples,
            real,
            &self.eval_metrics,
            &mut sampler,
            seed,
        )?;
        Ok(Scores {
            run: None,
            step: Some(step),
            target: self.config.target.name().to_string(),
            samples: count,
            metrics: self
                .eval_metrics
                .iter()
                .map(|n| n.to_string())
                .zip(values)
                .collect(),
            channels: Vec::new(),
            notes: Vec::new(),
        })
    }
}

/// The samples the curve measures draw ([`catalogue::Sampler`]) from a generator `g` of
/// `target`, in the data's units, with noise (and drawn conditions) from `rng`.
pub struct GeneratorSampler<'a> {
    g: &'a Mlp,
    target: &'a Target,
    c_dim: usize,
    rng: &'a mut ChaCha8Rng,
    tape: Tape,
}

impl<'a> GeneratorSampler<'a> {
    /// Samples of `g` (a conditional one when `c_dim > 0`) of `target`, drawing from `rng`.
    pub fn new(g: &'a Mlp, target: &'a Target, c_dim: usize, rng: &'a mut ChaCha8Rng) -> Self {
        GeneratorSampler {
            g,
            target,
            c_dim,
            rng,
            tape: Tape::default(),
        }
    }
}

impl catalogue::Sampler for GeneratorSampler<'_> {
    fn sample(&mut self, count: usize, conditions: Option<&[f32]>) -> Result<Vec<f32>> {
        let mut out = match (conditions, self.c_dim) {
            (Some(c), k) if k > 0 => {
                let input = input_with_conditions(self.g, count, c, self.rng)?;
                self.g.forward(&input, &mut self.tape)?.to_vec()
            }
            _ => generate(
                self.g,
                self.target,
                count,
                self.c_dim,
                None,
                self.rng,
                &mut self.tape,
            )?,
        };
        self.target.to_data_units(&mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gan::step::train_step;

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
