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
//!   data, and a legend ("Real Curve", "Generated Curve (first)", "Other
//!   generated samples") where it covers the fewest curve pixels. The y axis
//!   keeps a preferred range (the tutorial's 0–3) while every real curve fits in
//!   it and widens with a margin when one leaves it ([`curve_y_range`]); the
//!   generated curves never move it (those beyond it are cut at its edge, and a
//!   note says so), so a run's step figures share their axes. A single real curve is
//!   drawn as a thick line; a family of real curves as a pale min–max band
//!   with light thin lines, the generated curves then in red (`#D62728`) on
//!   top. The first generated curve is drawn thick, any others thin and
//!   semi-transparent beneath it.
//! * [`losses_png`] — the run's name in the title; the discriminator's and the generator's losses against
//!   the training step, with dashed, labelled horizontal reference lines such
//!   as `ln 2` and `2 ln 2` (where the losses of a balanced GAN settle;
//!   [`loss_references`] gives them for a loss kind).
//! * [`metrics_png`] — every evaluation metric over the steps, one panel each,
//!   the run's name in the title: log scale for positive values spanning more
//!   than a factor of 20 (ticked at the decades), an axis that the first
//!   evaluation's outlier does not stretch, and the metric's known true value
//!   (a dashed line) and largest value on it.
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
//!
//! One file per figure: `curves` ([`curves_png`], [`curve_y_range`]), `points`
//! ([`scatter_png`]), `history` ([`losses_png`], [`metrics_png`], [`decimate`]), `gif`
//! ([`evolution_gif`]); what they share in `canvas` (size, font, palette, PNG encoding,
//! titles, the mesh, ranges, [`step_title`]), `axis` (ticks and their shortest exact labels:
//! `2000`, not `2000.0`; log ticks at the decades), `legend` (a legend placed where the data
//! is not) and `lines` (clipped and wide lines).

mod axis;
mod canvas;
mod curves;
mod gif;
mod history;
mod legend;
mod lines;
mod points;

pub use crate::error::PlotError;
pub use crate::run::view::plot::canvas::step_title;
pub use crate::run::view::plot::curves::{curve_y_range, curves_png, CurveFigure};
pub use crate::run::view::plot::gif::{evolution_gif, GIF_FRAME_DELAY, GIF_LAST_DELAY};
pub use crate::run::view::plot::history::{
    decimate, loss_references, losses_png, metrics_png, LossFigure, MetricsFigure,
};
pub use crate::run::view::plot::points::{scatter_png, ScatterFigure};
