//! The GAN: its losses, its randomness, and the training step. Touches no files.
//!
//! - [`loss`]: the seven GAN objectives (the tutorial's, minimax, non-saturating, LSGAN,
//!   hinge, WGAN, WGAN-GP) on D's scores, with their gradients;
//! - [`noise`]: the random streams of a run, noise `z ~ N(0, I)` and G's input `[z | c]`;
//! - [`step`]: one training step, as the tutorial writes it — a pure function of (weights,
//!   optimizer states, real batch, noise).

pub mod loss;
pub mod noise;
pub mod step;
