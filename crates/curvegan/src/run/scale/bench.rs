//! The mode-collapse benchmark of the VEEGAN and PacGAN papers, and the published results it
//! is compared with.
//!
//! A trial trains one GAN on `ring8` or `grid25` with seed `t` (`t = 0, 1, …`), then draws
//! 2500 samples from its generator (its `best/` one when the config keeps the best, see
//! [`crate::run::train::run_loop`]) and scores them with [`crate::eval::metrics::mode_stats`]: the modes captured,
//! the fraction of high-quality samples (within 3σ of their nearest mode) and the reverse KL
//! divergence of the high-quality samples' mode histogram from the uniform one. The scoring
//! noise comes from seed `t + SCORE_SEED_OFFSET`, never from a stream training or its
//! evaluations used. Each statistic is reported as mean ± standard error over the trials
//! (the sample standard deviation, with `n − 1`, divided by `√n`), the form of the PacGAN
//! paper's Table 1, which [`PUBLISHED`] holds.

use std::fmt::Write as _;
use std::path::Path;

use crate::config::TrainConfig;
use crate::data::target::TargetConfig;
use crate::error::{Error, Result};
use crate::run::scale::sweep::{self, SeedResult};
use crate::run::store::files::{self, CsvWriter};
use crate::run::train::gather as report;

/// Samples each trial is scored on (the papers' protocol).
pub const SAMPLES: usize = 2500;

/// Added to a trial's seed to get the seed of its scoring noise and real samples.
pub const SCORE_SEED_OFFSET: u64 = 1_000_000;

/// Trials `curvegan bench modes` runs unless told otherwise.
pub const DEFAULT_TRIALS: usize = 10;

/// The benchmark's datasets: the targets with 2-D modes.
pub const DATASETS: [TargetConfig; 2] = [TargetConfig::Ring8 {}, TargetConfig::Grid25 {}];

/// Parses a dataset's name (`--dataset`): `ring8` or `grid25`.
pub fn parse_dataset(name: &str) -> std::result::Result<TargetConfig, String> {
    DATASETS
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| {
            format!("expected ring8 or grid25 (the targets with 2-D modes), got '{name}'")
        })
}

/// The number of modes of `dataset`; an error for a target without 2-D modes.
pub fn mode_count(dataset: &TargetConfig) -> Result<usize> {
    let target = dataset.build()?;
    match target.modes() {
        Some((centres, _)) => Ok(centres.len() / 2),
        None => Err(Error::config(
            "dataset",
            format!(
                "'{}' has no 2-D modes to count; the benchmark runs on ring8 or grid25",
                dataset.name()
            ),
        )),
    }
}

/// The shipped settings of `dataset`, `configs/ring8.toml` or `configs/grid25.toml` of the
/// repository.
pub fn shipped_config(dataset: &TargetConfig) -> Result<TrainConfig> {
    let (text, name) = match dataset {
        TargetConfig::Ring8 {} => (RING8_TOML, "configs/ring8.toml"),
        TargetConfig::Grid25 {} => (GRID25_TOML, "configs/grid25.toml"),
        other => {
            return Err(Error::config(
                "dataset",
                format!(
                    "no shipped benchmark config for '{}'; the benchmark runs on ring8 or grid25",
                    other.name()
                ),
            ))
        }
    };
    TrainConfig::from_toml(text, Path::new(name))
}

const RING8_TOML: &str = include_str!("../../../../../configs/ring8.toml");
const GRID25_TOML: &str = include_str!("../../../../../configs/grid25.toml");

/// A mean and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanSe {
    /// The mean.
    pub mean: f64,
    /// The standard error of the mean (0 for a single value).
    pub se: f64,
}

impl MeanSe {
    /// Mean and standard error of `values`; NaN mean for none.
    pub fn of(values: &[f64]) -> MeanSe {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let se = if values.len() < 2 {
            0.0
        } else {
            let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (var / n).sqrt()
        };
        MeanSe { mean, se }
    }
}

/// One method's row: modes captured, high-quality fraction (as a percentage) and reverse KL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// Modes captured (of 8 or 25).
    pub modes: MeanSe,
    /// High-quality samples, in percent.
    pub high_quality_pct: MeanSe,
    /// Reverse KL of the mode histogram to uniform.
    pub reverse_kl: MeanSe,
}

/// A published row of PacGAN's Table 1: method, then the ring and the grid result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Published {
    /// The method.
    pub method: &'static str,
    /// On the 2-D ring.
    pub ring8: Row,
    /// On the 2-D grid.
    pub grid25: Row,
}

impl Published {
    /// The row on `dataset`, if the paper has one.
    pub fn on(&self, dataset: &TargetConfig) -> Option<&Row> {
        match dataset {
            TargetConfig::Ring8 {} => Some(&self.ring8),
            TargetConfig::Grid25 {} => Some(&self.grid25),
            _ => None,
        }
    }
}

const fn ms(mean: f64, se: f64) -> MeanSe {
    MeanSe { mean, se }
}

const fn row(m: (f64, f64), hq: (f64, f64), kl: (f64, f64)) -> Row {
    Row {
        modes: ms(m.0, m.1),
        high_quality_pct: ms(hq.0, hq.1),
        reverse_kl: ms(kl.0, kl.1),
    }
}

/// Lin, Khetan, Fanti and Oh, "PacGAN: The power of two samples in generative adversarial
/// networks", NeurIPS 2018, Table 1 (the VEEGAN protocol; GAN and ALI rows from VEEGAN's
/// experiments, 10 trials, mean ± standard error).
pub const PUBLISHED: [Published; 4] = [
    Published {
        method: "GAN",
        ring8: row((6.3, 0.5), (98.2, 0.2), (0.45, 0.09)),
        grid25: row((17.3, 0.8), (94.8, 0.7), (0.70, 0.07)),
    },
    Published {
        method: "ALI",
        ring8: row((6.6, 0.3), (97.6, 0.4), (0.36, 0.04)),
        grid25: row((24.1, 0.4), (95.7, 0.6), (0.14, 0.03)),
    },
    Published {
        method: "PacGAN2",
        ring8: row((7.9, 0.1), (95.6, 2.0), (0.07, 0.03)),
        grid25: row((23.8, 0.7), (91.3, 0.8), (0.13, 0.04)),
    },
    Published {
        method: "PacGAN4",
        ring8: row((7.8, 0.1), (95.9, 1.4), (0.07, 0.02)),
        grid25: row((24.8, 0.2), (93.6, 0.6), (0.04, 0.01)),
    },
];

/// One trial's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Its seed.
    pub seed: u64,
    /// Modes captured.
    pub modes: f64,
    /// High-quality fraction, in [0, 1].
    pub high_quality: f64,
    /// Reverse KL.
    pub reverse_kl: f64,
    /// Training wall time, seconds.
    pub wall_s: f64,
}

/// The benchmark's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The dataset: `ring8` or `grid25`.
    pub dataset: TargetConfig,
    /// Its number of modes.
    pub modes: usize,
    /// Every trial, in seed order.
    pub trials: Vec<Trial>,
    /// Mean ± standard error over the trials.
    pub row: Row,
}

/// Checks a benchmark before its first trial: a dataset with modes, a config of that
/// dataset, at least one trial.
pub fn check(dataset: &TargetConfig, config: &TrainConfig, trials: usize) -> Result<()> {
    mode_count(dataset)?;
    if config.target != *dataset {
        return Err(Error::config(
            "config",
            format!(
                "the benchmark on {} needs target {}, the config has '{}'",
                dataset.name(),
                dataset.name(),
                config.target.name()
            ),
        ));
    }
    if trials == 0 {
        return Err(Error::config("trials", "must be at least 1, got 0"));
    }
    Ok(())
}

/// How a trial is scored: [`SAMPLES`] samples, seeds offset by [`SCORE_SEED_OFFSET`].
pub const SCORING: sweep::Scoring = sweep::Scoring {
    samples: SAMPLES,
    seed_offset: SCORE_SEED_OFFSET,
};

/// The benchmark's outcome on `dataset` from its trials' results, scored as [`SCORING`] says.
pub fn outcome(dataset: &TargetConfig, results: &[SeedResult]) -> Result<Outcome> {
    let modes = mode_count(dataset)?;
    let trials = results
        .iter()
        .map(trial_of)
        .collect::<Result<Vec<Trial>>>()?;
    let column = |f: fn(&Trial) -> f64| trials.iter().map(f).collect::<Vec<f64>>();
    let row = Row {
        modes: MeanSe::of(&column(|t| t.modes)),
        high_quality_pct: MeanSe::of(&column(|t| 100.0 * t.high_quality)),
        reverse_kl: MeanSe::of(&column(|t| t.reverse_kl)),
    };
    Ok(Outcome {
        dataset: dataset.clone(),
        modes,
        trials,
        row,
    })
}

fn trial_of(r: &SeedResult) -> Result<Trial> {
    let get = |name: &str| {
        r.report.get(name).ok_or_else(|| {
            Error::config(
                "dataset",
                format!("the report of {} has no {name}", r.dir.display()),
            )
        })
    };
    Ok(Trial {
        seed: r.seed,
        modes: get("modes_captured")?,
        high_quality: get("high_quality_fraction")?,
        reverse_kl: get("reverse_kl")?,
        wall_s: r.summary.wall.as_secs_f64(),
    })
}

impl Outcome {
    /// The published rows and ours as a Markdown table, for this dataset.
    pub fn table(&self) -> String {
        let k = self.modes;
        let mut s =
            format!("| method | modes /{k} | high-quality % | reverse KL |\n|---|---|---|---|\n");
        // A trial without any high-quality sample has an infinite reverse KL; the mean is
        // then infinite too and its standard error meaningless.
        let cell = |m: &MeanSe, digits: usize| match m.mean.is_finite() {
            true => format!("{:.digits$} ± {:.digits$}", m.mean, m.se),
            false => format!("{}", m.mean),
        };
        let fmt_row = |s: &mut String, name: &str, r: &Row| {
            let _ = writeln!(
                s,
                "| {name} | {} | {} | {} |",
                cell(&r.modes, 1),
                cell(&r.high_quality_pct, 1),
                cell(&r.reverse_kl, 3)
            );
        };
        for p in &PUBLISHED {
            if let Some(r) = p.on(&self.dataset) {
                fmt_row(&mut s, p.method, r);
            }
        }
        let ours = format!("curvegan ({} trials)", self.trials.len());
        fmt_row(&mut s, &ours, &self.row);
        s
    }

    /// Every trial as a table for people: seed, modes, high-quality %, reverse KL, wall time.
    pub fn trials_table(&self) -> String {
        let mut s = format!(
            "{:>6} {:>8} {:>10} {:>10} {:>8}\n",
            "seed", "modes", "HQ %", "rev-KL", "wall_s"
        );
        for t in &self.trials {
            let _ = writeln!(
                s,
                "{:>6} {:>8} {:>10.2} {:>10.4} {:>8.1}",
                t.seed,
                t.modes,
                100.0 * t.high_quality,
                t.reverse_kl,
                t.wall_s
            );
        }
        s
    }

    /// Every trial as CSV: `seed,modes_captured,high_quality_fraction,reverse_kl,wall_s`.
    pub fn to_csv(&self) -> String {
        let mut csv = CsvWriter::new();
        csv.row([
            "seed",
            "modes_captured",
            "high_quality_fraction",
            "reverse_kl",
            "wall_s",
        ]);
        for t in &self.trials {
            csv.row([
                t.seed.to_string(),
                t.modes.to_string(),
                t.high_quality.to_string(),
                t.reverse_kl.to_string(),
                t.wall_s.to_string(),
            ]);
        }
        csv.finish()
    }

    /// Writes [`Outcome::to_csv`] and [`Outcome::table`] into `root`
    /// ([`files::BENCH_CSV`], [`files::BENCH_TABLE`]), and the page comparing the trials' runs
    /// ([`report::write_comparison`]).
    pub fn save(&self, root: &Path) -> Result<()> {
        files::write_atomic(&root.join(files::BENCH_CSV), self.to_csv().as_bytes())?;
        files::write_atomic(&root.join(files::BENCH_TABLE), self.table().as_bytes())?;
        report::write_comparison(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_standard_error_by_hand() {
        // Values 1, 2, 3, 6: mean 3, sample variance (4 + 1 + 0 + 9) / 3 = 14/3,
        // standard error sqrt(14/3 / 4).
        let m = MeanSe::of(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!(m.mean, 3.0);
        assert!((m.se - (14.0f64 / 12.0).sqrt()).abs() < 1e-15);
        assert_eq!(MeanSe::of(&[5.0]).se, 0.0);
    }

    #[test]
    fn shipped_configs_parse_and_train_their_dataset() {
        for d in DATASETS {
            let c = shipped_config(&d).unwrap();
            c.validate().unwrap();
            assert_eq!(c.target, d, "{}", d.name());
            assert_eq!(parse_dataset(d.name()), Ok(d.clone()));
        }
        assert_eq!(mode_count(&TargetConfig::Ring8 {}).unwrap(), 8);
        assert_eq!(mode_count(&TargetConfig::Grid25 {}).unwrap(), 25);
        assert!(parse_dataset("family").is_err());
        let msg = mode_count(&TargetConfig::Family {
            points: 15,
            x_range: [-1.0, 1.0],
        })
        .unwrap_err()
        .to_string();
        assert!(msg.contains("dataset") && msg.contains("family"), "{msg}");
    }
}
