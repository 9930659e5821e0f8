//! The real data G learns from: fixed curves, random families and formulas, rows of a CSV
//! file, and the 2-D mode sets. Nothing here knows of networks.
//!
//! - [`expr`]: formulas in `x` and named parameters, parsed once, with error positions;
//! - [`csv_data`]: a CSV file's rows as real samples;
//! - [`target`]: what to learn, its settings ([`target::TargetConfig`]) and the sampler
//!   ([`target::Target`]) that draws real batches `[B, n]` (with their conditions `[B, c]`).

pub mod csv_data;
pub mod expr;
pub mod target;

use std::path::Path;

use crate::error::{Error, Result, READ};

/// Reads a text file (a CSV file, a TOML config). A missing or unreadable file is an
/// [`Error::Io`] naming it; bytes that are not UTF-8 are an [`Error::BadFile`] naming the line.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(READ, path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        let column = 1 + valid.iter().rev().take_while(|&&b| b != b'\n').count();
        Error::bad_file(
            path,
            format!("line {line}, column {column}: not UTF-8 text"),
        )
    })
}
