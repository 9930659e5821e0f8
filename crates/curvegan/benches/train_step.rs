//! The tutorial's training step, timed: the real step function on the real sizes (batch 64,
//! noise 15, hidden 128, 15 points), fed with fixed noise so only the step is measured.
//! Whole-process timings against PyTorch are in `bench/compare.sh`.

use criterion::{criterion_group, criterion_main, Criterion};
use curvegan::config::TrainConfig;
use curvegan::gan::noise::{fill_normal, Stream};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::mlp::Mlp;
use curvegan::nn::optim::Optimizer;

fn setup(config: &TrainConfig) -> (Gan, Optimizers, Vec<f32>, Vec<f32>) {
    let target = config.target.build().unwrap();
    let n = target.dim();
    let mut rng = Stream::Train.rng(config.seed);
    let gan = Gan {
        generator: Mlp::init(&config.generator_spec(n), &mut rng).unwrap(),
        discriminator: Mlp::init(&config.discriminator_spec(n), &mut rng).unwrap(),
    };
    let opt = Optimizers {
        generator: Optimizer::new(config.optim_g, gan.generator.params().len()),
        discriminator: Optimizer::new(config.optim_d, gan.discriminator.params().len()),
    };
    let mut real = vec![0.0; config.batch_size * n];
    target.draw(&mut rng, &mut real, None).unwrap(); // the fixed curve: draws nothing
    let mut noise = vec![0.0; config.batch_size * config.latent_dim];
    fill_normal(&mut rng, &mut noise);
    (gan, opt, real, noise)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("train_step");
    for hidden in [128usize, 512] {
        let config = TrainConfig {
            g_hidden: vec![hidden],
            d_hidden: vec![hidden],
            ..TrainConfig::default()
        };
        let (mut gan, mut opt, real, noise) = setup(&config);
        let mut ws = Workspace::default();
        let loss = config.loss_settings();
        let name = if hidden == 128 {
            "tutorial".to_string()
        } else {
            format!("hidden_{hidden}")
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                train_step(
                    &loss,
                    &mut gan,
                    &mut opt,
                    &real,
                    StepNoise::single(&noise),
                    &mut ws,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
