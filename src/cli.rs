//! The command line: clap's argument types, converted once into a checked [`Job`] that holds
//! only the library's types.
//!
//! Defaults are not written here: `--help` shows the values of [`TrainConfig::default()`] and
//! of the library's constants (`DEFAULT_*`), read when the help is built.

use std::fmt::Display;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use curvegan::config::{check_config_int, LossKind, LrDecay, TrainConfig};
use curvegan::data::scale::Scale;
use curvegan::data::target::{
    parse_x_range, TargetConfig, DEFAULT_HOLDOUT, DEFAULT_POINTS, DEFAULT_X_RANGE,
};
use curvegan::eval::catalogue::available;
use curvegan::nn::mlp::Activation;
use curvegan::nn::optim::OptimizerConfig;
use curvegan::run::scale::local::Start;
use curvegan::run::scale::plan;
use curvegan::run::scale::sweep::{self, Criterion, Scoring, DEFAULT_SCORING_SAMPLES};
use curvegan::run::scale::{bench, slurm};
use curvegan::run::store::files;
use curvegan::run::store::run_json::Label;
use curvegan::run::train::sample::{check_eval_count, Format, DEFAULT_COUNT, DEFAULT_EVAL_COUNT};
use curvegan::{Error, Output};

use crate::output::Show;

/// The defaults, from the one place that holds them.
static DEFAULT: LazyLock<TrainConfig> = LazyLock::new(TrainConfig::default);

// The headings `train --help` groups its options under.
const LEARN: &str = "What to learn";
const NETS: &str = "Networks";
const LOSS: &str = "Loss and optimiser";
const EVAL: &str = "Evaluation";
const OUTPUT: &str = "Output";
const CKPT: &str = "Checkpoints";

/// The examples at the end of `train --help` (not of `train -h`).
const TRAIN_EXAMPLES: &str = "\
Examples:
  curvegan train                                   the tutorial, into a new runs/train-NNNN
  curvegan train --seed 3 --out runs/s3 --plot-every 0
  curvegan train --target family --conditional --keep-best mse_to_target --early-stop 5
  curvegan train --loss wgan-gp --g-hidden 400,400,400 --name deep --tag wgan
  curvegan train --config runs/s3/config.toml --out runs/s3-again   repeats runs/s3 exactly
  curvegan resume runs/s3 --steps 20001                             continues it";

/// `text [default: value]`, the form clap gives its own defaults.
fn with_default(text: &str, value: impl Display) -> String {
    format!("{text} [default: {value}]")
}

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

fn activation_help() -> String {
    let leaky: Activation = "leaky-relu".parse().unwrap_or(Activation::Relu);
    with_default(
        &format!("Hidden activation of both nets: relu, leaky-relu[:SLOPE] (leaky-relu is {leaky}) or tanh"),
        DEFAULT.activation,
    )
}

/// Train generative adversarial networks that generate curves from noise.
#[derive(Debug, Parser)]
#[command(name = "curvegan", version, about, args_override_self = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a GAN; with no options, exactly the tutorial's (G learns y = 2x² + 1).
    #[command(after_long_help = TRAIN_EXAMPLES)]
    Train(Box<TrainArgs>),
    /// Continue a run from its checkpoint, with its own settings.
    Resume(ResumeArgs),
    /// Draw samples from a trained generator.
    Sample(SampleArgs),
    /// Score a trained generator with the metrics that fit its target.
    Eval(EvalArgs),
    /// Train one configuration over many seeds in parallel and score every run.
    Sweep(Box<SweepArgs>),
    /// Benchmarks that compare curvegan with published results.
    Bench(BenchArgs),
    /// List the run folders under a folder: name, start, target, loss, steps, status, metric.
    Runs(RunsArgs),
    /// Follow a run another process is training (or show a finished one) in a full-screen
    /// live view, from its live.json; q closes it.
    Watch(WatchArgs),
    /// Write a run's report.html, or one page comparing several runs.
    #[command(after_long_help = REPORT_EXAMPLES)]
    Report(ReportArgs),
    /// The trials of a sweep or benchmark submitted to Slurm: queued, running, done, failed.
    Status(StatusArgs),
    /// Score the done trials of a sweep or benchmark submitted to Slurm and write its table.
    Collect(CollectArgs),
}

/// The examples at the end of `report --help`.
const REPORT_EXAMPLES: &str = "\
Examples:
  curvegan report runs/train-0001                 rewrites runs/train-0001/report.html
  curvegan report runs/sweep-0001                 compares its seeds in runs/sweep-0001/report.html
  curvegan report runs/a runs/b --out ab.html     compares two runs";

#[derive(Debug, Args)]
struct ReportArgs {
    /// Run folders; a sweep's or a benchmark's folder stands for its runs
    #[arg(value_name = "RUN", required = true)]
    runs: Vec<PathBuf>,
    /// The page to write ('-': standard output); a file that is not a curvegan report is never
    /// overwritten [default: RUN/report.html for one folder, else report.html here]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct StatusArgs {
    /// The folder of a sweep or benchmark submitted with --backend slurm
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

#[derive(Debug, Args)]
struct CollectArgs {
    /// The folder of a sweep or benchmark submitted with --backend slurm
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Collect the done trials even though others are not done
    #[arg(long)]
    partial: bool,
}

/// Where the trials of `sweep` and `bench modes` run.
#[derive(Debug, Args)]
struct BackendArgs {
    /// Where the trials run: local (threads of this process) or slurm (a job array, one trial
    /// per task; the folder must be on storage every node sees)
    #[arg(long, value_enum, default_value_t = BackendArg::Local, help_heading = "Backend")]
    backend: BackendArg,
    /// An sbatch option for the job array, e.g. --slurm-arg=--partition=cpu (repeatable)
    #[arg(
        long = "slurm-arg",
        value_name = "OPTION",
        allow_hyphen_values = true,
        help_heading = "Backend"
    )]
    slurm_args: Vec<String>,
    /// The curvegan binary the tasks run, by absolute path [default: this one]
    #[arg(long, value_name = "PATH", help_heading = "Backend")]
    slurm_binary: Option<PathBuf>,
    /// With --backend slurm: wait for the array to finish, showing progress, then collect
    #[arg(long, help_heading = "Backend")]
    wait: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Local,
    Slurm,
}

#[derive(Debug, Args)]
struct RunsArgs {
    /// The folder to list (its run folders, a few levels deep)
    #[arg(value_name = "DIR", default_value = files::RUNS)]
    dir: PathBuf,
    /// Print JSON (one object per run) instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TrainArgs {
    #[command(flatten)]
    steps: StepsArg,
    /// The same as `curvegan resume DIR` (kept for old scripts): only --steps and --quiet go
    /// with it.
    #[arg(long, value_name = "DIR", hide = true)]
    resume: Option<PathBuf>,
    #[command(flatten)]
    settings: TrainSettings,
    /// No run folder line, no progress bar and no summary
    #[arg(long, short, help_heading = OUTPUT)]
    quiet: bool,
    /// A full-screen live view (keys: q stop with a checkpoint, p pause, s save the figure);
    /// the usual progress where stdin or stderr is not a terminal
    #[arg(long, conflicts_with = "resume", help_heading = OUTPUT)]
    live: bool,
    /// A name for the run, kept in its run.json and shown by `curvegan runs` [default: the
    /// folder's name]
    #[arg(long, value_name = "NAME", conflicts_with = "resume", help_heading = OUTPUT)]
    name: Option<String>,
    /// A tag for the run, kept in its run.json (repeatable)
    #[arg(long = "tag", value_name = "TAG", conflicts_with = "resume", help_heading = OUTPUT)]
    tags: Vec<String>,
}

#[derive(Debug, Args)]
struct StepsArg {
    #[arg(long, help = with_default("Training steps (the tutorial: range(N))", DEFAULT.steps))]
    steps: Option<usize>,
}

#[derive(Debug, Args)]
struct ResumeArgs {
    /// A run folder with a checkpoint, written by `curvegan train`, or the folder of a sweep
    /// or benchmark that was stopped or killed
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Train until this many steps in all [default: the run's own]
    #[arg(long)]
    steps: Option<usize>,
    /// For a sweep's or benchmark's folder: runs trained at once [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// No progress bar and no summary
    #[arg(long, short)]
    quiet: bool,
    /// A full-screen live view, as `train --live`
    #[arg(long)]
    live: bool,
}

#[derive(Debug, Args)]
struct WatchArgs {
    /// A run folder, running or not
    #[arg(value_name = "RUN")]
    run: PathBuf,
}

/// Every setting of a new run (all but `--steps`); `train --resume` conflicts with each
/// ([`Cli::command_with_alias`]).
#[derive(Debug, Args)]
#[group(skip)]
struct TrainSettings {
    /// Read every setting from this TOML file (a run's config.toml works); options override it
    #[arg(help_heading = LEARN, long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(help_heading = LEARN, long, value_name = "TARGET", allow_hyphen_values = true, help = with_default(
        "What to learn: quadratic (2x² + 1), family (a·x² + a − 1, a ~ U(1,2)), ring8, grid25, \
         or a formula in x and --param names, e.g. \"a*sin(b*x)\"", DEFAULT.target.name()))]
    target: Option<String>,
    /// A formula parameter: NAME=uniform(LO,HI), NAME=normal(MEAN,SD) or NAME=VALUE (repeatable)
    #[arg(help_heading = LEARN, long, value_name = "NAME=SPEC")]
    param: Vec<String>,
    #[arg(help_heading = LEARN, long, value_name = "N", help = with_default("Points a curve is sampled at", DEFAULT_POINTS))]
    points: Option<usize>,
    #[arg(help_heading = LEARN, long, value_name = "LO,HI", allow_hyphen_values = true, help = with_default(
        "The x interval of a curve", format!("{},{}", DEFAULT_X_RANGE[0], DEFAULT_X_RANGE[1])))]
    x_range: Option<String>,
    /// Learn the rows of this data file: CSV (one sample per row, optional header), NumPy .npy
    /// ([rows, points] or [rows, channels, points]) or UCR/UEA .ts. Without --config, the data
    /// defaults apply: nonsaturating loss, --r1 1, --g-ema 0.999, --latent-dim 32, G and D
    /// 128,128, Adam 2e-4 with --betas 0.5,0.999, 20000 steps
    #[arg(help_heading = LEARN, long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// --data: the CSV columns that are conditions, not values (numbers: a quantity, anything
    /// else or NAME:category: a category); a .ts file's label is `label`
    #[arg(help_heading = LEARN, long, value_name = "NAME,…", value_delimiter = ',', num_args = 1..)]
    condition_columns: Option<Vec<String>>,
    /// --data: interpolate every series of a .ts file onto N points (for series of unequal
    /// lengths)
    #[arg(help_heading = LEARN, long, value_name = "N")]
    resample: Option<usize>,
    #[arg(help_heading = LEARN, long, value_name = "F", help = with_default(
        "--data: the share of rows held out of training, to evaluate on (0: none)", DEFAULT_HOLDOUT))]
    holdout: Option<f64>,
    #[arg(help_heading = LEARN, long, value_name = "KIND", help = with_default(
        "--data: scale each point (channel and position) for training: standard, minmax or none; \
         samples, figures and metrics stay in the data's units", "standard"))]
    scale: Option<Scale>,
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
    #[arg(help_heading = NETS, long, value_name = "ACT", help = activation_help())]
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
    out: Option<PathBuf>,
    /// Train a conditional GAN: the target's random parameters (a of family, a formula's
    /// random --params) are appended to G's noise and D's input
    #[arg(help_heading = LEARN, long)]
    conditional: bool,
    #[arg(help_heading = NETS, long, value_name = "M", help = with_default(
        "PacGAN: D judges M samples at once, concatenated (1: no packing)", DEFAULT.pack))]
    pack: Option<usize>,
    /// Write into an existing non-empty run folder
    #[arg(help_heading = OUTPUT, long)]
    force: bool,
    #[arg(help_heading = CKPT, long, value_name = "N", help = with_default("Save a checkpoint every N steps (0: only on Ctrl-C and at the end)", DEFAULT.checkpoint_every))]
    checkpoint_every: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OptimArg {
    Adam,
    Rmsprop,
}

#[derive(Debug, Args)]
struct SampleArgs {
    /// A run folder written by `curvegan train`
    #[arg(long)]
    run: PathBuf,
    /// Number of samples
    #[arg(long, short, default_value_t = DEFAULT_COUNT)]
    n: usize,
    /// Seed of the noise
    #[arg(long, default_value_t = DEFAULT.seed)]
    seed: u64,
    /// Output format
    #[arg(long, value_enum, default_value_t = FormatArg::Json)]
    format: FormatArg,
    /// Write to this file (atomically) instead of standard output
    #[arg(long)]
    out: Option<PathBuf>,
    /// A conditional generator's condition, e.g. a=1.8 (repeatable; default: drawn from the
    /// target's distribution)
    #[arg(long, value_name = "NAME=VALUE")]
    condition: Vec<String>,
    /// Print G's input (the noise, then any condition) instead of the samples, one row per
    /// sample, to run another implementation on the same noise
    #[arg(long)]
    noise: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
}

#[derive(Debug, Args)]
struct EvalArgs {
    /// A run folder written by `curvegan train`
    run: PathBuf,
    /// Generated (and real) samples to compare
    #[arg(long, short, default_value_t = DEFAULT_EVAL_COUNT)]
    n: usize,
    /// Seed of the noise and of the real samples
    #[arg(long, default_value_t = DEFAULT.seed)]
    seed: u64,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// Seeds A..B (B excluded), e.g. 0..10
    #[arg(long, value_parser = parse_seeds, conflicts_with = "seed", allow_hyphen_values = true)]
    seeds: Range<u64>,
    /// Runs trained at once (each uses one core) [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// A run succeeds if it meets this, e.g. "mse_to_target<=0.01"
    #[arg(long, value_name = "METRIC<=VALUE")]
    success: Option<Criterion>,
    /// Samples each run is scored on
    #[arg(long, default_value_t = DEFAULT_SCORING_SAMPLES)]
    eval_n: usize,
    /// No table; sweep.csv is still written
    #[arg(long, short)]
    quiet: bool,
    /// Continue the sweep in --out (stopped or killed): keep its finished runs, resume the
    /// others from their checkpoints, train those not started; the settings must be its own
    #[arg(long, conflicts_with = "force", requires = "out")]
    resume: bool,
    #[command(flatten)]
    steps: StepsArg,
    #[command(flatten)]
    backend: BackendArgs,
    /// Training settings, as for `curvegan train`; each seed trains into OUT/seed-S
    #[command(flatten)]
    train: TrainSettings,
}

#[derive(Debug, Args)]
struct BenchArgs {
    #[command(subcommand)]
    which: BenchCommand,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// The mode-collapse benchmark (VEEGAN / PacGAN protocol): train --trials GANs on ring8 or
    /// grid25, score 2500 samples of each, print mean ± standard error beside PacGAN's Table 1
    Modes(ModesArgs),
}

#[derive(Debug, Args)]
struct ModesArgs {
    /// ring8 or grid25
    #[arg(long, value_parser = bench::parse_dataset)]
    dataset: TargetConfig,
    /// Trials (seeds 0..TRIALS)
    #[arg(long, default_value_t = bench::DEFAULT_TRIALS)]
    trials: usize,
    /// Training settings [default: the shipped configs/ring8.toml or configs/grid25.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Override the config's training steps
    #[arg(long)]
    steps: Option<usize>,
    /// Trials trained at once (each uses one core) [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// Folder of the trials' runs, bench.csv and table.md [default: runs/bench-DATASET-NNNN]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the benchmark in an existing non-empty folder: its files and every trial's run
    #[arg(long)]
    force: bool,
    /// Continue the benchmark in --out (stopped or killed): keep its finished trials, resume
    /// the others from their checkpoints, train those not started; the settings must be its own
    #[arg(long, conflicts_with = "force", requires = "out")]
    resume: bool,
    /// No table and no line per trial; bench.csv and table.md are still written
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    backend: BackendArgs,
}

/// What to do, checked: only the library's types.
#[derive(Debug)]
pub enum Job {
    /// Train a new run.
    Train {
        config: Box<TrainConfig>,
        out: Output,
        show: Show,
    },
    /// Continue the run in `dir` (to `steps` in all, if given).
    Resume {
        dir: PathBuf,
        steps: Option<usize>,
        show: Show,
    },
    /// Continue the sweep or benchmark in `dir` on `jobs` threads.
    ResumeSweep {
        dir: PathBuf,
        jobs: usize,
        quiet: bool,
    },
    /// Draw samples.
    Sample(SampleJob),
    /// Score a generator.
    Eval(EvalJob),
    /// Train one config once per seed.
    Sweep(SweepJob),
    /// The mode-collapse benchmark.
    BenchModes(BenchJob),
    /// List the run folders under `dir`, as a table or as JSON.
    Runs { dir: PathBuf, json: bool },
    /// Show the run in `dir` live.
    Watch { dir: PathBuf },
    /// Write the report of `runs` (one run's page, or a comparison) to `out` or its default.
    Report {
        runs: Vec<PathBuf>,
        out: Option<PathBuf>,
    },
    /// Show the trials of the Slurm sweep in `dir`.
    Status { dir: PathBuf },
    /// Collect the Slurm sweep in `dir`.
    Collect { dir: PathBuf, partial: bool },
}

/// Where the trials of a sweep or benchmark run.
#[derive(Debug)]
pub enum Backend {
    /// On `jobs` threads of this process.
    Local { jobs: usize },
    /// As a Slurm job array; with `wait`, this process waits for it and collects.
    Slurm { submit: slurm::Submit, wait: bool },
}

/// Draw `count` samples from the generator in `run`.
#[derive(Debug)]
pub struct SampleJob {
    pub run: PathBuf,
    pub count: usize,
    pub seed: u64,
    /// `NAME=VALUE` pairs, parsed by the generator, which knows its names.
    pub condition: Vec<String>,
    pub format: Format,
    /// Print G's input rows instead of its samples.
    pub noise: bool,
    /// Where to write; standard output if `None`.
    pub out: Option<PathBuf>,
}

/// Score the generator in `run` with `count` samples.
#[derive(Debug)]
pub struct EvalJob {
    pub run: PathBuf,
    pub count: usize,
    pub seed: u64,
    pub json: bool,
}

/// Train `config` once per seed under `root`.
#[derive(Debug)]
pub struct SweepJob {
    pub config: TrainConfig,
    pub seeds: Range<u64>,
    pub root: PathBuf,
    pub backend: Backend,
    pub scoring: Scoring,
    pub start: Start,
    pub success: Option<Criterion>,
    pub quiet: bool,
}

/// The mode-collapse benchmark on `dataset`.
#[derive(Debug)]
pub struct BenchJob {
    pub dataset: TargetConfig,
    pub config: TrainConfig,
    pub trials: usize,
    pub root: PathBuf,
    pub backend: Backend,
    pub start: Start,
    pub quiet: bool,
}

impl Cli {
    /// clap's command, with every setting of a new run ([`TrainSettings`]) in conflict with
    /// `train --resume`. The conflicts are set per option, so that an error names the option
    /// given (a conflict with a group lists all of its options), and here, because `sweep`
    /// shares the settings but not `train --resume DIR` (its own `--resume` continues a sweep
    /// with the settings given).
    pub fn command_with_alias() -> clap::Command {
        // A negative number is read as a value, so that `--steps -1` is reported as an invalid
        // value of --steps, not as an unknown argument.
        fn negatives(cmd: clap::Command) -> clap::Command {
            cmd.mut_args(|a| match a.get_action().takes_values() {
                true => a.allow_negative_numbers(true),
                false => a,
            })
            .mut_subcommands(negatives)
        }
        // A sweep takes its seeds from --seeds: --seed is refused there, so not listed.
        let cmd = negatives(Cli::command())
            .mut_subcommand("sweep", |sweep| sweep.mut_arg("seed", |a| a.hide(true)));
        cmd.mut_subcommand("train", |mut train| {
            let settings: Vec<clap::Id> =
                TrainSettings::augment_args(clap::Command::new("settings"))
                    .get_arguments()
                    .map(|a| a.get_id().clone())
                    .collect();
            // mut_arg moves an argument to the end, and --help orders its headings by the
            // arguments: every argument is passed through, in order, to keep that order.
            let all: Vec<clap::Id> = train.get_arguments().map(|a| a.get_id().clone()).collect();
            for id in all {
                let conflicts = settings.contains(&id);
                train = train.mut_arg(id, |a| match conflicts {
                    true => a.conflicts_with("resume"),
                    false => a,
                });
            }
            train
        })
    }

    /// Parses the process's arguments; on a usage error, prints it and exits with code 2.
    pub fn parse_args() -> Cli {
        let matches = (Self::command_with_alias().try_get_matches()).unwrap_or_else(|e| exit(e));
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit(e))
    }

    /// The checked job the arguments ask for; the error names the option and its value.
    pub fn job(self) -> Result<Job, Error> {
        Ok(match self.command {
            Command::Train(a) => match a.resume {
                Some(dir) => Job::Resume {
                    dir,
                    steps: a.steps.steps,
                    show: Show {
                        quiet: a.quiet,
                        live: false,
                    },
                },
                None => Job::Train {
                    config: Box::new(a.settings.config(a.steps.steps)?),
                    out: Output {
                        dir: out_dir(&a.settings.out, "train"),
                        force: a.settings.force,
                        label: checked_label(Label {
                            name: non_blank("--name", a.name)?,
                            tags: (a.tags.into_iter())
                                .map(|t| non_blank("--tag", Some(t)).map(Option::unwrap_or_default))
                                .collect::<Result<_, _>>()?,
                            command: command_line(),
                        })?,
                    },
                    show: Show {
                        quiet: a.quiet,
                        live: a.live,
                    },
                },
            },
            Command::Resume(a) if plan::describe(&a.dir).is_some() => {
                // A sweep continues with its own settings, its runs' progress on stderr.
                let own = [("--steps", a.steps.is_some()), ("--live", a.live)];
                if let Some((option, _)) = own.iter().find(|(_, given)| *given) {
                    return Err(Error::config(
                        *option,
                        format!(
                            "{} is a sweep's or benchmark's folder, which continues with its own settings and progress lines; {option} goes with a run folder",
                            a.dir.display()
                        ),
                    ));
                }
                Job::ResumeSweep {
                    dir: a.dir,
                    jobs: jobs_or_cores(a.jobs),
                    quiet: a.quiet,
                }
            }
            Command::Resume(a) => {
                if a.jobs.is_some() {
                    return Err(Error::config(
                        "--jobs",
                        format!(
                            "goes with a sweep's or benchmark's folder; {} is a run's",
                            a.dir.display()
                        ),
                    ));
                }
                Job::Resume {
                    dir: a.dir,
                    steps: a.steps,
                    show: Show {
                        quiet: a.quiet,
                        live: a.live,
                    },
                }
            }
            Command::Watch(a) => Job::Watch { dir: a.run },
            Command::Sample(a) => {
                if a.n == 0 {
                    return Err(Error::config("--n", "must be at least 1, got 0"));
                }
                Job::Sample(SampleJob {
                    run: a.run,
                    count: a.n,
                    seed: a.seed,
                    condition: a.condition,
                    format: match a.format {
                        FormatArg::Csv => Format::Csv,
                        FormatArg::Json => Format::Json,
                    },
                    noise: a.noise,
                    out: a.out,
                })
            }
            Command::Eval(a) => Job::Eval(EvalJob {
                run: a.run,
                count: a.n,
                seed: a.seed,
                json: a.json,
            }),
            Command::Sweep(a) => Job::Sweep(SweepJob {
                config: a.checked_config()?,
                seeds: {
                    sweep::check_runs("--seeds", a.seeds.end - a.seeds.start)?;
                    // Each seed's config.toml holds its seed.
                    check_config_int("--seeds", "seed", a.seeds.end - 1)?;
                    a.seeds.clone()
                },
                root: out_dir(&a.train.out, "sweep"),
                backend: a.backend.checked(a.jobs, a.train.force, a.resume)?,
                scoring: Scoring {
                    samples: a.eval_n,
                    seed_offset: 0,
                },
                start: start(a.train.force, a.resume),
                success: a.success,
                quiet: a.quiet,
            }),
            Command::Runs(a) => Job::Runs {
                dir: a.dir,
                json: a.json,
            },
            Command::Report(a) => Job::Report {
                runs: a.runs,
                out: a.out,
            },
            Command::Status(a) => Job::Status { dir: a.dir },
            Command::Collect(a) => Job::Collect {
                dir: a.dir,
                partial: a.partial,
            },
            Command::Bench(BenchArgs {
                which: BenchCommand::Modes(a),
            }) => {
                let mut config = match &a.config {
                    Some(path) => TrainConfig::load(path)?,
                    None => bench::shipped_config(&a.dataset)?,
                };
                if let Some(steps) = a.steps {
                    config.steps = steps;
                }
                config.validate()?;
                sweep::check_runs("--trials", a.trials as u64)?;
                bench::check(&a.dataset, &config, a.trials)?;
                Job::BenchModes(BenchJob {
                    root: out_dir(&a.out, &format!("bench-{}", a.dataset.name())),
                    dataset: a.dataset,
                    config,
                    trials: a.trials,
                    backend: a.backend.checked(a.jobs, a.force, a.resume)?,
                    start: start(a.force, a.resume),
                    quiet: a.quiet,
                })
            }
        })
    }
}

impl SweepArgs {
    /// The training settings, with `--eval-n` and `--success` checked against them before any
    /// seed trains.
    fn checked_config(&self) -> Result<TrainConfig, Error> {
        let config = self.train.config(self.steps.steps)?;
        let target = config.target.build()?;
        let (g, _) = config.specs(&target)?;
        check_eval_count(&g, target.dim(), self.eval_n, "--eval-n")?;
        if let Some(c) = &self.success {
            let names = available(&target, config.conditional);
            if !names.contains(&c.metric.as_str()) {
                return Err(Error::config(
                    "--success",
                    format!(
                        "'{}' is not a metric of the target {}; it has: {}",
                        c.metric,
                        config.target.name(),
                        names.join(", ")
                    ),
                ));
            }
        }
        Ok(config)
    }
}

/// `--out`, or a new `runs/PREFIX-NNNN`.
/// `value`, refused (naming `option`) when it is blank or holds a control character.
fn non_blank(option: &str, value: Option<String>) -> Result<Option<String>, Error> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().any(char::is_control) => Err(Error::config(
            option,
            format!("must be non-blank text without control characters, got {v:?}"),
        )),
        v => Ok(v),
    }
}

/// `label`, checked: a name and tags `run.json` can read back.
fn checked_label(label: Label) -> Result<Label, Error> {
    label.validate()?;
    Ok(label)
}

/// The process's command line, for `run.json` (the library never reads it itself).
pub fn command_line() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// `--jobs`, or the number of cores.
fn jobs_or_cores(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How a sweep treats its `--out`: `--force` replaces the sweep there, `--resume` continues
/// it (clap refuses both at once).
fn start(force: bool, resume: bool) -> Start {
    match (force, resume) {
        (true, _) => Start::Replace,
        (false, true) => Start::Continue,
        (false, false) => Start::New,
    }
}

/// Ends the process on a usage error as clap does (exit code 2; help and version on stdout,
/// code 0), but with the arguments it quotes escaped and cut ([`crate::output::error_text`]):
/// an argument's control characters never reach the terminal raw.
fn exit(e: clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit()
    }
    let text = crate::output::error_text(&anyhow::Error::msg(e.render().to_string()));
    eprint!("{text}");
    std::process::exit(e.exit_code())
}

fn out_dir(out: &Option<PathBuf>, prefix: &str) -> PathBuf {
    out.clone()
        .unwrap_or_else(|| files::next_run_dir(Path::new(files::RUNS), prefix))
}

impl BackendArgs {
    /// The backend, with the options that belong to the other one refused: `--jobs` and
    /// `--force` are for local runs (a Slurm folder is never replaced), `--slurm-arg`,
    /// `--slurm-binary` and `--wait` for Slurm.
    fn checked(&self, jobs: Option<usize>, force: bool, resume: bool) -> Result<Backend, Error> {
        let refuse = |option: &str, why: &str| Err(Error::config(option, why.to_string()));
        match self.backend {
            BackendArg::Local => {
                let slurm_only = [
                    ("--slurm-arg", !self.slurm_args.is_empty()),
                    ("--slurm-binary", self.slurm_binary.is_some()),
                    ("--wait", self.wait),
                ];
                if let Some((option, _)) = slurm_only.iter().find(|(_, given)| *given) {
                    return refuse(option, "goes with --backend slurm only");
                }
                Ok(Backend::Local {
                    jobs: jobs_or_cores(jobs),
                })
            }
            BackendArg::Slurm => {
                if jobs.is_some() {
                    return refuse("--jobs", "goes with --backend local; on Slurm each trial is one array task (sbatch options: --slurm-arg)");
                }
                for (option, given) in [("--force", force), ("--resume", resume)] {
                    if given {
                        return refuse(
                            option,
                            "--backend slurm writes a new folder only (its tasks resume themselves); choose an absent or empty --out",
                        );
                    }
                }
                slurm::check_args(&self.slurm_args)?;
                let binary = match &self.slurm_binary {
                    Some(path) => std::path::absolute(path).map_err(|e| {
                        Error::config("--slurm-binary", format!("{}: {e}", path.display()))
                    })?,
                    None => std::env::current_exe().map_err(|e| {
                        Error::config(
                            "--slurm-binary",
                            format!("this binary's path is unknown ({e}); give it"),
                        )
                    })?,
                };
                Ok(Backend::Slurm {
                    submit: slurm::Submit {
                        args: self.slurm_args.clone(),
                        binary,
                    },
                    wait: self.wait,
                })
            }
        }
    }
}

impl TrainSettings {
    /// `--condition-columns`, `--resample`, `--holdout` and `--scale` on a data target; given
    /// for another target, an error naming the option.
    fn apply_data_options(&self, target: &mut TargetConfig) -> Result<(), Error> {
        let given = [
            ("--condition-columns", self.condition_columns.is_some()),
            ("--resample", self.resample.is_some()),
            ("--holdout", self.holdout.is_some()),
            ("--scale", self.scale.is_some()),
        ];
        let TargetConfig::Data {
            condition_columns,
            resample,
            holdout,
            scale,
            ..
        } = target
        else {
            return match given.iter().find(|(_, g)| *g) {
                Some((option, _)) => Err(Error::config(
                    *option,
                    format!(
                        "applies to a data file (--data), not to the target {}",
                        target.name()
                    ),
                )),
                None => Ok(()),
            };
        };
        if let Some(c) = &self.condition_columns {
            *condition_columns = c.clone();
        }
        if self.resample.is_some() {
            *resample = self.resample;
        }
        if let Some(h) = self.holdout {
            *holdout = h;
        }
        if let Some(k) = self.scale {
            *scale = k;
        }
        Ok(())
    }

    /// The settings: the `--config` file's, or the defaults, with the given options applied.
    fn config(&self, steps: Option<usize>) -> Result<TrainConfig, Error> {
        // A data file without a config file starts from the data defaults (the target is set
        // below, with the data options).
        let mut c = match (&self.config, &self.data) {
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
        let target_given = self.target.is_some()
            || !self.param.is_empty()
            || self.points.is_some()
            || self.x_range.is_some()
            || self.data.is_some();
        if target_given {
            let x_range = self.x_range.as_deref().map(parse_x_range).transpose()?;
            c.target = match &self.config {
                // Options that modify the config file's target, not replace it.
                Some(path) if self.target.is_none() && self.data.is_none() => c
                    .target
                    .with_options(&self.param, self.points, x_range, path)?,
                _ => TargetConfig::from_cli(
                    self.target.as_deref(),
                    &self.param,
                    self.points,
                    x_range,
                    self.data.as_deref(),
                )?,
            };
        }
        self.apply_data_options(&mut c.target)?;
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
            c.loss = loss;
            c.optim_g = loss.default_optimizer();
            c.optim_d = loss.default_optimizer();
        }
        // The data defaults' R1 gives way to a loss or a D that cannot take it (an --r1 given
        // here, or one from a --config file, still meets the rule and its error).
        let data_defaults = self.config.is_none() && self.data.is_some();
        if data_defaults && self.r1.is_none() && (!c.loss.takes_r1() || c.d_maxout > 1) {
            c.r1 = 0.0;
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
        for (option, value, dst, loss) in [
            ("--clip", self.clip, &mut c.clip, LossKind::Wgan),
            (
                "--gp-weight",
                self.gp_weight,
                &mut c.gp_weight,
                LossKind::WganGp,
            ),
        ] {
            let Some(v) = value else { continue };
            if c.loss != loss {
                return Err(Error::config(
                    option,
                    format!(
                        "{v} given, but only the loss {loss} uses it, not {}",
                        c.loss
                    ),
                ));
            }
            *dst = v;
        }
        for (opt, choice, lr, net) in [
            (&mut c.optim_g, self.optim_g, self.lr_g, "generator"),
            (&mut c.optim_d, self.optim_d, self.lr_d, "discriminator"),
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
                            "--betas",
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
                mut option,
                mut message,
            } => {
                let hidden = self.hidden.is_some() && self.g_hidden.is_none();
                if hidden && self.d_hidden.is_none() && option.ends_with("-hidden") {
                    option = "--hidden".to_string();
                }
                if let Some(path) = &self.config {
                    message.push_str(&format!(" (settings from {})", path.display()));
                }
                Error::Config { option, message }
            }
            e => e,
        })?;
        Ok(c)
    }
}

/// Parses `A..B` (B excluded).
fn parse_seeds(text: &str) -> Result<Range<u64>, String> {
    let (a, b) = text
        .split_once("..")
        .ok_or_else(|| format!("expected A..B, e.g. 0..10, got '{text}'"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| format!("'{v}' in '{text}' is not a seed"))
    };
    let range = parse(a)?..parse(b)?;
    if range.is_empty() {
        return Err(format!("'{text}' holds no seed"));
    }
    Ok(range)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let matches = Cli::command_with_alias().try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }

    #[test]
    fn argument_definitions_are_consistent() {
        Cli::command().debug_assert();
        Cli::command_with_alias().debug_assert();
    }

    #[test]
    fn no_options_is_the_tutorial() {
        let job = parse(&["curvegan", "train"]).unwrap().job().unwrap();
        let Job::Train { config, .. } = job else {
            panic!("not train: {job:?}")
        };
        assert_eq!(*config, TrainConfig::default());
    }

    #[test]
    fn help_shows_the_library_defaults() {
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("train")
            .unwrap()
            .render_help()
            .to_string();
        let d = TrainConfig::default();
        for shown in [
            format!("[default: {}]", d.steps),
            format!("[default: {}]", d.batch_size),
            format!("[default: {}]", d.loss),
            format!("[default: {}]", d.activation),
        ] {
            assert!(help.contains(&shown), "{shown} missing from:\n{help}");
        }
    }

    #[test]
    fn help_groups_train_options_and_lists_only_accepted_ones() {
        let help = |args: &[&str]| parse(args).unwrap_err().render().to_string();
        let long = help(&["curvegan", "train", "--help"]);
        let headings = [
            "What to learn:",
            "Networks:",
            "Loss and optimiser:",
            "Evaluation:",
            "Output:",
            "Checkpoints:",
            "Examples:",
        ];
        let at: Vec<usize> = headings.iter().map(|h| long.find(h).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{long}");
        let short = help(&["curvegan", "train", "-h"]);
        assert!(
            short.contains("Networks:") && !short.contains("Examples:"),
            "{short}"
        );
        let sweep = help(&["curvegan", "sweep", "--help"]);
        assert!(
            sweep.contains("--seeds") && sweep.contains("Networks:"),
            "{sweep}"
        );
        // Nor train's `--resume DIR`: sweep's own `--resume` is a flag.
        assert!(
            !sweep.contains("--seed ") && !sweep.contains("--resume <DIR>"),
            "{sweep}"
        );
        let resume = help(&["curvegan", "resume", "--help"]);
        assert!(
            !resume.contains("--target") && !resume.contains("--seed"),
            "{resume}"
        );
    }

    #[test]
    fn train_resume_is_resume_and_takes_only_steps_and_quiet() {
        let job = parse(&["curvegan", "train", "--resume", "r", "--steps", "9", "-q"])
            .unwrap()
            .job()
            .unwrap();
        assert!(
            matches!(&job, Job::Resume { dir, steps: Some(9), show: Show { quiet: true, live: false } } if dir == Path::new("r")),
            "{job:?}"
        );
        for other in [["--seed", "3"], ["--out", "x"], ["--loss", "wgan"]] {
            let args = [&["curvegan", "train", "--resume", "r"][..], &other].concat();
            let err = parse(&args).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
            // The message names the setting given, not every setting of the group.
            let msg = err.to_string();
            assert!(msg.contains(other[0]) && !msg.contains("--pack"), "{msg}");
        }
        let err = parse(&["curvegan", "train", "--resume", "r", "--force"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }
}
