//! Metrics during training, keeping the best checkpoint, early stopping and learning-rate
//! decay, through the binary. The mode-collapse benchmark is in `system`'s `trials`.

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{curvegan, resume_quietly, stdout_of};

/// A small, fast ring8 GAN.
const RING: [&str; 14] = [
    "--target",
    "ring8",
    "--loss",
    "nonsaturating",
    "--g-hidden",
    "32,32",
    "--d-hidden",
    "32,32",
    "--latent-dim",
    "2",
    "--batch-size",
    "20",
    "--plot-every",
    "0",
];

/// Keep the best by W1, with a learning rate high enough to make the metric wander (so that
/// the best is not simply the last evaluation).
const KEEP_W1: [&str; 6] = [
    "--keep-best",
    "wasserstein1_mean",
    "--lr-g",
    "0.005",
    "--lr-d",
    "0.005",
];

/// Trains into `out` with the small ring8 GAN and `args`; panics with stderr on failure.
fn train(out: &Path, args: &[&str]) {
    stdout_of(
        curvegan()
            .args(["train", "--quiet", "--out"])
            .arg(out)
            .args(RING)
            .args(args),
    );
}

/// `metrics.csv` as a header and rows of fields.
fn metrics(run: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(run.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// `(step, value)` of a metric column at the rows where it is filled.
fn column(run: &Path, name: &str) -> Vec<(usize, f64)> {
    let (header, rows) = metrics(run);
    let i = header.iter().position(|h| h == name).unwrap();
    rows.iter()
        .filter(|r| !r[i].is_empty())
        .map(|r| (r[0].parse().unwrap(), r[i].parse().unwrap()))
        .collect()
}

fn best_json(run: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(run.join("best/best.json")).unwrap()).unwrap()
}

#[test]
fn evaluation_metrics_fill_their_columns_and_never_change_training() {
    let tmp = TempDir::new().unwrap();
    let (plain, evaluated) = (tmp.path().join("plain"), tmp.path().join("evaluated"));
    train(&plain, &["--steps", "120", "--eval-every", "0"]);
    train(
        &evaluated,
        &[
            "--steps",
            "120",
            "--eval-every",
            "25",
            "--eval-samples",
            "300",
            "--eval-metrics",
            "all",
        ],
    );
    let (header, rows) = metrics(&evaluated);
    assert_eq!(
        header.join(","),
        "step,d_loss,g_loss,d_real,d_fake,modes_captured,high_quality_fraction,reverse_kl,\
         energy_distance,mmd_rbf,wasserstein1_mean,precision,recall,density,coverage"
    );
    let filled: Vec<usize> = column(&evaluated, "energy_distance")
        .iter()
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(filled, vec![0, 25, 50, 75, 100, 119]);
    for (s, v) in column(&evaluated, "coverage") {
        assert!((0.0..=1.0).contains(&v), "coverage {v} at step {s}");
    }
    // Same losses and weights as the run that evaluated only at its last step.
    let (_, plain_rows) = metrics(&plain);
    for (a, b) in plain_rows.iter().zip(&rows) {
        assert_eq!(a[..5], b[..5]);
    }
    for f in ["generator.safetensors", "discriminator.safetensors"] {
        assert_eq!(
            fs::read(plain.join(f)).unwrap(),
            fs::read(evaluated.join(f)).unwrap(),
            "{f}"
        );
    }
    // The default metric set of a ring: the mode statistics, energy distance and W1.
    let (header, _) = metrics(&plain);
    assert_eq!(
        header[5..].join(","),
        "modes_captured,high_quality_fraction,reverse_kl,energy_distance,wasserstein1_mean"
    );
}

#[test]
fn keep_best_keeps_the_weights_of_the_best_scheduled_evaluation() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    let args = [
        &["--eval-every", "20", "--eval-samples", "500"][..],
        &KEEP_W1,
    ]
    .concat();
    train(&run, &[&["--steps", "250"][..], &args].concat());
    // The best by the rule, recomputed from metrics.csv: the first strict minimum over the
    // scheduled evaluations (not the extra one at the last step, 249).
    let scheduled: Vec<(usize, f64)> = column(&run, "wasserstein1_mean")
        .into_iter()
        .filter(|(s, _)| s % 20 == 0)
        .collect();
    assert_eq!(scheduled.len(), 13);
    let (best_step, best_value) = scheduled
        .iter()
        .copied()
        .fold(None, |b: Option<(usize, f64)>, (s, v)| match b {
            Some((_, bv)) if bv <= v => b,
            _ => Some((s, v)),
        })
        .unwrap();
    assert!(
        best_step > 0 && best_step < 240,
        "the best is at step {best_step}; this test needs one in the middle"
    );
    let json = best_json(&run);
    assert_eq!(json["metric"], "wasserstein1_mean");
    assert_eq!(json["step"].as_u64().unwrap() as usize, best_step);
    assert_eq!(json["value"].as_f64().unwrap(), best_value);
    // best/ holds exactly the weights a run stopped at that step has.
    let short = tmp.path().join("short");
    let steps = (best_step + 1).to_string();
    train(&short, &[&["--steps", steps.as_str()][..], &args].concat());
    for f in ["generator.safetensors", "discriminator.safetensors"] {
        assert_eq!(
            fs::read(run.join("best").join(f)).unwrap(),
            fs::read(short.join(f)).unwrap(),
            "{f}"
        );
    }
    // best/ is a run folder: eval and sample read it.
    curvegan()
        .args(["eval", "-n", "100"])
        .arg(run.join("best"))
        .assert()
        .success()
        .stdout(predicate::str::contains("wasserstein1_mean"));
}

#[test]
fn early_stopping_ends_the_run_when_patience_runs_out() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    let patience = 2;
    train(
        &run,
        &[
            "--steps",
            "5000",
            "--eval-every",
            "10",
            "--eval-samples",
            "200",
            "--keep-best",
            "energy_distance",
            "--early-stop",
            "2",
        ],
    );
    let evals = column(&run, "energy_distance");
    let (last_step, _) = *evals.last().unwrap();
    assert!(last_step < 4999, "did not stop early");
    let (_, rows) = metrics(&run);
    assert_eq!(
        rows.len(),
        last_step + 1,
        "the last row is the stopping evaluation"
    );
    // Replay the rule: the run stops at the first evaluation with `patience` evaluations
    // in a row that did not improve on the best.
    let mut best = f64::INFINITY;
    let mut stale = 0;
    let mut stop = None;
    for &(s, v) in &evals {
        if v < best {
            best = v;
            stale = 0;
        } else {
            stale += 1;
        }
        if stale >= patience {
            stop = Some(s);
            break;
        }
    }
    assert_eq!(stop, Some(last_step));
    assert_eq!(best_json(&run)["value"].as_f64().unwrap(), best);
    // A run that stopped early has nothing to resume.
    curvegan()
        .arg("resume")
        .arg(&run)
        .args(["--steps", "6000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stopped early"));
    let config = fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(
        config.contains("steps = 5000"),
        "a refused resume rewrote config.toml"
    );
}

#[test]
fn resumed_runs_keep_the_same_best_and_metrics() {
    let tmp = TempDir::new().unwrap();
    let (whole, split) = (tmp.path().join("whole"), tmp.path().join("split"));
    let args = [
        &["--eval-every", "30", "--eval-samples", "200"][..],
        &KEEP_W1,
    ]
    .concat();
    train(&whole, &[&["--steps", "300"][..], &args].concat());
    train(&split, &[&["--steps", "140"][..], &args].concat());
    resume_quietly(&split, &["--steps", "300"]);
    for f in [
        "metrics.csv",
        "generator.safetensors",
        "best/best.json",
        "best/generator.safetensors",
        "best/discriminator.safetensors",
    ] {
        assert_eq!(
            fs::read(whole.join(f)).unwrap(),
            fs::read(split.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn learning_rate_decay_trains_differently_and_cannot_be_extended() {
    let tmp = TempDir::new().unwrap();
    let runs: Vec<PathBuf> = ["none", "linear", "cosine"]
        .iter()
        .map(|d| {
            let run = tmp.path().join(d);
            train(&run, &["--steps", "40", "--lr-decay", d]);
            run
        })
        .collect();
    let (_, none) = metrics(&runs[0]);
    for run in &runs[1..] {
        let (_, rows) = metrics(run);
        // Step 0 runs at the full rate (factor 1); later steps at a smaller one.
        assert_eq!(none[0][..5], rows[0][..5]);
        assert_ne!(none[39][..5], rows[39][..5]);
    }
    curvegan()
        .args(["resume", "--steps", "80"])
        .arg(&runs[2])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("decays its learning rate"));
    curvegan()
        .args(["train", "--lr-decay", "exponential"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("none, linear or cosine"));
}

#[test]
fn bad_metric_options_name_the_problem_and_write_nothing() {
    let tmp = TempDir::new().unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--keep-best", "precision"],
            "'precision' does not fit this target",
        ),
        (&["--keep-best", "fid"], "'fid' is not a metric"),
        (
            &["--target", "family", "--keep-best", "family_a_mean"],
            "no better direction",
        ),
        (&["--early-stop", "3"], "needs --keep-best"),
        (
            &["--keep-best", "mse_to_target", "--eval-every", "0"],
            "--eval-every is 0",
        ),
        (&["--eval-metrics", "recall"], "--eval-metrics"),
    ];
    for (i, (args, message)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("bad-{i}"));
        curvegan()
            .args(["train", "--steps", "10", "--out"])
            .arg(&out)
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*message));
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
}
