//! Golden tests of G's smooth output basis against scipy and real PyTorch (`fixtures/basis`):
//! the cubic B-spline design matrices of `nn::basis` against scipy's
//! `BSpline.design_matrix`, and three non-saturating GAN steps of a G whose last, frozen
//! `Linear(10, 24, bias=False)` is a 2-channel basis, replayed from `init` and `data` through
//! `train_step`: every step must give PyTorch's weights, gradients and traced scalars, and
//! leave the basis bit for bit as it was.
//!
//! Run with `--nocapture` to see the largest differences measured.

use std::path::{Path, PathBuf};

use crate::common::*;
use curvegan::gan::loss::{LossKind, LossSettings};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::basis::{bspline, BasisSpec};
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use curvegan::nn::optim::Optimizer;
use curvegan::nn::state_dict::{mlp_from_tensors, mlp_tensors, Tensor};

/// Design matrices: absolute (their entries lie in [0, 1]).
const MATRIX_TOL: f32 = 1e-6;
/// Weights and G's outputs (abs), gradients (relative to each tensor's max |value|), trace
/// scalars (abs + rel): those of `golden_layers` and `golden_penalties`.
const WEIGHT_TOL: f32 = 1e-6;
const GRAD_TOL: f32 = 1e-6;
const TRACE_TOL: f32 = 1e-6;

type TensorMap = std::collections::BTreeMap<String, Tensor>;

fn dir() -> PathBuf {
    fixtures().join("basis")
}

/// The GAN's basis: 2 channels of 12 points, 5 coefficients each.
const SPEC: BasisSpec = BasisSpec {
    channels: 2,
    points: 12,
    coefficients: 5,
};

/// G: 4 → 16 ReLU → 10 coefficients → the frozen basis → 24; D: 24 → 16 ReLU → 1.
fn specs() -> (MlpSpec, MlpSpec) {
    let g = MlpSpec::new(4, &[16], 10, Activation::Relu, Activation::Identity);
    let d = MlpSpec::new(24, &[16], 1, Activation::Relu, Activation::Identity);
    (g.with_basis(Some(SPEC)), d)
}

fn load(path: &Path) -> Gan {
    let t = tensors(path);
    let (g, d) = specs();
    Gan::new(
        mlp_from_tensors(&g, &t, "G.", path).unwrap(),
        mlp_from_tensors(&d, &t, "D.", path).unwrap(),
    )
}

fn usize_of(v: &serde_json::Value) -> usize {
    v.as_u64().expect("a whole number") as usize
}

#[test]
fn bspline_matrices_match_scipy() {
    let file = tensors(&dir().join("matrix.safetensors"));
    let meta = json(&dir().join("matrix.json"));
    let cases = meta["cases"].as_array().unwrap();
    assert_eq!(
        cases.len(),
        file.len(),
        "every matrix of the file has a case"
    );
    let mut worst = 0.0f32;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (channels, points) = (usize_of(&case["channels"]), usize_of(&case["points"]));
        let coefficients = usize_of(&case["coefficients"]);
        let want = tensor(&file, name);
        assert_eq!(
            want.shape,
            [channels * points, channels * coefficients],
            "{name}"
        );
        let spec = BasisSpec {
            channels,
            points,
            coefficients,
        };
        let got = spec.matrix().unwrap();
        worst = worst.max(max_abs_diff(&got, &want.data));
        assert_close_abs(
            &format!("{name} BasisSpec::matrix"),
            &got,
            &want.data,
            MATRIX_TOL,
        );
        if channels == 1 {
            let got = bspline(points, coefficients).unwrap();
            assert_close_abs(&format!("{name} bspline"), &got, &want.data, MATRIX_TOL);
        }
    }
    eprintln!("basis matrices: ≤ {worst:.2e} abs from scipy");
}

/// Every tensor of `mlp`'s state dict against `{prefix}*` of `file` (absolute `WEIGHT_TOL`);
/// returns the largest difference and how many tensors were compared.
fn check_state(what: &str, mlp: &Mlp, file: &TensorMap, prefix: &str) -> (f32, usize) {
    let mut worst = 0.0f32;
    let ours = mlp_tensors(mlp, prefix);
    for (name, shape, got) in &ours {
        let got = got.as_f32().expect("f32 weights");
        let want = tensor(file, name);
        assert_eq!(want.shape, *shape, "{what} {name}");
        worst = worst.max(max_abs_diff(got, &want.data));
        assert_close_abs(&format!("{what} {name}"), got, &want.data, WEIGHT_TOL);
    }
    (worst, ours.len())
}

/// The flat gradient `grads` of `mlp`'s trainable parameters against `grad.{prefix}*` of
/// `file`; returns the largest difference relative to each tensor's scale.
fn check_grads(what: &str, mlp: &Mlp, grads: &[f32], file: &TensorMap, prefix: &str) -> f32 {
    let mut worst = 0.0f32;
    for (name, shape, at) in mlp.state_dict_layout() {
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

#[test]
fn gan_steps_with_a_frozen_basis_match_pytorch() {
    let trace = json(&dir().join("gan/trace.json"));
    assert_eq!(trace["kind"].as_str(), Some("nonsaturating"));
    let records = trace["steps_trace"].as_array().unwrap();
    assert_eq!(records.len(), 3);
    let optim = optimizer_from_json(&trace["optimizer"]);
    let init = tensors(&dir().join("gan/init.safetensors"));
    let mut gan = load(&dir().join("gan/init.safetensors"));
    // The basis is G's last layer but none of its parameters: 4·16 + 16 + 16·10 + 10.
    assert_eq!(gan.generator.params().len(), 250);
    assert_eq!(gan.generator.spec().output_dim(), 24);
    // The basis is nn.Sequential's module 3, after `2.weight`.
    let basis_bits = |mlp: &Mlp| -> Vec<u32> {
        let (matrix, index) = mlp.basis().expect("G has a basis");
        assert_eq!((matrix.len(), index), (24 * 10, 3));
        matrix.iter().map(|x| x.to_bits()).collect()
    };
    let frozen = basis_bits(&gan.generator);
    let from_file: Vec<u32> = tensor(&init, "G.3.weight")
        .data
        .iter()
        .map(|x| x.to_bits())
        .collect();
    assert_eq!(frozen, from_file, "G.3.weight is the file's basis");
    let mut opt = Optimizers {
        generator: Optimizer::new(optim, gan.generator.params().len()),
        discriminator: Optimizer::new(optim, gan.discriminator.params().len()),
    };
    let loss = LossSettings::new(LossKind::Nonsaturating);
    let data = tensors(&dir().join("gan/data.safetensors"));
    let x = &tensor(&data, "x").data;
    let (z_d, z_g) = (&tensor(&data, "z_d").data, &tensor(&data, "z_g").data);
    let per = 8 * 4;
    let mut ws = Workspace::default();
    let (mut w_weights, mut w_grads, mut w_trace) = (0.0f32, 0.0f32, 0.0f32);
    for (i, rec) in records.iter().enumerate() {
        let k = i + 1;
        let what = format!("basis step {k}");
        let grads = tensors(&dir().join(format!("gan/grads_step_{k}.safetensors")));
        // G's curves before the step: the coefficients through the basis.
        let fake = gan
            .generator
            .forward(&z_d[i * per..k * per], &mut Tape::default())
            .unwrap()
            .to_vec();
        let want = &tensor(&grads, "fake_d").data;
        assert_close_abs(&format!("{what} G(z_d)"), &fake, want, WEIGHT_TOL);
        // The coefficients of the G update (G is unchanged until then): the last Linear's
        // output, before the basis.
        let mut tape = Tape::default();
        let z = &z_g[i * per..k * per];
        gan.generator.forward(z, &mut tape).unwrap();
        let want = &tensor(&grads, "coeff_g").data;
        let got = tape.post_activation(1);
        assert_close_abs(&format!("{what} coefficients"), got, want, WEIGHT_TOL);

        let noise = StepNoise {
            z_d: &z_d[i * per..k * per],
            z_g: Some(&z_g[i * per..k * per]),
            gp_eps: None,
            cond: None,
        };
        let stats = train_step(&loss, &mut gan, &mut opt, x, noise, &mut ws).unwrap();
        for (name, got) in step_trace(&stats) {
            let want = rec[name].as_f64().unwrap() as f32;
            w_trace = w_trace.max((got - want).abs() / (1.0 + want.abs()));
            assert_scalar(&format!("{what} {name}"), got, want, TRACE_TOL, TRACE_TOL);
        }
        let d = check_grads(
            &what,
            &gan.discriminator,
            ws.grad_discriminator(),
            &grads,
            "D.",
        );
        let g = check_grads(&what, &gan.generator, ws.grad_generator(), &grads, "G.");
        w_grads = w_grads.max(d).max(g);
        let after = tensors(&dir().join(format!("gan/after_step_{k}.safetensors")));
        let (wg, ng) = check_state(&what, &gan.generator, &after, "G.");
        let (wd, nd) = check_state(&what, &gan.discriminator, &after, "D.");
        assert_eq!(ng + nd, after.len(), "{what}: every tensor compared");
        w_weights = w_weights.max(wg).max(wd);
        assert_eq!(
            basis_bits(&gan.generator),
            frozen,
            "{what}: the basis changed"
        );
    }
    eprintln!("basis gan: weights ≤ {w_weights:.2e} abs, gradients ≤ {w_grads:.2e} rel, trace ≤ {w_trace:.2e}");
}

#[test]
fn a_basis_that_is_not_the_spec_is_refused() {
    let path = dir().join("gan/init.safetensors");
    let mut t = tensors(&path);
    t.get_mut("G.3.weight").unwrap().data[13] += 0.25;
    let (g, _) = specs();
    let e = mlp_from_tensors(&g, &t, "G.", &path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("G.3.weight"), "{e}");
}
