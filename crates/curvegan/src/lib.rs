//! curvegan: train small generative adversarial networks (GANs) that generate curves and
//! other small vectors from noise.
//!
//! The crate is a small, exact MLP engine with PyTorch's numerics ([`mlp`], [`optim`],
//! [`loss`]), the GAN objectives ([`gan_loss`]: the tutorial's, minimax, non-saturating,
//! LSGAN, hinge, WGAN with weight clipping, WGAN-GP with its exact gradient penalty in
//! [`gp`]), the GAN training step and trainer ([`train`]), what to learn ([`target`]), the
//! run folder with its metrics, figures and weights ([`run`], [`plot`], [`io`]), and sampling
//! from a trained generator ([`sample`]), scoring it ([`metrics`], [`report`]), sweeps over
//! seeds ([`sweep`]) and the mode-collapse benchmark ([`bench`](mod@bench)). The `curvegan`
//! command-line tool is a thin layer over it.
//!
//! ```no_run
//! use curvegan::config::TrainConfig;
//! use curvegan::run::{train, Output};
//!
//! // The tutorial: G learns y = 2x² + 1 at 15 points of [-1, 1].
//! let config = TrainConfig::default();
//! let out = Output { dir: "runs/example".into(), force: false };
//! let summary = train(&config, &out, &mut ()).unwrap();
//! println!("MSE to the target: {:?}", summary.final_eval.mse());
//! ```
#![deny(missing_docs)]

pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod data;
pub mod error;
pub mod expr;
pub mod gan_loss;
pub mod gp;
pub mod io;
pub mod loss;
pub mod metrics;
pub mod mlp;
pub mod optim;
pub mod plot;
pub mod report;
pub mod run;
pub mod sample;
pub mod sweep;
pub mod target;
pub mod train;

pub use error::{Error, Result};
