//! The curve measures' post-hoc classifier against PyTorch (`fixtures/classifier`, made by
//! `tools/make_fixtures.py`): `F.cross_entropy` and its gradient on hand-made logits (two to
//! nine classes, logits of ±1000, equal logits), and three Adam steps of the classifier's MLP
//! (`d → 64 → 64 → K`, ReLU) on given batches — the statements `eval::classifier` repeats
//! every batch.

use crate::common::*;
use curvegan::eval::classifier::{HIDDEN, LR};
use curvegan::nn::criterion::cross_entropy;
use curvegan::nn::mlp::{Activation, MlpSpec, Tape};
use curvegan::nn::optim::{Optimizer, OptimizerConfig};
use curvegan::nn::state_dict::{mlp_from_tensors, mlp_tensors, Values};

fn labels(t: &curvegan::nn::state_dict::Tensor) -> Vec<usize> {
    t.data.iter().map(|&v| v as usize).collect()
}

#[test]
fn cross_entropy_matches_torch() {
    let dir = fixtures().join("classifier");
    let t = tensors(&dir.join("classifier.safetensors"));
    let meta = json(&dir.join("cases.json"));
    let cases = meta["cross_entropy"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let k = case["classes"].as_u64().unwrap() as usize;
        let z = &tensor(&t, &format!("{name}.logits")).data;
        let y = labels(tensor(&t, &format!("{name}.labels")));
        let mut grad = vec![0.0; z.len()];
        let loss = cross_entropy(z, &y, k, &mut grad).unwrap();
        let want = case["loss"].as_f64().unwrap() as f32;
        assert_scalar(&format!("{name} loss"), loss, want, 1e-6, 1e-6);
        let want_grad = &tensor(&t, &format!("{name}.grad")).data;
        assert_close_abs(&format!("{name} gradient"), &grad, want_grad, 1e-7);
    }
}

#[test]
fn three_adam_steps_of_the_classifier_match_torch() {
    let dir = fixtures().join("classifier");
    let t = tensors(&dir.join("classifier.safetensors"));
    let meta = json(&dir.join("cases.json"));
    let (dim, k) = (5, 3);
    let spec = MlpSpec::new(dim, &HIDDEN, k, Activation::Relu, Activation::Identity);
    let path = dir.join("classifier.safetensors");
    let mut net = mlp_from_tensors(&spec, &t, "init.", &path).unwrap();
    assert_eq!(meta["train"]["lr"].as_f64(), Some(LR));
    let mut opt = Optimizer::new(OptimizerConfig::adam(LR), net.params().len());
    let x = &tensor(&t, "x").data;
    let y = labels(tensor(&t, "y"));
    let batches = meta["train"]["batches"].as_array().unwrap();
    let losses = f32s(&meta["train"]["losses"]);
    let mut tape = Tape::default();
    for (step, batch) in batches.iter().enumerate() {
        let rows: Vec<usize> = batch
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let xb: Vec<f32> = rows
            .iter()
            .flat_map(|&r| x[r * dim..(r + 1) * dim].iter().copied())
            .collect();
        let yb: Vec<usize> = rows.iter().map(|&r| y[r]).collect();
        let logits = net.forward(&xb, &mut tape).unwrap();
        let mut grad_out = vec![0.0; logits.len()];
        let loss = cross_entropy(logits, &yb, k, &mut grad_out).unwrap();
        assert_scalar(
            &format!("loss of step {}", step + 1),
            loss,
            losses[step],
            1e-6,
            1e-6,
        );
        let mut grads = vec![0.0; net.params().len()];
        net.backward(&mut tape, &grad_out, Some(&mut grads), None)
            .unwrap();
        opt.step(net.params_mut(), &grads).unwrap();
        for (name, _, values) in mlp_tensors(&net, "") {
            let Values::F32(got) = values else { continue };
            let want = &tensor(&t, &format!("step{}.{name}", step + 1)).data;
            assert_close_abs(&format!("{name} after step {}", step + 1), got, want, 1e-6);
        }
    }
}
