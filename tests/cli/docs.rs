//! The guide (`docs/`, an mdBook) and the README stay true to the program and to themselves:
//!
//! - `docs/src/commands.md` holds every command's `--help` exactly as the binary prints it
//!   (refresh it with `CURVEGAN_BLESS=1 cargo test --test cli docs::`);
//! - every relative link and `#anchor` of `README.md`, `examples/README.md` and
//!   `docs/src/**/*.md` points at a file or heading that exists, every page is in `SUMMARY.md`,
//!   and the guide links only inside `docs/src/` (what mdBook copies);
//! - every shell example and `curvegan` command line parses (`bash -n`), and every `--flag` of a
//!   `curvegan` command in the guide is one that command's `--help` lists;
//! - the architecture page names every source file, and names none that is gone;
//! - the front door holds: both licence files the licence names, `cargo install … --locked`,
//!   the Rust version of `Cargo.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::common::curvegan;

/// The repository's root (the command-line package's folder).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `curvegan ARGS… --help`, as it prints it in a terminal 80 columns wide.
fn help(args: &[String]) -> String {
    let out = (curvegan().args(args).arg("--help"))
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "curvegan {} --help failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands a `--help` text lists under `Commands:` (`help` aside).
fn subcommands(help: &str) -> Vec<String> {
    let mut lines = help.lines().skip_while(|l| l.trim_end() != "Commands:");
    lines.next();
    lines
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every command path (`[]`, `["train"]`, `["bench", "modes"]`, …) with its `--help`, in the
/// order the program lists them.
pub fn every_help() -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut todo = vec![Vec::new()];
    while let Some(path) = todo.pop() {
        let text = help(&path);
        let children = subcommands(&text);
        out.push((path.clone(), text));
        for child in children.into_iter().rev() {
            let mut p = path.clone();
            p.push(child);
            todo.push(p);
        }
    }
    out
}

const COMMANDS_PAGE: &str = "docs/src/commands.md";

/// The command reference page, built from the binary's `--help` texts.
fn commands_page(helps: &[(Vec<String>, String)]) -> String {
    let mut page = String::from(
        "# Command reference\n\n\
         <!-- Generated from `curvegan … --help` by tests/cli/docs.rs; do not edit by hand.\n     \
         Refresh: CURVEGAN_BLESS=1 cargo test --test cli docs:: -->\n\n\
         Every command's `--help`, exactly as the program prints it (a test fails when this page\n\
         and the program differ). `-h` prints the same options without their long text. The\n\
         guide's pages explain them with examples: [Training](training.md), [the run\n\
         folder](run-folder.md), [sampling and scoring](sample-eval.md), [watching and\n\
         reports](watching.md), [sweeps](sweeps.md) and [Slurm](slurm.md).\n",
    );
    for (path, text) in helps {
        let name = ["curvegan".to_string()]
            .iter()
            .chain(path)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        page.push_str(&format!(
            "\n## `{name}`\n\n```text\n$ {name} --help\n{}\n```\n",
            text.trim_end()
        ));
    }
    page
}

#[test]
fn the_command_reference_is_every_commands_help() {
    let helps = every_help();
    let names: Vec<String> = helps.iter().map(|(p, _)| p.join(" ")).collect();
    // The walk found the commands (a change in clap's layout must not make this test empty).
    for expected in [
        "train",
        "resume",
        "sample",
        "eval",
        "sweep",
        "bench modes",
        "report",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "no `{expected}` among {names:?}"
        );
    }
    let page = commands_page(&helps);
    let file = root().join(COMMANDS_PAGE);
    if std::env::var_os("CURVEGAN_BLESS").is_some_and(|v| v == "1") {
        fs::write(&file, &page).unwrap();
        return;
    }
    let on_disk = fs::read_to_string(&file).unwrap_or_default();
    if on_disk != page {
        let first = page
            .lines()
            .zip(on_disk.lines().chain(std::iter::repeat("<end of file>")))
            .position(|(a, b)| a != b)
            .unwrap_or(page.lines().count());
        panic!(
            "{COMMANDS_PAGE} differs from the program's --help (first at line {}:\n  program: {:?}\n  page:    {:?});\n\
             refresh it with: CURVEGAN_BLESS=1 cargo test --test cli docs::",
            first + 1,
            page.lines().nth(first).unwrap_or("<end>"),
            on_disk.lines().nth(first).unwrap_or("<end>"),
        );
    }
}

/// The Markdown files checked: the README, the examples' README and every page of the guide.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut out = vec![root().join("README.md"), root().join("examples/README.md")];
    walk(&root().join("docs/src"), &mut out);
    out.sort();
    out
}

/// `text` without its fenced code blocks (their lines blanked, so line numbers stay).
fn prose(text: &str) -> String {
    let mut fenced = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if !fenced {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// A line without its inline code spans.
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    for c in line.chars() {
        if c == '`' {
            code = !code;
        } else if !code {
            out.push(c);
        }
    }
    out
}

/// The targets of the Markdown links and images of `text`, with their line numbers.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose(text).lines().enumerate() {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            out.push((n + 1, after[..end].trim().to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// mdBook's id of a heading (and GitHub's, for these headings): the text without code marks,
/// lower case, letters, digits, `-` and `_` kept, spaces as `-`.
fn heading_id(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            c if c.is_alphanumeric() || c == '_' || c == '-' => Some(c.to_ascii_lowercase()),
            c if c.is_whitespace() => Some('-'),
            _ => None,
        })
        .collect()
}

/// The ids of a Markdown file's headings.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeMap::<String, usize>::new();
    let mut out = BTreeSet::new();
    for line in prose(text).lines() {
        let Some(title) = line.strip_prefix('#') else {
            continue;
        };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let id = heading_id(title.trim());
        let n = seen.entry(id.clone()).or_default();
        out.insert(match *n {
            0 => id.clone(),
            k => format!("{id}-{k}"),
        });
        *n += 1;
    }
    out
}

/// `base/rel` with `.` and `..` resolved (the file need not exist).
fn join(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The `.md` files `SUMMARY.md` lists.
fn summary_pages() -> BTreeSet<PathBuf> {
    let src = root().join("docs/src");
    let summary = fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    links(&summary)
        .into_iter()
        .map(|(_, t)| join(&src, &t))
        .collect()
}

#[test]
fn every_link_of_the_readme_and_the_guide_resolves() {
    let src = root().join("docs/src");
    let summary = summary_pages();
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let text = fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        let dir = file.parent().unwrap();
        let in_book = file.starts_with(&src);
        if in_book && !file.ends_with("SUMMARY.md") && !summary.contains(&file) {
            broken.push(format!("{name}: not in docs/src/SUMMARY.md"));
        }
        let mut targets = links(&text);
        // mdBook's includes: `{{#include FILE:ANCHOR}}` needs the file and its anchor.
        for (n, line) in text.lines().enumerate() {
            if let Some(i) = line.find("{{#include ") {
                let spec = line[i + "{{#include ".len()..]
                    .trim_end_matches("}}")
                    .trim();
                let (path, anchor) = spec.split_once(':').unwrap_or((spec, ""));
                let target = join(dir, path);
                let body = fs::read_to_string(&target).unwrap_or_default();
                let has_anchor = anchor.is_empty()
                    || (body.contains(&format!("ANCHOR: {anchor}"))
                        && body.contains(&format!("ANCHOR_END: {anchor}")));
                if body.is_empty() || !has_anchor {
                    broken.push(format!("{name}:{}: include {spec}", n + 1));
                }
                checked += 1;
            }
        }
        targets.retain(|(_, t)| !t.contains("://") && !t.starts_with("mailto:"));
        for (line, target) in targets {
            checked += 1;
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                join(dir, path)
            };
            let why = if !resolved.exists() {
                Some("no such file")
            } else if in_book && !resolved.starts_with(&src) {
                Some("outside docs/src (mdBook does not copy it)")
            } else if in_book && path.ends_with(".md") && !summary.contains(&resolved) {
                Some("a page not in SUMMARY.md")
            } else if !anchor.is_empty() {
                let body = fs::read_to_string(&resolved).unwrap_or_default();
                (!anchors(&body).contains(anchor)).then_some("no such heading")
            } else {
                None
            };
            if let Some(why) = why {
                broken.push(format!("{name}:{line}: ({target}): {why}"));
            }
        }
    }
    assert!(checked > 100, "only {checked} links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The fenced blocks of `text` whose language is `sh`, with the line each starts on.
fn shell_blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut current, fence) {
            (None, Some(lang)) if lang.trim() == "sh" => current = Some((n + 1, String::new())),
            (Some(_), Some(_)) => out.push(current.take().unwrap()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// The `curvegan` command lines of the guide: every line of a `sh` block, and every line of a
/// `text` block or inline code span that starts with `curvegan ` or `$ curvegan `; each
/// as the arguments after `curvegan` (`cargo run --release --` counts as `curvegan`).
fn command_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let mut candidates = Vec::new();
        if fenced {
            candidates.push(line.trim().trim_start_matches("$ ").to_string());
        } else {
            candidates.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
        }
        for c in candidates {
            let c = c.replace("cargo run --release -- ", "curvegan ");
            if let Some(args) = c.strip_prefix("curvegan ") {
                // A comment ends the command.
                let args = args.split(" # ").next().unwrap_or(args);
                out.push((n + 1, args.to_string()));
            }
        }
    }
    out
}

/// Whether `curvegan COMMAND --FLAG` is a flag the help does not list (a hidden alias such as
/// `train --resume`): clap then complains about its value or its company, not that it is
/// unexpected. Run in a folder of its own, in case the flag alone starts a run.
fn is_hidden_flag(command: &str, flag: &str) -> bool {
    let tmp = tempfile::tempdir().unwrap();
    let out = curvegan()
        .current_dir(tmp.path())
        .args(command.split(' '))
        .arg(format!("--{flag}"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    !stderr.contains(&format!("unexpected argument '--{flag}'"))
}

#[test]
fn every_shell_example_parses_and_every_flag_exists() {
    let helps: BTreeMap<String, String> = every_help()
        .into_iter()
        .map(|(p, h)| (p.join(" "), h))
        .collect();
    let mut bad = Vec::new();
    let mut flags_checked = 0;
    for file in markdown_files() {
        let text = fs::read_to_string(&file).unwrap();
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for (line, block) in shell_blocks(&text) {
            let out = std::process::Command::new("bash")
                .args(["-n", "-c", &block])
                .output()
                .unwrap();
            if !out.status.success() {
                bad.push(format!(
                    "{name}:{line}: the sh block does not parse: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        for (line, args) in command_lines(&text) {
            let out = std::process::Command::new("bash")
                .args(["-n", "-c", &format!("curvegan {args}")])
                .output()
                .unwrap();
            if !out.status.success() {
                bad.push(format!(
                    "{name}:{line}: `curvegan {args}` does not parse: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            let words: Vec<&str> = args.split_whitespace().collect();
            let command = match words.as_slice() {
                ["bench", sub, ..] if !sub.starts_with('-') => format!("bench {sub}"),
                [sub, ..] => sub.to_string(),
                [] => continue,
            };
            let Some(help) = helps.get(&command) else {
                // `curvegan …` as an ellipsis, or a word of prose: only real commands count.
                if command.chars().all(|c| c.is_ascii_lowercase()) && command.len() > 2 {
                    bad.push(format!("{name}:{line}: no command `curvegan {command}`"));
                }
                continue;
            };
            for word in &words {
                let word = word.trim_start_matches(['[', '(']);
                let Some(flag) = word.strip_prefix("--") else {
                    continue;
                };
                let flag: String = flag
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if flag.is_empty() {
                    continue;
                }
                flags_checked += 1;
                if !help.contains(&format!("--{flag}")) && !is_hidden_flag(&command, &flag) {
                    bad.push(format!(
                        "{name}:{line}: `curvegan {command}` has no --{flag} (`curvegan {args}`)"
                    ));
                }
            }
        }
    }
    assert!(flags_checked > 50, "only {flags_checked} flags found");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_architecture_page_names_every_source_file() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let page = fs::read_to_string(root().join("docs/src/architecture.md")).unwrap();
    let lib = root().join("crates/curvegan/src");
    let mut files = Vec::new();
    walk(&lib, &mut files);
    let mut named: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(&lib).unwrap().display().to_string())
        .collect();
    let mut cli = Vec::new();
    walk(&root().join("src"), &mut cli);
    named.extend(
        cli.iter()
            .map(|f| f.strip_prefix(root()).unwrap().display().to_string()),
    );
    let missing: Vec<&String> = named
        .iter()
        .filter(|n| !page.contains(&format!("| `{n}` |")))
        .collect();
    // Every `.rs` file the page names exists (in the library's src/ or from the root).
    let gone: Vec<&str> = page
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| w.ends_with(".rs") && !w.contains(' '))
        .filter(|w| !lib.join(w).exists() && !root().join(w).exists())
        .collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "docs/src/architecture.md: files not on the map: {missing:?}; files on it that do not \
         exist: {gone:?}"
    );
}

/// Item 4 of issue 25: the licence said MIT OR Apache-2.0 with no Apache file, and
/// `cargo install --path .` resolved newer crates than `Cargo.lock`'s. Each licence
/// `Cargo.toml` names has its file (the Apache one the unmodified text: its title, its nine
/// sections, its end), which the README names; every `cargo install --path` of the README and
/// the guide is `--locked`; the Rust version they quote is `Cargo.toml`'s.
#[test]
fn the_licences_install_line_and_rust_version_hold() {
    let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("license = \"MIT OR Apache-2.0\""),
        "the licence changed: update this test and the files"
    );
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let apache = fs::read_to_string(root().join("LICENSE-APACHE")).unwrap();
    let mit = fs::read_to_string(root().join("LICENSE-MIT")).unwrap();
    assert!(mit.starts_with("MIT License") || mit.contains("Permission is hereby granted"));
    assert!(
        apache.trim_start().starts_with("Apache License\n"),
        "{apache:.200}"
    );
    assert!(apache.contains("Version 2.0, January 2004"));
    for section in 1..=9 {
        assert!(
            apache.contains(&format!("\n{section}. ")),
            "section {section}"
        );
    }
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
    assert!(readme.contains("`LICENSE-MIT`") && readme.contains("`LICENSE-APACHE`"));

    let version = (manifest.lines())
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    let mut installs = 0;
    for file in markdown_files() {
        let text = fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            if line.trim_start().starts_with("cargo install --path") {
                installs += 1;
                assert!(line.contains("--locked"), "{}: {line}", file.display());
            }
        }
        for (at, _) in text.match_indices(" or newer") {
            let before = &text[..at];
            let quoted = before.rsplit(['(', ' ']).next().unwrap_or_default();
            if quoted.starts_with("1.") {
                assert_eq!(quoted, version, "{}", file.display());
            }
        }
    }
    assert!(installs >= 2, "{installs} install lines");
    assert!(readme.contains(&format!("{version} or newer")));
}
