//! Run records and listings: `run.json` with `--name`/`--tag`, the run folder shown as a run
//! starts, `curvegan runs`.

use tempfile::TempDir;

use crate::common::{curvegan, stdout_of, sweep_csv_column};

/// Fails the test with the command's stderr unless it succeeded.
fn assert_ok(out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
}

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
    assert_ok(&out);
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

/// `curvegan runs DIR`: a finished run, a run held by a live process (this test holds its
/// lock) and a run of an older version without run.json; `--json` gives the same rows.
#[test]
fn runs_lists_finished_running_and_old_runs() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    for (dir, name) in [("done", "first"), ("live", "second")] {
        stdout_of(
            curvegan()
                .args(["train", "--steps", "3", "--quiet", "--name", name, "--out"])
                .arg(root.join(dir)),
        );
    }
    let old = root.join("old");
    std::fs::create_dir(&old).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/curvegan/tests/fixtures/old_run");
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), old.join(entry.file_name())).unwrap();
    }
    let lock = std::fs::File::open(root.join("live/.lock")).unwrap();
    lock.try_lock().unwrap();

    let table = String::from_utf8(stdout_of(curvegan().arg("runs").arg(root))).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[0].starts_with("name") && lines[0].contains("status"),
        "{table}"
    );
    let line = |name: &str| *lines.iter().find(|l| l.starts_with(name)).unwrap();
    assert!(line("first").contains(" finished "), "{table}");
    assert!(line("first").contains("3/3") && line("first").contains("quadratic"));
    assert!(line("second").contains(" running "), "{table}");
    assert!(line("old ").contains(" finished ") && line("old ").contains("6/6"));

    let json = stdout_of(curvegan().args(["runs", "--json"]).arg(root));
    let rows: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let status: Vec<&str> = (0..3)
        .map(|i| rows[i]["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["finished", "running", "finished"]);
    assert_eq!(rows[0]["metric"]["name"], "mse_to_target");
    assert!(rows[2]["start"].is_null());
    drop(lock);
    let json = stdout_of(curvegan().args(["runs", "--json"]).arg(root));
    let rows: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(rows[1]["status"], "finished");
}

/// `sweep` and `bench modes` print one line per seed on stderr as it finishes (its seed,
/// steps, the first metric of its score and wall time); `sweep --quiet` prints none.
#[test]
fn sweep_and_bench_show_a_line_per_finished_seed() {
    let tmp = TempDir::new().unwrap();
    let sweep = |out: &str, quiet: bool| {
        let mut cmd = curvegan();
        cmd.args([
            "sweep",
            "--seeds",
            "2..5",
            "--steps",
            "12",
            "--plot-every",
            "0",
        ]);
        if quiet {
            cmd.arg("--quiet");
        }
        let out = cmd.arg("--out").arg(tmp.path().join(out)).output().unwrap();
        assert_ok(&out);
        String::from_utf8(out.stderr).unwrap()
    };
    let stderr = sweep("loud", false);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    let scores = sweep_csv_column(&tmp.path().join("loud"), "mse_to_target");
    for seed in 2..5 {
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("] seed {seed}: ")))
            .unwrap_or_else(|| panic!("seed {seed} missing:\n{stderr}"));
        assert!(
            line.contains("12 steps, mse_to_target ") && line.ends_with(" s"),
            "{line}"
        );
        // The number printed is the seed's score, the one in sweep.csv.
        let printed = line.split("mse_to_target ").nth(1).unwrap();
        let printed: f64 = printed.split(',').next().unwrap().parse().unwrap();
        let (_, scored) = scores.iter().find(|(s, _)| *s == seed.to_string()).unwrap();
        assert_eq!(format!("{printed:.5}"), format!("{scored:.5}"), "{line}");
    }
    assert!(lines[2].starts_with("[3/3] "), "{stderr}");
    assert_eq!(sweep("quiet", true), "");

    let out = curvegan()
        .args(["bench", "modes", "--dataset", "ring8", "--trials", "2"])
        .args(["--steps", "5", "--out"])
        .arg(tmp.path().join("bench"))
        .output()
        .unwrap();
    assert_ok(&out);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(stderr.contains("] seed 0: 5 steps") && stderr.contains("] seed 1: 5 steps"));
}

/// A grid sweep's setting folders hold the `config.toml` their seeds share: `curvegan runs`
/// lists the seeds' runs below them (before, each setting folder was listed as a failed run
/// and its seeds not at all), and each run records the sweep's command line, which started it.
#[test]
fn runs_of_a_grid_sweep_are_its_seeds_with_the_sweeps_command() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("grid");
    let out = curvegan()
        .args([
            "sweep", "--grid", "pack=1,2", "--seeds", "0..2", "--steps", "5",
        ])
        .args(["--plot-every", "0", "--quiet", "--out"])
        .arg(&root)
        .output()
        .unwrap();
    assert_ok(&out);
    let listed =
        String::from_utf8(stdout_of(curvegan().args(["runs", "--json"]).arg(&root))).unwrap();
    let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let names: Vec<&str> = (rows.as_array().unwrap().iter())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "setting-01/seed-0",
            "setting-01/seed-1",
            "setting-02/seed-0",
            "setting-02/seed-1"
        ]
    );
    for row in rows.as_array().unwrap() {
        assert_eq!(row["status"], "finished", "{row}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("setting-02/seed-1/run.json")).unwrap())
            .unwrap();
    let command: Vec<&str> = (json["command"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(command[1..4], ["sweep", "--grid", "pack=1,2"], "{json}");
}
