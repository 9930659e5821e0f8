//! Shared helpers of the golden tests: where the fixtures are and how to compare floats.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use curvegan::nn::state_dict::Tensor;
use curvegan::run::store::weights::read_tensors;
use curvegan::{Output, TrainConfig};

/// The fixture root: `$CURVEGAN_FIXTURES`, else `tests/fixtures` of this crate (made by
/// `tools/make_fixtures.py`).
/// A missing or empty root fails the test: golden tests never skip.
pub fn fixtures() -> PathBuf {
    let root = match std::env::var_os("CURVEGAN_FIXTURES") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
    };
    let entries = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("fixture root {} cannot be read: {e}", root.display()));
    assert!(
        entries.count() > 0,
        "fixture root {} is empty; set CURVEGAN_FIXTURES",
        root.display()
    );
    root
}

pub fn tensors(path: &Path) -> BTreeMap<String, Tensor> {
    read_tensors(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn tensor<'a>(map: &'a BTreeMap<String, Tensor>, key: &str) -> &'a Tensor {
    map.get(key)
        .unwrap_or_else(|| panic!("fixture has no tensor '{key}'; it has {:?}", map.keys()))
}

pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn f32s(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("a JSON array")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect()
}

/// The largest |a − b|.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Asserts |a − b| ≤ tol everywhere, naming the worst element.
pub fn assert_close_abs(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    let (i, d) = got
        .iter()
        .zip(want)
        .map(|(x, y)| (x - y).abs())
        .enumerate()
        .fold((0, 0.0f32), |acc, (i, d)| {
            if d > acc.1 || d.is_nan() {
                (i, d)
            } else {
                acc
            }
        });
    assert!(
        d <= tol,
        "{what}: element {i} differs by {d} (got {}, want {}), tolerance {tol}",
        got[i],
        want[i]
    );
}

/// Asserts |a − b| ≤ tol · max|want| everywhere (relative to the tensor's scale).
pub fn assert_close_rel(what: &str, got: &[f32], want: &[f32], tol: f32) {
    let scale = want
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    assert_close_abs(what, got, want, tol * scale);
}

/// Asserts a scalar within abs + rel·|want|.
pub fn assert_scalar(what: &str, got: f32, want: f32, abs: f32, rel: f32) {
    let tol = abs + rel * want.abs();
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (diff {}, tolerance {tol})",
        (got - want).abs()
    );
}

/// The optimizer a fixture's JSON describes (`name`, `lr`, `eps`, and `betas` or `alpha`).
pub fn optimizer_from_json(h: &serde_json::Value) -> curvegan::nn::optim::OptimizerConfig {
    use curvegan::nn::optim::OptimizerConfig;
    let lr = h["lr"].as_f64().unwrap();
    let eps = h["eps"].as_f64().unwrap();
    match h["name"].as_str().unwrap() {
        "Adam" => {
            let b = h["betas"].as_array().unwrap();
            OptimizerConfig::Adam {
                lr,
                betas: [b[0].as_f64().unwrap(), b[1].as_f64().unwrap()],
                eps,
            }
        }
        "RMSprop" => OptimizerConfig::Rmsprop {
            lr,
            alpha: h["alpha"].as_f64().unwrap(),
            eps,
        },
        other => panic!("unknown optimizer {other}"),
    }
}

/// A small, fast configuration of the tutorial's GAN: batch 8, hidden width 8, no figures, an
/// evaluation and a checkpoint every 3 steps.
pub fn small(steps: usize) -> TrainConfig {
    TrainConfig {
        steps,
        batch_size: 8,
        g_hidden: vec![8],
        d_hidden: vec![8],
        plot_every: 0,
        eval_every: 3,
        checkpoint_every: 3,
        ..TrainConfig::default()
    }
}

/// Where a run writes: `dir`, replacing a run there if `force`.
pub fn out(dir: &Path, force: bool) -> Output {
    Output {
        dir: dir.to_path_buf(),
        force,
        label: Default::default(),
    }
}

/// A training step's scalars under the fixtures' `steps_trace` names.
pub fn step_trace(stats: &curvegan::gan::step::StepStats) -> [(&'static str, f32); 5] {
    [
        ("D_loss", stats.d_loss),
        ("s_real_mean", stats.d_real),
        ("s_fake_mean", stats.d_fake),
        ("G_loss", stats.g_loss),
        ("s_fake_mean_Gstep", stats.d_fake_g),
    ]
}
