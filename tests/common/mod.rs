//! Helpers shared by the tests that run the `curvegan` binary: both test targets, `cli`
//! (`tests/cli/`) and `system` (`tests/system/`), include this folder as their `common`
//! module.

// Each target uses only some of these helpers; the others would be dead code in it.
#![allow(dead_code)]

pub mod data;

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

/// The rows of the CSV file `path` as maps from its header.
pub fn csv_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            (head.iter().map(|h| h.to_string()))
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
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

/// The real binary started with `args`, its stdout discarded and its stderr piped (read it
/// with [`stderr_of`] once it has ended).
pub fn spawn(args: &[String]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("curvegan"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `path` exists while `child` runs (at most `limit`); fails if it ends first.
pub fn wait_for(path: &Path, child: &mut std::process::Child, limit: std::time::Duration) {
    let t = std::time::Instant::now();
    while !path.exists() {
        assert!(child.try_wait().unwrap().is_none(), "ended before {path:?}");
        assert!(t.elapsed() < limit, "no {path:?} after {limit:?}");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Sends `signal` (`INT`, `TERM`, `KILL`, …) to the process `pid` with `kill`.
pub fn send(signal: &str, pid: u32) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits at most `limit` for `child`; kills it and fails the test after that.
pub fn wait_at_most(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> std::process::ExitStatus {
    let t = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// What `child` wrote to its piped stderr (read to its end).
pub fn stderr_of(child: &mut std::process::Child) -> String {
    use std::io::Read;
    let mut text = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// A NumPy `.npy` file (format version 1.0) of the array of dtype `descr` (`<f4`, `<f8`,
/// `<i8`, …) and `shape`, in C order, whose values are `data` (already in the dtype's bytes):
/// the magic `\x93NUMPY`, the version, the header's length (u16, little-endian), the header
/// dict padded with spaces to a multiple of 64 bytes and ended by a newline, then the data.
pub fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    // A 1-D shape is written `(n,)`, as Python writes a 1-tuple.
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// `values` as little-endian f32 bytes (`<f4`).
pub fn le_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// `values` as little-endian f64 bytes (`<f8`).
pub fn le_f64(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A benchmark's `table.md` (or its printed table) without what it cost — the wall time and
/// core-minutes it ends with, the only part that differs between two runs of the same
/// benchmark. Text without that part is returned whole.
pub fn without_cost(table: &str) -> &str {
    let end = ["\nWall time: ", "\nCore-minutes: "]
        .iter()
        .filter_map(|m| table.find(m))
        .min();
    end.map_or(table, |i| &table[..i])
}
