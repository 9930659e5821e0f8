//! What a sweep's folder runs — its [`Plan`]: a sweep or the mode-collapse benchmark, its
//! seeds, how its runs are scored — and its table.
//!
//! A sweep records its plan in its folder before its first run: `sweep.json`
//! ([`files::SWEEP_PLAN`]) for a sweep on this machine ([`crate::run::scale::local`]), the same
//! fields at the top level of `slurm.json` for one submitted to Slurm
//! ([`crate::run::scale::slurm::Plan`]). Beside it, `config.toml` holds the settings every run shares
//! (its seed aside). Either way the runs' results make the same table ([`write_results`]):
//! `sweep.csv`, or `bench.csv` and `table.md`, and `report.html`.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::data::target::TargetConfig;
use crate::error::{Error, Result, READ};
use crate::run::scale::bench::{self, Outcome};
use crate::run::scale::grid::{self, setting_dir, Setting, Table};
use crate::run::scale::sweep::{self, check_runs, seed_dir, Criterion, Scoring, SeedResult};
use crate::run::store::files;

/// What a sweep's folder runs: a sweep (scored as `curvegan sweep` scores) or the
/// mode-collapse benchmark. Part of its [`Plan`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Kind {
    /// `curvegan sweep`: each run scored on `eval_n` samples, and `success` if given.
    Sweep {
        /// Samples each run is scored on (`--eval-n`).
        eval_n: usize,
        /// The success criterion (`--success`), as given.
        success: Option<String>,
    },
    /// `curvegan bench modes` on `dataset` (`ring8` or `grid25`).
    Bench {
        /// The dataset's name.
        dataset: String,
    },
}

impl Kind {
    /// How a run is scored: a sweep's on `eval_n` samples with the run's seed, a benchmark's
    /// as [`bench::SCORING`] says.
    pub fn scoring(&self) -> Scoring {
        match self {
            Kind::Sweep { eval_n, .. } => Scoring {
                samples: *eval_n,
                seed_offset: 0,
            },
            Kind::Bench { .. } => bench::SCORING,
        }
    }

    /// `sweep` or `bench-DATASET`, for a Slurm job's name.
    pub fn name(&self) -> String {
        match self {
            Kind::Sweep { .. } => "sweep".to_string(),
            Kind::Bench { dataset } => format!("bench-{dataset}"),
        }
    }

    /// `sweep` or `benchmark`, for people.
    pub fn noun(&self) -> &'static str {
        match self {
            Kind::Sweep { .. } => "sweep",
            Kind::Bench { .. } => "benchmark",
        }
    }

    /// The success criterion of a sweep, parsed; none for a benchmark.
    pub fn success(&self) -> std::result::Result<Option<Criterion>, String> {
        match self {
            Kind::Sweep {
                success: Some(s), ..
            } => s.parse().map(Some),
            _ => Ok(None),
        }
    }

    /// The dataset of a benchmark, parsed; none for a sweep.
    pub fn dataset(&self) -> std::result::Result<Option<TargetConfig>, String> {
        match self {
            Kind::Bench { dataset } => bench::parse_dataset(dataset).map(Some),
            Kind::Sweep { .. } => Ok(None),
        }
    }
}

/// What a sweep's folder runs, recorded in it before its first run starts: `sweep.json`
/// ([`files::SWEEP_PLAN`]) for a sweep on this machine, and the same fields in `slurm.json`
/// for one submitted to Slurm ([`crate::run::scale::slurm::Plan`]). Beside it, `config.toml` holds
/// the settings every run shares (its seed aside).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// A sweep or a benchmark, and how its runs are scored.
    #[serde(flatten)]
    pub kind: Kind,
    /// The seed of the first run; run `i` trains seed `first_seed + i`.
    pub first_seed: u64,
    /// Runs, at least 1 and at most [`sweep::MAX_RUNS`].
    pub trials: u64,
    /// How each run is scored — samples, and the offset added to a run's seed to draw them —
    /// as the sweep began with it; absent from the plans of older versions, whose runs are
    /// scored as their kind says ([`Kind::scoring`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
    /// A hyperparameter sweep's settings ([`crate::run::scale::grid`]), each run over every
    /// seed in `ROOT/setting-NN/seed-S`; empty (and not written) for a sweep over seeds alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    /// The metric a hyperparameter sweep's table is sorted by (`metric`), if one was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
}

/// One run of a plan: a seed, of a setting in a hyperparameter sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunId {
    /// The setting's index, from 0; `None` in a sweep over seeds alone.
    pub setting: Option<usize>,
    /// The seed.
    pub seed: u64,
}

impl Plan {
    /// The plan of `kind` over `seeds`, scored as `kind` says.
    pub fn new(kind: Kind, seeds: Range<u64>) -> Plan {
        Plan {
            scoring: Some(kind.scoring()),
            first_seed: seeds.start,
            trials: seeds.end.saturating_sub(seeds.start),
            kind,
            settings: Vec::new(),
            metric: None,
        }
    }

    /// Every run, setting by setting (seeds in order within each).
    pub fn runs(&self) -> Vec<RunId> {
        let seeds = self.seeds();
        match self.settings.len() {
            0 => seeds
                .map(|seed| RunId {
                    setting: None,
                    seed,
                })
                .collect(),
            n => (0..n)
                .flat_map(|i| {
                    seeds.clone().map(move |seed| RunId {
                        setting: Some(i),
                        seed,
                    })
                })
                .collect(),
        }
    }

    /// The number of runs: the seeds, times the settings of a hyperparameter sweep.
    pub fn total_runs(&self) -> u64 {
        self.trials
            .saturating_mul(self.settings.len().max(1) as u64)
    }

    /// The folder the runs of `setting` are in: `root/setting-NN`, or `root` itself.
    pub fn setting_root(&self, root: &Path, setting: Option<usize>) -> PathBuf {
        match setting {
            Some(i) => setting_dir(root, i, self.settings.len()),
            None => root.to_path_buf(),
        }
    }

    /// The run folder of `run`: `root/seed-S`, or `root/setting-NN/seed-S`.
    pub fn run_dir(&self, root: &Path, run: RunId) -> PathBuf {
        seed_dir(&self.setting_root(root, run.setting), run.seed)
    }

    /// The settings of `run`'s setting: `config` with its keys set (`config` itself in a
    /// sweep over seeds alone), its seed aside. Errors name the key.
    pub fn config_of(
        &self,
        config: &TrainConfig,
        setting: Option<usize>,
    ) -> crate::error::Result<TrainConfig> {
        match setting.and_then(|i| self.settings.get(i)) {
            Some(s) => s.apply(config),
            None => Ok(config.clone()),
        }
    }

    /// The result of the finished run `run` in the sweep folder `root`, scored as the plan
    /// says ([`sweep::result_of`]).
    pub fn result(&self, root: &Path, run: RunId) -> crate::error::Result<SeedResult> {
        let mut result = sweep::result_of(
            &self.setting_root(root, run.setting),
            run.seed,
            self.scoring(),
        )?;
        result.setting = run.setting;
        Ok(result)
    }

    /// The plan of a benchmark of `trials` trials on `dataset`: seeds `0..trials`, each scored
    /// as [`bench::SCORING`] says.
    pub fn bench(dataset: &TargetConfig, trials: usize) -> Plan {
        let kind = Kind::Bench {
            dataset: dataset.name().to_string(),
        };
        Plan::new(kind, 0..trials as u64)
    }

    /// How each run is scored: as recorded, else as the kind says.
    pub fn scoring(&self) -> Scoring {
        self.scoring.unwrap_or_else(|| self.kind.scoring())
    }

    /// The seeds of the runs.
    pub fn seeds(&self) -> Range<u64> {
        self.first_seed..self.first_seed.saturating_add(self.trials)
    }

    /// Checks a plan read from the file `path`: its number of runs, its seeds, its success
    /// criterion and dataset; errors name the file.
    pub fn check_file(&self, path: &Path) -> Result<()> {
        check_runs(&path.display().to_string(), self.total_runs())?;
        let bad = |m: String| Error::bad_file(path, m);
        self.first_seed
            .checked_add(self.trials)
            .ok_or_else(|| bad("its seeds overflow".into()))?;
        if self.trials == 0 {
            return Err(bad("it has no runs".into()));
        }
        self.kind.success().map_err(bad)?;
        self.kind.dataset().map_err(bad)?;
        Ok(())
    }

    /// The plan in the file `path` (`sweep.json`, `slurm.json`), checked.
    fn read(path: &Path) -> Result<Plan> {
        let bytes = files::read_at_most(path, 1 << 20)?;
        let plan: Plan = serde_json::from_slice(&bytes)
            .map_err(|e| Error::bad_file(path, format!("is not a sweep's plan: {e}")))?;
        plan.check_file(path)?;
        Ok(plan)
    }

    /// The plan of the local sweep in `root` (its `sweep.json`), `None` if it has none.
    pub fn load(root: &Path) -> Result<Option<Plan>> {
        let path = root.join(files::SWEEP_PLAN);
        match path.is_file() {
            true => Plan::read(&path).map(Some),
            false => Ok(None),
        }
    }

    /// The setting of this plan that differs from `stored`'s, as an option with both values:
    /// `(option, here, there)`.
    pub(crate) fn difference(&self, stored: &Plan) -> Option<(String, String, String)> {
        let runs = |p: &Plan| match p.kind {
            Kind::Sweep { .. } => format!("{}..{}", p.first_seed, p.seeds().end),
            Kind::Bench { .. } => p.trials.to_string(),
        };
        let seeds_option = match self.kind {
            Kind::Sweep { .. } => "seeds",
            Kind::Bench { .. } => "trials",
        };
        let differs = match (&self.kind, &stored.kind) {
            (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => Some((
                "the command".to_string(),
                format!("a {}", a.noun()),
                format!("a {}", b.noun()),
            )),
            (Kind::Bench { dataset: a }, Kind::Bench { dataset: b }) if a != b => {
                Some(("dataset".to_string(), a.clone(), b.clone()))
            }
            (
                Kind::Sweep {
                    eval_n: a,
                    success: sa,
                },
                Kind::Sweep {
                    eval_n: b,
                    success: sb,
                },
            ) if a != b || sa != sb => match a != b {
                true => Some(("eval_n".to_string(), a.to_string(), b.to_string())),
                false => {
                    let shown = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
                    Some(("success".to_string(), shown(sa), shown(sb)))
                }
            },
            _ => None,
        };
        let scoring = |p: &Plan| {
            let s = p.scoring();
            format!("{} samples, seed offset {}", s.samples, s.seed_offset)
        };
        let settings = |p: &Plan| match p.settings.len() {
            0 => "none".to_string(),
            n => format!(
                "{n} settings ({})",
                p.settings
                    .iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        differs
            .or_else(|| {
                (self.settings != stored.settings)
                    .then(|| ("the grid".to_string(), settings(self), settings(stored)))
            })
            .or_else(|| {
                (self.metric != stored.metric).then(|| {
                    let shown = |m: &Option<String>| m.clone().unwrap_or_else(|| "none".into());
                    (
                        "metric".to_string(),
                        shown(&self.metric),
                        shown(&stored.metric),
                    )
                })
            })
            .or_else(|| {
                (self.first_seed != stored.first_seed || self.trials != stored.trials)
                    .then(|| (seeds_option.to_string(), runs(self), runs(stored)))
            })
            .or_else(|| {
                (self.scoring() != stored.scoring())
                    .then(|| ("the scoring".to_string(), scoring(self), scoring(stored)))
            })
    }
}

/// The outcome of a sweep: its results and its table.
#[derive(Debug, Clone)]
pub enum Collected {
    /// A sweep's results, in seed order, and its success criterion.
    Sweep {
        /// The runs' results.
        results: Vec<SeedResult>,
        /// `--success`, if it was given.
        success: Option<Criterion>,
        /// A hyperparameter sweep's table, a row per setting; `None` for seeds alone.
        table: Option<Table>,
    },
    /// A benchmark's outcome.
    Bench(Outcome),
}

/// Writes the table of a sweep planned by `plan` with `results` into `root` — `sweep.csv`,
/// or for a hyperparameter sweep `sweep.csv` (a row per setting), `table.md`, `runs.csv` and
/// `settings.csv`, or for a benchmark `bench.csv` and `table.md` (a row per setting in a
/// benchmark over settings) — and `report.html`, the page comparing its runs; returns it.
pub fn write_results(root: &Path, plan: &Plan, results: Vec<SeedResult>) -> Result<Collected> {
    let kind = &plan.kind;
    let plan_error = |e: String| Error::config("success", e);
    Ok(
        match kind.dataset().map_err(|e| Error::config("dataset", e))? {
            None if !plan.settings.is_empty() => {
                let success = kind.success().map_err(plan_error)?;
                let table = Table::new(
                    &plan.settings,
                    plan.trials,
                    &results,
                    plan.metric.as_deref(),
                    success.as_ref(),
                )?;
                let write = |name: &str, text: String| {
                    files::write_atomic(&root.join(name), text.as_bytes())
                };
                write(files::SWEEP_CSV, table.to_csv())?;
                write(files::BENCH_TABLE, table.markdown())?;
                write(grid::RUNS_CSV, grid::runs_csv(&results))?;
                write(grid::SETTINGS_CSV, grid::settings_csv(&plan.settings))?;
                crate::run::train::gather::write_comparison(root)?;
                Collected::Sweep {
                    results,
                    success,
                    table: Some(table),
                }
            }
            None => {
                let success = kind.success().map_err(plan_error)?;
                sweep::save(root, &results)?;
                Collected::Sweep {
                    results,
                    success,
                    table: None,
                }
            }
            Some(dataset) => {
                // The settings every trial shares, as the sweep wrote them before its first.
                let config = TrainConfig::load_saved(&root.join(files::CONFIG))?;
                let (settings, metric) = (&plan.settings, plan.metric.as_deref());
                let outcome = bench::outcome(&dataset, &config, settings, metric, &results)?;
                outcome.save(root)?;
                Collected::Bench(outcome)
            }
        },
    )
}

/// What a folder of runs made by a sweep or a benchmark is, for a command given it in place of
/// a run folder: `("sweep" or "benchmark", one of its run folders)`. `None` for any other
/// folder. Recognised by its plan (`sweep.json`, `slurm.json`), its table (`sweep.csv`,
/// `bench.csv`), or, lacking a `config.toml`, a `seed-S` run folder in it.
pub fn describe(dir: &Path) -> Option<(&'static str, PathBuf)> {
    let plan = [files::SWEEP_PLAN, files::SLURM_PLAN]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .map(|path| Plan::read(&path).ok());
    let mut seeds: Vec<u64> = entries(dir)
        .ok()?
        .into_iter()
        .filter(|(name, is_dir)| *is_dir && dir.join(name).join(files::CONFIG).is_file())
        .filter_map(|(name, _)| seed_of(&name))
        .collect();
    seeds.sort_unstable();
    let bench_table = dir.join(files::BENCH_CSV).is_file();
    let is_one = plan.is_some()
        || bench_table
        || dir.join(files::SWEEP_CSV).is_file()
        || (!seeds.is_empty() && !dir.join(files::CONFIG).is_file());
    if !is_one {
        return None;
    }
    let noun = match plan.flatten() {
        Some(p) if !p.settings.is_empty() => {
            let run = p.run_dir(dir, p.runs()[0]);
            return Some((p.kind.noun(), run));
        }
        Some(p) => {
            seeds.push(p.first_seed);
            p.kind.noun()
        }
        None if bench_table => "benchmark",
        None => "sweep",
    };
    let seed = seeds.first().copied().unwrap_or(0);
    Some((noun, seed_dir(dir, seed)))
}

/// The seed of a run folder's name `seed-S`.
pub(crate) fn seed_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("seed-")?;
    match digits.bytes().all(|b| b.is_ascii_digit()) {
        true => digits.parse().ok(),
        false => None,
    }
}

/// The names in `dir` (none when it does not exist), each with whether it is a folder.
pub(crate) fn entries(dir: &Path) -> Result<Vec<(String, bool)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let read = |e| Error::io(READ, dir, e);
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        let is_dir = entry.file_type().map_err(read)?.is_dir();
        names.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_reads_back_and_run_folder_names_give_their_seed() {
        let plan = Plan::bench(&TargetConfig::Grid25 {}, 7);
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"bench","dataset":"grid25","first_seed":0,"trials":7,"scoring":{"samples":2500,"seed_offset":1000000}}"#
        );
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
        assert_eq!(plan.scoring(), bench::SCORING);
        // A plan of an older version, without its scoring, is scored as its kind says.
        let old: Plan = serde_json::from_str(
            r#"{"kind":"sweep","eval_n":50,"success":null,"first_seed":2,"trials":3}"#,
        )
        .unwrap();
        assert_eq!(
            old.scoring(),
            Scoring {
                samples: 50,
                seed_offset: 0
            }
        );
        assert_eq!(seed_of("seed-12"), Some(12));
        for other in [
            "seed-",
            "seed-1a",
            "seed--1",
            "seeds-1",
            "seed-99999999999999999999",
        ] {
            assert_eq!(seed_of(other), None, "{other}");
        }
    }
}
