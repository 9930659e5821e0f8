//! A target's settings ([`TargetConfig`], one serde variant per kind), built from the
//! library's own words — a kind by its name ([`TargetConfig::named`]), a formula with its
//! parameters ([`TargetConfig::formula`]), a data file ([`TargetConfig::data`]), then the
//! points, x range or parameters of one already made ([`TargetConfig::with_points`],
//! [`TargetConfig::with_x_range`], [`TargetConfig::with_params`]) — and checked and built into
//! a [`Target`] ([`TargetConfig::build`]).

use std::path::PathBuf;

use super::check::build_expr;
use super::param::Param;
use super::sample::{modes_target, Source, Target};
use super::{
    linspace, DEFAULT_HOLDOUT, DEFAULT_POINTS, DEFAULT_X_RANGE, GRID25_SIGMA, MAX_CURVE_POINTS,
    RING8_SIGMA,
};
use crate::data::data_source::DataSource;
use crate::data::dataset::{DataOptions, Dataset};
use crate::data::scale::Scale;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

fn is_unscaled(s: &Scale) -> bool {
    *s == Scale::None
}

fn default_points() -> usize {
    DEFAULT_POINTS
}

fn default_x_range() -> [f64; 2] {
    DEFAULT_X_RANGE
}

/// Where and what to sample: the real data's settings, one variant per kind with exactly the
/// settings that kind has.
///
/// In TOML one table tagged by `kind` (see the module docs). `points` and `x_range` exist only
/// in the curve kinds and default to 15 and `[-1, 1]`; a key the kind does not have is an
/// error (`unknown field`), so a `points` on `ring8` or a `path` on `expr` cannot be written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum TargetConfig {
    /// The tutorial's fixed curve `2x² + 1`.
    Quadratic {
        /// Number of x values the curve is sampled at (default 15).
        #[serde(default = "default_points")]
        points: usize,
        /// The x interval `[lo, hi]` (default `[-1, 1]`).
        #[serde(default = "default_x_range")]
        x_range: [f64; 2],
    },
    /// The family `a·x² + (a − 1)`, `a ~ U[1, 2)`; the condition is `[a]`.
    Family {
        /// Number of x values a curve is sampled at (default 15).
        #[serde(default = "default_points")]
        points: usize,
        /// The x interval `[lo, hi]` (default `[-1, 1]`).
        #[serde(default = "default_x_range")]
        x_range: [f64; 2],
    },
    /// A formula in `x` and named parameters; the condition is its random parameters.
    Expr {
        /// The formula, e.g. `a*sin(b*x)` (see [`crate::data::expr`]).
        expr: String,
        /// Its parameters, in declaration order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        params: Vec<Param>,
        /// Number of x values a curve is sampled at (default 15).
        #[serde(default = "default_points")]
        points: usize,
        /// The x interval `[lo, hi]` (default `[-1, 1]`).
        #[serde(default = "default_x_range")]
        x_range: [f64; 2],
    },
    /// Rows of a data file (CSV, NumPy `.npy` or UCR/UEA `.ts`; [`crate::data::dataset`]),
    /// loaded when the target is built.
    Data {
        /// The file (a relative path is read from the working directory; the command line
        /// makes it absolute).
        path: PathBuf,
        /// A CSV file's condition columns (`NAME` or `NAME:category`); a `.ts` file's label is
        /// `label`. Used by a conditional GAN.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        condition_columns: Vec<String>,
        /// Interpolate every series onto this many points (`.ts` files of unequal lengths).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resample: Option<usize>,
        /// The share of rows held out of training for evaluation ([`DataSource`]); absent: 0
        /// (runs of versions before it). [`TargetConfig::data`] gives [`DEFAULT_HOLDOUT`].
        #[serde(default, skip_serializing_if = "is_zero")]
        holdout: f64,
        /// How the values are scaled for training; absent: `none` (runs of versions before
        /// it). [`TargetConfig::data`] gives `standard`.
        #[serde(default, skip_serializing_if = "is_unscaled")]
        scale: Scale,
    },
    /// 8 Gaussians on the unit circle, σ = 0.01. (A struct variant without fields rather than
    /// a unit variant, so that serde rejects keys such as `points` instead of ignoring them.)
    Ring8 {},
    /// 25 Gaussians at `{−4, −2, 0, 2, 4}²`, σ = 0.05 (no fields, like `Ring8`).
    Grid25 {},
}

impl Default for TargetConfig {
    /// The tutorial's target: `quadratic` on 15 points over `[-1, 1]`.
    fn default() -> Self {
        TargetConfig::Quadratic {
            points: DEFAULT_POINTS,
            x_range: DEFAULT_X_RANGE,
        }
    }
}

impl TargetConfig {
    /// The kind's name in `config.toml` (`kind = "…"`).
    pub fn name(&self) -> &'static str {
        match self {
            TargetConfig::Quadratic { .. } => "quadratic",
            TargetConfig::Family { .. } => "family",
            TargetConfig::Expr { .. } => "expr",
            TargetConfig::Data { .. } => "data",
            TargetConfig::Ring8 {} => "ring8",
            TargetConfig::Grid25 {} => "grid25",
        }
    }

    /// The x grid `(points, [lo, hi])` of a curve kind (`quadratic`, `family`, `expr`);
    /// `None` for the others.
    pub fn grid(&self) -> Option<(usize, [f64; 2])> {
        match *self {
            TargetConfig::Quadratic { points, x_range }
            | TargetConfig::Family { points, x_range }
            | TargetConfig::Expr {
                points, x_range, ..
            } => Some((points, x_range)),
            _ => None,
        }
    }

    /// True for the kinds sampled on an x grid (`quadratic`, `family`, `expr`).
    pub fn is_curve(&self) -> bool {
        self.grid().is_some()
    }

    /// The data file `path` as a data target is usually trained: no condition columns, no
    /// resampling, [`DEFAULT_HOLDOUT`] held out, `standard` scaling. (A `kind = "data"` table
    /// without `holdout` and `scale` holds none out and scales nothing, as the runs of versions
    /// before them.)
    pub fn data(path: PathBuf) -> TargetConfig {
        TargetConfig::Data {
            path,
            condition_columns: Vec::new(),
            resample: None,
            holdout: DEFAULT_HOLDOUT,
            scale: Scale::Standard,
        }
    }

    /// The kind called `kind` ([`NAMED_KINDS`](super::NAMED_KINDS): `quadratic`, `family`, `ring8`, `grid25`), a
    /// curve on the default grid; `None` for any other name (`expr` and `data` need their
    /// formula or file: [`TargetConfig::formula`], [`TargetConfig::data`]).
    pub fn named(kind: &str) -> Option<TargetConfig> {
        let (points, x_range) = (DEFAULT_POINTS, DEFAULT_X_RANGE);
        Some(match kind {
            "quadratic" => TargetConfig::Quadratic { points, x_range },
            "family" => TargetConfig::Family { points, x_range },
            "ring8" => TargetConfig::Ring8 {},
            "grid25" => TargetConfig::Grid25 {},
            _ => return None,
        })
    }

    /// The formula `expr` in `x` and `params`, in declaration order, on the default grid. The
    /// formula and its parameters are checked by [`TargetConfig::build`].
    pub fn formula(expr: impl Into<String>, params: Vec<Param>) -> TargetConfig {
        TargetConfig::Expr {
            expr: expr.into(),
            params,
            points: DEFAULT_POINTS,
            x_range: DEFAULT_X_RANGE,
        }
    }

    /// This curve sampled at `points` x values; an error (`target.points`) for a kind without
    /// a grid. The count is checked by [`TargetConfig::build`].
    pub fn with_points(mut self, points: usize) -> Result<TargetConfig> {
        match &mut self {
            TargetConfig::Quadratic { points: p, .. }
            | TargetConfig::Family { points: p, .. }
            | TargetConfig::Expr { points: p, .. } => *p = points,
            _ => return Err(self.refuse("target.points", points)),
        }
        Ok(self)
    }

    /// This curve over `x_range`; an error (`target.x_range`) for a kind without a grid. The
    /// range is checked by [`TargetConfig::build`] ([`check_x_range`]).
    pub fn with_x_range(mut self, x_range: [f64; 2]) -> Result<TargetConfig> {
        match &mut self {
            TargetConfig::Quadratic { x_range: r, .. }
            | TargetConfig::Family { x_range: r, .. }
            | TargetConfig::Expr { x_range: r, .. } => *r = x_range,
            _ => {
                let [lo, hi] = x_range;
                return Err(self.refuse("target.x_range", format!("{lo},{hi}")));
            }
        }
        Ok(self)
    }

    /// This formula with `params`: each replaces the parameter of its name or is added after
    /// the others. An error (`target.params`) for a kind that is not a formula, unless
    /// `params` is empty.
    pub fn with_params(mut self, params: Vec<Param>) -> Result<TargetConfig> {
        let Some(first) = params.first() else {
            return Ok(self);
        };
        let TargetConfig::Expr { params: have, .. } = &mut self else {
            return Err(self.refuse("target.params", first));
        };
        for p in params {
            match have.iter_mut().find(|h| h.name == p.name) {
                Some(h) => *h = p,
                None => have.push(p),
            }
        }
        Ok(self)
    }

    /// The error for a setting `key` given as `value` to a kind that does not have it.
    fn refuse(&self, key: &str, value: impl std::fmt::Display) -> Error {
        Error::config(
            key,
            format!(
                "{value} given, but `{key}` does not apply to the target {}",
                self.name()
            ),
        )
    }

    /// Checks the settings and builds the target: compiles a formula (and evaluates it at its
    /// parameters' extremes and on a few draws, so that a NaN or infinity is reported now),
    /// or loads the data file.
    pub fn build(&self) -> Result<Target> {
        let x64 = match self.grid() {
            Some((points, x_range)) => {
                if points < 2 {
                    return Err(Error::config(
                        "target.points",
                        format!("a curve needs at least 2 points, got {points}"),
                    ));
                }
                if points > MAX_CURVE_POINTS {
                    return Err(Error::config(
                        "target.points",
                        format!("at most {MAX_CURVE_POINTS} points, got {points}"),
                    ));
                }
                check_x_range(x_range)?;
                let [lo, hi] = x_range;
                check_f32_curve(self, &[lo, hi])?;
                linspace(lo, hi, points)
            }
            None => Vec::new(),
        };
        let curve = |x64: Vec<f64>, fixed: Option<Vec<f32>>, source: Source| Target {
            x: x64.iter().map(|&v| v as f32).collect(),
            x64,
            fixed,
            source,
        };
        let target = match self {
            TargetConfig::Quadratic { .. } => {
                let fixed = x64.iter().map(|&x| (2.0 * x * x + 1.0) as f32).collect();
                curve(x64, Some(fixed), Source::Quadratic)
            }
            TargetConfig::Family { .. } => curve(x64, None, Source::Family),
            TargetConfig::Expr { expr, params, .. } => build_expr(expr, params, x64)?,
            TargetConfig::Data {
                path,
                condition_columns,
                resample,
                holdout,
                scale,
            } => {
                let options = DataOptions {
                    condition_columns: condition_columns.clone(),
                    resample: *resample,
                };
                Target::of_source(DataSource::new(
                    Dataset::load(path, &options)?,
                    *holdout,
                    *scale,
                )?)
            }
            TargetConfig::Ring8 {} => {
                let centres = (0..8)
                    .flat_map(|k| {
                        let t = std::f64::consts::TAU * k as f64 / 8.0;
                        [t.cos() as f32, t.sin() as f32]
                    })
                    .collect();
                modes_target(centres, RING8_SIGMA)
            }
            TargetConfig::Grid25 {} => {
                let centres = (0..25)
                    .flat_map(|k| [(-4 + 2 * (k / 5)) as f32, (-4 + 2 * (k % 5)) as f32])
                    .collect();
                modes_target(centres, GRID25_SIGMA)
            }
        };
        Ok(target)
    }
}

/// Checks an x interval `[lo, hi]`: finite, `lo < hi` (`target.x_range`).
pub fn check_x_range([lo, hi]: [f64; 2]) -> Result<()> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::config(
            "target.x_range",
            format!("needs finite LO < HI, got {lo},{hi}"),
        ));
    }
    Ok(())
}

/// Checks that the x range's ends and, for `quadratic` and `family` (at a = 2), the curve's
/// values there hold in f32 (their largest |y| is at an end of the range).
fn check_f32_curve(target: &TargetConfig, ends: &[f64]) -> Result<()> {
    for &x in ends {
        let y = match target {
            TargetConfig::Quadratic { .. } | TargetConfig::Family { .. } => Some(2.0 * x * x + 1.0),
            _ => None,
        };
        if (x as f32).is_finite() && y.is_none_or(|y| (y as f32).is_finite()) {
            continue;
        }
        let what = match y {
            Some(y) => format!("gives the {} curve the value {y:e}", target.name()),
            None => "is".to_string(),
        };
        return Err(Error::config(
            "target.x_range",
            format!("x = {x:e} {what}, beyond f32's range"),
        ));
    }
    Ok(())
}
