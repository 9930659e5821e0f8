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
//!
//! A benchmark over settings (`bench modes --grid/--random`, [`crate::run::scale::grid`]) runs
//! every setting over the same trials and gets a row per setting, sorted by one of the three
//! statistics ([`METRICS`]). A row trained with settings other than the dataset's shipped
//! config ([`shipped_config`], with which the guide's row was measured) is marked `†`, and a
//! footnote names what differs (`steps = 3000 (shipped: 40000)`): the same table with fewer
//! steps is not the published one.
//!
//! `table.md` ends with what the benchmark cost: its wall time and each trial's core-minutes
//! ([`timing`]).

use std::fmt::Write as _;
use std::path::Path;

use crate::config::{KeyChange, TrainConfig};
use crate::data::target::TargetConfig;
use crate::error::{Error, Result};
use crate::eval::catalogue::{metric_info, Better};
use crate::run::scale::grid::{self, Setting};
use crate::run::scale::sweep::{self, SeedResult};
use crate::run::scale::timing::{self, TrialTime};
use crate::run::store::files::{self, CsvWriter};
use crate::run::train::gather as report;
use crate::text::echo;

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
    let text = match dataset {
        TargetConfig::Ring8 {} => RING8_TOML,
        TargetConfig::Grid25 {} => GRID25_TOML,
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
    TrainConfig::from_toml(text, Path::new(&shipped_name(dataset)))
}

/// The file of the shipped settings of `dataset` in the repository: `configs/ring8.toml`.
pub fn shipped_name(dataset: &TargetConfig) -> String {
    format!("configs/{}.toml", dataset.name())
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

/// The statistics a benchmark over settings can be sorted by (`metric`); the first is the
/// default.
pub const METRICS: [&str; 3] = ["modes_captured", "high_quality_fraction", "reverse_kl"];

/// Checks `metric` (`bench modes --metric`): one of [`METRICS`]; the error names `metric`.
pub fn check_metric(metric: &str) -> Result<()> {
    match METRICS.contains(&metric) {
        true => Ok(()),
        false => Err(Error::config(
            "metric",
            format!(
                "'{}' is not one of the benchmark's statistics: {}",
                echo(metric),
                METRICS.join(", ")
            ),
        )),
    }
}

/// Keys that change neither what a trial trains nor how it is scored: its seed (each trial has
/// its own) and how often it draws figures and writes checkpoints.
const NOT_COMPARED: [&str; 3] = ["seed", "plot_every", "checkpoint_every"];

/// Keys of the evaluations during training, which change what is scored only through the
/// best checkpoint kept or an early stop.
const EVALUATIONS: [&str; 3] = ["eval_every", "eval_samples", "eval_metrics"];

/// How `config` differs from the shipped config of `dataset`, key by key (`old` the shipped
/// value, `new` this one's), leaving out the keys that change no trained weight or score (the
/// evaluations' too when neither config keeps the best or stops early).
pub fn shipped_differences(dataset: &TargetConfig, config: &TrainConfig) -> Result<Vec<KeyChange>> {
    let shipped = shipped_config(dataset)?;
    let selects = |c: &TrainConfig| c.keep_best.is_some() || c.early_stop > 0;
    let scored = selects(&shipped) || selects(config);
    let changes = shipped.changed_keys(config)?;
    Ok((changes.into_iter())
        .filter(|c| !NOT_COMPARED.contains(&c.key.as_str()))
        .filter(|c| scored || !EVALUATIONS.contains(&c.key.as_str()))
        .collect())
}

/// One trial's scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Its seed.
    pub seed: u64,
    /// Its setting's index (from 0) in a benchmark over settings; `None` otherwise.
    pub setting: Option<usize>,
    /// Modes captured.
    pub modes: f64,
    /// High-quality fraction, in [0, 1].
    pub high_quality: f64,
    /// Reverse KL.
    pub reverse_kl: f64,
    /// Training wall time, seconds.
    pub wall_s: f64,
    /// What it cost: its core-minutes and its span ([`timing`]).
    pub time: TrialTime,
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
    /// Mean ± standard error over the trials (all of them, whatever their setting).
    pub row: Row,
    /// How the settings every trial shares differ from the shipped config of the dataset
    /// ([`shipped_differences`]); empty when they are its.
    pub differs: Vec<KeyChange>,
    /// A benchmark over settings: a row per setting, best first; empty otherwise.
    pub settings: Vec<SettingRow>,
    /// The statistic the settings are sorted by (one of [`METRICS`]).
    pub metric: String,
}

/// One setting's row of a benchmark over settings.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingRow {
    /// The setting's number, from 1 (its folder `setting-NN`).
    pub number: usize,
    /// Its keys and values.
    pub setting: Setting,
    /// Its trials done.
    pub trials: usize,
    /// Mean ± standard error over its trials.
    pub row: Row,
    /// How its settings differ from the shipped config ([`shipped_differences`]); empty
    /// when they are its.
    pub differs: Vec<KeyChange>,
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

/// The benchmark's outcome on `dataset` from its trials' results, scored as [`SCORING`] says:
/// the trials trained with `config` (the settings they share), each with its setting of
/// `settings` (none: one config), whose rows are sorted by `metric` (default: the first of
/// [`METRICS`]) in its better direction, ties by reverse KL.
pub fn outcome(
    dataset: &TargetConfig,
    config: &TrainConfig,
    settings: &[Setting],
    metric: Option<&str>,
    results: &[SeedResult],
) -> Result<Outcome> {
    let modes = mode_count(dataset)?;
    let metric = metric.unwrap_or(METRICS[0]);
    check_metric(metric)?;
    let trials = results
        .iter()
        .map(trial_of)
        .collect::<Result<Vec<Trial>>>()?;
    let mut rows = Vec::with_capacity(settings.len());
    for (i, setting) in settings.iter().enumerate() {
        let of: Vec<Trial> = (trials.iter())
            .filter(|t| t.setting == Some(i))
            .cloned()
            .collect();
        rows.push(SettingRow {
            number: i + 1,
            setting: setting.clone(),
            trials: of.len(),
            row: row_of(&of),
            differs: shipped_differences(dataset, &setting.apply(config)?)?,
        });
    }
    sort_rows(&mut rows, metric);
    Ok(Outcome {
        dataset: dataset.clone(),
        modes,
        row: row_of(&trials),
        trials,
        differs: shipped_differences(dataset, config)?,
        settings: rows,
        metric: metric.to_string(),
    })
}

/// Mean ± standard error of each statistic over `trials`.
fn row_of(trials: &[Trial]) -> Row {
    let column = |f: fn(&Trial) -> f64| trials.iter().map(f).collect::<Vec<f64>>();
    Row {
        modes: MeanSe::of(&column(|t| t.modes)),
        high_quality_pct: MeanSe::of(&column(|t| 100.0 * t.high_quality)),
        reverse_kl: MeanSe::of(&column(|t| t.reverse_kl)),
    }
}

/// Sorts `rows` by the mean of `metric` (one of [`METRICS`]) in its better direction, ties by
/// reverse KL (lower first), rows without trials (a NaN mean) last; equal rows keep their order.
fn sort_rows(rows: &mut [SettingRow], metric: &str) {
    let mean = |r: &SettingRow, m: &str| match m {
        "modes_captured" => r.row.modes.mean,
        "high_quality_fraction" => r.row.high_quality_pct.mean,
        _ => r.row.reverse_kl.mean,
    };
    let better = metric_info(metric).and_then(|i| i.better);
    let key = |r: &SettingRow| match better {
        Some(Better::Higher) => -mean(r, metric),
        _ => mean(r, metric),
    };
    let order = |x: f64, y: f64| {
        (x.is_nan().cmp(&y.is_nan())).then(x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal))
    };
    rows.sort_by(|a, b| {
        order(key(a), key(b)).then(order(mean(a, "reverse_kl"), mean(b, "reverse_kl")))
    });
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
    let time = TrialTime::of(r.seed, r.setting, &r.dir, r.summary.wall.as_secs_f64())?;
    Ok(Trial {
        time,
        seed: r.seed,
        setting: r.setting,
        modes: get("modes_captured")?,
        high_quality: get("high_quality_fraction")?,
        reverse_kl: get("reverse_kl")?,
        wall_s: r.summary.wall.as_secs_f64(),
    })
}

impl Outcome {
    /// The published rows and ours as a Markdown table, for this dataset: one row of ours, or
    /// a row per setting (its keys' values in columns of their own) best first, under a line
    /// saying the order. A row of ours trained with settings other than the shipped config is
    /// marked `†`, and a footnote below says what differs.
    pub fn table(&self) -> String {
        let keys = grid::keys(self.settings.iter().map(|r| &r.setting));
        let mut s = String::new();
        if !self.settings.is_empty() {
            let better = match metric_info(&self.metric).and_then(|i| i.better) {
                Some(Better::Higher) => "higher is better",
                _ => "lower is better",
            };
            let _ = writeln!(
                s,
                "Settings by {} ({better}; ties by reverse KL), mean ± standard error over each setting's trials:\n",
                self.metric
            );
        }
        let columns: String = keys.iter().map(|k| format!(" {k} |")).collect();
        let k = self.modes;
        let _ = writeln!(
            s,
            "| method |{columns} modes /{k} | high-quality % | reverse KL |\n|---|{}---|---|---|",
            "---|".repeat(keys.len())
        );
        // A trial without any high-quality sample has an infinite reverse KL; the mean is
        // then infinite too and its standard error meaningless.
        let cell = |m: &MeanSe, digits: usize| match m.mean.is_finite() {
            true => format!("{:.digits$} ± {:.digits$}", m.mean, m.se),
            false => format!("{}", m.mean),
        };
        let fmt_row = |s: &mut String, name: &str, values: &[String], r: &Row| {
            let values: String = values.iter().map(|v| format!(" {v} |")).collect();
            let _ = writeln!(
                s,
                "| {name} |{values} {} | {} | {} |",
                cell(&r.modes, 1),
                cell(&r.high_quality_pct, 1),
                cell(&r.reverse_kl, 3)
            );
        };
        let mark = |differs: bool| if differs { " †" } else { "" };
        let blank = vec![String::new(); keys.len()];
        for p in &PUBLISHED {
            if let Some(r) = p.on(&self.dataset) {
                fmt_row(&mut s, p.method, &blank, r);
            }
        }
        if self.settings.is_empty() {
            let ours = format!(
                "curvegan ({} trials){}",
                self.trials.len(),
                mark(!self.differs.is_empty())
            );
            fmt_row(&mut s, &ours, &blank, &self.row);
        }
        for r in &self.settings {
            let name = format!(
                "curvegan, setting {} ({} trials){}",
                r.number,
                r.trials,
                mark(!r.differs.is_empty())
            );
            let values: Vec<String> = (keys.iter())
                .map(|k| r.setting.value(k).unwrap_or("—").to_string())
                .collect();
            fmt_row(&mut s, &name, &values, &r.row);
        }
        let times: Vec<TrialTime> = self.trials.iter().map(|t| t.time).collect();
        s + &self.footnote(&keys) + &timing::markdown(&times)
    }

    /// The footnote of the rows marked `†` (none when no row is): the settings shared by every
    /// trial that differ from the shipped config, and the shipped values of the settings'
    /// keys, e.g. `steps = 3000 (shipped: 40000)`.
    fn footnote(&self, keys: &[&str]) -> String {
        let marked = match self.settings.is_empty() {
            true => !self.differs.is_empty(),
            false => self.settings.iter().any(|r| !r.differs.is_empty()),
        };
        if !marked {
            return String::new();
        }
        let of_setting =
            |key: &str| (keys.iter()).any(|k| key == *k || key.starts_with(&format!("{k}.")));
        let shared: Vec<String> = (self.differs.iter())
            .filter(|c| !of_setting(&c.key))
            .map(|c| format!("{} = {} (shipped: {})", c.key, echo(&c.new), echo(&c.old)))
            .collect();
        // The shipped values of the settings' keys, in the columns' order.
        let mut columns: Vec<String> = Vec::new();
        for k in keys {
            let of_key = |c: &&KeyChange| c.key == *k || c.key.starts_with(&format!("{k}."));
            for c in self
                .settings
                .iter()
                .flat_map(|r| r.differs.iter().filter(of_key))
            {
                let shown = format!("{} = {}", c.key, echo(&c.old));
                if !columns.contains(&shown) {
                    columns.push(shown);
                }
            }
        }
        let mut parts = Vec::new();
        if !shared.is_empty() {
            parts.push(shared.join(", "));
        }
        if !columns.is_empty() {
            parts.push(format!("the shipped {}", columns.join(", ")));
        }
        format!(
            "\n† settings other than the shipped {}, with which the guide's curvegan row was measured: {}\n",
            shipped_name(&self.dataset),
            parts.join("; ")
        )
    }

    /// Every trial as a table for people: (its setting,) seed, modes, high-quality %, reverse
    /// KL, wall time.
    pub fn trials_table(&self) -> String {
        let with_setting = !self.settings.is_empty();
        let lead = |v: String| match with_setting {
            true => format!("{v:>7} "),
            false => String::new(),
        };
        let mut s = format!(
            "{}{:>6} {:>8} {:>10} {:>10} {:>8}\n",
            lead("setting".into()),
            "seed",
            "modes",
            "HQ %",
            "rev-KL",
            "wall_s"
        );
        for t in &self.trials {
            let _ = writeln!(
                s,
                "{}{:>6} {:>8} {:>10.2} {:>10.4} {:>8.1}",
                lead(t.setting.map_or(String::new(), |i| (i + 1).to_string())),
                t.seed,
                t.modes,
                100.0 * t.high_quality,
                t.reverse_kl,
                t.wall_s
            );
        }
        s
    }

    /// Every trial as CSV: `seed,modes_captured,high_quality_fraction,reverse_kl,wall_s`,
    /// after a `setting` column (numbered from 1, as `settings.csv`) in a benchmark over
    /// settings.
    pub fn to_csv(&self) -> String {
        let with_setting = !self.settings.is_empty();
        let mut csv = CsvWriter::new();
        let lead = with_setting.then_some("setting");
        csv.row(lead.into_iter().chain([
            "seed",
            "modes_captured",
            "high_quality_fraction",
            "reverse_kl",
            "wall_s",
        ]));
        for t in &self.trials {
            let setting = t.setting.map_or(String::new(), |i| (i + 1).to_string());
            let lead = with_setting.then_some(setting);
            csv.row(lead.into_iter().chain([
                t.seed.to_string(),
                t.modes.to_string(),
                t.high_quality.to_string(),
                t.reverse_kl.to_string(),
                t.wall_s.to_string(),
            ]));
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
    fn a_row_trained_otherwise_than_the_shipped_config_is_marked_with_what_differs() {
        let ring = TargetConfig::Ring8 {};
        let shipped = shipped_config(&ring).unwrap();
        // The seed, figures, checkpoints and, with no best kept, the evaluations change no
        // score: not differences.
        let same = TrainConfig {
            seed: 7,
            plot_every: 0,
            checkpoint_every: 5,
            eval_every: 100,
            ..shipped.clone()
        };
        assert!(shipped_differences(&ring, &same).unwrap().is_empty());
        let kept = TrainConfig {
            keep_best: Some("reverse_kl".into()),
            ..same
        };
        let keys = |c| -> Vec<String> {
            let d = shipped_differences(&ring, &c).unwrap();
            d.into_iter().map(|c| c.key).collect()
        };
        assert_eq!(keys(kept), ["eval_every", "keep_best"]);
        let short = TrainConfig {
            steps: 3000,
            ..shipped.clone()
        };
        let differs = shipped_differences(&ring, &short).unwrap();
        let shown: Vec<(&str, &str, &str)> = (differs.iter())
            .map(|c| (c.key.as_str(), c.old.as_str(), c.new.as_str()))
            .collect();
        assert_eq!(shown, [("steps", "40000", "3000")]);
        let one = MeanSe { mean: 8.0, se: 0.0 };
        let outcome = |differs: Vec<KeyChange>| Outcome {
            dataset: ring.clone(),
            modes: 8,
            trials: Vec::new(),
            row: Row {
                modes: one,
                high_quality_pct: one,
                reverse_kl: one,
            },
            differs,
            settings: Vec::new(),
            metric: METRICS[0].to_string(),
        };
        let plain = outcome(Vec::new()).table();
        assert!(
            plain.ends_with("| curvegan (0 trials) | 8.0 ± 0.0 | 8.0 ± 0.0 | 8.000 ± 0.000 |\n")
        );
        assert!(!plain.contains('†'), "{plain}");
        let marked = outcome(differs).table();
        assert!(marked.contains("| curvegan (0 trials) † | 8.0"), "{marked}");
        assert!(marked.ends_with("\n† settings other than the shipped configs/ring8.toml, with which the guide's curvegan row was measured: steps = 3000 (shipped: 40000)\n"), "{marked}");
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
