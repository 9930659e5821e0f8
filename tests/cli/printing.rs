//! What the command line prints, fed by a hostile user: control characters from folder names,
//! names in `run.json`, CSV headers and formulas (terminal escapes, NUL, CR, line breaks, C1
//! controls) never reach stdout or stderr raw, `--json` stays JSON, echoed input is cut to a
//! few hundred characters, and a closed pipe on `report --out -` is not an error.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::cargo_bin;
use tempfile::TempDir;

use crate::common::curvegan;

/// A folder name with a colour escape, CR, a line break and the C1 control CSI.
const NAME: &str = "run\u{1b}[31m\r\nred\u{9b}2J";
/// [`NAME`] as the command line shows it.
const SHOWN: &str = "run\\x1b[31m\\r\\nred\\u{9b}2J";

/// Fails the test if `bytes` hold a control character other than a line feed (or tab): an
/// escape, NUL, BEL, CR, or a C1 control (UTF-8 `C2 80`–`C2 9F`).
fn assert_no_raw_control(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    let raw: Vec<(usize, char)> = text
        .char_indices()
        .filter(|&(_, c)| c.is_control() && c != '\n' && c != '\t')
        .collect();
    assert!(
        raw.is_empty(),
        "{what}: raw control characters {raw:?} in\n{}",
        text.escape_debug()
    );
}

/// Runs `curvegan ARGS…` in `dir`; checks both outputs free of raw control characters and
/// returns them.
fn clean(dir: &Path, args: &[&str]) -> Output {
    let out = curvegan().current_dir(dir).args(args).output().unwrap();
    assert_no_raw_control(&out.stdout, &format!("{args:?} stdout"));
    assert_no_raw_control(&out.stderr, &format!("{args:?} stderr"));
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Item 16: a run folder named with an escape, CR, a line break and a C1 control, a name in
/// `run.json` with an OSC title sequence and BEL, a CSV header with an escape and a formula
/// with NUL: every line `train`, `runs`, `report`, `resume`, `watch` and the errors print
/// shows them escaped (`\x1b`, `\n`, `\u{9b}`), and `runs --json` is JSON that reads back the
/// names exactly. Before, the bytes went to the terminal as they were.
#[test]
fn control_characters_from_names_files_and_formulas_never_reach_the_terminal_raw() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let out = clean(
        t,
        &["train", "--steps", "3", "--plot-every", "0", "--out", NAME],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with(&format!("run folder: {SHOWN}\n")),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains(&format!("run folder: {SHOWN}\n")));

    // runs: the table escapes the folder's name (one line for the run).
    let out = clean(t, &["runs", "."]);
    let table = text(&out.stdout);
    assert_eq!(table.lines().count(), 2, "{table}");
    assert!(table.lines().nth(1).unwrap().starts_with(SHOWN), "{table}");

    // A name in run.json with an OSC sequence (set the terminal's title) and BEL.
    let record_path = t.join(NAME).join("run.json");
    let mut record: serde_json::Value =
        serde_json::from_slice(&fs::read(&record_path).unwrap()).unwrap();
    let name = "x\u{1b}]0;pwned\u{7}y\u{7f}";
    record["name"] = name.into();
    fs::write(&record_path, serde_json::to_vec(&record).unwrap()).unwrap();
    let out = clean(t, &["runs", "."]);
    assert!(
        text(&out.stdout).contains("x\\x1b]0;pwned\\x07y\\x7f"),
        "{}",
        text(&out.stdout)
    );
    let out = clean(t, &["runs", ".", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["name"], name);
    assert_eq!(rows[0]["folder"], format!("./{NAME}"));

    // report: the line saying where; resume: an error naming the folder; watch without a
    // terminal: the folder in its state line.
    let out = clean(t, &["report", NAME]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(SHOWN), "{}", text(&out.stdout));
    let page = fs::read_to_string(t.join(NAME).join("report.html")).unwrap();
    let title = &page[page.find("<title>").unwrap()..page.find("</title>").unwrap()];
    assert!(!title.chars().any(|c| c.is_control()), "{title:?}");
    let out = clean(t, &["resume", NAME]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(SHOWN), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    let out = clean(t, &["watch", NAME]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(SHOWN),
        "{}",
        text(&out.stdout)
    );

    // A CSV header with a colour escape, echoed by the error about it.
    fs::write(t.join("h.csv"), "a\u{1b}[31m,2\n1,2\n").unwrap();
    let out = clean(
        t,
        &["train", "--data", "h.csv", "--steps", "2", "--out", "h"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("(a\\x1b[31m)"),
        "{}",
        text(&out.stderr)
    );

    // A formula with NUL (TOML's \u0000), echoed by the syntax error.
    fs::write(
        t.join("f.toml"),
        "[target]\nkind = \"expr\"\nexpr = \"x\\u0000+1\"\n",
    )
    .unwrap();
    let out = clean(
        t,
        &["train", "--config", "f.toml", "--steps", "2", "--out", "f"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("x\\x00+1"),
        "{}",
        text(&out.stderr)
    );
}

/// Item 17: input quoted by an error is cut to a few hundred characters, with the count of
/// the rest: a CSV field of a million characters, a formula with a name of 200000. Before,
/// each error line held the whole input.
#[test]
fn echoed_input_is_cut_to_a_few_hundred_characters() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    fs::write(
        t.join("wide.csv"),
        format!("1,2\n3,{}\n", "z".repeat(1_000_000)),
    )
    .unwrap();
    let formula = format!("x+{}", "y".repeat(200_000));
    fs::write(
        t.join("long.toml"),
        format!("[target]\nkind = \"expr\"\nexpr = \"{formula}\"\n"),
    )
    .unwrap();
    for (args, culprit) in [
        (["--data", "wide.csv"], "wide.csv"),
        (["--config", "long.toml"], "invalid target:"),
    ] {
        let out = clean(
            t,
            &[&["train", "--steps", "2", "--out", "o"][..], &args].concat(),
        );
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert_eq!(
            stderr.lines().count(),
            1,
            "{}",
            &stderr[..stderr.len().min(3000)]
        );
        assert!(
            stderr.len() < 1500,
            "{} bytes: {}",
            stderr.len(),
            &stderr[..3000]
        );
        assert!(
            stderr.contains(culprit) && stderr.contains("more characters)"),
            "{stderr}"
        );
    }
}

/// Item 17: `report --out - | head`: a reader that closes the pipe early is not an error
/// (exit 0, nothing on stderr), as for every other command that prints.
#[test]
fn report_to_a_closed_pipe_exits_0() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    let out = curvegan()
        .args([
            "train",
            "--steps",
            "301",
            "--plot-every",
            "100",
            "-q",
            "--out",
        ])
        .arg(&run)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // The page (four figures) is far larger than a pipe's buffer: with the reading end
    // closed before the writer starts, its first write fails with a broken pipe.
    let mut child = Command::new(cargo_bin("curvegan"))
        .args(["report", "--out", "-"])
        .arg(&run)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}
