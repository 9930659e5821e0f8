//! Tests of the real `curvegan` binary: outputs, determinism and bad input.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{curvegan, stdout_of};

/// Trains a short run into `dir` with extra options (an option given in `extra` replaces the
/// default one: an option may be given only once).
fn train(dir: &Path, extra: &[&str]) {
    let mut args = vec!["train", "--steps", "60", "--quiet"];
    for (option, value) in [("--plot-every", "20"), ("--eval-every", "20")] {
        if !extra.contains(&option) {
            args.extend([option, value]);
        }
    }
    curvegan()
        .args(&args)
        .arg("--out")
        .arg(dir)
        .args(extra)
        .assert()
        .success()
        .stdout("");
}

#[test]
fn train_writes_the_run_folder() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    train(&run, &[]);
    for f in [
        "config.toml",
        "metrics.csv",
        "losses.png",
        "step_00000.png",
        "step_00020.png",
        "step_00040.png",
        "generator.safetensors",
        "discriminator.safetensors",
    ] {
        assert!(run.join(f).is_file(), "missing {f}");
    }
    assert!(!run.join("step_00060.png").exists());
    let metrics = fs::read_to_string(run.join("metrics.csv")).unwrap();
    let lines: Vec<&str> = metrics.lines().collect();
    assert_eq!(lines[0], "step,d_loss,g_loss,d_real,d_fake,mse_to_target");
    assert_eq!(lines.len(), 61);
    // MSE at eval steps 0, 20, 40 and the last step 59 only.
    let with_mse: Vec<usize> = lines[1..]
        .iter()
        .filter(|l| !l.ends_with(','))
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(with_mse, vec![0, 20, 40, 59]);
    for l in &lines[1..] {
        let fields: Vec<&str> = l.split(',').collect();
        assert_eq!(fields.len(), 6, "{l}");
        for v in &fields[1..5] {
            let v: f32 = v.parse().unwrap();
            assert!(v.is_finite());
        }
    }
    // The weights carry nn.Sequential's state-dict names and PyTorch's shapes.
    let g =
        curvegan::run::store::weights::read_tensors(&run.join("generator.safetensors")).unwrap();
    let shapes: Vec<(String, Vec<usize>)> = g.into_iter().map(|(k, t)| (k, t.shape)).collect();
    assert_eq!(
        shapes,
        vec![
            ("0.bias".to_string(), vec![128]),
            ("0.weight".to_string(), vec![128, 15]),
            ("2.bias".to_string(), vec![15]),
            ("2.weight".to_string(), vec![15, 128]),
        ]
    );
    let d = curvegan::run::store::weights::read_tensors(&run.join("discriminator.safetensors"))
        .unwrap();
    assert_eq!(d["2.weight"].shape, vec![1, 128]);
    // The saved config is every setting, with the given ones applied.
    let cfg = curvegan::config::TrainConfig::load(&run.join("config.toml")).unwrap();
    assert_eq!(cfg.steps, 60);
    assert_eq!(cfg.batch_size, 64);
}

#[test]
fn same_seed_gives_identical_files_and_plots_do_not_change_training() {
    let tmp = TempDir::new().unwrap();
    let (a, b, c, d) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
        tmp.path().join("d"),
    );
    train(&a, &["--seed", "7"]);
    train(&b, &["--seed", "7"]);
    train(&c, &["--seed", "7", "--plot-every", "0"]);
    train(&d, &["--seed", "8"]);
    let read = |p: &Path, f: &str| fs::read(p.join(f)).unwrap();
    for f in [
        "metrics.csv",
        "generator.safetensors",
        "discriminator.safetensors",
    ] {
        assert_eq!(read(&a, f), read(&b, f), "{f} differs between equal runs");
        assert_eq!(read(&a, f), read(&c, f), "{f} depends on plotting");
        assert_ne!(read(&a, f), read(&d, f), "{f} does not depend on the seed");
    }
    assert!(!c.join("step_00000.png").exists());
}

#[test]
fn default_out_is_a_new_folder_under_runs() {
    let tmp = TempDir::new().unwrap();
    for _ in 0..2 {
        curvegan()
            .current_dir(tmp.path())
            .args(["train", "--steps", "3", "--plot-every", "0"])
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "evaluation at step 2 (1000 fresh samples)\n  mse_to_target",
            ))
            .stdout(predicate::str::contains("1.3863 (2 ln 2)"));
    }
    assert!(tmp.path().join("runs/train-0001/metrics.csv").is_file());
    assert!(tmp.path().join("runs/train-0002/metrics.csv").is_file());
}

#[test]
fn impossible_options_fail_with_exit_2_and_write_nothing() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("a-file");
    fs::write(&file, "x").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--batch-size", "0"], "--batch-size"),
        (vec!["--lr-g", "-1e-4"], "--lr-g"),
        (vec!["--lr-d", "NaN"], "--lr-d"),
        (vec!["--lr-g", "inf"], "--lr-g"),
        (vec!["--hidden", "0"], "--hidden"),
        (vec!["--steps", "0"], "--steps"),
        (vec!["--latent-dim", "0"], "--latent-dim"),
    ];
    for (args, option) in cases {
        let out = tmp.path().join("out");
        curvegan()
            .args(["train", "--out"])
            .arg(&out)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(option))
            .stderr(
                predicate::str::contains(args[1].trim_start_matches('-'))
                    .or(predicate::str::contains("got")),
            );
        assert!(!out.exists(), "{args:?} left {} behind", out.display());
    }
    // An --out that cannot be created (below a regular file).
    curvegan()
        .args(["train", "--steps", "2", "--out"])
        .arg(file.join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
    // An existing non-empty folder without --force.
    let run = tmp.path().join("run");
    train(&run, &[]);
    let before = fs::read(run.join("metrics.csv")).unwrap();
    curvegan()
        .args(["train", "--steps", "2", "--out"])
        .arg(&run)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force"));
    assert_eq!(fs::read(run.join("metrics.csv")).unwrap(), before);
    // With --force it is overwritten.
    curvegan()
        .args(["train", "--steps", "2", "--quiet", "--force", "--out"])
        .arg(&run)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(run.join("metrics.csv"))
            .unwrap()
            .lines()
            .count(),
        3
    );
}

#[test]
fn sample_writes_json_and_csv() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    train(&run, &[]);
    let out = stdout_of(
        curvegan()
            .args([
                "sample", "--n", "5", "--seed", "3", "--format", "json", "--run",
            ])
            .arg(&run),
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let x = v["x"].as_array().unwrap();
    assert_eq!(x.len(), 15);
    assert_eq!(x[0].as_f64().unwrap(), -1.0);
    assert_eq!(x[14].as_f64().unwrap(), 1.0);
    let curves = v["curves"].as_array().unwrap();
    assert_eq!(curves.len(), 5);
    assert!(curves.iter().all(|c| c.as_array().unwrap().len() == 15));

    let csv_path = tmp.path().join("s.csv");
    curvegan()
        .args([
            "sample", "--n", "4", "--seed", "3", "--format", "csv", "--run",
        ])
        .arg(&run)
        .arg("--out")
        .arg(&csv_path)
        .assert()
        .success()
        .stdout("");
    let csv = fs::read_to_string(&csv_path).unwrap();
    let mut lines = csv.lines();
    // The header names each column after its x, never with a bare number.
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!((header.len(), header[0], header[14]), (15, "x=-1", "x=1"));
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4, "4 curves");
    assert!(rows.iter().all(|r| r.len() == 15));
    // The same seed gives the same curves in both formats.
    for (j, c) in curves.iter().take(4).enumerate() {
        let c: Vec<f64> = c
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(rows[j], c);
    }
}

#[test]
fn sample_without_a_generator_fails_with_exit_2() {
    let tmp = TempDir::new().unwrap();
    curvegan()
        .args(["sample", "--run"])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("generator.safetensors"));
    let out = tmp.path().join("s.json");
    curvegan()
        .args(["sample", "--run"])
        .arg(tmp.path().join("missing"))
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--run"));
    assert!(!out.exists());
    // A generator file that is not safetensors.
    train(&tmp.path().join("run"), &[]);
    fs::write(tmp.path().join("run/generator.safetensors"), b"garbage").unwrap();
    curvegan()
        .args(["sample", "--run"])
        .arg(tmp.path().join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("generator.safetensors"));
}
