//! The bottom of the command line, which every other module of it may use and which uses
//! none of them: the stop flag that Ctrl-C, SIGTERM and SIGHUP set ([`STOP`],
//! [`catch_signals`]), the terminal's raw mode left on every exit ([`restore_terminal`]), and
//! standard output written with control characters escaped and a closed pipe not an error
//! ([`print`], [`print_json`], [`stream`]).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use curvegan::text;
use ratatui::crossterm::terminal::{self, LeaveAlternateScreen};
use ratatui::crossterm::{cursor, execute};

/// Set by Ctrl-C, SIGTERM or SIGHUP ([`catch_signals`]): the run (each running seed of a
/// sweep) saves a checkpoint and stops after the current step; `sample --out` stops between
/// chunks and removes its temporary file.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Installs the handler of Ctrl-C, SIGTERM and SIGHUP (`kill`, `timeout`, Slurm, Kubernetes):
/// the first sets [`STOP`], which the work checks; a second stops the process at once with exit
/// code 130, saying `again` ("error: interrupted again; {again}"). If the handler cannot be
/// installed, a signal simply kills the process.
pub fn catch_signals(again: &'static str) {
    let _ = ctrlc::set_handler(move || {
        if STOP.swap(true, Ordering::Relaxed) {
            restore_terminal();
            eprintln!("error: interrupted again; {again}");
            std::process::exit(130);
        }
    });
}

/// True while the terminal is in raw mode on the alternate screen.
pub static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leaves raw mode and the alternate screen if the view put the terminal there; safe to call
/// from any thread, any number of times.
pub fn restore_terminal() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = terminal::disable_raw_mode();
        let _ = execute!(std::io::stderr(), LeaveAlternateScreen, cursor::Show);
    }
}

/// Writes to standard output, with every control character but line breaks escaped (a last
/// guard, [`text::escape_keeping_lines`]); a closed pipe (`curvegan runs | head`) is not an
/// error.
pub fn print(text: &str) -> Result<()> {
    write_out(&text::escape_keeping_lines(text))
}

/// Writes JSON text to standard output: control characters that JSON allows raw in strings
/// (DEL, the C1 controls; serde writes the others as `\u00XX`) are written as `\u00XX` too, so
/// that it stays JSON and no byte of a value reaches a terminal raw.
pub fn print_json(json: &str) -> Result<()> {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            c if c.is_control() && c != '\n' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    write_out(&out)
}

fn write_out(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to standard output"),
    }
}

/// Runs `write` on a buffered standard output; a closed pipe is not an error.
pub fn stream(write: impl FnOnce(&mut dyn Write) -> curvegan::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = write(&mut out).and_then(|()| {
        out.flush()
            .map_err(|e| curvegan::Error::io("cannot write", "standard output", e))
    });
    match result {
        Err(curvegan::Error::Io { cause, .. })
            if cause.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        r => Ok(r?),
    }
}
