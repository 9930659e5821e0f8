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
