//! Checkpoints and resume with the real binary: a run stopped at any moment — killed, or
//! interrupted with Ctrl-C — and resumed ends byte-identical to one never stopped.

use std::fs;
use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::thread::sleep;
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{curvegan, resume_quietly, run_folder, train_args_with};

const STEPS: &str = "3000";

fn base_args(out: &Path) -> Vec<String> {
    train_args_with(
        &[
            "--steps",
            STEPS,
            "--checkpoint-every",
            "100",
            "--plot-every",
            "1000",
            "--eval-every",
            "500",
        ],
        out,
    )
}

/// The files that must be identical to an uninterrupted run's.
const SAME: [&str; 4] = [
    "metrics.csv",
    "generator.safetensors",
    "discriminator.safetensors",
    "step_02000.png",
];

fn reference(tmp: &Path) -> std::path::PathBuf {
    let dir = run_folder(tmp, "reference");
    curvegan().args(base_args(&dir)).assert().success();
    dir
}

fn assert_same(a: &Path, b: &Path) {
    for f in SAME {
        assert_eq!(
            fs::read(a.join(f)).unwrap(),
            fs::read(b.join(f)).unwrap(),
            "{f} differs from the uninterrupted run"
        );
    }
}

#[test]
fn killed_at_random_moments_and_resumed_is_identical() {
    let tmp = TempDir::new().unwrap();
    let reference = reference(tmp.path());
    // Kill moments spread after the first checkpoint (milliseconds), from a fixed pseudo-random
    // sequence; a kill before it leaves nothing to resume (tests/system/faults.rs covers that).
    let mut state = 0x2545_f491u64;
    let mut resumed = 0;
    for trial in 0..4 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = (state >> 33) % 100;
        let dir = run_folder(tmp.path(), &format!("killed-{trial}"));
        let mut child = StdCommand::new(cargo_bin("curvegan"))
            .args(base_args(&dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let checkpoint = dir.join("checkpoint.safetensors");
        let started = std::time::Instant::now();
        while !checkpoint.exists() && child.try_wait().unwrap().is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no checkpoint after 120 s"
            );
            sleep(Duration::from_millis(1));
        }
        sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        if child.wait().unwrap().success() {
            continue; // it finished before the kill: nothing was stopped
        }
        // Whatever moment it died at, the checkpoint loads and the run completes exactly.
        resume_quietly(&dir, &[]);
        assert_same(&reference, &dir);
        resumed += 1;
        // No temporary files are left behind by the atomic writes of the finished run.
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.len() <= 1, "temporary files left: {leftovers:?}");
    }
    assert!(
        resumed >= 2,
        "only {resumed} of 4 runs were still running when killed"
    );
}

#[test]
fn ctrl_c_saves_a_checkpoint_and_resume_is_identical() {
    let tmp = TempDir::new().unwrap();
    let reference = reference(tmp.path());
    let dir = run_folder(tmp.path(), "interrupted");
    let mut args = base_args(&dir);
    // No periodic checkpoints: the one on Ctrl-C is the only one.
    args[4] = "0".into();
    let child = StdCommand::new(cargo_bin("curvegan"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sleep(Duration::from_millis(80));
    StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        // The machine was fast enough to finish first; then the run must simply be complete.
        assert_same(&reference, &dir);
        return;
    }
    assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
    assert!(
        stderr.contains(&format!("curvegan resume {}", dir.display())),
        "stderr: {stderr}"
    );
    assert!(dir.join("checkpoint.safetensors").is_file());
    resume_quietly(&dir, &[]);
    assert_same(&reference, &dir);
}

#[test]
fn a_finished_run_can_be_extended_exactly() {
    let tmp = TempDir::new().unwrap();
    let reference = reference(tmp.path());
    let dir = run_folder(tmp.path(), "short");
    let mut args = base_args(&dir);
    args[2] = "1200".into();
    curvegan().args(&args).assert().success();
    resume_quietly(&dir, &["--steps", STEPS]);
    assert_same(&reference, &dir);
}

/// `config.toml` with `steps` raised by hand: `resume` follows it, exactly as `--steps`.
#[test]
fn a_finished_run_extended_by_editing_config_toml_is_identical() {
    let tmp = TempDir::new().unwrap();
    let reference = reference(tmp.path());
    let dir = run_folder(tmp.path(), "edited");
    let mut args = base_args(&dir);
    args[2] = "1200".into();
    curvegan().args(&args).assert().success();
    edit_config(&dir, &[("steps = 1200", &format!("steps = {STEPS}"))]);
    resume_quietly(&dir, &[]);
    assert_same(&reference, &dir);
}

/// Replaces each `(from, to)` line of the run's `config.toml`.
fn edit_config(dir: &Path, edits: &[(&str, &str)]) {
    let path = dir.join("config.toml");
    let mut text = fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in {text}");
        text = text.replace(from, to);
    }
    fs::write(&path, text).unwrap();
}

/// The steps of `metrics.csv` that hold an evaluation.
fn evaluated_steps(dir: &Path) -> Vec<usize> {
    let csv = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let rows = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>());
    rows.filter(|f| !f[5].is_empty())
        .map(|f| f[0].parse().unwrap())
        .collect()
}

/// Every file of a folder with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    files.sort();
    files
}

/// Hand edits of the keys a resume may change are followed, and kept in `config.toml`;
/// evaluations of the old schedule stay in `metrics.csv`; `--steps` wins over the file.
#[test]
fn resume_follows_the_edits_of_config_toml_it_can() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let train = [
        "train",
        "--steps",
        "20",
        "--eval-every",
        "10",
        "--plot-every",
        "0",
    ];
    curvegan()
        .args(train)
        .args(["--quiet", "--out"])
        .arg(&dir)
        .assert()
        .success();
    assert_eq!(evaluated_steps(&dir), [0, 10, 19]);
    edit_config(
        &dir,
        &[
            ("steps = 20", "steps = 40"),
            ("eval_every = 10", "eval_every = 7"),
            ("eval_samples = 1000", "eval_samples = 50"),
            ("plot_every = 0", "plot_every = 30"),
            ("checkpoint_every = 0", "checkpoint_every = 25"),
        ],
    );
    resume_quietly(&dir, &[]);
    // 19 was the first session's extra final evaluation: on neither schedule, it goes.
    assert_eq!(evaluated_steps(&dir), [0, 10, 21, 28, 35, 39]);
    assert!(dir.join("step_00030.png").is_file() && dir.join("step_00039.png").is_file());
    let config = curvegan::config::TrainConfig::load(&dir.join("config.toml")).unwrap();
    assert_eq!(
        (config.steps, config.eval_every, config.eval_samples),
        (40, 7, 50)
    );
    assert_eq!((config.plot_every, config.checkpoint_every), (30, 25));
    // The command line's --steps wins over the file's.
    edit_config(&dir, &[("steps = 40", "steps = 60")]);
    resume_quietly(&dir, &["--steps", "50"]);
    assert_eq!(evaluated_steps(&dir).last(), Some(&49));
}

/// Any other difference between `config.toml` and the checkpoint is refused, naming the keys
/// and both values, and nothing is written; so is a new number of steps under a decay.
#[test]
fn resume_refuses_edits_of_config_toml_that_change_the_run() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let train = ["train", "--steps", "20", "--plot-every", "0", "--quiet"];
    curvegan()
        .args(train)
        .args(["--lr-decay", "linear", "--out"])
        .arg(&dir)
        .assert()
        .success();
    edit_config(
        &dir,
        &[
            ("steps = 20", "steps = 40"),
            ("seed = 0", "seed = 5"),
            ("lr = 0.0001", "lr = 0.001"),
        ],
    );
    let before = contents(&dir);
    let out = curvegan().arg("resume").arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for named in [
        "config.toml",
        "seed (checkpoint 0, config.toml 5)",
        "optim_g.lr (checkpoint 0.0001, config.toml 0.001)",
    ] {
        assert!(stderr.contains(named), "{named} not in {stderr}");
    }
    assert!(!stderr.contains("steps ("), "steps may change: {stderr}");
    assert_eq!(contents(&dir), before, "a refused resume wrote");
    // Only steps left changed: the decay's schedule spans the run's 20 steps.
    edit_config(
        &dir,
        &[("seed = 5", "seed = 0"), ("lr = 0.001", "lr = 0.0001")],
    );
    let before = contents(&dir);
    curvegan()
        .arg("resume")
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("steps").and(predicate::str::contains("decays")));
    assert_eq!(contents(&dir), before, "a refused resume wrote");
}

/// The errors of a resume's checks name the run folder, also those about an option's value
/// or a tensor of the checkpoint.
#[test]
fn resume_errors_name_the_run_folder() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("some-run");
    let train = [
        "train",
        "--steps",
        "5",
        "--plot-every",
        "0",
        "--quiet",
        "--out",
    ];
    curvegan().args(train).arg(&dir).assert().success();
    let folder = dir.display().to_string();
    for steps in ["0", "99999999999"] {
        curvegan()
            .args(["resume", "--steps", steps])
            .arg(&dir)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(&folder));
    }
    // A checkpoint whose weight is past the loader's bound, with a valid checksum.
    let path = dir.join("checkpoint.safetensors");
    let bytes = fs::read(&path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let metadata = serde_json::from_value(header["__metadata__"].clone()).unwrap();
    let mut tensors = curvegan::nn::state_dict::tensors_from_bytes(&bytes).unwrap();
    tensors.get_mut("G.0.weight").unwrap().data[0] = 1e7;
    let crafted = tensors
        .iter()
        .map(|(name, t)| (name.clone(), t.shape.clone(), &t.data[..]));
    let crafted =
        curvegan::nn::state_dict::tensors_to_bytes_with_metadata(crafted, metadata).unwrap();
    fs::write(&path, crafted).unwrap();
    curvegan()
        .args(["resume", "--steps", "9"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(path.display().to_string()))
        .stderr(predicate::str::contains("G.0.weight"));
}

#[test]
fn resume_refuses_bad_requests() {
    let tmp = TempDir::new().unwrap();
    // No checkpoint there.
    curvegan()
        .arg("resume")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("checkpoint"));
    let dir = tmp.path().join("run");
    curvegan()
        .args([
            "train",
            "--steps",
            "20",
            "--quiet",
            "--plot-every",
            "0",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    // Options that would change the run do not exist for resume.
    curvegan()
        .args(["resume", "--seed", "3"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--seed"));
    // Nothing left to do.
    curvegan()
        .args(["resume", "--steps", "10"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--steps"));
    // A corrupted checkpoint is named.
    let checkpoint = dir.join("checkpoint.safetensors");
    let saved = fs::read(&checkpoint).unwrap();
    fs::write(&checkpoint, b"not a checkpoint").unwrap();
    curvegan()
        .args(["resume", "--steps", "40"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("checkpoint.safetensors"));
    fs::write(&checkpoint, saved).unwrap();
    // The old form `train --resume DIR` still works, with --steps and --quiet only.
    curvegan()
        .args(["train", "--seed", "3", "--resume"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--seed"));
    curvegan()
        .args(["train", "--quiet", "--steps", "30", "--resume"])
        .arg(&dir)
        .assert()
        .success();
    let rows = fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 31, "header and 30 steps");
}

#[test]
fn config_file_reproduces_a_run_and_flags_override_it() {
    let tmp = TempDir::new().unwrap();
    let a = tmp.path().join("a");
    curvegan()
        .args([
            "train",
            "--steps",
            "50",
            "--seed",
            "5",
            "--quiet",
            "--plot-every",
            "0",
            "--out",
        ])
        .arg(&a)
        .assert()
        .success();
    let b = tmp.path().join("b");
    curvegan()
        .args(["train", "--quiet", "--config"])
        .arg(a.join("config.toml"))
        .arg("--out")
        .arg(&b)
        .assert()
        .success();
    assert_eq!(
        fs::read(a.join("metrics.csv")).unwrap(),
        fs::read(b.join("metrics.csv")).unwrap()
    );
    let c = tmp.path().join("c");
    curvegan()
        .args(["train", "--quiet", "--steps", "7", "--config"])
        .arg(a.join("config.toml"))
        .arg("--out")
        .arg(&c)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(c.join("metrics.csv"))
            .unwrap()
            .lines()
            .count(),
        8
    );
    // Unknown keys and bad values name the key.
    let bad = tmp.path().join("bad.toml");
    fs::write(&bad, "stepz = 3\n").unwrap();
    curvegan()
        .args(["train", "--config"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stepz"));
    fs::write(&bad, "batch_size = \"many\"\n").unwrap();
    curvegan()
        .args(["train", "--config"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("batch_size"));
}

#[test]
fn divergence_names_the_step_and_keeps_the_last_good_checkpoint() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("diverged");
    // An absurd learning rate takes G's weights to about ±6e5 in its first update (Adam's
    // first step is the rate), past the loader's bound of ±1e6 in its second.
    curvegan()
        .args([
            "train",
            "--loss",
            "lsgan",
            "--lr-g",
            "6e5",
            "--steps",
            "50",
            "--checkpoint-every",
            "1",
            "--plot-every",
            "0",
            "--quiet",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("diverged at step 1"))
        .stderr(predicate::str::contains("checkpoint"))
        .stderr(predicate::str::contains("tensor 'G.0.weight'"));
    let ckpt = curvegan::run::store::checkpoint::load(&dir.join("checkpoint.safetensors")).unwrap();
    assert_eq!(ckpt.step, 1);
    assert!(ckpt
        .weights
        .values()
        .all(|t| t.data.iter().all(|v| v.is_finite())));
    // The checkpoint kept is one resume loads: within the loader's bound.
    let bound = curvegan::nn::state_dict::WEIGHT_BOUND;
    assert!(ckpt
        .weights
        .values()
        .all(|t| t.data.iter().all(|v| v.abs() <= bound)));
}

/// Weights past the loader's sanity bound stop training at the step they appear, naming the
/// tensor: the run never ends "finished" with weights sample, eval and resume refuse. Weights
/// gone infinite are named too, not the (finite) losses printed.
#[test]
fn weights_past_the_loaders_bound_stop_training() {
    let tmp = TempDir::new().unwrap();
    for (rate, what) in [("1e10", "beyond the sanity bound"), ("1e38", "non-finite")] {
        let dir = tmp.path().join(format!("lr-{rate}"));
        let args = ["train", "--steps", "50", "--plot-every", "0", "--quiet"];
        let out = curvegan()
            .args(args)
            .args(["--lr-g", rate, "--out"])
            .arg(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        for named in ["diverged at step 0", "tensor 'G.0.weight'", what, "--lr-g"] {
            assert!(stderr.contains(named), "{named} not in {stderr}");
        }
        assert!(!dir.join("generator.safetensors").exists(), "{stderr}");
    }
}

/// A formula NaN for a draw the check before training did not meet stops training with an
/// error naming the step and the draw (exit 1: not bad input), marks the run failed, and says
/// what to do; resuming meets the same draw again.
#[test]
fn a_formula_nan_at_a_rare_draw_names_the_step_and_the_draw() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("rare");
    // NaN where |a − 0.37| < 1e-5: 2e-5 of the draws, missed by the 4096 checked.
    let args = [
        "train",
        "--target",
        "sqrt(abs(a-0.37)-0.00001)*x",
        "--param",
        "a=uniform(0,1)",
        "--steps",
        "3000",
        "--checkpoint-every",
        "5",
        "--eval-every",
        "0",
        "--plot-every",
        "0",
        "--quiet",
        "--out",
    ];
    let out = curvegan().args(args).arg(&dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for named in ["step 14", "with a = 0.3699", "x = ", "Narrow", "--param"] {
        assert!(stderr.contains(named), "{named} not in {stderr}");
    }
    let record = fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(record.contains("\"status\": \"failed\""), "{record}");
    curvegan()
        .arg("resume")
        .arg(&dir)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("step 14"));
}
