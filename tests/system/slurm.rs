//! Sweeps and the mode benchmark through a real Slurm cluster (`--backend slurm`): submit,
//! `status`, `collect`, `--wait`, a failed trial, a trial requeued mid-run that resumes from its
//! checkpoint, and results byte for byte those of `--backend local`: a sweep over seeds, a grid
//! of settings (2 learning rates × 2 packings × 3 seeds) and the benchmark, over settings too.
//!
//! These tests need a running cluster: `scripts/slurm/start.sh` starts a one-node one (as root,
//! with the Debian packages slurm-wlm and munge). Clients find it through `SLURM_CONF`, else
//! `$CURVEGAN_SLURM_DIR/slurm.conf` (default `/tmp/curvegan-slurm/slurm.conf`) when that file
//! exists. Without a cluster the tests fail; they never skip. The bad-input tests at the end
//! need no cluster.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use tempfile::TempDir;

use crate::common::{curvegan, stdout_of, sweep_csv_seeds, without_cost};

/// The `slurm.conf` of the cluster to use, once `sinfo` has answered with a usable node.
fn cluster() -> PathBuf {
    let conf = std::env::var_os("SLURM_CONF")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let dir = std::env::var_os("CURVEGAN_SLURM_DIR")
                .map_or_else(|| PathBuf::from("/tmp/curvegan-slurm"), PathBuf::from);
            dir.join("slurm.conf")
        });
    let sinfo = StdCommand::new("sinfo")
        .args(["--noheader", "--format=%T"])
        .env("SLURM_CONF", &conf)
        .output();
    let states = match &sinfo {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => String::new(),
    };
    // Other tests of this file may keep the node busy: mixed or allocated is up too.
    let up = ["idle", "mixed", "allocated", "completing"];
    assert!(
        states.lines().any(|s| up.contains(&s.trim())),
        "no Slurm cluster: run scripts/slurm/start.sh (Debian packages slurm-wlm, munge); \
         SLURM_CONF={} ; sinfo said {sinfo:?}",
        conf.display()
    );
    conf
}

/// A test's cluster (its `slurm.conf`) and folders, in a temporary folder kept while the
/// `TempDir` lives: `root` for `--backend slurm`, `local` for the same trials run locally, and
/// both as text.
type Case = (PathBuf, TempDir, PathBuf, PathBuf, String, String);

fn case() -> Case {
    let conf = cluster();
    let tmp = TempDir::new().unwrap();
    let (root, local) = (tmp.path().join("slurm"), tmp.path().join("local"));
    let (r, l) = (root.display().to_string(), local.display().to_string());
    (conf, tmp, root, local, r, l)
}

/// `curvegan ARGS…` talking to the cluster of `conf`.
fn on_cluster(conf: &Path, args: &[&str]) -> Command {
    let mut cmd = curvegan();
    cmd.env("SLURM_CONF", conf).args(args);
    cmd
}

/// A Slurm command (`scontrol …`) on the cluster of `conf`; fails the test unless it succeeds.
fn slurm(conf: &Path, program: &str, args: &[&str]) {
    let out = StdCommand::new(program)
        .args(args)
        .env("SLURM_CONF", conf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `curvegan ARGS… --backend slurm --slurm-binary BIN --out ROOT` on the cluster, BIN
/// being the binary under test; fails the test unless it succeeds. Returns the job id it
/// printed, its stdout and its stderr.
fn submitted(conf: &Path, args: &[&str], root: &str) -> (String, String, String) {
    let binary = env!("CARGO_BIN_EXE_curvegan");
    let out = on_cluster(conf, args)
        .args([
            "--backend",
            "slurm",
            "--slurm-binary",
            binary,
            "--out",
            root,
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let rest = stdout
        .split("submitted Slurm job ")
        .nth(1)
        .unwrap_or_else(|| panic!("no job id in {stdout}"));
    let job = rest.split(':').next().unwrap().to_string();
    (job, stdout, stderr)
}

/// `curvegan status ROOT`'s output once no trial is queued or running (a hang guard of ten
/// minutes, not a timing assertion).
fn wait_until_ended(conf: &Path, root: &Path) -> String {
    let start = Instant::now();
    loop {
        let out = stdout_of(&mut on_cluster(
            conf,
            &["status", &root.display().to_string()],
        ));
        let status = String::from_utf8(out).unwrap();
        if status.contains("queued 0, running 0,") {
            return status;
        }
        assert!(start.elapsed() < Duration::from_secs(600), "{status}");
        sleep(Duration::from_millis(500));
    }
}

/// Training options of the small trials: the tutorial's nets, with checkpoints and figures.
const SMALL: [&str; 8] = [
    "--steps",
    "300",
    "--checkpoint-every",
    "100",
    "--plot-every",
    "150",
    "--eval-every",
    "100",
];

/// The files of a trial that must equal a local run's byte for byte.
const SAME: [&str; 8] = [
    "config.toml",
    "metrics.csv",
    "generator.safetensors",
    "discriminator.safetensors",
    "checkpoint.safetensors",
    "losses.png",
    "metrics.png",
    "evolution.gif",
];

fn assert_same_runs(slurm: &Path, local: &Path, seeds: &[u64], files: &[&str]) {
    for s in seeds {
        for f in files {
            let (a, b) = (
                slurm.join(format!("seed-{s}")),
                local.join(format!("seed-{s}")),
            );
            let read = |d: &Path| fs::read(d.join(f)).unwrap_or_else(|e| panic!("{d:?}/{f}: {e}"));
            assert!(
                read(&a) == read(&b),
                "seed {s}: {f} differs from the local run's"
            );
        }
    }
}

/// A CSV without its `wall_s` column (the only one that differs between two runs).
fn without_wall(csv: &str) -> String {
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let wall = header.iter().position(|h| *h == "wall_s").unwrap();
    csv.lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(wall);
            f.join(",") + "\n"
        })
        .collect()
}

#[test]
fn slurm_sweep_is_submitted_followed_and_collected_as_a_local_sweep() {
    let (conf, _tmp, root, local, r, l) = case();
    let sweep = ["sweep", "--seeds", "3..6", "--slurm-arg=--time=00:10:00"];
    let (job, stdout, _) = submitted(&conf, &[&sweep[..], &SMALL].concat(), &r);
    assert!(
        stdout.contains(&format!("curvegan collect {r}")),
        "{stdout}"
    );
    let script = fs::read_to_string(root.join("slurm.sh")).unwrap();
    for line in [
        "#SBATCH --array=0-2",
        "#SBATCH --time=00:10:00",
        "#SBATCH --requeue",
    ] {
        assert!(script.contains(line), "{line} not in\n{script}");
    }
    let plan: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("slurm.json")).unwrap()).unwrap();
    assert_eq!(plan["job_id"], job.as_str());
    assert_eq!(plan["first_seed"], 3);

    let status = wait_until_ended(&conf, &root);
    assert!(status.contains("done 3, failed 0"), "{status}");
    for seed in 3..6 {
        let line = status
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{seed} ")))
            .unwrap_or_else(|| panic!("no line for seed {seed}: {status}"));
        assert!(line.contains("done") && line.contains("300/300"), "{line}");
    }
    let collected = String::from_utf8(stdout_of(&mut on_cluster(&conf, &["collect", &r]))).unwrap();
    assert!(collected.contains("sweep.csv"), "{collected}");

    stdout_of(
        curvegan()
            .args(["sweep", "--seeds", "3..6", "-q", "--out", &l])
            .args(SMALL),
    );
    assert_same_runs(&root, &local, &[3, 4, 5], &SAME);
    let csv = |d: &Path| fs::read_to_string(d.join("sweep.csv")).unwrap();
    assert_eq!(without_wall(&csv(&root)), without_wall(&csv(&local)));
    // `curvegan runs` lists the trials, not the sweep's shared config as a run.
    let runs = String::from_utf8(stdout_of(curvegan().args(["runs", &r]))).unwrap();
    assert_eq!(
        runs.lines().filter(|l| l.contains("finished")).count(),
        3,
        "{runs}"
    );
}

#[test]
fn a_trial_requeued_mid_run_resumes_from_its_checkpoint_and_equals_a_local_run() {
    let (conf, _tmp, root, local, r, l) = case();
    // Long enough to be caught between its first checkpoint and its end.
    let slow = [
        "--steps",
        "8000",
        "--checkpoint-every",
        "200",
        "--plot-every",
        "0",
    ];
    let (job, _, _) = submitted(
        &conf,
        &[&["sweep", "--seeds", "0..1"][..], &slow].concat(),
        &r,
    );
    let run = root.join("seed-0");
    let start = Instant::now();
    while !run.join("checkpoint.safetensors").exists() {
        assert!(start.elapsed() < Duration::from_secs(600), "no checkpoint");
        sleep(Duration::from_millis(20));
    }
    // Slurm sends SIGTERM (the run saves a checkpoint), then queues the task again, to start
    // once its credential has expired (`AuthInfo=cred_expire=10` on the test cluster).
    slurm(&conf, "scontrol", &["requeue", &format!("{job}_0")]);
    // Collecting before the trial is done names it and fails (with none done, --partial too).
    let early = on_cluster(&conf, &["collect", "--partial", &r])
        .output()
        .unwrap();
    assert_eq!(early.status.code(), Some(1), "{early:?}");
    let (_, stderr) = text(&early);
    assert!(
        stderr.contains("1 of 1 trials") && stderr.contains("seed 0"),
        "{stderr}"
    );
    assert!(!root.join("sweep.csv").exists());

    let status = wait_until_ended(&conf, &root);
    assert!(status.contains("done 1, failed 0"), "{status}");

    let log = fs::read_to_string(root.join("logs/task-0.log")).unwrap();
    assert!(
        log.contains("restart 1"),
        "the task was not requeued:\n{log}"
    );
    assert!(
        log.contains("interrupted after step"),
        "no checkpoint on SIGTERM:\n{log}"
    );
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(run.join("run.json")).unwrap()).unwrap();
    let resumes = record["resumes"].as_array().unwrap();
    assert_eq!(resumes.len(), 1, "{record}");
    assert_eq!(resumes[0]["command"][1], "resume", "{record}");

    stdout_of(
        curvegan()
            .args(["sweep", "--seeds", "0..1", "-q", "--out", &l])
            .args(slow),
    );
    let same = [
        "metrics.csv",
        "generator.safetensors",
        "discriminator.safetensors",
        "checkpoint.safetensors",
        "losses.png",
    ];
    assert_same_runs(&root, &local, &[0], &same);
    stdout_of(&mut on_cluster(&conf, &["collect", &r]));
    let csv = |d: &Path| fs::read_to_string(d.join("sweep.csv")).unwrap();
    assert_eq!(without_wall(&csv(&root)), without_wall(&csv(&local)));
}

#[test]
fn a_failed_trial_shows_in_status_and_collect_with_its_log() {
    let (conf, _tmp, root, _, r, _) = case();
    // Held, so that seed 1's folder can be spoiled before any task starts: a file curvegan
    // did not write makes its `train --force` refuse the folder.
    let sweep = ["sweep", "--seeds", "0..2", "--slurm-arg=--hold"];
    let (job, _, _) = submitted(&conf, &[&sweep[..], &SMALL].concat(), &r);
    let held = String::from_utf8(stdout_of(&mut on_cluster(&conf, &["status", &r]))).unwrap();
    assert!(
        held.contains("queued 2, running 0, done 0, failed 0"),
        "{held}"
    );
    fs::create_dir_all(root.join("seed-1")).unwrap();
    fs::write(root.join("seed-1/notes.txt"), "mine").unwrap();
    slurm(&conf, "scontrol", &["release", &job]);

    let status = wait_until_ended(&conf, &root);
    assert!(status.contains("done 1, failed 1"), "{status}");
    assert!(status.contains("notes.txt"), "no log lines in\n{status}");

    let out = on_cluster(&conf, &["collect", &r]).output().unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let named = stderr.contains("seed 1 (failed") && stderr.contains("notes.txt");
    assert!(named && stderr.contains("--partial"), "{stderr}");
    assert!(!root.join("sweep.csv").exists());

    let out = stdout_of(&mut on_cluster(&conf, &["collect", "--partial", &r]));
    let report = String::from_utf8(out).unwrap();
    assert!(
        report.contains("1 trials not done") && report.contains("seed 1"),
        "{report}"
    );
    assert_eq!(sweep_csv_seeds(&root), ["0"]);
}

#[test]
fn bench_modes_with_wait_through_slurm_equals_the_local_benchmark() {
    let (conf, _tmp, root, local, r, l) = case();
    let bench = [
        "bench",
        "modes",
        "--dataset",
        "grid25",
        "--trials",
        "2",
        "--steps",
        "300",
    ];
    let (_, stdout, stderr) = submitted(&conf, &[&bench[..], &["--wait"]].concat(), &r);
    let reported = stdout.contains("submitted Slurm job") && stdout.contains("PacGAN4");
    assert!(reported, "{stdout}");
    assert!(stderr.contains("[2/2] seed"), "no progress lines: {stderr}");
    assert!(stderr.contains("done 2, failed 0"), "{stderr}");

    stdout_of(curvegan().args(bench).args(["--out", &l]));
    let same = [
        "metrics.csv",
        "generator.safetensors",
        "checkpoint.safetensors",
    ];
    assert_same_runs(&root, &local, &[0, 1], &same);
    let read = |d: &Path, f: &str| fs::read_to_string(d.join(f)).unwrap();
    let (a, b) = (read(&root, "table.md"), read(&local, "table.md"));
    assert!(
        a.contains("\nWall time: ") && a.contains(" Core-minutes: "),
        "{a}"
    );
    assert_eq!(without_cost(&a), without_cost(&b));
    let csv = |d: &Path| without_wall(&read(d, "bench.csv"));
    assert_eq!(csv(&root), csv(&local));
}

/// The hyperparameter sweep: 2 learning rates × 2 packings × 3 seeds, tiny runs.
const GRID_SWEEP: [&str; 13] = [
    "sweep",
    "--grid",
    "optim_g.lr=1e-4,2e-4",
    "--grid",
    "pack=1,2",
    "--seeds",
    "0..3",
    "--steps",
    "200",
    "--plot-every",
    "0",
    "--eval-n",
    "200",
];

/// The files of a sweep's or benchmark's folder `a` equal `b`'s: `same` byte for byte, `timed`
/// but for their `wall_s` column.
fn assert_same_tables(a: &Path, b: &Path, same: &[&str], timed: &[&str]) {
    let read = |d: &Path, f: &str| fs::read_to_string(d.join(f)).unwrap();
    for f in same {
        // A benchmark's table.md ends with what it cost, which differs between two runs.
        assert_eq!(without_cost(&read(a, f)), without_cost(&read(b, f)), "{f}");
    }
    for f in timed {
        assert_eq!(without_wall(&read(a, f)), without_wall(&read(b, f)), "{f}");
    }
}

#[test]
fn a_grid_sweep_through_slurm_gives_the_table_of_the_same_sweep_run_locally() {
    let (conf, _tmp, root, local, r, l) = case();
    let (_, stdout, stderr) = submitted(&conf, &[&GRID_SWEEP[..], &["--wait"]].concat(), &r);
    assert!(stderr.contains("done 12, failed 0"), "{stderr}");
    let script = fs::read_to_string(root.join("slurm.sh")).unwrap();
    assert!(script.contains("#SBATCH --array=0-11"), "{script}");
    stdout_of(
        curvegan()
            .args(GRID_SWEEP)
            .args(["--jobs", "2", "-q", "--out", &l]),
    );
    // Four settings, best first, each over its three seeds; the scores are the runs', which
    // are deterministic per seed, so the tables are equal byte for byte (times aside).
    let table = fs::read_to_string(local.join("table.md")).unwrap();
    assert!(stdout.contains(&table), "{stdout}\n---\n{table}");
    assert_eq!(table.matches(" | 3/3 |").count(), 4, "{table}");
    let csv = fs::read_to_string(local.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert_same_tables(
        &root,
        &local,
        &["sweep.csv", "table.md", "settings.csv"],
        &["runs.csv"],
    );
    for n in 1..=4 {
        let setting = format!("setting-0{n}");
        assert_same_runs(
            &root.join(&setting),
            &local.join(&setting),
            &[0, 1, 2],
            &SAME[..4],
        );
    }
}

#[test]
fn a_benchmark_over_settings_through_slurm_equals_the_local_one() {
    let (conf, _tmp, root, local, r, l) = case();
    let bench = [
        "bench",
        "modes",
        "--dataset",
        "ring8",
        "--trials",
        "2",
        "--steps",
        "200",
        "--grid",
        "pack=1,2",
    ];
    let (_, stdout, stderr) = submitted(&conf, &[&bench[..], &["--wait"]].concat(), &r);
    assert!(stderr.contains("done 4, failed 0"), "{stderr}");
    stdout_of(
        curvegan()
            .args(bench)
            .args(["--jobs", "2", "-q", "--out", &l]),
    );
    let table = fs::read_to_string(local.join("table.md")).unwrap();
    assert!(
        stdout.contains(without_cost(&table)),
        "{stdout}\n---\n{table}"
    );
    assert_eq!(table.matches("| curvegan, setting ").count(), 2, "{table}");
    assert_same_tables(&root, &local, &["table.md", "settings.csv"], &["bench.csv"]);
    for n in 1..=2 {
        let setting = format!("setting-0{n}");
        let same = ["metrics.csv", "generator.safetensors"];
        assert_same_runs(&root.join(&setting), &local.join(&setting), &[0, 1], &same);
    }
}

/// Runs `curvegan ARGS…` expecting bad input: exit code 2, a message holding `needle`, and
/// nothing left in `tmp`'s `out` folder.
fn refused(tmp: &Path, path: Option<&str>, args: &[&str], needle: &str) {
    let mut cmd = curvegan();
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.args(args).output().unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {needle} not in {stderr}"
    );
    assert!(!tmp.join("out").exists(), "{args:?} left its folder behind");
}

#[test]
fn bad_slurm_input_is_refused_with_exit_2_and_nothing_written() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let out = t.join("out").display().to_string();
    let sweep = ["sweep", "--seeds", "0..2", "--steps", "10", "--out", &out];
    let with = |extra: &[&'static str]| -> Vec<String> {
        sweep
            .iter()
            .map(|s| s.to_string())
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            with(&["--backend", "slurm", "--slurm-arg=--array=0-3"]),
            "--array",
        ),
        (
            with(&["--backend", "slurm", "--slurm-arg=partition=cpu"]),
            "--slurm-arg",
        ),
        (
            with(&["--backend", "slurm", "--slurm-arg=--partition cpu"]),
            "one option per",
        ),
        (with(&["--backend", "slurm", "--jobs", "2"]), "--jobs"),
        (with(&["--backend", "slurm", "--force"]), "--force"),
        (
            with(&["--backend", "slurm", "--slurm-binary", "/no/such/curvegan"]),
            "/no/such/curvegan",
        ),
        (with(&["--wait"]), "--wait"),
        (with(&["--slurm-arg=--partition=cpu"]), "--slurm-arg"),
    ];
    for (args, needle) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(t, None, &args, needle);
    }
    // An --out that #SBATCH lines cannot hold (a space, a line break, a quote, a tab, `\`,
    // `#`): refused naming --out, before anything is written or submitted.
    for name in ["a b", "a\nb", "it's", "a\tb", "a\\b", "a#b"] {
        let dir = t.join(name).display().to_string();
        let args = [
            "sweep",
            "--seeds",
            "0..2",
            "--steps",
            "10",
            "--backend",
            "slurm",
        ];
        refused(t, None, &[&args[..], &["--out", &dir]].concat(), "--out");
        assert!(!t.join(name).exists(), "{name:?} was created");
    }
    // sbatch missing: the folder it would have submitted is removed again.
    let args: Vec<String> = with(&["--backend", "slurm"]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    refused(t, Some("/nonexistent"), &args, "sbatch not found");
    // status and collect of a folder that is missing, or is not a sweep submitted to Slurm.
    let missing = t.join("missing").display().to_string();
    refused(t, None, &["status", &missing], "is not a folder");
    refused(t, None, &["collect", &missing], "is not a folder");
    let local = t.join("local").display().to_string();
    stdout_of(curvegan().args([
        "sweep", "--seeds", "0..1", "--steps", "5", "-q", "--out", &local,
    ]));
    refused(t, None, &["status", &local], "slurm.json");
    refused(t, None, &["collect", &local], "slurm.json");
}
