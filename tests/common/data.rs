//! Helpers of the tests that train on data files through the binary (`cli`'s `data_path`,
//! `system`'s `trials` and `ucr`): `train --data`, `sample`, `eval`, and what they read back.

use std::fs;
use std::path::Path;

use serde_json::Value;

use super::{curvegan, stdout_of};

/// The `i`-th number of a fixed pseudo-random sequence, uniform in [0, 1) (SplitMix64).
pub fn uniform(i: u64) -> f64 {
    let mut z = i.wrapping_add(1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / 2f64.powi(64)
}

/// `curvegan train --data DATA ARGS… --quiet --out OUT`; fails the test unless it succeeds.
pub fn train(out: &Path, data: &Path, args: &[&str]) {
    curvegan()
        .arg("train")
        .arg("--data")
        .arg(data)
        .args(args)
        .args(["--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// `curvegan sample --run RUN ARGS…`'s standard output.
pub fn sample(run: &Path, args: &[&str]) -> String {
    let out = stdout_of(curvegan().arg("sample").arg("--run").arg(run).args(args));
    String::from_utf8(out).unwrap()
}

/// [`sample`] as JSON.
pub fn sample_json(run: &Path, args: &[&str]) -> Value {
    let text = sample(run, &[args, &["--format", "json"]].concat());
    serde_json::from_str(&text).unwrap()
}

/// `curvegan eval RUN --json ARGS…`'s metrics.
pub fn eval_metrics(run: &Path, args: &[&str]) -> serde_json::Map<String, Value> {
    let out = stdout_of(curvegan().arg("eval").arg(run).arg("--json").args(args));
    let v: Value = serde_json::from_slice(&out).unwrap();
    v["metrics"].as_object().unwrap().clone()
}

/// The curves of a JSON sample file, `[N][dim]`.
pub fn curves(v: &Value) -> Vec<Vec<f64>> {
    let rows = v["curves"].as_array().unwrap().iter();
    rows.map(|r| {
        r.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    })
    .collect()
}

/// The mean of `values`.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The population standard deviation of `values`.
pub fn sd(values: &[f64]) -> f64 {
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
}

/// The vertical axis lines of a figure: runs of dark pixels (every colour value below 80)
/// longer than a fifth of its height, one per panel (neighbouring columns counted once).
pub fn y_axes(png_path: &Path) -> usize {
    let decoder = png::Decoder::new(fs::File::open(png_path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let samples = info.color_type.samples();
    assert!(samples >= 3, "{:?}", info.color_type);
    let dark = |x: usize, y: usize| {
        let p = &buf[(y * w + x) * samples..][..3];
        p.iter().all(|&v| v < 80)
    };
    let mut axes = Vec::new();
    for x in 0..w {
        let mut run = 0;
        for y in 0..h {
            run = if dark(x, y) { run + 1 } else { 0 };
            if run == h / 5 {
                axes.push((x, y));
            }
        }
    }
    // One axis line may be two pixels wide.
    axes.sort_by_key(|&(x, y)| (y / 10, x));
    axes.dedup_by(|a, b| a.0.abs_diff(b.0) <= 2 && a.1.abs_diff(b.1) <= 10);
    axes.len()
}
