//! `curvegan runs [DIR]`: the run folders under a folder, as a table or as JSON.

use std::path::PathBuf;

use anyhow::Result;
use curvegan::run::store::files;
use curvegan::run::store::listing::RunRow;
use curvegan::text;

use crate::output::shown;
use crate::term::{print, print_json};

/// The arguments of `runs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to list (its run folders, a few levels deep)
    #[arg(value_name = "DIR", default_value = files::RUNS)]
    dir: PathBuf,
    /// Print JSON (one object per run) instead of a table
    #[arg(long)]
    json: bool,
}

/// `curvegan runs`: the run folders under `dir`, as a table or (`json`) as JSON; a folder
/// below `dir` that could not be searched is named on stderr.
pub fn exec(args: Args) -> Result<()> {
    let (dir, json) = (&args.dir, args.json);
    let listing = curvegan::run::store::listing::scan(dir)?;
    for s in &listing.skipped {
        eprintln!("left out {}: {}", shown(&s.folder), text::echo(&s.error));
    }
    match json {
        true => print_json(&(serde_json::to_string_pretty(&listing.rows)? + "\n")),
        false => print(&runs_table(&listing.rows)),
    }
}

/// The table of `curvegan runs`: one line per run folder, columns aligned. Names, tags and
/// metric names come from files: each cell is escaped and cut ([`text::echo`]).
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
                r.target.clone().unwrap_or_else(dash),
                r.loss.clone().unwrap_or_else(dash),
                format!("{}/{}", count(r.steps_done), count(r.steps_planned)),
                r.status.name().to_string(),
                (r.metric.as_ref()).map_or_else(dash, |m| format!("{} {:.5}", m.name, m.value)),
                (r.best.as_ref()).map_or_else(dash, |b| format!("{:.5} at {}", b.value, b.step)),
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
