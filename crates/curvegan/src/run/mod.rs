//! A run on disk (may use: text, error, nn, data, gan, eval, config): the run folder and its
//! files, the trainer, checkpoints, the training loop, figures, sampling from a finished run,
//! sweeps over seeds and the mode-collapse benchmark, locally or on Slurm.
//!
//! Four rooms, bottom up; each uses only the rooms below it (a test, `tests/suite/layers.rs`,
//! keeps it so):
//!
//! - [`store`]: the run folder on disk — file names, atomic writes, the folder lock, weights ↔
//!   safetensors, checkpoints, `metrics.csv`, `run.json`, `data.json`, `live.json`, the listing
//!   of runs. It sees a trainer's state as plain data and never drives one;
//! - [`view`]: figures and the report's page, rendered from what it is given;
//! - [`train`]: the [`train::trainer::Trainer`], the training loop, and loading a finished run's
//!   generator to sample it;
//! - [`scale`]: many runs — sweeps over seeds, the mode-collapse benchmark, on this machine's
//!   threads or on Slurm.

pub mod scale;
pub mod store;
pub mod train;
pub mod view;
