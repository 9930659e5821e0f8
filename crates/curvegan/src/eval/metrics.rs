//! Sample-quality metrics: how close a set of generated samples is to the real data.
//!
//! Every function is pure and works on row-major f32 sample sets: a set of N samples of
//! dimension `d` is a `&[f32]` of `N·d` values, `[N, d]`, with `d` passed explicitly. All
//! arithmetic is in f64. Below `x = {x₁ … xₙ}` and `y = {y₁ … yₘ}` are two sets, `‖·‖` the
//! Euclidean norm.
//!
//! | function | what it measures | value for a perfect generator |
//! | --- | --- | --- |
//! | [`mse_to`] | mean of `(s − t)²` over all values, to one fixed curve | 0 |
//! | [`nearest_distance`] | each sample's distance to the nearest real row (memorisation) | — |
//! | [`energy_distance`] | `2E‖X−Y‖ − E‖X−X′‖ − E‖Y−Y′‖` (V-statistic) | ≈ 0 |
//! | [`mmd_rbf`] | squared MMD, RBF kernel, median heuristic (unbiased) | ≈ 0, may be < 0 |
//! | [`wasserstein1_mean`] | mean over coordinates of the marginals' 1-D W₁ | ≈ 0 |
//! | [`precision_recall`] | improved precision and recall, k-NN balls | ≈ 1, ≈ 1 |
//! | [`density_coverage`] | density and coverage, k-NN balls of the reals | ≈ 1, ≈ 1 |
//! | [`family_fit`] | least-squares `(a, b)` of `y = a·x² + b` per sample | `b = a − 1`, `a ~ U(1, 2)` |
//! | [`mode_stats`] | modes captured, high-quality fraction, reverse KL (2-D mixtures) | K, ≈ 1, ≈ 0 |
//!
//! The pairwise metrics are brute force: O((N + M)²·d) time, O(N + M) memory (O(k·N) for
//! the k-NN radii). For N = M = 5000 and d = 2 each takes 0.1–0.3 s on one core, [`mmd_rbf`]
//! about 0.7 s (its bandwidth needs two more passes over the pairs); d = 15 is 3–5× slower.
//!
//! **Errors.** Lengths are checked first: an empty set, `d = 0`, a length that is not a
//! multiple of `d`, or sets of different `d` give [`Error::Shape`] naming the lengths.
//! An impossible parameter (`k`, `sigma`, a degenerate `x` grid, a non-finite centre) gives
//! [`Error::Config`] naming the value.
//!
//! **Non-finite samples.** A generator that has diverged produces NaN or infinite values;
//! the metrics never panic on them. [`mse_to`], [`energy_distance`], [`mmd_rbf`],
//! [`wasserstein1_mean`], [`precision_recall`] and [`density_coverage`] return NaN (and
//! [`nearest_distance`] a vector of NaN) when any input value is not finite; [`family_fit`]
//! gives NaN coefficients for such a sample; [`mode_stats`] counts it as not high quality.
//!
//! ```
//! use curvegan::eval::metrics::{energy_distance, precision_recall, wasserstein1_mean};
//!
//! // Two 1-D sets ([N, d] = [2, 1]): {0, 1} and {1, 2}. Every quantile differs by 1.
//! let (x, y) = ([0.0f32, 1.0], [1.0f32, 2.0]);
//! assert!((wasserstein1_mean(&x, &y, 1).unwrap() - 1.0).abs() < 1e-12);
//! // 2·E|X−Y| − E|X−X′| − E|Y−Y′| = 2·1 − 1/2 − 1/2 = 1.
//! assert!((energy_distance(&x, &y, 1).unwrap() - 1.0).abs() < 1e-12);
//!
//! // Identical sets: every fake lies in its own real ball and vice versa.
//! let real = [0.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // [4, 2]
//! let (precision, recall) = precision_recall(&real, &real, 2, 3).unwrap();
//! assert_eq!((precision, recall), (1.0, 1.0));
//! ```

use crate::error::{Error, Result};

/// The number of neighbours `k` of the k-NN balls: 3, as Kynkäänniemi et al. (2019)
/// recommend for precision and recall. (Naeem et al. (2020) use 5 for density and coverage.)
pub const DEFAULT_K: usize = 3;

// ---------------------------------------------------------------------------------------
// Shapes and small helpers.

/// The number of rows of `values` as an `[N, d]` set named `name`; at least `min` rows.
fn rows(values: &[f32], d: usize, name: &str, min: usize) -> Result<usize> {
    if d == 0 {
        return Err(Error::Shape(format!(
            "the dimension d of `{name}` must be at least 1, got d = 0 ({} values)",
            values.len()
        )));
    }
    if !values.len().is_multiple_of(d) {
        return Err(Error::Shape(format!(
            "`{name}` has {} values, not a whole number of rows of d = {d}",
            values.len()
        )));
    }
    let n = values.len() / d;
    if n < min.max(1) {
        return Err(Error::Shape(format!(
            "`{name}` needs at least {} row(s) of d = {d} values, got {n} ({} values)",
            min.max(1),
            values.len()
        )));
    }
    Ok(n)
}

fn all_finite(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite())
}

/// `‖a − b‖²` in f64. Four partial sums break the chain of dependent additions (the
/// bottleneck for d ≥ 8); the summation order is fixed, so the result is deterministic.
#[inline]
fn sq_dist(a: &[f32], b: &[f32]) -> f64 {
    let sq = |p: f32, q: f32| {
        let t = p as f64 - q as f64;
        t * t
    };
    let mut acc = [0.0f64; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4
        .remainder()
        .iter()
        .zip(b4.remainder())
        .map(|(&p, &q)| sq(p, q))
        .sum();
    for (pa, pb) in a4.zip(b4) {
        for lane in 0..4 {
            acc[lane] += sq(pa[lane], pb[lane]);
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Calls `f(‖zᵢ − zⱼ‖²)` for every pair `i < j` of rows of `z`, always in the same order.
fn for_each_pair(z: &[f32], d: usize, mut f: impl FnMut(f64)) {
    let n = z.len() / d;
    for i in 0..n {
        let zi = &z[i * d..(i + 1) * d];
        for zj in z[(i + 1) * d..].chunks_exact(d) {
            f(sq_dist(zi, zj));
        }
    }
}

/// Σ over rows `a` of `x` and `b` of `y` of `g(‖a − b‖²)`, summed row by row.
fn cross_sum(x: &[f32], y: &[f32], d: usize, g: impl Fn(f64) -> f64) -> f64 {
    x.chunks_exact(d)
        .map(|a| y.chunks_exact(d).map(|b| g(sq_dist(a, b))).sum::<f64>())
        .sum()
}

/// Σ over pairs `i < j` of rows of `x` of `g(‖xᵢ − xⱼ‖²)`, summed row by row.
fn half_self_sum(x: &[f32], d: usize, g: impl Fn(f64) -> f64) -> f64 {
    let n = x.len() / d;
    (0..n)
        .map(|i| {
            let xi = &x[i * d..(i + 1) * d];
            x[(i + 1) * d..]
                .chunks_exact(d)
                .map(|xj| g(sq_dist(xi, xj)))
                .sum::<f64>()
        })
        .sum()
}

fn check_same_d(x: &[f32], y: &[f32], d: usize, names: (&str, &str)) -> Result<(usize, usize)> {
    Ok((rows(x, d, names.0, 1)?, rows(y, d, names.1, 1)?))
}

// ---------------------------------------------------------------------------------------
// 1. Mean squared error to a fixed curve.

/// Mean squared error of `samples` (`[N, d]`) to `target`, over all `N·d` values:
///
/// ```text
/// MSE = (1/(N·d)) Σᵢ Σ_c (s_ic − t_c)²        target: [d], one curve for every sample
/// MSE = (1/(N·d)) Σᵢ Σ_c (s_ic − t_ic)²       target: [N, d], one row per sample
/// ```
///
/// `target` is either one row of `d` values (the fixed curve, as for the tutorial's
/// `y = 2x² + 1`) or as many values as `samples`. This is the tutorial's evaluation metric and
/// `numpy.mean((s - t) ** 2)` with numpy's broadcasting.
pub fn mse_to(samples: &[f32], d: usize, target: &[f32]) -> Result<f64> {
    rows(samples, d, "samples", 1)?;
    if target.len() != d && target.len() != samples.len() {
        return Err(Error::Shape(format!(
            "mse_to needs a target of d = {d} values (one curve) or of {} values (one row per \
             sample), got {} values",
            samples.len(),
            target.len()
        )));
    }
    if !all_finite(samples) || !all_finite(target) {
        return Ok(f64::NAN);
    }
    let sum: f64 = samples
        .iter()
        .zip(target.iter().cycle())
        .map(|(&s, &t)| (s as f64 - t as f64).powi(2))
        .sum();
    Ok(sum / samples.len() as f64)
}

// ---------------------------------------------------------------------------------------
// 2. Nearest real neighbour.

/// Each sample's Euclidean distance to the nearest row of `reals`:
///
/// ```text
/// δᵢ = min_j ‖sᵢ − r_j‖           samples: [N, d], reals: [M, d]  →  [N]
/// ```
///
/// A δ of 0 (or far below the reals' own nearest-neighbour spacing) means the generator
/// reproduces training rows: memorisation. The same quantity as
/// `scipy.spatial.distance.cdist(s, r).min(axis=1)`.
pub fn nearest_distance(samples: &[f32], d: usize, reals: &[f32]) -> Result<Vec<f64>> {
    let n = rows(samples, d, "samples", 1)?;
    rows(reals, d, "reals", 1)?;
    if !all_finite(samples) || !all_finite(reals) {
        return Ok(vec![f64::NAN; n]);
    }
    Ok(samples
        .chunks_exact(d)
        .map(|s| {
            reals
                .chunks_exact(d)
                .map(|r| sq_dist(s, r))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// 3. Two-sample distances: energy distance and MMD.

/// The energy distance between the sets `x` (`[n, d]`) and `y` (`[m, d]`), V-statistic form
/// (Székely & Rizzo, 2013, "Energy statistics: a class of statistics based on distances"):
///
/// ```text
/// E(x, y) = 2/(n·m) Σᵢ Σⱼ ‖xᵢ − yⱼ‖ − 1/n² Σᵢ Σᵢ′ ‖xᵢ − xᵢ′‖ − 1/m² Σⱼ Σⱼ′ ‖yⱼ − yⱼ′‖
/// ```
///
/// All sums run over all index pairs, the zero diagonal included (the V-statistic; the
/// U-statistic would divide the within-set sums by n(n−1) and m(m−1) instead). The
/// V-statistic is never negative (up to rounding), is 0 for identical sets and is symmetric.
/// In 1-D it equals `2∫(Fₙ − Gₘ)²dt`, the square of `scipy.stats.energy_distance(x, y)`.
pub fn energy_distance(x: &[f32], y: &[f32], d: usize) -> Result<f64> {
    let (n, m) = check_same_d(x, y, d, ("x", "y"))?;
    if !all_finite(x) || !all_finite(y) {
        return Ok(f64::NAN);
    }
    let (n, m) = (n as f64, m as f64);
    let xy = cross_sum(x, y, d, f64::sqrt);
    let xx = 2.0 * half_self_sum(x, d, f64::sqrt);
    let yy = 2.0 * half_self_sum(y, d, f64::sqrt);
    Ok(2.0 * xy / (n * m) - xx / (n * n) - yy / (m * m))
}

/// The squared maximum mean discrepancy between `x` (`[n, d]`) and `y` (`[m, d]`) with a
/// Gaussian (RBF) kernel, unbiased U-statistic (Gretton et al., 2012, "A kernel two-sample
/// test", eq. 3):
///
/// ```text
/// k(a, b)  = exp(−‖a − b‖² / (2h²))
/// MMD²_u   = 1/(n(n−1)) Σ_{i≠i′} k(xᵢ, xᵢ′) + 1/(m(m−1)) Σ_{j≠j′} k(yⱼ, yⱼ′)
///            − 2/(n·m) Σᵢ Σⱼ k(xᵢ, yⱼ)
/// ```
///
/// The bandwidth `h` is the median heuristic: [`median_pairwise_distance`] of the pooled
/// sample `z = x ∪ y` (n + m rows), the median of `‖z_a − z_b‖` over all pairs `a < b`,
/// halfway between the two middle values when their number is even (as `numpy.median` of
/// `scipy.spatial.distance.pdist(z)`). If that median is 0 (more than half of the pooled
/// pairs are duplicates) the kernel is its `h → 0` limit, `k(a, b) = 1[a = b]`.
///
/// Being unbiased, MMD²_u can be slightly negative when the two distributions are close: it
/// is at least `−(1/n + 1/m)` (for `x = y` it is `(2/n)·(mean_{i≠i′} k(xᵢ, xᵢ′) − 1) ≤ 0`).
/// Needs n ≥ 2 and m ≥ 2.
pub fn mmd_rbf(x: &[f32], y: &[f32], d: usize) -> Result<f64> {
    let n = rows(x, d, "x", 2)?;
    let m = rows(y, d, "y", 2)?;
    if !all_finite(x) || !all_finite(y) {
        return Ok(f64::NAN);
    }
    let pooled = [x, y].concat(); // [n + m, d]
    let h = median_pairwise_distance(&pooled, d)?;
    // γ = 1/(2h²) is +∞ when h = 0 (or 2h² underflows): then exp(−γ·s) is 1[s = 0].
    let gamma = 1.0 / (2.0 * h * h);
    let k = |s: f64| if s == 0.0 { 1.0 } else { (-gamma * s).exp() };
    let (n, m) = (n as f64, m as f64);
    let xx = 2.0 * half_self_sum(x, d, k) / (n * (n - 1.0));
    let yy = 2.0 * half_self_sum(y, d, k) / (m * (m - 1.0));
    let xy = cross_sum(x, y, d, k) / (n * m);
    Ok(xx + yy - 2.0 * xy)
}

/// The median of the Euclidean distances `‖z_a − z_b‖` over all `P = N(N−1)/2` pairs `a < b`
/// of the rows of `z` (`[N, d]`, N ≥ 2): the middle value when P is odd, the mean of the two
/// middle values when P is even. Equal to `numpy.median(scipy.spatial.distance.pdist(z))`.
/// This is the bandwidth of [`mmd_rbf`].
///
/// The pairs are never stored: an exact radix selection on the bit patterns of the squared
/// distances (monotone for non-negative floats) narrows the two middle ranks down by 16 bits
/// per pass over the pairs, and collects the candidates once at most 2²⁰ remain. Memory is
/// O(N) plus a fixed 8 MiB at most; time is two or three passes of O(P·d) (about 0.15 s per
/// pass for N = 10 000, d = 2). NaN if a value of `z` is not finite.
pub fn median_pairwise_distance(z: &[f32], d: usize) -> Result<f64> {
    let n = rows(z, d, "z", 2)?;
    if !all_finite(z) {
        return Ok(f64::NAN);
    }
    let pairs = n * (n - 1) / 2;
    // The two middle ranks (the same one when the number of pairs is odd).
    let (lo, hi) = select_pair_sq_dist(z, d, (pairs - 1) / 2, pairs / 2);
    Ok(0.5 * (lo.sqrt() + hi.sqrt()))
}

/// Bits of the bit-pattern range resolved per pass of [`select_pair_sq_dist`].
const RADIX_BITS: u32 = 16;
/// [`select_pair_sq_dist`] collects the remaining candidates (8 MiB of f64) once there are
/// this few.
const COLLECT_CAP: usize = 1 << 20;

/// The values of the 0-based ranks `rank_lo` and `rank_hi` (`rank_hi` is `rank_lo` or
/// `rank_lo + 1`; ascending order) among the squared distances of all pairs `a < b` of rows
/// of `z` (all finite).
///
/// Non-negative f64 values order as their bit patterns, so each pass histograms the patterns
/// inside an interval `[lo, hi]` that holds both ranks into 2¹⁶ buckets and keeps the bucket
/// that holds them; once few enough values remain they are collected and selected. If the
/// two ranks fall into different buckets, `rank_lo` is the largest value of its bucket and
/// `rank_hi` the smallest of its own: one more pass finds both.
fn select_pair_sq_dist(z: &[f32], d: usize, rank_lo: usize, rank_hi: usize) -> (f64, f64) {
    debug_assert!(rank_hi == rank_lo || rank_hi == rank_lo + 1);
    let n = z.len() / d;
    let mut count = n * (n - 1) / 2; // values whose pattern is inside [lo, hi]
    let (mut lo, mut hi) = (0u64, f64::INFINITY.to_bits());
    let mut below = 0usize; // values whose pattern is < lo
    loop {
        if lo == hi {
            let v = f64::from_bits(lo);
            return (v, v);
        }
        let width = hi - lo;
        if count <= COLLECT_CAP {
            // Branch-free: every value is written after the kept ones and kept only when its
            // pattern is inside [lo, hi] (the extra slot takes the writes once all are kept).
            let mut candidates = vec![0.0f64; count + 1];
            let mut kept = 0usize;
            for_each_pair(z, d, |s| {
                candidates[kept.min(count)] = s;
                kept += usize::from(s.to_bits().wrapping_sub(lo) <= width);
            });
            candidates.truncate(kept.min(count));
            let (_, v_lo, right) =
                candidates.select_nth_unstable_by(rank_lo - below, f64::total_cmp);
            let v_lo = *v_lo;
            // rank_hi = rank_lo + 1 is the smallest value after rank_lo (the invariant keeps it
            // inside [lo, hi], so `right` is not empty then).
            let v_hi = match rank_hi > rank_lo {
                true => right.iter().copied().fold(f64::INFINITY, f64::min),
                false => v_lo,
            };
            return (v_lo, v_hi);
        }
        let shift = (u64::BITS - width.leading_zeros()).saturating_sub(RADIX_BITS);
        let buckets = (width >> shift) as usize + 1;
        // One more bucket for the patterns outside [lo, hi]: the index is computed without a
        // branch (a data-dependent branch here mispredicts on most pairs).
        let mut histogram = vec![0usize; buckets + 1];
        for_each_pair(z, d, |s| {
            let offset = s.to_bits().wrapping_sub(lo);
            let index = if offset <= width {
                (offset >> shift) as usize
            } else {
                buckets
            };
            histogram[index] += 1;
        });
        let bucket_of = |rank: usize| {
            let mut acc = below;
            for (bucket, &c) in histogram[..buckets].iter().enumerate() {
                if acc + c > rank {
                    return (bucket, acc, c);
                }
                acc += c;
            }
            unreachable!("rank {rank} lies inside the interval's {count} values")
        };
        let (b_lo, acc_lo, c_lo) = bucket_of(rank_lo);
        let (b_hi, _, _) = bucket_of(rank_hi);
        let range = |bucket: usize| {
            let start = lo + ((bucket as u64) << shift);
            (start, hi.min(start + ((1u64 << shift) - 1)))
        };
        if b_lo == b_hi {
            (lo, hi) = range(b_lo);
            below = acc_lo;
            count = c_lo;
            continue;
        }
        let ((lo_start, lo_end), (hi_start, hi_end)) = (range(b_lo), range(b_hi));
        let (mut v_lo, mut v_hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for_each_pair(z, d, |s| {
            let bits = s.to_bits();
            if (lo_start..=lo_end).contains(&bits) {
                v_lo = v_lo.max(s);
            }
            if (hi_start..=hi_end).contains(&bits) {
                v_hi = v_hi.min(s);
            }
        });
        return (v_lo, v_hi);
    }
}

// ---------------------------------------------------------------------------------------
// 4. Wasserstein-1 of the marginals.

/// The mean over the `d` coordinates of the 1-D Wasserstein-1 distance between the marginals
/// of `x` (`[n, d]`) and `y` (`[m, d]`):
///
/// ```text
/// W̄₁(x, y) = (1/d) Σ_c W₁(x_{·c}, y_{·c}),    W₁(u, v) = ∫ |Fᵤ(t) − Fᵥ(t)| dt
/// ```
///
/// with `Fᵤ`, `Fᵥ` the empirical CDFs. The integral is exact: both columns are sorted and
/// `|i/n − j/m|` (held as the integer `|i·m − j·n|`) is summed over the intervals between
/// consecutive merged values, so unequal sample sizes are handled exactly. For n = m it
/// equals the quantile form `(1/n) Σᵢ |u₍ᵢ₎ − v₍ᵢ₎|`. Each term is
/// `scipy.stats.wasserstein_distance(x[:, c], y[:, c])`. Symmetric, 0 for identical sets,
/// and `W₁(u, u + c) = |c|` in 1-D.
pub fn wasserstein1_mean(x: &[f32], y: &[f32], d: usize) -> Result<f64> {
    check_same_d(x, y, d, ("x", "y"))?;
    if !all_finite(x) || !all_finite(y) {
        return Ok(f64::NAN);
    }
    let column = |set: &[f32], c: usize| {
        let mut col: Vec<f64> = set.chunks_exact(d).map(|r| r[c] as f64).collect();
        col.sort_unstable_by(f64::total_cmp);
        col
    };
    let total: f64 = (0..d)
        .map(|c| w1_sorted(&column(x, c), &column(y, c)))
        .sum();
    Ok(total / d as f64)
}

/// ∫|Fᵤ − Fᵥ| for sorted, non-empty, finite `u` and `v`.
fn w1_sorted(u: &[f64], v: &[f64]) -> f64 {
    let (n, m) = (u.len(), v.len());
    let (mut i, mut j) = (0usize, 0usize); // values of u and v already passed
    let mut prev = u[0].min(v[0]);
    let mut sum = 0.0f64;
    while i < n || j < m {
        // The next merged value; on [prev, t) the CDFs are i/n and j/m.
        let take_u = j == m || (i < n && u[i] <= v[j]);
        let t = if take_u { u[i] } else { v[j] };
        let gap = (i as u128 * m as u128).abs_diff(j as u128 * n as u128);
        sum += gap as f64 * (t - prev);
        prev = t;
        if take_u {
            i += 1;
        } else {
            j += 1;
        }
    }
    sum / (n as f64 * m as f64)
}

// ---------------------------------------------------------------------------------------
// 5. k-NN manifold metrics: precision, recall, density, coverage.

/// Squared k-NN radius of every row of `set` (`[n, d]`, n > k, finite) within its own set,
/// itself excluded: the k-th smallest of `‖sᵢ − sⱼ‖²` over `j ≠ i` (duplicates count).
fn knn_sq_radii(set: &[f32], d: usize, k: usize) -> Vec<f64> {
    let n = set.len() / d;
    // best[i·k ..][..k]: the k smallest squared distances of row i so far, ascending.
    let mut best = vec![f64::INFINITY; n * k];
    let insert = |row: &mut [f64], s: f64| {
        if s < row[k - 1] {
            let mut p = k - 1;
            while p > 0 && row[p - 1] > s {
                row[p] = row[p - 1];
                p -= 1;
            }
            row[p] = s;
        }
    };
    for i in 0..n {
        let si = &set[i * d..(i + 1) * d];
        for j in i + 1..n {
            let s = sq_dist(si, &set[j * d..(j + 1) * d]);
            insert(&mut best[i * k..(i + 1) * k], s);
            insert(&mut best[j * k..(j + 1) * k], s);
        }
    }
    best.chunks_exact(k).map(|row| row[k - 1]).collect()
}

/// Fraction of the rows of `query` that lie in at least one closed ball `B(cᵢ, rᵢ)` of the
/// rows `cᵢ` of `centres` with squared radii `sq_radii`.
fn fraction_in_some_ball(query: &[f32], centres: &[f32], sq_radii: &[f64], d: usize) -> f64 {
    let inside = query
        .chunks_exact(d)
        .filter(|q| {
            centres
                .chunks_exact(d)
                .zip(sq_radii)
                .any(|(c, &r2)| sq_dist(q, c) <= r2)
        })
        .count();
    inside as f64 / (query.len() / d) as f64
}

fn check_k(k: usize, n: usize, name: &str) -> Result<()> {
    if k == 0 {
        return Err(Error::config(
            "k",
            "the number of neighbours must be at least 1, got 0",
        ));
    }
    if n <= k {
        return Err(Error::config(
            "k",
            format!(
                "k = {k} neighbours need at least k + 1 = {} rows in `{name}`, got {n}",
                k + 1
            ),
        ));
    }
    Ok(())
}

/// Improved precision and recall (Kynkäänniemi et al., 2019, "Improved precision and recall
/// metric for assessing generative models"), for `real` (`[N, d]`) and `fake` (`[M, d]`):
///
/// ```text
/// rᵢ = ‖realᵢ − NN_k(realᵢ)‖     s_j = ‖fake_j − NN_k(fake_j)‖     (k-th neighbour, self excluded)
/// precision = (1/M) Σ_j 1[∃i: ‖fake_j − realᵢ‖ ≤ rᵢ]
/// recall    = (1/N) Σᵢ 1[∃j: ‖realᵢ − fake_j‖ ≤ s_j]
/// ```
///
/// Precision is the fraction of fakes on the real manifold (quality), recall the fraction of
/// reals on the fake manifold (diversity). The balls are closed (`≤`), as in the authors'
/// code; a duplicate point counts as a neighbour at distance 0. The paper uses k = 3
/// ([`DEFAULT_K`]). Needs N > k and M > k; returns `(precision, recall)`, both in [0, 1].
/// Brute force on squared distances: O((N + M)²·d) time, O(k·(N + M)) memory.
pub fn precision_recall(real: &[f32], fake: &[f32], d: usize, k: usize) -> Result<(f64, f64)> {
    let (n, m) = check_same_d(real, fake, d, ("real", "fake"))?;
    check_k(k, n, "real")?;
    check_k(k, m, "fake")?;
    if !all_finite(real) || !all_finite(fake) {
        return Ok((f64::NAN, f64::NAN));
    }
    let real_r2 = knn_sq_radii(real, d, k);
    let fake_r2 = knn_sq_radii(fake, d, k);
    let precision = fraction_in_some_ball(fake, real, &real_r2, d);
    let recall = fraction_in_some_ball(real, fake, &fake_r2, d);
    Ok((precision, recall))
}

/// Density and coverage (Naeem et al., 2020, "Reliable fidelity and diversity metrics for
/// generative models"), for `real` (`[N, d]`) and `fake` (`[M, d]`), with the real k-NN
/// radii `rᵢ` of [`precision_recall`]:
///
/// ```text
/// density  = 1/(k·M) Σ_j Σᵢ 1[‖fake_j − realᵢ‖ ≤ rᵢ]
/// coverage = (1/N) Σᵢ 1[∃j: ‖fake_j − realᵢ‖ ≤ rᵢ]
/// ```
///
/// Density counts how many real balls hold each fake (≈ 1 when fake and real match; above 1
/// when fakes crowd dense real regions, so it is not bounded by 1); coverage is the fraction
/// of real balls that hold at least one fake, in [0, 1]. The balls are closed (`≤`) as in
/// [`precision_recall`]; the authors' `prdc` code uses `<`, which differs only when a
/// distance equals a radius exactly (duplicated or discrete data). Naeem et al. use k = 5.
/// Needs N > k and M ≥ 1; returns `(density, coverage)`.
pub fn density_coverage(real: &[f32], fake: &[f32], d: usize, k: usize) -> Result<(f64, f64)> {
    let (n, m) = check_same_d(real, fake, d, ("real", "fake"))?;
    check_k(k, n, "real")?;
    if !all_finite(real) || !all_finite(fake) {
        return Ok((f64::NAN, f64::NAN));
    }
    let real_r2 = knn_sq_radii(real, d, k);
    let mut in_balls = 0usize; // Σ_j Σ_i 1[fake_j ∈ B(real_i, r_i)]
    let mut covered = vec![false; n];
    for f in fake.chunks_exact(d) {
        for ((r, &r2), cov) in real.chunks_exact(d).zip(&real_r2).zip(&mut covered) {
            if sq_dist(f, r) <= r2 {
                in_balls += 1;
                *cov = true;
            }
        }
    }
    let density = in_balls as f64 / (k as f64 * m as f64);
    let coverage = covered.iter().filter(|&&c| c).count() as f64 / n as f64;
    Ok((density, coverage))
}

// ---------------------------------------------------------------------------------------
// 6. Family fit.

/// Per-sample least-squares fits of `y = a·x² + b` and their summary; see [`family_fit`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FamilyFit {
    /// The fitted `a` of every sample, `[N]`.
    pub a: Vec<f64>,
    /// The fitted `b` of every sample, `[N]`.
    pub b: Vec<f64>,
    /// Mean of `a` over the samples. Truth for `a ~ U(1, 2)`: 1.5.
    pub a_mean: f64,
    /// Population standard deviation of `a` (divided by N, `numpy.std` with `ddof = 0`).
    /// Truth for `a ~ U(1, 2)`: `1/√12 ≈ 0.2887`.
    pub a_std: f64,
    /// Fraction of the samples whose `a` lies in the closed interval [1, 2]. Truth: 1.
    pub a_in_range: f64,
    /// Root mean square of `b − (a − 1)`: how far the samples are from the family's
    /// constraint `b = a − 1`. Truth: 0.
    pub offset_rms: f64,
}

/// Fits `y = a·x² + b` by least squares to every sample of `samples` (`[N, P]`, one curve of
/// `P = x.len()` values per row) at the points `x` (`[P]`), and summarises the fits against
/// the family target `y = a·x² + (a − 1)`, `a ~ U(1, 2)`.
///
/// With `u = x²`, the 2×2 normal equations of each row `y`,
///
/// ```text
/// [Σu²  Σu] [a]   [Σu·y]
/// [Σu    P] [b] = [Σy  ],
/// ```
///
/// have the closed-form solution (written centred, which is the same solution computed
/// without cancellation)
///
/// ```text
/// a = Σₚ (uₚ − ū)(yₚ − ȳ) / Σₚ (uₚ − ū)²,     b = ȳ − a·ū,
/// ```
///
/// the same as `numpy.polyfit(x**2, y, 1)`. The summary is in [`FamilyFit`]: mean and
/// population standard deviation of `a`, fraction of `a` in [1, 2], and the RMS of
/// `b − (a − 1)`. `x` needs at least two distinct values of `x²`. A sample with a non-finite
/// value gets `a = b = NaN`, which makes the mean, std and RMS NaN and counts as outside
/// [1, 2].
pub fn family_fit(samples: &[f32], x: &[f32]) -> Result<FamilyFit> {
    let p = x.len();
    if p == 0 {
        return Err(Error::Shape(
            "family_fit needs the x grid of the curves, got 0 values of x".into(),
        ));
    }
    let n = rows(samples, p, "samples", 1)?;
    if !all_finite(x) {
        return Err(Error::config(
            "x",
            format!("family_fit needs finite x values, got {x:?}"),
        ));
    }
    let u: Vec<f64> = x.iter().map(|&v| (v as f64).powi(2)).collect();
    let u_mean = u.iter().sum::<f64>() / p as f64;
    let suu: f64 = u.iter().map(|&v| (v - u_mean).powi(2)).sum();
    if suu <= 0.0 {
        return Err(Error::config(
            "x",
            format!(
                "family_fit needs at least two distinct values of x² to fit a and b, got x = {x:?}"
            ),
        ));
    }
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for y in samples.chunks_exact(p) {
        let y_mean = y.iter().map(|&v| v as f64).sum::<f64>() / p as f64;
        let suy: f64 = u
            .iter()
            .zip(y)
            .map(|(&uk, &yk)| (uk - u_mean) * (yk as f64 - y_mean))
            .sum();
        let ai = suy / suu;
        a.push(ai);
        b.push(y_mean - ai * u_mean);
    }
    let nf = n as f64;
    let a_mean = a.iter().sum::<f64>() / nf;
    let a_std = (a.iter().map(|&v| (v - a_mean).powi(2)).sum::<f64>() / nf).sqrt();
    let a_in_range = a.iter().filter(|&&v| (1.0..=2.0).contains(&v)).count() as f64 / nf;
    let offset_rms = (a
        .iter()
        .zip(&b)
        .map(|(&ai, &bi)| (bi - (ai - 1.0)).powi(2))
        .sum::<f64>()
        / nf)
        .sqrt();
    Ok(FamilyFit {
        a,
        b,
        a_mean,
        a_std,
        a_in_range,
        offset_rms,
    })
}

// ---------------------------------------------------------------------------------------
// 7. Mode metrics of 2-D mixtures.

/// Mode coverage of samples from a 2-D mixture of Gaussians; see [`mode_stats`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModeStats {
    /// Number of modes K (rows of `centres`).
    pub modes: usize,
    /// Number of modes nearest to at least one high-quality sample, in `0..=K`.
    pub modes_captured: usize,
    /// Fraction of the samples within 3σ of their nearest centre, in [0, 1].
    pub high_quality_fraction: f64,
    /// `KL(P_hq ‖ U) = Σₖ pₖ·ln(pₖ·K)`, in `[0, ln K]`; +∞ when no sample is high quality.
    pub reverse_kl: f64,
    /// High-quality samples per mode, `[K]`, in the order of `centres`.
    pub counts: Vec<usize>,
}

/// The mode metrics of VEEGAN (Srivastava et al., 2017, "VEEGAN: reducing mode collapse in
/// GANs using implicit variational learning") and PacGAN (Lin et al., 2018, "PacGAN: the
/// power of two samples in generative adversarial networks") for `samples` (`[N, 2]`) of a
/// mixture of K Gaussians of standard deviation `sigma` centred at `centres` (`[K, 2]`),
/// e.g. the `ring8` (σ = 0.01) and `grid25` (σ = 0.05) targets:
///
/// ```text
/// c(s)   = argminₖ ‖s − μₖ‖                          nearest centre (first on ties)
/// HQ     = { s : ‖s − μ_c(s)‖ ≤ 3σ }                  high-quality samples
/// nₖ     = |{ s ∈ HQ : c(s) = k }|,   pₖ = nₖ / |HQ|
/// modes_captured        = |{ k : nₖ ≥ 1 }|
/// high_quality_fraction = |HQ| / N
/// reverse_kl            = KL(P_hq ‖ U) = Σₖ pₖ ln(pₖ·K)      (0·ln 0 = 0)
/// ```
///
/// `U` is uniform over the K modes, so `reverse_kl` is 0 when the high-quality samples are
/// spread evenly and `ln K` when they all sit in one mode. With no high-quality sample
/// `P_hq` is undefined and `reverse_kl` is `f64::INFINITY`. A non-finite sample is never
/// high quality. `sigma` must be positive and finite, the centres finite.
pub fn mode_stats(samples: &[f32], centres: &[f32], sigma: f64) -> Result<ModeStats> {
    const D: usize = 2;
    let n = rows(samples, D, "samples", 1)?;
    let k = rows(centres, D, "centres", 1)?;
    if !(sigma.is_finite() && sigma > 0.0) {
        return Err(Error::config(
            "sigma",
            format!("the modes' standard deviation must be positive and finite, got {sigma}"),
        ));
    }
    if let Some(bad) = centres.iter().position(|v| !v.is_finite()) {
        return Err(Error::config(
            "centres",
            format!(
                "centre {} has a non-finite coordinate {}",
                bad / D,
                centres[bad]
            ),
        ));
    }
    let threshold = (3.0 * sigma).powi(2); // compare squared distances
    let mut counts = vec![0usize; k];
    for s in samples.chunks_exact(D) {
        let (mut best, mut best_k) = (f64::INFINITY, None);
        for (idx, c) in centres.chunks_exact(D).enumerate() {
            let dist = sq_dist(s, c);
            if dist < best {
                (best, best_k) = (dist, Some(idx));
            }
        }
        // NaN distances never compare less: a NaN sample keeps best_k = None.
        if let Some(idx) = best_k {
            if best <= threshold {
                counts[idx] += 1;
            }
        }
    }
    let hq: usize = counts.iter().sum();
    let reverse_kl = if hq == 0 {
        f64::INFINITY
    } else {
        counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f64 / hq as f64;
                p * (p * k as f64).ln()
            })
            .sum()
    };
    Ok(ModeStats {
        modes: k,
        modes_captured: counts.iter().filter(|&&c| c > 0).count(),
        high_quality_fraction: hq as f64 / n as f64,
        reverse_kl,
        counts,
    })
}
