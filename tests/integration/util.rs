//! Shared helpers: fixture paths and running the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A file under the crate root (fixtures in `data/` and `tests/data/`).
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs the built `tripscore` with `args`.
pub fn tripscore(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(args)
        .output()
        .expect("run tripscore")
}

/// The stdout of a run, one parsed JSON value per line.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect()
}
