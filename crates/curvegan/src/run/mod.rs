//! A run on disk (may use: text, error, nn, data, gan, eval, config): the run folder and its
//! files, the trainer, checkpoints, the training loop, figures, sampling from a finished run,
//! sweeps over seeds and the mode-collapse benchmark, locally or on Slurm.
//!
//! - [`files`]: file names of a run folder, atomic writes, weights files;
//! - [`folder`]: opening a run folder for writing: creating, locking, replacing;
//! - [`trainer`]: the [`trainer::Trainer`], which owns a run's state and draws its randomness;
//! - [`checkpoint`]: everything needed to continue a run exactly;
//! - [`data_json`]: `data.json`, the data file a `--data` run was trained on;
//! - [`run_json`]: `run.json`, when a run started and ended and how it ended;
//! - [`run_loop`]: the training loop, [`run_loop::train`] and [`run_loop::resume`];
//! - [`live`]: `live.json`, a snapshot of a run for a live view of it;
//! - [`listing`]: the run folders under a folder, as `curvegan runs` lists them;
//! - [`plot`]: the figures;
//! - [`report`]: `report.html`, a run's page for the browser, and pages comparing runs;
//! - [`sample`]: loading a run's generator and sampling it;
//! - [`sweep`]: one configuration over many seeds: a seed's score, the sweep's table;
//! - [`bench`](mod@bench): the mode-collapse benchmark against published rows;
//! - [`plan`]: what a sweep's folder runs (a sweep or a benchmark, its seeds), and its table;
//! - [`local`]: sweeps and benchmarks on this machine's threads: started, stopped, continued;
//! - [`slurm`]: sweeps and benchmarks handed to a Slurm cluster as a job array.

pub mod bench;
pub mod checkpoint;
pub mod data_json;
pub mod files;
pub mod folder;
pub mod listing;
pub mod live;
pub mod local;
pub mod plan;
pub mod plot;
pub mod report;
pub mod run_json;
pub mod run_loop;
pub mod sample;
pub mod slurm;
pub mod sweep;
pub mod trainer;
