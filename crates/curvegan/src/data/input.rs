//! Reading files with a bound: no read holds more than a limit fixed for the kind of file, and
//! no read waits forever.
//!
//! - [`read_regular`]: a file curvegan wrote (a run folder's `metrics.csv`, `run.json`, …),
//!   which must be a regular file: a FIFO, a device (`/dev/zero`) or a folder in its place is
//!   refused at once, naming it, and a file longer than its limit is refused before it is read;
//! - [`read_input`]: a file a user gives (`--config`, `--data`), which may also be a pipe
//!   (`--config <(cat f.toml)`, a named FIFO) or a device: it is opened without waiting for a
//!   writer, and each wait for data is bounded by [`PIPE_TIMEOUT`], so a FIFO nobody writes
//!   to is an error naming it after a few seconds, not a hang; the bytes are bounded as for a
//!   regular file;
//! - [`read_text`]: [`read_input`] of a text file, refused at its first NUL byte (no text
//!   file holds one: `/dev/zero` is refused after one read) and checked to be UTF-8
//!   ([`read_regular_text`]: the same of a file curvegan wrote);
//! - [`Fingerprint`]: the length and CRC-32 of a file, computed as it streams by, with a
//!   bound.
//!
//! Errors are [`Error::Io`] with [`READ`] for a file that cannot be opened or read (missing,
//! unreadable, a pipe without data) and [`Error::BadFile`] for one that is not what it should
//! be (too long, not a regular file, not text): both are bad input.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::error::{Error, Result, READ};

/// The longest a read from a pipe or a device waits for its next bytes (its writer may be
/// slow, but one that never writes must not hang the process).
pub const PIPE_TIMEOUT: Duration = Duration::from_secs(5);

/// Bytes read at a time.
const CHUNK: usize = 1 << 16;

/// What a path opened for reading is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A regular file (through any symlinks), of this many bytes now.
    Regular(u64),
    /// A FIFO, a pipe, a character or block device, a socket: bytes until its end.
    Stream,
}

/// An open file to read, with its path for messages.
struct Source<'a> {
    file: File,
    path: &'a Path,
    kind: Kind,
    /// True once a read returned data (see [`Source::read`]).
    started: bool,
}

impl<'a> Source<'a> {
    /// Opens `path` for reading without waiting for a FIFO's writer (non-blocking, so that a
    /// FIFO without one does not block the open). A folder is refused.
    fn open(path: &'a Path) -> Result<Source<'a>> {
        let file = open_nonblocking(path).map_err(|e| Error::io(READ, path, e))?;
        Source::of(file, path)
    }

    /// `file`, already open (non-blocking), named `path` in messages.
    fn of(file: File, path: &'a Path) -> Result<Source<'a>> {
        let meta = file.metadata().map_err(|e| Error::io(READ, path, e))?;
        let kind = match meta {
            m if m.is_dir() => return Err(Error::bad_file(path, "is a folder, not a file")),
            m if m.is_file() => Kind::Regular(m.len()),
            _ => Kind::Stream,
        };
        Ok(Source {
            file,
            path,
            kind,
            started: false,
        })
    }

    /// Refuses a regular file longer than `limit` bytes before it is read.
    fn check_length(&self, limit: u64) -> Result<()> {
        match self.kind {
            Kind::Regular(len) if len > limit => Err(too_long(self.path, Some(len), limit)),
            _ => Ok(()),
        }
    }

    /// Refuses anything but a regular file: `what` says why it should be one.
    fn require_regular(&self) -> Result<()> {
        match self.kind {
            Kind::Regular(_) => Ok(()),
            Kind::Stream => Err(Error::bad_file(
                self.path,
                "is not a regular file (a FIFO, a device or a socket): curvegan writes a regular file there",
            )),
        }
    }

    /// Reads the next bytes into `buf`; `Ok(0)` at the end. From a stream, waits at most
    /// [`PIPE_TIMEOUT`] for them.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        let io = |e| Error::io(READ, self.path, e);
        if self.kind != Kind::Stream {
            return retry_interrupted(|| self.file.read(buf)).map_err(io);
        }
        // Before the first bytes, wait until there is something to read: a non-blocking read
        // of a FIFO that has had no writer yet returns 0, which is not its end.
        if !self.started {
            wait_readable(&self.file, self.path)?;
        }
        loop {
            match retry_interrupted(|| self.file.read(buf)) {
                Ok(n) => {
                    self.started = true;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait_readable(&self.file, self.path)?
                }
                Err(e) => return Err(io(e)),
            }
        }
    }

    /// Every byte, at most `limit` of them; `check` sees each chunk as it comes (and may stop
    /// the read with an error).
    fn read_all(
        mut self,
        limit: u64,
        mut check: impl FnMut(&[u8], usize) -> Result<()>,
    ) -> Result<Vec<u8>> {
        self.check_length(limit)?;
        let mut bytes = match self.kind {
            Kind::Regular(len) => Vec::with_capacity(len as usize),
            Kind::Stream => Vec::new(),
        };
        let mut chunk = vec![0; CHUNK];
        loop {
            let n = self.read(&mut chunk)?;
            if n == 0 {
                return Ok(bytes);
            }
            if (bytes.len() + n) as u64 > limit {
                return Err(too_long(self.path, None, limit));
            }
            check(&chunk[..n], bytes.len())?;
            bytes.extend_from_slice(&chunk[..n]);
        }
    }
}

/// `op`, again as long as a signal interrupts it.
fn retry_interrupted<T>(mut op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match op() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// The error for a file over its `limit` (of `len` bytes when known).
fn too_long(path: &Path, len: Option<u64>, limit: u64) -> Error {
    Error::bad_file(
        path,
        match len {
            Some(len) => format!("holds {len} bytes, more than the {limit} it can hold at most"),
            None => format!("holds more than the {limit} bytes it can hold at most"),
        },
    )
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// Waits until `file` (a stream) has bytes to read or has ended, at most [`PIPE_TIMEOUT`].
#[cfg(unix)]
fn wait_readable(file: &File, path: &Path) -> Result<()> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    let start = Instant::now();
    loop {
        let left = PIPE_TIMEOUT.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(Error::io(
                READ,
                path,
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "nothing to read for {} s (a FIFO or pipe without a writer?)",
                        PIPE_TIMEOUT.as_secs()
                    ),
                ),
            ));
        }
        let timeout = Timespec::try_from(left).unwrap_or_default();
        let mut fds = [PollFd::new(file, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) => continue,
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(Error::io(READ, path, e.into())),
        }
    }
}

#[cfg(not(unix))]
fn wait_readable(_file: &File, _path: &Path) -> Result<()> {
    Ok(())
}

/// Reads the regular file `path` whole, refusing one of more than `limit` bytes before
/// holding it, and anything that is not a regular file (a FIFO, a device) at once.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let source = Source::open(path)?;
    source.require_regular()?;
    source.read_all(limit, |_, _| Ok(()))
}

/// [`read_regular`] of a file already opened (without waiting for a FIFO's writer: opened
/// non-blocking), e.g. through a folder's descriptor; `path` names it in messages.
pub fn read_regular_file(file: File, path: &Path, limit: u64) -> Result<Vec<u8>> {
    let source = Source::of(file, path)?;
    source.require_regular()?;
    source.read_all(limit, |_, _| Ok(()))
}

/// Opens the regular file `path` for a reader that reads a part of it (the last lines of a
/// log, the first bytes of a page); anything else is refused as by [`read_regular`].
pub fn open_regular(path: &Path) -> Result<File> {
    let source = Source::open(path)?;
    source.require_regular()?;
    Ok(source.file)
}

/// Reads `path` whole, at most `limit` bytes: a regular file, or a pipe, FIFO or device read
/// until its end with each wait bounded by [`PIPE_TIMEOUT`].
pub fn read_input(path: &Path, limit: u64) -> Result<Vec<u8>> {
    Source::open(path)?.read_all(limit, |_, _| Ok(()))
}

/// Reads a text file (a CSV file, a TOML config) as [`read_input`] does. A missing or
/// unreadable file is an [`Error::Io`] naming it; a NUL byte (no text file has one) or bytes
/// that are not UTF-8 are an [`Error::BadFile`] naming the line and column.
pub fn read_text(path: &Path, limit: u64) -> Result<String> {
    text_of(Source::open(path)?, limit)
}

/// [`read_text`] of a file curvegan wrote (a run's `config.toml`): a regular file only, as
/// [`read_regular`] reads.
pub fn read_regular_text(path: &Path, limit: u64) -> Result<String> {
    let source = Source::open(path)?;
    source.require_regular()?;
    text_of(source, limit)
}

fn text_of(source: Source, limit: u64) -> Result<String> {
    let path = source.path;
    let bytes = source.read_all(limit, |chunk, before| {
        match chunk.iter().position(|&b| b == 0) {
            // The line and column of a NUL in the chunk need the bytes before it; they are
            // counted from the chunk alone when the NUL is in the first one (the common case:
            // a binary file or a device).
            Some(at) if before == 0 => Err(position_error(path, &chunk[..at], "a NUL byte")),
            Some(_) => Err(Error::bad_file(path, "holds a NUL byte: not a text file")),
            None => Ok(()),
        }
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        position_error(path, valid, "not UTF-8 text")
    })
}

/// `PATH: line L, column C: WHAT`, for the byte after `before`.
fn position_error(path: &Path, before: &[u8], what: &str) -> Error {
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + before.iter().rev().take_while(|&&b| b != b'\n').count();
    Error::bad_file(path, format!("line {line}, column {column}: {what}"))
}

/// The length of a file's bytes and their CRC-32 (IEEE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Bytes.
    pub bytes: u64,
    /// CRC-32 of the bytes.
    pub crc32: u32,
}

impl Fingerprint {
    /// The fingerprint of `bytes`.
    pub fn of(bytes: &[u8]) -> Fingerprint {
        Fingerprint {
            bytes: bytes.len() as u64,
            crc32: crc32fast::hash(bytes),
        }
    }

    /// The fingerprint of the file at `path`, streamed (nothing held); a regular file, or a
    /// pipe or device as [`read_input`] reads it. `None` when the file holds more than `limit`
    /// bytes: only whether it is longer than `limit` is known then, and no more is read.
    pub fn of_file(path: &Path, limit: u64) -> Result<Option<Fingerprint>> {
        let mut source = Source::open(path)?;
        if let Kind::Regular(len) = source.kind {
            if len > limit {
                return Ok(None);
            }
        }
        let (mut hasher, mut bytes) = (crc32fast::Hasher::new(), 0u64);
        let mut chunk = vec![0; CHUNK];
        loop {
            let n = source.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            if bytes > limit {
                return Ok(None);
            }
            hasher.update(&chunk[..n]);
        }
        Ok(Some(Fingerprint {
            bytes,
            crc32: hasher.finalize(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_refused_where_a_regular_file_is_needed_and_bounded_as_input() {
        let zero = Path::new("/dev/zero");
        if !zero.exists() {
            return;
        }
        let e = read_regular(zero, 1 << 20).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("not a regular file"),
            "{e}"
        );
        let e = read_input(zero, 1 << 20).unwrap_err();
        assert!(e.to_string().contains("more than the 1048576 bytes"), "{e}");
        let e = read_text(zero, 1 << 30).unwrap_err();
        assert!(
            e.to_string().contains("line 1, column 1: a NUL byte"),
            "{e}"
        );
        assert_eq!(Fingerprint::of_file(zero, 100).unwrap(), None);
    }

    #[test]
    fn a_regular_file_over_its_limit_is_refused_before_it_is_read() {
        let dir = std::env::temp_dir().join(format!("curvegan-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.txt");
        std::fs::write(&path, "a,b\n1,2\n").unwrap();
        assert_eq!(read_text(&path, 8).unwrap(), "a,b\n1,2\n");
        let e = read_regular(&path, 7).unwrap_err();
        assert!(
            e.to_string().contains("holds 8 bytes, more than the 7"),
            "{e}"
        );
        assert_eq!(
            Fingerprint::of_file(&path, 8).unwrap(),
            Some(Fingerprint::of(b"a,b\n1,2\n"))
        );
        assert_eq!(Fingerprint::of_file(&path, 7).unwrap(), None);
        let e = read_input(&dir, 8).unwrap_err();
        assert!(e.to_string().contains("is a folder"), "{e}");
        std::fs::write(&path, b"ok\n\xff").unwrap();
        let e = read_text(&path, 8).unwrap_err();
        assert!(e.to_string().contains("line 2, column 1: not UTF-8"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
