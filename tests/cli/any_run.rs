//! Any run sampled and scored: a run stopped by Ctrl-C (SIGINT) or still running is read from
//! its last checkpoint, saying which step, without its lock and without writing into it; its
//! samples and scores are those of the same run trained for just that many steps; `--step`
//! names the one checkpoint a run keeps; a finished run samples as before; `sample RUN`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{curvegan, send, spawn, stderr_of, train_args_with, wait_at_most};

/// A run far longer than a test: stopped by a signal, never finished.
const LONG: [&str; 8] = [
    "--steps",
    "1000000",
    "--checkpoint-every",
    "0",
    "--plot-every",
    "1000",
    "--eval-every",
    "500",
];

/// Every file of a run folder (and of `best/`) with its bytes.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().to_string();
        match e.file_type().unwrap().is_dir() {
            true => files.extend(
                files_of(&e.path())
                    .into_iter()
                    .map(|(n, b)| (name.clone() + "/" + &n, b)),
            ),
            false => drop(files.insert(name, fs::read(e.path()).unwrap())),
        }
    }
    files
}

/// `curvegan ARGS…`: its stdout and stderr, failing the test unless it succeeds.
fn output(args: &[&str], run: &Path) -> (Vec<u8>, String) {
    let out = curvegan().args(args).arg(run).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (out.stdout, stderr)
}

/// Starts a [`LONG`] run with `extra` options into `dir`; returns once it has written
/// `wait_for` (its signal handler is installed once `config.toml` is written).
fn start(dir: &Path, extra: &[&str], wait_for: &str) -> std::process::Child {
    // An option of `extra` replaces LONG's (an option given twice is refused).
    let mut options: Vec<&str> = Vec::new();
    for pair in LONG.chunks(2) {
        if !extra.contains(&pair[0]) {
            options.extend(pair);
        }
    }
    options.extend(extra);
    let mut child = spawn(&train_args_with(&options, dir));
    let t = Instant::now();
    while !dir.join(wait_for).exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(t.elapsed() < Duration::from_secs(60), "no {wait_for}");
        sleep(Duration::from_millis(2));
    }
    child
}

#[test]
fn a_run_stopped_by_sigint_is_sampled_and_evaluated_at_its_checkpoint() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("stopped");
    let mut child = start(&run, &[], "config.toml");
    sleep(Duration::from_millis(150));
    send("INT", child.id());
    let status = wait_at_most(&mut child, Duration::from_secs(60));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(!run.join("generator.safetensors").exists());
    let ckpt = curvegan::run::store::checkpoint::load(&run.join("checkpoint.safetensors"));
    let step = ckpt.unwrap().step;
    assert!(
        stderr.contains(&format!("interrupted after step {step}")),
        "{stderr}"
    );
    let before = files_of(&run);

    // The same run trained for exactly `step` steps: its generator.safetensors holds the weights
    // the checkpoint holds, so its samples and scores are the stopped run's.
    let reference = tmp.path().join("reference");
    let steps = step.to_string();
    let mut options = LONG.to_vec();
    options[1] = &steps;
    curvegan()
        .args(train_args_with(&options, &reference))
        .assert()
        .success();

    let note = format!("the checkpoint at step {step} (the run is not finished)");
    let sample = ["sample", "--n", "7", "--seed", "3"];
    let (samples, said) = output(&sample, &run);
    assert!(said.contains(&format!("sampling {note}")), "{said}");
    assert_eq!(samples, output(&sample, &reference).0);
    let csv = ["sample", "--n", "7", "--format", "csv", "--step", &steps];
    assert_eq!(output(&csv, &run).0, output(&csv[..5], &reference).0);

    let eval = ["eval", "-n", "300", "--json"];
    let (scores, said) = output(&eval, &run);
    assert!(said.contains(&format!("evaluating {note}")), "{said}");
    let metrics =
        |json: &[u8]| serde_json::from_slice::<serde_json::Value>(json).unwrap()["metrics"].clone();
    assert_eq!(metrics(&scores), metrics(&output(&eval, &reference).0));
    assert!(metrics(&scores)["mse_to_target"].is_number());

    // Another step is refused, naming the one the run keeps.
    let other = (step + 1).to_string();
    for command in ["sample", "eval"] {
        curvegan()
            .args([command, "--step", &other])
            .arg(&run)
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(format!("no checkpoint at step {other}"))
                    .and(predicate::str::contains(format!(
                        "only its latest, at step {step}"
                    )))
                    .and(predicate::str::contains("--step")),
            );
    }
    // Nothing was written into the run.
    assert_eq!(files_of(&run), before);
}

#[test]
fn a_running_run_is_sampled_without_its_lock() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("running");
    let mut child = start(
        &run,
        &["--checkpoint-every", "20"],
        "checkpoint.safetensors",
    );
    let (samples, said) = output(&["sample", "--n", "3"], &run);
    assert!(said.contains("(the run is not finished)"), "{said}");
    let v: serde_json::Value = serde_json::from_slice(&samples).unwrap();
    assert_eq!(v["curves"].as_array().unwrap().len(), 3);
    output(&["eval", "-n", "50"], &run);
    // The run holds its lock and goes on: sampling never took it.
    assert!(child.try_wait().unwrap().is_none(), "the run stopped");
    send("INT", child.id());
    assert_eq!(
        wait_at_most(&mut child, Duration::from_secs(60)).code(),
        Some(130)
    );
}

#[test]
fn a_finished_run_samples_as_before_with_run_positional() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    // With G's moving average, which generator.safetensors holds rather than G.
    let options = [
        "--steps",
        "40",
        "--plot-every",
        "20",
        "--eval-every",
        "20",
        "--g-ema",
        "0.9",
    ];
    curvegan()
        .args(train_args_with(&options, &run))
        .assert()
        .success();
    // `sample RUN` and the older `sample --run RUN`: generator.safetensors, nothing said.
    let (positional, said) = output(&["sample", "--n", "4"], &run);
    assert_eq!(said, "");
    assert_eq!(positional, output(&["sample", "--n", "4", "--run"], &run).0);
    // Its last checkpoint holds the same weights: G's average, not G.
    let (at_end, said) = output(&["sample", "--n", "4", "--step", "40"], &run);
    assert!(
        said.contains("sampling the checkpoint at step 40 (the run is finished)"),
        "{said}"
    );
    assert_eq!(at_end, positional);
    curvegan()
        .args(["sample", "--step", "20"])
        .arg(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only its latest, at step 40"));
    // Both spellings at once, or neither, are refused.
    curvegan()
        .args(["sample", "--run"])
        .arg(&run)
        .arg(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    curvegan()
        .arg("sample")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<RUN>"));
}
