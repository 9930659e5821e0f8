//! Tests that run the real `curvegan` binary, in one test binary:
//!
//! - `bad_input`: every kind of bad input, one table: exit 2, one line, nothing left;
//! - `basics`: the tutorial's run folder, sampling, determinism, bad input;
//! - `cli_beyond`: every loss, 2-D sets, formulas, data files, deeper and conditional nets;
//! - `model_selection`: evaluation during training, keep-best, early stop, sweeps, the
//!   reduced mode benchmark;
//! - `resume`: kills at random moments, Ctrl-C, extension, `--config` reproduction.

mod bad_input;
mod basics;
mod cli_beyond;
mod common;
mod model_selection;
mod resume;
