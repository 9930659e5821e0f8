//! Drawing samples from a trained generator, and writing them as CSV or JSON.
//!
//! A run folder's `config.toml` gives the generator's shape and the x grid; its
//! `generator.safetensors` gives the weights. `N` noise vectors `z ~ N(0, I)` of shape
//! `[N, latent]` are drawn from a ChaCha8 generator seeded with the given seed, and
//! `G(z)` (`[N, n]`) is returned.
//!
//! - JSON: `{"x": [n x values], "curves": [[n values], …]}`;
//! - CSV: a header line holding the x values, then one curve per line.

use std::fmt::Write as _;
use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::io::load_mlp;
use crate::mlp::{Mlp, Tape};
use crate::run::files;
use crate::train::fill_normal;

/// A trained generator with the settings it was trained with.
#[derive(Debug, Clone)]
pub struct Generator {
    config: TrainConfig,
    x: Vec<f32>,
    mlp: Mlp,
}

impl Generator {
    /// Loads the generator of a run folder.
    pub fn load(run: &Path) -> Result<Self> {
        if !run.is_dir() {
            return Err(Error::config(
                "--run",
                format!("{} is not a run folder", run.display()),
            ));
        }
        let weights = run.join(files::GENERATOR);
        if !weights.is_file() {
            return Err(Error::config(
                "--run",
                format!(
                    "{} has no {} (was training finished?)",
                    run.display(),
                    files::GENERATOR
                ),
            ));
        }
        let config = TrainConfig::load(&run.join(files::CONFIG))?;
        config.validate().map_err(|e| {
            Error::bad_file(run.join(files::CONFIG), format!("invalid settings: {e}"))
        })?;
        let target = config.target.build()?;
        let mlp = load_mlp(&weights, &config.generator_spec(target.dim()))?;
        Ok(Generator {
            x: target.x().to_vec(),
            config,
            mlp,
        })
    }

    /// The settings the generator was trained with.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Draws `count` samples with noise from `seed`: `[count, n]`, row-major.
    pub fn sample(&self, count: usize, seed: u64) -> Result<Samples> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut noise = vec![0.0; count * self.config.latent_dim];
        fill_normal(&mut rng, &mut noise);
        let mut tape = Tape::default();
        let n = self.x.len();
        let flat = if count == 0 {
            Vec::new()
        } else {
            self.mlp.forward(&noise, &mut tape)?.to_vec()
        };
        Ok(Samples {
            x: self.x.clone(),
            curves: flat.chunks_exact(n).map(<[f32]>::to_vec).collect(),
        })
    }
}

/// Generated samples with their x grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Samples {
    /// The x values, `[n]`.
    pub x: Vec<f32>,
    /// The samples, `[N][n]`.
    pub curves: Vec<Vec<f32>>,
}

/// Output format of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A header of x values, then one sample per line.
    Csv,
    /// `{"x": [...], "curves": [[...], ...]}`.
    Json,
}

impl Samples {
    /// The samples as text in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                // Plain vectors of floats always serialise.
                let mut s = serde_json::to_string(self).unwrap_or_default();
                s.push('\n');
                s
            }
            Format::Csv => {
                let mut s = String::new();
                let line = |s: &mut String, v: &[f32]| {
                    for (i, x) in v.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        let _ = write!(s, "{x}");
                    }
                    s.push('\n');
                };
                line(&mut s, &self.x);
                for c in &self.curves {
                    line(&mut s, c);
                }
                s
            }
        }
    }
}
