//! `curvegan`: the command-line front end. Parses arguments, turns them into the library's
//! checked settings, runs, and reports. All the work is done by the `curvegan` library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use curvegan::config::{LossKind, TrainConfig};
use curvegan::data::target::{parse_x_range, TargetConfig};
use curvegan::gan::step::StepStats;
use curvegan::nn::mlp::Activation;
use curvegan::nn::optim::OptimizerConfig;
use curvegan::run::files;
use curvegan::run::files::write_atomic;
use curvegan::run::sample::{Format, Generator};
use curvegan::run::train::{Observer, Output, Summary};
use curvegan::run::trainer::Evaluation;
use indicatif::{ProgressBar, ProgressStyle};

/// Train generative adversarial networks that generate curves from noise.
#[derive(Debug, Parser)]
#[command(name = "curvegan", version, about, args_override_self = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a GAN; with no options, exactly the tutorial's (G learns y = 2x² + 1).
    Train(Box<TrainArgs>),
    /// Draw samples from a trained generator.
    Sample(SampleArgs),
    /// Score a trained generator with the metrics that fit its target.
    Eval(EvalArgs),
    /// Train one configuration over many seeds in parallel and score every run.
    Sweep(Box<SweepArgs>),
    /// Benchmarks that compare curvegan with published results.
    Bench(BenchArgs),
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
    #[arg(long)]
    dataset: curvegan::run::bench::Dataset,
    /// Trials (seeds 0..TRIALS)
    #[arg(long, default_value_t = 10)]
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
    /// Write into an existing non-empty folder
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct SweepArgs {
    /// Seeds A..B (B excluded), e.g. 0..10
    #[arg(long, value_parser = parse_seeds)]
    seeds: std::ops::Range<u64>,
    /// Runs trained at once (each uses one core) [default: the number of cores]
    #[arg(long)]
    jobs: Option<usize>,
    /// A run succeeds if it meets this, e.g. "mse_to_target<=0.01"
    #[arg(long, value_name = "METRIC<=VALUE")]
    success: Option<curvegan::run::sweep::Criterion>,
    /// Samples each run is scored on
    #[arg(long, default_value_t = 1000)]
    eval_n: usize,
    /// Training settings, as for `curvegan train`; --out is the sweep's folder
    /// [default: runs/sweep-NNNN], each seed trains into OUT/seed-S
    #[command(flatten)]
    train: TrainArgs,
}

/// Parses `A..B` (B excluded).
fn parse_seeds(text: &str) -> Result<std::ops::Range<u64>, String> {
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

#[derive(Debug, Args)]
struct EvalArgs {
    /// A run folder written by `curvegan train`
    run: PathBuf,
    /// Generated (and real) samples to compare
    #[arg(long, short, default_value_t = 2000)]
    n: usize,
    /// Seed of the noise and of the real samples
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TrainArgs {
    /// Read every setting from this TOML file (a run's config.toml works); options override it
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Continue the run in DIR from its checkpoint (only --steps and --quiet may be given)
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// Save a checkpoint every N steps (0: only on Ctrl-C and at the end) [default: 0]
    #[arg(long, value_name = "N")]
    checkpoint_every: Option<usize>,
    /// What to learn: quadratic (2x² + 1), family (a·x² + a − 1, a ~ U(1,2)), ring8, grid25,
    /// or a formula in x and --param names, e.g. "a*sin(b*x)" [default: quadratic]
    #[arg(long, value_name = "TARGET", allow_hyphen_values = true)]
    target: Option<String>,
    /// A formula parameter: NAME=uniform(LO,HI), NAME=normal(MEAN,SD) or NAME=VALUE (repeatable)
    #[arg(long, value_name = "NAME=SPEC")]
    param: Vec<String>,
    /// Points a curve is sampled at [default: 15]
    #[arg(long, value_name = "N")]
    points: Option<usize>,
    /// The x interval of a curve [default: -1,1]
    #[arg(long, value_name = "LO,HI", allow_hyphen_values = true)]
    x_range: Option<String>,
    /// Learn the rows of this CSV file (one sample per row, optional header)
    #[arg(long, value_name = "FILE.csv")]
    data: Option<PathBuf>,
    /// Training steps [default: 10001, the tutorial's range(10001)]
    #[arg(long)]
    steps: Option<usize>,
    /// Seed of every random draw [default: 0]
    #[arg(long)]
    seed: Option<u64>,
    /// Real and fake samples per step [default: 64]
    #[arg(long)]
    batch_size: Option<usize>,
    /// Size of the generator's noise input [default: 15]
    #[arg(long)]
    latent_dim: Option<usize>,
    /// Hidden width of both networks (one hidden layer each) [default: 128]
    #[arg(long)]
    hidden: Option<usize>,
    /// The generator's hidden widths, e.g. 400,400,400 [default: 128]
    #[arg(long, value_name = "W,W,…", value_delimiter = ',', num_args = 1..)]
    g_hidden: Option<Vec<usize>>,
    /// The discriminator's hidden widths [default: 128]
    #[arg(long, value_name = "W,W,…", value_delimiter = ',', num_args = 1..)]
    d_hidden: Option<Vec<usize>>,
    /// Hidden activation of both nets: relu, leaky-relu[:SLOPE] (default slope 0.2) or tanh
    /// [default: relu]
    #[arg(long, value_name = "ACT")]
    activation: Option<Activation>,
    /// The loss: tutorial (the tutorial's; "seed" also reads as it), minimax, nonsaturating, lsgan, hinge, wgan, wgan-gp
    /// [default: seed]. Choosing one also sets its optimizer defaults (wgan: RMSprop lr 5e-5;
    /// wgan-gp: Adam lr 1e-4, betas 0.5,0.9; others: Adam lr 1e-4)
    #[arg(long, value_name = "LOSS")]
    loss: Option<LossKind>,
    /// D updates per G update [default: 5 for wgan and wgan-gp, else 1]
    #[arg(long, value_name = "N")]
    n_critic: Option<usize>,
    /// wgan: clamp every D parameter to [-C, C] after each D update [default: 0.01]
    #[arg(long, value_name = "C", allow_hyphen_values = true)]
    clip: Option<f64>,
    /// wgan-gp: weight of the gradient penalty [default: 10]
    #[arg(long, value_name = "W", allow_hyphen_values = true)]
    gp_weight: Option<f64>,
    /// The generator's optimizer [default: the loss's]
    #[arg(long, value_enum, value_name = "OPT")]
    optim_g: Option<OptimArg>,
    /// The discriminator's optimizer [default: the loss's]
    #[arg(long, value_enum, value_name = "OPT")]
    optim_d: Option<OptimArg>,
    /// Adam's betas for both nets, e.g. 0.5,0.9 [default: the loss's]
    #[arg(long, value_name = "B1,B2", value_parser = parse_betas, allow_hyphen_values = true)]
    betas: Option<[f64; 2]>,
    /// Generator's learning rate [default: the loss's, 1e-4 for the tutorial]
    #[arg(long, allow_hyphen_values = true)]
    lr_g: Option<f64>,
    /// Discriminator's learning rate [default: the loss's, 1e-4 for the tutorial]
    #[arg(long, allow_hyphen_values = true)]
    lr_d: Option<f64>,
    /// Learning-rate decay of both nets over the run: none, linear or cosine (to zero)
    /// [default: none]
    #[arg(long, value_name = "DECAY")]
    lr_decay: Option<curvegan::config::LrDecay>,
    /// Write the tutorial's figure every N steps; 0 turns figures off [default: 1000]
    #[arg(long, value_name = "N")]
    plot_every: Option<usize>,
    /// Evaluate the generator every N steps and at the end, into metrics.csv (0: only at the
    /// end) [default: 1000]
    #[arg(long, value_name = "N")]
    eval_every: Option<usize>,
    /// Fresh samples each evaluation draws [default: 1000]
    #[arg(long, value_name = "N")]
    eval_samples: Option<usize>,
    /// Metrics each evaluation computes, e.g. reverse_kl,energy_distance, or "all"
    /// [default: the target's cheap ones — see `curvegan eval`]
    #[arg(long, value_name = "M,M,…", value_delimiter = ',', num_args = 1..)]
    eval_metrics: Option<Vec<String>>,
    /// Keep the nets of the evaluation with the best value of this metric in RUN/best
    #[arg(long, value_name = "METRIC")]
    keep_best: Option<String>,
    /// Stop when the --keep-best metric has not improved for P evaluations in a row
    /// (0: never) [default: 0]
    #[arg(long, value_name = "P")]
    early_stop: Option<usize>,
    /// Run folder [default: a new runs/train-NNNN]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Train a conditional GAN: the target's random parameters (a of family, a formula's
    /// random --params) are appended to G's noise and D's input
    #[arg(long)]
    conditional: bool,
    /// PacGAN: D judges M samples at once, concatenated (1: no packing) [default: 1]
    #[arg(long, value_name = "M")]
    pack: Option<usize>,
    /// Write into an existing non-empty run folder
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary
    #[arg(long, short)]
    quiet: bool,
}

impl TrainArgs {
    /// The settings: the `--config` file's, or the tutorial's, with the given options applied.
    fn config(&self) -> Result<TrainConfig, curvegan::Error> {
        let mut c = match &self.config {
            Some(path) => TrainConfig::load(path)?,
            None => TrainConfig::default(),
        };
        let set = |dst: &mut usize, v: Option<usize>| {
            if let Some(v) = v {
                *dst = v
            }
        };
        set(&mut c.steps, self.steps);
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
        if self.conditional {
            c.conditional = true;
        }
        let target_given = self.target.is_some()
            || !self.param.is_empty()
            || self.points.is_some()
            || self.x_range.is_some()
            || self.data.is_some();
        if target_given {
            let x_range = self.x_range.as_deref().map(parse_x_range).transpose()?;
            c.target = TargetConfig::from_cli(
                self.target.as_deref(),
                &self.param,
                self.points,
                x_range,
                self.data.as_deref(),
            )?;
        }
        if let Some(seed) = self.seed {
            c.seed = seed;
        }
        if let Some(h) = self.hidden {
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
        if self.n_critic.is_some() {
            c.n_critic = self.n_critic;
        }
        if let Some(clip) = self.clip {
            c.clip = clip;
        }
        if let Some(w) = self.gp_weight {
            c.gp_weight = w;
        }
        for (opt, choice, lr, net) in [
            (&mut c.optim_g, self.optim_g, self.lr_g, "generator"),
            (&mut c.optim_d, self.optim_d, self.lr_d, "discriminator"),
        ] {
            if let Some(choice) = choice {
                *opt = choice.with_lr(opt.lr());
            }
            if let Some(lr) = lr {
                set_lr(opt, lr);
            }
            if let Some(b) = &self.betas {
                match opt {
                    OptimizerConfig::Adam { betas, .. } => *betas = *b,
                    OptimizerConfig::Rmsprop { .. } => {
                        return Err(curvegan::Error::config(
                            "--betas",
                            format!(
                            "{b:?} given, but the {net}'s optimizer is RMSprop, which has no betas"
                        ),
                        ))
                    }
                }
            }
        }
        Ok(c)
    }

    /// With `--resume`, the options that would change the run (anything but --steps and
    /// --quiet) are refused rather than silently ignored.
    fn check_resume(&self) -> Result<(), curvegan::Error> {
        let given = [
            ("--config", self.config.is_some()),
            ("--checkpoint-every", self.checkpoint_every.is_some()),
            ("--seed", self.seed.is_some()),
            ("--target", self.target.is_some()),
            ("--param", !self.param.is_empty()),
            ("--points", self.points.is_some()),
            ("--x-range", self.x_range.is_some()),
            ("--data", self.data.is_some()),
            ("--batch-size", self.batch_size.is_some()),
            ("--latent-dim", self.latent_dim.is_some()),
            ("--hidden", self.hidden.is_some()),
            ("--g-hidden", self.g_hidden.is_some()),
            ("--d-hidden", self.d_hidden.is_some()),
            ("--activation", self.activation.is_some()),
            ("--loss", self.loss.is_some()),
            ("--n-critic", self.n_critic.is_some()),
            ("--clip", self.clip.is_some()),
            ("--gp-weight", self.gp_weight.is_some()),
            ("--optim-g", self.optim_g.is_some()),
            ("--optim-d", self.optim_d.is_some()),
            ("--betas", self.betas.is_some()),
            ("--lr-g", self.lr_g.is_some()),
            ("--lr-d", self.lr_d.is_some()),
            ("--lr-decay", self.lr_decay.is_some()),
            ("--plot-every", self.plot_every.is_some()),
            ("--eval-every", self.eval_every.is_some()),
            ("--eval-samples", self.eval_samples.is_some()),
            ("--eval-metrics", self.eval_metrics.is_some()),
            ("--keep-best", self.keep_best.is_some()),
            ("--early-stop", self.early_stop.is_some()),
            ("--out", self.out.is_some()),
            ("--force", self.force),
            ("--conditional", self.conditional),
            ("--pack", self.pack.is_some()),
        ];
        match given.iter().find(|(_, set)| *set) {
            Some((option, _)) => Err(curvegan::Error::config(
                *option,
                "cannot be changed when resuming; a resumed run keeps its own settings (only --steps may be given)",
            )),
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OptimArg {
    Adam,
    Rmsprop,
}

impl OptimArg {
    /// This optimizer with PyTorch's defaults and the given learning rate.
    fn with_lr(self, lr: f64) -> OptimizerConfig {
        match self {
            OptimArg::Adam => OptimizerConfig::adam(lr),
            OptimArg::Rmsprop => OptimizerConfig::rmsprop(lr),
        }
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

fn set_lr(opt: &mut OptimizerConfig, value: f64) {
    match opt {
        OptimizerConfig::Adam { lr, .. } | OptimizerConfig::Rmsprop { lr, .. } => *lr = value,
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Csv,
    Json,
}

#[derive(Debug, Args)]
struct SampleArgs {
    /// A run folder written by `curvegan train`
    #[arg(long)]
    run: PathBuf,
    /// Number of samples
    #[arg(long, short, default_value_t = 10)]
    n: usize,
    /// Seed of the noise
    #[arg(long, default_value_t = 0)]
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
}

/// Set by Ctrl-C: the run saves a checkpoint and stops after the current step.
static STOP: AtomicBool = AtomicBool::new(false);

/// Watches for Ctrl-C, and shows a progress bar on stderr with the live losses when it has one.
struct Progress {
    bar: Option<ProgressBar>,
    /// The watched metric (`--keep-best`), else the first one, at the last evaluation.
    last_metric: Option<(&'static str, f64)>,
    watched: Option<String>,
}

impl Observer for Progress {
    fn should_stop(&mut self) -> bool {
        STOP.load(Ordering::Relaxed)
    }

    fn on_step(&mut self, step: usize, s: &StepStats) {
        let Some(bar) = &self.bar else { return };
        if step % 50 == 0 {
            let metric = self
                .last_metric
                .map(|(name, v)| format!("  {name} {v:.4}"))
                .unwrap_or_default();
            bar.set_message(format!(
                "D_loss {:.4}  G_loss {:.4}  D(real) {:.3}  D(fake) {:.3}{metric}",
                s.d_loss, s.g_loss, s.d_real, s.d_fake
            ));
        }
        bar.set_position(step as u64 + 1);
    }

    fn on_eval(&mut self, eval: &Evaluation) {
        let shown = match &self.watched {
            Some(w) => eval.names.iter().position(|n| n == w),
            None => (!eval.names.is_empty()).then_some(0),
        };
        self.last_metric = shown.map(|i| (eval.names[i], eval.values[i]));
    }
}

fn train(args: &TrainArgs) -> Result<()> {
    // Ctrl-C asks the run to checkpoint and stop; if the handler cannot be installed, Ctrl-C
    // simply kills the process, which the atomic checkpoints survive too.
    let _ = ctrlc::set_handler(|| STOP.store(true, Ordering::Relaxed));
    let (steps, eval_samples, watched, run) = match &args.resume {
        Some(dir) => {
            args.check_resume()?;
            let steps = args.steps;
            let dir = dir.clone();
            // For the progress bar and the summary only; resume() reads and checks it itself.
            let saved = TrainConfig::load(&dir.join(files::CONFIG)).unwrap_or_default();
            let total = steps.unwrap_or(saved.steps);
            let eval = saved.eval_samples;
            (
                total,
                eval,
                saved.keep_best,
                Box::new(move |o: &mut dyn Observer| curvegan::resume(&dir, steps, o))
                    as Box<dyn FnOnce(&mut dyn Observer) -> curvegan::Result<Summary>>,
            )
        }
        None => {
            let config = args.config()?;
            let out = Output {
                dir: args
                    .out
                    .clone()
                    .unwrap_or_else(|| files::next_run_dir(Path::new("runs"))),
                force: args.force,
            };
            (
                config.steps,
                config.eval_samples,
                config.keep_best.clone(),
                Box::new(move |o: &mut dyn Observer| curvegan::train(&config, &out, o))
                    as Box<dyn FnOnce(&mut dyn Observer) -> curvegan::Result<Summary>>,
            )
        }
    };
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(steps as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} ETA {eta}  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = Progress {
        bar,
        last_metric: None,
        watched,
    };
    let result = run(&mut progress);
    if let Some(bar) = &progress.bar {
        bar.finish_and_clear();
    }
    let summary = result?;
    if !args.quiet {
        print_summary(&summary, eval_samples)?;
    }
    Ok(())
}

fn print_summary(s: &Summary, eval_samples: usize) -> Result<()> {
    let l = &s.last;
    let eq = &s.equilibrium;
    // "0.6931 (ln 2)", or "—" where the loss fixes no value.
    let reference = |r: Option<(f32, &str)>| match r {
        Some((v, label)) if format!("{v}") == label => format!("{v}"),
        Some((v, label)) => format!("{v:.4} ({label})"),
        None => "—".to_string(),
    };
    let mut text = format!(
        "run folder: {}\n\
         {} steps in {:.2} s ({:.1} µs per training step)\n\
         mean of the last {} steps     value    equilibrium\n",
        s.out.display(),
        s.steps,
        s.wall.as_secs_f64(),
        s.us_per_step(),
        s.window,
    );
    for (name, value, eq) in [
        ("D(real)", l.d_real, eq.d_output),
        ("D(fake)", l.d_fake, eq.d_output),
        ("D_loss", l.d_loss, eq.d_loss),
        ("G_loss", l.g_loss, eq.g_loss),
    ] {
        text.push_str(&format!("{name:<26} {value:>8.4}    {}\n", reference(eq)));
    }
    if let (true, Some(b)) = (s.stopped_early, &s.best) {
        text.push_str(&format!(
            "stopped early at step {}: {} had stopped improving\n",
            s.final_eval.step, b.metric
        ));
    }
    let e = &s.final_eval;
    let width = e.names.iter().map(|n| n.len()).max().unwrap_or(0);
    text.push_str(&format!(
        "evaluation at step {} ({eval_samples} fresh samples)\n",
        e.step
    ));
    for (name, v) in e.names.iter().zip(&e.values) {
        text.push_str(&format!("  {name:<width$}  {v:>10.5}\n"));
    }
    if let Some(b) = &s.best {
        text.push_str(&format!(
            "best {} {:.5} at step {}, kept in {}\n",
            b.metric,
            b.value,
            b.step,
            s.out.join(files::BEST_DIR).display()
        ));
    }
    write_stdout(text.as_bytes())
}

/// Writes to stdout; a closed pipe (`curvegan sample | head`) is not an error.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to standard output"),
    }
}

fn sample(args: &SampleArgs) -> Result<()> {
    if args.n == 0 {
        return Err(curvegan::Error::config("--n", "must be at least 1, got 0").into());
    }
    let generator = Generator::load(&args.run)?;
    let condition = if args.condition.is_empty() {
        None
    } else {
        Some(generator.parse_condition(&args.condition)?)
    };
    let samples = generator.sample(args.n, args.seed, condition.as_deref())?;
    let format = match args.format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    };
    let text = samples.render(format);
    match &args.out {
        Some(path) => Ok(write_atomic(path, text.as_bytes())?),
        None => write_stdout(text.as_bytes()),
    }
}

fn eval(args: &EvalArgs) -> Result<()> {
    if args.n < 4 {
        return Err(curvegan::Error::config(
            "--n",
            format!(
                "needs at least 4 samples (k-NN metrics use k = 3), got {}",
                args.n
            ),
        )
        .into());
    }
    let generator = Generator::load(&args.run)?;
    let report = curvegan::run::sample::evaluate(&generator, args.n, args.seed)?;
    let text = if args.json {
        let map: serde_json::Map<String, serde_json::Value> = report
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        let doc = serde_json::json!({
            "run": args.run.display().to_string(),
            "target": report.target,
            "samples": report.samples,
            "metrics": map,
        });
        format!("{doc:#}\n")
    } else {
        report.table()
    };
    write_stdout(text.as_bytes())
}

fn sweep(args: &SweepArgs) -> Result<()> {
    if args.train.resume.is_some() || args.train.seed.is_some() {
        return Err(curvegan::Error::config(
            if args.train.seed.is_some() {
                "--seed"
            } else {
                "--resume"
            },
            "cannot be used with sweep (--seeds chooses the seeds)",
        )
        .into());
    }
    let config = args.train.config()?;
    let root = args
        .train
        .out
        .clone()
        .unwrap_or_else(|| next_free(Path::new("runs"), "sweep"));
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let seeds: Vec<u64> = args.seeds.clone().collect();
    let scoring = curvegan::run::sweep::Scoring {
        samples: args.eval_n,
        seed_offset: 0,
    };
    let results =
        curvegan::run::sweep::sweep(&config, &seeds, &root, jobs, scoring, args.train.force)?;
    let csv = curvegan::run::sweep::to_csv(&results);
    write_atomic(&root.join("sweep.csv"), csv.as_bytes())?;
    let mut text = String::new();
    let names: Vec<&str> = results[0]
        .report
        .metrics
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    text.push_str(&format!("{:>6} {:>8}", "seed", "wall_s"));
    for n in &names {
        text.push_str(&format!(" {:>w$}", n, w = n.len().max(10)));
    }
    if args.success.is_some() {
        text.push_str("  success");
    }
    text.push('\n');
    let mut met = 0;
    for r in &results {
        text.push_str(&format!(
            "{:>6} {:>8.2}",
            r.seed,
            r.summary.wall.as_secs_f64()
        ));
        for (n, (_, v)) in names.iter().zip(&r.report.metrics) {
            text.push_str(&format!(" {:>w$.5}", v, w = n.len().max(10)));
        }
        if let Some(c) = &args.success {
            let ok = c.met_by(&r.report).ok_or_else(|| {
                curvegan::Error::config(
                    "--success",
                    format!(
                        "no metric '{}'; this target has {}",
                        c.metric,
                        names.join(", ")
                    ),
                )
            })?;
            met += ok as usize;
            text.push_str(if ok { "  yes" } else { "  no" });
        }
        text.push('\n');
    }
    if let Some(c) = &args.success {
        text.push_str(&format!(
            "success ({c}): {met} of {} seeds ({:.0} %)\n",
            results.len(),
            100.0 * met as f64 / results.len() as f64
        ));
    }
    text.push_str(&format!("runs and sweep.csv in {}\n", root.display()));
    write_stdout(text.as_bytes())
}

fn bench_modes(args: &ModesArgs) -> Result<()> {
    let mut config = match &args.config {
        Some(path) => TrainConfig::load(path)?,
        None => args.dataset.shipped_config()?,
    };
    if let Some(steps) = args.steps {
        config.steps = steps;
    }
    let root = args
        .out
        .clone()
        .unwrap_or_else(|| next_free(Path::new("runs"), &format!("bench-{}", args.dataset.name())));
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let outcome =
        curvegan::run::bench::run(args.dataset, &config, args.trials, &root, jobs, args.force)?;
    let table = outcome.table();
    write_atomic(&root.join("bench.csv"), outcome.to_csv().as_bytes())?;
    write_atomic(&root.join("table.md"), table.as_bytes())?;
    let mut text = format!(
        "{:>6} {:>8} {:>10} {:>10} {:>8}\n",
        "seed", "modes", "HQ %", "rev-KL", "wall_s"
    );
    for t in &outcome.trials {
        text.push_str(&format!(
            "{:>6} {:>8} {:>10.2} {:>10.4} {:>8.1}\n",
            t.seed,
            t.modes,
            100.0 * t.high_quality,
            t.reverse_kl,
            t.wall_s
        ));
    }
    text.push_str(&format!(
        "\n{} ({} samples per trial; published rows: PacGAN, Table 1)\n{table}\nruns, bench.csv and table.md in {}\n",
        args.dataset.name(),
        curvegan::run::bench::SAMPLES,
        root.display()
    ));
    write_stdout(text.as_bytes())
}

/// The first `ROOT/NAME-NNNN` that does not exist yet.
fn next_free(root: &Path, name: &str) -> PathBuf {
    (1..)
        .map(|i| root.join(format!("{name}-{i:04}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| root.join(name))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train(args),
        Command::Sample(args) => sample(args),
        Command::Eval(args) => eval(args),
        Command::Sweep(args) => sweep(args),
        Command::Bench(BenchArgs {
            which: BenchCommand::Modes(args),
        }) => bench_modes(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            // Bad input (an option, a file's content) is a usage error, as clap's own: exit 2.
            let code = match e.downcast_ref::<curvegan::Error>() {
                Some(curvegan::Error::Config { .. } | curvegan::Error::BadFile { .. }) => 2,
                // As a shell reports a process ended by SIGINT.
                Some(curvegan::Error::Interrupted { .. }) => 130,
                _ => 1,
            };
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn argument_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_options_is_the_tutorial() {
        let cli = Cli::try_parse_from(["curvegan", "train"]).unwrap();
        let Command::Train(args) = cli.command else {
            panic!("not train")
        };
        assert_eq!(args.config().unwrap(), TrainConfig::default());
    }
}
