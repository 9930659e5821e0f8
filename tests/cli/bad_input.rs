//! Bad input, table-driven: every command and kind of input (options, formulas, CSV files,
//! TOML configs, weights and checkpoints) in one loop. Each case runs in a fresh folder holding
//! every input file, and must exit with code 2, print one `error:` line naming the culprit,
//! not panic, finish within [`LIMIT`] and leave the folder as it was (no `runs/`, no temporary
//! file).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use crate::common::{curvegan, le_f32, npy_bytes};

/// The longest a case may take.
const LIMIT: Duration = Duration::from_secs(30);

/// `(arguments, a substring of the error)`. Arguments are split on spaces; `''` is an empty
/// argument. The files named are made by [`template`].
pub const CASES: &[(&str, &str)] = &[
    // train: sizes and counts (zero, negative, huge, malformed)
    ("train --steps 0", "--steps"),
    // train: labels
    ("train --name ''", "--name"),
    ("train --tag a --tag ''", "--tag"),
    ("train --resume r --name x", "--name"),
    ("runs missing-folder", "missing-folder"),
    ("report missing-folder", "missing-folder"),
    ("report run missing-folder", "missing-folder"),
    ("report folder", "folder"),
    ("report run good.csv", "good.csv"),
    ("report run_no_config", "run_no_config"),
    ("report run_bad_config", "config.toml"),
    ("report run --out good.csv", "good.csv"),
    ("report run --out folder", "folder"),
    ("runs --json --json2", "--json2"),
    ("train --steps -1", "--steps"),
    ("train --steps 18446744073709551615", "--steps"),
    ("train --steps 18446744073709551616", "--steps"),
    ("train --steps 99999999999", "--steps"),
    ("train --steps 1e3", "--steps"),
    ("train --steps ''", "--steps"),
    ("train --batch-size 0", "--batch-size"),
    ("train --batch-size -5", "--batch-size"),
    ("train --batch-size 18446744073709551615", "--batch-size"),
    ("train --batch-size 1000000000000", "--batch-size"),
    ("train --latent-dim 0", "--latent-dim"),
    ("train --latent-dim 18446744073709551615", "--latent-dim"),
    ("train --latent-dim 10000000000", "--latent-dim"),
    ("train --hidden 0", "--hidden"),
    ("train --hidden -1", "--hidden"),
    ("train --hidden 99999999999", "--hidden"),
    ("train --hidden 18446744073709551615", "--hidden"),
    ("train --g-hidden 0", "--g-hidden"),
    ("train --g-hidden 128,,128", "--g-hidden"),
    ("train --g-hidden 128,x", "--g-hidden"),
    ("train --g-hidden 100000,100000,100000", "--g-hidden"),
    ("train --d-hidden 0,5", "--d-hidden"),
    ("train --d-hidden 18446744073709551615", "--d-hidden"),
    ("train --d-hidden -3", "--d-hidden"),
    ("train --eval-samples 0", "--eval-samples"),
    ("train --eval-samples -1", "--eval-samples"),
    (
        "train --eval-samples 18446744073709551615",
        "--eval-samples",
    ),
    ("train --eval-samples 1000000000", "--eval-samples"),
    (
        "train --target family --eval-metrics precision --eval-samples 3",
        "--eval-samples",
    ),
    ("train --pack 0", "--pack"),
    ("train --pack 3", "--pack"),
    ("train --pack 18446744073709551615", "--pack"),
    ("train --d-maxout 0", "--d-maxout"),
    ("train --d-maxout 17", "--d-maxout"),
    ("train --d-maxout 2 --loss wgan-gp", "--d-maxout"),
    ("train --d-maxout 2 --r1 1", "--d-maxout"),
    ("train --g-batchnorm --batch-size 1", "--g-batchnorm"),
    ("train --g-basis 3", "--g-basis"),
    ("train --g-basis 16", "--g-basis"),
    ("train --g-basis -1", "--g-basis"),
    ("train --n-critic 0 --loss wgan", "--n-critic"),
    ("train --n-critic -2", "--n-critic"),
    ("train --n-critic 2", "--n-critic"),
    ("train --plot-every -1", "--plot-every"),
    ("train --eval-every -1", "--eval-every"),
    ("train --checkpoint-every -1", "--checkpoint-every"),
    ("train --early-stop -1", "--early-stop"),
    ("train --early-stop 3", "--early-stop"),
    ("train --seed -1", "--seed"),
    ("train --seed 18446744073709551616", "--seed"),
    // train: integers config.toml cannot hold (TOML integers are i64), checked by key
    ("train --seed 9223372036854775808", "--seed"),
    ("train --eval-every 18446744073709551615", "--eval-every"),
    ("train --plot-every 9223372036854775808", "--plot-every"),
    (
        "train --checkpoint-every 9223372036854775808",
        "--checkpoint-every",
    ),
    (
        "train --keep-best mse_to_target --early-stop 9223372036854775808",
        "--early-stop",
    ),
    (
        "train --top-k 0.5 --loss nonsaturating --top-k-anneal 9223372036854775808",
        "--top-k-anneal",
    ),
    (
        "train --n-critic 18446744073709551615 --loss wgan",
        "--n-critic",
    ),
    ("train --config n_critic_huge.toml", "invalid n_critic:"),
    (
        "train --config formula.toml --seed 9223372036854775808",
        "--seed",
    ),
    // train: a learning rate infinite as f32, a metric short of samples
    ("train --lr-g 1e39", "--lr-g"),
    ("train --lr-d 3.5e38 --loss wgan", "--lr-d"),
    ("train --eval-samples 1 --eval-metrics all", "mmd_rbf"),
    // train: choices, rates and options that do not apply
    ("train --activation sigmoid", "--activation"),
    ("train --activation leaky-relu:abc", "leaky-relu:abc"),
    ("train --activation leaky-relu:nan", "--activation"),
    ("train --activation foo", "foo"),
    ("train --loss foo", "foo"),
    ("train --loss ''", "--loss"),
    ("train --clip 0.1", "--clip"),
    ("train --clip 0 --loss wgan", "--clip"),
    ("train --clip nan --loss wgan", "--clip"),
    ("train --clip -1 --loss wgan", "--clip"),
    ("train --gp-weight 5 --loss wgan", "--gp-weight"),
    ("train --gp-weight 5", "--gp-weight"),
    ("train --gp-weight inf --loss wgan-gp", "--gp-weight"),
    ("train --gp-weight -1 --loss wgan-gp", "--gp-weight"),
    ("train --r1 5", "--r1"),
    ("train --r1 5 --loss wgan-gp", "--r1"),
    ("train --r1 -1 --loss nonsaturating", "--r1"),
    ("train --r1 nan --loss nonsaturating", "--r1"),
    ("train --r1 inf --loss hinge", "--r1"),
    ("train --top-k 0 --loss nonsaturating", "--top-k"),
    ("train --top-k 1.5", "--top-k"),
    ("train --top-k nan --loss hinge", "--top-k"),
    ("train --top-k -0.5", "--top-k"),
    ("train --top-k-anneal 100", "--top-k-anneal"),
    ("train --top-k 0.5 --top-k-anneal -1", "--top-k-anneal"),
    ("train --spectral-norm --loss wgan-gp", "--spectral-norm"),
    ("train --g-ema 1", "--g-ema"),
    ("train --g-ema -0.5", "--g-ema"),
    ("train --g-ema nan", "--g-ema"),
    ("train --lr-g 0", "--lr-g"),
    ("train --lr-g -1", "--lr-g"),
    ("train --lr-g nan", "--lr-g"),
    ("train --lr-d inf", "--lr-d"),
    ("train --lr-d 1e400", "--lr-d"),
    ("train --lr-d abc", "--lr-d"),
    ("train --betas 0.5", "--betas"),
    ("train --betas 0.5,0.9,0.1", "--betas"),
    ("train --betas 1.5,0.9", "--betas"),
    ("train --betas nan,0.9", "--betas"),
    ("train --betas a,b", "--betas"),
    ("train --betas -0.5,0.9", "--betas"),
    ("train --optim-g rmsprop --betas 0.5,0.9", "--betas"),
    ("train --optim-g sgd", "sgd"),
    ("train --lr-decay exp", "exp"),
    ("train --eval-metrics foo", "foo"),
    ("train --eval-metrics ''", "--eval-metrics"),
    ("train --eval-metrics mse_to_target,,", "--eval-metrics"),
    ("train --eval-metrics modes_captured", "modes_captured"),
    ("train --keep-best foo", "foo"),
    ("train --keep-best all", "--keep-best"),
    (
        "train --target family --keep-best family_a_mean",
        "family_a_mean",
    ),
    (
        "train --keep-best mse_to_target --eval-every 0",
        "--keep-best",
    ),
    ("train --conditional", "--conditional"),
    ("train --resume nope", "nope"),
    ("train --resume run --seed 3", "--seed"),
    // train: targets, formulas and parameters
    ("train --target foo", "foo"),
    ("train --target ''", "--target"),
    ("train --target a*sin(", "a*sin("),
    ("train --target a*x", "a"),
    ("train --target x+*2", "x+*2"),
    ("train --target sin(x", "sin(x"),
    ("train --target foo(x)", "foo"),
    ("train --target 1/x --x-range 0,1", "1/x"),
    ("train --target exp(x) --x-range 0,1000", "exp(x)"),
    ("train --target sqrt(x) --x-range -1,1", "sqrt(x)"),
    ("train --target a*x --param a=uniform(2,1)", "uniform(2,1)"),
    // NaN for 1 % of the draws of a: found by the draws checked before training, not in
    // the first step's
    (
        "train --target sqrt(abs(a-0.37)-0.005)*x --param a=uniform(0,1)",
        "checked before training",
    ),
    ("train --target a*x --param a=normal(0,-1)", "normal(0,-1)"),
    ("train --target a*x --param a=beta(1,2)", "beta"),
    ("train --target a*x --param a", "--param"),
    ("train --target a*x --param =1", "--param"),
    ("train --target a*x --param a=nan", "--param"),
    ("train --target a*x --param a=uniform(1)", "uniform(1)"),
    ("train --target a*x --param a=1 --param a=2", "a"),
    ("train --target x --param x=1", "x"),
    ("train --target a*x --param a=1 --param b=2", "b"),
    ("train --param a=1", "--param"),
    ("train --target ring8 --param a=1", "--param"),
    ("train --points 0", "--points"),
    ("train --points 1", "--points"),
    ("train --points -3", "--points"),
    ("train --points 18446744073709551615", "--points"),
    ("train --points 100000000000", "--points"),
    ("train --x-range 1,0", "--x-range"),
    ("train --x-range 1,1", "--x-range"),
    ("train --x-range 1", "--x-range"),
    ("train --x-range a,b", "--x-range"),
    ("train --x-range nan,1", "--x-range"),
    ("train --x-range -inf,1", "--x-range"),
    ("train --x-range 0,1,2", "--x-range"),
    ("train --x-range 1e19,1e20", "--x-range"),
    ("train --target family --x-range -1e20,0", "--x-range"),
    ("train --target ring8 --points 20", "--points"),
    ("train --target grid25 --x-range 0,1", "--x-range"),
    // train: CSV data files
    ("train --data empty.csv", "empty.csv"),
    ("train --data bom_only.csv", "bom_only.csv"),
    ("train --data header_only.csv", "header_only.csv"),
    ("train --data ragged.csv", "line 3"),
    ("train --data text.csv", "text.csv"),
    ("train --data nan.csv", "nan.csv"),
    ("train --data inf.csv", "inf.csv"),
    ("train --data half.csv", "half.csv"),
    ("train --data bom_half.csv", "bom_half.csv"),
    ("train --data latin1.csv", "line 2"),
    ("train --data missing.csv", "missing.csv"),
    ("train --data folder", "folder"),
    ("train --data good.csv --target quadratic", "--data"),
    ("train --data good.csv --points 5", "--points"),
    ("train --data good.csv --x-range 0,1", "--x-range"),
    ("train --data good.csv --param a=1", "--param"),
    ("train --data good.csv --loss wgan-gp --r1 1", "--r1"),
    // train: data files of every format (issue 22), their options and conditions
    (
        "train --data int64.npy",
        "int64.npy: holds values of dtype '<i8'",
    ),
    (
        "train --data rank1.npy",
        "rank1.npy: holds an array of shape [6]",
    ),
    (
        "train --data rank4.npy",
        "rank4.npy: holds an array of shape [1, 1, 2, 3]",
    ),
    (
        "train --data missing.ts",
        "missing.ts: line 5: channel 1 has a missing value ('?')",
    ),
    (
        "train --data nan.ts",
        "nan.ts: line 5: channel 2 has a missing value ('NaN')",
    ),
    (
        "train --data mixed.ts",
        "mixed.ts: its series have 3 to 4 points; pass --resample N",
    ),
    (
        "train --data mixed.ts --resample 1",
        "--resample: takes 2 to",
    ),
    ("train --data mixed.ts --resample 0", "--resample"),
    (
        "train --data ten.csv --resample 5",
        "--resample: resampling applies to .ts files",
    ),
    ("train --data ten.npy --resample 5", "--resample"),
    (
        "train --data cols.csv --condition-columns kind,nope",
        "--condition-columns names 'nope', which is not a column",
    ),
    (
        "train --data cols.csv --condition-columns kind,const",
        "the column 'const' of",
    ),
    (
        "train --data cols.csv --condition-columns kind,kind",
        "names 'kind' twice",
    ),
    (
        "train --data ten.npy --condition-columns a",
        "--condition-columns",
    ),
    (
        "train --data labelled.ts --condition-columns kind",
        "'kind'",
    ),
    ("train --condition-columns kind", "--condition-columns"),
    ("train --target family --resample 5", "--resample"),
    ("train --data ten.csv --holdout 1", "--holdout"),
    ("train --data ten.csv --holdout -0.1", "--holdout"),
    ("train --data ten.csv --holdout NaN", "--holdout"),
    ("train --data ten.csv --holdout inf", "--holdout"),
    (
        "train --data ten.csv --holdout 0.05",
        "--holdout: 0.05 of the 10 rows",
    ),
    (
        "train --data ten.csv --holdout 0.9",
        "leaves 1 for training",
    ),
    ("train --data good.csv", "--holdout"),
    ("train --target family --holdout 0.5", "--holdout"),
    ("train --data ten.csv --scale bogus", "--scale"),
    ("train --scale standard", "--scale"),
    ("train --data ten.csv --conditional", "--condition-columns"),
    ("train --data unlabelled.ts --conditional", "'label'"),
    ("train --data ten.npy --conditional", "--condition-columns"),
    ("sweep --seeds 0..2 --data ten.csv --holdout 2", "--holdout"),
    // train: curve measures where they do not apply (no data, nothing held out, no
    // conditional G)
    (
        "train --eval-metrics discriminative_score",
        "'discriminative_score' does not fit",
    ),
    (
        "train --data ten.csv --holdout 0 --eval-metrics dcr_ratio",
        "'dcr_ratio' does not fit",
    ),
    (
        "train --data cols.csv --condition-columns kind --eval-metrics tstr_accuracy",
        "'tstr_accuracy' does not fit",
    ),
    ("train --config holdout.toml", "invalid target.holdout:"),
    // train: TOML configs, and options that do not apply to their target
    ("train --config missing.toml", "missing.toml"),
    ("train --config malformed.toml", "malformed.toml"),
    ("train --config types.toml", "types.toml: line 1, column 9"),
    ("train --config unknown.toml", "unknown.toml"),
    ("train --config latin1.toml", "line 3"),
    ("train --config folder", "folder"),
    (
        "train --config zero_steps.toml",
        "invalid steps: must be at least 1, got 0 (settings from zero_steps.toml)",
    ),
    ("train --config negative.toml", "negative.toml"),
    ("train --config too_big.toml", "too_big.toml"),
    ("train --config ring_points.toml", "ring_points.toml"),
    ("train --config bad_kind.toml", "bad_kind.toml"),
    ("train --config huge_hidden.toml", "huge_hidden.toml"),
    (
        "train --config ring8.toml --points 20",
        "--points does not apply to the target ring8",
    ),
    (
        "train --config ring8.toml --x-range -3,3",
        "--x-range does not apply to the target ring8",
    ),
    (
        "train --config ring8.toml --param a=1",
        "--param does not apply to the target ring8",
    ),
    (
        "train --config data.toml --points 5",
        "--points does not apply to the target data",
    ),
    (
        "train --config quadratic.toml --param a=1",
        "--param does not apply",
    ),
    (
        "train --config formula.toml --param a=uniform(3,1)",
        "uniform(3,1)",
    ),
    ("train --config formula.toml --points 1", "--points"),
    (
        "train --config formula.toml --x-range 1e38,1e39",
        "--x-range",
    ),
    // resume
    ("resume nope", "nope"),
    ("resume folder", "checkpoint"),
    ("resume run_ckpt_truncated", "checkpoint.safetensors"),
    ("resume run_ckpt_random", "checkpoint.safetensors"),
    ("resume run --steps 2", "--steps"),
    ("resume run --steps -1", "--steps"),
    ("resume run --steps x", "--steps"),
    // sample
    ("export nope", "nope"),
    ("export folder", "generator.safetensors"),
    ("export run --format pt", "pt"),
    ("export run --out missing/g.onnx", "missing"),
    ("export run --out folder", "folder"),
    ("export run --out run/generator.safetensors", "--out"),
    ("export run --out run/config.toml", "--out"),
    ("export run --step 7", "--step"),
    ("export run_truncated", "generator.safetensors"),
    ("export run_no_config", "config.toml"),
    ("sample --run nope", "nope"),
    ("sample --run folder", "generator.safetensors"),
    ("sample --run run --n 0", "--n"),
    ("sample --run run --n -1", "--n"),
    ("sample --run run --n abc", "--n"),
    ("sample --run run --out missing/samples.csv", "missing"),
    ("sample --run run --out folder", "folder"),
    ("sample --run run --n 18446744073709551616", "--n"),
    ("sample --run run --seed -1", "--seed"),
    ("sample --run run --format xml", "xml"),
    ("sample --run run --condition a=1", "--condition"),
    ("sample --run run_truncated", "generator.safetensors"),
    ("sample --run run_random", "generator.safetensors"),
    ("sample --run run_shape", "generator.safetensors"),
    ("sample --run run_no_config", "config.toml"),
    ("sample --run run_bad_config", "config.toml"),
    ("sample --run run_latin1_config", "config.toml"),
    ("sample --run run_zero_config", "config.toml"),
    ("sample --run run_data_gone", "gone.csv"),
    (
        "sample --run run_ts --condition label=NOPE",
        "--condition: label: 'NOPE' is not one of its values (a, b)",
    ),
    (
        "sample --run run_ts --condition label=a --out folder/x.csv --condition label=b",
        "'label' given twice",
    ),
    (
        "sample --run run_ts --condition kind=a",
        "unknown name 'kind'",
    ),
    // eval
    ("eval nope", "nope"),
    ("eval folder", "generator.safetensors"),
    ("eval run --n 0", "--n"),
    ("eval run --n 3", "--n"),
    ("eval run --n -5", "--n"),
    ("eval run --n 18446744073709551615", "--n"),
    ("eval run --n 1000000000", "--n"),
    ("eval run_truncated", "generator.safetensors"),
    ("eval run_random", "generator.safetensors"),
    ("eval run_shape", "generator.safetensors"),
    ("eval run_bad_config", "config.toml"),
    // sweep
    ("sweep --seeds 0..0", "--seeds"),
    ("sweep --seeds 5..2", "--seeds"),
    ("sweep --seeds a..b", "--seeds"),
    ("sweep --seeds 3", "--seeds"),
    ("sweep --seeds 0..18446744073709551615", "--seeds"),
    (
        "sweep --seeds 9223372036854775807..9223372036854775809",
        "--seeds",
    ),
    (
        "sweep --seeds 0..2 --config n_critic_huge.toml",
        "invalid n_critic:",
    ),
    ("sweep --seeds 0..2 --eval-n 0", "--eval-n"),
    ("sweep --seeds 0..2 --eval-n -1", "--eval-n"),
    (
        "sweep --seeds 0..2 --eval-n 18446744073709551615",
        "--eval-n",
    ),
    ("sweep --seeds 0..2 --success foo<=1", "foo"),
    ("sweep --seeds 0..2 --success mse_to_target<=abc", "abc"),
    ("sweep --seeds 0..2 --success mse_to_target", "--success"),
    ("sweep --seeds 0..2 --jobs 0", "--jobs"),
    ("sweep --seeds 0..2 --jobs -1", "--jobs"),
    ("sweep --seeds 0..2 --steps 0", "--steps"),
    ("sweep --seeds 0..2 --data missing.csv", "missing.csv"),
    (
        "sweep --seeds 0..2 --config malformed.toml",
        "malformed.toml",
    ),
    ("sweep --seeds 0..2 --hidden 0", "--hidden"),
    // bench modes
    ("bench modes --dataset ring9", "ring9"),
    ("bench modes --dataset quadratic", "quadratic"),
    ("bench modes --dataset ring8 --trials 0", "--trials"),
    ("bench modes --dataset ring8 --trials -1", "--trials"),
    (
        "bench modes --dataset ring8 --trials 18446744073709551615",
        "--trials",
    ),
    ("bench modes --dataset ring8 --steps 0", "--steps"),
    (
        "bench modes --dataset ring8 --steps 18446744073709551615",
        "--steps",
    ),
    (
        "bench modes --dataset ring8 --config missing.toml",
        "missing.toml",
    ),
    (
        "bench modes --dataset ring8 --config malformed.toml",
        "malformed.toml",
    ),
    ("bench modes --dataset ring8 --jobs 0", "--jobs"),
    // Slurm: an --out that #SBATCH lines cannot hold, and sbatch options curvegan sets,
    // abbreviated (sbatch takes unique prefixes) or in short form; refused before sbatch runs
    ("sweep --seeds 0..2 --backend slurm --out a#b", "--out"),
    ("sweep --seeds 0..2 --backend slurm --out a\\b", "--out"),
    ("sweep --seeds 0..2 --backend slurm --out it's", "--out"),
    ("sweep --seeds 0..2 --backend slurm --out a\"b", "--out"),
    (
        "bench modes --dataset ring8 --backend slurm --out x#y",
        "--out",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--arr=0-3",
        "--array",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--outp=x",
        "--output",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--erro=x",
        "--error",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--pars",
        "--parsable",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--wra=ls",
        "--wrap",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--requ",
        "--requeue",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=--open-m=truncate",
        "--open-mode",
    ),
    (
        "bench modes --dataset ring8 --backend slurm --slurm-arg=-a0-3",
        "-a",
    ),
    (
        "sweep --seeds 0..2 --backend slurm --slurm-arg=-Qo/tmp/x",
        "-o",
    ),
    ("sweep --seeds 0..2 --backend slurm --slurm-arg=-e", "-e"),
];

/// A safetensors file of the given tensors (name, shape), every value 0.5.
fn safetensors(tensors: &[(&str, &[usize])]) -> Vec<u8> {
    let mut header = BTreeMap::new();
    let mut offset = 0;
    for (name, shape) in tensors {
        let bytes = 4 * shape.iter().product::<usize>();
        header.insert(
            name.to_string(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}),
        );
        offset += bytes;
    }
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.extend(0.5f32.to_le_bytes().repeat(offset / 4));
    out
}

/// Copies the folder `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        match entry.file_type().unwrap().is_dir() {
            true => copy_dir(&entry.path(), &dst),
            false => {
                fs::copy(entry.path(), dst).unwrap();
            }
        }
    }
}

/// Every file and folder under `dir` with its size, recursively.
fn listing(dir: &Path, out: &mut BTreeMap<String, u64>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        out.insert(entry.path().display().to_string(), meta.len());
        if meta.is_dir() {
            listing(&entry.path(), out);
        }
    }
}

/// The inputs every case may use: CSV files, TOML configs, a trained run and damaged copies.
fn template() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let latin1 = b"x,y\n1,caf\xe9\n".to_vec();
        let files: &[(&str, &[u8])] = &[
            ("good.csv", b"1,2,3\n4,5,6\n"),
            ("empty.csv", b""),
            ("bom_only.csv", b"\xef\xbb\xbf"),
            ("header_only.csv", b"a,b,c\n"),
            ("ragged.csv", b"1,2,3\n4,5,6\n7,8\n"),
            ("text.csv", b"1,2,3\n4,five,6\n"),
            ("nan.csv", b"1,2,3\n4,NaN,6\n"),
            ("inf.csv", b"1,2,3\n4,inf,6\n"),
            ("half.csv", b"a,2,c\n1,2,3\n"),
            ("bom_half.csv", b"\xef\xbb\xbfa,2\n1,2\n"),
            ("latin1.csv", &latin1),
            ("malformed.toml", b"steps = [1,\n"),
            ("types.toml", b"steps = \"ten\"\n"),
            ("unknown.toml", b"stepz = 3\n"),
            ("latin1.toml", b"# config\nsteps = 3\n# caf\xe9\n"),
            ("zero_steps.toml", b"steps = 0\n"),
            ("negative.toml", b"batch_size = -1\n"),
            ("too_big.toml", b"steps = 99999999999999999999\n"),
            (
                "ring_points.toml",
                b"target = { kind = \"ring8\", points = 3 }\n",
            ),
            ("bad_kind.toml", b"target = { kind = \"cubic\" }\n"),
            ("huge_hidden.toml", b"g_hidden = [100000, 100000, 100000]\n"),
            (
                "n_critic_huge.toml",
                b"loss = \"wgan\"\nn_critic = 9223372036854775807\n",
            ),
            ("ring8.toml", include_bytes!("../../configs/ring8.toml")),
            (
                "data.toml",
                b"target = { kind = \"data\", path = \"good.csv\" }\n",
            ),
            ("quadratic.toml", b"target = { kind = \"quadratic\" }\n"),
            (
                "formula.toml",
                b"[target]\nkind = \"expr\"\nexpr = \"a*x\"\nparams = [\"a=uniform(1,2)\"]\n",
            ),
        ];
        for (name, bytes) in files {
            fs::write(d.join(name), bytes).unwrap();
        }
        data_files(d);
        fs::create_dir(d.join("folder")).unwrap();
        let run = d.join("run");
        let trained = curvegan()
            .current_dir(d)
            .args([
                "train",
                "--steps",
                "3",
                "--plot-every",
                "0",
                "-q",
                "--out",
                "run",
            ])
            .output()
            .unwrap();
        assert!(trained.status.success(), "{trained:?}");
        // A conditional run on a .ts file labelled a or b, for `sample --condition`.
        let trained = curvegan()
            .current_dir(d)
            .args([
                "train",
                "--data",
                "labelled.ts",
                "--conditional",
                "--steps",
                "3",
            ])
            .args(["--plot-every", "0", "-q", "--out", "run_ts"])
            .output()
            .unwrap();
        assert!(trained.status.success(), "{trained:?}");
        let damaged: &[(&str, &str, Option<Vec<u8>>)] = &[
            (
                "run_truncated",
                "generator.safetensors",
                Some(b"\x40\0\0\0\0\0\0\0{\"0.weight\"".to_vec()),
            ),
            (
                "run_random",
                "generator.safetensors",
                Some((0..999u32).map(|i| (i * 7919 % 251) as u8).collect()),
            ),
            (
                "run_shape",
                "generator.safetensors",
                Some(safetensors(&[
                    ("0.weight", &[3, 2]),
                    ("0.bias", &[3]),
                    ("2.weight", &[15, 3]),
                    ("2.bias", &[15]),
                ])),
            ),
            ("run_no_config", "config.toml", None),
            (
                "run_bad_config",
                "config.toml",
                Some(b"steps = [\n".to_vec()),
            ),
            (
                "run_latin1_config",
                "config.toml",
                Some(b"steps = 3 # \xff\n".to_vec()),
            ),
            (
                "run_zero_config",
                "config.toml",
                Some(b"batch_size = 0\n".to_vec()),
            ),
            (
                "run_data_gone",
                "config.toml",
                Some(b"target = { kind = \"data\", path = \"gone.csv\" }\n".to_vec()),
            ),
            (
                "run_ckpt_truncated",
                "checkpoint.safetensors",
                Some(b"\x10\0\0\0".to_vec()),
            ),
            (
                "run_ckpt_random",
                "checkpoint.safetensors",
                Some((0..4096u32).map(|i| (i * 31 % 256) as u8).collect()),
            ),
        ];
        for (name, file, bytes) in damaged {
            copy_dir(&run, &d.join(name));
            let path = d.join(name).join(file);
            match bytes {
                Some(b) => fs::write(path, b).unwrap(),
                None => fs::remove_file(path).unwrap(),
            }
        }
        dir
    })
    .path()
}

/// The data files of every format the cases read (issue 22): NumPy arrays of another dtype or
/// rank, `.ts` files with missing values or mixed lengths, CSV files with condition columns.
fn data_files(d: &Path) {
    let floats = le_f32(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let ints: Vec<u8> = (0..6i64).flat_map(|v| v.to_le_bytes()).collect();
    let ten: Vec<f32> = (0..30).map(|i| i as f32).collect();
    let ts = |body: &str| format!("@problemName bad\n@classLabel true a b\n@data\n{body}");
    let rows = |f: &dyn Fn(usize) -> String| (0..10).map(f).collect::<String>();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("int64.npy", npy_bytes("<i8", &[2, 3], &ints)),
        ("rank1.npy", npy_bytes("<f4", &[6], &floats)),
        ("rank4.npy", npy_bytes("<f4", &[1, 1, 2, 3], &floats)),
        ("ten.npy", npy_bytes("<f4", &[10, 3], &le_f32(&ten))),
        ("missing.ts", ts("1,2,3:a\n4,?,6:b\n").into_bytes()),
        (
            "nan.ts",
            ts("1,2,3:4,5,6:a\n7,8,9:1,NaN,3:b\n").into_bytes(),
        ),
        (
            "mixed.ts",
            ts(&rows(&|i| {
                format!("1,2,3{}:{}\n", ",4".repeat(i % 2), ["a", "b"][i % 2])
            }))
            .into_bytes(),
        ),
        (
            "labelled.ts",
            ts(&rows(&|i| {
                format!("{i},2,{}:{}\n", i * i, ["a", "b"][i % 2])
            }))
            .into_bytes(),
        ),
        (
            "unlabelled.ts",
            format!(
                "@classLabel false\n@data\n{}",
                rows(&|i| format!("{i},2,{}\n", i * i))
            )
            .into_bytes(),
        ),
        (
            "ten.csv",
            rows(&|i| format!("{i},{},3\n", 2 * i)).into_bytes(),
        ),
        (
            "cols.csv",
            format!(
                "a,b,kind,const\n{}",
                rows(&|i| format!("{i},{},{},7\n", 2 * i, ["x", "y"][i % 2]))
            )
            .into_bytes(),
        ),
        (
            "holdout.toml",
            b"target = { kind = \"data\", path = \"ten.csv\", holdout = 1.5 }\n".to_vec(),
        ),
    ];
    for (name, bytes) in files {
        fs::write(d.join(name), bytes).unwrap();
    }
}

/// The case's error line, or what went wrong with it.
fn check(args: &str, culprit: &str) -> Result<String, String> {
    let argv: Vec<&str> = args
        .split(' ')
        .map(|a| if a == "''" { "" } else { a })
        .collect();
    check_argv(&argv, culprit)
}

/// [`check`] of the arguments `argv`, as given.
pub fn check_argv(argv: &[&str], culprit: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template(), dir.path());
    let mut before = BTreeMap::new();
    listing(dir.path(), &mut before);
    let out = curvegan()
        .current_dir(dir.path())
        .args(argv)
        .timeout(LIMIT)
        .output()
        .map_err(|e| format!("hang: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut after = BTreeMap::new();
    listing(dir.path(), &mut after);
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(format!("panic: {stderr}"));
    }
    if out.status.code().is_none() {
        return Err(format!("hang (killed after {LIMIT:?}): {stderr}"));
    }
    if before != after {
        let left: Vec<_> = after
            .keys()
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        return Err(format!("leftover {left:?}; stderr {stderr}"));
    }
    if out.status.code() != Some(2) {
        return Err(format!("exit {:?}: {stderr}", out.status.code()));
    }
    // clap's usage errors add a blank line and a hint after their one `error:` line.
    let lines = stderr.lines().filter(|l| !l.is_empty()).count();
    let clap_hint = stderr.contains("For more information, try '--help'.");
    if !stderr.starts_with("error:") || (lines != 1 && !clap_hint) {
        return Err(format!("not one error line: {stderr}"));
    }
    let first = stderr.lines().next().unwrap_or_default();
    if !first.contains(culprit) {
        return Err(format!("does not name '{culprit}': {first}"));
    }
    Ok(first.to_string())
}

#[test]
fn every_bad_input_is_one_error_line_exit_2_and_leaves_nothing() {
    template();
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|(args, culprit)| match check(args, culprit) {
            // Shown with --nocapture, to read the messages.
            Ok(line) => {
                eprintln!("{args}\n    {line}");
                None
            }
            Err(e) => Some(format!("{args}: {e}")),
        })
        .collect();
    let count = |what: &str| failures.iter().filter(|f| f.contains(what)).count();
    eprintln!(
        "{} cases: {} exit 2 as expected, {} panics, {} hangs, {} leftovers",
        CASES.len(),
        CASES.len() - failures.len(),
        count(": panic:"),
        count(": hang"),
        count(": leftover"),
    );
    assert!(CASES.len() >= 150);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Names and tags `run.json` could not read back (over 1 MiB, as a command line can give in
/// arguments of 128 KiB at most) are refused before anything is written, naming the option.
#[test]
fn labels_run_json_cannot_read_back_are_refused() {
    let tag = "t".repeat(120 << 10);
    let mut argv = vec!["train", "--steps", "2", "--plot-every", "0"];
    for _ in 0..9 {
        argv.extend(["--tag", &tag]);
    }
    let line = check_argv(&argv, "--tag").unwrap();
    assert!(line.contains("65536 bytes"), "{line}");
    let name = "n".repeat(100 << 10);
    let line = check_argv(&["train", "--steps", "2", "--name", &name], "--name").unwrap();
    assert!(line.len() < 300, "the name is not echoed: {line}");
}

/// A CSV file of rows too wide for memory is named with its row length, not `--eval-samples`
/// (whose default value asks for nothing unusual).
#[test]
fn a_too_wide_data_file_is_named_in_the_size_check() {
    let data = tempfile::tempdir().unwrap();
    let wide = data.path().join("wide.csv");
    let row = vec!["1"; 200_000].join(",");
    fs::write(&wide, format!("{row}\n{row}\n")).unwrap();
    let path = wide.display().to_string();
    // Two rows: every one for training (the default hold-out needs at least 4).
    let line = check_argv(&["train", "--data", &path, "--holdout", "0"], "wide.csv").unwrap();
    assert!(
        line.contains("--data") && line.contains("rows of 200000 values"),
        "{line}"
    );
    assert!(!line.contains("--eval-samples"), "{line}");
}

/// The good side of the same inputs: options given with `--config` modify its target instead
/// of replacing it.
#[test]
fn options_modify_the_config_files_target() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template(), dir.path());
    let train = |param: &str| {
        let args = "train --config formula.toml --points 7 --x-range -3,3 --steps 2 -q --out o";
        curvegan()
            .current_dir(dir.path())
            .args(args.split(' '))
            .args(["--plot-every", "0", "--param", param])
            .output()
            .unwrap()
    };
    // b is declared but not in the formula: refused, so the formula was kept.
    let out = train("b=1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"a*x\"") && out.status.code() == Some(2),
        "{stderr}"
    );
    let out = train("a=normal(1,0.1)");
    assert!(out.status.success(), "{out:?}");
    let config = fs::read_to_string(dir.path().join("o/config.toml")).unwrap();
    for kept in [
        "kind = \"expr\"",
        "expr = \"a*x\"",
        "points = 7",
        "a=normal(1,0.1)",
    ] {
        assert!(config.contains(kept), "{kept} missing from {config}");
    }
    assert!(config.contains("x_range = [-3.0, 3.0]"), "{config}");
}

/// `sample` streams its rows: more than one chunk comes out whole, and the first rows are
/// those of a smaller `--n` with the same seed.
#[test]
fn sample_streams_more_than_one_chunk() {
    let run = template().join("run");
    let sample = |n: &str, format: &str| {
        let out = curvegan()
            .args(["sample", "--run"])
            .arg(&run)
            .args(["--n", n, "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let big = sample("5000", "csv");
    let small = sample("10", "csv");
    assert_eq!(big.lines().count(), 5001);
    assert!(big.starts_with(&small));
    let json: serde_json::Value = serde_json::from_str(&sample("5000", "json")).unwrap();
    assert_eq!(json["curves"].as_array().unwrap().len(), 5000);
    assert_eq!(json["x"].as_array().unwrap().len(), 15);
}
