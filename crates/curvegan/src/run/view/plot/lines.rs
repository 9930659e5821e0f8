//! Lines on a chart: a curve clipped to the visible region (Liang–Barsky), and polylines
//! wider than a pixel drawn segment by segment with round joints.

use plotters::prelude::*;

use crate::error::PlotError;
use crate::run::view::plot::canvas::{Bounds, Chart, Point};

/// Draws one curve clipped to `bounds` (a lone point as a dot).
pub(super) fn draw_curve<C: Color>(
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
pub(super) fn draw_thick_path<C: Color>(
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
pub(super) fn inside(p: Point, ((x0, x1), (y0, y1)): Bounds) -> bool {
    (x0..=x1).contains(&p.0) && (y0..=y1).contains(&p.1)
}

/// The visible pieces of a polyline inside `bounds` (Liang–Barsky clipping).
pub(super) fn clip_polyline(points: &[Point], bounds: Bounds) -> Vec<Vec<Point>> {
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
