//! PNG figures of training progress, rendered in pure Rust.
//!
//! Every function here returns the PNG-encoded bytes of an 800×600 RGB image
//! and never touches the file system: the caller decides where (and how
//! atomically) to write them. Text is drawn with DejaVu Sans, which is
//! embedded in the library (see `assets/DejaVuSans-LICENSE.txt`), so figures
//! render the same on machines without any system fonts or C libraries.
//!
//! The figures:
//!
//! * [`curves_png`] — the tutorial's figure. The real curve(s) in light blue
//!   (`#74BCFF`) and the generated curve(s) in green (`#4AD631`) against `x`,
//!   the run's name, the step and its main metric in the title ([`step_title`]),
//!   the two losses (`G_loss= 0.693`,
//!   `D_loss= 1.386`) in a subtitle line above the plot, where they cover no
//!   data, and a legend at the upper right ("Real Curve", "Generated Curve
//!   (first)", "Other generated samples"). The y axis keeps a preferred range
//!   (the tutorial's 0–3) while every curve fits in it and widens with a
//!   margin when one leaves it ([`curve_y_range`]). A single real curve is
//!   drawn as a thick line; a family of real curves as a pale min–max band
//!   with light thin lines, the generated curves then in red (`#D62728`) on
//!   top. The first generated curve is drawn thick, any others thin and
//!   semi-transparent beneath it.
//! * [`losses_png`] — the discriminator's and the generator's losses against
//!   the training step, with dashed, labelled horizontal reference lines such
//!   as `ln 2` and `2 ln 2` (where the losses of a balanced GAN settle;
//!   [`loss_references`] gives them for a loss kind).
//! * [`metrics_png`] — every evaluation metric over the steps, one panel each
//!   (log scale for positive values spanning more than a factor of 20).
//! * [`scatter_png`] — real and generated points of a 2-D data set (such as
//!   eight Gaussians on a ring), with equal scales on both axes: real points
//!   first, generated ones semi-transparent over them, the modes' centres as
//!   dark crosses; the step in the title and both losses in the subtitle.
//! * [`evolution_gif`] — not a figure but an animation of figures: PNGs (a
//!   run's step figures) as the frames of a looping GIF, each frame quantized
//!   to its own 256-colour palette by the `gif` crate.
//!
//! Input handling: mismatched lengths are reported as
//! [`PlotError::BadInput`] naming the lengths. Non-finite coordinates in the
//! curve and scatter figures are rejected with [`PlotError::BadInput`] naming
//! the offending value; the losses figure instead skips non-finite losses and
//! reference values, and says on the figure how many it skipped. Loss values
//! that are written as text (`G_loss=`, `D_loss=`) are printed as they are,
//! `NaN` and `inf` included. No input makes these functions panic.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

/// Width of every figure, in pixels.
const WIDTH: u32 = 800;
/// Height of every figure, in pixels.
const HEIGHT: u32 = 600;

/// The embedded font, registered with plotters under the generic family names.
static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
/// Font family used for all text.
const FONT: &str = "sans-serif";

/// Colour of real curves and points (the tutorial's `#74BCFF`).
const REAL_COLOR: RGBColor = RGBColor(0x74, 0xBC, 0xFF);
/// Colour of generated curves and points (the tutorial's `#4AD631`).
const GEN_COLOR: RGBColor = RGBColor(0x4A, 0xD6, 0x31);
/// Colour of generated curves over a band of real curves (a red that stands out on blue).
const GEN_ON_BAND_COLOR: RGBColor = RGBColor(0xD6, 0x27, 0x28);
/// Colour of the mode centres' crosses in the scatter figure.
const CENTRE_COLOR: RGBColor = RGBColor(0x20, 0x20, 0x20);
/// Colour of the discriminator's loss in the losses figure.
const D_LOSS_COLOR: RGBColor = RGBColor(0x1F, 0x77, 0xB4);
/// Colour of the generator's loss in the losses figure.
const G_LOSS_COLOR: RGBColor = RGBColor(0xE3, 0x6C, 0x0A);
/// Colour of the dashed reference lines and their labels.
const REF_COLOR: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Colour of warnings written on a figure.
const WARN_COLOR: RGBColor = RGBColor(0xB0, 0x00, 0x20);
/// Colour of the background grid.
const GRID_COLOR: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);

/// Width of the prominent curves, in pixels (the tutorial's `lw=3`).
const THICK: u32 = 3;
/// At most this many curves of each kind are drawn as lines.
const MAX_CURVES: usize = 256;
/// At most this many points of each kind are drawn in the scatter figure.
const MAX_SCATTER_POINTS: usize = 20_000;
/// A loss series longer than this is reduced to per-bucket minima and maxima.
const MAX_LOSS_POINTS: usize = 2_000;

/// A loss series with more points than this is drawn 1 pixel wide, not 2.
const DENSE_LOSS_POINTS: usize = 600;
/// Fraction of the data's span left free above fitted data, where the legend
/// goes (the legend is about 15% of the plot's height).
const LEGEND_HEADROOM: f64 = 0.22;
/// Width of the margin right of the losses plot that holds the reference labels.
const REF_LABEL_AREA: u32 = 110;
/// plotters' ab_glyph text sits a few pixels above its nominal box: legend
/// symbols are lifted by this much to line up with their labels.
const LEGEND_GLYPH_LIFT: i32 = 4;

use crate::gan::loss::LossKind;

pub use crate::error::PlotError;

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
    /// kept when every curve fits in it and widened with a margin when one
    /// leaves it; `None` fits the data with a margin ([`curve_y_range`]).
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
            return curves_panel(&area, fig, fig.real, fig.generated, None);
        }
        let cols = (channels as f64).sqrt().ceil() as usize;
        let rows = channels.div_ceil(cols);
        let panels = area.split_evenly((rows, cols));
        for (c, panel) in panels.iter().enumerate().take(channels) {
            let (real, generated) = (channel(fig.real, c), channel(fig.generated, c));
            curves_panel(panel, fig, &real, &generated, Some(c))?;
        }
        Ok(())
    })
}

/// One panel of [`curves_png`]: the real and generated curves (`[N, x.len()]` each) on `area`;
/// `channel` is `None` for a figure of one panel (the legend drawn as the tutorial's), else
/// the panel's channel (captioned; the legend only in the first).
fn curves_panel(
    area: &Root<'_>,
    fig: &CurveFigure,
    real: &[f32],
    generated: &[f32],
    channel: Option<usize>,
) -> Result<(), PlotError> {
    let points = fig.x.len();
    let x_range = padded(min_max(fig.x.iter().copied()), 0.03);
    let values: Vec<f32> = real.iter().chain(generated).copied().collect();
    let y_range = curve_y_range(&values, fig.y_range);
    let xs: Vec<f64> = fig.x.iter().map(|&v| f64::from(v)).collect();
    let curve = |row: &[f32]| -> Vec<(f64, f64)> {
        xs.iter()
            .zip(row)
            .map(|(&x, &y)| (x, f64::from(y)))
            .collect()
    };
    let n_real = real.len() / points;
    let mut builder = ChartBuilder::on(area);
    match channel {
        None => builder
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60),
        Some(c) => builder
            .margin(6)
            .x_label_area_size(22)
            .y_label_area_size(48)
            .caption(format!("channel {}", c + 1), (FONT, 14)),
    };
    let mut chart = builder.build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
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
    if n_real == 1 {
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
            draw_curve(&mut chart, &curve(row), bounds, REAL_COLOR.mix(0.45), 1)?;
        }
    }
    let mut gen_rows = generated.chunks_exact(points);
    let first = gen_rows.next();
    let others = generated.len() / points > 1;
    for row in gen_rows.take(MAX_CURVES - 1) {
        draw_curve(&mut chart, &curve(row), bounds, gen_color.mix(0.5), 1)?;
    }
    if let Some(row) = first {
        draw_curve(&mut chart, &curve(row), bounds, gen_color, THICK)?;
    }
    if channel.is_some_and(|c| c > 0) {
        return Ok(());
    }
    let mut legend = Vec::new();
    if n_real > 0 {
        let label = if n_real > 1 {
            "Real Curves"
        } else {
            "Real Curve"
        };
        legend.push((label, REAL_COLOR.to_rgba(), THICK));
    }
    if first.is_some() {
        let label = if others {
            "Generated Curve (first)"
        } else {
            "Generated Curve"
        };
        legend.push((label, gen_color.to_rgba(), THICK));
    }
    if others {
        legend.push(("Other generated samples", gen_color.mix(0.5), 2));
    }
    draw_line_legend(&mut chart, &legend)?;
    Ok(())
}

/// The title of a step's figure: the run's name (if any), the step and the metric (if
/// known), e.g. `train-0001 — step 10000 — mse_to_target 0.0101`. Values are written with
/// four significant digits (in scientific notation when very large or small).
///
/// ```
/// use curvegan::run::view::plot::step_title;
///
/// let title = step_title("train-0001", 10000, Some(("mse_to_target", 0.010123)));
/// assert_eq!(title, "train-0001 — step 10000 — mse_to_target 0.01012");
/// assert_eq!(step_title("", 0, None), "step 0");
/// ```
pub fn step_title(run: &str, step: usize, metric: Option<(&str, f64)>) -> String {
    let mut parts = Vec::with_capacity(3);
    if !run.is_empty() {
        parts.push(run.to_string());
    }
    parts.push(format!("step {step}"));
    if let Some((name, value)) = metric {
        parts.push(format!("{name} {}", significant(value, 4)));
    }
    parts.join(" — ")
}

/// `value` with `digits` significant digits: plain for magnitudes in [1e-3, 1e5), else in
/// scientific notation; non-finite values as Rust writes them.
fn significant(value: f64, digits: usize) -> String {
    let magnitude = value.abs();
    if !value.is_finite() || value == 0.0 {
        return format!("{value}");
    }
    if !(1e-3..1e5).contains(&magnitude) {
        return format!("{value:.prec$e}", prec = digits.saturating_sub(1));
    }
    let exponent = magnitude.log10().floor() as i32;
    let decimals = (digits as i32 - 1 - exponent).max(0) as usize;
    format!("{value:.decimals$}")
}

/// The y range of a curve figure showing `values`: `preferred` (the tutorial's `(0, 3)`)
/// when every finite value lies in it, else the smallest range holding both `preferred` and
/// the values, widened by a margin (more at the top, where the legend goes). With no
/// `preferred` range the values are fitted with that margin. Non-finite values are ignored.
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

/// Real against generated points of a 2-D data set (e.g. eight Gaussians on
/// a ring). Rendered by [`scatter_png`].
#[derive(Debug, Clone, Copy)]
pub struct ScatterFigure<'a> {
    /// Real points, `[n_real * 2]`, row-major `(x, y)` pairs. May be empty.
    pub real: &'a [f32],
    /// Generated points, `[n_gen * 2]`, row-major `(x, y)` pairs. May be
    /// empty.
    pub generated: &'a [f32],
    /// Centres of the real data's modes, `[n_modes * 2]`, row-major `(x, y)`
    /// pairs, marked with crosses. May be empty.
    pub centres: &'a [f32],
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
}

/// Renders a [`ScatterFigure`] as an 800×600 PNG.
///
/// Both axes use the same scale, so a ring stays round. Real points are drawn
/// first, generated points semi-transparent over them (so real modes show
/// through), and mode centres as dark crosses on top. At most 20 000 points of
/// each kind are drawn (the first ones).
///
/// # Errors
///
/// [`PlotError::BadInput`] if `real` or `generated` has an odd length or a
/// non-finite coordinate; [`PlotError::Render`] or [`PlotError::Encode`] if
/// drawing or encoding fails.
pub fn scatter_png(fig: &ScatterFigure) -> Result<Vec<u8>, PlotError> {
    for (name, values) in [
        ("real", fig.real),
        ("generated", fig.generated),
        ("centres", fig.centres),
    ] {
        if values.len() % 2 != 0 {
            return Err(PlotError::BadInput(format!(
                "{name} has {} values, which is not a whole number of (x, y) pairs",
                values.len()
            )));
        }
        check_finite(name, values, 2)?;
    }
    let pairs = |v: &[f32]| -> Vec<(f64, f64)> {
        v.chunks_exact(2)
            .take(MAX_SCATTER_POINTS)
            .map(|p| (f64::from(p[0]), f64::from(p[1])))
            .collect()
    };
    let real = pairs(fig.real);
    let generated = pairs(fig.generated);
    let centres = pairs(fig.centres);
    let all = || real.iter().chain(&generated).chain(&centres);
    let x_data = padded(min_max(all().map(|p| p.0)), 0.08);
    let y_data = padded(min_max(all().map(|p| p.1)), 0.08);

    render(|root| {
        let area = title(root, &step_title(fig.run, fig.step, fig.metric))?;
        let area = losses_subtitle(&area, fig.g_loss, fig.d_loss)?;
        let (margin, x_label, y_label) = (15u32, 45u32, 60u32);
        // The plotting area is what ChartBuilder leaves after the margins and
        // label areas; widen one data range so both axes share one scale.
        let (w, h) = area.dim_in_pixel();
        let plot_w = f64::from(w.saturating_sub(2 * margin + y_label).max(1));
        let plot_h = f64::from(h.saturating_sub(2 * margin + x_label).max(1));
        let per_px = ((x_data.1 - x_data.0) / plot_w).max((y_data.1 - y_data.0) / plot_h);
        let widen = |(lo, hi): (f64, f64), px: f64| {
            let (mid, half) = (lo / 2.0 + hi / 2.0, per_px * px / 2.0);
            (mid - half, mid + half)
        };
        let x_range = widen(x_data, plot_w);
        let y_range = widen(y_data, plot_h);

        let mut chart = ChartBuilder::on(&area)
            .margin(margin)
            .x_label_area_size(x_label)
            .y_label_area_size(y_label)
            .build_cartesian_2d(x_range.0..x_range.1, y_range.0..y_range.1)?;
        configure_mesh(&mut chart, "x", "y")?;
        chart.draw_series(real.iter().map(|&p| Circle::new(p, 3, REAL_COLOR.filled())))?;
        chart.draw_series(
            generated
                .iter()
                .map(|&p| Circle::new(p, 3, GEN_COLOR.mix(0.3).filled())),
        )?;
        let cross = CENTRE_COLOR.stroke_width(1);
        chart.draw_series(centres.iter().map(|&p| Cross::new(p, 5, cross)))?;

        let mut legend: Vec<(&str, RGBAColor)> = Vec::new();
        if !real.is_empty() {
            legend.push(("Real Data", REAL_COLOR.to_rgba()));
        }
        if !generated.is_empty() {
            legend.push(("Generated Data", GEN_COLOR.mix(0.3)));
        }
        for (label, color) in legend {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(label)
                .legend(move |(x, y)| {
                    Circle::new((x + 10, y - LEGEND_GLYPH_LIFT), 5, color.filled())
                });
        }
        if !centres.is_empty() {
            chart
                .draw_series(std::iter::empty::<Cross<(f64, f64), i32>>())?
                .label("Mode centres")
                .legend(move |(x, y)| Cross::new((x + 10, y - LEGEND_GLYPH_LIFT), 6, cross));
        }
        draw_legend_box(&mut chart)?;
        Ok(())
    })
}

/// A point in data coordinates.
type Point = (f64, f64);
/// The visible data region: `(x range, y range)`.
type Bounds = ((f64, f64), (f64, f64));
type Root<'b> = DrawingArea<BitMapBackend<'b>, Shift>;
type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Render(e.to_string())
    }
}

/// Draws `text` as the figure's title and returns the area below it.
fn title<'b>(root: &Root<'b>, text: &str) -> Result<Root<'b>, PlotError> {
    Ok(root.margin(8, 0, 0, 0).titled(text, (FONT, 26))?)
}

/// Registers the embedded font with plotters, once per process.
fn ensure_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        // Every generic family, so that no default text style lacks a face.
        ["sans-serif", "serif", "monospace"]
            .into_iter()
            .all(|family| register_font(family, FontStyle::Normal, DEJAVU_SANS).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Render(
            "the embedded DejaVu Sans font could not be loaded".into(),
        ))
    }
}

/// Draws on a white 800×600 canvas with `draw` and encodes the result.
///
/// A panic inside plotters is turned into [`PlotError::Render`], so that a
/// figure can never take the training run down with it.
fn render<F>(draw: F) -> Result<Vec<u8>, PlotError>
where
    F: FnOnce(&Root<'_>) -> Result<(), PlotError>,
{
    render_sized(WIDTH, HEIGHT, draw)
}

/// [`render`] on a `width`×`height` canvas.
fn render_sized<F>(width: u32, height: u32, draw: F) -> Result<Vec<u8>, PlotError>
where
    F: FnOnce(&Root<'_>) -> Result<(), PlotError>,
{
    ensure_font()?;
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    let drawn = catch_unwind(AssertUnwindSafe(|| {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok::<(), PlotError>(())
    }));
    match drawn {
        Ok(result) => result?,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            return Err(PlotError::Render(format!("plotting panicked: {what}")));
        }
    }
    encode_png(&buf, width, height)
}

/// Encodes an 8-bit RGB buffer as PNG.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, PlotError> {
    let err = |e: png::EncodingError| PlotError::Encode(e.to_string());
    let mut out = Vec::with_capacity(64 * 1024);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// Axes, tick labels, axis descriptions and a light grid.
fn configure_mesh(chart: &mut Chart<'_, '_>, x_desc: &str, y_desc: &str) -> Result<(), PlotError> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .bold_line_style(GRID_COLOR)
        .light_line_style(TRANSPARENT)
        .x_labels(9)
        .y_labels(8)
        .draw()?;
    Ok(())
}

/// One legend entry per `(label, colour, line width)`, each a line, at the upper right.
fn draw_line_legend<'a, 'b: 'a>(
    chart: &mut Chart<'a, 'b>,
    entries: &[(&str, RGBAColor, u32)],
) -> Result<(), PlotError> {
    if entries.is_empty() {
        return Ok(());
    }
    for &(label, color, width) in entries {
        chart
            .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
            .label(label)
            .legend(move |(x, y)| {
                let y = y - LEGEND_GLYPH_LIFT;
                PathElement::new([(x, y), (x + 24, y)], color.stroke_width(width))
            });
    }
    draw_legend_box(chart)
}

/// Draws the labelled series' legend at the upper right.
fn draw_legend_box<'a, 'b: 'a>(chart: &mut Chart<'a, 'b>) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .margin(12)
        .legend_area_size(34)
        .label_font((FONT, 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// Writes `G_loss= …   D_loss= …` as a subtitle line at the top of `area`, outside the
/// plotting area where it cannot cover data, and returns the area below it.
fn losses_subtitle<'b>(area: &Root<'b>, g_loss: f32, d_loss: f32) -> Result<Root<'b>, PlotError> {
    let text = format!("G_loss= {g_loss:.3}    D_loss= {d_loss:.3}");
    Ok(area.titled(&text, (FONT, 18).into_font().color(&REF_COLOR))?)
}

/// Writes `text` in the middle of the plotting area.
fn draw_centered_note(
    root: &Root<'_>,
    xs: &Range<i32>,
    ys: &Range<i32>,
    text: &str,
) -> Result<(), PlotError> {
    root.draw(&Text::new(
        text,
        ((xs.start + xs.end) / 2, (ys.start + ys.end) / 2),
        TextStyle::from((FONT, 20).into_font())
            .color(&REF_COLOR)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// Draws one curve clipped to `bounds` (a lone point as a dot).
fn draw_curve<C: Color>(
    chart: &mut Chart<'_, '_>,
    points: &[Point],
    bounds: Bounds,
    color: C,
    width: u32,
) -> Result<(), PlotError> {
    if let [p] = points {
        if inside(*p, bounds) {
            let radius = width.max(2) as i32;
            chart.draw_series(std::iter::once(Circle::new(*p, radius, color.filled())))?;
        }
        return Ok(());
    }
    for piece in clip_polyline(points, bounds) {
        draw_thick_path(chart, &piece, color.to_rgba(), width)?;
    }
    Ok(())
}

/// Draws a polyline `width` pixels wide.
///
/// plotters turns a wide polyline into one polygon whose corners shoot far
/// out at sharp turns (as in a noisy loss or an untrained generator's
/// curve), so wide lines are drawn segment by segment with round joints.
/// Only opaque colours stay even where segments overlap.
fn draw_thick_path<C: Color>(
    chart: &mut Chart<'_, '_>,
    points: &[Point],
    color: C,
    width: u32,
) -> Result<(), PlotError> {
    let color = color.to_rgba();
    if width <= 1 {
        if points.len() >= 2 {
            chart.draw_series(std::iter::once(PathElement::new(
                points.to_vec(),
                color.stroke_width(1),
            )))?;
        }
        return Ok(());
    }
    let style = color.stroke_width(width);
    chart.draw_series(
        points
            .windows(2)
            .map(|pair| PathElement::new(pair.to_vec(), style)),
    )?;
    let radius = (width / 2) as i32;
    if radius > 0 && points.len() > 2 {
        chart.draw_series(
            points[1..points.len() - 1]
                .iter()
                .map(|&p| Circle::new(p, radius, color.filled())),
        )?;
    }
    Ok(())
}

/// Whether `p` lies within `bounds` (`(x range, y range)`, inclusive).
fn inside(p: Point, ((x0, x1), (y0, y1)): Bounds) -> bool {
    (x0..=x1).contains(&p.0) && (y0..=y1).contains(&p.1)
}

/// The visible pieces of a polyline inside `bounds` (Liang–Barsky clipping).
fn clip_polyline(points: &[Point], bounds: Bounds) -> Vec<Vec<Point>> {
    let mut pieces = Vec::new();
    let mut current: Vec<Point> = Vec::new();
    for pair in points.windows(2) {
        match clip_segment(pair[0], pair[1], bounds) {
            Some((start, end, start_clipped)) => {
                if start_clipped || current.is_empty() {
                    if current.len() >= 2 {
                        pieces.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(start);
                }
                current.push(end);
            }
            None => {
                if current.len() >= 2 {
                    pieces.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    pieces
}

/// The part of segment `a`–`b` inside `bounds`, and whether its start was
/// moved (so the polyline has to break there).
fn clip_segment(a: Point, b: Point, ((x0, x1), (y0, y1)): Bounds) -> Option<(Point, Point, bool)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - x0),
        (dx, x1 - a.0),
        (-dy, a.1 - y0),
        (dy, y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    let start = if t0 > 0.0 { at(t0) } else { a };
    let end = if t1 < 1.0 { at(t1) } else { b };
    Some((start, end, t0 > 0.0))
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

/// Rejects non-finite values, naming the first one found. With `width > 0`
/// the position is given as row and column of a row-major `[rows * width]`.
fn check_finite(name: &str, values: &[f32], width: usize) -> Result<(), PlotError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => {
            let at = match width {
                0 => format!("{name}[{i}]"),
                2 => format!(
                    "{name} point {} ({})",
                    i / 2,
                    if i % 2 == 0 { "x" } else { "y" }
                ),
                _ => format!("{name} curve {} point {}", i / width, i % width),
            };
            Err(PlotError::BadInput(format!(
                "{at} is {} (of {} values); figures need finite values",
                values[i],
                values.len()
            )))
        }
    }
}

/// The smallest and largest of `values`, or `None` if there are none.
fn min_max<T: Into<f64>>(values: impl IntoIterator<Item = T>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .map(Into::into)
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens `range` by `fraction` of its span on each side; a degenerate or
/// missing range becomes a small one around its value (or `0..1`).
fn padded(range: Option<(f64, f64)>, fraction: f64) -> (f64, f64) {
    padded_with_headroom(range, fraction, fraction)
}

/// Widens `range` by `below` of its span at the bottom and `above` at the
/// top (room for the legend); a degenerate or missing range becomes a small
/// one around its value (or `0..1`).
fn padded_with_headroom(range: Option<(f64, f64)>, below: f64, above: f64) -> (f64, f64) {
    match range {
        None => (0.0, 1.0),
        Some((lo, hi)) => {
            let span = hi - lo;
            if span > 1e-9 * lo.abs().max(hi.abs()) && span > f64::MIN_POSITIVE {
                (lo - below * span, hi + above * span)
            } else {
                let pad = (lo.abs() * 0.1).max(0.5);
                (lo - pad, hi + pad)
            }
        }
    }
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

/// Hundredths of a second each frame of [`evolution_gif`] is shown.
pub const GIF_FRAME_DELAY: u16 = 50;
/// Hundredths of a second the last frame of [`evolution_gif`] is shown.
pub const GIF_LAST_DELAY: u16 = 200;
/// The `gif` crate's quantizer speed (1 best and slowest, 30 fastest): the figures' few flat
/// colours need little care, and a run's end should not wait on its animation.
const GIF_SPEED: i32 = 30;

/// An animated GIF of `figures` (PNG bytes, all of one size) in the given order: one frame
/// each, [`GIF_FRAME_DELAY`] apart, the last held [`GIF_LAST_DELAY`], looping forever. Each
/// frame is quantized to its own palette of up to 256 colours.
///
/// An empty list, a figure that is not a PNG or a size that differs from the first figure's
/// is [`PlotError::BadInput`].
pub fn evolution_gif(figures: &[Vec<u8>]) -> Result<Vec<u8>, PlotError> {
    let frames = figures
        .iter()
        .enumerate()
        .map(|(i, png)| rgba(png).map_err(|e| PlotError::BadInput(format!("figure {i}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(&(width, height, _)) = frames.first() else {
        return Err(PlotError::BadInput("no figures to animate".into()));
    };
    if let Some(i) = frames.iter().position(|f| (f.0, f.1) != (width, height)) {
        return Err(PlotError::BadInput(format!(
            "figure {i} is {}x{}, figure 0 is {width}x{height}",
            frames[i].0, frames[i].1
        )));
    }
    let size = |v: u32| {
        u16::try_from(v).map_err(|_| {
            PlotError::BadInput(format!("{width}x{height} is too large for a GIF frame"))
        })
    };
    let (w, h) = (size(width)?, size(height)?);
    let err = |e: gif::EncodingError| PlotError::Encode(format!("as GIF: {e}"));
    let mut encoder = gif::Encoder::new(Vec::new(), w, h, &[]).map_err(err)?;
    encoder.set_repeat(gif::Repeat::Infinite).map_err(err)?;
    let last = frames.len() - 1;
    for (i, (_, _, mut pixels)) in frames.into_iter().enumerate() {
        let mut frame = gif::Frame::from_rgba_speed(w, h, &mut pixels, GIF_SPEED);
        frame.delay = if i == last {
            GIF_LAST_DELAY
        } else {
            GIF_FRAME_DELAY
        };
        encoder.write_frame(&frame).map_err(err)?;
    }
    encoder.into_inner().map_err(err)
}

/// A PNG's width, height and RGBA pixels.
fn rgba(png: &[u8]) -> Result<(u32, u32, Vec<u8>), String> {
    let mut decoder = png::Decoder::new(png);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    buf.truncate(info.buffer_size());
    let pixels = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        png::ColorType::GrayscaleAlpha => buf
            .chunks_exact(2)
            .flat_map(|p| [p[0], p[0], p[0], p[1]])
            .collect(),
        other => return Err(format!("unexpected PNG colour type {other:?}")),
    };
    Ok((info.width, info.height, pixels))
}
