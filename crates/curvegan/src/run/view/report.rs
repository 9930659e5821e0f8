//! The run report: one self-contained HTML page per run (`RUN/report.html`), and pages that
//! compare runs (`curvegan report RUN… [--out FILE]`, and `SWEEP/report.html` after a sweep or
//! a benchmark).
//!
//! A page needs nothing but a browser: no network, no external file. It holds
//!
//! - for one run: its status, steps, start, end and duration (from `run.json`, [`crate::run::store::run_json`]),
//!   the final and the best value of every evaluation metric (the best in the metric's better
//!   direction, [`catalogue::metric_info`]) and `best/best.json`, the means of the losses and of
//!   D's outputs over the last [`WINDOW`] steps beside the loss's equilibrium values, charts of
//!   both losses, of D(real) and D(fake) and of every metric over the steps (hover for the
//!   values, a log-scale toggle per chart), the step figures behind a slider with a play button
//!   (at most [`MAX_FIGURES`], evenly spaced, the first and the last among them; the page says
//!   when it shows fewer than the run has), for a `family` target a histogram of the fitted `a`
//!   of [`FAMILY_SAMPLES`] generated curves (least squares, [`metrics::family_fit`]) against
//!   the `a` fitted to as many real curves, and every setting of `config.toml`;
//! - for several runs: a table of the runs, the settings whose values differ, the final and best
//!   value of every metric side by side, and the losses and metrics of all runs overlaid, one
//!   colour per run.
//!
//! While a run trains, [`crate::run::train::run_loop`] rewrites its page at every figure step (from the
//! rows it holds in memory: `metrics.csv` is only written at checkpoints), when it is stopped,
//! and at its end (a failed run's, from its folder: the rows of its last checkpoint); a page whose run is `running` reloads itself every [`RELOAD_SECONDS`]
//! seconds, and stops once it is not, or once it shows no sign of life: loaded three times
//! unchanged and unchanged for `stale_s` seconds ([`stale_seconds`]: ten times the time between
//! two of its rewrites, at least [`STALE_SECONDS`]), it stops reloading and says that its run
//! may have been killed. `curvegan report` builds pages from run folders (the
//! status as `curvegan runs` tells it, [`listing`](crate::run::store::listing)); a sweep's or a benchmark's folder stands
//! for the runs below it. Every page is written atomically ([`files::write_atomic`]).
//!
//! **Format.** The page is `<!DOCTYPE html>` with the marker
//! `<meta name="generator" content="curvegan report">` (a file without it is never
//! overwritten), inline CSS, the data as JSON in `<script type="application/json" id="data">`
//! (every `<` escaped as `\u003c`) and a small script of ours (`assets/report.js`) that draws
//! the tables and the SVG charts from it. The JSON is a [`Page`]: `format`
//! (`"curvegan-report-1"`), `title`, `live`, `reload_s`, `stale_s`, `written` (RFC 3339 UTC), `runs`
//! (one [`RunData`] each: series as parallel `step` and `value` arrays of at most
//! [`MAX_SERIES_POINTS`] points — longer ones keep the first and last point and the minimum and maximum
//! of each stretch, [`plot::decimate`] — step figures as base64 PNG), `differing` (the
//! `config.toml` keys whose values differ between the runs), `skipped` (run folders left
//! out because they could not be read: `[folder, why]`) and `scores` (on a sweep's or a
//! benchmark's page, its [`Scores`]: the numbers of its tables, grouped by setting). Numbers are JSON numbers, except
//! non-finite metric values, written `"inf"`, `"-inf"` or `"NaN"`. JavaScript errors are shown
//! in the page's `#errors` element.

use std::path::Path;

use serde::Serialize;

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::eval::catalogue::{self, Better};
use crate::eval::metrics;
use crate::gan::loss::LossKind;
use crate::gan::noise::Stream;
use crate::gan::step::StepStats;
use crate::run::store::files;
use crate::run::store::run_json::{Best, RunRecord, Status, Time};
use crate::run::view::plot;
pub use crate::run::view::scores::Num;
use crate::run::view::scores::Scores;

/// Generated (and real) curves whose fitted `a` a `family` run's histogram shows.
pub const FAMILY_SAMPLES: usize = 1000;
/// The most points of one series on a page.
pub const MAX_SERIES_POINTS: usize = 2000;
/// The most step figures a page embeds.
pub const MAX_FIGURES: usize = 61;
/// Seconds between reloads of the page of a running run.
pub const RELOAD_SECONDS: u32 = 5;
/// The least time, in seconds, a live page goes on reloading without a change before it stops
/// and says its run may have been killed: 10 minutes; longer for a run that rewrites its page
/// less often ([`stale_seconds`]).
pub const STALE_SECONDS: u64 = 600;
/// Steps the summary's means are taken over (the last ones).
pub const WINDOW: usize = 100;
/// Bins of the histogram of `a`.
const HIST_BINS: usize = 40;

/// The line that marks a file as a curvegan report.
pub const MARK: &str = r#"<meta name="generator" content="curvegan report">"#;
const SCRIPT: &str = include_str!("../../../assets/report.js");
const STYLE: &str = include_str!("../../../assets/report.css");

/// A page: one run, or several compared.
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    /// `curvegan-report-1`.
    pub format: &'static str,
    /// The page's title.
    pub title: String,
    /// True while a run on it is running: the page reloads itself.
    pub live: bool,
    /// Seconds between reloads.
    pub reload_s: u32,
    /// Seconds without a change after which a live page stops reloading: its run shows no sign
    /// of life (at least [`STALE_SECONDS`]).
    pub stale_s: u64,
    /// When the page was written (RFC 3339 UTC).
    pub written: String,
    /// The runs.
    pub runs: Vec<RunData>,
    /// The `config.toml` keys whose values differ between the runs (none for one run).
    pub differing: Vec<String>,
    /// Run folders left out because they could not be read: the folder and why.
    pub skipped: Vec<(String, String)>,
    /// A sweep's or a benchmark's scores, as its tables hold them (its folder's page).
    pub scores: Option<Scores>,
}

/// A series over the steps: `step[i]` and `value[i]` are one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    /// What it is (`D_loss`, a metric's name).
    pub name: String,
    /// The steps, increasing.
    pub step: Vec<usize>,
    /// The values.
    pub value: Vec<Num>,
}

impl Series {
    /// The series of `points`, reduced to at most [`MAX_SERIES_POINTS`] ([`plot::decimate`]).
    pub fn new(name: &str, points: impl IntoIterator<Item = (usize, f64)>) -> Series {
        let points: Vec<(f64, f64)> = points.into_iter().map(|(s, v)| (s as f64, v)).collect();
        let kept = plot::decimate(&points, MAX_SERIES_POINTS);
        Series {
            name: name.to_string(),
            step: kept.iter().map(|p| p.0 as usize).collect(),
            value: kept.iter().map(|p| Num(p.1)).collect(),
        }
    }
}

/// One metric of a run over its evaluations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricData {
    /// The metric's name.
    pub name: String,
    /// Which values are better (`lower`, `higher`, or none).
    pub better: Option<Better>,
    /// Its values at the evaluation steps.
    pub series: Series,
    /// The last evaluation: step and value.
    pub last: Option<(usize, Num)>,
    /// The best evaluation in the better direction: step and value.
    pub best: Option<(usize, Num)>,
}

/// The step figures a page shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Step figures the run has.
    pub total: usize,
    /// The steps of those embedded.
    pub step: Vec<usize>,
    /// The embedded figures, PNG in base64.
    pub png: Vec<String>,
}

/// Histograms of `a` of a `family` run: fitted to generated curves and to real ones, on
/// 40 equal bins over `[lo, hi]`; values outside are counted in `below`/`above`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyHist {
    /// The left end of the first bin.
    pub lo: f64,
    /// The right end of the last bin.
    pub hi: f64,
    /// Curves of each kind.
    pub samples: usize,
    /// Counts of the generated curves' `a`.
    pub generated: Vec<usize>,
    /// Counts of the real curves' `a`.
    pub truth: Vec<usize>,
    /// Below `lo`: generated, real.
    pub below: [usize; 2],
    /// Above `hi` (or not finite): generated, real.
    pub above: [usize; 2],
    /// Mean and standard deviation of the generated curves' `a`.
    pub generated_stats: [Num; 2],
    /// Mean and standard deviation of the real curves' `a`.
    pub truth_stats: [Num; 2],
}

/// Everything a page shows of one run.
#[derive(Debug, Clone, Serialize)]
pub struct RunData {
    /// Its `--name`, else its folder's name (below a listed folder, its path there).
    pub name: String,
    /// Its folder.
    pub folder: String,
    /// `running`, `finished`, `stopped`, `early-stopped`, `failed` or `killed`.
    pub status: &'static str,
    /// `run.json`, if there is one.
    pub record: Option<RunRecord>,
    /// Every setting of `config.toml`, tables flattened to dotted keys (`optim_g.lr`).
    pub config: Vec<(String, String)>,
    /// Steps done (rows of the metrics).
    pub steps_done: usize,
    /// Steps the config plans.
    pub steps_planned: usize,
    /// `D_loss` and `G_loss`.
    pub losses: Vec<Series>,
    /// `D(real)` and `D(fake)`.
    pub outputs: Vec<Series>,
    /// The loss's equilibrium values.
    pub references: Vec<Reference>,
    /// Means over the last `window` steps: `D_loss`, `G_loss`, `D(real)`, `D(fake)`.
    pub means: Vec<(String, Num)>,
    /// Steps the means are over.
    pub window: usize,
    /// Every evaluation metric.
    pub metrics: Vec<MetricData>,
    /// `best/best.json`.
    pub best: Option<Best>,
    /// The step figures.
    pub figures: Figures,
    /// For a `family` run with a generator: the histograms of `a`.
    pub family: Option<FamilyHist>,
}

/// An equilibrium value of the loss: the value `series` takes when G matches the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reference {
    /// `G_loss`, `D_loss`, `D(real)` or `D(fake)`.
    pub series: &'static str,
    /// The value as a formula, e.g. `ln 2`.
    pub label: &'static str,
    /// The value.
    pub value: f32,
}

/// The equilibrium values of `loss` ([`LossKind::equilibrium`]; none for D's loss with a
/// gradient penalty, which it includes, as in `losses.png`).
fn references(loss: LossKind) -> Vec<Reference> {
    let eq = loss.equilibrium();
    let d_loss = eq.d_loss.filter(|_| !loss.has_gradient_penalty());
    let all = [
        ("G_loss", eq.g_loss),
        ("D_loss", d_loss),
        ("D(real)", eq.d_output),
        ("D(fake)", eq.d_output),
    ];
    all.into_iter()
        .filter_map(|(series, e)| {
            e.map(|(value, label)| Reference {
                series,
                label,
                value,
            })
        })
        .collect()
}

/// What a run's data is made of, gathered from memory or from its folder by the caller
/// ([`crate::run::train::gather`]).
pub struct Parts<'a> {
    /// Its folder.
    pub folder: &'a Path,
    /// The name the page shows.
    pub name: String,
    /// Its settings.
    pub config: &'a TrainConfig,
    /// Its `config.toml` text.
    pub config_toml: &'a str,
    /// Its `run.json`, if it has one.
    pub record: Option<RunRecord>,
    /// How it stands.
    pub status: Status,
    /// The numbers of its steps so far.
    pub stats: &'a [StepStats],
    /// Its metrics' names.
    pub names: &'a [String],
    /// `(step, values)` of every evaluation.
    pub evals: &'a [(usize, Vec<f64>)],
    /// Its best evaluation (`best/best.json`).
    pub best: Option<Best>,
    /// Generated curves for a family's histogram (`[FAMILY_SAMPLES, dim]`).
    pub generated: Option<Vec<f32>>,
    /// Its step figures.
    pub figures: Figures,
}

/// One number of a step's [`StepStats`].
type Pick = fn(&StepStats) -> f32;

/// The data of one run on a page, from its parts.
pub fn run_data(p: Parts) -> Result<RunData> {
    let rows = p.stats.len();
    let column = |f: Pick| {
        p.stats
            .iter()
            .enumerate()
            .map(move |(s, st)| (s, f(st) as f64))
    };
    let window = rows.min(WINDOW);
    let mean = |f: Pick| {
        let tail = &p.stats[rows - window..];
        // NaN for a run without steps yet.
        Num(tail.iter().map(|s| f(s) as f64).sum::<f64>() / window as f64)
    };
    let picks: [(&str, Pick); 4] = [
        ("D_loss", |s| s.d_loss),
        ("G_loss", |s| s.g_loss),
        ("D(real)", |s| s.d_real),
        ("D(fake)", |s| s.d_fake),
    ];
    let metrics = p
        .names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let better = catalogue::metric_info(name).and_then(|m| m.better);
            let points: Vec<(usize, f64)> = (p.evals.iter())
                .filter_map(|(s, v)| Some((*s, *v.get(i)?)))
                .collect();
            let best = better.and_then(|b| {
                points
                    .iter()
                    .fold(None, |acc: Option<(usize, f64)>, &(s, v)| match acc {
                        Some((_, old)) if !b.improves(v, old) => acc,
                        _ => Some((s, v)),
                    })
            });
            MetricData {
                name: name.clone(),
                better,
                last: points.last().map(|&(s, v)| (s, Num(v))),
                best: best.map(|(s, v)| (s, Num(v))),
                series: Series::new(name, points),
            }
        })
        .collect();
    let family = match &p.generated {
        Some(generated) => Some(family_hist(p.config, generated)?),
        None => None,
    };
    Ok(RunData {
        name: p.name,
        folder: p.folder.display().to_string(),
        status: p.status.name(),
        record: p.record,
        config: flat_config(p.config_toml, p.folder)?,
        steps_done: rows,
        steps_planned: p.config.steps,
        losses: picks[..2]
            .iter()
            .map(|(n, f)| Series::new(n, column(*f)))
            .collect(),
        outputs: picks[2..]
            .iter()
            .map(|(n, f)| Series::new(n, column(*f)))
            .collect(),
        references: references(p.config.loss),
        means: picks
            .iter()
            .map(|(n, f)| (n.to_string(), mean(*f)))
            .collect(),
        window,
        metrics,
        best: p.best,
        figures: p.figures,
        family,
    })
}

/// The settings of `config.toml` text as `(dotted key, value)` rows, in the file's order.
fn flat_config(text: &str, dir: &Path) -> Result<Vec<(String, String)>> {
    fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
        for (k, v) in table {
            let key = match prefix.is_empty() {
                true => k.clone(),
                false => format!("{prefix}.{k}"),
            };
            match v {
                toml::Value::Table(t) => flatten(&key, t, out),
                toml::Value::String(s) => out.push((key, s.clone())),
                other => out.push((key, other.to_string())),
            }
        }
    }
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| Error::bad_file(dir.join(files::CONFIG), format!("is not valid TOML: {e}")))?;
    let mut out = Vec::new();
    flatten("", &table, &mut out);
    Ok(out)
}

/// Histograms of the `a` fitted to `generated` curves and to as many real curves (from the
/// figures' random stream of the run's seed).
fn family_hist(config: &TrainConfig, generated: &[f32]) -> Result<FamilyHist> {
    let target = config.target.build()?;
    let samples = generated.len() / target.dim().max(1);
    let mut real = vec![0.0; samples * target.dim()];
    target.draw(&mut Stream::Figures.rng(config.seed), &mut real, None)?;
    let fake = metrics::family_fit(generated, target.x())?;
    let truth = metrics::family_fit(&real, target.x())?;
    // The truth's range, widened by half its width on each side.
    let (t_lo, t_hi) = truth
        .a
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &a| {
            (lo.min(a), hi.max(a))
        });
    let half = ((t_hi - t_lo) / 2.0).max(0.05);
    let (lo, hi) = (t_lo - half, t_hi + half);
    let count = |values: &[f64]| {
        let mut bins = vec![0; HIST_BINS];
        let (mut below, mut above) = (0, 0);
        for &a in values {
            if a < lo {
                below += 1;
            } else if a <= hi {
                let i = ((a - lo) / (hi - lo) * HIST_BINS as f64) as usize;
                bins[i.min(HIST_BINS - 1)] += 1;
            } else {
                above += 1;
            }
        }
        (bins, below, above)
    };
    let (generated_bins, g_below, g_above) = count(&fake.a);
    let (truth_bins, t_below, t_above) = count(&truth.a);
    Ok(FamilyHist {
        lo,
        hi,
        samples,
        generated: generated_bins,
        truth: truth_bins,
        below: [g_below, t_below],
        above: [g_above, t_above],
        generated_stats: [Num(fake.a_mean), Num(fake.a_std)],
        truth_stats: [Num(truth.a_mean), Num(truth.a_std)],
    })
}

/// How long the live page of a run that has trained `steps` steps in `seconds` and rewrites
/// its page every `plot_every` steps may go unchanged before it stops reloading: ten times the
/// time between two rewrites at that speed, and at least [`STALE_SECONDS`].
pub fn stale_seconds(seconds: f64, steps: usize, plot_every: usize) -> u64 {
    let between = seconds / steps.max(1) as f64 * plot_every as f64;
    match (10.0 * between).ceil() {
        s if s.is_finite() && s > STALE_SECONDS as f64 => s.min(u64::MAX as f64) as u64,
        _ => STALE_SECONDS,
    }
}

/// A page of `runs`: one run's, or a comparison with the settings that differ.
pub fn page(runs: Vec<RunData>) -> Page {
    let title = match runs.as_slice() {
        [one] => format!("{} — curvegan run", one.name),
        many => format!("{} runs — curvegan", many.len()),
    };
    let mut keys: Vec<&str> = Vec::new();
    for run in &runs {
        for (k, _) in &run.config {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    let value = |run: &RunData, key: &str| {
        run.config
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let differing = match runs.len() {
        0 | 1 => Vec::new(),
        _ => keys
            .iter()
            .filter(|k| runs.iter().any(|r| value(r, k) != value(&runs[0], k)))
            .map(|k| k.to_string())
            .collect(),
    };
    Page {
        format: "curvegan-report-1",
        title,
        live: runs.iter().any(|r| r.status == Status::Running.name()),
        reload_s: RELOAD_SECONDS,
        stale_s: STALE_SECONDS,
        written: Time::now().utc,
        runs,
        differing,
        skipped: Vec::new(),
        scores: None,
    }
}

/// The page as HTML: the data as JSON and our script that draws it, nothing from outside.
pub fn html(page: &Page) -> Result<String> {
    let json = serde_json::to_string(page)
        .map_err(|e| Error::Serialize(format!("{}: {e}", files::REPORT)))?
        .replace('<', "\\u003c");
    // No control character goes out raw, also where the page is printed (`--out -`).
    let title = crate::text::escape(&page.title)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n{MARK}\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <pre id=\"errors\" hidden></pre>\n<script>\n{ERRORS}</script>\n\
         <main id=\"app\"><noscript>This report is drawn by JavaScript; its data is in the \
         page's source.</noscript></main>\n\
         <script type=\"application/json\" id=\"data\">{json}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    ))
}

/// The first script of a page: records JavaScript errors in `#errors`, where a reader (and
/// the tests) see them.
const ERRORS: &str = "window.curveganError = function (text) {\n\
  var e = document.getElementById('errors');\n\
  e.textContent += text + '\\n';\n\
  e.hidden = false;\n\
};\n\
window.addEventListener('error', function (ev) {\n\
  window.curveganError('error: ' + ev.message + ' (line ' + ev.lineno + ')');\n\
});\n\
window.addEventListener('unhandledrejection', function (ev) {\n\
  window.curveganError('unhandled rejection: ' + ev.reason);\n\
});\n";
