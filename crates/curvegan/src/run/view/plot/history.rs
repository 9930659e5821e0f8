//! A run's history over the steps: both losses with their reference lines ([`losses_png`],
//! `losses.png`), every evaluation metric ([`metrics_png`], `metrics.png`), and the reduction of
//! a long series to what a figure can show ([`decimate`]).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::gan::loss::LossKind;
use crate::run::view::plot::canvas::{
    draw_centered_note, draw_line_legend, min_max, padded, padded_with_headroom, render,
    render_sized, significant, title, D_LOSS_COLOR, FONT, GRID_COLOR, G_LOSS_COLOR, HEIGHT,
    LEGEND_HEADROOM, REF_COLOR, THICK, WARN_COLOR, WIDTH,
};
use crate::run::view::plot::lines::draw_thick_path;

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
        let area = title(root, "Losses")?;
        let mut chart = ChartBuilder::on(&area)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .margin_right(REF_LABEL_AREA)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        // Steps are whole numbers: no "20000.0" tick labels.
        let decimals = if x_range.1 - x_range.0 >= 20.0 { 0 } else { 1 };
        let step_label = move |v: &f64| format!("{v:.decimals$}");
        chart
            .configure_mesh()
            .x_label_formatter(&step_label)
            .x_desc("step")
            .y_desc("loss")
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 18))
            .bold_line_style(GRID_COLOR)
            .light_line_style(TRANSPARENT)
            .x_labels(8)
            .y_labels(8)
            .draw()?;

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
        draw_line_legend(
            &mut chart,
            &[
                ("D_loss", D_LOSS_COLOR.to_rgba(), THICK),
                ("G_loss", G_LOSS_COLOR.to_rgba(), THICK),
            ],
        )?;

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
    /// The metrics' names, one panel each, top to bottom.
    pub names: &'a [&'a str],
    /// The evaluation steps, the x axis.
    pub steps: &'a [usize],
    /// The values, `[steps.len() * names.len()]`, row-major: one row per evaluation step.
    pub values: &'a [f64],
}

/// Renders a [`MetricsFigure`] as a PNG 800 pixels wide: one panel per metric, in one
/// column for up to three metrics and two columns for more, each panel at least 160
/// pixels high (so the figure is 600 pixels high or more). A metric whose finite values are all positive and span more than a
/// factor of 20 is drawn on a log scale (tick labels give the values). Non-finite values
/// are skipped; a panel without finite values says so. No metrics render an empty figure
/// with a note.
///
/// # Errors
///
/// [`PlotError::BadInput`] if `values` is not `steps.len() × names.len()` long;
/// [`PlotError::Render`] or [`PlotError::Encode`] if drawing or encoding fails.
pub fn metrics_png(fig: &MetricsFigure) -> Result<Vec<u8>, PlotError> {
    let (n, m) = (fig.steps.len(), fig.names.len());
    if n.checked_mul(m) != Some(fig.values.len()) {
        return Err(PlotError::BadInput(format!(
            "values has {} entries, not steps × names = {n} × {m}",
            fig.values.len()
        )));
    }
    let x_range = padded(min_max(fig.steps.iter().map(|&s| s as f64)), 0.02);
    let columns = if m > 3 { 2 } else { 1 };
    let rows = m.div_ceil(columns).max(1);
    let height = (rows as u32 * 160 + 50).max(HEIGHT);
    render_sized(WIDTH, height, |root| {
        let area = title(root, "Evaluation metrics")?;
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
            let range = min_max(column.iter().map(|p| p.1));
            let log = matches!(range, Some((lo, hi)) if lo > 0.0 && hi > 20.0 * lo);
            let points: Vec<(f64, f64)> = column
                .iter()
                .map(|&(s, v)| (s, if log { v.log10() } else { v }))
                .collect();
            let y_range = padded(min_max(points.iter().map(|p| p.1)), 0.08);
            let mut chart = ChartBuilder::on(panel)
                .margin(8)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .caption(fig.names[j], (FONT, 16))
                .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
            // Ticks a rounding error away from 0 are 0.
            let zero = 1e-9 * (y_range.1 - y_range.0);
            let value_label = move |v: &f64| match log {
                true => significant(10f64.powf(*v), 3),
                false if v.abs() < zero => "0".to_string(),
                false => significant(*v, 3),
            };
            let step_label = |v: &f64| format!("{v:.0}");
            let mut mesh = chart.configure_mesh();
            mesh.y_label_formatter(&value_label)
                .x_label_formatter(&step_label)
                .label_style((FONT, 13))
                .bold_line_style(GRID_COLOR)
                .light_line_style(TRANSPARENT)
                .x_labels(if columns == 1 { 8 } else { 5 })
                .y_labels(4)
                .x_desc("step")
                .axis_desc_style((FONT, 13));
            mesh.draw()?;
            match points.as_slice() {
                [] => {
                    let (xs, ys) = chart.plotting_area().get_pixel_range();
                    draw_centered_note(root, &xs, &ys, "no finite values")?;
                }
                [single] => {
                    chart.draw_series(std::iter::once(Circle::new(
                        *single,
                        3,
                        D_LOSS_COLOR.filled(),
                    )))?;
                }
                _ => {
                    draw_thick_path(&mut chart, &points, D_LOSS_COLOR, 2)?;
                    chart.draw_series(
                        points
                            .iter()
                            .map(|&p| Circle::new(p, 2, D_LOSS_COLOR.filled())),
                    )?;
                }
            }
        }
        Ok(())
    })
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
