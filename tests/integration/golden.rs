//! Golden output: optimisations must not change a single byte of results.
//! When a change of results is intended, run `scripts/update_golden.sh` and
//! say why in the commit.

use crate::util::{fixture, tripscore};

#[test]
fn score_output_on_the_shipped_data_is_unchanged() {
    let mut made = Vec::new();
    for rel in [
        "data/ndsbr/ndsbr.jsonl",
        "data/driveplotr-nds/nds.jsonl",
        "data/barefoot-munich/x0001-001.gpx",
        "data/seed/seed_trip.jsonl",
    ] {
        let out = tripscore(&[
            "score",
            "--quiet",
            "--annotations",
            "--explain",
            &fixture(rel).to_string_lossy(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{rel}");
        made.extend_from_slice(&out.stdout);
    }
    let golden = std::fs::read(fixture("tests/data/golden/score.jsonl")).unwrap();
    if made != golden {
        let made = String::from_utf8_lossy(&made);
        let golden = String::from_utf8_lossy(&golden);
        let line = made.lines().zip(golden.lines()).position(|(a, b)| a != b);
        panic!(
            "score output differs from tests/data/golden/score.jsonl (first at line {line:?} of {} vs {}); \
             if intended, run scripts/update_golden.sh",
            made.lines().count(),
            golden.lines().count()
        );
    }
}
