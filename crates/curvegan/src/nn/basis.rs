//! A smooth output basis for G: cubic B-splines. G's last `Linear` gives `k` coefficients per
//! channel, and a fixed, bias-free linear map `M` turns them into the channel's `points`
//! values, so every curve G makes is a cubic spline — smooth however its weights move.
//!
//! **The basis** of one channel is the `k` cubic B-splines `Bᵢ` on clamped uniform knots over
//! `[0, 1]`, `t = [0, 0, 0, 0, 1/(k−3), 2/(k−3), …, 1, 1, 1, 1]` (`k + 4` knots: `linspace(0,
//! 1, k − 2)` with 0 and 1 repeated three more times), evaluated at the points
//! `x_j = j / (points − 1)`: `M₁[j, i] = Bᵢ(x_j)`, `[points, k]`, by the Cox–de Boor recursion
//! (scipy's `BSpline.design_matrix(x, t, 3)`). Each row sums to 1 and is non-negative; the
//! first and last points are the first and last coefficients. `4 ≤ k ≤ points`.
//!
//! **Several channels**: `M` is block-diagonal, `channels` copies of `M₁`,
//! `[channels · points, channels · k]`, so channel `c`'s values come from coefficients
//! `c·k … (c+1)·k − 1` only.
//!
//! **Forward and backward** (`h` the coefficients, `[B, channels · k]`): `y = h·Mᵀ`,
//! `[B, channels · points]`; `∂L/∂h = ∂L/∂y · M`. `M` has no gradient and no optimizer state.
//! In PyTorch it is the weight of a last `nn.Linear(channels·k, channels·points, bias=False)`
//! with `requires_grad_(False)`, so `nn.Sequential` loads G's state dict as it is
//! ([`crate::nn::mlp`] stores it under the module index after G's last `Linear`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The smallest number of coefficients per channel: a cubic B-spline basis needs 4.
pub const MIN_COEFFICIENTS: usize = 4;

/// The cubic B-spline basis of one channel, `[points, k]` row-major (see the module docs).
pub fn bspline(points: usize, k: usize) -> Result<Vec<f32>> {
    if k < MIN_COEFFICIENTS || k > points {
        return Err(Error::Shape(format!(
            "a cubic B-spline basis on {points} points takes {MIN_COEFFICIENTS} to {points} coefficients, got {k}"
        )));
    }
    const DEGREE: usize = 3;
    // Knots: 0 four times, the interior of linspace(0, 1, k − 2), 1 four times.
    let inner = k - 2;
    let mut knots = vec![0.0f64; DEGREE];
    knots.extend((0..inner).map(|i| i as f64 / (inner - 1) as f64));
    knots.extend([1.0; DEGREE]);
    let mut m = vec![0.0f32; points * k];
    for j in 0..points {
        let x = match points {
            1 => 0.0,
            _ => j as f64 / (points - 1) as f64,
        };
        // The knot span μ with t[μ] ≤ x < t[μ+1], the last non-empty one at x = 1.
        let mu = (DEGREE..k).rev().find(|&s| knots[s] <= x).unwrap_or(DEGREE);
        // Cox–de Boor on the degree + 1 non-zero functions B_{μ−3} … B_μ.
        let mut b = [0.0f64; DEGREE + 1];
        b[0] = 1.0;
        for d in 1..=DEGREE {
            let mut saved = 0.0;
            for r in 0..d {
                let (left, right) = (knots[mu + r + 1 - d], knots[mu + r + 1]);
                let term = match right - left {
                    w if w > 0.0 => b[r] / w,
                    _ => 0.0,
                };
                b[r] = saved + (right - x) * term;
                saved = (x - left) * term;
            }
            b[d] = saved;
        }
        for (r, v) in b.iter().enumerate() {
            m[j * k + mu - DEGREE + r] = *v as f32;
        }
    }
    Ok(m)
}

/// G's smooth output: `coefficients` cubic B-spline coefficients per channel, for samples of
/// `channels × points` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasisSpec {
    /// Channels of a sample.
    pub channels: usize,
    /// Points of each channel.
    pub points: usize,
    /// Coefficients per channel, `4 ≤ coefficients ≤ points`.
    pub coefficients: usize,
}

impl BasisSpec {
    /// The values a sample has: `channels · points`.
    pub fn outputs(&self) -> usize {
        self.channels * self.points
    }

    /// The coefficients G's last `Linear` gives: `channels · coefficients`.
    pub fn inputs(&self) -> usize {
        self.channels * self.coefficients
    }

    /// Checks the sizes (as [`bspline`] would).
    pub fn validate(&self) -> Result<()> {
        if self.channels == 0 {
            return Err(Error::Shape(
                "a smooth basis needs at least one channel".into(),
            ));
        }
        if self.coefficients < MIN_COEFFICIENTS || self.coefficients > self.points {
            return Err(Error::Shape(format!(
                "a cubic B-spline basis on {} points takes {MIN_COEFFICIENTS} to {} coefficients, got {}",
                self.points, self.points, self.coefficients
            )));
        }
        Ok(())
    }

    /// `M`, `[channels · points, channels · coefficients]` row-major: [`bspline`] in each
    /// diagonal block, zeros elsewhere (nn.Linear's weight layout `[out, in]`).
    pub fn matrix(&self) -> Result<Vec<f32>> {
        self.validate()?;
        let (p, k) = (self.points, self.coefficients);
        let block = bspline(p, k)?;
        let width = self.inputs();
        let mut m = vec![0.0f32; self.outputs() * width];
        for c in 0..self.channels {
            for j in 0..p {
                let row = (c * p + j) * width + c * k;
                m[row..row + k].copy_from_slice(&block[j * k..(j + 1) * k]);
            }
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_a_partition_of_unity_with_the_ends_interpolated() {
        for (p, k) in [(15, 4), (15, 6), (150, 50), (7, 7), (24, 12)] {
            let m = bspline(p, k).unwrap();
            for row in m.chunks_exact(k) {
                let sum: f32 = row.iter().sum();
                assert!((sum - 1.0).abs() < 1e-6, "{p} {k}: {row:?}");
                assert!(row.iter().all(|&v| v >= 0.0));
                assert!(row.iter().filter(|&&v| v > 0.0).count() <= 4);
            }
            assert_eq!(m[0], 1.0);
            assert_eq!(m[p * k - 1], 1.0);
        }
        // k = 4: the Bernstein polynomials of degree 3 (x = 0.5 is the middle of 5 points).
        let m = bspline(5, 4).unwrap();
        assert_eq!(&m[8..12], &[0.125, 0.375, 0.375, 0.125]);
    }

    #[test]
    fn channels_are_blocks_and_sizes_are_checked() {
        let spec = BasisSpec {
            channels: 2,
            points: 6,
            coefficients: 4,
        };
        let m = spec.matrix().unwrap();
        let one = bspline(6, 4).unwrap();
        assert_eq!(m.len(), 12 * 8);
        for j in 0..6 {
            assert_eq!(&m[j * 8..j * 8 + 4], &one[j * 4..j * 4 + 4]);
            assert_eq!(&m[j * 8 + 4..j * 8 + 8], &[0.0; 4]);
            assert_eq!(&m[(6 + j) * 8 + 4..(6 + j) * 8 + 8], &one[j * 4..j * 4 + 4]);
        }
        assert!(bspline(10, 3).is_err() && bspline(5, 6).is_err());
        let bad = BasisSpec {
            coefficients: 7,
            ..spec
        };
        assert!(bad.matrix().unwrap_err().to_string().contains("4 to 6"));
    }
}
