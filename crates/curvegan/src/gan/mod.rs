//! The GAN (may use: text, error, nn, data): its losses, its randomness, and the training
//! step. Touches no files.
//!
//! - [`loss`]: the seven GAN objectives (the tutorial's, minimax, non-saturating, LSGAN,
//!   hinge, WGAN, WGAN-GP) on D's scores, with their gradients;
//! - [`noise`]: every random stream of a run ([`noise::Stream`]), noise `z ~ N(0, I)`, G's
//!   input `[z | c]`, and drawing samples from G ([`noise::generate`]);
//! - [`step`]: one training step, as the tutorial writes it — a pure function of (weights,
//!   optimizer states, real batch, noise).

pub mod loss;
pub mod noise;
pub mod step;
