//! What the training loop shows of a step: the step figure's data, built once per step from
//! the trainer and handed both to `step_*.png` ([`crate::run::view::step`]) and to the live
//! snapshot, `live.json` ([`crate::run::store::live_json`]).

use std::path::{Path, PathBuf};

use crate::config::TrainConfig;
use crate::error::Result;
use crate::gan::loss::LossKind;
use crate::gan::noise::Stream;
use crate::run::store::files::{self, write_atomic, Dir};
use crate::run::store::live_json::{
    Evaluations, Figure, History, LossPoint, Snapshot, Timing, FORMAT, POINTS, REAL_CURVES, SHOWN,
};
use crate::run::store::metrics_csv::Row;
use crate::run::store::run_json::Status;
use crate::run::train::trainer::Trainer;
use crate::run::view::plot::{self, LossFigure};

/// The step figure of `trainer` now, in numbers, in the data's units: the real curve (or a band
/// of [`REAL_CURVES`] real curves) and the last step's first [`SHOWN`] fakes for a curve
/// target, `points` real and as many generated points for a 2-D set ([`POINTS`] in
/// `live.json`, [`FIGURE_POINTS`](crate::run::store::live_json::FIGURE_POINTS) in `step_*.png`). Draws from the figures' random stream only,
/// so it never changes training: the one place the step figure's data is made.
pub fn step_figure(trainer: &mut Trainer, points: usize) -> Result<Figure> {
    let config = trainer.config().clone();
    let target = trainer.target().clone();
    let n = target.dim();
    let mut rng = Stream::Figures.rng(config.seed);
    Ok(if target.is_curve() {
        let real = match target.fixed_curve() {
            Some(curve) => curve.to_vec(),
            None => {
                let mut buf = vec![0.0; REAL_CURVES * n];
                target.draw_shown(&mut rng, &mut buf)?;
                buf
            }
        };
        let fake = trainer.last_fake();
        let mut generated = fake[..fake.len().min(SHOWN * n)].to_vec();
        target.to_data_units(&mut generated);
        let tutorial = target.fixed_curve().is_some() && config.target == Default::default();
        Figure::Curves {
            x: target.x()[..target.points()].to_vec(),
            real,
            generated,
            y_range: tutorial.then_some((0.0, 3.0)),
            channels: target.channels(),
        }
    } else {
        let mut real = vec![0.0; points * n];
        target.draw_shown(&mut rng, &mut real)?;
        Figure::Points {
            real,
            generated: trainer.generate(points, &mut rng)?,
            centres: target.modes().map_or(Vec::new(), |(c, _)| c.to_vec()),
        }
    })
}

/// `figure` as a snapshot holds it: a 2-D set's first [`POINTS`] real and generated points
/// (a step figure has more); a curve target's as it is.
pub fn for_snapshot(figure: &Figure) -> Figure {
    match figure {
        Figure::Points {
            real,
            generated,
            centres,
        } => Figure::Points {
            real: real[..real.len().min(POINTS * 2)].to_vec(),
            generated: generated[..generated.len().min(POINTS * 2)].to_vec(),
            centres: centres.clone(),
        },
        curves => curves.clone(),
    }
}

impl Snapshot {
    /// The snapshot of the run of `config` in `dir` after step `step`, with the step figure's
    /// data `figure` ([`for_snapshot`]).
    #[allow(clippy::too_many_arguments)]
    pub fn of(
        config: &TrainConfig,
        figure: Figure,
        dir: &Path,
        step: usize,
        status: Status,
        timing: Timing,
        history: &History,
        evaluations: Evaluations,
    ) -> Snapshot {
        let elapsed_s = timing.elapsed.as_secs_f64();
        let last = history.points.last().copied().unwrap_or_default();
        Snapshot {
            format: FORMAT.to_string(),
            run: run_name(dir),
            step,
            steps: config.steps,
            elapsed_s,
            steps_per_s: match elapsed_s > 0.0 {
                true => timing.trained as f64 / elapsed_s,
                false => 0.0,
            },
            status,
            last: LossPoint { step, ..last },
            history: history.clone(),
            references: (plot::loss_references(config.loss).into_iter())
                .map(|(label, v)| (label.to_string(), v))
                .collect(),
            d_reference: config.loss.equilibrium().d_output.map(|(v, _)| v),
            evaluations,
            figure,
        }
    }

    /// Writes [`Snapshot::figure_png`] to `dir` as `live_step_NNNNN.png` ([`files::live_figure`]),
    /// atomically; returns its path.
    pub fn save_figure(&self, dir: &Path) -> Result<PathBuf> {
        let path = dir.join(files::live_figure(self.step));
        write_atomic(&path, &self.figure_png()?)?;
        Ok(path)
    }
}

/// The name of the run folder `dir`, as figures show it.
pub fn run_name(dir: &Path) -> String {
    (dir.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `losses.png` of the run in `dir` from its `rows`, with the reference lines of `loss`.
pub fn losses_png(rows: &[Row], loss: LossKind, dir: &Dir) -> Result<Vec<u8>> {
    let steps: Vec<usize> = (0..rows.len()).collect();
    let d_loss: Vec<f32> = rows.iter().map(|r| r.stats.d_loss).collect();
    let g_loss: Vec<f32> = rows.iter().map(|r| r.stats.g_loss).collect();
    let references = plot::loss_references(loss);
    Ok(plot::losses_png(&LossFigure {
        run: &run_name(dir.root()),
        steps: &steps,
        d_loss: &d_loss,
        g_loss: &g_loss,
        references: &references,
    })?)
}
