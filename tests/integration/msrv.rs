//! The declared `rust-version` is honest: no locked dependency needs a newer
//! Rust (nalgebra 0.35 needs 1.89; `rust-version` said 1.85). CI also
//! builds the crate with that toolchain (`.ci/run`).

use std::process::Command;

/// `1.89` as `[1, 89, 0]`.
fn version(text: &str) -> [u64; 3] {
    let mut v = [0; 3];
    for (slot, part) in v.iter_mut().zip(text.split('.')) {
        *slot = part.parse().unwrap_or(0);
    }
    v
}

/// The host's target triple, as `rustc -vV` says.
fn host() -> String {
    let out = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .expect("rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("a host line")
        .to_owned()
}

#[test]
fn no_locked_dependency_needs_a_newer_rust_than_declared() {
    let out = Command::new(env!("CARGO"))
        // The host's dependencies: the others (Windows crates) may not be
        // downloaded, and the crate is built and tested here.
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let declared = version(env!("CARGO_PKG_RUST_VERSION"));
    let too_new: Vec<String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let needs = p["rust_version"].as_str()?;
            (version(needs) > declared)
                .then(|| format!("{} {} needs {needs}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version {} is too old: {too_new:?}",
        env!("CARGO_PKG_RUST_VERSION")
    );
}
