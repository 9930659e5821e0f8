//! What the command line shows: the run folder as a run starts (on stderr, unless `--quiet`),
//! the progress bar of a training run (indicatif, on stderr,
//! hidden when stderr is not a terminal or with `--quiet`), the summary after it, and the
//! reports of `sweep` and `bench modes` around the library's tables. Standard output goes
//! through [`print`] (or [`print_json`](crate::term::print_json)), for which a closed pipe is not an error.
//!
//! Nothing from outside reaches the terminal raw: names, folders and values in these lines and
//! tables are escaped where they are put in ([`shown`], [`curvegan::text`]), and [`print`] and
//! [`error_text`] escape every control character but the line breaks of the text itself as a
//! last guard (JSON keeps its own escapes, `\u001b`).

use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use curvegan::eval::catalogue::Scores;
use curvegan::gan::step::StepStats;
use curvegan::run::scale::bench::{self, Outcome};
use curvegan::run::scale::grid::{self, Table};
use curvegan::run::scale::sweep::{self, Criterion, SeedObserver, SeedResult};
use curvegan::run::store::files;
use curvegan::text;
use curvegan::{Observer, Summary, TrainConfig};
use indicatif::{ProgressBar, ProgressStyle};

use crate::term::{catch_signals, print, STOP};

/// Watches for Ctrl-C, and shows a progress bar on stderr with the live losses when it has one.
struct Progress {
    bar: Option<ProgressBar>,
    /// The watched metric (`--keep-best`), else the first one, at the last evaluation.
    last_metric: Option<(String, f64)>,
    watched: Option<String>,
    quiet: bool,
}

impl Observer for Progress {
    fn on_start(&mut self, dir: &Path) {
        if !self.quiet {
            eprintln!("run folder: {}", shown(dir));
        }
    }

    fn on_data_notes(&mut self, notes: &[String]) {
        if self.quiet {
            return;
        }
        // Above the bar, which stays where it is.
        let say = || notes.iter().for_each(|n| eprintln!("data: {n}"));
        match &self.bar {
            Some(bar) => bar.suspend(say),
            None => say(),
        }
    }

    fn should_stop(&mut self) -> bool {
        STOP.load(Ordering::Relaxed)
    }

    fn on_step(&mut self, step: usize, s: &StepStats) {
        let Some(bar) = &self.bar else { return };
        if step.is_multiple_of(50) {
            let mut fields = vec![
                format!("D_loss {:.4}", s.d_loss),
                format!("G_loss {:.4}", s.g_loss),
            ];
            if let Some((name, v)) = &self.last_metric {
                fields.push(format!("{name} {v:.4}"));
            }
            fields.push(format!("D(real) {:.3}", s.d_real));
            fields.push(format!("D(fake) {:.3}", s.d_fake));
            let room = BarLayout::of(bar.length().unwrap_or_default()).message;
            bar.set_message(fitting(&fields, room));
        }
        bar.set_position(step as u64 + 1);
    }

    fn on_eval(&mut self, eval: &Scores) {
        let shown = match &self.watched {
            Some(w) => eval.metrics.iter().find(|(n, _)| n == w),
            None => eval.metrics.first(),
        };
        self.last_metric = shown.cloned();
    }
}

/// How the training bar shares the terminal's width (`COLUMNS` where the width cannot be read,
/// else 80): the bar a sixth of it (10 to 30 cells), the message what the counters leave, less
/// 3 columns for the terminal's `^C` echo, so that no line ever wraps.
struct BarLayout {
    bar: usize,
    message: usize,
}

impl BarLayout {
    fn of(len: u64) -> BarLayout {
        let width = ratatui::crossterm::terminal::size()
            .ok()
            .map(|(w, _)| w as usize)
            .filter(|&w| w > 0)
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .unwrap_or(80);
        let bar = (width / 6).clamp(10, 30);
        // "{bar} {pos}/{len} {elapsed} ETA {eta}  ": elapsed and ETA take up to 4 columns
        // ("59s", "12m", "2h").
        let digits = len.max(1).ilog10() as usize + 1;
        let counters = bar + 1 + 2 * digits + 1 + 1 + 4 + 5 + 4 + 2;
        BarLayout {
            bar,
            message: width.saturating_sub(counters + 3),
        }
    }
}

/// The first `fields` that fit in `room` columns, two spaces apart: a field is shown whole or
/// not at all, never cut in the middle of a number.
fn fitting(fields: &[String], room: usize) -> String {
    let mut out = String::new();
    for f in fields {
        let sep = if out.is_empty() { 0 } else { 2 };
        if out.chars().count() + sep + f.chars().count() > room {
            break;
        }
        if sep > 0 {
            out.push_str("  ");
        }
        out.push_str(f);
    }
    out
}

/// A progress bar on stderr of `len` steps drawn as `template`; none if `quiet` or when stderr
/// is not a terminal.
fn bar(len: usize, template: &str, quiet: bool) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new(len as u64);
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    })
}

/// What a training command shows: `quiet` hides the text around a run (the run folder line,
/// the progress bar, the summary), `live` asks for the live view ([`crate::live`]), which
/// `quiet` does not hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Show {
    pub quiet: bool,
    pub live: bool,
}

/// Runs `train` (a new run or a resumed one, `steps` long in all, with settings `config`)
/// under a progress bar, or the live view ([`crate::live`]), that stops it on Ctrl-C, then
/// prints the summary unless `quiet` ([`Show`]).
pub fn train(
    steps: usize,
    config: &TrainConfig,
    Show { quiet, live }: Show,
    train: impl FnOnce(&mut dyn Observer) -> curvegan::Result<Summary>,
) -> Result<()> {
    // Ctrl-C, SIGTERM and SIGHUP (`kill`, `timeout`, Slurm, Kubernetes) ask the run to
    // checkpoint and stop after the current step. A second one stops at once, even in the middle
    // of a long evaluation: the previous checkpoint stays valid, since every write is atomic.
    // If the handler cannot be installed, a signal simply kills the process, which the atomic
    // checkpoints survive too.
    catch_signals("stopped at once, the last checkpoint is kept");
    // True when the run folder was named on stderr as the run started (not by the live view).
    let mut announced = false;
    let summary = match live.then(crate::dashboard::open).flatten() {
        Some(dashboard) => dashboard.run(steps, train)??,
        None => {
            announced = !quiet;
            let layout = BarLayout::of(steps as u64);
            let template = format!(
                "{{bar:{}}} {{pos}}/{{len}} {{elapsed}} ETA {{eta}}  {{msg}}",
                layout.bar
            );
            let bar = bar(steps, &template, quiet);
            let mut progress = Progress {
                bar,
                last_metric: None,
                watched: config.keep_best.clone(),
                quiet,
            };
            let result = train(&mut progress);
            if let Some(bar) = &progress.bar {
                // The bar fits one row, so clearing it leaves the line empty: the summary or
                // the error (after Ctrl-C) starts at its first column.
                bar.finish_and_clear();
            }
            result?
        }
    };
    if quiet {
        return Ok(());
    }
    // The folder was named on stderr as the run started: where stdout is the same terminal,
    // the summary does not name it again; redirected, the summary is the whole record.
    let named = announced && std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
    print(&summary_text(&summary, config.eval_samples, !named))
}

/// The summary of a finished run: the last losses beside their equilibrium values, the final
/// evaluation and the best one kept.
fn summary_text(s: &Summary, eval_samples: usize, with_folder: bool) -> String {
    let l = &s.last;
    let eq = &s.equilibrium;
    // "0.6931 (ln 2)", or "—" where the loss fixes no value.
    let reference = |r: Option<(f32, &str)>| match r {
        Some((v, label)) if format!("{v}") == label => format!("{v}"),
        Some((v, label)) => format!("{v:.4} ({label})"),
        None => "—".to_string(),
    };
    let mut text = match with_folder {
        true => format!("run folder: {}\n", shown(&s.out)),
        false => String::new(),
    };
    text.push_str(&format!(
        "{} steps in {:.2} s ({:.1} µs per training step)\n\
         mean of the last {} steps     value    equilibrium\n",
        s.steps,
        s.wall.as_secs_f64(),
        s.us_per_step(),
        s.window,
    ));
    for (name, value, eq) in [
        ("D(real)", l.d_real, eq.d_output),
        ("D(fake)", l.d_fake, eq.d_output),
        ("D_loss", l.d_loss, eq.d_loss),
        ("G_loss", l.g_loss, eq.g_loss),
    ] {
        text.push_str(&format!("{name:<26} {value:>8.4}    {}\n", reference(eq)));
    }
    if let (true, Some(b)) = (s.stopped_early, &s.best) {
        text.push_str(&format!(
            "stopped early at step {}: {} had stopped improving\n",
            s.final_eval.step.unwrap_or_default(),
            b.metric
        ));
    }
    let e = &s.final_eval;
    let width = e.metrics.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    text.push_str(&format!(
        "evaluation at step {} ({eval_samples} fresh samples)\n",
        e.step.unwrap_or_default()
    ));
    for (name, v) in &e.metrics {
        text.push_str(&format!("  {name:<width$}  {v:>10.5}\n"));
    }
    if let Some(b) = &s.best {
        text.push_str(&format!(
            "best {} {:.5} at step {}, kept in {}\n",
            b.metric,
            b.value,
            b.step,
            shown(&s.out.join(files::BEST_DIR))
        ));
    }
    text
}

/// The sweep's table ([`sweep::table`]), or a hyperparameter sweep's table of settings
/// ([`Table::markdown`]), and where its files are.
pub fn sweep_report(
    results: &[SeedResult],
    success: Option<&Criterion>,
    table: Option<&Table>,
    root: &Path,
) -> Result<String> {
    if let Some(table) = table {
        return Ok(format!(
            "{}\nsettings in {}, {}, {}, runs in {} and setting-NN/seed-S in {}\n",
            table.markdown(),
            grid::SETTINGS_CSV,
            files::SWEEP_CSV,
            files::BENCH_TABLE,
            grid::RUNS_CSV,
            shown(root)
        ));
    }
    Ok(format!(
        "{}runs and {} in {}\n",
        sweep::table(results, success)?,
        files::SWEEP_CSV,
        shown(root)
    ))
}

/// The benchmark's trials, its table beside the published rows, and where its files are.
pub fn bench_report(outcome: &Outcome, root: &Path) -> String {
    let runs = match outcome.settings.is_empty() {
        true => "runs".to_string(),
        false => format!(
            "settings in {}, runs in setting-NN/seed-S",
            grid::SETTINGS_CSV
        ),
    };
    format!(
        "{}\n{} ({} samples per trial; published rows: PacGAN, Table 1)\n{}\n{runs}, {} and {} in {}\n",
        outcome.trials_table(),
        outcome.dataset.name(),
        bench::SAMPLES,
        outcome.table(),
        files::BENCH_CSV,
        files::BENCH_TABLE,
        shown(root)
    )
}

/// The progress of `sweep` and `bench modes`: a line on stderr per seed as it finishes (seed,
/// steps, latest metric, wall time) unless `quiet`, and a bar on stderr when it is a terminal.
pub struct Seeds {
    total: usize,
    done: AtomicUsize,
    quiet: bool,
    bar: Option<ProgressBar>,
}

impl Seeds {
    /// The progress of `total` seeds.
    pub fn new(total: usize, quiet: bool) -> Seeds {
        let bar = bar(
            total,
            "{bar:30} {pos}/{len} runs {elapsed} ETA {eta}",
            quiet,
        );
        Seeds {
            total,
            done: AtomicUsize::new(0),
            quiet,
            bar,
        }
    }
}

impl SeedObserver for Seeds {
    fn should_stop(&self) -> bool {
        STOP.load(Ordering::Relaxed)
    }

    fn on_seed(&self, r: &SeedResult) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.quiet {
            return;
        }
        // The scored value (what `sweep.csv` and the benchmark's table hold), not the last
        // evaluation during training, which drew other samples.
        let metric = (r.report.metrics.first())
            .map(|(name, v)| format!(", {name} {v:.5}"))
            .unwrap_or_default();
        let setting = r
            .setting
            .map_or(String::new(), |i| format!("setting {}, ", i + 1));
        let line = format!(
            "[{done}/{}] {setting}seed {}: {} steps{metric}, {:.2} s",
            self.total,
            r.seed,
            r.summary.steps,
            r.summary.wall.as_secs_f64()
        );
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => eprintln!("{line}"),
        }
    }
}

impl Drop for Seeds {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A path as the command line shows it: control characters escaped ([`text::path`]).
pub fn shown(path: &Path) -> String {
    text::path(path)
}

/// The most characters of one line of an error message as printed ([`error_text`]).
pub const MAX_ERROR_LINE: usize = 1000;

/// The text of an error as `main` prints it after `error: `: the chain (`{:#}`), its control
/// characters escaped but for its own line breaks, every line cut to [`MAX_ERROR_LINE`]
/// characters — a last guard: input is escaped and cut where the library quotes it.
pub fn error_text(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    let lines: Vec<String> = (text.split('\n'))
        .map(|l| text::cut(&text::escape(l), MAX_ERROR_LINE).into_owned())
        .collect();
    lines.join("\n")
}
