//! One file, one job: no source file of the library (`crates/curvegan/src`) or the command
//! line (`src/`) is over [`MAX_LINES`] lines unless [`ALLOWED`] names it with the reason and a
//! ceiling it may not pass. The list may only shrink: an allowed file that is back under the
//! limit must leave it, and none may grow past its ceiling, so a file can be split but not
//! fattened.

use std::fs;
use std::path::{Path, PathBuf};

/// The most lines a source file has without a reason.
const MAX_LINES: usize = 700;

/// Files over [`MAX_LINES`]: path from the workspace root, the most lines it may have, and why.
const ALLOWED: &[(&str, usize, &str)] = &[
    ("crates/curvegan/src/run/train/run_loop.rs", 940, "the run loop with one function per job due at a step, resume and a finished run's summary; to split resume out"),
    ("crates/curvegan/src/run/scale/slurm.rs", 970, "submission, status and collection (the script is script.rs); to split the queue from collection"),
    ("crates/curvegan/src/data/expr.rs", 960, "a formula parser and evaluator with its error positions, one grammar"),
    ("src/dashboard.rs", 930, "the live view's state, input thread and drawing; to split drawing from state"),
    ("crates/curvegan/src/eval/metrics.rs", 780, "the distribution metrics, each short, with their shared distance kernels"),
    ("crates/curvegan/src/gan/step.rs", 760, "the training step as the tutorial's block, with its shape checks and workspace"),
    ("crates/curvegan/src/gan/loss.rs", 720, "seven losses, their settings and validation"),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_is_long_without_a_reason() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    sources(&root.join("crates/curvegan/src"), &mut files);
    assert!(files.len() > 50, "{} source files found", files.len());
    let mut problems = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let lines = fs::read_to_string(path).unwrap().lines().count();
        match ALLOWED.iter().find(|(p, _, _)| *p == rel) {
            None if lines > MAX_LINES => problems.push(format!(
                "{rel}: {lines} lines, over {MAX_LINES}: split it (or add it to ALLOWED with the reason)"
            )),
            Some((_, most, _)) if lines > *most => {
                problems.push(format!("{rel}: {lines} lines, over its ceiling {most}: split it"))
            }
            Some(_) if lines <= MAX_LINES => problems.push(format!(
                "{rel}: {lines} lines, no longer over {MAX_LINES}: remove it from ALLOWED"
            )),
            _ => {}
        }
    }
    for (p, _, reason) in ALLOWED {
        if !files.iter().any(|f| f.ends_with(p)) {
            problems.push(format!(
                "{p} is allowed but does not exist: remove it from ALLOWED"
            ));
        }
        assert!(!reason.is_empty(), "{p}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
