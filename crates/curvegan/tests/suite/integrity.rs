//! Nothing lost, nothing trusted blindly: checkpoints of a constant size, checksums of every
//! tensor file, validation of everything loaded, runs that sample without their data file,
//! writes to special files, and byte-identical checkpoints of identical runs.

use std::fs;
use std::path::Path;

use curvegan::data::target::TargetConfig;
use curvegan::gan::step::{Gan, StepStats};
use curvegan::nn::optim::Optimizer;
use curvegan::nn::state_dict::{mlp_from_tensors, tensors_from_bytes, tensors_to_bytes};
use curvegan::run::store::checkpoint::{self, Checkpoint, CheckpointRef};
use curvegan::run::store::files::write_atomic;
use curvegan::run::store::weights::Nets;
use curvegan::run::train::sample::evaluate;
use curvegan::run::train::sample_write::Format;
use curvegan::{resume, train, Generator, Observer, TrainConfig};
use tempfile::TempDir;

use crate::common::out;

/// [`crate::common::small`] without evaluations, with a checkpoint every 5 steps.
fn small(steps: usize) -> TrainConfig {
    TrainConfig {
        eval_every: 0,
        checkpoint_every: 5,
        ..crate::common::small(steps)
    }
}

/// Stops the run after `at` steps, as Ctrl-C does.
struct StopAt(usize, usize);

impl Observer for StopAt {
    fn on_step(&mut self, _step: usize, _stats: &StepStats) {
        self.1 += 1;
    }
    fn should_stop(&mut self) -> bool {
        self.1 >= self.0
    }
}

fn flip_last_byte(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 0x40;
    fs::write(path, bytes).unwrap();
}

/// Item 4: the metrics stay in metrics.csv; the checkpoint holds only their length and
/// checksum, so its size does not grow with the steps (it differs only by the digits of the
/// step counters and of the metrics' length).
#[test]
fn checkpoint_size_does_not_grow_with_the_steps() {
    let tmp = TempDir::new().unwrap();
    let size = |steps: usize| {
        let dir = tmp.path().join(format!("s{steps}"));
        // A checkpoint every 100 steps (not 5): ten written on the way to step 1000, each
        // fsynced, instead of two hundred.
        let config = TrainConfig {
            checkpoint_every: 100,
            ..small(2000)
        };
        let _ = train(&config, &out(&dir, false), &mut StopAt(steps, 0));
        fs::metadata(dir.join("checkpoint.safetensors"))
            .unwrap()
            .len()
    };
    let (short, long) = (size(10), size(1000));
    assert!(
        long.abs_diff(short) <= 16,
        "{short} bytes after 10 steps, {long} after 1000"
    );
}

/// Item 4: a crash between writing metrics.csv and the checkpoint leaves rows of later steps;
/// resume cuts them, and a changed metrics.csv is refused.
#[test]
fn resume_cuts_metrics_csv_to_the_checkpoint_and_checks_it() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let _ = train(&small(20), &out(&dir, false), &mut StopAt(7, 0));
    let metrics = dir.join("metrics.csv");
    let mut text = fs::read_to_string(&metrics).unwrap();
    text.push_str("7,1,1,0.5,0.5\n");
    fs::write(&metrics, &text).unwrap();
    resume(&dir, None, &[], &mut ()).unwrap();
    let fresh = tmp.path().join("fresh");
    train(&small(20), &out(&fresh, false), &mut ()).unwrap();
    for file in [
        "metrics.csv",
        "generator.safetensors",
        "checkpoint.safetensors",
    ] {
        assert_eq!(
            fs::read(dir.join(file)).unwrap(),
            fs::read(fresh.join(file)).unwrap(),
            "{file}"
        );
    }

    let _ = fs::remove_dir_all(&dir);
    let _ = train(&small(20), &out(&dir, false), &mut StopAt(7, 0));
    let text = fs::read_to_string(&metrics)
        .unwrap()
        .replacen("0,", "0,9", 2);
    fs::write(&metrics, text).unwrap();
    let e = resume(&dir, None, &[], &mut ()).unwrap_err().to_string();
    assert!(
        e.contains("metrics.csv") && e.contains("checksum mismatch"),
        "{e}"
    );
}

/// Item 15: the header is written with sorted keys, so identical runs give identical bytes.
#[test]
fn identical_runs_give_byte_identical_checkpoints() {
    let tmp = TempDir::new().unwrap();
    let run = |name: &str| {
        let dir = tmp.path().join(name);
        train(&small(12), &out(&dir, false), &mut ()).unwrap();
        fs::read(dir.join("checkpoint.safetensors")).unwrap()
    };
    let first = run("a");
    for name in ["b", "c", "d"] {
        assert!(run(name) == first, "checkpoint of run {name} differs");
    }
}

/// Item 11: a flipped byte in a weights file or a checkpoint is found, naming the file.
#[test]
fn a_flipped_byte_in_weights_or_checkpoint_is_reported() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let _ = train(&small(20), &out(&dir, false), &mut StopAt(7, 0));
    let ckpt = dir.join("checkpoint.safetensors");
    let good = fs::read(&ckpt).unwrap();
    flip_last_byte(&ckpt);
    let e = resume(&dir, None, &[], &mut ()).unwrap_err().to_string();
    assert!(
        e.contains("checkpoint.safetensors") && e.contains("is corrupt: checksum mismatch"),
        "{e}"
    );
    // A changed metadata string (here the config's text) is found as well.
    let at = good
        .windows(14)
        .position(|w| w == b"batch_size = 8")
        .unwrap();
    let mut changed = good.clone();
    changed[at + 13] = b'9';
    fs::write(&ckpt, changed).unwrap();
    let e = resume(&dir, None, &[], &mut ()).unwrap_err().to_string();
    assert!(e.contains("checksum mismatch"), "{e}");
    fs::write(&ckpt, &good).unwrap();
    resume(&dir, None, &[], &mut ()).unwrap();

    let weights = dir.join("generator.safetensors");
    assert!(tensors_from_bytes(&fs::read(&weights).unwrap()).is_ok());
    flip_last_byte(&weights);
    let e = Generator::load(&dir).unwrap_err().to_string();
    assert!(
        e.contains("generator.safetensors") && e.contains("is corrupt: checksum mismatch"),
        "{e}"
    );
}

/// A change to a checkpoint's state.
type Change = fn(&mut Checkpoint, &mut Gan);

/// Writes a checkpoint like the one in `dir`, with `change` applied to its state.
fn tamper(dir: &Path, change: Change) {
    let path = dir.join("checkpoint.safetensors");
    let mut c = checkpoint::load(&path).unwrap();
    let config = TrainConfig::from_toml(&c.config, &path).unwrap();
    let target = config.target.build().unwrap();
    let (g, d) = config.specs(&target).unwrap();
    let mut gan = Gan {
        generator: mlp_from_tensors(&g, &c.weights, "G.", &path).unwrap(),
        discriminator: mlp_from_tensors(&d, &c.weights, "D.", &path).unwrap(),
        spectral: None,
    };
    change(&mut c, &mut gan);
    let opt = |cfg, (step, m, v): (u64, Vec<f32>, Vec<f32>)| {
        Optimizer::from_state(cfg, step, m, v).unwrap()
    };
    let (opt_g, opt_d) = (
        opt(config.optim_g, c.opt_g.clone()),
        opt(config.optim_d, c.opt_d.clone()),
    );
    let metrics_csv = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    checkpoint::save(
        &path,
        &CheckpointRef {
            step: c.step,
            nets: Nets {
                gan: &gan,
                g_ema: None,
                scaler: None,
            },
            opt_g: &opt_g,
            opt_d: &opt_d,
            rng: &c.rng,
            config: &c.config,
            metrics_csv: &metrics_csv,
        },
    )
    .unwrap();
}

/// Item 14: NaN or negative optimizer state, an impossible step counter and huge weights are
/// refused on load, naming the file and the tensor.
#[test]
fn loaded_state_is_validated() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let _ = train(&small(20), &out(&dir, false), &mut StopAt(7, 0));
    let good = fs::read(dir.join("checkpoint.safetensors")).unwrap();
    let cases: [(&str, Change); 5] = [
        ("opt.G.sq_avg", |c, _| c.opt_g.2[3] = -1.0),
        ("opt.D.sq_avg", |c, _| c.opt_d.2[0] = f32::NAN),
        ("opt.G.exp_avg", |c, _| c.opt_g.1[1] = f32::INFINITY),
        ("opt.D.step", |c, _| c.opt_d.0 = u64::MAX),
        ("G.0.weight", |_, gan| gan.generator.params_mut()[0] = 3e38),
    ];
    for (tensor, change) in cases {
        fs::write(dir.join("checkpoint.safetensors"), &good).unwrap();
        tamper(&dir, change);
        let e = resume(&dir, None, &[], &mut ()).unwrap_err().to_string();
        assert!(
            e.contains("checkpoint.safetensors") && e.contains(tensor),
            "{tensor}: {e}"
        );
    }
}

/// Item 14: weights of 3e38 are refused by `sample`/`eval`'s loader, and a generator whose
/// output overflows (weights within the bound, but many layers) prints no NaN or infinity.
#[test]
fn huge_weights_and_non_finite_outputs_are_refused() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let mut config = small(3);
    config.g_hidden = vec![8; 7];
    train(&config, &out(&dir, false), &mut ()).unwrap();
    let weights = dir.join("generator.safetensors");
    let mut tensors = tensors_from_bytes(&fs::read(&weights).unwrap()).unwrap();
    let write = |tensors: &std::collections::BTreeMap<_, curvegan::nn::state_dict::Tensor>| {
        let bytes = tensors_to_bytes(
            tensors
                .iter()
                .map(|(k, t): (&String, _)| (k.clone(), t.shape.clone(), t.data.as_slice())),
        )
        .unwrap();
        fs::write(&weights, bytes).unwrap();
    };
    tensors.get_mut("2.weight").unwrap().data[5] = 3e38;
    write(&tensors);
    let e = Generator::load(&dir).unwrap_err().to_string();
    assert!(
        e.contains("generator.safetensors") && e.contains("'2.weight'"),
        "{e}"
    );

    for t in tensors.values_mut() {
        t.data.iter_mut().for_each(|v| *v = 1e6);
    }
    write(&tensors);
    let generator = Generator::load(&dir).unwrap();
    let e = generator.sample(10, 0, None).unwrap_err().to_string();
    assert!(e.contains("not finite"), "{e}");
    // What `curvegan sample` calls: streamed, it refuses before writing the bad chunk.
    let mut out = Vec::new();
    let e = generator
        .write_samples(10, 0, None, Format::Csv, false, &mut out, Path::new("-"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not finite"), "{e}");
    assert_eq!(
        out.iter().filter(|&&b| b == b'\n').count(),
        1,
        "only the header"
    );
    let e = evaluate(&generator, 10, 0, "n").unwrap_err().to_string();
    assert!(e.contains("not finite"), "{e}");
}

/// Item 12: a data run samples from its weights alone once the CSV is gone; evaluation and
/// resume say what is wrong with the file.
#[test]
fn a_data_run_samples_without_its_file_and_resume_sees_a_change() {
    let tmp = TempDir::new().unwrap();
    let csv = tmp.path().join("curves.csv");
    let rows: String = (0..20)
        .map(|i| format!("{},{},{}\n", i, i * 2, i % 3))
        .collect();
    fs::write(&csv, format!("a,b,c\n{rows}")).unwrap();
    let mut config = small(20);
    // A data run as versions before scaling made them: every row for training, unscaled.
    config.target = TargetConfig::Data {
        path: csv.clone(),
        condition_columns: Vec::new(),
        resample: None,
        holdout: 0.0,
        scale: curvegan::data::scale::Scale::None,
    };
    let dir = tmp.path().join("run");
    let _ = train(&config, &out(&dir, false), &mut StopAt(7, 0));
    assert!(dir.join("data.json").is_file());

    resume(&dir, Some(10), &[], &mut ()).unwrap();
    let before = Generator::load(&dir).unwrap().sample(3, 1, None).unwrap();
    let moved = tmp.path().join("moved.csv");
    fs::rename(&csv, &moved).unwrap();
    let generator = Generator::load(&dir).unwrap();
    assert_eq!(generator.sample(3, 1, None).unwrap(), before);
    let e = evaluate(&generator, 10, 0, "n").unwrap_err().to_string();
    assert!(
        e.contains("curves.csv") && e.contains("cannot be read"),
        "{e}"
    );

    fs::write(&csv, format!("a,b,c\n{rows}9,9,9\n")).unwrap();
    let e = resume(&dir, Some(20), &[], &mut ()).unwrap_err();
    assert!(matches!(e, curvegan::Error::BadFile { .. }), "{e}");
    let e = e.to_string();
    assert!(e.contains("curves.csv") && e.contains("has changed"), "{e}");
    fs::rename(&moved, &csv).unwrap();
    resume(&dir, Some(20), &[], &mut ()).unwrap();
}

/// Item 13: a device or a FIFO is written to, never replaced by a regular file.
#[cfg(unix)]
#[test]
fn special_files_are_written_not_replaced() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;

    write_atomic(Path::new("/dev/null"), b"nothing").unwrap();
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());

    let tmp = TempDir::new().unwrap();
    let fifo = tmp.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    write_atomic(&fifo, b"through the pipe").unwrap();
    assert_eq!(reader.join().unwrap(), "through the pipe");
    assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(
        fs::read_dir(tmp.path()).unwrap().count() == 1,
        "a temporary file was left"
    );
}

/// Item 5: a weights file far larger than its network can be is refused before it is read
/// (a sparse file of 1 GB here: nothing is allocated for it).
#[test]
fn an_absurdly_large_weights_file_is_refused_unread() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    train(&small(2), &out(&dir, false), &mut ()).unwrap();
    let weights = dir.join("generator.safetensors");
    fs::File::options()
        .write(true)
        .open(&weights)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let e = Generator::load(&dir).unwrap_err().to_string();
    assert!(
        e.contains("generator.safetensors") && e.contains("more than"),
        "{e}"
    );
}

/// A safetensors file of `(name, dtype, offsets)` entries over `data` zero bytes, written by
/// hand (curvegan's writer only writes valid files).
fn hand_written(tensors: &[(&str, &str, [usize; 2])], data: usize) -> Vec<u8> {
    let header: serde_json::Map<String, serde_json::Value> = tensors
        .iter()
        .map(|(name, dtype, [s, e])| {
            let n = (e - s) / if *dtype == "F16" { 2 } else { 4 };
            let info = serde_json::json!({"dtype": dtype, "shape": [n], "data_offsets": [s, e]});
            (name.to_string(), info)
        })
        .collect();
    let header = serde_json::to_vec(&header).unwrap();
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend(header);
    bytes.resize(bytes.len() + data, 0);
    bytes
}

/// An error about one of several tensors names the same one every time, the first in
/// state-dict order, not the first of a hash map (whose order changes from map to map).
#[test]
fn errors_name_the_first_tensor_in_state_dict_order() {
    let names = [
        "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias",
    ];
    let f16: Vec<_> = (names.iter().enumerate())
        .map(|(i, n)| (*n, "F16", [2 * i, 2 * i + 2]))
        .collect();
    let same_offsets: Vec<_> = names.iter().map(|n| (*n, "F32", [0, 4])).collect();
    for (tensors, data, named) in [
        (f16, 12, "tensor '0.weight' has dtype F16"),
        (same_offsets, 4, "invalid offset for tensor `0.bias`"),
    ] {
        let bytes = hand_written(&tensors, data);
        for _ in 0..20 {
            let err = tensors_from_bytes(&bytes).unwrap_err();
            assert!(err.contains(named), "{err}");
        }
    }
}
