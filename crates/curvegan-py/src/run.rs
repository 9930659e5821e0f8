//! A run folder seen from Python ([`Run`]): its generator, loaded once as `curvegan sample`
//! loads it (a finished run's `generator.safetensors`, else its last checkpoint), sampled and
//! scored with the GIL released.

use std::path::{Path, PathBuf};

use curvegan::config::memory_error;
use curvegan::config::MAX_BYTES;
use curvegan::run::store::checkpoint::Source;
use curvegan::run::train::sample::evaluate;
use curvegan::{Error, Generator, Summary};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict};

use crate::{settings, to_py};

/// A run folder and its generator (`curvegan._curvegan.Run`; the package's `curvegan.Run`
/// wraps it).
#[pyclass(module = "curvegan._curvegan", frozen)]
pub struct Run {
    generator: Generator,
    /// What [`crate::train`] returned, for a run trained by this process.
    summary: Option<Summary>,
}

impl Run {
    /// The run in `dir` with its generator loaded; `summary` from the session that trained it.
    pub fn open(dir: &Path, summary: Option<&Summary>) -> curvegan::Result<Run> {
        Ok(Run {
            generator: Generator::load(dir)?,
            summary: summary.cloned(),
        })
    }
}

#[pymethods]
impl Run {
    /// The run folder.
    #[getter]
    fn path(&self) -> PathBuf {
        self.generator.dir().to_path_buf()
    }

    /// The checkpoint's step the generator was read from, or `None` for a finished run's
    /// `generator.safetensors`.
    #[getter]
    fn checkpoint_step(&self) -> Option<usize> {
        match self.generator.source() {
            Source::Final => None,
            Source::Checkpoint(step) => Some(step),
        }
    }

    /// The run's settings by config key, as its `config.toml` holds them.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        settings::as_dict(py, self.generator.config()).map_err(to_py)
    }

    /// The names of a conditional generator's conditions, in order (empty otherwise).
    #[getter]
    fn conditions(&self) -> Vec<String> {
        self.generator.condition_names()
    }

    /// The x values of a sample's points (a curve's grid; 0, 1, … for other targets).
    #[getter]
    fn x(&self) -> Vec<f32> {
        self.generator.target().x().to_vec()
    }

    /// The session's summary (`steps`, `us_per_step`, `wall_s`, `final_eval`, …) for a run
    /// trained by this process, else `None`.
    #[getter]
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(s) = &self.summary else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        dict.set_item("steps", s.steps)?;
        dict.set_item("us_per_step", s.us_per_step())?;
        dict.set_item("wall_s", s.wall.as_secs_f64())?;
        dict.set_item("train_s", s.train_time.as_secs_f64())?;
        dict.set_item("stopped_early", s.stopped_early)?;
        let eval = PyDict::new(py);
        for (name, value) in &s.final_eval.metrics {
            eval.set_item(name, value)?;
        }
        dict.set_item("final_eval", eval)?;
        if let Some(best) = &s.best {
            dict.set_item("best_step", best.step)?;
        }
        Ok(Some(dict))
    }

    /// `n` samples with noise from `seed`, each condition given as `NAME=VALUE` (all or none;
    /// none draws them from the target's distribution): the bytes of a float32 array
    /// `[n, dim]` (row-major, native order) and `dim`.
    #[pyo3(signature = (n, seed, conditions))]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: u64,
        conditions: Vec<String>,
    ) -> PyResult<(Bound<'py, PyByteArray>, usize)> {
        let g = &self.generator;
        let dim = g.target().dim();
        check_count(g, n).map_err(to_py)?;
        let condition = match conditions.is_empty() {
            true => None,
            false => Some(g.parse_condition(&conditions).map_err(to_py)?),
        };
        let samples = py
            .detach(|| g.sample(n, seed, condition.as_deref()))
            .map_err(to_py)?;
        let bytes: Vec<u8> = (samples.curves.iter().flatten())
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        Ok((PyByteArray::new(py, &bytes), dim))
    }

    /// The generator scored on every metric that fits its target with `n` generated and `n`
    /// real samples (seed `seed`), as `curvegan eval` scores it: `{metric: value}`.
    #[pyo3(signature = (n, seed))]
    fn evaluate<'py>(&self, py: Python<'py>, n: usize, seed: u64) -> PyResult<Bound<'py, PyDict>> {
        let g = &self.generator;
        let scores = py.detach(|| evaluate(g, n, seed, "n")).map_err(to_py)?;
        let dict = PyDict::new(py);
        for (name, value) in &scores.metrics {
            dict.set_item(name, value)?;
        }
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "curvegan.Run({:?})",
            self.generator.dir().display().to_string()
        )
    }
}

/// `n` samples fit in memory ([`MAX_BYTES`], counting G's widths as an evaluation does) and
/// are at least one; the error names `n`.
fn check_count(g: &Generator, n: usize) -> curvegan::Result<()> {
    if n == 0 {
        return Err(Error::config("n", "must be at least 1, got 0"));
    }
    let spec = g.config().generator_spec_for(g.target());
    let row = (spec.widths.iter().sum::<usize>() + g.c_dim() + g.target().dim()) as u64;
    let bytes = row.checked_mul(n as u64).and_then(|b| b.checked_mul(8));
    match bytes {
        Some(b) if b <= MAX_BYTES => Ok(()),
        _ => Err(memory_error("n", &n.to_string(), bytes)),
    }
}
