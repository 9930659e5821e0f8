//! Tests of `curvegan::eval::metrics` against values computed independently: small cases worked
//! out by hand (the arithmetic is in the comments), and numbers computed with numpy 2 /
//! scipy 1.17 (the snippet that produced each number sits next to its test). All the Python
//! snippets start from this common setup; the sets are rounded to f32 first, as the metrics
//! see them:
//!
//! ```python
//! import numpy as np
//! from scipy.spatial.distance import cdist, pdist
//! from scipy.stats import wasserstein_distance, energy_distance
//! f = lambda a: np.array(a, dtype=np.float32).astype(np.float64)
//! X = f([[0.1, -0.3], [1.2, 0.4], [-0.7, 0.9], [0.5, 0.5], [2.0, -1.1], [-1.3, -0.2], [0.0, 0.8]])
//! Y = f([[0.3, 0.1], [0.5, 0.4], [0.1, 0.6], [0.9, 0.7], [3.5, 2.5], [0.6, -0.1]])
//! ```
//!
//! Plus properties (proptest): energy distance and MMD bounded below and symmetric, W₁
//! symmetric, zero on identical sets and shifted by |c| under translation, the k-NN
//! fractions in [0, 1].

use curvegan::eval::metrics::{
    density_coverage, energy_distance, family_fit, median_pairwise_distance, mmd_rbf, mode_stats,
    mse_to, nearest_distance, precision_recall, wasserstein1_mean, DEFAULT_K,
};
use curvegan::Error;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The common set X of the Python setup, `[7, 2]`.
const X: [f32; 14] = [
    0.1, -0.3, 1.2, 0.4, -0.7, 0.9, 0.5, 0.5, 2.0, -1.1, -1.3, -0.2, 0.0, 0.8,
];
/// The common set Y of the Python setup, `[6, 2]`: a cluster near (0.4, 0.3) and an outlier.
const Y: [f32; 12] = [0.3, 0.1, 0.5, 0.4, 0.1, 0.6, 0.9, 0.7, 3.5, 2.5, 0.6, -0.1];

/// Relative-and-absolute closeness: |a − b| ≤ tol·max(1, |b|).
fn assert_close(actual: f64, expected: f64, tol: f64, what: &str) {
    let err = (actual - expected).abs();
    assert!(
        err <= tol * expected.abs().max(1.0),
        "{what}: got {actual}, expected {expected} (difference {err:e}, tolerance {tol:e})"
    );
}

/// Tolerance for f64 results compared with numpy's f64 results (different summation order).
const TOL: f64 = 1e-12;

// ---------------------------------------------------------------------------------------
// mse_to and nearest_distance

#[test]
fn mse_to_hand_computed_broadcast_and_paired() {
    // Broadcast target [1, 1] over [[1, 2], [3, 4]]: (0² + 1² + 2² + 3²)/4 = 14/4.
    let samples = [1.0f32, 2.0, 3.0, 4.0];
    assert_close(
        mse_to(&samples, 2, &[1.0, 1.0]).unwrap(),
        3.5,
        TOL,
        "broadcast",
    );
    // One target row per sample: (0² + 0² + 1² + 2²)/4 = 5/4.
    let target = [1.0f32, 2.0, 2.0, 2.0];
    assert_close(mse_to(&samples, 2, &target).unwrap(), 1.25, TOL, "paired");
}

#[test]
fn mse_to_matches_numpy() {
    // np.mean((X - f([0.25, -0.5])) ** 2)
    let expected = 0.9548214226216082;
    assert_close(mse_to(&X, 2, &[0.25, -0.5]).unwrap(), expected, TOL, "mse");
}

#[test]
fn nearest_distance_matches_scipy() {
    // cdist(Y, X).min(axis=1)
    let expected = [
        0.44721359, 0.09999999, 0.22360679, 0.42426411, 3.11448226, 0.53851651,
    ];
    let got = nearest_distance(&Y, 2, &X).unwrap();
    assert_eq!(got.len(), 6);
    for (g, e) in got.iter().zip(expected) {
        // numpy printed 8 decimals.
        assert_close(*g, e, 1e-8, "nearest distance");
    }
    // A sample that is a real row is at distance 0.
    let d = nearest_distance(&X[2..4], 2, &X).unwrap();
    assert_close(d[0], 0.0, 0.0, "memorised row");
}

// ---------------------------------------------------------------------------------------
// energy distance and MMD

#[test]
fn energy_distance_hand_computed() {
    // {0, 1} vs {1, 2}: E|X−Y| = (1 + 2 + 0 + 1)/4 = 1, E|X−X′| = (0 + 1 + 1 + 0)/4 = 1/2,
    // same for Y: 2·1 − 1/2 − 1/2 = 1.
    let e = energy_distance(&[0.0, 1.0], &[1.0, 2.0], 1).unwrap();
    assert_close(e, 1.0, TOL, "energy {0,1} {1,2}");
    // Identical sets: 0.
    assert_close(energy_distance(&X, &X, 2).unwrap(), 0.0, TOL, "energy X X");
}

#[test]
fn energy_distance_matches_numpy_and_scipy() {
    // 2 * cdist(X, Y).mean() - cdist(X, X).mean() - cdist(Y, Y).mean()
    let expected = 0.4716799587876328;
    assert_close(
        energy_distance(&X, &Y, 2).unwrap(),
        expected,
        TOL,
        "energy X Y",
    );

    // In 1-D the V-statistic is the square of scipy's energy distance (unequal sizes):
    // u = f([0.3, -1.2, 2.5, 0.7]); v = f([0.1, 1.9, -0.4]); energy_distance(u, v) ** 2
    let (u, v) = ([0.3f32, -1.2, 2.5, 0.7], [0.1f32, 1.9, -0.4]);
    let expected = 0.29027778820859074;
    assert_close(
        energy_distance(&u, &v, 1).unwrap(),
        expected,
        TOL,
        "energy 1-D",
    );

    // A shifted copy of Y far from X.
    // Y2 = f([[1.8, 1.1], [2.0, 1.4], [1.6, 1.6], [2.4, 1.7], [5.0, 3.5], [2.1, 0.9]])
    // 2 * cdist(X, Y2).mean() - cdist(X, X).mean() - cdist(Y2, Y2).mean()
    let expected = 3.043399860798961;
    assert_close(
        energy_distance(&X, &Y2, 2).unwrap(),
        expected,
        TOL,
        "energy X Y2",
    );
}

/// `Y2` of the Python snippets: Y shifted away from X.
const Y2: [f32; 12] = [1.8, 1.1, 2.0, 1.4, 1.6, 1.6, 2.4, 1.7, 5.0, 3.5, 2.1, 0.9];

#[test]
fn mmd_hand_computed() {
    // x = {0, 2}, y = {1, 1}. Pooled pair distances {2, 1, 1, 1, 1, 0}: median 1, so
    // k(a, b) = exp(−(a − b)²/2). MMD²_u = k(0,2) + k(1,1) − 2·mean k(xᵢ, yⱼ)
    //                                  = e⁻² + 1 − 2e^(−1/2).
    let expected = (-2.0f64).exp() + 1.0 - 2.0 * (-0.5f64).exp();
    assert_close(
        mmd_rbf(&[0.0, 2.0], &[1.0, 1.0], 1).unwrap(),
        expected,
        TOL,
        "MMD",
    );
    // Unbiased: negative here (≈ −0.0777), and never below −(1/n + 1/m) = −1.
    assert!(expected < 0.0);
}

#[test]
fn mmd_with_zero_median_uses_the_delta_kernel() {
    // x = {0, 0, 0, 0}, y = {0, 1, 1}: 11 of the 21 pooled pairs are at distance 0, so the
    // median is 0 and k(a, b) = 1[a = b]. mean_{i≠i′} k(x) = 1, mean_{j≠j′} k(y) = 2/6
    // (the pair of ones, both orders), mean k(x, y) = 4/12: 1 + 1/3 − 2/3 = 2/3.
    let (x, y) = ([0.0f32; 4], [0.0f32, 1.0, 1.0]);
    let mut pooled = x.to_vec();
    pooled.extend_from_slice(&y);
    assert_close(
        median_pairwise_distance(&pooled, 1).unwrap(),
        0.0,
        0.0,
        "median",
    );
    assert_close(
        mmd_rbf(&x, &y, 1).unwrap(),
        2.0 / 3.0,
        TOL,
        "MMD delta kernel",
    );
    // All points equal: every bandwidth gives 1 + 1 − 2 = 0.
    assert_close(
        mmd_rbf(&[3.0; 4], &[3.0; 6], 2).unwrap(),
        0.0,
        TOL,
        "MMD equal",
    );
}

#[test]
fn mmd_matches_numpy() {
    // n, m = len(X), len(B)
    // Z = np.vstack([X, B]); h = np.median(pdist(Z))
    // K = lambda P, Q: np.exp(-cdist(P, Q, "sqeuclidean") / (2 * h * h))
    // kxx, kyy = K(X, X), K(B, B)
    // (kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) \
    //     - 2 * K(X, B).mean()
    // with B = Y:  h = 1.2806248316618112, MMD² = -0.033117564384945286
    // with B = Y2: h = 2.095220399354031,  MMD² = 0.5025353837041159
    for (b, h, mmd) in [
        (&Y, 1.2806248316618112, -0.033117564384945286),
        (&Y2, 2.095220399354031, 0.5025353837041159),
    ] {
        let pooled = [&X[..], &b[..]].concat();
        assert_close(
            median_pairwise_distance(&pooled, 2).unwrap(),
            h,
            TOL,
            "median",
        );
        assert_close(mmd_rbf(&X, b, 2).unwrap(), mmd, TOL, "MMD");
    }
}

/// numpy's median of all pairwise distances, by brute force: every distance stored, sorted.
fn brute_force_median(z: &[f32], d: usize) -> f64 {
    let rows: Vec<&[f32]> = z.chunks_exact(d).collect();
    let mut dist = Vec::new();
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let s: f64 = rows[i]
                .iter()
                .zip(rows[j])
                .map(|(&a, &b)| (a as f64 - b as f64).powi(2))
                .sum();
            dist.push(s.sqrt());
        }
    }
    dist.sort_by(f64::total_cmp);
    let p = dist.len();
    if p % 2 == 1 {
        dist[p / 2]
    } else {
        0.5 * (dist[p / 2 - 1] + dist[p / 2])
    }
}

#[test]
fn median_pairwise_distance_matches_brute_force_beyond_the_collection_cap() {
    // More than 2¹⁸ pairs, so the selection narrows by histograms before collecting.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for n in [900usize, 902] {
        // 900 rows: an even number of pairs (404 550); 902: odd (406 351).
        let z: Vec<f32> = (0..2 * n)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect();
        let expected = brute_force_median(&z, 2);
        assert_close(
            median_pairwise_distance(&z, 2).unwrap(),
            expected,
            0.0,
            "median",
        );
    }
    // Heavy ties: a 30×30 integer lattice (squared distances are integers).
    let lattice: Vec<f32> = (0..900)
        .flat_map(|i| [(i / 30) as f32, (i % 30) as f32])
        .collect();
    let expected = brute_force_median(&lattice, 2);
    assert_close(
        median_pairwise_distance(&lattice, 2).unwrap(),
        expected,
        0.0,
        "lattice",
    );
    // Most pairs at distance 0: 600 equal rows of 800.
    let mut dup = vec![0.5f32; 2 * 600];
    dup.extend((0..400).map(|_| rng.random_range(-1.0f32..1.0)));
    assert_close(
        median_pairwise_distance(&dup, 2).unwrap(),
        0.0,
        0.0,
        "duplicates",
    );
}

// ---------------------------------------------------------------------------------------
// Wasserstein-1

#[test]
fn wasserstein1_hand_computed() {
    // {0, 1} vs {1, 2}: the quantile functions differ by 1 everywhere.
    assert_close(
        wasserstein1_mean(&[0.0, 1.0], &[1.0, 2.0], 1).unwrap(),
        1.0,
        TOL,
        "W1",
    );
    // Unequal sizes, {0} vs {0, 1}: |F − G| = 1 − 1/2 on [0, 1): 1/2.
    assert_close(
        wasserstein1_mean(&[0.0], &[0.0, 1.0], 1).unwrap(),
        0.5,
        TOL,
        "W1 1:2",
    );
    // Two coordinates: the first shifted by 1, the second equal: (1 + 0)/2.
    let (x, y) = ([0.0f32, 0.0, 1.0, 10.0], [1.0f32, 0.0, 2.0, 10.0]);
    assert_close(wasserstein1_mean(&x, &y, 2).unwrap(), 0.5, TOL, "W1 2-D");
}

#[test]
fn wasserstein1_matches_scipy() {
    // np.mean([wasserstein_distance(X[:, c], Y[:, c]) for c in range(2)])
    let expected = 0.6892857236698978;
    assert_close(
        wasserstein1_mean(&X, &Y, 2).unwrap(),
        expected,
        TOL,
        "W1 X Y",
    );
    // Unequal sizes in 1-D: wasserstein_distance(f([0.3, -1.2, 2.5, 0.7]), f([0.1, 1.9, -0.4]))
    let expected = 0.641666683057944;
    let w = wasserstein1_mean(&[0.3, -1.2, 2.5, 0.7], &[0.1, 1.9, -0.4], 1).unwrap();
    assert_close(w, expected, TOL, "W1 1-D");
}

// ---------------------------------------------------------------------------------------
// precision, recall, density, coverage

#[test]
fn knn_metrics_of_identical_sets() {
    let (p, r) = precision_recall(&X, &X, 2, DEFAULT_K).unwrap();
    assert_eq!((p, r), (1.0, 1.0));
    let (_, coverage) = density_coverage(&X, &X, 2, DEFAULT_K).unwrap();
    assert_eq!(coverage, 1.0);
}

#[test]
fn knn_metrics_hand_computed() {
    // real = {0, 1, 2, 3}, k = 1: every real radius is 1. fake = {0.5, 10}: both fake radii
    // are 9.5.
    // precision: 0.5 is within 1 of 0 → in; 10 is in no real ball → 1/2.
    // recall: every real is within 9.5 of 0.5 → 1.
    // density: 0.5 lies in the balls of 0 and 1 (distance 0.5 ≤ 1), not of 2 (1.5), 10 in
    //          none: (2 + 0)/(k·M) = 2/2 = 1.
    // coverage: the balls of 0 and 1 hold a fake, those of 2 and 3 do not → 2/4.
    let (real, fake) = ([0.0f32, 1.0, 2.0, 3.0], [0.5f32, 10.0]);
    let (p, r) = precision_recall(&real, &fake, 1, 1).unwrap();
    assert_close(p, 0.5, 0.0, "precision");
    assert_close(r, 1.0, 0.0, "recall");
    let (density, coverage) = density_coverage(&real, &fake, 1, 1).unwrap();
    assert_close(density, 1.0, TOL, "density");
    assert_close(coverage, 0.5, 0.0, "coverage");
    // Closed balls: a fake exactly on a real radius is inside (real 0's radius is 1).
    let (p, _) = precision_recall(&real, &[-1.0, 10.0], 1, 1).unwrap();
    assert_close(p, 0.5, 0.0, "boundary");
}

#[test]
fn knn_metrics_match_numpy() {
    // radii = lambda A, k: np.sort(cdist(A, A), axis=1)[:, k]  # column 0 is the point itself
    // rr, rf = radii(X, k), radii(Y, k); D = cdist(X, Y)  # [real, fake]
    // precision = (D <= rr[:, None]).any(axis=0).mean(); recall = (D <= rf[None, :]).any(axis=1).mean()
    // density = (D <= rr[:, None]).sum() / (k * len(Y)); coverage = (D <= rr[:, None]).any(axis=1).mean()
    // k = 3: precision 0.8333333333333334 (5/6), recall 0.5714285714285714 (4/7)
    // k = 2: density 1.5 (18/12), coverage 0.8571428571428571 (6/7)
    let (p, r) = precision_recall(&X, &Y, 2, 3).unwrap();
    assert_close(p, 0.8333333333333334, TOL, "precision");
    assert_close(r, 0.5714285714285714, TOL, "recall");
    let (density, coverage) = density_coverage(&X, &Y, 2, 2).unwrap();
    assert_close(density, 1.5, TOL, "density");
    assert_close(coverage, 0.8571428571428571, TOL, "coverage");
}

// ---------------------------------------------------------------------------------------
// family fit

#[test]
fn family_fit_recovers_exact_curves() {
    // y = a·x² + b at x² ∈ {1, 1/4, 0}: exact in f32 for (a, b) = (1.5, 0.5) and (2, 1),
    // both on the family (b = a − 1). mean a = 1.75, population std = 0.25.
    let x = [-1.0f32, -0.5, 0.0, 0.5, 1.0];
    let curve = |a: f32, b: f32| x.map(|v| a * v * v + b);
    let samples = [curve(1.5, 0.5), curve(2.0, 1.0)].concat();
    let fit = family_fit(&samples, &x).unwrap();
    for (got, want) in fit.a.iter().zip([1.5, 2.0]) {
        assert_close(*got, want, TOL, "a");
    }
    for (got, want) in fit.b.iter().zip([0.5, 1.0]) {
        assert_close(*got, want, TOL, "b");
    }
    assert_close(fit.a_mean, 1.75, TOL, "mean a");
    assert_close(fit.a_std, 0.25, TOL, "std a");
    assert_close(fit.a_in_range, 1.0, 0.0, "a in [1, 2]");
    assert_close(fit.offset_rms, 0.0, TOL, "rms of b − (a − 1)");
}

#[test]
fn family_fit_matches_numpy_polyfit() {
    // x = f([-1.0, -0.6, -0.2, 0.0, 0.3, 0.7, 1.0])
    // S = f([[2.02, 1.05, 0.63, 0.49, 0.66, 1.22, 1.98],
    //        [1.1, 0.39, 0.03, 0.01, 0.1, 0.5, 0.95],
    //        [3.2, 1.75, 1.1, 0.98, 1.2, 2.0, 3.05]])
    // ab = np.array([np.polyfit(x**2, s, 1) for s in S]); a, b = ab[:, 0], ab[:, 1]
    // a.mean(), a.std(), np.mean((a >= 1) & (a <= 2)), np.sqrt(np.mean((b - (a - 1))**2))
    let x = [-1.0f32, -0.6, -0.2, 0.0, 0.3, 0.7, 1.0];
    #[rustfmt::skip]
    let samples = [
        2.02f32, 1.05, 0.63, 0.49, 0.66, 1.22, 1.98,
        1.1, 0.39, 0.03, 0.01, 0.1, 0.5, 0.95,
        3.2, 1.75, 1.1, 0.98, 1.2, 2.0, 3.05,
    ];
    let fit = family_fit(&samples, &x).unwrap();
    let a = [1.47050956, 1.02127223, 2.12331197]; // numpy printed 8 decimals
    let b = [0.52398307, 0.00522982, 0.99321863];
    for i in 0..3 {
        assert_close(fit.a[i], a[i], 1e-8, "a");
        assert_close(fit.b[i], b[i], 1e-8, "b");
    }
    // polyfit's SVD solve agrees with the closed form to ~1e-15.
    assert_close(fit.a_mean, 1.5383645847118732, 1e-12, "mean a");
    assert_close(fit.a_std, 0.45245708670203305, 1e-12, "std a");
    assert_close(fit.a_in_range, 0.6666666666666666, TOL, "a in [1, 2]");
    assert_close(fit.offset_rms, 0.08173341259841285, 1e-12, "rms");
}

#[test]
fn family_fit_of_the_true_family_gives_the_uniform_moments() {
    // a ~ U(1, 2), y = a·x² + (a − 1) at 15 points of [−1, 1]: mean a → 1.5,
    // std a → 1/√12 = 0.288675; with 20 000 samples the standard error of the mean is
    // 0.2887/√20000 ≈ 0.002 and that of the std ≈ 0.0013.
    let x: Vec<f32> = (0..15).map(|i| (-1.0 + i as f64 / 7.0) as f32).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let samples: Vec<f32> = (0..20_000)
        .flat_map(|_| {
            let a = rng.random_range(1.0f64..2.0);
            x.iter()
                .map(move |&v| (a * (v as f64).powi(2) + a - 1.0) as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    let fit = family_fit(&samples, &x).unwrap();
    assert!((fit.a_mean - 1.5).abs() < 0.01, "mean a = {}", fit.a_mean);
    assert!(
        (fit.a_std - 1.0 / 12f64.sqrt()).abs() < 0.01,
        "std a = {}",
        fit.a_std
    );
    // Only f32 rounding of y separates the fits from the truth: a stays inside [1, 2] up to
    // ~1e-7, so allow a handful of samples at the very edges.
    assert!(fit.a_in_range > 0.999, "a in [1, 2]: {}", fit.a_in_range);
    assert!(fit.offset_rms < 1e-6, "rms = {}", fit.offset_rms);
}

// ---------------------------------------------------------------------------------------
// mode statistics

#[test]
fn mode_stats_hand_computed() {
    // Four modes at (±1, 0), (0, ±1); σ = 0.25, so high quality means within 0.75.
    let centres = [1.0f32, 0.0, 0.0, 1.0, -1.0, 0.0, 0.0, -1.0];
    #[rustfmt::skip]
    let samples = [
        1.0f32, 0.0,   // mode 0, distance 0
        1.2, 0.1,      // mode 0
        1.75, 0.0,     // mode 0, distance exactly 0.75 = 3σ: high quality
        0.1, 0.9,      // mode 1
        0.0, 0.0,      // distance 1 from every centre: not high quality
        5.0, 5.0,      // far away
    ];
    let stats = mode_stats(&samples, &centres, 0.25).unwrap();
    // HQ counts per mode [3, 1, 0, 0]: 2 modes captured, 4/6 high quality,
    // p = [3/4, 1/4, 0, 0]: KL = 3/4·ln(3/4·4) + 1/4·ln(1/4·4) = (3/4)·ln 3.
    assert_eq!(stats.counts, vec![3, 1, 0, 0]);
    assert_eq!(stats.modes, 4);
    assert_eq!(stats.modes_captured, 2);
    assert_close(stats.high_quality_fraction, 4.0 / 6.0, TOL, "HQ fraction");
    assert_close(stats.reverse_kl, 0.75 * 3f64.ln(), TOL, "reverse KL");

    // One HQ sample per mode: KL = 0. All HQ samples in one mode: KL = ln K.
    let even = mode_stats(&centres, &centres, 0.25).unwrap();
    assert_eq!(even.modes_captured, 4);
    assert_close(even.reverse_kl, 0.0, TOL, "uniform KL");
    let one = mode_stats(&[1.0, 0.0, 1.1, 0.0], &centres, 0.25).unwrap();
    assert_close(one.reverse_kl, 4f64.ln(), TOL, "collapsed KL");

    // No high-quality sample: KL is +∞ (documented), nothing captured.
    let none = mode_stats(&[5.0, 5.0], &centres, 0.25).unwrap();
    assert_eq!(none.modes_captured, 0);
    assert_eq!(none.high_quality_fraction, 0.0);
    assert_eq!(none.reverse_kl, f64::INFINITY);
}

#[test]
fn mode_stats_match_numpy_on_ring8() {
    // t = 2 * np.pi * np.arange(8) / 8; C = f(np.stack([np.cos(t), np.sin(t)], 1))
    // S = f([[1.02, 0.01], [0.97, -0.03], [0.70, 0.73], [0.0, 1.1], [-0.71, 0.69],
    //        [-0.68, 0.72], [-0.72, 0.70], [0.0, -0.98], [0.5, 0.0], [0.04, -1.04], [-0.9, -0.1]])
    // sigma = 0.05; D = cdist(S, C); near = D.argmin(1); hq = D.min(1) <= 3 * sigma
    // counts = np.bincount(near[hq], minlength=8); p = counts / counts.sum()
    // counts, (counts > 0).sum(), hq.mean(), np.sum(p[p > 0] * np.log(p[p > 0] * 8))
    // → [2 1 1 3 1 0 2 0], 6, 0.9090909090909091, 0.38369900751020125
    let centres: Vec<f32> = (0..8)
        .flat_map(|k| {
            let t = 2.0 * std::f64::consts::PI * k as f64 / 8.0;
            [t.cos() as f32, t.sin() as f32]
        })
        .collect();
    #[rustfmt::skip]
    let samples = [
        1.02f32, 0.01, 0.97, -0.03, 0.70, 0.73, 0.0, 1.1, -0.71, 0.69, -0.68, 0.72,
        -0.72, 0.70, 0.0, -0.98, 0.5, 0.0, 0.04, -1.04, -0.9, -0.1,
    ];
    let stats = mode_stats(&samples, &centres, 0.05).unwrap();
    assert_eq!(stats.counts, vec![2, 1, 1, 3, 1, 0, 2, 0]);
    assert_eq!(stats.modes_captured, 6);
    assert_close(stats.high_quality_fraction, 0.9090909090909091, TOL, "HQ");
    assert_close(stats.reverse_kl, 0.38369900751020125, TOL, "reverse KL");
}

// ---------------------------------------------------------------------------------------
// errors and non-finite values

fn shape_message(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(e @ Error::Shape(_)) => e.to_string(),
        other => panic!("expected a shape error, got {other:?}"),
    }
}

fn config_message(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(e @ Error::Config { .. }) => e.to_string(),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn bad_shapes_are_errors_naming_the_lengths() {
    let m = shape_message(mse_to(&[1.0, 2.0, 3.0], 2, &[0.0, 0.0]));
    assert!(m.contains("3 values") && m.contains("d = 2"), "{m}");
    let m = shape_message(mse_to(&[1.0, 2.0], 2, &[0.0, 0.0, 0.0]));
    assert!(m.contains("got 3 values"), "{m}");
    let m = shape_message(energy_distance(&[], &[1.0], 1));
    assert!(m.contains("`x`") && m.contains("got 0"), "{m}");
    let m = shape_message(wasserstein1_mean(&[1.0], &[1.0], 0));
    assert!(m.contains("d = 0"), "{m}");
    let m = shape_message(mmd_rbf(&[1.0, 2.0], &[1.0], 1));
    assert!(m.contains("at least 2") && m.contains("got 1"), "{m}");
    let m = shape_message(nearest_distance(&[1.0, 2.0], 2, &[1.0, 2.0, 3.0]));
    assert!(m.contains("`reals` has 3 values"), "{m}");
    let m = shape_message(family_fit(&[1.0, 2.0, 3.0], &[0.0, 1.0]));
    assert!(m.contains("3 values") && m.contains("d = 2"), "{m}");
    let m = shape_message(mode_stats(&[1.0, 2.0, 3.0], &[0.0, 0.0], 0.1));
    assert!(m.contains("`samples` has 3 values"), "{m}");
}

#[test]
fn bad_parameters_are_errors_naming_the_values() {
    let m = config_message(precision_recall(&X, &Y, 2, 0));
    assert!(m.contains("got 0"), "{m}");
    // 6 fakes cannot give a 6th neighbour.
    let m = config_message(precision_recall(&X, &Y, 2, 6));
    assert!(m.contains("k = 6") && m.contains("`fake`, got 6"), "{m}");
    let m = config_message(density_coverage(&X, &Y, 2, 7));
    assert!(m.contains("`real`, got 7"), "{m}");
    let m = config_message(mode_stats(&X, &[0.0, 0.0], 0.0));
    assert!(m.contains("sigma") && m.contains("got 0"), "{m}");
    let m = config_message(mode_stats(&X, &[0.0, f32::NAN], 0.1));
    assert!(m.contains("centre 0") && m.contains("NaN"), "{m}");
    // x² takes one value only: a and b cannot be separated.
    let m = config_message(family_fit(&[1.0, 2.0], &[-1.0, 1.0]));
    assert!(m.contains("[-1.0, 1.0]"), "{m}");
}

#[test]
fn non_finite_samples_give_nan_not_a_panic() {
    let mut bad = Y;
    bad[3] = f32::NAN;
    assert!(mse_to(&bad, 2, &[0.0, 0.0]).unwrap().is_nan());
    assert!(nearest_distance(&bad, 2, &X)
        .unwrap()
        .iter()
        .all(|v| v.is_nan()));
    assert!(energy_distance(&X, &bad, 2).unwrap().is_nan());
    assert!(mmd_rbf(&X, &bad, 2).unwrap().is_nan());
    assert!(wasserstein1_mean(&X, &bad, 2).unwrap().is_nan());
    let (p, r) = precision_recall(&X, &bad, 2, 3).unwrap();
    assert!(p.is_nan() && r.is_nan());
    let (dn, cv) = density_coverage(&X, &bad, 2, 3).unwrap();
    assert!(dn.is_nan() && cv.is_nan());
    bad[4] = f32::INFINITY;
    let fit = family_fit(&bad, &[0.0, 1.0]).unwrap();
    assert!(fit.a[1].is_nan() && fit.a[2].is_nan() && fit.a_mean.is_nan());
    assert!(!fit.a[0].is_nan());
    // A NaN or infinite sample is not high quality; the finite ones still count.
    let stats = mode_stats(
        &[f32::NAN, 0.0, f32::INFINITY, 0.0, 1.0, 0.0],
        &[1.0, 0.0],
        0.1,
    )
    .unwrap();
    assert_eq!(stats.counts, vec![1]);
    assert_close(stats.high_quality_fraction, 1.0 / 3.0, TOL, "HQ");
}

// ---------------------------------------------------------------------------------------
// properties

/// `(d, x, y)`: two sets of 2..=12 rows of dimension 1..=3, values in [−10, 10).
fn two_sets() -> impl Strategy<Value = (usize, Vec<f32>, Vec<f32>)> {
    (1usize..=3, 2usize..=12, 2usize..=12).prop_flat_map(|(d, n, m)| {
        (
            Just(d),
            prop::collection::vec(-10.0f32..10.0, n * d),
            prop::collection::vec(-10.0f32..10.0, m * d),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn energy_distance_is_nonnegative_and_symmetric((d, x, y) in two_sets()) {
        let e = energy_distance(&x, &y, d).unwrap();
        let e_rev = energy_distance(&y, &x, d).unwrap();
        prop_assert!(e >= -1e-12, "E = {e}");
        prop_assert!((e - e_rev).abs() <= 1e-12 * e.abs().max(1.0), "{e} vs {e_rev}");
        prop_assert!(energy_distance(&x, &x, d).unwrap().abs() <= 1e-12);
    }

    #[test]
    fn mmd_is_bounded_below_and_symmetric((d, x, y) in two_sets()) {
        // The unbiased estimate can be negative, but MMD²_u = MMD²_b − (1 − Āₓ)/n − (1 − Āᵧ)/m
        // with the V-statistic MMD²_b ≥ 0 and the mean off-diagonal kernels Ā in [0, 1].
        let (n, m) = ((x.len() / d) as f64, (y.len() / d) as f64);
        let mmd = mmd_rbf(&x, &y, d).unwrap();
        let mmd_rev = mmd_rbf(&y, &x, d).unwrap();
        prop_assert!(mmd >= -(1.0 / n + 1.0 / m) - 1e-12, "MMD² = {mmd}");
        prop_assert!(mmd <= 2.0 + 1e-12, "MMD² = {mmd}");
        prop_assert!((mmd - mmd_rev).abs() <= 1e-12, "{mmd} vs {mmd_rev}");
        // x against itself: (2/n)(Āₓ − 1) ≤ 0.
        prop_assert!(mmd_rbf(&x, &x, d).unwrap() <= 1e-12);
    }

    #[test]
    fn wasserstein1_is_symmetric_and_zero_on_identical_sets((d, x, y) in two_sets()) {
        let w = wasserstein1_mean(&x, &y, d).unwrap();
        let w_rev = wasserstein1_mean(&y, &x, d).unwrap();
        prop_assert!(w >= 0.0);
        prop_assert!((w - w_rev).abs() <= 1e-12 * w.max(1.0), "{w} vs {w_rev}");
        prop_assert!(wasserstein1_mean(&x, &x, d).unwrap().abs() <= 1e-12);
    }

    #[test]
    fn wasserstein1_translation_1d(
        x in prop::collection::vec(-10.0f32..10.0, 1..20),
        y in prop::collection::vec(-10.0f32..10.0, 1..20),
        c in -5.0f32..5.0,
    ) {
        // W₁(x, x + c) = |c|, up to the f32 rounding of x + c (≤ 1 ulp of 15, ~1e-6).
        let shifted: Vec<f32> = x.iter().map(|v| v + c).collect();
        let w = wasserstein1_mean(&x, &shifted, 1).unwrap();
        prop_assert!((w - c.abs() as f64).abs() <= 2e-6, "W1 = {w}, |c| = {}", c.abs());
        // Moving one set by c moves W₁ by at most |c| (triangle inequality).
        let y_shifted: Vec<f32> = y.iter().map(|v| v + c).collect();
        let moved = wasserstein1_mean(&x, &y_shifted, 1).unwrap();
        let w0 = wasserstein1_mean(&x, &y, 1).unwrap();
        prop_assert!((moved - w0).abs() <= c.abs() as f64 + 2e-6, "{moved} vs {w0}, c = {c}");
    }

    #[test]
    fn knn_fractions_are_in_the_unit_interval((d, x, y) in two_sets(), k in 1usize..=3) {
        let (n, m) = (x.len() / d, y.len() / d);
        prop_assume!(n > k && m > k);
        let (p, r) = precision_recall(&x, &y, d, k).unwrap();
        prop_assert!((0.0..=1.0).contains(&p) && (0.0..=1.0).contains(&r), "P = {p}, R = {r}");
        let (density, coverage) = density_coverage(&x, &y, d, k).unwrap();
        prop_assert!((0.0..=1.0).contains(&coverage), "coverage = {coverage}");
        // Each fake lies in at most N real balls.
        prop_assert!((0.0..=n as f64 / k as f64).contains(&density), "density = {density}");
        // A set against itself: everything lies in its own ball.
        prop_assert_eq!(precision_recall(&x, &x, d, k).unwrap(), (1.0, 1.0));
    }
}
