//! Tests that run the real `curvegan` binary, in one test binary:
//!
//! - `basics`: the tutorial's run folder, sampling, determinism, bad input;
//! - `cli_beyond`: every loss, 2-D sets, formulas, data files, deeper and conditional nets;
//! - `model_selection`: evaluation during training, keep-best, early stop, sweeps, the
//!   reduced mode benchmark;
//! - `resume`: kills at random moments, Ctrl-C, extension, `--config` reproduction;
//! - `signals`: SIGTERM, SIGHUP and a second Ctrl-C sent to real runs;
//! - `faults`: a kill or an I/O error injected at every write point of a run, then recovery.

mod basics;
mod cli_beyond;
mod common;
mod faults;
mod model_selection;
mod resume;
mod signals;
