//! Scaling a data set's values for training: a per-feature affine map fitted on the training
//! rows, so that G and D work on values of order 1 whatever the data's units.
//!
//! For every feature `j` (a channel's point) of `[N, d]` training rows `x`:
//!
//! | kind | shift `μⱼ` | scale `σⱼ` | the scaled values |
//! | --- | --- | --- | --- |
//! | `standard` | the mean of `xⱼ` | its standard deviation (population, `N` in the denominator) | mean 0, sd 1 |
//! | `minmax` | `(min xⱼ + max xⱼ) / 2` | `(max xⱼ − min xⱼ) / 2` | in `[−1, 1]` |
//! | `none` | 0 | 1 | as they are |
//!
//! A constant feature gets `σⱼ = 1` (it is only shifted). Training sees `(x − μ) / σ`; G's
//! output `g` is brought back to the data's units as `g · σ + μ` — one multiplication, then one
//! addition, each rounded to f32, exactly as PyTorch computes `G(z) * scale + shift`, so the
//! scaler saved beside G's weights ([`SHIFT`], [`SCALE`]) gives PyTorch the same numbers.
//!
//! ```
//! use curvegan::data::scale::{Scale, Scaler};
//!
//! let rows = [1.0f32, 10.0, 3.0, 30.0]; // [2, 2]
//! let s = Scaler::fit(Scale::Standard, &rows, 2);
//! assert_eq!((s.shift(), s.scale()), (&[2.0, 20.0][..], &[1.0, 10.0][..]));
//! let mut x = rows.to_vec();
//! s.apply(&mut x);
//! assert_eq!(x, [-1.0, -1.0, 1.0, 1.0]);
//! s.invert(&mut x);
//! assert_eq!(x, rows);
//! ```

use serde::{Deserialize, Serialize};

/// The tensor name of the shift `μ` in `generator.safetensors` and the checkpoint.
pub const SHIFT: &str = "scaler.shift";
/// The tensor name of the scale `σ` in `generator.safetensors` and the checkpoint.
pub const SCALE: &str = "scaler.scale";

/// How a data set is scaled for training (`--scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// As they are (what runs of versions before scaling did; a config file's default).
    #[default]
    None,
    /// Mean 0 and standard deviation 1 per feature (`--data`'s default).
    Standard,
    /// Into `[−1, 1]` per feature.
    Minmax,
}

impl std::str::FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Scale::None),
            "standard" => Ok(Scale::Standard),
            "minmax" => Ok(Scale::Minmax),
            _ => Err(format!("expected none, standard or minmax, got '{s}'")),
        }
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Scale::None => "none",
            Scale::Standard => "standard",
            Scale::Minmax => "minmax",
        })
    }
}

/// A fitted per-feature affine map: scaled = (x − shift) / scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    shift: Vec<f32>,
    scale: Vec<f32>,
}

impl Scaler {
    /// Fits `kind` on `rows` (`[N, d]`, N ≥ 1), in f64, rounded to f32 once.
    pub fn fit(kind: Scale, rows: &[f32], d: usize) -> Scaler {
        let n = rows.len() / d.max(1);
        let column = |j: usize| {
            rows.iter()
                .skip(j)
                .step_by(d.max(1))
                .take(n)
                .map(|&v| v as f64)
        };
        let (shift, scale): (Vec<f64>, Vec<f64>) = (0..d)
            .map(|j| match kind {
                Scale::None => (0.0, 1.0),
                Scale::Standard => {
                    let mean = column(j).sum::<f64>() / n.max(1) as f64;
                    let var = column(j).map(|v| (v - mean).powi(2)).sum::<f64>() / n.max(1) as f64;
                    (mean, var.sqrt())
                }
                Scale::Minmax => {
                    let (lo, hi) = column(j)
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                            (lo.min(v), hi.max(v))
                        });
                    ((lo + hi) / 2.0, (hi - lo) / 2.0)
                }
            })
            .unzip();
        Scaler {
            shift: shift.iter().map(|&m| m as f32).collect(),
            // A constant feature (or one whose spread is lost in f32) is only shifted.
            scale: scale
                .iter()
                .map(|&s| match s as f32 {
                    s if s > 0.0 && s.is_finite() => s,
                    _ => 1.0,
                })
                .collect(),
        }
    }

    /// A scaler from its saved tensors; `None` unless both have the same length, every value
    /// is finite and every scale is positive.
    pub fn from_parts(shift: Vec<f32>, scale: Vec<f32>) -> Option<Scaler> {
        let ok = shift.len() == scale.len()
            && shift.iter().all(|v| v.is_finite())
            && scale.iter().all(|v| v.is_finite() && *v > 0.0);
        ok.then_some(Scaler { shift, scale })
    }

    /// The identity on `d` features (what `none` fits).
    pub fn identity(d: usize) -> Scaler {
        Scaler {
            shift: vec![0.0; d],
            scale: vec![1.0; d],
        }
    }

    /// True for the identity map.
    pub fn is_identity(&self) -> bool {
        self.shift.iter().all(|&v| v == 0.0) && self.scale.iter().all(|&v| v == 1.0)
    }

    /// `μ`, `[d]`.
    pub fn shift(&self) -> &[f32] {
        &self.shift
    }

    /// `σ`, `[d]`.
    pub fn scale(&self) -> &[f32] {
        &self.scale
    }

    /// Features.
    pub fn dim(&self) -> usize {
        self.shift.len()
    }

    /// Scales rows `[N, d]` in place: `(x − μ) / σ`.
    pub fn apply(&self, rows: &mut [f32]) {
        for row in rows.chunks_exact_mut(self.dim().max(1)) {
            for ((v, &m), &s) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Brings scaled rows `[N, d]` back to the data's units in place: `x · σ + μ`, rounded
    /// after the product and after the sum (Rust never fuses them into one multiply-add), as
    /// PyTorch does.
    pub fn invert(&self, rows: &mut [f32]) {
        for row in rows.chunks_exact_mut(self.dim().max(1)) {
            for ((v, &m), &s) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
                *v = *v * s + m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minmax_maps_onto_minus_one_one_and_constants_are_only_shifted() {
        let rows = [0.0f32, 5.0, 4.0, 5.0, 2.0, 5.0]; // [3, 2], the second feature constant
        let s = Scaler::fit(Scale::Minmax, &rows, 2);
        assert_eq!(s.shift(), &[2.0, 5.0]);
        assert_eq!(s.scale(), &[2.0, 1.0]);
        let mut x = rows.to_vec();
        s.apply(&mut x);
        assert_eq!(x, [-1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
        let std = Scaler::fit(Scale::Standard, &rows, 2);
        assert_eq!(std.scale()[1], 1.0);
        assert!(Scaler::fit(Scale::None, &rows, 2).is_identity());
    }

    #[test]
    fn saved_parts_are_checked() {
        assert!(Scaler::from_parts(vec![0.0], vec![1.0]).is_some());
        assert!(Scaler::from_parts(vec![0.0], vec![0.0]).is_none());
        assert!(Scaler::from_parts(vec![f32::NAN], vec![1.0]).is_none());
        assert!(Scaler::from_parts(vec![0.0, 1.0], vec![1.0]).is_none());
    }
}
