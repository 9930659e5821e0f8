//! Many runs (may use: text, error, nn, data, eval, config, run::store, run::view, run::train):
//! one configuration over many seeds, the mode-collapse benchmark, on this machine's threads or
//! on a Slurm cluster.
//!
//! - [`sweep`]: one configuration over many seeds: a seed's score, the sweep's table;
//! - [`grid`]: hyperparameter sweeps: the settings of a grid or a random search, their table;
//! - [`bench`](mod@bench): the mode-collapse benchmark against published rows;
//! - [`timing`]: what a benchmark's trials cost: its wall time, each trial's core-minutes;
//! - [`plan`]: what a sweep's folder runs (a sweep or a benchmark, its seeds), and its table;
//! - [`local`]: sweeps and benchmarks on this machine's threads: started, stopped, continued;
//! - [`script`]: the job-array script of a sweep submitted to Slurm;
//! - [`slurm`]: sweeps and benchmarks handed to a Slurm cluster as a job array.

pub mod bench;
pub mod grid;
pub mod local;
pub mod plan;
pub mod script;
pub mod slurm;
pub mod sweep;
pub mod timing;
