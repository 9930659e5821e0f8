//! Drawing samples from a trained generator, and scoring it; writing them is
//! [`crate::run::train::sample_write`].
//!
//! A run folder's `config.toml` gives the generator's shape and the x grid; its
//! `generator.safetensors` gives the weights. `N` noise vectors `z ~ N(0, I)` of shape
//! `[N, latent]` are drawn from a ChaCha8 generator seeded with the given seed, and
//! `G(z)` (`[N, n]`) is returned.
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

    /// The width of G's input rows `[z | c]`: the noise, then the condition.
    pub fn input_dim(&self) -> usize {
        self.mlp.spec().input_dim()
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
    pub(super) fn input(
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
    pub(super) fn run(&self, input: &[f32], tape: &mut Tape) -> Result<Vec<f32>> {
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
    pub(super) fn condition_values(&self, input: &[f32]) -> Vec<Vec<String>> {
        let (width, c) = (self.input_dim(), self.c_dim());
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
            channels: self.target.channels(),
        })
    }

    /// For each condition, whether it is a category.
    pub(super) fn categories(&self) -> Vec<bool> {
        let category = |c: &Condition| matches!(c, Condition::Category { .. });
        self.conditions.iter().map(category).collect()
    }

    /// An error naming the weights file if a generated value (rows numbered from `first`) is
    /// not finite: such curves are never printed or scored.
    pub(super) fn check_finite(&self, flat: &[f32], first: usize) -> Result<()> {
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
    /// Channels per sample: each sample holds them one after the other, `x` repeating for each.
    pub channels: usize,
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
