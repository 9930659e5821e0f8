//! A formula's parameters: `NAME=SPEC` ([`Param`]), each `uniform(LO,HI)`, `normal(MEAN,SD)`
//! or a constant ([`ParamSpec`]); read from text (a `params` entry of `config.toml`), written
//! back the same, and drawn rounded to f32.

use std::fmt;
use std::str::FromStr;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::data::expr::reserved_name;
use crate::error::{Error, Result};
use crate::text::echo;

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
    pub(super) fn check_values(&self) -> Vec<f64> {
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
pub(super) fn uniform_f32(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f32 {
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
    /// ([`ParamSpec::validate`]). The error names `target.params` and the text.
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
