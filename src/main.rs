//! `curvegan`: the command-line front end. Parses arguments, turns them into the library's
//! checked settings, runs, and reports. All the work is done by the `curvegan` library.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use curvegan::config::TrainConfig;
use curvegan::io::write_atomic;
use curvegan::optim::OptimizerConfig;
use curvegan::run::{self, Observer, Output, Summary, D_LOSS_EQUILIBRIUM, G_LOSS_EQUILIBRIUM};
use curvegan::sample::{Format, Generator};
use curvegan::train::{Evaluation, StepStats};
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
    Train(TrainArgs),
    /// Draw samples from a trained generator.
    Sample(SampleArgs),
}

#[derive(Debug, Args)]
struct TrainArgs {
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
    /// Hidden width of both networks [default: 128]
    #[arg(long)]
    hidden: Option<usize>,
    /// Generator's Adam learning rate [default: 1e-4]
    #[arg(long, allow_hyphen_values = true)]
    lr_g: Option<f64>,
    /// Discriminator's Adam learning rate [default: 1e-4]
    #[arg(long, allow_hyphen_values = true)]
    lr_d: Option<f64>,
    /// Write the tutorial's figure every N steps; 0 turns figures off [default: 1000]
    #[arg(long, value_name = "N")]
    plot_every: Option<usize>,
    /// Evaluate (MSE of fresh curves to the target) every N steps and at the end [default: 1000]
    #[arg(long, value_name = "N")]
    eval_every: Option<usize>,
    /// Run folder [default: a new runs/train-NNNN]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write into an existing non-empty run folder
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary
    #[arg(long, short)]
    quiet: bool,
}

impl TrainArgs {
    /// The tutorial's settings with the given options applied.
    fn config(&self) -> TrainConfig {
        let mut c = TrainConfig::default();
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
        if let Some(seed) = self.seed {
            c.seed = seed;
        }
        if let Some(h) = self.hidden {
            c.g_hidden = vec![h];
            c.d_hidden = vec![h];
        }
        if let Some(lr) = self.lr_g {
            c.optim_g = OptimizerConfig::adam(lr);
        }
        if let Some(lr) = self.lr_d {
            c.optim_d = OptimizerConfig::adam(lr);
        }
        c
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
}

/// A progress bar on stderr with the live losses.
struct Progress {
    bar: ProgressBar,
    last_mse: Option<f64>,
}

impl Observer for Progress {
    fn on_step(&mut self, step: usize, s: &StepStats) {
        if step % 50 == 0 {
            let mse = self
                .last_mse
                .map(|m| format!("  mse {m:.4}"))
                .unwrap_or_default();
            self.bar.set_message(format!(
                "D_loss {:.4}  G_loss {:.4}  D(real) {:.3}  D(fake) {:.3}{mse}",
                s.d_loss, s.g_loss, s.d_real, s.d_fake
            ));
        }
        self.bar.set_position(step as u64 + 1);
    }

    fn on_eval(&mut self, eval: &Evaluation) {
        self.last_mse = eval.mse;
    }
}

fn train(args: &TrainArgs) -> Result<()> {
    let config = args.config();
    let out = Output {
        dir: args
            .out
            .clone()
            .unwrap_or_else(|| run::next_run_dir(Path::new("runs"))),
        force: args.force,
    };
    let show_bar = !args.quiet && std::io::stderr().is_terminal();
    let summary = if show_bar {
        let bar = ProgressBar::new(config.steps as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} ETA {eta}  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut progress = Progress {
            bar,
            last_mse: None,
        };
        let result = run::train(&config, &out, &mut progress);
        progress.bar.finish_and_clear();
        result?
    } else {
        run::train(&config, &out, &mut ())?
    };
    if !args.quiet {
        print_summary(&summary, config.eval_samples)?;
    }
    Ok(())
}

fn print_summary(s: &Summary, eval_samples: usize) -> Result<()> {
    let l = &s.last;
    let mut text = format!(
        "run folder: {}\n\
         {} steps in {:.2} s ({:.1} µs per training step)\n\
         mean of the last {} steps     value    equilibrium\n\
         D(real)                    {:>8.4}    0.5\n\
         D(fake)                    {:>8.4}    0.5\n\
         D_loss                     {:>8.4}    {:.4} (2 ln 2)\n\
         G_loss                     {:>8.4}    {:.4} (ln 2)\n",
        s.out.display(),
        s.steps,
        s.wall.as_secs_f64(),
        s.us_per_step(),
        s.window,
        l.d_real,
        l.d_fake,
        l.d_loss,
        D_LOSS_EQUILIBRIUM,
        l.g_loss,
        G_LOSS_EQUILIBRIUM,
    );
    if let Some(mse) = s.final_eval.mse {
        text.push_str(&format!(
            "MSE of {eval_samples} fresh curves to the target: {mse:.5}\n"
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
    let samples = generator.sample(args.n, args.seed)?;
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Train(args) => train(args),
        Command::Sample(args) => sample(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            // Bad input (an option, a file's content) is a usage error, as clap's own: exit 2.
            let usage = matches!(
                e.downcast_ref::<curvegan::Error>(),
                Some(curvegan::Error::Config { .. } | curvegan::Error::BadFile { .. })
            );
            ExitCode::from(if usage { 2 } else { 1 })
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
        assert_eq!(args.config(), TrainConfig::default());
    }
}
