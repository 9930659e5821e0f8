//! Fault injection at every write of a run: a small run is killed, or fails with an I/O
//! error, at each write point of `write_atomic` in turn (the `CURVEGAN_FAULT` testing hook,
//! see `curvegan::run::store::files::fault`), then recovered as a user would — `curvegan resume` if
//! a checkpoint exists, else the same `train` again — and must end byte-identical to a run
//! never disturbed.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tempfile::TempDir;

use crate::common::{curvegan, train_args_with};

/// Every kind of file: config.toml, step figures, best/ (improved at steps 0 and 100),
/// periodic and final checkpoints, metrics.csv, losses.png, both weights, report.html (at
/// each figure step and at the end).
fn train_args(out: &Path) -> Vec<String> {
    train_args_with(
        &[
            "--steps",
            "300",
            "--lr-g",
            "1e-3",
            "--lr-d",
            "1e-3",
            "--checkpoint-every",
            "100",
            "--plot-every",
            "100",
            "--eval-every",
            "100",
            "--eval-samples",
            "100",
            "--keep-best",
            "mse_to_target",
        ],
        out,
    )
}

/// The files a recovered run must have byte-identical to the undisturbed one.
const SAME: [&str; 6] = [
    "metrics.csv",
    "generator.safetensors",
    "discriminator.safetensors",
    "best/best.json",
    "best/generator.safetensors",
    "best/discriminator.safetensors",
];

/// The write points of the undisturbed run, as `CURVEGAN_FAULT=count` prints them.
fn write_points(dir: &Path) -> Vec<String> {
    let out = curvegan()
        .env("CURVEGAN_FAULT", "count")
        .args(train_args(dir))
        .output()
        .unwrap();
    assert!(out.status.success());
    let points: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("curvegan-fault: write point "))
        .enumerate()
        .map(|(i, l)| {
            let (n, what) = l.split_once(": ").unwrap();
            assert_eq!(n, (i + 1).to_string());
            what.replace(&dir.display().to_string(), "RUN")
        })
        .collect();
    for file in [
        "config.toml",
        "step_00000.png",
        "best/best.json",
        "checkpoint.safetensors",
        "metrics.csv",
        "losses.png",
        "generator.safetensors",
        "report.html",
    ] {
        for step in ["create", "write", "fsync ", "rename", "fsync-dir"] {
            assert!(
                points
                    .iter()
                    .any(|p| p.starts_with(step) && p.ends_with(file)),
                "no {step} of {file} among {points:?}"
            );
        }
    }
    points
}

/// Runs the faulted run and its recovery; `Err` says what went wrong.
fn fault_and_recover(dir: &Path, fault: &str, reference: &Path) -> Result<(), String> {
    let out = curvegan()
        .env("CURVEGAN_FAULT", fault)
        .args(train_args(dir))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let expected = match fault.ends_with("kill") {
        true => [Some(137), Some(137)],
        // An error at the folder's fsync is ignored: that fsync is best effort.
        false => [Some(1), Some(0)],
    };
    if !expected.contains(&out.status.code()) {
        return Err(format!("faulted run exited {:?}: {stderr}", out.status));
    }
    if out.status.code() == Some(1) && !stderr.contains("injected I/O error") {
        return Err(format!("the error does not name the fault: {stderr}"));
    }
    if !out.status.success() {
        let mut recover = curvegan();
        match dir.join("checkpoint.safetensors").exists() {
            true => recover.args(["resume", "--quiet"]).arg(dir),
            false => recover.args(train_args(dir)).arg("--force"),
        };
        let r = recover.output().unwrap();
        // Killed after the last write had taken effect (at the folder's fsync of the last
        // file): the run is whole, and resume says it has nothing left to do.
        let finished = r.status.code() == Some(2)
            && String::from_utf8_lossy(&r.stderr).contains("already has");
        if !r.status.success() && !finished {
            return Err(format!(
                "recovery failed: {}",
                String::from_utf8_lossy(&r.stderr).trim()
            ));
        }
    }
    for f in SAME {
        if fs::read(dir.join(f)).ok() != fs::read(reference.join(f)).ok() {
            return Err(format!("{f} differs from the undisturbed run"));
        }
    }
    Ok(())
}

#[test]
fn killed_or_failed_at_every_write_point_recovers_byte_identical() {
    let tmp = TempDir::new().unwrap();
    let reference = tmp.path().join("reference");
    let points = write_points(&reference);
    let cases: Vec<(usize, &str)> = (1..=points.len())
        .flat_map(|n| [(n, "kill"), (n, "eio")])
        .collect();
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(&(n, kind)) = cases.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return;
                };
                let dir: PathBuf = tmp.path().join(format!("{kind}-{n}"));
                let fault = format!("write:{n}:{kind}");
                if let Err(e) = fault_and_recover(&dir, &fault, &reference) {
                    let what = &points[n - 1];
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{fault} ({what}): {e}"));
                }
                let _ = fs::remove_dir_all(&dir);
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| {
        let n: usize = f.split(':').nth(1).unwrap().parse().unwrap();
        (n, f.clone())
    });
    assert!(
        failures.is_empty(),
        "{} of {} faulted runs did not recover exactly:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
