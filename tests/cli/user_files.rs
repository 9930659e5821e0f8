//! A user's files and a user's runs are never lost (issue 23, items 1–6 and the free-space
//! check of item 17), through the real binary, real signals and real files:
//!
//! - `train --force` checks the whole tree (`best/` too) and every permission before it
//!   removes anything;
//! - a run whose folder is renamed or removed mid-run keeps writing its own folder, never the
//!   new one made at its old path;
//! - a run that fails keeps its folder (metrics, figures) and never removes a file of yours;
//! - `sample --out` refuses any file of a run (by name, symlink or hard link), and an output
//!   larger than the free space;
//! - temporaries are never opened through a symlink planted at their name;
//! - an interrupted `sample --out` removes its temporary; a killed one's is removed by the next
//!   write.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Output};
use std::thread::sleep;
use std::time::Duration;

use assert_cmd::cargo::cargo_bin;
use tempfile::TempDir;

use crate::common::{curvegan, send, spawn, stderr_of, train_args_with, wait_at_most, wait_for};

/// A small run with every kind of file: step figures, best/, periodic checkpoints.
const SMALL: [&str; 12] = [
    "--steps",
    "300",
    "--plot-every",
    "100",
    "--eval-every",
    "100",
    "--eval-samples",
    "100",
    "--keep-best",
    "mse_to_target",
    "--checkpoint-every",
    "100",
];

/// A run long enough (a second or two) to be disturbed while it trains.
const LONG: [&str; 16] = [
    "--hidden",
    "32",
    "--batch-size",
    "16",
    "--steps",
    "3000",
    "--plot-every",
    "500",
    "--eval-every",
    "500",
    "--eval-samples",
    "200",
    "--keep-best",
    "mse_to_target",
    "--checkpoint-every",
    "500",
];

/// Every file under `dir` with its bytes (symlinks as `-> TARGET`).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kind = fs::symlink_metadata(&path).unwrap().file_type();
        if kind.is_symlink() {
            let target = fs::read_link(&path).unwrap();
            files.insert(name, format!("-> {}", target.display()).into_bytes());
        } else if kind.is_dir() {
            for (inner, bytes) in snapshot(&path) {
                files.insert(format!("{name}/{inner}"), bytes);
            }
        } else {
            files.insert(name, fs::read(&path).unwrap());
        }
    }
    files
}

fn train(options: &[&str], out: &Path) -> Output {
    curvegan()
        .args(train_args_with(options, out))
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names in `dir` that start with `prefix`.
fn names_starting(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

// Item 1: `train --force` and the whole tree.

#[test]
fn force_keeps_a_file_of_yours_inside_best() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    assert!(train(&SMALL, &dir).status.success());
    for mine in ["best/notes.txt", "best/plots/a.png"] {
        let path = dir.join(mine);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "mine").unwrap();
        let before = snapshot(&dir);
        let out = train(&["--steps", "5", "--force"], &dir);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        let named = mine.split('/').take(2).collect::<Vec<_>>().join("/");
        assert!(err.contains(&named) && err.contains("--out"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(snapshot(&dir), before, "{mine}: the old run changed");
        fs::remove_dir_all(dir.join("best/plots")).ok();
        fs::remove_file(&path).ok();
    }
    // Without them, the run is replaced.
    assert!(train(&["--steps", "5", "--force"], &dir).status.success());
    assert!(!dir.join("best").exists());
}

/// The command line of `curvegan ARGS…` as an unprivileged user (root ignores permission
/// bits): `setpriv` to `nobody` when this test runs as root.
fn unprivileged(args: &[String]) -> StdCommand {
    let root = fs::metadata("/proc/self").map(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    });
    match root {
        Ok(true) => {
            let mut cmd = StdCommand::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
            cmd.arg(cargo_bin("curvegan")).args(args);
            cmd
        }
        _ => {
            let mut cmd = StdCommand::new(cargo_bin("curvegan"));
            cmd.args(args);
            cmd
        }
    }
}

#[test]
fn force_that_could_not_remove_everything_removes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new().unwrap();
    // Reachable and writable by the unprivileged user.
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let dir = tmp.path().join("run");
    let out = unprivileged(&train_args_with(&SMALL, &dir))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    for blocked in ["best", "."] {
        let folder = dir.join(blocked);
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o555)).unwrap();
        let before = snapshot(&dir);
        let out = unprivileged(&train_args_with(&["--steps", "5", "--force"], &dir))
            .output()
            .unwrap();
        let err = stderr(&out);
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(out.status.code(), Some(2), "{blocked}: {err}");
        assert!(
            err.contains("--out") && err.contains("nothing was removed"),
            "{err}"
        );
        assert_eq!(snapshot(&dir), before, "{blocked}: the old run changed");
    }
}

// Item 2: the folder swapped under a running run.

/// The files of a run that must equal, byte for byte, those of an undisturbed run.
const SAME: [&str; 8] = [
    "metrics.csv",
    "generator.safetensors",
    "discriminator.safetensors",
    "checkpoint.safetensors",
    "config.toml",
    "best/best.json",
    "best/generator.safetensors",
    "best/discriminator.safetensors",
];

fn assert_same_run(got: &Path, want: &Path) {
    for f in SAME {
        assert!(
            fs::read(got.join(f)).ok() == fs::read(want.join(f)).ok(),
            "{f} of {} differs from {}",
            got.display(),
            want.display()
        );
    }
}

/// `mv X X.old` (or `rm -rf X`) while a run trains in X, then a new folder X and a second run
/// into it: both finish (the first one, when its folder was removed, fails writing without
/// touching the new X).
fn swap_mid_run(remove: bool) {
    let tmp = TempDir::new().unwrap();
    let reference = |seed: &str| {
        let dir = tmp.path().join(format!("ref-{seed}"));
        let out = train(&[&LONG[..], &["--seed", seed]].concat(), &dir);
        assert!(out.status.success(), "{}", stderr(&out));
        dir
    };
    let x = tmp.path().join("X");
    let old = tmp.path().join("X.old");
    let mut a = spawn(&train_args_with(
        &[&LONG[..], &["--seed", "0"]].concat(),
        &x,
    ));
    // Once it has written step 0's files (best/, its figure, live.json, then report.html), in
    // the quiet steps before its next evaluation.
    wait_for(&x.join("report.html"), &mut a, Duration::from_secs(60));
    match remove {
        // As `rm -rf` does, again if the run made a file meanwhile.
        true => {
            while x.exists() {
                let _ = fs::remove_dir_all(&x);
            }
        }
        false => fs::rename(&x, &old).unwrap(),
    }
    // A new folder at once at the old path, then a second run into it.
    fs::create_dir(&x).unwrap();
    assert!(
        a.try_wait().unwrap().is_none(),
        "the first run ended too soon"
    );
    let b = train(&[&LONG[..], &["--seed", "1"]].concat(), &x);
    let a_status = wait_at_most(&mut a, Duration::from_secs(120));
    let a_err = stderr_of(&mut a);
    assert!(b.status.success(), "second run: {}", stderr(&b));
    assert_same_run(&x, &reference("1"));
    match remove {
        // Its folder is gone: its writes fail, and nothing of it lands in the new X.
        true => assert!(!a_status.success(), "{a_err}"),
        false => {
            assert!(a_status.success(), "moved run: {a_err}");
            assert_same_run(&old, &reference("0"));
            let record = fs::read_to_string(old.join("run.json")).unwrap();
            assert!(record.contains("\"finished\""), "{record}");
        }
    }
    let record = fs::read_to_string(x.join("run.json")).unwrap();
    assert!(record.contains("\"finished\""), "{record}");
}

#[test]
fn a_run_whose_folder_is_moved_keeps_writing_its_own() {
    swap_mid_run(false);
}

#[test]
fn a_run_whose_folder_is_removed_never_writes_the_new_one() {
    swap_mid_run(true);
}

// Item 3: a failed run keeps its folder.

#[test]
fn a_run_that_diverges_keeps_its_metrics_and_figures() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("a/b/run");
    // An unclipped WGAN critic whose weights grow past the loader's bound (±1e6) after a few
    // steps (RMSprop, the loss's optimizer, moves each by up to ten times the rate an update).
    let diverging = [
        "--loss",
        "wgan",
        "--clip",
        "1e38",
        "--activation",
        "tanh",
        "--lr-d",
        "5e3",
        "--steps",
        "1000",
        "--plot-every",
        "5",
        "--checkpoint-every",
        "0",
    ];
    let out = train(&diverging, &dir);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let step: usize = err
        .split("diverged at step ")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no step in: {err}"));
    let record = fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(
        record.contains("\"failed\"") && record.contains("diverged"),
        "{record}"
    );
    assert!(dir.join("report.html").is_file() && dir.join("config.toml").is_file());
    assert!(step > 0, "diverged at its first step: {err}");
    // The rows of the steps it trained, and their figures.
    let metrics = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), step + 1, "{metrics}");
    assert!(dir.join("step_00000.png").is_file() && dir.join("losses.png").is_file());
}

#[test]
fn a_file_of_yours_survives_a_failed_run() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("new/run");
    let args = train_args_with(&[&LONG[..4], &["--steps", "3000"]].concat(), &dir);
    let mut run = spawn(&args);
    wait_for(&dir.join("run.json"), &mut run, Duration::from_secs(60));
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    // A folder where the run's metrics.csv goes: its final write fails.
    fs::create_dir(dir.join("metrics.csv")).unwrap();
    let status = wait_at_most(&mut run, Duration::from_secs(120));
    let err = stderr_of(&mut run);
    assert!(!status.success(), "{err}");
    assert!(err.contains("metrics.csv"), "{err}");
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    let record = fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(record.contains("\"failed\""), "{record}");
    assert!(dir.join("step_00000.png").is_file());
}

#[test]
fn a_run_that_fails_before_its_first_step_leaves_nothing() {
    let tmp = TempDir::new().unwrap();
    fs::create_dir(tmp.path().join("a")).unwrap();
    let dir = tmp.path().join("a/p1/p2/run");
    // An I/O error at the first write (run.json), then at the second (config.toml).
    for n in [1, 2, 4, 6] {
        let out = curvegan()
            .env("CURVEGAN_FAULT", format!("write:{n}:eio"))
            .args(train_args_with(&["--steps", "5"], &dir))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(!tmp.path().join("a/p1").exists(), "write point {n}");
    }
    // Into a folder that was there: it stays, empty.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let out = curvegan()
        .env("CURVEGAN_FAULT", "write:6:eio")
        .args(train_args_with(&["--steps", "5"], &empty))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(snapshot(&empty).is_empty(), "{:?}", snapshot(&empty).keys());
}

// Item 4: `sample --out` never overwrites a run.

#[test]
fn sample_refuses_to_overwrite_a_file_of_a_run() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    assert!(train(&SMALL, &run).status.success());
    let link = tmp.path().join("link.safetensors");
    std::os::unix::fs::symlink(run.join("generator.safetensors"), &link).unwrap();
    let hard = tmp.path().join("hard.toml");
    fs::hard_link(run.join("config.toml"), &hard).unwrap();
    let best_link = tmp.path().join("best-link");
    std::os::unix::fs::symlink(run.join("best"), &best_link).unwrap();
    let cases: Vec<(PathBuf, PathBuf)> = vec![
        (run.clone(), run.join("generator.safetensors")),
        (run.clone(), run.join("checkpoint.safetensors")),
        (run.clone(), run.join("config.toml")),
        (run.clone(), run.join("../run/metrics.csv")),
        // Not there yet, but a name the run writes.
        (run.clone(), run.join("evolution.gif")),
        (run.clone(), run.join("best/generator.safetensors")),
        (run.clone(), best_link.join("config.toml")),
        (run.clone(), link.clone()),
        (run.clone(), hard.clone()),
        (run.join("best"), run.join("best/config.toml")),
        (run.join("best"), run.join("discriminator.safetensors")),
    ];
    fs::remove_file(run.join("evolution.gif")).unwrap();
    let before = snapshot(tmp.path());
    for (from, out) in cases {
        let result = curvegan()
            .args(["sample", "--n", "5", "--run"])
            .arg(&from)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(2), "{}: {err}", out.display());
        assert!(err.contains("--out"), "{err}");
        assert_eq!(snapshot(tmp.path()), before, "{}", out.display());
    }
    // A file of yours in the run folder is fine.
    curvegan()
        .args(["sample", "--n", "5", "--run"])
        .arg(&run)
        .arg("--out")
        .arg(run.join("samples.json"))
        .assert()
        .success();
}

// Item 5: temporaries never follow a symlink.

#[test]
fn a_symlink_planted_at_a_temporary_name_is_never_followed() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let outside = tmp.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let mut run = spawn(&train_args_with(&LONG, &dir));
    wait_for(&dir.join("run.json"), &mut run, Duration::from_secs(60));
    let names = [
        "metrics.csv",
        "checkpoint.safetensors",
        "generator.safetensors",
        "discriminator.safetensors",
        "losses.png",
        "metrics.png",
        "evolution.gif",
        "report.html",
        "live.json",
        "run.json",
        "step_02999.png",
    ];
    for name in names {
        let target = outside.join(name);
        fs::write(&target, "not yours").unwrap();
        let planted = dir.join(format!(".{name}.tmp-{}", run.id()));
        std::os::unix::fs::symlink(&target, planted).unwrap();
    }
    let status = wait_at_most(&mut run, Duration::from_secs(120));
    assert!(status.success(), "{}", stderr_of(&mut run));
    for name in names {
        assert_eq!(
            fs::read_to_string(outside.join(name)).unwrap(),
            "not yours",
            "{name} written through the symlink"
        );
        let kind = fs::symlink_metadata(dir.join(name)).unwrap().file_type();
        assert!(kind.is_file(), "{name} is not a regular file");
    }
}

// Item 6: an interrupted `sample --out` and the temporaries it leaves.

/// A finished small run to sample from.
fn small_run(tmp: &Path) -> PathBuf {
    let run = tmp.join("run");
    let out = train(&["--steps", "3", "--plot-every", "0"], &run);
    assert!(out.status.success(), "{}", stderr(&out));
    run
}

/// `sample --n <large> --out OUT` spawned, once its temporary has begun to fill.
fn sampling(run: &Path, out: &Path) -> (Child, PathBuf) {
    let args: Vec<String> = ["sample", "--n", "5000000", "--format", "csv", "--run"]
        .iter()
        .map(|s| s.to_string())
        .chain([run.display().to_string(), "--out".into()])
        .chain([out.display().to_string()])
        .collect();
    let mut child = spawn(&args);
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let tmp = out.with_file_name(format!(".{name}.tmp-{}", child.id()));
    wait_for(&tmp, &mut child, Duration::from_secs(60));
    while fs::metadata(&tmp).map_or(0, |m| m.len()) < 100_000 {
        assert!(child.try_wait().unwrap().is_none(), "ended early");
        sleep(Duration::from_millis(1));
    }
    (child, tmp)
}

#[test]
fn an_interrupted_sample_removes_its_temporary() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    for signal in ["INT", "TERM"] {
        let out = tmp.path().join(format!("samples-{signal}.csv"));
        let (mut child, temporary) = sampling(&run, &out);
        send(signal, child.id());
        let status = wait_at_most(&mut child, Duration::from_secs(60));
        let err = stderr_of(&mut child);
        assert_eq!(status.code(), Some(130), "SIG{signal}: {err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(!temporary.exists(), "SIG{signal}: the temporary is left");
        assert!(!out.exists());
        assert!(names_starting(tmp.path(), ".samples").is_empty());
    }
}

#[test]
fn the_next_write_removes_the_temporaries_of_dead_processes_only() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let out = tmp.path().join("samples.csv");
    // Killed: no chance to clean up.
    let (mut child, temporary) = sampling(&run, &out);
    send("KILL", child.id());
    wait_at_most(&mut child, Duration::from_secs(60));
    assert!(temporary.exists());
    // A symlink at a dead process's temporary name is removed, not followed; the temporary of a
    // live process (this one) is kept.
    let outside = tmp.path().join("outside.txt");
    fs::write(&outside, "not yours").unwrap();
    let dead_link = tmp.path().join(".samples.csv.tmp-999999999");
    std::os::unix::fs::symlink(&outside, &dead_link).unwrap();
    let live = tmp
        .path()
        .join(format!(".samples.csv.tmp-{}", std::process::id()));
    fs::write(&live, "being written").unwrap();
    let other = tmp.path().join(".other.csv.tmp-999999999");
    fs::write(&other, "another name's").unwrap();
    curvegan()
        .args(["sample", "--n", "5", "--format", "csv", "--run"])
        .arg(&run)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(
        !temporary.exists(),
        "the killed process's temporary is left"
    );
    assert!(fs::symlink_metadata(&dead_link).is_err());
    assert_eq!(fs::read_to_string(&outside).unwrap(), "not yours");
    assert_eq!(fs::read_to_string(&live).unwrap(), "being written");
    assert!(other.exists());
    assert_eq!(fs::read_to_string(&out).unwrap().lines().count(), 6);
}

// Item 17 (part): free space.

#[test]
fn sample_refuses_an_output_larger_than_the_free_space() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let out = tmp.path().join("huge.csv");
    let args: Vec<String> = ["sample", "--n", "10000000000000", "--run"]
        .iter()
        .map(|s| s.to_string())
        .chain([run.display().to_string(), "--out".into()])
        .chain([out.display().to_string()])
        .collect();
    let mut child = spawn(&args);
    // Today's writer would fill the disk: stop it and fail.
    let status = wait_at_most(&mut child, Duration::from_secs(30));
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("--n") && err.contains("10000000000000") && err.contains("free"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(names_starting(tmp.path(), ".huge").is_empty() && !out.exists());
    // Standard output and devices are not checked.
    curvegan()
        .args(["sample", "--n", "3", "--out", "/dev/null", "--run"])
        .arg(&run)
        .assert()
        .success();
}
