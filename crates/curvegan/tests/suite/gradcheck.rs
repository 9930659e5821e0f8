//! Finite-difference check of the engine's backward on random MLPs of several shapes and
//! activations: every analytic gradient (parameters and input) must match central differences
//! of L = sum(y ⊙ r), computed in f64 from the f32 forward.

use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// L = sum(y ⊙ r) and the sign pattern of every hidden pre-activation (where a piecewise
/// activation switches branch).
fn loss(mlp: &Mlp, x: &[f32], r: &[f32]) -> (f64, Vec<bool>) {
    let mut tape = Tape::default();
    let y = mlp.forward(x, &mut tape).unwrap();
    let l = y.iter().zip(r).map(|(a, b)| *a as f64 * *b as f64).sum();
    let signs = (0..mlp.spec().num_layers() - 1)
        .flat_map(|l| {
            tape.pre_activation(l)
                .iter()
                .map(|v| *v > 0.0)
                .collect::<Vec<_>>()
        })
        .collect();
    (l, signs)
}

fn activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        Just(Activation::Relu),
        (0.01f32..0.5).prop_map(Activation::LeakyRelu),
        Just(Activation::Tanh),
    ]
}

fn output_activation() -> impl Strategy<Value = Activation> {
    prop_oneof![
        Just(Activation::Identity),
        Just(Activation::Sigmoid),
        Just(Activation::Tanh)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn backward_matches_finite_differences(
        widths in prop::collection::vec(1usize..7, 2..5),
        act in activation(),
        out_act in output_activation(),
        batch in 1usize..5,
        seed in any::<u64>(),
    ) {
        let spec = MlpSpec {
            widths: widths.clone(),
            activation: act,
            output_activation: out_act,
            batchnorm: false,
            maxout: 1,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mlp = Mlp::init(&spec, &mut rng).unwrap();
        let normal = |rng: &mut ChaCha8Rng, n: usize| -> Vec<f32> {
            (0..n).map(|_| StandardNormal.sample(rng)).collect()
        };
        let x = normal(&mut rng, batch * widths[0]);
        let r = normal(&mut rng, batch * widths[widths.len() - 1]);

        let mut tape = Tape::default();
        mlp.forward(&x, &mut tape).unwrap();
        let mut grads = vec![0.0; mlp.params().len()];
        let mut grad_x = vec![0.0; x.len()];
        mlp.backward(&mut tape, &r, Some(&mut grads), Some(&mut grad_x)).unwrap();

        // Central differences. Where a hidden unit switches ReLU/LeakyReLU branch between the
        // two probes the difference measures the kink, not the derivative: such entries are
        // skipped (exactly detected from the sign patterns; rare with random inputs).
        let h = 3e-3f32;
        let check = |analytic: f32, plus: (f64, Vec<bool>), minus: (f64, Vec<bool>), what: String| {
            if plus.1 != minus.1 {
                return Ok(());
            }
            let numeric = (plus.0 - minus.0) / (2.0 * h as f64);
            let tol = 1e-2 * (1.0 + numeric.abs());
            prop_assert!(
                (analytic as f64 - numeric).abs() <= tol,
                "{what}: analytic {analytic}, numeric {numeric}"
            );
            Ok(())
        };
        for (i, &analytic) in grads.iter().enumerate() {
            let p0 = mlp.params()[i];
            mlp.params_mut()[i] = p0 + h;
            let plus = loss(&mlp, &x, &r);
            mlp.params_mut()[i] = p0 - h;
            let minus = loss(&mlp, &x, &r);
            mlp.params_mut()[i] = p0;
            check(analytic, plus, minus, format!("param {i}"))?;
        }
        for i in 0..x.len() {
            let mut xp = x.clone();
            xp[i] += h;
            let plus = loss(&mlp, &xp, &r);
            xp[i] -= 2.0 * h;
            let minus = loss(&mlp, &xp, &r);
            check(grad_x[i], plus, minus, format!("input {i}"))?;
        }
    }

    #[test]
    fn gradients_accumulate_like_pytorch(seed in any::<u64>()) {
        // Two backward passes into one buffer give the sum of two separate ones.
        let spec = MlpSpec::new(3, &[5], 2, Activation::Relu, Activation::Identity);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mlp = Mlp::init(&spec, &mut rng).unwrap();
        let x: Vec<f32> = (0..6).map(|_| StandardNormal.sample(&mut rng)).collect();
        let r: Vec<f32> = (0..4).map(|_| StandardNormal.sample(&mut rng)).collect();
        let mut tape = Tape::default();
        let mut once = vec![0.0; mlp.params().len()];
        mlp.forward(&x, &mut tape).unwrap();
        mlp.backward(&mut tape, &r, Some(&mut once), None).unwrap();
        let mut twice = vec![0.0; mlp.params().len()];
        for _ in 0..2 {
            mlp.forward(&x, &mut tape).unwrap();
            mlp.backward(&mut tape, &r, Some(&mut twice), None).unwrap();
        }
        for (a, b) in once.iter().zip(&twice) {
            prop_assert!((2.0 * a - b).abs() <= 1e-5 * (1.0 + a.abs()));
        }
    }
}

/// Batch normalisation (in training mode) and maxout: L = sum(y ⊙ r) and its kink pattern,
/// each hidden unit's branch: the sign of its activation's input, or its selected maxout piece.
fn loss_train(mlp: &Mlp, x: &[f32], r: &[f32]) -> (f64, Vec<usize>) {
    let (mut mlp, mut tape) = (mlp.clone(), Tape::default());
    let y = mlp.forward_train(x, &mut tape).unwrap();
    let l = y.iter().zip(r).map(|(a, b)| *a as f64 * *b as f64).sum();
    let k = mlp.spec().maxout;
    let branch = |p: &[f32]| {
        let max = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        match k {
            1 => (p[0] > 0.0) as usize,
            _ => p.iter().position(|&v| v == max).unwrap_or(0),
        }
    };
    let pattern = (0..mlp.spec().num_layers() - 1)
        .flat_map(|l| {
            tape.pre_activation(l)
                .chunks(k)
                .map(branch)
                .collect::<Vec<_>>()
        })
        .collect();
    (l, pattern)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn batchnorm_and_maxout_backward_match_finite_differences(
        widths in prop::collection::vec(1usize..6, 3..5),
        act in activation(),
        out_act in output_activation(),
        maxout in prop_oneof![Just(1usize), 2usize..5],
        batch in 3usize..7,
        seed in any::<u64>(),
    ) {
        // maxout 1 means batch normalisation (both in one net is refused).
        let spec = MlpSpec::new(widths[0], &widths[1..widths.len() - 1], widths[widths.len() - 1], act, out_act)
            .with_batchnorm(maxout == 1)
            .with_maxout(maxout);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mlp = Mlp::init(&spec, &mut rng).unwrap();
        let normal = |rng: &mut ChaCha8Rng, n: usize| -> Vec<f32> {
            (0..n).map(|_| StandardNormal.sample(rng)).collect()
        };
        // Non-trivial γ and β, so that their gradients and ∂x carry them.
        for o in mlp.layers().to_vec() {
            if let Some(at) = o.norm {
                let v = normal(&mut rng, 2 * o.units);
                mlp.params_mut()[at..at + 2 * o.units].copy_from_slice(&v);
            }
        }
        let x = normal(&mut rng, batch * widths[0]);
        let r = normal(&mut rng, batch * widths[widths.len() - 1]);

        let mut tape = Tape::default();
        let mut trained = mlp.clone();
        trained.forward_train(&x, &mut tape).unwrap();
        let mut grads = vec![0.0; mlp.params().len()];
        let mut grad_x = vec![0.0; x.len()];
        trained.backward(&mut tape, &r, Some(&mut grads), Some(&mut grad_x)).unwrap();

        // Central differences in f64 of the f32 forward, Richardson-extrapolated from steps h
        // and h/2 (with a small batch BN curves strongly: the O(h²) error of one central
        // difference is not negligible). Probes on different branches of a kink are skipped.
        let h = 4e-3f32;
        let check = |i: usize, input: bool, analytic: f32| {
            let mut probes = Vec::new();
            for step in [h, -h, h / 2.0, -h / 2.0] {
                let (mut m, mut xp) = (mlp.clone(), x.clone());
                if input {
                    xp[i] += step;
                } else {
                    m.params_mut()[i] += step;
                }
                probes.push(loss_train(&m, &xp, &r));
            }
            if probes.iter().any(|p| p.1 != probes[0].1) {
                return Ok(());
            }
            let wide = (probes[0].0 - probes[1].0) / (2.0 * h as f64);
            let narrow = (probes[2].0 - probes[3].0) / h as f64;
            let numeric = (4.0 * narrow - wide) / 3.0;
            // Where a BN feature's batch spread is tiny, the curvature is large on the scale of
            // h: the two estimates' disagreement bounds that truncation error.
            let tol = 1e-2 * (1.0 + numeric.abs()) + (narrow - wide).abs();
            prop_assert!(
                (analytic as f64 - numeric).abs() <= tol,
                "{} {i}: analytic {analytic}, numeric {numeric}",
                if input { "input" } else { "param" }
            );
            Ok(())
        };
        for (i, &analytic) in grads.iter().enumerate() {
            check(i, false, analytic)?;
        }
        for (i, &analytic) in grad_x.iter().enumerate() {
            check(i, true, analytic)?;
        }
    }
}
