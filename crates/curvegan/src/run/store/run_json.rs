//! The records of a run: `run.json` and `best/best.json` ([`Best`]).
//!
//! `run.json`: when a run started and ended, how it ended, what ran it and the labels its user
//! gave it (`--name`, `--tag`). Written at the start of a run (status `running`) and at its end,
//! atomically; a resume keeps the original start and adds itself to `resumes`.
//!
//! It describes the run, it does not define it: nothing here enters `config.toml`, so training
//! from a run's `config.toml` still repeats it byte for byte.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::run::store::files::{self, Dir};

/// The best value of the watched metric so far, as written to `best/best.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The metric.
    pub metric: String,
    /// Its best value.
    pub value: f64,
    /// The step of the evaluation that gave it.
    pub step: usize,
}

/// How a run ended, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A process is training it (listings check the folder's lock).
    Running,
    /// It trained all its steps.
    Finished,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP) stopped it at a checkpoint; it can be resumed.
    Stopped,
    /// Early stopping ended it.
    EarlyStopped,
    /// An error ended it (see [`RunRecord::error`]).
    Failed,
    /// Only in listings ([`crate::run::store::listing`]), never in `run.json`: the record says
    /// running but no process holds the folder's lock, so the process was killed; the run
    /// resumes from its last checkpoint.
    Killed,
}

impl Status {
    /// The name written in `run.json`: `running`, `finished`, `stopped`, `early-stopped`,
    /// `failed`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Finished => "finished",
            Status::Stopped => "stopped",
            Status::EarlyStopped => "early-stopped",
            Status::Failed => "failed",
            Status::Killed => "killed",
        }
    }
}

/// A moment, as seconds since the Unix epoch and as RFC 3339 UTC text
/// (`2026-12-02T05:34:48Z`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Time {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: u64,
    /// The same moment in RFC 3339, UTC.
    pub utc: String,
}

impl Time {
    /// The moment `unix` seconds after the epoch.
    pub fn from_unix(unix: u64) -> Time {
        Time {
            unix,
            utc: rfc3339(unix),
        }
    }

    /// Now, by the system clock (the epoch if the clock is before it).
    pub fn now() -> Time {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        Time::from_unix(unix)
    }
}

/// RFC 3339 UTC text of `unix` seconds since the epoch, from the civil calendar
/// (Howard Hinnant's `civil_from_days`).
fn rfc3339(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March first
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// A later session of the run (`curvegan resume`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resume {
    /// When it started.
    pub at: Time,
    /// Its command line.
    pub command: Vec<String>,
}

/// How a run is labelled and what started it: given to [`crate::train`] as data (the library
/// never reads the process's arguments itself).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Label {
    /// A name for the run (`--name`); listings show it instead of the folder's name.
    pub name: Option<String>,
    /// Tags (`--tag`, repeatable).
    pub tags: Vec<String>,
    /// The command line that started the run (empty when not run from a command line).
    pub command: Vec<String>,
}

/// The most bytes a run's name and tags may hold in all. `run.json` holds them twice (as
/// themselves and in the command line) and is read back with a limit of [`files::MAX_RUN_RECORD`]; this
/// leaves room for the rest of the command line, an error and the resumes.
pub const MAX_LABEL_BYTES: usize = 64 << 10;

impl Label {
    /// Refuses a name and tags of more than [`MAX_LABEL_BYTES`] in all, which `run.json`
    /// could not read back: the error names `--name` (or `--tag`, when the tags overflow),
    /// the size and the limit.
    pub fn validate(&self) -> Result<()> {
        let name = self.name.as_ref().map_or(0, String::len);
        let tags: usize = self.tags.iter().map(String::len).sum();
        if name + tags <= MAX_LABEL_BYTES {
            return Ok(());
        }
        let (option, what) = match name > MAX_LABEL_BYTES {
            true => ("name", format!("the name holds {name} bytes")),
            false => (
                if tags > 0 { "tag" } else { "name" },
                format!(
                    "the name and the {} tags hold {} bytes in all",
                    self.tags.len(),
                    name + tags
                ),
            ),
        };
        Err(Error::config(
            option,
            format!(
                "{what}, above the limit of {MAX_LABEL_BYTES} bytes (run.json must stay readable)"
            ),
        ))
    }
}

/// The content of `run.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's name (`--name`), if it was given one.
    pub name: Option<String>,
    /// Its tags (`--tag`).
    pub tags: Vec<String>,
    /// How it ended, or `running`.
    pub status: Status,
    /// The error that ended it, with status `failed` (or the stop's message, with `stopped`).
    pub error: Option<String>,
    /// When it first started.
    pub start: Time,
    /// When it last ended (absent while running).
    pub end: Option<Time>,
    /// Seconds spent running, over all its sessions (the first and every resume) that ended.
    pub duration_s: f64,
    /// The curvegan version that started it.
    pub version: String,
    /// The command line that started it.
    pub command: Vec<String>,
    /// The logical cores of the machine that started it.
    pub cores: usize,
    /// Every resume, oldest first.
    pub resumes: Vec<Resume>,
}

/// Logical cores of this machine (1 when unknown).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl RunRecord {
    /// The record of a run starting now.
    pub fn start(label: &Label) -> RunRecord {
        RunRecord {
            name: label.name.clone(),
            tags: label.tags.clone(),
            status: Status::Running,
            error: None,
            start: Time::now(),
            end: None,
            duration_s: 0.0,
            version: env!("CARGO_PKG_VERSION").to_string(),
            command: label.command.clone(),
            cores: cores(),
            resumes: Vec::new(),
        }
    }

    /// The record of `dir`'s run, now resumed by `command`: the saved one (with its start),
    /// or a new one for a run older than `run.json`.
    pub fn resumed(dir: &Dir, command: &[String]) -> Result<RunRecord> {
        let resume = Resume {
            at: Time::now(),
            command: command.to_vec(),
        };
        Ok(match RunRecord::load_in(dir)? {
            Some(mut record) => {
                record.status = Status::Running;
                record.error = None;
                record.end = None;
                record.resumes.push(resume);
                record
            }
            None => RunRecord {
                command: Vec::new(),
                ..RunRecord::start(&Label::default())
            }
            .with_resume(resume),
        })
    }

    fn with_resume(mut self, resume: Resume) -> RunRecord {
        self.resumes.push(resume);
        self
    }

    /// Reads `dir`'s `run.json`; `None` if there is none.
    pub fn load(dir: &Path) -> Result<Option<RunRecord>> {
        let path = dir.join(files::RUN_RECORD);
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = files::read_at_most(&path, files::MAX_RUN_RECORD)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::bad_file(&path, format!("is not a valid run record: {e}")))
    }

    /// [`RunRecord::load`] through the open run folder `dir`.
    pub fn load_in(dir: &Dir) -> Result<Option<RunRecord>> {
        if !dir.is_file(files::RUN_RECORD) {
            return Ok(None);
        }
        let bytes = dir.read_at_most(files::RUN_RECORD, 1 << 20)?;
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            Error::bad_file(
                dir.path(files::RUN_RECORD),
                format!("is not a valid run record: {e}"),
            )
        })
    }

    /// Writes it to `dir`'s `run.json`, atomically.
    pub fn save(&self, dir: &Dir) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Serialize(format!("{}: {e}", files::RUN_RECORD)))?;
        dir.write(files::RUN_RECORD, (json + "\n").as_bytes())
    }

    /// Records the end of the session that ran for `session`: `status`, and the error's
    /// message when there is one.
    pub fn end(&mut self, status: Status, error: Option<String>, session: Duration) {
        self.status = status;
        self.error = error;
        self.end = Some(Time::now());
        self.duration_s += session.as_secs_f64();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }
}
