//! Opening a run folder for writing: create it (and the missing folders above it), lock it, and
//! clear what an earlier run or a killed process left in it.
//!
//! A process that writes a run folder holds an exclusive OS lock on the folder's
//! [`files::LOCK`] file for as long as it writes ([`std::fs::File::try_lock`]). The kernel
//! releases the lock when the process ends, however it ends, so a lock is never stale and
//! never needs removing; the empty `.lock` file stays in the folder. A second process that
//! finds the folder locked fails with an error naming the folder, before it changes anything.
//!
//! `force` replaces a run: it removes the files curvegan writes into a run folder (the names in
//! [`files`], the step figures, `best/`, temporary files of [`files::write_atomic`]) and
//! refuses a folder that holds anything else, so that no file of the user's is ever removed.
//! A folder that holds nothing but `.lock` counts as empty.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::run::files;

/// A run folder this process writes, locked until it is dropped.
#[derive(Debug)]
pub struct RunFolder {
    dir: PathBuf,
    /// The folders this process created for it, outermost first (the run folder last).
    created: Vec<PathBuf>,
    _lock: File,
}

impl RunFolder {
    /// Opens `dir` for a new run: creates it and the missing folders above it, locks it, and
    /// with `force` removes the run that was there. Without `force` a non-empty folder is an
    /// error; with it, a folder holding files curvegan does not write is one. Errors name
    /// `--out` and the folder, and leave the folder as it was.
    pub fn create(dir: &Path, force: bool) -> Result<RunFolder> {
        // Checked once before the lock file is made, so that a refused folder stays untouched,
        // and again under the lock, since another process may have written it meanwhile.
        check_replaceable(dir, force)?;
        let created = create_dirs(dir, "--out")?;
        let lock = match lock(dir, "--out") {
            Ok(lock) => lock,
            Err(e) => {
                remove_empty(&created);
                return Err(e);
            }
        };
        let folder = RunFolder {
            dir: dir.to_path_buf(),
            created,
            _lock: lock,
        };
        if let Err(e) = check_replaceable(dir, force).and_then(|()| remove_run(dir)) {
            folder.remove_created();
            return Err(e);
        }
        Ok(folder)
    }

    /// Locks the existing run folder `dir` (to resume it); `option` is named in the error.
    pub fn open(dir: &Path, option: &str) -> Result<RunFolder> {
        Ok(RunFolder {
            dir: dir.to_path_buf(),
            created: Vec::new(),
            _lock: lock(dir, option)?,
        })
    }

    /// Removes the temporary files killed processes left in the folder and in its `best/`:
    /// the lock guarantees that no other process is writing them.
    pub fn remove_temporaries(&self) -> Result<()> {
        for dir in [self.dir.clone(), self.dir.join(files::BEST_DIR)] {
            if !dir.is_dir() {
                continue;
            }
            for (name, _) in entries(&dir)? {
                if files::is_temporary(&name) {
                    let path = dir.join(&name);
                    fs::remove_file(&path).map_err(|e| Error::io("cannot remove", &path, e))?;
                }
            }
        }
        Ok(())
    }

    /// Removes the run folder if this process created it, and then the folders above it that
    /// it created and that are empty: what a run that failed before its first checkpoint does.
    pub fn remove_created(self) {
        if self.created.last() == Some(&self.dir) {
            let _ = fs::remove_dir_all(&self.dir);
        }
        remove_empty(&self.created);
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
            "--out",
            format!("{} exists and is not a folder", dir.display()),
        ));
    }
    let non_empty = entries(dir)?.iter().any(|(name, _)| name != files::LOCK);
    if non_empty && !force {
        return Err(Error::config(
            "--out",
            format!(
                "{} exists and is not empty; pass --force to write into it",
                dir.display()
            ),
        ));
    }
    Ok(())
}

/// [`check_empty`], and with `force` refuses a folder holding anything curvegan does not
/// write into a run folder.
fn check_replaceable(dir: &Path, force: bool) -> Result<()> {
    check_empty(dir, force)?;
    if !dir.is_dir() {
        return Ok(());
    }
    match entries(dir)?.into_iter().find(|e| !written_by_a_run(e)) {
        Some((name, _)) => Err(Error::config(
            "--out",
            format!(
                "{} holds '{name}', which is not a file of a curvegan run; --force replaces only a run folder, so remove it yourself or choose another --out",
                dir.display()
            ),
        )),
        None => Ok(()),
    }
}

/// True for a name curvegan writes into a run folder: `(name, is_folder)`.
fn written_by_a_run((name, is_dir): &(String, bool)) -> bool {
    const FILES: [&str; 13] = [
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
        files::LIVE,
    ];
    match is_dir {
        true => name == files::BEST_DIR,
        false => {
            FILES.contains(&name.as_str())
                || files::is_step_figure(name)
                || files::is_live_figure(name)
                || files::is_temporary(name)
        }
    }
}

/// Removes every file and folder of the run in `dir` but the lock (the caller has checked
/// that there is nothing else).
fn remove_run(dir: &Path) -> Result<()> {
    for (name, is_dir) in entries(dir)? {
        if name == files::LOCK {
            continue;
        }
        let path = dir.join(&name);
        match is_dir {
            true => fs::remove_dir_all(&path),
            false => fs::remove_file(&path),
        }
        .map_err(|e| Error::io("cannot remove", &path, e))?;
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

/// Opens `dir`'s lock file and locks it, or fails naming the folder and `option`.
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

fn lock(dir: &Path, option: &str) -> Result<File> {
    let path = dir.join(files::LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("cannot open", &path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(Error::config(
            option,
            format!(
                "{} is being written by another curvegan process (it holds {}); wait for it to end or choose another folder",
                dir.display(),
                files::LOCK
            ),
        )),
        Err(TryLockError::Error(e)) => Err(Error::io("cannot lock", &path, e)),
    }
}
