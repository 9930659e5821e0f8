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
//! ```
//! use curvegan::data::target::TargetConfig;
//! use rand::SeedableRng;
//!
//! let config = TargetConfig::from_cli(Some("a*x^2 + (a-1)"), &["a=uniform(1,2)".into()], None, None, None)
//!     .unwrap();
//! let target = config.build().unwrap();
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let (mut real, mut cond) = (vec![0.0; 4 * target.dim()], vec![0.0; 4]); // [B, dim], [B, 1]
//! target.draw(&mut rng, &mut real, Some(&mut cond)).unwrap();
//! assert_eq!(target.curve_for(&cond[..1]).unwrap(), &real[..target.dim()]);
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::data_source::{Condition, DataSource};
use crate::data::dataset::{DataOptions, Dataset};
use crate::data::expr::{reserved_name, Formula};
use crate::data::scale::Scale;
use crate::error::{Error, Result};
use crate::text::echo;

/// Points of a curve target unless given (the tutorial's 15).
pub const DEFAULT_POINTS: usize = 15;
/// The x interval of a curve target unless given (the tutorial's `[-1, 1]`).
pub const DEFAULT_X_RANGE: [f64; 2] = [-1.0, 1.0];
/// The share of a data file's rows `--data` holds out of training.
pub const DEFAULT_HOLDOUT: f64 = 0.2;
/// Standard deviation of each of `ring8`'s Gaussians.
pub const RING8_SIGMA: f32 = 0.01;
/// Standard deviation of each of `grid25`'s Gaussians.
pub const GRID25_SIGMA: f32 = 0.05;
/// Random parameter draws checked for NaN/Inf when a formula target is built: as many as
/// [`CHECK_OPS`] steps of the formula's program allow over the curve's points, from
/// [`MIN_CHECK_DRAWS`] to [`MAX_CHECK_DRAWS`] (4096 for a short formula on the tutorial's 15
/// points: a few ms). A formula NaN on a fraction p of the draws is refused before training
/// with probability 1 − (1 − p)^4096 (98 % for p = 0.1 %).
const MAX_CHECK_DRAWS: usize = 4096;
/// The fewest random draws checked, however long the formula and the curve.
const MIN_CHECK_DRAWS: usize = 64;
/// Steps of a formula's program the random draws of the check may take in all (2²¹, about
/// 30 ms).
const CHECK_OPS: usize = 1 << 21;
/// A normal parameter is also checked at `mean ± CHECK_SDS·sd` when its target is built.
const CHECK_SDS: f64 = 5.0;

/// The distribution of a formula's parameter: `uniform(LO,HI)`, `normal(MEAN,SD)` or a value.
///
/// [`Display`](fmt::Display) writes the form [`FromStr`] reads, with Rust's shortest
/// round-trip numbers, so the two round-trip exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamSpec {
    /// `uniform(LO,HI)`: `U[lo, hi)`, `lo < hi`.
    Uniform {
        /// Lower bound (included).
        lo: f64,
        /// Upper bound (excluded).
        hi: f64,
    },
    /// `normal(MEAN,SD)`: `N(mean, sd²)`, `sd > 0`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// A constant value: not random, not part of the condition.
    Const(f64),
}

impl ParamSpec {
    /// True for `uniform` and `normal`, the parameters that are drawn (and form the condition).
    pub fn is_random(&self) -> bool {
        !matches!(self, ParamSpec::Const(_))
    }

    /// Checks the values: finite and within f32's range, `lo < hi`, `sd > 0`.
    pub fn validate(&self) -> Result<()> {
        let bad = |why: String| Err(Error::config("target.params", format!("'{self}': {why}")));
        let values: &[(&str, f64)] = match *self {
            ParamSpec::Uniform { lo, hi } => &[("LO", lo), ("HI", hi)],
            ParamSpec::Normal { mean, sd } => &[("MEAN", mean), ("SD", sd)],
            ParamSpec::Const(v) => &[("VALUE", v)],
        };
        for &(name, v) in values {
            if !v.is_finite() || !(v as f32).is_finite() {
                return bad(format!(
                    "{name} must be a finite number within f32's range, got {v}"
                ));
            }
        }
        match *self {
            ParamSpec::Uniform { lo, hi } if lo >= hi => {
                bad(format!("uniform needs LO < HI, got LO = {lo}, HI = {hi}"))
            }
            ParamSpec::Normal { sd, .. } if sd <= 0.0 => {
                bad(format!("normal needs SD > 0, got SD = {sd}"))
            }
            _ => Ok(()),
        }
    }

    /// One draw, rounded to f32. Draws nothing for a constant.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> f32 {
        match *self {
            ParamSpec::Uniform { lo, hi } => uniform_f32(rng, lo, hi),
            ParamSpec::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                (mean + sd * z) as f32
            }
            ParamSpec::Const(v) => v as f32,
        }
    }

    /// Values that a build-time check evaluates the formula at: the centre and the extremes
    /// (`lo`, the largest f32 below `hi`; `mean ± 5·sd`).
    fn check_values(&self) -> Vec<f64> {
        match *self {
            ParamSpec::Uniform { lo, hi } => {
                vec![
                    (lo + (hi - lo) / 2.0) as f32 as f64,
                    lo as f32 as f64,
                    below(hi) as f64,
                ]
            }
            ParamSpec::Normal { mean, sd } => vec![
                mean as f32 as f64,
                (mean - CHECK_SDS * sd) as f32 as f64,
                (mean + CHECK_SDS * sd) as f32 as f64,
            ],
            ParamSpec::Const(v) => vec![v],
        }
    }
}

/// `U[lo, hi)` rounded to f32, kept below `hi` (the rounding could otherwise reach it).
fn uniform_f32(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f32 {
    let u: f64 = rng.random(); // [0, 1)
    let v = lo + (hi - lo) * u;
    let p = v as f32;
    if p as f64 >= hi {
        next_down(p)
    } else {
        p
    }
}

/// The largest f32 below `hi`.
fn below(hi: f64) -> f32 {
    let p = hi as f32;
    if p as f64 >= hi {
        next_down(p)
    } else {
        p
    }
}

/// The next f32 towards −∞ (`f32::next_down`, stable only since Rust 1.86).
fn next_down(p: f32) -> f32 {
    if p.is_nan() || p == f32::NEG_INFINITY {
        p
    } else if p == 0.0 {
        -f32::from_bits(1)
    } else if p > 0.0 {
        f32::from_bits(p.to_bits() - 1)
    } else {
        f32::from_bits(p.to_bits() + 1)
    }
}

impl fmt::Display for ParamSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamSpec::Uniform { lo, hi } => write!(f, "uniform({lo},{hi})"),
            ParamSpec::Normal { mean, sd } => write!(f, "normal({mean},{sd})"),
            ParamSpec::Const(v) => write!(f, "{v}"),
        }
    }
}

impl FromStr for ParamSpec {
    type Err = Error;

    /// Reads `uniform(LO,HI)`, `normal(MEAN,SD)` or `VALUE` (spaces allowed), and checks it
    /// ([`ParamSpec::validate`]). The error names `--param` and the text.
    fn from_str(text: &str) -> Result<Self> {
        let t = text.trim();
        let usage = || {
            Error::config(
                "target.params",
                format!(
                    "'{}' is not uniform(LO,HI), normal(MEAN,SD) or a number",
                    echo(text)
                ),
            )
        };
        let number = |s: &str, what: &str| -> Result<f64> {
            s.trim().parse::<f64>().map_err(|_| {
                Error::config(
                    "target.params",
                    format!(
                        "'{}': {what} '{}' is not a number",
                        echo(text),
                        echo(s.trim())
                    ),
                )
            })
        };
        let spec = if let Some((name, rest)) = t.split_once('(') {
            let inner = rest.strip_suffix(')').ok_or_else(usage)?;
            let (a, b) = inner.split_once(',').ok_or_else(usage)?;
            match name.trim() {
                "uniform" => ParamSpec::Uniform {
                    lo: number(a, "LO")?,
                    hi: number(b, "HI")?,
                },
                "normal" => ParamSpec::Normal {
                    mean: number(a, "MEAN")?,
                    sd: number(b, "SD")?,
                },
                _ => return Err(usage()),
            }
        } else {
            ParamSpec::Const(t.parse().map_err(|_| usage())?)
        };
        spec.validate()?;
        Ok(spec)
    }
}

/// A named parameter of a formula: `NAME=SPEC`, e.g. `a=uniform(1,2)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name used in the formula.
    pub name: String,
    /// Its distribution.
    pub spec: ParamSpec,
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.spec)
    }
}

impl FromStr for Param {
    type Err = Error;

    /// Reads `NAME=uniform(LO,HI)`, `NAME=normal(MEAN,SD)` or `NAME=VALUE`. The name must be
    /// usable in a formula (not `x`, a constant or a function).
    fn from_str(text: &str) -> Result<Self> {
        let (name, spec) = text.split_once('=').ok_or_else(|| {
            Error::config(
                "target.params",
                format!(
                    "'{}' is not NAME=uniform(LO,HI), NAME=normal(MEAN,SD) or NAME=VALUE",
                    echo(text)
                ),
            )
        })?;
        let name = name.trim();
        if let Some(why) = reserved_name(name) {
            return Err(Error::config(
                "target.params",
                format!("'{}': {why}", echo(text)),
            ));
        }
        Ok(Param {
            name: name.to_string(),
            spec: spec.parse()?,
        })
    }
}

impl Serialize for Param {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

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
        /// The file, as given (`--data` makes it absolute).
        path: PathBuf,
        /// A CSV file's condition columns (`NAME` or `NAME:category`); a `.ts` file's label is
        /// `label`. Used by a conditional GAN.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        condition_columns: Vec<String>,
        /// Interpolate every series onto this many points (`.ts` files of unequal lengths).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resample: Option<usize>,
        /// The share of rows held out of training for evaluation ([`DataSource`]); absent: 0
        /// (runs of versions before it). `--data` gives [`DEFAULT_HOLDOUT`].
        #[serde(default, skip_serializing_if = "is_zero")]
        holdout: f64,
        /// How the values are scaled for training; absent: `none` (runs of versions before
        /// it). `--data` gives `standard`.
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

    /// The data file `path` with `--data`'s settings: no condition columns, no resampling,
    /// [`DEFAULT_HOLDOUT`] held out, `standard` scaling.
    pub fn data(path: PathBuf) -> TargetConfig {
        TargetConfig::Data {
            path,
            condition_columns: Vec::new(),
            resample: None,
            holdout: DEFAULT_HOLDOUT,
            scale: Scale::Standard,
        }
    }
}

/// Reads `--x-range LO,HI` (e.g. `-1,1`): finite, `LO < HI`.
pub fn parse_x_range(text: &str) -> Result<[f64; 2]> {
    let bad = || {
        Error::config(
            "target.x_range",
            format!("expected LO,HI with LO < HI, got '{}'", echo(text)),
        )
    };
    let (lo, hi) = text.split_once(',').ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    check_x_range([lo, hi])?;
    Ok([lo, hi])
}

fn check_x_range([lo, hi]: [f64; 2]) -> Result<()> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::config(
            "target.x_range",
            format!("needs finite LO < HI, got {lo},{hi}"),
        ));
    }
    Ok(())
}

/// The most points a curve may have (2²⁴): a sample of more would not fit the nets' memory
/// limit (`MAX_BYTES` of the config) anyway, and the grid is built before that is checked.
pub const MAX_CURVE_POINTS: usize = 1 << 24;

/// The target names `--target` reserves; any other text is a formula.
pub const RESERVED_TARGETS: [&str; 4] = ["quadratic", "family", "ring8", "grid25"];

impl TargetConfig {
    /// This target with the command line's `--param`, `--points` and `--x-range` applied, for
    /// a target read from the config file `source`: a formula keeps its formula (a `--param`
    /// replaces the parameter of its name or adds one), a curve its kind. An option the
    /// target does not have is an error naming both.
    pub fn with_options(
        mut self,
        params: &[String],
        points: Option<usize>,
        x_range: Option<[f64; 2]>,
        source: &Path,
    ) -> Result<TargetConfig> {
        let name = self.name();
        let refuse = |option: &str, value: String| {
            Error::config(
                option,
                format!(
                    "{value} given, but `{option}` does not apply to the target {name} from {}",
                    source.display()
                ),
            )
        };
        match &mut self {
            TargetConfig::Quadratic {
                points: p,
                x_range: r,
            }
            | TargetConfig::Family {
                points: p,
                x_range: r,
            }
            | TargetConfig::Expr {
                points: p,
                x_range: r,
                ..
            } => {
                *p = points.unwrap_or(*p);
                *r = x_range.unwrap_or(*r);
            }
            _ => {
                if let Some(p) = points {
                    return Err(refuse("target.points", p.to_string()));
                }
                if let Some([lo, hi]) = x_range {
                    return Err(refuse("target.x_range", format!("{lo},{hi}")));
                }
            }
        }
        if let Some(first) = params.first() {
            let TargetConfig::Expr { params: have, .. } = &mut self else {
                return Err(refuse("target.params", first.clone()));
            };
            for p in params {
                let p: Param = p.parse()?;
                match have.iter_mut().find(|h| h.name == p.name) {
                    Some(h) => *h = p,
                    None => have.push(p),
                }
            }
        }
        Ok(self)
    }

    /// The settings from the command line: `--target` (`None` if not given: quadratic),
    /// `--param NAME=SPEC` (repeatable), `--points`, `--x-range` and `--data`.
    ///
    /// `quadratic`, `family`, `ring8` and `grid25` are reserved names; any other `--target`
    /// is a formula in `x` whose parameters are the `--param`s. `--data` excludes `--target`
    /// and `--param`; `--points` and `--x-range` apply only to curve targets. The formula and
    /// the data file are checked by [`TargetConfig::build`].
    pub fn from_cli(
        target: Option<&str>,
        params: &[String],
        points: Option<usize>,
        x_range: Option<[f64; 2]>,
        data: Option<&Path>,
    ) -> Result<TargetConfig> {
        if let (Some(_), Some(t)) = (data, target) {
            return Err(Error::config(
                "target.path",
                format!("cannot be combined with `target` '{t}': the file is the target"),
            ));
        }
        let name = target.map(str::trim).unwrap_or("quadratic");
        let what = match data {
            Some(path) => format!("`target.path` {}", path.display()),
            None => format!("`target` {name}"),
        };
        let is_formula = data.is_none() && !RESERVED_TARGETS.contains(&name);
        if !params.is_empty() && !is_formula {
            return Err(Error::config(
                "target.params",
                format!("only applies to a formula `target`, not {what}"),
            ));
        }
        let is_curve = data.is_none() && !matches!(name, "ring8" | "grid25");
        if !is_curve {
            if let Some(p) = points {
                return Err(Error::config(
                    "target.points",
                    format!("applies only to curve targets, not {what} (got {p})"),
                ));
            }
            if let Some([lo, hi]) = x_range {
                return Err(Error::config(
                    "target.x_range",
                    format!("applies only to curve targets, not {what} (got {lo},{hi})"),
                ));
            }
        }
        let points = points.unwrap_or(DEFAULT_POINTS);
        let x_range = x_range.unwrap_or(DEFAULT_X_RANGE);
        if let Some(path) = data {
            // Absolute, so that the run's config.toml still finds the file when sampling or
            // resuming from another folder; a missing file is reported by build().
            return Ok(TargetConfig::data(
                std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
            ));
        }
        Ok(match name {
            "quadratic" => TargetConfig::Quadratic { points, x_range },
            "family" => TargetConfig::Family { points, x_range },
            "ring8" => TargetConfig::Ring8 {},
            "grid25" => TargetConfig::Grid25 {},
            formula => {
                let params = params
                    .iter()
                    .map(|p| p.parse())
                    .collect::<Result<Vec<Param>>>()?;
                let is_name =
                    reserved_name(formula).is_none() && !params.iter().any(|p| p.name == formula);
                if is_name {
                    return Err(Error::config(
                        "target",
                        format!(
                            "'{formula}' is not a target: use {}, or a formula in x such as \
                             \"a*sin(b*x)\" with `target.params` a=uniform(1,2) `target.params` b=normal(3,0.1)",
                            RESERVED_TARGETS.join(", ")
                        ),
                    ));
                }
                TargetConfig::Expr {
                    expr: formula.to_string(),
                    params,
                    points,
                    x_range,
                }
            }
        })
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

impl Target {
    /// The target of a data set already loaded, all of its rows for training and unscaled.
    pub fn from_data(data: Dataset) -> Result<Target> {
        Ok(Target::of_source(DataSource::new(data, 0.0, Scale::None)?))
    }

    /// The target of a prepared data set (what [`TargetConfig::build`] gives for
    /// `kind = "data"`): x is the point's index in its channel, `0..points` for each channel.
    pub fn of_source(source: DataSource) -> Target {
        let data = source.dataset();
        let x64: Vec<f64> = (0..data.channels())
            .flat_map(|_| (0..data.points()).map(|i| i as f64))
            .collect();
        Target {
            x: x64.iter().map(|&v| v as f32).collect(),
            x64,
            fixed: None,
            source: Source::Data(Box::new(source)),
        }
    }

    /// The data set of a `kind = "data"` target.
    pub fn dataset(&self) -> Option<&Dataset> {
        self.data_source().map(DataSource::dataset)
    }

    /// The prepared data set of a `kind = "data"` target: its split, scaler and conditions.
    pub fn data_source(&self) -> Option<&DataSource> {
        match &self.source {
            Source::Data(source) => Some(source),
            _ => None,
        }
    }

    /// Channels per sample: a data file's, else 1.
    pub fn channels(&self) -> usize {
        self.dataset().map_or(1, Dataset::channels)
    }

    /// Points per channel: `dim / channels`.
    pub fn points(&self) -> usize {
        self.dim() / self.channels()
    }

    /// Brings rows `[N, dim]` of G's space to the data's units in place: a scaled data set's
    /// [`crate::data::scale::Scaler::invert`]; nothing for the other targets.
    pub fn to_data_units(&self, rows: &mut [f32]) {
        if let Some(source) = self.data_source() {
            source.scaler().invert(rows);
        }
    }

    /// Draws real samples into `out` (`[B, dim]`) in the data's units, to show: as
    /// [`Target::draw`], with a data set's rows unscaled.
    pub fn draw_shown(&self, rng: &mut ChaCha8Rng, out: &mut [f32]) -> Result<()> {
        self.draw(rng, out, None)?;
        self.to_data_units(out);
        Ok(())
    }

    /// The real samples an evaluation compares `count` generated ones with, in the data's
    /// units: a data set's held-out rows (all of them; its training rows when it holds none
    /// out), else `count` fresh draws from `rng`.
    pub fn eval_real(&self, count: usize, rng: &mut ChaCha8Rng) -> Result<Vec<f32>> {
        if let Some(source) = self.data_source() {
            let rows = match source.holdout().is_empty() {
                true => source.train(),
                false => source.holdout(),
            };
            return Ok(source.rows(rows));
        }
        let mut real = vec![0.0; count * self.dim()];
        self.draw(rng, &mut real, None)?;
        Ok(real)
    }

    /// The conditions of a conditional GAN on this target, in the order of the condition
    /// vector: `family`'s `a`, a formula's random parameters (numbers as they are), a data
    /// set's condition columns.
    pub fn conditions(&self) -> Vec<Condition> {
        if let Some(source) = self.data_source() {
            return source.conditions().to_vec();
        }
        (self.cond_names().into_iter().enumerate())
            .map(|(at, name)| Condition::Number {
                name,
                at,
                shift: 0.0,
                scale: 1.0,
            })
            .collect()
    }
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

fn modes_target(centres: Vec<f32>, sigma: f32) -> Target {
    Target {
        x: vec![0.0, 1.0],
        x64: vec![0.0, 1.0],
        fixed: None,
        source: Source::Modes { centres, sigma },
    }
}

fn build_expr(expr: &str, params: &[Param], x64: Vec<f64>) -> Result<Target> {
    for p in params {
        p.spec.validate()?;
    }
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    let formula = Formula::parse(expr, &names)?;
    let random: Vec<usize> = (0..params.len())
        .filter(|&i| params[i].spec.is_random())
        .collect();
    let values = base_values(params);
    let mut curve = vec![0.0; x64.len()];
    let fixed = if random.is_empty() {
        check_curve(&formula, params, &x64, &values, &mut curve, "")?;
        Some(curve.clone())
    } else {
        // Every parameter at its centre, then each at its extremes (the others at the centre),
        // then random draws from a fixed seed, as training draws them.
        let per_draw = x64.len().saturating_mul(formula.cost()).max(1);
        let draws = (CHECK_OPS / per_draw).clamp(MIN_CHECK_DRAWS, MAX_CHECK_DRAWS);
        let checked = format!(
            "; checked before training at the parameters' extremes and on {draws} random draws. \
             Narrow the parameters' ranges (`target.params`) to where the formula is finite"
        );
        let checked = checked.as_str();
        check_curve(&formula, params, &x64, &values, &mut curve, checked)?;
        for &i in &random {
            for v in params[i].spec.check_values() {
                let mut at = values.clone();
                at[i] = v;
                check_curve(&formula, params, &x64, &at, &mut curve, checked)?;
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut at = values.clone();
        for _ in 0..draws {
            for &i in &random {
                at[i] = params[i].spec.draw(&mut rng) as f64;
            }
            check_curve(&formula, params, &x64, &at, &mut curve, checked)?;
        }
        None
    };
    Ok(Target {
        x: x64.iter().map(|&v| v as f32).collect(),
        x64,
        fixed,
        source: Source::Expr {
            formula: Box::new(formula),
            params: params.to_vec(),
            random,
        },
    })
}

/// Evaluates a formula's curve; a NaN or infinity is an error (bad input, `--target`) naming
/// x and the parameters, followed by `context`.
fn check_curve(
    formula: &Formula,
    params: &[Param],
    x64: &[f64],
    values: &[f64],
    out: &mut [f32],
    context: &str,
) -> Result<()> {
    match curve_problem(formula, params, x64, values, out)? {
        Some(problem) => Err(Error::config("target", format!("{problem}{context}"))),
        None => Ok(()),
    }
}

/// Evaluates a formula's curve into `out`; a NaN or infinity is described, naming x and the
/// parameters' values.
fn curve_problem(
    formula: &Formula,
    params: &[Param],
    x64: &[f64],
    values: &[f64],
    out: &mut [f32],
) -> Result<Option<String>> {
    if let Some((x, y)) = formula.eval_curve(x64, values, out)? {
        let with = if params.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = params
                .iter()
                .zip(values)
                .map(|(p, v)| format!("{} = {v} ({})", p.name, p.spec))
                .collect();
            format!(" with {}", list.join(", "))
        };
        let y = if y.is_finite() {
            format!("{y:e}, beyond f32's range,")
        } else {
            y.to_string()
        };
        return Ok(Some(format!(
            "\"{}\" is {y} at x = {x}{with}",
            formula.text()
        )));
    }
    Ok(None)
}

/// Each parameter's base value (a constant's value, a distribution's first check value); the
/// random ones are overwritten per sample.
fn base_values(params: &[Param]) -> Vec<f64> {
    params.iter().map(|p| p.spec.check_values()[0]).collect()
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

/// How a built target draws.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// `2x² + 1`: the fixed curve.
    Quadratic,
    /// `a·x² + (a − 1)`, `a ~ U[1, 2)`.
    Family,
    /// A formula; `random` lists the indices of the random parameters, in order.
    Expr {
        formula: Box<Formula>,
        params: Vec<Param>,
        random: Vec<usize>,
    },
    /// Rows of a data file, prepared.
    Data(Box<DataSource>),
    /// Gaussian mixture: centres `[K, 2]`, one σ.
    Modes { centres: Vec<f32>, sigma: f32 },
}

/// A built target: its x grid and how to draw real samples (and their conditions).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// `[dim]`: the curve's x values, the column index of a data set, `[0, 1]` for 2-D sets.
    x: Vec<f32>,
    /// The same x in f64, at which curves are evaluated.
    x64: Vec<f64>,
    /// The one real curve, if every sample is the same.
    fixed: Option<Vec<f32>>,
    source: Source,
}

impl Target {
    /// Length of one sample.
    pub fn dim(&self) -> usize {
        self.x.len()
    }

    /// The x values (`[dim]`): the curve's grid; the column index `0..dim` for a data file;
    /// the coordinate index `[0, 1]` for `ring8` and `grid25`.
    pub fn x(&self) -> &[f32] {
        &self.x
    }

    /// True if a sample is best drawn as a curve over [`Target::x`] (curve kinds and data
    /// files); false for the 2-D point sets `ring8` and `grid25`.
    pub fn is_curve(&self) -> bool {
        !matches!(self.source, Source::Modes { .. })
    }

    /// The one real curve (`[dim]`), for targets that have a single one: `quadratic`, and a
    /// formula without random parameters.
    pub fn fixed_curve(&self) -> Option<&[f32]> {
        self.fixed.as_deref()
    }

    /// True for the `family` target (a·x² + a − 1, a ~ U[1, 2)).
    pub fn is_family(&self) -> bool {
        matches!(self.source, Source::Family)
    }

    /// The mixture's centres (`[K, 2]`, row-major) and σ, for `ring8` and `grid25`.
    pub fn modes(&self) -> Option<(&[f32], f32)> {
        match &self.source {
            Source::Modes { centres, sigma } => Some((centres, *sigma)),
            _ => None,
        }
    }

    /// Length of a sample's condition vector: 1 for `family`, the number of random
    /// parameters for a formula, 0 otherwise.
    pub fn cond_dim(&self) -> usize {
        match &self.source {
            Source::Family => 1,
            Source::Expr { random, .. } => random.len(),
            Source::Data(source) => source.c_dim(),
            _ => 0,
        }
    }

    /// Names of the condition's entries (`[cond_dim]`): `["a"]` for `family`, the random
    /// parameters' names for a formula, none otherwise.
    pub fn cond_names(&self) -> Vec<String> {
        match &self.source {
            Source::Family => vec!["a".into()],
            Source::Expr { params, random, .. } => {
                random.iter().map(|&i| params[i].name.clone()).collect()
            }
            Source::Data(source) => source
                .conditions()
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The noiseless curve (`[dim]`) for the condition values `cond` (`[cond_dim]`), for plots
    /// and evaluation. `None` for targets that are not curves of a condition (data files,
    /// `ring8`, `grid25`), if `cond` has the wrong length, or if the formula is not finite
    /// there.
    pub fn curve_for(&self, cond: &[f32]) -> Option<Vec<f32>> {
        if cond.len() != self.cond_dim() {
            return None;
        }
        if let Some(fixed) = &self.fixed {
            return Some(fixed.clone());
        }
        match &self.source {
            Source::Family => Some(family_curve(&self.x64, cond[0] as f64)),
            Source::Expr {
                formula,
                params,
                random,
            } => {
                let mut values = base_values(params);
                for (&i, &c) in random.iter().zip(cond) {
                    values[i] = c as f64;
                }
                let mut out = vec![0.0; self.dim()];
                match formula.eval_curve(&self.x64, &values, &mut out) {
                    Ok(None) => Some(out),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Draws `B` fresh real samples into `out` (`[B, dim]`) and, if `cond` is given, their
    /// conditions into it (`[B, cond_dim]`). The draws, per sample in order: `family`, `a`;
    /// a formula, each random parameter in declaration order; a data file, a row index
    /// (uniform, with replacement); `ring8`/`grid25`, a mode (uniform), then the Gaussian
    /// noise of x and y. A fixed curve draws nothing.
    ///
    /// Errors: buffers of the wrong size, or a formula that is NaN or infinite at a drawn
    /// parameter value: an [`Error::Draw`] naming x and the values (not bad input: the formula
    /// passed the check of [`TargetConfig::build`], which tried other draws).
    pub fn draw(
        &self,
        rng: &mut ChaCha8Rng,
        out: &mut [f32],
        mut cond: Option<&mut [f32]>,
    ) -> Result<()> {
        let dim = self.dim();
        if !out.len().is_multiple_of(dim) {
            return Err(Error::Shape(format!(
                "real batch has {} values, not a whole number of samples of {dim}",
                out.len()
            )));
        }
        let batch = out.len() / dim;
        let cond_dim = self.cond_dim();
        if let Some(c) = cond.as_deref() {
            if c.len() != batch * cond_dim {
                return Err(Error::Shape(format!(
                    "condition buffer has {} values, the batch of {batch} needs [{batch}, \
                     {cond_dim}]",
                    c.len()
                )));
            }
        }
        if let Some(fixed) = &self.fixed {
            for row in out.chunks_exact_mut(dim) {
                row.copy_from_slice(fixed);
            }
            return Ok(());
        }
        match &self.source {
            // Always has its fixed curve, copied above.
            Source::Quadratic => {}
            Source::Family => {
                for (r, row) in out.chunks_exact_mut(dim).enumerate() {
                    let a = uniform_f32(rng, 1.0, 2.0);
                    for (o, &x) in row.iter_mut().zip(&self.x64) {
                        *o = family_value(x, a as f64);
                    }
                    if let Some(c) = cond.as_deref_mut() {
                        c[r] = a;
                    }
                }
            }
            Source::Expr {
                formula,
                params,
                random,
            } => {
                let mut values = base_values(params);
                for (r, row) in out.chunks_exact_mut(dim).enumerate() {
                    for (k, &i) in random.iter().enumerate() {
                        let v = params[i].spec.draw(rng);
                        values[i] = v as f64;
                        if let Some(c) = cond.as_deref_mut() {
                            c[r * cond_dim + k] = v;
                        }
                    }
                    if let Some(problem) = curve_problem(formula, params, &self.x64, &values, row)?
                    {
                        return Err(Error::Draw {
                            step: None,
                            what: format!(
                                "the target {problem}, a parameter draw the check before training did not meet. \
                                 Narrow the parameters' ranges (`target.params`) to where the formula is finite and train a new run \
                                 (a resume would draw the same values again)"
                            ),
                        });
                    }
                }
            }
            Source::Data(source) => source.draw(rng, out, cond),
            Source::Modes { centres, sigma } => {
                let k = centres.len() / 2;
                for row in out.chunks_exact_mut(dim) {
                    let m = rng.random_range(0..k);
                    for (c, o) in row.iter_mut().enumerate() {
                        let z: f64 = StandardNormal.sample(rng);
                        *o = (centres[2 * m + c] as f64 + *sigma as f64 * z) as f32;
                    }
                }
            }
        }
        Ok(())
    }
}

fn family_value(x: f64, a: f64) -> f32 {
    (a * x * x + (a - 1.0)) as f32
}

fn family_curve(x64: &[f64], a: f64) -> Vec<f32> {
    x64.iter().map(|&x| family_value(x, a)).collect()
}
