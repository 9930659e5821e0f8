//! The data path of issue 22, through the real binary, on files each test writes (CSV, NumPy
//! `.npy` bytes written here, UCR/UEA `.ts` text): every format trains and samples in the
//! data's units, the scaler beside G's weights gives `sample`'s curves bit for bit, samples
//! carry their conditions, the hold-out is the same rows for every seed, `eval` has the curve
//! measures that apply, and a step figure has a panel per channel. Data on any scale training
//! as well as standardised data, a trial of thousands of steps, is in `system`'s `trials`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::data::{
    curves, eval_metrics, mean, sample, sample_json, train, uniform, y_axes,
};
use crate::common::{curvegan, le_f32, le_f64, npy_bytes, stdout_of};

/// A short run: few steps, a small net, no figures.
const SHORT: &[&str] = &["--steps", "40", "--hidden", "32", "--plot-every", "0"];

/// [`sample`] as CSV: the header's fields and every row's (no field of these tests holds a
/// comma or a quote).
fn sample_csv(run: &Path, args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = sample(run, &[args, &["--format", "csv"]].concat());
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// The values of channel `c` of every row of `rows` (`[N][channels · points]`).
fn channel(rows: &[Vec<f64>], c: usize, points: usize) -> Vec<f64> {
    rows.iter()
        .flat_map(|r| r[c * points..(c + 1) * points].iter().copied())
        .collect()
}

/// A CSV file of 40 rows of 8 points (`50 ± i/7` rising or falling with `kind`, plus noise)
/// with the condition columns `kind` (`up` or `down`, first) and `temp` (a temperature from
/// 10 to 30, in the middle of the values).
fn conditions_csv(dir: &Path) -> PathBuf {
    let mut text = "kind,t0,t1,t2,t3,temp,t4,t5,t6,t7\n".to_string();
    for r in 0..40u64 {
        let up = r % 2 == 0;
        // Two decimals, written as such: the f64 nearest to a whole number of hundredths.
        let temp = (1000.0 + 2000.0 * uniform(1000 + r)).round() / 100.0;
        let v: Vec<String> = (0..8u64)
            .map(|i| {
                let s = if up { 1.0 } else { -1.0 };
                let v = 50.0 + s * i as f64 / 7.0 + 0.05 * (uniform(r * 8 + i) - 0.5);
                format!("{v:.4}")
            })
            .collect();
        let kind = if up { "up" } else { "down" };
        text += &format!("{kind},{},{temp},{}\n", v[..4].join(","), v[4..].join(","));
    }
    let path = dir.join("kinds.csv");
    fs::write(&path, text).unwrap();
    path
}

/// A `.ts` file of 30 series, each with 2 channels of 10 points (channel 1 near 0, channel 2
/// near 1000) and a class label `left` or `right`.
fn two_channel_ts(dir: &Path) -> PathBuf {
    let mut text = "# two channels\n@problemName Toy\n@timeStamps false\n@missing false\n\
                    @univariate false\n@dimensions 2\n@equalLength true\n@seriesLength 10\n\
                    @classLabel true left right\n@data\n"
        .to_string();
    for r in 0..30u64 {
        let phase = std::f64::consts::TAU * uniform(r);
        let ch = |offset: f64, amp: f64| -> String {
            let v = (0..10).map(|i| offset + amp * (i as f64 / 3.0 + phase).sin());
            v.map(|v| format!("{v:.5}")).collect::<Vec<_>>().join(",")
        };
        let label = ["left", "right"][r as usize % 2];
        text += &format!("{}:{}:{label}\n", ch(0.0, 1.0), ch(1000.0, 20.0));
    }
    let path = dir.join("two.ts");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn each_format_trains_and_samples_in_the_data_units() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();

    // CSV with a category and a number condition column, anywhere in the row.
    let csv = conditions_csv(d);
    let run = d.join("csv");
    let conditions = ["--condition-columns", "kind,temp", "--conditional"];
    train(&run, &csv, &[SHORT, &conditions].concat());
    let (header, rows) = sample_csv(&run, &["--n", "50"]);
    let x: Vec<String> = (0..8).map(|i| format!("x={i}")).collect();
    assert_eq!(
        header,
        [
            &["kind", "temp"][..],
            &x.iter().map(String::as_str).collect::<Vec<_>>()
        ]
        .concat()
    );
    assert_eq!(rows.len(), 50);
    let mut values = Vec::new();
    for row in &rows {
        assert_eq!(row.len(), 10, "{row:?}");
        assert!(row[0] == "up" || row[0] == "down", "{row:?}");
        let temp: f64 = row[1].parse().unwrap();
        assert!((10.0..=30.0).contains(&temp), "{row:?}");
        values.extend(row[2..].iter().map(|v| v.parse::<f64>().unwrap()));
    }
    // In the data's units (around 50), not in G's scaled space (around 0).
    assert!((mean(&values) - 50.0).abs() < 2.0, "{}", mean(&values));
    let v = sample_json(&run, &["--n", "50"]);
    assert_eq!(curves(&v).len(), 50);
    assert_eq!(v["conditions"]["kind"].as_array().unwrap().len(), 50);
    assert_eq!(v["conditions"]["temp"].as_array().unwrap().len(), 50);

    // NumPy arrays: 2-D and 3-D, f32 and f64; channel c around 100 + 10·c.
    let (rows, channels, points) = (30usize, 2usize, 5usize);
    let value = |r: usize, c: usize, p: usize| {
        100.0 + 10.0 * c as f64 + (uniform((r * 7 + c * 3 + p) as u64) - 0.5)
    };
    for (name, shape, f64s) in [
        ("f32_2d.npy", vec![rows, points], false),
        ("f64_2d.npy", vec![rows, points], true),
        ("f32_3d.npy", vec![rows, channels, points], false),
        ("f64_3d.npy", vec![rows, channels, points], true),
    ] {
        let ch = if shape.len() == 3 { channels } else { 1 };
        let flat: Vec<f64> = (0..rows)
            .flat_map(|r| (0..ch).flat_map(move |c| (0..points).map(move |p| value(r, c, p))))
            .collect();
        let bytes = match f64s {
            true => npy_bytes("<f8", &shape, &le_f64(&flat)),
            false => {
                let f: Vec<f32> = flat.iter().map(|&v| v as f32).collect();
                npy_bytes("<f4", &shape, &le_f32(&f))
            }
        };
        let path = d.join(name);
        fs::write(&path, bytes).unwrap();
        let run = d.join(name.replace(".npy", ""));
        train(&run, &path, SHORT);
        let record: Value =
            serde_json::from_str(&fs::read_to_string(run.join("data.json")).unwrap()).unwrap();
        assert_eq!(record["channels"], ch, "{name}");
        let v = sample_json(&run, &["--n", "20"]);
        let x: Vec<f64> = (0..ch).flat_map(|_| 0..points).map(|p| p as f64).collect();
        assert_eq!(v["x"], serde_json::json!(x), "{name}");
        let got = curves(&v);
        assert!(got.iter().all(|c| c.len() == ch * points), "{name}");
        for c in 0..ch {
            let m = mean(&channel(&got, c, points));
            let want = 100.0 + 10.0 * c as f64;
            assert!(
                (m - want).abs() < 2.0,
                "{name} channel {c}: mean {m}, data {want}"
            );
        }
    }

    // A .ts file with 2 channels and class labels.
    let ts = two_channel_ts(d);
    let run = d.join("ts");
    train(&run, &ts, &[SHORT, &["--conditional"]].concat());
    let (header, rows) = sample_csv(&run, &["--n", "40"]);
    assert_eq!(header.len(), 21);
    assert_eq!(header[0], "label");
    let mut got = Vec::new();
    for row in &rows {
        assert!(row[0] == "left" || row[0] == "right", "{row:?}");
        got.push(
            row[1..]
                .iter()
                .map(|v| v.parse().unwrap())
                .collect::<Vec<f64>>(),
        );
    }
    let (m0, m1) = (mean(&channel(&got, 0, 10)), mean(&channel(&got, 1, 10)));
    assert!(m0.abs() < 1.0 && (m1 - 1000.0).abs() < 20.0, "{m0} {m1}");

    // A .ts file of unequal lengths (8 to 12 points): refused naming --resample, nothing
    // written; then trained on every series resampled onto 10 points.
    let mut text = "@problemName Uneven\n@classLabel true a b\n@data\n".to_string();
    for r in 0..20usize {
        let n = 8 + r % 5;
        let v: Vec<String> = (0..n)
            .map(|i| format!("{}", (i as f64 / 2.0).sin()))
            .collect();
        text += &format!("{}:{}\n", v.join(","), ["a", "b"][r % 2]);
    }
    let uneven = d.join("uneven.ts");
    fs::write(&uneven, text).unwrap();
    let run = d.join("uneven");
    let out = curvegan()
        .arg("train")
        .arg("--data")
        .arg(&uneven)
        .args(SHORT)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("uneven.ts")
            && stderr.contains("8 to 12 points")
            && stderr.contains("--resample N"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!run.exists());
    train(&run, &uneven, &[SHORT, &["--resample", "10"]].concat());
    let v = sample_json(&run, &["--n", "5"]);
    assert!(curves(&v).iter().all(|c| c.len() == 10));
    let config = fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains("resample = 10"), "{config}");
}

/// The scaler is part of the model: `scaler.shift` and `scaler.scale` in
/// `generator.safetensors` (and the checkpoint, and `best/`); G's MLP run on `sample
/// --noise`'s rows, then `x·scale + shift`, gives `sample`'s curves bit for bit — what the
/// guide's PyTorch snippet (`docs/src/pytorch.md`) does — and the conditions G was given are those each row carries.
#[test]
fn the_scaler_beside_the_weights_gives_the_samples_bit_for_bit() {
    use curvegan::nn::mlp::{Activation, MlpSpec, Tape};
    use curvegan::nn::state_dict::mlp_from_tensors;
    use curvegan::run::store::weights::read_tensors;

    let tmp = TempDir::new().unwrap();
    let csv = conditions_csv(tmp.path());
    let run = tmp.path().join("run");
    let args = [
        "--condition-columns",
        "kind,temp",
        "--conditional",
        "--keep-best",
        "energy_distance",
        "--eval-every",
        "20",
    ];
    train(&run, &csv, &[SHORT, &args].concat());
    let weights = run.join("generator.safetensors");
    let tensors = read_tensors(&weights).unwrap();
    let (shift, scale) = (&tensors["scaler.shift"], &tensors["scaler.scale"]);
    assert_eq!(
        (shift.shape.clone(), scale.shape.clone()),
        (vec![8], vec![8])
    );
    // Fitted on the data's units: the shift near the values (50), the scale near their spread.
    assert!(
        shift.data.iter().all(|v| (v - 50.0).abs() < 1.5),
        "{:?}",
        shift.data
    );
    assert!(
        scale.data.iter().all(|&v| v > 0.0 && v < 1.5),
        "{:?}",
        scale.data
    );
    for other in ["checkpoint.safetensors", "best/generator.safetensors"] {
        let t = read_tensors(&run.join(other)).unwrap();
        assert_eq!(t["scaler.shift"].data, shift.data, "{other}");
        assert_eq!(t["scaler.scale"].data, scale.data, "{other}");
    }

    // G: the data defaults' 32 noise values and the condition (kind one-hot: 2, temp: 1)
    // → 32 → 8.
    let spec = MlpSpec::new(32 + 3, &[32], 8, Activation::Relu, Activation::Identity);
    let g = mlp_from_tensors(&spec, &tensors, "", &weights).unwrap();
    let n = "300";
    let (_, noise) = sample_csv(&run, &["--n", n, "--noise"]);
    let (header, samples) = sample_csv(&run, &["--n", n]);
    assert_eq!(&header[..2], ["kind", "temp"]);
    let input: Vec<f32> = noise.iter().flatten().map(|v| v.parse().unwrap()).collect();
    assert_eq!(input.len(), 300 * 35);
    let mut tape = Tape::default();
    let out = g.forward(&input, &mut tape).unwrap();
    let record: Value =
        serde_json::from_str(&fs::read_to_string(run.join("data.json")).unwrap()).unwrap();
    let temp = &record["conditions"][1];
    assert_eq!(temp["name"], "temp");
    let (t_shift, t_scale) = (
        temp["shift"].as_f64().unwrap(),
        temp["scale"].as_f64().unwrap(),
    );
    for (i, row) in samples.iter().enumerate() {
        for (j, field) in row[2..].iter().enumerate() {
            // In f32, one multiplication then one addition, as PyTorch's G(z) * scale + shift.
            let want = out[i * 8 + j] * scale.data[j] + shift.data[j];
            let got: f32 = field.parse().unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "sample {i}, point {j}");
        }
        // The row's conditions are the ones in G's input: kind's one-hot (levels down, up),
        // then temp standardised.
        let c = &input[i * 35 + 32..(i + 1) * 35];
        let kind = if c[1] > c[0] { "up" } else { "down" };
        assert_eq!(row[0], kind, "sample {i}");
        let printed: f64 = row[1].parse().unwrap();
        let encoded = ((printed - t_shift) / t_scale) as f32;
        assert_eq!(encoded, c[2], "sample {i}: temp {printed}");
    }
}

#[test]
fn samples_carry_their_conditions_and_a_class_the_data_never_had_is_refused() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let ts = two_channel_ts(d);
    let run = d.join("ts");
    train(&run, &ts, &[SHORT, &["--conditional"]].concat());

    // Asked for: every row says it.
    let (_, rows) = sample_csv(&run, &["--n", "30", "--condition", "label=right"]);
    assert_eq!(rows.len(), 30);
    assert!(rows.iter().all(|r| r[0] == "right"), "{rows:?}");
    let v = sample_json(&run, &["--n", "30", "--condition", "label=left"]);
    let labels = v["conditions"]["label"].as_array().unwrap();
    assert_eq!(labels.len(), 30);
    assert!(labels.iter().all(|l| l == "left"), "{labels:?}");

    // Drawn from the data's own mix (half left, half right): every row carries its class.
    let (_, rows) = sample_csv(&run, &["--n", "200"]);
    let right = rows.iter().filter(|r| r[0] == "right").count();
    assert!(rows.iter().all(|r| r[0] == "right" || r[0] == "left"));
    assert!((60..=140).contains(&right), "{right} of 200");
    let v = sample_json(&run, &["--n", "200"]);
    let labels = v["conditions"]["label"].as_array().unwrap();
    assert_eq!(labels.len(), 200);
    let from_csv: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    let from_json: Vec<&str> = labels.iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(from_csv, from_json);

    // A number condition drawn from the data's mix is one of the data's values, as the data
    // writes it (13.19, not 13.190001 after its round trip through G's f32 condition).
    let csv = conditions_csv(d);
    let text = fs::read_to_string(&csv).unwrap();
    let temps: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(5).unwrap())
        .collect();
    assert!(temps.iter().all(|t| t.len() <= 5), "{temps:?}");
    let run_csv = d.join("csv");
    let args = ["--condition-columns", "kind,temp", "--conditional"];
    train(&run_csv, &csv, &[SHORT, &args].concat());
    let (_, rows) = sample_csv(&run_csv, &["--n", "200"]);
    for row in &rows {
        assert!(
            temps.contains(&row[1].as_str()),
            "{row:?}: no such temp in the data"
        );
    }
    let v = sample_json(&run_csv, &["--n", "200"]);
    let drawn = v["conditions"]["temp"].as_array().unwrap();
    let from_json: Vec<String> = drawn.iter().map(Value::to_string).collect();
    let from_csv: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(from_json, from_csv);
    let (_, rows) = sample_csv(
        &run_csv,
        &[
            "--n",
            "5",
            "--condition",
            "kind=down",
            "--condition",
            "temp=21.5",
        ],
    );
    assert!(
        rows.iter().all(|r| r[0] == "down" && r[1] == "21.5"),
        "{rows:?}"
    );

    // Class codes that read as numbers but are not JSON numbers (`007`, `+1`, `.5`): a
    // category's levels are JSON strings, so the file stays JSON.
    let mut text = "a,b,code\n".to_string();
    for r in 0..12 {
        text += &format!("{r},{},{}\n", r * r, ["007", "+1", ".5"][r % 3]);
    }
    let codes = d.join("codes.csv");
    fs::write(&codes, text).unwrap();
    let run_codes = d.join("codes");
    let args = ["--condition-columns", "code:category", "--conditional"];
    train(&run_codes, &codes, &[SHORT, &args].concat());
    let out = sample(&run_codes, &["--n", "30", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let drawn = v["conditions"]["code"].as_array().unwrap();
    assert!(
        drawn
            .iter()
            .all(|c| ["007", "+1", ".5"].map(Value::from).contains(c)),
        "{drawn:?}"
    );
    let v = sample_json(&run_codes, &["--n", "3", "--condition", "code=007"]);
    assert_eq!(
        v["conditions"]["code"],
        serde_json::json!(["007", "007", "007"])
    );
    fs::remove_file(&codes).unwrap();
    fs::remove_dir_all(&run_codes).unwrap();

    // A class the data never had: exit 2, naming the classes it has; nothing written.
    let out_file = d.join("samples.csv");
    let out = curvegan()
        .args(["sample", "--run"])
        .arg(&run)
        .args(["--condition", "label=up", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("'up' is not one of its values (left, right)"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let names: BTreeSet<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["csv", "kinds.csv", "ts", "two.ts"].map(String::from))
    );
}

/// The held-out rows are drawn with a fixed seed, not the run's: runs of 8 seeds show real
/// rows (the live view's figure data, drawn from the training rows) from the same 7 of 10
/// rows, and never the 3 held out.
#[test]
fn the_same_rows_are_held_out_for_every_seed() {
    let tmp = TempDir::new().unwrap();
    // Row i is [10i, 10i + 1, 10i + 2, 10i + 3]: a shown row names itself.
    let text: String = (0..10)
        .map(|i| format!("{},{},{},{}\n", 10 * i, 10 * i + 1, 10 * i + 2, 10 * i + 3))
        .collect();
    let csv = tmp.path().join("rows.csv");
    fs::write(&csv, text).unwrap();
    let mut seen = Vec::new();
    for seed in 0..8 {
        let run = tmp.path().join(format!("seed{seed}"));
        let seed = seed.to_string();
        train(
            &run,
            &csv,
            &["--steps", "1", "--holdout", "0.3", "--seed", &seed],
        );
        let live: Value =
            serde_json::from_str(&fs::read_to_string(run.join("live.json")).unwrap()).unwrap();
        let real = live["figure"]["real"].as_array().unwrap();
        let rows: BTreeSet<i64> = real
            .chunks(4)
            .map(|r| (r[0].as_f64().unwrap() / 10.0).round() as i64)
            .collect();
        seen.push(rows);
    }
    let all: BTreeSet<i64> = seen.iter().flatten().copied().collect();
    assert_eq!(all.len(), 7, "{seen:?}");
    // The seeds showed different draws of those rows.
    assert!(seen.iter().any(|s| s != &seen[0]), "{seen:?}");
}

#[test]
fn eval_has_the_curve_measures_that_apply() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let csv = conditions_csv(d);
    let measures = [
        "acf_difference",
        "discriminative_score",
        "dcr_ratio",
        "tstr_accuracy",
        "trtr_accuracy",
    ];
    // The same rows without the category.
    let text = fs::read_to_string(&csv).unwrap();
    let numbers = d.join("numbers.csv");
    let without_kind: Vec<&str> = text.lines().map(|l| l.split_once(',').unwrap().1).collect();
    fs::write(&numbers, without_kind.join("\n")).unwrap();
    let cases: [(&str, &Path, &[&str], &[&str]); 4] = [
        // A category condition, a conditional G and held-out rows: all five.
        (
            "all",
            &csv,
            &["--condition-columns", "kind,temp", "--conditional"],
            &measures,
        ),
        // Not conditional: no train-on-synthetic accuracy.
        (
            "unconditional",
            &csv,
            &["--condition-columns", "kind,temp"],
            &measures[..3],
        ),
        // A number condition only: no classes to classify.
        (
            "number",
            &numbers,
            &["--condition-columns", "temp", "--conditional"],
            &measures[..3],
        ),
        // Nothing held out: neither the memorisation check nor the transfer accuracies.
        (
            "no_holdout",
            &csv,
            &[
                "--condition-columns",
                "kind",
                "--conditional",
                "--holdout",
                "0",
            ],
            &measures[..2],
        ),
    ];
    for (name, data, args, want) in cases {
        let run = d.join(name);
        train(&run, data, &[SHORT, args].concat());
        let m = eval_metrics(&run, &["-n", "200"]);
        for measure in measures {
            assert_eq!(
                m.contains_key(measure),
                want.contains(&measure),
                "{name}: {measure} in {m:?}"
            );
        }
        let get = |k: &str| m.get(k).and_then(Value::as_f64);
        let ds = get("discriminative_score").unwrap();
        assert!((0.0..=0.5).contains(&ds), "{name}: {m:?}");
        assert!(get("acf_difference").unwrap() >= 0.0, "{name}: {m:?}");
        if let Some(r) = get("dcr_ratio") {
            assert!(r.is_finite() && r > 0.0, "{name}: {m:?}");
        }
        for k in ["tstr_accuracy", "trtr_accuracy"] {
            if let Some(a) = get(k) {
                assert!((0.0..=1.0).contains(&a), "{name}: {m:?}");
            }
        }
        // Labelled, rising against falling: a classifier of real rows tells them apart.
        if let Some(a) = get("trtr_accuracy") {
            assert!(a > 0.9, "{name}: {m:?}");
        }
    }
    // A formula has none of them.
    let run = d.join("family");
    curvegan()
        .args(["train", "--target", "family", "--quiet", "--out"])
        .arg(&run)
        .args(SHORT)
        .assert()
        .success();
    let m = eval_metrics(&run, &["-n", "200"]);
    assert!(measures.iter().all(|k| !m.contains_key(*k)), "{m:?}");
}

/// `eval` of a run on several channels scores each channel alone beside the whole rows: the
/// mean of the channels' `wasserstein1_mean` is the joint one (a mean over coordinates), the
/// channel G has not learnt (near 1000, after a few steps) is the farther one, and the table
/// for people lists them; a run on one channel has none.
#[test]
fn eval_scores_each_channel_and_jointly() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let data = two_channel_ts(d);
    let run = d.join("two");
    // Unscaled, after 40 steps G's channels are both near 0: channel 2 is ~1000 away.
    train(&run, &data, &[SHORT, &["--scale", "none"]].concat());
    let out = stdout_of(
        curvegan()
            .arg("eval")
            .arg(&run)
            .args(["--json", "-n", "200"]),
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    let channels = v["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2, "{v}");
    let w: Vec<f64> = (channels.iter())
        .map(|c| c["wasserstein1_mean"].as_f64().unwrap())
        .collect();
    let joint = v["metrics"]["wasserstein1_mean"].as_f64().unwrap();
    assert!(
        ((w[0] + w[1]) / 2.0 - joint).abs() <= 1e-9 * joint,
        "{w:?} vs {joint}"
    );
    let e = |c: usize| channels[c]["energy_distance"].as_f64().unwrap();
    assert!(w[1] > 100.0 * w[0] && e(1) > e(0), "{channels:?}");
    assert!(channels.iter().all(|c| c["acf_difference"].is_number()));
    let text = String::from_utf8(stdout_of(
        curvegan().arg("eval").arg(&run).args(["-n", "200"]),
    ))
    .unwrap();
    assert!(text.contains("per channel:"), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with(['0', '1']))
            .count(),
        2,
        "{text}"
    );

    let one = d.join("one.csv");
    let rows: Vec<String> = (0..20)
        .map(|r| format!("{r},{},{}", r + 1, r * 2))
        .collect();
    fs::write(&one, rows.join("\n")).unwrap();
    let run = d.join("one");
    train(&run, &one, SHORT);
    let out = stdout_of(
        curvegan()
            .arg("eval")
            .arg(&run)
            .args(["--json", "-n", "200"]),
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(v.get("channels").is_none(), "{v}");
}

/// A run whose rows sit nearer its training rows than new real rows do — 32 training rows of
/// noise in 30 dimensions, learnt for 1000 steps — gets `eval`'s note saying so, in the table
/// and in JSON (`ucr.rs` checks that a run making new rows gets none).
#[test]
fn eval_notes_rows_nearer_the_training_rows_than_new_ones() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let noise = |rows: u64, path: &Path| {
        let text: Vec<String> = (0..rows)
            .map(|r| {
                let row = (0..30).map(|i| format!("{:.4}", 2.0 * uniform(r * 30 + i) - 1.0));
                row.collect::<Vec<_>>().join(",")
            })
            .collect();
        fs::write(path, text.join("\n")).unwrap();
    };
    let few = d.join("few.csv");
    noise(40, &few);
    let run = d.join("few");
    train(&run, &few, &["--steps", "1000", "--plot-every", "0"]);
    let text = String::from_utf8(stdout_of(curvegan().arg("eval").arg(&run))).unwrap();
    assert!(
        text.contains("note: ")
            && text.contains("G copies training rows or makes rows less varied"),
        "{text}"
    );
    let out = stdout_of(curvegan().arg("eval").arg(&run).arg("--json"));
    let v: Value = serde_json::from_slice(&out).unwrap();
    let share = v["metrics"]["dcr_close_share"].as_f64().unwrap();
    assert!(
        share > 0.2 && v["notes"].as_array().unwrap().len() == 1,
        "{v}"
    );
}

/// With `--g-basis 4` every channel of every sample is a cubic polynomial of its 10 points
/// (4 B-splines on one knot span: fourth differences 0 up to f32 rounding), in a run without
/// scaling so that the data's units are G's; without it they are not; `generator.safetensors`
/// holds the basis as the weight of the module after G's last Linear, as PyTorch loads it.
#[test]
fn a_smooth_basis_makes_every_channel_a_spline() {
    use curvegan::run::store::weights::read_tensors;

    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let data = two_channel_ts(d);
    // The largest fourth difference of any channel of any sample, over the channel's range.
    let wiggle = |run: &Path| -> f64 {
        let rows = curves(&sample_json(run, &["--n", "50"]));
        let mut worst = 0.0f64;
        for row in &rows {
            for c in row.chunks_exact(10) {
                let range = c
                    .iter()
                    .fold(0.0f64, |m, v| m.max((v - c[0]).abs()))
                    .max(1.0);
                for w in c.windows(5) {
                    let d4 = w[4] - 4.0 * w[3] + 6.0 * w[2] - 4.0 * w[1] + w[0];
                    worst = worst.max(d4.abs() / range);
                }
            }
        }
        worst
    };
    let (smooth, plain) = (d.join("smooth"), d.join("plain"));
    let args = [SHORT, &["--scale", "none"]].concat();
    train(&smooth, &data, &[&args[..], &["--g-basis", "4"]].concat());
    train(&plain, &data, &args);
    let (ws, wp) = (wiggle(&smooth), wiggle(&plain));
    assert!(ws < 1e-4 && wp > 1e-2, "with the basis {ws}, without {wp}");
    // G: 15 → 32 → 2·4 coefficients, then the basis [2·10, 2·4] as module 3.
    let t = read_tensors(&smooth.join("generator.safetensors")).unwrap();
    assert_eq!(t["2.weight"].shape, [8, 32]);
    assert_eq!(t["3.weight"].shape, [20, 8]);
    assert!(!t.contains_key("3.bias"));
    assert_eq!(t["3.weight"].data[0], 1.0);
}

/// The data defaults' R1 gives way to a loss or a D that cannot take it: `--loss wgan-gp`
/// and `--d-maxout 2` train (without R1) instead of being refused for an `--r1` never given;
/// `bad_input` checks that an `--r1` given with them is still refused.
#[test]
fn the_data_defaults_r1_gives_way_to_a_loss_or_d_that_cannot_take_it() {
    let tmp = TempDir::new().unwrap();
    let csv = conditions_csv(tmp.path());
    for (name, args) in [
        ("wgan_gp", ["--loss", "wgan-gp"]),
        ("maxout", ["--d-maxout", "2"]),
    ] {
        let run = tmp.path().join(name);
        let columns = ["--condition-columns", "kind,temp"];
        train(&run, &csv, &[SHORT, &args, &columns].concat());
        let config = fs::read_to_string(run.join("config.toml")).unwrap();
        assert!(!config.contains("r1 ="), "{name}: {config}");
    }
}

#[test]
fn a_step_figure_has_a_panel_per_channel() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let (rows, points) = (20usize, 12usize);
    for channels in [1usize, 3] {
        // Channel c around 10^c, so that each panel's axis fits its own channel.
        let flat: Vec<f32> = (0..rows * channels * points)
            .map(|i| {
                let c = (i / points) % channels;
                10f32.powi(c as i32) * (1.0 + (i % points) as f32 / 4.0).sin()
            })
            .collect();
        let path = d.join(format!("c{channels}.npy"));
        fs::write(
            &path,
            npy_bytes("<f4", &[rows, channels, points], &le_f32(&flat)),
        )
        .unwrap();
        let run = d.join(format!("c{channels}"));
        train(&run, &path, &["--steps", "1", "--hidden", "16"]);
        assert_eq!(
            y_axes(&run.join("step_00000.png")),
            channels,
            "{channels} channels"
        );
    }
}
