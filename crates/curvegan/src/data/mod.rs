//! The real data G learns from (may use: text, error; not nn): fixed curves, random families
//! and formulas, rows of a CSV file, and the 2-D mode sets. Nothing here knows of networks.
//!
//! - [`input`]: reading files with a bound (regular files, pipes and devices, text);
//! - [`expr`]: formulas in `x` and named parameters, parsed once, with error positions;
//! - [`csv_data`], [`npy`], [`ts`]: the data file formats (CSV, NumPy `.npy`, UCR/UEA `.ts`);
//! - [`dataset`]: a data file's samples (rows of channels × points) and condition columns;
//! - [`scale`]: per-feature scaling fitted on the training rows;
//! - [`data_source`]: a data set split into training and held-out rows, scaled, with its
//!   conditions encoded;
//! - [`target`]: what to learn, its settings ([`target::TargetConfig`]) and the sampler
//!   ([`target::Target`]) that draws real batches `[B, n]` (with their conditions `[B, c]`).

pub mod csv_data;
pub mod data_source;
pub mod dataset;
pub mod expr;
pub mod input;
pub mod npy;
pub mod scale;
pub mod target;
pub mod ts;
