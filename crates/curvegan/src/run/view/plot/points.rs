//! The scatter figure of a 2-D data set ([`scatter_png`]): real and generated points on equal
//! scales, the modes' centres as crosses.

use plotters::prelude::*;

use crate::error::PlotError;
use crate::run::view::plot::axis::Axis;
use crate::run::view::plot::canvas::{
    check_finite, configure_mesh, draw_corner_note, losses_subtitle, min_max, padded, render,
    step_title, title, y_label_area, CENTRE_COLOR, GEN_COLOR, REAL_COLOR,
};
use crate::run::view::plot::legend::{draw_legend, Plotted, Symbol};

/// At most this many points of each kind are drawn in the scatter figure.
const MAX_SCATTER_POINTS: usize = 20_000;

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
/// Both axes use the same scale, so a ring stays round. The ranges fit the real points and
/// the centres (the generated points only when there are neither), so that a run's step
/// figures share their axes; generated points beyond them are left out, and the figure says
/// how many. Real points are drawn first, generated points semi-transparent over them (so
/// real modes show through), and mode centres as dark crosses on top. At most 20 000 points
/// of each kind are drawn (the first ones). The legend goes where it covers the fewest points.
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
    let fixed: Vec<(f64, f64)> = real.iter().chain(&centres).copied().collect();
    let fitted = if fixed.is_empty() { &generated } else { &fixed };
    let x_data = padded(min_max(fitted.iter().map(|p| p.0)), 0.08);
    let y_data = padded(min_max(fitted.iter().map(|p| p.1)), 0.08);

    render(|root| {
        let area = title(root, &step_title(fig.run, fig.step, fig.metric))?;
        let area = losses_subtitle(&area, fig.g_loss, fig.d_loss)?;
        let (margin, x_label) = (15u32, 45u32);
        // The y labels' width depends on the range, which depends on that width: two rounds.
        let y_label = y_label_area(&Axis::linear(y_data, 8), 16, "y", 18) + 4;
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

        let (x_axis, y_axis) = (Axis::linear(x_range, 9), Axis::linear(y_range, 8));
        let mut chart = ChartBuilder::on(&area)
            .margin(margin)
            .x_label_area_size(x_label)
            .y_label_area_size(y_label)
            .build_cartesian_2d(x_axis, y_axis)?;
        configure_mesh(&mut chart, "x", "y")?;
        let inside = |p: &&(f64, f64)| {
            (x_range.0..=x_range.1).contains(&p.0) && (y_range.0..=y_range.1).contains(&p.1)
        };
        let shown: Vec<(f64, f64)> = generated.iter().filter(inside).copied().collect();
        chart.draw_series(real.iter().map(|&p| Circle::new(p, 3, REAL_COLOR.filled())))?;
        chart.draw_series(
            shown
                .iter()
                .map(|&p| Circle::new(p, 3, GEN_COLOR.mix(0.3).filled())),
        )?;
        let cross = CENTRE_COLOR.stroke_width(1);
        chart.draw_series(centres.iter().map(|&p| Cross::new(p, 5, cross)))?;

        let mut legend = Vec::new();
        if !real.is_empty() {
            legend.push(("Real Data", Symbol::Dot(REAL_COLOR.to_rgba())));
        }
        if !generated.is_empty() {
            legend.push(("Generated Data", Symbol::Dot(GEN_COLOR.mix(0.3))));
        }
        if !centres.is_empty() {
            legend.push(("Mode centres", Symbol::Cross(CENTRE_COLOR.to_rgba())));
        }
        let plotted = Plotted {
            lines: Vec::new(),
            points: real.iter().chain(&shown).chain(&centres).copied().collect(),
        };
        draw_legend(&chart, &legend, &plotted)?;
        let left_out = generated.len() - shown.len();
        if left_out > 0 {
            let text = format!("{left_out} generated point(s) beyond the axes, not drawn");
            draw_corner_note(root, &text)?;
        }
        Ok(())
    })
}
