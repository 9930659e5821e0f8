//! The post-hoc classifier of the curve measures: a small MLP trained, with one fixed
//! protocol, to tell rows apart — real rows from synthetic ones (the discriminative score),
//! or one class from another (train-on-synthetic, test-on-real).
//!
//! **Protocol** (the constants below). Rows `x` are `[N, d]`, labels `y` are `[N]` class
//! indices below `K`.
//! 1. Standardise every feature by the training rows' mean and standard deviation (a constant
//!    feature is only centred), so the rows' units do not matter.
//! 2. Hold out a stratified [`VALIDATION`] share of the training rows for validation.
//! 3. An MLP `d → 64 → 64 → K` ([`HIDDEN`], ReLU), PyTorch's default initialisation from the
//!    seed, trained on softmax cross-entropy ([`crate::nn::criterion::cross_entropy`]) with Adam
//!    (lr [`LR`], β = (0.9, 0.999)) on batches of [`BATCH`] rows, each epoch in a fresh random
//!    order.
//! 4. After every epoch, the validation loss; training stops after [`PATIENCE`] epochs without
//!    a lower one (at most [`MAX_EPOCHS`]), and the weights of the best epoch are kept.
//!
//! Everything random (the split, the initial weights, the batch order) comes from one
//! ChaCha8 stream seeded by `seed`, so a fit is a pure function of its inputs.
//!
//! ```
//! use curvegan::eval::classifier::Classifier;
//!
//! // Two classes in 1-D: x < 0 is class 0, x > 0 class 1.
//! let x: Vec<f32> = (0..200).map(|i| (i as f32 - 99.5) / 50.0).collect(); // [200, 1]
//! let y: Vec<usize> = x.iter().map(|&v| (v > 0.0) as usize).collect();
//! let clf = Classifier::fit(&x, &y, 1, 2, 0).unwrap();
//! assert!(clf.accuracy(&x, &y).unwrap() > 0.95);
//! ```

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::data::data_source::stratified_split;
use crate::error::{Error, Result};
use crate::nn::criterion::cross_entropy;
use crate::nn::mlp::{Activation, Mlp, MlpSpec, Tape};
use crate::nn::optim::{Optimizer, OptimizerConfig};

/// Hidden widths of the classifier.
pub const HIDDEN: [usize; 2] = [64, 64];
/// Adam's learning rate.
pub const LR: f64 = 1e-3;
/// Rows per batch.
pub const BATCH: usize = 64;
/// The share of the training rows kept for validation (early stopping).
pub const VALIDATION: f64 = 0.2;
/// Epochs without a lower validation loss before training stops.
pub const PATIENCE: usize = 10;
/// The most epochs.
pub const MAX_EPOCHS: usize = 200;

/// A trained classifier with its input standardisation.
#[derive(Debug, Clone)]
pub struct Classifier {
    mlp: Mlp,
    mean: Vec<f32>,
    /// 1 / standard deviation per feature (1 for a constant feature).
    inv_sd: Vec<f32>,
    classes: usize,
}

impl Classifier {
    /// Trains a classifier on `x` (`[N, d]`) with labels `y` (`[N]`, below `classes`) by the
    /// protocol of the module docs. Needs at least two rows of every class present and two
    /// classes.
    pub fn fit(x: &[f32], y: &[usize], d: usize, classes: usize, seed: u64) -> Result<Self> {
        check(x, y, d, classes)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (train, valid) = stratified_split(y, classes, VALIDATION, &mut rng);
        if train.is_empty() || valid.is_empty() {
            return Err(Error::Shape(format!(
                "a classifier needs rows to train and to validate on; {} rows are too few",
                y.len()
            )));
        }
        let (mean, inv_sd) = standardisation(x, d, &train);
        let standardise = |rows: &[usize]| -> Vec<f32> {
            let mut out = Vec::with_capacity(rows.len() * d);
            for &r in rows {
                let row = &x[r * d..(r + 1) * d];
                out.extend(
                    row.iter()
                        .zip(&mean)
                        .zip(&inv_sd)
                        .map(|((v, m), s)| (v - m) * s),
                );
            }
            out
        };
        let (x_train, x_valid) = (standardise(&train), standardise(&valid));
        let y_train: Vec<usize> = train.iter().map(|&r| y[r]).collect();
        let y_valid: Vec<usize> = valid.iter().map(|&r| y[r]).collect();

        let spec = MlpSpec::new(d, &HIDDEN, classes, Activation::Relu, Activation::Identity);
        let mut mlp = Mlp::init(&spec, &mut rng)?;
        let mut opt = Optimizer::new(OptimizerConfig::adam(LR), mlp.params().len());
        let mut tape = Tape::default();
        let mut grads = vec![0.0; mlp.params().len()];
        let mut grad_out = Vec::new();
        let (mut xb, mut yb) = (Vec::new(), Vec::new());
        let mut order: Vec<usize> = (0..y_train.len()).collect();
        let mut best = (f32::INFINITY, mlp.clone());
        let mut stale = 0;
        for _ in 0..MAX_EPOCHS {
            order.shuffle(&mut rng);
            for chunk in order.chunks(BATCH) {
                xb.clear();
                yb.clear();
                for &i in chunk {
                    xb.extend_from_slice(&x_train[i * d..(i + 1) * d]);
                    yb.push(y_train[i]);
                }
                let logits = mlp.forward(&xb, &mut tape)?;
                grad_out.resize(logits.len(), 0.0);
                cross_entropy(logits, &yb, classes, &mut grad_out)?;
                grads.fill(0.0);
                mlp.backward(&mut tape, &grad_out, Some(&mut grads), None)?;
                opt.step(mlp.params_mut(), &grads)?;
            }
            let logits = mlp.forward(&x_valid, &mut tape)?;
            grad_out.resize(logits.len(), 0.0);
            let loss = cross_entropy(logits, &y_valid, classes, &mut grad_out)?;
            if loss < best.0 {
                best = (loss, mlp.clone());
                stale = 0;
            } else {
                stale += 1;
                if stale >= PATIENCE {
                    break;
                }
            }
        }
        Ok(Classifier {
            mlp: best.1,
            mean,
            inv_sd,
            classes,
        })
    }

    /// The predicted class of every row of `x` (`[N, d]`): the largest logit (the first of
    /// equal ones).
    pub fn predict(&self, x: &[f32]) -> Result<Vec<usize>> {
        let d = self.mean.len();
        if !x.len().is_multiple_of(d) {
            return Err(Error::Shape(format!(
                "classifier input has {} values, not a whole number of rows of {d}",
                x.len()
            )));
        }
        let z: Vec<f32> = x
            .chunks_exact(d)
            .flat_map(|row| {
                row.iter()
                    .zip(&self.mean)
                    .zip(&self.inv_sd)
                    .map(|((v, m), s)| (v - m) * s)
            })
            .collect();
        let mut tape = Tape::default();
        let logits = self.mlp.forward(&z, &mut tape)?;
        Ok(logits
            .chunks_exact(self.classes)
            .map(|row| (0..row.len()).fold(0, |best, k| if row[k] > row[best] { k } else { best }))
            .collect())
    }

    /// The fraction of rows of `x` whose predicted class is their label in `y`.
    pub fn accuracy(&self, x: &[f32], y: &[usize]) -> Result<f64> {
        let predicted = self.predict(x)?;
        if predicted.len() != y.len() || y.is_empty() {
            return Err(Error::Shape(format!(
                "accuracy of {} predictions against {} labels",
                predicted.len(),
                y.len()
            )));
        }
        let right = predicted.iter().zip(y).filter(|(p, y)| p == y).count();
        Ok(right as f64 / y.len() as f64)
    }
}

/// Checks shapes and labels.
fn check(x: &[f32], y: &[usize], d: usize, classes: usize) -> Result<()> {
    if d == 0 || x.len() != y.len() * d || y.is_empty() {
        return Err(Error::Shape(format!(
            "a classifier needs rows [N, d] and N labels: got {} values, {} labels, d = {d}",
            x.len(),
            y.len()
        )));
    }
    if classes < 2 {
        return Err(Error::Shape(format!(
            "a classifier needs at least 2 classes, got {classes}"
        )));
    }
    if let Some(&bad) = y.iter().find(|&&c| c >= classes) {
        return Err(Error::Shape(format!(
            "label {bad} is not below the number of classes {classes}"
        )));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::Shape(
            "a classifier's rows must be finite; some value is NaN or infinite".into(),
        ));
    }
    Ok(())
}

/// Each feature's mean and 1 / standard deviation (population) over `rows` of `x`; 1 for a
/// feature that is constant there.
fn standardisation(x: &[f32], d: usize, rows: &[usize]) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len().max(1) as f64;
    let mut mean = vec![0.0f64; d];
    for &r in rows {
        for (m, &v) in mean.iter_mut().zip(&x[r * d..(r + 1) * d]) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; d];
    for &r in rows {
        for ((s, &v), m) in var.iter_mut().zip(&x[r * d..(r + 1) * d]).zip(&mean) {
            *s += (v as f64 - m).powi(2);
        }
    }
    let inv_sd = var
        .iter()
        .map(|&s| {
            let sd = (s / n).sqrt();
            if sd > 0.0 {
                (1.0 / sd) as f32
            } else {
                1.0
            }
        })
        .collect();
    (mean.iter().map(|&m| m as f32).collect(), inv_sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fit_is_a_function_of_its_inputs_and_learns_a_separable_problem() {
        // Two Gaussian clouds in 3-D, 1.5 apart on the first axis.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..300 {
            let c = i % 2;
            for k in 0..3 {
                let z: f32 =
                    rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng);
                x.push(z * 0.5 + if k == 0 { 1.5 * c as f32 } else { 0.0 });
            }
            y.push(c);
        }
        let a = Classifier::fit(&x, &y, 3, 2, 7).unwrap();
        let b = Classifier::fit(&x, &y, 3, 2, 7).unwrap();
        assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());
        // The Bayes accuracy is Φ(1.5) ≈ 0.933.
        let acc = a.accuracy(&x, &y).unwrap();
        assert!(acc > 0.88, "{acc}");
    }

    #[test]
    fn bad_shapes_are_errors() {
        assert!(Classifier::fit(&[0.0; 5], &[0, 1], 2, 2, 0).is_err());
        assert!(Classifier::fit(&[0.0; 4], &[0, 2], 2, 2, 0).is_err());
        assert!(Classifier::fit(&[0.0; 4], &[0, 0], 2, 1, 0).is_err());
        assert!(Classifier::fit(&[f32::NAN; 4], &[0, 1], 2, 2, 0).is_err());
    }
}
