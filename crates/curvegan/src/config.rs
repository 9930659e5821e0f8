//! Every setting of a training run, with the tutorial's values as defaults.
//!
//! A [`TrainConfig`] is saved as `config.toml` in the run folder; loading that file and training
//! again repeats the run exactly. The defaults are the tutorial's: noise of size 15, one hidden
//! layer of 128 ReLU units in both nets, batch 64, Adam with lr 1e-4 for both, 10001 steps.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gan_loss::{LossSettings, DEFAULT_CLIP, DEFAULT_GP_WEIGHT};
use crate::mlp::{Activation, MlpSpec};
use crate::optim::OptimizerConfig;
use crate::target::TargetConfig;

pub use crate::gan_loss::LossKind;

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
    /// Activation after every hidden layer of both nets.
    pub activation: Activation,
    /// The loss (see [`crate::gan_loss`]).
    pub loss: LossKind,
    /// D updates per G update; `None` takes the loss's default
    /// ([`LossKind::default_n_critic`]: 5 for `wgan` and `wgan-gp`, else 1). `seed` needs 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_critic: Option<usize>,
    /// `wgan` only: after each D update every D parameter is clamped to `[−clip, clip]`.
    /// Default 0.01.
    pub clip: f64,
    /// `wgan-gp` only: the weight λ of the gradient penalty in D's loss. Default 10.
    pub gp_weight: f64,
    /// The generator's optimizer.
    pub optim_g: OptimizerConfig,
    /// The discriminator's optimizer.
    pub optim_d: OptimizerConfig,
    /// The real data.
    pub target: TargetConfig,
    /// Write the tutorial's figure every this many steps (0: never).
    pub plot_every: usize,
    /// Evaluate the generator every this many steps and at the last step (0: only at the last).
    pub eval_every: usize,
    /// Fresh samples drawn for each evaluation.
    pub eval_samples: usize,
    /// Save a checkpoint every this many steps (0: only when stopped and at the end).
    pub checkpoint_every: usize,
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
            loss: LossKind::Seed,
            n_critic: None,
            clip: DEFAULT_CLIP,
            gp_weight: DEFAULT_GP_WEIGHT,
            optim_g: OptimizerConfig::adam(1e-4),
            optim_d: OptimizerConfig::adam(1e-4),
            target: TargetConfig::default(),
            plot_every: 1000,
            eval_every: 1000,
            eval_samples: 1000,
            checkpoint_every: 0,
            conditional: false,
            pack: 1,
        }
    }
}

impl TrainConfig {
    /// Checks every setting; the error names the option and the value.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("--steps", self.steps),
            ("--batch-size", self.batch_size),
            ("--latent-dim", self.latent_dim),
            ("--eval-samples", self.eval_samples),
            ("--pack", self.pack),
        ];
        for (option, v) in positive {
            if v == 0 {
                return Err(Error::config(option, "must be at least 1, got 0"));
            }
        }
        if self.batch_size % self.pack != 0 {
            return Err(Error::config(
                "--pack",
                format!(
                    "D packs {} samples at a time; the batch size {} is not a multiple of it",
                    self.pack, self.batch_size
                ),
            ));
        }
        for (option, widths) in [
            ("--g-hidden", &self.g_hidden),
            ("--d-hidden", &self.d_hidden),
        ] {
            if widths.contains(&0) {
                return Err(Error::config(
                    option,
                    format!("hidden widths must be at least 1, got {widths:?}"),
                ));
            }
        }
        if self.activation == Activation::Identity || self.activation == Activation::Sigmoid {
            return Err(Error::config(
                "--activation",
                format!(
                    "'{}' is not a hidden activation (use relu, leaky-relu[:SLOPE] or tanh)",
                    self.activation
                ),
            ));
        }
        self.loss_settings().validate()?;
        self.optim_g
            .validate("--lr-g/--betas (generator optimizer)")?;
        self.optim_d
            .validate("--lr-d/--betas (discriminator optimizer)")?;
        self.target.build()?;
        Ok(())
    }

    /// The generator's shape: `latent_dim → g_hidden… → sample size`.
    pub fn generator_spec(&self, sample_dim: usize) -> MlpSpec {
        MlpSpec::new(
            self.latent_dim,
            &self.g_hidden,
            sample_dim,
            self.activation,
            Activation::Identity,
        )
    }

    /// The condition's width for this target: its number of random parameters when
    /// `conditional`, else 0. A conditional GAN needs a target with random parameters.
    pub fn cond_dim(&self, target: &crate::target::Target) -> Result<usize> {
        if !self.conditional {
            return Ok(0);
        }
        match target.cond_dim() {
            0 => Err(Error::config(
                "--conditional",
                format!(
                    "the target '{}' has no random parameters to condition on (use family, or a formula with a random --param)",
                    self.target.kind.name()
                ),
            )),
            c => Ok(c),
        }
    }

    /// The generator's and the discriminator's shapes for this target, the condition
    /// included: G `latent + c → … → n`, D `n + c → … → 1`.
    pub fn specs(&self, target: &crate::target::Target) -> Result<(MlpSpec, MlpSpec)> {
        let c = self.cond_dim(target)?;
        let mut g = self.generator_spec(target.dim());
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
        }
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Serialize(format!("config as TOML: {e}")))
    }

    /// Parses a TOML config; a missing key takes its default, an unknown key is an error.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::bad_file(path, e.to_string().trim_end()))
    }

    /// Reads a TOML config file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("cannot read", path, e))?;
        Self::from_toml(&text, path)
    }
}
