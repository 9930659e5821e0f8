//! Golden tests of the six other GAN losses against real PyTorch (`fixtures/losses/<kind>`):
//! every step replayed from `init` and `data` must give PyTorch's weights, gradients and
//! traced scalars. Also the gradient penalty against `fixtures/mlp/b_leaky_relu`, and a
//! finite-difference check of the penalty's gradient on random piecewise-linear MLPs.
//!
//! Run with `--nocapture` to see the largest differences measured.

use std::path::Path;

use crate::common::*;
use curvegan::config::TrainConfig;
use curvegan::gan::loss::{LossKind, LossSettings, DEFAULT_CLIP, DEFAULT_GP_WEIGHT};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::gp::{gradient_penalty, GpWorkspace};
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use curvegan::nn::optim::{Optimizer, OptimizerConfig};
use curvegan::nn::state_dict::mlp_from_tensors;
use curvegan::Error;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The fixture directories and their kinds.
const KINDS: [(&str, LossKind); 6] = [
    ("minimax", LossKind::Minimax),
    ("nonsaturating", LossKind::Nonsaturating),
    ("lsgan", LossKind::Lsgan),
    ("hinge", LossKind::Hinge),
    ("wgan", LossKind::Wgan),
    ("wgan_gp", LossKind::WganGp),
];

/// Weight tolerance (abs), gradient tolerance (relative to each tensor's max |value|), and the
/// trace scalars' abs + rel tolerance: the fixture README's suggestions.
const WEIGHT_TOL: f32 = 1e-6;
const GRAD_TOL: f32 = 1e-5;
const TRACE_ABS: f32 = 1e-6;
const TRACE_REL: f32 = 1e-5;

/// The optimizer described in a trace.json.
fn optimizer_of(trace: &serde_json::Value) -> OptimizerConfig {
    let o = &trace["optimizer"];
    assert_eq!(o["weight_decay"].as_f64(), Some(0.0));
    optimizer_from_json(o)
}

/// The loss settings described in a trace.json.
fn settings_of(kind: LossKind, trace: &serde_json::Value) -> LossSettings {
    LossSettings {
        kind,
        n_critic: trace["n_critic"].as_u64().unwrap() as usize,
        clip: trace["weight_clip"].as_f64().unwrap_or(DEFAULT_CLIP),
        gp_weight: trace["gp_lambda"].as_f64().unwrap_or(DEFAULT_GP_WEIGHT),
        ..LossSettings::new(kind)
    }
}

fn config_of(kind: LossKind) -> TrainConfig {
    TrainConfig {
        loss: kind,
        ..TrainConfig::default()
    }
}

fn load_gan(cfg: &TrainConfig, path: &Path) -> Gan {
    let t = tensors(path);
    Gan {
        generator: mlp_from_tensors(&cfg.generator_spec(15), &t, "G.", path).unwrap(),
        discriminator: mlp_from_tensors(&cfg.discriminator_spec(15), &t, "D.", path).unwrap(),
        spectral: None,
    }
}

#[test]
fn defaults_are_the_fixtures() {
    for (dir, kind) in KINDS {
        let trace = json(&fixtures().join("losses").join(dir).join("trace.json"));
        assert_eq!(trace["kind"].as_str(), Some(dir));
        assert_eq!(kind.default_optimizer(), optimizer_of(&trace), "{kind}");
        assert_eq!(LossSettings::new(kind), settings_of(kind, &trace), "{kind}");
        assert_eq!(
            config_of(kind).loss_settings(),
            LossSettings::new(kind),
            "{kind}"
        );
        assert_eq!(kind.head(), Activation::Identity, "{kind}");
    }
    assert_eq!(LossKind::Tutorial.head(), Activation::Sigmoid);
}

/// The largest differences of one kind's replay.
#[derive(Debug, Default)]
struct Worst {
    weights: f32,
    grads_rel: f32,
    trace_abs: f32,
    trace_rel: f32,
}

/// Checks `got` against `want` within the trace tolerance and records the difference.
fn trace_value(worst: &mut Worst, what: &str, got: f32, want: &serde_json::Value) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not in the trace")) as f32;
    let d = (got - want).abs();
    worst.trace_abs = worst.trace_abs.max(d);
    worst.trace_rel = worst.trace_rel.max(d / want.abs().max(f32::MIN_POSITIVE));
    assert_scalar(what, got, want, TRACE_ABS, TRACE_REL);
}

/// Checks every tensor of `grads` (the flat gradient of `mlp`) against `grad.{prefix}{name}`.
fn check_grads(
    worst: &mut Worst,
    what: &str,
    mlp: &Mlp,
    grads: &[f32],
    file: &std::collections::BTreeMap<String, curvegan::nn::state_dict::Tensor>,
    prefix: &str,
) {
    for (name, shape, at) in mlp.state_dict_layout() {
        let want = tensor(file, &format!("grad.{prefix}{name}"));
        assert_eq!(want.shape, shape);
        let got = &grads[at..at + want.data.len()];
        let scale = want.data.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if scale > 0.0 {
            worst.grads_rel = worst.grads_rel.max(max_abs_diff(got, &want.data) / scale);
        }
        assert_close_rel(
            &format!("{what} grad.{prefix}{name}"),
            got,
            &want.data,
            GRAD_TOL,
        );
    }
}

/// Replays one `losses/<kind>` fixture: weights, gradients and trace after every step.
fn replay(dir_name: &str, kind: LossKind) -> Worst {
    let dir = fixtures().join("losses").join(dir_name);
    let trace = json(&dir.join("trace.json"));
    let records = trace["steps_trace"].as_array().unwrap();
    let loss = settings_of(kind, &trace);
    let optim = optimizer_of(&trace);
    let cfg = TrainConfig {
        optim_g: optim,
        optim_d: optim,
        ..config_of(kind)
    };
    let mut gan = load_gan(&cfg, &dir.join("init.safetensors"));
    let mut opt = Optimizers {
        generator: Optimizer::new(optim, gan.generator.params().len()),
        discriminator: Optimizer::new(optim, gan.discriminator.params().len()),
    };
    let data = tensors(&dir.join("data.safetensors"));
    let real = &tensor(&data, "x").data;
    let (z_d, z_g) = (tensor(&data, "z_d"), tensor(&data, "z_g"));
    let n_critic = loss.n_critic;
    assert_eq!(z_d.shape, [records.len(), n_critic, 64, 15]);
    let eps = kind.has_gradient_penalty().then(|| tensor(&data, "eps"));
    let per_zd = n_critic * 64 * 15;
    let per_zg = 64 * 15;
    let per_eps = n_critic * 64;

    let mut ws = Workspace::default();
    let mut worst = Worst::default();
    let mut k = 1;
    while dir.join(format!("after_step_{k}.safetensors")).exists() {
        let noise = StepNoise {
            z_d: &z_d.data[(k - 1) * per_zd..k * per_zd],
            z_g: Some(&z_g.data[(k - 1) * per_zg..k * per_zg]),
            gp_eps: eps.map(|e| &e.data[(k - 1) * per_eps..k * per_eps]),
            cond: None,
        };
        let stats = train_step(&loss, &mut gan, &mut opt, real, noise, &mut ws).unwrap();
        let what = format!("{dir_name} step {k}");

        // Trace: every critic update, then the G update.
        let rec = &records[k - 1];
        let critic = rec["critic"].as_array().unwrap();
        assert_eq!(
            ws.critic_stats().len(),
            critic.len(),
            "{what}: critic updates"
        );
        for (i, (got, want)) in ws.critic_stats().iter().zip(critic).enumerate() {
            let w = format!("{what} critic {}", i + 1);
            trace_value(
                &mut worst,
                &format!("{w} D_loss"),
                got.d_loss,
                &want["D_loss"],
            );
            trace_value(
                &mut worst,
                &format!("{w} s_real_mean"),
                got.s_real,
                &want["s_real_mean"],
            );
            trace_value(
                &mut worst,
                &format!("{w} s_fake_mean"),
                got.s_fake,
                &want["s_fake_mean"],
            );
            match got.penalty {
                Some(p) => {
                    trace_value(&mut worst, &format!("{w} gp"), p.value, &want["gp"]);
                    trace_value(
                        &mut worst,
                        &format!("{w} grad_norm_mean"),
                        p.mean_norm,
                        &want["grad_norm_mean"],
                    );
                }
                None => assert!(want.get("gp").is_none(), "{w}: a penalty was expected"),
            }
        }
        let last = ws.critic_stats().last().unwrap();
        assert_eq!(
            (stats.d_loss, stats.d_real, stats.d_fake),
            (last.d_loss, last.s_real, last.s_fake)
        );
        trace_value(
            &mut worst,
            &format!("{what} G_loss"),
            stats.g_loss,
            &rec["G_loss"],
        );
        trace_value(
            &mut worst,
            &format!("{what} s_fake_mean_Gstep"),
            stats.d_fake_g,
            &rec["s_fake_mean_Gstep"],
        );

        // Gradients of the last critic update and of the G update.
        let grads = tensors(&dir.join(format!("grads_step_{k}.safetensors")));
        check_grads(
            &mut worst,
            &what,
            &gan.discriminator,
            ws.grad_discriminator(),
            &grads,
            "D.",
        );
        check_grads(
            &mut worst,
            &what,
            &gan.generator,
            ws.grad_generator(),
            &grads,
            "G.",
        );

        // Weights after the step.
        let after = load_gan(&cfg, &dir.join(format!("after_step_{k}.safetensors")));
        for (net, got, want) in [
            ("G", &gan.generator, &after.generator),
            ("D", &gan.discriminator, &after.discriminator),
        ] {
            worst.weights = worst.weights.max(max_abs_diff(got.params(), want.params()));
            assert_close_abs(
                &format!("{net} after {what}"),
                got.params(),
                want.params(),
                WEIGHT_TOL,
            );
        }
        k += 1;
    }
    assert_eq!(
        k - 1,
        records.len(),
        "{dir_name}: every traced step has weights"
    );
    assert!(k > 1, "no after_step_k files in {}", dir.display());
    worst
}

#[test]
fn training_steps_match_pytorch() {
    for (dir, kind) in KINDS {
        let w = replay(dir, kind);
        eprintln!(
            "{dir:>14}: weights ≤ {:.2e} abs, gradients ≤ {:.2e} rel, trace ≤ {:.2e} abs / {:.2e} rel",
            w.weights, w.grads_rel, w.trace_abs, w.trace_rel
        );
    }
}

#[test]
fn wgan_clamps_every_discriminator_parameter() {
    let dir = fixtures().join("losses/wgan");
    let cfg = config_of(LossKind::Wgan);
    let after = load_gan(&cfg, &dir.join("after_step_1.safetensors"));
    let bound = 0.01f32;
    let d = after.discriminator.params();
    assert!(d.iter().all(|p| p.abs() <= bound));
    // About half of D sits exactly on the bound after the first step (README).
    let on_bound = d.iter().filter(|p| p.abs() == bound).count();
    assert!(on_bound > d.len() / 4, "{on_bound} of {}", d.len());
}

#[test]
fn step_checks_its_inputs() {
    let dir = fixtures().join("losses/wgan_gp");
    let cfg = config_of(LossKind::WganGp);
    let mut gan = load_gan(&cfg, &dir.join("init.safetensors"));
    let optim = LossKind::WganGp.default_optimizer();
    let mut opt = Optimizers {
        generator: Optimizer::new(optim, gan.generator.params().len()),
        discriminator: Optimizer::new(optim, gan.discriminator.params().len()),
    };
    let mut ws = Workspace::default();
    let loss = LossSettings::new(LossKind::WganGp);
    let real = vec![0.5f32; 4 * 15];
    let z_d = vec![0.1f32; 5 * 4 * 15];
    let eps = vec![0.5f32; 5 * 4];
    let mut step = |loss: &LossSettings, noise: StepNoise| {
        train_step(loss, &mut gan, &mut opt, &real, noise, &mut ws).map(|_| ())
    };
    let ok = StepNoise {
        z_d: &z_d,
        z_g: None,
        gp_eps: Some(&eps),
        cond: None,
    };
    step(&loss, ok).unwrap();
    for (what, noise) in [
        ("no eps", StepNoise { gp_eps: None, ..ok }),
        (
            "short eps",
            StepNoise {
                gp_eps: Some(&eps[1..]),
                ..ok
            },
        ),
        (
            "short z_d",
            StepNoise {
                z_d: &z_d[15..],
                ..ok
            },
        ),
        (
            "short z_g",
            StepNoise {
                z_g: Some(&z_d[..15]),
                ..ok
            },
        ),
    ] {
        let err = step(&loss, noise).unwrap_err();
        assert!(matches!(err, Error::Shape(_)), "{what}: {err}");
    }
    // eps for a loss without a penalty, and a D head that is not the loss's.
    let hinge = LossSettings::new(LossKind::Hinge);
    let z1 = &z_d[..4 * 15];
    let err = step(
        &hinge,
        StepNoise {
            z_d: z1,
            z_g: None,
            gp_eps: Some(&eps[..4]),
            cond: None,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("gp_eps"), "{err}");
    let err = step(
        &LossSettings::new(LossKind::Tutorial),
        StepNoise::single(z1),
    )
    .unwrap_err();
    assert!(err.to_string().contains("output activation"), "{err}");
    let bad = LossSettings {
        n_critic: 0,
        ..loss
    };
    let err = step(&bad, ok).unwrap_err();
    assert!(err.to_string().contains("invalid n_critic"), "{err}");
}

#[test]
fn penalty_matches_pytorch_double_backprop() {
    let case = fixtures().join("mlp/b_leaky_relu");
    let spec = MlpSpec::new(
        16,
        &[64, 64],
        1,
        Activation::LeakyRelu(0.2),
        Activation::Identity,
    );
    let path = case.join("weights.safetensors");
    let mlp = mlp_from_tensors(&spec, &tensors(&path), "", &path).unwrap();
    let data = tensors(&case.join("data.safetensors"));
    let x = &tensor(&data, "x").data;
    let mut ws = GpWorkspace::default();
    let mut grads = vec![0.0; mlp.params().len()];
    // Twice: the second call reuses the buffers and must give the same result.
    for _ in 0..2 {
        grads.fill(0.0);
        let p = gradient_penalty(&mlp, x, 1.0, Some(&mut grads), &mut ws).unwrap();
        let norms = &tensor(&data, "gp.norm").data;
        assert_close_rel(
            "gp.g",
            ws.input_gradient(),
            &tensor(&data, "gp.g").data,
            1e-5,
        );
        assert_close_rel("gp.norm", ws.norms(), norms, 1e-5);
        assert_close_abs("D(x)", ws.scores(), &tensor(&data, "y").data, 1e-6);
        assert_scalar("P", p.value, tensor(&data, "gp.P").data[0], 1e-6, 1e-5);
        let mean_norm = norms.iter().map(|&v| v as f64).sum::<f64>() / norms.len() as f64;
        assert_scalar("mean norm", p.mean_norm, mean_norm as f32, 1e-6, 1e-5);
        for (name, _, at) in mlp.state_dict_layout() {
            let want = &tensor(&data, &format!("gp.grad.{name}")).data;
            let got = &grads[at..at + want.len()];
            if name.ends_with("bias") {
                assert!(got.iter().all(|&v| v == 0.0), "{name}: bias gradient not 0");
                assert!(want.iter().all(|&v| v == 0.0));
            }
            assert_close_rel(&format!("gp.grad.{name}"), got, want, 1e-5);
            let scale = want.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            if scale > 0.0 {
                eprintln!(
                    "gp.grad.{name}: max diff {:.2e} relative",
                    max_abs_diff(got, want) / scale
                );
            }
        }
    }
    // The weight scales the gradient and nothing else.
    let mut scaled = vec![0.0; grads.len()];
    let p10 = gradient_penalty(&mlp, x, 10.0, Some(&mut scaled), &mut ws).unwrap();
    assert_scalar("P", p10.value, tensor(&data, "gp.P").data[0], 1e-6, 1e-5);
    let ten: Vec<f32> = grads.iter().map(|g| 10.0 * g).collect();
    assert_close_rel("10·∂P", &scaled, &ten, 1e-5);
}

#[test]
fn penalty_rejects_smooth_activations_and_bad_shapes() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut ws = GpWorkspace::default();
    for (act, out) in [
        (Activation::Tanh, Activation::Identity),
        (Activation::Relu, Activation::Sigmoid),
    ] {
        let mlp = Mlp::init(&MlpSpec::new(3, &[4], 1, act, out), &mut rng).unwrap();
        let err = gradient_penalty(&mlp, &[0.0; 6], 1.0, None, &mut ws).unwrap_err();
        match err {
            Error::Config { key, message } => {
                assert_eq!(key, "activation");
                assert!(
                    message.contains(&format!(
                        "'{}'",
                        if act == Activation::Tanh { act } else { out }
                    )),
                    "{message}"
                );
            }
            e => panic!("expected a config error, got {e}"),
        }
    }
    let spec = MlpSpec::new(3, &[4], 2, Activation::Relu, Activation::Identity);
    let two_outputs = Mlp::init(&spec, &mut rng).unwrap();
    assert!(gradient_penalty(&two_outputs, &[0.0; 6], 1.0, None, &mut ws).is_err());
    let spec = MlpSpec::new(3, &[4], 1, Activation::Relu, Activation::Identity);
    let mlp = Mlp::init(&spec, &mut rng).unwrap();
    assert!(gradient_penalty(&mlp, &[0.0; 5], 1.0, None, &mut ws).is_err());
    assert!(gradient_penalty(&mlp, &[], 1.0, None, &mut ws).is_err());
    let mut short = vec![0.0; 3];
    assert!(gradient_penalty(&mlp, &[0.0; 6], 1.0, Some(&mut short), &mut ws).is_err());
}

/// An independent f64 reference: `P` of `params` (the Mlp's flat layout) at `x`, and the sign
/// pattern of every pre-activation (which side of its kink each unit is on), layer by layer,
/// each `[B, n_{l+1}]` as in a [`Tape`].
/// P in f64, the slope pattern of every pre-activation, and the smallest gradient norm
/// ‖∇ₓ D‖ over the batch.
fn penalty_f64(spec: &MlpSpec, params: &[f64], x: &[f32]) -> (f64, Vec<bool>, f64) {
    let widths = &spec.widths;
    let n_layers = widths.len() - 1;
    let n0 = widths[0];
    let batch = x.len() / n0;
    let slope = |l: usize, pre: f64| -> f64 {
        let act = if l + 1 == n_layers {
            spec.output_activation
        } else {
            spec.activation
        };
        match act {
            Activation::Relu => (pre > 0.0) as u8 as f64,
            Activation::LeakyRelu(s) => {
                if pre > 0.0 {
                    1.0
                } else {
                    s as f64
                }
            }
            Activation::Identity => 1.0,
            other => panic!("not piecewise linear: {other}"),
        }
    };
    // Offsets of each layer's weight in the flat buffer.
    let mut offsets = Vec::new();
    let mut at = 0;
    for l in 0..n_layers {
        offsets.push(at);
        at += widths[l] * widths[l + 1] + widths[l + 1];
    }
    let mut pattern = vec![Vec::new(); n_layers];
    let mut total = 0.0;
    let mut min_norm = f64::INFINITY;
    for j in 0..batch {
        // Forward, keeping the slopes.
        let mut h: Vec<f64> = x[j * n0..(j + 1) * n0].iter().map(|&v| v as f64).collect();
        let mut slopes = Vec::new();
        for l in 0..n_layers {
            let (n_in, n_out, w) = (widths[l], widths[l + 1], offsets[l]);
            let b = w + n_in * n_out;
            let pre: Vec<f64> = (0..n_out)
                .map(|o| {
                    params[b + o]
                        + (0..n_in)
                            .map(|i| params[w + o * n_in + i] * h[i])
                            .sum::<f64>()
                })
                .collect();
            let d: Vec<f64> = pre.iter().map(|&p| slope(l, p)).collect();
            pattern[l].extend(pre.iter().map(|&p| p > 0.0));
            h = pre.iter().zip(&d).map(|(p, d)| p * d).collect();
            slopes.push(d);
        }
        // Backward with upstream 1 to the input.
        let mut delta = slopes[n_layers - 1].clone();
        for l in (0..n_layers).rev() {
            let (n_in, n_out, w) = (widths[l], widths[l + 1], offsets[l]);
            let mut e: Vec<f64> = (0..n_in)
                .map(|i| {
                    (0..n_out)
                        .map(|o| delta[o] * params[w + o * n_in + i])
                        .sum()
                })
                .collect();
            if l > 0 {
                e.iter_mut().zip(&slopes[l - 1]).for_each(|(v, d)| *v *= d);
            }
            delta = e;
        }
        let norm = delta.iter().map(|v| v * v).sum::<f64>().sqrt();
        total += (norm - 1.0).powi(2);
        min_norm = min_norm.min(norm);
    }
    (total / batch as f64, pattern.concat(), min_norm)
}

fn piecewise_activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        Just(Activation::Relu),
        (0.01f32..0.5).prop_map(Activation::LeakyRelu),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// ∂P/∂params against central differences of an independent f64 P: weights match,
    /// biases get exactly 0 (they only move the piecewise-constant slopes).
    #[test]
    fn penalty_gradient_matches_finite_differences(
        widths in prop::collection::vec(1usize..7, 2..5),
        act in piecewise_activation(),
        batch in 1usize..6,
        scale in 0.5f32..3.0,
        seed in any::<u64>(),
    ) {
        let mut widths = widths;
        widths.push(1);
        let spec = MlpSpec { widths: widths.clone(), activation: act, output_activation: Activation::Identity, batchnorm: false, basis: None, maxout: 1 };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mlp = Mlp::init(&spec, &mut rng).unwrap();
        // Larger weights give gradient norms on both sides of 1.
        mlp.params_mut().iter_mut().for_each(|p| *p *= scale);
        let x: Vec<f32> = (0..batch * widths[0]).map(|_| StandardNormal.sample(&mut rng)).collect();

        let mut grads = vec![0.0f32; mlp.params().len()];
        let mut ws = GpWorkspace::default();
        let p = gradient_penalty(&mlp, &x, 1.0, Some(&mut grads), &mut ws).unwrap();
        let base: Vec<f64> = mlp.params().iter().map(|&v| v as f64).collect();
        let (p64, pattern, min_norm) = penalty_f64(&spec, &base, &x);
        // ‖g‖ has a kink at g = 0: a sample whose input gradient (nearly) vanishes — every
        // path through dead units — has no derivative there for differences to approximate.
        prop_assume!(min_norm > 1e-2);
        // The f32 engine and the f64 reference must see the same slopes; a pre-activation
        // within rounding of 0 may differ (vanishingly rare) and then the case says nothing.
        let mut tape = Tape::default();
        mlp.forward(&x, &mut tape).unwrap();
        let ours: Vec<bool> = (0..spec.num_layers())
            .flat_map(|l| tape.pre_activation(l).iter().map(|&v| v > 0.0).collect::<Vec<_>>())
            .collect();
        prop_assume!(ours == pattern);
        prop_assert!((p.value as f64 - p64).abs() <= 1e-5 * (1.0 + p64), "P {} vs {p64}", p.value);

        let h = 1e-4;
        let layers = mlp.layers().to_vec();
        for (i, &analytic) in grads.iter().enumerate() {
            let mut plus = base.clone();
            plus[i] += h;
            let mut minus = base.clone();
            minus[i] -= h;
            let (pp, pat_p, _) = penalty_f64(&spec, &plus, &x);
            let (pm, pat_m, _) = penalty_f64(&spec, &minus, &x);
            let is_bias = layers.iter().any(|o| (o.bias..o.bias + o.n_out).contains(&i));
            if is_bias {
                prop_assert!(analytic == 0.0, "bias {i}: gradient {analytic}, not 0");
            }
            if pat_p != pattern || pat_m != pattern {
                continue; // a slope switches between the probes: the difference sees the kink
            }
            let numeric = (pp - pm) / (2.0 * h);
            prop_assert!(
                (analytic as f64 - numeric).abs() <= 1e-4 * (1.0 + numeric.abs()),
                "param {i}: analytic {analytic}, numeric {numeric}"
            );
        }
    }
}
