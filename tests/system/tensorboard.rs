//! `--tensorboard` read back by TensorBoard itself: `tensorboard_read.py` (beside this file)
//! loads a run folder with TensorBoard's `EventAccumulator` (the `tensorboard` package of
//! `tools/requirements.txt`, in the interpreter `CURVEGAN_PYTHON` names) and the run's own files
//! are compared with what it read: every scalar with `metrics.csv` (tag, step, value as f32),
//! every image with the step figure of its step (byte for byte, and decoded), the text with
//! `config.toml`. A run killed after it logged past its checkpoint, and a finished run extended,
//! are resumed and checked the same way; a kill or an I/O error at every write point of the log
//! recovers to the log of a run never disturbed (events equal but for their times).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use curvegan::run::store::tfrecord::{self, Event};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{curvegan, resume_quietly, run_folder, stdout_of, train_args_with};

/// A small run that logs every kind of event: evaluations every 50 steps, figures every 100,
/// checkpoints every 100.
const OPTIONS: [&str; 12] = [
    "--tensorboard",
    "--eval-every",
    "50",
    "--eval-samples",
    "200",
    "--plot-every",
    "100",
    "--checkpoint-every",
    "100",
    "--lr-g",
    "1e-3",
    "--keep-best=mse_to_target",
];

fn train_args(steps: usize, out: &Path) -> Vec<String> {
    let steps = steps.to_string();
    let options: Vec<&str> = ["--steps", &steps].into_iter().chain(OPTIONS).collect();
    train_args_with(&options, out)
}

/// The Python of `tools/test.sh`'s virtual environment, which has TensorBoard.
fn python() -> PathBuf {
    match std::env::var_os("CURVEGAN_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "CURVEGAN_PYTHON is not set: these tests read the logs with TensorBoard's own reader; \
             run them with `bash tools/test.sh --test system tensorboard`, which installs \
             tools/requirements.txt into target/py and sets it"
        ),
    }
}

/// What TensorBoard's `EventAccumulator` reads in the run folder `dir` (see
/// `tensorboard_read.py`).
fn tensorboard_reads(dir: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/system/tensorboard_read.py");
    let out = Command::new(python())
        .arg(script)
        .arg(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "TensorBoard's reader failed{}: {stderr}",
        match stderr.contains("ModuleNotFoundError") {
            true => " (install tools/requirements.txt: `bash tools/test.sh` does)",
            false => "",
        }
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The columns of `metrics.csv` in `dir`: name → (step, value as f32 bits) of each non-empty
/// cell.
fn metrics_columns(dir: &Path) -> BTreeMap<String, Vec<(u64, u32)>> {
    let csv = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut columns: BTreeMap<String, Vec<(u64, u32)>> = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let step: u64 = cells[0].parse().unwrap();
        for (name, cell) in header.iter().zip(&cells).skip(1) {
            if !cell.is_empty() {
                let value: f64 = cell.parse().unwrap();
                let column = columns.entry(name.to_string()).or_default();
                column.push((step, (value as f32).to_bits()));
            }
        }
    }
    columns
}

/// TensorBoard's tag for the `metrics.csv` column `name`.
fn tag(name: &str) -> String {
    match name {
        "d_loss" | "g_loss" => format!("losses/{name}"),
        "d_real" | "d_fake" => format!("discriminator/{name}"),
        metric => format!("eval/{metric}"),
    }
}

/// Checks what TensorBoard reads in `dir` against the run's files: the scalars equal to
/// `metrics.csv`, tag by tag (no tag, step or value more or less), the images equal to the step
/// figures (bytes, size), the config's texts (step, text) equal to `texts`. Returns the number
/// of scalars compared.
fn check_against_files(dir: &Path, texts: &[(u64, String)]) -> usize {
    let read = tensorboard_reads(dir);
    let columns = metrics_columns(dir);
    let scalars = read["scalars"].as_object().unwrap();
    let mut tags: Vec<String> = columns.keys().map(|c| tag(c)).collect();
    tags.sort();
    let mut read_tags: Vec<String> = scalars.keys().cloned().collect();
    read_tags.sort();
    assert_eq!(read_tags, tags, "{}", dir.display());
    let mut compared = 0;
    for (name, column) in &columns {
        let logged: Vec<(u64, u32)> = (scalars[&tag(name)].as_array().unwrap().iter())
            .map(|e| (e[0].as_u64().unwrap(), e[1].as_u64().unwrap() as u32))
            .collect();
        assert_eq!(&logged, column, "{name} in {}", dir.display());
        compared += logged.len();
    }
    let figures: Vec<(u64, Vec<u8>)> = (fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| {
            let step = n
                .strip_prefix("step_")?
                .strip_suffix(".png")?
                .parse()
                .ok()?;
            Some((step, fs::read(dir.join(&n)).unwrap()))
        })
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .collect();
    assert!(figures.len() >= 2, "{}", dir.display());
    let images = read["images"]["figure"].as_array().unwrap();
    assert_eq!(images.len(), figures.len(), "{}", dir.display());
    for (image, (step, png)) in images.iter().zip(&figures) {
        assert_eq!(image[0].as_u64(), Some(*step));
        let bytes = hex(image[3].as_str().unwrap());
        assert!(
            bytes == *png,
            "the image at step {step} is not step_{step:05}.png"
        );
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(
            (image[1].as_u64(), image[2].as_u64()),
            (Some(info.width.into()), Some(info.height.into()))
        );
    }
    let logged: Vec<(u64, String)> = (read["texts"]["config"].as_array().unwrap().iter())
        .map(|e| (e[0].as_u64().unwrap(), e[1].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(logged, texts, "{}", dir.display());
    compared
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The config text TensorBoard shows for the run in `dir`: its `config.toml` in a Markdown
/// code block.
fn config_text(dir: &Path) -> String {
    let toml = fs::read_to_string(dir.join("config.toml")).unwrap();
    format!("```toml\n{toml}```")
}

/// The run's event file: the only one in `dir`, named as TensorFlow names them.
fn event_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = (fs::read_dir(dir).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("tfevents"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    let parts: Vec<&str> = name.splitn(5, '.').collect();
    assert_eq!(parts[..3], ["events", "out", "tfevents"], "{name}");
    assert!(
        parts[3].parse::<u64>().is_ok() && name.ends_with(".curvegan"),
        "{name}"
    );
    files[0].clone()
}

/// The events of the run in `dir`, without their times, each encoded (so that NaNs compare
/// equal).
fn events(dir: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(event_file(dir)).unwrap();
    let timeless = |(_, e): (usize, Event)| {
        let mut record = Vec::new();
        tfrecord::push(
            &Event {
                wall_time: 0.0,
                ..e
            },
            &mut record,
        );
        record
    };
    tfrecord::read(&bytes).into_iter().map(timeless).collect()
}

/// The largest step in the log of `dir`.
fn last_logged_step(dir: &Path) -> i64 {
    let bytes = fs::read(event_file(dir)).unwrap();
    tfrecord::read(&bytes)
        .iter()
        .map(|(_, e)| e.step)
        .max()
        .unwrap()
}

#[test]
fn tensorboard_reads_every_scalar_of_a_run_back_equal_to_metrics_csv() {
    let tmp = TempDir::new().unwrap();
    let dir = run_folder(tmp.path(), "plain");
    stdout_of(curvegan().args(train_args(400, &dir)));
    let texts = [(0, config_text(&dir))];
    // 400 steps × 4 columns, 9 evaluations × the tutorial's metrics.
    let compared = check_against_files(&dir, &texts);
    assert!(compared >= 400 * 4 + 9, "{compared}");
    // Runs a folder apart, as TensorBoard lists them under `--logdir`.
    assert_eq!(event_file(&dir).parent(), Some(dir.as_path()));
    assert!(!dir
        .join("best")
        .read_dir()
        .unwrap()
        .any(|e| { (e.unwrap().file_name().to_string_lossy()).contains("tfevents") }));
}

/// A run killed at its checkpoint of step 300, after it appended the steps up to 300 to the
/// log (they are there), resumes from step 200 to the log of a run never killed.
#[test]
fn a_run_killed_after_logging_past_its_checkpoint_resumes_to_the_same_log() {
    let tmp = TempDir::new().unwrap();
    let reference = run_folder(tmp.path(), "reference");
    stdout_of(curvegan().args(train_args(400, &reference)));
    let dir = run_folder(tmp.path(), "killed");
    let points = write_points(&dir, 400);
    let ckpt = (points.iter().enumerate())
        .filter(|(_, p)| p.starts_with("create") && p.ends_with("checkpoint.safetensors"))
        .map(|(i, _)| i + 1)
        .nth(2)
        .unwrap();
    fs::remove_dir_all(&dir).unwrap();
    let out = curvegan()
        .env("CURVEGAN_FAULT", format!("write:{ckpt}:kill"))
        .args(train_args(400, &dir))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(137));
    assert_eq!(last_logged_step(&dir), 299, "the log ends elsewhere");
    resume_quietly(&dir, &[]);
    check_against_files(&dir, &[(0, config_text(&dir))]);
    assert_eq!(events(&dir), events(&reference));
}

/// A finished run of 200 steps extended to 400: its log goes on, its config text is logged
/// again at step 200 with the new `steps`, and the last step's extra evaluation of the first
/// run (200 is no evaluation step of a run of 400) is gone as it is from `metrics.csv`.
#[test]
fn a_finished_run_extended_logs_each_step_once_and_the_new_config() {
    let tmp = TempDir::new().unwrap();
    let dir = run_folder(tmp.path(), "extended");
    stdout_of(curvegan().args(train_args(199, &dir)));
    let first = config_text(&dir);
    resume_quietly(&dir, &["--steps", "400"]);
    let texts = [(0, first), (199, config_text(&dir))];
    check_against_files(&dir, &texts);
    let reference = run_folder(tmp.path(), "reference");
    stdout_of(curvegan().args(train_args(400, &reference)));
    let scalars = |dir: &Path| -> Value { tensorboard_reads(dir)["scalars"].clone() };
    assert_eq!(scalars(&dir), scalars(&reference));
}

/// The write points of a run of `steps` steps into `dir`, as `CURVEGAN_FAULT=count` prints
/// them (`STEP RUN/FILE`).
fn write_points(dir: &Path, steps: usize) -> Vec<String> {
    let out = curvegan()
        .env("CURVEGAN_FAULT", "count")
        .args(train_args(steps, dir))
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("curvegan-fault: write point "))
        .map(|l| {
            l.split_once(": ")
                .unwrap()
                .1
                .replace(&dir.display().to_string(), "RUN")
        })
        .collect()
}

/// As `faults.rs` does for every file, for the log: a kill and an I/O error at each write point
/// of the event file (its first write, each append and its fsync) and at each checkpoint's,
/// then recovery as a user would (`resume`, or `train --force` when there is no checkpoint):
/// the log ends equal to an undisturbed run's, and `metrics.csv` too.
#[test]
fn killed_or_failed_at_every_write_of_the_log_recovers_the_same_log() {
    let tmp = TempDir::new().unwrap();
    let reference = run_folder(tmp.path(), "reference");
    let points = write_points(&reference, 300);
    let expected = events(&reference);
    let csv = fs::read(reference.join("metrics.csv")).unwrap();
    let cases: Vec<(usize, &str)> = (points.iter().enumerate())
        .filter(|(_, p)| p.contains("tfevents") || p.ends_with("checkpoint.safetensors"))
        .flat_map(|(i, _)| [(i + 1, "kill"), (i + 1, "eio")])
        .collect();
    let appends = points.iter().filter(|p| p.starts_with("append")).count();
    assert!(appends >= 6, "{points:?}");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(&(n, kind)) = cases.get(next.fetch_add(1, Ordering::SeqCst)) else {
                    return;
                };
                // Named as the reference, whose name the step figures show.
                let dir = run_folder(tmp.path(), &format!("{kind}-{n}"));
                let fault = format!("write:{n}:{kind}");
                let out = curvegan()
                    .env("CURVEGAN_FAULT", &fault)
                    .args(train_args(300, &dir))
                    .output()
                    .unwrap();
                if !out.status.success() {
                    let mut recover = curvegan();
                    match dir.join("checkpoint.safetensors").exists() {
                        true => recover.args(["resume", "--quiet"]).arg(&dir),
                        false => recover.args(train_args(300, &dir)).arg("--force"),
                    };
                    let r = recover.output().unwrap();
                    let done = String::from_utf8_lossy(&r.stderr).contains("already has");
                    if !r.status.success() && !done {
                        let e = String::from_utf8_lossy(&r.stderr).into_owned();
                        failures.lock().unwrap().push(format!("{fault}: {e}"));
                    }
                }
                if events(&dir) != expected || fs::read(dir.join("metrics.csv")).unwrap() != csv {
                    let what = &points[n - 1];
                    let e = format!("{fault} ({what}): the log or metrics.csv differs");
                    failures.lock().unwrap().push(e);
                }
                let _ = fs::remove_dir_all(dir.parent().unwrap());
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} faulted runs:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
