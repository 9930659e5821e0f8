//! Scoring a trained generator: the metrics of [`crate::metrics`] that fit its target.
//!
//! `N` samples `G(z)` (`[N, n]`, noise from the given seed) are compared with `N` fresh real
//! samples drawn from the target (`[N, n]`, from the seed's own stream). Every target gets the
//! distribution distances — energy distance, squared MMD (RBF kernel, median-heuristic
//! bandwidth), the mean over coordinates of the 1-D Wasserstein-1 distance — and improved
//! precision / recall and density / coverage (k = 3; not for a single fixed curve, where every
//! real sample is the same point and the k-NN balls have radius 0). Then, by target:
//! - a fixed curve (`quadratic`, a formula without random parameters): the MSE to it;
//! - `family`: the least-squares fit y = a·x² + b of each sample — mean and std of a (truth
//!   1.5 and 0.2887), the fraction inside [1, 2] and the RMS of b − (a − 1);
//! - `ring8` / `grid25`: the VEEGAN / PacGAN mode statistics — modes captured, the fraction of
//!   high-quality samples (within 3σ of a mode) and the reverse KL of the mode histogram.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::error::Result;
use crate::metrics;
use crate::sample::Generator;
use crate::target::TargetKind;

/// RNG stream of the real samples a report compares with.
const REAL_STREAM: u64 = 3;

/// Named metric values of one generator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The target's kind, e.g. `family`.
    pub target: String,
    /// Generated (and real) samples compared.
    pub samples: usize,
    /// `(name, value)` pairs, in a fixed order.
    pub metrics: Vec<(String, f64)>,
}

impl Report {
    /// The value of a metric by name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// A two-column table for people.
    pub fn table(&self) -> String {
        let width = self.metrics.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
        let mut s = format!("target {}, {} samples\n", self.target, self.samples);
        for (name, value) in &self.metrics {
            s.push_str(&format!("{name:<width$}  {value:.6}\n"));
        }
        s
    }
}

/// Scores `generator` on `count` samples drawn with `seed`.
pub fn evaluate(generator: &Generator, count: usize, seed: u64) -> Result<Report> {
    let target = generator.target();
    let d = target.dim();
    let fake: Vec<f32> = generator
        .sample(count, seed, None)?
        .curves
        .into_iter()
        .flatten()
        .collect();
    let mut real = vec![0.0; count * d];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(REAL_STREAM);
    target.draw(&mut rng, &mut real, None)?;

    let mut m: Vec<(String, f64)> = Vec::new();
    let mut put = |name: &str, v: f64| m.push((name.to_string(), v));
    if let Some(curve) = target.fixed_curve() {
        put("mse_to_target", metrics::mse_to(&fake, d, curve)?);
    }
    if matches!(generator.config().target.kind, TargetKind::Family) {
        let fit = metrics::family_fit(&fake, target.x())?;
        put("family_a_mean", fit.a_mean);
        put("family_a_std", fit.a_std);
        put("family_a_in_range", fit.a_in_range);
        put("family_offset_rms", fit.offset_rms);
    }
    if let Some((centres, sigma)) = target.modes() {
        let s = metrics::mode_stats(&fake, centres, sigma as f64)?;
        put("modes_captured", s.modes_captured as f64);
        put("high_quality_fraction", s.high_quality_fraction);
        put("reverse_kl", s.reverse_kl);
    }
    put(
        "energy_distance",
        metrics::energy_distance(&fake, &real, d)?,
    );
    put("mmd_rbf", metrics::mmd_rbf(&fake, &real, d)?);
    put(
        "wasserstein1_mean",
        metrics::wasserstein1_mean(&fake, &real, d)?,
    );
    // Against a single fixed curve every real sample is the same point: its k-NN balls have
    // radius 0 and these four would be 0 whatever G does, so they are left out.
    if target.fixed_curve().is_none() {
        let k = metrics::DEFAULT_K;
        let (precision, recall) = metrics::precision_recall(&real, &fake, d, k)?;
        put("precision", precision);
        put("recall", recall);
        let (density, coverage) = metrics::density_coverage(&real, &fake, d, k)?;
        put("density", density);
        put("coverage", coverage);
    }
    Ok(Report {
        target: generator.config().target.kind.name().to_string(),
        samples: count,
        metrics: m,
    })
}
