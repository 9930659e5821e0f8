//! Run folders opened for writing: the lock, `--force` replacing a run, what a failed run and a
//! killed process leave behind, and a failed resume that changes nothing.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use curvegan::nn::optim::OptimizerConfig;
use curvegan::run::store::folder::RunFolder;
use curvegan::{resume, train, TrainConfig};
use tempfile::TempDir;

use crate::common::{out, small};

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            for (inner, bytes) in snapshot(&path) {
                files.insert(format!("{name}/{inner}"), bytes);
            }
        } else {
            files.insert(name, fs::read(&path).unwrap());
        }
    }
    files
}

#[test]
fn a_locked_run_folder_cannot_be_written_by_another_writer() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let held = RunFolder::create(&dir, false).unwrap();
    for err in [
        train(&small(3), &out(&dir, true), &mut ()).unwrap_err(),
        RunFolder::open(&dir, "resume").unwrap_err(),
    ] {
        let err = err.to_string();
        assert!(err.contains("another curvegan process"), "{err}");
        assert!(err.contains(&dir.display().to_string()), "{err}");
    }
    assert_eq!(snapshot(&dir).keys().collect::<Vec<_>>(), [".lock"]);
    // The kernel releases the lock with its holder.
    drop(held);
    train(&small(3), &out(&dir, false), &mut ()).unwrap();
}

#[test]
fn force_replaces_the_whole_old_run_and_refuses_foreign_files() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let old = TrainConfig {
        plot_every: 2,
        keep_best: Some("mse_to_target".into()),
        eval_every: 2,
        ..small(5)
    };
    train(&old, &out(&dir, false), &mut ()).unwrap();
    fs::write(dir.join(".metrics.csv.tmp-999999"), "stale").unwrap();
    // A figure the live view saved (the `s` key).
    fs::write(dir.join("live_step_00004.png"), "png").unwrap();
    assert!(dir.join("best").is_dir() && dir.join("step_00004.png").is_file());
    train(&small(3), &out(&dir, true), &mut ()).unwrap();
    let names: Vec<String> = snapshot(&dir).into_keys().collect();
    assert_eq!(
        names,
        [
            ".lock",
            "checkpoint.safetensors",
            "config.toml",
            "discriminator.safetensors",
            "generator.safetensors",
            "live.json",
            "losses.png",
            "metrics.csv",
            "report.html",
            "run.json"
        ]
    );
    // A file curvegan does not write: --force refuses the folder and removes nothing.
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let before = snapshot(&dir);
    let err = train(&small(2), &out(&dir, true), &mut ())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("notes.txt") && err.contains("invalid out"),
        "{err}"
    );
    assert_eq!(snapshot(&dir), before);
}

/// A run that fails once it has trained keeps its folder, with what shows the failure (issue
/// 23, item 3: it used to remove the folders it had created, figures and all); a run that
/// cannot start creates none.
#[test]
fn a_failed_run_keeps_its_folder_and_one_that_cannot_start_creates_none() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("a")).unwrap();
    let dir = tmp.path().join("a/p1/p2/run");
    // Diverges before its first checkpoint, after its first steps (a rate that breaks the
    // weights' bound in the very first step leaves no row to keep).
    let diverging = TrainConfig {
        optim_g: OptimizerConfig::adam(6e5),
        optim_d: OptimizerConfig::adam(6e5),
        checkpoint_every: 0,
        plot_every: 1,
        ..small(50)
    };
    let err = train(&diverging, &out(&dir, false), &mut ()).unwrap_err();
    assert!(err.to_string().contains("diverged"), "{err}");
    let record = curvegan::run::store::run_json::RunRecord::load(&dir)
        .unwrap()
        .unwrap();
    assert_eq!(
        record.status,
        curvegan::run::store::run_json::Status::Failed
    );
    assert!(record.error.unwrap().contains("diverged"));
    let metrics = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert!(metrics.lines().count() >= 2, "{metrics}");
    for kept in ["step_00000.png", "losses.png", "report.html", "config.toml"] {
        assert!(dir.join(kept).is_file(), "{kept} not kept");
    }
    assert!(!dir.join("checkpoint.safetensors").exists());
    // The folders of a run that cannot start are never created.
    let other = tmp.path().join("a/q1/q2/run");
    let err = train(
        &TrainConfig {
            batch_size: 0,
            ..small(3)
        },
        &out(&other, false),
        &mut (),
    );
    assert!(err.is_err());
    assert!(!tmp.path().join("a/q1").exists());
}

#[test]
fn resume_removes_temporary_files_of_killed_processes() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    train(&small(3), &out(&dir, false), &mut ()).unwrap();
    let stale = [".checkpoint.safetensors.tmp-123", ".metrics.csv.tmp-45"];
    for name in stale {
        fs::write(dir.join(name), "half").unwrap();
    }
    fs::write(dir.join(".notmine.tmp-x"), "kept").unwrap();
    resume(&dir, Some(5), &[], &mut ()).unwrap();
    for name in stale {
        assert!(!dir.join(name).exists(), "{name} left behind");
    }
    assert!(dir.join(".notmine.tmp-x").exists());
}

#[test]
fn a_failed_resume_changes_nothing() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let decayed = TrainConfig {
        lr_decay: curvegan::config::LrDecay::Linear,
        ..small(6)
    };
    train(&decayed, &out(&dir, false), &mut ()).unwrap();
    fs::write(dir.join(".metrics.csv.tmp-77"), "stale").unwrap();
    let before = snapshot(&dir);
    for steps in [Some(2), Some(6), Some(9), None] {
        assert!(resume(&dir, steps, &[], &mut ()).is_err(), "{steps:?}");
        assert_eq!(snapshot(&dir), before, "--steps {steps:?}");
    }
    // A checkpoint whose config was edited to fail validation: its checksum refuses it first.
    let path = dir.join("checkpoint.safetensors");
    let bytes = fs::read(&path).unwrap();
    let pattern = b"batch_size = 8";
    let at = bytes
        .windows(pattern.len())
        .position(|w| w == pattern)
        .unwrap();
    let mut bad = bytes.clone();
    bad[at + "batch_size = ".len()] = b'0';
    fs::write(&path, bad).unwrap();
    let before = snapshot(&dir);
    let err = resume(&dir, None, &[], &mut ()).unwrap_err().to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn temporary_names_old_and_new_are_recognised() {
    use curvegan::run::store::files::is_temporary;
    for name in [".metrics.csv.tmp-123", ".metrics.csv.tmp-123-4", ".a.tmp-1"] {
        assert!(is_temporary(name), "{name}");
    }
    for name in [
        "metrics.csv.tmp-123",
        ".metrics.csv.tmp-",
        ".metrics.csv.tmp-x",
        ".metrics.csv.tmp-12-",
        ".metrics.csv.tmp-12-x",
        "..tmp-1",
        ".tmp-1",
    ] {
        assert!(!is_temporary(name), "{name}");
    }
}

/// Issue 23, items 2 and 5: a folder's files are written through its descriptor — after a
/// rename, into the renamed folder — and never through a symlink planted at a temporary's name.
#[test]
fn a_dir_writes_its_own_folder_and_never_through_a_planted_symlink() {
    use curvegan::run::store::files::Dir;
    let tmp = TempDir::new().unwrap();
    let path = tmp.path().join("run");
    fs::create_dir(&path).unwrap();
    let dir = Dir::open(&path).unwrap();
    let outside = tmp.path().join("outside.txt");
    fs::write(&outside, "not yours").unwrap();
    let planted = path.join(format!(".metrics.csv.tmp-{}", std::process::id()));
    std::os::unix::fs::symlink(&outside, &planted).unwrap();
    dir.write("metrics.csv", b"rows").unwrap();
    assert_eq!(fs::read_to_string(&outside).unwrap(), "not yours");
    assert!(fs::symlink_metadata(path.join("metrics.csv"))
        .unwrap()
        .file_type()
        .is_file());
    assert!(fs::symlink_metadata(&planted)
        .unwrap()
        .file_type()
        .is_symlink());
    // Moved, with a new folder at its path: the writes follow the folder.
    fs::rename(&path, tmp.path().join("moved")).unwrap();
    fs::create_dir(&path).unwrap();
    dir.write("config.toml", b"steps = 1").unwrap();
    assert_eq!(dir.read_at_most("metrics.csv", 100).unwrap(), b"rows");
    assert!(tmp.path().join("moved/config.toml").is_file());
    assert_eq!(fs::read_dir(&path).unwrap().count(), 0);
    // Errors name the path it was opened as.
    let err = dir
        .read_at_most("missing.csv", 100)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&path.join("missing.csv").display().to_string()),
        "{err}"
    );
    assert_eq!(dir.written(), ["config.toml", "metrics.csv"]);
}
