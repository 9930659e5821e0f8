//! The run layer through the library's API, without the binary: train, resume, sample, sweep,
//! and run folders written by older versions of curvegan.

use std::fs;
use std::path::Path;

use curvegan::eval::catalogue::Scores;
use curvegan::gan::step::StepStats;
use curvegan::run::scale::local::{Start, Sweep};
use curvegan::run::scale::plan::{Collected, Kind, Plan};
use curvegan::{resume, train, Generator, Observer, TrainConfig};
use tempfile::TempDir;

use crate::common::{out, small};

fn bytes(dir: &Path, file: &str) -> Vec<u8> {
    fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

/// Copies `tests/fixtures/old_run` (a run folder of an older curvegan, without run.json) to
/// `to`, creating it and the folders above it.
fn copy_old_run(to: &Path) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/old_run");
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Stops the run after `at` steps, as Ctrl-C does.
struct StopAt {
    at: usize,
    seen: usize,
    evals: Vec<usize>,
}

impl Observer for StopAt {
    fn on_step(&mut self, _step: usize, _stats: &StepStats) {
        self.seen += 1;
    }
    fn on_eval(&mut self, eval: &Scores) {
        self.evals.push(eval.step.unwrap());
    }
    fn should_stop(&mut self) -> bool {
        self.seen >= self.at
    }
}

#[test]
fn train_writes_a_complete_run_folder() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let summary = train(&small(7), &out(&dir, false), &mut ()).unwrap();
    assert_eq!(summary.steps, 7);
    assert_eq!(summary.window, 7);
    for file in [
        "config.toml",
        "metrics.csv",
        "generator.safetensors",
        "discriminator.safetensors",
        "checkpoint.safetensors",
        "losses.png",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let metrics = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 1 + 7, "{metrics}");
    assert!(metrics.starts_with("step,d_loss,g_loss,d_real,d_fake,mse_to_target\n"));
    // The final evaluation is the one at the last step, and it is in metrics.csv.
    assert_eq!(summary.final_eval.step, Some(6));
    let last = metrics.lines().last().unwrap();
    let mse: f64 = last.rsplit(',').next().unwrap().parse().unwrap();
    assert_eq!(Some(mse), summary.final_eval.get("mse_to_target"));
}

/// Stopped by the observer after 4 steps, resumed to 9: the same bytes as 9 steps in one go,
/// and the summary's averages are those of the uninterrupted run (the D(fake) of the G update
/// included, which metrics.csv does not hold).
#[test]
fn a_stopped_run_resumes_byte_identically() {
    stopped_and_resumed_equals_whole(&small(9));
}

/// The same with a moving average of G: the checkpoint keeps it beside the raw weights, and
/// `generator.safetensors` (the average) comes out the same.
#[test]
fn a_stopped_run_with_an_average_of_g_resumes_byte_identically() {
    let config = TrainConfig {
        g_ema: 0.9,
        ..small(9)
    };
    stopped_and_resumed_equals_whole(&config);
}

/// Trains `config` (9 steps, evaluations every 3) whole, and stopped after 4 steps then
/// resumed; both folders must hold the same bytes.
fn stopped_and_resumed_equals_whole(config: &TrainConfig) {
    assert_eq!((config.steps, config.eval_every), (9, 3));
    let tmp = TempDir::new().unwrap();
    let whole = tmp.path().join("whole");
    let parts = tmp.path().join("parts");
    let full = train(config, &out(&whole, false), &mut ()).unwrap();

    let mut stop = StopAt {
        at: 4,
        seen: 0,
        evals: Vec::new(),
    };
    let err = train(config, &out(&parts, false), &mut stop).unwrap_err();
    assert!(
        matches!(err, curvegan::Error::Interrupted { step: 4, .. }),
        "{err}"
    );
    assert_eq!(stop.evals, vec![0, 3]);
    let mut evals = StopAt {
        at: usize::MAX,
        seen: 0,
        evals: Vec::new(),
    };
    let resumed = resume(&parts, None, &[], &mut evals).unwrap();
    assert_eq!(resumed.steps, 5);
    assert_eq!(evals.evals, vec![6, 8]);
    for file in [
        "metrics.csv",
        "generator.safetensors",
        "discriminator.safetensors",
    ] {
        assert_eq!(bytes(&whole, file), bytes(&parts, file), "{file} differs");
    }
    assert_eq!(resumed.last.d_loss, full.last.d_loss);
    assert_eq!(resumed.last.d_fake, full.last.d_fake);
    // Over the resumed steps only: 4..9 of the same run.
    assert!(resumed.last.d_fake_g > 0.0 && resumed.last.d_fake_g < 1.0);
    assert!(
        (resumed.last.d_fake_g - full.last.d_fake_g).abs() < 0.05,
        "{} vs {}",
        resumed.last.d_fake_g,
        full.last.d_fake_g
    );
}

/// With batch normalisation in G (and a moving average of it) and maxout in D: the running
/// statistics are in the checkpoint, so a run stopped after 4 steps and resumed to 9 writes
/// the same bytes as 9 steps in one go; G's forward runs once per tutorial step, so 9 batches
/// are tracked, and the average G written carries G's running statistics.
#[test]
fn a_stopped_run_with_batchnorm_and_maxout_resumes_byte_identically() {
    let tmp = TempDir::new().unwrap();
    let (whole, parts) = (tmp.path().join("whole"), tmp.path().join("parts"));
    let config = TrainConfig {
        g_hidden: vec![8, 8],
        g_batchnorm: true,
        d_maxout: 3,
        g_ema: 0.9,
        ..small(9)
    };
    train(&config, &out(&whole, false), &mut ()).unwrap();
    let mut stop = StopAt {
        at: 4,
        seen: 0,
        evals: Vec::new(),
    };
    train(&config, &out(&parts, false), &mut stop).unwrap_err();
    resume(&parts, None, &[], &mut ()).unwrap();
    for file in [
        "metrics.csv",
        "generator.safetensors",
        "discriminator.safetensors",
    ] {
        assert_eq!(bytes(&whole, file), bytes(&parts, file), "{file} differs");
    }
    let g =
        curvegan::run::store::weights::read_tensors(&whole.join("generator.safetensors")).unwrap();
    let ckpt =
        curvegan::run::store::weights::read_tensors(&whole.join("checkpoint.safetensors")).unwrap();
    for m in [1, 4] {
        let count = &g[&format!("{m}.num_batches_tracked")];
        assert_eq!(count.ints, Some(vec![9]), "module {m}");
        let var = &g[&format!("{m}.running_var")].data;
        assert_ne!(var, &vec![1.0; 8]);
        assert_eq!(var, &ckpt[&format!("G.{m}.running_var")].data);
    }
    assert!(!g.contains_key("0.bias") && g.contains_key("6.bias"));
}

/// `sample`'s `input` rows (the CLI's `--noise`) are what G is run on: G in evaluation mode
/// (running statistics) on those rows gives exactly the samples.
#[test]
fn sampled_noise_is_the_input_of_the_samples_in_evaluation_mode() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let config = TrainConfig {
        g_hidden: vec![8, 8],
        g_batchnorm: true,
        ..small(4)
    };
    train(&config, &out(&dir, false), &mut ()).unwrap();
    let generator = Generator::load(&dir).unwrap();
    let rows = |input: bool| -> Vec<Vec<f32>> {
        let mut text = Vec::new();
        let format = curvegan::run::train::sample_write::Format::Json;
        let dest = Path::new("-");
        generator
            .write_samples(6, 7, None, format, input, &mut text, dest)
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&text).unwrap();
        serde_json::from_value(json["curves"].clone()).unwrap()
    };
    let (noise, curves) = (rows(true), rows(false));
    assert_eq!((noise.len(), noise[0].len()), (6, config.latent_dim));
    let spec = config.generator_spec(15);
    let g =
        curvegan::run::store::weights::load_mlp(&dir.join("generator.safetensors"), &spec).unwrap();
    let mut tape = curvegan::nn::mlp::Tape::default();
    let y = g.forward(&noise.concat(), &mut tape).unwrap();
    assert_eq!(y, curves.concat().as_slice());
    // Training mode (the batch's statistics) would give other curves.
    let mut trained = g.clone();
    let y_train = trained.forward_train(&noise.concat(), &mut tape).unwrap();
    assert_ne!(y_train, curves.concat().as_slice());
}

#[test]
fn resume_refuses_a_finished_run_and_a_folder_without_checkpoint() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    train(&small(3), &out(&dir, false), &mut ()).unwrap();
    let err = resume(&dir, None, &[], &mut ()).unwrap_err().to_string();
    assert!(err.contains("already has 3 steps"), "{err}");
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let err = resume(&empty, None, &[], &mut ()).unwrap_err().to_string();
    assert!(err.contains("checkpoint.safetensors"), "{err}");
    // Extending a finished run works.
    assert_eq!(resume(&dir, Some(5), &[], &mut ()).unwrap().steps, 2);
}

/// `tests/fixtures/old_run` was written by curvegan before the layered redesign (its config
/// says `loss = "seed"`, its checkpoint holds the RNG state in the old text form): resumed
/// from step 6 to 9 it gives exactly what a fresh 9-step run gives, and it samples.
#[test]
fn a_run_folder_of_an_older_version_resumes_and_samples() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/old_run");
    let tmp = TempDir::new().unwrap();
    let old = tmp.path().join("old");
    fs::create_dir(&old).unwrap();
    for entry in fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), old.join(entry.file_name())).unwrap();
    }
    let generator = Generator::load(&old).unwrap();
    assert_eq!(generator.config().loss.name(), "tutorial");
    let samples = generator.sample(4, 0, None).unwrap();
    assert_eq!(samples.curves.len(), 4);
    assert!(samples.curves.iter().flatten().all(|v| v.is_finite()));

    resume(&old, Some(9), &[], &mut ()).unwrap();
    let fresh = tmp.path().join("fresh");
    let mut config = small(9);
    config.g_hidden = vec![8];
    train(&config, &out(&fresh, false), &mut ()).unwrap();
    for file in ["generator.safetensors", "discriminator.safetensors"] {
        assert_eq!(bytes(&old, file), bytes(&fresh, file), "{file} differs");
    }
    // The resumed run's own metrics match the fresh run's, row for row.
    let rows = |d: &Path| fs::read_to_string(d.join("metrics.csv")).unwrap();
    assert_eq!(rows(&old), rows(&fresh));
}

#[test]
fn sampling_is_deterministic_and_seeded() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    train(&small(3), &out(&dir, false), &mut ()).unwrap();
    let g = Generator::load(&dir).unwrap();
    let a = g.sample(5, 1, None).unwrap();
    assert_eq!(a, g.sample(5, 1, None).unwrap());
    assert_ne!(a, g.sample(5, 2, None).unwrap());
    assert_eq!(a.x.len(), 15);
    assert!(a.curves.iter().all(|c| c.len() == 15));
    // The first curve of 5 is the first curve of 1: rows are drawn in order.
    assert_eq!(g.sample(1, 1, None).unwrap().curves[0], a.curves[0]);
}

/// Each seed of a sweep is exactly `train` with that seed.
#[test]
fn a_sweep_runs_each_seed_as_train_would() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("sweep");
    let config = small(4);
    let plan = |trials: u64| {
        let kind = Kind::Sweep {
            eval_n: 50,
            success: None,
        };
        Plan::new(kind, 3..3 + trials)
    };
    let sweep = Sweep {
        config: config.clone(),
        plan: plan(3),
        root: root.clone(),
        jobs: 2,
    };
    let Collected::Sweep { results, .. } = sweep.run(Start::New, &[], &()).unwrap() else {
        panic!("a sweep's results")
    };
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].seed, 3);
    assert_eq!(results[2].seed, 5);
    let single = tmp.path().join("single");
    let seeded = TrainConfig {
        seed: 5,
        ..config.clone()
    };
    train(&seeded, &out(&single, false), &mut ()).unwrap();
    assert_eq!(
        bytes(&root.join("seed-5"), "generator.safetensors"),
        bytes(&single, "generator.safetensors")
    );
    assert!(results[2].report.get("mse_to_target").is_some());
    // Bad requests are refused before anything is trained.
    let empty = Sweep {
        plan: plan(0),
        root: tmp.path().join("empty"),
        ..sweep
    };
    let err = empty.run(Start::New, &[], &()).unwrap_err();
    assert!(err.to_string().contains("invalid seeds"), "{err}");
    assert!(!tmp.path().join("empty").exists());
}

/// `run.json`: written running at the start (the observer sees it), then how the run ended;
/// a resume keeps the first start and adds itself; labels are kept, config.toml is unchanged.
#[test]
fn run_json_records_how_each_session_ended() {
    use curvegan::run::store::run_json::{Label, RunRecord, Status};
    struct SeeStart(Option<Status>);
    impl Observer for SeeStart {
        fn on_start(&mut self, dir: &Path) {
            self.0 = RunRecord::load(dir).unwrap().map(|r| r.status);
        }
        fn should_stop(&mut self) -> bool {
            true
        }
    }
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let mut output = out(&dir, false);
    output.label = Label {
        name: Some("first".into()),
        tags: vec!["a".into(), "b".into()],
        command: vec!["curvegan".into(), "train".into()],
    };
    let mut see = SeeStart(None);
    let err = train(&small(5), &output, &mut see).unwrap_err();
    assert!(matches!(err, curvegan::Error::Interrupted { .. }), "{err}");
    assert_eq!(see.0, Some(Status::Running));
    let stopped = RunRecord::load(&dir).unwrap().unwrap();
    assert_eq!(stopped.status, Status::Stopped);
    assert_eq!(stopped.name.as_deref(), Some("first"));
    assert_eq!(stopped.tags, ["a", "b"]);
    assert_eq!(stopped.command, ["curvegan", "train"]);
    assert_eq!(stopped.version, env!("CARGO_PKG_VERSION"));
    assert!(stopped.cores >= 1 && stopped.end.is_some() && stopped.resumes.is_empty());
    assert!(stopped.start.utc.ends_with('Z') && stopped.start.utc.len() == 20);
    assert!(!bytes(&dir, "config.toml").windows(5).any(|w| w == b"first"));

    resume(&dir, None, &["again".to_string()], &mut ()).unwrap();
    let finished = RunRecord::load(&dir).unwrap().unwrap();
    assert_eq!(finished.status, Status::Finished);
    assert_eq!(finished.start, stopped.start);
    assert_eq!(finished.resumes.len(), 1);
    assert_eq!(finished.resumes[0].command, ["again"]);
    assert!(finished.duration_s >= stopped.duration_s);
    assert!(finished.end.unwrap().unix >= finished.start.unix);

    // A run of a version without run.json gets one when resumed.
    let old = tmp.path().join("old");
    copy_old_run(&old);
    resume(&old, Some(9), &[], &mut ()).unwrap();
    let record = RunRecord::load(&old).unwrap().unwrap();
    assert_eq!((record.status, record.resumes.len()), (Status::Finished, 1));
}

/// `listing::list`: finished, early-stopped (with best/), stopped and a run of an older
/// version (no run.json, status from its files), a run held by a live lock, and a folder
/// that is not a run.
#[test]
fn listing_reports_every_run_folder_and_its_status() {
    use curvegan::run::store::listing::list;
    use curvegan::run::store::run_json::{Label, Status};
    let tmp = TempDir::new().unwrap();
    let root = tmp.path();
    let mut named = out(&root.join("a"), false);
    named.label = Label {
        name: Some("named".into()),
        ..Label::default()
    };
    train(&small(3), &named, &mut ()).unwrap();
    let early = TrainConfig {
        keep_best: Some("mse_to_target".into()),
        eval_every: 1,
        early_stop: 1,
        ..small(40)
    };
    let summary = train(&early, &out(&root.join("b"), false), &mut ()).unwrap();
    let mut stop = StopAt {
        at: 2,
        seen: 0,
        evals: Vec::new(),
    };
    train(&small(5), &out(&root.join("c"), false), &mut stop).unwrap_err();
    copy_old_run(&root.join("sub/old"));
    fs::create_dir(root.join("not-a-run")).unwrap();

    let rows = list(root).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["named", "b", "c", "sub/old"]);
    let status: Vec<Status> = rows.iter().map(|r| r.status).collect();
    let expected_b = match summary.stopped_early {
        true => Status::EarlyStopped,
        false => Status::Finished,
    };
    assert_eq!(
        status,
        [
            Status::Finished,
            expected_b,
            Status::Stopped,
            Status::Finished
        ]
    );
    assert_eq!(
        (rows[0].steps_done, rows[0].steps_planned),
        (Some(3), Some(3))
    );
    assert_eq!(rows[0].target.as_deref(), Some("quadratic"));
    assert!(rows[0].start.is_some() && rows[3].start.is_none());
    assert_eq!(rows[0].metric.as_ref().unwrap().name, "mse_to_target");
    let (listed, best) = (rows[1].best.clone().unwrap(), summary.best.unwrap());
    assert_eq!((&listed.metric, listed.step), (&best.metric, best.step));
    assert!((listed.value - best.value).abs() <= 1e-12 * best.value.abs());
    assert_eq!(
        (rows[2].steps_done, rows[2].steps_planned),
        (Some(2), Some(5))
    );
    assert_eq!(
        (rows[3].steps_done, rows[3].steps_planned),
        (Some(6), Some(6))
    );

    // Held by a live lock, a run is running whatever run.json says.
    let lock = fs::File::open(root.join("c/.lock")).unwrap();
    lock.try_lock().unwrap();
    assert_eq!(list(root).unwrap()[2].status, Status::Running);
    drop(lock);
    assert_eq!(list(root).unwrap()[2].status, Status::Stopped);

    let err = list(&root.join("missing")).unwrap_err().to_string();
    assert!(err.contains("missing"), "{err}");
}
