//! A run's generator as an ONNX model (`curvegan export`): the net `sample` runs — G's moving
//! average with `g_ema`, else G; a finished run's `generator.safetensors`, else its last
//! checkpoint ([`Generator::load_at`]) — with what `sample` does around it, so that an ONNX
//! runtime given the same noise gives the same samples. Opset 17, IR version 8
//! ([`crate::nn::onnx`] shows each layer's operators).
//!
//! ```text
//! inputs   noise      float32 [N, latent_dim]      z ~ N(0, I) (`sample --noise` prints curvegan's)
//!          condition  float32 [N, c]               a conditional G only (see below)
//! graph    G([noise | (condition − shift) / scale]) · σ + μ
//! output   samples    float32 [N, channels·points]  the data's units; channel by channel
//! ```
//!
//! **The condition**, a conditional G's second input: its conditions in order, each a number
//! in one column — the value itself, as `sample --condition NAME=VALUE` takes it — or a
//! category one-hot over its levels (1 in the level's column, 0 elsewhere). A data set's numeric
//! column is standardised inside the graph (`Sub`, `Div` by the column's mean and standard
//! deviation, in float32; curvegan computes it in float64 before rounding, so the two may
//! differ in the last bit); a formula's parameters and the one-hot columns go in unchanged.
//!
//! **Scaling**: a scaled data set's generator ends with its scaler, `g · σ + μ` (`Mul`, then
//! `Add`, rounded as curvegan rounds them, [`crate::data::scale`]); none otherwise.
//!
//! **Documentation in the file**: the model's `doc_string` says all of this in words, and
//! `metadata_props` holds it for programs: `curvegan.latent_dim`, `curvegan.condition` (JSON:
//! `[{"name", "kind": "number"|"category", "column", "levels"}]`, `[]` for none),
//! `curvegan.channels`, `curvegan.points`, `curvegan.x` (the x grid, JSON), `curvegan.source`
//! (`generator.safetensors`, or `checkpoint.safetensors at step N`).

use std::path::{Path, PathBuf};

use crate::data::data_source::Condition;
use crate::error::Result;
use crate::nn::onnx::{Graph, IR_VERSION, OPSET};
use crate::run::store::checkpoint::Source;
use crate::run::store::files;
use crate::run::store::folder;
use crate::run::train::sample::Generator;

/// The name of the noise input.
pub const NOISE: &str = "noise";
/// The name of a conditional G's condition input.
pub const CONDITION: &str = "condition";
/// The name of the output.
pub const SAMPLES: &str = "samples";

/// The file `export` writes when not told where: `RUN/generator.onnx`.
pub fn default_out(run: &Path) -> PathBuf {
    run.join(files::ONNX)
}

/// The bytes of `generator`'s ONNX model (see the module docs).
pub fn onnx_model(generator: &Generator) -> Result<Vec<u8>> {
    let target = generator.target();
    let latent = generator.config().latent_dim;
    let c_dim = generator.c_dim();
    let mut graph = Graph::new("curvegan_generator");
    let noise = graph.input(NOISE, latent, "z ~ N(0, I), one row per sample");
    let mut parts = vec![noise];
    if c_dim > 0 {
        let doc = condition_doc(generator.conditions());
        let c = graph.input(CONDITION, c_dim, &doc);
        let (shift, scale) = standardisation(generator.conditions(), c_dim);
        parts.push(
            match shift.iter().all(|&v| v == 0.0) && scale.iter().all(|&v| v == 1.0) {
                true => c,
                false => graph.standardise("condition", &c, &shift, &scale),
            },
        );
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let input = graph.concat("input", &parts);
    let mut out = graph.mlp(&generator.mlp, &input)?;
    if let Some(s) = generator.scaler.as_ref().filter(|s| !s.is_identity()) {
        out = graph.affine("scaler", &out, s.scale(), s.shift());
    }
    let dim = target.dim();
    let output_doc = format!(
        "{} channel(s) of {} points each, channel by channel, in the data's units",
        target.channels(),
        target.points()
    );
    let doc = model_doc(generator);
    let metadata = metadata(generator);
    Ok(graph.model(&out, (SAMPLES, dim, &output_doc), &doc, &metadata))
}

/// Writes `generator`'s ONNX model to `out` atomically, after refusing an `out` that is a file
/// of a run other than a `generator.onnx` ([`folder::check_out`]).
pub fn write_onnx(generator: &Generator, out: &Path) -> Result<()> {
    folder::check_out(out, generator.dir(), "exporting", Some(files::ONNX))?;
    let bytes = onnx_model(generator)?;
    files::write_atomic(out, &bytes)
}

/// The shift and scale of each column of the condition input: a standardised number's, else 0
/// and 1.
fn standardisation(conditions: &[Condition], c_dim: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut shift, mut scale) = (vec![0.0f32; c_dim], vec![1.0f32; c_dim]);
    for c in conditions {
        if let Condition::Number {
            at,
            shift: s,
            scale: d,
            ..
        } = c
        {
            (shift[*at], scale[*at]) = (*s as f32, *d as f32);
        }
    }
    (shift, scale)
}

/// Where each condition sits in the condition input, as JSON (see the module docs).
fn condition_json(conditions: &[Condition]) -> String {
    let one = |c: &Condition| match c {
        Condition::Number { name, at, .. } => serde_json::json!({
            "name": name, "kind": "number", "column": at,
        }),
        Condition::Category { name, at, levels } => serde_json::json!({
            "name": name, "kind": "category", "column": at, "levels": levels,
        }),
    };
    let list: Vec<serde_json::Value> = conditions.iter().map(one).collect();
    serde_json::Value::Array(list).to_string()
}

/// The condition input's layout in words.
fn condition_doc(conditions: &[Condition]) -> String {
    let one = |c: &Condition| match c {
        Condition::Number { name, at, .. } => format!("column {at}: {name}, its value"),
        Condition::Category { name, at, levels } => format!(
            "columns {at} to {}: {name}, one-hot over its levels {}",
            at + levels.len() - 1,
            levels.join(", ")
        ),
    };
    let parts: Vec<String> = conditions.iter().map(one).collect();
    format!("the condition of each sample: {}", parts.join("; "))
}

/// The model's `doc_string`.
fn model_doc(generator: &Generator) -> String {
    let target = generator.target();
    let mut doc = format!(
        "curvegan generator (ONNX opset {OPSET}, IR version {IR_VERSION}). Input '{NOISE}': \
         float32 [N, {}], noise z ~ N(0, I).",
        generator.config().latent_dim
    );
    if generator.c_dim() > 0 {
        let layout = condition_doc(generator.conditions());
        doc += &format!(
            " Input '{CONDITION}': float32 [N, {}], {layout}.",
            generator.c_dim()
        );
    }
    doc += &format!(
        " Output '{SAMPLES}': float32 [N, {}], {} channel(s) of {} points each, in the data's units{}.",
        target.dim(),
        target.channels(),
        target.points(),
        match generator.scaler.as_ref().is_some_and(|s| !s.is_identity()) {
            true => " (G's output times the data's scale, plus its shift)",
            false => "",
        }
    );
    doc
}

/// The model's `metadata_props` (see the module docs).
fn metadata(generator: &Generator) -> Vec<(String, String)> {
    let target = generator.target();
    let json = |v: &[f32]| serde_json::to_string(v).unwrap_or_default();
    let source = match generator.source() {
        Source::Final => files::GENERATOR.to_string(),
        Source::Checkpoint(step) => format!("{} at step {step}", files::CHECKPOINT),
    };
    [
        ("latent_dim", generator.config().latent_dim.to_string()),
        ("condition", condition_json(generator.conditions())),
        ("channels", target.channels().to_string()),
        ("points", target.points().to_string()),
        ("x", json(target.x())),
        ("source", source),
    ]
    .into_iter()
    .map(|(k, v)| (format!("curvegan.{k}"), v))
    .collect()
}
