//! Sweeps and benchmarks stopped and continued, through the real binary: Ctrl-C (SIGINT),
//! SIGTERM and SIGKILL sent to a running `sweep --jobs 2` and `bench modes`, then
//! `curvegan resume DIR` or the same command with `--resume`; every seed's files and the
//! tables' numbers equal those of a sweep never stopped. Also: a kill at chosen write points
//! (before a seed's first checkpoint, before a finished seed's `run.json` says so, in
//! `sweep.csv`), a second Ctrl-C, two processes for one sweep folder, `--resume` with other
//! settings, `resume` of a Slurm folder, `--force` with fewer seeds, and three small ones
//! (`--seeds -1..3`, `eval` of a sweep's folder, `bench modes --quiet`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus};
use std::thread::sleep;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use tempfile::TempDir;

use crate::common::{
    curvegan, send, spawn, stderr_of, stdout_of, wait_at_most, wait_for, without_cost,
};

/// A sweep of 3 seeds, 2 at a time, long enough (800 steps) to be caught mid-run, with a
/// checkpoint every 200 steps and figures and evaluations along the way.
fn sweep_args(out: &Path, extra: &[&str]) -> Vec<String> {
    let args = [
        "sweep",
        "--seeds",
        "0..3",
        "--jobs",
        "2",
        "--steps",
        "800",
        "--checkpoint-every",
        "200",
        "--plot-every",
        "200",
        "--eval-every",
        "100",
        "--eval-n",
        "200",
        "--quiet",
        "--out",
    ];
    let out = out.display().to_string();
    // An option of `extra` replaces the one here (an option may be given only once).
    let mut kept: Vec<&str> = Vec::new();
    for pair in args[1..args.len() - 2].chunks(2) {
        if !extra.contains(&pair[0]) {
            kept.extend(pair);
        }
    }
    (["sweep"].into_iter())
        .chain(kept)
        .chain(["--quiet", "--out", out.as_str()])
        .chain(extra.iter().copied())
        .map(String::from)
        .collect()
}

/// A small ring8 config for the benchmark (it needs target ring8): small nets, a kept best.
const BENCH_CONFIG: &str = r#"
target = { kind = "ring8" }
loss = "nonsaturating"
g_hidden = [32]
d_hidden = [32]
steps = 3000
eval_every = 250
eval_samples = 300
plot_every = 500
keep_best = "high_quality_fraction"
"#;

fn bench_args(config: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let (config, out) = (config.display().to_string(), out.display().to_string());
    let args = [
        "bench",
        "modes",
        "--dataset",
        "ring8",
        "--trials",
        "3",
        "--jobs",
        "2",
        "--config",
        &config,
        "--out",
        &out,
    ];
    (args.iter().chain(extra)).map(|s| s.to_string()).collect()
}

/// The exit status of `child` and its stderr, waiting at most two minutes.
fn finish(mut child: Child) -> (ExitStatus, String) {
    let status = wait_at_most(&mut child, Duration::from_secs(120));
    (status, stderr_of(&mut child))
}

/// Every file below `dir` (relative path → bytes), but those that hold times: `run.json`,
/// `live.json`, `report.html`, and the lock.
fn files_below(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(root, &path, out);
            } else if !["run.json", "live.json", "report.html", ".lock"].contains(&name.as_str()) {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A CSV table without its `wall_s` column (a time).
fn without_wall(path: &Path) -> Vec<Vec<String>> {
    let text = fs::read_to_string(path).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    let wall = rows[0].iter().position(|h| *h == "wall_s").unwrap();
    (rows.iter())
        .map(|r| {
            let kept = r.iter().enumerate().filter(|(i, _)| *i != wall);
            kept.map(|(_, v)| v.to_string()).collect()
        })
        .collect()
}

/// The sweep in `dir` is the one in `reference`: the same run folders with the same files,
/// byte for byte (times aside), and the same table (`sweep.csv`, or `bench.csv` and
/// `table.md`) but for the wall times and what a benchmark cost.
fn assert_same_sweep(reference: &Path, dir: &Path, tables: &[&str], case: &str) {
    let want = files_below(reference);
    let got = files_below(dir);
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want), "{case}: not the same files");
    for (path, bytes) in &want {
        if path == Path::new("table.md") {
            // A benchmark's table.md ends with what it cost: times, which differ.
            let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
            let (g, w) = (text(&got[path]), text(bytes));
            assert_eq!(without_cost(&g), without_cost(&w), "{case}: table.md");
            continue;
        }
        if tables.iter().any(|t| path == Path::new(t)) {
            continue;
        }
        assert!(
            got[path] == *bytes,
            "{case}: {} differs from the uninterrupted sweep's",
            path.display()
        );
    }
    for t in tables.iter().filter(|t| t.ends_with(".csv")) {
        assert_eq!(
            without_wall(&dir.join(t)),
            without_wall(&reference.join(t)),
            "{case}: {t}"
        );
    }
}

/// `run.json`'s status of the run folder `dir`, if it has one.
fn status(dir: &Path) -> Option<String> {
    let bytes = fs::read(dir.join("run.json")).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    Some(json["status"].as_str().unwrap().to_string())
}

/// A sweep stopped by Ctrl-C or SIGTERM (each running seed saves a checkpoint, exit 130, the
/// command to continue printed), or killed with SIGKILL, and continued with `curvegan resume
/// DIR` or the same command with `--resume`, ends byte-identical to one never stopped.
#[test]
fn a_stopped_or_killed_sweep_continues_to_the_same_result() {
    let tmp = TempDir::new().unwrap();
    let reference = tmp.path().join("reference");
    stdout_of(curvegan().args(sweep_args(&reference, &[])));
    for (signal, continued) in [("INT", "resume"), ("TERM", "--resume"), ("KILL", "resume")] {
        let dir = tmp.path().join(signal);
        let mut child = spawn(&sweep_args(&dir, &[]));
        wait_for(
            &dir.join("seed-0/config.toml"),
            &mut child,
            Duration::from_secs(120),
        );
        wait_for(
            &dir.join("seed-1/config.toml"),
            &mut child,
            Duration::from_secs(120),
        );
        if signal == "KILL" {
            wait_for(
                &dir.join("seed-0/checkpoint.safetensors"),
                &mut child,
                Duration::from_secs(120),
            );
        }
        sleep(Duration::from_millis(50));
        send(signal, child.id());
        let (code, stderr) = finish(child);
        if signal == "KILL" {
            assert_eq!(code.code(), None, "SIGKILL; stderr: {stderr}");
        } else {
            assert_eq!(code.code(), Some(130), "SIG{signal}; stderr: {stderr}");
            assert!(
                stderr.contains(&format!("Continue with: curvegan resume {}", dir.display())),
                "SIG{signal}; stderr: {stderr}"
            );
            // No new seed started; the running ones stopped at a checkpoint.
            assert!(!dir.join("seed-2").exists(), "SIG{signal}: seed 2 started");
            for seed in ["seed-0", "seed-1"] {
                let run = dir.join(seed);
                assert_eq!(
                    status(&run).as_deref(),
                    Some("stopped"),
                    "SIG{signal} {seed}"
                );
                let ckpt =
                    curvegan::run::store::checkpoint::load(&run.join("checkpoint.safetensors"));
                assert!(ckpt.unwrap().step < 800);
            }
        }
        // The sweep recorded what it is before its first run.
        assert!(dir.join("sweep.json").is_file() && dir.join("config.toml").is_file());
        if continued == "--resume" {
            // Other settings are refused, naming the one that differs, and change nothing.
            for (extra, named) in [
                (&["--lr-g", "0.001"][..], "optim_g.lr"),
                (&["--eval-n", "100"][..], "--eval-n"),
            ] {
                let before = files_below(&dir);
                let mut args = sweep_args(&dir, extra);
                args.push("--resume".into());
                curvegan()
                    .args(&args)
                    .assert()
                    .code(2)
                    .stderr(predicate::str::contains(named));
                assert!(
                    files_below(&dir) == before,
                    "a refused --resume changed {named}"
                );
            }
            stdout_of(curvegan().args(sweep_args(&dir, &["--resume"])));
        } else {
            stdout_of(curvegan().args(["resume", "--quiet"]).arg(&dir));
        }
        assert_same_sweep(&reference, &dir, &["sweep.csv"], signal);
        for seed in 0..3 {
            let run = dir.join(format!("seed-{seed}"));
            assert_eq!(
                status(&run).as_deref(),
                Some("finished"),
                "{signal} seed {seed}"
            );
        }
    }
}

/// The same for `bench modes`: Ctrl-C continued with `--resume`, SIGTERM with `resume`;
/// every trial's files (its `best/` too), `bench.csv`'s scores and `table.md` are those of a
/// benchmark never stopped.
#[test]
fn a_stopped_benchmark_continues_to_the_same_result() {
    let tmp = TempDir::new().unwrap();
    let config = tmp.path().join("ring8-small.toml");
    fs::write(&config, BENCH_CONFIG).unwrap();
    let reference = tmp.path().join("reference");
    stdout_of(curvegan().args(bench_args(&config, &reference, &[])));
    for (signal, continued) in [("INT", "--resume"), ("TERM", "resume")] {
        let dir = tmp.path().join(signal);
        let mut child = spawn(&bench_args(&config, &dir, &[]));
        wait_for(
            &dir.join("seed-0/config.toml"),
            &mut child,
            Duration::from_secs(120),
        );
        sleep(Duration::from_millis(50));
        send(signal, child.id());
        let (code, stderr) = finish(child);
        assert_eq!(code.code(), Some(130), "SIG{signal}; stderr: {stderr}");
        assert!(
            stderr.contains(&format!("curvegan resume {}", dir.display())),
            "SIG{signal}; stderr: {stderr}"
        );
        assert!(dir.join("seed-0/checkpoint.safetensors").is_file());
        match continued {
            "--resume" => stdout_of(curvegan().args(bench_args(&config, &dir, &["--resume"]))),
            _ => stdout_of(curvegan().args(["resume", "-q"]).arg(&dir)),
        };
        assert_same_sweep(&reference, &dir, &["bench.csv", "table.md"], signal);
    }
}

/// A second Ctrl-C stops a sweep at once, even in the middle of a seed's long evaluation,
/// with code 130; the seed's last checkpoint is kept.
#[test]
fn a_second_ctrl_c_stops_a_sweep_at_once() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("sweep");
    // Checkpoints after steps 1 to 4; the last step's evaluation (O(N²) metrics on 20000
    // samples) then takes far longer than the test waits.
    let args: Vec<String> = [
        "sweep",
        "--seeds",
        "0..1",
        "--steps",
        "5",
        "--checkpoint-every",
        "1",
        "--plot-every",
        "0",
        "--eval-every",
        "0",
        "--eval-samples",
        "20000",
        "--eval-metrics",
        "all",
        "-q",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([dir.display().to_string()])
    .collect();
    let mut child = spawn(&args);
    let checkpoint = dir.join("seed-0/checkpoint.safetensors");
    let t = Instant::now();
    while curvegan::run::store::checkpoint::load(&checkpoint)
        .ok()
        .map(|c| c.step)
        != Some(4)
    {
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended early");
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "no checkpoint at step 4"
        );
        sleep(Duration::from_millis(5));
    }
    sleep(Duration::from_millis(100)); // into the evaluation
    send("INT", child.id());
    sleep(Duration::from_millis(100));
    assert!(
        child.try_wait().unwrap().is_none(),
        "one Ctrl-C does not stop an evaluation"
    );
    send("INT", child.id());
    let t = Instant::now();
    let (code, stderr) = finish(child);
    assert!(t.elapsed() < Duration::from_secs(5), "not stopped at once");
    assert_eq!(code.code(), Some(130), "stderr: {stderr}");
    assert!(stderr.contains("interrupted again"), "stderr: {stderr}");
    assert_eq!(
        curvegan::run::store::checkpoint::load(&checkpoint)
            .unwrap()
            .step,
        4
    );
}

/// The write points (`CURVEGAN_FAULT=count`) of a run of `args`: each write's first point
/// (its `create` step) and its path.
fn writes(args: &[String]) -> Vec<(usize, String)> {
    let out = curvegan()
        .args(args)
        .env("CURVEGAN_FAULT", "count")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("curvegan-fault: write point "))
        .filter_map(|l| {
            let (n, rest) = l.split_once(": ")?;
            let path = rest.strip_prefix("create ")?;
            Some((n.parse().unwrap(), path.to_string()))
        })
        .collect()
}

/// With one seed at a time the writes come in a fixed order, so a kill can be placed: in the
/// second seed before its first checkpoint (it trains again), at the first seed's last write
/// (its `run.json` still says running, though every output is whole: it counts as finished),
/// and in `sweep.csv` (every seed kept). Each sweep continued equals the one never killed.
#[test]
fn a_sweep_killed_at_chosen_writes_continues_to_the_same_result() {
    let tmp = TempDir::new().unwrap();
    let args = |out: &Path| -> Vec<String> {
        let out = out.display().to_string();
        [
            "sweep",
            "--seeds",
            "0..2",
            "--jobs",
            "1",
            "--steps",
            "200",
            "--plot-every",
            "100",
            "--eval-every",
            "50",
            "--eval-n",
            "100",
            "-q",
            "--out",
            &out,
        ]
        .map(String::from)
        .to_vec()
    };
    let reference = tmp.path().join("reference");
    let writes = writes(&args(&reference));
    let runs: Vec<usize> = (0..writes.len())
        .filter(|&i| writes[i].1.ends_with("run.json"))
        .collect();
    // run.json: seed 0 starts, seed 0 ends, seed 1 starts, seed 1 ends.
    assert_eq!(runs.len(), 4, "{writes:?}");
    let csv = writes
        .iter()
        .position(|(_, p)| p.ends_with("sweep.csv"))
        .unwrap();
    for (case, point) in [
        ("seed 1 before its first checkpoint", writes[runs[2] + 1].0),
        ("seed 0's final run.json", writes[runs[1]].0),
        ("sweep.csv", writes[csv].0 + 3),
    ] {
        let dir = tmp.path().join(case.replace(' ', "-"));
        let out = curvegan()
            .args(args(&dir))
            .env("CURVEGAN_FAULT", format!("write:{point}:kill"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(137), "{case}: not killed");
        stdout_of(curvegan().args(["resume", "-q"]).arg(&dir));
        assert_same_sweep(&reference, &dir, &["sweep.csv"], case);
        for seed in ["seed-0", "seed-1"] {
            assert_eq!(
                status(&dir.join(seed)).as_deref(),
                Some("finished"),
                "{case}"
            );
        }
    }
}

/// While a process runs a sweep, a second one for the same folder — `resume`, `--resume`,
/// `--force` — fails with exit code 2 naming the folder, and changes nothing.
#[test]
fn two_processes_never_run_one_sweep() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("sweep");
    let mut child = spawn(&sweep_args(&dir, &["--steps", "100000"]));
    wait_for(
        &dir.join("seed-1/config.toml"),
        &mut child,
        Duration::from_secs(120),
    );
    let second: [Vec<String>; 3] = [
        vec!["resume".into(), dir.display().to_string()],
        sweep_args(&dir, &["--steps", "100000", "--resume"]),
        sweep_args(&dir, &["--steps", "100000", "--force"]),
    ];
    for args in &second {
        curvegan().args(args).assert().code(2).stderr(
            predicate::str::contains("another curvegan process")
                .and(predicate::str::contains(dir.display().to_string())),
        );
        assert!(
            dir.join("seed-0").is_dir() && dir.join("seed-1").is_dir(),
            "{args:?}"
        );
        assert!(dir.join("sweep.json").is_file(), "{args:?}");
    }
    send("INT", child.id());
    let (code, stderr) = finish(child);
    assert_eq!(code.code(), Some(130), "{stderr}");
}

/// `curvegan resume` of a folder submitted to Slurm says what to do instead: its tasks resume
/// themselves, and `sbatch --array=…` runs again those not done.
#[test]
fn resume_of_a_slurm_folder_says_what_to_do_instead() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("slurm");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("config.toml"), "steps = 10\n").unwrap();
    let plan = serde_json::json!({
        "kind": "sweep", "eval_n": 100, "success": null, "first_seed": 4, "trials": 3,
        "job_id": "77", "binary": "/usr/bin/curvegan", "slurm_args": [],
        "submitted": {"unix": 0, "utc": "1970-01-01T00:00:00Z"}
    });
    fs::write(dir.join("slurm.json"), plan.to_string()).unwrap();
    // The trial of seed 5 (task 1) is done; tasks 0 and 2 are not.
    let done = dir.join("seed-5");
    curvegan()
        .args(["train", "--steps", "5", "--plot-every", "0", "-q", "--out"])
        .arg(&done)
        .assert()
        .success();
    let before = files_below(&dir);
    curvegan().arg("resume").arg(&dir).assert().code(2).stderr(
        predicate::str::contains("Slurm")
            .and(predicate::str::contains(format!(
                "sbatch --array=0,2 {}",
                dir.join("slurm.sh").display()
            )))
            .and(predicate::str::contains("resume from their checkpoints")),
    );
    assert!(files_below(&dir) == before);
}

/// `--force` replaces the whole sweep: a sweep of 4 seeds replaced by one of 2 leaves 2 run
/// folders, and `report.html` and `runs` show 2. A file of the user's in any old run folder
/// refuses the replacement before anything is removed.
#[test]
fn force_replaces_the_whole_sweep() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("sweep");
    let sweep = |seeds: &str, extra: &[&str]| {
        let mut cmd = curvegan();
        cmd.args([
            "sweep",
            "--seeds",
            seeds,
            "--steps",
            "20",
            "--plot-every",
            "0",
            "-q",
        ])
        .arg("--out")
        .arg(&dir)
        .args(extra);
        cmd
    };
    stdout_of(&mut sweep("0..4", &[]));
    fs::write(dir.join("seed-3/notes.txt"), "mine").unwrap();
    let before = files_below(&dir);
    sweep("0..2", &["--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt").and(predicate::str::contains("seed-3")));
    assert!(
        files_below(&dir) == before,
        "a refused --force removed files"
    );
    fs::remove_file(dir.join("seed-3/notes.txt")).unwrap();
    stdout_of(&mut sweep("0..2", &["--force"]));
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("seed-"))
        .collect();
    names.sort();
    assert_eq!(names, ["seed-0", "seed-1"]);
    let runs: serde_json::Value =
        serde_json::from_slice(&stdout_of(curvegan().args(["runs", "--json"]).arg(&dir))).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        page.contains(r#""name":"seed-1""#),
        "seed-1 missing from the page"
    );
    for old in ["seed-2", "seed-3"] {
        assert!(
            !page.contains(&format!(r#""name":"{old}""#)),
            "{old} on the page"
        );
    }
}

/// `--resume` continues the sweep in `--out`, so it needs `--out`: without it, it would start
/// a new sweep in the next free `runs/sweep-NNNN`.
#[test]
fn resume_needs_the_folder_of_the_sweep() {
    let tmp = TempDir::new().unwrap();
    for args in [
        &["sweep", "--seeds", "0..2", "--resume"][..],
        &["bench", "modes", "--dataset", "ring8", "--resume"],
    ] {
        curvegan()
            .current_dir(tmp.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--out"));
    }
    assert!(!tmp.path().join("runs").exists());
}

/// `--seeds -1..3` is a bad value of `--seeds` (exit 2), not an unknown argument.
#[test]
fn seeds_with_a_minus_sign_are_a_bad_value_of_seeds() {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("never");
    curvegan()
        .args(["sweep", "--seeds", "-1..3", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--seeds")
                .and(predicate::str::contains("-1"))
                .and(predicate::str::contains("unexpected argument").not()),
        );
    assert!(!out.exists());
}

/// `eval` of a sweep's or benchmark's folder says what it is and names one of its runs.
#[test]
fn eval_of_a_sweep_folder_names_one_of_its_runs() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("sweep");
    stdout_of(
        curvegan()
            .args([
                "sweep",
                "--seeds",
                "3..5",
                "--steps",
                "5",
                "--plot-every",
                "0",
            ])
            .args(["-q", "--out"])
            .arg(&dir),
    );
    curvegan().arg("eval").arg(&dir).assert().code(2).stderr(
        predicate::str::contains("sweep's folder")
            .and(predicate::str::contains(
                dir.join("seed-3").display().to_string(),
            ))
            .and(predicate::str::contains("was training finished").not()),
    );
}

/// `bench modes --quiet`, as `sweep --quiet`: no table, no line per trial; the files are
/// written.
#[test]
fn bench_modes_quiet_prints_nothing() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("bench");
    curvegan()
        .args([
            "bench",
            "modes",
            "--dataset",
            "ring8",
            "--trials",
            "2",
            "--steps",
            "2",
        ])
        .arg("--quiet")
        .arg("--out")
        .arg(&dir)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(dir.join("bench.csv").is_file() && dir.join("table.md").is_file());
}
