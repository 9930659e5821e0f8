//! Scoring generated samples against the real data (may use: text, error, nn, data; not
//! gan). Touches no files.
//!
//! - [`metrics`]: the metric functions (MSE to a fixed curve, energy distance, MMD, W1,
//!   k-NN precision/recall and density/coverage, the family fit, the mode statistics);
//! - [`classifier`]: the post-hoc classifier of the curve measures, with its fixed protocol;
//! - [`curves`]: the curve measures (discriminative score, train-on-synthetic test-on-real,
//!   autocorrelation difference, distance to the closest training row);
//! - [`catalogue`]: the metrics by name, which fit which target, and scoring a batch of
//!   samples with a list of them;
//! - [`values`]: what is known of a metric's values: counts shown whole, a target's truths.

pub mod catalogue;
pub mod classifier;
pub mod curves;
pub mod metrics;
pub mod values;
