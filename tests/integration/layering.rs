//! One-way imports: every library module imports only from its own layer
//! and the layers below it (ARCHITECTURE.md draws them).
//!
//! The check reads each file under `src/` (the binary's `main.rs` and `cli/`
//! excepted: they are a separate crate that sees only the public API), finds
//! every `crate::…`, `super::…` and `self::…` path in its code (comments and
//! test modules left out: a test may build its input with a later stage),
//! resolves each to the most specific entry of [`LAYERS`], and fails on a
//! path that climbs: a file whose layer is below the layer it names. A
//! module missing from [`LAYERS`] fails too, so a new module is placed on
//! purpose.

use std::path::Path;

use crate::util::fixture;

/// The layers, bottom first. A path resolves to its longest entry (by whole
/// `::` segments), so `detect::annotate` sits below `detect` — the folder's
/// `mod.rs` re-exports its files, and a file of the folder that imported
/// through those re-exports would climb.
const LAYERS: &[&str] = &[
    "lanes",
    "trig",
    "api",
    "geodesy",
    "input::polyline",
    "input::trajectory",
    "input",
    "map::maxspeed",
    "map::roads",
    "map::osm",
    "map::matching",
    "map",
    "detect::clean",
    "detect::kinematics",
    "detect::annotate",
    "detect::lanes",
    "detect::pulse",
    "detect::turnfit",
    "detect::brakefit",
    "detect::jumps",
    "detect",
    "score::features",
    "score::scores",
    "score::aggregate",
    "score::explain",
    "score",
    "config",
    "output::record",
    "output::geojson",
    "output::svg",
    "output::flatten",
    "output::table",
    "output",
    "batch::rollup",
    "batch::merge",
    "batch",
    "sim::simulate",
    "sim::labels",
    "sim::evaluate",
    "sim",
];

/// The layer of a module path: the index of its longest entry in `layers`.
fn layer(layers: &[&str], path: &str) -> Option<usize> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .find_map(|n| layers.iter().position(|l| *l == segments[..n].join("::")))
}

/// The code of a file without comments and without its test module (the
/// `#[cfg(test)]` item that closes each file).
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.trim_start() == "#[cfg(test)]" {
            break;
        }
        let line = line.find("//").map_or(line, |i| &line[..i]);
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every module path named after `crate::`, `super::` or `self::` in
/// `code`, the groups (`{a::B, c}`) expanded, relative paths made absolute
/// from `module`, the module path of the file.
fn imports(module: &str, code: &str) -> Vec<String> {
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut found = Vec::new();
    for (root, base) in [("crate::", ""), ("super::", parent), ("self::", module)] {
        let mut rest = code;
        while let Some(i) = rest.find(root) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + root.len()..];
            // `$crate::`, or a longer identifier ending in `crate`/`super`.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let mut stack = vec![base.to_owned()];
            tree(&mut rest, &mut stack, &mut found);
        }
    }
    found
}

/// Reads one use-tree (`a::b::C`, `a::{b, c::D}`) from the front of `text`,
/// pushing each leaf's full path.
fn tree(text: &mut &str, prefix: &mut Vec<String>, found: &mut Vec<String>) {
    let join = |prefix: &[String], ident: &str| {
        let base = prefix.last().map_or("", String::as_str);
        if base.is_empty() {
            ident.to_owned()
        } else {
            format!("{base}::{ident}")
        }
    };
    *text = text.trim_start();
    if let Some(inner) = text.strip_prefix('{') {
        *text = inner;
        loop {
            *text = text.trim_start();
            if let Some(after) = text.strip_prefix('}') {
                *text = after;
                return;
            }
            if text.is_empty() {
                return;
            }
            tree(text, prefix, found);
            *text = text.trim_start();
            *text = text.strip_prefix(',').unwrap_or(text);
        }
    }
    let len = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    if len == 0 {
        return;
    }
    let path = join(prefix, &text[..len]);
    *text = &text[len..];
    if let Some(after) = text.strip_prefix("::") {
        *text = after;
        prefix.push(path);
        tree(text, prefix, found);
        prefix.pop();
    } else {
        found.push(path);
    }
}

/// The module path of a library file (`src/detect/annotate.rs` →
/// `detect::annotate`, `src/detect/mod.rs` → `detect`), or `None` for the
/// crate root, the binary and test files.
fn module_of(rel: &Path) -> Option<String> {
    let rel = rel.to_string_lossy().replace('\\', "/");
    let rel = rel.strip_suffix(".rs")?;
    if rel == "lib" || rel == "main" || rel.starts_with("cli/") || rel.ends_with("_tests") {
        return None;
    }
    Some(rel.strip_suffix("/mod").unwrap_or(rel).replace('/', "::"))
}

/// The layering violations in `(module, source)` pairs against `layers`.
fn violations(layers: &[&str], files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (module, text) in files {
        let Some(own) = layer(layers, module) else {
            out.push(format!("{module}: not in LAYERS; place it there"));
            continue;
        };
        for path in imports(module, &code(text)) {
            match layer(layers, &path) {
                Some(to) if to > own => out.push(format!(
                    "{module} (layer {}) imports {path} (layer {}): a back-import",
                    layers[own], layers[to]
                )),
                Some(_) => {}
                None => out.push(format!("{module} imports {path}: not in LAYERS")),
            }
        }
    }
    out
}

fn library_files() -> Vec<(String, String)> {
    let src = fixture("src");
    let mut files = Vec::new();
    let mut dirs = vec![src.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if let Some(module) = module_of(path.strip_prefix(&src).expect("under src")) {
                files.push((module, std::fs::read_to_string(&path).expect("source")));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_library_module_imports_only_from_layers_below_it() {
    let files = library_files();
    assert!(files.len() > 30, "{} files", files.len());
    let found = violations(LAYERS, &files);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn a_back_import_is_caught() {
    let file = |module: &str, text: &str| (module.to_owned(), text.to_owned());
    let files = [
        // A stage naming a later one, directly or through a group …
        file("input::trajectory", "use crate::detect::Annotation;"),
        file(
            "detect::annotate",
            "use crate::{api::Maneuver, score::{Zone, features::FeatureConfig}};",
        ),
        // … a file importing through its own folder's re-exports …
        file("detect::clean", "use super::TripAnalysis;"),
        // … a path in an expression, and one in a test module (allowed).
        file(
            "score::features",
            "fn f() { crate::sim::simulate_trip(); }\n#[cfg(test)]\nmod tests { use crate::sim::SimConfig; }",
        ),
        // Allowed: downward paths, `self::` children, comments.
        file(
            "detect",
            "pub use self::annotate::X; // crate::sim::Y\nuse crate::input::Trajectory;",
        ),
    ];
    let found = violations(LAYERS, &files);
    assert_eq!(found.len(), 5, "{found:#?}");
    for (i, want) in [
        "input::trajectory (layer input::trajectory) imports detect::Annotation (layer detect)",
        "detect::annotate (layer detect::annotate) imports score::Zone (layer score)",
        "detect::annotate (layer detect::annotate) imports score::features::FeatureConfig (layer score::features)",
        "detect::clean (layer detect::clean) imports detect::TripAnalysis (layer detect)",
        "score::features (layer score::features) imports sim::simulate_trip (layer sim)",
    ]
    .iter()
    .enumerate()
    {
        assert!(found[i].starts_with(want), "{} vs {want}", found[i]);
    }
    let unknown = violations(LAYERS, &[file("telemetry", "")]);
    assert_eq!(unknown, ["telemetry: not in LAYERS; place it there"]);
}
