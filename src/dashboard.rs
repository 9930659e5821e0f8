//! The live view: a full-screen terminal dashboard of a training run (`curvegan train --live`,
//! `curvegan resume --live`) or of a run another process writes or wrote
//! (`curvegan watch RUN`), drawn with ratatui on stderr.
//!
//! ```text
//! ┌ header: run folder, status (RUNNING, PAUSED, finished …)                      ┐
//! │ step, steps per second, ETA, elapsed                                          │
//! │ real and generated samples  │ D_loss, G_loss over the steps, equilibrium lines │
//! │ (the step figure, fixed     │ D(real), D(fake) over the steps                  │
//! │ axes)                       │ the evaluation metrics so far                    │
//! └ keys: q stop/close, p pause, s save the figure                                 ┘
//! ```
//!
//! In a training process the UI runs in a thread of its own and redraws 5 times a second (at
//! once after a key) from shared state. The training thread keeps each step's numbers itself
//! (a [`History`] push and an atomic load per step) and copies them into the shared state once
//! per frame, when the UI asks; the run's [`Snapshot`]s (samples, real data, evaluations) go
//! there at its figure and evaluation steps. `p` makes the training thread wait
//! in [`Observer::should_stop`]; `q` (or Ctrl-C, which raw mode delivers as a key) sets the
//! same stop flag as Ctrl-C, so the run checkpoints and exits with code 130. `watch` reads a
//! run's files into the same [`View`] (`crate::commands::watch`). Names from the folder and
//! the snapshot are shown escaped ([`curvegan::text`]).
//!
//! While a run trains, the progress line shows its speed over the last seconds and the ETA;
//! once it has ended (or is not training), its mean speed. The metrics sit in a table under
//! the charts, as many to a row as the width holds, so that at 80×24 a target's default
//! metrics are all in view.
//!
//! The terminal is restored on every exit: the end of the view, an error, a panic (a hook),
//! and a second signal, which exits at once.

use std::collections::VecDeque;
use std::io::{BufWriter, IsTerminal, Read, Stderr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use curvegan::eval::catalogue::{shown as shown_value, Scores};
use curvegan::gan::step::StepStats;
use curvegan::run::store::live_json::{Figure, History, LossPoint, Snapshot};
use curvegan::{text, Observer, Summary};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::terminal::{self, EnterAlternateScreen};
use ratatui::crossterm::{cursor, execute};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line as TextLine, Span};
use ratatui::widgets::canvas::{Canvas, Context as Painter, Line, Points};
use ratatui::widgets::{Block, Paragraph};
use ratatui::{Frame, Terminal};

use crate::term::{restore_terminal, ACTIVE, STOP};

/// Time between two frames (a key redraws at once): 5 a second.
pub const FRAME: Duration = Duration::from_millis(200);

/// True if the view can be drawn: stdin (for the keys) and stderr are terminals.
pub fn has_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Buffered: a frame goes out in a few writes, not one per changed cell.
pub type Term = Terminal<CrosstermBackend<BufWriter<Stderr>>>;

/// Puts the terminal in raw mode on the alternate screen (restored by [`restore_terminal`],
/// also on a panic).
pub fn enter() -> Result<Term> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
    terminal::enable_raw_mode().context("cannot put the terminal in raw mode")?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut err = std::io::stderr();
    let entered = execute!(err, EnterAlternateScreen, cursor::Hide)
        .context("cannot switch to the alternate screen")
        .and_then(|()| {
            Terminal::new(CrosstermBackend::new(BufWriter::new(err))).context("cannot draw")
        });
    if entered.is_err() {
        restore_terminal();
    }
    entered
}

/// What the training thread shares with the UI thread.
#[derive(Default)]
struct State {
    dir: Option<PathBuf>,
    /// The last step trained.
    step: Option<usize>,
    stats: StepStats,
    history: History,
    snapshot: Option<Snapshot>,
    /// How the run ended, once it has: the view then waits for `q`.
    ended: Option<String>,
    /// The view closes at once (the run failed or was stopped).
    close: bool,
}

struct Shared {
    state: Mutex<State>,
    /// `p` was pressed: the training thread is to wait.
    paused: AtomicBool,
    /// The training thread waits (so the step shown is the one it stopped at).
    held: AtomicBool,
    /// The UI drew a frame: the training thread publishes its numbers at its next step.
    wanted: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The observer of a run under the view. It keeps the numbers of the steps itself and hands
/// them to the UI once per frame, so a step costs a [`History::push`] and an atomic load.
struct LiveObserver {
    shared: Arc<Shared>,
    step: Option<usize>,
    stats: StepStats,
    history: History,
}

impl LiveObserver {
    /// Hands the numbers so far to the UI.
    fn publish(&self) -> MutexGuard<'_, State> {
        let mut s = self.shared.lock();
        s.step = self.step;
        s.stats = self.stats;
        s.history.clone_from(&self.history);
        s
    }
}

impl Observer for LiveObserver {
    fn on_start(&mut self, dir: &Path) {
        self.shared.lock().dir = Some(dir.to_path_buf());
    }

    fn on_step(&mut self, step: usize, stats: &StepStats) {
        self.step = Some(step);
        self.stats = *stats;
        self.history.push(step, stats);
        if self.shared.wanted.load(Ordering::Relaxed) {
            self.shared.wanted.store(false, Ordering::Relaxed);
            drop(self.publish());
        }
    }

    fn on_eval(&mut self, _eval: &Scores) {}

    fn on_snapshot(&mut self, snapshot: &Snapshot) {
        // From step 0 (a resumed run's steps before this process included).
        self.history.clone_from(&snapshot.history);
        self.publish().snapshot = Some(snapshot.clone());
    }

    fn should_stop(&mut self) -> bool {
        if self.shared.paused.load(Ordering::Relaxed) {
            drop(self.publish());
            self.shared.held.store(true, Ordering::SeqCst);
            while self.shared.paused.load(Ordering::SeqCst) && !STOP.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            self.shared.held.store(false, Ordering::SeqCst);
        }
        STOP.load(Ordering::Relaxed)
    }
}

/// The live view of a training run, if the terminal allows one; else a note on stderr and
/// `None` (the caller shows the usual progress).
pub fn open() -> Option<Dashboard> {
    if !has_terminal() {
        eprintln!("note: --live needs a terminal on stdin and stderr; showing the usual progress");
        return None;
    }
    Some(Dashboard)
}

/// The live view of a training run ([`open`]).
pub struct Dashboard;

impl Dashboard {
    /// Runs `train` (`steps` long in all) under the view. After a successful run the view stays
    /// until `q`; after an error or a stop it closes at once.
    pub fn run(
        self,
        steps: usize,
        train: impl FnOnce(&mut dyn Observer) -> curvegan::Result<Summary>,
    ) -> Result<curvegan::Result<Summary>> {
        let mut terminal = enter()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            paused: AtomicBool::new(false),
            held: AtomicBool::new(false),
            wanted: AtomicBool::new(true),
        });
        let ui = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let drawn = train_view(&mut terminal, &shared, steps);
                restore_terminal();
                drawn
            })
        };
        let result = train(&mut LiveObserver {
            shared: shared.clone(),
            step: None,
            stats: StepStats::default(),
            history: History::default(),
        });
        {
            let mut s = shared.lock();
            match &result {
                Ok(summary) if summary.stopped_early => s.ended = Some("early-stopped".into()),
                Ok(_) => s.ended = Some("finished".into()),
                Err(_) => s.close = true,
            }
        }
        let drawn = ui.join();
        restore_terminal();
        match drawn {
            Ok(drawn) => drawn?,
            Err(_) => anyhow::bail!("the live view failed"),
        }
        Ok(result)
    }
}

/// A key the view acts on.
pub enum Key {
    Quit,
    Pause,
    Save,
}

/// What the keyboard gave within a frame.
pub enum Input {
    Key(Key),
    Nothing,
    /// End of input or a hang-up: the terminal is gone (an SSH link dropped, a pane closed).
    Gone,
}

/// The next key pressed within `wait`, read from stdin in raw mode (one byte a key: `q`, Esc
/// alone and Ctrl-C quit, `p` and space pause, `s` saves), through poll(2) of our own rather
/// than crossterm's event reader, which spins forever once a hung-up terminal's reads return
/// end of input: a process whose terminal went away must stop, not burn a core.
pub fn next_key(wait: Duration) -> Input {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(wait.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd, and the count says one.
    let ready = unsafe { libc::poll(&mut fd, 1, ms) };
    match ready {
        0 => return Input::Nothing,
        r if r < 0 => {
            return match std::io::Error::last_os_error().kind() {
                std::io::ErrorKind::Interrupted => Input::Nothing,
                _ => Input::Gone,
            }
        }
        _ => {}
    }
    if fd.revents & libc::POLLIN == 0 {
        return Input::Gone; // POLLHUP, POLLERR or POLLNVAL without data
    }
    let mut buf = [0u8; 64];
    match std::io::stdin().lock().read(&mut buf) {
        Ok(0) => Input::Gone,
        Ok(n) => match &buf[..n] {
            [b'q', ..] | [0x03, ..] | [0x1b] => Input::Key(Key::Quit),
            [b'p', ..] | [b' ', ..] => Input::Key(Key::Pause),
            [b's', ..] => Input::Key(Key::Save),
            _ => Input::Nothing,
        },
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => Input::Nothing,
        Err(_) => Input::Gone,
    }
}

/// Saves the figure of `snapshot` into `dir`; the note to show.
pub fn save(snapshot: Option<&Snapshot>, dir: Option<&Path>) -> String {
    match (snapshot, dir) {
        (Some(snap), Some(dir)) => match snap.save_figure(dir) {
            Ok(path) => format!(
                "saved {}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ),
            Err(e) => format!("cannot save: {e}"),
        },
        _ => "no figure yet".to_string(),
    }
}

/// The view of a training run, until the run ends and `q` is pressed, or `q` stops it.
fn train_view(terminal: &mut Term, shared: &Shared, steps: usize) -> Result<()> {
    let started = Instant::now();
    let mut rate = Rate::default();
    let mut note = String::new();
    loop {
        let (view, ended) = {
            // Read before the step: once the training thread waits, its step is final.
            let held = shared.held.load(Ordering::SeqCst);
            let s = shared.lock();
            if s.close {
                return Ok(());
            }
            let paused = shared.paused.load(Ordering::SeqCst);
            let done = s.step.map_or(0, |step| step + 1);
            let per_s = rate.update(done);
            let status = match (&s.ended, paused, held) {
                (Some(how), _, _) => format!("{how} — press q to close"),
                (None, true, true) => "PAUSED".to_string(),
                (None, true, false) => "pausing".to_string(),
                (None, false, _) => "RUNNING".to_string(),
            };
            let view = View {
                dir: s.dir.clone(),
                step: s.step,
                steps,
                last: s.stats,
                history: s.history.points.clone(),
                snapshot: s.snapshot.clone(),
                per_s,
                ended: s.ended.is_some(),
                elapsed: started.elapsed(),
                status,
                note: note.clone(),
                keys: match s.ended {
                    Some(_) => "q close  s save figure",
                    None => "q stop (checkpoint)  p pause  s save figure",
                },
            };
            (view, s.ended.is_some())
        };
        // `q`, or a terminal gone (nothing can be drawn or read), stops the run as Ctrl-C does.
        let stop = || {
            if !ended {
                STOP.store(true, Ordering::Relaxed);
                shared.paused.store(false, Ordering::Relaxed);
            }
        };
        if let Err(e) = terminal.draw(|f| render(f, &view)) {
            stop();
            return Err(e.into());
        }
        shared.wanted.store(true, Ordering::Relaxed);
        match next_key(FRAME) {
            Input::Key(Key::Quit) | Input::Gone => {
                stop();
                return Ok(());
            }
            Input::Key(Key::Pause) if !ended => {
                shared.paused.fetch_xor(true, Ordering::Relaxed);
            }
            Input::Key(Key::Save) => note = save(view.snapshot.as_ref(), view.dir.as_deref()),
            _ => {}
        }
    }
}

/// Steps per second over the last few seconds of frames.
#[derive(Default)]
struct Rate(VecDeque<(Instant, usize)>);

impl Rate {
    fn update(&mut self, done: usize) -> f64 {
        let now = Instant::now();
        self.0.push_back((now, done));
        while self.0.len() > 2 && now - self.0[0].0 > Duration::from_secs(3) {
            self.0.pop_front();
        }
        let (t0, d0) = self.0[0];
        let dt = (now - t0).as_secs_f64();
        match dt > 0.2 {
            true => (done - d0) as f64 / dt,
            false => 0.0,
        }
    }
}

/// What one frame shows.
pub struct View {
    /// The run folder.
    pub dir: Option<PathBuf>,
    /// The last step trained.
    pub step: Option<usize>,
    /// Steps planned.
    pub steps: usize,
    /// The last step's numbers.
    pub last: StepStats,
    /// The losses and D's outputs so far.
    pub history: Vec<LossPoint>,
    /// The last snapshot (samples, evaluations, the mean speed).
    pub snapshot: Option<Snapshot>,
    /// Steps per second now (0 when unknown or paused).
    pub per_s: f64,
    /// The run is not training (it ended, or no process trains it): its mean speed is shown.
    pub ended: bool,
    /// Wall time so far.
    pub elapsed: Duration,
    /// The status in the header.
    pub status: String,
    /// A note in the footer.
    pub note: String,
    /// The keys in the footer.
    pub keys: &'static str,
}

impl View {
    /// `step 1234/10001  812 steps/s  ETA 0:00:11  elapsed 0:00:02`; once the run is not
    /// training, `step 10000/10001  mean 790 steps/s  elapsed 0:00:13` (the mean of its last
    /// snapshot; none without one).
    fn progress(&self) -> String {
        let done = self.step.map_or(0, |s| s + 1);
        let speed = match (self.ended, &self.snapshot) {
            (false, _) => {
                let eta = match self.per_s > 0.0 && done < self.steps {
                    true => clock((self.steps - done) as f64 / self.per_s),
                    false => "—".to_string(),
                };
                format!("  {:.0} steps/s  ETA {eta}", self.per_s)
            }
            (true, Some(snap)) if snap.steps_per_s > 0.0 => {
                format!("  mean {:.0} steps/s", snap.steps_per_s)
            }
            (true, _) => String::new(),
        };
        format!(
            "step {}/{}{speed}  elapsed {}",
            self.step.map_or("—".to_string(), |s| s.to_string()),
            self.steps,
            clock(self.elapsed.as_secs_f64())
        )
    }

    /// The last evaluation: its step and one cell per metric, `name  value`, names padded to
    /// one width and values aligned (a count as a whole number); `None` before the first.
    fn metric_cells(&self) -> Option<(usize, Vec<String>)> {
        let e = &self.snapshot.as_ref()?.evaluations;
        let step = *e.steps.last()?;
        // Names from a file: escaped and cut.
        let names: Vec<String> = e.names.iter().map(|n| text::echo(n)).collect();
        let values: Vec<String> = (e.latest().into_iter())
            .map(|(name, v)| shown_value(name, v, 5))
            .collect();
        let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let value_width = values.iter().map(String::len).max().unwrap_or(0);
        let cells = (names.iter().zip(&values))
            .map(|(name, v)| format!("{name:<width$} {v:>value_width$}"))
            .collect();
        Some((step, cells))
    }

    /// The metrics' lines in a table `width` characters wide: as many cells to a line as fit,
    /// at most `max_lines` lines (the last one then says how many were left out).
    fn metric_lines(&self, width: usize, max_lines: usize) -> Vec<String> {
        let Some((_, cells)) = self.metric_cells() else {
            return vec!["no evaluation yet".to_string()];
        };
        let cell = cells.iter().map(|c| c.chars().count()).max().unwrap_or(1);
        let per_line = ((width + GAP) / (cell + GAP)).max(1);
        let mut lines: Vec<String> = (cells.chunks(per_line))
            .map(|row| row.join(&" ".repeat(GAP)))
            .collect();
        if lines.len() > max_lines.max(1) {
            let kept = max_lines.max(1) - 1;
            let left = cells.len() - kept * per_line;
            lines.truncate(kept);
            lines.push(format!("… and {left} more"));
        }
        lines
    }
}

/// Spaces between two metrics on a line.
const GAP: usize = 3;

/// `h:mm:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The view as plain text, for `watch` without a terminal.
pub fn plain(v: &View) -> String {
    let dir = v.dir.as_deref().map(text::path);
    let mut text = format!(
        "{}  {}\n{}\nD_loss {:.4}  G_loss {:.4}  D(real) {:.4}  D(fake) {:.4}\n",
        dir.unwrap_or_default(),
        v.status,
        v.progress(),
        v.last.d_loss,
        v.last.g_loss,
        v.last.d_real,
        v.last.d_fake
    );
    match v.metric_cells() {
        Some((step, cells)) => {
            text += &format!("at step {step}:\n");
            for cell in cells {
                text += &format!("{cell}\n");
            }
        }
        None => text += "no evaluation yet\n",
    }
    text
}

const D_LOSS: Color = Color::Cyan;
const G_LOSS: Color = Color::Magenta;
const D_REAL: Color = Color::Green;
const D_FAKE: Color = Color::Red;
const REAL: Color = Color::White;
const FAKE: Color = Color::LightRed;
const GUIDE: Color = Color::DarkGray;

/// The fewest rows the charts keep, borders included.
const CHART_ROWS: u16 = 8;

/// Draws `v` into the frame; laid out for 80×24 and larger: the metrics' table takes the rows
/// it needs under the charts, which keep at least [`CHART_ROWS`].
pub fn render(f: &mut Frame, v: &View) {
    let area = f.area();
    let inner = usize::from(area.width.saturating_sub(2));
    let free = area.height.saturating_sub(3 + CHART_ROWS + 2);
    let metric_lines = v.metric_lines(inner, usize::from(free));
    let title = match v.metric_cells() {
        Some((step, _)) => format!(" metrics at step {step} "),
        None => " metrics ".to_string(),
    };
    let [header, progress, body, metrics, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(CHART_ROWS),
        Constraint::Length(metric_lines.len() as u16 + 2),
        Constraint::Length(1),
    ])
    .areas(area);
    let lines: Vec<TextLine> = metric_lines.into_iter().map(TextLine::from).collect();
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        metrics,
    );
    let dir = v.dir.as_deref().map_or(String::new(), text::path);
    let status_style = match v.status.as_str() {
        "PAUSED" | "pausing" => Style::new().black().on_yellow(),
        "RUNNING" => Style::new().black().on_green(),
        "FOLDER GONE" => Style::new().white().on_red(),
        _ => Style::new().add_modifier(Modifier::REVERSED),
    };
    let status = format!(" {} ", v.status);
    let [left, right] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(status.chars().count() as u16),
    ])
    .areas(header);
    f.render_widget(
        Paragraph::new(TextLine::from(vec![
            Span::styled("curvegan ", Style::new().bold()),
            Span::raw(dir),
        ])),
        left,
    );
    f.render_widget(Paragraph::new(status).style(status_style), right);
    f.render_widget(Paragraph::new(v.progress()), progress);
    f.render_widget(
        Paragraph::new(TextLine::from(vec![
            Span::styled(v.keys, Style::new().bold()),
            Span::raw("  "),
            Span::raw(v.note.as_str()),
        ])),
        footer,
    );

    let [samples, charts] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    render_samples(f, samples, v);
    let [losses, outputs] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(charts);
    let refs = v.snapshot.as_ref().map_or(Vec::new(), |s| {
        s.references.iter().map(|(_, r)| *r as f64).collect()
    });
    let series = |f: fn(&LossPoint) -> f32| -> Vec<(f64, f64)> {
        v.history
            .iter()
            .map(|p| (p.step as f64, f(p) as f64))
            .collect()
    };
    let title = |parts: [(&str, f32, Color); 2]| {
        TextLine::from(
            parts
                .iter()
                .flat_map(|(name, value, color)| {
                    [
                        Span::styled(format!(" {name} "), Style::new().fg(*color).bold()),
                        Span::raw(format!("{value:.4}")),
                    ]
                })
                .collect::<Vec<_>>(),
        )
    };
    chart(
        f,
        losses,
        title([
            ("D_loss", v.last.d_loss, D_LOSS),
            ("G_loss", v.last.g_loss, G_LOSS),
        ]),
        &[
            (series(|p| p.d_loss), D_LOSS),
            (series(|p| p.g_loss), G_LOSS),
        ],
        &refs,
    );
    let d_ref = v
        .snapshot
        .as_ref()
        .and_then(|s| s.d_reference)
        .map(f64::from);
    chart(
        f,
        outputs,
        title([
            ("D(real)", v.last.d_real, D_REAL),
            ("D(fake)", v.last.d_fake, D_FAKE),
        ]),
        &[
            (series(|p| p.d_real), D_REAL),
            (series(|p| p.d_fake), D_FAKE),
        ],
        &d_ref.into_iter().collect::<Vec<_>>(),
    );
}

/// `lo..hi` of `values` widened by 5 % on each side (and to a span of at least 1e-3).
fn bounds(values: impl Iterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return [0.0, 1.0];
    }
    let margin = ((hi - lo) * 0.05).max(5e-4);
    [lo - margin, hi + margin]
}

/// A line chart of `series` over the steps with horizontal `guides`, in a block titled `title`.
fn chart(
    f: &mut Frame,
    area: Rect,
    title: TextLine,
    series: &[(Vec<(f64, f64)>, Color)],
    guides: &[f64],
) {
    let all = || series.iter().flat_map(|(s, _)| s.iter());
    let x = bounds(all().map(|p| p.0));
    // The early steps' swings would flatten the rest: the y axis spans the 2nd to the 98th
    // percentile of the values (lines beyond it are clipped) and the guides.
    let mut ys: Vec<f64> = all().map(|p| p.1).filter(|v| v.is_finite()).collect();
    ys.sort_by(f64::total_cmp);
    let q = |f: f64| {
        ys.get(((ys.len() as f64 - 1.0) * f).round() as usize)
            .copied()
    };
    let y = bounds(
        [q(0.02), q(0.98)]
            .into_iter()
            .flatten()
            .chain(guides.iter().copied()),
    );
    let canvas = Canvas::default()
        .block(Block::bordered().title(title))
        .marker(Marker::Braille)
        .x_bounds(x)
        .y_bounds(y)
        .paint(|ctx| {
            for &g in guides {
                dashed(ctx, x, g);
            }
            ctx.layer();
            for (points, color) in series {
                polyline(ctx, points, *color);
            }
        });
    f.render_widget(canvas, area);
}

/// A dashed horizontal line at `y` over `x`.
fn dashed(ctx: &mut Painter, x: [f64; 2], y: f64) {
    let dash = (x[1] - x[0]) / 40.0;
    for i in (0..40).step_by(2) {
        let x1 = x[0] + dash * i as f64;
        ctx.draw(&Line::new(x1, y, x1 + dash, y, GUIDE));
    }
}

fn polyline(ctx: &mut Painter, points: &[(f64, f64)], color: Color) {
    for w in points.windows(2) {
        ctx.draw(&Line::new(w[0].0, w[0].1, w[1].0, w[1].1, color));
    }
    if let [only] = points {
        ctx.draw(&Points {
            coords: &[*only],
            color,
        });
    }
}

/// The step figure: real curves and generated ones, or real and generated points.
fn render_samples(f: &mut Frame, area: Rect, v: &View) {
    let step = v
        .snapshot
        .as_ref()
        .map_or(String::new(), |s| format!(" at step {}", s.step));
    let block = Block::bordered().title(TextLine::from(vec![
        Span::styled(" real", Style::new().fg(REAL).bold()),
        Span::raw(" and "),
        Span::styled("generated", Style::new().fg(FAKE).bold()),
        Span::raw(format!("{step} ")),
    ]));
    let Some(snap) = &v.snapshot else {
        f.render_widget(
            Paragraph::new("waiting for the first figure step").block(block),
            area,
        );
        return;
    };
    let [x, y] = figure_bounds(&snap.figure);
    let canvas = Canvas::default()
        .block(block)
        .marker(Marker::Braille)
        .x_bounds(x)
        .y_bounds(y)
        .paint(|ctx| paint_figure(ctx, &snap.figure));
    f.render_widget(canvas, area);
}

/// `(x, y)` pairs of the row-major `[n * 2]` `data`.
fn pairs(data: &[f32]) -> Vec<(f64, f64)> {
    (data.chunks_exact(2))
        .map(|p| (p[0] as f64, p[1] as f64))
        .collect()
}

/// The curves of the row-major `[n * x.len()]` `data` as `(x, y)` points.
fn curves(x: &[f32], data: &[f32]) -> Vec<Vec<(f64, f64)>> {
    (data.chunks_exact(x.len().max(1)))
        .map(|c| {
            x.iter()
                .zip(c)
                .map(|(&a, &b)| (a as f64, b as f64))
                .collect()
        })
        .collect()
}

/// The axes of the step figure: a curve figure keeps its fixed y range while every curve fits
/// in it.
fn figure_bounds(figure: &Figure) -> [[f64; 2]; 2] {
    match figure {
        Figure::Curves {
            x,
            real,
            generated,
            y_range,
            ..
        } => {
            let fitted = bounds(real.iter().chain(generated).map(|&v| v as f64));
            let ys = match *y_range {
                Some((lo, hi)) => [fitted[0].min(lo as f64), fitted[1].max(hi as f64)],
                None => fitted,
            };
            [bounds(x.iter().map(|&v| v as f64)), ys]
        }
        Figure::Points {
            real,
            generated,
            centres,
        } => {
            let all: Vec<f32> = [&real[..], generated, centres].concat();
            let all = pairs(&all);
            [
                bounds(all.iter().map(|p| p.0)),
                bounds(all.iter().map(|p| p.1)),
            ]
        }
    }
}

/// The real data (grey band or white curve, grey points) under the generated samples (red).
fn paint_figure(ctx: &mut Painter, figure: &Figure) {
    match figure {
        Figure::Curves {
            x, real, generated, ..
        } => {
            let real = curves(x, real);
            let colour = if real.len() > 1 { GUIDE } else { REAL };
            for c in &real {
                polyline(ctx, c, colour);
            }
            ctx.layer();
            for c in curves(x, generated) {
                polyline(ctx, &c, FAKE);
            }
        }
        Figure::Points {
            real,
            generated,
            centres,
        } => {
            ctx.draw(&Points {
                coords: &pairs(real),
                color: GUIDE,
            });
            ctx.layer();
            ctx.draw(&Points {
                coords: &pairs(generated),
                color: FAKE,
            });
            for (cx, cy) in pairs(centres) {
                ctx.print(cx, cy, Span::styled("+", Style::new().fg(REAL)));
            }
        }
    }
}
