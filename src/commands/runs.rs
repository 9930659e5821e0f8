//! `curvegan runs [DIR]`: the run folders under a folder, as a table or as JSON, filtered by
//! status and config keys and sorted by a column or a metric.
//!
//! Without DIR it lists `./runs`; when there is none, it says so on stderr and lists nothing
//! (exit 0: no runs is not an error). A DIR given that is not a folder is bad input (exit 2).

use std::cmp::Ordering;
use std::path::PathBuf;

use anyhow::Result;
use curvegan::eval::catalogue::{metric_info, shown as value};
use curvegan::run::store::files;
use curvegan::run::store::listing::{self, RunRow};
use curvegan::run::store::run_json::Status;
use curvegan::{text, Error};

use crate::output::shown;
use crate::term::{print, print_json};

/// The examples at the end of `runs --help`.
pub const EXAMPLES: &str = "\
Examples:
  # The runs in ./runs, the latest started first
  curvegan runs --sort start --reverse
  # The finished runs of a sweep, the lowest energy distance first
  curvegan runs runs/sweep-a --status finished --sort energy_distance
  # The runs with the hinge loss, as JSON
  curvegan runs --where loss=hinge --json";

/// The arguments of `runs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to list (its run folders, a few levels deep) [default: ./runs]
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Print JSON (one object per run) instead of a table
    #[arg(long)]
    json: bool,
    /// Sort by KEY: name, start, status, steps, best, or a metric's name (its last value, shown
    /// in the metric column); runs without the value come last [default: by folder]
    #[arg(long, value_name = "KEY", value_parser = sort_key)]
    sort: Option<SortKey>,
    /// Sort in descending order (with --sort)
    #[arg(long, requires = "sort")]
    reverse: bool,
    /// Only the runs with this status: running, finished, stopped, early-stopped, failed or
    /// killed (several: comma-separated or repeated)
    #[arg(long, value_name = "STATUS", value_delimiter = ',', value_parser = status)]
    status: Vec<Status>,
    /// Only the runs whose config.toml sets KEY to VALUE, e.g. loss=hinge, optim_g.lr=2e-4,
    /// g_hidden=400,400 (a number by its value, a list by its items); repeat for several
    #[arg(long = "where", value_name = "KEY=VALUE", value_parser = key_value)]
    filters: Vec<(String, String)>,
}

/// What `--sort` sorts by.
#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Name,
    Start,
    Status,
    Steps,
    Best,
    /// A metric's last value.
    Metric(String),
}

/// `--sort`'s value.
fn sort_key(key: &str) -> std::result::Result<SortKey, String> {
    Ok(match key {
        "name" => SortKey::Name,
        "start" => SortKey::Start,
        "status" => SortKey::Status,
        "steps" => SortKey::Steps,
        "best" => SortKey::Best,
        m if metric_info(m).is_some() => SortKey::Metric(m.to_string()),
        other => {
            return Err(format!(
                "unknown key '{}' (name, start, status, steps, best or a metric's name, e.g. mse_to_target)",
                text::echo(other)
            ))
        }
    })
}

/// Every status a listing shows.
const STATUSES: [Status; 6] = [
    Status::Running,
    Status::Finished,
    Status::Stopped,
    Status::EarlyStopped,
    Status::Failed,
    Status::Killed,
];

/// `--status`'s value.
fn status(name: &str) -> std::result::Result<Status, String> {
    (STATUSES.into_iter().find(|s| s.name() == name)).ok_or_else(|| {
        let names: Vec<&str> = STATUSES.iter().map(|s| s.name()).collect();
        format!(
            "unknown status '{}' (one of {})",
            text::echo(name),
            names.join(", ")
        )
    })
}

/// `--where`'s value, `KEY=VALUE`.
fn key_value(text: &str) -> std::result::Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!(
            "'{}' is not KEY=VALUE (a config key and its value, e.g. loss=hinge)",
            text::echo(text)
        )),
    }
}

/// `curvegan runs`: the run folders under `dir`, as a table or (`json`) as JSON; a folder
/// below `dir` that could not be searched is named on stderr.
pub fn exec(args: Args) -> Result<()> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(files::RUNS));
    if args.dir.is_none() && !dir.is_dir() {
        eprintln!(
            "no {}/ folder here (curvegan looks in ./{}; give a folder: curvegan runs DIR)",
            files::RUNS,
            files::RUNS
        );
        return show(&[], args.json);
    }
    let metric = match &args.sort {
        Some(SortKey::Metric(m)) => Some(m.as_str()),
        _ => None,
    };
    let listing = listing::scan_for(&dir, metric)?;
    for s in &listing.skipped {
        eprintln!("left out {}: {}", shown(&s.folder), text::echo(&s.error));
    }
    let mut rows = listing.rows;
    let found = rows.len();
    rows.retain(|r| args.status.is_empty() || args.status.contains(&r.status));
    for (key, want) in &args.filters {
        let matched: Vec<Option<bool>> = (rows.iter())
            .map(|r| listing::config_matches(&r.folder, key, want))
            .collect();
        if !rows.is_empty() && matched.iter().all(Option::is_none) {
            return Err(Error::config(
                "--where",
                format!(
                    "no run under {} has the config key '{}' (a key of config.toml, e.g. loss, optim_g.lr, target.kind)",
                    shown(&dir),
                    text::echo(key)
                ),
            )
            .into());
        }
        let mut matched = matched.into_iter();
        rows.retain(|_| matched.next().flatten() == Some(true));
    }
    if let Some(key) = &args.sort {
        sort(&mut rows, key, args.reverse);
    }
    match (found, rows.len()) {
        (0, _) => eprintln!("no run folders under {}", shown(&dir)),
        (_, 0) => eprintln!("no run under {} matches", shown(&dir)),
        _ => {}
    }
    show(&rows, args.json)
}

/// Prints `rows` as a table (none when there are no rows) or as JSON.
fn show(rows: &[RunRow], json: bool) -> Result<()> {
    match (json, rows.is_empty()) {
        (true, _) => print_json(&(serde_json::to_string_pretty(rows)? + "\n")),
        (false, true) => Ok(()),
        (false, false) => print(&runs_table(rows)),
    }
}

/// Sorts `rows` by `key`, ascending or (`reverse`) descending; rows without the value last,
/// in their order.
fn sort(rows: &mut [RunRow], key: &SortKey, reverse: bool) {
    let number = |v: f64| Some(v).filter(|v| !v.is_nan());
    let sort_by = |rows: &mut [RunRow], get: &dyn Fn(&RunRow) -> Option<f64>| {
        rows.sort_by(|a, b| ordered(get(a), get(b), reverse, f64::total_cmp));
    };
    match key {
        SortKey::Name => {
            rows.sort_by(|a, b| ordered(Some(&a.name), Some(&b.name), reverse, Ord::cmp))
        }
        SortKey::Start => {
            rows.sort_by(|a, b| ordered(a.start.as_ref(), b.start.as_ref(), reverse, Ord::cmp))
        }
        SortKey::Status => rows.sort_by(|a, b| {
            ordered(
                Some(a.status.name()),
                Some(b.status.name()),
                reverse,
                Ord::cmp,
            )
        }),
        SortKey::Steps => sort_by(rows, &|r| r.steps_done.map(|n| n as f64)),
        SortKey::Best => sort_by(rows, &|r| r.best.as_ref().and_then(|b| number(b.value))),
        SortKey::Metric(m) => sort_by(rows, &|r| {
            (r.metric.as_ref())
                .filter(|x| x.name == *m)
                .and_then(|x| number(x.value))
        }),
    }
}

/// The order of `a` and `b` by `cmp` (reversed with `reverse`), a missing value after any.
fn ordered<T>(
    a: Option<T>,
    b: Option<T>,
    reverse: bool,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if reverse => cmp(&b, &a),
        (Some(a), Some(b)) => cmp(&a, &b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The most characters of a formula target the table shows.
const TARGET_CHARS: usize = 24;

/// The table of `curvegan runs`: one line per run folder, columns aligned. Names, tags and
/// metric names come from files: each cell is escaped and cut ([`text::echo`]); a formula
/// target to [`TARGET_CHARS`] characters. A count (modes captured) shows as a whole number.
fn runs_table(rows: &[RunRow]) -> String {
    let header = [
        "name", "start", "target", "loss", "steps", "status", "metric", "best",
    ];
    let dash = || "—".to_string();
    let lines: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let count = |n: Option<usize>| n.map_or("?".to_string(), |n| n.to_string());
            [
                r.name.clone(),
                r.start.clone().unwrap_or_else(dash),
                r.target
                    .as_deref()
                    .map_or_else(dash, |t| cut(t, TARGET_CHARS)),
                r.loss.clone().unwrap_or_else(dash),
                format!("{}/{}", count(r.steps_done), count(r.steps_planned)),
                r.status.name().to_string(),
                (r.metric.as_ref()).map_or_else(dash, |m| {
                    format!("{} {}", m.name, value(&m.name, m.value, 5))
                }),
                (r.best.as_ref()).map_or_else(dash, |b| {
                    format!("{} at {}", value(&b.metric, b.value, 5), b.step)
                }),
            ]
            .map(|cell| text::echo(&cell))
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            let cells = lines.iter().map(|l| l[i].chars().count());
            cells.chain([header[i].len()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut text = line(&mut header.iter().copied());
    for l in &lines {
        text += &line(&mut l.iter().map(String::as_str));
    }
    text
}

/// `text` cut to `max` characters, the last one `…` when it was longer.
fn cut(text: &str, max: usize) -> String {
    match text.chars().count() > max {
        true => text.chars().take(max - 1).chain(['…']).collect(),
        false => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_value_sorts_last_either_way() {
        let up = |a, b| ordered(a, b, false, i32::cmp);
        let down = |a, b| ordered(a, b, true, i32::cmp);
        assert_eq!(up(Some(1), Some(2)), Ordering::Less);
        assert_eq!(down(Some(1), Some(2)), Ordering::Greater);
        assert_eq!(up(None, Some(2)), Ordering::Greater);
        assert_eq!(down(None, Some(2)), Ordering::Greater);
        assert_eq!(cut("2*x^2+1", 24), "2*x^2+1");
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
