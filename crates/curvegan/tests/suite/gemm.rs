//! The matrix products (`nn::gemm`): every instruction set the CPU has (portable, AVX2 + FMA,
//! AVX-512) gives the same bits as a plain loop of the documented arithmetic — one fused
//! multiply-add chain per element in `k` order, cut every 256 terms — on the engine's shapes
//! and layouts; and whole training steps give the same weights on every path.

use curvegan::config::TrainConfig;
use curvegan::data::target::TargetConfig;
use curvegan::gan::loss::LossKind;
use curvegan::gan::noise::{fill_normal, Stream};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::gemm::{gemm_on, with_isa, Isa, KC};
use curvegan::nn::mlp::{Activation, Mlp};
use curvegan::nn::optim::Optimizer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `C = A·B (+ C)` as the module docs define it, in plain loops.
#[allow(clippy::too_many_arguments)]
fn chain(
    (m, k, n): (usize, usize, usize),
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    accumulate: bool,
    c: &mut [f32],
) {
    for i in 0..m {
        for j in 0..n {
            let c = &mut c[i * n + j];
            for k0 in (0..k).step_by(KC) {
                let mut acc = 0.0f32;
                for p in k0..(k0 + KC).min(k) {
                    acc = a[i * rsa + p * csa].mul_add(b[p * rsb + j * csb], acc);
                }
                *c = if k0 == 0 && !accumulate {
                    acc
                } else {
                    *c + acc
                };
            }
        }
    }
}

fn random(rng: &mut ChaCha8Rng, len: usize) -> Vec<f32> {
    // Some exact zeros, as ReLU makes them.
    (0..len)
        .map(|_| {
            if rng.random::<f32>() < 0.2 {
                0.0
            } else {
                rng.random_range(-1.0f32..1.0)
            }
        })
        .collect()
}

#[test]
fn every_path_computes_the_documented_chain_bit_for_bit() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let isas = Isa::available();
    assert_eq!(isas[0], Isa::Portable);
    let sizes = [
        1, 2, 3, 4, 7, 15, 16, 17, 50, 64, 100, 129, 200, 257, 400, 513,
    ];
    let mut cases = 0;
    for _ in 0..120 {
        let pick = |rng: &mut ChaCha8Rng| sizes[rng.random_range(0..sizes.len())];
        let (m, k, n) = (pick(&mut rng), pick(&mut rng), pick(&mut rng));
        if m * k * n > 4_000_000 {
            continue;
        }
        // The engine's three layouts: forward (B = Wᵀ), weight gradient (A = δᵀ), input
        // gradient (both row-major); C row-major.
        for layout in 0..3 {
            let (sa, sb) = match layout {
                0 => ((k, 1), (1, k)),
                1 => ((1, m), (n, 1)),
                _ => ((k, 1), (n, 1)),
            };
            let a = random(&mut rng, m * k);
            let b = random(&mut rng, k * n);
            let c0 = random(&mut rng, m * n);
            for accumulate in [false, true] {
                // The product paths other than the kernel (n = 1, k = 1, m = 1) keep the
                // engine's earlier arithmetic, which is the same on every path but not a chain.
                let special = n == 1 || k == 1 || (m == 1 && accumulate);
                let mut want = c0.clone();
                chain((m, k, n), &a, sa, &b, sb, accumulate, &mut want);
                let mut first: Option<Vec<f32>> = None;
                for &isa in &isas {
                    let mut c = c0.clone();
                    let beta = if accumulate { 1.0 } else { 0.0 };
                    gemm_on(isa, m, k, n, &a, sa, &b, sb, beta, &mut c, (n, 1));
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    if !special {
                        assert!(
                            bits(&c) == bits(&want),
                            "{isa:?}: [{m}×{k}]·[{k}×{n}], layout {layout}, accumulate {accumulate}: not the chain"
                        );
                    }
                    match &first {
                        None => first = Some(c),
                        Some(f) => assert!(
                            bits(&c) == bits(f),
                            "{isa:?} differs from the portable path: [{m}×{k}]·[{k}×{n}], layout {layout}"
                        ),
                    }
                }
                cases += 1;
            }
        }
    }
    assert!(cases > 300, "only {cases} cases ran");
}

/// The weights' bits after a few training steps of `config`, with every product on `isa`.
fn train(config: &TrainConfig, isa: Isa, steps: usize) -> (Vec<u32>, Vec<u32>) {
    with_isa(isa, || {
        let target = config.target.build().unwrap();
        let n = target.dim();
        let mut rng = Stream::Train.rng(config.seed);
        let mut gan = Gan {
            generator: Mlp::init(&config.generator_spec(n), &mut rng).unwrap(),
            discriminator: Mlp::init(&config.discriminator_spec(n), &mut rng).unwrap(),
            spectral: None,
        };
        let mut opt = Optimizers {
            generator: Optimizer::new(config.optim_g, gan.generator.params().len()),
            discriminator: Optimizer::new(config.optim_d, gan.discriminator.params().len()),
        };
        let loss = config.loss_settings();
        let mut ws = Workspace::default();
        let mut real = vec![0.0; config.batch_size * n];
        let mut z_d = vec![0.0; config.batch_size * config.latent_dim * loss.n_critic];
        let mut z_g = vec![0.0; config.batch_size * config.latent_dim];
        let mut eps = vec![0.0; config.batch_size * loss.n_critic];
        for _ in 0..steps {
            target.draw(&mut rng, &mut real, None).unwrap();
            fill_normal(&mut rng, &mut z_d);
            fill_normal(&mut rng, &mut z_g);
            eps.iter_mut().for_each(|e| *e = rng.random::<f32>());
            let noise = StepNoise {
                z_g: (loss.kind != LossKind::Tutorial).then_some(&z_g[..]),
                gp_eps: loss.kind.has_gradient_penalty().then_some(&eps[..]),
                ..StepNoise::single(&z_d)
            };
            train_step(&loss, &mut gan, &mut opt, &real, noise, &mut ws).unwrap();
        }
        let bits = |p: &[f32]| p.iter().map(|x| x.to_bits()).collect();
        (
            bits(gan.generator.params()),
            bits(gan.discriminator.params()),
        )
    })
}

#[test]
fn training_steps_give_the_same_weights_on_every_path() {
    let configs = [
        TrainConfig::default(),
        TrainConfig {
            target: TargetConfig::Ring8 {},
            latent_dim: 2,
            g_hidden: vec![300, 70],
            d_hidden: vec![90, 33],
            pack: 2,
            batch_size: 50,
            loss: LossKind::Nonsaturating,
            activation: Activation::LeakyRelu(0.2),
            ..TrainConfig::default()
        },
        TrainConfig {
            g_hidden: vec![40, 40],
            d_hidden: vec![260],
            loss: LossKind::WganGp,
            n_critic: Some(2),
            ..TrainConfig::default()
        },
        TrainConfig {
            g_hidden: vec![20],
            activation: Activation::Tanh,
            loss: LossKind::Hinge,
            ..TrainConfig::default()
        },
    ];
    for config in &configs {
        let portable = train(config, Isa::Portable, 3);
        for isa in Isa::available() {
            let got = train(config, isa, 3);
            assert!(
                got == portable,
                "{isa:?}: weights differ on {:?}",
                config.loss
            );
        }
    }
}

/// G's moving average ([`curvegan::nn::ema::update`]) gives the same bits on every path, for
/// both of lerp's forms (weight below 0.5, and at or above it).
#[test]
fn the_moving_average_is_the_same_on_every_path() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let params: Vec<f32> = (0..1037).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect();
    let start: Vec<f32> = (0..1037).map(|_| rng.random::<f32>() * 4.0 - 2.0).collect();
    for weight in [0.001f32, 0.3, 0.5, 0.9] {
        let on = |isa: Isa| {
            with_isa(isa, || {
                let mut avg = start.clone();
                for _ in 0..3 {
                    curvegan::nn::ema::update(&mut avg, &params, weight);
                }
                avg.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
            })
        };
        let portable = on(Isa::Portable);
        assert_ne!(
            portable,
            start.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
        );
        for isa in Isa::available() {
            assert!(on(isa) == portable, "{isa:?}, weight {weight}");
        }
    }
}

/// The forward pass reads each weight through a transposed copy kept until the parameters
/// change (`nn/mlp/transposed.rs`): after every change through `params_mut`, and in a clone,
/// its output equals that of a network built afresh with the same parameters.
#[test]
fn a_forward_pass_sees_every_change_of_the_weights() {
    let spec = curvegan::nn::mlp::MlpSpec::new(5, &[16, 9], 3, Activation::Relu, Activation::Tanh);
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut net = Mlp::init(&spec, &mut rng).unwrap();
    let x = random(&mut rng, 7 * 5);
    let out = |net: &Mlp| {
        let mut tape = curvegan::nn::mlp::Tape::new(&spec, 7);
        let y = net.forward(&x, &mut tape).unwrap().to_vec();
        y.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
    };
    let fresh = |net: &Mlp| {
        let mut again = Mlp::zeros(&spec).unwrap();
        again.params_mut().copy_from_slice(net.params());
        out(&again)
    };
    let before = out(&net);
    for round in 0..3 {
        // One weight of each layer, then every weight.
        let layers = net.layers().to_vec();
        for o in &layers {
            net.params_mut()[o.weight + round] += 0.25;
        }
        let after = out(&net);
        assert_ne!(
            after, before,
            "round {round}: the change made no difference"
        );
        assert_eq!(after, fresh(&net), "round {round}: a stale Wᵀ was read");
        net.params_mut().iter_mut().for_each(|p| *p *= -0.5);
        let copy = net.clone();
        assert_eq!(out(&copy), fresh(&net), "round {round}: the clone");
        assert_eq!(out(&net), fresh(&net), "round {round}: after scaling");
    }
}
