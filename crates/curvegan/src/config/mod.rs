//! Every setting of a training run (may use: text, error, nn, data, gan, eval), with the
//! tutorial's values as defaults; `config/validate.rs` holds every rule on them, `config/file.rs` their TOML.
//!
//! A [`TrainConfig`] is saved as `config.toml` in the run folder; loading that file and training
//! again repeats the run exactly. The defaults are the tutorial's: noise of size 15, one hidden
//! layer of 128 ReLU units in both nets, batch 64, Adam with lr 1e-4 for both, 10001 steps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::data::dataset::{Format, TS_LABEL};
use crate::data::input;
use crate::data::target::{Target, TargetConfig};
use crate::error::{Error, Result};
use crate::eval::catalogue;
use crate::gan::loss::{LossSettings, DEFAULT_CLIP, DEFAULT_GP_WEIGHT};
use crate::nn::mlp::{Activation, BasisSpec, MlpSpec, MAX_MAXOUT};
use crate::nn::optim::OptimizerConfig;

pub use crate::gan::loss::LossKind;
pub use file::KeyChange;
pub use set::parse_value;
pub use validate::{check_config_int, memory_error};

mod file;
mod set;
mod validate;

/// The most memory a run, an evaluation or a sample may ask for: 4 GiB. A setting that would
/// need more is refused before anything is allocated or written.
pub const MAX_BYTES: u64 = 4 << 30;

/// The largest config file read (`--config`, a run's `config.toml`): 1 MiB.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Bytes of one step's row of metrics kept in memory and written to the checkpoint, beside
/// 32 bytes per evaluation metric.
const ROW_BYTES: u64 = 128;

/// The largest integer a config key may hold: 2⁶³ − 1, TOML's largest (its integers are
/// i64), so that the `config.toml` a run writes reads back.
pub const MAX_CONFIG_INT: u64 = i64::MAX as u64;

/// The config keys a resume may change by an edit of the run's `config.toml`: how long it
/// trains (`steps`, fixed under a learning-rate decay), how it is evaluated, how often it
/// draws figures and saves checkpoints, whether it logs for TensorBoard. Every other key
/// defines the run.
pub const RESUME_KEYS: [&str; 6] = [
    "steps",
    "eval_every",
    "eval_samples",
    "plot_every",
    "checkpoint_every",
    "tensorboard",
];

/// How the learning rates change over a run of `T` steps: at step `t` (from 0) both
/// optimizers use their configured rate times [`LrDecay::factor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrDecay {
    /// Constant (the tutorial's): factor 1.
    #[default]
    None,
    /// Linear to zero: `1 − t/T` (PyTorch's `LinearLR(end_factor=0, total_iters=T)`).
    Linear,
    /// Half a cosine to zero: `(1 + cos(π t/T)) / 2` (`CosineAnnealingLR(T_max=T)`).
    Cosine,
}

impl LrDecay {
    /// The factor at step `t` of `total` steps, in (0, 1].
    pub fn factor(self, t: usize, total: usize) -> f64 {
        let frac = t as f64 / total.max(1) as f64;
        match self {
            LrDecay::None => 1.0,
            LrDecay::Linear => 1.0 - frac,
            LrDecay::Cosine => 0.5 * (1.0 + (std::f64::consts::PI * frac).cos()),
        }
    }
}

impl std::str::FromStr for LrDecay {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "none" => Ok(LrDecay::None),
            "linear" => Ok(LrDecay::Linear),
            "cosine" => Ok(LrDecay::Cosine),
            _ => Err(format!(
                "expected none, linear or cosine, got '{}'",
                crate::text::echo(s)
            )),
        }
    }
}

/// True for 0, the value of a setting that is off (not written to `config.toml`, so that the
/// config of a run that does not use it reads as before the setting existed).
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// serde's `skip_serializing_if` for settings whose default is 1.
fn is_one(v: &usize) -> bool {
    *v == 1
}

/// serde's `skip_serializing_if` for fractions whose default is 1.
fn is_one_f64(v: &f64) -> bool {
    *v == 1.0
}

/// serde's `skip_serializing_if` for counts whose default is 0.
fn is_zero_usize(v: &usize) -> bool {
    *v == 0
}

/// All settings of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Number of training steps (the tutorial's `range(10001)`: steps 0 to 10000).
    pub steps: usize,
    /// Seed of every random draw: initial weights, noise, evaluation samples.
    pub seed: u64,
    /// Real and fake samples per step.
    pub batch_size: usize,
    /// Size of the generator's noise input.
    pub latent_dim: usize,
    /// Hidden widths of the generator.
    pub g_hidden: Vec<usize>,
    /// Hidden widths of the discriminator.
    pub d_hidden: Vec<usize>,
    /// Activation after every hidden layer of both nets (D's replaced by `d_maxout`).
    pub activation: Activation,
    /// `BatchNorm1d` between every hidden `Linear` of G and its activation (training mode
    /// during training, the running statistics when sampling; see [`crate::nn::mlp`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub g_batchnorm: bool,
    /// G's smooth output ([`crate::nn::basis`]): its last layer gives this many cubic
    /// B-spline coefficients per channel, which a fixed basis turns into the channel's points,
    /// so every curve is smooth; 0 (the default) for none. From 4 to the target's points.
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub g_basis: usize,
    /// Maxout pieces of every hidden unit of D, replacing the activation there (1: none).
    #[serde(skip_serializing_if = "is_one")]
    pub d_maxout: usize,
    /// The loss (see [`crate::gan::loss`]).
    pub loss: LossKind,
    /// D updates per G update; `None` takes the loss's default
    /// ([`LossKind::default_n_critic`]: 5 for `wgan` and `wgan-gp`, else 1). `tutorial` needs 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_critic: Option<usize>,
    /// `wgan` only: after each D update every D parameter is clamped to `[−clip, clip]`.
    /// Default 0.01.
    pub clip: f64,
    /// `wgan-gp` only: the weight λ of the gradient penalty in D's loss. Default 10.
    pub gp_weight: f64,
    /// R1's γ: D's loss gets `(γ/2)·mean ‖∇ₓ D(real)‖²` (see [`crate::gan::loss`]); 0 (the
    /// default, not written) turns it off.
    #[serde(skip_serializing_if = "is_zero")]
    pub r1: f64,
    /// Top-k update of G ([`LossSettings::g_rows`]): the fraction of D's scores on G's fakes
    /// that G's loss keeps, the ones D finds most real; 1 (the default, not written) keeps all.
    #[serde(skip_serializing_if = "is_one_f64")]
    pub top_k: f64,
    /// Steps over which the kept fraction falls linearly from 1 to `top_k` (0, the default,
    /// not written: `top_k` from the start).
    #[serde(skip_serializing_if = "is_zero_usize")]
    pub top_k_anneal: usize,
    /// Spectral normalisation of every `Linear` of D ([`crate::nn::spectral`]); off by default
    /// (not written then).
    #[serde(skip_serializing_if = "is_false")]
    pub spectral_norm: bool,
    /// Decay of an exponential moving average of G's weights ([`crate::nn::ema`]), updated
    /// after every step; 0 (the default) keeps none. With an average, evaluation, samples,
    /// `best/` and `generator.safetensors` use it; the checkpoint keeps both.
    #[serde(skip_serializing_if = "is_zero")]
    pub g_ema: f64,
    /// The generator's optimizer.
    pub optim_g: OptimizerConfig,
    /// The discriminator's optimizer.
    pub optim_d: OptimizerConfig,
    /// How both learning rates change over the run ([`LrDecay`]).
    pub lr_decay: LrDecay,
    /// The real data.
    pub target: TargetConfig,
    /// Write the tutorial's figure every this many steps (0: never).
    pub plot_every: usize,
    /// Evaluate the generator every this many steps and at the last step (0: only at the last).
    pub eval_every: usize,
    /// Fresh samples drawn for each evaluation.
    pub eval_samples: usize,
    /// The metrics each evaluation computes and writes to `metrics.csv`, by name
    /// ([`crate::eval::catalogue::CATALOGUE`]), or `["all"]`. Empty: the target's cheap default set
    /// ([`crate::eval::catalogue::training_default`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eval_metrics: Vec<String>,
    /// Keep the generator and discriminator of the evaluation (every `eval_every` steps) with
    /// the best value of this metric in `best/` of the run folder. It is computed at every
    /// evaluation, whether `eval_metrics` lists it or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_best: Option<String>,
    /// Stop when `keep_best` has not improved for this many evaluations in a row (0: never).
    pub early_stop: usize,
    /// Save a checkpoint every this many steps (0: only when stopped and at the end).
    pub checkpoint_every: usize,
    /// Log the run for TensorBoard: an event file in the run folder with the scalars of
    /// `metrics.csv`, the step figures and the config ([`crate::run::store::tensorboard`]); off
    /// by default (not written then).
    #[serde(skip_serializing_if = "is_false")]
    pub tensorboard: bool,
    /// A conditional GAN: the target's random parameters (`a` of `family`, a formula's random
    /// `--param`s) are appended to G's noise and to D's input.
    pub conditional: bool,
    /// PacGAN packing: D judges this many samples at once, concatenated into one input
    /// (1: no packing). The batch size must be a multiple of it.
    pub pack: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            steps: 10001,
            seed: 0,
            batch_size: 64,
            latent_dim: 15,
            g_hidden: vec![128],
            d_hidden: vec![128],
            activation: Activation::Relu,
            g_batchnorm: false,
            g_basis: 0,
            d_maxout: 1,
            loss: LossKind::Tutorial,
            n_critic: None,
            clip: DEFAULT_CLIP,
            gp_weight: DEFAULT_GP_WEIGHT,
            r1: 0.0,
            top_k: 1.0,
            top_k_anneal: 0,
            spectral_norm: false,
            g_ema: 0.0,
            optim_g: OptimizerConfig::adam(1e-4),
            optim_d: OptimizerConfig::adam(1e-4),
            lr_decay: LrDecay::None,
            target: TargetConfig::default(),
            plot_every: 1000,
            eval_every: 1000,
            eval_samples: 1000,
            eval_metrics: Vec::new(),
            keep_best: None,
            early_stop: 0,
            checkpoint_every: 0,
            tensorboard: false,
            conditional: false,
            pack: 1,
        }
    }
}

impl TrainConfig {
    /// The defaults for learning a data file (`curvegan train --data FILE`), measured on public
    /// UCR/UEA data sets (the guide's `docs/src/data.md`): the non-saturating loss with R1 (γ = 1) and
    /// a moving average of G (0.999), noise of 32 values, two hidden layers of 128 units in
    /// both nets, Adam at 2e-4 with β = (0.5, 0.999) for both, 20000 steps; the data's own settings
    /// ([`TargetConfig::data`]: a fifth of the rows held out, standard scaling). Every other
    /// setting is the tutorial's.
    pub fn data_defaults(target: TargetConfig) -> TrainConfig {
        let adam = OptimizerConfig::Adam {
            lr: 2e-4,
            betas: [0.5, 0.999],
            eps: 1e-8,
        };
        TrainConfig {
            steps: 20000,
            latent_dim: 32,
            g_hidden: vec![128, 128],
            d_hidden: vec![128, 128],
            loss: LossKind::Nonsaturating,
            r1: 1.0,
            g_ema: 0.999,
            optim_g: adam,
            optim_d: adam,
            target,
            ..TrainConfig::default()
        }
    }

    /// The generator's shape for samples of `sample_dim` values without a smooth basis:
    /// `latent_dim → g_hidden… → sample_dim`.
    pub fn generator_spec(&self, sample_dim: usize) -> MlpSpec {
        MlpSpec::new(
            self.latent_dim,
            &self.g_hidden,
            sample_dim,
            self.activation,
            Activation::Identity,
        )
        .with_batchnorm(self.g_batchnorm)
    }

    /// The generator's shape for `target`'s samples: [`TrainConfig::generator_spec`], or with
    /// `g_basis` `… → channels · g_basis` coefficients and the fixed smooth basis after them.
    pub fn generator_spec_for(&self, target: &Target) -> MlpSpec {
        match self.g_basis {
            0 => self.generator_spec(target.dim()),
            k => {
                let basis = BasisSpec {
                    channels: target.channels(),
                    points: target.points(),
                    coefficients: k,
                };
                self.generator_spec(basis.inputs()).with_basis(Some(basis))
            }
        }
    }

    /// The condition's width for this target: its number of random parameters (a data set's
    /// encoded condition columns) when `conditional`, else 0. A conditional GAN needs a target
    /// with random parameters, or a data file with conditions; the error says where they come
    /// from.
    pub fn cond_dim(&self, target: &Target) -> Result<usize> {
        if !self.conditional {
            return Ok(0);
        }
        let c = target.cond_dim();
        if c > 0 {
            return Ok(c);
        }
        let why = match target.dataset() {
            Some(data) => {
                let path = data.path().display();
                match data.format() {
                    Format::Csv => format!(
                        "the data file {path} has no condition columns: name them with `target.condition_columns` NAME,… (a .ts file's condition is its class or target label, '{TS_LABEL}')"
                    ),
                    Format::Ts => format!(
                        "the data file {path} has no class or target label (@classLabel true …, @targetLabel true), which would be its condition '{TS_LABEL}'; a CSV file's conditions are the columns named with `target.condition_columns` NAME,…"
                    ),
                    Format::Npy => format!(
                        "the data file {path} is a NumPy array, which holds no conditions: use a CSV file with `target.condition_columns` NAME,… or a .ts file with a class or target label (its condition '{TS_LABEL}')"
                    ),
                }
            }
            None => format!(
                "the target '{}' has no random parameters to condition on (use family, or a formula with a random `target.params`)",
                self.target.name()
            ),
        };
        Err(Error::config("conditional", why))
    }

    /// The generator's and the discriminator's shapes for this target, the condition
    /// included: G `latent + c → … → n`, D `n + c → … → 1`.
    pub fn specs(&self, target: &Target) -> Result<(MlpSpec, MlpSpec)> {
        let c = self.cond_dim(target)?;
        let mut g = self.generator_spec_for(target);
        let mut d = self.discriminator_spec(target.dim());
        g.widths[0] += c;
        d.widths[0] = (d.widths[0] + c) * self.pack;
        Ok((g, d))
    }

    /// The discriminator's shape: `sample size → d_hidden… → 1`, with the loss's head.
    pub fn discriminator_spec(&self, sample_dim: usize) -> MlpSpec {
        MlpSpec::new(
            sample_dim,
            &self.d_hidden,
            1,
            self.activation,
            self.loss.head(),
        )
        .with_maxout(self.d_maxout)
    }

    /// The loss settings of the training step: the kind, `n_critic` (the kind's default when
    /// unset), the clip bound and the penalty weight.
    pub fn loss_settings(&self) -> LossSettings {
        LossSettings {
            kind: self.loss,
            n_critic: self
                .n_critic
                .unwrap_or_else(|| self.loss.default_n_critic()),
            clip: self.clip,
            gp_weight: self.gp_weight,
            r1: self.r1,
            top_k: self.top_k,
            top_k_anneal: self.top_k_anneal,
        }
    }

    /// Sets the loss, and both optimizers to the loss's own ([`LossKind::default_optimizer`]:
    /// RMSprop for `wgan`, Adam with β = (0.5, 0.9) for `wgan-gp`, else the tutorial's Adam).
    pub fn set_loss(&mut self, loss: LossKind) {
        self.loss = loss;
        self.optim_g = loss.default_optimizer();
        self.optim_d = loss.default_optimizer();
    }

    /// The data defaults' R1 ([`TrainConfig::data_defaults`]) gives way to a loss that cannot
    /// take it (`tutorial`, `wgan`, `wgan-gp`) or a maxout D: `r1` becomes 0 there. For a
    /// config made from the data defaults and changed, before an `r1` the user gives.
    pub fn drop_unusable_r1(&mut self) {
        if !self.loss.takes_r1() || self.d_maxout > 1 {
            self.r1 = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_factors_by_hand() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-15;
        for d in [LrDecay::None, LrDecay::Linear, LrDecay::Cosine] {
            assert_eq!(d.factor(0, 100), 1.0, "{d:?}");
        }
        assert_eq!(LrDecay::None.factor(99, 100), 1.0);
        assert!(close(LrDecay::Linear.factor(25, 100), 0.75));
        assert!(close(LrDecay::Linear.factor(99, 100), 0.01));
        assert!(close(LrDecay::Cosine.factor(50, 100), 0.5));
        // (1 + cos(π/4)) / 2
        assert!(close(
            LrDecay::Cosine.factor(25, 100),
            0.5 + 0.5 * std::f64::consts::FRAC_1_SQRT_2
        ));
        assert!(LrDecay::Cosine.factor(99, 100) > 0.0);
    }

    /// Every integer key is checked against TOML's i64, nested ones too, by key.
    #[test]
    fn integers_config_toml_cannot_hold_are_named_by_key() {
        let too_big = MAX_CONFIG_INT + 1;
        for (config, head) in [
            (
                TrainConfig {
                    seed: too_big,
                    ..TrainConfig::default()
                },
                "invalid seed:",
            ),
            (
                TrainConfig {
                    target: TargetConfig::Family {
                        points: too_big as usize,
                        x_range: [-1.0, 1.0],
                    },
                    ..TrainConfig::default()
                },
                "invalid target.points:",
            ),
            (
                TrainConfig {
                    d_hidden: vec![8, too_big as usize],
                    ..TrainConfig::default()
                },
                "invalid d_hidden:",
            ),
        ] {
            let msg = config.validate().unwrap_err().to_string();
            let value = too_big.to_string();
            for named in [head, &value, "9223372036854775807"] {
                assert!(msg.contains(named), "{named} not in {msg}");
            }
        }
    }

    #[test]
    fn changed_keys_compares_by_key() {
        let a = TrainConfig::default();
        let b = TrainConfig {
            steps: 5,
            keep_best: Some("mse_to_target".into()),
            optim_g: OptimizerConfig::adam(1e-3),
            ..a.clone()
        };
        let changed = a.changed_keys(&b).unwrap();
        let keys: Vec<&str> = changed.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["keep_best", "optim_g.lr", "steps"]);
        assert_eq!(
            (changed[0].old.as_str(), changed[0].new.as_str()),
            ("not set", "\"mse_to_target\"")
        );
        assert!(a.changed_keys(&a.clone()).unwrap().is_empty());
    }

    #[test]
    fn optimizer_tables_may_leave_out_pytorchs_defaults() {
        let c = TrainConfig::from_toml(
            "[optim_g]\nkind = \"adam\"\nlr = 0.001\n[optim_d]\nkind = \"rmsprop\"\nlr = 0.002\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.optim_g, OptimizerConfig::adam(0.001));
        assert_eq!(c.optim_d, OptimizerConfig::rmsprop(0.002));
    }

    #[test]
    fn train_config_checks_and_keeps_the_loss_options() {
        let ok = TrainConfig {
            loss: LossKind::WganGp,
            n_critic: Some(3),
            gp_weight: 2.5,
            ..TrainConfig::default()
        };
        ok.validate().unwrap();
        assert_eq!(ok.loss_settings().n_critic, 3);
        let path = std::path::Path::new("config.toml");
        let text = ok.to_toml().unwrap();
        assert!(text.contains("loss = \"wgan-gp\""), "{text}");
        assert_eq!(TrainConfig::from_toml(&text, path).unwrap(), ok);
        // Unset n_critic is not written and comes back unset (the kind's default).
        let default = TrainConfig::default();
        let text = default.to_toml().unwrap();
        assert!(!text.contains("n_critic"), "{text}");
        assert_eq!(TrainConfig::from_toml(&text, path).unwrap(), default);
        // R1 and spectral normalisation off are not written (old runs' config.toml stays the
        // same); on, they round-trip.
        assert!(
            !text.contains("r1") && !text.contains("spectral_norm") && !text.contains("top_k"),
            "{text}"
        );
        let penalised = TrainConfig {
            loss: LossKind::Nonsaturating,
            r1: 10.0,
            spectral_norm: true,
            top_k: 0.5,
            top_k_anneal: 1000,
            ..TrainConfig::default()
        };
        penalised.validate().unwrap();
        let text = penalised.to_toml().unwrap();
        for line in [
            "r1 = 10.0",
            "spectral_norm = true",
            "top_k = 0.5",
            "top_k_anneal = 1000",
        ] {
            assert!(text.contains(line), "{line} not in {text}");
        }
        assert_eq!(penalised.loss_settings().g_rows(100, 500), 75);
        assert_eq!(TrainConfig::from_toml(&text, path).unwrap(), penalised);
        assert_eq!(penalised.loss_settings().r1_weight(), Some(5.0));
        let wgan = TrainConfig {
            loss: LossKind::Wgan,
            ..TrainConfig::default()
        };
        assert_eq!(wgan.loss_settings(), LossSettings::new(LossKind::Wgan));
        for (bad, option, value) in [
            (
                TrainConfig {
                    n_critic: Some(0),
                    ..wgan.clone()
                },
                "n_critic",
                "0",
            ),
            (
                TrainConfig {
                    clip: 0.0,
                    ..wgan.clone()
                },
                "clip",
                "0",
            ),
            (
                TrainConfig {
                    gp_weight: f64::INFINITY,
                    ..ok.clone()
                },
                "gp_weight",
                "inf",
            ),
        ] {
            let msg = bad.validate().unwrap_err().to_string();
            assert!(msg.contains(option) && msg.contains(value), "{msg}");
        }
    }
}
