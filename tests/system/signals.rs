//! Real signals sent to the real binary mid-run: SIGTERM and SIGHUP (what `kill`, `timeout`,
//! Slurm and Kubernetes send) stop a run as Ctrl-C does — a checkpoint, exit code 130, a line
//! saying how to resume — and the resumed run is byte-identical to one never stopped; a
//! second signal during a long evaluation stops the process at once.

use std::fs;
use std::path::Path;
use std::process::Child;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::common::{curvegan, resume_quietly, run_folder, send, spawn, stderr_of, wait_at_most};

fn args(out: &Path, extra: &[&str]) -> Vec<String> {
    ["train", "--quiet", "--out", &out.display().to_string()]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

/// A 3000-step run with no periodic checkpoint: the one the signal saves is the only one.
const LONG: [&str; 8] = [
    "--steps",
    "3000",
    "--checkpoint-every",
    "0",
    "--plot-every",
    "1000",
    "--eval-every",
    "500",
];

/// Waits until the run has written `config.toml`: its signal handler is installed by then.
fn wait_started(dir: &Path, child: &mut Child) {
    let t = Instant::now();
    while !dir.join("config.toml").exists() {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the run never started"
        );
        sleep(Duration::from_millis(2));
    }
}

#[test]
fn sigterm_and_sighup_save_a_checkpoint_and_resume_is_identical() {
    let tmp = TempDir::new().unwrap();
    let reference = run_folder(tmp.path(), "reference");
    curvegan().args(args(&reference, &LONG)).assert().success();
    for signal in ["TERM", "HUP"] {
        let dir = run_folder(tmp.path(), signal);
        let mut child = spawn(&args(&dir, &LONG));
        wait_started(&dir, &mut child);
        sleep(Duration::from_millis(30));
        send(signal, child.id());
        let status = wait_at_most(&mut child, Duration::from_secs(60));
        let stderr = stderr_of(&mut child);
        if !status.success() {
            assert_eq!(status.code(), Some(130), "SIG{signal}; stderr: {stderr}");
            assert!(
                stderr.contains(&format!("curvegan resume {}", dir.display())),
                "SIG{signal}; stderr: {stderr}"
            );
            let ckpt = curvegan::run::store::checkpoint::load(&dir.join("checkpoint.safetensors"));
            assert!(ckpt.unwrap().step < 3000);
            resume_quietly(&dir, &[]);
        } // else the machine finished first; the run must then simply be complete
        for f in [
            "metrics.csv",
            "generator.safetensors",
            "discriminator.safetensors",
            "step_02000.png",
        ] {
            assert_eq!(
                fs::read(reference.join(f)).unwrap(),
                fs::read(dir.join(f)).unwrap(),
                "SIG{signal}: {f} differs from the uninterrupted run"
            );
        }
    }
}

#[test]
fn a_second_ctrl_c_stops_a_long_evaluation_at_once() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    // Checkpoints after steps 1 to 4; the last step's evaluation (O(N²) metrics on 20000
    // samples) then takes far longer than the test waits.
    let run = args(
        &dir,
        &[
            "--steps",
            "5",
            "--checkpoint-every",
            "1",
            "--plot-every",
            "0",
            "--eval-every",
            "0",
            "--eval-samples",
            "20000",
            "--eval-metrics",
            "all",
        ],
    );
    let mut child = spawn(&run);
    let checkpoint = dir.join("checkpoint.safetensors");
    let t = Instant::now();
    while curvegan::run::store::checkpoint::load(&checkpoint)
        .ok()
        .map(|c| c.step)
        != Some(4)
    {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "no checkpoint at step 4"
        );
        sleep(Duration::from_millis(5));
    }
    sleep(Duration::from_millis(100)); // into the evaluation
    send("INT", child.id());
    sleep(Duration::from_millis(100));
    assert!(
        child.try_wait().unwrap().is_none(),
        "one Ctrl-C does not stop an evaluation"
    );
    send("INT", child.id());
    let status = wait_at_most(&mut child, Duration::from_secs(5));
    let stderr = stderr_of(&mut child);
    assert_eq!(status.code(), Some(130), "stderr: {stderr}");
    assert!(stderr.contains("interrupted again"), "stderr: {stderr}");
    // The previous checkpoint is intact, and the run did not pretend to finish.
    assert_eq!(
        curvegan::run::store::checkpoint::load(&checkpoint)
            .unwrap()
            .step,
        4
    );
    assert!(!dir.join("generator.safetensors").exists());
}
