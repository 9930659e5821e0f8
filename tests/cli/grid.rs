//! Hyperparameter sweeps: `sweep --grid` and `--random` over config keys, their table of
//! settings recomputed from the runs' own scores, reproducible draws, bad keys and values
//! refused before anything is written, and an interrupted grid sweep resumed.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

use crate::common::{csv_rows as rows, curvegan, stdout_of};

/// `sweep` with tiny runs into `root`, and `extra` options.
fn sweep(root: &Path, extra: &[&str]) -> Command {
    let mut cmd = curvegan();
    cmd.args([
        "sweep",
        "--steps",
        "20",
        "--plot-every",
        "0",
        "--eval-n",
        "100",
    ])
    .args(extra)
    .arg("--out")
    .arg(root);
    cmd
}

const GRID: [&str; 8] = [
    "--seeds",
    "0..2",
    "--jobs",
    "2",
    "--grid",
    "optim_g.lr=1e-4,2e-3",
    "--grid",
    "pack=1,2",
];

#[test]
fn a_grid_gives_a_row_per_setting_with_the_runs_mean_and_sd() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("grid");
    let out = stdout_of(sweep(&root, &GRID).args(["--success", "mse_to_target<=4"]));
    let stdout = String::from_utf8_lossy(&out);
    let table = rows(&root.join("sweep.csv"));
    assert_eq!(table.len(), 4, "{stdout}");
    let settings = rows(&root.join("settings.csv"));
    assert_eq!(settings.len(), 4);
    let runs = rows(&root.join("runs.csv"));
    assert_eq!(runs.len(), 8);
    let mut last = f64::NEG_INFINITY;
    for row in &table {
        let n = &row["setting"];
        // The setting's keys as settings.csv and its folder's config.toml have them.
        let named = settings.iter().find(|s| &s["setting"] == n).unwrap();
        assert_eq!(named["optim_g.lr"], row["optim_g.lr"]);
        assert_eq!(named["pack"], row["pack"]);
        let dir = root.join(format!("setting-0{n}"));
        let config = fs::read_to_string(dir.join("config.toml")).unwrap();
        assert!(
            config.contains(&format!("pack = {}\n", row["pack"])),
            "{config}"
        );
        // The mean and sd recomputed from the runs' own scores, and from each run's folder.
        let scores: Vec<f64> = (runs.iter())
            .filter(|r| &r["setting"] == n)
            .map(|r| {
                assert!(dir
                    .join(format!("seed-{}/generator.safetensors", r["seed"]))
                    .is_file());
                r["mse_to_target"].parse().unwrap()
            })
            .collect();
        assert_eq!(scores.len(), 2);
        let mean = (scores[0] + scores[1]) / 2.0;
        let sd = ((scores[0] - mean).powi(2) + (scores[1] - mean).powi(2)).sqrt();
        let got: f64 = row["mse_to_target_mean"].parse().unwrap();
        assert!(
            (got - mean).abs() < 1e-12 * mean.abs().max(1.0),
            "{got} {mean}"
        );
        let got_sd: f64 = row["mse_to_target_sd"].parse().unwrap();
        assert!((got_sd - sd).abs() < 1e-9, "{got_sd} {sd}");
        let met = scores.iter().filter(|&&s| s <= 4.0).count() as f64 / 2.0;
        assert_eq!(row["success_rate"].parse::<f64>().unwrap(), met);
        assert_eq!(row["runs"], "2");
        // Sorted, best (lowest) first.
        assert!(mean >= last, "{stdout}");
        last = mean;
        // The printed table has the row, with its mean to 5 decimals.
        assert!(stdout.contains(&format!("{mean:.5} ± {sd:.5}")), "{stdout}");
    }
    assert_eq!(
        fs::read_to_string(root.join("table.md"))
            .unwrap()
            .lines()
            .count(),
        8
    );
    // A run of the grid is the run `train` makes with its keys.
    let single = tmp.path().join("single");
    curvegan()
        .args([
            "train",
            "--seed",
            "1",
            "--steps",
            "20",
            "--plot-every",
            "0",
            "--quiet",
        ])
        .args(["--lr-g", "2e-3", "--pack", "2", "--out"])
        .arg(&single)
        .assert()
        .success();
    assert_eq!(
        fs::read(root.join("setting-04/seed-1/metrics.csv")).unwrap(),
        fs::read(single.join("metrics.csv")).unwrap()
    );
}

#[test]
fn a_random_search_draws_the_same_settings_for_a_seed() {
    let tmp = TempDir::new().unwrap();
    let random = [
        "--seeds",
        "3..4",
        "--random",
        "optim_d.lr=loguniform(1e-5,1e-3)",
        "--random",
        "batch_size=choice(16,32,64)",
        "--trials",
        "3",
        "-q",
    ];
    let settings = |name: &str, seeds: &str| {
        let root = tmp.path().join(name);
        let mut args = random.to_vec();
        args[1] = seeds;
        sweep(&root, &args).assert().success();
        fs::read_to_string(root.join("settings.csv")).unwrap()
    };
    let a = settings("a", "3..4");
    assert_eq!(a, settings("b", "3..4"));
    assert_ne!(a, settings("c", "5..6"));
    let drawn = rows(&tmp.path().join("a/settings.csv"));
    assert_eq!(drawn.len(), 3);
    for row in drawn {
        let lr: f64 = row["optim_d.lr"].parse().unwrap();
        assert!((1e-5..1e-3).contains(&lr), "{lr}");
        assert!(["16", "32", "64"].contains(&row["batch_size"].as_str()));
    }
}

#[test]
fn a_bad_key_value_or_distribution_is_refused_naming_the_key_leaving_nothing() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("bad");
    for (args, says) in [
        (
            vec!["--grid", "optim_g.lrr=1e-4,2e-4"],
            "invalid optim_g.lrr: is not a config key",
        ),
        (
            vec!["--grid", "nope=1"],
            "invalid nope: is not a config key",
        ),
        (
            vec!["--grid", "pack=1,two"],
            "invalid pack: 'two' is not a value it takes",
        ),
        (vec!["--grid", "optim_g.lr=1e-4,-1"], "optim_g.lr"),
        (vec!["--grid", "pack=1,,2"], "invalid pack:"),
        (
            vec!["--random", "optim_g.lr=normal(0,1)", "--trials", "2"],
            "invalid optim_g.lr: expected loguniform",
        ),
        (
            vec!["--random", "optim_g.lr=loguniform(0,1)", "--trials", "2"],
            "invalid optim_g.lr: 'loguniform(0,1)' needs 0 < A",
        ),
        (
            vec!["--random", "optim_g.lr=uniform(1e-4,2e-4)"],
            "invalid --trials",
        ),
    ] {
        let out = sweep(&root, &[&["--seeds", "0..2"][..], &args].concat())
            .assert()
            .code(2)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!root.exists(), "{args:?} left {}", root.display());
    }
}

#[test]
fn an_interrupted_grid_sweep_resumes_and_a_changed_grid_is_refused() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("grid");
    sweep(&root, &GRID).arg("-q").assert().success();
    let table = fs::read_to_string(root.join("sweep.csv")).unwrap();
    let metrics = fs::read(root.join("setting-03/seed-1/metrics.csv")).unwrap();
    // As a sweep killed mid-way leaves it: a run not started, no table yet.
    fs::remove_dir_all(root.join("setting-03/seed-1")).unwrap();
    for name in ["sweep.csv", "table.md", "runs.csv"] {
        fs::remove_file(root.join(name)).unwrap();
    }
    // Another grid is refused, naming it, and leaves the folder as it was.
    let mut changed = GRID.to_vec();
    changed[5] = "optim_g.lr=1e-4,3e-3";
    let out = sweep(&root, &changed)
        .arg("--resume")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the grid differs"), "{stderr}");
    assert!(!root.join("setting-03/seed-1").exists());
    curvegan()
        .arg("resume")
        .arg(&root)
        .arg("-q")
        .assert()
        .success();
    assert_eq!(
        fs::read(root.join("setting-03/seed-1/metrics.csv")).unwrap(),
        metrics
    );
    // The same table, wall times aside (runs.csv has them; sweep.csv does not).
    assert_eq!(fs::read_to_string(root.join("sweep.csv")).unwrap(), table);
}
