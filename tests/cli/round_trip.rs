//! Samples written and read back, and the CSV files of other programs, through the real
//! binary: `sample --format csv` (conditions and all) trains again as the same rows,
//! `sample --format npy` is NumPy's format (its conditions in a file beside it), and the files
//! pandas writes — an index column, `;` with decimal commas, tabs — train as their rows.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::data::{curves, sample, sample_json, train, uniform};
use crate::common::{curvegan, le_f32, npy_bytes};

/// A short run: few steps, a small net, no figures.
const SHORT: &[&str] = &["--steps", "40", "--hidden", "32", "--plot-every", "0"];

/// `curvegan train ARGS… --quiet --out OUT` (no data file); fails the test unless it succeeds.
fn train_target(out: &Path, args: &[&str]) {
    curvegan()
        .arg("train")
        .args(args)
        .args(SHORT)
        .args(["--quiet", "--out"])
        .arg(out)
        .assert()
        .success();
}

/// The rows of `data` as the library reads a data file (`train --data`'s reader), with the
/// named condition columns.
fn rows_read(data: &Path, conditions: &[&str]) -> curvegan::data::dataset::Dataset {
    let options = curvegan::data::dataset::DataOptions {
        condition_columns: conditions.iter().map(|c| c.to_string()).collect(),
        resample: None,
    };
    curvegan::data::dataset::Dataset::load(data, &options).unwrap()
}

/// `data.json`'s row length of a data run.
fn record_dim(run: &Path) -> u64 {
    let record: Value =
        serde_json::from_str(&fs::read_to_string(run.join("data.json")).unwrap()).unwrap();
    record["dim"].as_u64().unwrap()
}

/// The values of the condition `a` in a JSON sample file.
fn condition_a(json: &Value) -> Vec<f64> {
    let values = json["conditions"]["a"].as_array().unwrap().iter();
    values.map(|v| v.as_f64().unwrap()).collect()
}

#[test]
fn csv_samples_train_again_as_the_same_rows() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let run = d.join("run");
    train_target(&run, &[]);
    let file = d.join("samples.csv");
    let args = ["--n", "50", "--seed", "3"];
    curvegan()
        .arg("sample")
        .args(args)
        .args(["--format", "csv", "--out"])
        .arg(&file)
        .arg(&run)
        .assert()
        .success();
    let text = fs::read_to_string(&file).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("x=-1,x=-0.85714287,"), "{header}");
    // Read back by train's reader: the same 50 rows, value for value (f32's shortest text
    // reads back to the same f32), no header row among them.
    let data = rows_read(&file, &[]);
    let want = curves(&sample_json(&run, &args));
    assert_eq!((data.len(), data.dim()), (50, 15));
    for (i, row) in want.iter().enumerate() {
        // JSON's number is the f32's shortest text too: the same f32.
        let want: Vec<f32> = row.iter().map(|&v| v as f32).collect();
        assert_eq!(data.row(i), want.as_slice(), "row {i}");
    }
    let again = d.join("again");
    train(&again, &file, SHORT);
    assert_eq!(record_dim(&again), 15);
    // A file with no --format: CSV by its extension, the same bytes.
    let by_name = d.join("by-name.csv");
    curvegan()
        .arg("sample")
        .args(args)
        .arg("--out")
        .arg(&by_name)
        .arg(&run)
        .assert()
        .success();
    assert_eq!(fs::read(&by_name).unwrap(), text.as_bytes());
}

#[test]
fn conditional_csv_samples_train_again_on_their_conditions() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let run = d.join("run");
    train_target(&run, &["--target", "family", "--conditional"]);
    // Conditions drawn, not asked for: each row says its own.
    let text = sample(&run, &["--n", "40", "--format", "csv"]);
    let file = d.join("family.csv");
    fs::write(&file, &text).unwrap();
    assert!(text.starts_with("a,x=-1,"), "{text}");
    let data = rows_read(&file, &["a"]);
    assert_eq!((data.len(), data.dim()), (40, 15));
    let json = sample_json(&run, &["--n", "40"]);
    let a = condition_a(&json);
    let curvegan::data::dataset::ColumnValues::Number(read) = &data.columns()[0].values else {
        panic!("{:?}", data.columns()[0]);
    };
    // The text of an f32 condition, read as f64: equal in f32.
    let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<_>>();
    assert_eq!(f32s(read), f32s(&a));
    let again = d.join("again");
    train(
        &again,
        &file,
        &[SHORT, &["--condition-columns", "a", "--conditional"]].concat(),
    );
    let back = sample_json(&again, &["--n", "3", "--condition", "a=1.5"]);
    assert_eq!(back["conditions"]["a"], serde_json::json!([1.5, 1.5, 1.5]));
}

#[test]
fn npy_samples_are_numpy_arrays_with_their_conditions_beside() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    let run = d.join("run");
    train_target(&run, &[]);
    let n = 4500; // more than one chunk of 4096
    let json = sample_json(&run, &["--n", &n.to_string()]);
    let values: Vec<f32> = curves(&json)
        .into_iter()
        .flatten()
        .map(|v| v as f32)
        .collect();
    let want = npy_bytes("<f4", &[n, 15], &le_f32(&values));
    let file = d.join("s.npy");
    let arg = |p: &PathBuf| p.to_str().unwrap().to_string();
    for (out, extra) in [
        (file.clone(), vec!["--format", "npy"]),
        (d.join("t.NPY"), vec![]),
    ] {
        curvegan()
            .args(["sample", "--n", &n.to_string()])
            .args(&extra)
            .args(["--out", &arg(&out)])
            .arg(&run)
            .assert()
            .success();
        // Byte for byte the `.npy` the format's spec gives (the test's own writer).
        assert!(fs::read(&out).unwrap() == want, "{}", out.display());
    }
    // Standard output, when it is not a terminal: the same bytes.
    let out = curvegan()
        .args(["sample", "--n", &n.to_string(), "--format", "npy"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout == want);
    // An .npy file trains as the same rows.
    let again = d.join("again");
    train(&again, &file, SHORT);
    assert_eq!(record_dim(&again), 15);
    assert_eq!(rows_read(&file, &[]).values(), values.as_slice());

    // A conditional generator's: the conditions in s.conditions.csv, row for row.
    let cond = d.join("cond");
    train_target(&cond, &["--target", "family", "--conditional"]);
    let json = sample_json(&cond, &["--n", "30"]);
    let c_file = d.join("c.npy");
    curvegan()
        .args(["sample", "--n", "30", "--out", &arg(&c_file)])
        .arg(&cond)
        .assert()
        .success();
    let values: Vec<f32> = curves(&json)
        .into_iter()
        .flatten()
        .map(|v| v as f32)
        .collect();
    assert!(fs::read(&c_file).unwrap() == npy_bytes("<f4", &[30, 15], &le_f32(&values)));
    let conditions = fs::read_to_string(d.join("c.conditions.csv")).unwrap();
    let mut lines = conditions.lines();
    assert_eq!(lines.next(), Some("a"));
    let a: Vec<f64> = lines.map(|l| l.parse().unwrap()).collect();
    assert_eq!(a, condition_a(&json));
    // On standard output there is no file beside: refused, nothing written.
    let out = curvegan()
        .args(["sample", "--format", "npy"])
        .arg(&cond)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--out") && stderr.contains("conditions"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// `rows` rows of 8 values (`50 ± i/7` with noise), each `kind` `up` or `down`, as pandas
/// writes `df.to_csv(sep=SEP, decimal=DECIMAL)` for `df = pd.DataFrame(values, columns=["t0",
/// …, "t7"])` with `df.insert(0, "kind", kinds)`: the header's first field empty, then the
/// index `0, 1, …` leading each row, values as Python's `repr` of the float64 (Rust's `{:?}`
/// of an f64 is the same text for these: no exponent), the decimal point `decimal`. The exact
/// bytes of pandas 3.1.1 for a smaller frame are in `csv_data.rs`'s unit tests.
fn pandas_csv(path: &Path, sep: &str, decimal: &str) -> Vec<f32> {
    let names: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
    let mut text = format!("{sep}kind{sep}{}\n", names.join(sep));
    let mut values = Vec::new();
    for r in 0..40u64 {
        let up = r % 2 == 0;
        let s = if up { 1.0 } else { -1.0 };
        let row: Vec<f64> = (0..8u64)
            .map(|i| ((50.0 + s * i as f64 / 7.0 + 0.05 * uniform(r * 8 + i)) * 1e4).round() / 1e4)
            .collect();
        values.extend(row.iter().map(|&v| v as f32));
        let fields: Vec<String> = row
            .iter()
            .map(|v| format!("{v:?}").replace('.', decimal))
            .collect();
        let kind = if up { "up" } else { "down" };
        text += &format!("{r}{sep}{kind}{sep}{}\n", fields.join(sep));
    }
    fs::write(path, text).unwrap();
    values
}

#[test]
fn pandas_files_train_without_their_index_and_say_so() {
    let tmp = TempDir::new().unwrap();
    let d = tmp.path();
    for (name, sep, decimal, says) in [
        ("comma.csv", ",", ".", vec![]),
        (
            "semicolon.csv",
            ";",
            ",",
            vec!["separated by ';'", "decimal commas"],
        ),
        ("tab.tsv", "\t", ".", vec!["separated by tabs"]),
    ] {
        let file = d.join(name);
        let values = pandas_csv(&file, sep, decimal);
        let run = d.join(format!("run-{name}"));
        let out = curvegan()
            .args(["train", "--data"])
            .arg(&file)
            .args(["--condition-columns", "kind", "--conditional"])
            .args(SHORT)
            .arg("--out")
            .arg(&run)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        // The index is no value: rows of 8, said once on standard error.
        assert_eq!(record_dim(&run), 8, "{name}");
        let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("data: ")).collect();
        assert!(
            notes
                .iter()
                .any(|n| n.contains("column 1, unnamed") && n.contains("0 to 39")),
            "{name}: {stderr}"
        );
        for s in says {
            assert!(notes.iter().any(|n| n.contains(s)), "{name}: {s}: {stderr}");
        }
        assert_eq!(
            notes.len(),
            1 + if sep == ";" {
                2
            } else if sep == "\t" {
                1
            } else {
                0
            }
        );
        assert_eq!(
            rows_read(&file, &["kind"]).values(),
            values.as_slice(),
            "{name}"
        );
    }
}
