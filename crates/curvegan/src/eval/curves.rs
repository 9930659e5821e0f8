//! The curve measures of the synthetic-data literature: can a classifier tell synthetic rows
//! from real ones, does a classifier trained on synthetic rows work on real ones, do the
//! synthetic curves keep the real ones' autocorrelation, and are they copies of training rows.
//!
//! Rows are `[N, d]` with `d = channels · points`, each row its channels one after the other
//! (`[c₀ p₀ … c₀ pₙ, c₁ p₀ …]`). Every function is pure; the random ones take a seed.
//!
//! | function | what it measures | perfect |
//! | --- | --- | --- |
//! | [`discriminative_score`] | `|a − ½|`, `a` the mean test accuracy of a post-hoc classifier told to separate real from synthetic rows ([`crate::eval::classifier`]) over [`SPLITS`] random 70 / 30 splits of an equal mix | 0 (0.5: always told apart) |
//! | [`transfer_accuracy`] | accuracy on labelled test rows of a classifier trained on other labelled rows: train-on-synthetic-test-on-real (TSTR) and its reference train-on-real (TRTR) | TSTR = TRTR |
//! | [`acf_difference`] | mean over channels and lags `1 … L` of `|ρ_real(l) − ρ_syn(l)|`, ρ the mean over rows of each row's autocorrelation | 0 |
//! | [`roughness_ratio`] | the mean absolute second difference (`v[t+1] − 2v[t] + v[t−1]`, in absolute value) of the synthetic rows' channels over that of the real rows' | 1 (above: rougher) |
//! | [`dcr`] | distance to the closest training row (DCR), median over synthetic rows against the same for held-out real rows; and the share of synthetic rows nearer to a training row than the nearest 5 % of held-out rows are | ratio ≥ 1 (no closer than new real rows); share 0.05 (copies: 1) |
//!
//! **The discriminative score** follows TimeGAN (Yoon et al., 2019) and TSGBench (Ang et al.,
//! 2024): an equal number `n` of real and synthetic rows (the smaller count; the larger set
//! subsampled), 70 % to train the classifier, 30 % to test it. Each of the [`SPLITS`] splits
//! draws its own subsample, split and classifier; the score is `|mean accuracy − ½|` and
//! the splits' standard deviation of the accuracy is reported beside it. (Averaging the
//! accuracies before taking `|· − ½|` keeps the score of two samples of one distribution near
//! 0; the mean of the per-split `|accᵢ − ½|` would be about 0.8·sd even then.)
//!
//! **Autocorrelation** of a row's channel `v` (`points` values, mean `v̄`) at lag `l`:
//! `ρ(l) = Σₜ (vₜ − v̄)(vₜ₊ₗ − v̄) / Σₜ (vₜ − v̄)²` (the estimator of `statsmodels.tsa.acf`);
//! a constant channel of a row has none and is left out. `L = max(1, ⌊points / 4⌋)`.
//!
//! **DCR** (as SDV and synthcity report it) is measured after standardising every feature by
//! the training rows' mean and standard deviation: for each synthetic row and each held-out
//! real row, the Euclidean distance to its nearest training row. A generator that copies its
//! training rows gives synthetic distances near 0 and a ratio far below 1; one whose samples
//! are merely less spread than the data (nearer its dense middle) also gives a ratio below 1.
//! The **close share** is the share of synthetic rows whose DCR is below the 5th percentile of
//! the held-out rows' ([`CLOSE_QUANTILE`]): about 0.05 for new rows of the data's own
//! distribution, near 1 for copies of training rows — and also far above 0.05 for new rows
//! much less spread than the data (in 30 dimensions, rows at a third of the data's spread
//! give 1.0), so neither number alone tells copying from too little variety; the
//! discriminative score and recall see the latter.

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::data_source::stratified_split;
use crate::error::{Error, Result};
use crate::eval::classifier::Classifier;
use crate::eval::metrics::nearest_distance;

/// Random splits of the discriminative score.
pub const SPLITS: usize = 5;
/// The share of the mix the classifier is tested on.
pub const TEST_SHARE: f64 = 0.3;

/// The discriminative score of synthetic rows against real ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discriminative {
    /// `|mean accuracy − ½|`.
    pub score: f64,
    /// The mean test accuracy over the splits.
    pub accuracy: f64,
    /// The standard deviation of the test accuracy over the splits (`n − 1`).
    pub accuracy_sd: f64,
    /// Real (and synthetic) rows in each mix.
    pub rows: usize,
}

/// The discriminative score of `fake` (`[M, d]`) against `real` (`[N, d]`), with [`SPLITS`]
/// splits drawn from `seed` (see the module docs). Needs at least 4 rows of each.
pub fn discriminative_score(
    real: &[f32],
    fake: &[f32],
    d: usize,
    seed: u64,
) -> Result<Discriminative> {
    let (nr, nf) = (rows(real, d, "real")?, rows(fake, d, "fake")?);
    let n = nr.min(nf);
    if n < 4 {
        return Err(Error::Shape(format!(
            "the discriminative score needs at least 4 real and 4 synthetic rows, got {nr} and {nf}"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut accuracies = Vec::with_capacity(SPLITS);
    let (mut x, mut y) = (Vec::with_capacity(2 * n * d), Vec::with_capacity(2 * n));
    for split in 0..SPLITS {
        x.clear();
        y.clear();
        for (set, count, label) in [(real, nr, 1usize), (fake, nf, 0)] {
            let mut chosen = sample(&mut rng, count, n).into_vec();
            chosen.sort_unstable();
            for r in chosen {
                x.extend_from_slice(&set[r * d..(r + 1) * d]);
                y.push(label);
            }
        }
        let (train, test) = stratified_split(&y, 2, TEST_SHARE, &mut rng);
        let pick = |idx: &[usize]| -> (Vec<f32>, Vec<usize>) {
            let xs = idx
                .iter()
                .flat_map(|&i| x[i * d..(i + 1) * d].iter().copied());
            (xs.collect(), idx.iter().map(|&i| y[i]).collect())
        };
        let (x_train, y_train) = pick(&train);
        let (x_test, y_test) = pick(&test);
        let clf = Classifier::fit(&x_train, &y_train, d, 2, seed.wrapping_add(split as u64))?;
        accuracies.push(clf.accuracy(&x_test, &y_test)?);
    }
    let (accuracy, accuracy_sd) = mean_sd(&accuracies);
    Ok(Discriminative {
        score: (accuracy - 0.5).abs(),
        accuracy,
        accuracy_sd,
        rows: n,
    })
}

/// The test accuracy on `(test, test_y)` of a classifier trained on `(train, train_y)`
/// (`[N, d]` rows, labels below `classes`), the mean over `repeats` fits with seeds `seed`,
/// `seed + 1`, …: train on synthetic rows for TSTR, on real training rows for TRTR.
pub fn transfer_accuracy(
    (train, train_y): (&[f32], &[usize]),
    (test, test_y): (&[f32], &[usize]),
    d: usize,
    classes: usize,
    repeats: usize,
    seed: u64,
) -> Result<f64> {
    let mut sum = 0.0;
    for r in 0..repeats.max(1) {
        let clf = Classifier::fit(train, train_y, d, classes, seed.wrapping_add(r as u64))?;
        sum += clf.accuracy(test, test_y)?;
    }
    Ok(sum / repeats.max(1) as f64)
}

/// The mean over rows of each row's autocorrelation of every channel at lags `1 ..= lags`:
/// `[channels, lags]`, row-major. A channel constant in a row adds nothing; a channel constant
/// in every row gives NaN.
pub fn mean_acf(x: &[f32], channels: usize, points: usize, lags: usize) -> Result<Vec<f64>> {
    let n = rows(x, channels * points, "rows")?;
    if points < 2 || lags == 0 || lags >= points {
        return Err(Error::Shape(format!(
            "autocorrelation needs 1 ≤ lags < points, got {lags} lags of {points} points"
        )));
    }
    let mut sum = vec![0.0f64; channels * lags];
    let mut count = vec![0usize; channels];
    let mut centred = vec![0.0f64; points];
    for r in 0..n {
        for c in 0..channels {
            let v = &x[(r * channels + c) * points..(r * channels + c + 1) * points];
            let mean = v.iter().map(|&v| v as f64).sum::<f64>() / points as f64;
            for (o, &v) in centred.iter_mut().zip(v) {
                *o = v as f64 - mean;
            }
            let denom: f64 = centred.iter().map(|v| v * v).sum();
            if denom <= 0.0 || !denom.is_finite() {
                continue;
            }
            count[c] += 1;
            for l in 1..=lags {
                let num: f64 = (0..points - l).map(|t| centred[t] * centred[t + l]).sum();
                sum[c * lags + l - 1] += num / denom;
            }
        }
    }
    Ok(sum
        .iter()
        .enumerate()
        .map(|(i, s)| match count[i / lags] {
            0 => f64::NAN,
            k => s / k as f64,
        })
        .collect())
}

/// The lags the autocorrelation difference compares for curves of `points` points:
/// `max(1, ⌊points / 4⌋)` (at most `points − 1`).
pub fn default_lags(points: usize) -> usize {
    (points / 4).clamp(1, points.saturating_sub(1).max(1))
}

/// `mean |ρ_real − ρ_fake|` over channels and lags `1 ..= lags` ([`mean_acf`] of each).
pub fn acf_difference(
    real: &[f32],
    fake: &[f32],
    channels: usize,
    points: usize,
    lags: usize,
) -> Result<f64> {
    let a = mean_acf(real, channels, points, lags)?;
    let b = mean_acf(fake, channels, points, lags)?;
    Ok(a.iter().zip(&b).map(|(a, b)| (a - b).abs()).sum::<f64>() / a.len() as f64)
}

/// The mean over rows, channels and positions `1 … points − 2` of `|v[t+1] − 2v[t] + v[t−1]|`,
/// `v` a row's channel (`x` is `[N, channels · points]`); `points` must be at least 3. For a
/// curve sampled densely the second difference is its curvature times the spacing squared,
/// so jitter from point to point weighs far more than the curve's shape.
pub fn mean_second_difference(x: &[f32], channels: usize, points: usize) -> Result<f64> {
    let n = rows(x, channels * points, "rows")?;
    if points < 3 {
        return Err(Error::Shape(format!(
            "second differences need at least 3 points per channel, got {points}"
        )));
    }
    let sum: f64 = x
        .chunks_exact(points)
        .map(|v| {
            v.windows(3)
                .map(|w| (w[2] as f64 - 2.0 * w[1] as f64 + w[0] as f64).abs())
                .sum::<f64>()
        })
        .sum();
    Ok(sum / (n * channels * (points - 2)) as f64)
}

/// How much rougher the synthetic rows are than the real ones: [`mean_second_difference`] of
/// `fake` over that of `real` — 1 as smooth, 2 twice as rough. (The autocorrelation at small
/// lags barely sees point-to-point jitter on a curve with a large shape: on GunPoint, lag-1
/// autocorrelations 0.990 and 0.991 with this ratio at 4.6.) Real rows without curvature
/// (straight lines) give 1 when the synthetic ones have none either, else infinity.
pub fn roughness_ratio(real: &[f32], fake: &[f32], channels: usize, points: usize) -> Result<f64> {
    let (r, f) = (
        mean_second_difference(real, channels, points)?,
        mean_second_difference(fake, channels, points)?,
    );
    Ok(match (r > 0.0, f > 0.0) {
        (true, _) => f / r,
        (false, false) => 1.0,
        (false, true) => f64::INFINITY,
    })
}

/// Distances to the closest training row (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dcr {
    /// The median over synthetic rows.
    pub synthetic_median: f64,
    /// The median over held-out real rows.
    pub holdout_median: f64,
    /// `synthetic_median / holdout_median`: about 1 or more when G does not copy its training
    /// rows.
    pub ratio: f64,
    /// The share of synthetic rows nearer to a training row than the [`CLOSE_QUANTILE`] of the
    /// held-out rows' distances: about that quantile (0.05) for new rows of the data's
    /// distribution, near 1 for copies (and above 0.05 for rows less varied than the data).
    pub close_share: f64,
}

/// The quantile of the held-out rows' DCR below which a synthetic row counts as close.
pub const CLOSE_QUANTILE: f64 = 0.05;

/// The DCR of `synthetic` and of `holdout` rows to the `train` rows (all `[·, d]`), after
/// standardising every feature by the training rows' mean and standard deviation, and the close
/// share.
pub fn dcr(train: &[f32], synthetic: &[f32], holdout: &[f32], d: usize) -> Result<Dcr> {
    let n = rows(train, d, "train")?;
    rows(synthetic, d, "synthetic")?;
    rows(holdout, d, "holdout")?;
    let mut mean = vec![0.0f64; d];
    let mut sq = vec![0.0f64; d];
    for row in train.chunks_exact(d) {
        for (k, &v) in row.iter().enumerate() {
            mean[k] += v as f64;
            sq[k] += (v as f64) * (v as f64);
        }
    }
    let scale: Vec<(f64, f64)> = (0..d)
        .map(|k| {
            let m = mean[k] / n as f64;
            let sd = (sq[k] / n as f64 - m * m).max(0.0).sqrt();
            (m, if sd > 0.0 { 1.0 / sd } else { 1.0 })
        })
        .collect();
    let standardise = |x: &[f32]| -> Vec<f32> {
        x.chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .zip(&scale)
                    .map(|(&v, &(m, s))| ((v as f64 - m) * s) as f32)
            })
            .collect()
    };
    let t = standardise(train);
    let (syn, hold) = (standardise(synthetic), standardise(holdout));
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let k = v.len();
        match k % 2 {
            1 => v[k / 2],
            _ => 0.5 * (v[k / 2 - 1] + v[k / 2]),
        }
    };
    let (syn_d, hold_d) = (
        nearest_distance(&syn, d, &t)?,
        nearest_distance(&hold, d, &t)?,
    );
    let mut sorted = hold_d.clone();
    sorted.sort_by(f64::total_cmp);
    // The quantile by linear interpolation between order statistics (numpy's default).
    let at = CLOSE_QUANTILE * (sorted.len() - 1) as f64;
    let (lo, frac) = (at.floor() as usize, at - at.floor());
    let hi = (lo + 1).min(sorted.len() - 1);
    let threshold = sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
    let close = syn_d.iter().filter(|&&v| v < threshold).count() as f64 / syn_d.len() as f64;
    let (synthetic_median, holdout_median) = (median(syn_d), median(hold_d));
    Ok(Dcr {
        synthetic_median,
        holdout_median,
        ratio: synthetic_median / holdout_median,
        close_share: close,
    })
}

/// Mean and sample standard deviation (`n − 1`; 0 for one value).
fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = match v.len() {
        0 | 1 => 0.0,
        _ => v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0),
    };
    (mean, var.sqrt())
}

/// The number of rows of `[N, d]` values named `name`.
fn rows(x: &[f32], d: usize, name: &str) -> Result<usize> {
    if d == 0 || x.is_empty() || !x.len().is_multiple_of(d) {
        return Err(Error::Shape(format!(
            "`{name}` has {} values, not a whole, non-zero number of rows of d = {d}",
            x.len()
        )));
    }
    Ok(x.len() / d)
}
