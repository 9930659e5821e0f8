//! The training settings `train` and `sweep` share ([`TrainSettings`]: every option of a new
//! run but `--steps`), their help, and their conversion into a checked [`TrainConfig`]: the
//! `--config` file's settings or the defaults, with the options given applied.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use curvegan::config::{LossKind, LrDecay, TrainConfig};
use curvegan::data::target::TargetConfig;
use curvegan::nn::mlp::Activation;
use curvegan::nn::optim::OptimizerConfig;
use curvegan::run::store::files;
use curvegan::Error;

use crate::args::target::{TargetArgs, LEARN};
use crate::args::{with_default, DEFAULT};

// The headings `train --help` groups its options under (`train` puts its own under [`OUTPUT`]).
const NETS: &str = "Networks";
const LOSS: &str = "Loss and optimiser";
const EVAL: &str = "Evaluation";
pub const OUTPUT: &str = "Output";
const CKPT: &str = "Checkpoints";

/// Hidden widths as the options take them: `128` or `400,400,400`.
fn widths(w: &[usize]) -> String {
    w.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

/// An optimizer as `--loss`'s help describes it, e.g. `Adam lr 1e-4, betas 0.5,0.9`.
fn optimizer(o: &OptimizerConfig) -> String {
    match o {
        OptimizerConfig::Adam { lr, betas, .. } => {
            format!("Adam lr {lr:e}, betas {},{}", betas[0], betas[1])
        }
        OptimizerConfig::Rmsprop { lr, .. } => format!("RMSprop lr {lr:e}"),
    }
}

fn loss_help() -> String {
    let opt = |k: LossKind| optimizer(&k.default_optimizer());
    with_default(
        &format!(
            "The loss: tutorial (the tutorial's; \"seed\" also reads as it), minimax, \
             nonsaturating, lsgan, hinge, wgan, wgan-gp. Choosing one also sets its optimizer \
             defaults (wgan: {}; wgan-gp: {}; others: {})",
            opt(LossKind::Wgan),
            opt(LossKind::WganGp),
            opt(DEFAULT.loss)
        ),
        DEFAULT.loss,
    )
}

/// `--activation`'s value: a hidden activation (`relu`, `leaky-relu[:SLOPE]`, `tanh`). The
/// engine also has `sigmoid` and `identity`, for output layers only: refused here by name, as
/// the config's check refuses them in a file.
fn hidden_activation(text: &str) -> std::result::Result<Activation, String> {
    const HIDDEN: &str = "relu, leaky-relu[:SLOPE] or tanh";
    match text.parse::<Activation>() {
        Ok(a @ (Activation::Relu | Activation::LeakyRelu(_) | Activation::Tanh)) => Ok(a),
        Ok(other) => Err(format!(
            "'{other}' is not a hidden activation (only an output one); use {HIDDEN}"
        )),
        // A slope that is not a number: the engine's message names it.
        Err(e) if text.starts_with("leaky-relu:") => Err(e),
        Err(_) => Err(format!(
            "unknown activation '{}' (expected {HIDDEN})",
            curvegan::text::echo(text)
        )),
    }
}

fn activation_help() -> String {
    let leaky: Activation = "leaky-relu".parse().unwrap_or(Activation::Relu);
    with_default(
        &format!("Hidden activation of both nets: relu, leaky-relu[:SLOPE] (leaky-relu is {leaky}) or tanh"),
        DEFAULT.activation,
    )
}

/// Every setting of a new run (all but `--steps`); `train --resume` conflicts with each
/// ([`crate::commands::Cli::command_with_alias`]).
#[derive(Debug, Args)]
#[group(skip)]
pub struct TrainSettings {
    /// Read every setting from this TOML file (a run's config.toml works); options override it
    #[arg(help_heading = LEARN, long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    learn: TargetArgs,
    #[arg(help_heading = LEARN, long, help = with_default("Seed of every random draw", DEFAULT.seed))]
    seed: Option<u64>,
    #[arg(help_heading = LEARN, long, help = with_default("Real and fake samples per step", DEFAULT.batch_size))]
    batch_size: Option<usize>,
    #[arg(help_heading = NETS, long, help = with_default("Size of the generator's noise input", DEFAULT.latent_dim))]
    latent_dim: Option<usize>,
    #[arg(help_heading = NETS, long, help = with_default("Hidden width of both networks (one hidden layer each)", widths(&DEFAULT.g_hidden)))]
    hidden: Option<usize>,
    #[arg(help_heading = NETS, long, value_name = "W,W,…", value_delimiter = ',', num_args = 1..,
        help = with_default("The generator's hidden widths, e.g. 400,400,400", widths(&DEFAULT.g_hidden)))]
    g_hidden: Option<Vec<usize>>,
    #[arg(help_heading = NETS, long, value_name = "W,W,…", value_delimiter = ',', num_args = 1..,
        help = with_default("The discriminator's hidden widths", widths(&DEFAULT.d_hidden)))]
    d_hidden: Option<Vec<usize>>,
    #[arg(help_heading = NETS, long, value_name = "ACT", value_parser = hidden_activation, help = activation_help())]
    activation: Option<Activation>,
    /// BatchNorm1d after every hidden Linear of the generator (PyTorch's momentum 0.1, eps 1e-5)
    #[arg(help_heading = NETS, long)]
    g_batchnorm: bool,
    /// Smooth curves: the generator gives K cubic B-spline coefficients per channel (4 to the points), a fixed basis turns them into the points [default: 0, none]
    #[arg(help_heading = NETS, long, value_name = "K")]
    g_basis: Option<usize>,
    #[arg(help_heading = NETS, long, value_name = "K", help = with_default(
        "Maxout units in the discriminator's hidden layers: K pieces each, replacing --activation there (1: none)", DEFAULT.d_maxout))]
    d_maxout: Option<usize>,
    #[arg(help_heading = LOSS, long, value_name = "LOSS", help = loss_help())]
    loss: Option<LossKind>,
    #[arg(help_heading = LOSS, long, value_name = "N", help = with_default("D updates per G update", format!(
        "{} for wgan and wgan-gp, else {}", LossKind::Wgan.default_n_critic(), DEFAULT.loss.default_n_critic())))]
    n_critic: Option<usize>,
    #[arg(help_heading = LOSS, long, value_name = "C", allow_hyphen_values = true,
        help = with_default("wgan: clamp every D parameter to [-C, C] after each D update", DEFAULT.clip))]
    clip: Option<f64>,
    #[arg(help_heading = LOSS, long, value_name = "W", allow_hyphen_values = true,
        help = with_default("wgan-gp: weight of the gradient penalty", DEFAULT.gp_weight))]
    gp_weight: Option<f64>,
    #[arg(help_heading = LOSS, long, value_name = "GAMMA", allow_hyphen_values = true, help = with_default(
        "R1 penalty on real samples: D's loss gets (GAMMA/2)·mean ‖∇ₓ D(real)‖² (not with tutorial or wgan-gp; 0: off)",
        DEFAULT.r1))]
    r1: Option<f64>,
    #[arg(help_heading = LOSS, long, value_name = "NU", allow_hyphen_values = true, help = with_default(
        "Top-k update of G: G's loss keeps only this fraction of its fakes, those D scores as the most real (1: all)",
        DEFAULT.top_k))]
    top_k: Option<f64>,
    #[arg(help_heading = LOSS, long, value_name = "STEPS", help = with_default(
        "Steps over which the fraction --top-k keeps falls linearly from 1 to NU (0: NU from the start)",
        DEFAULT.top_k_anneal))]
    top_k_anneal: Option<usize>,
    /// Spectral normalisation of every layer of D (one power iteration per forward pass, as
    /// PyTorch's spectral_norm)
    #[arg(help_heading = NETS, long)]
    spectral_norm: bool,
    #[arg(help_heading = LOSS, long, value_name = "DECAY", allow_hyphen_values = true, help = with_default(
        "Keep a moving average of G's weights with this decay (e.g. 0.999), updated every step; samples, evaluation and generator.safetensors use it (0: none)",
        DEFAULT.g_ema))]
    g_ema: Option<f64>,
    /// The generator's optimizer [default: the loss's]
    #[arg(help_heading = LOSS, long, value_enum, value_name = "OPT")]
    optim_g: Option<OptimArg>,
    /// The discriminator's optimizer [default: the loss's]
    #[arg(help_heading = LOSS, long, value_enum, value_name = "OPT")]
    optim_d: Option<OptimArg>,
    /// Adam's betas for both nets, e.g. 0.5,0.9 [default: the loss's]
    #[arg(help_heading = LOSS, long, value_name = "B1,B2", value_parser = parse_betas, allow_hyphen_values = true)]
    betas: Option<[f64; 2]>,
    #[arg(help_heading = LOSS, long, allow_hyphen_values = true, help = with_default("Generator's learning rate",
        format!("the loss's, {:e} for the tutorial", DEFAULT.optim_g.lr())))]
    lr_g: Option<f64>,
    #[arg(help_heading = LOSS, long, allow_hyphen_values = true, help = with_default("Discriminator's learning rate",
        format!("the loss's, {:e} for the tutorial", DEFAULT.optim_d.lr())))]
    lr_d: Option<f64>,
    // LrDecay has no Display; its Debug name in lower case is its option value.
    #[arg(help_heading = LOSS, long, value_name = "DECAY", help = with_default(
        "Learning-rate decay of both nets over the run: none, linear or cosine (to zero)",
        format!("{:?}", DEFAULT.lr_decay).to_lowercase()))]
    lr_decay: Option<LrDecay>,
    #[arg(help_heading = EVAL, long, value_name = "N", help = with_default(
        "Evaluate the generator every N steps and at the end, into metrics.csv (0: only at the end)",
        DEFAULT.eval_every))]
    eval_every: Option<usize>,
    #[arg(help_heading = EVAL, long, value_name = "N", help = with_default("Fresh samples each evaluation draws", DEFAULT.eval_samples))]
    eval_samples: Option<usize>,
    /// Metrics each evaluation computes, e.g. reverse_kl,energy_distance, or "all"
    /// [default: the target's cheap ones — see `curvegan eval`]
    #[arg(help_heading = EVAL, long, value_name = "M,M,…", value_delimiter = ',', num_args = 1..)]
    eval_metrics: Option<Vec<String>>,
    /// Keep the nets of the evaluation with the best value of this metric in RUN/best
    #[arg(help_heading = EVAL, long, value_name = "METRIC")]
    keep_best: Option<String>,
    #[arg(help_heading = EVAL, long, value_name = "P", help = with_default(
        "Stop when the --keep-best metric has not improved for P evaluations in a row (0: never)",
        DEFAULT.early_stop))]
    early_stop: Option<usize>,
    #[arg(help_heading = OUTPUT, long, value_name = "N", help = with_default(
        "Write the tutorial's figure every N steps; 0 turns figures off", DEFAULT.plot_every))]
    plot_every: Option<usize>,
    #[arg(help_heading = OUTPUT, long, help = with_default("Run folder (a sweep's folder for sweep)",
        format!("a new {}/train-NNNN, {0}/sweep-NNNN for sweep", files::RUNS)))]
    pub out: Option<PathBuf>,
    /// Train a conditional GAN: the target's random parameters (a of family, a formula's
    /// random --params) are appended to G's noise and D's input
    #[arg(help_heading = LEARN, long)]
    conditional: bool,
    #[arg(help_heading = NETS, long, value_name = "M", help = with_default(
        "PacGAN: D judges M samples at once, concatenated (1: no packing)", DEFAULT.pack))]
    pack: Option<usize>,
    /// Write into an existing non-empty run folder
    #[arg(help_heading = OUTPUT, long)]
    pub force: bool,
    #[arg(help_heading = CKPT, long, value_name = "N", help = with_default("Save a checkpoint every N steps (0: only on Ctrl-C and at the end)", DEFAULT.checkpoint_every))]
    checkpoint_every: Option<usize>,
    /// Log the run for TensorBoard: an event file in the run folder with every scalar of
    /// metrics.csv, the step figures and the config (`tensorboard --logdir runs` shows it)
    #[arg(help_heading = OUTPUT, long)]
    tensorboard: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OptimArg {
    Adam,
    Rmsprop,
}

impl TrainSettings {
    /// The settings: the `--config` file's, or the defaults, with the given options applied.
    pub fn config(&self, steps: Option<usize>) -> Result<TrainConfig, Error> {
        // A data file without a config file starts from the data defaults (the target is set
        // below, with the data options).
        let mut c = match (&self.config, self.learn.data()) {
            (Some(path), _) => TrainConfig::load(path)?,
            (None, Some(_)) => TrainConfig::data_defaults(TargetConfig::default()),
            (None, None) => TrainConfig::default(),
        };
        let set = |dst: &mut usize, v: Option<usize>| {
            if let Some(v) = v {
                *dst = v
            }
        };
        set(&mut c.steps, steps);
        set(&mut c.batch_size, self.batch_size);
        set(&mut c.latent_dim, self.latent_dim);
        set(&mut c.plot_every, self.plot_every);
        set(&mut c.eval_every, self.eval_every);
        set(&mut c.eval_samples, self.eval_samples);
        if let Some(d) = self.lr_decay {
            c.lr_decay = d;
        }
        set(&mut c.early_stop, self.early_stop);
        if let Some(m) = &self.eval_metrics {
            c.eval_metrics = m.clone();
        }
        if self.keep_best.is_some() {
            c.keep_best = self.keep_best.clone();
        }
        set(&mut c.checkpoint_every, self.checkpoint_every);
        set(&mut c.pack, self.pack);
        set(&mut c.d_maxout, self.d_maxout);
        set(&mut c.g_basis, self.g_basis);
        if self.g_batchnorm {
            c.g_batchnorm = true;
        }
        if self.conditional {
            c.conditional = true;
        }
        if self.spectral_norm {
            c.spectral_norm = true;
        }
        if self.tensorboard {
            c.tensorboard = true;
        }
        self.learn.apply(&mut c.target, self.config.as_deref())?;
        if let Some(seed) = self.seed {
            c.seed = seed;
        }
        if let Some(h) = self.hidden {
            if h == 0 {
                return Err(Error::config("--hidden", "must be at least 1, got 0"));
            }
            c.g_hidden = vec![h];
            c.d_hidden = vec![h];
        }
        if let Some(w) = &self.g_hidden {
            c.g_hidden = w.clone();
        }
        if let Some(w) = &self.d_hidden {
            c.d_hidden = w.clone();
        }
        if let Some(a) = self.activation {
            c.activation = a;
        }
        if let Some(loss) = self.loss {
            c.set_loss(loss);
        }
        // The data defaults' R1 gives way to a loss or a D that cannot take it (an --r1 given
        // here, or one from a --config file, still meets the rule and its error).
        if self.config.is_none() && self.learn.data().is_some() && self.r1.is_none() {
            c.drop_unusable_r1();
        }
        if self.n_critic.is_some() {
            c.n_critic = self.n_critic;
        }
        if let Some(r1) = self.r1 {
            c.r1 = r1;
        }
        if let Some(nu) = self.top_k {
            c.top_k = nu;
        }
        if let Some(steps) = self.top_k_anneal {
            c.top_k_anneal = steps;
        }
        if let Some(decay) = self.g_ema {
            c.g_ema = decay;
        }
        // Given to another loss, the library's validation refuses them (as in a config file).
        if let Some(v) = self.clip {
            c.clip = v;
        }
        if let Some(v) = self.gp_weight {
            c.gp_weight = v;
        }
        for (opt, choice, lr, net, key) in [
            (
                &mut c.optim_g,
                self.optim_g,
                self.lr_g,
                "generator",
                "optim_g.betas",
            ),
            (
                &mut c.optim_d,
                self.optim_d,
                self.lr_d,
                "discriminator",
                "optim_d.betas",
            ),
        ] {
            if let Some(choice) = choice {
                *opt = match choice {
                    OptimArg::Adam => OptimizerConfig::adam(opt.lr()),
                    OptimArg::Rmsprop => OptimizerConfig::rmsprop(opt.lr()),
                };
            }
            match opt {
                OptimizerConfig::Adam {
                    lr: rate, betas, ..
                } => {
                    *rate = lr.unwrap_or(*rate);
                    *betas = self.betas.unwrap_or(*betas);
                }
                OptimizerConfig::Rmsprop { lr: rate, .. } => {
                    *rate = lr.unwrap_or(*rate);
                    if let Some(b) = self.betas {
                        return Err(Error::config(
                            key,
                            format!("{b:?} given, but the {net}'s optimizer is RMSprop, which has no betas"),
                        ));
                    }
                }
            }
        }
        // Checked now, before a run folder or a sweep's first seed; `--hidden` is reported
        // as given, not as the two lists it sets, and the config file is named.
        c.validate().map_err(|e| match e {
            Error::Config {
                mut key,
                mut message,
            } => {
                let hidden = self.hidden.is_some() && self.g_hidden.is_none();
                if hidden && self.d_hidden.is_none() && key.ends_with("_hidden") {
                    key = "--hidden".to_string();
                }
                if let Some(path) = &self.config {
                    message.push_str(&format!(" (settings from {})", path.display()));
                }
                Error::Config { key, message }
            }
            e => e,
        })?;
        Ok(c)
    }
}

/// Parses `B1,B2`; the optimizer's validation checks their range.
fn parse_betas(text: &str) -> Result<[f64; 2], String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    match parts[..] {
        [a, b] => match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok([a, b]),
            _ => Err(format!("'{text}' is not two numbers")),
        },
        _ => Err(format!("expected two numbers B1,B2, got '{text}'")),
    }
}
