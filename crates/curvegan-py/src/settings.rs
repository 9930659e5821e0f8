//! Keyword arguments made into a checked [`TrainConfig`], as `curvegan train` makes its
//! options into one (the same config, key for key, for the same settings).
//!
//! A keyword is a config key (`batch_size`, `loss`), or a key of a table with its dot written
//! `_` (`optim_g_lr` for `optim_g.lr`, `target_points` for `target.points`; the tables are
//! those of `config.toml`: `optim_g`, `optim_d`, `target`); a `config={...}` dict may use the
//! dotted keys themselves. A value is a Python `bool`, `int`, `float`, `str` (or path), list or
//! dict, set as the same value in a config file ([`TrainConfig::set_value`]). `target` may be a
//! kind's name or a formula in `x`, and `data` a data file, as `--target` and `--data` say.

use std::path::Path;

use curvegan::data::expr::reserved_name;
use curvegan::data::target::{TargetConfig, NAMED_KINDS};
use curvegan::{Error, Result, TrainConfig};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// The config of a new run: the config file `file` (else the defaults, or the data defaults
/// with `data`), its target replaced by `target` or `data`, then `keys` set in order (`loss`
/// first, which gives both nets its own optimizers, so that optimizer keys beside it stay),
/// then validated once.
pub fn config(
    file: Option<&Path>,
    target: Option<&Bound<'_, PyAny>>,
    data: Option<&Path>,
    keys: &[(String, Bound<'_, PyAny>)],
) -> Result<TrainConfig> {
    let mut c = match (file, data) {
        (Some(path), _) => TrainConfig::load(path)?,
        (None, Some(_)) => TrainConfig::data_defaults(TargetConfig::default()),
        (None, None) => TrainConfig::default(),
    };
    let mut keys: Vec<(String, &Bound<'_, PyAny>)> =
        keys.iter().map(|(name, v)| (key_of(name), v)).collect();
    match (target, data) {
        (Some(t), Some(_)) => {
            return Err(Error::config(
                "target.path",
                format!(
                    "cannot be combined with `target` {}: the file is the target",
                    t.repr().map(|r| r.to_string()).unwrap_or_default()
                ),
            ))
        }
        (Some(t), None) => match t.cast::<PyString>() {
            Ok(name) => c.target = named_or_formula(&name.to_string()),
            // A table, as in a config file.
            Err(_) => keys.insert(0, ("target".into(), t)),
        },
        // Absolute, as the command line makes it, so that the run's config.toml still finds
        // the file from another folder; a missing file is reported when the target is built.
        (None, Some(path)) => {
            c.target = TargetConfig::data(std::fs::canonicalize(path).unwrap_or(path.into()))
        }
        (None, None) => {}
    }
    // `loss` first: it resets both optimizers, which later keys may then change.
    keys.sort_by_key(|(key, _)| key != "loss");
    let r1_given = keys.iter().any(|(key, _)| key == "r1");
    for (i, (key, value)) in keys.iter().enumerate() {
        c.set_value(key, toml_of(key, value)?)?;
        // The data defaults' R1 gives way to a loss that cannot take it, as with --data.
        if i == 0 && key == "loss" && file.is_none() && data.is_some() && !r1_given {
            c.drop_unusable_r1();
        }
    }
    check_formula_name(&c.target)?;
    c.validate()?;
    Ok(c)
}

/// The config key a keyword argument stands for: itself, or with the `_` after a table's name
/// made a dot (`optim_g_lr` → `optim_g.lr`).
fn key_of(name: &str) -> String {
    if name.contains('.') {
        return name.to_string();
    }
    let tables = toml::Table::try_from(TrainConfig::default()).unwrap_or_default();
    for (table, value) in &tables {
        if let (Some(rest), true) = (name.strip_prefix(&format!("{table}_")), value.is_table()) {
            return format!("{table}.{rest}");
        }
    }
    name.to_string()
}

/// A target given by name: one of [`NAMED_KINDS`], else a formula in `x`.
fn named_or_formula(name: &str) -> TargetConfig {
    let name = name.trim();
    TargetConfig::named(name).unwrap_or_else(|| TargetConfig::formula(name, Vec::new()))
}

/// A formula that is one name, not a parameter's, is a typo of a kind (as `--target`
/// says).
fn check_formula_name(target: &TargetConfig) -> Result<()> {
    let TargetConfig::Expr { expr, params, .. } = target else {
        return Ok(());
    };
    if reserved_name(expr).is_none() && !params.iter().any(|p| p.name == *expr) {
        return Err(Error::config(
            "target",
            format!(
                "'{}' is not a target: use {}, or a formula in x such as \"a*sin(b*x)\" with `target.params` [\"a=uniform(1,2)\", \"b=normal(3,0.1)\"]",
                curvegan::text::echo(expr),
                NAMED_KINDS.join(", ")
            ),
        ));
    }
    Ok(())
}

/// A Python value as the TOML value a config file would hold; an error naming `key` for a
/// value TOML cannot hold (`None`, an object).
fn toml_of(key: &str, value: &Bound<'_, PyAny>) -> Result<toml::Value> {
    let bad = |what: String| Error::config(key, what);
    let repr = || curvegan::text::echo(&value.repr().map(|r| r.to_string()).unwrap_or_default());
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(toml::Value::Boolean(b.is_true()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(toml::Value::String(s.to_string()));
    }
    if value.is_instance_of::<PyInt>() || value.hasattr("__index__").unwrap_or(false) {
        return match value.extract::<i64>() {
            Ok(i) => Ok(toml::Value::Integer(i)),
            Err(_) => Err(bad(format!(
                "{} is out of range: a config key holds integers up to 2^63 - 1",
                repr()
            ))),
        };
    }
    if value.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(
            value.extract::<f64>().unwrap_or(f64::NAN),
        ));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = value
            .try_iter()
            .and_then(|i| i.collect())
            .map_err(|e| bad(e.to_string()))?;
        return items
            .iter()
            .map(|v| toml_of(key, v))
            .collect::<Result<_>>()
            .map(toml::Value::Array);
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut table = toml::Table::new();
        for (k, v) in dict.iter() {
            let name: String = k
                .extract()
                .map_err(|_| bad(format!("{}: a table's keys are strings", repr())))?;
            let inner = toml_of(&format!("{key}.{name}"), &v)?;
            table.insert(name, inner);
        }
        return Ok(toml::Value::Table(table));
    }
    if value.hasattr("__fspath__").unwrap_or(false) {
        let path = value
            .call_method0("__fspath__")
            .and_then(|p| p.extract::<String>());
        return path
            .map(toml::Value::String)
            .map_err(|_| bad(format!("{} is not a path as text", repr())));
    }
    if let Ok(v) = value.extract::<f64>() {
        return Ok(toml::Value::Float(v));
    }
    Err(bad(format!(
        "{} is not a value a config key takes (a bool, int, float, str, list or dict)",
        repr()
    )))
}

/// A config as a dict of its keys, as `config.toml` holds them (tables as dicts).
pub fn as_dict<'py>(py: Python<'py>, config: &TrainConfig) -> Result<Bound<'py, PyDict>> {
    let table = toml::Table::try_from(config)
        .map_err(|e| Error::Serialize(format!("config as TOML: {e}")))?;
    table_dict(py, &table).map_err(|e| Error::Serialize(format!("config as a dict: {e}")))
}

/// A TOML table as a dict.
fn table_dict<'py>(py: Python<'py>, table: &toml::Table) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in table {
        dict.set_item(key, py_of(py, value)?)?;
    }
    Ok(dict)
}

/// A TOML value as Python's.
fn py_of<'py>(py: Python<'py>, value: &toml::Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        toml::Value::String(s) => s.into_pyobject(py)?.into_any(),
        toml::Value::Integer(i) => i.into_pyobject(py)?.into_any(),
        toml::Value::Float(f) => f.into_pyobject(py)?.into_any(),
        toml::Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any(),
        toml::Value::Datetime(d) => d.to_string().into_pyobject(py)?.into_any(),
        toml::Value::Array(items) => {
            let items = items
                .iter()
                .map(|v| py_of(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        toml::Value::Table(t) => table_dict(py, t)?.into_any(),
    })
}
