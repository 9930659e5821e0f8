//! The library's integration tests, in one test binary (one link instead of nine):
//!
//! - `golden_*`: against real PyTorch, from the fixtures in `tests/fixtures/` (made by
//!   `tools/make_fixtures.py`; `golden_layers`: batch normalisation and maxout; `golden_basis`:
//!   G's frozen B-spline output basis); `gradcheck`:
//!   backward against finite differences;
//! - `metrics`, `targets`, `plot`: the evaluation metrics, the real data, the figures;
//! - `report`: the HTML run report's data and page;
//! - `run`: training, resuming, sampling and sweeping through the library's API;
//! - `locks`: run folders opened for writing: the lock, `--force`, leftovers, failed resumes;
//! - `integrity`: checkpoint size, checksums, validation of loaded state, data runs, special
//!   files;
//! - `gemm`: the matrix products and training steps, bit for bit the same on every CPU path;
//! - `smooth`: G's smooth output basis against the plain MLP through the basis;
//! - `layers`: the library's modules import only downward, with no cycle; the command line's
//!   too; `sizes`: no source file over 700 lines without a reason;
//! - `fuzz`: the parsers (formula, CSV, TOML, safetensors, checkpoint) on arbitrary and mutated input.

mod common;
mod curves;
mod fuzz;
mod gemm;
mod golden_basis;
mod golden_classifier;
mod golden_ema;
mod golden_layers;
mod golden_losses;
mod golden_mlp;
mod golden_penalties;
mod golden_seed;
mod gradcheck;
mod integrity;
mod layers;
mod live;
mod locks;
mod metrics;
mod plot;
mod report;
mod run;
mod sizes;
mod smooth;
mod targets;
