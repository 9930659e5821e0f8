//! What is known of a metric's values, beside its catalogue entry
//! ([`catalogue`](super::catalogue)): which are counts, shown as whole numbers ([`shown`]), and
//! for a target, the value its own samples score and the most a count can reach ([`known`]),
//! drawn on the metrics figure's axes.

use crate::data::target::Target;

/// The metrics whose values are counts (of modes): shown as whole numbers ([`shown`]).
pub const COUNTS: [&str; 1] = ["modes_captured"];

/// The value `value` of metric `name` as a table shows it: a count as a whole number (`8`),
/// any other value (or a count that is not whole, a mean over runs) with `decimals` decimals.
pub fn shown(name: &str, value: f64, decimals: usize) -> String {
    match COUNTS.contains(&name) && value.fract() == 0.0 {
        true => format!("{value:.0}"),
        false => format!("{value:.decimals$}"),
    }
}

/// What is known of a metric's values for a target, for its figure's axis ([`known`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Known {
    /// The value the target's own samples score (in expectation): `family_a_mean` 1.5.
    pub truth: Option<f64>,
    /// The largest value it can take, for a count: `modes_captured` K.
    pub max: Option<f64>,
}

/// What is known of the metric `name` for `target`: the family's statistics of `a ~ U[1, 2)`
/// (mean 1.5, std 1/√12, all in range, offset 0) and, for K modes of standard deviation σ,
/// all K captured (also the most there can be), the fraction within 3σ of a 2-D Gaussian
/// (1 − e^(−9/2)) and a reverse KL of 0. Nothing for the other metrics.
pub fn known(name: &str, target: &Target) -> Known {
    let truth = |v: f64| Known {
        truth: Some(v),
        max: None,
    };
    match (name, target.modes()) {
        ("family_a_mean", _) if target.is_family() => truth(1.5),
        ("family_a_std", _) if target.is_family() => truth(1.0 / 12f64.sqrt()),
        ("family_a_in_range", _) if target.is_family() => truth(1.0),
        ("family_offset_rms", _) if target.is_family() => truth(0.0),
        ("modes_captured", Some((centres, _))) => Known {
            truth: Some((centres.len() / 2) as f64),
            max: Some((centres.len() / 2) as f64),
        },
        ("high_quality_fraction", Some(_)) => truth(1.0 - (-4.5f64).exp()),
        ("reverse_kl", Some(_)) => truth(0.0),
        _ => Known::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::target::TargetConfig;

    fn target(config: TargetConfig) -> Target {
        config.build().unwrap()
    }

    #[test]
    fn the_truths_of_the_family_and_the_modes_are_known() {
        let family = target(TargetConfig::named("family").unwrap());
        assert_eq!(known("family_a_mean", &family).truth, Some(1.5));
        assert_eq!(known("energy_distance", &family), Known::default());
        let ring = target(TargetConfig::named("ring8").unwrap());
        assert_eq!(known("modes_captured", &ring).max, Some(8.0));
        assert_eq!(known("family_a_mean", &ring), Known::default());
    }

    #[test]
    fn a_whole_count_shows_without_decimals_other_values_with_them() {
        assert_eq!(shown("modes_captured", 8.0, 5), "8");
        assert_eq!(shown("modes_captured", 7.5, 5), "7.50000");
        assert_eq!(shown("energy_distance", 2.0, 5), "2.00000");
        assert_eq!(shown("modes_captured", f64::NAN, 2), "NaN");
    }
}
