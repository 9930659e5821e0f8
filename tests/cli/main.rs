//! Tests that run the real `curvegan` binary on this machine alone, in one test binary: the
//! command line's behaviour, in seconds. The tests that drive other programs (tmux, Chromium,
//! Slurm), inject faults, kill and signal runs, wait on FIFOs, read the public data sets or
//! train for minutes are the `system` target (`tests/system/`); the helpers both use are
//! `tests/common/`.
//!
//! - `any_run`: a stopped or running run sampled and scored at its checkpoint, `--step`,
//!   `sample RUN`;
//! - `bad_input`: every kind of bad input, one table: exit 2, one line, nothing left;
//! - `basics`: the tutorial's run folder, sampling, determinism, bad input;
//! - `bench`: the mode-collapse benchmark tuned (`bench modes --grid`, `--random`): a row per
//!   setting, sorted; a row trained otherwise than the shipped config marked, with a footnote;
//! - `cli_beyond`: every loss, 2-D sets, formulas, data files, deeper and conditional nets;
//! - `docs`: the guide (`docs/`) and the README: the command reference equals every command's
//!   `--help`, every link and anchor resolves, every shell example parses and its flags exist,
//!   the architecture page names every source file;
//! - `export`: `export`'s `generator.onnx`, a file of the run: written atomically, refused onto
//!   the run's other files, replaced by `train --force`;
//! - `grid`: hyperparameter sweeps (`sweep --grid`, `--random`): the table of settings, draws,
//!   bad keys refused, an interrupted grid resumed;
//! - `help`: every `--help` example runs, the help fits 80 columns, an option given twice and
//!   a count that is not a whole number are refused with a clear message;
//! - `data_path`: data files of every format (CSV with condition columns, `.npy`, `.ts`),
//!   the scaler beside G's weights, conditions in samples, the hold-out, the curve measures of
//!   `eval`, a figure panel per channel;
//! - `integrity`: special output files, identical checkpoints, a changed data file;
//! - `model_selection`: evaluation during training, keep-best, early stop, learning-rate
//!   decay;
//! - `runs`: `run.json`, `--name` and `--tag`, the run folder shown at the start, `runs`;
//! - `user_files`: `--force` and `best/`, a run folder moved or removed mid-run, failed runs,
//!   `sample --out` onto a run's files, planted symlinks, interrupted and killed samples, free
//!   space;
//! - `same_rules`: every bad option refused alike when a config file gives it;
//! - `round_trip`: samples written as CSV and `.npy` read back as the same rows (conditions
//!   too), and pandas' CSV files (an index, `;` with decimal commas, tabs) trained on;
//! - `printing`: control characters escaped in everything printed, echoed input cut, a
//!   closed pipe on `report --out -`.

mod any_run;
mod bad_input;
mod basics;
mod bench;
mod cli_beyond;
#[path = "../common/mod.rs"]
mod common;
mod data_path;
mod docs;
mod export;
mod grid;
mod help;
mod integrity;
mod model_selection;
mod printing;
mod round_trip;
mod runs;
mod same_rules;
mod user_files;
