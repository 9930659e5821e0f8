//! The GAN objectives: which loss D and G minimise, D's output head, and each kind's defaults.
//!
//! D maps a batch `[B, n]` to one score per row, `[B, 1]`, seen here as `[B]`. With
//! `s_r = D(real)` and `s_f = D(fake)` (the fake batch detached from G in D's update) and
//! `s = D(G(z_g))` in G's update, every mean taken over the B rows:
//!
//! | kind | D's head | D_loss | G_loss |
//! |---|---|---|---|
//! | `tutorial` | sigmoid | `bce(1 − s_r, 1) + bce(1 − s_f, 0)` | `bce(s, 0)` |
//! | `minimax` | none | `bce_logits(s_r, 1) + bce_logits(s_f, 0)` | `−bce_logits(s, 0)` = mean ln(1 − σ(s)) |
//! | `nonsaturating` | none | as minimax | `bce_logits(s, 1)` = −mean ln σ(s) |
//! | `lsgan` | none | `0.5·mean((s_r − 1)²) + 0.5·mean(s_f²)` | `0.5·mean((s − 1)²)` |
//! | `hinge` | none | `mean(relu(1 − s_r)) + mean(relu(1 + s_f))` | `−mean(s)` |
//! | `wgan` | none | `mean(s_f) − mean(s_r)`, then every D parameter clamped to [−clip, clip] | `−mean(s)` |
//! | `wgan-gp` | none | `mean(s_f) − mean(s_r) + λ·P` | `−mean(s)` |
//!
//! `bce` is `nn.BCELoss` on probabilities and `bce_logits` is
//! `F.binary_cross_entropy_with_logits` on raw scores: `ℓ = (1 − t)·s − log_sigmoid(s)` with
//! `log_sigmoid(s) = min(s, 0) − log1p(e^(−|s|))` (see [`crate::nn::criterion`] for both and their
//! gradients).
//!
//! **The tutorial's losses** ([`tutorial_term`]). D outputs a probability `D(x)`, but the
//! tutorial's labels are inverted, so D learns the probability that its input is *fake*:
//! ```text
//! D_loss = bce(1 − D(real), 1) + bce(1 − D(fake), 0) = −mean ln(1 − D(real)) − mean ln D(fake)
//! G_loss = bce(D(fake), 0)                             = −mean ln(1 − D(fake))
//! ```
//! With `q = 1 − D` (the probability of *real*) this is exactly the standard GAN's
//! discriminator loss and the non-saturating generator loss −mean ln q(fake). At equilibrium
//! `D = 1/2` everywhere, so `G_loss = ln 2 ≈ 0.693` and `D_loss = 2 ln 2 ≈ 1.386`.
//! `1 − D` is computed in f32 before the BCE, as in the tutorial, so `D = 1e-8` rounds to
//! `1 − D = 1` (see the fixtures' edge cases).
//!
//! The gradient penalty of `wgan-gp` (see [`crate::nn::gp`]) is, for
//! `x̂ = ε·real + (1 − ε)·fake` with one `ε ~ U[0, 1)` per row,
//! `P = mean_j (‖∂D(x̂)_j/∂x̂_j‖₂ − 1)²`, with weight λ = 10 by default. [`LossKind::d_loss`]
//! returns only the Wasserstein part `mean(s_f) − mean(s_r)`; the training step adds `λ·P`.
//!
//! **R1** (Mescheder et al., 2018; `r1 = γ > 0`, every kind but `tutorial` and `wgan-gp`):
//! D's loss gets `(γ/2)·mean_j ‖∂s_r,j/∂x_j‖²`, the squared gradient of D's raw output (the
//! logit) at the real rows (with PacGAN packing, D's packed input rows), see
//! [`crate::nn::gp`]. `tutorial`'s D ends in a sigmoid (its output is a probability, not a
//! logit) and `wgan-gp` has its own gradient penalty: both refuse it.
//!
//! Defaults per kind (those of the PyTorch fixtures, `tests/fixtures/losses/`): `wgan` and
//! `wgan-gp` take 5 D updates ("critic" updates) per G update, the others 1; `wgan` uses
//! RMSprop(lr 5e-5), `wgan-gp` Adam(lr 1e-4, betas (0.5, 0.9)), the others Adam(lr 1e-4,
//! betas (0.9, 0.999)); the clip bound is 0.01.
//!
//! ```
//! use curvegan::gan::loss::LossKind;
//!
//! let kind: LossKind = "hinge".parse().unwrap();
//! let (s_real, s_fake) = ([2.0f32, 0.5], [-2.0f32, 0.0]); // [B = 2]
//! let (mut g_real, mut g_fake) = ([0.0; 2], [0.0; 2]);
//! let d_loss = kind
//!     .d_loss(&s_real, &s_fake, &mut g_real, &mut g_fake, &mut Vec::new())
//!     .unwrap();
//! // mean(relu(1 − s_r)) + mean(relu(1 + s_f)) = (0 + 0.5)/2 + (0 + 1)/2
//! assert!((d_loss - 0.75).abs() < 1e-6);
//! assert_eq!(g_real, [0.0, -0.5]); // ∂D_loss/∂s_r: −1/B where 1 − s_r > 0
//! assert_eq!(g_fake, [0.0, 0.5]);
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::nn::criterion::{bce_logits, bce_to, hinge, least_squares, signed_mean};
use crate::nn::mlp::Activation;
use crate::nn::optim::OptimizerConfig;

/// The default bound of `wgan`'s weight clipping: every D parameter is clamped to
/// `[−0.01, 0.01]` after each D update.
pub const DEFAULT_CLIP: f64 = 0.01;

/// The default weight λ of `wgan-gp`'s gradient penalty.
pub const DEFAULT_GP_WEIGHT: f64 = 10.0;

/// The GAN objective (see the module docs for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LossKind {
    /// The tutorial's: D has a sigmoid head and its labels are inverted (D outputs the
    /// probability of *fake*); see the module docs and [`tutorial_term`].
    #[serde(alias = "seed")]
    Tutorial,
    /// The original GAN's minimax game on logits; G minimises `mean ln(1 − σ(s))`, which
    /// saturates when D rejects the fakes confidently.
    Minimax,
    /// Minimax's D loss with the non-saturating G loss `−mean ln σ(s)`.
    Nonsaturating,
    /// Least squares (LSGAN): D regresses real to 1 and fake to 0, G pulls fake to 1.
    Lsgan,
    /// Hinge loss on D (margin 1), `−mean(s)` for G.
    Hinge,
    /// Wasserstein GAN with weight clipping (D is a "critic" with bounded weights).
    Wgan,
    /// Wasserstein GAN with a gradient penalty on interpolates between real and fake.
    WganGp,
}

/// The equilibrium values of a loss ([`LossKind::equilibrium`]): `(value, label)` where the
/// loss fixes one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Equilibrium {
    /// D's mean output on real and on fake samples.
    pub d_output: Option<(f32, &'static str)>,
    /// D's loss.
    pub d_loss: Option<(f32, &'static str)>,
    /// G's loss.
    pub g_loss: Option<(f32, &'static str)>,
}

impl LossKind {
    /// Whether D's loss can take R1 ([`LossSettings::r1`]): not `tutorial` (its D ends in a
    /// sigmoid, and R1 penalises a logit's gradient) nor `wgan-gp` (it has its own penalty).
    pub fn takes_r1(self) -> bool {
        !matches!(self, LossKind::Tutorial | LossKind::WganGp)
    }

    /// Every kind, in the order of the module docs' table.
    pub const ALL: [LossKind; 7] = [
        LossKind::Tutorial,
        LossKind::Minimax,
        LossKind::Nonsaturating,
        LossKind::Lsgan,
        LossKind::Hinge,
        LossKind::Wgan,
        LossKind::WganGp,
    ];

    /// The name used in configs and on the command line, e.g. `"wgan-gp"`.
    pub fn name(self) -> &'static str {
        match self {
            LossKind::Tutorial => "tutorial",
            LossKind::Minimax => "minimax",
            LossKind::Nonsaturating => "nonsaturating",
            LossKind::Lsgan => "lsgan",
            LossKind::Hinge => "hinge",
            LossKind::Wgan => "wgan",
            LossKind::WganGp => "wgan-gp",
        }
    }

    /// D's output activation: `Sigmoid` for `tutorial` (D outputs a probability), `Identity` for
    /// every other kind (D outputs a raw score).
    pub fn head(self) -> Activation {
        match self {
            LossKind::Tutorial => Activation::Sigmoid,
            _ => Activation::Identity,
        }
    }

    /// The values at equilibrium — G's distribution equal to the data's and D optimal — of
    /// D's mean output and of both losses, each with a short label, where the loss fixes them:
    ///
    /// | kind | D's output | D_loss | G_loss |
    /// |---|---|---|---|
    /// | `tutorial` | 0.5 (a probability) | 2 ln 2 | ln 2 |
    /// | `minimax` | 0 (a logit) | 2 ln 2 | −ln 2 |
    /// | `nonsaturating` | 0 | 2 ln 2 | ln 2 |
    /// | `lsgan` | 0.5 | 0.25 | 0.125 |
    /// | `hinge` | any in [−1, 1] | 2 | — |
    /// | `wgan`, `wgan-gp` | — (any constant) | 0 (without the penalty) | — |
    pub fn equilibrium(self) -> Equilibrium {
        const LN2: f32 = std::f32::consts::LN_2;
        let v = |x: f32, label: &'static str| Some((x, label));
        let (d_output, d_loss, g_loss) = match self {
            LossKind::Tutorial => (v(0.5, "0.5"), v(2.0 * LN2, "2 ln 2"), v(LN2, "ln 2")),
            LossKind::Minimax => (v(0.0, "0"), v(2.0 * LN2, "2 ln 2"), v(-LN2, "-ln 2")),
            LossKind::Nonsaturating => (v(0.0, "0"), v(2.0 * LN2, "2 ln 2"), v(LN2, "ln 2")),
            LossKind::Lsgan => (v(0.5, "0.5"), v(0.25, "1/4"), v(0.125, "1/8")),
            LossKind::Hinge => (None, v(2.0, "2"), None),
            LossKind::Wgan | LossKind::WganGp => (None, v(0.0, "0"), None),
        };
        Equilibrium {
            d_output,
            d_loss,
            g_loss,
        }
    }

    /// D updates per G update: 5 for `wgan` and `wgan-gp`, 1 otherwise.
    pub fn default_n_critic(self) -> usize {
        match self {
            LossKind::Wgan | LossKind::WganGp => 5,
            _ => 1,
        }
    }

    /// The optimizer (for both nets) of the PyTorch fixtures: RMSprop(lr 5e-5) for `wgan`,
    /// Adam(lr 1e-4, betas (0.5, 0.9)) for `wgan-gp`, Adam(lr 1e-4) otherwise; eps 1e-8.
    pub fn default_optimizer(self) -> OptimizerConfig {
        match self {
            LossKind::Wgan => OptimizerConfig::rmsprop(5e-5),
            LossKind::WganGp => OptimizerConfig::Adam {
                lr: 1e-4,
                betas: [0.5, 0.9],
                eps: 1e-8,
            },
            _ => OptimizerConfig::adam(1e-4),
        }
    }

    /// True for `wgan`: D's parameters are clamped after each D update.
    pub fn clips_weights(self) -> bool {
        self == LossKind::Wgan
    }

    /// True for `wgan-gp`: D's loss includes the gradient penalty.
    pub fn has_gradient_penalty(self) -> bool {
        self == LossKind::WganGp
    }

    /// D's loss from the scores of the real batch `s_real` and of the fake batch `s_fake`
    /// (D's outputs, `[B]` each). Writes ∂D_loss/∂s_real into `grad_real` and ∂D_loss/∂s_fake
    /// into `grad_fake` (same lengths). For `wgan-gp` this is the Wasserstein part only; the
    /// penalty is added by the training step. `scratch` is reused by `tutorial`.
    pub fn d_loss(
        self,
        s_real: &[f32],
        s_fake: &[f32],
        grad_real: &mut [f32],
        grad_fake: &mut [f32],
        scratch: &mut Vec<f32>,
    ) -> Result<f32> {
        match self {
            LossKind::Tutorial => {
                let real = tutorial_term(TutorialTerm::Real, s_real, grad_real, scratch)?;
                let fake = tutorial_term(TutorialTerm::Fake, s_fake, grad_fake, scratch)?;
                Ok(real + fake)
            }
            LossKind::Minimax | LossKind::Nonsaturating => {
                let real = bce_logits(s_real, 1.0, 1.0, grad_real)?;
                let fake = bce_logits(s_fake, 0.0, 1.0, grad_fake)?;
                Ok(real + fake)
            }
            LossKind::Lsgan => {
                let real = least_squares(s_real, 1.0, grad_real)?;
                let fake = least_squares(s_fake, 0.0, grad_fake)?;
                Ok(real + fake)
            }
            LossKind::Hinge => {
                let real = hinge(s_real, 1.0, grad_real)?;
                let fake = hinge(s_fake, -1.0, grad_fake)?;
                Ok(real + fake)
            }
            LossKind::Wgan | LossKind::WganGp => {
                // mean(s_f) − mean(s_r): the negation is exact, so this is PyTorch's rounding.
                let fake = signed_mean(s_fake, 1.0, grad_fake)?;
                let real = signed_mean(s_real, -1.0, grad_real)?;
                Ok(fake + real)
            }
        }
    }

    /// Whether D's higher outputs mean "more real": true for every kind but `tutorial`, whose
    /// D outputs the probability of *fake*. The top-k update keeps G's rows that D finds the
    /// most real by this.
    pub fn higher_is_real(self) -> bool {
        self != LossKind::Tutorial
    }

    /// G's loss from the scores `s_fake` (`[B]`) of D on G's fresh fakes; writes ∂G_loss/∂s
    /// into `grad` (same length). `scratch` is reused by `tutorial`.
    pub fn g_loss(self, s_fake: &[f32], grad: &mut [f32], scratch: &mut Vec<f32>) -> Result<f32> {
        match self {
            LossKind::Tutorial => tutorial_term(TutorialTerm::Generator, s_fake, grad, scratch),
            LossKind::Minimax => Ok(-bce_logits(s_fake, 0.0, -1.0, grad)?),
            LossKind::Nonsaturating => bce_logits(s_fake, 1.0, 1.0, grad),
            LossKind::Lsgan => least_squares(s_fake, 1.0, grad),
            LossKind::Hinge | LossKind::Wgan | LossKind::WganGp => signed_mean(s_fake, -1.0, grad),
        }
    }
}

impl fmt::Display for LossKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LossKind {
    type Err = String;

    /// Parses the names of [`LossKind::name`]: `tutorial`, `minimax`, `nonsaturating`,
    /// `lsgan`, `hinge`, `wgan`, `wgan-gp`; `seed`, the tutorial loss's former name, still
    /// reads as `tutorial`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = if s == "seed" { "tutorial" } else { s };
        LossKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = LossKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown loss '{s}' (expected one of {})", names.join(", "))
            })
    }
}

/// Which of the tutorial's three BCE expressions (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TutorialTerm {
    /// `bce(1 − D(real), 1)`: D's loss on real data.
    Real,
    /// `bce(1 − D(fake), 0)`: D's loss on fakes.
    Fake,
    /// `bce(D(fake), 0)`: G's loss.
    Generator,
}

/// One of the tutorial's loss terms of the probabilities `d` (D's outputs, `[N]`), with
/// ∂L/∂d written into `grad` (through the `1 − d` step where there is one). `scratch` holds
/// `1 − d`.
pub fn tutorial_term(
    term: TutorialTerm,
    d: &[f32],
    grad: &mut [f32],
    scratch: &mut Vec<f32>,
) -> Result<f32> {
    match term {
        TutorialTerm::Generator => bce_to(d, 0.0, Some(grad)),
        TutorialTerm::Real | TutorialTerm::Fake => {
            scratch.clear();
            scratch.extend(d.iter().map(|&v| 1.0 - v));
            let t = if term == TutorialTerm::Real { 1.0 } else { 0.0 };
            let loss = bce_to(scratch, t, Some(grad))?;
            grad.iter_mut().for_each(|g| *g = -*g);
            Ok(loss)
        }
    }
}

/// Everything the training step needs to know about the objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossSettings {
    /// The objective.
    pub kind: LossKind,
    /// D updates per G update (at least 1; exactly 1 for `tutorial`).
    pub n_critic: usize,
    /// `wgan` only: every D parameter is clamped to `[−clip, clip]` after each D update
    /// (rounded to f32, as PyTorch's `clamp_` does). Default [`DEFAULT_CLIP`].
    pub clip: f64,
    /// `wgan-gp` only: the weight λ of the gradient penalty (rounded to f32 where it is used).
    /// Default [`DEFAULT_GP_WEIGHT`].
    pub gp_weight: f64,
    /// R1's γ: D's loss gets `(γ/2)·mean ‖∇ₓ D(real)‖²` (`γ/2` rounded to f32). 0 (the
    /// default) turns it off.
    pub r1: f64,
    /// Top-k update of G: the fraction ν ∈ (0, 1] of D's scores that G's loss keeps once
    /// annealed (see [`LossSettings::g_rows`]); 1 (the default) keeps every row.
    pub top_k: f64,
    /// Steps over which the kept fraction falls linearly from 1 to `top_k` (0: `top_k` from
    /// the first step).
    pub top_k_anneal: usize,
}

impl LossSettings {
    /// The kind's defaults: its `n_critic`, clip 0.01, penalty weight 10.
    pub fn new(kind: LossKind) -> Self {
        LossSettings {
            kind,
            n_critic: kind.default_n_critic(),
            clip: DEFAULT_CLIP,
            gp_weight: DEFAULT_GP_WEIGHT,
            r1: 0.0,
            top_k: 1.0,
            top_k_anneal: 0,
        }
    }

    /// How many of D's `rows` scores G's loss keeps in the G update of step `t` (counted
    /// from 0): with `k_min` = ν·rows rounded to the nearest integer (at least 1) and
    /// `T = top_k_anneal`, `k_t = rows − ⌊(rows − k_min)·min(t, T) / T⌋` (`k_min` from the
    /// start when `T = 0`).
    /// Integer arithmetic only, so every machine keeps the same rows.
    ///
    /// ```
    /// use curvegan::gan::loss::{LossKind, LossSettings};
    ///
    /// let mut loss = LossSettings::new(LossKind::Nonsaturating);
    /// assert_eq!(loss.g_rows(100, 0), 100); // off: every row
    /// (loss.top_k, loss.top_k_anneal) = (0.5, 1000);
    /// assert_eq!(loss.g_rows(100, 0), 100);
    /// assert_eq!(loss.g_rows(100, 500), 75);
    /// assert_eq!(loss.g_rows(100, 1000), 50);
    /// assert_eq!(loss.g_rows(100, 5000), 50);
    /// ```
    pub fn g_rows(&self, rows: usize, t: u64) -> usize {
        if self.top_k >= 1.0 || rows == 0 {
            return rows;
        }
        // ν·rows to the nearest integer, at least one row.
        let k_min = ((self.top_k * rows as f64).round() as usize).clamp(1, rows);
        let anneal = self.top_k_anneal as u64;
        if anneal == 0 || t >= anneal {
            return k_min;
        }
        let dropped = (rows - k_min) as u128 * u128::from(t) / u128::from(anneal);
        rows - dropped as usize
    }

    /// The weight `γ/2` of R1's penalty in D's loss, `None` when R1 is off.
    pub fn r1_weight(&self) -> Option<f32> {
        (self.r1 > 0.0).then_some((self.r1 / 2.0) as f32)
    }

    /// Checks the settings; the error names the config key (`n_critic`, `clip`, `gp_weight`,
    /// `r1`, `top_k`, `top_k_anneal`) and the value.
    pub fn validate(&self) -> Result<()> {
        if self.n_critic == 0 {
            return Err(Error::config("n_critic", "must be at least 1, got 0"));
        }
        if self.kind == LossKind::Tutorial && self.n_critic != 1 {
            return Err(Error::config(
                "n_critic",
                format!(
                    "the tutorial loss takes exactly one D update per step (its G update reuses \
                     the D update's noise), got {}",
                    self.n_critic
                ),
            ));
        }
        if !(self.clip.is_finite() && self.clip > 0.0 && (self.clip as f32) > 0.0) {
            return Err(Error::config(
                "clip",
                format!("must be a positive finite number, got {}", self.clip),
            ));
        }
        if !(self.gp_weight.is_finite() && self.gp_weight >= 0.0) {
            return Err(Error::config(
                "gp_weight",
                format!("must be a finite number ≥ 0, got {}", self.gp_weight),
            ));
        }
        if !(self.r1.is_finite() && self.r1 >= 0.0) {
            return Err(Error::config(
                "r1",
                format!("must be a finite number ≥ 0, got {}", self.r1),
            ));
        }
        if !(self.top_k.is_finite() && self.top_k > 0.0 && self.top_k <= 1.0) {
            return Err(Error::config(
                "top_k",
                format!(
                    "must be a fraction in (0, 1] (of D's scores that G's loss keeps), got {}",
                    self.top_k
                ),
            ));
        }
        if self.top_k_anneal > 0 && self.top_k >= 1.0 {
            return Err(Error::config(
                "top_k_anneal",
                format!(
                    "{} steps given, but G's loss keeps every row (`top_k` 1): give `top_k` a \
                     fraction below 1 to anneal to",
                    self.top_k_anneal
                ),
            ));
        }
        if self.r1 > 0.0 && !self.kind.takes_r1() {
            let why = match self.kind {
                LossKind::Tutorial => {
                    "its D ends in a sigmoid and R1 penalises the gradient of a logit"
                }
                _ => "it has its own gradient penalty (`gp_weight`)",
            };
            return Err(Error::config(
                "r1",
                format!(
                    "{} given, but the {} loss cannot take it: {why}",
                    self.r1, self.kind
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With D's output at its equilibrium value on every real and fake sample, each loss
    /// evaluates to its equilibrium value (hinge: any output in [−1, 1]; wgan: any constant).
    #[test]
    fn equilibrium_values_are_the_losses_at_the_equilibrium_output() {
        for kind in LossKind::ALL {
            let eq = kind.equilibrium();
            let outputs: &[f32] = match eq.d_output {
                Some((v, _)) => &[v][..],
                None => &[-1.0, -0.3, 0.0, 0.7, 1.0],
            };
            for &o in outputs {
                let s = [o; 4];
                let (mut gr, mut gf, mut scratch) = ([0.0; 4], [0.0; 4], Vec::new());
                let d = kind.d_loss(&s, &s, &mut gr, &mut gf, &mut scratch).unwrap();
                let g = kind.g_loss(&s, &mut gr, &mut scratch).unwrap();
                let (want, _) = eq.d_loss.unwrap();
                assert!(
                    (d - want).abs() < 1e-6,
                    "{kind} D_loss {d} at {o}, want {want}"
                );
                if let Some((want, _)) = eq.g_loss {
                    assert!(
                        (g - want).abs() < 1e-6,
                        "{kind} G_loss {g} at {o}, want {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in LossKind::ALL {
            assert_eq!(kind.to_string().parse::<LossKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(serde_json::from_str::<LossKind>(&json).unwrap(), kind);
        }
        assert_eq!("wgan-gp".parse::<LossKind>(), Ok(LossKind::WganGp));
        let err = "wgan_gp".parse::<LossKind>().unwrap_err();
        assert!(err.contains("wgan_gp") && err.contains("wgan-gp"), "{err}");
    }

    #[test]
    fn settings_are_validated() {
        for kind in LossKind::ALL {
            assert!(LossSettings::new(kind).validate().is_ok(), "{kind}");
        }
        let bad = [
            (
                LossSettings {
                    n_critic: 0,
                    ..LossSettings::new(LossKind::Wgan)
                },
                "n_critic",
                "0",
            ),
            (
                LossSettings {
                    n_critic: 3,
                    ..LossSettings::new(LossKind::Tutorial)
                },
                "n_critic",
                "3",
            ),
            (
                LossSettings {
                    clip: -0.5,
                    ..LossSettings::new(LossKind::Wgan)
                },
                "clip",
                "-0.5",
            ),
            (
                LossSettings {
                    clip: f64::NAN,
                    ..LossSettings::new(LossKind::Wgan)
                },
                "clip",
                "NaN",
            ),
            (
                LossSettings {
                    gp_weight: -1.0,
                    ..LossSettings::new(LossKind::WganGp)
                },
                "gp_weight",
                "-1",
            ),
            (
                LossSettings {
                    r1: f64::NAN,
                    ..LossSettings::new(LossKind::Nonsaturating)
                },
                "r1",
                "NaN",
            ),
            (
                LossSettings {
                    r1: 10.0,
                    ..LossSettings::new(LossKind::Tutorial)
                },
                "r1",
                "10",
            ),
            (
                LossSettings {
                    r1: 2.5,
                    ..LossSettings::new(LossKind::WganGp)
                },
                "r1",
                "2.5",
            ),
            (
                LossSettings {
                    top_k: 0.0,
                    ..LossSettings::new(LossKind::Nonsaturating)
                },
                "top_k",
                "0",
            ),
            (
                LossSettings {
                    top_k: 1.5,
                    ..LossSettings::new(LossKind::Hinge)
                },
                "top_k",
                "1.5",
            ),
            (
                LossSettings {
                    top_k: f64::NAN,
                    ..LossSettings::new(LossKind::Tutorial)
                },
                "top_k",
                "NaN",
            ),
            (
                LossSettings {
                    top_k_anneal: 500,
                    ..LossSettings::new(LossKind::Nonsaturating)
                },
                "top_k_anneal",
                "500",
            ),
        ];
        for (settings, option, value) in bad {
            let msg = settings.validate().unwrap_err().to_string();
            assert!(msg.contains(option) && msg.contains(value), "{msg}");
        }
    }

    /// Every kind's analytic ∂loss/∂s against central differences in f64 of the f32 loss.
    #[test]
    fn loss_gradients_match_finite_differences() {
        let s_real = [0.7f32, -0.3, 1.6, -1.2, 0.2];
        let s_fake = [-0.4f32, 0.9, -1.7, 0.05, 1.3];
        // The tutorial's D outputs probabilities.
        let p_real = s_real.map(crate::nn::mlp::sigmoid);
        let p_fake = s_fake.map(crate::nn::mlp::sigmoid);
        let mut scratch = Vec::new();
        let h = 1e-3f32;
        for kind in LossKind::ALL {
            let (r, f) = if kind == LossKind::Tutorial {
                (p_real, p_fake)
            } else {
                (s_real, s_fake)
            };
            let (mut gr, mut gf, mut gg) = ([0.0; 5], [0.0; 5], [0.0; 5]);
            kind.d_loss(&r, &f, &mut gr, &mut gf, &mut scratch).unwrap();
            kind.g_loss(&f, &mut gg, &mut scratch).unwrap();
            let mut d = |r: &[f32], f: &[f32]| {
                let (mut a, mut b) = ([0.0; 5], [0.0; 5]);
                kind.d_loss(r, f, &mut a, &mut b, &mut scratch).unwrap() as f64
            };
            for i in 0..5 {
                let probe = |v: &[f32; 5], delta: f32| {
                    let mut w = *v;
                    w[i] += delta;
                    w
                };
                let num_r = (d(&probe(&r, h), &f) - d(&probe(&r, -h), &f)) / (2.0 * h as f64);
                let num_f = (d(&r, &probe(&f, h)) - d(&r, &probe(&f, -h))) / (2.0 * h as f64);
                for (what, a, n) in [("real", gr[i], num_r), ("fake", gf[i], num_f)] {
                    assert!(
                        (a as f64 - n).abs() <= 1e-3 * (1.0 + n.abs()),
                        "{kind} D_loss ∂/∂s_{what}[{i}]: analytic {a}, numeric {n}"
                    );
                }
            }
            let mut g = |f: &[f32]| {
                let mut a = [0.0; 5];
                kind.g_loss(f, &mut a, &mut scratch).unwrap() as f64
            };
            for i in 0..5 {
                let (mut plus, mut minus) = (f, f);
                plus[i] += h;
                minus[i] -= h;
                let num = (g(&plus) - g(&minus)) / (2.0 * h as f64);
                assert!(
                    (gg[i] as f64 - num).abs() <= 1e-3 * (1.0 + num.abs()),
                    "{kind} G_loss ∂/∂s[{i}]: analytic {}, numeric {num}",
                    gg[i]
                );
            }
        }
    }

    #[test]
    fn logit_losses_are_stable_for_large_scores() {
        let mut g = [0.0; 2];
        // softplus(−s) at s = ±200: 0 and 200, never inf or NaN.
        let l = bce_logits(&[200.0, -200.0], 1.0, 1.0, &mut g).unwrap();
        assert!((l - 100.0).abs() < 1e-4, "{l}");
        assert_eq!(g, [0.0, -0.5]);
        let l = LossKind::Minimax.g_loss(&[200.0, -200.0], &mut g, &mut Vec::new());
        assert!((l.unwrap() + 100.0).abs() < 1e-4);
    }

    #[test]
    fn shape_errors_are_errors() {
        let mut scratch = Vec::new();
        for kind in LossKind::ALL {
            let (mut a, mut b) = ([0.0; 2], [0.0; 3]);
            assert!(kind
                .d_loss(&[0.5; 2], &[0.5; 2], &mut a, &mut b, &mut scratch)
                .is_err());
            assert!(kind.g_loss(&[], &mut [], &mut scratch).is_err(), "{kind}");
        }
    }
}
