//! The same trips in different input formats give the same trajectories.

use crate::util::{fixture, json_lines, tripscore};

fn trajectories(rel: &str) -> Vec<serde_json::Value> {
    let out = tripscore(&["trajectory", "--quiet", &fixture(rel).to_string_lossy()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    json_lines(&out)
}

#[test]
fn ndsbr_csv_equals_ndsbr_jsonl() {
    let csv = trajectories("data/ndsbr/ndsbr.csv");
    let jsonl = trajectories("data/ndsbr/ndsbr.jsonl");
    assert_eq!(csv.len(), 9);
    assert_eq!(csv, jsonl);
}

#[test]
fn gpx_equals_jsonl_but_for_the_shown_offset() {
    let gpx = trajectories("data/barefoot-munich/x0001-001.gpx");
    let jsonl = trajectories("data/barefoot-munich/x0001-001.jsonl");
    assert_eq!(gpx.len(), 1);
    let (g, j) = (&gpx[0]["waypoints"], &jsonl[0]["waypoints"]);
    assert_eq!(g.as_array().unwrap().len(), 1194);
    for (a, b) in g.as_array().unwrap().iter().zip(j.as_array().unwrap()) {
        assert_eq!(a["distance"], b["distance"]);
        assert_eq!(a["latitude"], b["latitude"]);
        let (ta, tb) = (
            a["timestamp"].as_str().unwrap(),
            b["timestamp"].as_str().unwrap(),
        );
        let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(parse(ta), parse(tb));
    }
    assert_eq!(gpx[0]["encoded"], jsonl[0]["encoded"]);
}

#[test]
fn every_shipped_file_reads_without_errors() {
    for (rel, trips) in [
        ("data/seed/seed_trip.jsonl", 1),
        ("data/driveplotr-nds/nds.jsonl", 28),
        ("data/ndsbr/ndsbr.jsonl", 9),
    ] {
        assert_eq!(trajectories(rel).len(), trips, "{rel}");
    }
}

#[test]
fn simulated_trips_score_the_same_in_both_jsonl_forms() {
    let score = |form: &str| {
        let sim = tripscore(&["simulate", "--trips", "3", "--seed", "9", "--form", form]);
        assert_eq!(sim.status.code(), Some(0));
        let dir =
            std::env::temp_dir().join(format!("tripscore-forms-{}-{form}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("trips.jsonl");
        std::fs::write(&file, &sim.stdout).unwrap();
        let out = tripscore(&["score", "--quiet", "--annotations", &file.to_string_lossy()]);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(out.status.code(), Some(0));
        out.stdout
    };
    let (compact, waypoints) = (score("compact"), score("waypoints"));
    assert!(!compact.is_empty());
    assert!(
        compact == waypoints,
        "the two forms of the same trips score differently"
    );
}

#[test]
fn simulate_no_accuracy_leaves_out_only_the_accuracies() {
    let keys = |args: &[&str]| -> Vec<String> {
        let sim = tripscore(&[&["simulate", "--trips", "2", "--seed", "4"], args].concat());
        assert_eq!(sim.status.code(), Some(0));
        let first = String::from_utf8(sim.stdout).unwrap();
        let record: serde_json::Value =
            serde_json::from_str(first.lines().next().unwrap()).unwrap();
        record.as_object().unwrap().keys().cloned().collect()
    };
    let (with, without) = (keys(&[]), keys(&["--no-accuracy"]));
    assert!(with.iter().any(|k| k == "accuracies_m"), "{with:?}");
    let rest: Vec<&String> = with.iter().filter(|k| *k != "accuracies_m").collect();
    assert_eq!(without.iter().collect::<Vec<_>>(), rest);
}
