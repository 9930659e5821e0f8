//! The training step, timed: the real step function at the two sizes of the speed table,
//! fed with fixed data and noise so only the step is measured.
//!
//! - `tutorial`: batch 64, noise 15, G 15-128-15, D 15-128-1, the tutorial's loss and Adam;
//! - `hidden_512`: the same with hidden width 512;
//! - `ring8`: `configs/previous/ring8.toml`'s networks (the ring's before the time-to-quality
//!   tuning), G 2-400-400-400-2, D PacGAN2 4-200-200-200-1, batch 100, non-saturating loss,
//!   Adam (a fresh noise batch for G's update, as a run draws).
//!
//! Whole-process timings against PyTorch are in `bench/compare.sh`.

use criterion::{criterion_group, criterion_main, Criterion};
use curvegan::config::TrainConfig;
use curvegan::data::target::TargetConfig;
use curvegan::gan::loss::LossKind;
use curvegan::gan::noise::{fill_normal, Stream};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::mlp::Mlp;
use curvegan::nn::optim::Optimizer;
use curvegan::run::scale::bench::shipped_config;

/// Networks, optimizers, one real batch and the noise of one step (`z_d`, then `z_g`).
struct Setup {
    gan: Gan,
    opt: Optimizers,
    real: Vec<f32>,
    z_d: Vec<f32>,
    z_g: Vec<f32>,
}

fn setup(config: &TrainConfig) -> Setup {
    let target = config.target.build().unwrap();
    let n = target.dim();
    let mut rng = Stream::Train.rng(config.seed);
    let gan = Gan {
        generator: Mlp::init(&config.generator_spec(n), &mut rng).unwrap(),
        discriminator: Mlp::init(&config.discriminator_spec(n), &mut rng).unwrap(),
        spectral: None,
    };
    let opt = Optimizers {
        generator: Optimizer::new(config.optim_g, gan.generator.params().len()),
        discriminator: Optimizer::new(config.optim_d, gan.discriminator.params().len()),
    };
    let mut real = vec![0.0; config.batch_size * n];
    target.draw(&mut rng, &mut real, None).unwrap();
    let mut z_d = vec![0.0; config.batch_size * config.latent_dim];
    fill_normal(&mut rng, &mut z_d);
    let mut z_g = z_d.clone();
    fill_normal(&mut rng, &mut z_g);
    Setup {
        gan,
        opt,
        real,
        z_d,
        z_g,
    }
}

fn bench(c: &mut Criterion) {
    let tutorial = |hidden: usize| TrainConfig {
        g_hidden: vec![hidden],
        d_hidden: vec![hidden],
        ..TrainConfig::default()
    };
    let ring8 = shipped_config(&TargetConfig::Ring8 {}).unwrap();
    let cases = [
        ("tutorial", tutorial(128)),
        ("hidden_512", tutorial(512)),
        ("ring8", ring8),
    ];
    let mut group = c.benchmark_group("train_step");
    for (name, config) in cases {
        let Setup {
            mut gan,
            mut opt,
            real,
            z_d,
            z_g,
        } = setup(&config);
        let mut ws = Workspace::default();
        let loss = config.loss_settings();
        let noise = if loss.kind == LossKind::Tutorial {
            StepNoise::single(&z_d)
        } else {
            StepNoise {
                z_g: Some(&z_g),
                ..StepNoise::single(&z_d)
            }
        };
        if name == "ring8" {
            group.sample_size(20);
        }
        group.bench_function(name, |b| {
            b.iter(|| train_step(&loss, &mut gan, &mut opt, &real, noise, &mut ws).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
