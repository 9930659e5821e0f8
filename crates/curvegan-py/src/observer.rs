//! The Python side of a training run: an [`Observer`] that calls the user's callback and hears
//! Ctrl-C, taking the GIL only for that, while the run trains without it.
//!
//! `callback(step, stats)` is called after every step that is a multiple of `every` (the
//! evaluation at that step done) and after the last step. `stats` is a dict: `d_loss`,
//! `g_loss`, `d_real`, `d_fake` (the step's row of `metrics.csv`), then every metric of an
//! evaluation at that step by its name (`mse_to_target`, …). Returning `False` (exactly, not
//! `None`) stops the run at a checkpoint, as Ctrl-C does; an exception stops it the same way
//! and is raised once the checkpoint is saved. Between calls, Python's signal handlers run
//! every [`SIGNAL_CHECK`]: Ctrl-C (or a notebook's interrupt) stops the run at a checkpoint
//! and raises `KeyboardInterrupt`.

use std::path::Path;
use std::time::{Duration, Instant};

use curvegan::eval::catalogue::Scores;
use curvegan::gan::step::StepStats;
use curvegan::{Error, Observer};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// How often, at most, Python's signal handlers run during training (each time takes the
/// GIL once).
pub const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// The callback's period without `every`: the run's evaluation period (its metrics then are
/// in every call's stats), or 1000 steps for a run that evaluates only at its end.
pub const DEFAULT_EVERY: usize = 1000;

/// `every` as given, else the run's `eval_every` (else [`DEFAULT_EVERY`]); 0 is refused.
pub fn every(every: Option<usize>, eval_every: usize) -> curvegan::Result<usize> {
    match every {
        Some(0) => Err(Error::config("every", "must be at least 1, got 0")),
        Some(n) => Ok(n),
        None if eval_every > 0 => Ok(eval_every),
        None => Ok(DEFAULT_EVERY),
    }
}

/// Why the run was asked to stop.
enum Stop {
    /// The callback returned `False`.
    Callback,
    /// Ctrl-C: Python's handler raised `KeyboardInterrupt`.
    Interrupt,
    /// An exception to raise once the run has stopped: the callback's, or a signal handler's.
    Raised(PyErr),
}

/// The observer of a run trained from Python: the last step's numbers, the callback, the stop.
pub struct Watcher {
    callback: Option<Py<PyAny>>,
    every: usize,
    /// The last step trained, its row and the metrics of an evaluation at it.
    step: Option<usize>,
    stats: StepStats,
    metrics: Vec<(String, f64)>,
    /// The last step the callback was called after.
    called: Option<usize>,
    stop: Option<Stop>,
    checked: Instant,
}

impl Watcher {
    /// A watcher calling `callback` every `every` steps.
    pub fn new(callback: Option<Py<PyAny>>, every: usize) -> Watcher {
        Watcher {
            callback,
            every,
            step: None,
            stats: StepStats::default(),
            metrics: Vec::new(),
            called: None,
            stop: None,
            checked: Instant::now(),
        }
    }

    /// Calls the callback with the last step's numbers (the GIL held); its answer may stop the
    /// run.
    fn call(&mut self, py: Python<'_>) {
        let (Some(callback), Some(step)) = (&self.callback, self.step) else {
            return;
        };
        self.called = Some(step);
        let answer = stats_dict(py, &self.stats, &self.metrics)
            .and_then(|stats| callback.bind(py).call1((step, stats)));
        match answer {
            Ok(value) => {
                // Exactly False: a callback that logs (returning None) never stops the run.
                if value.is(pyo3::types::PyBool::new(py, false)) {
                    self.stop = Some(Stop::Callback);
                }
            }
            Err(e) => self.stop = Some(Stop::Raised(e)),
        }
    }

    /// The callback after the run's last step, unless it was called there already (a run that
    /// has ended cannot stop: its answer is ignored, an exception it raises is raised).
    pub fn last_call(&mut self, py: Python<'_>) -> PyResult<()> {
        if self.step.is_some() && self.called != self.step {
            self.call(py);
        }
        match self.stop.take() {
            Some(Stop::Raised(e)) => Err(e),
            _ => Ok(()),
        }
    }

    /// The exception that stopped the run (the callback's, or a signal handler's other than
    /// `KeyboardInterrupt`), if one did.
    pub fn raised(&mut self) -> Option<PyErr> {
        match self.stop.take() {
            Some(Stop::Raised(e)) => Some(e),
            other => {
                self.stop = other;
                None
            }
        }
    }

    /// True if Ctrl-C stopped the run.
    pub fn interrupted(&self) -> bool {
        matches!(self.stop, Some(Stop::Interrupt))
    }
}

impl Observer for Watcher {
    fn on_start(&mut self, _dir: &Path) {
        self.checked = Instant::now();
    }

    fn on_step(&mut self, step: usize, stats: &StepStats) {
        self.step = Some(step);
        self.stats = *stats;
        self.metrics.clear();
    }

    fn on_eval(&mut self, eval: &Scores) {
        self.metrics = eval.metrics.clone();
    }

    fn should_stop(&mut self) -> bool {
        let due = self.step.is_some_and(|s| s.is_multiple_of(self.every));
        if self.callback.is_some() && due && self.stop.is_none() {
            Python::attach(|py| self.call(py));
        }
        if self.stop.is_none() && self.checked.elapsed() >= SIGNAL_CHECK {
            self.checked = Instant::now();
            self.stop = Python::attach(|py| match py.check_signals() {
                Ok(()) => None,
                Err(e) if e.is_instance_of::<PyKeyboardInterrupt>(py) => Some(Stop::Interrupt),
                // Another handler's exception (one the user installed), raised as it is.
                Err(e) => Some(Stop::Raised(e)),
            });
        }
        self.stop.is_some()
    }
}

/// `{"d_loss": …, "g_loss": …, "d_real": …, "d_fake": …, metric: value, …}`: the values of
/// the step's row of `metrics.csv`, as Python reads that file.
fn stats_dict<'py>(
    py: Python<'py>,
    stats: &StepStats,
    metrics: &[(String, f64)],
) -> PyResult<Bound<'py, PyDict>> {
    // An f32 by its shortest decimal, as metrics.csv writes it: the float pandas reads there.
    let csv = |v: f32| v.to_string().parse::<f64>().unwrap_or(f64::NAN);
    let dict = PyDict::new(py);
    dict.set_item("d_loss", csv(stats.d_loss))?;
    dict.set_item("g_loss", csv(stats.g_loss))?;
    dict.set_item("d_real", csv(stats.d_real))?;
    dict.set_item("d_fake", csv(stats.d_fake))?;
    for (name, value) in metrics {
        dict.set_item(name, value)?;
    }
    Ok(dict)
}
