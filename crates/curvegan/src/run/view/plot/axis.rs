//! The axes of every figure: a linear or a log coordinate whose ticks, and the labels written
//! at them, are chosen here (plotters draws them), and the width the labels need.
//!
//! Linear ticks are plotters' round values (1, 2 or 5 × 10ᵏ apart); their labels are the
//! shortest that write every tick exactly, with as many decimals as the finest one needs:
//! `2000`, not `2000.0`; `0.5`, `1.0`, `1.5`; scientific notation (`2e6`, `2.5e-5`) for
//! magnitudes of a million or more, or below 0.001. A log axis is drawn in log10 units (the
//! caller plots `log10(v)`) with ticks at the decades — at every k-th one when there are many
//! — and at 2 and 5 times each decade when there are fewer than three, labelled with the
//! values themselves (`0.01`, `1e-5`).

use std::ops::Range;

use plotters::coord::ranged1d::{
    BoldPoints, KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter,
};
use plotters::coord::types::RangedCoordf64;
use plotters::style::FontDesc;

/// The most ticks a log axis writes.
const MAX_LOG_TICKS: usize = 9;

/// One axis of a chart: its range, its ticks and their labels.
#[derive(Clone)]
pub(super) struct Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
    labels: Vec<String>,
}

impl Axis {
    /// A linear axis over `range` with at most `n` round ticks.
    pub(super) fn linear((lo, hi): (f64, f64), n: usize) -> Axis {
        let inner = RangedCoordf64::from(lo..hi);
        let ticks: Vec<f64> = inner.key_points(BoldPoints(n.max(2)));
        let labels = tick_labels(&ticks);
        Axis {
            inner,
            ticks,
            labels,
        }
    }

    /// A log axis over `range`, given in log10 units: ticks at 10ᵏ (every k-th decade when there
    /// are more than [`MAX_LOG_TICKS`]), and at 2·10ᵏ and 5·10ᵏ when the range spans fewer
    /// than three decades (every 1–9·10ᵏ when even those are fewer than three), each labelled
    /// with its value.
    pub(super) fn log((lo, hi): (f64, f64)) -> Axis {
        let inner = RangedCoordf64::from(lo..hi);
        let ticks = log_ticks(lo, hi);
        let labels = ticks
            .iter()
            .map(|&t| tick_labels(&[10f64.powf(t)]).remove(0))
            .collect();
        Axis {
            inner,
            ticks,
            labels,
        }
    }

    /// The axis' range, `(low, high)`.
    pub(super) fn bounds(&self) -> (f64, f64) {
        let r = self.inner.range();
        (r.start, r.end)
    }

    /// The labels written at the ticks, in tick order.
    #[cfg(test)]
    pub(super) fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The width in pixels of the widest tick label in `font`.
    pub(super) fn label_width(&self, font: &FontDesc) -> u32 {
        let px = font.get_size() as u32;
        (self.labels.iter())
            .map(|l| match font.box_size(l) {
                Ok((w, _)) => w,
                // No font: a generous estimate, so that the label still fits.
                Err(_) => l.chars().count() as u32 * px * 2 / 3,
            })
            .max()
            .unwrap_or(0)
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // The light (minor) grid lines are not drawn.
        match hint.weight().allow_light_points() {
            true => Vec::new(),
            false => self.ticks.clone(),
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        match self.ticks.iter().position(|t| t == value) {
            Some(i) => self.labels[i].clone(),
            None => tick_labels(&[*value]).remove(0),
        }
    }
}

/// The labels of `ticks`: each written exactly with the fewest decimals that write all of them
/// exactly (to a millionth of their spacing), in scientific notation when the largest is a
/// million or more or below 0.001; zero as `0`.
pub(super) fn tick_labels(ticks: &[f64]) -> Vec<String> {
    let largest = ticks
        .iter()
        .filter(|t| t.is_finite())
        .fold(0.0f64, |m, t| m.max(t.abs()));
    let mut sorted: Vec<f64> = ticks.iter().copied().filter(|t| t.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let spacing = (sorted.windows(2))
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(largest, f64::min);
    let tolerance = spacing * 1e-6;
    let scientific = largest >= 1e6 || (largest > 0.0 && largest < 1e-3);
    let write = |t: f64, decimals: usize| -> String {
        if t == 0.0 || (t.abs() <= tolerance && t.is_finite()) {
            // Zero as its neighbours are written (0.0 beside 0.5), never -0.
            match scientific {
                true => "0".to_string(),
                false => format!("{:.decimals$}", 0.0),
            }
        } else if !t.is_finite() {
            format!("{t}")
        } else if scientific {
            format!("{t:.decimals$e}")
        } else {
            format!("{t:.decimals$}")
        }
    };
    let exact = |t: f64, label: &str| {
        !t.is_finite()
            || label
                .parse::<f64>()
                .is_ok_and(|v| (v - t).abs() <= tolerance)
    };
    for decimals in 0..=16 {
        let labels: Vec<String> = ticks.iter().map(|&t| write(t, decimals)).collect();
        if ticks.iter().zip(&labels).all(|(&t, l)| exact(t, l)) {
            return labels;
        }
    }
    ticks.iter().map(|t| format!("{t}")).collect()
}

/// `value` rounded to `digits` significant digits and written as a tick label: `8`, `1.5`,
/// `0.2887`, `-0.5`, `5e-5`.
pub(super) fn short(value: f64, digits: usize) -> String {
    if !value.is_finite() || value == 0.0 {
        return tick_labels(&[value]).remove(0);
    }
    let rounded: f64 = format!("{value:.prec$e}", prec = digits.saturating_sub(1))
        .parse()
        .unwrap_or(value);
    tick_labels(&[rounded]).remove(0)
}

/// The ticks of a log axis over `lo..hi` (log10 units): see [`Axis::log`].
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Vec::new();
    }
    let (first, last) = (lo.floor() as i64, hi.ceil() as i64);
    let inside = |t: &f64| (lo - 1e-9..=hi + 1e-9).contains(t);
    let at = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|k| mantissas.iter().map(move |m| k as f64 + m.log10()))
            .filter(inside)
            .collect()
    };
    let decades = at(&[1.0]);
    if decades.len() >= 3 {
        let stride = decades.len().div_ceil(MAX_LOG_TICKS);
        // Every stride-th decade, counted from 10⁰ so that the ticks stay put as the range moves.
        return decades
            .into_iter()
            .filter(|t| (t.round() as i64).rem_euclid(stride as i64) == 0)
            .collect();
    }
    let few = at(&[1.0, 2.0, 5.0]);
    if few.len() >= 3 {
        return few;
    }
    let all: Vec<f64> = at(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
    if all.len() >= 2 {
        return all;
    }
    // Less than a ninth of a decade: linear ticks in log units.
    RangedCoordf64::from(lo..hi).key_points(BoldPoints(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(ticks: &[f64]) -> Vec<String> {
        tick_labels(ticks)
    }

    #[test]
    fn tick_labels_are_the_shortest_exact_ones() {
        assert_eq!(labels(&[0.0, 1000.0, 2000.0]), ["0", "1000", "2000"]);
        assert_eq!(labels(&[0.0, 0.5, 1.0, 1.5]), ["0.0", "0.5", "1.0", "1.5"]);
        assert_eq!(labels(&[0.25, 0.5, 0.75]), ["0.25", "0.50", "0.75"]);
        assert_eq!(
            labels(&[-0.4, -0.2, 0.0, 0.2]),
            ["-0.4", "-0.2", "0.0", "0.2"]
        );
        // A rounding error away from 0 is 0, and a sum like 0.1 + 0.2 is written 0.3.
        assert_eq!(labels(&[-1e-17, 0.1, 0.1 + 0.2]), ["0.0", "0.1", "0.3"]);
        assert_eq!(labels(&[2e6, 4e6]), ["2e6", "4e6"]);
        assert_eq!(labels(&[1.5e6, 2e6]), ["1.5e6", "2.0e6"]);
        assert_eq!(labels(&[0.0, 2e-4, 4e-4]), ["0", "2e-4", "4e-4"]);
        assert_eq!(labels(&[100000.0]), ["100000"]);
        assert_eq!(short(8.0, 4), "8");
        assert_eq!(short(1.0 / 12f64.sqrt(), 4), "0.2887");
        assert_eq!(short(-0.5, 3), "-0.5");
        assert_eq!(short(50.02, 3), "50");
    }

    #[test]
    fn linear_axes_label_plotters_ticks_without_a_needless_decimal() {
        let axis = Axis::linear((0.0, 2200.0), 8);
        assert!(
            axis.labels().iter().all(|l| !l.contains('.')),
            "{:?}",
            axis.labels()
        );
        assert!(
            axis.labels().contains(&"2000".to_string()),
            "{:?}",
            axis.labels()
        );
        let axis = Axis::linear((0.0, 3.0), 8);
        assert!(
            axis.labels().contains(&"0.5".to_string()),
            "{:?}",
            axis.labels()
        );
    }

    #[test]
    fn log_axes_tick_every_decade_and_2_and_5_when_there_are_few() {
        let ticks = |lo: f64, hi: f64| -> Vec<String> { Axis::log((lo, hi)).labels().to_vec() };
        // 1e-4 … 10: every decade.
        assert_eq!(
            ticks(-4.2, 1.3),
            ["1e-4", "0.001", "0.01", "0.1", "1", "10"]
        );
        // 0.03 … 2.2: 1, 2 and 5 times each decade.
        assert_eq!(ticks(-1.5, 0.35), ["0.05", "0.1", "0.2", "0.5", "1", "2"]);
        // Twenty decades: every third (10⁻⁹, 10⁻⁶, …), at most nine ticks.
        let many = ticks(-10.0, 10.0);
        assert!(many.len() <= MAX_LOG_TICKS && many.len() >= 5, "{many:?}");
        assert!(many.contains(&"1".to_string()), "{many:?}");
        // A narrow range still gets two ticks or more.
        assert!(ticks(0.1, 0.2).len() >= 2);
    }
}
