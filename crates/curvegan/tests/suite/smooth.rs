//! G's smooth output basis (`nn::basis`, `MlpSpec::with_basis`) against the plain MLP it
//! extends: forward is the plain MLP's output times `Mᵀ`, backward is the plain MLP's backward
//! of `∂L/∂out · M` (both through independent f64 products here), the basis is a state-dict
//! tensor PyTorch can load and is checked on load, and it never changes when G trains.
//! (`golden_basis` matches it against PyTorch.)

use std::collections::BTreeMap;
use std::path::Path;

use curvegan::nn::basis::BasisSpec;
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use curvegan::nn::state_dict::{mlp_from_tensors, mlp_tensors, Tensor, Values};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BASIS: BasisSpec = BasisSpec {
    channels: 2,
    points: 9,
    coefficients: 5,
};

/// G `6 → 16 → 2·5` with the basis, and the same weights without it.
fn nets() -> (Mlp, Mlp) {
    let plain = MlpSpec::new(
        6,
        &[16],
        BASIS.inputs(),
        Activation::Relu,
        Activation::Identity,
    );
    let smooth = plain.clone().with_basis(Some(BASIS));
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let a = Mlp::init(&smooth, &mut rng).unwrap();
    let mut b = Mlp::zeros(&plain).unwrap();
    b.params_mut().copy_from_slice(a.params());
    (a, b)
}

/// `x[B, n] · yᵀ` for `y` `[m, n]`, in f64: `[B, m]`.
fn times_transposed(x: &[f32], y: &[f32], n: usize, m: usize) -> Vec<f64> {
    x.chunks_exact(n)
        .flat_map(|row| {
            (0..m).map(move |j| {
                (0..n)
                    .map(|i| row[i] as f64 * y[j * n + i] as f64)
                    .sum::<f64>()
            })
        })
        .collect()
}

#[test]
fn forward_and_backward_are_the_plain_mlp_through_the_basis() {
    let (smooth, plain) = nets();
    let m = BASIS.matrix().unwrap();
    let (k, p) = (BASIS.inputs(), BASIS.outputs());
    assert_eq!(smooth.spec().output_dim(), p);
    assert_eq!(smooth.params().len(), plain.params().len());
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let batch = 7;
    let x: Vec<f32> = (0..batch * 6)
        .map(|_| rng.random_range(-2.0..2.0))
        .collect();
    let (mut ts, mut tp) = (
        Tape::new(smooth.spec(), batch),
        Tape::new(plain.spec(), batch),
    );
    let out = smooth.forward(&x, &mut ts).unwrap().to_vec();
    let h = plain.forward(&x, &mut tp).unwrap().to_vec();
    // out = h · Mᵀ
    let want = times_transposed(&h, &m, k, p);
    for (o, w) in out.iter().zip(&want) {
        assert!(
            (*o as f64 - w).abs() <= 1e-5 * (1.0 + w.abs()),
            "{o} vs {w}"
        );
    }
    // ∂L/∂h = ∂L/∂out · M, then the plain MLP's backward.
    let grad_out: Vec<f32> = (0..batch * p)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let mt: Vec<f32> = (0..k * p).map(|i| m[(i % p) * k + i / p]).collect(); // Mᵀ, [k, p]
    let grad_h: Vec<f32> = times_transposed(&grad_out, &mt, p, k)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    let n = plain.params().len();
    let (mut gs, mut gp) = (vec![0.0f32; n], vec![0.0f32; n]);
    let (mut xs, mut xp) = (vec![0.0f32; batch * 6], vec![0.0f32; batch * 6]);
    smooth
        .backward(&mut ts, &grad_out, Some(&mut gs), Some(&mut xs))
        .unwrap();
    plain
        .backward(&mut tp, &grad_h, Some(&mut gp), Some(&mut xp))
        .unwrap();
    for (a, b) in gs.iter().zip(&gp).chain(xs.iter().zip(&xp)) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
}

#[test]
fn the_basis_is_a_state_dict_tensor_checked_on_load() {
    let (smooth, _) = nets();
    let tensors: BTreeMap<String, Tensor> = mlp_tensors(&smooth, "")
        .into_iter()
        .map(|(name, shape, values)| {
            let data = match values {
                Values::F32(v) => v.to_vec(),
                Values::I64(_) => unreachable!("no batch normalisation here"),
            };
            (
                name,
                Tensor {
                    shape,
                    data,
                    ints: None,
                },
            )
        })
        .collect();
    // nn.Sequential(Linear(6, 16), ReLU(), Linear(16, 10), Linear(10, 18, bias=False))
    let names: Vec<&str> = tensors.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["0.bias", "0.weight", "2.bias", "2.weight", "3.weight"]
    );
    assert_eq!(tensors["3.weight"].shape, [18, 10]);
    assert_eq!(tensors["3.weight"].data, BASIS.matrix().unwrap());
    let source = Path::new("g.safetensors");
    let back = mlp_from_tensors(smooth.spec(), &tensors, "", source).unwrap();
    assert_eq!(back, smooth);
    // An edited basis is refused, naming the tensor; a missing one too.
    let mut edited = tensors.clone();
    edited.get_mut("3.weight").unwrap().data[0] += 0.5;
    let err = mlp_from_tensors(smooth.spec(), &edited, "", source).unwrap_err();
    assert!(
        err.to_string()
            .contains("'3.weight' is not the fixed smooth basis"),
        "{err}"
    );
    let mut missing = tensors;
    missing.remove("3.weight");
    let err = mlp_from_tensors(smooth.spec(), &missing, "", source).unwrap_err();
    assert!(
        err.to_string().contains("missing tensor '3.weight'"),
        "{err}"
    );
}
