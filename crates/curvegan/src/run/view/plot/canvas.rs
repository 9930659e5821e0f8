//! The canvas every figure is drawn on: its size, the embedded font, the palette, the PNG
//! encoding, titles, the mesh of axes (their ticks in `axis`), notes, and the ranges and
//! numbers written on them.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontStyle};

use crate::error::PlotError;
use crate::run::view::plot::axis::Axis;

/// Width of every figure, in pixels.
pub(super) const WIDTH: u32 = 800;
/// Height of every figure, in pixels.
pub(super) const HEIGHT: u32 = 600;

/// The embedded font, registered with plotters under the generic family names.
static DEJAVU_SANS: &[u8] = include_bytes!("../../../../assets/DejaVuSans.ttf");
/// Font family used for all text.
pub(super) const FONT: &str = "sans-serif";

/// Colour of real curves and points (the tutorial's `#74BCFF`).
pub(super) const REAL_COLOR: RGBColor = RGBColor(0x74, 0xBC, 0xFF);
/// Colour of generated curves and points (the tutorial's `#4AD631`).
pub(super) const GEN_COLOR: RGBColor = RGBColor(0x4A, 0xD6, 0x31);
/// Colour of generated curves over a band of real curves (a red that stands out on blue).
pub(super) const GEN_ON_BAND_COLOR: RGBColor = RGBColor(0xD6, 0x27, 0x28);
/// Colour of the mode centres' crosses in the scatter figure.
pub(super) const CENTRE_COLOR: RGBColor = RGBColor(0x20, 0x20, 0x20);
/// Colour of the discriminator's loss in the losses figure.
pub(super) const D_LOSS_COLOR: RGBColor = RGBColor(0x1F, 0x77, 0xB4);
/// Colour of the generator's loss in the losses figure.
pub(super) const G_LOSS_COLOR: RGBColor = RGBColor(0xE3, 0x6C, 0x0A);
/// Colour of the dashed reference lines and their labels.
pub(super) const REF_COLOR: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Colour of warnings written on a figure.
pub(super) const WARN_COLOR: RGBColor = RGBColor(0xB0, 0x00, 0x20);
/// Colour of the background grid.
pub(super) const GRID_COLOR: RGBColor = RGBColor(0xE6, 0xE6, 0xE6);

/// Width of the prominent curves, in pixels (the tutorial's `lw=3`).
pub(super) const THICK: u32 = 3;
/// Fraction of the data's span left free above fitted data, where a legend fits
/// (a legend is about 15% of the plot's height).
pub(super) const LEGEND_HEADROOM: f64 = 0.22;
/// Length of the tick marks, in pixels; tick labels stand twice this far from the axis.
const TICK: u32 = 5;

/// A point in data coordinates.
pub(super) type Point = (f64, f64);
/// The visible data region: `(x range, y range)`.
pub(super) type Bounds = ((f64, f64), (f64, f64));
pub(super) type Root<'b> = DrawingArea<BitMapBackend<'b>, Shift>;
pub(super) type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<Axis, Axis>>;

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError::Render(e.to_string())
    }
}

/// Draws `text` as the figure's title and returns the area below it.
pub(super) fn title<'b>(root: &Root<'b>, text: &str) -> Result<Root<'b>, PlotError> {
    Ok(root.margin(8, 0, 0, 0).titled(text, (FONT, 26))?)
}

/// The title of a figure of the run `run` (its folder's name, may be empty) showing `what`:
/// `train-0003 — losses`, or `Losses` without a run.
pub(super) fn run_title(run: &str, what: &str) -> String {
    let mut chars = what.chars();
    match (run.is_empty(), chars.next()) {
        (true, Some(first)) => first.to_uppercase().chain(chars).collect(),
        _ => format!("{run} — {what}"),
    }
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
pub(super) fn render<F>(draw: F) -> Result<Vec<u8>, PlotError>
where
    F: FnOnce(&Root<'_>) -> Result<(), PlotError>,
{
    render_sized(WIDTH, HEIGHT, draw)
}

/// [`render`] on a `width`×`height` canvas.
pub(super) fn render_sized<F>(width: u32, height: u32, draw: F) -> Result<Vec<u8>, PlotError>
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

/// Axes, tick labels (the axes' own: [`Axis`]), axis descriptions and a light grid, with
/// text of `label_px` and `desc_px` pixels.
pub(super) fn draw_mesh(
    chart: &mut Chart<'_, '_>,
    (x_desc, y_desc): (&str, &str),
    (label_px, desc_px): (u32, u32),
) -> Result<(), PlotError> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, label_px))
        .axis_desc_style((FONT, desc_px))
        .bold_line_style(GRID_COLOR)
        .light_line_style(TRANSPARENT)
        .set_all_tick_mark_size(TICK)
        .draw()?;
    Ok(())
}

/// [`draw_mesh`] with the step figures' text sizes.
pub(super) fn configure_mesh(
    chart: &mut Chart<'_, '_>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), PlotError> {
    draw_mesh(chart, (x_desc, y_desc), (16, 18))
}

/// The width of the y label area that holds `y`'s tick labels (`label_px` pixels high) and,
/// left of them, the axis description `desc` (`desc_px` pixels, turned upright) without the
/// two touching, however wide the labels are (`2000`, `-0.0025`).
pub(super) fn y_label_area(y: &Axis, label_px: u32, desc: &str, desc_px: u32) -> u32 {
    // plotters writes the labels 2 ticks from the axis and the description at the area's edge.
    let desc_width = if desc.is_empty() {
        0
    } else {
        desc_px * 5 / 4 + 6
    };
    y.label_width(&(FONT, label_px).into_font()) + 2 * TICK + desc_width + 6
}

/// Writes `G_loss= …   D_loss= …` as a subtitle line at the top of `area`, outside the
/// plotting area where it cannot cover data, and returns the area below it.
pub(super) fn losses_subtitle<'b>(
    area: &Root<'b>,
    g_loss: f32,
    d_loss: f32,
) -> Result<Root<'b>, PlotError> {
    let text = format!("G_loss= {g_loss:.3}    D_loss= {d_loss:.3}");
    Ok(area.titled(&text, (FONT, 18).into_font().color(&REF_COLOR))?)
}

/// Writes `text` in the middle of the plotting area.
pub(super) fn draw_centered_note(
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

/// Writes `text` in the warning colour at the lower left of `root`, under the x axis.
pub(super) fn draw_corner_note(root: &Root<'_>, text: &str) -> Result<(), PlotError> {
    let (_, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        text.to_string(),
        (8, h as i32 - 3),
        TextStyle::from((FONT, 14).into_font())
            .color(&WARN_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))?;
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
pub(super) fn significant(value: f64, digits: usize) -> String {
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

/// Rejects non-finite values, naming the first one found. With `width > 0`
/// the position is given as row and column of a row-major `[rows * width]`.
pub(super) fn check_finite(name: &str, values: &[f32], width: usize) -> Result<(), PlotError> {
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
pub(super) fn min_max<T: Into<f64>>(values: impl IntoIterator<Item = T>) -> Option<(f64, f64)> {
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
pub(super) fn padded(range: Option<(f64, f64)>, fraction: f64) -> (f64, f64) {
    padded_with_headroom(range, fraction, fraction)
}

/// Widens `range` by `below` of its span at the bottom and `above` at the
/// top (room for the legend); a degenerate or missing range becomes a small
/// one around its value (or `0..1`).
pub(super) fn padded_with_headroom(
    range: Option<(f64, f64)>,
    below: f64,
    above: f64,
) -> (f64, f64) {
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
