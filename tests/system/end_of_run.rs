//! The end of a run and its folder through the binary: a process killed between the final
//! checkpoint and the final outputs is finished by `resume`; two processes racing for one
//! folder; `sweep` and `bench modes` refuse a non-empty `--out`.

use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use assert_cmd::cargo::cargo_bin;
use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{curvegan, resume_quietly, run_folder, stdout_of, train_args_with};

fn train_args(out: &Path) -> Vec<String> {
    train_args_with(&["--steps", "300", "--plot-every", "100"], out)
}

/// Written after the final checkpoint, in this order.
const FINAL: [&str; 4] = [
    "metrics.csv",
    "losses.png",
    "generator.safetensors",
    "discriminator.safetensors",
];

fn assert_same(a: &Path, b: &Path) {
    for f in FINAL.iter().chain(&["config.toml", "step_00200.png"]) {
        assert!(
            fs::read(a.join(f)).ok() == fs::read(b.join(f)).ok(),
            "{f} differs from the uninterrupted run"
        );
    }
}

#[test]
fn killed_after_the_final_checkpoint_resume_finishes_the_outputs() {
    let tmp = TempDir::new().unwrap();
    let reference = run_folder(tmp.path(), "reference");
    curvegan().args(train_args(&reference)).assert().success();
    // Nothing missing: the finished run has nothing to resume.
    curvegan()
        .arg("resume")
        .arg(&reference)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already has 300 steps"));
    // `metrics.csv` is written before every checkpoint; after the final one come the other
    // outputs. Killed after the checkpoint and after each of them but the last; or a final
    // output damaged.
    let after_checkpoint = &FINAL[1..];
    for crash in 0..=after_checkpoint.len() {
        let dir = run_folder(tmp.path(), &format!("crash-{crash}"));
        curvegan().args(train_args(&dir)).assert().success();
        match crash {
            c if c < after_checkpoint.len() => {
                for f in &after_checkpoint[c..] {
                    fs::remove_file(dir.join(f)).unwrap();
                }
            }
            _ => fs::write(dir.join("generator.safetensors"), b"bad").unwrap(),
        }
        resume_quietly(&dir, &[]);
        assert_same(&reference, &dir);
        stdout_of(curvegan().args(["sample", "--n", "2", "--run"]).arg(&dir));
    }
    // A metrics.csv shorter than the checkpoint says cannot give back its rows: refused,
    // naming it, and nothing is changed.
    let dir = tmp.path().join("damaged");
    curvegan().args(train_args(&dir)).assert().success();
    fs::write(dir.join("metrics.csv"), b"step,d_loss\n0,1\n").unwrap();
    curvegan()
        .args(["resume", "--quiet"])
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("metrics.csv"));
    assert_eq!(
        fs::read(dir.join("metrics.csv")).unwrap(),
        b"step,d_loss\n0,1\n"
    );
}

#[test]
fn two_processes_one_folder_the_loser_fails_and_changes_nothing() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let mut args = train_args(&dir);
    args[2] = "2000".into();
    args.push("--force".into());
    let spawn = || {
        StdCommand::new(cargo_bin("curvegan"))
            .args(&args)
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(spawn);
        let b = s.spawn(spawn);
        (a.join().unwrap(), b.join().unwrap())
    });
    let codes = [a.status.code(), b.status.code()];
    assert!(
        codes == [Some(0), Some(2)] || codes == [Some(2), Some(0)],
        "{codes:?}"
    );
    let loser = if codes[0] == Some(2) { &a } else { &b };
    let stderr = String::from_utf8_lossy(&loser.stderr);
    assert!(
        stderr.contains("another curvegan process") && stderr.contains(&dir.display().to_string()),
        "{stderr}"
    );
    // The winner's folder is one run: the same bytes as a run alone.
    let alone = run_folder(tmp.path(), "alone");
    curvegan()
        .args(train_args_with(
            &["--steps", "2000", "--plot-every", "100"],
            &alone,
        ))
        .assert()
        .success();
    assert_same(&alone, &dir);
}

#[test]
fn sweep_and_bench_refuse_a_non_empty_out_without_force() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("notes.txt"), "mine").unwrap();
    for args in [
        &["sweep", "--seeds", "0..1", "--steps", "2", "--out"][..],
        &[
            "bench",
            "modes",
            "--dataset",
            "ring8",
            "--trials",
            "1",
            "--steps",
            "2",
            "--out",
        ],
    ] {
        curvegan().args(args).arg(&root).assert().code(2).stderr(
            predicate::str::contains(root.display().to_string())
                .and(predicate::str::contains("--force")),
        );
        let names: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["notes.txt"], "{args:?}");
    }
}
