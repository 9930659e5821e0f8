//! Run records and listings: `run.json` with `--name`/`--tag`, the run folder shown as a run
//! starts.

use tempfile::TempDir;

use crate::common::curvegan;

#[test]
fn train_records_run_json_and_names_the_folder_first() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("r");
    let out = curvegan()
        .args(["train", "--steps", "3", "--name", "my run", "--tag", "x"])
        .args(["--tag", "y", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("run folder: {}\n", dir.display())),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("run folder:"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["name"], "my run");
    assert_eq!(json["tags"], serde_json::json!(["x", "y"]));
    assert_eq!(json["status"], "finished");
    assert_eq!(json["command"][1], "train");
    assert_eq!(json["command"][5], "my run");
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(!config.contains("my run"), "{config}");

    // --quiet shows nothing; --force replaces run.json with the rest of the run.
    let out = curvegan()
        .args(["train", "--steps", "2", "--quiet", "--force", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty() && out.stdout.is_empty());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["name"], serde_json::Value::Null);
}
