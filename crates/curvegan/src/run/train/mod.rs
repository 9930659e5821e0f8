//! A run in memory (may use: text, error, nn, data, gan, eval, config, run::store, run::view):
//! the trainer, the training loop, and a finished run's generator loaded to sample it.
//!
//! - [`trainer`]: the [`trainer::Trainer`], which owns a run's state and draws its randomness;
//! - [`watch`]: the best-checkpoint watch and early stopping;
//! - [`gather`]: the report's pages gathered from a trainer or a run folder, and written;
//! - [`tables`]: a sweep's or benchmark's tables read back for its page;
//! - [`run_loop`]: the training loop, [`run_loop::train`] and [`run_loop::resume`];
//! - [`snapshot`]: the step figure's data, built once per step, and the live snapshot;
//! - [`sample`]: loading a run's generator, sampling it and scoring it;
//! - [`sample_write`]: its samples written as JSON, CSV or `.npy`, checked before.
//! - [`export`]: a run's generator as an ONNX model (`curvegan export`).

pub mod export;
pub mod gather;
pub mod run_loop;
pub mod sample;
pub mod sample_write;
pub mod snapshot;
pub mod tables;
pub mod trainer;
pub mod watch;
