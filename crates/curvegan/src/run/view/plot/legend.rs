//! Legends, placed where the data is not: the box goes to the corner of the plot (or, failing
//! that, the middle of an edge) that covers the fewest of the plotted lines' and points'
//! pixels, the upper right when several cover none.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::run::view::plot::canvas::{Chart, Point, FONT};
use crate::run::view::plot::lines::{clip_polyline, inside};

/// Font size of the legend's labels, in pixels.
const LABEL_PX: u32 = 18;
/// Space between the box's border and its content, in pixels.
const PADDING: i32 = 12;
/// Width of the space for an entry's symbol, in pixels.
const SYMBOL_AREA: i32 = 34;
/// Distance between the box and the plot's edge, in pixels.
const INSET: i32 = 5;
/// A plotted pixel this close to the box counts as covered by it.
const CLEARANCE: i32 = 3;

/// What a legend entry shows beside its label.
#[derive(Debug, Clone, Copy)]
pub(super) enum Symbol {
    /// A line of this colour and width.
    Line(RGBAColor, u32),
    /// A filled dot of this colour.
    Dot(RGBAColor),
    /// A cross of this colour.
    Cross(RGBAColor),
}

/// What a legend must not cover: polylines and single points, in data coordinates.
#[derive(Debug, Default)]
pub(super) struct Plotted {
    /// Polylines, each drawn as connected segments.
    pub lines: Vec<Vec<Point>>,
    /// Points drawn alone (markers).
    pub points: Vec<Point>,
}

/// A legend box in plotting-area pixels: left, top, width, height.
type Boxed = (i32, i32, i32, i32);

/// Draws a legend of `entries` in `chart`'s plotting area where it covers the fewest pixels
/// of `plotted` ([`place`]) and returns its box in backend pixels (left, top, right, bottom).
pub(super) fn draw_legend(
    chart: &Chart<'_, '_>,
    entries: &[(&str, Symbol)],
    plotted: &Plotted,
) -> Result<Option<(i32, i32, i32, i32)>, PlotError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let font = (FONT, LABEL_PX).into_font();
    let line_height = (f64::from(LABEL_PX) * 1.25).round() as i32;
    let text_width = (entries.iter())
        .map(|(label, _)| font.box_size(label).map_or(0, |(w, _)| w as i32))
        .max()
        .unwrap_or(0);
    let size = (
        2 * PADDING + SYMBOL_AREA + text_width,
        2 * PADDING + line_height * entries.len() as i32 - (line_height - LABEL_PX as i32),
    );
    let area = chart.plotting_area();
    let (xs, ys) = area.get_pixel_range();
    let samples = pixels(chart, plotted, (xs.start, ys.start));
    let (left, top, w, h) = place(size, (xs.end - xs.start, ys.end - ys.start), &samples);
    let pane = area.strip_coord_spec();
    pane.draw(&Rectangle::new(
        [(left, top), (left + w, top + h)],
        WHITE.mix(0.85).filled(),
    ))?;
    pane.draw(&Rectangle::new(
        [(left, top), (left + w, top + h)],
        BLACK.mix(0.3),
    ))?;
    let style = TextStyle::from(font).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, symbol)) in entries.iter().enumerate() {
        let y = top + PADDING + LABEL_PX as i32 / 2 + i as i32 * line_height;
        let x = left + PADDING;
        match *symbol {
            Symbol::Line(color, width) => pane.draw(&PathElement::new(
                [(x, y), (x + 24, y)],
                color.stroke_width(width),
            ))?,
            Symbol::Dot(color) => pane.draw(&Circle::new((x + 10, y), 5, color.filled()))?,
            Symbol::Cross(color) => pane.draw(&Cross::new((x + 10, y), 6, color))?,
        }
        pane.draw(&Text::new(*label, (x + SYMBOL_AREA, y), style.clone()))?;
    }
    Ok(Some((
        xs.start + left,
        ys.start + top,
        xs.start + left + w,
        ys.start + top + h,
    )))
}

/// The pixels of `plotted` inside the plot, relative to the plotting area's corner `origin`:
/// every point, and the lines' visible pieces sampled every 2 pixels along each segment.
fn pixels(chart: &Chart<'_, '_>, plotted: &Plotted, origin: (i32, i32)) -> Vec<(i32, i32)> {
    let (x, y) = (chart.x_range(), chart.y_range());
    let bounds = ((x.start, x.end), (y.start, y.end));
    let px = |p: &Point| {
        let (x, y) = chart.backend_coord(p);
        (x - origin.0, y - origin.1)
    };
    let visible = |p: &&Point| inside(**p, bounds);
    let mut out: Vec<(i32, i32)> = plotted.points.iter().filter(visible).map(px).collect();
    let pieces = (plotted.lines.iter()).flat_map(|line| match line.as_slice() {
        [single] => vec![vec![*single]],
        _ => clip_polyline(line, bounds),
    });
    for piece in pieces {
        let mapped: Vec<(i32, i32)> = piece.iter().filter(visible).map(px).collect();
        if let [single] = mapped.as_slice() {
            out.push(*single);
        }
        for pair in mapped.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
            let steps = ((dx.abs().max(dy.abs()) / 2.0).ceil() as usize).max(1);
            out.extend((0..=steps).map(|s| {
                let t = s as f64 / steps as f64;
                (a.0 + (t * dx).round() as i32, a.1 + (t * dy).round() as i32)
            }));
        }
    }
    out
}

/// The box of `size` in a plotting area of `area` pixels that covers the fewest of `samples`:
/// the four corners first (upper right, upper left, lower right, lower left), then the
/// middles of the edges; the first of the least covered.
fn place(size: (i32, i32), area: (i32, i32), samples: &[(i32, i32)]) -> Boxed {
    let (w, h) = size;
    let (right, bottom) = (area.0 - w - INSET, area.1 - h - INSET);
    let (centre, middle) = ((area.0 - w) / 2, (area.1 - h) / 2);
    let candidates = [
        (right, INSET),
        (INSET, INSET),
        (right, bottom),
        (INSET, bottom),
        (centre, INSET),
        (centre, bottom),
        (right, middle),
        (INSET, middle),
    ];
    let covered = |&(left, top): &(i32, i32)| {
        let (x0, y0) = (left - CLEARANCE, top - CLEARANCE);
        let (x1, y1) = (left + w + CLEARANCE, top + h + CLEARANCE);
        (samples.iter())
            .filter(|&&(x, y)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y))
            .count()
    };
    let best = (candidates.iter())
        .min_by_key(|c| covered(c))
        .copied()
        .unwrap_or((right, INSET));
    (best.0, best.1, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_legend_goes_to_the_first_corner_without_data() {
        let area = (700, 450);
        let size = (200, 80);
        // Nothing plotted: the upper right.
        assert_eq!(place(size, area, &[]), (495, 5, 200, 80));
        // A curve ending at the upper right: the upper left.
        let end: Vec<(i32, i32)> = (600..700).map(|x| (x, 20)).collect();
        assert_eq!(place(size, area, &end).0, 5);
        // Both upper corners taken (the tutorial's parabola): the lower right.
        let ends: Vec<(i32, i32)> = (0..100).chain(600..700).map(|x| (x, 20)).collect();
        assert_eq!(place(size, area, &ends), (495, 365, 200, 80));
    }
}
