//! The library's layers stay layers: every module imports only from its own layer and the
//! layers below it, and no two modules import each other, directly or through others.
//!
//! The layers, bottom up, as `lib.rs` lists them: `text`, `error`, `nn`, `data`, `gan`, `eval`,
//! `config`, `run`. A module is a source file; its imports are the `crate::…` paths in its
//! code (comments and doc comments are not code: a doc link to a higher layer is fine).
//!
//! The command line (the `curvegan` binary's `src/`) has layers, bottom up: `term` (signals,
//! the terminal's state, standard output), `dashboard` (the live view), `output` (what commands
//! print), `args/` (the arguments several commands share), `scale` (the trials of a sweep or
//! benchmark), `commands/` (one module per command), `main`. A module of a folder may also use
//! the other modules of its folder; no cycle anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const LAYERS: [&str; 8] = [
    "text", "error", "nn", "data", "gan", "eval", "config", "run",
];

/// Module path (`gan::step`) → source text without comments, for every file of the library's
/// `src/`.
fn modules() -> BTreeMap<String, String> {
    modules_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

/// Module path (`commands::train`; `main` and `lib` as they are) → source text without
/// comments, for every file under `src`.
fn modules_in(src: &Path) -> BTreeMap<String, String> {
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
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        let code: String = fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(|l| match l.find("//") {
                Some(i) => &l[..i],
                None => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        out.insert(parts.join("::"), code);
    }
    out
}

/// The modules `code` imports: every `crate::a::b` path, resolved to the longest known module.
fn imports(code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        // `crate::{a, b::c}` groups are not used in this crate; a plain path is read up to the
        // first character that cannot be part of it.
        let path: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let module = (1..=segments.len())
            .rev()
            .map(|n| segments[..n].join("::"))
            .find(|m| known.contains(m));
        if let Some(m) = module {
            out.insert(m);
        }
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap_or("");
    LAYERS.iter().position(|l| *l == top)
}

#[test]
fn every_module_imports_only_its_own_layer_and_those_below() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let mut violations = Vec::new();
    for (module, code) in &modules {
        if module == "lib" {
            continue;
        }
        let Some(own) = layer_of(module) else {
            violations.push(format!("{module} belongs to no layer of {LAYERS:?}"));
            continue;
        };
        for dep in imports(code, &known) {
            let theirs = layer_of(&dep).unwrap_or(usize::MAX);
            if theirs > own {
                violations.push(format!(
                    "{module} (layer {}) imports {dep} (layer {})",
                    LAYERS[own],
                    LAYERS.get(theirs).unwrap_or(&"?")
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_module_imports_itself_through_others() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|(m, code)| {
            let mut deps = imports(code, &known);
            deps.remove(m);
            // A folder's `mod.rs` declares its children; that is not an import.
            deps.retain(|d| !d.starts_with(&format!("{m}::")));
            (m.as_str(), deps)
        })
        .collect();
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

/// A cycle of `graph` (module → the modules it imports), as a path from a module back to it.
fn find_cycle(graph: &BTreeMap<&str, BTreeSet<String>>) -> Option<Vec<String>> {
    // Depth-first search for a back edge; the cycle is reported as a path.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<&str, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(1) => {
                let at = path.iter().position(|p| *p == m).unwrap();
                let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(m, 1);
        path.push(m);
        for dep in graph.get(m).into_iter().flatten() {
            if let Some((key, _)) = graph.get_key_value(dep.as_str()) {
                if let Some(c) = visit(key, graph, state, path) {
                    return Some(c);
                }
            }
        }
        path.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = visit(m, graph, &mut state, &mut path) {
            return Some(cycle);
        }
    }
    None
}

/// The checks above must see real imports: a module that imports a higher layer is caught.
#[test]
fn the_checks_see_imports() {
    let known: BTreeSet<String> = ["nn::mlp", "run::store::files", "run"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = "use crate::run::store::files::write_atomic;\n let x = crate::nn::mlp::Mlp::zeros;";
    let found = imports(code, &known);
    assert!(
        found.contains("run::store::files") && found.contains("nn::mlp"),
        "{found:?}"
    );
    assert!(layer_of("run::store::files") > layer_of("nn::mlp"));
    assert_eq!(
        modules().get("run::store::files").map(|c| c.is_empty()),
        Some(false)
    );
}

/// The command line's layers, bottom up: a module of `src/` or a folder (`args/`, `commands/`).
/// A module may import the layers before its own, and the other modules of its own folder.
const CLI_LAYERS: [&str; 8] = [
    "keys",
    "term",
    "dashboard",
    "output",
    "args",
    "scale",
    "commands",
    "main",
];

/// The modules of the command line that `code` imports: every `crate::a::b` path and every
/// path of a `crate::{a, b::c}` group, resolved to the longest module in `known`.
fn cli_imports(code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let paths: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group[..group.find('}').unwrap_or(group.len())]
                .split(',')
                .map(str::trim)
                .collect(),
            None => vec![rest],
        };
        for path in paths {
            let path: String = path
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            let module = (1..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|m| known.contains(m));
            out.extend(module);
        }
    }
    out
}

/// The layer of a command-line module: the position of its file or folder in [`CLI_LAYERS`].
fn cli_layer_of(module: &str) -> Option<usize> {
    let top = module.split("::").next().unwrap_or("");
    CLI_LAYERS.iter().position(|l| *l == top)
}

#[test]
fn the_command_line_imports_only_downward() {
    let modules = modules_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src"));
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let mut violations = Vec::new();
    let mut graph: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in &modules {
        let Some(own) = cli_layer_of(module) else {
            violations.push(format!("{module} is in no layer of {CLI_LAYERS:?}"));
            continue;
        };
        let mut deps = cli_imports(code, &known);
        deps.remove(module);
        // A folder's `mod.rs` declares its children; that is not an import.
        deps.retain(|d| !d.starts_with(&format!("{module}::")));
        for dep in &deps {
            match cli_layer_of(dep) {
                // The same layer: another module of the same folder.
                Some(theirs) if theirs <= own => {}
                _ => violations.push(format!("{module} imports crate::{dep}")),
            }
        }
        graph.insert(module, deps);
    }
    // Every layer holds a module, and the folders are seen module by module.
    for layer in CLI_LAYERS {
        assert!(known.contains(layer), "no module {layer} in {known:?}");
    }
    assert!(
        known.contains("commands::train") && known.contains("args::settings"),
        "{known:?}"
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle in the command line: {}", cycle.join(" → "));
    }
    // The reader sees both forms of import, and a path to a folder's module.
    let known: BTreeSet<String> = ["args", "args::settings", "output", "term"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let both = cli_imports(
        "use crate::args::settings::TrainSettings;\nuse crate::{output, term::STOP};\nuse crate::args::out_dir;",
        &known,
    );
    assert_eq!(
        both.into_iter().collect::<Vec<_>>(),
        ["args", "args::settings", "output", "term"]
    );
}

/// Each folder of the library — and each room inside `run/` — says in its first doc line what
/// it may use — `(may use: a, b…)`, the layers (and rooms, `run::store`) it may import — and
/// imports nothing else (its own modules aside). Below the layer order this also holds the
/// independence the order does not: `data` uses no `nn`, `eval` no `gan`; and inside `run/` the
/// rooms' order: `store` (the disk) below `view` (figures, the report) below `train` (the
/// trainer, the loop) below `scale` (sweeps, Slurm), so the disk never drives a trainer and a
/// figure never reads one.
#[test]
fn each_folder_says_what_it_may_use_and_uses_nothing_else() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut folders = Vec::new();
    let mut violations = Vec::new();
    // The folders, as module paths (`run::store`), with their directories.
    let mut dirs = vec![(String::new(), src.clone())];
    while let Some((prefix, dir)) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if !path.is_dir() {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let folder = match prefix.is_empty() {
                true => name,
                false => format!("{prefix}::{name}"),
            };
            // The rooms of `run/` have rules of their own; a folder elsewhere (`nn/mlp/`) is
            // one module of its parent's, under its parent's rule.
            if folder == "run" {
                dirs.push((folder.clone(), path.clone()));
            }
            let head = fs::read_to_string(path.join("mod.rs")).unwrap();
            let first = head.lines().next().unwrap_or("");
            let Some(list) = first
                .split_once("(may use: ")
                .and_then(|(_, rest)| rest.split_once([')', ';']))
                .map(|(list, _)| list)
            else {
                violations.push(format!(
                    "{folder}/mod.rs: the first doc line says no `(may use: …)`: {first}"
                ));
                continue;
            };
            let allowed: Vec<&str> = list.split(',').map(str::trim).collect();
            let inside = |m: &str, f: &str| m == f || m.starts_with(&format!("{f}::"));
            for (module, code) in &modules {
                if !inside(module, &folder) {
                    continue;
                }
                for dep in imports(code, &known) {
                    if !inside(&dep, &folder) && !allowed.iter().any(|a| inside(&dep, a)) {
                        violations.push(format!("{module} uses {dep}; {folder} may use {list}"));
                    }
                }
            }
            folders.push(folder);
        }
    }
    folders.sort();
    assert_eq!(
        folders,
        [
            "config",
            "data",
            "eval",
            "gan",
            "nn",
            "run",
            "run::scale",
            "run::store",
            "run::train",
            "run::view"
        ]
    );
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// `run/view/` renders what it is given: none of its modules (their tests aside) opens, reads
/// or writes a file, or reaches a run folder; the caller in `train/` or the command line does.
#[test]
fn the_view_room_touches_no_disk() {
    const DISK: [&str; 9] = [
        "std::fs",
        "fs::",
        "File::",
        "OpenOptions",
        "Dir::",
        "RunFolder",
        "write_atomic(",
        "read_text(",
        "load_saved(",
    ];
    let mut seen = 0;
    let mut found = Vec::new();
    for (module, code) in modules() {
        if !module.starts_with("run::view") {
            continue;
        }
        seen += 1;
        let code = code.split("#[cfg(test)]").next().unwrap_or_default();
        for token in DISK {
            if code.contains(token) {
                found.push(format!("{module} uses {token}"));
            }
        }
    }
    assert!(seen >= 3, "only {seen} modules in run::view");
    assert!(found.is_empty(), "{}", found.join("\n"));
}
