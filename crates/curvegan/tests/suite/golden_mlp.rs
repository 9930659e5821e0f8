//! Golden tests of the MLP engine against PyTorch (`fixtures/mlp`): forward outputs of every
//! module, and the gradients of L = sum(y ⊙ r) with respect to every parameter and the input.

use crate::common::*;
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use curvegan::nn::state_dict::mlp_from_tensors;

/// Builds the spec from the case's `nn.Sequential` description in cases.json.
fn spec_of(case: &serde_json::Value) -> MlpSpec {
    let layers: Vec<&str> = case["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let act = |s: &str| -> Activation {
        if s.starts_with("ReLU") {
            Activation::Relu
        } else if let Some(rest) = s.strip_prefix("LeakyReLU(negative_slope=") {
            Activation::LeakyRelu(rest.trim_end_matches(')').parse().unwrap())
        } else if s.starts_with("Tanh") {
            Activation::Tanh
        } else if s.starts_with("Sigmoid") {
            Activation::Sigmoid
        } else {
            panic!("unknown module {s}")
        }
    };
    let mut widths = Vec::new();
    let mut hidden = None;
    let mut output = Activation::Identity;
    for (i, l) in layers.iter().enumerate() {
        if let Some(rest) = l.strip_prefix("Linear(in_features=") {
            let nums: Vec<usize> = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            if widths.is_empty() {
                widths.push(nums[0]);
            }
            widths.push(nums[1]);
        } else if i + 1 == layers.len() {
            output = act(l);
        } else {
            hidden = Some(act(l));
        }
    }
    MlpSpec {
        widths,
        activation: hidden.unwrap(),
        output_activation: output,
        batchnorm: false,
        maxout: 1,
        basis: None,
    }
}

#[test]
fn mlp_cases_match_pytorch() {
    let root = fixtures().join("mlp");
    let cases = json(&root.join("cases.json"));
    let cases = cases["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 3, "cases a_relu, b_leaky_relu, c_tanh_sigmoid");
    for (name, case) in cases {
        let spec = spec_of(case);
        let dir = root.join(name);
        let w = tensors(&dir.join("weights.safetensors"));
        let mlp: Mlp = mlp_from_tensors(&spec, &w, "", &dir).unwrap();
        let d = tensors(&dir.join("data.safetensors"));
        let x = &tensor(&d, "x").data;
        let r = &tensor(&d, "r").data;
        let mut tape = Tape::default();
        let y = mlp.forward(x, &mut tape).unwrap().to_vec();
        assert_close_rel(&format!("{name} y"), &y, &tensor(&d, "y").data, 1e-5);
        // out.<i>: Linear modules are pre-activations, activation modules post-activations.
        for l in 0..spec.num_layers() {
            let pre = format!("out.{}", 2 * l);
            assert_close_rel(
                &format!("{name} {pre}"),
                tape.pre_activation(l),
                &tensor(&d, &pre).data,
                1e-5,
            );
            let post = format!("out.{}", 2 * l + 1);
            if let Some(t) = d.get(&post) {
                assert_close_rel(
                    &format!("{name} {post}"),
                    tape.post_activation(l),
                    &t.data,
                    1e-5,
                );
            }
        }
        let l_sum: f64 = y.iter().zip(r).map(|(a, b)| (a * b) as f64).sum();
        assert_scalar(
            &format!("{name} L"),
            l_sum as f32,
            tensor(&d, "L").data[0],
            1e-6,
            1e-5,
        );

        // dL/dy = r.
        let mut grads = vec![0.0; mlp.params().len()];
        let mut grad_x = vec![0.0; x.len()];
        mlp.backward(&mut tape, r, Some(&mut grads), Some(&mut grad_x))
            .unwrap();
        assert_close_rel(
            &format!("{name} grad_x"),
            &grad_x,
            &tensor(&d, "grad_x").data,
            1e-5,
        );
        for (key, shape, at) in mlp.state_dict_layout() {
            let n: usize = shape.iter().product();
            assert_close_rel(
                &format!("{name} grad.{key}"),
                &grads[at..at + n],
                &tensor(&d, &format!("grad.{key}")).data,
                1e-5,
            );
        }
    }
}
