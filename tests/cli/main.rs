//! Tests that run the real `curvegan` binary, in one test binary:
//!
//! - `bad_input`: every kind of bad input, one table: exit 2, one line, nothing left;
//! - `basics`: the tutorial's run folder, sampling, determinism, bad input;
//! - `cli_beyond`: every loss, 2-D sets, formulas, data files, deeper and conditional nets;
//! - `docs`: the guide (`docs/`) and the README: the command reference equals every command's
//!   `--help`, every link and anchor resolves, every shell example parses and its flags exist,
//!   the architecture page names every source file;
//! - `data_path`: data files of every format (CSV with condition columns, `.npy`, `.ts`),
//!   data on any scale, the scaler beside G's weights, conditions in samples, the hold-out,
//!   the curve measures of `eval`, a figure panel per channel;
//! - `end_of_run`: a run killed after its final checkpoint, two processes for one folder,
//!   sweeps and benchmarks into a non-empty folder;
//! - `integrity`: special output files, identical checkpoints, a changed data file;
//! - `model_selection`: evaluation during training, keep-best, early stop, sweeps, the
//!   reduced mode benchmark;
//! - `report`: `report.html` and `curvegan report` rendered by headless Chromium;
//! - `resume`: kills at random moments, Ctrl-C, extension, `--config` reproduction;
//! - `runs`: `run.json`, `--name` and `--tag`, the run folder shown at the start, `runs`;
//! - `signals`: SIGTERM, SIGHUP and a second Ctrl-C sent to real runs;
//! - `live`: the live view and `watch` in an 80×24 tmux pane (tmux required), and without
//!   a terminal;
//! - `slurm`: sweeps and the mode benchmark through a real one-node Slurm cluster
//!   (`scripts/slurm/start.sh`), requeue included, equal to local runs;
//! - `faults`: a kill or an I/O error injected at every write point of a run, then recovery;
//! - `sweep_resume`: sweeps and benchmarks stopped (Ctrl-C, SIGTERM, SIGKILL, a kill at chosen
//!   writes) and continued to the same result, one process per sweep folder, `--force`.
//! - `user_files`: `--force` and `best/`, a run folder moved or removed mid-run, failed runs,
//!   `sample --out` onto a run's files, planted symlinks, interrupted and killed samples, free
//!   space.
//! - `printing`: control characters escaped in everything printed, echoed input cut, a
//!   closed pipe on `report --out -`;
//! - `reads`: every read bounded (`/dev/zero` and FIFOs in place of a run's files, FIFOs as
//!   `--config` and `--data`), unreadable folders left out by `runs` and `report`.
//! - `ucr`: public UCR/UEA data sets (fetched by `tools/test.sh` with
//!   `examples/fetch_ucr.py`): ItalyPowerDemand's TSTR against TRTR and its classes,
//!   BasicMotions' 6 channels and 4 activities, JapaneseVowels' unequal lengths.

mod bad_input;
mod basics;
mod cli_beyond;
mod common;
mod data_path;
mod docs;
mod end_of_run;
mod faults;
mod integrity;
mod live;
mod model_selection;
mod printing;
mod reads;
mod report;
mod resume;
mod runs;
mod signals;
mod slurm;
mod sweep_resume;
mod ucr;
mod user_files;
