//! What the generator learns: the real data.
//!
//! A curve target samples a function at `points` x values spread evenly over `[lo, hi]`, as
//! `numpy.linspace(lo, hi, points)` does (`xᵢ = lo + i·(hi − lo)/(points − 1)`, the last one
//! exactly `hi`). Values are computed in f64 and rounded to f32, as the tutorial's numpy code
//! does. A real batch is `[B, dim]`; for a conditional GAN each sample also has a condition
//! vector `c` (`[B, cond_dim]`), the values of its random parameters.
//!
//! | kind | one sample (`[dim]`) | condition `c` |
//! | --- | --- | --- |
//! | `quadratic` | the tutorial's fixed curve `yᵢ = 2xᵢ² + 1`, `dim = points` | none |
//! | `family` | `yᵢ = a·xᵢ² + (a − 1)`, `a ~ U[1, 2)` per sample | `[a]` |
//! | `expr` | `yᵢ = f(xᵢ; p)` for a formula `f` ([`crate::data::expr`]); each parameter is `uniform(LO,HI)` (`U[LO, HI)`), `normal(MEAN,SD)` or a constant, drawn per sample in declaration order | the random parameters, in declaration order |
//! | `data` | a row of a CSV file ([`crate::data::csv_data`]), drawn uniformly with replacement; `x` is the column index `0..dim` | none |
//! | `ring8` | 8 Gaussians, σ = 0.01, centred on the unit circle at angles `2πk/8`; `dim = 2`, `x = [0, 1]` (coordinate index) | none |
//! | `grid25` | 25 Gaussians, σ = 0.05, centred at `{−4, −2, 0, 2, 4}²`; `dim = 2`, `x = [0, 1]` | none |
//!
//! Drawn parameter values are rounded to f32 (the condition's type) before the curve is
//! computed, so that [`Target::curve_for`] of a sample's condition gives that sample exactly.
//! A uniform draw stays below `HI` after rounding.
//!
//! In `config.toml` a target is one table tagged by `kind` ([`TargetConfig`], a serde
//! internally tagged enum): each kind has exactly its own keys, and any other key is an error.
//! `points` (default 15) and `x_range` (default `[-1, 1]`) belong to the curve kinds
//! (`quadratic`, `family`, `expr`) only:
//!
//! ```toml
//! [target]
//! kind = "expr"                                  # quadratic | family | expr | data | ring8 | grid25
//! expr = "a*sin(b*x)"                            # kind = "expr": the formula
//! params = ["a=uniform(1,2)", "b=normal(3,0.1)"] # kind = "expr": in declaration order
//! points = 15                                    # curve kinds only
//! x_range = [-1.0, 1.0]                          # curve kinds only
//! # path = "curves.csv"                          # kind = "data" only, and nothing else
//! ```
//!
//! In code a target is made by kind ([`TargetConfig::named`]), formula
//! ([`TargetConfig::formula`]) or file ([`TargetConfig::data`]), then given its grid
//! ([`TargetConfig::with_points`], [`TargetConfig::with_x_range`]):
//!
//! ```
//! use curvegan::data::target::TargetConfig;
//! use rand::SeedableRng;
//!
//! let a = "a=uniform(1,2)".parse().unwrap();
//! let config = TargetConfig::formula("a*x^2 + (a-1)", vec![a]);
//! let target = config.build().unwrap();
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let (mut real, mut cond) = (vec![0.0; 4 * target.dim()], vec![0.0; 4]); // [B, dim], [B, 1]
//! target.draw(&mut rng, &mut real, Some(&mut cond)).unwrap();
//! assert_eq!(target.curve_for(&cond[..1]).unwrap(), &real[..target.dim()]);
//! ```
//!
//! - [`param`]: a formula's parameters and their distributions, read from text;
//! - `config`: the settings of each kind, their constructors, and building a [`Target`];
//! - `check`: a formula evaluated before training at its parameters' extremes and on draws;
//! - `sample`: the built [`Target`], drawing real batches and their conditions.

mod check;
mod config;
pub mod param;
mod sample;

pub use config::{check_x_range, TargetConfig};
pub use param::{Param, ParamSpec};
pub use sample::{linspace, Target};

/// Points of a curve target unless given (the tutorial's 15).
pub const DEFAULT_POINTS: usize = 15;
/// The x interval of a curve target unless given (the tutorial's `[-1, 1]`).
pub const DEFAULT_X_RANGE: [f64; 2] = [-1.0, 1.0];
/// The share of a data file's rows [`TargetConfig::data`] holds out of training.
pub const DEFAULT_HOLDOUT: f64 = 0.2;
/// Standard deviation of each of `ring8`'s Gaussians.
pub const RING8_SIGMA: f32 = 0.01;
/// Standard deviation of each of `grid25`'s Gaussians.
pub const GRID25_SIGMA: f32 = 0.05;
/// The most points a curve may have (2²⁴): a sample of more would not fit the nets' memory
/// limit (`MAX_BYTES` of the config) anyway, and the grid is built before that is checked.
pub const MAX_CURVE_POINTS: usize = 1 << 24;
/// The kinds made from their name alone ([`TargetConfig::named`]); `expr` and `data` need a
/// formula or a file.
pub const NAMED_KINDS: [&str; 4] = ["quadratic", "family", "ring8", "grid25"];
