//! A data set prepared for training (`kind = "data"`): split into training and held-out rows,
//! scaled, its conditions encoded — what a data target draws real batches from.
//!
//! **Hold-out.** A share `holdout` of the rows ([`DataSource::new`]; `--holdout`, default 0.2
//! for `--data`) never reaches training: evaluation compares G with them, and the memorisation
//! check (distance to the closest record) measures how near G's samples come to the training
//! rows against how near these new rows do. The split is stratified by the first category
//! condition (each class keeps its share on both sides) and drawn from a ChaCha8 generator
//! with the fixed seed [`HOLDOUT_SEED`], not the run's seed: every run of a data file with the
//! same settings holds out the same rows, so runs of different seeds or settings are scored on
//! the same rows.
//!
//! **Scaling.** A [`Scaler`] fitted on the training rows alone ([`crate::data::scale`]); real
//! batches are drawn scaled, and G's output is brought back to the data's units by
//! [`Scaler::invert`] wherever a sample is shown, scored or written.
//!
//! **Conditions.** Each condition column becomes part of the condition vector `c` appended to
//! G's noise and D's input: a category as a one-hot block of its levels' count, a number as one
//! value standardised by its training rows' mean and standard deviation:
//! `c = [onehot(label) | (temp − μ)/σ | …]`, `[N, c_dim]`.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::dataset::{ColumnValues, Dataset};
use crate::data::scale::{Scale, Scaler};
use crate::error::{Error, Result};
use crate::text::echo;

/// The seed of the hold-out split's generator (fixed: see the module docs).
pub const HOLDOUT_SEED: u64 = 0x5eed_0fda;

/// A condition of a conditional GAN as a user names it: a formula's parameter or a data
/// column, and where its values sit in the condition vector. (Kept in a data run's
/// `data.json`, so that a run samples for a given condition without its data file.)
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Condition {
    /// A number, at position `at` of the vector: `c[at] = (value − shift) / scale`.
    Number {
        /// Its name.
        name: String,
        /// Its position in the condition vector.
        at: usize,
        /// Subtracted before…
        shift: f64,
        /// …dividing by this.
        scale: f64,
    },
    /// A category, one-hot over its levels at positions `at .. at + levels.len()`.
    Category {
        /// Its name.
        name: String,
        /// Its first position in the condition vector.
        at: usize,
        /// Its levels, in the order of the one-hot positions.
        levels: Vec<String>,
    },
}

impl Condition {
    /// The condition's name.
    pub fn name(&self) -> &str {
        match self {
            Condition::Number { name, .. } | Condition::Category { name, .. } => name,
        }
    }

    /// The positions it takes in the condition vector.
    pub fn width(&self) -> usize {
        match self {
            Condition::Number { .. } => 1,
            Condition::Category { levels, .. } => levels.len(),
        }
    }

    /// Writes the encoding of `text` (a number, or one of the levels) into `c`, the whole
    /// condition vector; the error says what values it takes.
    pub fn encode(&self, text: &str, c: &mut [f32]) -> std::result::Result<(), String> {
        match self {
            Condition::Number {
                at, shift, scale, ..
            } => {
                let v: f64 = text
                    .trim()
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| format!("'{}' is not a finite number", echo(text)))?;
                c[*at] = ((v - shift) / scale) as f32;
            }
            Condition::Category { at, levels, .. } => {
                let k = levels
                    .iter()
                    .position(|l| l == text.trim())
                    .ok_or_else(|| {
                        format!(
                            "'{}' is not one of its values ({})",
                            echo(text),
                            echo(&levels.join(", "))
                        )
                    })?;
                c[*at..*at + levels.len()].fill(0.0);
                c[*at + k] = 1.0;
            }
        }
        Ok(())
    }

    /// The value the condition vector `c` holds, as text: the number (brought back from its
    /// scaling) with the fewest digits whose encoding is the value held — so that a value of
    /// the data, or one a user gave, reads back as written (`13.19`, not `13.190001`) — or the
    /// level of the largest one-hot entry.
    pub fn decode(&self, c: &[f32]) -> String {
        match self {
            Condition::Number {
                at, shift, scale, ..
            } => {
                let held = c[*at];
                let v = held as f64 * scale + shift;
                let encodes_to_held = |t: f64| ((t - shift) / scale) as f32 == held;
                // 17 significant digits are v itself, which encodes to the value held.
                (0..17)
                    .filter_map(|digits| format!("{v:.digits$e}").parse::<f64>().ok())
                    .find(|&t| encodes_to_held(t))
                    .map_or_else(|| format!("{}", v as f32), |t| format!("{t}"))
            }
            Condition::Category { at, levels, .. } => {
                let block = &c[*at..*at + levels.len()];
                let k = (0..block.len()).fold(0, |b, k| if block[k] > block[b] { k } else { b });
                levels[k].clone()
            }
        }
    }
}

/// A data set split, scaled and with its conditions encoded (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct DataSource {
    data: Dataset,
    train: Vec<usize>,
    holdout: Vec<usize>,
    scaler: Scaler,
    /// The training rows, scaled: `[train, d]`.
    scaled: Vec<f32>,
    conditions: Vec<Condition>,
    /// Every row's condition vector, `[N, c_dim]`.
    encoded: Vec<f32>,
    c_dim: usize,
}

impl DataSource {
    /// Splits `data` (a share `holdout` in [0, 1) held out), fits `scale` on the training rows
    /// and encodes the conditions. Both sides of a split keep at least 2 rows.
    pub fn new(data: Dataset, holdout: f64, scale: Scale) -> Result<DataSource> {
        let n = data.len();
        if !(0.0..1.0).contains(&holdout) {
            return Err(Error::config(
                "target.holdout",
                format!("takes a share in [0, 1) of the rows (0: none), got {holdout}"),
            ));
        }
        let strata = data.columns().iter().find_map(|c| match &c.values {
            ColumnValues::Category { levels, index } => Some((levels.len(), index.clone())),
            ColumnValues::Number(_) => None,
        });
        let (classes, labels) = strata.unwrap_or((1, vec![0; n]));
        let (train, holdout_rows) = match holdout > 0.0 {
            false => ((0..n).collect(), Vec::new()),
            true => {
                let mut rng = ChaCha8Rng::seed_from_u64(HOLDOUT_SEED);
                stratified_split(&labels, classes, holdout, &mut rng)
            }
        };
        if holdout > 0.0 && (train.len() < 2 || holdout_rows.len() < 2) {
            return Err(Error::config(
                "target.holdout",
                format!(
                    "{holdout} of the {n} rows of {} leaves {} for training and {} held out; each side needs at least 2 (`target.holdout` 0 trains on every row and evaluates on them)",
                    data.path().display(),
                    train.len(),
                    holdout_rows.len()
                ),
            ));
        }
        let d = data.dim();
        let mut scaled: Vec<f32> = train
            .iter()
            .flat_map(|&r| data.row(r).iter().copied())
            .collect();
        let scaler = Scaler::fit(scale, &scaled, d);
        scaler.apply(&mut scaled);
        let (conditions, c_dim) = conditions_of(&data, &train);
        let mut encoded = vec![0.0; n * c_dim];
        for (c, column) in conditions.iter().zip(data.columns()) {
            for r in 0..n {
                let row = &mut encoded[r * c_dim..(r + 1) * c_dim];
                let text = match &column.values {
                    ColumnValues::Number(v) => v[r].to_string(),
                    ColumnValues::Category { levels, index } => levels[index[r]].clone(),
                };
                // Every value of the data is one its encoding takes.
                let _ = c.encode(&text, row);
            }
        }
        Ok(DataSource {
            data,
            train,
            holdout: holdout_rows,
            scaler,
            scaled,
            conditions,
            encoded,
            c_dim,
        })
    }

    /// The data set.
    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    /// The fitted scaler.
    pub fn scaler(&self) -> &Scaler {
        &self.scaler
    }

    /// The conditions, in the order of the condition vector.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The condition vector's width.
    pub fn c_dim(&self) -> usize {
        self.c_dim
    }

    /// The training rows' indices.
    pub fn train(&self) -> &[usize] {
        &self.train
    }

    /// The held-out rows' indices (empty without a hold-out).
    pub fn holdout(&self) -> &[usize] {
        &self.holdout
    }

    /// The rows `rows` in the data's units, `[rows, d]`.
    pub fn rows(&self, rows: &[usize]) -> Vec<f32> {
        rows.iter()
            .flat_map(|&r| self.data.row(r).iter().copied())
            .collect()
    }

    /// The condition vectors of `rows`, `[rows, c_dim]`.
    pub fn encoded(&self, rows: &[usize]) -> Vec<f32> {
        let c = self.c_dim;
        rows.iter()
            .flat_map(|&r| self.encoded[r * c..(r + 1) * c].iter().copied())
            .collect()
    }

    /// The class (level index) of each of `rows` in the first category condition, and the
    /// number of its levels; `None` without one.
    pub fn labels(&self, rows: &[usize]) -> Option<(Vec<usize>, usize)> {
        self.data.columns().iter().find_map(|c| match &c.values {
            ColumnValues::Category { levels, index } => {
                Some((rows.iter().map(|&r| index[r]).collect(), levels.len()))
            }
            ColumnValues::Number(_) => None,
        })
    }

    /// Draws `out.len() / d` training rows uniformly with replacement (one index each from
    /// `rng`), scaled, into `out`, and their condition vectors into `cond` when given.
    pub fn draw(&self, rng: &mut ChaCha8Rng, out: &mut [f32], mut cond: Option<&mut [f32]>) {
        let d = self.data.dim();
        let c = self.c_dim;
        for (k, row) in out.chunks_exact_mut(d).enumerate() {
            let i = rng.random_range(0..self.train.len());
            row.copy_from_slice(&self.scaled[i * d..(i + 1) * d]);
            if let Some(cond) = cond.as_deref_mut() {
                let r = self.train[i];
                cond[k * c..(k + 1) * c].copy_from_slice(&self.encoded[r * c..(r + 1) * c]);
            }
        }
    }
}

/// The conditions of `data`'s columns, numbers standardised by the training rows `train`, and
/// the condition vector's width.
fn conditions_of(data: &Dataset, train: &[usize]) -> (Vec<Condition>, usize) {
    let mut at = 0;
    let mut out = Vec::new();
    for column in data.columns() {
        let condition = match &column.values {
            ColumnValues::Number(v) => {
                let n = train.len().max(1) as f64;
                let mean = train.iter().map(|&r| v[r]).sum::<f64>() / n;
                let sd = (train.iter().map(|&r| (v[r] - mean).powi(2)).sum::<f64>() / n).sqrt();
                Condition::Number {
                    name: column.name.clone(),
                    at,
                    shift: mean,
                    scale: if sd > 0.0 { sd } else { 1.0 },
                }
            }
            ColumnValues::Category { levels, .. } => Condition::Category {
                name: column.name.clone(),
                at,
                levels: levels.clone(),
            },
        };
        at += condition.width();
        out.push(condition);
    }
    (out, at)
}

/// Splits the row indices `0..y.len()` into `(kept, taken)`, taking `share` of each class
/// (rounded, and at least one row of a class with two or more) in a random order from `rng`.
/// Both lists come back in increasing order.
pub fn stratified_split(
    y: &[usize],
    classes: usize,
    share: f64,
    rng: &mut ChaCha8Rng,
) -> (Vec<usize>, Vec<usize>) {
    let (mut kept, mut taken) = (Vec::new(), Vec::new());
    for class in 0..classes {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        if rows.is_empty() {
            continue;
        }
        rows.shuffle(rng);
        let k = match rows.len() {
            0 | 1 => 0,
            n => ((n as f64 * share).round() as usize).clamp(1, n - 1),
        };
        taken.extend_from_slice(&rows[..k]);
        kept.extend_from_slice(&rows[k..]);
    }
    kept.sort_unstable();
    taken.sort_unstable();
    (kept, taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::DataOptions;
    use std::path::Path;

    fn data(text: &str, columns: &[&str]) -> Dataset {
        let options = DataOptions {
            condition_columns: columns.iter().map(|c| c.to_string()).collect(),
            resample: None,
        };
        Dataset::parse_bytes(text.as_bytes(), Path::new("x.csv"), &options).unwrap()
    }

    #[test]
    fn the_split_is_stratified_fixed_and_the_scaler_sees_training_rows_only() {
        let mut text = "v,cls\n".to_string();
        for i in 0..50 {
            text += &format!("{},{}\n", i, if i < 40 { "a" } else { "b" });
        }
        let d = data(&text, &["cls"]);
        let s = DataSource::new(d.clone(), 0.2, Scale::Standard).unwrap();
        assert_eq!(s.holdout().len(), 10);
        let (labels, k) = s.labels(s.holdout()).unwrap();
        assert_eq!(k, 2);
        assert_eq!(labels.iter().filter(|&&l| l == 1).count(), 2);
        // The same rows again, whatever else happens.
        assert_eq!(
            DataSource::new(d.clone(), 0.2, Scale::Standard)
                .unwrap()
                .holdout(),
            s.holdout()
        );
        let train: Vec<f32> = s.rows(s.train());
        let mean = train.iter().sum::<f32>() / train.len() as f32;
        assert!((s.scaler().shift()[0] - mean).abs() < 1e-4);
        let none = DataSource::new(d, 0.0, Scale::None).unwrap();
        assert!(none.holdout().is_empty() && none.scaler().is_identity());
    }

    #[test]
    fn conditions_are_one_hot_or_standardised_and_read_back() {
        let d = data("v,cls,t\n1,x,10\n2,y,20\n3,x,30\n", &["cls", "t"]);
        let s = DataSource::new(d, 0.0, Scale::None).unwrap();
        assert_eq!(s.c_dim(), 3);
        let c = s.encoded(&[0, 1]);
        // sd of 10, 20, 30 (population) = 8.1650
        assert_eq!(&c[..2], &[1.0, 0.0]);
        assert!((c[2] + 1.2247449).abs() < 1e-6, "{c:?}");
        assert_eq!(&c[3..5], &[0.0, 1.0]);
        assert_eq!(s.conditions()[0].decode(&c[..3]), "x");
        assert_eq!(s.conditions()[1].decode(&c[3..6]), "20");
        let mut v = vec![0.0; 3];
        s.conditions()[0].encode("y", &mut v).unwrap();
        let e = s.conditions()[0].encode("z", &mut v).unwrap_err();
        assert!(e.contains("'z' is not one of its values (x, y)"), "{e}");
    }

    /// A data row's number, encoded into the condition vector (standardised, in f32) and
    /// decoded, reads as the data wrote it, not as the nearest f32 after the round trip
    /// (`13.190001`).
    #[test]
    fn numbers_of_the_data_read_back_as_written() {
        let values: Vec<String> = (0..300)
            .map(|i| format!("{}", (1000.0 + 7.31 * i as f64).round() / 100.0))
            .chain(["-3.5", "0.001", "1234.5678", "0.5", "250000"].map(String::from))
            .collect();
        let text: String = values.iter().map(|v| format!("1,{v}\n")).collect();
        let s = DataSource::new(data(&format!("v,t\n{text}"), &["t"]), 0.0, Scale::None).unwrap();
        let rows: Vec<usize> = (0..values.len()).collect();
        let c = s.encoded(&rows);
        let decoded: Vec<String> = c.iter().map(|&v| s.conditions()[0].decode(&[v])).collect();
        assert_eq!(decoded, values);
    }

    #[test]
    fn a_holdout_that_leaves_too_few_rows_is_refused() {
        let d = data("v\n1\n2\n3\n", &[]);
        let e = DataSource::new(d.clone(), 0.2, Scale::None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("target.holdout") && e.contains("at least 2"),
            "{e}"
        );
        let e = DataSource::new(d, 1.0, Scale::None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("[0, 1)"), "{e}");
    }
}
