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

/// `curvegan runs DIR ARGS…`, run.
fn runs_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    curvegan().arg("runs").arg(dir).args(args).output().unwrap()
}

/// The table's row of the run named `name` (the line starting with it).
fn row_of<'a>(table: &'a str, name: &str) -> &'a str {
    (table.lines().find(|l| l.starts_with(&format!("{name} "))))
        .unwrap_or_else(|| panic!("no row {name}:\n{table}"))
}

/// Issue 25, item 11: a formula target is listed by its formula (before: `expr`), a count
/// (modes captured) as a whole number, here and in the best column (before: `8.00000`), and
/// a running run at the step its live.json says (before: `?/100000`, metrics.csv being
/// written at checkpoints only; here there are none but the end's).
#[test]
fn runs_shows_formulas_counts_and_a_running_runs_step() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    let train = |dir: &str, options: &[&str]| {
        let args = crate::common::train_args_with(options, &root.join(dir));
        stdout_of(curvegan().args(&args));
    };
    train(
        "formula",
        &["--steps", "3", "--target", "2*x^2+1+0.5*sin(3*x)*x^3+x"],
    );
    train(
        "modes",
        &["--steps", "4", "--target", "ring8", "--eval-every", "2"],
    );
    train(
        "kept",
        &["--steps", "4", "--target", "ring8", "--eval-every", "2"]
            .iter()
            .chain(&["--keep-best", "modes_captured"])
            .copied()
            .collect::<Vec<_>>(),
    );
    let table = String::from_utf8(stdout_of(curvegan().arg("runs").arg(root))).unwrap();
    // Cut to 24 characters.
    assert!(
        row_of(&table, "formula").contains(" 2*x^2+1+0.5*sin(3*x)*x^… "),
        "{table}"
    );
    let json = stdout_of(curvegan().args(["runs", "--json"]).arg(root));
    let rows: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(rows[0]["target"], "2*x^2+1+0.5*sin(3*x)*x^3+x");
    let modes = rows[2]["metric"]["value"].as_f64().unwrap();
    assert_eq!(rows[2]["metric"]["name"], "modes_captured");
    assert!(
        row_of(&table, "modes").contains(&format!(" modes_captured {modes}  ")),
        "{table}"
    );
    let best = rows[1]["best"]["value"].as_f64().unwrap();
    assert!(
        row_of(&table, "kept").ends_with(&format!(" {best} at {}", rows[1]["best"]["step"])),
        "{table}"
    );

    // A run training 100000 steps, listed while it trains: no checkpoint before its end.
    let running = root.join("running");
    let mut child = crate::common::spawn(&crate::common::train_args_with(
        &[
            "--steps",
            "100000",
            "--plot-every",
            "50",
            "--eval-every",
            "0",
        ]
        .iter()
        .chain(&["--checkpoint-every", "0"])
        .copied()
        .collect::<Vec<_>>(),
        &running,
    ));
    crate::common::wait_for(
        &running.join("live.json"),
        &mut child,
        std::time::Duration::from_secs(60),
    );
    let listed = |args: &[&str]| {
        let out = runs_in(root, args);
        assert_ok(&out);
        String::from_utf8(out.stdout).unwrap()
    };
    let step = |dir: &std::path::Path| {
        let live: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("live.json")).unwrap()).unwrap();
        live["step"].as_u64().unwrap()
    };
    let before = step(&running);
    let json: serde_json::Value = serde_json::from_str(&listed(&["--json"])).unwrap();
    let table = listed(&[]);
    child.kill().unwrap();
    child.wait().unwrap();
    let row = (json.as_array().unwrap().iter())
        .find(|r| r["name"] == "running")
        .unwrap();
    assert_eq!(row["status"], "running", "{row}");
    let done = row["steps_done"].as_u64().unwrap_or(0);
    assert!(
        done > before,
        "listed {done} steps, live.json had {before}: {row}"
    );
    let cell = row_of(&table, "running").split_whitespace().nth(4).unwrap();
    let (shown, planned) = cell.split_once('/').unwrap();
    assert!(
        shown.parse::<u64>().is_ok_and(|n| n > before) && planned == "100000",
        "{table}"
    );
}

/// Issue 25, item 11: `runs --sort KEY [--reverse]`, `--status` and `--where KEY=VALUE`
/// (before: no such options); runs without the sorted value come last either way.
#[test]
fn runs_sorts_and_filters() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    for (dir, options) in [
        ("a", &["--steps", "6", "--loss", "hinge"][..]),
        ("b", &["--steps", "2", "--g-hidden", "16,16"][..]),
        (
            "c",
            &["--steps", "4", "--target", "family", "--eval-every", "2"][..],
        ),
    ] {
        let args = crate::common::train_args_with(options, &root.join(dir));
        stdout_of(curvegan().args(&args));
    }
    // d: stopped at a checkpoint (its record says so).
    let d = root.join("d");
    let args = crate::common::train_args_with(&["--steps", "3"], &d);
    stdout_of(curvegan().args(&args));
    let record = d.join("run.json");
    let text = std::fs::read_to_string(&record).unwrap();
    std::fs::write(&record, text.replace("\"finished\"", "\"stopped\"")).unwrap();

    let names = |args: &[&str]| -> Vec<String> {
        let out = runs_in(root, args);
        assert_ok(&out);
        let table = String::from_utf8(out.stdout).unwrap();
        (table.lines().skip(1))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&[]), ["a", "b", "c", "d"]);
    assert_eq!(names(&["--sort", "steps"]), ["b", "d", "c", "a"]);
    assert_eq!(
        names(&["--sort", "steps", "--reverse"]),
        ["a", "c", "d", "b"]
    );
    assert_eq!(names(&["--sort", "status"]), ["a", "b", "c", "d"]);
    assert_eq!(
        names(&["--sort", "status", "--reverse"]),
        ["d", "a", "b", "c"]
    );
    // Only c has energy_distance: first, whichever the direction.
    for order in [
        &["--sort", "energy_distance"][..],
        &["--sort", "energy_distance", "--reverse"],
    ] {
        assert_eq!(names(order), ["c", "a", "b", "d"]);
    }
    let out = runs_in(root, &["--sort", "energy_distance"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(row_of(&table, "c").contains(" energy_distance "), "{table}");
    assert_eq!(names(&["--status", "stopped"]), ["d"]);
    assert_eq!(
        names(&[
            "--status",
            "stopped,finished",
            "--sort",
            "name",
            "--reverse"
        ]),
        ["d", "c", "b", "a"]
    );
    assert_eq!(names(&["--where", "loss=hinge"]), ["a"]);
    assert_eq!(names(&["--where", "g_hidden=16,16"]), ["b"]);
    assert_eq!(
        names(&["--where", "target.kind=family", "--where", "steps=4.0"]),
        ["c"]
    );
    assert_eq!(names(&["--where", "optim_g.lr=1e-4"]), ["a", "b", "c", "d"]);
    assert_eq!(names(&["--where", "loss=wgan"]), Vec::<String>::new());

    // Bad keys and values: exit 2, naming them.
    for (args, culprit) in [
        (&["--sort", "colour"][..], "colour"),
        (&["--status", "paused"][..], "paused"),
        (&["--where", "loss"][..], "KEY=VALUE"),
        (&["--where", "los=hinge"][..], "'los'"),
        (&["--reverse"][..], "--sort"),
    ] {
        let out = runs_in(root, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(culprit), "{args:?}: {stderr}");
    }
}

/// Issue 25, item 11: `curvegan runs` where there is no `runs/` says so and lists nothing,
/// exit 0 (before: "invalid DIR: runs is not a folder", exit 2); a folder given that does not
/// exist is still bad input.
#[test]
fn runs_outside_a_project_says_where_it_looked() {
    let tmp = TempDir::new().unwrap();
    let runs_here = |args: &[&str]| {
        let out = curvegan()
            .arg("runs")
            .args(args)
            .current_dir(tmp.path())
            .output();
        out.unwrap()
    };
    let out = runs_here(&[]);
    assert_ok(&out);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("no runs/ folder here") && stderr.contains("curvegan runs DIR"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let json = stdout_of(curvegan().args(["runs", "--json"]).current_dir(tmp.path()));
    assert_eq!(String::from_utf8(json).unwrap(), "[]\n");
    let out = runs_here(&["elsewhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("elsewhere"));
    assert!(!tmp.path().join("runs").exists());

    // An empty runs/: the same, named.
    std::fs::create_dir(tmp.path().join("runs")).unwrap();
    let out = runs_here(&[]);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no run folders under runs"));
    assert!(out.stdout.is_empty());
}

/// Issue 25, item 11: `--activation` names the hidden activations only — relu, leaky-relu
/// and tanh — in its help and errors (before, an unknown one was told "expected relu,
/// leaky-relu[:SLOPE], tanh, sigmoid or identity", and sigmoid was refused only later);
/// sigmoid and identity are output activations, refused by name.
#[test]
fn activation_names_only_hidden_activations() {
    let tmp = TempDir::new().unwrap();
    for (value, says) in [
        (
            "foo",
            "unknown activation 'foo' (expected relu, leaky-relu[:SLOPE] or tanh)",
        ),
        ("sigmoid", "'sigmoid' is not a hidden activation"),
        ("identity", "'identity' is not a hidden activation"),
    ] {
        let out = curvegan()
            .args(["train", "--steps", "2", "--activation", value])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(says) && stderr.contains("--activation"),
            "{stderr}"
        );
        assert!(!stderr.contains("or identity"), "{stderr}");
    }
    assert!(!tmp.path().join("runs").exists());
    let help = String::from_utf8(stdout_of(curvegan().args(["train", "--help"]))).unwrap();
    let line = help
        .lines()
        .skip_while(|l| !l.contains("--activation"))
        .take(3);
    let text: String = line.collect();
    assert!(text.contains("tanh") && !text.contains("sigmoid"), "{text}");
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
