//! The binary beyond the tutorial: every loss, other targets, data files, deeper nets and
//! conditional GANs, each run briefly.

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{curvegan, stdout_of, sweep_csv_seeds};

fn train(out: &Path, args: &[&str]) {
    curvegan()
        .args([
            "train",
            "--steps",
            "30",
            "--plot-every",
            "10",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(args)
        .assert()
        .success();
}

fn sample_json(run: &Path, extra: &[&str]) -> serde_json::Value {
    let out = stdout_of(
        curvegan()
            .args(["sample", "--n", "50", "--run"])
            .arg(run)
            .args(extra),
    );
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn every_loss_trains_and_saves_its_settings() {
    let tmp = TempDir::new().unwrap();
    for loss in [
        "tutorial",
        "minimax",
        "nonsaturating",
        "lsgan",
        "hinge",
        "wgan",
        "wgan-gp",
    ] {
        let run = tmp.path().join(loss);
        train(&run, &["--loss", loss]);
        let cfg = curvegan::config::TrainConfig::load(&run.join("config.toml")).unwrap();
        assert_eq!(cfg.loss.name(), loss);
        let opt = cfg.optim_d;
        assert_eq!(opt, cfg.loss.default_optimizer(), "{loss}");
        // D's head follows the loss: a sigmoid module (no weights) only for tutorial.
        let d = curvegan::run::store::weights::read_tensors(&run.join("discriminator.safetensors"))
            .unwrap();
        assert_eq!(d["2.weight"].shape, vec![1, 128], "{loss}");
        let metrics = fs::read_to_string(run.join("metrics.csv")).unwrap();
        assert_eq!(metrics.lines().count(), 31, "{loss}");
    }
    // wgan's critic weights stay inside the clip bound.
    let d = curvegan::run::store::weights::read_tensors(
        &tmp.path().join("wgan/discriminator.safetensors"),
    )
    .unwrap();
    for t in d.values() {
        assert!(t.data.iter().all(|v| v.abs() <= 0.01 + 1e-9));
    }
}

#[test]
fn deeper_nets_keep_sequential_names() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("deep");
    train(
        &run,
        &[
            "--g-hidden",
            "32,16",
            "--d-hidden",
            "8",
            "--activation",
            "leaky-relu:0.1",
            "--latent-dim",
            "4",
        ],
    );
    let g =
        curvegan::run::store::weights::read_tensors(&run.join("generator.safetensors")).unwrap();
    let shapes: Vec<(&str, Vec<usize>)> = g
        .iter()
        .map(|(k, t)| (k.as_str(), t.shape.clone()))
        .collect();
    assert_eq!(
        shapes,
        vec![
            ("0.bias", vec![32]),
            ("0.weight", vec![32, 4]),
            ("2.bias", vec![16]),
            ("2.weight", vec![16, 32]),
            ("4.bias", vec![15]),
            ("4.weight", vec![15, 16]),
        ]
    );
    let v = sample_json(&run, &[]);
    assert_eq!(v["curves"].as_array().unwrap().len(), 50);
}

#[test]
fn two_dimensional_sets_sample_points() {
    let tmp = TempDir::new().unwrap();
    for set in ["ring8", "grid25"] {
        let run = tmp.path().join(set);
        train(&run, &["--target", set]);
        assert!(run.join("step_00010.png").is_file());
        let v = sample_json(&run, &[]);
        let x: Vec<f64> = v["x"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(x, vec![0.0, 1.0], "{set}: x is the coordinate index");
        assert!(v["curves"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.as_array().unwrap().len() == 2));
    }
}

#[test]
fn formulas_and_data_files_are_targets() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("expr");
    train(
        &run,
        &[
            "--target",
            "a*sin(b*x)",
            "--param",
            "a=uniform(1,2)",
            "--param",
            "b=normal(3,0.1)",
            "--points",
            "20",
            "--x-range",
            "-3,3",
        ],
    );
    let v = sample_json(&run, &[]);
    let x = v["x"].as_array().unwrap();
    assert_eq!(x.len(), 20);
    assert_eq!(x[0].as_f64().unwrap(), -3.0);

    let csv = tmp.path().join("data.csv");
    fs::write(&csv, "u,v,w\n1,2,3\n2,3,4\n1.5,2.5,3.5\n").unwrap();
    let run = tmp.path().join("data");
    // Three rows: every one for training (the default hold-out needs at least 4).
    train(&run, &["--data", csv.to_str().unwrap(), "--holdout", "0"]);
    let v = sample_json(&run, &[]);
    assert_eq!(v["curves"][0].as_array().unwrap().len(), 3);

    // A ragged file is refused, naming the line, and leaves nothing.
    fs::write(&csv, "1,2,3\n1,2\n").unwrap();
    let bad = tmp.path().join("bad");
    curvegan()
        .args(["train", "--data", csv.to_str().unwrap(), "--out"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 2"));
    assert!(!bad.exists());
}

#[test]
fn conditional_generator_follows_its_condition() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("cond");
    curvegan()
        .args([
            "train",
            "--target",
            "family",
            "--conditional",
            "--steps",
            "400",
            "--plot-every",
            "0",
            "--quiet",
            "--out",
        ])
        .arg(&run)
        .assert()
        .success();
    let g =
        curvegan::run::store::weights::read_tensors(&run.join("generator.safetensors")).unwrap();
    assert_eq!(g["0.weight"].shape, vec![128, 16], "noise 15 + condition a");
    let d = curvegan::run::store::weights::read_tensors(&run.join("discriminator.safetensors"))
        .unwrap();
    assert_eq!(d["0.weight"].shape, vec![128, 16], "curve 15 + condition a");
    // Same seed, different condition: different curves; same condition: the same ones.
    let lo = sample_json(&run, &["--condition", "a=1.2"]);
    let hi = sample_json(&run, &["--condition", "a=1.8"]);
    assert_ne!(lo["curves"], hi["curves"]);
    assert_eq!(lo, sample_json(&run, &["--condition", "a=1.2"]));
    for (bad, says) in [
        ("b=1", "unknown name 'b'"),
        ("a=x", "not a finite number"),
        ("a", "NAME=VALUE"),
    ] {
        curvegan()
            .args(["sample", "--condition", bad, "--run"])
            .arg(&run)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    // The tutorial's fixed curve has nothing to condition on.
    curvegan()
        .args(["train", "--conditional", "--out"])
        .arg(tmp.path().join("nothing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--conditional"));
}

#[test]
fn bad_loss_options_are_refused() {
    for (args, says) in [
        (vec!["--loss", "wgan", "--betas", "0.5,0.9"], "--betas"),
        (vec!["--betas", "0.5,1.5"], "1.5"),
        (
            vec!["--loss", "wgan-gp", "--activation", "tanh"],
            "--activation",
        ),
        (
            vec![
                "--loss",
                "nonsaturating",
                "--r1",
                "1",
                "--activation",
                "tanh",
            ],
            "--activation",
        ),
        (vec!["--n-critic", "0"], "--n-critic"),
        (vec!["--loss", "wgan", "--clip", "-1"], "--clip"),
        (
            vec!["--loss", "wgan-gp", "--gp-weight", "nan"],
            "--gp-weight",
        ),
        (vec!["--loss", "hinges"], "hinges"),
    ] {
        let tmp = TempDir::new().unwrap();
        curvegan()
            .args(["train", "--steps", "2", "--out"])
            .arg(tmp.path().join("x"))
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
        assert!(!tmp.path().join("x").exists(), "{args:?}");
    }
}

#[test]
fn eval_prints_the_metrics_that_fit_the_target() {
    let tmp = TempDir::new().unwrap();
    let quad = tmp.path().join("quad");
    train(&quad, &[]);
    curvegan()
        .args(["eval", "-n", "200"])
        .arg(&quad)
        .assert()
        .success()
        .stdout(predicate::str::contains("mse_to_target"))
        .stdout(predicate::str::contains("energy_distance"))
        .stdout(predicate::str::contains("family_a_mean").not());
    let ring = tmp.path().join("ring");
    train(&ring, &["--target", "ring8"]);
    let out = stdout_of(curvegan().args(["eval", "-n", "300", "--json"]).arg(&ring));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["target"], "ring8");
    assert_eq!(v["samples"], 300);
    let m = &v["metrics"];
    let captured = m["modes_captured"].as_f64().unwrap();
    assert!((0.0..=8.0).contains(&captured));
    let p = m["precision"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    // The same seed gives the same report; a bad run folder is refused.
    let again = stdout_of(curvegan().args(["eval", "-n", "300", "--json"]).arg(&ring));
    assert_eq!(out, again);
    curvegan()
        .args(["eval"])
        .arg(tmp.path().join("missing"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RUN"));
}

#[test]
fn sweep_trains_every_seed_and_counts_successes() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("sweep");
    let out = stdout_of(
        curvegan()
            .args([
                "sweep",
                "--seeds",
                "3..6",
                "--jobs",
                "2",
                "--steps",
                "40",
                "--plot-every",
                "0",
            ])
            .args([
                "--eval-n",
                "100",
                "--success",
                "mse_to_target<=1e9",
                "--out",
            ])
            .arg(&root),
    );
    let stdout = String::from_utf8_lossy(&out);
    assert!(
        stdout.contains("success (mse_to_target<=1000000000): 3 of 3 seeds"),
        "{stdout}"
    );
    // Each seed is the same run `train --seed S` makes.
    let single = tmp.path().join("single");
    curvegan()
        .args([
            "train",
            "--seed",
            "4",
            "--steps",
            "40",
            "--plot-every",
            "0",
            "--quiet",
            "--out",
        ])
        .arg(&single)
        .assert()
        .success();
    assert_eq!(
        fs::read(root.join("seed-4/metrics.csv")).unwrap(),
        fs::read(single.join("metrics.csv")).unwrap()
    );
    assert_eq!(sweep_csv_seeds(&root), ["3", "4", "5"]);
    for (args, says) in [
        (vec!["--seeds", "5..5"], "no seed"),
        (vec!["--seeds", "0..2", "--seed", "1"], "--seed"),
        (vec!["--seeds", "0..2", "--success", "mse"], "METRIC<=VALUE"),
    ] {
        curvegan()
            .arg("sweep")
            .args(&args)
            .arg("--out")
            .arg(tmp.path().join("bad"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
}

#[test]
fn packing_widens_the_discriminator_input() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("pac");
    train(
        &run,
        &[
            "--target",
            "ring8",
            "--pack",
            "4",
            "--loss",
            "nonsaturating",
        ],
    );
    let d = curvegan::run::store::weights::read_tensors(&run.join("discriminator.safetensors"))
        .unwrap();
    assert_eq!(d["0.weight"].shape, vec![128, 8], "4 packed 2-D samples");
    let g =
        curvegan::run::store::weights::read_tensors(&run.join("generator.safetensors")).unwrap();
    assert_eq!(
        g["2.weight"].shape,
        vec![2, 128],
        "G still makes one sample"
    );
    // --pack 1 is no packing: the same run as without the option.
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    train(&a, &["--target", "ring8"]);
    train(&b, &["--target", "ring8", "--pack", "1"]);
    assert_eq!(
        fs::read(a.join("metrics.csv")).unwrap(),
        fs::read(b.join("metrics.csv")).unwrap()
    );
    curvegan()
        .args(["train", "--pack", "3", "--out"])
        .arg(tmp.path().join("bad"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--pack"));
}
