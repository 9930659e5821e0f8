//! The randomness of training: standard normal noise, the random streams of a run, and G's
//! conditional input.
//!
//! Every random draw of a run comes from ChaCha8 seeded with the run's seed; the draws of
//! different purposes come from different streams ([`ChaCha8Rng::set_stream`]), so that one
//! purpose never shifts another's numbers. The stream ids are defined here and nowhere else.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Fills `out` with standard normal draws, in order (like `torch.randn` fills a tensor).
pub fn fill_normal(rng: &mut ChaCha8Rng, out: &mut [f32]) {
    for v in out {
        *v = StandardNormal.sample(rng);
    }
}

/// RNG stream of training draws (weights, real batches, noise).
pub const TRAIN_STREAM: u64 = 0;
/// First RNG stream of evaluation draws; the evaluation at step s uses stream base + s.
pub const EVAL_STREAM_BASE: u64 = 1 << 32;

/// RNG stream of the real samples every evaluation of a run compares with.
pub const EVAL_REAL_STREAM: u64 = 4;

/// RNG stream of the real samples `curvegan eval` compares a generator with.
pub const EVAL_COMMAND_REAL_STREAM: u64 = 3;

/// Writes `[a_row | b_row]` for each of the `batch` rows of `a` and `b` into `dst`.
pub fn append_rows(dst: &mut Vec<f32>, a: &[f32], b: &[f32], batch: usize) {
    let (wa, wb) = (a.len() / batch, b.len() / batch);
    dst.clear();
    for (ra, rb) in a.chunks_exact(wa).zip(b.chunks_exact(wb)) {
        dst.extend_from_slice(ra);
        dst.extend_from_slice(rb);
    }
}
