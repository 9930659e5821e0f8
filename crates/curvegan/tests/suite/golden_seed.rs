//! Golden tests: the tutorial's GAN against real PyTorch (`fixtures/seed_gan*`).

use crate::common::*;
use curvegan::config::{LossKind, TrainConfig};
use curvegan::gan::loss::{tutorial_term, LossSettings, TutorialTerm};
use curvegan::gan::step::{train_step, Gan, Optimizers, StepNoise, Workspace};
use curvegan::nn::criterion::bce;
use curvegan::nn::mlp::{Activation, MlpSpec, Tape};
use curvegan::nn::optim::Optimizer;
use curvegan::nn::state_dict::mlp_from_tensors;

fn tutorial_gan(dir: &std::path::Path, file: &str) -> Gan {
    let cfg = TrainConfig::default();
    let t = tensors(&dir.join(file));
    let path = dir.join(file);
    Gan {
        generator: mlp_from_tensors(&cfg.generator_spec(15), &t, "G.", &path).unwrap(),
        discriminator: mlp_from_tensors(&cfg.discriminator_spec(15), &t, "D.", &path).unwrap(),
        spectral: None,
    }
}

#[test]
fn real_batch_matches_numpy() {
    let dir = fixtures().join("seed_gan");
    let real = tensors(&dir.join("real.safetensors"));
    let target = TrainConfig::default().target.build().unwrap();
    let mut ours = vec![0.0; 64 * 15];
    // The fixed curve: draws nothing from the generator.
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
    target.draw(&mut rng, &mut ours, None).unwrap();
    // Computed in f64 and rounded, as numpy does: bit-identical.
    assert_eq!(ours, tensor(&real, "x").data);
}

#[test]
fn training_steps_match_pytorch() {
    let dir = fixtures().join("seed_gan");
    let mut gan = tutorial_gan(&dir, "init.safetensors");
    let noise = tensors(&dir.join("noise.safetensors"));
    let z = tensor(&noise, "z");
    let real = tensor(&tensors(&dir.join("real.safetensors")), "x")
        .data
        .clone();
    let trace = json(&dir.join("trace.json"));
    let steps = trace["steps_trace"].as_array().unwrap();
    let cfg = TrainConfig::default();
    let mut opt = Optimizers {
        generator: Optimizer::new(cfg.optim_g, gan.generator.params().len()),
        discriminator: Optimizer::new(cfg.optim_d, gan.discriminator.params().len()),
    };
    let mut ws = Workspace::default();
    let mut k = 1;
    while dir.join(format!("after_step_{k}.safetensors")).exists() {
        let noise = &z.data[(k - 1) * 64 * 15..k * 64 * 15];
        let loss = LossSettings::new(LossKind::Tutorial);
        let stats = train_step(
            &loss,
            &mut gan,
            &mut opt,
            &real,
            StepNoise::single(noise),
            &mut ws,
        )
        .unwrap();
        let rec = &steps[k - 1];
        let want = |f: &str| rec[f].as_f64().unwrap() as f32;
        assert_scalar(
            &format!("step {k} D_loss"),
            stats.d_loss,
            want("D_loss"),
            1e-6,
            1e-5,
        );
        assert_scalar(
            &format!("step {k} G_loss"),
            stats.g_loss,
            want("G_loss"),
            1e-6,
            1e-5,
        );
        assert_scalar(
            &format!("step {k} D_real"),
            stats.d_real,
            want("D_real_mean"),
            1e-6,
            1e-5,
        );
        assert_scalar(
            &format!("step {k} D_fake"),
            stats.d_fake,
            want("D_fake_mean"),
            1e-6,
            1e-5,
        );
        assert_scalar(
            &format!("step {k} D_fake (G step)"),
            stats.d_fake_g,
            want("D_fake_mean_Gstep"),
            1e-6,
            1e-5,
        );
        let after = tutorial_gan(&dir, &format!("after_step_{k}.safetensors"));
        assert_close_abs(
            &format!("G after step {k}"),
            gan.generator.params(),
            after.generator.params(),
            1e-6,
        );
        assert_close_abs(
            &format!("D after step {k}"),
            gan.discriminator.params(),
            after.discriminator.params(),
            1e-6,
        );
        k += 1;
    }
    assert_eq!(k - 1, steps.len(), "every traced step has its weights file");
    assert!(k > 1, "no after_step_k files in {}", dir.display());
}

#[test]
fn forward_outputs_match_pytorch() {
    let dir = fixtures().join("seed_gan_forward");
    let gan = tutorial_gan(&dir, "init.safetensors");
    let f = tensors(&dir.join("forward.safetensors"));
    let x = &tensor(&f, "x").data;
    let mut tape = Tape::default();
    let g_x = gan.generator.forward(x, &mut tape).unwrap().to_vec();
    assert_close_abs("G(x)", &g_x, &tensor(&f, "G_x").data, 1e-6);
    assert_close_abs(
        "G hidden",
        tape.post_activation(0),
        &tensor(&f, "G_hidden").data,
        1e-6,
    );
    let d_x = gan.discriminator.forward(x, &mut tape).unwrap().to_vec();
    assert_close_abs("D(x)", &d_x, &tensor(&f, "D_x").data, 1e-6);
    assert_close_abs(
        "D hidden",
        tape.post_activation(0),
        &tensor(&f, "D_hidden").data,
        1e-6,
    );
    assert_close_abs(
        "D logit",
        tape.pre_activation(1),
        &tensor(&f, "D_logit_x").data,
        1e-6,
    );
    let d_g_x = gan.discriminator.forward(&g_x, &mut tape).unwrap().to_vec();
    assert_close_abs("D(G(x))", &d_g_x, &tensor(&f, "D_G_x").data, 1e-6);
}

#[test]
fn bce_cases_match_pytorch() {
    let cases = json(&fixtures().join("seed_gan_forward/cases.json"));
    let cases = cases["bce_cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    let mut scratch = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let expr = case["expr"].as_str().unwrap();
        // Bit patterns give the exact f32 inputs.
        let pred: Vec<f32> = case["pred_f32_bits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| f32::from_bits(u32::from_str_radix(&b.as_str().unwrap()[2..], 16).unwrap()))
            .collect();
        let want_loss = f32::from_bits(
            u32::from_str_radix(&case["loss_f32_bits"].as_str().unwrap()[2..], 16).unwrap(),
        );
        let want_grad = f32s(&case["grad_pred"]);
        let mut grad = vec![0.0; pred.len()];
        let loss = match expr {
            "bce" => bce(&pred, &f32s(&case["target"]), Some(&mut grad)).unwrap(),
            "seed_real" => {
                tutorial_term(TutorialTerm::Real, &pred, &mut grad, &mut scratch).unwrap()
            }
            "seed_fake" => {
                tutorial_term(TutorialTerm::Fake, &pred, &mut grad, &mut scratch).unwrap()
            }
            "seed_G" => {
                tutorial_term(TutorialTerm::Generator, &pred, &mut grad, &mut scratch).unwrap()
            }
            other => panic!("case {i}: unknown expression {other}"),
        };
        let what = format!("case {i} ({expr}, pred {pred:?})");
        assert_scalar(&format!("{what} loss"), loss, want_loss, 1e-6, 1e-6);
        for (j, (g, w)) in grad.iter().zip(&want_grad).enumerate() {
            assert_scalar(&format!("{what} grad[{j}]"), *g, *w, 1e-6, 1e-5);
            assert_eq!(
                g.is_sign_negative(),
                w.is_sign_negative(),
                "{what} grad[{j}] sign"
            );
        }
    }
}

#[test]
fn adam_and_rmsprop_match_pytorch_bit_for_bit() {
    let root = fixtures().join("optim");
    let cases = json(&root.join("cases.json"));
    let cases = cases["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 4);
    for (name, case) in cases {
        let h = &case["hyperparameters"];
        let config = optimizer_from_json(h);
        let t = tensors(&root.join(format!("{name}.safetensors")));
        let mut p = tensor(&t, "p0").data.clone();
        let grads = &tensor(&t, "grads").data;
        let n = p.len();
        let mut opt = Optimizer::new(config, n);
        for step in 0..4 {
            opt.step(&mut p, &grads[step * n..(step + 1) * n]).unwrap();
            let at = step * n..(step + 1) * n;
            let (_, m, v) = opt.state();
            let sq_key = if m.is_empty() {
                "square_avg"
            } else {
                "exp_avg_sq"
            };
            assert_eq!(
                v,
                &tensor(&t, sq_key).data[at.clone()],
                "{name} step {}: {sq_key}",
                step + 1
            );
            if !m.is_empty() {
                assert_eq!(
                    m,
                    &tensor(&t, "exp_avg").data[at.clone()],
                    "{name} step {}: exp_avg",
                    step + 1
                );
            }
            assert_close_abs(
                &format!("{name} step {} p", step + 1),
                &p,
                &tensor(&t, "p").data[at],
                0.0,
            );
        }
    }
}

#[test]
fn spec_matches_tutorial_shapes() {
    let cfg = TrainConfig::default();
    assert_eq!(
        cfg.generator_spec(15),
        MlpSpec::new(15, &[128], 15, Activation::Relu, Activation::Identity)
    );
    assert_eq!(
        cfg.discriminator_spec(15),
        MlpSpec::new(15, &[128], 1, Activation::Relu, Activation::Sigmoid)
    );
}
