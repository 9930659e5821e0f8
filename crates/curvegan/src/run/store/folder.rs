//! Opening a run folder for writing: create it (and the missing folders above it), lock it, and
//! clear what an earlier run or a killed process left in it.
//!
//! A process that writes a run folder holds an exclusive OS lock on the folder's
//! [`files::LOCK`] file for as long as it writes ([`std::fs::File::try_lock`]). The kernel
//! releases the lock when the process ends, however it ends, so a lock is never stale and
//! never needs removing; the empty `.lock` file stays in the folder. A second process that
//! finds the folder locked fails with an error naming the folder, before it changes anything.
//! The folder is opened once ([`Dir`]): the lock file and every file of the run are opened
//! through that descriptor, so the lock always guards the folder the run writes, even once it
//! has been renamed or removed and another folder made at its path.
//!
//! `force` replaces a run: it removes the files curvegan writes into a run folder (the names in
//! [`files`], the step figures, TensorBoard's event files, `best/` and what curvegan writes
//! there, temporary files of [`files::write_atomic`]). Before it removes anything it checks
//! the whole tree — every name must be one curvegan writes, else the folder is refused naming
//! the file, so that no file of the user's is ever removed — and that everything can be removed
//! (each folder writable and searchable, no file immutable or append-only), so that it never
//! stops halfway.
//! A folder that holds nothing but `.lock` counts as empty.

use std::fs::{self, File, TryLockError};
use std::os::fd::BorrowedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{Access, AtFlags, Mode, OFlags, StatxAttributes, StatxFlags};

use crate::error::{Error, Result};
use crate::run::store::files::{self, Dir};

/// A run folder this process writes, locked until it is dropped.
#[derive(Debug)]
pub struct RunFolder {
    dir: Dir,
    /// The folders this process created for it, outermost first (the run folder last).
    created: Vec<PathBuf>,
    /// True if this process created the lock file.
    lock_created: bool,
    _lock: File,
}

impl RunFolder {
    /// Opens `dir` for a new run: creates it and the missing folders above it, locks it, and
    /// with `force` removes the run that was there. Without `force` a non-empty folder is an
    /// error; with it, a folder holding anything curvegan does not write (in `best/` too), or
    /// a run it could not remove whole, is one. Errors name `--out` and the folder (and the
    /// file), and leave the folder as it was.
    pub fn create(dir: &Path, force: bool) -> Result<RunFolder> {
        // Checked once before the lock file is made, so that a refused folder stays untouched,
        // and again under the lock, since another process may have written it meanwhile.
        check_replaceable(dir, force)?;
        let created = create_dirs(dir, "out")?;
        let (opened, lock) = match Dir::open(dir).and_then(|d| Ok((lock(&d, "out")?, d))) {
            Ok((lock, d)) => (d, lock),
            Err(e) => {
                remove_empty(&created);
                return Err(e);
            }
        };
        let folder = RunFolder {
            dir: opened,
            created,
            lock_created: lock.1,
            _lock: lock.0,
        };
        if let Err(e) =
            check_replaceable_dir(&folder.dir, force).and_then(|()| remove_run(&folder.dir))
        {
            folder.remove_written();
            return Err(e);
        }
        Ok(folder)
    }

    /// Locks the existing run folder `dir` (to resume it); `option` is named in the error.
    pub fn open(dir: &Path, option: &str) -> Result<RunFolder> {
        let opened = Dir::open(dir)?;
        let (lock, lock_created) = lock(&opened, option)?;
        Ok(RunFolder {
            dir: opened,
            created: Vec::new(),
            lock_created,
            _lock: lock,
        })
    }

    /// The folder, open: every file of the run is written and read through it.
    pub fn dir(&self) -> &Dir {
        &self.dir
    }

    /// Removes the temporary files killed processes left in the folder and in its `best/`:
    /// the lock guarantees that no other process is writing them.
    pub fn remove_temporaries(&self) -> Result<()> {
        let best = self.dir.open_subdir(files::BEST_DIR).ok().flatten();
        for dir in std::iter::once(&self.dir).chain(&best) {
            for (name, _) in dir.entries()? {
                if files::is_temporary(&name) {
                    dir.remove_file(&name)?;
                }
            }
        }
        Ok(())
    }

    /// Removes the files this process wrote into the folder, and the lock file if it made it
    /// and nothing else is left; then the folder, if it created it and it is empty (and still
    /// at its path), and the empty folders above it that it created: what a run that failed
    /// before it trained does. Files it did not write, the user's, stay.
    pub fn remove_written(self) {
        for name in self.dir.written() {
            let _ = self.dir.remove_file(&name);
        }
        let left = self.dir.entries().unwrap_or_default();
        if self.lock_created && left.iter().all(|(name, _)| name == files::LOCK) {
            let _ = self.dir.remove_file(files::LOCK);
        }
        let mut created = self.created.as_slice();
        if created.last().map(PathBuf::as_path) == Some(self.dir.root()) {
            if self.dir.is_at_its_path() {
                let _ = fs::remove_dir(self.dir.root());
            }
            created = &created[..created.len() - 1];
        }
        remove_empty(created);
    }
}

/// Refuses a non-empty `dir` unless `force` (the error names `--out`, the folder and
/// `--force`); an absent folder, or one holding only [`files::LOCK`], is fine.
pub fn check_empty(dir: &Path, force: bool) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(Error::config(
            "out",
            format!("{} exists and is not a folder", dir.display()),
        ));
    }
    let non_empty = entries(dir)?.iter().any(|(name, _)| name != files::LOCK);
    if non_empty && !force {
        return Err(not_empty(dir));
    }
    Ok(())
}

/// What [`RunFolder::create`] checks before it removes anything, for the folder at `dir`:
/// [`check_empty`], and with `force` that the folder holds nothing but a curvegan run that can
/// be removed whole (a sweep replacing its runs checks every one first).
pub fn check_replaceable(dir: &Path, force: bool) -> Result<()> {
    match dir.is_dir() {
        true => check_replaceable_dir(&Dir::open(dir)?, force),
        false => check_empty(dir, force),
    }
}

fn not_empty(dir: &Path) -> Error {
    Error::config(
        "out",
        format!(
            "{} exists and is not empty; pass `force` to write into it",
            dir.display()
        ),
    )
}

/// Refuses a non-empty `dir` unless `force`, and with `force` a folder holding anything
/// curvegan does not write into a run folder (in `best/` too), or whose run could not be
/// removed whole ([`check_removable`]).
fn check_replaceable_dir(dir: &Dir, force: bool) -> Result<()> {
    let top = dir.entries()?;
    let mine: Vec<&(String, bool)> = top.iter().filter(|(n, _)| n != files::LOCK).collect();
    if mine.is_empty() {
        return Ok(());
    }
    if !force {
        return Err(not_empty(dir.root()));
    }
    let foreign = |name: &str| {
        Error::config(
            "out",
            format!(
                "{} holds '{name}', which is not a file of a curvegan run; `force` replaces only a run folder, so remove it yourself or choose another `out`",
                dir.root().display()
            ),
        )
    };
    let mut best = None;
    for (name, is_dir) in &mine {
        match (*is_dir, name.as_str()) {
            (true, files::BEST_DIR) => best = dir.open_subdir(files::BEST_DIR)?,
            (false, name) if is_run_file(name) => {}
            _ => return Err(foreign(name)),
        }
    }
    let best_entries = match &best {
        Some(b) => b.entries()?,
        None => Vec::new(),
    };
    if let Some((name, _)) = (best_entries.iter()).find(|(n, is_dir)| *is_dir || !is_best_file(n)) {
        return Err(foreign(&format!("{}/{name}", files::BEST_DIR)));
    }
    check_removable(dir.root(), dir, mine.iter().map(|(n, _)| n.as_str()))?;
    if let Some(b) = &best {
        check_removable(dir.root(), b, best_entries.iter().map(|(n, _)| n.as_str()))?;
    }
    Ok(())
}

/// Checks that the entries `names` of `dir` (the run folder `run` or its `best/`) can be
/// removed: `dir` writable and searchable by this process, and no entry immutable or
/// append-only (`chattr +i`, `+a`) nor, in a folder with the sticky bit, owned by another user.
/// The error names `--out`, the run and what is in the way.
fn check_removable<'a>(run: &Path, dir: &Dir, names: impl Iterator<Item = &'a str>) -> Result<()> {
    let refuse = |what: String| {
        Error::config(
            "out",
            format!(
                "`force` cannot replace the run in {}: {what}; nothing was removed",
                run.display()
            ),
        )
    };
    let fd = dir.fd();
    let access = Access::WRITE_OK | Access::EXEC_OK;
    if let Err(e) = rustix::fs::accessat(fd, ".", access, AtFlags::EACCESS) {
        return Err(refuse(format!(
            "the folder {} cannot be written ({})",
            dir.root().display(),
            std::io::Error::from(e)
        )));
    }
    let folder =
        rustix::fs::fstat(fd).map_err(|e| Error::io("cannot read", dir.root(), e.into()))?;
    let sticky = folder.st_mode & 0o1000 != 0;
    let me = rustix::process::geteuid();
    for name in names {
        let Ok(stat) = statx(fd, name) else { continue };
        let locked = StatxAttributes::IMMUTABLE | StatxAttributes::APPEND;
        if stat.stx_attributes.intersects(locked) {
            return Err(refuse(format!(
                "{} is immutable or append-only (chattr +i or +a)",
                dir.path(name).display()
            )));
        }
        let owner = |uid: u32| uid == me.as_raw();
        if sticky && !me.is_root() && !owner(stat.stx_uid) && !owner(folder.st_uid) {
            return Err(refuse(format!(
                "{} belongs to another user in a folder with the sticky bit",
                dir.path(name).display()
            )));
        }
    }
    Ok(())
}

/// `statx` of `name` in `dir`, not following a symlink.
fn statx(dir: BorrowedFd, name: &str) -> rustix::io::Result<rustix::fs::Statx> {
    rustix::fs::statx(
        dir,
        name,
        AtFlags::SYMLINK_NOFOLLOW,
        StatxFlags::BASIC_STATS,
    )
}

/// The names curvegan writes at the top of a run folder, besides [`files::BEST_DIR`], the step
/// figures, the live view's figures and temporary files.
const RUN_FILES: [&str; 14] = [
    files::CONFIG,
    files::RUN_RECORD,
    files::DATA,
    files::METRICS,
    files::GENERATOR,
    files::DISCRIMINATOR,
    files::LOSSES,
    files::METRICS_FIGURE,
    files::EVOLUTION,
    files::REPORT,
    files::CHECKPOINT,
    files::LOCK,
    files::ONNX,
    files::LIVE,
];

/// The names curvegan writes into a run's [`files::BEST_DIR`], besides temporary files.
const BEST_FILES: [&str; 6] = [
    files::CONFIG,
    files::GENERATOR,
    files::ONNX,
    files::DISCRIMINATOR,
    files::BEST,
    files::DATA,
];

/// True for the name of a file curvegan writes at the top of a run folder: a run's file, a
/// step figure, a figure of the live view, a TensorBoard event file, a temporary file
/// ([`files::BEST_DIR`] is a folder).
pub fn is_run_file(name: &str) -> bool {
    RUN_FILES.contains(&name)
        || files::is_step_figure(name)
        || files::is_live_figure(name)
        || files::is_events_file(name)
        || files::is_temporary(name)
}

/// True for the name of a file curvegan writes into a run's [`files::BEST_DIR`].
pub fn is_best_file(name: &str) -> bool {
    BEST_FILES.contains(&name) || files::is_temporary(name)
}

/// Removes every file and folder of the run in `dir` but the lock (the caller has checked
/// that there is nothing else, and that it can all be removed).
fn remove_run(dir: &Dir) -> Result<()> {
    for (name, is_dir) in dir.entries()? {
        if name == files::LOCK {
            continue;
        }
        if !is_dir {
            dir.remove_file(&name)?;
            continue;
        }
        if let Some(best) = dir.open_subdir(&name)? {
            for (inner, _) in best.entries()? {
                best.remove_file(&inner)?;
            }
        }
        rustix::fs::unlinkat(dir.fd(), name.as_str(), AtFlags::REMOVEDIR)
            .map_err(|e| Error::io("cannot remove", dir.path(&name), e.into()))?;
    }
    Ok(())
}

/// The names in `dir`, each with whether it is a folder.
fn entries(dir: &Path) -> Result<Vec<(String, bool)>> {
    let read = |e| Error::io("cannot read", dir, e);
    fs::read_dir(dir)
        .map_err(read)?
        .map(|entry| {
            let entry = entry.map_err(read)?;
            let is_dir = entry.file_type().map_err(read)?.is_dir();
            Ok((entry.file_name().to_string_lossy().into_owned(), is_dir))
        })
        .collect()
}

/// Creates `dir` and the missing folders above it; returns those this process created,
/// outermost first (a folder another process creates meanwhile is not among them). An error
/// names `option` and removes what was created.
pub fn create_dirs(dir: &Path, option: &str) -> Result<Vec<PathBuf>> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .collect();
    let mut created = Vec::new();
    for path in missing.into_iter().rev() {
        match fs::create_dir(path) {
            Ok(()) => created.push(path.to_path_buf()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
            Err(e) => {
                remove_empty(&created);
                return Err(Error::config(
                    option,
                    format!("cannot create folder {}: {e}", path.display()),
                ));
            }
        }
    }
    Ok(created)
}

/// Removes the folders of `created` (outermost first) that are empty, innermost first.
pub fn remove_empty(created: &[PathBuf]) {
    for path in created.iter().rev() {
        match fs::remove_dir(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => break,
            _ => {}
        }
    }
}

/// True if a process holds the lock of the run folder `dir` — it is writing it now. Tested
/// with a shared lock, taken and released at once (a writer that starts in that instant is
/// refused as if another writer held the folder). False when there is no lock file.
pub fn is_locked(dir: &Path) -> bool {
    // Opened without waiting (a FIFO in its place would block an open), and only a regular
    // file: curvegan locks no other.
    match crate::data::input::open_regular(&dir.join(files::LOCK)) {
        Ok(file) => matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Opens (or creates, through the folder's descriptor, never through a symlink) `dir`'s lock
/// file and locks it, or fails naming the folder and `option`; true with it if this process
/// created the file.
fn lock(dir: &Dir, option: &str) -> Result<(File, bool)> {
    let path = dir.path(files::LOCK);
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let mode = Mode::from_raw_mode(0o666);
    let open = |flags| rustix::fs::openat(dir.fd(), files::LOCK, flags, mode);
    let (fd, created) = match open(flags | OFlags::EXCL) {
        Ok(fd) => (Ok(fd), true),
        Err(rustix::io::Errno::EXIST) => (open(flags), false),
        Err(e) => (Err(e), false),
    };
    let file = File::from(fd.map_err(|e| Error::io("cannot open", &path, e.into()))?);
    match file.try_lock() {
        Ok(()) => Ok((file, created)),
        Err(TryLockError::WouldBlock) => Err(Error::config(
            option,
            format!(
                "{} is being written by another curvegan process (it holds {}); wait for it to end or choose another folder",
                dir.root().display(),
                files::LOCK
            ),
        )),
        Err(TryLockError::Error(e)) => Err(Error::io("cannot lock", &path, e)),
    }
}

/// Refuses (naming `out`) an output `out` of a command that reads the run folder `run`
/// (`doing`: `sampling`, `exporting`) when it is a file of a run: a name curvegan writes into a
/// run folder or its `best/` (the folder holds `config.toml`), but for `own`, the name of the
/// file the command itself writes there; or the very file of one of the files of the run (its
/// folder, its `best/`, the run above a `best/`) reached another way — a symlink, a hard link,
/// another path. Writing it would overwrite the run (its weights, its checkpoint, its config).
pub fn check_out(out: &Path, run: &Path, doing: &str, own: Option<&str>) -> Result<()> {
    if out == Path::new("-") {
        return Ok(());
    }
    let refuse = |what: String| {
        Error::config(
            "out",
            format!(
                "{} {what}; {doing} would overwrite it, so choose another file",
                out.display()
            ),
        )
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
    if let Some(name) = name.filter(|n| Some(n.as_str()) != own) {
        let run_file = is_run_file(&name) || is_best_file(&name);
        if run_file && parent.join(files::CONFIG).is_file() {
            return Err(refuse(format!(
                "is '{name}' of the run folder {}",
                parent.display()
            )));
        }
    }
    // The same file reached another way: compare device and inode.
    let id = |m: fs::Metadata| (m.dev(), m.ino());
    let targets: Vec<(u64, u64)> = [fs::metadata(out), fs::symlink_metadata(out)]
        .into_iter()
        .filter_map(|m| m.ok().map(id))
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let mut folders = vec![run.to_path_buf(), run.join(files::BEST_DIR)];
    if run.file_name() == Some(files::BEST_DIR.as_ref()) {
        folders.extend(run.parent().map(Path::to_path_buf));
    }
    for folder in folders {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            if own.is_some_and(|own| entry.file_name() == own) {
                continue;
            }
            let path = entry.path();
            let same = |m: fs::Metadata| !m.is_dir() && targets.contains(&id(m));
            if fs::metadata(&path).is_ok_and(same) {
                return Err(refuse(format!(
                    "is the run's file {} (the same file)",
                    path.display()
                )));
            }
        }
    }
    Ok(())
}
