//! The binary's side of run integrity: special output files, identical checkpoints of
//! identical runs in separate processes, and a changed data file refused by resume (exit 2).

use std::fs;

use crate::common::curvegan;
use tempfile::TempDir;

const SMALL: [&str; 10] = [
    "--steps",
    "12",
    "--batch-size",
    "8",
    "--hidden",
    "8",
    "--plot-every",
    "0",
    "--quiet",
    "--checkpoint-every",
];

/// Item 13: `sample --out /dev/null` writes to the device and leaves it a device.
#[cfg(unix)]
#[test]
fn sample_to_dev_null_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    curvegan()
        .arg("train")
        .args(SMALL)
        .arg("5")
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    curvegan()
        .args(["sample", "--out", "/dev/null", "--run"])
        .arg(&run)
        .assert()
        .success();
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// Item 15: two processes with the same settings write byte-identical checkpoints.
#[test]
fn identical_runs_write_identical_checkpoints() {
    let tmp = TempDir::new().unwrap();
    let run = |name: &str| {
        let dir = tmp.path().join(name);
        curvegan()
            .arg("train")
            .args(SMALL)
            .arg("5")
            .arg("--out")
            .arg(&dir)
            .assert()
            .success();
        fs::read(dir.join("checkpoint.safetensors")).unwrap()
    };
    assert!(run("a") == run("b"), "the checkpoints differ");
}

/// Item 12: resume names a changed data file and exits with 2; sampling needs no data file.
#[test]
fn resume_refuses_a_changed_data_file() {
    let tmp = TempDir::new().unwrap();
    let csv = tmp.path().join("curves.csv");
    let rows: String = (0..20).map(|i| format!("{i},{},1\n", i * 2)).collect();
    fs::write(&csv, &rows).unwrap();
    let run = tmp.path().join("run");
    curvegan()
        .arg("train")
        .args(SMALL)
        .arg("5")
        .arg("--data")
        .arg(&csv)
        .arg("--out")
        .arg(&run)
        .assert()
        .success();
    fs::write(&csv, format!("{rows}1,2,3\n")).unwrap();
    let out = curvegan()
        .args(["resume", "--quiet", "--steps", "20"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("curves.csv") && stderr.contains("has changed"),
        "{stderr}"
    );
    fs::remove_file(&csv).unwrap();
    curvegan()
        .args(["sample", "--n", "3", "--run"])
        .arg(&run)
        .assert()
        .success();
}
