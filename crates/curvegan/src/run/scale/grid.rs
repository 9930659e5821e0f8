//! Hyperparameter sweeps: the settings a sweep tries — a grid of config keys' values
//! (`optim_g.lr=1e-4,2e-4`, their cross product) and random draws (`optim_d.lr=loguniform(1e-5,1e-3)`,
//! `trials` of them, seeded by the sweep's first seed) — and the table of their runs, one row
//! per setting with the mean ± sd of a metric over seeds, sorted by it.
//!
//! A setting is a list of `(key, value)` set on the sweep's config one by one
//! ([`TrainConfig::with_key`]); every setting × seed is a run, in `ROOT/setting-NN/seed-S`
//! ([`setting_dir`]). The plan ([`crate::run::scale::plan::Plan`]) records the settings drawn,
//! so that a resumed sweep trains the same ones and a changed grid is refused.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::eval::catalogue::{metric_info, Better};
use crate::run::scale::sweep::{Criterion, SeedResult};
use crate::run::store::files::CsvWriter;
use crate::run::view::scores;
use crate::text::echo;

/// The file naming each setting's keys and values: `setting,KEY…`.
pub const SETTINGS_CSV: &str = "settings.csv";

/// The file of a hyperparameter sweep's runs, one row each: `setting,seed,wall_s,…`.
pub use crate::run::store::files::RUNS_CSV;

/// One setting of a sweep: config keys and their values, as given (`("optim_g.lr", "2e-4")`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Setting(pub Vec<(String, String)>);

impl Setting {
    /// The sweep's config with this setting's keys set, in order — `loss` first, since it
    /// gives the nets its own optimizers, which the setting's `optim_*` keys then change —
    /// and validated.
    pub fn apply(&self, config: &TrainConfig) -> Result<TrainConfig> {
        let mut config = config.clone();
        let (loss, others): (Vec<_>, Vec<_>) = self.0.iter().partition(|(k, _)| k == "loss");
        for (key, value) in loss.into_iter().chain(others) {
            config = config.with_key(key, value)?;
        }
        Ok(config)
    }

    /// The value this setting gives `key`, if it sets it.
    pub fn value(&self, key: &str) -> Option<&str> {
        (self.0.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        write!(f, "{}", parts.join(" "))
    }
}

/// How a random search draws a key's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// `loguniform(A,B)`: `exp` of a uniform draw in `[ln A, ln B)`; `0 < A < B`.
    LogUniform(f64, f64),
    /// `uniform(A,B)`: a uniform draw in `[A, B)`; `A < B`.
    Uniform(f64, f64),
    /// `choice(a,b,c)`: one of the values, each as likely.
    Choice(Vec<String>),
}

impl Distribution {
    /// One draw, as a value's text; a number is kept to 4 significant digits.
    fn draw(&self, rng: &mut ChaCha8Rng) -> String {
        let short = |x: f64| {
            let x: f64 = format!("{x:.3e}").parse().unwrap_or(x);
            x.to_string()
        };
        match self {
            Distribution::LogUniform(a, b) => short(rng.random_range(a.ln()..b.ln()).exp()),
            Distribution::Uniform(a, b) => short(rng.random_range(*a..*b)),
            Distribution::Choice(values) => values[rng.random_range(0..values.len())].clone(),
        }
    }
}

impl FromStr for Distribution {
    type Err = String;

    /// Parses `loguniform(A,B)`, `uniform(A,B)` or `choice(a,b,c)`.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let expected = || {
            format!(
                "expected loguniform(A,B), uniform(A,B) or choice(a,b,…), got '{}'",
                echo(text)
            )
        };
        let (name, rest) = text.trim().split_once('(').ok_or_else(expected)?;
        let inner = rest.strip_suffix(')').ok_or_else(expected)?;
        let values = split_values(inner);
        if values.iter().any(|v| v.is_empty()) {
            return Err(format!("'{}' has an empty value", echo(text)));
        }
        let bounds = || -> std::result::Result<(f64, f64), String> {
            let numbers: Vec<f64> = (values.iter())
                .map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect::<Option<_>>()
                .ok_or_else(|| format!("the bounds of '{}' are not numbers", echo(text)))?;
            match numbers[..] {
                [a, b] if a < b => Ok((a, b)),
                [_, _] => Err(format!("'{}' needs A < B", echo(text))),
                _ => Err(format!("'{}' takes two bounds, A and B", echo(text))),
            }
        };
        match name.trim() {
            "loguniform" => match bounds()? {
                (a, b) if a > 0.0 => Ok(Distribution::LogUniform(a, b)),
                _ => Err(format!("'{}' needs 0 < A", echo(text))),
            },
            "uniform" => bounds().map(|(a, b)| Distribution::Uniform(a, b)),
            "choice" => Ok(Distribution::Choice(values)),
            _ => Err(expected()),
        }
    }
}

/// Splits `a,b,[1,2]` at the commas outside brackets and quotes: `a`, `b`, `[1,2]`, trimmed.
fn split_values(text: &str) -> Vec<String> {
    let (mut out, mut current, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current.trim().to_string());
    out
}

/// The key of `KEY=…`, checked to be key-shaped; the error names `option`.
fn split_key<'a>(option: &str, text: &'a str) -> Result<(&'a str, &'a str)> {
    let (key, rest) = text.split_once('=').ok_or_else(|| {
        Error::config(
            option,
            format!(
                "expected KEY=…, e.g. optim_g.lr=1e-4,2e-4, got '{}'",
                echo(text)
            ),
        )
    })?;
    let key = key.trim();
    let shaped = !key.is_empty()
        && (key.chars()).all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c));
    match shaped {
        true => Ok((key, rest)),
        false => Err(Error::config(
            option,
            format!("'{}' is not a config key (such as optim_g.lr)", echo(key)),
        )),
    }
}

/// The settings a sweep tries: a grid (each key's values; their cross product) and random
/// draws (`trials` of them, each drawing every key of `random`), crossed with each other.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Space {
    /// `KEY=V1,V2,…`, in the order given; the first key varies slowest.
    pub grid: Vec<(String, Vec<String>)>,
    /// `KEY=DISTRIBUTION`.
    pub random: Vec<(String, Distribution)>,
    /// Draws of `random`.
    pub trials: usize,
}

impl Space {
    /// Reads `--grid KEY=V1,V2,…` texts, `--random KEY=DIST` texts and `--trials`. A key given
    /// twice, a grid without values, random keys without trials (or trials without random
    /// keys) are refused; errors name the key, or `grid`, `random`, `trials`.
    pub fn parse(grid: &[String], random: &[String], trials: Option<usize>) -> Result<Space> {
        let mut space = Space::default();
        let mut keys: Vec<String> = Vec::new();
        let mut seen = |key: &str| match keys.iter().any(|k| k == key) {
            true => Err(Error::config(key, "is given twice in `grid` and `random`")),
            false => {
                keys.push(key.to_string());
                Ok(())
            }
        };
        for text in grid {
            let (key, values) = split_key("grid", text)?;
            seen(key)?;
            let values = split_values(values);
            if values.iter().any(|v| v.is_empty()) {
                return Err(Error::config(
                    key,
                    format!("'{}' has an empty value (give KEY=V1,V2,…)", echo(text)),
                ));
            }
            space.grid.push((key.to_string(), values));
        }
        for text in random {
            let (key, dist) = split_key("random", text)?;
            seen(key)?;
            let dist = dist.parse().map_err(|e| Error::config(key, e))?;
            space.random.push((key.to_string(), dist));
        }
        match (space.random.is_empty(), trials) {
            (false, Some(0) | None) => {
                return Err(Error::config(
                    "trials",
                    "a random search needs `trials` N ≥ 1, the number of draws",
                ))
            }
            (true, Some(_)) => {
                return Err(Error::config(
                    "trials",
                    "counts the draws of `random`, and none is given",
                ))
            }
            (_, t) => space.trials = t.unwrap_or(0),
        }
        Ok(space)
    }

    /// True when the space varies nothing: a sweep over seeds alone.
    pub fn is_empty(&self) -> bool {
        self.grid.is_empty() && self.random.is_empty()
    }

    /// The number of settings (the grid's points × the draws), checked against `limit`.
    fn count(&self, limit: u64) -> Result<u64> {
        let mut n: u64 = 1;
        for (_, values) in &self.grid {
            n = n.saturating_mul(values.len() as u64);
        }
        if !self.random.is_empty() {
            n = n.saturating_mul(self.trials as u64);
        }
        if n > limit {
            return Err(Error::config(
                "grid",
                format!("{n} settings, above the limit of {limit}"),
            ));
        }
        Ok(n)
    }

    /// Every setting, grid points in order (the first key slowest), each with the random
    /// draws `0..trials` drawn with `seed`; none for an empty space. At most `limit` settings.
    pub fn settings(&self, seed: u64, limit: u64) -> Result<Vec<Setting>> {
        if self.is_empty() {
            return Ok(Vec::new());
        }
        self.count(limit)?;
        let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
        for (key, values) in &self.grid {
            points = (points.iter())
                .flat_map(|p| {
                    values.iter().map(move |v| {
                        let mut p = p.clone();
                        p.push((key.clone(), v.clone()));
                        p
                    })
                })
                .collect();
        }
        // The draws do not depend on the grid: draw t is the same for every grid point.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let draws: Vec<Vec<(String, String)>> = match self.random.is_empty() {
            true => vec![Vec::new()],
            false => (0..self.trials)
                .map(|_| {
                    (self.random.iter())
                        .map(|(k, d)| (k.clone(), d.draw(&mut rng)))
                        .collect()
                })
                .collect(),
        };
        Ok(points
            .iter()
            .flat_map(|p| {
                draws
                    .iter()
                    .map(move |d| Setting([p.clone(), d.clone()].concat()))
            })
            .collect())
    }
}

/// The folder of setting `index` (from 0) of `count`: `root/setting-01`, numbered from 1 with
/// at least two digits, as many as the last one needs.
pub fn setting_dir(root: &Path, index: usize, count: usize) -> PathBuf {
    let width = count.to_string().len().max(2);
    root.join(format!("setting-{:0width$}", index + 1))
}

/// The keys of `settings`, in the order they first appear (a table's columns).
pub(crate) fn keys<'a>(settings: impl IntoIterator<Item = &'a Setting>) -> Vec<&'a str> {
    let mut keys: Vec<&str> = Vec::new();
    for s in settings {
        for (k, _) in &s.0 {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    keys
}

/// `settings.csv`: `setting,KEY…`, one row per setting (numbered from 1).
pub fn settings_csv(settings: &[Setting]) -> String {
    let keys = keys(settings);
    let mut csv = CsvWriter::new();
    csv.row(std::iter::once("setting").chain(keys.iter().copied()));
    for (i, s) in settings.iter().enumerate() {
        let value = |k: &str| s.value(k).map(str::to_string);
        csv.row(
            std::iter::once((i + 1).to_string())
                .chain(keys.iter().map(|k| value(k).unwrap_or_default())),
        );
    }
    csv.finish()
}

/// `runs.csv`: `setting,seed,wall_s,d_loss,g_loss,<metrics…>`, one row per run.
pub fn runs_csv(results: &[SeedResult]) -> String {
    crate::run::scale::sweep::rows_csv(results, true)
}

/// Mean and sample standard deviation, as the page shows them too.
pub use crate::run::view::scores::mean_sd;

/// One setting's row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The setting's number, from 1.
    pub number: usize,
    /// Its keys and values.
    pub setting: Setting,
    /// Its runs done (scored).
    pub runs: usize,
    /// Each metric's mean and sd over its runs, in the scores' order.
    pub metrics: Vec<(String, f64, f64)>,
    /// Runs that met the success criterion, if there is one.
    pub met: Option<usize>,
}

/// The table of a hyperparameter sweep: a row per setting, sorted by `metric` in its better
/// direction (settings without runs last), with `seeds` runs planned per setting.
#[derive(Debug, Clone)]
pub struct Table {
    /// The metric the rows are sorted by.
    pub metric: String,
    /// Which way it is better.
    pub better: Better,
    /// The success criterion, if any.
    pub success: Option<Criterion>,
    /// Runs planned per setting.
    pub seeds: u64,
    /// The rows, best first.
    pub rows: Vec<Row>,
}

impl Table {
    /// The table of `results` (each with its setting) over `settings`, sorted by `metric` —
    /// else the success criterion's metric, else the first metric of the runs that has a
    /// better direction. Errors name `metric` or `success` when a run lacks the metric.
    pub fn new(
        settings: &[Setting],
        seeds: u64,
        results: &[SeedResult],
        metric: Option<&str>,
        success: Option<&Criterion>,
    ) -> Result<Table> {
        let names: Vec<&str> = results.first().map_or(Vec::new(), |r| {
            r.report.metrics.iter().map(|(n, _)| n.as_str()).collect()
        });
        let chosen = metric
            .map(str::to_string)
            .or_else(|| success.map(|c| c.metric.clone()))
            .or_else(|| {
                (names.iter())
                    .find(|n| metric_info(n).is_some_and(|i| i.better.is_some()))
                    .map(|n| n.to_string())
            })
            .unwrap_or_else(|| "mse_to_target".to_string());
        let better = metric_info(&chosen)
            .and_then(|i| i.better)
            .unwrap_or(Better::Lower);
        if !results.is_empty() && !names.contains(&chosen.as_str()) {
            let option = if metric.is_some() {
                "metric"
            } else {
                "success"
            };
            return Err(Error::config(
                option,
                format!(
                    "no metric '{}'; the runs have {}",
                    echo(&chosen),
                    names.join(", ")
                ),
            ));
        }
        let mut rows: Vec<Row> = Vec::with_capacity(settings.len());
        for (i, setting) in settings.iter().enumerate() {
            let runs: Vec<&SeedResult> = results.iter().filter(|r| r.setting == Some(i)).collect();
            let metrics = (names.iter())
                .map(|name| {
                    let values: Vec<f64> = runs.iter().filter_map(|r| r.report.get(name)).collect();
                    let (mean, sd) = mean_sd(&values);
                    (name.to_string(), mean, sd)
                })
                .collect();
            let met = success.map(|c| {
                runs.iter()
                    .filter(|r| c.met_by(&r.report) == Some(true))
                    .count()
            });
            rows.push(Row {
                number: i + 1,
                setting: setting.clone(),
                runs: runs.len(),
                metrics,
                met,
            });
        }
        let key = |r: &Row| {
            let m = r.mean(&chosen);
            match better {
                Better::Lower => m,
                Better::Higher => -m,
            }
        };
        // NaN (no runs, or a NaN score) last; ties keep the settings' order.
        rows.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            x.is_nan()
                .cmp(&y.is_nan())
                .then(x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal))
        });
        Ok(Table {
            metric: chosen,
            better,
            success: success.cloned(),
            seeds,
            rows,
        })
    }

    /// `sweep.csv`: `setting,KEY…,runs,[success_rate,]M_mean,M_sd…` for every metric, one row
    /// per setting, best first.
    pub fn to_csv(&self) -> String {
        let settings: Vec<Setting> = self.rows.iter().map(|r| r.setting.clone()).collect();
        let keys = keys(&settings);
        let mut csv = CsvWriter::new();
        let mut head: Vec<String> = std::iter::once("setting".to_string())
            .chain(keys.iter().map(|k| k.to_string()))
            .chain(std::iter::once("runs".to_string()))
            .collect();
        if self.success.is_some() {
            head.push("success_rate".into());
        }
        if let Some(r) = self.rows.first() {
            for (name, ..) in &r.metrics {
                head.push(format!("{name}_mean"));
                head.push(format!("{name}_sd"));
            }
        }
        csv.row(head);
        let number = |x: f64| match x.is_nan() {
            true => String::new(),
            false => x.to_string(),
        };
        for r in &self.rows {
            let value = |k: &str| r.setting.value(k).map(str::to_string);
            let mut fields: Vec<String> = std::iter::once(r.number.to_string())
                .chain(keys.iter().map(|k| value(k).unwrap_or_default()))
                .chain(std::iter::once(r.runs.to_string()))
                .collect();
            if let Some(met) = r.met {
                fields.push(match r.runs {
                    0 => String::new(),
                    n => (met as f64 / n as f64).to_string(),
                });
            }
            for (_, mean, sd) in &r.metrics {
                fields.push(number(*mean));
                fields.push(number(*sd));
            }
            csv.row(fields);
        }
        csv.finish()
    }

    /// The table as Markdown (`table.md`, and what the sweep prints): setting, keys' values,
    /// the metric's mean ± sd, the success rate, runs done; a line above says the order.
    pub fn markdown(&self) -> String {
        let settings: Vec<Setting> = self.rows.iter().map(|r| r.setting.clone()).collect();
        let keys = keys(&settings);
        let direction = match self.better {
            Better::Lower => "lower is better",
            Better::Higher => "higher is better",
        };
        let mut text = format!("Settings by {} over seeds ({direction}):\n\n", self.metric);
        let mut head: Vec<String> = std::iter::once("setting".to_string())
            .chain(keys.iter().map(|k| k.to_string()))
            .chain(std::iter::once(format!("{} (mean ± sd)", self.metric)))
            .collect();
        if let Some(c) = &self.success {
            head.push(format!("success ({c})"));
        }
        head.push("runs".into());
        text += &format!("| {} |\n", head.join(" | "));
        text += &format!("|{}\n", "---|".repeat(head.len()));
        for r in &self.rows {
            let value = |k: &str| r.setting.value(k).map(str::to_string);
            let (mean, sd) = r.mean_sd(&self.metric);
            let score = scores::mean_sd_text(mean, sd);
            let mut cells: Vec<String> = std::iter::once(r.number.to_string())
                .chain(keys.iter().map(|k| value(k).unwrap_or_else(|| "—".into())))
                .chain(std::iter::once(score))
                .collect();
            if let Some(met) = r.met {
                cells.push(scores::success_text(met, r.runs));
            }
            cells.push(format!("{}/{}", r.runs, self.seeds));
            text += &format!("| {} |\n", cells.join(" | "));
        }
        text
    }
}

impl Row {
    /// The mean and sd of `metric` over the setting's runs (NaN when it has none).
    pub fn mean_sd(&self, metric: &str) -> (f64, f64) {
        (self.metrics.iter())
            .find(|(n, ..)| n == metric)
            .map_or((f64::NAN, f64::NAN), |(_, m, s)| (*m, *s))
    }

    fn mean(&self, metric: &str) -> f64 {
        self.mean_sd(metric).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_is_a_cross_product_and_draws_repeat_for_a_seed() {
        let grid = [
            "optim_g.lr=1e-4,2e-4".to_string(),
            "g_hidden=[64],[32, 32]".into(),
        ];
        let space = Space::parse(&grid, &[], None).unwrap();
        let settings = space.settings(0, 100).unwrap();
        let shown: Vec<String> = settings.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            shown,
            [
                "optim_g.lr=1e-4 g_hidden=[64]",
                "optim_g.lr=1e-4 g_hidden=[32, 32]",
                "optim_g.lr=2e-4 g_hidden=[64]",
                "optim_g.lr=2e-4 g_hidden=[32, 32]"
            ]
        );
        let c = settings[1].apply(&TrainConfig::default()).unwrap();
        assert_eq!(c.g_hidden, [32, 32]);
        let random = [
            "optim_d.lr=loguniform(1e-5,1e-3)".to_string(),
            "pack=choice(1,2)".into(),
        ];
        let space = Space::parse(&[], &random, Some(5)).unwrap();
        let a = space.settings(7, 100).unwrap();
        assert_eq!(a, space.settings(7, 100).unwrap());
        assert_ne!(a, space.settings(8, 100).unwrap());
        assert_eq!(a.len(), 5);
        for s in &a {
            let lr: f64 = s.0[0].1.parse().unwrap();
            assert!((1e-5..1e-3).contains(&lr), "{lr}");
            assert!(["1", "2"].contains(&s.0[1].1.as_str()));
        }
        assert!(Space::parse(&[], &[], None)
            .unwrap()
            .settings(0, 10)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn bad_spaces_are_refused_naming_the_key() {
        let key_of = |grid: &[&str], random: &[&str], trials| {
            let g: Vec<String> = grid.iter().map(|s| s.to_string()).collect();
            let r: Vec<String> = random.iter().map(|s| s.to_string()).collect();
            match Space::parse(&g, &r, trials) {
                Err(Error::Config { key, .. }) => key,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(key_of(&["pack=1,,2"], &[], None), "pack");
        assert_eq!(key_of(&["pack"], &[], None), "grid");
        assert_eq!(key_of(&["pack=1", "pack=2"], &[], None), "pack");
        assert_eq!(
            key_of(&[], &["optim_g.lr=normal(0,1)"], Some(2)),
            "optim_g.lr"
        );
        assert_eq!(
            key_of(&[], &["optim_g.lr=loguniform(0,1)"], Some(2)),
            "optim_g.lr"
        );
        assert_eq!(
            key_of(&[], &["optim_g.lr=uniform(2,1)"], Some(2)),
            "optim_g.lr"
        );
        assert_eq!(key_of(&[], &["optim_g.lr=uniform(1,2)"], None), "trials");
        assert_eq!(key_of(&["pack=1,2"], &[], Some(3)), "trials");
        let big = Space::parse(&["pack=1,2,3".into(), "seed=1,2".into()], &[], None).unwrap();
        assert!(big.settings(0, 5).is_err());
    }

    #[test]
    fn mean_and_sd_are_the_sample_ones() {
        let (m, s) = mean_sd(&[1.0, 2.0, 3.0, 6.0]);
        assert!((m - 3.0).abs() < 1e-12);
        assert!((s - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!(mean_sd(&[1.0]).1.is_nan());
    }
}
