//! Tests that run the real `curvegan` binary with other programs, the operating system's
//! signals and special files, public data sets or minutes of training, in one test binary
//! (`cargo test --test system`; `tools/test.sh` installs and starts what they drive). The fast
//! `cli` target (`tests/cli/`) holds the rest; the helpers both use are `tests/common/`.
//!
//! - `onnx`: `export`'s ONNX models checked by `onnx` and run by `onnxruntime` (Python, from
//!   `tools/requirements.txt`), which give `sample`'s curves;
//! - `live`: the live view and `watch` in an 80×24 tmux pane (tmux required), and without
//!   a terminal;
//! - `report`: `report.html` and `curvegan report` rendered by headless Chromium;
//! - `pages`: a sweep's and a benchmark's pages against their tables, and the charts' looks
//!   (text size, log scale, legends, colours, smoothing), in headless Chromium;
//! - `slurm`: sweeps and the mode benchmark through a real one-node Slurm cluster
//!   (`scripts/slurm/start.sh`), requeue included, equal to local runs;
//! - `faults`: a kill or an I/O error injected at every write point of a run, then recovery;
//! - `resume`: kills at random moments, Ctrl-C, extension, `--config` reproduction;
//! - `signals`: SIGTERM, SIGHUP and a second Ctrl-C sent to real runs;
//! - `end_of_run`: a run killed after its final checkpoint, two processes for one folder,
//!   sweeps and benchmarks into a non-empty folder;
//! - `sweep_resume`: sweeps and benchmarks stopped (Ctrl-C, SIGTERM, SIGKILL, a kill at chosen
//!   writes) and continued to the same result, one process per sweep folder, `--force`;
//! - `reads`: every read bounded (`/dev/zero` and FIFOs in place of a run's files, FIFOs as
//!   `--config` and `--data`), unreadable folders left out by `runs` and `report`;
//! - `ucr`: public UCR/UEA data sets (fetched by `tools/test.sh` with
//!   `examples/fetch_ucr.py`): ItalyPowerDemand's TSTR against TRTR and its classes,
//!   BasicMotions' 6 channels and 4 activities, JapaneseVowels' unequal lengths;
//! - `tensorboard`: `--tensorboard` logs read back by TensorBoard's own reader and compared
//!   with `metrics.csv`, the step figures and `config.toml`, after kills and resumes too;
//! - `trials`: data on any scale trains as well as standardised data (three runs of 8000
//!   steps), the mode-collapse benchmark reduced to two trials.

#[path = "../common/mod.rs"]
mod common;
mod end_of_run;
mod faults;
mod live;
mod onnx;
mod pages;
mod reads;
mod report;
mod resume;
mod signals;
mod slurm;
mod sweep_resume;
mod tensorboard;
mod trials;
mod ucr;
