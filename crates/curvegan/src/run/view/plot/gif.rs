//! The evolution of a run as an animation ([`evolution_gif`]): its step figures, PNGs, as the
//! frames of a looping GIF.

use crate::error::PlotError;

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
