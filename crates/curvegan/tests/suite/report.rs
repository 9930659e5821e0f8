//! The run report (`report.html`) through the library: the page's data against the run's
//! files, the decimation of long series, the settings that differ between runs, a family's
//! histogram, the page of a run that is still training, and a page with nothing from outside.

use std::fs;
use std::path::Path;

use curvegan::data::target::TargetConfig;
use curvegan::gan::step::StepStats;
use curvegan::run::train::gather;
use curvegan::run::view::report::{self, Series, FAMILY_SAMPLES, MAX_SERIES_POINTS};
use curvegan::{train, Observer, TrainConfig};
use serde_json::Value;
use tempfile::TempDir;

use crate::common::{out, small};

/// The JSON data block of a report page, parsed.
fn page_data(html: &str) -> Value {
    let open = r#"<script type="application/json" id="data">"#;
    let start = html.find(open).expect("the page has a data block") + open.len();
    let len = html[start..]
        .find("</script>")
        .expect("the data block ends");
    serde_json::from_str(&html[start..start + len]).expect("the data block is JSON")
}

/// The report of the run in `dir`, parsed.
fn report_of(dir: &Path) -> (String, Value) {
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    let data = page_data(&html);
    (html, data)
}

/// No `src`, `href` or CSS `url(` of the page points outside it.
fn assert_self_contained(html: &str) {
    for bad in [
        "src=\"http",
        "href=\"http",
        "src='http",
        "href='http",
        "url(http",
        "url(//",
        "@import",
    ] {
        assert!(!html.contains(bad), "the page loads '{bad}…'");
    }
    for tag in ["<link", "<iframe"] {
        assert!(!html.contains(tag), "the page holds {tag}");
    }
}

/// Equal but for the last bit or so: serde_json (without `float_roundtrip`, as this crate
/// uses it) may parse a number one ulp off.
fn assert_close(got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 4.0 * f64::EPSILON * want.abs(),
        "{got} != {want}"
    );
}

/// The last value of column `name` in `metrics.csv`.
fn last_in_metrics(dir: &Path, name: &str) -> (usize, f64) {
    let text = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == name).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f[0].parse().ok()?, f[col].parse().ok()?))
        })
        .last()
        .unwrap()
}

#[test]
fn a_runs_page_holds_its_metrics_figures_config_and_status() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let config = TrainConfig {
        plot_every: 4,
        ..small(10)
    };
    train(&config, &out(&dir, false), &mut ()).unwrap();
    let (html, data) = report_of(&dir);
    assert_self_contained(&html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(data["format"], "curvegan-report-1");
    assert_eq!(data["live"], false);
    let run = &data["runs"][0];
    assert_eq!(run["status"], "finished");
    assert_eq!(run["record"]["status"], "finished");
    assert_eq!(run["steps_done"], 10);
    assert_eq!(run["steps_planned"], 10);
    // Both losses at every step (10 points, none dropped), as metrics.csv has them.
    let csv = fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let first_d_loss: f64 = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(run["losses"][0]["name"], "D_loss");
    assert_eq!(run["losses"][0]["step"].as_array().unwrap().len(), 10);
    assert_eq!(
        run["losses"][0]["value"][0].as_f64().unwrap() as f32,
        first_d_loss as f32
    );
    // The final evaluation is metrics.csv's last value of the metric.
    let (step, value) = last_in_metrics(&dir, "mse_to_target");
    let metric = &run["metrics"][0];
    assert_eq!(metric["name"], "mse_to_target");
    assert_eq!(metric["better"], "lower");
    assert_eq!(metric["last"][0], step);
    assert_close(metric["last"][1].as_f64().unwrap(), value);
    // Figures at steps 0, 4, 8 and the last, 9, each the PNG in the folder.
    let figures = &run["figures"];
    assert_eq!(figures["step"], serde_json::json!([0, 4, 8, 9]));
    assert_eq!(figures["total"], 4);
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode(figures["png"][3].as_str().unwrap())
        .unwrap();
    assert_eq!(png, fs::read(dir.join("step_00009.png")).unwrap());
    // Every setting, as config.toml writes it.
    let config_rows = run["config"].as_array().unwrap();
    let get = |key: &str| {
        config_rows
            .iter()
            .find(|kv| kv[0] == key)
            .map(|kv| kv[1].as_str().unwrap().to_string())
    };
    assert_eq!(get("seed").as_deref(), Some("0"));
    assert_eq!(get("batch_size").as_deref(), Some("8"));
    assert_eq!(get("target.kind").as_deref(), Some("quadratic"));
    assert_eq!(get("optim_g.lr").as_deref(), Some("0.0001"));
    assert!(run["family"].is_null());
    // The tutorial loss's equilibrium values stand beside the means.
    let refs = run["references"].as_array().unwrap();
    assert!(refs
        .iter()
        .any(|r| r["series"] == "G_loss" && r["label"] == "ln 2"));
}

#[test]
fn a_run_without_figures_still_gets_its_page_at_the_end() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    train(&small(5), &out(&dir, false), &mut ()).unwrap();
    let (_, data) = report_of(&dir);
    assert_eq!(data["runs"][0]["steps_done"], 5);
    assert_eq!(data["runs"][0]["figures"]["total"], 0);
}

#[test]
fn long_series_are_decimated_deterministically_keeping_ends_and_extremes() {
    let points = |n: usize| (0..n).map(|s| (s, ((s * 7919) % 1000) as f64 / 1000.0));
    let a = Series::new("x", points(100_001));
    let b = Series::new("x", points(100_001));
    assert_eq!(a, b);
    assert!(a.step.len() <= MAX_SERIES_POINTS, "{} points", a.step.len());
    assert!(a.step.len() > MAX_SERIES_POINTS / 2);
    assert_eq!(a.step[0], 0);
    assert_eq!(*a.step.last().unwrap(), 100_000);
    assert!(a.step.windows(2).all(|w| w[0] < w[1]));
    // Every stretch keeps its extremes: the series' minimum 0 and maximum 0.999 are there.
    let values: Vec<f64> = a.value.iter().map(|v| v.0).collect();
    assert!(values.contains(&0.0) && values.contains(&0.999));
    // A short series is kept whole.
    assert_eq!(Series::new("x", points(1500)).step.len(), 1500);
}

#[test]
fn two_runs_differ_in_the_settings_that_differ() {
    let tmp = TempDir::new().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    train(&small(4), &out(&a, false), &mut ()).unwrap();
    let config = TrainConfig {
        seed: 7,
        lr_decay: curvegan::config::LrDecay::Linear,
        ..small(4)
    };
    train(&config, &out(&b, false), &mut ()).unwrap();
    let runs = vec![
        gather::load_run(&a, false).unwrap(),
        gather::load_run(&b, false).unwrap(),
    ];
    let page = report::page(runs);
    assert_eq!(
        page.differing,
        vec!["lr_decay".to_string(), "seed".to_string()]
    );
    assert!(!page.live);
    let html = report::html(&page).unwrap();
    assert_self_contained(&html);
    let data = page_data(&html);
    assert_eq!(data["runs"].as_array().unwrap().len(), 2);
    assert_eq!(data["runs"][1]["name"], "b");
    // A page compares: no step figures embedded.
    assert_eq!(data["runs"][1]["figures"]["png"], serde_json::json!([]));
}

#[test]
fn a_family_page_has_histograms_of_a_for_generated_and_real_curves() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let config = TrainConfig {
        target: TargetConfig::Family {
            points: 15,
            x_range: [-1.0, 1.0],
        },
        ..small(6)
    };
    train(&config, &out(&dir, false), &mut ()).unwrap();
    let (_, data) = report_of(&dir);
    let h = &data["runs"][0]["family"];
    assert_eq!(h["samples"], FAMILY_SAMPLES);
    let sum = |key: &str, k: usize| {
        h[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum::<u64>()
            + h["below"][k].as_u64().unwrap()
            + h["above"][k].as_u64().unwrap()
    };
    assert_eq!(sum("generated", 0), FAMILY_SAMPLES as u64);
    assert_eq!(sum("truth", 1), FAMILY_SAMPLES as u64);
    // The real curves' a is U[1, 2): mean near 1.5, std near 1/√12, all inside the axis.
    let truth_mean = h["truth_stats"][0].as_f64().unwrap();
    let truth_std = h["truth_stats"][1].as_f64().unwrap();
    assert!((truth_mean - 1.5).abs() < 0.03, "{truth_mean}");
    assert!((truth_std - 0.2887).abs() < 0.02, "{truth_std}");
    assert_eq!(h["below"][1], 0);
    assert_eq!(h["above"][1], 0);
    // The folder's page, as `curvegan report` builds it, fits the same generated curves.
    let again = gather::load_run(&dir, true).unwrap();
    let again = serde_json::to_value(&again.family).unwrap();
    assert_eq!(again["generated"], h["generated"]);
    for k in 0..2 {
        let got = again["generated_stats"][k].as_f64().unwrap();
        assert_close(got, h["generated_stats"][k].as_f64().unwrap());
    }
}

/// Reads the run's page as it stands at one step of the run, and stops the run at another.
struct Peek {
    dir: std::path::PathBuf,
    at: usize,
    seen: Option<Value>,
}

impl Observer for Peek {
    fn on_step(&mut self, step: usize, _: &StepStats) {
        if step == self.at {
            self.seen = Some(report_of(&self.dir).1);
        }
    }
    fn should_stop(&mut self) -> bool {
        self.seen.is_some()
    }
}

#[test]
fn a_training_runs_page_is_live_and_a_stopped_runs_is_not() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let config = TrainConfig {
        plot_every: 3,
        ..small(20)
    };
    let mut peek = Peek {
        dir: dir.clone(),
        at: 7,
        seen: None,
    };
    let stopped = train(&config, &out(&dir, false), &mut peek);
    assert!(
        matches!(stopped, Err(curvegan::Error::Interrupted { step: 8, .. })),
        "{stopped:?}"
    );
    // At step 7 the page of the figure at step 6 stood: running, live, 7 rows (steps 0–6).
    let seen = peek.seen.unwrap();
    assert_eq!(seen["live"], true);
    assert_eq!(seen["runs"][0]["status"], "running");
    assert_eq!(seen["runs"][0]["steps_done"], 7);
    assert_eq!(
        seen["runs"][0]["figures"]["step"],
        serde_json::json!([0, 3, 6])
    );
    // Stopped: its page says so and no longer reloads.
    let (_, data) = report_of(&dir);
    assert_eq!(data["live"], false);
    assert_eq!(data["runs"][0]["status"], "stopped");
    assert_eq!(data["runs"][0]["steps_done"], 8);
}

#[test]
fn text_from_the_run_cannot_end_the_data_block() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let mut output = out(&dir, false);
    output.label.name = Some("</script><script>alert(1)</script>".into());
    train(&small(3), &output, &mut ()).unwrap();
    let (html, data) = report_of(&dir);
    assert_eq!(
        html.matches("</script>").count(),
        3,
        "error hook, data, script"
    );
    assert_eq!(
        data["runs"][0]["name"],
        "</script><script>alert(1)</script>"
    );
}
