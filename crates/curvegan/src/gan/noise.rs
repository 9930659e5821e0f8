//! The randomness of a run and G's input: standard normal noise, the random streams, and the
//! conditional input `[z | c]`.
//!
//! Every random draw of a run comes from ChaCha8 seeded with the run's seed; the draws of
//! different purposes come from different streams ([`ChaCha8Rng::set_stream`]), so that one
//! purpose never shifts another's numbers. [`Stream`] lists every stream id; they are defined
//! here and nowhere else, and [`Stream::rng`] is the one way to make a run's generator.
//!
//! A conditional G sees its noise with the condition appended, `[z | c]`: `[B, latent + c]`
//! ([`with_condition`]); [`generate`] draws noise (and conditions) and runs G, in evaluation
//! mode: a generator with batch normalisation samples with its running statistics.
//!
//! ```
//! use curvegan::gan::noise::{fill_normal, Stream};
//!
//! let mut z = [0.0f32; 2 * 3]; // [B = 2, latent 3]
//! fill_normal(&mut Stream::Train.rng(42), &mut z);
//! let mut again = [0.0f32; 6];
//! fill_normal(&mut Stream::Train.rng(42), &mut again);
//! assert_eq!(z, again); // same seed, same stream: the same bits
//! ```

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::data::target::Target;
use crate::error::{Error, Result};
use crate::nn::mlp::{Mlp, Tape};

/// The purpose of a random draw, and with it the ChaCha8 stream it comes from ([`Stream::id`]).
///
/// | stream | id | draws |
/// |---|---|---|
/// | [`Stream::Train`] | 0 | initial weights (G, then D), then every step's real batch and noise |
/// | [`Stream::Sample`] | 0 | `curvegan sample`'s noise (and conditions); its own seed |
/// | [`Stream::Figures`] | 2 | the real curves or points drawn in the step figures |
/// | [`Stream::EvalCommandReal`] | 3 | the real samples `curvegan eval` compares a generator with |
/// | [`Stream::TrainingEvalReal`] | 4 | the real samples every evaluation of a run compares with |
/// | [`Stream::EvalCommandMeasures`] | 5 | the noise of the samples `curvegan eval`'s curve measures draw (a data set's) |
/// | [`Stream::TrainingEval`] | 2³² + step | the noise of the evaluation at `step` (the curve measures' samples after the evaluation's) |
///
/// Stream 1 is unused. A data set's hold-out split has a fixed generator of its own
/// ([`crate::data::data_source::HOLDOUT_SEED`]), the same for every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Training: the initial weights, then each step's real batch and noise.
    Train,
    /// Sampling from a trained generator (the default stream of the seed).
    Sample,
    /// The real data drawn for the figures written during training.
    Figures,
    /// The real samples `curvegan eval` compares a generator's samples with.
    EvalCommandReal,
    /// The real samples every evaluation during training compares with, drawn once per run.
    TrainingEvalReal,
    /// The samples `curvegan eval`'s curve measures draw.
    EvalCommandMeasures,
    /// The noise of the evaluation at training step `step`: one stream per step, so an
    /// evaluation is the same however often earlier ones ran.
    TrainingEval {
        /// The training step evaluated.
        step: u64,
    },
}

impl Stream {
    /// The ChaCha8 stream id (see the table of [`Stream`]).
    pub fn id(self) -> u64 {
        match self {
            Stream::Train | Stream::Sample => 0,
            Stream::Figures => 2,
            Stream::EvalCommandReal => 3,
            Stream::TrainingEvalReal => 4,
            Stream::EvalCommandMeasures => 5,
            Stream::TrainingEval { step } => (1 << 32) + step,
        }
    }

    /// This stream's generator for `seed`: ChaCha8 seeded with `seed`, on stream [`Stream::id`].
    pub fn rng(self, seed: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(self.id());
        rng
    }
}

/// Fills `out` with standard normal draws, in order (like `torch.randn` fills a tensor).
pub fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f32]) {
    for v in out {
        *v = StandardNormal.sample(rng);
    }
}

/// `[x | c]`: each of the `rows` rows of `x` followed by the same row of `c`, written into
/// `buf` and returned; `x` itself when there is no condition (`c` empty).
pub fn with_condition<'a>(
    buf: &'a mut Vec<f32>,
    x: &'a [f32],
    c: &[f32],
    rows: usize,
) -> &'a [f32] {
    if c.is_empty() || rows == 0 {
        return x;
    }
    let (wx, wc) = (x.len() / rows, c.len() / rows);
    buf.clear();
    for (rx, rc) in x.chunks_exact(wx).zip(c.chunks_exact(wc)) {
        buf.extend_from_slice(rx);
        buf.extend_from_slice(rc);
    }
    buf
}

/// G's input for `count` samples (`[count, latent + c_dim]`): noise `[count, latent]` drawn
/// from `rng` first; then, for a conditional generator (`c_dim > 0`), `condition` (`[c_dim]`)
/// for every sample, or when `None` conditions drawn from `target`'s distribution with the
/// same `rng`; then `[z | c]`.
pub fn draw_input(
    generator: &Mlp,
    target: &Target,
    count: usize,
    c_dim: usize,
    condition: Option<&[f32]>,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<f32>> {
    let width = generator.spec().input_dim();
    let latent = width.checked_sub(c_dim).filter(|&k| k > 0).ok_or_else(|| {
        Error::Shape(format!(
            "G's input width {width} leaves no room for noise beside a condition of {c_dim}"
        ))
    })?;
    let mut noise = vec![0.0; count * latent];
    fill_normal(rng, &mut noise);
    let cond = match condition {
        _ if c_dim == 0 => Vec::new(),
        Some(c) if c.len() == c_dim => c.repeat(count),
        Some(c) => {
            return Err(Error::config(
                "condition",
                format!("{} values given, the generator takes {c_dim}", c.len()),
            ))
        }
        None => {
            let mut real = vec![0.0; count * target.dim()];
            let mut cond = vec![0.0; count * c_dim];
            target.draw(rng, &mut real, Some(&mut cond))?;
            cond
        }
    };
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut buf = Vec::new();
    Ok(with_condition(&mut buf, &noise, &cond, count).to_vec())
}

/// G's input for `count` samples with a condition each: noise `[count, latent]` drawn from
/// `rng`, then `[z | c]` with the rows of `conditions` (`[count, c_dim]`).
pub fn input_with_conditions(
    generator: &Mlp,
    count: usize,
    conditions: &[f32],
    rng: &mut ChaCha8Rng,
) -> Result<Vec<f32>> {
    let width = generator.spec().input_dim();
    let c_dim = conditions.len() / count.max(1);
    let latent = width
        .checked_sub(c_dim)
        .filter(|&k| k > 0 && c_dim * count == conditions.len());
    let latent = latent.ok_or_else(|| {
        Error::Shape(format!(
            "{} condition values for {count} samples do not fit G's input width {width}",
            conditions.len()
        ))
    })?;
    let mut noise = vec![0.0; count * latent];
    fill_normal(rng, &mut noise);
    let mut buf = Vec::new();
    Ok(with_condition(&mut buf, &noise, conditions, count).to_vec())
}

/// `count` samples of `generator` (`[count, n]`): G's input drawn by [`draw_input`], then
/// `G([z | c])` in evaluation mode (batch normalisation uses its running statistics), its
/// forward pass kept in `tape`.
pub fn generate(
    generator: &Mlp,
    target: &Target,
    count: usize,
    c_dim: usize,
    condition: Option<&[f32]>,
    rng: &mut ChaCha8Rng,
    tape: &mut Tape,
) -> Result<Vec<f32>> {
    let input = draw_input(generator, target, count, c_dim, condition, rng)?;
    if count == 0 {
        return Ok(Vec::new());
    }
    Ok(generator.forward(&input, tape)?.to_vec())
}
