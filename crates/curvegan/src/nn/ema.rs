//! Exponential moving average of a network's parameters (Yazıcı et al., 2019, "The unusual
//! effectiveness of averaging in GAN training").
//!
//! After every update of the parameters `θ` (one flat buffer, [`crate::nn::mlp::Mlp::params`]),
//! the average `θ̄` (same length, same layout) moves towards them:
//!
//! ```text
//! θ̄ ← θ̄ + w · (θ − θ̄)        w = 1 − decay,  decay ∈ [0, 1)
//! ```
//!
//! which is `θ̄ ← decay · θ̄ + (1 − decay) · θ`, computed as PyTorch's `torch.lerp(θ̄, θ, w)`
//! computes it on the CPU: for `w < 0.5` the fused `θ̄ + w·(θ − θ̄)` (one rounding of the
//! product and sum), otherwise `θ − (θ − θ̄)·(1 − w)`. `w` is rounded to f32 once, as PyTorch
//! rounds a Python float weight. The average starts as a copy of the initial parameters, so
//! after `t` updates it is `decay^t · θ₀ + Σ_{s≤t} (1 − decay)·decay^(t−s) · θ_s`.

use crate::nn::gemm::{vectorised, Isa};

/// The f32 lerp weight `1 − decay` for an average with this decay.
pub fn lerp_weight(decay: f64) -> f32 {
    (1.0 - decay) as f32
}

/// `avg ← lerp(avg, params, weight)`, element by element, as PyTorch's CPU `lerp_`.
///
/// `avg` and `params` must have the same length (the layout of one network's parameters);
/// extra elements of the longer slice are left alone.
pub fn update(avg: &mut [f32], params: &[f32], weight: f32) {
    // Compiled for the CPU's vector instructions, as the optimizers' updates are: `mul_add`
    // is one FMA instruction there instead of a call to the software `fmaf` (3 % of a grid25
    // step's time on an AVX2 core); the same results, bit for bit.
    vectorised(
        Isa::current(),
        #[inline(always)]
        || lerp(avg, params, weight),
    );
}

#[inline(always)]
fn lerp(avg: &mut [f32], params: &[f32], weight: f32) {
    if weight.abs() < 0.5 {
        avg.iter_mut()
            .zip(params)
            .for_each(|(a, &p)| *a = weight.mul_add(p - *a, *a));
    } else {
        let rest = 1.0 - weight;
        avg.iter_mut()
            .zip(params)
            .for_each(|(a, &p)| *a = (-(p - *a)).mul_add(rest, p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_average_moves_by_the_weight() {
        let mut avg = vec![0.0f32, 1.0, -2.0];
        update(&mut avg, &[1.0, 1.0, 2.0], lerp_weight(0.75));
        assert_eq!(avg, vec![0.25, 1.0, -1.0]);
        // A large weight takes the other branch and still lands between the two.
        let mut avg = vec![0.0f32, 4.0];
        update(&mut avg, &[1.0, 0.0], 0.75);
        assert_eq!(avg, vec![0.75, 1.0]);
    }

    #[test]
    fn decay_zero_copies_and_the_average_converges() {
        let mut avg = vec![3.0f32; 4];
        update(&mut avg, &[1.0, 2.0, 3.0, 4.0], lerp_weight(0.0));
        assert_eq!(avg, vec![1.0, 2.0, 3.0, 4.0]);
        // After t updates towards a constant the gap is decay^t (0.99^2000 ≈ 2e-9), down to
        // f32's resolution near 1: a step w·(1 − avg) that rounds to nothing leaves a gap of
        // a few ulps.
        let mut avg = vec![0.0f32];
        for _ in 0..2000 {
            update(&mut avg, &[1.0], lerp_weight(0.99));
        }
        assert!((avg[0] - 1.0).abs() < 1e-5, "{}", avg[0]);
        assert!(avg[0] > 0.9999 && avg[0] <= 1.0, "{}", avg[0]);
    }
}
