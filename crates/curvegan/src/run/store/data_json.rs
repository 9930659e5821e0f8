//! `data.json`: what a `--data` run was trained on, so that the run can be sampled without
//! its data file and a resume notices when that file has changed.
//!
//! ```json
//! {"path": "curves.csv", "bytes": 1234, "crc32": "89abcdef", "dim": 15, "channels": 1,
//!  "conditions": [{"kind": "category", "name": "label", "at": 0, "levels": ["1", "2"]}]}
//! ```
//!
//! `bytes` and `crc32` (CRC-32 IEEE, 8 hex digits) are those of the file's bytes when the run
//! was trained; `dim` is the length of a row and `channels` how many channels it holds, all
//! that sampling needs (the x of a data set is the point's index in its channel); `conditions`
//! the data's condition columns and their encoding ([`crate::data::data_source::Condition`]), so
//! that a conditional run samples for a given condition without the file. Only runs with
//! `kind = "data"` have the file; `channels` and `conditions` are absent from the records of
//! versions before them (one channel, none).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::data_source::{Condition, DataSource};
use crate::data::input::Fingerprint;
use crate::error::{Error, Result};
use crate::run::store::files::{self, Dir};

/// The content of `data.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataRecord {
    /// The data file, as the config names it.
    pub path: PathBuf,
    /// Its length in bytes at training time.
    pub bytes: u64,
    /// Its CRC-32 at training time.
    pub crc32: String,
    /// Values per row.
    pub dim: usize,
    /// Channels per row.
    #[serde(default = "one")]
    pub channels: usize,
    /// The condition columns and their encoding.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

fn one() -> usize {
    1
}

impl DataRecord {
    /// The record of `data`: the length and CRC-32 of the bytes it was read from (not read
    /// again: a pipe, `--data <(…)`, gives its bytes once).
    pub fn of(source: &DataSource) -> Result<DataRecord> {
        let data = source.dataset();
        let f = data.fingerprint();
        Ok(DataRecord {
            path: data.path().to_path_buf(),
            bytes: f.bytes,
            crc32: hex(f.crc32),
            dim: data.dim(),
            channels: data.channels(),
            conditions: source.conditions().to_vec(),
        })
    }

    /// Writes `dir/data.json` atomically.
    pub fn save(&self, dir: &Dir) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Serialize(format!("data.json: {e}")))?;
        dir.write(files::DATA, json.as_bytes())
    }

    /// [`DataRecord::load`] through the open run folder `dir`.
    pub fn load_in(dir: &Dir) -> Result<Option<DataRecord>> {
        if !dir.is_file(files::DATA) {
            return Ok(None);
        }
        let bytes = dir.read_at_most(files::DATA, 1 << 20)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::bad_file(dir.path(files::DATA), format!("malformed: {e}")))
    }

    /// Reads `dir/data.json`, or `None` if the run has none (not a data run, or an older one).
    pub fn load(dir: &Path) -> Result<Option<DataRecord>> {
        let path = dir.join(files::DATA);
        if !path.is_file() {
            return Ok(None);
        }
        let bytes = files::read_at_most(&path, files::MAX_DATA_RECORD)?;
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::bad_file(&path, format!("malformed: {e}")))
    }

    /// Why the data file cannot be used as the run's data any more (missing, or changed since
    /// training), or `None` if it is unchanged. The file is streamed, and no further than one
    /// byte past the length recorded: a longer file has changed, however long it is (a
    /// device that never ends included).
    pub fn problem(&self) -> Option<String> {
        let was = format!("{} bytes with crc32 {}", self.bytes, self.crc32);
        match Fingerprint::of_file(&self.path, self.bytes) {
            Err(Error::Io { cause, .. }) => Some(format!("cannot be read ({cause})")),
            Err(e) => Some(format!("cannot be read ({e})")),
            Ok(None) => Some(format!(
                "has changed since the run was trained ({was}, now more than {} bytes)",
                self.bytes
            )),
            Ok(Some(f)) if f.bytes != self.bytes || hex(f.crc32) != self.crc32 => Some(format!(
                "has changed since the run was trained ({was}, now {} bytes with crc32 {})",
                f.bytes,
                hex(f.crc32)
            )),
            Ok(Some(_)) => None,
        }
    }
}

/// A CRC-32 as `data.json` writes it: 8 hex digits.
fn hex(crc32: u32) -> String {
    format!("{crc32:08x}")
}
