//! A generator's samples written as JSON, CSV or NumPy `.npy`, as they are generated, and the
//! checks before a file is written.
//!
//! - JSON: `{"x": [n x values], "curves": [[n values], …]}`, and for a conditional generator
//!   `"conditions": {"NAME": [one value per curve], …}` after them (a category's levels as
//!   strings, numbers as numbers);
//! - CSV: a header line naming the columns, then one sample per line. A conditional
//!   generator's rows start with their conditions, named in the header; each value's column is
//!   named `x=VALUE` after its x (`c2:x=VALUE` in channel 2 of a data set with several,
//!   [`column_names`]). No name is a number, so `train --data` reads the header as a header
//!   and the file back as the same rows (`--condition-columns` naming the conditions);
//! - npy: the samples as a little-endian f32 array `[N, n]` (`<f4`, C order, NumPy's format
//!   1.0, [`crate::data::npy::header`]). A conditional generator's conditions, which an array
//!   of floats cannot name, go to a CSV file beside it ([`conditions_path`]: `s.npy` →
//!   `s.conditions.csv`): a header of the conditions' names, then one row per sample, in the
//!   same order ([`Generator::write_conditions_until`]).
//!
//! G's input rows (`--noise`) are written alike, their columns named `z0, z1, …` (the noise)
//! then `c0, c1, …` (the condition vector) in CSV, their JSON x the column numbers 0, 1, ….
//!
//! Before an output file is written, [`Generator::check_out`] refuses one that is a file of a
//! run (sampling would overwrite the run it samples) and [`Generator::check_room`] one larger
//! than the free space of its file system; [`Generator::write_samples_until`] stops between
//! chunks when asked (Ctrl-C), so that the half-written temporary is removed.

use std::path::{Path, PathBuf};

use crate::data::npy;
use crate::error::{Error, Result};
use crate::gan::noise::Stream;
use crate::nn::mlp::Tape;
use crate::run::store::files::CsvWriter;
use crate::run::store::folder;
use crate::run::train::sample::{Generator, Samples};
use rand_chacha::ChaCha8Rng;

/// Samples [`Generator::write_samples`] generates at a time.
pub const CHUNK: usize = 4096;

/// Output format of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A header naming the columns (the conditions, then `x=VALUE` for each point), then one
    /// sample per line.
    Csv,
    /// `{"x": [...], "curves": [[...], ...]}` (and `"conditions": {"NAME": [...], …}`).
    Json,
    /// A NumPy array `<f4` `[N, n]`; the conditions in a CSV file beside it.
    Npy,
}

impl Format {
    /// The format an output file's extension names, `.csv`, `.json` or `.npy` (any case);
    /// `None` for another.
    pub fn of_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "npy" => Some(Format::Npy),
            _ => None,
        }
    }
}

/// The file beside an `.npy` output `out` that holds its samples' conditions: `out` with
/// `.conditions.csv` for its extension (`s.npy` → `s.conditions.csv`, `s` →
/// `s.conditions.csv`).
pub fn conditions_path(out: &Path) -> PathBuf {
    out.with_extension("conditions.csv")
}

/// The CSV header's names of the values of a sample on the grid `x` (`[dim]`, repeating for
/// each of `channels`): `x=VALUE` for one channel, `cK:x=VALUE` for channel K (from 1) of
/// several. None is a number, so a header of them reads as a header.
///
/// ```
/// use curvegan::run::train::sample_write::column_names;
///
/// assert_eq!(column_names(&[-1.0, 0.5], 1), ["x=-1", "x=0.5"]);
/// assert_eq!(column_names(&[0.0, 1.0, 0.0, 1.0], 2), ["c1:x=0", "c1:x=1", "c2:x=0", "c2:x=1"]);
/// ```
pub fn column_names(x: &[f32], channels: usize) -> Vec<String> {
    let points = (x.len() / channels.max(1)).max(1);
    (x.iter().enumerate())
        .map(|(i, v)| match channels {
            0 | 1 => format!("x={v}"),
            _ => format!("c{}:x={v}", i / points + 1),
        })
        .collect()
}

impl Generator {
    /// Writes `count` samples to `out` in `format` as they are generated, [`CHUNK`] at a time,
    /// so that memory does not grow with `count`; the bytes are those of
    /// [`Samples::render`] for all of them. (The rows past the first chunk of a conditional
    /// generator with drawn conditions differ from one [`Generator::sample`] call: noise
    /// and conditions are drawn chunk by chunk.) With `input`, G's input rows `[z | c]` are
    /// written instead of its samples (see the module docs), so that another implementation
    /// can be run on the same noise. `dest` names `out` in a write error. An `.npy` file's
    /// conditions are [`Generator::write_conditions_until`]'s.
    #[allow(clippy::too_many_arguments)]
    pub fn write_samples(
        &self,
        count: usize,
        seed: u64,
        condition: Option<&[f32]>,
        format: Format,
        input: bool,
        out: &mut dyn std::io::Write,
        dest: &Path,
    ) -> Result<()> {
        let never = || false;
        self.write_samples_until(count, seed, condition, format, input, out, dest, &never)
    }

    /// [`Generator::write_samples`], asking `stop` before each chunk: when it says true, the
    /// writing stops with [`Error::Cancelled`] naming `dest` (the caller removes what was
    /// written, as [`files::write_atomic_with`](crate::run::store::files::write_atomic_with) does with its temporary).
    #[allow(clippy::too_many_arguments)]
    pub fn write_samples_until(
        &self,
        count: usize,
        seed: u64,
        condition: Option<&[f32]>,
        format: Format,
        input: bool,
        out: &mut dyn std::io::Write,
        dest: &Path,
        stop: &dyn Fn() -> bool,
    ) -> Result<()> {
        let mut tape = Tape::default();
        let columns: Vec<f32> = (0..self.input_dim()).map(|i| i as f32).collect();
        let (x, width) = match input {
            true => (columns.as_slice(), columns.len()),
            false => (self.target().x(), self.target().dim()),
        };
        // A conditional generator's samples carry their conditions (not G's input rows, which
        // hold them).
        let names = match input {
            true => Vec::new(),
            false => self.condition_names(),
        };
        let mut put = |bytes: &[u8]| {
            out.write_all(bytes)
                .map_err(|e| Error::io("cannot write", dest, e))
        };
        let json = |v: &[f32]| serde_json::to_string(v).unwrap_or_default();
        match format {
            Format::Json => put(format!("{{\"x\":{},\"curves\":[", json(x)).as_bytes())?,
            Format::Csv => {
                let latent = self.input_dim() - self.c_dim();
                let header = match input {
                    true => (0..width)
                        .map(|i| match i < latent {
                            true => format!("z{i}"),
                            false => format!("c{}", i - latent),
                        })
                        .collect(),
                    false => column_names(x, self.target().channels()),
                };
                put(CsvWriter::new()
                    .row(names.iter().chain(&header))
                    .as_str()
                    .as_bytes())?
            }
            Format::Npy => put(&npy::header("<f4", &[count, width]))?,
        }
        let mut rng = Stream::Sample.rng(seed);
        let mut done = 0;
        while done < count {
            if stop() {
                return Err(Error::Cancelled(dest.to_path_buf()));
            }
            let n = CHUNK.min(count - done);
            let rows = self.input(n, condition, &mut rng)?;
            let flat = match input {
                true => rows.clone(),
                false => self.run(&rows, &mut tape)?,
            };
            self.check_finite(&flat, done)?;
            let conditions = match names.is_empty() {
                true => Vec::new(),
                false => self.condition_values(&rows),
            };
            let mut bytes = Vec::new();
            let mut csv = CsvWriter::new();
            for (i, curve) in flat.chunks_exact(width).enumerate() {
                match format {
                    Format::Json => {
                        if done + i > 0 {
                            bytes.push(b',');
                        }
                        bytes.extend_from_slice(json(curve).as_bytes());
                    }
                    Format::Csv => {
                        let values = conditions.iter().map(|v| v[i].clone());
                        csv.row(values.chain(curve.iter().map(f32::to_string)));
                    }
                    Format::Npy => bytes.extend(curve.iter().flat_map(|v| v.to_le_bytes())),
                }
            }
            bytes.extend_from_slice(csv.as_str().as_bytes());
            put(&bytes)?;
            done += n;
        }
        if format != Format::Json {
            return Ok(());
        }
        put(b"]")?;
        // JSON: each condition's values after the curves, one more pass over the inputs each
        // (they are drawn again from the seed, so memory does not grow with `count`).
        if !names.is_empty() {
            put(b",\"conditions\":{")?;
            let categories = self.categories();
            for (k, name) in names.iter().enumerate() {
                if k > 0 {
                    put(b",")?;
                }
                let name = serde_json::to_string(name).unwrap_or_default();
                put(format!("{name}:[").as_bytes())?;
                let mut first = true;
                self.condition_chunks(count, seed, condition, dest, stop, &mut |values| {
                    let mut text = String::new();
                    for v in &values[k] {
                        if !std::mem::replace(&mut first, false) {
                            text.push(',');
                        }
                        text.push_str(&json_value(v, categories[k]));
                    }
                    put(text.as_bytes())
                })?;
                put(b"]")?;
            }
            put(b"}")?;
        }
        put(b"}\n")
    }

    /// Writes the conditions of the `count` samples [`Generator::write_samples`] draws with
    /// `seed` and `condition` to `out` as CSV: a header of the conditions' names, then one row
    /// per sample, in the same order (the file beside an `.npy` output, [`conditions_path`]).
    /// It draws G's inputs again, not its samples, asking `stop` before each chunk; `dest`
    /// names `out` in errors.
    pub fn write_conditions_until(
        &self,
        count: usize,
        seed: u64,
        condition: Option<&[f32]>,
        out: &mut dyn std::io::Write,
        dest: &Path,
        stop: &dyn Fn() -> bool,
    ) -> Result<()> {
        let mut put = |text: &str| {
            out.write_all(text.as_bytes())
                .map_err(|e| Error::io("cannot write", dest, e))
        };
        put(CsvWriter::new().row(self.condition_names()).as_str())?;
        self.condition_chunks(count, seed, condition, dest, stop, &mut |values| {
            let mut csv = CsvWriter::new();
            for i in 0..values.first().map_or(0, Vec::len) {
                csv.row(values.iter().map(|v| &v[i]));
            }
            put(csv.as_str())
        })
    }

    /// Calls `each` with the conditions of the samples [`Generator::write_samples`] draws, a
    /// chunk at a time (one list per condition), from G's inputs drawn again from `seed`;
    /// asks `stop` before each chunk.
    fn condition_chunks(
        &self,
        count: usize,
        seed: u64,
        condition: Option<&[f32]>,
        dest: &Path,
        stop: &dyn Fn() -> bool,
        each: &mut dyn FnMut(Vec<Vec<String>>) -> Result<()>,
    ) -> Result<()> {
        let mut rng: ChaCha8Rng = Stream::Sample.rng(seed);
        let mut done = 0;
        while done < count {
            if stop() {
                return Err(Error::Cancelled(dest.to_path_buf()));
            }
            let n = CHUNK.min(count - done);
            let rows = self.input(n, condition, &mut rng)?;
            each(self.condition_values(&rows))?;
            done += n;
        }
        Ok(())
    }
}

impl Generator {
    /// Refuses (naming `--out`) an output `out` that is a file of a run, or the very file of
    /// one of the files of the run sampled ([`folder::check_out`]).
    pub fn check_out(&self, out: &Path) -> Result<()> {
        folder::check_out(out, self.dir(), "sampling", None)
    }

    /// Refuses (naming `--n`) to write `count` samples into the regular file `out` when their
    /// size — that of the first [`CHUNK`] of them as written, times as many, with an `.npy`
    /// file's conditions file ([`conditions_path`]) when it has one — exceeds the free space
    /// of `out`'s file system. `-`, a device or a FIFO is not checked.
    pub fn check_room(
        &self,
        out: &Path,
        count: usize,
        seed: u64,
        condition: Option<&[f32]>,
        format: Format,
        input: bool,
    ) -> Result<()> {
        let special = std::fs::metadata(out).is_ok_and(|m| !m.is_file());
        if out == Path::new("-") || special {
            return Ok(());
        }
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let Ok(stat) = rustix::fs::statvfs(parent) else {
            return Ok(());
        };
        let free = stat.f_bavail.saturating_mul(stat.f_frsize);
        let first = count.min(CHUNK);
        let mut counter = Counter(0);
        self.write_samples(first, seed, condition, format, input, &mut counter, out)?;
        if format == Format::Npy && !input && self.c_dim() > 0 {
            let never = || false;
            self.write_conditions_until(first, seed, condition, &mut counter, out, &never)?;
        }
        let bytes = (counter.0 as u128 * count as u128 / first.max(1) as u128)
            .try_into()
            .unwrap_or(u64::MAX);
        if bytes <= free {
            return Ok(());
        }
        Err(Error::config(
            "n",
            format!(
                "{count} samples would take about {} ({bytes} bytes) in {}, but its file system has {} ({free} bytes) free; ask for fewer or write them elsewhere",
                human_bytes(bytes),
                out.display(),
                human_bytes(free)
            ),
        ))
    }
}

/// A writer that only counts the bytes it is given.
struct Counter(u64);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `bytes` for a reader: `812 bytes`, `3.4 MB`, `173.2 GB` (powers of 1000).
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = "bytes";
    for u in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = u;
    }
    match unit {
        "bytes" => format!("{bytes} bytes"),
        _ => format!("{value:.1} {unit}"),
    }
}

/// A condition's value as JSON: a category's level as a string, whatever it reads as (class
/// codes such as `007` or `+1` are not JSON numbers); a number as a number (the decimal a
/// condition decodes to, which JSON reads), or a string should it not be finite.
fn json_value(text: &str, category: bool) -> String {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && !category => format!("{v}"),
        _ => serde_json::to_string(text).unwrap_or_default(),
    }
}

/// `"conditions":{"NAME":[…],…}` of a JSON sample file (nothing without conditions);
/// `categories` says which conditions are categories.
fn json_conditions(conditions: &[(String, Vec<String>)], categories: &[bool]) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let fields: Vec<String> = conditions
        .iter()
        .zip(categories.iter().chain(std::iter::repeat(&false)))
        .map(|((name, values), &category)| {
            let values: Vec<String> = values.iter().map(|v| json_value(v, category)).collect();
            format!(
                "{}:[{}]",
                serde_json::to_string(name).unwrap_or_default(),
                values.join(",")
            )
        })
        .collect();
    format!(",\"conditions\":{{{}}}", fields.join(","))
}

impl Samples {
    /// The samples in `format`: text for JSON and CSV, an array for `.npy` (whose conditions,
    /// when it has any, are not in it: see the module docs).
    pub fn render(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Json => {
                // Plain vectors of floats always serialise.
                format!(
                    "{{\"x\":{},\"curves\":{}{}}}\n",
                    serde_json::to_string(&self.x).unwrap_or_default(),
                    serde_json::to_string(&self.curves).unwrap_or_default(),
                    json_conditions(&self.conditions, &self.categories)
                )
                .into_bytes()
            }
            Format::Csv => {
                let mut csv = CsvWriter::new();
                let names = self.conditions.iter().map(|(n, _)| n.clone());
                csv.row(names.chain(column_names(&self.x, self.channels)));
                for (i, c) in self.curves.iter().enumerate() {
                    let values = self.conditions.iter().map(|(_, v)| v[i].clone());
                    csv.row(values.chain(c.iter().map(f32::to_string)));
                }
                csv.finish().into_bytes()
            }
            Format::Npy => {
                let mut bytes = npy::header("<f4", &[self.curves.len(), self.x.len()]);
                let values = self.curves.iter().flatten();
                bytes.extend(values.flat_map(|v| v.to_le_bytes()));
                bytes
            }
        }
    }
}
