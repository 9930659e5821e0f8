//! The mode-collapse benchmark tuned (`bench modes --grid/--random`): a row per setting in its
//! table, recomputed from `bench.csv` and sorted by the chosen statistic, a resumed benchmark
//! over settings, bad options refused; and a row trained with settings other than the shipped
//! config marked, with a footnote naming what differs.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

use crate::common::{csv_rows as rows, curvegan, stdout_of};

/// `bench modes` on ring8 into `root`, and `extra` options.
fn bench(root: &Path, extra: &[&str]) -> Command {
    let mut cmd = curvegan();
    cmd.args(["bench", "modes", "--dataset", "ring8"])
        .args(extra)
        .arg("--out")
        .arg(root);
    cmd
}

/// Small nets that find some of ring8's modes in a few hundred steps, some settings more than
/// others: the table's rows differ.
const SMALL: &str = r#"
target = { kind = "ring8" }
loss = "nonsaturating"
latent_dim = 2
g_hidden = [64, 64]
d_hidden = [64, 64]
batch_size = 100
steps = 500
plot_every = 0
optim_g = { kind = "adam", lr = 1e-3, betas = [0.5, 0.999] }
optim_d = { kind = "adam", lr = 1e-3, betas = [0.5, 0.999] }
"#;

/// `bench` of [`SMALL`] (written into `tmp`) into `tmp/NAME`, and `extra` options.
fn small(tmp: &Path, name: &str, extra: &[&str]) -> Command {
    let config = tmp.join("small.toml");
    fs::write(&config, SMALL).unwrap();
    let mut cmd = bench(&tmp.join(name), &["--config", config.to_str().unwrap()]);
    cmd.args(extra);
    cmd
}

/// The cells of the table's rows of ours (`| curvegan, setting N …`), in order.
fn our_rows(table: &str) -> Vec<Vec<String>> {
    (table.lines())
        .filter(|l| l.starts_with("| curvegan"))
        .map(|l| {
            let cells = l.trim_matches('|').split('|');
            cells.map(|c| c.trim().to_string()).collect()
        })
        .collect()
}

const GRID: [&str; 8] = [
    "--trials",
    "2",
    "--jobs",
    "2",
    "--grid",
    "pack=1,2",
    "--grid",
    "optim_g.lr=1e-4,2e-3",
];

#[test]
fn a_grid_benchmark_gives_a_row_per_setting_sorted_by_its_statistic() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("bench");
    let stdout = String::from_utf8(stdout_of(&mut small(tmp.path(), "bench", &GRID))).unwrap();
    let table = fs::read_to_string(root.join("table.md")).unwrap();
    assert!(stdout.contains(&table), "{stdout}\n---\n{table}");
    assert!(
        table.starts_with("Settings by modes_captured (higher is better; ties by reverse KL)"),
        "{table}"
    );
    assert!(
        table.contains("| method | pack | optim_g.lr | modes /8 | high-quality % | reverse KL |"),
        "{table}"
    );
    assert!(table.contains("| PacGAN2 |  |  | 7.9 ± 0.1 |"), "{table}");
    // Every trial of every setting: bench.csv, the folders, each setting's config.
    let trials = rows(&root.join("bench.csv"));
    assert_eq!(trials.len(), 8, "{trials:?}");
    let settings = rows(&root.join("settings.csv"));
    assert_eq!(settings.len(), 4);
    // What it cost: the wall time, and each trial's core-minutes from its run.json.
    assert!(table.contains("\nWall time: "), "{table}");
    assert!(
        table.contains("| setting | seed | core-minutes |\n|---|---|---|\n"),
        "{table}"
    );
    for t in &trials {
        let (n, seed) = (&t["setting"], &t["seed"]);
        let record =
            fs::read_to_string(root.join(format!("setting-0{n}/seed-{seed}/run.json"))).unwrap();
        let record: serde_json::Value = serde_json::from_str(&record).unwrap();
        let minutes = record["duration_s"].as_f64().unwrap() / 60.0;
        assert!(
            table.contains(&format!("\n| {n} | {seed} | {minutes:.2} |\n")),
            "{n} {seed}: {table}"
        );
    }
    let ours = our_rows(&table);
    assert_eq!(ours.len(), 4, "{table}");
    let mut last = (f64::INFINITY, f64::NEG_INFINITY);
    for cells in &ours {
        // `curvegan, setting N (2 trials) †`: no setting has the shipped config.
        let n = cells[0]
            .strip_prefix("curvegan, setting ")
            .and_then(|c| c.strip_suffix(" (2 trials) †"))
            .unwrap_or_else(|| panic!("{cells:?}"));
        let named = settings.iter().find(|s| s["setting"] == n).unwrap();
        assert_eq!(
            [&named["pack"], &named["optim_g.lr"]],
            [&cells[1], &cells[2]]
        );
        let config = fs::read_to_string(root.join(format!("setting-0{n}/config.toml"))).unwrap();
        assert!(
            config.contains(&format!("pack = {}\n", cells[1])),
            "{config}"
        );
        // The row's numbers are the mean of its trials' in bench.csv.
        let of: Vec<&BTreeMap<String, String>> =
            trials.iter().filter(|t| t["setting"] == n).collect();
        assert_eq!(of.len(), 2);
        for t in &of {
            let seed = &t["seed"];
            assert!(root
                .join(format!("setting-0{n}/seed-{seed}/generator.safetensors"))
                .is_file());
        }
        let mean = |name: &str| {
            of.iter()
                .map(|t| t[name].parse::<f64>().unwrap())
                .sum::<f64>()
                / 2.0
        };
        let (modes, kl) = (mean("modes_captured"), mean("reverse_kl"));
        assert!(cells[3].starts_with(&format!("{modes:.1} ± ")), "{cells:?}");
        // Sorted: most modes first, ties by the lower reverse KL.
        assert!(
            modes < last.0 || (modes == last.0 && kl >= last.1),
            "not sorted:\n{table}"
        );
        last = (modes, kl);
    }
    assert!(
        table.contains(
            "with which the guide's curvegan row was measured: d_hidden = [64, 64] (shipped: [64, 64, 64]), g_ema = not set (shipped: 0.999), g_hidden = [64, 64] (shipped: [64, 64, 64]), lr_decay = \"none\" (shipped: \"linear\"), optim_d.lr = 0.001 (shipped: 0.0003), r1 = not set (shipped: 1.0), steps = 500 (shipped: 40000); the shipped pack = 2, optim_g.lr = 0.003\n"
        ),
        "{table}"
    );
    assert!(stdout.contains("settings in settings.csv, runs in setting-NN/seed-S"));

    // Sorted by another statistic on request; continued, the same table; another grid refused.
    let resumed = stdout_of(small(tmp.path(), "bench", &GRID).args(["--resume", "-q"]));
    assert!(resumed.is_empty());
    assert_eq!(fs::read_to_string(root.join("table.md")).unwrap(), table);
    let other = small(
        tmp.path(),
        "bench",
        &["--trials", "2", "--grid", "pack=1,4"],
    )
    .arg("--resume")
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the grid differs"), "{stderr}");
    let by_kl = [
        "--trials",
        "1",
        "--grid",
        "optim_g.lr=1e-4,2e-3",
        "--metric",
        "reverse_kl",
    ];
    stdout_of(small(tmp.path(), "by-kl", &by_kl).arg("-q"));
    let table = fs::read_to_string(tmp.path().join("by-kl/table.md")).unwrap();
    assert!(
        table.starts_with("Settings by reverse_kl (lower is better"),
        "{table}"
    );
    let kls: Vec<f64> = (our_rows(&table).iter())
        .map(|c| c[c.len() - 1].split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(kls.windows(2).all(|w| w[0] <= w[1]), "{table}");
}

#[test]
fn random_draws_of_a_benchmark_repeat_and_bad_options_are_refused() {
    let tmp = TempDir::new().unwrap();
    let random = [
        "--trials",
        "1",
        "--random",
        "optim_d.lr=loguniform(1e-4,1e-3)",
        "--draws",
        "2",
        "-q",
    ];
    let settings = |name: &str| {
        stdout_of(&mut small(tmp.path(), name, &random));
        let root = tmp.path().join(name);
        let table = fs::read_to_string(root.join("table.md")).unwrap();
        assert_eq!(our_rows(&table).len(), 2, "{table}");
        fs::read_to_string(root.join("settings.csv")).unwrap()
    };
    let drawn = settings("a");
    assert_eq!(drawn.lines().count(), 3, "{drawn}");
    assert_eq!(drawn, settings("b"));
    for (args, needle) in [
        (
            &["--random", "optim_d.lr=uniform(1e-4,1e-3)"][..],
            "--draws",
        ),
        (&["--grid", "pack=1,2", "--draws", "2"], "--draws"),
        (&["--grid", "target.kind=grid25"], "target ring8"),
        (&["--grid", "pack=1,2", "--metric", "fid"], "modes_captured"),
        (&["--metric", "reverse_kl"], "--grid"),
        (&["--grid", "pack=0,1"], "pack"),
    ] {
        let root = tmp.path().join("refused");
        let out = bench(&root, &[&["--steps", "20"], args].concat())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!root.exists(), "{args:?} left {root:?}");
    }
}

#[test]
fn a_benchmark_trained_otherwise_than_the_shipped_config_says_so() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("short");
    let stdout = String::from_utf8(stdout_of(&mut bench(
        &root,
        &["--steps", "20", "--trials", "1"],
    )));
    let stdout = stdout.unwrap();
    let note = "† settings other than the shipped configs/ring8.toml, with which the guide's curvegan row was measured: steps = 20 (shipped: 40000)\n";
    for text in [&stdout, &fs::read_to_string(root.join("table.md")).unwrap()] {
        assert!(text.contains("| curvegan (1 trials) † |"), "{text}");
        assert!(text.contains(note), "{text}");
    }
}
