//! The help and the usage errors as a new user meets them: every example a `--help` shows
//! runs, `-h` and `--help` fit the terminal's width (`COLUMNS`) without breaking a word, an
//! option given twice is refused (the repeatable ones aside), and a count that is not a whole
//! number says what is expected.

use std::fs;
use std::path::Path;
use std::process::Output;

use tempfile::TempDir;

use crate::common::curvegan;
use crate::docs::every_help;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `curvegan …` command lines of a help text's `Examples:` sections.
fn examples(help: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in help.lines() {
        if line.ends_with(':') && !line.starts_with(' ') {
            inside = line == "Examples:";
            continue;
        }
        let line = line.trim();
        if inside && line.starts_with("curvegan ") {
            out.push(line.split_whitespace().map(str::to_string).collect());
        }
    }
    out
}

/// `args` made quick: every training command trains 4 steps (`resume`, 8: the 4 of its run
/// and 4 more), with the other options as the example gives them.
fn quick(args: &[String]) -> Vec<String> {
    let steps = match args[1].as_str() {
        "resume" => "8",
        _ => "4",
    };
    let trains = matches!(args[1].as_str(), "train" | "resume" | "sweep" | "bench");
    let mut out: Vec<String> = args[1..].to_vec();
    match out.iter().position(|a| a == "--steps") {
        Some(i) => out[i + 1] = steps.to_string(),
        None if trains => out.extend(["--steps".to_string(), steps.to_string()]),
        None => {}
    }
    out
}

/// Trains a 4-step run (a 2-seed sweep for a folder named `sweep…`) at `runs/NAME` for each
/// `runs/NAME…` an example reads that no example before it wrote (`report runs/a runs/b`).
fn make_the_runs_it_reads(cwd: &Path, args: &[String]) {
    for (i, arg) in args.iter().enumerate() {
        let Some(rest) = arg.strip_prefix("runs/") else {
            continue;
        };
        let name = rest.split('/').next().unwrap_or_default();
        let dir = cwd.join("runs").join(name);
        if i > 0 && args[i - 1] == "--out" || dir.exists() {
            continue;
        }
        let mut cmd = curvegan();
        match name.starts_with("sweep") {
            true => cmd.args(["sweep", "--seeds", "0..2", "--jobs", "1"]),
            false => cmd.args(["train"]),
        };
        let out = cmd
            .args(["--steps", "4", "--quiet", "--out"])
            .arg(&dir)
            .current_dir(cwd)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

/// Item 3 of issue 25: `train --help`'s third example (`--target family --keep-best
/// mse_to_target`) failed. Every example of every command's `--help` runs, in order, in one
/// folder, with 4 training steps.
#[test]
fn every_example_of_every_help_runs() {
    let tmp = TempDir::new().unwrap();
    let all: Vec<Vec<String>> = (every_help().iter())
        .flat_map(|(_, help)| examples(help))
        .collect();
    // The walk found them (a change of layout must not leave this test empty).
    assert!(all.len() >= 8, "{all:?}");
    assert!(all.iter().any(|a| a[1] == "report"), "{all:?}");
    for example in &all {
        make_the_runs_it_reads(tmp.path(), example);
        let args = quick(example);
        let out = curvegan()
            .args(&args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the example `{}` failed (run as `curvegan {}`): {}",
            example.join(" "),
            args.join(" "),
            text(&out.stderr)
        );
    }
}

/// `curvegan ARGS…` with the terminal `columns` wide.
fn help_at(args: &[&str], columns: usize) -> String {
    let out = curvegan()
        .args(args)
        .env("COLUMNS", columns.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// Item 5: `train -h` had 38 of 64 lines over 80 columns. Every command's `-h` and `--help`
/// fit 80 columns (`COLUMNS`, as a shell sets it), and wrapping breaks no word: the words are
/// those of the unwrapped text, in order.
#[test]
fn help_fits_80_columns_and_breaks_no_word() {
    let words = |t: &str| -> Vec<String> { t.split_whitespace().map(str::to_string).collect() };
    let mut seen = 0;
    for (path, _) in every_help() {
        for flag in ["-h", "--help"] {
            let args: Vec<&str> = (path.iter().map(String::as_str)).chain([flag]).collect();
            let narrow = help_at(&args, 80);
            for line in narrow.lines() {
                assert!(
                    line.chars().count() <= 80,
                    "`curvegan {}`: a line of {} columns:\n{line}",
                    args.join(" "),
                    line.chars().count()
                );
            }
            let wide = help_at(&args, 10_000);
            assert_eq!(words(&narrow), words(&wide), "{}", args.join(" "));
            seen += 1;
        }
    }
    assert!(seen >= 20, "{seen} helps");
    // Wider terminals get longer lines: the width is the terminal's, not fixed.
    let wide = help_at(&["train", "-h"], 120);
    assert!(wide.lines().any(|l| l.chars().count() > 80), "{wide}");
}

fn run(args: &[&str]) -> Output {
    let tmp = TempDir::new().unwrap();
    curvegan()
        .args(args)
        .current_dir(tmp.path())
        .output()
        .unwrap()
}

/// Item 9: `--seed 1 --seed 2` trained with seed 2. An option given twice is refused with
/// clap's usage error (exit 2) naming it; the repeatable ones (`--tag`, `--param`, lists)
/// still take every value.
#[test]
fn an_option_given_twice_is_refused_unless_repeatable() {
    for (args, flag) in [
        (&["train", "--seed", "1", "--seed", "2"][..], "--seed"),
        (&["train", "--steps", "3", "--steps=4"], "--steps"),
        (&["train", "--loss", "wgan", "--loss", "hinge"], "--loss"),
        (&["train", "--quiet", "-q"], "--quiet"),
        (&["resume", "a", "--steps", "5", "--steps", "6"], "--steps"),
        (&["sweep", "--seeds", "0..2", "--seeds", "0..3"], "--seeds"),
        (&["runs", "--json", "--json"], "--json"),
    ] {
        let out = run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(flag) && err.contains("cannot be used multiple times"),
            "{args:?}: {err}"
        );
    }
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("r");
    let out = curvegan()
        .args(["train", "--steps", "2", "--plot-every", "0", "--quiet"])
        .args([
            "--target",
            "a*x+b",
            "--param",
            "a=uniform(1,2)",
            "--param",
            "b=0",
        ])
        .args(["--tag", "x", "--tag", "y", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = fs::read_to_string(dir.join("run.json")).unwrap();
    assert!(json.contains("\"x\"") && json.contains("\"y\""), "{json}");
    let config = fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(
        config.contains("uniform(1,2)") && config.contains("b"),
        "{config}"
    );
}

/// Item 12: `--steps 1e4` said "invalid digit found in string". A count that is not a whole
/// number (or is negative) says what is expected and quotes what was given, for every command.
#[test]
fn a_count_that_is_not_a_whole_number_says_what_is_expected() {
    for (args, given, expected) in [
        (
            &["train", "--steps", "1e4"][..],
            "'1e4'",
            "a whole number ≥ 1",
        ),
        (&["train", "--steps", "-5"], "'-5'", "a whole number ≥ 1"),
        (
            &["train", "--batch-size", "6.5"],
            "'6.5'",
            "a whole number ≥ 1",
        ),
        (&["train", "--eval-every", "x"], "'x'", "a whole number ≥ 0"),
        (&["train", "--seed", "-1"], "'-1'", "a whole number ≥ 0"),
        (&["train", "--g-hidden", "8,x"], "'x'", "a whole number ≥ 1"),
        (
            &["resume", "a", "--steps", "2k"],
            "'2k'",
            "a whole number ≥ 1",
        ),
        (
            &["sample", "--run", "a", "--n", "1e3"],
            "'1e3'",
            "a whole number ≥ 1",
        ),
        (&["sweep", "--jobs", "two"], "'two'", "a whole number ≥ 1"),
        (
            &["train", "--steps", "18446744073709551616"],
            "'18446744073709551616'",
            "at most 18446744073709551615",
        ),
    ] {
        let out = run(args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(args[args.len() - 2]) && err.contains(given) && err.contains(expected),
            "{args:?}: {err}"
        );
        assert!(!err.contains("invalid digit"), "{args:?}: {err}");
    }
}

/// Item 12: `--lr-g -0.001` named `--betas`; the library's key (`optim_g.lr`) is shown as the
/// option typed. `resume DIR`'s errors name no `--resume`, an option `resume` does not have.
#[test]
fn errors_name_the_option_typed() {
    let out = run(&["train", "--lr-g", "-0.001"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--lr-g") && !err.contains("--betas"), "{err}");
    let out = run(&["train", "--lr-d", "-0.001"]);
    let err = text(&out.stderr);
    assert!(err.contains("--lr-d") && !err.contains("--betas"), "{err}");
    let out = run(&["resume", "missing-run"]);
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("missing-run") && !err.contains("--resume"),
        "{err}"
    );
}
