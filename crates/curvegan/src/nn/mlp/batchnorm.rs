//! Batch normalisation (`BatchNorm1d`) of a hidden layer, forward and backward side by side:
//! the batch's statistics in training mode, the running ones in evaluation mode, the
//! normalisation, and its backward pass, in PyTorch's CPU kernel's arithmetic (see
//! [`crate::nn::mlp`] for the formulas).

/// `BatchNorm1d`'s `eps`, PyTorch's default.
pub const BN_EPS: f64 = 1e-5;

/// `BatchNorm1d`'s `momentum`, PyTorch's default: the weight of the new batch's statistics in
/// the running ones.
pub const BN_MOMENTUM: f32 = 0.1;

/// The running statistics of one `BatchNorm1d`: buffers, not parameters (no gradient).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormBuffers {
    /// `running_mean`, `[units]`, initially 0.
    pub running_mean: Vec<f32>,
    /// `running_var` (unbiased), `[units]`, initially 1.
    pub running_var: Vec<f32>,
    /// `num_batches_tracked`: training-mode forward passes so far (int64 in PyTorch).
    pub num_batches_tracked: i64,
}

impl BatchNormBuffers {
    /// PyTorch's initial buffers for `units` features.
    pub(super) fn new(units: usize) -> Self {
        BatchNormBuffers {
            running_mean: vec![0.0; units],
            running_var: vec![1.0; units],
            num_batches_tracked: 0,
        }
    }
}

/// Training mode: the batch's mean and `1/√(σ²_biased + eps)` of each feature of `h`
/// (`[B, n]`) into `mean` and `invstd`, and the running statistics updated, in PyTorch's CPU
/// kernel's arithmetic: f32 sums row after row, the mean rounded to f32 before the sum of
/// squares, `invstd` from the f32 variance in f64, the running variance's sum in f64.
pub(super) fn batch_statistics(
    batch: usize,
    h: &[f32],
    bn: &mut BatchNormBuffers,
    mean: &mut [f32],
    invstd: &mut [f32],
) {
    let n = mean.len();
    let m = BN_MOMENTUM;
    let rows = batch as f32;
    for j in 0..n {
        let column = || h.iter().skip(j).step_by(n);
        let sum: f32 = column().fold(0.0, |s, &v| s + v);
        let mu = (sum as f64 / batch as f64) as f32;
        let var_sum: f32 = column().fold(0.0, |s, &v| s + (v - mu) * (v - mu));
        mean[j] = mu;
        invstd[j] = (1.0 / ((var_sum / rows) as f64 + BN_EPS).sqrt()) as f32;
        bn.running_mean[j] = m * mu + (1.0 - m) * bn.running_mean[j];
        let unbiased = (var_sum / (rows - 1.0)) as f64;
        bn.running_var[j] = (m as f64 * unbiased + ((1.0 - m) * bn.running_var[j]) as f64) as f32;
    }
    bn.num_batches_tracked += 1;
}

/// Evaluation mode: the running mean and `1/√(running_var + eps)` (in f32, as PyTorch).
pub(super) fn running_statistics(bn: &BatchNormBuffers, mean: &mut [f32], invstd: &mut [f32]) {
    mean.copy_from_slice(&bn.running_mean);
    for (s, &v) in invstd.iter_mut().zip(&bn.running_var) {
        *s = 1.0 / (v + BN_EPS as f32).sqrt();
    }
}

/// `h ← γ ⊙ (h − μ)·invstd + β` in place, computed as PyTorch does (`h·α + (β − μ·α)` with
/// `α = invstd·γ`), and `centred = h − μ` for backward. `h`, `centred`: `[B, n]`.
pub(super) fn normalise(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    invstd: &[f32],
    h: &mut [f32],
    centred: &mut [f32],
) {
    let n = mean.len();
    for (row, c_row) in h.chunks_exact_mut(n).zip(centred.chunks_exact_mut(n)) {
        for j in 0..n {
            let alpha = invstd[j] * gamma[j];
            let shift = beta[j] - mean[j] * alpha;
            c_row[j] = row[j] - mean[j];
            row[j] = row[j] * alpha + shift;
        }
    }
}

/// BN's training-mode backward, in place: `dy` (∂L/∂y, `[B, n]`) becomes ∂L/∂h, and
/// `Σ dy ⊙ x̂`, `Σ dy` are added to `grad` (γ's then β's, `[2n]`) when given. In PyTorch's CPU
/// kernel's arithmetic (f32, sums row after row): `dotp = Σ (h − μ)·dy`,
/// `k = dotp·invstd·invstd/B`, `∂h = (dy − Σdy/B − (h − μ)·k)·invstd·γ`, `∂γ = dotp·invstd`.
pub(super) fn batchnorm_backward(
    gamma: &[f32],
    centred: &[f32],
    invstd: &[f32],
    dy: &mut [f32],
    grad: Option<&mut [f32]>,
    sums: &mut Vec<f32>,
) {
    let n = gamma.len();
    let rows = (dy.len() / n) as f32;
    sums.clear();
    sums.resize(2 * n, 0.0);
    let (dotp, sum) = sums.split_at_mut(n);
    for (d_row, c_row) in dy.chunks_exact(n).zip(centred.chunks_exact(n)) {
        for j in 0..n {
            sum[j] += d_row[j];
            dotp[j] += c_row[j] * d_row[j];
        }
    }
    if let Some(g) = grad {
        let (g_gamma, g_beta) = g.split_at_mut(n);
        for j in 0..n {
            g_gamma[j] += dotp[j] * invstd[j];
            g_beta[j] += sum[j];
        }
    }
    for (d_row, c_row) in dy.chunks_exact_mut(n).zip(centred.chunks_exact(n)) {
        for j in 0..n {
            let k = dotp[j] * invstd[j] * invstd[j] / rows;
            let grad_mean = sum[j] / rows;
            d_row[j] = (d_row[j] - grad_mean - c_row[j] * k) * invstd[j] * gamma[j];
        }
    }
}
