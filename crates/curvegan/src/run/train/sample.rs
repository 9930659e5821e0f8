//! Drawing samples from a trained generator, and writing them as CSV or JSON.
//!
//! A run folder's `config.toml` gives the generator's shape and the x grid; its
//! `generator.safetensors` gives the weights. `N` noise vectors `z ~ N(0, I)` of shape
//! `[N, latent]` are drawn from a ChaCha8 generator seeded with the given seed, and
//! `G(z)` (`[N, n]`) is returned.
//!
//! - JSON: `{"x": [n x values], "curves": [[n values], …]}`, and for a conditional generator
//!   `"conditions": {"NAME": [one value per curve], …}` after them (a category's levels as
//!   strings, numbers as numbers);
//! - CSV: a header line holding the x values, then one curve per line; a conditional
//!   generator's rows start with their conditions, named in the header.
//!
//! Samples are in the data's units: a scaled data set's generator ends with its scaler
//! (`scaler.shift`, `scaler.scale` in `generator.safetensors`, [`crate::data::scale`]). Every
//! sample of a conditional generator carries its condition: the one asked for
//! (`--condition NAME=VALUE`), or the one drawn from the data's own mix (a formula's
//! parameters, a data row's columns).
//!
//! No NaN or infinite sample is printed or scored: a generator whose output is not finite
//! gives an error naming its weights file (a bad file: exit code 2 in the CLI). (A metric may
//! still be infinite for finite samples, e.g. a KL divergence where a bin is empty: that is its
//! true value.) A `--data`
//! run samples from `data.json`'s row length when its data file is gone or changed; only
//! [`evaluate`], which needs the real rows, then refuses ([`crate::run::store::data_json`]).
//!
//! Before an output file is written, [`Generator::check_out`] refuses one that is a file of a
//! run (sampling would overwrite the run it samples) and [`Generator::check_room`] one larger
//! than the free space of its file system; [`Generator::write_samples_until`] stops between
//! chunks when asked (Ctrl-C), so that the half-written temporary is removed.

use std::path::{Path, PathBuf};

use crate::config::{memory_error, TrainConfig, MAX_BYTES};
use crate::data::data_source::Condition;
use crate::data::dataset::Dataset;
use crate::data::scale::Scaler;
use crate::data::target::{Target, TargetConfig};
use crate::error::{Error, Result};
use crate::eval::catalogue::{available, notes, per_channel, score, Scores};
use crate::gan::noise::{draw_input, Stream};
use crate::nn::mlp::{Mlp, MlpSpec, Tape};
use crate::run::store::checkpoint::{check_has_weights, load_run_generator, Source};
use crate::run::store::data_json::DataRecord;
use crate::run::store::files;
use crate::run::store::files::CsvWriter;
use crate::run::store::folder;
use crate::run::train::trainer::GeneratorSampler;
use crate::text::echo;
use rand_chacha::ChaCha8Rng;

/// Samples `curvegan sample` draws unless told otherwise.
pub const DEFAULT_COUNT: usize = 10;

/// Generated (and real) samples `curvegan eval` compares unless told otherwise.
pub const DEFAULT_EVAL_COUNT: usize = 2000;

/// The fewest samples [`evaluate`] accepts: the k-NN metrics use k = 3 neighbours.
pub const MIN_EVAL_COUNT: usize = 4;

/// A trained generator with the settings it was trained with.
#[derive(Debug, Clone)]
pub struct Generator {
    dir: PathBuf,
    config: TrainConfig,
    target: Target,
    /// A data run whose data file is missing or changed: the file and what is wrong.
    data_problem: Option<(PathBuf, String)>,
    /// The sampling generator (G's moving average with `g_ema`, else G).
    pub(super) mlp: Mlp,
    /// The file its weights were read from: a finished run's or a checkpoint.
    source: Source,
    /// The scaler saved beside G's weights, which brings its output to the data's units.
    pub(super) scaler: Option<Scaler>,
    /// The conditions of a conditional generator (empty otherwise), in the order of `c`.
    conditions: Vec<Condition>,
}

impl Generator {
    /// Loads the generator of a run folder: a finished run's, else its last checkpoint's.
    pub fn load(run: &Path) -> Result<Self> {
        Self::load_at(run, None, "run")
    }

    /// The generator of a run at `step` (`None`: as [`load_run_generator`] picks it);
    /// `option` names the folder in errors (`RUN` for a positional argument).
    pub fn load_at(run: &Path, step: Option<usize>, option: &str) -> Result<Self> {
        if !run.is_dir() {
            return Err(Error::config(
                option,
                format!("{} is not a run folder", run.display()),
            ));
        }
        check_has_weights(run, step, option)?;
        let config = TrainConfig::load_saved(&run.join(files::CONFIG))?;
        // A data run samples from data.json's row length when its data file is gone or changed
        // (its settings are then checked as far as they do not need the file: the nets' shapes);
        // only evaluation, which needs the real rows, refuses.
        let record = match config.target {
            TargetConfig::Data { .. } => DataRecord::load(run)?,
            _ => None,
        };
        let (target, data_problem, conditions) =
            match record.and_then(|r| r.problem().map(|p| (r, p))) {
                Some((r, problem)) => {
                    let points = r.dim / r.channels.max(1);
                    let zeros = Dataset::zeros(&r.path, r.channels.max(1), points);
                    let placeholder = Target::from_data(zeros)?;
                    (placeholder, Some((r.path, problem)), r.conditions)
                }
                None => {
                    config.validate().map_err(|e| {
                        Error::bad_file(run.join(files::CONFIG), format!("invalid settings: {e}"))
                    })?;
                    let target = config.target.build()?;
                    let conditions = target.conditions();
                    (target, None, conditions)
                }
            };
        let conditions = match config.conditional {
            true => conditions,
            false => Vec::new(),
        };
        let c_dim: usize = conditions.iter().map(Condition::width).sum();
        let mut g_spec = config.generator_spec_for(&target);
        g_spec.widths[0] += c_dim;
        let shape = (&g_spec, target.dim(), config.g_ema > 0.0);
        let (mlp, scaler, source) = load_run_generator(run, step, shape)?;
        Ok(Generator {
            source,
            dir: run.to_path_buf(),
            target,
            data_problem,
            config,
            mlp,
            scaler,
            conditions,
        })
    }

    /// For a data run whose data file is missing or has changed since training: the file and
    /// what is wrong with it. Sampling works; evaluation, which needs the real rows, refuses.
    pub fn data_problem(&self) -> Option<(&Path, &str)> {
        self.data_problem
            .as_ref()
            .map(|(p, m)| (p.as_path(), m.as_str()))
    }

    /// Where its weights were read from ([`Source::Checkpoint`]: the run is not finished).
    pub fn source(&self) -> Source {
        self.source
    }

    /// The run folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The real data the generator was trained on. For a data run whose file is missing or
    /// changed, a placeholder of the right row length with one row of zeros (see
    /// [`Generator::data_problem`]).
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The settings the generator was trained with.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The names of the conditions, in order (empty unless the GAN is conditional).
    pub fn condition_names(&self) -> Vec<String> {
        self.conditions
            .iter()
            .map(|c| c.name().to_string())
            .collect()
    }

    /// The conditions of a conditional generator (empty otherwise).
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// The width of the condition vector G takes beside its noise.
    pub fn c_dim(&self) -> usize {
        self.conditions.iter().map(Condition::width).sum()
    }

    /// Parses `NAME=VALUE` pairs (`--condition a=1.8`, `--condition label=2`) into the
    /// condition vector: a number for a numeric condition, one of its values for a category;
    /// every condition given once, and only those.
    pub fn parse_condition(&self, pairs: &[String]) -> Result<Vec<f32>> {
        let names = self.condition_names();
        if names.is_empty() {
            return Err(Error::config(
                "condition",
                "this generator is not conditional (train with `conditional`)",
            ));
        }
        let mut c = vec![0.0f32; self.c_dim()];
        let mut given = vec![false; names.len()];
        for pair in pairs {
            let (name, value) = pair.split_once('=').ok_or_else(|| {
                Error::config(
                    "condition",
                    format!("expected NAME=VALUE, got '{}'", echo(pair)),
                )
            })?;
            let i = names.iter().position(|n| n == name.trim()).ok_or_else(|| {
                Error::config(
                    "condition",
                    format!(
                        "unknown name '{}'; the condition is {}",
                        echo(name),
                        echo(&names.join(", "))
                    ),
                )
            })?;
            if std::mem::replace(&mut given[i], true) {
                return Err(Error::config(
                    "condition",
                    format!("'{}' given twice", echo(name)),
                ));
            }
            self.conditions[i]
                .encode(value, &mut c)
                .map_err(|why| Error::config("condition", format!("{}: {why}", echo(name))))?;
        }
        match given.iter().position(|g| !g) {
            Some(i) => Err(Error::config(
                "condition",
                format!("missing a value for '{}'", echo(&names[i])),
            )),
            None => Ok(c),
        }
    }

    /// G's input for `count` samples (`[count, latent + c]`): noise from `rng`, then
    /// `condition` for every sample or, when `None`, conditions drawn from the data's mix with
    /// the same `rng` ([`draw_input`]). A data run whose file is gone cannot draw its mix.
    fn input(
        &self,
        count: usize,
        condition: Option<&[f32]>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<f32>> {
        if let (Some((path, problem)), None, false) =
            (&self.data_problem, condition, self.conditions.is_empty())
        {
            return Err(Error::config(
                "condition",
                format!(
                    "the conditions are drawn from the data's own mix, but the data file {} {problem}: give each condition (`condition` NAME=VALUE; {})",
                    path.display(),
                    echo(&self.condition_names().join(", "))
                ),
            ));
        }
        draw_input(&self.mlp, &self.target, count, self.c_dim(), condition, rng)
    }

    /// G's output for the input rows `input` (from [`Generator::input`]), in the data's units.
    fn run(&self, input: &[f32], tape: &mut Tape) -> Result<Vec<f32>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = self.mlp.forward(input, tape)?.to_vec();
        if let Some(scaler) = &self.scaler {
            scaler.invert(&mut out);
        }
        Ok(out)
    }

    /// The conditions of the input rows `input`, as text, one list per condition.
    fn condition_values(&self, input: &[f32]) -> Vec<Vec<String>> {
        let (width, c) = (self.mlp.spec().input_dim(), self.c_dim());
        let mut out = vec![Vec::new(); self.conditions.len()];
        for row in input.chunks_exact(width.max(1)) {
            let cond = &row[width - c..];
            for (values, condition) in out.iter_mut().zip(&self.conditions) {
                values.push(condition.decode(cond));
            }
        }
        out
    }

    /// Draws `count` samples with noise from `seed`: `[count, n]`, row-major, in the data's
    /// units. A conditional generator uses `condition` for every sample, or, when `None`,
    /// conditions drawn from the target's distribution with the same seed; each sample's
    /// condition comes back in [`Samples::conditions`].
    pub fn sample(&self, count: usize, seed: u64, condition: Option<&[f32]>) -> Result<Samples> {
        let mut rng = Stream::Sample.rng(seed);
        let mut tape = Tape::default();
        let input = self.input(count, condition, &mut rng)?;
        let flat = self.run(&input, &mut tape)?;
        self.check_finite(&flat, 0)?;
        Ok(Samples {
            x: self.target.x().to_vec(),
            curves: flat
                .chunks_exact(self.target.dim())
                .map(<[f32]>::to_vec)
                .collect(),
            conditions: self
                .condition_names()
                .into_iter()
                .zip(self.condition_values(&input))
                .collect(),
            categories: self.categories(),
        })
    }

    /// For each condition, whether it is a category.
    fn categories(&self) -> Vec<bool> {
        let category = |c: &Condition| matches!(c, Condition::Category { .. });
        self.conditions.iter().map(category).collect()
    }

    /// An error naming the weights file if a generated value (rows numbered from `first`) is
    /// not finite: such curves are never printed or scored.
    fn check_finite(&self, flat: &[f32], first: usize) -> Result<()> {
        match flat.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => Err(Error::bad_file(
                self.dir.join(files::GENERATOR),
                format!(
                    "the generator's output is not finite ({} in sample {}): its weights are unusable",
                    flat[i],
                    first + i / self.target.dim().max(1)
                ),
            )),
        }
    }

    /// Writes `count` samples to `out` in `format` as they are generated, [`CHUNK`] at a time,
    /// so that memory does not grow with `count`; the text is that of
    /// [`Samples::render`] for all of them. (The rows past the first chunk of a conditional
    /// generator with drawn conditions differ from one [`Generator::sample`] call: noise
    /// and conditions are drawn chunk by chunk.) With `input`, G's input rows `[z | c]` are
    /// written instead of its samples (the x values then are the column numbers 0, 1, …), so
    /// that another implementation can be run on the same noise. `dest` names `out` in a
    /// write error.
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
    /// written, as [`files::write_atomic_with`] does with its temporary).
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
        let columns: Vec<f32> = (0..self.mlp.spec().input_dim()).map(|i| i as f32).collect();
        let (x, width) = match input {
            true => (columns.as_slice(), columns.len()),
            false => (self.target.x(), self.target.dim()),
        };
        // A conditional generator's samples carry their conditions (not G's input rows, which
        // hold them).
        let names = match input {
            true => Vec::new(),
            false => self.condition_names(),
        };
        let mut put = |text: &str| {
            out.write_all(text.as_bytes())
                .map_err(|e| Error::io("cannot write", dest, e))
        };
        let json = |v: &[f32]| serde_json::to_string(v).unwrap_or_default();
        match format {
            Format::Json => put(&format!("{{\"x\":{},\"curves\":[", json(x)))?,
            Format::Csv => {
                let header = names.iter().cloned().chain(x.iter().map(f32::to_string));
                put(CsvWriter::new().row(header).as_str())?
            }
        }
        // The inputs chunk by chunk, from the seed: the same rows on every pass.
        let chunks = |rng: &mut ChaCha8Rng, done: usize| -> Result<Vec<f32>> {
            self.input(CHUNK.min(count - done), condition, rng)
        };
        let mut rng = Stream::Sample.rng(seed);
        let mut done = 0;
        while done < count {
            if stop() {
                return Err(Error::Cancelled(dest.to_path_buf()));
            }
            let rows = chunks(&mut rng, done)?;
            let n = CHUNK.min(count - done);
            let flat = match input {
                true => rows.clone(),
                false => self.run(&rows, &mut tape)?,
            };
            self.check_finite(&flat, done)?;
            let conditions = match names.is_empty() {
                true => Vec::new(),
                false => self.condition_values(&rows),
            };
            let mut text = String::new();
            let mut csv = CsvWriter::new();
            for (i, curve) in flat.chunks_exact(width).enumerate() {
                match format {
                    Format::Json => {
                        if done + i > 0 {
                            text.push(',');
                        }
                        text.push_str(&json(curve));
                    }
                    Format::Csv => {
                        let values = conditions.iter().map(|v| v[i].clone());
                        csv.row(values.chain(curve.iter().map(f32::to_string)));
                    }
                }
            }
            text.push_str(csv.as_str());
            put(&text)?;
            done += n;
        }
        if format == Format::Csv {
            return Ok(());
        }
        put("]")?;
        // JSON: each condition's values after the curves, one more pass over the inputs each
        // (they are drawn again from the seed, so memory does not grow with `count`).
        if !names.is_empty() {
            put(",\"conditions\":{")?;
            for (k, name) in names.iter().enumerate() {
                if k > 0 {
                    put(",")?;
                }
                put(&format!(
                    "{}:[",
                    serde_json::to_string(name).unwrap_or_default()
                ))?;
                let mut rng = Stream::Sample.rng(seed);
                let mut done = 0;
                while done < count {
                    if stop() {
                        return Err(Error::Cancelled(dest.to_path_buf()));
                    }
                    let rows = chunks(&mut rng, done)?;
                    let values = self.condition_values(&rows).swap_remove(k);
                    let category = self.categories()[k];
                    let mut text = String::new();
                    for (i, v) in values.iter().enumerate() {
                        if done + i > 0 {
                            text.push(',');
                        }
                        text.push_str(&json_value(v, category));
                    }
                    put(&text)?;
                    done += values.len();
                }
                put("]")?;
            }
            put("}")?;
        }
        put("}\n")
    }
}

/// Samples [`Generator::write_samples`] generates at a time.
pub const CHUNK: usize = 4096;

impl Generator {
    /// Refuses (naming `--out`) an output `out` that is a file of a run, or the very file of
    /// one of the files of the run sampled ([`folder::check_out`]).
    pub fn check_out(&self, out: &Path) -> Result<()> {
        folder::check_out(out, &self.dir, "sampling", None)
    }

    /// Refuses (naming `--n`) to write `count` samples into the regular file `out` when their
    /// size — that of the first [`CHUNK`] of them as written, times as many — exceeds the
    /// free space of `out`'s file system. `-`, a device or a FIFO is not checked.
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

/// Generated samples with their x grid, and each sample's conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// The x values, `[n]`.
    pub x: Vec<f32>,
    /// The samples, `[N][n]`.
    pub curves: Vec<Vec<f32>>,
    /// A conditional generator's conditions: each one's name and its value for every sample,
    /// as text (a number, or a category's level). Empty for an unconditional generator.
    pub conditions: Vec<(String, Vec<String>)>,
    /// For each of the conditions, whether it is a category: its values are levels, written
    /// as JSON strings (a number's as JSON numbers).
    pub categories: Vec<bool>,
}

/// Output format of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A header of (the conditions' names and) the x values, then one sample per line.
    Csv,
    /// `{"x": [...], "curves": [[...], ...]}` (and `"conditions": {"NAME": [...], …}`).
    Json,
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
    /// The samples as text in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                // Plain vectors of floats always serialise.
                format!(
                    "{{\"x\":{},\"curves\":{}{}}}\n",
                    serde_json::to_string(&self.x).unwrap_or_default(),
                    serde_json::to_string(&self.curves).unwrap_or_default(),
                    json_conditions(&self.conditions, &self.categories)
                )
            }
            Format::Csv => {
                let mut csv = CsvWriter::new();
                let names = self.conditions.iter().map(|(n, _)| n.clone());
                csv.row(names.chain(self.x.iter().map(f32::to_string)));
                for (i, c) in self.curves.iter().enumerate() {
                    let values = self.conditions.iter().map(|(_, v)| v[i].clone());
                    csv.row(values.chain(c.iter().map(f32::to_string)));
                }
                csv.finish()
            }
        }
    }
}

/// Checks an evaluation of `count` samples from a generator of shape `g` on samples of size
/// `dim` before it starts: at least [`MIN_EVAL_COUNT`], and within [`MAX_BYTES`] of memory;
/// `option` names `count` in the error (e.g. `--n`, `--eval-n`).
pub fn check_eval_count(g: &MlpSpec, dim: usize, count: usize, option: &str) -> Result<()> {
    if count < MIN_EVAL_COUNT {
        return Err(Error::config(
            option,
            format!(
                "needs at least {MIN_EVAL_COUNT} samples (k-NN metrics use k = 3), got {count}"
            ),
        ));
    }
    // G's forward pass, the fakes and as many reals, 8 bytes a value to leave room.
    let bytes = g
        .widths
        .iter()
        .chain([&dim, &dim])
        .try_fold(0u64, |sum, &w| sum.checked_add(w as u64))
        .and_then(|row| row.checked_mul(count as u64)?.checked_mul(8));
    match bytes {
        Some(b) if b <= MAX_BYTES => Ok(()),
        _ => Err(memory_error(option, &count.to_string(), bytes)),
    }
}

/// Scores `generator` on every metric that fits its target, with `count` generated samples
/// (noise from `seed`) against `count` real samples (from `seed`'s own stream; a data set's
/// held-out rows), in the data's units. `count` must be
/// at least [`MIN_EVAL_COUNT`]; `option` names it in the error (e.g. `--n`).
pub fn evaluate(generator: &Generator, count: usize, seed: u64, option: &str) -> Result<Scores> {
    if let Some((path, problem)) = generator.data_problem() {
        return Err(Error::bad_file(
            path,
            format!("evaluation needs the run's real data, but the data file {problem}"),
        ));
    }
    let target = generator.target();
    check_eval_count(generator.mlp.spec(), target.dim(), count, option)?;
    let fake: Vec<f32> = generator
        .sample(count, seed, None)?
        .curves
        .into_iter()
        .flatten()
        .collect();
    // A data set's held-out rows (all of them), else `count` fresh real samples.
    let real = target.eval_real(count, &mut Stream::EvalCommandReal.rng(seed))?;
    let names = available(target, generator.config().conditional);
    // The curve measures' own samples: noise from a stream of their own for `seed`.
    let mut rng = Stream::EvalCommandMeasures.rng(seed);
    let mut sampler = GeneratorSampler::new(&generator.mlp, target, generator.c_dim(), &mut rng);
    let values = score(target, &fake, Some(&real), &names, &mut sampler, seed)?;
    let metrics: Vec<(String, f64)> = names.iter().map(|n| n.to_string()).zip(values).collect();
    Ok(Scores {
        run: Some(generator.dir().to_path_buf()),
        step: None,
        target: generator.config().target.name().to_string(),
        samples: count,
        notes: notes(&metrics),
        metrics,
        channels: per_channel(target, &fake, &real)?,
    })
}
