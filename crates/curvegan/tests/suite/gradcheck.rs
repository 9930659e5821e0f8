//! Finite-difference check of the engine's backward on random MLPs of several shapes and
//! activations: every analytic gradient (parameters and input) must match central differences
//! of L = sum(y ⊙ r), computed in f64 from the f32 forward. Also R1's penalty
//! `mean_j ‖∂D(x)_j/∂x_j‖²` (`nn::gp`, by double backpropagation) against central differences
//! of an independent f64 computation, and the backward of spectral normalisation
//! (`nn::spectral`: `W/σ`, `σ = uᵀWv` with u, v constant) against central differences of the
//! loss as a function of the raw weights. The penalties restricted to a conditional critic's
//! sample columns (`input_penalty_on`, R1 and WGAN-GP) against the same f64 computation over
//! those columns.

use curvegan::nn::gp::{input_penalty, input_penalty_on, GpWorkspace, PenaltyForm};
use curvegan::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use curvegan::nn::spectral::{SnPass, SpectralNorm};
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
            basis: None,
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

/// R1's `P = mean_j ‖∂D(x)_j/∂x_j‖²` in f64 for a one-output MLP with piecewise-linear
/// activations and flat parameters `params` ([`Mlp::params`]'s layout), by an ordinary
/// forward and backward pass per row; also the slope pattern (which units are active).
fn r1_f64(spec: &MlpSpec, params: &[f64], x: &[f32]) -> (f64, Vec<bool>) {
    penalty_f64(PenaltyForm::R1, spec, params, x, &[])
}

/// The penalty `form` (R1: `mean_j ‖g_j‖²`, WGAN-GP: `mean_j (‖g_j‖ − 1)²`) of the input
/// gradient `g_j = ∂D(x)_j/∂x_j` restricted to the input columns where `columns` is true (all
/// when empty), in f64 as [`r1_f64`]; also the slope pattern.
fn penalty_f64(
    form: PenaltyForm,
    spec: &MlpSpec,
    params: &[f64],
    x: &[f32],
    columns: &[bool],
) -> (f64, Vec<bool>) {
    let widths = &spec.widths;
    let n0 = widths[0];
    let rows = x.len() / n0;
    let (mut total, mut pattern) = (0.0, Vec::new());
    for row in x.chunks_exact(n0) {
        // Forward, keeping each layer's slopes.
        let mut h: Vec<f64> = row.iter().map(|&v| v as f64).collect();
        let mut slopes = Vec::new();
        let mut at = 0;
        let mut offsets = Vec::new();
        for l in 0..widths.len() - 1 {
            let (n_in, n_out) = (widths[l], widths[l + 1]);
            offsets.push(at);
            let (w, b) = (&params[at..at + n_in * n_out], &params[at + n_in * n_out..]);
            let act = if l + 2 == widths.len() {
                spec.output_activation
            } else {
                spec.activation
            };
            let pre: Vec<f64> = (0..n_out)
                .map(|o| b[o] + (0..n_in).map(|i| w[o * n_in + i] * h[i]).sum::<f64>())
                .collect();
            let d: Vec<f64> = pre
                .iter()
                .map(|&p| act.piecewise_slope(p as f32).unwrap() as f64)
                .collect();
            pattern.extend(pre.iter().map(|&p| p > 0.0));
            h = pre.iter().zip(&d).map(|(p, d)| p * d).collect();
            slopes.push(d);
            at += n_in * n_out + n_out;
        }
        // Backward with upstream 1 to the input.
        let mut delta = vec![1.0f64];
        for l in (0..widths.len() - 1).rev() {
            let (n_in, n_out) = (widths[l], widths[l + 1]);
            let w = &params[offsets[l]..offsets[l] + n_in * n_out];
            let dl: Vec<f64> = delta.iter().zip(&slopes[l]).map(|(a, b)| a * b).collect();
            delta = (0..n_in)
                .map(|i| (0..n_out).map(|o| dl[o] * w[o * n_in + i]).sum())
                .collect();
        }
        let kept = delta
            .iter()
            .enumerate()
            .filter(|(i, _)| columns.is_empty() || columns[*i]);
        let sq = kept.map(|(_, g)| g * g).sum::<f64>();
        total += match form {
            PenaltyForm::R1 => sq,
            PenaltyForm::WganGp => (sq.sqrt() - 1.0).powi(2),
        };
    }
    (total / rows as f64, pattern)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// R1's ∂P/∂params (double backpropagation in f32) against central differences of the
    /// independent f64 P: the weights match, the biases get exactly 0.
    #[test]
    fn r1_gradient_matches_finite_differences(
        hidden in prop::collection::vec(1usize..7, 1..4),
        input in 1usize..7,
        leaky in prop::option::of(0.01f32..0.5),
        batch in 1usize..6,
        seed in any::<u64>(),
    ) {
        let act = leaky.map_or(Activation::Relu, Activation::LeakyRelu);
        let spec = MlpSpec::new(input, &hidden, 1, act, Activation::Identity);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mlp = Mlp::init(&spec, &mut rng).unwrap();
        let x: Vec<f32> = (0..batch * input).map(|_| StandardNormal.sample(&mut rng)).collect();
        let mut grads = vec![0.0f32; mlp.params().len()];
        let mut ws = GpWorkspace::default();
        let weight = 2.5f32;
        let p = input_penalty(PenaltyForm::R1, &mlp, &x, weight, Some(&mut grads), &mut ws).unwrap();
        let base: Vec<f64> = mlp.params().iter().map(|&v| v as f64).collect();
        let (p64, pattern) = r1_f64(&spec, &base, &x);
        prop_assert!((p.value as f64 - p64).abs() <= 1e-5 * (1.0 + p64), "P {} vs {p64}", p.value);
        let h = 1e-4;
        let layers = mlp.layers().to_vec();
        for (i, &analytic) in grads.iter().enumerate() {
            if layers.iter().any(|o| (o.bias..o.bias + o.n_out).contains(&i)) {
                prop_assert!(analytic == 0.0, "bias {i}: gradient {analytic}, not 0");
            }
            let (mut plus, mut minus) = (base.clone(), base.clone());
            plus[i] += h;
            minus[i] -= h;
            let ((pp, pat_p), (pm, pat_m)) = (r1_f64(&spec, &plus, &x), r1_f64(&spec, &minus, &x));
            if pat_p != pattern || pat_m != pattern {
                continue; // a slope switches between the probes: the difference sees the kink
            }
            let numeric = weight as f64 * (pp - pm) / (2.0 * h);
            prop_assert!(
                (analytic as f64 - numeric).abs() <= 1e-4 * (1.0 + numeric.abs()),
                "param {i}: analytic {analytic}, numeric {numeric}"
            );
        }
    }
}

/// A conditional critic's column mask, `[pack · (n + c)]`: true on each packed row's `n`
/// sample columns, false on its `c` condition columns (as the training step builds it).
fn sample_mask(n: usize, c: usize, pack: usize) -> Vec<bool> {
    (0..pack)
        .flat_map(|_| (0..n + c).map(move |j| j < n))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// R1 and WGAN-GP restricted to a conditional critic's sample columns
    /// (`input_penalty_on`): P against the independent f64 computation over those columns,
    /// ∂P/∂params against its central differences (biases exactly 0), and the input gradient
    /// is the unmasked one with the condition's columns set to 0.
    #[test]
    fn masked_penalty_gradient_matches_finite_differences(
        hidden in prop::collection::vec(1usize..7, 1..4),
        n in 1usize..5,
        c in 1usize..4,
        pack in 1usize..3,
        wgan_gp in any::<bool>(),
        leaky in prop::option::of(0.01f32..0.5),
        rows in 1usize..5,
        seed in any::<u64>(),
    ) {
        let form = if wgan_gp { PenaltyForm::WganGp } else { PenaltyForm::R1 };
        let act = leaky.map_or(Activation::Relu, Activation::LeakyRelu);
        let input = pack * (n + c);
        let spec = MlpSpec::new(input, &hidden, 1, act, Activation::Identity);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mlp = Mlp::init(&spec, &mut rng).unwrap();
        let x: Vec<f32> = (0..rows * input).map(|_| StandardNormal.sample(&mut rng)).collect();
        let columns = sample_mask(n, c, pack);
        let mut grads = vec![0.0f32; mlp.params().len()];
        let mut ws = GpWorkspace::default();
        let weight = 2.5f32;
        let p = input_penalty_on(form, &mlp, &x, &columns, weight, Some(&mut grads), &mut ws).unwrap();
        let g_masked = ws.input_gradient().to_vec();
        // WGAN-GP's ∂P/∂θ holds g/‖g‖: when ‖g‖ is small, g is a small difference of O(1)
        // f32 terms and its direction carries their rounding divided by ‖g‖ (a 2-2-2 critic
        // gave ‖g‖ = 1.2e-4 and a relative error of 8e-4), so the tolerance widens by it.
        let min_norm = ws.norms().iter().fold(f32::INFINITY, |m, &v| m.min(v)) as f64;
        let conditioning = if wgan_gp { 8.0 * f32::EPSILON as f64 / min_norm } else { 0.0 };
        input_penalty(form, &mlp, &x, weight, None, &mut ws).unwrap();
        for (i, (&got, &all)) in g_masked.iter().zip(ws.input_gradient()).enumerate() {
            let want = if columns[i % input] { all } else { 0.0 };
            prop_assert!(got == want, "g[{i}]: {got}, want {want}");
        }
        let base: Vec<f64> = mlp.params().iter().map(|&v| v as f64).collect();
        let (p64, pattern) = penalty_f64(form, &spec, &base, &x, &columns);
        prop_assert!((p.value as f64 - p64).abs() <= 1e-5 * (1.0 + p64), "P {} vs {p64}", p.value);
        let h = 1e-4;
        let layers = mlp.layers().to_vec();
        for (i, &analytic) in grads.iter().enumerate() {
            if layers.iter().any(|o| (o.bias..o.bias + o.n_out).contains(&i)) {
                prop_assert!(analytic == 0.0, "bias {i}: gradient {analytic}, not 0");
            }
            let (mut plus, mut minus) = (base.clone(), base.clone());
            plus[i] += h;
            minus[i] -= h;
            let (pp, pat_p) = penalty_f64(form, &spec, &plus, &x, &columns);
            let (pm, pat_m) = penalty_f64(form, &spec, &minus, &x, &columns);
            if pat_p != pattern || pat_m != pattern {
                continue; // a slope switches between the probes: the difference sees the kink
            }
            let numeric = weight as f64 * (pp - pm) / (2.0 * h);
            prop_assert!(
                (analytic as f64 - numeric).abs() <= (1e-4 + conditioning) * (1.0 + numeric.abs()),
                "{form:?} param {i}: analytic {analytic}, numeric {numeric}, min ‖g‖ {min_norm}"
            );
        }
    }
}

/// A mask that keeps every column is no mask: `input_penalty_on` gives `input_penalty`'s
/// value, mean norm, norms, input gradient and parameter gradients, bit for bit, for both forms.
#[test]
fn an_all_true_mask_is_the_unmasked_penalty() {
    for (seed, form) in [
        (1u64, PenaltyForm::R1),
        (2, PenaltyForm::WganGp),
        (3, PenaltyForm::R1),
        (4, PenaltyForm::WganGp),
    ] {
        let spec = MlpSpec::new(
            10,
            &[16, 16],
            1,
            Activation::LeakyRelu(0.2),
            Activation::Identity,
        );
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mlp = Mlp::init(&spec, &mut rng).unwrap();
        let x: Vec<f32> = (0..6 * 10)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let run = |columns: Option<&[bool]>| {
            let mut grads = vec![0.0f32; mlp.params().len()];
            let mut ws = GpWorkspace::default();
            let p = match columns {
                Some(c) => input_penalty_on(form, &mlp, &x, c, 10.0, Some(&mut grads), &mut ws),
                None => input_penalty(form, &mlp, &x, 10.0, Some(&mut grads), &mut ws),
            }
            .unwrap();
            (p, grads, ws.norms().to_vec(), ws.input_gradient().to_vec())
        };
        let want = run(None);
        assert!(
            want.0.value > 0.0 && want.1.iter().any(|&g| g != 0.0),
            "{form:?}: a real penalty"
        );
        assert_eq!(run(Some(&[true; 10])), want, "{form:?} seed {seed}");
        // A mask that drops a column changes the penalty.
        let mut drop_last = [true; 10];
        drop_last[9] = false;
        assert_ne!(run(Some(&drop_last)).0, want.0, "{form:?} seed {seed}");
    }
}

/// L = sum(D_sn(x) ⊙ r) as a function of the raw parameters `raw` (weights and biases), with
/// `σ_l = u_lᵀ W_l v_l` for the fixed `u`, `v` of `sn` (the constants of one forward call):
/// σ in f64, `W/σ` rounded to f32, then [`loss`].
fn sn_loss(
    sn: &SpectralNorm,
    mlp: &mut Mlp,
    raw: &[f32],
    x: &[f32],
    r: &[f32],
) -> (f64, Vec<bool>) {
    let layers = mlp.layers().to_vec();
    let params = mlp.params_mut();
    params.copy_from_slice(raw);
    for (l, o) in layers.iter().enumerate() {
        let (ur, vr) = sn.uv_ranges(l);
        let (u, v) = (&sn.u()[ur], &sn.v()[vr]);
        let w = &raw[o.weight..o.bias];
        let sigma: f64 = (0..o.n_out)
            .map(|i| {
                let wv: f64 = (0..o.n_in)
                    .map(|j| w[i * o.n_in + j] as f64 * v[j] as f64)
                    .sum();
                u[i] as f64 * wv
            })
            .sum();
        for (p, &w) in params[o.weight..o.bias].iter_mut().zip(w) {
            *p = (w as f64 / sigma) as f32;
        }
    }
    loss(mlp, x, r)
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
            if let Some(at) = o.norm() {
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

    /// ∂L/∂(raw weights, biases) through spectral normalisation against central differences.
    #[test]
    fn spectral_norm_backward_matches_finite_differences(
        widths in prop::collection::vec(1usize..6, 2..5),
        batch in 1usize..5,
        seed in any::<u64>(),
    ) {
        let spec = MlpSpec { widths: widths.clone(), activation: Activation::LeakyRelu(0.2), output_activation: Activation::Identity, batchnorm: false, maxout: 1, basis: None };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut mlp = Mlp::init(&spec, &mut rng).unwrap();
        let mut sn = SpectralNorm::init(&mlp, &mut rng);
        let normal = |rng: &mut ChaCha8Rng, n: usize| -> Vec<f32> {
            (0..n).map(|_| StandardNormal.sample(rng)).collect()
        };
        let x = normal(&mut rng, batch * widths[0]);
        let r = normal(&mut rng, batch * widths[widths.len() - 1]);
        let mut pass = SnPass::default();
        sn.train_forward(&mut mlp, &mut pass);
        prop_assume!(pass.sigma().iter().all(|s| s.abs() > 1e-2));
        let mut tape = Tape::default();
        mlp.forward(&x, &mut tape).unwrap();
        let mut grad_sn = vec![0.0; mlp.params().len()];
        mlp.backward(&mut tape, &r, Some(&mut grad_sn), None).unwrap();
        let mut grads = vec![0.0; mlp.params().len()];
        sn.backward(&pass, &grad_sn, &mut grads).unwrap();

        let raw = sn.params().to_vec();
        let h = 1e-3f32;
        for (i, &analytic) in grads.iter().enumerate() {
            let mut plus = raw.clone();
            plus[i] += h;
            let mut minus = raw.clone();
            minus[i] -= h;
            let (lp, pat_p) = sn_loss(&sn, &mut mlp, &plus, &x, &r);
            let (lm, pat_m) = sn_loss(&sn, &mut mlp, &minus, &x, &r);
            if pat_p != pat_m {
                continue; // a unit switches branch between the probes
            }
            let numeric = (lp - lm) / (2.0 * h as f64);
            prop_assert!(
                (analytic as f64 - numeric).abs() <= 1e-2 * (1.0 + numeric.abs()),
                "raw param {i}: analytic {analytic}, numeric {numeric}"
            );
        }
    }
}
