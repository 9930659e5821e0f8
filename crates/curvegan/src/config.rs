//! Every setting of a training run, with the tutorial's values as defaults.
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

/// Refuses `value` of the config key `key` above [`MAX_CONFIG_INT`], naming the key and the
/// limit.
pub fn check_config_int(key: &str, value: u64) -> Result<()> {
    if value > MAX_CONFIG_INT {
        return Err(Error::config(
            key,
            format!(
                "{value} is above {MAX_CONFIG_INT} (2^63 - 1), the largest integer config.toml holds"
            ),
        ));
    }
    Ok(())
}

/// The config keys a resume may change by an edit of the run's `config.toml`: how long it
/// trains (`steps`, fixed under a learning-rate decay), how it is evaluated, how often it
/// draws figures and saves checkpoints. Every other key defines the run.
pub const RESUME_KEYS: [&str; 5] = [
    "steps",
    "eval_every",
    "eval_samples",
    "plot_every",
    "checkpoint_every",
];

/// A config key whose value differs between two configs ([`TrainConfig::changed_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    /// The key, dotted below the top level: `seed`, `optim_g.lr`, `target.points`.
    pub key: String,
    /// Its value in the first config, as TOML writes it (`not set` when absent).
    pub old: String,
    /// Its value in the second.
    pub new: String,
}

/// The error for `option` = `value` needing `bytes` (`None`: beyond 2⁶⁴) of memory.
pub fn memory_error(option: &str, value: &str, bytes: Option<u64>) -> Error {
    let need = match bytes {
        Some(b) => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        None => "more than 2^64 bytes".to_string(),
    };
    Error::config(
        option,
        format!(
            "{value} would need {need} of memory, above the limit of {} GiB",
            MAX_BYTES >> 30
        ),
    )
}

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

    /// Checks every setting; the error names the option and the value.
    pub fn validate(&self) -> Result<()> {
        self.check_integers()?;
        let positive = [
            ("steps", self.steps),
            ("batch_size", self.batch_size),
            ("latent_dim", self.latent_dim),
            ("eval_samples", self.eval_samples),
            ("pack", self.pack),
        ];
        for (option, v) in positive {
            if v == 0 {
                return Err(Error::config(option, "must be at least 1, got 0"));
            }
        }
        if !self.batch_size.is_multiple_of(self.pack) {
            return Err(Error::config(
                "pack",
                format!(
                    "D packs {} samples at a time; the batch size {} is not a multiple of it",
                    self.pack, self.batch_size
                ),
            ));
        }
        for (option, widths) in [("g_hidden", &self.g_hidden), ("d_hidden", &self.d_hidden)] {
            if widths.contains(&0) {
                return Err(Error::config(
                    option,
                    format!("hidden widths must be at least 1, got {widths:?}"),
                ));
            }
        }
        if self.activation == Activation::Identity || self.activation == Activation::Sigmoid {
            return Err(Error::config(
                "activation",
                format!(
                    "'{}' is not a hidden activation (use relu, leaky-relu[:SLOPE] or tanh)",
                    self.activation
                ),
            ));
        }
        if !(0.0..1.0).contains(&self.g_ema) {
            return Err(Error::config(
                "g_ema",
                format!(
                    "the decay must be in [0, 1) (0: no average; 0.999 is usual), got {}",
                    self.g_ema
                ),
            ));
        }
        self.validate_layers()?;
        self.loss_settings().validate()?;
        if self.spectral_norm && self.loss.has_gradient_penalty() {
            return Err(crate::gan::step::spectral_with_gp(self.loss));
        }
        self.optim_g.validate("optim_g")?;
        self.optim_d.validate("optim_d")?;
        let target = self.target.build()?;
        let names = self.eval_metric_names(&target)?;
        // The metric that needs the most samples is named with its minimum.
        let needy = names.iter().max_by_key(|n| catalogue::min_samples(&[*n]));
        if let Some(name) = needy {
            let min = catalogue::min_samples(&[*name]);
            if self.eval_samples < min {
                return Err(Error::config(
                    "eval_samples",
                    format!(
                        "the metric {name} needs at least {min} samples, got {} (metrics: {})",
                        self.eval_samples,
                        names.join(", ")
                    ),
                ));
            }
        }
        self.check_memory(&target, names.len())
    }

    /// Every integer key at most [`MAX_CONFIG_INT`], found by key (the config as JSON, which
    /// holds u64, walked), so that no key is forgotten: the error names the first over it.
    fn check_integers(&self) -> Result<()> {
        fn walk(key: &str, value: &serde_json::Value, found: &mut Option<(String, u64)>) {
            match value {
                serde_json::Value::Number(n) => {
                    if let Some(v) = n.as_u64().filter(|v| *v > MAX_CONFIG_INT) {
                        found.get_or_insert((key.to_string(), v));
                    }
                }
                serde_json::Value::Array(items) => {
                    items.iter().for_each(|item| walk(key, item, found));
                }
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        let key = match key {
                            "" => k.clone(),
                            _ => format!("{key}.{k}"),
                        };
                        walk(&key, v, found);
                    }
                }
                _ => {}
            }
        }
        let value =
            serde_json::to_value(self).map_err(|e| Error::Serialize(format!("the config: {e}")))?;
        let mut found = None;
        walk("", &value, &mut found);
        match found {
            Some((key, v)) => check_config_int(&key, v),
            None => Ok(()),
        }
    }

    /// The option and value that set the width of a sample, for messages: `--points` for a
    /// curve, the data file and its row length for `--data`.
    fn sample_width(&self, target: &Target) -> (&'static str, String) {
        match &self.target {
            TargetConfig::Data { path, .. } => (
                "target.path",
                format!("{} (rows of {} values)", path.display(), target.dim()),
            ),
            _ => ("target.points", target.dim().to_string()),
        }
    }

    /// `d_maxout` in 1..=[`MAX_MAXOUT`], not with `wgan-gp` or R1 (their input-gradient
    /// penalties support plain layers, with a piecewise-linear activation); `g_batchnorm` needs
    /// batches of at least 2 rows.
    fn validate_layers(&self) -> Result<()> {
        if !(1..=MAX_MAXOUT).contains(&self.d_maxout) {
            return Err(Error::config(
                "d_maxout",
                format!(
                    "takes 1 (no maxout) to {MAX_MAXOUT} pieces per unit, got {}",
                    self.d_maxout
                ),
            ));
        }
        if self.d_maxout > 1 && self.r1 > 0.0 {
            return Err(Error::config(
                "d_maxout",
                format!(
                    "{} pieces given, but R1 (`r1` {}) supports plain hidden layers only",
                    self.d_maxout, self.r1
                ),
            ));
        }
        if self.d_maxout > 1 && self.loss.has_gradient_penalty() {
            return Err(Error::config(
                "d_maxout",
                format!(
                    "{} pieces given, but the {} loss's gradient penalty supports plain hidden layers only",
                    self.d_maxout, self.loss
                ),
            ));
        }
        // Checked here, before the run folder exists, not at the first step.
        let penalty = self.loss.has_gradient_penalty() || self.r1 > 0.0;
        if penalty && !self.activation.is_piecewise_linear() {
            return Err(Error::config(
                "activation",
                format!(
                    "the gradient penalty is exact only for piecewise-linear activations (relu, leaky-relu, identity); the critic's hidden activation is '{}'",
                    self.activation
                ),
            ));
        }
        if self.g_basis > 0 {
            let points = self.target.build()?.points();
            let most = points.max(crate::nn::basis::MIN_COEFFICIENTS);
            if !(crate::nn::basis::MIN_COEFFICIENTS..=points).contains(&self.g_basis) {
                return Err(Error::config(
                    "g_basis",
                    format!(
                        "takes {} to {most} cubic B-spline coefficients per channel (the samples have {points} points), got {}",
                        crate::nn::basis::MIN_COEFFICIENTS, self.g_basis
                    ),
                ));
            }
        }
        if self.g_batchnorm && self.batch_size < 2 {
            return Err(Error::config(
                "g_batchnorm",
                format!(
                    "batch normalisation needs batches of at least 2 rows, `batch_size` is {}",
                    self.batch_size
                ),
            ));
        }
        Ok(())
    }

    /// Refuses a run that would hold more than [`MAX_BYTES`] in memory, naming the option that
    /// asks for the most: weights with their gradients and optimizer state (`--g-hidden`,
    /// `--d-hidden`, `--latent-dim`, `--points` or `--data`'s row length), one step's
    /// activations (`--batch-size`) and noise (`--n-critic`), one evaluation's samples
    /// (`--eval-samples`) and the metrics rows kept (`--steps`). A count at or below its
    /// default is not blamed for the width of the rows it counts: the widest layer is.
    fn check_memory(&self, target: &Target, n_metrics: usize) -> Result<()> {
        let (g, d) = self.specs(target)?;
        let (width_option, width_value) = self.sample_width(target);
        // The widest layer of both nets, named as the option that sets it.
        let widest = [
            (&g, "g_hidden", "latent_dim"),
            (&d, "d_hidden", "target.points"),
        ]
        .into_iter()
        .flat_map(|(net, hidden, input)| {
            let last = net.widths.len() - 1;
            (0..net.widths.len()).map(move |i| {
                let option = match i {
                    0 => input,
                    i if i == last => "target.points",
                    _ => hidden,
                };
                (net.widths[i], option, net)
            })
        })
        .max_by_key(|(w, _, _)| *w);
        let name_of = |option: &'static str, net: &MlpSpec| -> (&'static str, String) {
            match option {
                "latent_dim" => (option, self.latent_dim.to_string()),
                "target.points" => (width_option, width_value.clone()),
                _ => (
                    option,
                    format!("{:?}", &net.widths[1..net.widths.len() - 1]),
                ),
            }
        };
        let mut terms: Vec<(&str, String, Option<u64>)> = Vec::new();
        // Weight, gradient and two optimizer moments per parameter, 4 bytes each; with
        // spectral normalisation D also keeps its raw weights and their gradient.
        let d_bytes = if self.spectral_norm { 24 } else { 16 };
        for (net, hidden, input, bytes) in [
            (&g, "g_hidden", "latent_dim", 16),
            (&d, "d_hidden", "target.points", d_bytes),
        ] {
            let params = net.widths.windows(2).try_fold(0u64, |sum, w| {
                (w[0] as u64)
                    .checked_add(1)?
                    .checked_mul(w[1] as u64)?
                    .checked_add(sum)
            });
            let widest = (0..net.widths.len())
                .max_by_key(|&i| net.widths[i])
                .unwrap_or(0);
            let option = match widest {
                0 => input,
                i if i + 1 == net.widths.len() => "target.points",
                _ => hidden,
            };
            let (option, value) = name_of(option, net);
            // Maxout's Linear layers are K times wider (a slight overestimate of the last).
            let params = params.and_then(|p| p.checked_mul(net.maxout as u64));
            terms.push((option, value, params.and_then(|p| p.checked_mul(bytes))));
        }
        // A count no larger than its default is not what asks for too much: the row it
        // counts is, named by its widest layer.
        let count_or_width =
            |option: &'static str, count: usize, default: usize| match (count <= default, widest) {
                (true, Some((_, width, net))) => name_of(width, net),
                _ => (option, count.to_string()),
            };
        let defaults = TrainConfig::default();
        let row = |spec: &MlpSpec| {
            spec.widths
                .iter()
                .try_fold(0u64, |sum, &w| sum.checked_add(w as u64))
        };
        // Activations and their gradients of G, and of D on the real and the fake batch.
        let step_row = row(&g)
            .zip(row(&d))
            .and_then(|(g, d)| d.checked_mul(2)?.checked_add(g));
        let batch = step_row.and_then(|r| r.checked_mul(self.batch_size as u64)?.checked_mul(8));
        let (option, value) = count_or_width("batch_size", self.batch_size, defaults.batch_size);
        terms.push((option, value, batch));
        // Each D update's noise of a step, and wgan-gp's ε, drawn at once: n_critic × [B, k + 1].
        let n_critic = self.loss_settings().n_critic;
        let noise = (n_critic as u64)
            .checked_mul(self.batch_size as u64)
            .and_then(|n| n.checked_mul(self.latent_dim as u64 + 1)?.checked_mul(4));
        terms.push(("n_critic", n_critic.to_string(), noise));
        // G's forward pass on the evaluation's noise, the fakes and as many reals.
        let eval_row = row(&g).and_then(|r| r.checked_add((target.dim() as u64).checked_mul(2)?));
        let eval = eval_row.and_then(|r| r.checked_mul(self.eval_samples as u64)?.checked_mul(8));
        let (option, value) =
            count_or_width("eval_samples", self.eval_samples, defaults.eval_samples);
        terms.push((option, value, eval));
        // One metrics row per step, in memory and as text in the checkpoint.
        let rows = (self.steps as u64).checked_mul(ROW_BYTES + 32 * n_metrics as u64);
        terms.push(("steps", self.steps.to_string(), rows));
        let total = terms
            .iter()
            .try_fold(0u64, |sum, (_, _, bytes)| sum.checked_add((*bytes)?));
        if total.is_some_and(|t| t <= MAX_BYTES) {
            return Ok(());
        }
        // The first term over the limit on its own (the nets' sizes before what multiplies
        // them), else the largest.
        let over = |b: &Option<u64>| !b.is_some_and(|b| b <= MAX_BYTES);
        let culprit = match terms.iter().position(|(_, _, b)| over(b)) {
            Some(i) => i,
            None => (0..terms.len())
                .max_by_key(|&i| terms[i].2.unwrap_or(u64::MAX))
                .unwrap_or(0),
        };
        let (option, value, bytes) = terms.swap_remove(culprit);
        Err(memory_error(option, &value, bytes))
    }

    /// The metrics each evaluation computes for `target`: `eval_metrics` resolved
    /// ([`catalogue::resolve`]), with `keep_best` added if missing. Checks that `keep_best` fits
    /// the target and has a better direction, and that `early_stop` has something to watch.
    pub fn eval_metric_names(&self, target: &Target) -> Result<Vec<&'static str>> {
        let mut names =
            catalogue::resolve(target, self.conditional, &self.eval_metrics, "eval_metrics")?;
        if let Some(best) = &self.keep_best {
            let one = [best.clone()];
            let name = match catalogue::resolve(target, self.conditional, &one, "keep_best")?[..] {
                [name] if best != "all" => name,
                _ => {
                    return Err(Error::config(
                        "keep_best",
                        format!("takes one metric, got '{}'", crate::text::echo(best)),
                    ))
                }
            };
            if catalogue::metric_info(name)
                .and_then(|m| m.better)
                .is_none()
            {
                return Err(Error::config(
                    "keep_best",
                    format!("'{}' has no better direction (it is compared with a truth); choose a distance, an error or a fraction", crate::text::echo(name)),
                ));
            }
            if self.eval_every == 0 {
                return Err(Error::config(
                    "keep_best",
                    "needs evaluations during training; `eval_every` is 0",
                ));
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if self.early_stop > 0 {
            if self.keep_best.is_none() {
                return Err(Error::config(
                    "early_stop",
                    format!("{} needs `keep_best` METRIC to watch", self.early_stop),
                ));
            }
            if self.eval_every == 0 {
                return Err(Error::config(
                    "early_stop",
                    "needs evaluations during training; `eval_every` is 0",
                ));
            }
        }
        Ok(names)
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

    /// The keys whose values differ between this config and `other`, in key order: both
    /// configs as TOML tables, compared leaf by leaf (a key a config leaves out, such as an
    /// unset `keep_best`, reads `not set`).
    pub fn changed_keys(&self, other: &TrainConfig) -> Result<Vec<KeyChange>> {
        fn leaves(prefix: &str, value: toml::Value, out: &mut BTreeMap<String, toml::Value>) {
            match value {
                toml::Value::Table(table) => {
                    for (k, v) in table {
                        let key = match prefix {
                            "" => k,
                            _ => format!("{prefix}.{k}"),
                        };
                        leaves(&key, v, out);
                    }
                }
                v => {
                    out.insert(prefix.to_string(), v);
                }
            }
        }
        let table = |c: &TrainConfig| -> Result<BTreeMap<String, toml::Value>> {
            let value = toml::Value::try_from(c)
                .map_err(|e| Error::Serialize(format!("config as TOML: {e}")))?;
            let mut out = BTreeMap::new();
            leaves("", value, &mut out);
            Ok(out)
        };
        let (a, b) = (table(self)?, table(other)?);
        let text = |v: Option<&toml::Value>| v.map_or("not set".to_string(), |v| v.to_string());
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        Ok(keys
            .into_iter()
            .filter(|k| a.get(*k) != b.get(*k))
            .map(|k| KeyChange {
                key: k.clone(),
                old: text(a.get(k)),
                new: text(b.get(k)),
            })
            .collect())
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Serialize(format!("config as TOML: {e}")))
    }

    /// Parses a TOML config; a missing key takes its default, an unknown key is an error. A
    /// `loss` without `optim_g` or `optim_d` gives that net the loss's own optimizer
    /// ([`TrainConfig::set_loss`]), as `--loss` does.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self> {
        let mut config: TrainConfig = Self::parse_toml(text, path)?;
        if let Ok(table) = text.parse::<toml::Table>() {
            if table.contains_key("loss") {
                let own = config.loss.default_optimizer();
                for (key, optim) in [
                    ("optim_g", &mut config.optim_g),
                    ("optim_d", &mut config.optim_d),
                ] {
                    if !table.contains_key(key) {
                        *optim = own;
                    }
                }
            }
        }
        Ok(config)
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

    /// [`TrainConfig::from_toml`] without its loss rule: serde's reading, its error on one line
    /// naming the key (`optim_d.lr`), where toml's own names only the table it is in.
    fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
        let one_line = |e: toml::de::Error, key: String| {
            // One line: where, what, and the line itself (toml's own text spreads these over
            // several lines).
            let message = crate::text::echo(e.message().trim_end());
            let key = match key.is_empty() || key == "." {
                true => String::new(),
                false => format!(", key {}", crate::text::echo(&key)),
            };
            let text = match e.span() {
                Some(span) => {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = 1 + before.matches('\n').count();
                    let column = 1 + before.chars().rev().take_while(|&c| c != '\n').count();
                    let source: String = text
                        .lines()
                        .nth(line - 1)
                        .unwrap_or("")
                        .chars()
                        .take(80)
                        .collect();
                    format!(
                        "line {line}, column {column}{key}: {message} in `{}`",
                        crate::text::escape(source.trim())
                    )
                }
                None => format!("{}{message}", key.trim_start_matches(", ")),
            };
            Error::bad_file(path, text)
        };
        let de = toml::de::Deserializer::parse(text).map_err(|e| one_line(e, String::new()))?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            one_line(e.into_inner(), key)
        })
    }

    /// Reads a TOML config file: a regular file, or a pipe or FIFO read to its end
    /// (`--config <(…)`), of at most [`MAX_CONFIG_BYTES`] ([`input::read_text`]).
    pub fn load(path: &Path) -> Result<Self> {
        let text = input::read_text(path, MAX_CONFIG_BYTES)?;
        Self::from_toml(&text, path)
    }

    /// Reads a run folder's `config.toml`, which curvegan wrote: as [`TrainConfig::load`], but
    /// a FIFO or a device in its place is refused at once ([`input::read_regular_text`]).
    pub fn load_saved(path: &Path) -> Result<Self> {
        let text = input::read_regular_text(path, MAX_CONFIG_BYTES)?;
        Self::from_toml(&text, path)
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
