//! The best-checkpoint watch: the watched metric's best value so far, `best/` written at each
//! new best, and early stopping when it has not improved for `early_stop` evaluations.

use std::path::Path;

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::eval::catalogue::{self, Better};
use crate::run::store::files::{self, Dir};
use crate::run::store::metrics_csv::Row;
use crate::run::store::run_json::Best;
use crate::run::train::trainer::Trainer;

/// Keep-best and early-stopping state: the watched metric's best value so far and how many
/// evaluations since have not improved on it. A function of the metrics rows alone, so a
/// resumed run rebuilds it exactly.
#[derive(Debug, Clone)]
pub struct Watch {
    metric: &'static str,
    /// Its column among the evaluation's values.
    column: usize,
    better: Better,
    best: Option<(usize, f64)>,
    stale: usize,
    patience: usize,
}

impl Watch {
    /// The watch of `config`'s `keep_best` among the metrics `names`; `None` without one.
    pub fn new(config: &TrainConfig, names: &[&'static str]) -> Option<Watch> {
        let metric = config.keep_best.as_deref()?;
        let column = names.iter().position(|n| *n == metric)?;
        let metric = names[column];
        Some(Watch {
            metric,
            column,
            better: catalogue::metric_info(metric)?.better?,
            best: None,
            stale: 0,
            patience: config.early_stop,
        })
    }

    /// The state after the evaluations of `rows`.
    pub fn replay(config: &TrainConfig, names: &[&'static str], rows: &[Row]) -> Option<Watch> {
        let mut watch = Watch::new(config, names)?;
        for (step, row) in rows.iter().enumerate() {
            if let Some(values) = &row.metrics {
                watch.update(step, values);
            }
        }
        Some(watch)
    }

    /// Takes the evaluation at `step`; returns the new best if it is one.
    pub fn update(&mut self, step: usize, values: &[f64]) -> Option<Best> {
        let v = values[self.column];
        let improved = match self.best {
            None => !v.is_nan(),
            Some((_, best)) => self.better.improves(v, best),
        };
        if !improved {
            self.stale += 1;
            return None;
        }
        self.best = Some((step, v));
        self.stale = 0;
        self.best()
    }

    /// True when early stopping should end the run.
    pub fn exhausted(&self) -> bool {
        self.patience > 0 && self.stale >= self.patience
    }

    /// The best so far.
    pub fn best(&self) -> Option<Best> {
        self.best.map(|(step, value)| Best {
            metric: self.metric.to_string(),
            value,
            step,
        })
    }

    /// Why the run stopped early, for its error.
    pub fn stop_message(&self, dir: &Path, step: usize) -> String {
        let best = match self.best {
            Some((s, v)) => format!("best {v} at step {s}"),
            None => "every value was NaN".to_string(),
        };
        format!(
            "the run in {} stopped early at step {step}: {} had not improved for {} evaluations ({best}); there is nothing to resume",
            dir.display(),
            self.metric,
            self.patience
        )
    }
}

/// Writes `best/`: the config, both nets and `best.json`, each file atomically; returns the
/// folder.
pub fn write_best(dir: &Dir, config_toml: &str, trainer: &Trainer, best: &Best) -> Result<Dir> {
    let best_dir = dir.subdir(files::BEST_DIR)?;
    best_dir.write(files::CONFIG, config_toml.as_bytes())?;
    best_dir.write(files::GENERATOR, &trainer.nets().generator_bytes()?)?;
    best_dir.write(files::DISCRIMINATOR, &trainer.nets().discriminator_bytes()?)?;
    let json = serde_json::to_string_pretty(best)
        .map_err(|e| Error::Serialize(format!("best.json: {e}")))?;
    best_dir.write(files::BEST, json.as_bytes())?;
    Ok(best_dir)
}
