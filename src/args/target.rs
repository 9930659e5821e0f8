//! What to learn, as the command line says it: `--target` (a kind's name, or else a formula in
//! `x`), `--param`, `--points`, `--x-range`, `--data` and the data file's options, made into
//! the library's [`TargetConfig`] with its own constructors (a kind by name, a formula with
//! its parameters, a data file, then the grid). The meaning of the options is decided here:
//! `--data` is the whole target, a name that is neither a kind nor a formula of its `--param`s
//! is a typo, and with `--config` the options modify the file's target instead of replacing it.

use std::path::{Path, PathBuf};

use clap::Args;
use curvegan::data::expr::reserved_name;
use curvegan::data::scale::Scale;
use curvegan::data::target::{
    check_x_range, Param, TargetConfig, DEFAULT_HOLDOUT, DEFAULT_POINTS, DEFAULT_X_RANGE,
    NAMED_KINDS,
};
use curvegan::text::echo;
use curvegan::Error;

use crate::args::{with_default, DEFAULT};

/// The heading `train --help` lists these options under (with `--seed`, `--batch-size` and
/// `--conditional`).
pub const LEARN: &str = "What to learn";

/// The target's options of `train` and `sweep`.
#[derive(Debug, Args)]
#[group(skip)]
pub struct TargetArgs {
    #[arg(help_heading = LEARN, long, value_name = "TARGET", allow_hyphen_values = true, help = with_default(
        "What to learn: quadratic (2x² + 1), family (a·x² + a − 1, a ~ U(1,2)), ring8, grid25, \
         or a formula in x and --param names, e.g. \"a*sin(b*x)\"", DEFAULT.target.name()))]
    target: Option<String>,
    /// A formula parameter: NAME=uniform(LO,HI), NAME=normal(MEAN,SD) or NAME=VALUE (repeatable)
    #[arg(help_heading = LEARN, long, value_name = "NAME=SPEC")]
    param: Vec<String>,
    #[arg(help_heading = LEARN, long, value_name = "N", help = with_default("Points a curve is sampled at", DEFAULT_POINTS))]
    points: Option<usize>,
    #[arg(help_heading = LEARN, long, value_name = "LO,HI", allow_hyphen_values = true, help = with_default(
        "The x interval of a curve", format!("{},{}", DEFAULT_X_RANGE[0], DEFAULT_X_RANGE[1])))]
    x_range: Option<String>,
    /// Learn the rows of this data file: CSV (one sample per row, optional header), NumPy .npy
    /// ([rows, points] or [rows, channels, points]) or UCR/UEA .ts. Without --config, the data
    /// defaults apply: nonsaturating loss, --r1 1, --g-ema 0.999, --latent-dim 32, G and D
    /// 128,128, Adam 2e-4 with --betas 0.5,0.999, 20000 steps
    #[arg(help_heading = LEARN, long, value_name = "FILE")]
    data: Option<PathBuf>,
    /// --data: the CSV columns that are conditions, not values (numbers: a quantity, anything
    /// else or NAME:category: a category); a .ts file's label is `label`
    #[arg(help_heading = LEARN, long, value_name = "NAME,…", value_delimiter = ',', num_args = 1..)]
    condition_columns: Option<Vec<String>>,
    /// --data: interpolate every series of a .ts file onto N points (for series of unequal
    /// lengths)
    #[arg(help_heading = LEARN, long, value_name = "N")]
    resample: Option<usize>,
    #[arg(help_heading = LEARN, long, value_name = "F", help = with_default(
        "--data: the share of rows held out of training, to evaluate on (0: none)", DEFAULT_HOLDOUT))]
    holdout: Option<f64>,
    #[arg(help_heading = LEARN, long, value_name = "KIND", help = with_default(
        "--data: scale each point (channel and position) for training: standard, minmax or none; \
         samples, figures and metrics stay in the data's units", "standard"))]
    scale: Option<Scale>,
}

impl TargetArgs {
    /// `--data`, if given.
    pub fn data(&self) -> Option<&Path> {
        self.data.as_deref()
    }

    /// `target` (the `--config` file's, read from `config`, or the defaults') with the
    /// options applied. `--target` or `--data` replaces it; without them, on a config file's
    /// target, `--param`, `--points` and `--x-range` modify it: a formula keeps its formula (a
    /// `--param` replaces the parameter of its name or adds one), a curve its kind. The data
    /// file's options apply to a data target only.
    pub fn apply(&self, target: &mut TargetConfig, config: Option<&Path>) -> Result<(), Error> {
        let given = self.target.is_some()
            || !self.param.is_empty()
            || self.points.is_some()
            || self.x_range.is_some()
            || self.data.is_some();
        if given {
            let x_range = self.x_range.as_deref().map(parse_x_range).transpose()?;
            *target = match config {
                Some(path) if self.target.is_none() && self.data.is_none() => {
                    let params = self.params()?;
                    let modified = target.clone().with_params(params);
                    (modified.and_then(|t| grid(t, self.points, x_range)))
                        .map_err(|e| from_file(e, path))?
                }
                _ => grid(self.fresh()?, self.points, x_range)?,
            };
        }
        self.apply_data_options(target)
    }

    /// The `--param`s, in order.
    fn params(&self) -> Result<Vec<Param>, Error> {
        self.param.iter().map(|p| p.parse()).collect()
    }

    /// A new target from `--target` (not given: quadratic) and `--param`, or `--data`.
    /// `quadratic`, `family`, `ring8` and `grid25` name a kind; any other `--target` is a
    /// formula in `x` whose parameters are the `--param`s. `--data` excludes `--target`. The
    /// formula and the data file are checked when the target is built.
    fn fresh(&self) -> Result<TargetConfig, Error> {
        if let (Some(_), Some(t)) = (&self.data, &self.target) {
            return Err(Error::config(
                "target.path",
                format!("cannot be combined with `target` '{t}': the file is the target"),
            ));
        }
        let params = self.params()?;
        let name = self.target.as_deref().map(str::trim).unwrap_or("quadratic");
        let kind = match (&self.data, TargetConfig::named(name)) {
            // Absolute, so that the run's config.toml still finds the file when sampling or
            // resuming from another folder; a missing file is reported when it is built.
            (Some(path), _) => {
                TargetConfig::data(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()))
            }
            (None, Some(kind)) => kind,
            (None, None) => {
                // One name that is no parameter is a typo of a kind, not a formula.
                let is_name =
                    reserved_name(name).is_none() && !params.iter().any(|p| p.name == name);
                if is_name {
                    return Err(Error::config(
                        "target",
                        format!(
                            "'{name}' is not a target: use {}, or a formula in x such as \
                             \"a*sin(b*x)\" with `target.params` a=uniform(1,2) `target.params` b=normal(3,0.1)",
                            NAMED_KINDS.join(", ")
                        ),
                    ));
                }
                return Ok(TargetConfig::formula(name, params));
            }
        };
        kind.with_params(params)
    }

    /// `--condition-columns`, `--resample`, `--holdout` and `--scale` on a data target; given
    /// for another target, an error naming the option.
    fn apply_data_options(&self, target: &mut TargetConfig) -> Result<(), Error> {
        let given = [
            ("--condition-columns", self.condition_columns.is_some()),
            ("--resample", self.resample.is_some()),
            ("--holdout", self.holdout.is_some()),
            ("--scale", self.scale.is_some()),
        ];
        let TargetConfig::Data {
            condition_columns,
            resample,
            holdout,
            scale,
            ..
        } = target
        else {
            return match given.iter().find(|(_, g)| *g) {
                Some((option, _)) => Err(Error::config(
                    *option,
                    format!(
                        "applies to a data file (--data), not to the target {}",
                        target.name()
                    ),
                )),
                None => Ok(()),
            };
        };
        if let Some(c) = &self.condition_columns {
            *condition_columns = c.clone();
        }
        if self.resample.is_some() {
            *resample = self.resample;
        }
        if let Some(h) = self.holdout {
            *holdout = h;
        }
        if let Some(k) = self.scale {
            *scale = k;
        }
        Ok(())
    }
}

/// `target` with `--points` and `--x-range`, if given.
fn grid(
    mut target: TargetConfig,
    points: Option<usize>,
    x_range: Option<[f64; 2]>,
) -> Result<TargetConfig, Error> {
    if let Some(p) = points {
        target = target.with_points(p)?;
    }
    if let Some(r) = x_range {
        target = target.with_x_range(r)?;
    }
    Ok(target)
}

/// An option refused by the target of the config file `path`, saying where that target is
/// from.
fn from_file(e: Error, path: &Path) -> Error {
    match e {
        Error::Config { key, message } => Error::Config {
            key,
            message: format!("{message} from {}", path.display()),
        },
        e => e,
    }
}

/// Reads `--x-range LO,HI` (e.g. `-1,1`): finite, `LO < HI`.
fn parse_x_range(text: &str) -> Result<[f64; 2], Error> {
    let bad = || {
        Error::config(
            "target.x_range",
            format!("expected LO,HI with LO < HI, got '{}'", echo(text)),
        )
    };
    let (lo, hi) = text.split_once(',').ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    check_x_range([lo, hi])?;
    Ok([lo, hi])
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        target: TargetArgs,
    }

    /// The target of the options `argv`, without a config file.
    fn target(argv: &[&str]) -> Result<TargetConfig, Error> {
        let args = Cli::try_parse_from([&["curvegan"], argv].concat()).unwrap();
        let mut target = TargetConfig::default();
        args.target.apply(&mut target, None).map(|()| target)
    }

    fn err(argv: &[&str]) -> String {
        target(argv).unwrap_err().to_string()
    }

    #[test]
    fn no_option_is_the_default_and_names_are_kinds() {
        assert_eq!(target(&[]).unwrap(), TargetConfig::default());
        assert_eq!(
            target(&["--target", "quadratic"]).unwrap(),
            TargetConfig::default()
        );
        assert_eq!(
            target(&["--target", "family", "--points", "5", "--x-range", "0,2"]).unwrap(),
            TargetConfig::Family {
                points: 5,
                x_range: [0.0, 2.0]
            }
        );
        assert_eq!(
            target(&["--target", "a*x", "--param", "a=1"]).unwrap(),
            TargetConfig::formula("a*x", vec!["a=1".parse().unwrap()])
        );
    }

    #[test]
    fn x_range_reads_lo_hi() {
        assert_eq!(parse_x_range(" -2, 3").unwrap(), [-2.0, 3.0]);
        for bad in ["1", "2,1", "a,b", "0,inf", "1,1"] {
            let err = parse_x_range(bad).unwrap_err().to_string();
            assert!(err.contains("target.x_range"), "{err}");
        }
    }

    #[test]
    fn a_typo_of_a_kind_is_not_a_formula() {
        let e = err(&["--target", "quadratc"]);
        assert!(e.contains("'quadratc' is not a target"), "{e}");
        // A formula of one parameter is one.
        assert!(target(&["--target", "k", "--param", "k=uniform(1,2)"]).is_ok());
    }

    #[test]
    fn data_excludes_target_points_and_params() {
        let e = err(&["--data", "x.csv", "--target", "family"]);
        assert!(e.contains("target.path"), "{e}");
        let e = err(&["--data", "x.csv", "--param", "a=1"]);
        assert!(e.contains("target.params"), "{e}");
        let e = err(&["--data", "x.csv", "--points", "10"]);
        assert!(e.contains("target.points"), "{e}");
        let e = err(&["--target", "ring8", "--x-range", "0,1"]);
        assert!(e.contains("target.x_range") && e.contains("ring8"), "{e}");
        let e = err(&["--target", "family", "--param", "a=1"]);
        assert!(e.contains("target.params") && e.contains("family"), "{e}");
    }

    #[test]
    fn options_modify_a_config_files_target() {
        let args = Cli::try_parse_from([
            "curvegan", "--param", "a=2", "--param", "b=3", "--points", "7",
        ])
        .unwrap();
        let mut target = TargetConfig::formula("a*x + b", vec!["a=1".parse().unwrap()]);
        args.target
            .apply(&mut target, Some(Path::new("f.toml")))
            .unwrap();
        let expected = TargetConfig::formula("a*x + b", vec![])
            .with_points(7)
            .unwrap();
        let expected = expected
            .with_params(vec!["a=2".parse().unwrap(), "b=3".parse().unwrap()])
            .unwrap();
        assert_eq!(target, expected);
        let mut ring = TargetConfig::Ring8 {};
        let e = args.target.apply(&mut ring, Some(Path::new("f.toml")));
        let e = e.unwrap_err().to_string();
        assert!(
            e.contains("does not apply to the target ring8 from f.toml"),
            "{e}"
        );
    }
}
