//! Files: run folder names, atomic writes, bounded reads and CSV text.
//!
//! Every file curvegan writes is written atomically: the bytes go to a temporary file in the
//! same folder, which is flushed to disk (`fsync`) and then renamed over the target, so a
//! reader — or a crash — sees either the old file or the new one, never half of one. The
//! temporary, `.NAME.tmp-PID` (`.NAME.tmp-PID-N` when that name is taken), is created with
//! `O_CREAT|O_EXCL|O_NOFOLLOW`: never through a symlink planted at its name, never over a file
//! that is there. A run's files are written through its folder's descriptor ([`Dir`]), so a
//! run keeps writing its own folder when that folder is renamed or removed while it runs; a
//! user's output (`sample --out`, `report --out`) goes through [`write_atomic`], which first
//! removes the temporaries of that name left by processes that are not alive any more. Paths
//! that are not regular files (`/dev/null`, a FIFO, `-` for standard output) are written
//! directly instead: renaming over them would replace a device with a regular file.
//!
//! Every CSV file curvegan writes is built with [`CsvWriter`], which quotes a field only when
//! it must (RFC 4180).
//!
//! Weights files are [`crate::run::store::weights`]'s.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::config::MAX_BYTES;
use crate::data::input;
use crate::error::{Error, Result, READ};
pub use crate::run::store::csv_text::CsvWriter;

// File names inside a run folder.
/// The settings.
pub const CONFIG: &str = "config.toml";
/// Per-step metrics.
pub const METRICS: &str = "metrics.csv";
/// The largest [`METRICS`] read: [`MAX_BYTES`], more than the rows of the longest run a run's
/// memory allows.
pub const MAX_METRICS: u64 = MAX_BYTES;
/// The generator's weights.
pub const GENERATOR: &str = "generator.safetensors";
/// The generator as an ONNX model, written by `curvegan export` (see
/// [`crate::run::train::export`]).
pub const ONNX: &str = "generator.onnx";
/// The discriminator's weights.
pub const DISCRIMINATOR: &str = "discriminator.safetensors";
/// The loss curves.
pub const LOSSES: &str = "losses.png";
/// The evaluation metrics over the steps.
pub const METRICS_FIGURE: &str = "metrics.png";
/// The step figures in step order, animated.
pub const EVOLUTION: &str = "evolution.gif";
/// The largest step figure read back (for `evolution.gif` and reports; one is about 50 KB).
pub const MAX_FIGURE: u64 = 16 << 20;
/// The run's report: one self-contained HTML page (see [`crate::run::view::report`]).
pub const REPORT: &str = "report.html";
/// The folder of the best evaluation so far (with `keep_best`).
pub const BEST_DIR: &str = "best";
/// In [`BEST_DIR`]: which metric, its value and the step.
pub const BEST: &str = "best.json";
/// The largest [`BEST`] read.
pub const MAX_BEST: u64 = 1 << 16;
/// The checkpoint: weights, optimizer states, RNG state, step (see [`crate::run::store::checkpoint`]).
pub const CHECKPOINT: &str = "checkpoint.safetensors";
/// The lock a process holds while it writes the run folder (see [`crate::run::store::folder`]).
pub const LOCK: &str = ".lock";
/// The start of a TensorBoard event file's name (see [`crate::run::store::tensorboard`]).
pub const EVENTS_PREFIX: &str = "events.out.tfevents.";

/// When the run started and ended, how it ended, its name and tags (see [`crate::run::store::run_json`]).
pub const RUN_RECORD: &str = "run.json";
/// The largest [`RUN_RECORD`] read (it holds the command line of every session).
pub const MAX_RUN_RECORD: u64 = 16 << 20;

/// With a data file: its length, checksum and row length (see [`crate::run::store::data_json`]).
pub const DATA: &str = "data.json";
/// The largest [`DATA`] read.
pub const MAX_DATA_RECORD: u64 = 1 << 16;

/// A snapshot of the run for a live view of it (see [`crate::run::store::live_json`]).
pub const LIVE: &str = "live.json";
/// The largest [`LIVE`] read.
pub const MAX_LIVE: u64 = 64 << 20;

/// The folder new runs go into when no `--out` is given.
pub const RUNS: &str = "runs";
/// In a sweep's folder: one row per seed.
pub const SWEEP_CSV: &str = "sweep.csv";
/// A hyperparameter sweep's runs, a row each: `setting,seed,wall_s,…` ([`SWEEP_CSV`] holds a
/// row per setting there).
pub const RUNS_CSV: &str = "runs.csv";
/// In a benchmark's folder: one row per trial.
pub const BENCH_CSV: &str = "bench.csv";
/// In a benchmark's folder: the published rows and ours, as Markdown.
pub const BENCH_TABLE: &str = "table.md";
/// In a sweep's or benchmark's folder run on this machine: what it runs
/// ([`crate::run::scale::plan::Plan`]).
pub const SWEEP_PLAN: &str = "sweep.json";
/// In a sweep's or benchmark's folder submitted to Slurm: what was submitted
/// ([`crate::run::scale::slurm::Plan`]).
pub const SLURM_PLAN: &str = "slurm.json";
/// The largest [`SLURM_PLAN`] read.
pub const MAX_SLURM_PLAN: u64 = 4 << 20;
/// In a sweep's or benchmark's folder submitted to Slurm: the job-array script.
pub const SLURM_SCRIPT: &str = "slurm.sh";
/// In a sweep's or benchmark's folder submitted to Slurm: the array tasks' logs,
/// `task-I.log`.
pub const SLURM_LOGS: &str = "logs";

/// The first `ROOT/PREFIX-NNNN` (`train-0001`, `sweep-0001`, `bench-ring8-0001`, …) that does
/// not exist yet.
pub fn next_run_dir(root: &Path, prefix: &str) -> PathBuf {
    (1..)
        .map(|i| root.join(format!("{prefix}-{i:04}")))
        .find(|p| !p.exists())
        .unwrap_or_else(|| root.join(prefix))
}

/// Writes `bytes` to `path` atomically: temporary file in the same folder, fsync, rename.
/// Only a regular file, or a path that does not exist yet, is replaced so: `-` means standard
/// output, and anything else that exists and is not a regular file (a device such as
/// `/dev/null`, a FIFO) is written to directly and never replaced (see [`write_atomic_with`]).
///
/// Each of its five steps (create, write, fsync, rename, fsync of the folder) is a *write
/// point*, where the testing hook [`fault`] can kill the process or fail with an I/O error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |f| {
        f.write_all(bytes)
            .map_err(|e| Error::io("cannot write", path, e))
    })
}

/// Writes `path` as `write` fills it, atomically as [`write_atomic`] does (for output too large
/// to hold in memory); `-`, a device or a FIFO is written to directly. If `write` fails, the
/// temporary file is removed and its error returned. Before it writes, the temporaries of
/// `path`'s name that processes no longer alive left in its folder are removed
/// ([`is_temporary`]; symlinks are removed, never followed).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io("cannot write", path, e);
    if let Some(mut out) = special_target(path)? {
        write(&mut out)?;
        return out.flush().map_err(io);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::bad_file(path, "not a file name"))?;
    if !dir.is_dir() {
        return Err(Error::bad_file(
            path,
            format!(
                "cannot be written: the folder {} does not exist",
                dir.display()
            ),
        ));
    }
    let fd = open_dir(dir).map_err(io)?;
    remove_stale_temporaries(fd.as_fd(), name);
    write_in(fd.as_fd(), name, path, write)
}

/// The atomic write of `name` in the folder `dir` (`shown` names it in errors and at the
/// write points): a new temporary, `write`, fsync, rename, fsync of the folder.
fn write_in(
    dir: BorrowedFd,
    name: &OsStr,
    shown: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io("cannot write", shown, e);
    fault::point("create", shown).map_err(io)?;
    let (tmp, file) = create_temporary(dir, name).map_err(io)?;
    let result = (|| {
        let mut f = std::io::BufWriter::new(file);
        fault::point("write", shown).map_err(io)?;
        write(&mut f)?;
        let f = f.into_inner().map_err(|e| io(e.into_error()))?;
        fault::point("fsync", shown).map_err(io)?;
        f.sync_all().map_err(io)?;
        fault::point("rename", shown).map_err(io)?;
        rustix::fs::renameat(dir, &tmp, dir, name).map_err(|e| io(e.into()))?;
        // Make the rename itself durable; best effort, as not every file system can.
        if fault::point("fsync-dir", shown).is_ok() {
            let _ = rustix::fs::fsync(dir);
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = rustix::fs::unlinkat(dir, &tmp, AtFlags::empty());
    }
    result
}

/// Creates a new temporary file for `name` in `dir`: `.NAME.tmp-PID`, or `.NAME.tmp-PID-N`
/// when that name is taken, with `O_EXCL` (never an existing file) and `O_NOFOLLOW` (never
/// through a symlink, which `O_EXCL` refuses as existing too).
fn create_temporary(dir: BorrowedFd, name: &OsStr) -> std::io::Result<(OsString, fs::File)> {
    const TRIES: usize = 100;
    let pid = std::process::id();
    for n in 0..TRIES {
        let mut tmp = OsString::from(".");
        tmp.push(name);
        tmp.push(match n {
            0 => format!(".tmp-{pid}"),
            n => format!(".tmp-{pid}-{n}"),
        });
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(dir, &tmp, flags, Mode::from_raw_mode(0o666)) {
            Ok(fd) => return Ok((tmp, fs::File::from(fd))),
            Err(rustix::io::Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("the {TRIES} names of its temporary file are all taken"),
    ))
}

/// Removes the temporaries of `name` in `dir` whose process is not alive (a killed `sample
/// --out`, say): unlinked, so a symlink is removed itself, never what it points to. Best
/// effort: what cannot be listed or removed stays.
fn remove_stale_temporaries(dir: BorrowedFd, name: &OsStr) {
    let Ok(entries) = dir_entries(dir) else {
        return;
    };
    for (entry, _) in entries {
        let Some((target, pid)) = temporary_parts(entry.as_bytes()) else {
            continue;
        };
        if target == name.as_bytes() && !process_alive(pid) {
            let _ = rustix::fs::unlinkat(dir, &entry, AtFlags::empty());
        }
    }
}

/// True if the process `pid` exists (`kill(pid, 0)`; one of another user's counts).
fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

/// Opens the folder `path` for [`Dir`] and [`write_atomic`] (following a symlink there: the
/// path is the user's).
fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    Ok(rustix::fs::open(path, flags, Mode::empty())?)
}

/// The entries of the folder `dir` (without `.` and `..`), each with whether it is a folder
/// (a symlink to one is not).
fn dir_entries(dir: BorrowedFd) -> std::io::Result<Vec<(OsString, bool)>> {
    let mut list = rustix::fs::Dir::read_from(dir)?;
    let mut out = Vec::new();
    while let Some(entry) = list.read() {
        let entry = entry?;
        let name = OsStr::from_bytes(entry.file_name().to_bytes());
        if name == "." || name == ".." {
            continue;
        }
        let is_dir = match entry.file_type() {
            FileType::Unknown => {
                let stat = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
                FileType::from_raw_mode(stat.st_mode) == FileType::Directory
            }
            kind => kind == FileType::Directory,
        };
        out.push((name.to_os_string(), is_dir));
    }
    Ok(out)
}

/// A folder opened once, whose files are then written and read through its descriptor
/// (`openat`, `renameat`), never looked up again by path: renamed (`mv X X.old`) or removed
/// while a run writes it, it stays the run's folder, and a new folder at its old path is not
/// touched. Errors still name the files by the folder's path as it was given (`X/metrics.csv`).
///
/// Writes are atomic ([`write_atomic`]'s five write points, temporaries with `O_EXCL |
/// O_NOFOLLOW`); every name written is remembered ([`Dir::written`]).
#[derive(Debug, Clone)]
pub struct Dir {
    path: PathBuf,
    fd: Arc<OwnedFd>,
    written: Arc<Mutex<BTreeSet<String>>>,
}

impl Dir {
    /// Opens the folder `path` (a symlink there is followed: the path is the user's); a
    /// folder that cannot be opened is an error naming it.
    pub fn open(path: &Path) -> Result<Dir> {
        let fd = open_dir(path).map_err(|e| Error::io(READ, path, e))?;
        Ok(Dir {
            path: path.to_path_buf(),
            fd: Arc::new(fd),
            written: Arc::default(),
        })
    }

    /// The folder's path as it was given (what messages show).
    pub fn root(&self) -> &Path {
        &self.path
    }

    /// The path of `name` in the folder, for messages.
    pub fn path(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The folder's descriptor.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The folder `name` in this one, created if missing; a symlink there is refused, not
    /// followed.
    pub fn subdir(&self, name: &str) -> Result<Dir> {
        match rustix::fs::mkdirat(self.fd(), name, Mode::from_raw_mode(0o777)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(Error::io("cannot create", self.path(name), e.into())),
        }
        self.open_subdir(name)?.ok_or_else(|| {
            Error::io(
                "cannot open",
                self.path(name),
                std::io::ErrorKind::NotFound.into(),
            )
        })
    }

    /// The folder `name` in this one, `None` if there is none; a symlink there is refused,
    /// not followed.
    pub fn open_subdir(&self, name: &str) -> Result<Option<Dir>> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(self.fd(), name, flags, Mode::empty()) {
            Ok(fd) => Ok(Some(Dir {
                path: self.path(name),
                fd: Arc::new(fd),
                written: Arc::default(),
            })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(Error::io(READ, self.path(name), e.into())),
        }
    }

    /// Writes `bytes` to `name` atomically.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let shown = self.path(name);
        self.write_with(name, |f| {
            f.write_all(bytes)
                .map_err(|e| Error::io("cannot write", &shown, e))
        })
    }

    /// Writes `name` as `write` fills it, atomically; if `write` fails, the temporary file is
    /// removed and its error returned.
    pub fn write_with(
        &self,
        name: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<()>,
    ) -> Result<()> {
        write_in(self.fd(), OsStr::new(name), &self.path(name), write)?;
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written.insert(name.to_string());
        Ok(())
    }

    /// Appends `bytes` to the file `name` (created if missing) in one `write` with `O_APPEND`,
    /// then flushes it to disk: a crash leaves it with or without them (or a cut end, which a
    /// reader of whole records leaves out). Write points ([`fault`]): `append`, `fsync`.
    pub fn append(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let shown = self.path(name);
        let io = |e: std::io::Error| Error::io("cannot write", &shown, e);
        fault::point("append", &shown).map_err(io)?;
        let flags = OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW;
        let flags = flags | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(self.fd(), name, flags, Mode::from_raw_mode(0o666))
            .map_err(|e| io(e.into()))?;
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written.insert(name.to_string());
        drop(written);
        let mut file = fs::File::from(fd);
        file.write_all(bytes).map_err(io)?;
        fault::point("fsync", &shown).map_err(io)?;
        file.sync_data().map_err(io)
    }

    /// The names written through this folder (not its subfolders) by this process, sorted.
    pub fn written(&self) -> Vec<String> {
        let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        written.iter().cloned().collect()
    }

    /// Reads `name` whole, refusing more than `limit` bytes (as [`read_at_most`]).
    pub fn read_at_most(&self, name: &str, limit: u64) -> Result<Vec<u8>> {
        let path = self.path(name);
        // Non-blocking, so that a FIFO in a file's place does not block the open; it is then
        // refused as not a regular file.
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let file = rustix::fs::openat(self.fd(), name, flags, Mode::empty())
            .map_err(|e| Error::io(READ, &path, e.into()))?;
        input::read_regular_file(fs::File::from(file), &path, limit)
    }

    /// The first `bytes` bytes of the regular file `name` (fewer if it is shorter), refusing
    /// anything that is not a regular file as [`Dir::read_at_most`] does.
    pub fn read_prefix(&self, name: &str, bytes: u64) -> Result<Vec<u8>> {
        use std::io::Read;
        let path = self.path(name);
        let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = rustix::fs::openat(self.fd(), name, flags, Mode::empty())
            .map_err(|e| Error::io(READ, &path, e.into()))?;
        let file = fs::File::from(fd);
        let meta = file.metadata().map_err(|e| Error::io(READ, &path, e))?;
        if !meta.is_file() {
            return Err(Error::bad_file(
                &path,
                "is not a regular file (a FIFO, a device or a folder): curvegan writes a regular file there",
            ));
        }
        let mut out = Vec::new();
        file.take(bytes)
            .read_to_end(&mut out)
            .map_err(|e| Error::io(READ, &path, e))?;
        Ok(out)
    }

    /// True if `name` is a regular file (following a symlink, as [`Path::is_file`]).
    pub fn is_file(&self, name: &str) -> bool {
        rustix::fs::statat(self.fd(), name, AtFlags::empty())
            .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::RegularFile)
    }

    /// The names in the folder, each with whether it is a folder (a symlink is not one).
    pub fn entries(&self) -> Result<Vec<(String, bool)>> {
        let list = dir_entries(self.fd()).map_err(|e| Error::io(READ, &self.path, e))?;
        Ok(list
            .into_iter()
            .map(|(name, is_dir)| (name.to_string_lossy().into_owned(), is_dir))
            .collect())
    }

    /// Removes the file (or symlink) `name`.
    pub fn remove_file(&self, name: &str) -> Result<()> {
        rustix::fs::unlinkat(self.fd(), name, AtFlags::empty())
            .map_err(|e| Error::io("cannot remove", self.path(name), e.into()))
    }

    /// True while the folder's path still leads to this folder (same device and inode).
    pub fn is_at_its_path(&self) -> bool {
        let (Ok(open), Ok(there)) = (rustix::fs::fstat(self.fd()), fs::metadata(&self.path)) else {
            return false;
        };
        use std::os::unix::fs::MetadataExt;
        open.st_dev == there.dev() && open.st_ino == there.ino()
    }
}

/// The name of the figure a live view saves at `step` (the `s` key): `live_step_01000.png`.
pub fn live_figure(step: usize) -> String {
    format!("live_{}", step_figure(step))
}

/// True for a name [`live_figure`] gives.
pub fn is_live_figure(name: &str) -> bool {
    name.strip_prefix("live_").is_some_and(is_step_figure)
}

/// The name of the step figure at `step`: `step_00000.png`, `step_01000.png`, …
pub fn step_figure(step: usize) -> String {
    format!("step_{step:05}.png")
}

/// True for a name [`step_figure`] gives.
pub fn is_step_figure(name: &str) -> bool {
    name.strip_prefix("step_")
        .and_then(|n| n.strip_suffix(".png"))
        .is_some_and(|n| n.len() >= 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The step of a name [`step_figure`] gives, `None` for any other name.
pub fn figure_step(name: &str) -> Option<usize> {
    is_step_figure(name).then(|| name["step_".len()..name.len() - ".png".len()].parse().ok())?
}

/// The name of a run's TensorBoard event file, as TensorFlow names them:
/// `events.out.tfevents.SECONDS.HOST.curvegan`.
pub fn events_file(seconds: u64, host: &str) -> String {
    format!("{EVENTS_PREFIX}{seconds}.{host}.curvegan")
}

/// True for a name [`events_file`] gives.
pub fn is_events_file(name: &str) -> bool {
    name.starts_with(EVENTS_PREFIX) && name.ends_with(".curvegan")
}

/// The step figures in `dir` of the steps before `steps`, in step order, with their names.
pub fn step_figures(dir: &Dir, steps: usize) -> Result<Vec<(usize, String)>> {
    let mut figures: Vec<(usize, String)> = (dir.entries()?.into_iter())
        .filter_map(|(name, _)| Some((figure_step(&name).filter(|&s| s < steps)?, name)))
        .collect();
    figures.sort();
    Ok(figures)
}

/// True for the name of a temporary file of [`write_atomic`], `.NAME.tmp-PID` or
/// `.NAME.tmp-PID-N`: one a killed process left behind.
pub fn is_temporary(name: &str) -> bool {
    temporary_parts(name.as_bytes()).is_some()
}

/// `(NAME, PID)` of a temporary's name `.NAME.tmp-PID` or `.NAME.tmp-PID-N`.
fn temporary_parts(name: &[u8]) -> Option<(&[u8], u32)> {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let rest = name.strip_prefix(b".")?;
    let at = rest.windows(5).rposition(|w| w == b".tmp-")?;
    let (target, tail) = (&rest[..at], &rest[at + 5..]);
    let pid = match tail.iter().position(|&b| b == b'-') {
        Some(dash) if digits(&tail[dash + 1..]) => &tail[..dash],
        Some(_) => return None,
        None => tail,
    };
    if target.is_empty() || !digits(pid) {
        return None;
    }
    // A PID too large for a u32 is no live process.
    let pid = std::str::from_utf8(pid).ok()?.parse().unwrap_or(u32::MAX);
    Some((target, pid))
}

/// Where a write to `path` goes straight, without a temporary file and a rename: standard
/// output for `-`, and an existing path that is not a regular file (a device, a FIFO: renaming
/// over one would replace it with a regular file). `None` for a regular file or a new path.
fn special_target(path: &Path) -> Result<Option<Box<dyn Write>>> {
    if path == Path::new("-") {
        return Ok(Some(Box::new(std::io::stdout().lock())));
    }
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(Error::bad_file(path, "is a folder, not a file")),
        Ok(m) if !m.is_file() => {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| Error::io("cannot write", path, e))?;
            Ok(Some(Box::new(f)))
        }
        _ => Ok(None),
    }
}

/// A testing hook, off unless the environment variable `CURVEGAN_FAULT` is set: it numbers
/// the write points of [`write_atomic`] in the process (1, 2, …) and injects a fault at one.
///
/// - `CURVEGAN_FAULT=count`: prints `curvegan-fault: write point N: STEP PATH` to stderr at
///   every write point, and injects nothing;
/// - `CURVEGAN_FAULT=write:N:kill`: at the N-th write point, exits at once with code 137 (as
///   SIGKILL would: no cleanup, temporary files left as they are);
/// - `CURVEGAN_FAULT=write:N:eio`: the N-th write point fails with an I/O error (at the
///   folder's fsync, which is best effort, the error is ignored as a real one would be).
///
/// The CLI tests (`tests/system/faults.rs`) use it to kill or fail a small run at every one of its
/// write points in turn, then check that it recovers exactly.
pub mod fault {
    use std::io;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::OnceLock;

    /// The environment variable read.
    pub const VAR: &str = "CURVEGAN_FAULT";

    /// What to inject where; read once per process.
    enum Plan {
        Off,
        Count,
        Kill(usize),
        Eio(usize),
        Malformed(String),
    }

    fn plan() -> &'static Plan {
        static PLAN: OnceLock<Plan> = OnceLock::new();
        PLAN.get_or_init(|| {
            let Ok(v) = std::env::var(VAR) else {
                return Plan::Off;
            };
            let parts: Vec<&str> = v.split(':').collect();
            match parts[..] {
                ["count"] => Plan::Count,
                ["write", n, kind] => match (n.parse::<usize>(), kind) {
                    (Ok(n), "kill") => Plan::Kill(n),
                    (Ok(n), "eio") => Plan::Eio(n),
                    _ => Plan::Malformed(v),
                },
                _ => Plan::Malformed(v),
            }
        })
    }

    /// One write point: `step` of the write of `path`.
    pub(super) fn point(step: &str, path: &Path) -> io::Result<()> {
        static POINTS: AtomicUsize = AtomicUsize::new(0);
        let plan = plan();
        if let Plan::Off = plan {
            return Ok(());
        }
        let n = POINTS.fetch_add(1, Ordering::SeqCst) + 1;
        let at = || format!("write point {n}: {step} {}", path.display());
        match *plan {
            Plan::Count => eprintln!("curvegan-fault: {}", at()),
            Plan::Kill(k) if k == n => {
                eprintln!("curvegan-fault: killed at {}", at());
                std::process::exit(137);
            }
            Plan::Eio(k) if k == n => {
                return Err(io::Error::other(format!("injected I/O error at {}", at())));
            }
            Plan::Malformed(ref v) => {
                return Err(io::Error::other(format!(
                    "{VAR}='{v}' is not 'count', 'write:N:kill' or 'write:N:eio'"
                )));
            }
            _ => {}
        }
        Ok(())
    }
}

/// Reads the run folder's file `path` whole, but refuses a file of more than `limit` bytes
/// before holding it, and anything that is not a regular file (a FIFO, a device such as
/// `/dev/zero`: curvegan writes regular files) at once, without waiting for a FIFO's writer
/// ([`input::read_regular`]).
pub fn read_at_most(path: &Path, limit: u64) -> Result<Vec<u8>> {
    input::read_regular(path, limit)
}
