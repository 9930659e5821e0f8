//! Loss functions with PyTorch's numerics, each returning the loss and its gradient.
//!
//! **Binary cross-entropy on probabilities** (`nn.BCELoss`, mean over N elements):
//! ```text
//! ℓᵢ = (tᵢ − 1)·max(log1p(−pᵢ), −100) − tᵢ·max(ln pᵢ, −100)
//! L  = (1/N) Σ ℓᵢ
//! ∂L/∂pᵢ = f32(1/N)·(pᵢ − tᵢ) / max((1 − pᵢ)·pᵢ, 1e-12)
//! ```
//! The clamps make a prediction of exactly 0 or 1 cost 100, not infinity, and keep the gradient
//! finite (about ±1e12).
//!
//! **Losses on raw scores** `s` (`[N]`, e.g. the outputs of a network without a sigmoid head);
//! every mean is over the N scores and every gradient follows PyTorch's order of operations:
//! ```text
//! bce_logits(s, t)   ℓᵢ = (1 − t)·sᵢ − log_sigmoid(sᵢ),  log_sigmoid(s) = min(s, 0) − log1p(e^(−|s|))
//!                    ∂(upstream·L)/∂sᵢ = ((σ(sᵢ) − t)·upstream) / N
//! least_squares(s,t) L = 0.5·mean((s − t)²)                ∂L/∂sᵢ = (0.5/N)·(2·(sᵢ − t))
//! hinge(s, y)        L = mean(relu(1 − y·s)), y = ±1       ∂L/∂sᵢ = −y/N where 1 − y·sᵢ > 0, else 0
//! signed_mean(s, c)  L = c·mean(s)                         ∂L/∂sᵢ = c/N
//! ```
//! **Softmax cross-entropy** on logits `z` (`[N, K]`) against class indices `y` (`[N]`),
//! mean-reduced (`F.cross_entropy`):
//! ```text
//! log_softmax(zᵢ)ₖ = zᵢₖ − mᵢ − ln Σⱼ e^(zᵢⱼ − mᵢ),  mᵢ = maxⱼ zᵢⱼ
//! L = −(1/N) Σᵢ log_softmax(zᵢ)_yᵢ       ∂L/∂zᵢₖ = (softmax(zᵢ)ₖ − [k = yᵢ]) / N
//! ```
//! `bce_logits` never overflows: `t = 1` is `softplus(−s)` and `t = 0` is `s − log_sigmoid(s)`,
//! both finite for any finite `s`. Loss values are summed in f64 and rounded once; PyTorch
//! sums in f32 in its own order, a difference of about 1 ulp.

use crate::error::{Error, Result};
use crate::nn::mlp::sigmoid;

/// The smallest value the BCE's logarithms are clamped to.
const LOG_CLAMP: f32 = -100.0;
/// The smallest denominator of the BCE's backward.
const GRAD_EPS: f32 = 1e-12;

/// BCE of probabilities `pred` against `target` (both `[N]`), mean-reduced. Writes ∂L/∂pred
/// into `grad` when given.
pub fn bce(pred: &[f32], target: &[f32], grad: Option<&mut [f32]>) -> Result<f32> {
    if pred.len() != target.len() || pred.is_empty() {
        return Err(Error::Shape(format!(
            "BCE needs as many targets as predictions, at least one: got {} predictions and {} targets",
            pred.len(),
            target.len()
        )));
    }
    check_grad(pred.len(), grad.as_deref())?;
    Ok(bce_iter(
        pred.iter().copied().zip(target.iter().copied()),
        pred.len(),
        grad,
    ))
}

/// BCE of probabilities against one target value for every element. Writes ∂L/∂pred into
/// `grad` (same length as `pred`) when given.
pub fn bce_to(pred: &[f32], target: f32, grad: Option<&mut [f32]>) -> Result<f32> {
    check_grad(pred.len(), grad.as_deref())?;
    Ok(bce_iter(
        pred.iter().map(|&p| (p, target)),
        pred.len(),
        grad,
    ))
}

fn check_grad(n: usize, grad: Option<&[f32]>) -> Result<()> {
    if n == 0 {
        return Err(Error::Shape("a loss needs at least one prediction".into()));
    }
    match grad {
        Some(g) if g.len() != n => Err(Error::Shape(format!(
            "loss gradient buffer has {} values for {n} predictions",
            g.len()
        ))),
        _ => Ok(()),
    }
}

fn bce_iter(
    pairs: impl Iterator<Item = (f32, f32)>,
    n: usize,
    mut grad: Option<&mut [f32]>,
) -> f32 {
    let inv_n = 1.0 / n as f32;
    let mut sum = 0.0f64;
    for (i, (p, t)) in pairs.enumerate() {
        let log_p = p.ln().max(LOG_CLAMP);
        let log_1mp = (-p).ln_1p().max(LOG_CLAMP);
        sum += ((t - 1.0) * log_1mp - t * log_p) as f64;
        if let Some(g) = grad.as_deref_mut() {
            g[i] = inv_n * (p - t) / ((1.0 - p) * p).max(GRAD_EPS);
        }
    }
    (sum / n as f64) as f32
}

/// `ln σ(s)` as PyTorch computes it (`F.logsigmoid`): `min(s, 0) − log1p(exp(−|s|))`, which
/// neither overflows nor loses the small values of `σ` for large `|s|`.
pub fn log_sigmoid(s: f32) -> f32 {
    s.min(0.0) - (-s.abs()).exp().ln_1p()
}

/// The mean of a slice, accumulated in f64 and rounded once.
pub(crate) fn mean(v: &[f32]) -> f32 {
    (v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64) as f32
}

/// Checks a score batch and its gradient buffer: same length, at least one score.
fn check_scores(what: &str, s: &[f32], grad: &[f32]) -> Result<()> {
    if s.is_empty() {
        return Err(Error::Shape(format!(
            "{what} needs at least one score, got 0"
        )));
    }
    if grad.len() != s.len() {
        return Err(Error::Shape(format!(
            "{what}: gradient buffer has {} values for {} scores",
            grad.len(),
            s.len()
        )));
    }
    Ok(())
}

/// BCE on logits against one target `t` for every score (`F.binary_cross_entropy_with_logits`,
/// mean over the N scores `s`), and its gradient scaled by `upstream`:
///
/// ```text
/// ℓᵢ = (1 − t)·sᵢ − log_sigmoid(sᵢ)          L = (1/N) Σ ℓᵢ
/// grad[i] = ∂(upstream·L)/∂sᵢ = ((σ(sᵢ) − t)·upstream) / N
/// ```
/// `t = 1` gives `softplus(−s)`, `t = 0` gives `s − log_sigmoid(s)`. The returned loss is `L`
/// (not multiplied by `upstream`); `upstream = −1` is the minimax generator's `−L`.
pub fn bce_logits(s: &[f32], target: f32, upstream: f32, grad: &mut [f32]) -> Result<f32> {
    check_scores("bce_logits", s, grad)?;
    let n = s.len() as f32;
    let mut sum = 0.0f64;
    for (&si, g) in s.iter().zip(grad.iter_mut()) {
        sum += ((1.0 - target) * si - log_sigmoid(si)) as f64;
        *g = ((sigmoid(si) - target) * upstream) / n;
    }
    Ok((sum / s.len() as f64) as f32)
}

/// Least squares to a target `t` (LSGAN): `L = 0.5·mean((s − t)²)`, with
/// `grad[i] = ∂L/∂sᵢ = (0.5/N)·(2·(sᵢ − t))`, PyTorch's order of operations.
pub fn least_squares(s: &[f32], target: f32, grad: &mut [f32]) -> Result<f32> {
    check_scores("least_squares", s, grad)?;
    let up = 0.5 / s.len() as f32;
    let mut sum = 0.0f64;
    for (&si, g) in s.iter().zip(grad.iter_mut()) {
        let d = si - target;
        sum += (d * d) as f64;
        *g = up * (2.0 * d);
    }
    Ok(0.5 * (sum / s.len() as f64) as f32)
}

/// Hinge with label `y` (+1 for real, −1 for fake): `L = mean(relu(1 − y·s))`, with
/// `grad[i] = −y/N` where `1 − y·sᵢ > 0` and 0 elsewhere (ReLU′(0) = 0).
pub fn hinge(s: &[f32], y: f32, grad: &mut [f32]) -> Result<f32> {
    check_scores("hinge", s, grad)?;
    let up = 1.0 / s.len() as f32;
    let mut sum = 0.0f64;
    for (&si, g) in s.iter().zip(grad.iter_mut()) {
        let m = 1.0 - y * si;
        if m > 0.0 {
            sum += m as f64;
            *g = -y * up;
        } else {
            *g = 0.0;
        }
    }
    Ok((sum / s.len() as f64) as f32)
}

/// A signed mean score (the Wasserstein critic's terms): `L = sign·mean(s)`, with
/// `grad[i] = sign/N`.
pub fn signed_mean(s: &[f32], sign: f32, grad: &mut [f32]) -> Result<f32> {
    check_scores("signed_mean", s, grad)?;
    let g = sign / s.len() as f32;
    grad.fill(g);
    Ok(sign * mean(s))
}

/// Softmax cross-entropy of logits `z` (`[N, K]`, row-major) against the class indices `y`
/// (`[N]`, each below `K`), mean-reduced, as PyTorch's `F.cross_entropy(z, y)`; writes
/// ∂L/∂z into `grad` (`[N, K]`). The log-softmax subtracts each row's maximum first, so no
/// logit overflows.
pub fn cross_entropy(z: &[f32], y: &[usize], classes: usize, grad: &mut [f32]) -> Result<f32> {
    let n = y.len();
    if n == 0 || classes == 0 || z.len() != n * classes || grad.len() != z.len() {
        return Err(Error::Shape(format!(
            "cross_entropy needs logits [N, K] for N labels and a gradient of the same size: got {} logits, {n} labels, K = {classes}, {} gradients",
            z.len(),
            grad.len()
        )));
    }
    if let Some(&bad) = y.iter().find(|&&c| c >= classes) {
        return Err(Error::Shape(format!(
            "cross_entropy: label {bad} is not below the number of classes {classes}"
        )));
    }
    let inv_n = 1.0 / n as f32;
    let mut sum = 0.0f64;
    for ((row, g), &label) in z
        .chunks_exact(classes)
        .zip(grad.chunks_exact_mut(classes))
        .zip(y)
    {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let log_sum = row.iter().map(|&v| (v - max).exp()).sum::<f32>().ln();
        for (k, (&v, gk)) in row.iter().zip(g.iter_mut()).enumerate() {
            let log_p = v - max - log_sum;
            if k == label {
                sum -= log_p as f64;
            }
            let onehot = if k == label { 1.0 } else { 0.0 };
            *gk = (log_p.exp() - onehot) * inv_n;
        }
    }
    Ok((sum / n as f64) as f32)
}
