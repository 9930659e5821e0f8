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
    // sequence; a kill before it leaves nothing to resume (tests/cli/faults.rs covers that).
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
    // An absurd learning rate blows G's weights up after its first update.
    curvegan()
        .args([
            "train",
            "--loss",
            "lsgan",
            "--lr-g",
            "1e10",
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
        .stderr(predicate::str::contains("checkpoint"));
    let ckpt = curvegan::run::checkpoint::load(&dir.join("checkpoint.safetensors")).unwrap();
    assert_eq!(ckpt.step, 1);
    assert!(ckpt
        .weights
        .values()
        .all(|t| t.data.iter().all(|v| v.is_finite())));
}
