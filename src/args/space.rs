//! `--grid` and `--random` of `sweep` and `bench modes`: the settings a hyperparameter search
//! tries, read by the library's parser ([`Space`]) and drawn.

use curvegan::run::scale::grid::{Setting, Space};
use curvegan::run::scale::sweep::MAX_RUNS;
use curvegan::Error;

/// `--grid` and `--random`; the number of draws is each command's own option (`sweep
/// --trials`, `bench modes --draws`).
#[derive(Debug, clap::Args)]
pub struct SpaceArgs {
    /// Try each of these values of a config key, e.g. "optim_g.lr=1e-4,2e-4"; repeated, the
    /// cross product; every setting runs over every seed, in OUT/setting-NN/seed-S
    #[arg(long, value_name = "KEY=V1,V2,…")]
    grid: Vec<String>,
    /// Draw a config key's value, e.g. "optim_d.lr=loguniform(1e-5,1e-3)", "uniform(A,B)",
    /// "choice(a,b)"; `sweep --trials` (`bench modes --draws`) draws, seeded by the first seed
    #[arg(long, value_name = "KEY=DIST")]
    random: Vec<String>,
}

impl SpaceArgs {
    /// The settings: the grid's points, each with `draws` draws of the random keys seeded by
    /// `first_seed` (none when neither option is given). An error about the number of draws
    /// names `draws_key`, the command's option for it (`trials`, `draws`).
    pub fn settings(
        &self,
        draws: Option<usize>,
        first_seed: u64,
        draws_key: &str,
    ) -> Result<Vec<Setting>, Error> {
        let space = Space::parse(&self.grid, &self.random, draws).map_err(|e| match e {
            Error::Config { key, message } if key == "trials" => Error::config(
                draws_key,
                message.replace("`trials`", &format!("`{draws_key}`")),
            ),
            e => e,
        })?;
        space.settings(first_seed, MAX_RUNS)
    }
}
