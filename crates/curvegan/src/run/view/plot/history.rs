//! A run's history over the steps: both losses with their reference lines ([`losses_png`],
//! `losses.png`), every evaluation metric ([`metrics_png`], `metrics.png`), and the reduction of
//! a long series to what a figure can show ([`decimate`]).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::eval::catalogue::Known;
use crate::gan::loss::LossKind;
use crate::run::view::plot::axis::{short, Axis};
use crate::run::view::plot::canvas::{
    draw_centered_note, draw_mesh, min_max, padded, padded_with_headroom, render, render_sized,
    run_title, title, y_label_area, Root, D_LOSS_COLOR, FONT, G_LOSS_COLOR, HEIGHT,
    LEGEND_HEADROOM, REF_COLOR, THICK, WARN_COLOR, WIDTH,
};
use crate::run::view::plot::legend::{draw_legend, Plotted, Symbol};
use crate::run::view::plot::lines::{draw_curve, draw_thick_path};

/// A loss series longer than this is reduced to per-bucket minima and maxima.
const MAX_LOSS_POINTS: usize = 2_000;

/// A loss series with more points than this is drawn 1 pixel wide, not 2.
const DENSE_LOSS_POINTS: usize = 600;
/// Width of the margin right of the losses plot that holds the reference labels.
const REF_LABEL_AREA: u32 = 110;

/// Both losses over the training steps, with horizontal dashed reference
/// lines. Rendered by [`losses_png`].
#[derive(Debug, Clone, Copy)]
pub struct LossFigure<'a> {
    /// The run's name (its folder's name), shown in the title; may be empty.
    pub run: &'a str,
    /// Training step of each record, the x axis.
    pub steps: &'a [usize],
    /// Discriminator loss at each step, as long as `steps`.
    pub d_loss: &'a [f32],
    /// Generator loss at each step, as long as `steps`.
    pub g_loss: &'a [f32],
    /// Labelled horizontal reference lines, e.g. `("ln 2", 0.693)` and
    /// `("2 ln 2", 1.386)`; drawn dashed with their label and value.
    pub references: &'a [(&'a str, f32)],
}

/// The reference lines a [`LossFigure`] draws for `kind`: the equilibrium values its losses
/// really settle at ([`LossKind::equilibrium`]), G's first. None for `wgan-gp`: its recorded
/// D loss includes the gradient penalty, so the Wasserstein part's 0 is no level it settles
/// at.
pub fn loss_references(kind: LossKind) -> Vec<(&'static str, f32)> {
    if kind.has_gradient_penalty() {
        return Vec::new();
    }
    let equilibrium = kind.equilibrium();
    [equilibrium.g_loss, equilibrium.d_loss]
        .into_iter()
        .flatten()
        .map(|(value, label)| (label, value))
        .collect()
}

/// Renders a [`LossFigure`] as an 800×600 PNG.
///
/// Non-finite losses and reference values are skipped (the remaining points
/// are joined) and the figure notes how many were skipped. A series longer
/// than 2000 points is reduced to its first and last point and the minimum
/// and maximum of each of about 1000 runs of consecutive points, which keeps
/// spikes visible and rendering fast (a few tens of milliseconds for any
/// length). Empty series render empty axes.
///
/// # Errors
///
/// [`PlotError::BadInput`] if `steps`, `d_loss` and `g_loss` differ in
/// length; [`PlotError::Render`] or [`PlotError::Encode`] if drawing or
/// encoding fails.
pub fn losses_png(fig: &LossFigure) -> Result<Vec<u8>, PlotError> {
    let n = fig.steps.len();
    if fig.d_loss.len() != n || fig.g_loss.len() != n {
        return Err(PlotError::BadInput(format!(
            "steps, d_loss and g_loss must have the same length, got {}, {} and {}",
            n,
            fig.d_loss.len(),
            fig.g_loss.len()
        )));
    }
    let mut skipped = 0usize;
    let mut series = |losses: &[f32]| -> Vec<(f64, f64)> {
        let finite: Vec<(f64, f64)> = fig
            .steps
            .iter()
            .zip(losses)
            .filter(|(_, l)| l.is_finite())
            .map(|(&s, &l)| (s as f64, f64::from(l)))
            .collect();
        skipped += losses.len() - finite.len();
        decimate(&finite, MAX_LOSS_POINTS)
    };
    let d = series(fig.d_loss);
    let g = series(fig.g_loss);
    let references: Vec<(&str, f64)> = fig
        .references
        .iter()
        .filter(|(_, v)| v.is_finite())
        .map(|&(label, v)| (label, f64::from(v)))
        .collect();
    skipped += fig.references.len() - references.len();

    let x_range = padded(min_max(fig.steps.iter().map(|&s| s as f64)), 0.02);
    let y_range = padded_with_headroom(
        min_max(
            d.iter()
                .chain(&g)
                .map(|p| p.1)
                .chain(references.iter().map(|r| r.1)),
        ),
        0.06,
        LEGEND_HEADROOM,
    );

    render(|root| {
        let area = title(root, &run_title(fig.run, "losses"))?;
        let (x_axis, y_axis) = (Axis::linear(x_range, 8), Axis::linear(y_range, 8));
        let mut chart = ChartBuilder::on(&area)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(y_label_area(&y_axis, 16, "loss", 18))
            .margin_right(REF_LABEL_AREA)
            .build_cartesian_2d(x_axis, y_axis)?;
        draw_mesh(&mut chart, ("step", "loss"), (16, 18))?;

        for (points, color) in [(&d, D_LOSS_COLOR), (&g, G_LOSS_COLOR)] {
            if let [single] = points.as_slice() {
                chart.draw_series(std::iter::once(Circle::new(*single, 3, color.filled())))?;
            } else {
                // A dense series reads better thin.
                let width = if points.len() > DENSE_LOSS_POINTS {
                    1
                } else {
                    2
                };
                draw_thick_path(&mut chart, points, color, width)?;
            }
        }
        // The references go on top, so that they stay visible through noisy losses.
        for &(_, value) in &references {
            let ends = [(x_range.0, value), (x_range.1, value)];
            chart.draw_series(DashedLineSeries::new(
                ends,
                10,
                6,
                REF_COLOR.stroke_width(2),
            ))?;
        }
        let plotted = Plotted {
            lines: vec![d.clone(), g.clone()],
            points: Vec::new(),
        };
        let legend = [
            ("D_loss", Symbol::Line(D_LOSS_COLOR.to_rgba(), THICK)),
            ("G_loss", Symbol::Line(G_LOSS_COLOR.to_rgba(), THICK)),
        ];
        draw_legend(&chart, &legend, &plotted)?;

        // Reference labels in the margin right of the plot, at their line's
        // height, nudged apart when lines are close.
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let mut labels: Vec<(i32, String)> = references
            .iter()
            .map(|&(label, value)| {
                let py = chart.backend_coord(&(x_range.1, value)).1;
                let number = format!("{value:.3}");
                // A label that is its own value (`0`) is not repeated as `0 = 0.000`.
                let text = match label.parse::<f64>() {
                    Ok(v) if v == value => number,
                    _ => format!("{label} = {number}"),
                };
                (py, text)
            })
            .collect();
        labels.sort_by_key(|l| l.0);
        let label_style = TextStyle::from((FONT, 14).into_font())
            .color(&REF_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center));
        let mut next_free = i32::MIN;
        for (py, text) in &labels {
            let y = (*py).max(next_free);
            next_free = y.saturating_add(16);
            root.draw(&Text::new(
                text.as_str(),
                (xs.end + 6, y - 2),
                label_style.clone(),
            ))?;
        }
        if skipped > 0 {
            root.draw(&Text::new(
                format!("skipped {skipped} non-finite value(s)"),
                (10, 10),
                TextStyle::from((FONT, 15).into_font())
                    .color(&WARN_COLOR)
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ))?;
        }
        if n == 0 {
            draw_centered_note(root, &xs, &ys, "no losses recorded yet")?;
        }
        Ok(())
    })
}

/// Every evaluation metric over the training steps, one panel each. Rendered by
/// [`metrics_png`].
#[derive(Debug, Clone, Copy)]
pub struct MetricsFigure<'a> {
    /// The run's name (its folder's name), shown in the title; may be empty.
    pub run: &'a str,
    /// The metrics' names, one panel each, top to bottom.
    pub names: &'a [&'a str],
    /// The evaluation steps, the x axis.
    pub steps: &'a [usize],
    /// The values, `[steps.len() * names.len()]`, row-major: one row per evaluation step.
    pub values: &'a [f64],
    /// What is known of each metric, in the order of `names` (empty: nothing): its true value,
    /// drawn as a dashed line, and its largest possible value, which its axis reaches
    /// ([`crate::eval::catalogue::known`]).
    pub known: &'a [Known],
}

/// Renders a [`MetricsFigure`] as a PNG 800 pixels wide, titled with the run's name: one panel
/// per metric, in one column for up to three metrics and two columns for more, each panel at
/// least 160 pixels high (so the figure is 600 pixels high or more).
///
/// Each panel's y axis fits the values after the first evaluation when there are three or
/// more (the first, usually the untrained generator's at step 0, is often far off): it is drawn
/// on a log scale when those values are all positive and span more than a factor of 20 (ticks
/// at the decades, and at 2 and 5 times them when the decades are few), and it also reaches the
/// metric's true value and largest possible value when known (ring8's `modes_captured` axis
/// reaches 8). The first value stays on the axis when it lies within one span of the others;
/// else its line is cut at the panel's edge and the caption gives it. A known true value is a
/// dashed line labelled `truth`. Non-finite values are skipped; a panel without finite values
/// says so. No metrics render an empty figure with a note.
///
/// # Errors
///
/// [`PlotError::BadInput`] if `values` is not `steps.len() × names.len()` long or `known`
/// neither empty nor as long as `names`; [`PlotError::Render`] or [`PlotError::Encode`] if
/// drawing or encoding fails.
pub fn metrics_png(fig: &MetricsFigure) -> Result<Vec<u8>, PlotError> {
    let (n, m) = (fig.steps.len(), fig.names.len());
    if n.checked_mul(m) != Some(fig.values.len()) {
        return Err(PlotError::BadInput(format!(
            "values has {} entries, not steps × names = {n} × {m}",
            fig.values.len()
        )));
    }
    if !fig.known.is_empty() && fig.known.len() != m {
        return Err(PlotError::BadInput(format!(
            "known has {} entries for {m} metrics",
            fig.known.len()
        )));
    }
    let x_range = padded(min_max(fig.steps.iter().map(|&s| s as f64)), 0.02);
    let columns = if m > 3 { 2 } else { 1 };
    let rows = m.div_ceil(columns).max(1);
    let height = (rows as u32 * 160 + 50).max(HEIGHT);
    render_sized(WIDTH, height, |root| {
        let area = title(root, &run_title(fig.run, "evaluation metrics"))?;
        if m == 0 {
            let (w, h) = area.dim_in_pixel();
            let (xs, ys) = (0..w as i32, 0..h as i32);
            return draw_centered_note(&area, &xs, &ys, "no evaluation metrics");
        }
        let panels = area.split_evenly((rows, columns));
        for (j, panel) in panels.iter().take(m).enumerate() {
            let column: Vec<(f64, f64)> = fig
                .steps
                .iter()
                .zip(fig.values.iter().skip(j).step_by(m))
                .filter(|(_, v)| v.is_finite())
                .map(|(&s, &v)| (s as f64, v))
                .collect();
            let known = fig.known.get(j).copied().unwrap_or_default();
            let x_ticks = if columns == 1 { 8 } else { 5 };
            metric_panel(
                root,
                panel,
                fig.names[j],
                &column,
                known,
                (x_range, x_ticks),
            )?;
        }
        Ok(())
    })
}

/// The y scale of a metric's panel, from its finite values `column` (see [`metrics_png`]): the
/// axis (its range in log10 units when `log`), whether it is a log axis, and whether the first
/// value lies beyond it.
fn metric_axis(column: &[(f64, f64)], known: Known) -> (Axis, bool, bool) {
    let values: Vec<f64> = column.iter().map(|p| p.1).collect();
    let rest = if values.len() >= 3 {
        &values[1..]
    } else {
        &values[..]
    };
    let log = matches!(min_max(rest.iter().copied()), Some((lo, hi)) if lo > 0.0 && hi > 20.0 * lo);
    let scale = |v: f64| if log { v.log10() } else { v };
    let drawable = |v: &f64| v.is_finite() && (!log || *v > 0.0);
    let marks = [known.truth, known.max]
        .into_iter()
        .flatten()
        .filter(drawable);
    let fitted = min_max(rest.iter().copied().chain(marks).map(scale));
    let first_off = match (fitted, values.first()) {
        (Some((lo, hi)), Some(&first)) if rest.len() < values.len() => {
            let span = hi - lo;
            !drawable(&first) || !(lo - span..=hi + span).contains(&scale(first))
        }
        _ => false,
    };
    let range = match (fitted, first_off, values.first()) {
        (Some((lo, hi)), false, Some(&first)) => Some((lo.min(scale(first)), hi.max(scale(first)))),
        _ => fitted,
    };
    let range = padded(range, 0.08);
    let axis = if log {
        Axis::log(range)
    } else {
        Axis::linear(range, 5)
    };
    (axis, log, first_off)
}

/// One panel of [`metrics_png`]: the metric `name`'s finite values `column` (step, value) on
/// `panel` of `root`, its true value as a dashed line; `x` is the step range and its ticks.
fn metric_panel(
    root: &Root<'_>,
    panel: &Root<'_>,
    name: &str,
    column: &[(f64, f64)],
    known: Known,
    (x_range, x_ticks): ((f64, f64), usize),
) -> Result<(), PlotError> {
    let (y_axis, log, first_off) = metric_axis(column, known);
    let y_range = y_axis.bounds();
    let caption = match (first_off, column.first()) {
        (true, Some(&(step, v))) => {
            format!("{name} (step {step}: {}, beyond the axis)", short(v, 3))
        }
        _ => name.to_string(),
    };
    let mut chart = ChartBuilder::on(panel)
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(y_label_area(&y_axis, 13, "", 13))
        .caption(caption, (FONT, 16))
        .build_cartesian_2d(Axis::linear(x_range, x_ticks), y_axis)?;
    draw_mesh(&mut chart, ("step", ""), (13, 13))?;
    let scale = |v: f64| if log { v.log10() } else { v };
    let points: Vec<(f64, f64)> = column.iter().map(|&(s, v)| (s, scale(v))).collect();
    let bounds = (x_range, y_range);
    if let Some(truth) = known.truth.filter(|t| t.is_finite() && (!log || *t > 0.0)) {
        let y = scale(truth);
        let ends = [(x_range.0, y), (x_range.1, y)];
        chart.draw_series(DashedLineSeries::new(ends, 8, 5, REF_COLOR.stroke_width(2)))?;
        let (x, py) = chart.backend_coord(&(x_range.1, y));
        root.draw(&Text::new(
            format!("truth {}", short(truth, 4)),
            (x - 4, py - 3),
            TextStyle::from((FONT, 12).into_font())
                .color(&REF_COLOR)
                .pos(Pos::new(HPos::Right, VPos::Bottom)),
        ))?;
    }
    let inside = |p: &&(f64, f64)| (y_range.0..=y_range.1).contains(&p.1);
    match points.as_slice() {
        [] => {
            let (xs, ys) = chart.plotting_area().get_pixel_range();
            draw_centered_note(root, &xs, &ys, "no finite values")?;
        }
        _ => {
            draw_curve(&mut chart, &points, bounds, D_LOSS_COLOR, 2)?;
            let dots = points.iter().filter(inside);
            chart.draw_series(dots.map(|&p| Circle::new(p, 2, D_LOSS_COLOR.filled())))?;
        }
    }
    Ok(())
}

/// Reduces a long series `(x, y)` to at most `max_points` points that draw the same line at a
/// figure's resolution: the first point, the minimum and maximum `y` of each of
/// `max_points / 2 - 1` runs of consecutive points (in their order), and the last point. The
/// global minimum and maximum are always kept. A series of at most `max_points` points (or a
/// `max_points` below 4) is returned as it is. (Also used by the HTML report, [`crate::run::view::report`].)
pub fn decimate(points: &[(f64, f64)], max_points: usize) -> Vec<(f64, f64)> {
    if points.len() <= max_points || max_points < 4 {
        return points.to_vec();
    }
    let buckets = max_points / 2 - 1;
    let size = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(max_points);
    out.push(points[0]);
    for (c, chunk) in points.chunks(size).enumerate() {
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in chunk.iter().enumerate() {
            if p.1 < chunk[lo].1 {
                lo = i;
            }
            if p.1 > chunk[hi].1 {
                hi = i;
            }
        }
        let (first, second) = (lo.min(hi), lo.max(hi));
        let base = c * size;
        if base + first != 0 {
            out.push(chunk[first]);
        }
        if second != first {
            out.push(chunk[second]);
        }
    }
    if out.last() != points.last() {
        out.push(points[points.len() - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[f64]) -> Vec<(f64, f64)> {
        (values.iter().enumerate())
            .map(|(i, &v)| (i as f64 * 1000.0, v))
            .collect()
    }

    #[test]
    fn a_count_axis_reaches_its_known_maximum() {
        let known = Known {
            truth: Some(8.0),
            max: Some(8.0),
        };
        let (axis, log, first_off) = metric_axis(&column(&[1.0, 3.0, 5.0, 6.0, 7.0]), known);
        assert!(!log && !first_off);
        assert!(axis.bounds().1 >= 8.0, "{:?}", axis.bounds());
        assert!(
            axis.labels().contains(&"8".to_string()),
            "{:?}",
            axis.labels()
        );
        let (bare, _, _) = metric_axis(&column(&[1.0, 3.0, 5.0, 6.0, 7.0]), Known::default());
        assert!(bare.bounds().1 < 8.0);
    }

    #[test]
    fn the_first_evaluations_outlier_does_not_make_a_log_axis() {
        // Step 0 at 50, then 0.08 … 0.01: linear, fitted to the later values, step 0 cut.
        let values = [50.0, 0.08, 0.05, 0.03, 0.02, 0.01];
        let (axis, log, first_off) = metric_axis(&column(&values), Known::default());
        assert!(!log && first_off);
        assert!(axis.bounds().1 < 0.1, "{:?}", axis.bounds());
        // A decay over the later values too: log, ticked at the decades.
        let values = [5.0, 1.0, 0.1, 0.01, 0.001];
        let (axis, log, first_off) = metric_axis(&column(&values), Known::default());
        assert!(log && !first_off);
        assert_eq!(axis.labels(), ["0.001", "0.01", "0.1", "1"]);
        // A first value within one span of the others stays on the axis.
        let (axis, _, first_off) = metric_axis(&column(&[0.2, 0.5, 0.4, 0.3]), Known::default());
        assert!(!first_off && axis.bounds().0 < 0.2);
    }
}
