//! `curvegan export` read by ONNX's own tools: for each run, the exported model passes
//! `onnx.checker.check_model(full_check=True)`, and `onnxruntime` (PyPI, pinned in
//! tools/requirements.txt) given the noise rows `sample --noise` prints, and the conditions
//! `sample` drew, gives `sample`'s curves within 1e-6 (relative to values past 1 in size:
//! `|ort − curvegan| ≤ 1e-6 · max(1, |curvegan|)`). Runs: the tutorial (and its checkpoint),
//! the PacGAN paper's G (batch normalisation, 4 × 400; its D has the maxout), G's moving average
//! with a smooth basis and leaky ReLU, a conditional formula family, a scaled data set with a
//! category and a standardised number as conditions; and MLPs built here with every layer kind
//! (maxout, tanh, sigmoid, batch normalisation with running statistics of their own).
//!
//! The Python interpreter is `CURVEGAN_PYTHON`, set by `bash tools/test.sh` (its virtual
//! environment `target/py`); without it, or without `onnx` and `onnxruntime` there, the tests
//! fail saying so.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use curvegan::nn::mlp::{Activation, Mlp, MlpSpec};
use curvegan::nn::onnx::Graph;
use serde_json::Value;
use tempfile::TempDir;

use crate::common::data::uniform;
use crate::common::{curvegan, stdout_of, train_args_with};

/// The check, run by onnx and onnxruntime: `MODEL NOISE SAMPLES` (the JSON of `sample --noise`
/// and of `sample`, same seed); prints what it found as JSON.
const CHECK: &str = r#"
import json, sys
import numpy as np
import onnx, onnxruntime as ort

model_path, noise_path, samples_path = sys.argv[1:4]
model = onnx.load(model_path)
onnx.checker.check_model(model, full_check=True)
meta = {p.key: p.value for p in model.metadata_props}
rows = np.array(json.load(open(noise_path))["curves"], dtype=np.float32)
samples = json.load(open(samples_path))
latent = int(meta.get("curvegan.latent_dim", rows.shape[1]))
feeds = {"noise": rows[:, :latent]}
layout = json.loads(meta.get("curvegan.condition", "[]"))
if layout:
    # The condition input as the model's metadata lays it out, from the conditions `sample`
    # printed: a number's value, a category one-hot over its levels.
    c = np.zeros((rows.shape[0], rows.shape[1] - latent), dtype=np.float32)
    for cond in layout:
        for i, v in enumerate(samples["conditions"][cond["name"]]):
            if cond["kind"] == "number":
                c[i, cond["column"]] = float(v)
            else:
                c[i, cond["column"] + cond["levels"].index(v)] = 1.0
    feeds["condition"] = c
session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
(got,) = session.run(["samples"], feeds)
shape = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
print(json.dumps({
    "ir_version": model.ir_version,
    "opset": [[o.domain, o.version] for o in model.opset_import],
    "inputs": {i.name: shape(i) for i in model.graph.input},
    "outputs": {o.name: shape(o) for o in model.graph.output},
    "ops": sorted({n.op_type for n in model.graph.node}),
    "doc": model.doc_string,
    "meta": meta,
    "samples": got.tolist(),
}))
"#;

/// The interpreter of `tools/test.sh`'s virtual environment, or a failure saying how to get it.
fn python() -> PathBuf {
    match std::env::var_os("CURVEGAN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "CURVEGAN_PYTHON is not set: run `bash tools/test.sh --test system onnx::`, which \
             makes the virtual environment target/py with onnx and onnxruntime \
             (tools/requirements.txt) and sets it"
        ),
    }
}

/// Runs [`CHECK`] on `model` with the noise rows and samples in `noise`, `samples` (JSON
/// files); what it printed.
fn check(model: &Path, noise: &Path, samples: &Path) -> Value {
    let out = Process::new(python())
        .args(["-c", CHECK])
        .args([model, noise, samples])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the onnx check failed (onnx and onnxruntime missing? run `bash tools/test.sh`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rows of a JSON array of arrays of numbers, as f32.
fn rows(v: &Value) -> Vec<Vec<f32>> {
    let row = |r: &Value| -> Vec<f32> {
        let values = r.as_array().unwrap().iter();
        values.map(|x| x.as_f64().unwrap() as f32).collect()
    };
    v.as_array().unwrap().iter().map(row).collect()
}

/// The largest `|got − want| / max(1, |want|)`, and fails unless `got` has `want`'s shape.
fn worst(got: &[Vec<f32>], want: &[Vec<f32>]) -> f64 {
    assert_eq!(got.len(), want.len(), "samples");
    let pairs = got.iter().zip(want).flat_map(|(g, w)| {
        assert_eq!(g.len(), w.len(), "values of a sample");
        g.iter().zip(w)
    });
    let err = |(&g, &w): (&f32, &f32)| (g as f64 - w as f64).abs() / (w as f64).abs().max(1.0);
    pairs.map(err).fold(0.0, f64::max)
}

/// Tolerance of the comparison (see the module docs).
const TOLERANCE: f64 = 1e-6;

/// Exports `run` (`export RUN ARGS…` to `out`, or its default file), samples it with the same
/// seed and noise through onnxruntime, and fails unless they agree; returns the check's answer.
fn export_and_compare(run: &Path, args: &[&str], out: Option<&Path>) -> Value {
    let tmp = TempDir::new().unwrap();
    let mut cmd = curvegan();
    cmd.arg("export").arg(run).args(args);
    if let Some(out) = out {
        cmd.arg("--out").arg(out);
    }
    let said = String::from_utf8(stdout_of(&mut cmd)).unwrap();
    let model = out.map_or_else(|| run.join("generator.onnx"), Path::to_path_buf);
    assert_eq!(said, format!("onnx: {}\n", model.display()));
    // The same seed gives the same noise and the same drawn conditions to both.
    let step: Vec<&str> = match args {
        ["--step", n] => vec!["--step", n],
        _ => vec![],
    };
    let sample = |extra: &[&str], name: &str| {
        let path = tmp.path().join(name);
        let mut cmd = curvegan();
        cmd.arg("sample")
            .arg(run)
            .args(["--n", "64", "--seed", "7"]);
        cmd.args(&step).args(extra).arg("--out").arg(&path);
        stdout_of(&mut cmd);
        path
    };
    let (noise, samples) = (
        sample(&["--noise"], "noise.json"),
        sample(&[], "samples.json"),
    );
    let found = check(&model, &noise, &samples);
    let want: Value = serde_json::from_str(&fs::read_to_string(&samples).unwrap()).unwrap();
    let e = worst(&rows(&found["samples"]), &rows(&want["curves"]));
    assert!(
        e <= TOLERANCE,
        "{}: onnxruntime differs by {e:e}",
        run.display()
    );
    eprintln!("{}: largest difference {e:e}", run.display());
    assert_eq!(found["ir_version"], 8);
    assert_eq!(found["opset"], serde_json::json!([["", 17]]));
    assert_eq!(found["inputs"]["noise"][0], "N", "{found}");
    found
}

/// `train OPTIONS… --quiet --out DIR/NAME`, succeeding; the run folder.
fn trained(dir: &Path, name: &str, options: &[&str]) -> PathBuf {
    let run = dir.join(name);
    curvegan()
        .args(train_args_with(options, &run))
        .assert()
        .success();
    run
}

#[test]
fn the_tutorial_and_its_checkpoint_run_in_onnxruntime_as_in_curvegan() {
    let tmp = TempDir::new().unwrap();
    let run = trained(
        tmp.path(),
        "tutorial",
        &["--steps", "301", "--plot-every", "0"],
    );
    let found = export_and_compare(&run, &[], None);
    assert_eq!(found["inputs"], serde_json::json!({"noise": ["N", 15]}));
    assert_eq!(found["outputs"], serde_json::json!({"samples": ["N", 15]}));
    assert_eq!(found["ops"], serde_json::json!(["Gemm", "Relu"]));
    assert_eq!(found["meta"]["curvegan.source"], "generator.safetensors");
    assert_eq!(found["meta"]["curvegan.condition"], "[]");
    // The checkpoint (after 301 steps, the last written), to a file of one's own.
    let out = tmp.path().join("ckpt.onnx");
    let found = export_and_compare(&run, &["--step", "301"], Some(&out));
    let source = "checkpoint.safetensors at step 301";
    assert_eq!(found["meta"]["curvegan.source"], source);
}

#[test]
fn batch_normalised_and_smooth_averaged_generators_run_in_onnxruntime_as_in_curvegan() {
    let tmp = TempDir::new().unwrap();
    // The PacGAN paper's nets: G 2 → 4 × 400 with batch normalisation, D of maxout units.
    let paper = [
        "--config",
        "configs/paper-grid25.toml",
        "--steps",
        "60",
        "--plot-every",
        "0",
        "--eval-samples",
        "100",
    ];
    let run = trained(tmp.path(), "paper", &paper);
    let found = export_and_compare(&run, &[], None);
    let ops = serde_json::json!(["BatchNormalization", "Gemm", "Relu"]);
    assert_eq!(found["ops"], ops);
    // G's moving average, a smooth basis of 6 coefficients, leaky ReLU, tanh output.
    let smooth = [
        "--steps",
        "201",
        "--plot-every",
        "0",
        "--g-ema",
        "0.9",
        "--g-basis",
        "6",
        "--activation",
        "leaky-relu:0.1",
    ];
    let run = trained(tmp.path(), "smooth", &smooth);
    let found = export_and_compare(&run, &[], None);
    assert_eq!(found["ops"], serde_json::json!(["Gemm", "LeakyRelu"]));
}

/// A CSV file of 40 rows of 6 points around 50 (rising or falling with `kind`), with the
/// condition columns `kind` (`up`, `down`, `flat`) and `temp` (10 to 30).
fn conditions_csv(dir: &Path) -> PathBuf {
    let mut text = "kind,temp,t0,t1,t2,t3,t4,t5\n".to_string();
    for r in 0..40u64 {
        let (kind, s) = [("up", 1.0), ("down", -1.0), ("flat", 0.0)][r as usize % 3];
        let temp = 10.0 + (r * 7 % 20) as f64 + 0.25;
        let v: Vec<String> = (0..6)
            .map(|i| format!("{:.4}", 50.0 + s * i as f64 / 5.0 + 0.01 * (r % 5) as f64))
            .collect();
        text += &format!("{kind},{temp},{}\n", v.join(","));
    }
    let path = dir.join("kinds.csv");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn conditional_generators_take_their_condition_as_a_second_input() {
    let tmp = TempDir::new().unwrap();
    // A formula family: its parameters, values as they are.
    let family = [
        "--target",
        "family",
        "--conditional",
        "--steps",
        "200",
        "--plot-every",
        "0",
    ];
    let run = trained(tmp.path(), "family", &family);
    let found = export_and_compare(&run, &[], None);
    let inputs = found["inputs"].as_object().unwrap();
    assert_eq!(inputs.keys().collect::<Vec<_>>(), ["condition", "noise"]);
    assert!(!found["ops"].as_array().unwrap().contains(&"Sub".into()));
    // A data set, standardised: a category (one-hot) and a number (standardised in the
    // graph), and the scaler after G.
    let data = conditions_csv(tmp.path());
    let data_run = [
        "--data",
        data.to_str().unwrap(),
        "--condition-columns",
        "kind,temp",
        "--conditional",
        "--steps",
        "100",
        "--hidden",
        "32",
        "--plot-every",
        "0",
    ];
    let run = trained(tmp.path(), "data", &data_run);
    let found = export_and_compare(&run, &[], None);
    assert_eq!(found["inputs"]["condition"], serde_json::json!(["N", 4]));
    let layout: Value =
        serde_json::from_str(found["meta"]["curvegan.condition"].as_str().unwrap()).unwrap();
    let want = serde_json::json!([
        {"name": "kind", "kind": "category", "column": 0, "levels": ["down", "flat", "up"]},
        {"name": "temp", "kind": "number", "column": 3},
    ]);
    assert_eq!(layout, want, "{found}");
    for op in ["Concat", "Sub", "Div", "Mul", "Add"] {
        assert!(
            found["ops"].as_array().unwrap().contains(&op.into()),
            "{op}: {found}"
        );
    }
    let doc = found["doc"].as_str().unwrap();
    assert!(
        doc.contains("columns 0 to 2: kind, one-hot over its levels down, flat, up"),
        "{doc}"
    );
}

/// An MLP of `spec` with weights from [`uniform`] (starting at its `seed`-th number) in
/// (−0.5, 0.5) and, with batch normalisation, γ and β in (0.5, 1.5), running means in
/// (−0.5, 0.5) and variances in (0.5, 1.5): statistics of its own, not PyTorch's initial 0 and 1.
fn random_mlp(spec: &MlpSpec, seed: u64) -> Mlp {
    let mut next = (seed * 1_000_000..).map(|i| uniform(i) as f32 - 0.5);
    let mut mlp = Mlp::zeros(spec).unwrap();
    mlp.params_mut()
        .iter_mut()
        .for_each(|v| *v = next.next().unwrap());
    let norms: Vec<(usize, usize)> = (mlp.layers().iter())
        .filter_map(|o| o.norm().map(|g| (g, o.units)))
        .collect();
    for (g, n) in norms {
        let gamma_beta = &mut mlp.params_mut()[g..g + 2 * n];
        gamma_beta.iter_mut().for_each(|v| *v += 1.0);
    }
    for bn in mlp.batchnorm_buffers_mut() {
        bn.running_mean
            .iter_mut()
            .for_each(|v| *v = next.next().unwrap());
        bn.running_var
            .iter_mut()
            .for_each(|v| *v = next.next().unwrap() + 1.0);
    }
    mlp
}

#[test]
fn every_layer_kind_runs_in_onnxruntime_as_in_the_engine() {
    let tmp = TempDir::new().unwrap();
    let basis = curvegan::nn::mlp::BasisSpec {
        channels: 2,
        points: 9,
        coefficients: 5,
    };
    let specs = [
        // Maxout of 3 pieces, tanh out.
        MlpSpec::new(5, &[16, 12], 4, Activation::Relu, Activation::Tanh).with_maxout(3),
        // Batch normalisation, tanh hidden, sigmoid out.
        MlpSpec::new(5, &[16, 12], 4, Activation::Tanh, Activation::Sigmoid).with_batchnorm(true),
        // Leaky ReLU, a smooth basis of two channels.
        MlpSpec::new(
            5,
            &[16],
            10,
            Activation::LeakyRelu(0.2),
            Activation::Identity,
        )
        .with_basis(Some(basis)),
    ];
    for (k, spec) in specs.iter().enumerate() {
        let mlp = random_mlp(spec, k as u64);
        let x: Vec<f32> = (0..50 * 5).map(|i| 4.0 * uniform(i) as f32 - 2.0).collect();
        let y = mlp.forward(&x, &mut Default::default()).unwrap().to_vec();
        let mut graph = Graph::new("mlp");
        let input = graph.input("noise", 5, "x");
        let out = graph.mlp(&mlp, &input).unwrap();
        let bytes = graph.model(&out, ("samples", spec.output_dim(), "y"), "an MLP", &[]);
        let model = tmp.path().join(format!("{k}.onnx"));
        fs::write(&model, bytes).unwrap();
        let json = |name: &str, v: &[f32], width: usize| {
            let path = tmp.path().join(format!("{k}.{name}.json"));
            let rows: Vec<&[f32]> = v.chunks(width).collect();
            fs::write(&path, serde_json::json!({ "curves": rows }).to_string()).unwrap();
            path
        };
        let (noise, samples) = (json("x", &x, 5), json("y", &y, spec.output_dim()));
        let found = check(&model, &noise, &samples);
        let want = rows(&serde_json::json!(y
            .chunks(spec.output_dim())
            .collect::<Vec<_>>()));
        let e = worst(&rows(&found["samples"]), &want);
        assert!(e <= TOLERANCE, "{spec:?}: onnxruntime differs by {e:e}");
        eprintln!("{:?}: largest difference {e:e}", found["ops"]);
    }
}
