//! curvegan: train small generative adversarial networks (GANs) that generate curves and
//! other small vectors from noise.
//!
//! The modules are layers, listed from the bottom up; each imports only from itself and the
//! layers above it in this list (a test, `tests/suite/layers.rs`, keeps it so):
//!
//! - [`text`]: text from outside made safe to print (control characters escaped, long input
//!   cut);
//! - [`error`]: the crate's error type;
//! - [`nn`]: the engine — MLP, optimizers, element losses, gradient penalty, state dicts;
//! - [`data`]: the real data — formulas, CSV files, targets;
//! - [`gan`]: the GAN — loss kinds, noise and random streams, the training step (no files);
//! - [`eval`]: metric functions and the catalogue of metrics by target (no files);
//! - [`config`]: every setting of a run, defaults in one place;
//! - [`run`]: a run on disk — trainer, checkpoints, the training loop, figures, reports, sampling,
//!   sweeps, the mode-collapse benchmark.
//!
//! ```no_run
//! use curvegan::{train, Output, TrainConfig};
//!
//! // The tutorial: G learns y = 2x² + 1 at 15 points of [-1, 1].
//! let config = TrainConfig::default();
//! let out = Output { dir: "runs/example".into(), force: false, label: Default::default() };
//! let summary = train(&config, &out, &mut ()).unwrap();
//! println!("MSE to the target: {:?}", summary.final_eval.get("mse_to_target"));
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod data;
pub mod error;
pub mod eval;
pub mod gan;
pub mod nn;
pub mod run;
pub mod text;

pub use config::TrainConfig;
pub use error::{Error, Result};
pub use run::train::run_loop::{resume, train, Observer, Output, Summary};
pub use run::train::sample::Generator;
pub use run::train::trainer::Trainer;
