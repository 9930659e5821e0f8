//! The extension module `curvegan._curvegan` (may use: the library, PyO3): curvegan's library
//! for Python, which the package `curvegan` (`python/curvegan/`) wraps with numpy and pandas.
//!
//! - [`train`] and [`resume`]: a run trained with the GIL released, as `curvegan train` and
//!   `curvegan resume` train it (the same files, byte for byte), with a Python callback every
//!   `every` steps (`observer.rs`) and Ctrl-C checked between steps;
//! - [`load`] and [`Run`]: a run folder's generator (a finished run's, else its last
//!   checkpoint's, as `curvegan sample` picks it), sampled and scored;
//! - [`CurveganError`]: every error of the library, with its message (and its config key).
//!
//! Keyword arguments become config keys in `settings.rs`.

use std::path::PathBuf;

use curvegan::run::store::files;
use curvegan::run::store::run_json::{Label, RunRecord};
use curvegan::{Error, Output};
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

mod observer;
mod run;
mod settings;

pub use observer::Watcher;
pub use run::Run;

pyo3::create_exception!(
    curvegan,
    CurveganError,
    PyValueError,
    "An error of curvegan, with the library's message: bad input (a config key's value, a \
     file) or a failure (a write, a divergence). `key` is the config key it names, if any."
);

/// `e` as a Python exception: [`CurveganError`] with the library's message, its `key`
/// attribute the config key of a [`Error::Config`] (else `None`).
pub fn to_py(e: Error) -> PyErr {
    let key = match &e {
        Error::Config { key, .. } => Some(key.clone()),
        _ => None,
    };
    let err = CurveganError::new_err(e.to_string());
    Python::attach(|py| {
        // Setting an attribute on a fresh exception object cannot fail in practice; the
        // message matters more than the key, so a failure is ignored.
        let _ = err.value(py).setattr("key", key);
    });
    err
}

/// Trains a new run: the settings of the config file `config` (else the defaults, or the data
/// defaults with `data`), then `target` and `data`, then `keys` (config keys and their Python
/// values, in order), as `curvegan train` makes them; the run folder `out` (default: a new
/// `runs/train-NNNN`). `callback(step, stats)` is called every `every` steps and at the last
/// (`observer.rs`). Returns the run, loaded for sampling.
#[pyfunction]
#[pyo3(signature = (keys, *, target=None, data=None, config=None, out=None, force=false, name=None, tags=Vec::new(), callback=None, every=None))]
#[allow(clippy::too_many_arguments)]
pub fn train(
    py: Python<'_>,
    keys: Vec<(String, Bound<'_, PyAny>)>,
    target: Option<Bound<'_, PyAny>>,
    data: Option<PathBuf>,
    config: Option<PathBuf>,
    out: Option<PathBuf>,
    force: bool,
    name: Option<String>,
    tags: Vec<String>,
    callback: Option<Py<PyAny>>,
    every: Option<usize>,
) -> PyResult<Run> {
    let config = settings::config(config.as_deref(), target.as_ref(), data.as_deref(), &keys)
        .map_err(to_py)?;
    let label = Label {
        name,
        tags,
        command: Vec::new(),
    };
    label.validate().map_err(to_py)?;
    let out = Output {
        dir: out.unwrap_or_else(|| files::next_run_dir(std::path::Path::new(files::RUNS), "train")),
        force,
        label,
    };
    let every = observer::every(every, config.eval_every).map_err(to_py)?;
    let mut watcher = Watcher::new(callback, every);
    let result = py.detach(|| curvegan::train(&config, &out, &mut watcher));
    finish(py, result, watcher, &out.dir)
}

/// Continues the run in `path` from its checkpoint, as `curvegan resume` does (to `steps` in
/// all, default the run's own), with the callback as [`train`]'s.
#[pyfunction]
#[pyo3(signature = (path, *, steps=None, callback=None, every=None))]
pub fn resume(
    py: Python<'_>,
    path: PathBuf,
    steps: Option<usize>,
    callback: Option<Py<PyAny>>,
    every: Option<usize>,
) -> PyResult<Run> {
    let eval_every = curvegan::TrainConfig::load_saved(&path.join(files::CONFIG))
        .map(|c| c.eval_every)
        .unwrap_or(0);
    let every = observer::every(every, eval_every).map_err(to_py)?;
    let mut watcher = Watcher::new(callback, every);
    let result = py.detach(|| curvegan::resume(&path, steps, &[], &mut watcher));
    finish(py, result, watcher, &path)
}

/// The end of a training session: the callback at the last step, then the run loaded. A stop
/// asked for by the callback (it returned `False`) returns the stopped run; one asked for by
/// Ctrl-C raises `KeyboardInterrupt` and one by an exception of the callback raises that
/// exception, both after the checkpoint is saved.
fn finish(
    py: Python<'_>,
    result: curvegan::Result<curvegan::Summary>,
    mut watcher: Watcher,
    dir: &std::path::Path,
) -> PyResult<Run> {
    let summary = match result {
        Ok(summary) => {
            watcher.last_call(py)?;
            Some(summary)
        }
        Err(Error::Interrupted { step, dir }) => {
            if let Some(err) = watcher.raised() {
                return Err(err);
            }
            if watcher.interrupted() {
                return Err(PyKeyboardInterrupt::new_err(format!(
                    "stopped after step {step}; checkpoint saved. Resume with: curvegan.resume({})",
                    PyString::new(py, &dir.to_string_lossy()).repr()?
                )));
            }
            None
        }
        Err(e) => return Err(to_py(e)),
    };
    let run = Run::open(dir, summary.as_ref()).map_err(to_py)?;
    Ok(run)
}

/// The run in `path` (finished, stopped or running; or its `best/`), its generator loaded as
/// `curvegan sample` loads it.
#[pyfunction]
pub fn load(path: PathBuf) -> PyResult<Run> {
    Run::open(&path, None).map_err(to_py)
}

/// The status `run.json` in `path` records (`running`, `finished`, `stopped`,
/// `early-stopped`, `failed`), or `None` without one.
#[pyfunction]
pub fn status(path: PathBuf) -> PyResult<Option<&'static str>> {
    let record = RunRecord::load(&path).map_err(to_py)?;
    Ok(record.map(|r| r.status.name()))
}

/// The library's defaults as a dict of config keys, for `curvegan.defaults()`.
#[pyfunction]
pub fn defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    settings::as_dict(py, &curvegan::TrainConfig::default()).map_err(to_py)
}

/// The module `curvegan._curvegan`.
#[pymodule]
fn _curvegan(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CurveganError", m.py().get_type::<CurveganError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Run>()?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    m.add_function(wrap_pyfunction!(resume, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(status, m)?)?;
    m.add_function(wrap_pyfunction!(defaults, m)?)?;
    Ok(())
}
