//! A built target ([`Target`]): its x grid and how it draws real batches `[B, dim]` and their
//! conditions `[B, cond_dim]`, the noiseless curve of a condition, and the views of a data
//! file's rows (held out, in the data's units).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::check::{base_values, curve_problem};
use super::param::{uniform_f32, Param};
use crate::data::data_source::{Condition, DataSource};
use crate::data::dataset::Dataset;
use crate::data::expr::Formula;
use crate::data::scale::Scale;
use crate::error::{Error, Result};

/// How a built target draws.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Source {
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
    pub(super) x: Vec<f32>,
    /// The same x in f64, at which curves are evaluated.
    pub(super) x64: Vec<f64>,
    /// The one real curve, if every sample is the same.
    pub(super) fixed: Option<Vec<f32>>,
    pub(super) source: Source,
}

impl Target {
    /// The target of a data set already loaded, all of its rows for training and unscaled.
    pub fn from_data(data: Dataset) -> Result<Target> {
        Ok(Target::of_source(DataSource::new(data, 0.0, Scale::None)?))
    }

    /// The target of a prepared data set (what [`TargetConfig::build`](super::TargetConfig::build) gives for
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
    /// passed the check of [`TargetConfig::build`](super::TargetConfig::build), which tried other draws).
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

/// A Gaussian mixture of `ring8` or `grid25`: centres `[K, 2]`, one σ.
pub(super) fn modes_target(centres: Vec<f32>, sigma: f32) -> Target {
    Target {
        x: vec![0.0, 1.0],
        x64: vec![0.0, 1.0],
        fixed: None,
        source: Source::Modes { centres, sigma },
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
