//! Real public data: curvegan on UCR/UEA archive data sets (ItalyPowerDemand, BasicMotions,
//! JapaneseVowels) as `examples/fetch_ucr.py` writes them from the `aeon` wheel on PyPI
//! (every TRAIN and TEST series in one `.ts` file). `tools/test.sh` fetches them into
//! `target/ucr` (or the folder named by `CURVEGAN_UCR_DIR`); without them these tests fail,
//! naming the command that fetches them.
//!
//! The data sets are those of the UCR archive (Dau et al., 2018) and the UEA multivariate
//! archive (Bagnall et al., 2018, arXiv:1811.00075); see `examples/README.md`.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::common::data::{eval_metrics, y_axes};
use crate::common::{curvegan, stdout_of};

/// The merged `.ts` file of the data set `name`; fails the test, naming the command that
/// fetches it, when it is missing.
fn ucr(name: &str) -> PathBuf {
    let dir = std::env::var_os("CURVEGAN_UCR_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ucr"),
        PathBuf::from,
    );
    let path = dir.join(format!("{name}.ts"));
    assert!(
        path.is_file(),
        "{} is missing: fetch the UCR/UEA data sets with `python3 examples/fetch_ucr.py --out {}` \
         (tools/test.sh does)",
        path.display(),
        dir.display()
    );
    path
}

/// `curvegan sample --run RUN ARGS… --format csv`: the header and the rows' fields.
fn sample_csv(run: &Path, args: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let out = stdout_of(
        curvegan()
            .arg("sample")
            .arg("--run")
            .arg(run)
            .args(args)
            .args(["--format", "csv"]),
    );
    let text = String::from_utf8(out).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

/// The mean of every column of `rows` from `first` on, as numbers.
fn column_means(rows: &[Vec<String>], first: usize) -> Vec<f64> {
    let width = rows[0].len() - first;
    let mut sums = vec![0.0; width];
    for row in rows {
        for (s, v) in sums.iter_mut().zip(&row[first..]) {
            *s += v.parse::<f64>().unwrap();
        }
    }
    sums.iter().map(|s| s / rows.len() as f64).collect()
}

/// The series of one class of a univariate `.ts` file: each line `v1,v2,…:label`.
fn ts_rows(path: &Path, label: &str) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with(['@', '#']))
        .filter_map(|l| {
            let (values, class) = l.rsplit_once(':')?;
            (class.trim() == label).then(|| values.split(',').map(|v| v.parse().unwrap()).collect())
        })
        .collect()
}

/// ItalyPowerDemand (1096 days of 24 hourly loads, 2 classes), the data defaults with
/// `--conditional`, 4000 steps (a fifth of the default): a classifier trained on synthetic
/// curves does as well on the held-out real rows as one trained on the real training rows,
/// the synthetic rows are no copies of training rows, and a class's samples follow that
/// class's mean curve in the data's units.
#[test]
fn italy_power_demand_trains_curves_a_classifier_can_learn_from() {
    let data = ucr("ItalyPowerDemand");
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("ipd");
    curvegan()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--conditional", "--steps", "4000", "--plot-every", "0"])
        .args(["--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let m = eval_metrics(&run, &[]);
    let get = |k: &str| m[k].as_f64().unwrap_or_else(|| panic!("{k}: {m:?}"));
    let (tstr, trtr) = (get("tstr_accuracy"), get("trtr_accuracy"));
    // The published 1-NN accuracy on this data set is about 0.955; a classifier on the real
    // training rows reaches that, one on synthetic rows comes within 5 points.
    assert!(trtr > 0.9, "{m:?}");
    assert!(tstr > trtr - 0.05, "{m:?}");
    // Not copies: synthetic rows are about as far from the training rows as held-out rows.
    assert!(get("dcr_ratio") > 0.7, "{m:?}");
    assert!(get("dcr_close_share") < 0.2, "{m:?}");
    assert!(get("acf_difference") < 0.1, "{m:?}");
    assert!(get("discriminative_score") < 0.5, "{m:?}");
    let text = String::from_utf8(stdout_of(curvegan().arg("eval").arg(&run))).unwrap();
    assert!(!text.contains("note:"), "{text}");

    // Class 2's samples follow class 2's mean curve (the days differ by class: winter
    // against summer), not class 1's, in the data's own units.
    for (label, other) in [("1", "2"), ("2", "1")] {
        let (header, rows) = sample_csv(
            &run,
            &["-n", "500", "--condition", &format!("label={label}")],
        );
        assert_eq!(header[0], "label");
        assert_eq!(header.len(), 25);
        assert!(rows.iter().all(|r| r[0] == label), "{label}");
        let means = column_means(&rows, 1);
        let dist = |class: &str| {
            let real = ts_rows(&data, class);
            let real_means: Vec<f64> = (0..24)
                .map(|j| real.iter().map(|r| r[j]).sum::<f64>() / real.len() as f64)
                .collect();
            means
                .iter()
                .zip(&real_means)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let (own, theirs) = (dist(label), dist(other));
        assert!(own < theirs / 3.0, "class {label}: {own} vs {theirs}");
    }
}

/// BasicMotions (80 recordings of 6 channels — a watch's accelerometer and gyroscope — at 100
/// points, 4 activities): G makes 6 × 100 values, the step figure has a panel per channel, and
/// samples drawn without a condition follow the data's mix of the 4 activities, each row
/// naming its activity.
#[test]
fn basic_motions_has_six_channels_and_four_activities() {
    let data = ucr("BasicMotions");
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("bm");
    curvegan()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--conditional", "--steps", "200", "--plot-every", "200"])
        .args(["--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    assert_eq!(y_axes(&run.join("step_00199.png")), 6);
    let (header, rows) = sample_csv(&run, &["-n", "400", "--seed", "3"]);
    assert_eq!(header.len(), 1 + 6 * 100, "{:?}", &header[..3]);
    assert!(rows.iter().all(|r| r.len() == 601));
    for activity in ["Standing", "Running", "Walking", "Badminton"] {
        let n = rows.iter().filter(|r| r[0] == activity).count();
        // 20 of 80 recordings each: a quarter of 400 draws, ± 5 sd of a binomial.
        assert!((100usize.abs_diff(n)) < 45, "{activity}: {n} of 400");
    }
}

/// JapaneseVowels (640 utterances of 12 cepstral channels, 7 to 29 frames long): the unequal
/// lengths are refused naming `--resample`, nothing written; with `--resample 20` it trains
/// and G makes 12 × 20 values.
#[test]
fn japanese_vowels_needs_resample_and_then_trains() {
    let data = ucr("JapaneseVowels");
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("jv");
    let out = curvegan()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--steps", "20", "--quiet", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("7 to 29 points") && err.contains("--resample N"),
        "{err}"
    );
    assert!(!run.exists());
    curvegan()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--resample", "20", "--conditional", "--steps", "20"])
        .args(["--plot-every", "0", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let (header, rows) = sample_csv(&run, &["-n", "50", "--condition", "label=9"]);
    assert_eq!(header.len(), 1 + 12 * 20);
    assert!(rows.iter().all(|r| r[0] == "9" && r.len() == 241));
}
