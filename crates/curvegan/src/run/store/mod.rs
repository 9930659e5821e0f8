//! The run folder on disk (may use: text, error, nn, data, gan, eval, config): what a run
//! folder holds and how each file is written and read back. It sees a trainer's state as plain
//! data (weights, optimizer moments, random streams) and never drives a trainer.
//!
//! - [`files`]: file names of a run folder, atomic writes, bounded reads;
//! - [`csv_text`]: CSV text as curvegan writes it;
//! - [`weights`]: a run's nets ↔ the tensors of its safetensors files, both ways;
//! - [`folder`]: opening a run folder for writing: creating, locking, replacing;
//! - [`checkpoint`]: everything needed to continue a run exactly;
//! - [`data_json`]: `data.json`, the data file a `--data` run was trained on;
//! - [`run_json`]: `run.json`, when a run started and ended and how it ended;
//! - [`metrics_csv`]: `metrics.csv`, a row per step;
//! - [`live_json`]: `live.json`, a snapshot of a run for a live view of it;
//! - [`tensorboard`]: the event file of a run's TensorBoard log, kept equal to its rows;
//! - [`tfrecord`]: TensorBoard's event files as bytes: protobuf messages, TFRecord framing;
//! - [`listing`]: the run folders under a folder, as `curvegan runs` lists them.

pub mod checkpoint;
pub mod csv_text;
pub mod data_json;
pub mod files;
pub mod folder;
pub mod listing;
pub mod live_json;
pub mod metrics_csv;
pub mod run_json;
pub mod tensorboard;
pub mod tfrecord;
pub mod weights;
