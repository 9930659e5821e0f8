//! The step figure from its numbers: a [`Figure`] (as the training loop builds it once per
//! step, and as `live.json` holds it) drawn as the tutorial's figure of curves or a scatter of
//! a 2-D set's points, for `step_*.png` and the live view.

use crate::error::Result;
use crate::run::store::live_json::{Figure, Snapshot};
use crate::run::view::plot::{self, CurveFigure, ScatterFigure};

impl Figure {
    /// The figure as a PNG (the tutorial's figure, or a scatter), titled with the run's name,
    /// the step and its main metric, both losses under the title.
    pub fn png(
        &self,
        run: &str,
        step: usize,
        metric: Option<(&str, f64)>,
        g_loss: f32,
        d_loss: f32,
    ) -> Result<Vec<u8>> {
        Ok(match self {
            Figure::Curves {
                x,
                real,
                generated,
                y_range,
                channels,
            } => plot::curves_png(&CurveFigure {
                x,
                real,
                generated,
                run,
                step,
                metric,
                g_loss,
                d_loss,
                y_range: *y_range,
                channels: *channels,
            })?,
            Figure::Points {
                real,
                generated,
                centres,
            } => plot::scatter_png(&ScatterFigure {
                real,
                generated,
                centres,
                run,
                step,
                metric,
                g_loss,
                d_loss,
            })?,
        })
    }
}

impl Snapshot {
    /// The step figure of this snapshot as a PNG (the tutorial's figure, or a scatter).
    pub fn figure_png(&self) -> Result<Vec<u8>> {
        let metric = self.evaluations.latest().first().copied();
        let (g_loss, d_loss) = (self.last.g_loss, self.last.d_loss);
        let png = self
            .figure
            .png(&self.run, self.step, metric, g_loss, d_loss)?;
        Ok(png)
    }
}
