//! `curvegan watch RUN`: a run another process is training (or a finished one) in the
//! full-screen live view ([`crate::dashboard`]), read from its files: `RUN/live.json` four
//! times a second, read again only when its size or modification time changed (a read that
//! failed is not retried until then; the read is bounded, [`Snapshot::load`]), `RUN/run.json`
//! for the status, and the folder's lock for whether a process still writes it. A folder that
//! is gone (moved or deleted) is shown as gone, with the last state read. A run that is not
//! training shows its mean speed (the one its last snapshot records), not a speed now.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use curvegan::gan::step::StepStats;
use curvegan::run::store::files;
use curvegan::run::store::folder::is_locked;
use curvegan::run::store::live_json::Snapshot;
use curvegan::run::store::run_json::{RunRecord, Status};
use curvegan::{text, Error};

use crate::dashboard::{self, next_key, render, Input, Key, Term, View, FRAME};
use crate::term::restore_terminal;

/// Time between two looks at `live.json` (it is read again only when its size or
/// modification time changed).
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// The arguments of `watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A run folder, running or not
    #[arg(value_name = "RUN")]
    run: PathBuf,
}

/// `curvegan watch`.
pub fn exec(args: Args) -> Result<()> {
    watch(&args.run)
}

/// `curvegan watch RUN`: the view of the run in `dir`, read from its `live.json`, until `q`.
/// Without a terminal, prints the run's state once.
fn watch(dir: &Path) -> Result<()> {
    if !dir.join(files::CONFIG).is_file() {
        return Err(Error::config(
            "RUN",
            format!(
                "{} is not a run folder (it has no {})",
                dir.display(),
                files::CONFIG
            ),
        )
        .into());
    }
    if !dir.join(files::LIVE).is_file() {
        return Err(Error::config(
            "RUN",
            format!(
                "{} has no {} (written by runs of newer versions, at their first figure or evaluation step); nothing to show yet",
                dir.display(),
                files::LIVE
            ),
        )
        .into());
    }
    let mut reader = Reader::new(dir);
    if !dashboard::has_terminal() {
        let view = reader.view()?;
        return crate::term::print(&dashboard::plain(&view));
    }
    let mut terminal = dashboard::enter()?;
    let result = watch_view(&mut terminal, &mut reader);
    restore_terminal();
    result
}

fn watch_view(terminal: &mut Term, reader: &mut Reader) -> Result<()> {
    let mut note = String::new();
    let mut view = reader.view()?;
    let mut read_at = Instant::now();
    loop {
        if read_at.elapsed() >= WATCH_EVERY {
            // A snapshot being replaced is read whole or not at all (atomic rename); a failed
            // read keeps the last view.
            if let Ok(v) = reader.view() {
                view = v;
            }
            read_at = Instant::now();
        }
        // A key's note; else the view's own (a folder gone).
        if !note.is_empty() {
            view.note.clone_from(&note);
        }
        terminal.draw(|f| render(f, &view))?;
        match next_key(FRAME) {
            Input::Key(Key::Quit) | Input::Gone => return Ok(()),
            // Into the current folder: the run's own belongs to the process that trains it.
            Input::Key(Key::Save) => {
                note = dashboard::save(view.snapshot.as_ref(), Some(Path::new(".")))
            }
            Input::Key(Key::Pause) => note = "p pauses only in the training process".to_string(),
            Input::Nothing => {}
        }
    }
}

/// Reads a run's `live.json` when it changed, its status from the lock and `run.json`.
struct Reader {
    dir: PathBuf,
    /// Size and modification time of `live.json` at the last read (`None`: it was missing).
    read: Option<(u64, Option<SystemTime>)>,
    snapshot: Option<Snapshot>,
}

impl Reader {
    fn new(dir: &Path) -> Reader {
        Reader {
            dir: dir.to_path_buf(),
            read: None,
            snapshot: None,
        }
    }

    /// The view of the run as it is now: `live.json` read again only when its size or
    /// modification time changed since the last read (which failed or not).
    fn view(&mut self) -> Result<View> {
        let path = self.dir.join(files::LIVE);
        let stamp = std::fs::metadata(&path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()));
        if self.snapshot.is_none() || stamp != self.read {
            self.read = stamp;
            match Snapshot::load(&self.dir) {
                Ok(snap) => self.snapshot = Some(snap),
                // The last snapshot stays shown; an unreadable first one is an error.
                Err(e) if self.snapshot.is_none() => return Err(e.into()),
                Err(_) => {}
            }
        }
        let snap = self.snapshot.clone().context("no snapshot")?;
        let gone = !self.dir.is_dir();
        let status = match is_locked(&self.dir) {
            true => Status::Running,
            false => match RunRecord::load(&self.dir).ok().flatten().map(|r| r.status) {
                Some(Status::Running) => Status::Killed,
                Some(s) => s,
                None => snap.status,
            },
        };
        let running = status == Status::Running && !gone;
        Ok(View {
            dir: Some(self.dir.clone()),
            step: Some(snap.step),
            steps: snap.steps,
            last: StepStats {
                d_loss: snap.last.d_loss,
                g_loss: snap.last.g_loss,
                d_real: snap.last.d_real,
                d_fake: snap.last.d_fake,
                d_fake_g: 0.0,
            },
            history: snap.history.points.clone(),
            per_s: snap.steps_per_s,
            ended: !running,
            elapsed: Duration::from_secs_f64(snap.elapsed_s.max(0.0)),
            status: match (gone, running) {
                (true, _) => "FOLDER GONE".to_string(),
                (false, true) => "running (watching)".to_string(),
                (false, false) => format!("{} (watching)", status.name()),
            },
            note: match gone {
                true => format!(
                    "{} is gone (moved or deleted): its last state",
                    text::echo_path(&self.dir)
                ),
                false => String::new(),
            },
            keys: "q close  s save figure",
            snapshot: Some(snap),
        })
    }
}
