//! Helpers shared by the tests that run the `curvegan` binary.

use std::path::Path;

use assert_cmd::Command;

/// The `curvegan` binary that Cargo built for these tests.
pub fn curvegan() -> Command {
    Command::cargo_bin("curvegan").unwrap()
}

/// Runs `cmd`; fails the test with the command's stderr unless it exits with success, and
/// returns its stdout.
pub fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `train OPTIONS… --quiet --out OUT` as arguments.
pub fn train_args_with(options: &[&str], out: &Path) -> Vec<String> {
    ["train"]
        .iter()
        .chain(options)
        .chain(&["--quiet", "--out"])
        .map(|s| s.to_string())
        .chain([out.display().to_string()])
        .collect()
}

/// The run folder `<tmp>/<case>/run`, its parent created. Step figures carry the run folder's
/// name in their title, so runs whose figures are compared byte for byte share that name.
pub fn run_folder(tmp: &Path, case: &str) -> std::path::PathBuf {
    let parent = tmp.join(case);
    std::fs::create_dir_all(&parent).unwrap();
    parent.join("run")
}

/// Runs `curvegan resume --quiet EXTRA… DIR`; fails the test unless it succeeds.
pub fn resume_quietly(dir: &Path, extra: &[&str]) {
    curvegan()
        .args(["resume", "--quiet"])
        .args(extra)
        .arg(dir)
        .assert()
        .success();
}

/// The seeds in the first column of the `sweep.csv` in `root`.
pub fn sweep_csv_seeds(root: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(root.join("sweep.csv")).unwrap();
    let seeds = csv.lines().skip(1).map(|l| l.split(',').next().unwrap());
    seeds.map(str::to_string).collect()
}

/// `(seed, value)` of the column `name` of the `sweep.csv` in `root`.
pub fn sweep_csv_column(root: &Path, name: &str) -> Vec<(String, f64)> {
    let csv = std::fs::read_to_string(root.join("sweep.csv")).unwrap();
    let mut rows = csv.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = rows.next().unwrap();
    let i = header.iter().position(|&h| h == name).unwrap();
    rows.map(|r| (r[0].to_string(), r[i].parse().unwrap()))
        .collect()
}
