//! A config file obeys the command line's rules: every `train` case of bad input in
//! [`crate::bad_input::CASES`] whose options all set keys of `config.toml` is written as a
//! config file instead (`train --config case.toml`), and must be refused as well — exit 2, one
//! line, nothing left — naming the key the file holds (or, for a culprit that is not an
//! option, such as a formula or a metric, the same culprit). Which key an option sets is read
//! from `train --help` (`[config key: …]`), the command line's one table.

use std::collections::BTreeMap;
use std::fs;

use crate::bad_input::{check_argv, CASES};
use crate::common::curvegan;

/// The config keys of each option of `train`, from its `--help`.
fn keys_of_options() -> BTreeMap<String, Vec<String>> {
    // Unwrapped (a very wide terminal), a `[config key: …]` note on one line.
    let out = (curvegan().args(["train", "--help"]))
        .env("COLUMNS", "10000")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let mut keys = BTreeMap::new();
    let mut option = None;
    for line in help.lines() {
        let trimmed = line.trim_start();
        // Options start at most 6 columns in; their help, further in, may start with one.
        let option_line = line.len() - trimmed.len() <= 6;
        let short = trimmed.starts_with('-') && trimmed.get(2..4) == Some(", ");
        let rest = match (option_line, short) {
            (false, _) => None,
            (true, true) => trimmed.get(6..),
            (true, false) => trimmed.strip_prefix("--"),
        };
        if let Some(rest) = rest {
            let name = rest.split([' ', '\t']).next().unwrap_or_default();
            option = Some(format!("--{name}"));
        }
        let Some(at) = line.find("[config key") else {
            continue;
        };
        let list = line[at..].split_once(": ").unwrap().1;
        let list = &list[..list.find(']').unwrap()];
        let names = list.split(", ").map(String::from).collect();
        keys.insert(option.clone().expect("a key before any option"), names);
    }
    keys
}

/// `value` as a TOML value: a number, `true`, an array for a list, or a string.
fn toml_value(key: &str, value: &str) -> String {
    if value == "true" {
        return value.to_string();
    }
    let list = matches!(
        key,
        "g_hidden"
            | "d_hidden"
            | "eval_metrics"
            | "target.x_range"
            | "optim_g.betas"
            | "optim_d.betas"
            | "target.condition_columns"
    );
    if list {
        return format!(
            "[{}]",
            (value
                .split(',')
                .map(|v| toml_value("", v))
                .collect::<Vec<_>>())
            .join(", ")
        );
    }
    let number = value.parse::<f64>().is_ok() && !value.ends_with('.')
        || ["nan", "inf", "-inf", "+inf"].contains(&value);
    match number && key != "target.params" && key != "target.expr" && key != "keep_best" {
        true => value.to_string(),
        false => format!("{value:?}"),
    }
}

/// The config file that sets what `argv` (after `train`) sets, or `None` when an option sets
/// no key of `config.toml` (`--out`, `--resume`, `--name`, …).
fn config_file(argv: &[&str], keys: &BTreeMap<String, Vec<String>>) -> Option<String> {
    let mut top = Vec::new();
    let mut target: Vec<String> = Vec::new();
    let mut optim: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut params = Vec::new();
    let mut kind = None;
    let mut loss = None;
    // A data file and a named target at once cannot be written in one `[target]`.
    if argv.contains(&"--data") && argv.contains(&"--target") {
        return None;
    }
    let mut i = 0;
    while i < argv.len() {
        let option = argv[i];
        let names = keys.get(option)?;
        let switch = matches!(
            option,
            "--conditional" | "--g-batchnorm" | "--spectral-norm"
        );
        let value = match switch {
            true => "true",
            false => {
                i += 1;
                *argv.get(i)?
            }
        };
        i += 1;
        match option {
            "--target" => {
                let named = ["quadratic", "family", "ring8", "grid25"].contains(&value);
                kind = Some(match named {
                    true => format!("kind = {value:?}"),
                    false => format!("kind = \"expr\"\nexpr = {value:?}"),
                });
                continue;
            }
            "--data" => {
                // As `--data` gives them (a config file's data target has none by default,
                // as the runs of versions before them).
                let mut data = format!("kind = \"data\"\npath = {value:?}");
                for (option, line) in [
                    ("--holdout", "holdout = 0.2"),
                    ("--scale", "scale = \"standard\""),
                ] {
                    if !argv.contains(&option) {
                        data += &format!("\n{line}");
                    }
                }
                kind = Some(data);
                continue;
            }
            "--param" => {
                params.push(format!("{value:?}"));
                continue;
            }
            "--optim-g" | "--optim-d" => {
                let net = &option[2..].replace('-', "_");
                optim
                    .entry(if net == "optim_g" {
                        "optim_g"
                    } else {
                        "optim_d"
                    })
                    .or_default()
                    .insert(0, format!("kind = {value:?}"));
                continue;
            }
            "--loss" => loss = Some(value),
            _ => {}
        }
        for key in names {
            let line = |k: &str| format!("{k} = {}", toml_value(key, value));
            match key.split_once('.') {
                Some(("target", k)) => target.push(line(k)),
                Some((net @ ("optim_g" | "optim_d"), k)) => {
                    let net = if net == "optim_g" {
                        "optim_g"
                    } else {
                        "optim_d"
                    };
                    optim.entry(net).or_default().push(line(k));
                }
                _ => top.push(line(key)),
            }
        }
    }
    if !params.is_empty() {
        target.push(format!("params = [{}]", params.join(", ")));
    }
    if !target.is_empty() || kind.is_some() {
        let kind = kind.unwrap_or_else(|| "kind = \"quadratic\"".to_string());
        target.insert(0, kind);
    }
    let mut text = top.join("\n") + "\n";
    // An optimizer table needs its kind: the option's, else the loss's own (as `--loss` picks).
    let own = match loss {
        Some("wgan") => "rmsprop",
        _ => "adam",
    };
    for (net, mut lines) in optim {
        if !lines[0].starts_with("kind") {
            lines.insert(0, format!("kind = {own:?}"));
        }
        if !lines.iter().any(|l| l.starts_with("lr ")) {
            lines.push("lr = 1e-4".to_string());
        }
        text += &format!("[{net}]\n{}\n", lines.join("\n"));
    }
    if !target.is_empty() {
        text += &format!("[target]\n{}\n", target.join("\n"));
    }
    Some(text)
}

#[test]
fn every_bad_option_is_refused_alike_in_a_config_file() {
    let keys = keys_of_options();
    assert!(keys.len() >= 40, "{keys:?}");
    assert_eq!(keys["--lr-g"], ["optim_g.lr"]);
    let mut tried = 0;
    let mut failures = Vec::new();
    for (args, culprit) in CASES {
        let argv: Vec<&str> = (args.split(' '))
            .map(|a| if a == "''" { "" } else { a })
            .collect();
        if argv[0] != "train" {
            continue;
        }
        let Some(text) = config_file(&argv[1..], &keys) else {
            continue;
        };
        tried += 1;
        // The culprit as the file names it: the key (`target.points`), its last part (as the
        // file writes it under [target]) or its table (an error of serde's inside `[target]`
        // names the table); or the culprit itself if it is no option, with the options it
        // mentions as keys.
        let named: Vec<String> = match keys.get(*culprit) {
            Some(k) => (k.iter())
                .flat_map(|k| {
                    let (table, leaf) = k.split_once('.').unwrap_or(("", k));
                    let (file, head) = match table.is_empty() {
                        true => (None, None),
                        false => (
                            Some(format!("key {table}")),
                            Some(format!("invalid {table}:")),
                        ),
                    };
                    [Some(k.clone()), Some(leaf.to_string()), file, head]
                })
                .flatten()
                .collect(),
            None => {
                let mut named = culprit.to_string();
                for (option, k) in &keys {
                    // `--flag:` heads a message (`invalid KEY:`), `--flag …` is in one.
                    if let Some(at) = named.find(&format!("{option}:")) {
                        named.replace_range(at..at + option.len(), &format!("invalid {}", k[0]));
                        named = named.replacen("invalid invalid", "invalid", 1);
                    }
                    if let Some(at) = named.find(&format!("{option} ")) {
                        named.replace_range(at..at + option.len(), &format!("`{}`", k[0]));
                    }
                }
                vec![named]
            }
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("case.toml");
        fs::write(&file, &text).unwrap();
        let file = file.display().to_string();
        let result = named
            .iter()
            .map(|n| check_argv(&["train", "--config", &file], n))
            .find(Result::is_ok)
            .unwrap_or_else(|| check_argv(&["train", "--config", &file], &named[0]));
        match result {
            Ok(line) => eprintln!("{args}\n{text}    {line}"),
            Err(e) => failures.push(format!("{args} as\n{text}: {e}")),
        }
    }
    eprintln!("{tried} cases tried as config files");
    assert!(tried >= 100, "only {tried} cases written as config files");
    assert!(
        failures.is_empty(),
        "{} refused on the command line, not in a config file:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
