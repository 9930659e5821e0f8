//! `curvegan export` on the command line: `RUN/generator.onnx` written atomically (no
//! temporary left), written again over itself, refused onto the run's other files, counted as
//! a file of the run (so `train --force` replaces a run that has one), and `sample --out` never
//! overwrites it. What the model computes is checked by onnxruntime in `system`'s `onnx`.

use std::fs;

use tempfile::TempDir;

use crate::common::{curvegan, stdout_of, train_args_with};

#[test]
fn export_writes_generator_onnx_that_belongs_to_the_run() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    let short = ["--steps", "3", "--plot-every", "0"];
    curvegan()
        .args(train_args_with(&short, &run))
        .assert()
        .success();
    let said = stdout_of(curvegan().arg("export").arg(&run));
    let model = run.join("generator.onnx");
    assert_eq!(
        String::from_utf8(said).unwrap(),
        format!("onnx: {}\n", model.display())
    );
    let bytes = fs::read(&model).unwrap();
    // The weights of G (15 → 128 → 15) are in it: at least their 4-byte floats.
    assert!(
        bytes.len() > 4 * (15 * 128 + 128 + 128 * 15 + 15),
        "{}",
        bytes.len()
    );
    // Written again over itself, and with the same bytes; no temporary file left.
    stdout_of(curvegan().arg("export").arg(&run));
    assert_eq!(fs::read(&model).unwrap(), bytes);
    let mut names: Vec<String> = fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
    // `sample` never writes over it.
    let refused = curvegan()
        .args(["sample"])
        .arg(&run)
        .arg("--out")
        .arg(&model)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("'generator.onnx' of the run folder"),
        "{stderr}"
    );
    assert_eq!(fs::read(&model).unwrap(), bytes);
    // A file of the run: `--force` replaces the run, generator.onnx with it.
    curvegan()
        .args(train_args_with(&[&short[..], &["--force"]].concat(), &run))
        .assert()
        .success();
    assert!(!model.exists());
}
