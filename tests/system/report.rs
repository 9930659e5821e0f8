//! `report.html` in a real browser: headless Chromium loads the pages a run, `curvegan report`
//! and a sweep write, the tests read the rendered DOM for the numbers of `metrics.csv`,
//! `config.toml` and the step figures, check a screenshot is not blank, and fail on any
//! JavaScript error (the page's `#errors` element, and "Uncaught" in Chromium's log).
//! Chromium is required: without it these tests fail, they never skip.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::common::{curvegan, stdout_of, train_args_with};

const CHROMIUM: &str = "/usr/bin/chromium";
/// Longest a Chromium call may take before it is killed and the test fails.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs headless Chromium on `page` with `extra` arguments, in a new profile folder; returns
/// its stdout and stderr. Fails the test on a JavaScript error in its log.
pub(crate) fn chromium(page: &Path, extra: &[String]) -> (String, String) {
    assert!(
        Path::new(CHROMIUM).is_file(),
        "headless Chromium is needed (apt-get install chromium)"
    );
    let profile = TempDir::new().unwrap();
    let url = format!("file://{}", fs::canonicalize(page).unwrap().display());
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes on threads, so a full pipe never stalls Chromium.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        out_pipe.read_to_string(&mut s).map(|_| s)
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        err_pipe.read_to_string(&mut s).map(|_| s)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "Chromium did not finish with {} in {CHROMIUM_TIMEOUT:?}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap().unwrap(), err.join().unwrap().unwrap());
    assert!(status.success(), "Chromium failed ({status}): {err}");
    let uncaught: Vec<&str> = err.lines().filter(|l| l.contains("Uncaught")).collect();
    assert!(uncaught.is_empty(), "JavaScript errors: {uncaught:#?}");
    (out, err)
}

/// The DOM of `page` after its scripts ran, checked free of recorded JavaScript errors.
pub(crate) fn rendered(page: &Path) -> String {
    let (dom, _) = chromium(page, &["--dump-dom".to_string()]);
    assert!(
        dom.contains(r#"data-ready="true""#),
        "the page's script did not finish: {}",
        &dom[..dom.len().min(2000)]
    );
    let errors = element(&dom, r#"id="errors""#).expect("the page has #errors");
    assert!(
        errors.ends_with("></pre>"),
        "JavaScript errors on the page: {errors}"
    );
    dom
}

/// The first element whose start tag holds `attr`, to its end tag (elements of one name do
/// not nest in these pages).
pub(crate) fn element<'a>(dom: &'a str, attr: &str) -> Option<&'a str> {
    let at = dom.find(attr)?;
    let start = dom[..at].rfind('<')?;
    let name: String = (dom[start + 1..].chars())
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let close = format!("</{name}>");
    let end = at + dom[at..].find(&close)? + close.len();
    Some(&dom[start..end])
}

/// Every start tag (its attributes) that holds `attr`.
pub(crate) fn tags<'a>(dom: &'a str, attr: &str) -> Vec<&'a str> {
    dom.match_indices(attr)
        .filter_map(|(at, _)| {
            let start = dom[..at].rfind('<')?;
            let end = at + dom[at..].find('>')?;
            Some(&dom[start..=end])
        })
        .collect()
}

/// The value of attribute `name` in a start tag.
pub(crate) fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// The rows of `metrics.csv`: header, then the fields of each row.
pub(crate) fn metrics_csv(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

/// The last evaluation of `metric` in `metrics.csv`: (step, value).
pub(crate) fn last_evaluation(dir: &Path, metric: &str) -> (String, f64) {
    let (header, rows) = metrics_csv(dir);
    let col = header.iter().position(|h| h == metric).unwrap();
    let row = rows.iter().rev().find(|r| !r[col].is_empty()).unwrap();
    (row[0].clone(), row[col].parse().unwrap())
}

/// A screenshot of `page`, decoded: (width, height, RGB(A) bytes, bytes per pixel).
fn screenshot(page: &Path, shot: &Path) -> (u32, u32, Vec<u8>, usize) {
    chromium(
        page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,900".to_string(),
            "--hide-scrollbars".to_string(),
        ],
    );
    let decoder = png::Decoder::new(fs::File::open(shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    (info.width, info.height, buf, channels)
}

/// Asserts a screenshot shows a drawn page: many colours, most pixels not white.
fn assert_not_blank(page: &Path, shot: &Path) {
    let (w, h, pixels, channels) = screenshot(page, shot);
    assert_eq!((w, h), (1200, 900));
    let mut colours = std::collections::BTreeSet::new();
    let mut white = 0usize;
    for p in pixels.chunks_exact(channels) {
        colours.insert((p[0], p[1], p[2]));
        white += (p[0] > 250 && p[1] > 250 && p[2] > 250) as usize;
    }
    let total = (w * h) as usize;
    assert!(
        colours.len() >= 50,
        "{} colours in the screenshot",
        colours.len()
    );
    assert!(white < total * 97 / 100, "{white} of {total} pixels white");
}

/// Trains a quick tutorial-like run (2001 steps, figures every 250) into `dir` with `extra`.
pub(crate) fn quick_run(dir: &Path, extra: &[&str]) {
    // An option of `extra` replaces the one here (an option may be given only once).
    let mut options = Vec::new();
    for (option, value) in [
        ("--steps", "2001"),
        ("--plot-every", "250"),
        ("--eval-every", "500"),
    ] {
        if !extra.contains(&option) {
            options.extend([option, value]);
        }
    }
    options.extend(extra);
    curvegan()
        .args(train_args_with(&options, dir))
        .assert()
        .success();
}

#[test]
fn a_runs_report_shows_its_numbers_in_chromium() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    quick_run(&dir, &["--seed", "3"]);
    let page = dir.join("report.html");
    let html = fs::read_to_string(&page).unwrap();
    for external in ["src=\"http", "href=\"http", "url(http"] {
        assert!(!html.contains(external), "the page loads {external}…");
    }
    let dom = rendered(&page);
    // The last evaluation, to the bit, as metrics.csv has it.
    let (step, value) = last_evaluation(&dir, "mse_to_target");
    let cells = tags(&dom, r#"class="final""#);
    assert_eq!(cells.len(), 1, "{cells:?}");
    assert_eq!(attribute(cells[0], "data-step"), Some(step.as_str()));
    let shown: f64 = attribute(cells[0], "data-value").unwrap().parse().unwrap();
    assert_eq!(shown, value);
    // One slider frame per step figure: 0, 250, …, 2000.
    let figures = fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("step_")
        })
        .count();
    assert_eq!(figures, 9);
    let slider = tags(&dom, r#"id="figure-slider""#);
    assert_eq!(attribute(slider[0], "data-frames"), Some("9"));
    assert!(element(&dom, r#"id="figure-step""#)
        .unwrap()
        .contains("step 2000 (9 of 9)"));
    assert!(dom.contains(r#"src="data:image/png;base64,"#));
    // A setting and the status, as config.toml and run.json have them.
    assert!(element(&dom, r#"data-key="seed""#)
        .unwrap()
        .contains("<td>3</td>"));
    assert!(element(&dom, r#"data-summary="status""#)
        .unwrap()
        .contains("<td>finished</td>"));
    // The charts: losses, D's outputs, the metric.
    assert_eq!(tags(&dom, r#"class="chart""#).len(), 3);
    assert!(tags(&dom, r#"class="line""#).len() >= 5);
    assert_not_blank(&page, &tmp.path().join("shot.png"));
}

#[test]
fn a_family_report_draws_the_histogram_of_a() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    quick_run(&dir, &["--target", "family", "--steps", "501"]);
    let dom = rendered(&dir.join("report.html"));
    let histogram = element(&dom, r#"id="family-histogram""#).expect("a histogram");
    assert!(histogram.contains("bar-generated"));
    assert_eq!(dom.matches(r#"class="bar-generated""#).count(), 40);
    assert!(dom.contains(r#"class="truth-outline""#));
    assert!(dom.contains("Fitted a of 1000 generated curves"));
}

#[test]
fn report_of_two_runs_shows_the_setting_that_differs_and_both_finals() {
    let tmp = TempDir::new().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    quick_run(&a, &["--plot-every", "0"]);
    quick_run(&b, &["--plot-every", "0", "--lr-g", "2e-4"]);
    let out = tmp.path().join("ab.html");
    stdout_of(
        curvegan()
            .args(["report"])
            .arg(&a)
            .arg(&b)
            .arg("--out")
            .arg(&out),
    );
    let dom = rendered(&out);
    let differing = element(&dom, r#"data-key="optim_g.lr""#).expect("optim_g.lr differs");
    assert!(
        differing.contains("<td>0.0001</td><td>0.0002</td>"),
        "{differing}"
    );
    assert_eq!(
        element(&dom, r#"id="differing""#)
            .unwrap()
            .matches("data-key=")
            .count(),
        1
    );
    for (i, dir) in [&a, &b].iter().enumerate() {
        let (step, value) = last_evaluation(dir, "mse_to_target");
        let cell = tags(&dom, &format!(r#"data-run="{i}" data-value"#));
        let cell = cell
            .iter()
            .find(|t| t.contains(r#"class="final""#))
            .unwrap();
        assert_eq!(attribute(cell, "data-step"), Some(step.as_str()));
        assert_eq!(
            attribute(cell, "data-value")
                .unwrap()
                .parse::<f64>()
                .unwrap(),
            value
        );
    }
    // `--out -`: the page on standard output, nothing written.
    let page = stdout_of(
        curvegan()
            .arg("report")
            .arg(&a)
            .arg(&b)
            .args(["--out", "-"]),
    );
    assert!(String::from_utf8(page)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    // Overlaid: the D_loss chart has a line per run.
    let d_loss = &dom
        [dom.find(r#"data-chart="d-loss""#).unwrap()..dom.find(r#"data-chart="g-loss""#).unwrap()];
    assert_eq!(d_loss.matches(r#"class="line""#).count(), 2);
    assert_not_blank(&out, &tmp.path().join("shot.png"));
}

#[test]
fn a_sweep_writes_a_report_of_its_seeds() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("sweep");
    curvegan()
        .args([
            "sweep",
            "--seeds",
            "0..2",
            "--steps",
            "300",
            "--plot-every",
            "0",
            "--quiet",
            "--out",
        ])
        .arg(&root)
        .assert()
        .success();
    let dom = rendered(&root.join("report.html"));
    let runs = element(&dom, r#"id="runs""#).unwrap();
    assert!(runs.contains("seed-0") && runs.contains("seed-1"), "{runs}");
    assert!(element(&dom, r#"data-key="seed""#)
        .unwrap()
        .contains("<td>0</td><td>1</td>"));
    // `curvegan report` on the sweep's folder rewrites its comparison there.
    let said = stdout_of(curvegan().arg("report").arg(&root));
    let page = root.join("report.html");
    assert_eq!(
        String::from_utf8(said).unwrap(),
        format!("report: {}\n", page.display())
    );
    let html = fs::read_to_string(page).unwrap();
    assert!(html.contains(r#""name":"seed-0""#) && html.contains(r#""name":"seed-1""#));
}

#[test]
fn report_refuses_bad_input_naming_it_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    quick_run(&run, &["--steps", "20", "--plot-every", "0"]);
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let mine = tmp.path().join("mine.html");
    fs::write(&mine, "my own page").unwrap();
    let missing = tmp.path().join("missing");
    let cases: Vec<(Vec<PathBuf>, &str)> = vec![
        (vec![missing.clone()], "missing"),
        (vec![run.clone(), missing], "missing"),
        (vec![empty.clone()], "empty"),
        (vec![run.clone(), run.join("metrics.csv")], "metrics.csv"),
        (vec![run.clone(), "--out".into(), mine.clone()], "mine.html"),
        (vec![run.clone(), "--out".into(), empty.clone()], "empty"),
    ];
    let before = fs::read(run.join("report.html")).unwrap();
    for (args, named) in cases {
        let out = (curvegan().current_dir(tmp.path()))
            .arg("report")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(fs::read_to_string(&mine).unwrap(), "my own page");
    assert_eq!(fs::read(run.join("report.html")).unwrap(), before);
    assert!(!tmp.path().join("report.html").exists());
    assert_eq!(fs::read_dir(&empty).unwrap().count(), 0);
}

/// A run of 300 steps (figures and checkpoints every 100) into `dir`, with the fault `kind`
/// (`kill` or `eio`) injected as it creates `file`; returns its exit code.
fn faulted_run(tmp: &Path, dir: &Path, file: &str, kind: &str) -> Option<i32> {
    let args = |dir: &Path| {
        let every = ["--plot-every", "100", "--checkpoint-every", "100"];
        train_args_with(&[&["--steps", "300"][..], &every].concat(), dir)
    };
    let count = curvegan()
        .env("CURVEGAN_FAULT", "count")
        .args(args(&tmp.join("counted")))
        .output()
        .unwrap();
    let points = String::from_utf8_lossy(&count.stderr).into_owned();
    let n = points
        .lines()
        .filter(|l| l.contains("write point"))
        .position(|l| l.contains("create") && l.ends_with(file))
        .unwrap()
        + 1;
    let out = curvegan()
        .env("CURVEGAN_FAULT", format!("write:{n}:{kind}"))
        .args(args(dir))
        .output()
        .unwrap();
    out.status.code()
}

#[test]
fn a_killed_runs_last_page_is_live_and_its_report_says_killed() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    // Killed as it starts the figure of step 100: its page is the one of step 0's figure.
    assert_eq!(
        faulted_run(tmp.path(), &dir, "step_00100.png", "kill"),
        Some(137)
    );
    let dom = rendered(&dir.join("report.html"));
    assert!(element(&dom, r#"id="live""#)
        .unwrap()
        .contains("reloads every 5 s"));
    assert!(element(&dom, r#"data-summary="status""#)
        .unwrap()
        .contains("<td>running</td>"));
    assert!(element(&dom, r#"data-summary="steps""#)
        .unwrap()
        .contains("<td>1 of 300</td>"));
    // Read from the folder, the run is known dead: killed, and the page no longer reloads.
    let out = tmp.path().join("after.html");
    stdout_of(curvegan().arg("report").arg(&dir).arg("--out").arg(&out));
    let dom = rendered(&out);
    assert!(!dom.contains(r#"id="live""#));
    assert!(element(&dom, r#"data-summary="status""#)
        .unwrap()
        .contains("<td>killed</td>"));
    // metrics.csv holds the rows of the checkpoint at step 100.
    assert!(element(&dom, r#"data-summary="steps""#)
        .unwrap()
        .contains("<td>100 of 300</td>"));
}

/// Item 17: the page of a run killed without a word (SIGKILL as it wrote a figure) goes on
/// reloading every 5 s while it may still change, then stops once it shows no sign of life:
/// loaded three times unchanged and unchanged for 10 minutes (`stale_s`), counted from its
/// first load or from when it was written. Chromium's virtual time runs the reloads: as
/// written at the kill, the page stops after 10 minutes of them; as written long ago, after
/// its third load. Before, it reloaded forever (and Chromium never finished).
#[test]
fn a_killed_runs_page_stops_reloading_when_it_shows_no_sign_of_life() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    assert_eq!(
        faulted_run(tmp.path(), &dir, "step_00100.png", "kill"),
        Some(137)
    );
    let page = dir.join("report.html");
    let html = fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(r#""live":true,"reload_s":5,"stale_s":600,"#),
        "{html}"
    );
    let old = tmp.path().join("old.html");
    let at = html.find(r#""written":""#).unwrap() + r#""written":""#.len();
    let end = at + html[at..].find('"').unwrap();
    fs::write(
        &old,
        format!("{}2020-01-01T00:00:00Z{}", &html[..at], &html[end..]),
    )
    .unwrap();
    let long_ago = "(written 2020-01-01T00:00:00Z)";
    for (page, quiet) in [(&page, "has not changed for 10 min"), (&old, long_ago)] {
        // A budget past the first reload: Chromium goes on while the page reloads itself.
        let (dom, _) = chromium(
            page,
            &[
                "--dump-dom".to_string(),
                "--virtual-time-budget=6000".to_string(),
            ],
        );
        let live = element(&dom, r#"id="live""#).unwrap();
        assert!(
            live.contains(r#"class="live stale""#)
                && live.contains("No sign of life")
                && live.contains(quiet)
                && live.contains("may have been killed"),
            "{live}"
        );
        let errors = element(&dom, r#"id="errors""#).unwrap();
        assert!(errors.ends_with("></pre>"), "{errors}");
    }
}

/// Sets a chart's log-scale box (on by default when its values span decades) and moves the pointer over its right end, then writes what
/// the chart shows into `<body data-probe>`: appended to a copy of the page, run after it.
const PROBE: &str = r#"<script>
(function () {
  var box = document.querySelector('[data-chart="metric-mse_to_target"]');
  var log = box.querySelector('input.log-toggle');
  if (!log.checked) log.click();
  var area = box.querySelector('rect.hover');
  var r = area.getBoundingClientRect();
  area.dispatchEvent(new MouseEvent('mousemove', { clientX: r.right - 1, clientY: r.top + 5, bubbles: true }));
  var ticks = Array.prototype.map.call(box.querySelectorAll('g.axes text'), function (t) { return t.textContent; });
  document.body.setAttribute('data-probe', box.querySelector('.tip').textContent + '|' + ticks.join(' '));
})();
</script>
</body>"#;

#[test]
fn hovering_shows_the_values_and_the_log_box_switches_the_scale() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    quick_run(&dir, &["--plot-every", "0"]);
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    let probed = tmp.path().join("probed.html");
    fs::write(&probed, page.replace("</body>", PROBE)).unwrap();
    let dom = rendered(&probed);
    let probe = tags(&dom, "data-probe=")
        .first()
        .and_then(|t| attribute(t, "data-probe"))
        .expect("the probe ran")
        .to_string();
    let (tip, ticks) = probe.split_once('|').unwrap();
    // The pointer at the right end: the last evaluation, step 2000.
    let (step, value) = last_evaluation(&dir, "mse_to_target");
    assert!(tip.starts_with(&format!("step {step}")), "{tip}");
    let shown: f64 = tip
        .split("mse_to_target: ")
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (shown - value).abs() <= 1e-4 * value,
        "{shown} against {value}"
    );
    // Log scale: the y ticks are powers of ten.
    let ticks: Vec<&str> = ticks.split(' ').collect();
    assert!(ticks.contains(&"0.1") && ticks.contains(&"1"), "{ticks:?}");
}

#[test]
fn a_failed_runs_page_says_failed_and_why() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    // An I/O error as it writes the figure of step 200, after the checkpoint at step 100.
    assert_eq!(
        faulted_run(tmp.path(), &dir, "step_00200.png", "eio"),
        Some(1)
    );
    let dom = rendered(&dir.join("report.html"));
    assert!(!dom.contains(r#"id="live""#));
    let status = element(&dom, r#"data-summary="status""#).unwrap();
    assert!(
        status.contains("<td>failed: ") && status.contains("injected I/O error"),
        "{status}"
    );
    assert!(element(&dom, r#"data-summary="steps""#)
        .unwrap()
        .contains("<td>200 of 300</td>"));
}
