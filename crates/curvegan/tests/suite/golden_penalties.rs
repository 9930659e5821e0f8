//! Golden tests of R1, spectral normalisation and G's top-k update against real PyTorch
//! (`fixtures/penalties/<case>`): a packed D (PacGAN 2 of 2-D samples, `4 → 16 → 16 → 1`
//! ReLU), the non-saturating loss, Adam, 3 steps replayed from `init` and `data`; every step
//! must give PyTorch's weights (and spectral norm's `u`, `v`), gradients and traced scalars.
//! The same for a conditional GAN (`fixtures/cond_penalties/<case>`: G `[z | c]`, a D packed by
//! 2 that sees `[x₁|c₁|x₂|c₂]`, one-hot `c` of 3 classes), with R1 and with WGAN-GP, whose
//! input gradient is PyTorch's `autograd.grad(D(cat([x, c], 1)), x)`: the samples' columns only.
//! Also: a run with R1, spectral normalisation and top-k stopped and resumed gives the bytes
//! of the uninterrupted run (the checkpoint holds the raw weights, `u` and `v`).
//!
//! Run with `--nocapture` to see the largest differences measured.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;
use curvegan::gan::loss::{LossKind, LossSettings};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec};
use curvegan::nn::optim::Optimizer;
use curvegan::nn::spectral;
use curvegan::nn::state_dict::{mlp_from_tensors, mlp_tensors, Tensor};
use curvegan::run::store::weights::discriminator_tensors;

/// Weights (abs), gradients (relative to each tensor's max |value|), trace scalars (abs +
/// rel).
const WEIGHT_TOL: f32 = 1e-6;
const GRAD_TOL: f32 = 2e-6;
const TRACE_ABS: f32 = 1e-6;
const TRACE_REL: f32 = 1e-6;

fn g_spec() -> MlpSpec {
    MlpSpec::new(2, &[16], 2, Activation::Relu, Activation::Identity)
}

fn d_spec() -> MlpSpec {
    MlpSpec::new(4, &[16, 16], 1, Activation::Relu, Activation::Identity)
}

/// G and D of a fixture's state dict (`G.*`, `D.*`; with spectral norm `D.i.weight_orig`,
/// `D.i.weight_u`, `D.i.weight_v`).
fn load_gan(path: &Path, sn: bool) -> Gan {
    let t = tensors(path);
    let generator = mlp_from_tensors(&g_spec(), &t, "G.", path).unwrap();
    if sn {
        let (discriminator, sn) = spectral::from_tensors(&d_spec(), &t, "D.", path).unwrap();
        Gan {
            generator,
            discriminator,
            spectral: Some(sn),
        }
    } else {
        Gan::new(
            generator,
            mlp_from_tensors(&d_spec(), &t, "D.", path).unwrap(),
        )
    }
}

fn scalar(what: &str, got: f32, want: &serde_json::Value, worst: &mut f32) {
    let want = want
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not in the trace")) as f32;
    *worst = worst.max((got - want).abs() / (1.0 + want.abs()));
    assert_scalar(what, got, want, TRACE_ABS, TRACE_REL);
}

/// Compares the flat gradient `grads` of `mlp` with `grad.{prefix}{name}` of the fixture
/// (`weight_orig` for a weight with spectral norm, `sn`).
fn check_grads(
    what: &str,
    mlp: &Mlp,
    grads: &[f32],
    file: &TensorMap,
    prefix: &str,
    sn: bool,
) -> f32 {
    let mut worst = 0.0f32;
    for (name, shape, at) in mlp.state_dict_layout() {
        let name = match sn && name.ends_with(".weight") {
            true => format!("{name}_orig"),
            false => name,
        };
        let want = tensor(file, &format!("grad.{prefix}{name}"));
        assert_eq!(want.shape, shape, "{what} grad.{prefix}{name}");
        let got = &grads[at..at + want.data.len()];
        let scale = want.data.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        worst = worst.max(max_abs_diff(got, &want.data) / scale.max(f32::MIN_POSITIVE));
        let w = format!("{what} grad.{prefix}{name}");
        assert_close_rel(&w, got, &want.data, GRAD_TOL);
    }
    worst
}

type TensorMap = std::collections::BTreeMap<String, curvegan::nn::state_dict::Tensor>;

/// Replays one case; returns the largest (weight, gradient, trace) differences.
/// Compares every tensor of G's and D's state dicts (`G.…`, `D.…`; with spectral norm D's raw
/// weights, u and v) with the fixture's `after`, which must hold no other; the largest
/// absolute difference.
fn check_weights(what: &str, gan: &Gan, after: &BTreeMap<String, Tensor>) -> f32 {
    let mut worst = 0.0f32;
    let mut names = 0;
    for (prefix, ours) in [
        ("G.", mlp_tensors(&gan.generator, "")),
        ("D.", discriminator_tensors(gan, "")),
    ] {
        for (name, shape, got) in ours {
            let got = got
                .as_f32()
                .expect("no int64 tensor without batch normalisation");
            let want = tensor(after, &format!("{prefix}{name}"));
            assert_eq!(want.shape, shape, "{prefix}{name}");
            worst = worst.max(max_abs_diff(got, &want.data));
            let w = format!("{prefix}{name} after {what}");
            assert_close_abs(&w, got, &want.data, WEIGHT_TOL);
            names += 1;
        }
    }
    assert_eq!(names, after.len(), "{what}: every tensor compared");
    worst
}

fn replay(case: &str) -> (f32, f32, f32) {
    let dir = fixtures().join("penalties").join(case);
    let trace = json(&dir.join("trace.json"));
    assert_eq!(trace["loss"].as_str(), Some("nonsaturating"));
    assert_eq!(trace["pack"].as_u64(), Some(2));
    let top_k = &trace["top_k"];
    let loss = LossSettings {
        r1: trace["r1_gamma"].as_f64().unwrap_or(0.0),
        top_k: top_k["nu"].as_f64().unwrap_or(1.0),
        top_k_anneal: top_k["anneal"].as_u64().unwrap_or(0) as usize,
        ..LossSettings::new(LossKind::Nonsaturating)
    };
    let optim = optimizer_from_json(&trace["optimizer"]);
    let sn = trace["spectral_norm"].as_bool().unwrap();
    let mut gan = load_gan(&dir.join("init.safetensors"), sn);
    assert_eq!(gan.spectral.is_some(), sn);
    let mut opt = Optimizers {
        generator: Optimizer::new(optim, gan.generator.params().len()),
        discriminator: Optimizer::new(optim, gan.discriminator.params().len()),
    };
    let data = tensors(&dir.join("data.safetensors"));
    let (x, z_d, z_g) = (
        tensor(&data, "x"),
        tensor(&data, "z_d"),
        tensor(&data, "z_g"),
    );
    let per = 8 * 2;
    let mut ws = Workspace::default();
    let (mut w_weights, mut w_grads, mut w_trace) = (0.0f32, 0.0f32, 0.0f32);
    let records = trace["steps_trace"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    for (k, rec) in (1..).zip(records) {
        let range = (k - 1) * per..k * per;
        let noise = StepNoise {
            z_d: &z_d.data[range.clone()],
            z_g: Some(&z_g.data[range.clone()]),
            gp_eps: None,
            cond: None,
        };
        let stats = train_step(&loss, &mut gan, &mut opt, &x.data[range], noise, &mut ws).unwrap();
        let what = format!("{case} step {k}");
        // The rows G's loss kept: this step's G update is the k-th (t = k − 1 before it).
        if let Some(rows) = rec["top_k_rows"].as_u64() {
            assert_eq!(loss.g_rows(4, k as u64 - 1), rows as usize, "{what}");
        }
        let critic = ws.critic_stats()[0];
        for (name, got) in step_trace(&stats) {
            scalar(&format!("{what} {name}"), got, &rec[name], &mut w_trace);
        }
        match critic.penalty {
            Some(p) => {
                scalar(&format!("{what} r1"), p.value, &rec["r1"], &mut w_trace);
                let norm = &rec["grad_norm_mean"];
                scalar(
                    &format!("{what} grad norm"),
                    p.mean_norm,
                    norm,
                    &mut w_trace,
                );
            }
            None => assert!(rec.get("r1").is_none(), "{what}: R1 was expected"),
        }
        let grads = tensors(&dir.join(format!("grads_step_{k}.safetensors")));
        let d = &gan.discriminator;
        let got = ws.grad_discriminator();
        w_grads = w_grads.max(check_grads(&what, d, got, &grads, "D.", sn));
        let g = &gan.generator;
        w_grads = w_grads.max(check_grads(
            &what,
            g,
            ws.grad_generator(),
            &grads,
            "G.",
            false,
        ));
        // Every tensor of the state dicts after the step (with spectral norm: u and v too).
        let after = tensors(&dir.join(format!("after_step_{k}.safetensors")));
        w_weights = w_weights.max(check_weights(&what, &gan, &after));
    }
    (w_weights, w_grads, w_trace)
}

#[test]
fn r1_steps_match_pytorch() {
    let (w, g, t) = replay("r1");
    eprintln!("r1: weights ≤ {w:.2e} abs, gradients ≤ {g:.2e} rel, trace ≤ {t:.2e}");
}

#[test]
fn spectral_norm_steps_match_pytorch() {
    let (w, g, t) = replay("sn");
    eprintln!("sn: weights ≤ {w:.2e} abs, gradients ≤ {g:.2e} rel, trace ≤ {t:.2e}");
}

#[test]
fn r1_with_spectral_norm_steps_match_pytorch() {
    let (w, g, t) = replay("r1_sn");
    eprintln!("r1_sn: weights ≤ {w:.2e} abs, gradients ≤ {g:.2e} rel, trace ≤ {t:.2e}");
}

/// The kept rows fall 4, 3, 2 over the three steps: G's loss and gradient are PyTorch's
/// `torch.topk` of D's scores.
#[test]
fn top_k_steps_match_pytorch() {
    let (w, g, t) = replay("topk");
    eprintln!("topk: weights ≤ {w:.2e} abs, gradients ≤ {g:.2e} rel, trace ≤ {t:.2e}");
}

/// Stops a run after `at` steps, as Ctrl-C does.
struct StopAt(usize);

impl curvegan::Observer for StopAt {
    fn on_step(&mut self, _step: usize, _stats: &curvegan::gan::step::StepStats) {
        self.0 = self.0.saturating_sub(1);
    }
    fn should_stop(&mut self) -> bool {
        self.0 == 0
    }
}

#[test]
fn a_run_with_r1_spectral_norm_and_top_k_resumes_byte_identically() {
    let tmp = tempfile::TempDir::new().unwrap();
    let (whole, parts) = (tmp.path().join("whole"), tmp.path().join("parts"));
    let config = curvegan::TrainConfig {
        loss: LossKind::Nonsaturating,
        optim_g: LossKind::Nonsaturating.default_optimizer(),
        optim_d: LossKind::Nonsaturating.default_optimizer(),
        r1: 10.0,
        spectral_norm: true,
        // G's top-k schedule spans the stop: k_t comes from G's optimizer state on resume.
        top_k: 0.5,
        top_k_anneal: 6,
        pack: 2,
        ..small(9)
    };
    curvegan::train(&config, &out(&whole, false), &mut ()).unwrap();
    let err = curvegan::train(&config, &out(&parts, false), &mut StopAt(4)).unwrap_err();
    assert!(
        matches!(err, curvegan::Error::Interrupted { step: 4, .. }),
        "{err}"
    );
    curvegan::resume(&parts, None, &[], &mut ()).unwrap();
    for file in [
        "metrics.csv",
        "generator.safetensors",
        "discriminator.safetensors",
    ] {
        let read = |dir: &Path| std::fs::read(dir.join(file)).unwrap();
        assert_eq!(read(&whole), read(&parts), "{file} differs");
    }
    // discriminator.safetensors holds spectral_norm's state dict.
    let d = tensors(&whole.join("discriminator.safetensors"));
    let keys: Vec<&str> = d.keys().map(String::as_str).collect();
    assert!(
        keys.contains(&"0.weight_orig") && keys.contains(&"2.weight_u"),
        "{keys:?}"
    );
    assert!(!keys.contains(&"0.weight"), "{keys:?}");
}

/// The `cond_penalties` fixtures' networks: G `[z | c]` (2 + 3) → 16 → 2, D `[x₁|c₁|x₂|c₂]`
/// (PacGAN 2 of 2 + 3 columns) → 16 → 16 → 1, ReLU, with `kind`'s head.
fn cond_specs(kind: LossKind) -> (MlpSpec, MlpSpec) {
    let g = MlpSpec::new(5, &[16], 2, Activation::Relu, Activation::Identity);
    let d = MlpSpec::new(10, &[16, 16], 1, Activation::Relu, kind.head());
    (g, d)
}

/// Replays one `cond_penalties/<case>` fixture (a conditional GAN whose packed D sees
/// `[x | c]`, R1 or WGAN-GP taken over the samples' columns only, as PyTorch's
/// `autograd.grad(D(cat([x, c], 1)), x)`): after every step, every critic update's traced
/// scalars (with the penalty and the mean gradient norm), the last critic update's and the G
/// update's gradients, and every weight. Returns the largest (weight, gradient, trace)
/// differences.
fn replay_conditional(case: &str) -> (f32, f32, f32) {
    let dir = fixtures().join("cond_penalties").join(case);
    let trace = json(&dir.join("trace.json"));
    let kind = match trace["kind"].as_str() {
        Some("nonsaturating") => LossKind::Nonsaturating,
        Some("wgan_gp") => LossKind::WganGp,
        other => panic!("{case}: unexpected kind {other:?}"),
    };
    let (n_critic, batch) = (trace["n_critic"].as_u64().unwrap() as usize, 8);
    assert_eq!(trace["pack"].as_u64(), Some(2));
    assert_eq!(trace["classes"].as_u64(), Some(3));
    assert_eq!(trace["batch_size"].as_u64(), Some(batch as u64));
    let loss = LossSettings {
        n_critic,
        r1: trace["r1_gamma"].as_f64().unwrap_or(0.0),
        gp_weight: trace["gp_lambda"].as_f64().unwrap_or(0.0),
        ..LossSettings::new(kind)
    };
    let optim = optimizer_from_json(&trace["optimizer"]);
    let (g_spec, d_spec) = cond_specs(kind);
    let load = |path: &Path| {
        let t = tensors(path);
        Gan::new(
            mlp_from_tensors(&g_spec, &t, "G.", path).unwrap(),
            mlp_from_tensors(&d_spec, &t, "D.", path).unwrap(),
        )
    };
    let mut gan = load(&dir.join("init.safetensors"));
    let mut opt = Optimizers {
        generator: Optimizer::new(optim, gan.generator.params().len()),
        discriminator: Optimizer::new(optim, gan.discriminator.params().len()),
    };
    let data = tensors(&dir.join("data.safetensors"));
    let (x, c, z_d, z_g) = (
        tensor(&data, "x"),
        tensor(&data, "c"),
        tensor(&data, "z_d"),
        tensor(&data, "z_g"),
    );
    assert_eq!(c.shape, [3, batch, 3]);
    assert_eq!(z_d.shape, [3, n_critic, batch, 2]);
    let eps = kind.has_gradient_penalty().then(|| tensor(&data, "eps"));
    let penalty_name = if kind.has_gradient_penalty() {
        "gp"
    } else {
        "r1"
    };
    let mut ws = Workspace::default();
    let (mut w_weights, mut w_grads, mut w_trace) = (0.0f32, 0.0f32, 0.0f32);
    let records = trace["steps_trace"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    for (k, rec) in (1..).zip(records) {
        let at = |per: usize| (k - 1) * per..k * per;
        let noise = StepNoise {
            z_d: &z_d.data[at(n_critic * batch * 2)],
            z_g: Some(&z_g.data[at(batch * 2)]),
            gp_eps: eps.map(|e| &e.data[at(n_critic * batch)]),
            cond: Some(&c.data[at(batch * 3)]),
        };
        let real = &x.data[at(batch * 2)];
        let stats = train_step(&loss, &mut gan, &mut opt, real, noise, &mut ws).unwrap();
        let what = format!("cond_penalties/{case} step {k}");
        let critic = rec["critic"].as_array().unwrap();
        assert_eq!(ws.critic_stats().len(), critic.len(), "{what}");
        for (i, (got, want)) in (1..).zip(ws.critic_stats().iter().zip(critic)) {
            let w = format!("{what} critic {i}");
            for (name, v) in [
                ("D_loss", got.d_loss),
                ("s_real_mean", got.s_real),
                ("s_fake_mean", got.s_fake),
            ] {
                scalar(&format!("{w} {name}"), v, &want[name], &mut w_trace);
            }
            let p = got.penalty.unwrap_or_else(|| panic!("{w}: no penalty"));
            let name = penalty_name;
            scalar(&format!("{w} {name}"), p.value, &want[name], &mut w_trace);
            let norm = &want["grad_norm_mean"];
            scalar(&format!("{w} grad norm"), p.mean_norm, norm, &mut w_trace);
        }
        for (name, got) in [
            ("G_loss", stats.g_loss),
            ("s_fake_mean_Gstep", stats.d_fake_g),
        ] {
            scalar(&format!("{what} {name}"), got, &rec[name], &mut w_trace);
        }
        let grads = tensors(&dir.join(format!("grads_step_{k}.safetensors")));
        let (d, g) = (&gan.discriminator, &gan.generator);
        let d_grads = check_grads(&what, d, ws.grad_discriminator(), &grads, "D.", false);
        let g_grads = check_grads(&what, g, ws.grad_generator(), &grads, "G.", false);
        w_grads = w_grads.max(d_grads).max(g_grads);
        let after = tensors(&dir.join(format!("after_step_{k}.safetensors")));
        w_weights = w_weights.max(check_weights(&what, &gan, &after));
    }
    (w_weights, w_grads, w_trace)
}

/// R1 (γ = 1) of a conditional, packed D: the penalty is over the samples' columns of D's
/// input gradient, not the condition's (over all columns, `r1` and every D gradient differ).
#[test]
fn conditional_r1_steps_match_pytorch() {
    let (w, g, t) = replay_conditional("r1");
    eprintln!("cond r1: weights ≤ {w:.2e} abs, gradients ≤ {g:.2e} rel, trace ≤ {t:.2e}");
}

/// WGAN-GP of a conditional, packed D: x̂ interpolates the samples (the condition is the same
/// on both sides), and the norm is over x̂'s columns only; two critic updates per step.
#[test]
fn conditional_wgan_gp_steps_match_pytorch() {
    let (w, g, t) = replay_conditional("wgan_gp");
    eprintln!("cond wgan_gp: weights ≤ {w:.2e} abs, gradients ≤ {g:.2e} rel, trace ≤ {t:.2e}");
}
