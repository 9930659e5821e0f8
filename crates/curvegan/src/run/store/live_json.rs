//! `live.json`: what a running (or finished) run looks like now, for a live view of it
//! (`curvegan train --live`, `curvegan watch RUN`).
//!
//! A run writes a [`Snapshot`] atomically to `RUN/live.json` at every figure step
//! (`plot_every`), every evaluation step (`eval_every`) and at its last step: fixed write
//! points, so a run's writes stay the same from one run to the next. A snapshot holds
//!
//! - the step just trained (0-based), the steps planned, the training loop's wall time in this
//!   process and its speed in steps per second;
//! - the losses and D's mean outputs over the steps, as a [`History`]: means over buckets of
//!   `stride` consecutive steps (1, 2, 4, …), at most [`MAX_HISTORY`] buckets — when the
//!   buckets fill up, neighbours merge in pairs and the stride doubles, so the history is a
//!   function of the steps alone, however often it was read;
//! - the loss's equilibrium values (the lines the losses settle at, [`loss_references`](crate::run::view::plot::loss_references),
//!   and D's output there);
//! - every evaluation so far (names, steps, values; at most [`MAX_HISTORY`] evaluations, evenly
//!   thinned);
//! - the tutorial's figure in numbers, [`Figure`]: for a curve target the real curve (a fixed
//!   target) or a band of [`REAL_CURVES`] real curves (a random family) and the step's first
//!   [`SHOWN`] generated curves on the fixed axes of the step figure; for a 2-D set
//!   [`POINTS`] real and [`POINTS`] generated points and the modes' centres. The real data and
//!   the 2-D samples come from the figures' random stream, so a snapshot never changes
//!   training.
//!
//! JSON, format [`FORMAT`]; floats as serde writes them (shortest round trip).

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gan::step::StepStats;
use crate::run::store::files::{self, Dir};
use crate::run::store::run_json::Status;

/// The `format` of the snapshots this version writes.
pub const FORMAT: &str = "curvegan-live-1";
/// Most points of a loss history, and most evaluations, a snapshot holds.
pub const MAX_HISTORY: usize = 1000;
/// Generated curves a snapshot holds (the step's first ones, as the step figure draws them).
pub const SHOWN: usize = 5;
/// Real curves of a random family's band.
pub const REAL_CURVES: usize = 20;
/// Real and generated points of a 2-D set.
pub const POINTS: usize = 500;
/// Real and generated points of a 2-D set's step figure, `step_*.png`.
pub const FIGURE_POINTS: usize = 1000;

/// The mean losses and D outputs of a bucket of steps starting at `step`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LossPoint {
    /// The bucket's first step.
    pub step: usize,
    /// Mean D loss.
    pub d_loss: f32,
    /// Mean G loss.
    pub g_loss: f32,
    /// Mean of D(real).
    pub d_real: f32,
    /// Mean of D(fake).
    pub d_fake: f32,
}

/// The losses over the steps, decimated to at most [`MAX_HISTORY`] bucket means (see the module
/// docs). Pushing a step is O(1) amortised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Steps per full bucket: a power of 2.
    pub stride: usize,
    /// The full buckets, then the partial last one (if any) as its mean so far.
    pub points: Vec<LossPoint>,
    /// Steps in the partial last bucket (0: none).
    pub partial: usize,
}

impl Default for History {
    fn default() -> Self {
        History {
            stride: 1,
            points: Vec::new(),
            partial: 0,
        }
    }
}

impl History {
    /// Adds the step `step` (the next one) with its numbers.
    pub fn push(&mut self, step: usize, s: &StepStats) {
        let new = LossPoint {
            step,
            d_loss: s.d_loss,
            g_loss: s.g_loss,
            d_real: s.d_real,
            d_fake: s.d_fake,
        };
        match (self.partial, self.points.last_mut()) {
            (0, _) | (_, None) => {
                self.points.push(new);
                self.partial = 1;
            }
            (n, Some(last)) => {
                *last = mean_of(last, n, &new, 1);
                self.partial = n + 1;
            }
        }
        if self.partial == self.stride {
            self.partial = 0;
            if self.points.len() == MAX_HISTORY {
                self.points = (self.points.chunks(2))
                    .map(|pair| match pair {
                        [a, b] => mean_of(a, 1, b, 1),
                        [a] => *a,
                        _ => unreachable!("chunks(2) gives one or two"),
                    })
                    .collect();
                self.stride *= 2;
            }
        }
    }

    /// The history of steps `0..stats.len()`.
    pub fn of(stats: impl IntoIterator<Item = StepStats>) -> History {
        let mut history = History::default();
        for (step, s) in stats.into_iter().enumerate() {
            history.push(step, &s);
        }
        history
    }
}

/// The weighted mean of `a` (over `na` steps) and `b` (over `nb`), at `a`'s step.
fn mean_of(a: &LossPoint, na: usize, b: &LossPoint, nb: usize) -> LossPoint {
    let (wa, wb) = (na as f64, nb as f64);
    let m = |x: f32, y: f32| ((x as f64 * wa + y as f64 * wb) / (wa + wb)) as f32;
    LossPoint {
        step: a.step,
        d_loss: m(a.d_loss, b.d_loss),
        g_loss: m(a.g_loss, b.g_loss),
        d_real: m(a.d_real, b.d_real),
        d_fake: m(a.d_fake, b.d_fake),
    }
}

/// The evaluations so far: `values[i][j]` is metric `names[j]` at step `steps[i]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Evaluations {
    /// The metrics, in the columns' order of `metrics.csv`.
    pub names: Vec<String>,
    /// The evaluation steps.
    pub steps: Vec<usize>,
    /// One row per evaluation step. A metric can be infinite or NaN (a KL divergence with an
    /// empty bin); JSON has no such numbers, so those are written as the strings `"inf"`,
    /// `"-inf"` and `"NaN"`.
    #[serde(with = "any_floats")]
    pub values: Vec<Vec<f64>>,
}

/// Rows of f64 in JSON, non-finite values as strings (see [`Evaluations::values`]).
mod any_floats {
    use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Number {
        Finite(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(rows: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        let number = |v: f64| match v.is_finite() {
            true => Number::Finite(v),
            false => Number::Text(v.to_string()),
        };
        let rows: Vec<Vec<Number>> = (rows.iter())
            .map(|r| r.iter().map(|&v| number(v)).collect())
            .collect();
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        let value = |n: Number| match n {
            Number::Finite(v) => Ok(v),
            Number::Text(t) => {
                (t.parse::<f64>()).map_err(|_| D::Error::custom(format!("'{t}' is not a number")))
            }
        };
        let rows = Vec::<Vec<Number>>::deserialize(d)?;
        (rows.into_iter())
            .map(|r| r.into_iter().map(value).collect())
            .collect()
    }
}

impl Evaluations {
    /// The evaluations `(step, values)` with metrics `names`, evenly thinned to at most
    /// [`MAX_HISTORY`] (the last one always kept).
    pub fn of<'a>(
        names: &[&str],
        evaluations: impl IntoIterator<Item = (usize, &'a [f64])>,
    ) -> Evaluations {
        let evaluations: Vec<_> = evaluations.into_iter().collect();
        let n = evaluations.len();
        let every = n.div_ceil(MAX_HISTORY).max(1);
        let (steps, values) = evaluations
            .into_iter()
            .enumerate()
            .filter(|(i, _)| (n - 1 - i) % every == 0)
            .map(|(_, (step, v))| (step, v.to_vec()))
            .unzip();
        Evaluations {
            names: names.iter().map(|n| n.to_string()).collect(),
            steps,
            values,
        }
    }

    /// The last value of each metric, `(name, value)`.
    pub fn latest(&self) -> Vec<(&str, f64)> {
        match self.values.last() {
            Some(v) => self
                .names
                .iter()
                .map(String::as_str)
                .zip(v.iter().copied())
                .collect(),
            None => Vec::new(),
        }
    }
}

/// The step figure in numbers: what the real data and the generator look like now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Figure {
    /// A curve target.
    Curves {
        /// The x values, `[points]`.
        x: Vec<f32>,
        /// The real curve (a fixed target) or a band of real curves, `[n_real * points]`.
        real: Vec<f32>,
        /// Generated curves, `[n * points]`.
        generated: Vec<f32>,
        /// The step figure's fixed y range (the tutorial's 0 to 3), if it has one.
        y_range: Option<(f32, f32)>,
        /// Channels per sample (a row of `real` and `generated` is `channels × points`
        /// values); 1 in snapshots of versions before channels.
        #[serde(default = "one_channel")]
        channels: usize,
    },
    /// A 2-D set.
    Points {
        /// Real points, `[n * 2]`.
        real: Vec<f32>,
        /// Generated points, `[n * 2]`.
        generated: Vec<f32>,
        /// The modes' centres, `[modes * 2]` (may be empty).
        centres: Vec<f32>,
    },
}

fn one_channel() -> usize {
    1
}

/// One snapshot of a run; see the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`FORMAT`].
    pub format: String,
    /// The run folder's name.
    pub run: String,
    /// The step just trained (0-based).
    pub step: usize,
    /// Steps planned in all.
    pub steps: usize,
    /// Wall time of the training loop in this process, in seconds.
    pub elapsed_s: f64,
    /// Steps trained per second of `elapsed_s`.
    pub steps_per_s: f64,
    /// `running`, or how the run ends at this step (`finished`, `early-stopped`).
    pub status: Status,
    /// The step's own numbers.
    pub last: LossPoint,
    /// The losses and D's outputs over the steps so far.
    pub history: History,
    /// The loss's equilibrium values, `(label, value)`, G's first (none for `wgan-gp`).
    pub references: Vec<(String, f32)>,
    /// D's mean output at equilibrium, if the loss fixes it.
    pub d_reference: Option<f32>,
    /// The evaluations so far.
    pub evaluations: Evaluations,
    /// The step figure in numbers.
    pub figure: Figure,
}

/// The timing of a run so far, for a [`Snapshot`].
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Wall time of the training loop in this process.
    pub elapsed: Duration,
    /// Steps it trained.
    pub trained: usize,
}

impl Snapshot {
    /// Writes it to `dir`'s `live.json`, atomically.
    pub fn save(&self, dir: &Dir) -> Result<()> {
        let json = serde_json::to_string(self)
            .map_err(|e| Error::Serialize(format!("{}: {e}", files::LIVE)))?;
        dir.write(files::LIVE, json.as_bytes())
    }

    /// Reads `dir`'s `live.json`.
    pub fn load(dir: &Path) -> Result<Snapshot> {
        let path = dir.join(files::LIVE);
        let bytes = files::read_at_most(&path, files::MAX_LIVE)?;
        let snapshot: Snapshot = serde_json::from_slice(&bytes)
            .map_err(|e| Error::bad_file(&path, format!("is not a live snapshot: {e}")))?;
        if snapshot.format != FORMAT {
            return Err(Error::bad_file(
                &path,
                format!(
                    "has format '{}'; this version reads '{FORMAT}'",
                    snapshot.format
                ),
            ));
        }
        Ok(snapshot)
    }
}
