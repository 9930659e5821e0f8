//! Every layer's transposed weight `W_lᵀ`, made once after the parameters change and reused by
//! each forward pass until they change again.
//!
//! A forward pass computes `pre_l = x · W_lᵀ + b_l` with `W_l: [n_{l+1}, n_l]` (PyTorch's
//! layout). The matrix kernel ([`crate::nn::gemm`]) streams rows of its right operand, so it
//! reads `W_lᵀ: [n_l, n_{l+1}]` row-major. A GAN step runs D forward two to four times (real,
//! fake, the generator's step, R1) between two updates of its weights, and G twice; each pass
//! used to transpose every weight again. The cache holds one buffer of the parameters' length in
//! which layer `l`'s range `[weight, bias)` holds `W_lᵀ`, valid until [`super::Mlp::params_mut`]
//! hands out the parameters. The values are the same copies the kernel made before, so results
//! are bit for bit the same.

use std::sync::{Mutex, MutexGuard};

use crate::nn::gemm::transpose_weight;
use crate::nn::mlp::spec::LayerOffsets;

/// The cache: a flag and the buffer, behind a lock so that an `Mlp` stays `Sync` (two threads
/// forwarding one network take turns; nothing else waits on it).
#[derive(Default)]
pub(super) struct Transposed(Mutex<Cache>);

#[derive(Default)]
pub(crate) struct Cache {
    valid: bool,
    /// `[params.len()]`; layer `l`'s `W_lᵀ` at `[weight, bias)`, the rest unused.
    values: Vec<f32>,
}

impl Cache {
    /// Layer `o`'s `W_lᵀ`, `[n_in, n_out]` row-major.
    pub(crate) fn weight_t(&self, o: &LayerOffsets) -> &[f32] {
        &self.values[o.weight..o.bias]
    }
}

impl Transposed {
    /// The cache, filled from `params` if the parameters changed since it was last filled.
    pub(super) fn get(&self, params: &[f32], layers: &[LayerOffsets]) -> MutexGuard<'_, Cache> {
        // A panic while filling leaves `valid` false, so a poisoned cache is refilled.
        let mut cache = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !cache.valid {
            cache.values.resize(params.len(), 0.0);
            for o in layers {
                let (w, wt) = (
                    &params[o.weight..o.bias],
                    &mut cache.values[o.weight..o.bias],
                );
                transpose_weight(w, o.n_out, o.n_in, wt);
            }
            cache.valid = true;
        }
        cache
    }

    /// Marks the cache stale: the parameters are about to change.
    pub(super) fn invalidate(&mut self) {
        self.0.get_mut().unwrap_or_else(|e| e.into_inner()).valid = false;
    }
}

/// A copy starts empty: it fills itself on its first forward pass.
impl Clone for Transposed {
    fn clone(&self) -> Self {
        Transposed::default()
    }
}

/// The cache is derived from the parameters, not part of a network's state: networks with
/// equal parameters are equal whatever their caches hold.
impl PartialEq for Transposed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for Transposed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transposed")
    }
}
