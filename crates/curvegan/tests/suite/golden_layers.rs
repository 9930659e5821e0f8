//! Golden tests of batch normalisation in G and maxout units in D against real PyTorch
//! (`fixtures/layers`): three non-saturating GAN steps replayed from `init` and `data` must
//! give PyTorch's weights, running statistics, gradients and losses, and G in evaluation mode
//! PyTorch's `G.eval()` samples. Also the state-dict round trip of the BN buffers.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;
use curvegan::gan::loss::{LossKind, LossSettings};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use curvegan::nn::optim::Optimizer;
use curvegan::nn::state_dict::{
    mlp_from_tensors, mlp_tensors, tensors_from_bytes, tensors_to_bytes, Tensor,
};

/// Weights, running statistics and outputs: absolute; gradients: relative to each tensor's
/// largest value; losses: absolute + relative.
const TOL: f32 = 1e-6;
const GRAD_TOL: f32 = 1e-6;

fn dir() -> std::path::PathBuf {
    fixtures().join("layers")
}

/// G: 3 → 16 BN ReLU → 16 BN ReLU → 4; D: 4 → 12 maxout(3) → 8 maxout(3) → 1.
fn specs() -> (MlpSpec, MlpSpec) {
    let g = MlpSpec::new(3, &[16, 16], 4, Activation::Relu, Activation::Identity);
    let d = MlpSpec::new(4, &[12, 8], 1, Activation::Relu, Activation::Identity);
    (g.with_batchnorm(true), d.with_maxout(3))
}

fn load(path: &Path) -> Gan {
    let t = tensors(path);
    let (g, d) = specs();
    Gan {
        generator: mlp_from_tensors(&g, &t, "G.", path).unwrap(),
        discriminator: mlp_from_tensors(&d, &t, "D.", path).unwrap(),
        spectral: None,
    }
}

/// Every tensor of `mlp`'s state dict (parameters and BN buffers) against `{prefix}*` of
/// `file`, absolute `TOL`; `num_batches_tracked` exactly.
fn check_state(what: &str, mlp: &Mlp, file: &BTreeMap<String, Tensor>, prefix: &str) {
    for (name, shape, values) in mlp_tensors(mlp, prefix) {
        let want = tensor(file, &name);
        assert_eq!(want.shape, shape, "{what} {name}");
        match values {
            curvegan::nn::state_dict::Values::F32(got) => {
                assert_close_abs(&format!("{what} {name}"), got, &want.data, TOL)
            }
            curvegan::nn::state_dict::Values::I64(got) => {
                assert_eq!(Some(got.to_vec()), want.ints, "{what} {name}")
            }
        }
    }
}

/// The flat gradient `grads` of `mlp` against `grad.{prefix}*` of `file`.
fn check_grads(what: &str, mlp: &Mlp, grads: &[f32], file: &BTreeMap<String, Tensor>, p: &str) {
    for (name, shape, at) in mlp.state_dict_layout() {
        let want = tensor(file, &format!("grad.{p}{name}"));
        assert_eq!(want.shape, shape);
        let got = &grads[at..at + want.data.len()];
        assert_close_rel(&format!("{what} grad.{p}{name}"), got, &want.data, GRAD_TOL);
    }
}

#[test]
fn init_has_pytorch_names_and_buffers() {
    let path = dir().join("init.safetensors");
    let gan = load(&path);
    let file = tensors(&path);
    // The int64 count is read as such, and the names are nn.Sequential's: BN at 1 and 4.
    assert_eq!(tensor(&file, "G.4.num_batches_tracked").ints, Some(vec![0]));
    let mut names: Vec<String> = mlp_tensors(&gan.generator, "G.")
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    names.extend(
        mlp_tensors(&gan.discriminator, "D.")
            .into_iter()
            .map(|t| t.0),
    );
    names.sort();
    let want: Vec<&String> = file.keys().collect();
    assert_eq!(names.iter().collect::<Vec<_>>(), want);
    check_state("init", &gan.generator, &file, "G.");
    check_state("init", &gan.discriminator, &file, "D.");
}

#[test]
fn training_steps_match_pytorch() {
    let trace = json(&dir().join("trace.json"));
    let records = trace["steps_trace"].as_array().unwrap();
    let optim = optimizer_from_json(&trace["optimizer"]);
    let mut gan = load(&dir().join("init.safetensors"));
    let mut opt = Optimizers {
        generator: Optimizer::new(optim, gan.generator.params().len()),
        discriminator: Optimizer::new(optim, gan.discriminator.params().len()),
    };
    let loss = LossSettings::new(LossKind::Nonsaturating);
    assert_eq!(loss.n_critic, 1);
    let data = tensors(&dir().join("data.safetensors"));
    let x = &tensor(&data, "x").data;
    let (z_d, z_g) = (&tensor(&data, "z_d").data, &tensor(&data, "z_g").data);
    let per = 8 * 3;
    let mut ws = Workspace::default();
    for (i, rec) in records.iter().enumerate() {
        let k = i + 1;
        let what = format!("step {k}");
        // G's training-mode output in the D update, before the step changes anything.
        let grads = tensors(&dir().join(format!("grads_step_{k}.safetensors")));
        let mut copy = gan.generator.clone();
        let mut tape = Tape::default();
        let fake = copy
            .forward_train(&z_d[i * per..k * per], &mut tape)
            .unwrap();
        let want = &tensor(&grads, "fake_d").data;
        assert_close_abs(&format!("{what} G(z_d) in training mode"), fake, want, TOL);

        let noise = StepNoise {
            z_d: &z_d[i * per..k * per],
            z_g: Some(&z_g[i * per..k * per]),
            gp_eps: None,
            cond: None,
        };
        let stats = train_step(&loss, &mut gan, &mut opt, x, noise, &mut ws).unwrap();
        for (name, got) in step_trace(&stats) {
            let want = rec[name].as_f64().unwrap() as f32;
            assert_scalar(&format!("{what} {name}"), got, want, TOL, TOL);
        }
        let d_grad = ws.grad_discriminator();
        check_grads(&what, &gan.discriminator, d_grad, &grads, "D.");
        check_grads(&what, &gan.generator, ws.grad_generator(), &grads, "G.");
        let after = tensors(&dir().join(format!("after_step_{k}.safetensors")));
        check_state(&what, &gan.generator, &after, "G.");
        check_state(&what, &gan.discriminator, &after, "D.");
        // Two training-mode forward passes of G per step (D update, G update).
        let count = gan.generator.batchnorm_buffers()[1].num_batches_tracked;
        assert_eq!(count, 2 * k as i64);
    }
    // Evaluation mode: the running statistics, nothing updated.
    let before = gan.generator.clone();
    let y = gan
        .generator
        .forward(&tensor(&data, "z_eval").data, &mut Tape::default())
        .unwrap()
        .to_vec();
    assert_close_abs("G.eval()(z_eval)", &y, &tensor(&data, "y_eval").data, TOL);
    assert_eq!(gan.generator, before, "an evaluation-mode pass changed G");
}

#[test]
fn batchnorm_buffers_round_trip_and_are_checked() {
    let path = dir().join("after_step_3.safetensors");
    let gan = load(&path);
    let bytes = tensors_to_bytes(mlp_tensors(&gan.generator, "G.")).unwrap();
    let back = tensors_from_bytes(&bytes).unwrap();
    assert_eq!(back["G.1.num_batches_tracked"].ints, Some(vec![6]));
    let (g_spec, _) = specs();
    assert_eq!(
        mlp_from_tensors(&g_spec, &back, "G.", &path).unwrap(),
        gan.generator
    );

    let broken = |key: &str, edit: fn(&mut Tensor)| {
        let mut t = back.clone();
        edit(t.get_mut(key).unwrap());
        mlp_from_tensors(&g_spec, &t, "G.", &path)
            .unwrap_err()
            .to_string()
    };
    let e = broken("G.4.running_var", |t| t.data[3] = -0.5);
    assert!(e.contains("G.4.running_var") && e.contains("-0.5"), "{e}");
    let e = broken("G.1.num_batches_tracked", |t| t.ints = Some(vec![-1]));
    assert!(e.contains("G.1.num_batches_tracked"), "{e}");
    let e = broken("G.1.running_mean", |t| t.data[0] = f32::NAN);
    assert!(e.contains("G.1.running_mean") && e.contains("NaN"), "{e}");
    let mut missing = back.clone();
    missing.remove("G.4.running_mean");
    let e = mlp_from_tensors(&g_spec, &missing, "G.", &path)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing tensor 'G.4.running_mean'"), "{e}");
}

#[test]
fn batch_of_one_in_training_mode_is_an_error() {
    let mut gan = load(&dir().join("init.safetensors"));
    let e = gan
        .generator
        .forward_train(&[0.1, 0.2, 0.3], &mut Tape::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("more than 1 row") && e.contains("got 1"), "{e}");
    // Evaluation mode takes one row, and backward refuses an evaluation-mode tape.
    let mut tape = Tape::default();
    gan.generator.forward(&[0.1, 0.2, 0.3], &mut tape).unwrap();
    let e = gan.generator.backward(&mut tape, &[1.0; 4], None, None);
    assert!(e.unwrap_err().to_string().contains("training-mode"));
}
