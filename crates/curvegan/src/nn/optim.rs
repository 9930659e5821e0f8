//! Adam and RMSprop with PyTorch's exact single-tensor CPU arithmetic.
//!
//! Both act element-wise on a flat parameter buffer `p` with its gradient `g` (same length).
//! Hyperparameters are kept in `f64`, as Python floats are, and rounded to `f32` where PyTorch
//! rounds them. Fused multiply-adds are used where PyTorch's vectorised kernels use them, which
//! makes the results bit-identical to PyTorch's on the fixtures (see `crates/curvegan/tests/fixtures/README.md`).
//!
//! **Adam** (step t counted from 1, `w = f32(1 − β₁)`):
//! ```text
//! m ← fma(w, g − m, m)            if w < 0.5,  else  fma(w − 1, g − m, g)   (torch.lerp)
//! v ← fma(f32(1 − β₂)·g, g, v·β₂)
//! p ← p + (f32(−lr / (1 − β₁ᵗ))·m) / (√v / f32(√(1 − β₂ᵗ)) + ε)
//! ```
//! **RMSprop** (`centered = False`, no momentum, no bias correction):
//! ```text
//! v ← fma(f32(1 − α)·g, g, v·f32(α))
//! p ← p + (f32(−lr)·g) / (√v + ε)
//! ```
//! Differences from PyTorch: no weight decay, AMSGrad, momentum or centred RMSprop — curvegan's
//! GANs use none of them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::nn::gemm::{vectorised, Isa};

/// An optimizer's kind and hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum OptimizerConfig {
    /// `torch.optim.Adam(lr, betas, eps)`.
    Adam {
        /// Learning rate.
        lr: f64,
        /// (β₁, β₂): decay rates of the first and second moments (PyTorch's default
        /// (0.9, 0.999) when a config file leaves them out).
        #[serde(default = "default_betas")]
        betas: [f64; 2],
        /// Added to the denominator (default 1e-8).
        #[serde(default = "default_eps")]
        eps: f64,
    },
    /// `torch.optim.RMSprop(lr, alpha, eps)`.
    Rmsprop {
        /// Learning rate.
        lr: f64,
        /// Decay rate of the squared-gradient average (default 0.99).
        #[serde(default = "default_alpha")]
        alpha: f64,
        /// Added to the denominator, after the square root (default 1e-8).
        #[serde(default = "default_eps")]
        eps: f64,
    },
}

fn default_betas() -> [f64; 2] {
    [0.9, 0.999]
}

fn default_alpha() -> f64 {
    0.99
}

fn default_eps() -> f64 {
    1e-8
}

impl OptimizerConfig {
    /// Adam with PyTorch's defaults but the given learning rate: betas (0.9, 0.999), eps 1e-8.
    pub fn adam(lr: f64) -> Self {
        OptimizerConfig::Adam {
            lr,
            betas: default_betas(),
            eps: default_eps(),
        }
    }

    /// RMSprop with PyTorch's defaults but the given learning rate: alpha 0.99, eps 1e-8.
    pub fn rmsprop(lr: f64) -> Self {
        OptimizerConfig::Rmsprop {
            lr,
            alpha: default_alpha(),
            eps: default_eps(),
        }
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            OptimizerConfig::Adam { lr, .. } | OptimizerConfig::Rmsprop { lr, .. } => lr,
        }
    }

    /// Checks every hyperparameter; `key` is the optimizer's config key (`optim_g`), and an
    /// error names the key below it that is wrong (`optim_g.lr`, `optim_g.betas`).
    pub fn validate(&self, key: &str) -> Result<()> {
        let option = format!("{key}.lr");
        let lr = self.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return Err(Error::config(
                &option,
                format!("learning rate must be a positive finite number, got {lr}"),
            ));
        }
        // The update rounds the rate to f32 (see the module docs): above f32::MAX it is ∞.
        if !(lr as f32).is_finite() {
            return Err(Error::config(
                option,
                format!(
                    "learning rate {lr:e} is beyond f32's range (at most {:e}): the update computes in f32",
                    f32::MAX
                ),
            ));
        }
        let (eps, unit) = match *self {
            OptimizerConfig::Adam { betas, eps, .. } => (eps, betas.to_vec()),
            OptimizerConfig::Rmsprop { alpha, eps, .. } => (eps, vec![alpha]),
        };
        let decay = match self {
            OptimizerConfig::Adam { .. } => "betas",
            OptimizerConfig::Rmsprop { .. } => "alpha",
        };
        if let Some(b) = unit.iter().find(|b| !(0.0..1.0).contains(*b)) {
            return Err(Error::config(
                format!("{key}.{decay}"),
                format!("decay rates (betas, alpha) must lie in [0, 1), got {b}"),
            ));
        }
        if !(eps.is_finite() && (eps as f32).is_finite() && eps >= 0.0) {
            return Err(Error::config(
                format!("{key}.eps"),
                format!("eps must be finite and ≥ 0, got {eps}"),
            ));
        }
        Ok(())
    }
}

/// An optimizer with its state for one parameter buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimizer {
    config: OptimizerConfig,
    /// Steps taken so far.
    step: u64,
    /// Adam's first moment (`exp_avg`); empty for RMSprop.
    exp_avg: Vec<f32>,
    /// Adam's `exp_avg_sq`, or RMSprop's `square_avg`.
    sq_avg: Vec<f32>,
}

impl Optimizer {
    /// A fresh optimizer for `n` parameters.
    pub fn new(config: OptimizerConfig, n: usize) -> Self {
        let first = match config {
            OptimizerConfig::Adam { .. } => n,
            OptimizerConfig::Rmsprop { .. } => 0,
        };
        Optimizer {
            config,
            step: 0,
            exp_avg: vec![0.0; first],
            sq_avg: vec![0.0; n],
        }
    }

    /// Restores an optimizer from saved state (see [`Optimizer::state`]).
    pub fn from_state(
        config: OptimizerConfig,
        step: u64,
        exp_avg: Vec<f32>,
        sq_avg: Vec<f32>,
    ) -> Result<Self> {
        let fresh = Optimizer::new(config, sq_avg.len());
        if exp_avg.len() != fresh.exp_avg.len() {
            return Err(Error::Shape(format!(
                "optimizer state has {} first-moment values, expected {}",
                exp_avg.len(),
                fresh.exp_avg.len()
            )));
        }
        Ok(Optimizer {
            step,
            exp_avg,
            sq_avg,
            ..fresh
        })
    }

    /// Sets the learning rate of the next steps (a schedule's job, as PyTorch's
    /// `param_group["lr"] = lr`); the state is kept.
    pub fn set_lr(&mut self, value: f64) {
        match &mut self.config {
            OptimizerConfig::Adam { lr, .. } | OptimizerConfig::Rmsprop { lr, .. } => *lr = value,
        }
    }

    /// The hyperparameters.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// `(step, exp_avg, sq_avg)`: everything needed to resume exactly. `exp_avg` is empty for
    /// RMSprop; `sq_avg` is Adam's `exp_avg_sq` or RMSprop's `square_avg`.
    pub fn state(&self) -> (u64, &[f32], &[f32]) {
        (self.step, &self.exp_avg, &self.sq_avg)
    }

    /// One optimizer step: updates `params` in place from `grads`.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32]) -> Result<()> {
        if params.len() != self.sq_avg.len() || grads.len() != params.len() {
            return Err(Error::Shape(format!(
                "optimizer holds state for {} parameters, got {} parameters and {} gradients",
                self.sq_avg.len(),
                params.len(),
                grads.len()
            )));
        }
        self.step += 1;
        // Compiled for the CPU's vector instructions: `mul_add` is one FMA instruction there
        // (a software `fmaf` in portable code), square roots and divisions are vectorised;
        // the same results, bit for bit.
        vectorised(
            Isa::current(),
            #[inline(always)]
            || self.update(params, grads),
        );
        Ok(())
    }

    /// The element-wise update of step `self.step` (already counted).
    #[inline(always)]
    fn update(&mut self, params: &mut [f32], grads: &[f32]) {
        match self.config {
            OptimizerConfig::Adam { lr, betas, eps } => {
                let t = self.step as i32;
                let [beta1, beta2] = betas;
                let bias_correction1 = 1.0 - beta1.powi(t);
                let bias_correction2 = 1.0 - beta2.powi(t);
                let neg_step_size = (-lr / bias_correction1) as f32;
                let bc2_sqrt = bias_correction2.sqrt() as f32;
                let w = (1.0 - beta1) as f32;
                let one_minus_beta2 = (1.0 - beta2) as f32;
                let (beta2, eps) = (beta2 as f32, eps as f32);
                let state = self.exp_avg.iter_mut().zip(self.sq_avg.iter_mut());
                for ((p, &g), (m, v)) in params.iter_mut().zip(grads).zip(state) {
                    // torch.lerp(m, g, w), as its vectorised kernel computes it.
                    let diff = g - *m;
                    *m = if w < 0.5 {
                        w.mul_add(diff, *m)
                    } else {
                        (w - 1.0).mul_add(diff, g)
                    };
                    *v = (one_minus_beta2 * g).mul_add(g, *v * beta2);
                    let denom = v.sqrt() / bc2_sqrt + eps;
                    *p += (neg_step_size * *m) / denom;
                }
            }
            OptimizerConfig::Rmsprop { lr, alpha, eps } => {
                let one_minus_alpha = (1.0 - alpha) as f32;
                let (alpha, neg_lr, eps) = (alpha as f32, -lr as f32, eps as f32);
                for ((p, &g), v) in params.iter_mut().zip(grads).zip(self.sq_avg.iter_mut()) {
                    *v = (one_minus_alpha * g).mul_add(g, *v * alpha);
                    *p += (neg_lr * g) / (v.sqrt() + eps);
                }
            }
        }
    }
}
