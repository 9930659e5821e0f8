//! What the generator learns: the real data.
//!
//! A curve target samples a function at `points` x values spread evenly over `[lo, hi]`, as
//! `numpy.linspace(lo, hi, points)` does (`xᵢ = lo + i·(hi − lo)/(points − 1)`, the last one
//! exactly `hi`). Values are computed in f64 and rounded to f32, as the tutorial's numpy code does.
//!
//! - `quadratic`: the tutorial's fixed curve `y = 2x² + 1`; every real sample is the same
//!   `[points]` vector.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The kind of real data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// The tutorial's fixed curve `2x² + 1`.
    Quadratic,
}

/// Where and what to sample: the real data's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Which data.
    pub kind: TargetKind,
    /// Number of x values a curve is sampled at (the tutorial: 15).
    pub points: usize,
    /// The x interval `[lo, hi]` (the tutorial: `[-1, 1]`).
    pub x_range: [f64; 2],
}

impl Default for TargetConfig {
    fn default() -> Self {
        TargetConfig {
            kind: TargetKind::Quadratic,
            points: 15,
            x_range: [-1.0, 1.0],
        }
    }
}

impl TargetConfig {
    /// Checks the settings and builds the target.
    pub fn build(&self) -> Result<Target> {
        if self.points < 2 {
            return Err(Error::config(
                "--points",
                format!("a curve needs at least 2 points, got {}", self.points),
            ));
        }
        let [lo, hi] = self.x_range;
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::config(
                "--x-range",
                format!("needs finite LO < HI, got {lo},{hi}"),
            ));
        }
        let x = linspace(lo, hi, self.points);
        let curve = match self.kind {
            TargetKind::Quadratic => x.iter().map(|&x| (2.0 * x * x + 1.0) as f32).collect(),
        };
        Ok(Target {
            x: x.iter().map(|&v| v as f32).collect(),
            curve,
        })
    }
}

/// `numpy.linspace(lo, hi, n)` in f64.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    let step = (hi - lo) / (n - 1) as f64;
    let mut x: Vec<f64> = (0..n).map(|i| i as f64 * step + lo).collect();
    if let Some(last) = x.last_mut() {
        *last = hi;
    }
    x
}

/// A built target: its x grid and how to draw real samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    x: Vec<f32>,
    curve: Vec<f32>,
}

impl Target {
    /// Length of one sample.
    pub fn dim(&self) -> usize {
        self.x.len()
    }

    /// The x values (`[dim]`).
    pub fn x(&self) -> &[f32] {
        &self.x
    }

    /// The one real curve, for targets that have a single one (`[dim]`).
    pub fn fixed_curve(&self) -> Option<&[f32]> {
        Some(&self.curve)
    }

    /// Fills `out` (`[B, dim]`) with B real samples.
    pub fn sample_into(&self, out: &mut [f32]) {
        for row in out.chunks_exact_mut(self.curve.len()) {
            row.copy_from_slice(&self.curve);
        }
    }

    /// Mean squared error of `samples` (`[N, dim]`) to the fixed curve, over all N·dim values.
    pub fn mse(&self, samples: &[f32]) -> Option<f64> {
        let curve = self.fixed_curve()?;
        if samples.is_empty() {
            return None;
        }
        let sum: f64 = samples
            .chunks_exact(curve.len())
            .flat_map(|row| row.iter().zip(curve))
            .map(|(&s, &c)| (s as f64 - c as f64).powi(2))
            .sum();
        Some(sum / samples.len() as f64)
    }
}
