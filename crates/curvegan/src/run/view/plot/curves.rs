//! The tutorial's figure ([`curves_png`]): real and generated curves against `x`, one panel
//! per channel, and the y range it keeps ([`curve_y_range`]).

use plotters::prelude::*;

use crate::error::PlotError;
use crate::run::view::plot::axis::{short, Axis};
use crate::run::view::plot::canvas::{
    check_finite, configure_mesh, draw_corner_note, losses_subtitle, min_max, padded,
    padded_with_headroom, render, step_title, title, y_label_area, Bounds, Root, FONT, GEN_COLOR,
    GEN_ON_BAND_COLOR, LEGEND_HEADROOM, REAL_COLOR, THICK,
};
use crate::run::view::plot::legend::{draw_legend, Plotted, Symbol};
use crate::run::view::plot::lines::draw_curve;

/// At most this many curves of each kind are drawn as lines.
const MAX_CURVES: usize = 256;

/// The tutorial's figure: the real curve(s) and generated curve(s) against
/// `x`, with both losses written on it. Rendered by [`curves_png`].
#[derive(Debug, Clone, Copy)]
pub struct CurveFigure<'a> {
    /// The sample positions shared by all curves, `[points]`.
    pub x: &'a [f32],
    /// Real curves, `[n_real * points]`, row-major: one curve for a fixed
    /// target, or several (drawn as a light band with thin lines) for a
    /// family of targets. May be empty.
    pub real: &'a [f32],
    /// Generated curves, `[n_gen * points]`, row-major. The first is drawn
    /// prominently, the others thinner and semi-transparent. May be empty.
    pub generated: &'a [f32],
    /// The run's name (its folder's name), shown in the title; may be empty.
    pub run: &'a str,
    /// Training step, shown in the title.
    pub step: usize,
    /// The run's main metric at this step, `(name, value)`, shown in the title when known.
    pub metric: Option<(&'a str, f64)>,
    /// Generator loss, written as `G_loss= 0.693`.
    pub g_loss: f32,
    /// Discriminator loss, written as `D_loss= 1.386`.
    pub d_loss: f32,
    /// The preferred range of the y axis (the tutorial's `Some((0.0, 3.0))`),
    /// kept when every real curve fits in it and widened with a margin when one
    /// leaves it; `None` fits the real curves with a margin ([`curve_y_range`]).
    /// Generated curves never move it: a run's step figures, and so the frames of its
    /// `evolution.gif`, share one y range.
    pub y_range: Option<(f32, f32)>,
    /// Channels per sample: each real and generated row is `channels` curves of
    /// `x.len()` points one after the other, drawn in a panel each (a grid of
    /// panels, the legend in the first, each panel's y axis fitted to it). 1 for
    /// one curve per row.
    pub channels: usize,
}

/// Renders a [`CurveFigure`] as an 800×600 PNG.
///
/// # Errors
///
/// [`PlotError::BadInput`] if `x` is empty, if `real` or `generated` is not
/// a whole number of curves of `x.len()` points, if any of `x`, `real` or
/// `generated` is not finite, or if `y_range` is not finite or not
/// increasing; [`PlotError::Render`] or [`PlotError::Encode`] if drawing or
/// encoding fails.
pub fn curves_png(fig: &CurveFigure) -> Result<Vec<u8>, PlotError> {
    let points = fig.x.len();
    let channels = fig.channels.max(1);
    if points == 0 {
        return Err(PlotError::BadInput(format!(
            "x is empty (0 points; real has {} values, generated has {})",
            fig.real.len(),
            fig.generated.len()
        )));
    }
    let width = points * channels;
    for (name, values) in [("real", fig.real), ("generated", fig.generated)] {
        if values.len() % width != 0 {
            return Err(PlotError::BadInput(format!(
                "{name} has {} values, which is not a whole number of curves of {points} points \
                 (x has {points} values) in {channels} channel(s)",
                values.len()
            )));
        }
    }
    check_finite("x", fig.x, 0)?;
    check_finite("real", fig.real, points)?;
    check_finite("generated", fig.generated, points)?;
    if let Some((lo, hi)) = fig.y_range {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(PlotError::BadInput(format!(
                "y_range ({lo}, {hi}) is not a finite, increasing range"
            )));
        }
    }
    // Channel c of every row, as rows of `points` values.
    let channel = |values: &[f32], c: usize| -> Vec<f32> {
        (values.chunks_exact(width))
            .flat_map(|row| row[c * points..(c + 1) * points].iter().copied())
            .collect()
    };
    render(|root| {
        let area = title(root, &step_title(fig.run, fig.step, fig.metric))?;
        let area = losses_subtitle(&area, fig.g_loss, fig.d_loss)?;
        if channels == 1 {
            let outside = curves_panel(&area, fig, fig.real, fig.generated, None)?;
            return note_outside(root, outside);
        }
        let cols = (channels as f64).sqrt().ceil() as usize;
        let rows = channels.div_ceil(cols);
        let panels = area.split_evenly((rows, cols));
        let mut outside = None;
        for (c, panel) in panels.iter().enumerate().take(channels) {
            let (real, generated) = (channel(fig.real, c), channel(fig.generated, c));
            let out = curves_panel(panel, fig, &real, &generated, Some(c))?;
            outside = min_max(outside.into_iter().chain(out).flat_map(|(lo, hi)| [lo, hi]));
        }
        note_outside(root, outside)
    })
}

/// Says on the figure that generated values from `lo` to `hi` go beyond the y axis.
fn note_outside(root: &Root<'_>, outside: Option<(f64, f64)>) -> Result<(), PlotError> {
    match outside {
        None => Ok(()),
        Some((lo, hi)) => {
            let text = format!(
                "generated curves leave the plot (values {} to {}): cut at its edge",
                short(lo, 3),
                short(hi, 3)
            );
            draw_corner_note(root, &text)
        }
    }
}

/// One panel of [`curves_png`]: the real and generated curves (`[N, x.len()]` each) on `area`;
/// `channel` is `None` for a figure of one panel (the legend drawn as the tutorial's), else
/// the panel's channel (captioned; the legend only in the first). Returns the lowest and
/// highest generated values when some lie beyond the y axis (drawn cut at its edge).
fn curves_panel(
    area: &Root<'_>,
    fig: &CurveFigure,
    real: &[f32],
    generated: &[f32],
    channel: Option<usize>,
) -> Result<Option<(f64, f64)>, PlotError> {
    let points = fig.x.len();
    let x_range = padded(min_max(fig.x.iter().copied()), 0.03);
    // The real curves set the range (the generated ones only without real ones).
    let y_range = match real.is_empty() {
        true => curve_y_range(generated, fig.y_range),
        false => curve_y_range(real, fig.y_range),
    };
    let generated_range = min_max(generated.iter().copied());
    let outside = generated_range.filter(|&(lo, hi)| lo < y_range.0 || hi > y_range.1);
    let xs: Vec<f64> = fig.x.iter().map(|&v| f64::from(v)).collect();
    let curve = |row: &[f32]| -> Vec<(f64, f64)> {
        xs.iter()
            .zip(row)
            .map(|(&x, &y)| (x, f64::from(y)))
            .collect()
    };
    let n_real = real.len() / points;
    let (x_axis, y_axis) = (Axis::linear(x_range, 9), Axis::linear(y_range, 8));
    let mut builder = ChartBuilder::on(area);
    match channel {
        None => builder
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(y_label_area(&y_axis, 16, "y", 18)),
        Some(c) => builder
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(y_label_area(&y_axis, 16, "", 18))
            .caption(format!("channel {}", c + 1), (FONT, 14)),
    };
    let mut chart = builder.build_cartesian_2d(x_axis, y_axis)?;
    match channel {
        None => configure_mesh(&mut chart, "x", "y")?,
        Some(_) => configure_mesh(&mut chart, "", "")?,
    }
    let bounds: Bounds = (x_range, y_range);

    // Real curves beneath the generated ones; over a band of real curves the generated
    // ones take a contrasting colour.
    let gen_color = if n_real > 1 {
        GEN_ON_BAND_COLOR
    } else {
        GEN_COLOR
    };
    // What the legend must not cover: every curve drawn, the band's edges.
    let mut plotted = Plotted::default();
    if n_real == 1 {
        plotted.lines.push(curve(real));
        draw_curve(&mut chart, &curve(real), bounds, REAL_COLOR, THICK)?;
    } else if n_real > 1 {
        let (lower, upper) = envelope(real, points);
        let clamp = |v: f32| f64::from(v).clamp(y_range.0, y_range.1);
        let band: Vec<(f64, f64)> = xs
            .iter()
            .zip(&upper)
            .map(|(&x, &y)| (x, clamp(y)))
            .chain(xs.iter().zip(&lower).rev().map(|(&x, &y)| (x, clamp(y))))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            REAL_COLOR.mix(0.15).filled(),
        )))?;
        for row in real.chunks_exact(points).take(MAX_CURVES) {
            plotted.lines.push(curve(row));
            draw_curve(&mut chart, &curve(row), bounds, REAL_COLOR.mix(0.45), 1)?;
        }
    }
    let mut gen_rows = generated.chunks_exact(points);
    let first = gen_rows.next();
    let others = generated.len() / points > 1;
    for row in gen_rows.take(MAX_CURVES - 1) {
        plotted.lines.push(curve(row));
        draw_curve(&mut chart, &curve(row), bounds, gen_color.mix(0.5), 1)?;
    }
    if let Some(row) = first {
        plotted.lines.push(curve(row));
        draw_curve(&mut chart, &curve(row), bounds, gen_color, THICK)?;
    }
    if channel.is_some_and(|c| c > 0) {
        return Ok(outside);
    }
    let mut legend = Vec::new();
    if n_real > 0 {
        let label = if n_real > 1 {
            "Real Curves"
        } else {
            "Real Curve"
        };
        legend.push((label, Symbol::Line(REAL_COLOR.to_rgba(), THICK)));
    }
    if first.is_some() {
        let label = if others {
            "Generated Curve (first)"
        } else {
            "Generated Curve"
        };
        legend.push((label, Symbol::Line(gen_color.to_rgba(), THICK)));
    }
    if others {
        legend.push((
            "Other generated samples",
            Symbol::Line(gen_color.mix(0.5), 2),
        ));
    }
    draw_legend(&chart, &legend, &plotted)?;
    Ok(outside)
}

/// The y range of a curve figure whose real curves are `values` (its generated curves when it
/// has no real ones): `preferred` (the tutorial's `(0, 3)`) when every finite value lies in
/// it, else the smallest range holding both `preferred` and the values, widened by a margin
/// (more at the top, where a legend fits). With no `preferred` range the values are fitted
/// with that margin. Non-finite values are ignored. The generated curves do not move it, so
/// that every step figure of a run has the same y axis; those that leave it are cut at its
/// edge, and the figure says so.
///
/// ```
/// use curvegan::run::view::plot::curve_y_range;
///
/// assert_eq!(curve_y_range(&[1.0, 3.0], Some((0.0, 3.0))), (0.0, 3.0));
/// let (lo, hi) = curve_y_range(&[-0.5, 2.0], Some((0.0, 3.0)));
/// assert!(lo < -0.5 && hi >= 3.0);
/// ```
pub fn curve_y_range(values: &[f32], preferred: Option<(f32, f32)>) -> (f64, f64) {
    let data = min_max(values.iter().copied().filter(|v| v.is_finite()));
    let preferred = preferred
        .filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo < hi)
        .map(|(lo, hi)| (f64::from(lo), f64::from(hi)));
    match (preferred, data) {
        (Some(range), None) => range,
        (Some((lo, hi)), Some((dlo, dhi))) if lo <= dlo && dhi <= hi => (lo, hi),
        (Some((lo, hi)), Some((dlo, dhi))) => {
            padded_with_headroom(Some((lo.min(dlo), hi.max(dhi))), 0.05, LEGEND_HEADROOM)
        }
        (None, data) => padded_with_headroom(data, 0.08, LEGEND_HEADROOM),
    }
}

/// Per-point minimum and maximum over the curves in `values`.
fn envelope(values: &[f32], points: usize) -> (Vec<f32>, Vec<f32>) {
    let mut lower = vec![f32::INFINITY; points];
    let mut upper = vec![f32::NEG_INFINITY; points];
    for row in values.chunks_exact(points) {
        for ((lo, hi), &v) in lower.iter_mut().zip(upper.iter_mut()).zip(row) {
            *lo = lo.min(v);
            *hi = hi.max(v);
        }
    }
    (lower, upper)
}
