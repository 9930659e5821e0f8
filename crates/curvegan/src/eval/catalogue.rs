//! Scoring a generator: the metrics of [`crate::eval::metrics`] that fit its target, by name.
//!
//! `N` samples `G(z)` (`[N, n]`) are compared with `N` real samples drawn from the target
//! (`[N, n]`). The [`CATALOGUE`] lists every metric a report can hold, which way is better and
//! whether it is computed during training by default. Every target gets the distribution
//! distances — energy distance, squared MMD (RBF kernel, median-heuristic bandwidth), the mean
//! over coordinates of the 1-D Wasserstein-1 distance — and improved precision / recall and
//! density / coverage (k = 3; not for a single fixed curve, where every real sample is the
//! same point and the k-NN balls have radius 0). Then, by target:
//! - a fixed curve (`quadratic`, a formula without random parameters): the MSE to it;
//! - `family`: the least-squares fit y = a·x² + b of each sample — mean and std of a (truth
//!   1.5 and 0.2887), the fraction inside [1, 2] and the RMS of b − (a − 1);
//! - `ring8` / `grid25`: the VEEGAN / PacGAN mode statistics — modes captured, the fraction of
//!   high-quality samples (within 3σ of a mode) and the reverse KL of the mode histogram;
//! - a data set (`--data`): the curve measures of [`crate::eval::curves`] — the autocorrelation
//!   difference and the roughness ratio against the held-out rows; the discriminative score
//!   of as many synthetic rows as the training rows against them; the distance to the closest training row (DCR) of
//!   as many synthetic rows as held-out rows, against theirs; and with a category condition
//!   and a conditional G, the accuracy on the held-out rows of a classifier of that category
//!   trained on synthetic rows (TSTR, with the training rows' conditions) and on the training
//!   rows (TRTR). The distances compare G with the held-out rows (the training rows when
//!   nothing is held out), in the data's units. For several channels, [`per_channel`] scores
//!   each channel's `[N, points]` columns alone, beside the joint values over `[N, n]`.
//!
//! `run::train::sample::evaluate` scores a saved generator on every available metric (`curvegan eval`);
//! [`score`] computes a chosen subset, which is what training does at each evaluation step
//! (`run::train::trainer::Trainer::evaluate`). MMD and the four k-NN metrics cost O(N²) kernel
//! evaluations or distances, so training computes them only when asked ([`resolve`]).

pub use super::values::{known, shown, Known, COUNTS};
use std::path::PathBuf;

use serde::Serialize;

use crate::data::target::Target;
use crate::error::{Error, Result};
use crate::eval::{curves, metrics};
use crate::text::echo;

/// Which values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Smaller is better (distances, errors, divergences).
    Lower,
    /// Larger is better (modes captured, fractions, precision, recall, coverage).
    Higher,
}

impl Better {
    /// Whether `new` is strictly better than `old`. NaN is never better, and anything finite
    /// or not is better than NaN.
    pub fn improves(self, new: f64, old: f64) -> bool {
        if new.is_nan() {
            return false;
        }
        if old.is_nan() {
            return true;
        }
        match self {
            Better::Lower => new < old,
            Better::Higher => new > old,
        }
    }
}

/// What a target has, for choosing metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applies {
    /// Targets with a single fixed curve.
    FixedCurve,
    /// The `family` target.
    Family,
    /// `ring8` and `grid25`.
    Modes,
    /// Every target.
    All,
    /// Every target whose real samples are not all the same point.
    Spread,
    /// A data set.
    Data,
    /// A data set with held-out rows.
    Holdout,
    /// A data set with held-out rows, a category condition and a conditional G.
    Labelled,
}

/// One metric a report can hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricInfo {
    /// Its name, as in reports, `metrics.csv`, `--keep-best` and `--success`.
    pub name: &'static str,
    /// Which values are better; `None` when neither is (a mean to compare with a truth).
    pub better: Option<Better>,
    /// Computed during training unless `--eval-metrics` says otherwise.
    pub during_training: bool,
    /// Needs real samples to compare with.
    needs_real: bool,
    applies: Applies,
}

const fn info(
    name: &'static str,
    better: Option<Better>,
    during_training: bool,
    needs_real: bool,
    applies: Applies,
) -> MetricInfo {
    MetricInfo {
        name,
        better,
        during_training,
        needs_real,
        applies,
    }
}

use Applies::{All, Data, Family, FixedCurve, Holdout, Labelled, Modes, Spread};
use Better::{Higher, Lower};

/// Every metric, in report order. Training computes by default the cheap ones that fit the
/// target: the MSE for a fixed curve (where distances between distributions add nothing to
/// it), else the target's own statistics, the energy distance and the mean W1.
pub const CATALOGUE: [MetricInfo; 22] = [
    info("mse_to_target", Some(Lower), true, false, FixedCurve),
    info("family_a_mean", None, true, false, Family),
    info("family_a_std", None, true, false, Family),
    info("family_a_in_range", Some(Higher), true, false, Family),
    info("family_offset_rms", Some(Lower), true, false, Family),
    info("modes_captured", Some(Higher), true, false, Modes),
    info("high_quality_fraction", Some(Higher), true, false, Modes),
    info("reverse_kl", Some(Lower), true, false, Modes),
    info("energy_distance", Some(Lower), true, true, All),
    info("mmd_rbf", Some(Lower), false, true, All),
    info("wasserstein1_mean", Some(Lower), true, true, All),
    info("precision", Some(Higher), false, true, Spread),
    info("recall", Some(Higher), false, true, Spread),
    info("density", Some(Higher), false, true, Spread),
    info("coverage", Some(Higher), false, true, Spread),
    info("acf_difference", Some(Lower), true, true, Data),
    info("roughness_ratio", None, false, true, Data),
    info("discriminative_score", Some(Lower), false, true, Data),
    info("dcr_ratio", None, false, true, Holdout),
    info("dcr_close_share", None, false, true, Holdout),
    info("tstr_accuracy", Some(Higher), false, true, Labelled),
    info("trtr_accuracy", None, false, true, Labelled),
];

/// The catalogue entry of a metric.
pub fn metric_info(name: &str) -> Option<&'static MetricInfo> {
    CATALOGUE.iter().find(|m| m.name == name)
}

fn applies(m: &MetricInfo, target: &Target, conditional: bool) -> bool {
    let fixed = target.fixed_curve().is_some();
    let data = target.data_source();
    let holdout = data.is_some_and(|d| d.holdout().len() >= 2);
    match m.applies {
        FixedCurve => fixed,
        Family => target.is_family(),
        Modes => target.modes().is_some(),
        All => true,
        Spread => !fixed,
        Data => data.is_some(),
        Holdout => holdout,
        Labelled => holdout && conditional && data.is_some_and(|d| d.labels(d.train()).is_some()),
    }
}

/// The names of every metric that fits `target` (learnt by a conditional GAN when
/// `conditional`), in report order.
pub fn available(target: &Target, conditional: bool) -> Vec<&'static str> {
    CATALOGUE
        .iter()
        .filter(|m| applies(m, target, conditional))
        .map(|m| m.name)
        .collect()
}

/// The metrics training computes for `target` when none are asked for.
pub fn training_default(target: &Target, conditional: bool) -> Vec<&'static str> {
    let fixed = target.fixed_curve().is_some();
    CATALOGUE
        .iter()
        .filter(|m| {
            applies(m, target, conditional) && m.during_training && !(fixed && m.needs_real)
        })
        .map(|m| m.name)
        .collect()
}

/// The metrics to compute for `target`: `requested` (names, or the single word `all`), or
/// [`training_default`] when it is empty — in report order, each once. `option` names the
/// setting in the error for a name that does not fit the target.
pub fn resolve(
    target: &Target,
    conditional: bool,
    requested: &[String],
    option: &str,
) -> Result<Vec<&'static str>> {
    if requested.is_empty() {
        return Ok(training_default(target, conditional));
    }
    if requested.len() == 1 && requested[0] == "all" {
        return Ok(available(target, conditional));
    }
    let fits = available(target, conditional);
    for name in requested {
        if !fits.contains(&name.as_str()) {
            let why = if metric_info(name).is_some() {
                "does not fit this target"
            } else {
                "is not a metric"
            };
            return Err(Error::config(
                option,
                format!(
                    "'{}' {why}; this target has: {}",
                    echo(name),
                    fits.join(", ")
                ),
            ));
        }
    }
    Ok(fits
        .into_iter()
        .filter(|n| requested.iter().any(|r| r == n))
        .collect())
}

/// Whether any of `names` compares with real samples.
pub fn needs_real(names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| metric_info(n).is_some_and(|m| m.needs_real))
}

/// The fewest samples `names` can be computed from: k + 1 for the k-NN metrics (precision,
/// recall, density, coverage), 2 for `mmd_rbf` (its unbiased estimate averages over pairs of
/// distinct samples), else 1.
pub fn min_samples(names: &[&str]) -> usize {
    let knn = ["precision", "recall", "density", "coverage"];
    let min = |n: &&str| match *n {
        n if knn.contains(&n) => metrics::DEFAULT_K + 1,
        "mmd_rbf" => 2,
        _ => 1,
    };
    names.iter().map(min).max().unwrap_or(1)
}

/// More samples of the generator being scored, for the measures that draw their own (the
/// curve measures of a data set: as many as the training or held-out rows, or with given
/// conditions).
pub trait Sampler {
    /// `count` samples (`[count, n]`, in the data's units), each with its row of
    /// `conditions` (`[count, c]`), or with conditions drawn from the data's mix when `None`.
    fn sample(&mut self, count: usize, conditions: Option<&[f32]>) -> Result<Vec<f32>>;
}

/// Repeats of the classifier fits of train-on-synthetic and train-on-real accuracy.
pub const TRANSFER_REPEATS: usize = 3;

/// Computes `names` (from [`resolve`]) for the generated samples `fake` (`[N, n]`) against
/// the real samples `real` (`[M, n]`; needed only if [`needs_real`]); the curve measures of a
/// data set draw their own samples from `sampler` and seed their classifiers with `seed`.
/// Values come back in the order of `names`.
pub fn score(
    target: &Target,
    fake: &[f32],
    real: Option<&[f32]>,
    names: &[&str],
    sampler: &mut dyn Sampler,
    seed: u64,
) -> Result<Vec<f64>> {
    let d = target.dim();
    let want = |n: &str| names.contains(&n);
    let real = || {
        real.ok_or_else(|| Error::config("metrics", "real samples are needed and were not given"))
    };
    let mut m: Vec<(&str, f64)> = Vec::with_capacity(names.len());
    if want("mse_to_target") {
        if let Some(curve) = target.fixed_curve() {
            m.push(("mse_to_target", metrics::mse_to(fake, d, curve)?));
        }
    }
    if names.iter().any(|n| n.starts_with("family_")) {
        let fit = metrics::family_fit(fake, target.x())?;
        m.push(("family_a_mean", fit.a_mean));
        m.push(("family_a_std", fit.a_std));
        m.push(("family_a_in_range", fit.a_in_range));
        m.push(("family_offset_rms", fit.offset_rms));
    }
    if let Some((centres, sigma)) = target.modes() {
        if want("modes_captured") || want("high_quality_fraction") || want("reverse_kl") {
            let s = metrics::mode_stats(fake, centres, sigma as f64)?;
            m.push(("modes_captured", s.modes_captured as f64));
            m.push(("high_quality_fraction", s.high_quality_fraction));
            m.push(("reverse_kl", s.reverse_kl));
        }
    }
    if want("energy_distance") {
        m.push((
            "energy_distance",
            metrics::energy_distance(fake, real()?, d)?,
        ));
    }
    if want("mmd_rbf") {
        m.push(("mmd_rbf", metrics::mmd_rbf(fake, real()?, d)?));
    }
    if want("wasserstein1_mean") {
        let w = metrics::wasserstein1_mean(fake, real()?, d)?;
        m.push(("wasserstein1_mean", w));
    }
    let k = metrics::DEFAULT_K;
    if want("precision") || want("recall") {
        let (precision, recall) = metrics::precision_recall(real()?, fake, d, k)?;
        m.push(("precision", precision));
        m.push(("recall", recall));
    }
    if want("density") || want("coverage") {
        let (density, coverage) = metrics::density_coverage(real()?, fake, d, k)?;
        m.push(("density", density));
        m.push(("coverage", coverage));
    }
    if let Some(source) = target.data_source() {
        let (channels, points) = (target.channels(), target.points());
        if want("acf_difference") && points >= 2 {
            let lags = curves::default_lags(points);
            let v = curves::acf_difference(real()?, fake, channels, points, lags)?;
            m.push(("acf_difference", v));
        }
        if want("roughness_ratio") {
            let v = match points >= 3 {
                true => curves::roughness_ratio(real()?, fake, channels, points)?,
                false => f64::NAN,
            };
            m.push(("roughness_ratio", v));
        }
        let train = source.rows(source.train());
        let holdout = source.rows(source.holdout());
        if want("discriminative_score") {
            let syn = sampler.sample(source.train().len(), None)?;
            let s = curves::discriminative_score(&train, &syn, d, seed)?;
            m.push(("discriminative_score", s.score));
        }
        if want("dcr_ratio") || want("dcr_close_share") {
            let syn = sampler.sample(source.holdout().len(), None)?;
            let r = curves::dcr(&train, &syn, &holdout, d)?;
            m.push(("dcr_ratio", r.ratio));
            m.push(("dcr_close_share", r.close_share));
        }
        if want("tstr_accuracy") || want("trtr_accuracy") {
            let (labels, classes) = (source.labels(source.train())).ok_or_else(|| {
                Error::config(
                    "metrics",
                    "train-on-synthetic accuracy needs a category condition",
                )
            })?;
            let (test_labels, _) = source.labels(source.holdout()).unwrap_or_default();
            let test = (&holdout[..], &test_labels[..]);
            let r = TRANSFER_REPEATS;
            if want("tstr_accuracy") {
                let syn = sampler.sample(labels.len(), Some(&source.encoded(source.train())))?;
                let v = curves::transfer_accuracy((&syn, &labels), test, d, classes, r, seed)?;
                m.push(("tstr_accuracy", v));
            }
            if want("trtr_accuracy") {
                let v = curves::transfer_accuracy((&train, &labels), test, d, classes, r, seed)?;
                m.push(("trtr_accuracy", v));
            }
        }
    }
    names
        .iter()
        .map(|n| {
            m.iter()
                .find(|(name, _)| name == n)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    Error::config("metrics", format!("'{}' does not fit this target", echo(n)))
                })
        })
        .collect()
}

/// The metrics [`per_channel`] computes for each channel of a multi-channel data set.
pub const PER_CHANNEL: [&str; 4] = [
    "energy_distance",
    "wasserstein1_mean",
    "acf_difference",
    "roughness_ratio",
];

/// The values of [`PER_CHANNEL`] for each channel of a target of several channels (a
/// multi-channel `--data` file), `[channels][4]`, each computed on that channel's `points`
/// columns of `fake` and `real` (`[N, channels · points]`, channel after channel) alone —
/// beside the joint values over whole rows of [`score`]. Empty for a target of one channel.
/// The autocorrelation difference of a channel of fewer than 2 points, and the roughness
/// ratio of one of fewer than 3, are NaN.
pub fn per_channel(target: &Target, fake: &[f32], real: &[f32]) -> Result<Vec<Vec<f64>>> {
    let (channels, points) = (target.channels(), target.points());
    if channels < 2 {
        return Ok(Vec::new());
    }
    let d = channels * points;
    let column = |rows: &[f32], c: usize| -> Vec<f32> {
        rows.chunks_exact(d)
            .flat_map(|r| r[c * points..(c + 1) * points].iter().copied())
            .collect()
    };
    (0..channels)
        .map(|c| {
            let (f, r) = (column(fake, c), column(real, c));
            let acf = match points >= 2 {
                true => curves::acf_difference(&r, &f, 1, points, curves::default_lags(points))?,
                false => f64::NAN,
            };
            let rough = match points >= 3 {
                true => curves::roughness_ratio(&r, &f, 1, points)?,
                false => f64::NAN,
            };
            Ok(vec![
                metrics::energy_distance(&f, &r, points)?,
                metrics::wasserstein1_mean(&f, &r, points)?,
                acf,
                rough,
            ])
        })
        .collect()
}

/// The `dcr_close_share` above which [`notes`] speaks: four times the 5 % of new rows of the
/// data's distribution that fall that near a training row.
pub const CLOSE_SHARE_NOTE: f64 = 0.2;

/// What a reader of `metrics` should not miss, in words: a `dcr_close_share` above
/// [`CLOSE_SHARE_NOTE`] — G's rows sit nearer its training rows than new real rows do, because
/// it copies them or because its rows vary less than the data's (the measure cannot tell
/// which). Empty when there is nothing to say.
pub fn notes(metrics: &[(String, f64)]) -> Vec<String> {
    let get = |name: &str| metrics.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
    let mut notes = Vec::new();
    if let Some(share) = get("dcr_close_share").filter(|&s| s > CLOSE_SHARE_NOTE) {
        notes.push(format!(
            "{:.0} % of G's rows are nearer a training row than the nearest 5 % of held-out \
             rows are (about 5 % for new rows like the data's): G copies training rows or \
             makes rows less varied than the data (see recall); fewer steps, a smaller G, \
             more rows or a stronger `r1` may help",
            share * 100.0
        ));
    }
    notes
}

/// Named metric values of one generator. As JSON: `{"run": …, "target": …, "samples": …,
/// "metrics": {name: value, …}}`, the metrics in their fixed order, and for a target of
/// several channels `"channels": [{name: value, …}, …]`, [`PER_CHANNEL`] of each channel, and
/// `"notes": […]` ([`notes`]) when there are any.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// The folder of the scored generator (a run folder, or its `best/`); `None` for an
    /// evaluation during training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<PathBuf>,
    /// The training step of the scored generator, for an evaluation during training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// The target's kind, e.g. `family`.
    pub target: String,
    /// Generated (and real) samples compared.
    pub samples: usize,
    /// `(name, value)` pairs, in a fixed order.
    #[serde(serialize_with = "as_map")]
    pub metrics: Vec<(String, f64)>,
    /// [`PER_CHANNEL`]'s values for each channel ([`per_channel`]); empty for one channel and
    /// during training.
    #[serde(serialize_with = "as_maps", skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Vec<f64>>,
    /// [`notes`] on the metrics, for `curvegan eval`; empty during training.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Serialises each channel's values as a map named by [`PER_CHANNEL`].
fn as_maps<S: serde::Serializer>(channels: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(channels.iter().map(|v| {
        PER_CHANNEL
            .iter()
            .zip(v)
            .collect::<std::collections::BTreeMap<_, _>>()
    }))
}

/// Serialises `(name, value)` pairs as one map, in their order.
fn as_map<S: serde::Serializer>(pairs: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

impl Scores {
    /// The value of a metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// The values alone, in the order of [`Scores::metrics`].
    pub fn values(&self) -> Vec<f64> {
        self.metrics.iter().map(|(_, v)| *v).collect()
    }

    /// A two-column table for people.
    pub fn table(&self) -> String {
        let width = self.metrics.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        let mut s = format!("target {}, {} samples\n", self.target, self.samples);
        for (name, value) in &self.metrics {
            s.push_str(&format!("{name:<width$}  {value:.6}\n"));
        }
        if !self.channels.is_empty() {
            s.push_str(&format!("\nper channel:\n{:>7}", "channel"));
            for name in PER_CHANNEL {
                s.push_str(&format!("  {name:>17}"));
            }
            for (c, values) in self.channels.iter().enumerate() {
                s.push_str(&format!("\n{c:>7}"));
                for v in values {
                    s.push_str(&format!("  {v:>17.6}"));
                }
            }
            s.push('\n');
        }
        for note in &self.notes {
            s.push_str(&format!("\nnote: {note}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::target::TargetConfig;

    /// No curve measure is asked for here.
    struct NoSampler;

    impl Sampler for NoSampler {
        fn sample(&mut self, _: usize, _: Option<&[f32]>) -> Result<Vec<f32>> {
            unreachable!("no measure of these targets draws samples")
        }
    }

    fn target(config: TargetConfig) -> Target {
        config.build().unwrap()
    }

    #[test]
    fn a_close_share_far_above_chance_gets_a_note() {
        let with = |share: f64| notes(&[("dcr_close_share".to_string(), share)]);
        assert!(with(0.05).is_empty() && with(0.2).is_empty());
        let note = with(0.7);
        assert_eq!(note.len(), 1);
        assert!(note[0].starts_with("70 % of G's rows"), "{note:?}");
        assert!(notes(&[("energy_distance".to_string(), 9.0)]).is_empty());
    }

    #[test]
    fn each_target_gets_the_metrics_that_fit_it() {
        let quadratic = target(TargetConfig::default());
        assert_eq!(training_default(&quadratic, false), ["mse_to_target"]);
        assert_eq!(
            available(&quadratic, false),
            [
                "mse_to_target",
                "energy_distance",
                "mmd_rbf",
                "wasserstein1_mean"
            ]
        );
        let family = target(TargetConfig::Family {
            points: 15,
            x_range: [-1.0, 1.0],
        });
        assert_eq!(
            training_default(&family, false),
            [
                "family_a_mean",
                "family_a_std",
                "family_a_in_range",
                "family_offset_rms",
                "energy_distance",
                "wasserstein1_mean"
            ]
        );
        let ring = target(TargetConfig::Ring8 {});
        assert_eq!(available(&ring, false).len(), 10);
        assert!(!needs_real(&training_default(&quadratic, false)));
        assert!(needs_real(&training_default(&ring, false)));
    }

    #[test]
    fn resolve_keeps_catalogue_order_and_names_bad_metrics() {
        let ring = target(TargetConfig::Ring8 {});
        let asked = ["recall".to_string(), "reverse_kl".to_string()];
        assert_eq!(
            resolve(&ring, false, &asked, "eval_metrics").unwrap(),
            ["reverse_kl", "recall"]
        );
        let all = resolve(&ring, false, &["all".to_string()], "eval_metrics").unwrap();
        assert_eq!(all, available(&ring, false));
        let e = resolve(&ring, false, &["mse_to_target".into()], "eval_metrics").unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("eval_metrics") && m.contains("does not fit"),
            "{m}"
        );
        let m = resolve(&ring, false, &["fid".into()], "keep_best")
            .unwrap_err()
            .to_string();
        assert!(
            m.contains("'fid' is not a metric") && m.contains("reverse_kl"),
            "{m}"
        );
    }

    #[test]
    fn score_returns_values_in_the_order_asked() {
        let ring = target(TargetConfig::Ring8 {});
        let (centres, _) = ring.modes().unwrap();
        // Every centre once: all 8 modes, all high-quality, a uniform histogram.
        let fake = centres.to_vec();
        let v = score(
            &ring,
            &fake,
            None,
            &["reverse_kl", "modes_captured", "high_quality_fraction"],
            &mut NoSampler,
            0,
        )
        .unwrap();
        assert_eq!(v, [0.0, 8.0, 1.0]);
        let m = score(&ring, &fake, None, &["energy_distance"], &mut NoSampler, 0)
            .unwrap_err()
            .to_string();
        assert!(m.contains("real samples"), "{m}");
    }

    #[test]
    fn better_never_prefers_nan() {
        assert!(Better::Lower.improves(1.0, 2.0));
        assert!(!Better::Lower.improves(2.0, 2.0));
        assert!(Better::Higher.improves(3.0, 2.0));
        assert!(!Better::Higher.improves(f64::NAN, 2.0));
        assert!(Better::Lower.improves(5.0, f64::NAN));
    }
}
