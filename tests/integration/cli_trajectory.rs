//! `tripscore trajectory` end to end.

use crate::util::{fixture, json_lines, tripscore};

fn path(rel: &str) -> String {
    fixture(rel).to_string_lossy().into_owned()
}

#[test]
fn seed_trip_keeps_its_distance() {
    let out = tripscore(&["trajectory", "--quiet", &path("data/seed/seed_trip.jsonl")]);
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let wps = lines[0]["waypoints"].as_array().unwrap();
    assert_eq!(wps.len(), 677);
    let km: f64 = wps
        .iter()
        .map(|w| w["distance"].as_f64().unwrap())
        .sum::<f64>()
        / 1000.0;
    assert!((km - 51.86).abs() <= 0.1, "{km} km");
    assert_eq!(wps[0]["timestamp"], "2019-03-22T08:37:45.000+01:00");
    assert_eq!(wps[676]["timestamp"], "2019-03-22T09:39:00.000+01:00");
    // The output path re-encodes the same points.
    let original = std::fs::read_to_string(fixture("tests/data/api/trajectory.json")).unwrap();
    let original: serde_json::Value = serde_json::from_str(&original).unwrap();
    assert_eq!(lines[0]["encoded"], original["encoded"]);
}

#[test]
fn bad_input_gives_one_error_per_bad_line_and_keeps_the_good_ones() {
    let file = path("tests/data/bad_input.jsonl");
    let out = tripscore(&["trajectory", "--quiet", &file]);
    assert_eq!(out.status.code(), Some(1), "some records are errors");
    let lines = json_lines(&out);
    // 13 lines, one blank: 12 records.
    assert_eq!(lines.len(), 12);
    let expect: [(u64, Option<&str>, &str, Option<&str>); 12] = [
        (1, Some("good-1"), "", None),
        (2, None, "json", None),
        (3, Some("nan"), "field", Some("waypoints[0].latitude")),
        (
            4,
            Some("lat91"),
            "coordinate",
            Some("waypoints[1].latitude"),
        ),
        (
            6,
            Some("badtime"),
            "timestamp",
            Some("waypoints[1].timestamp"),
        ),
        (7, Some("truncated"), "polyline", Some("encoded")),
        (8, Some("unequal"), "length_mismatch", Some("encoded")),
        (9, Some("onepoint"), "too_few_points", Some("waypoints")),
        (10, Some("empty"), "too_few_points", Some("waypoints")),
        (11, None, "json", None),
        (
            12,
            Some("speeds-short"),
            "length_mismatch",
            Some("speeds_kmh"),
        ),
        (13, Some("good-2"), "", None),
    ];
    for (got, (line, id, kind, field)) in lines.iter().zip(expect) {
        if kind.is_empty() {
            assert_eq!(got["event_id"].as_str(), id, "{got}");
            assert!(got["waypoints"].is_array(), "{got}");
            continue;
        }
        assert_eq!(got["source"].as_str(), Some(file.as_str()));
        assert_eq!(got["line"].as_u64(), Some(line), "{got}");
        assert_eq!(got["event_id"].as_str(), id, "{got}");
        assert_eq!(got["error"]["kind"].as_str(), Some(kind), "{got}");
        assert_eq!(got["error"]["field"].as_str(), field, "{got}");
        assert!(!got["error"]["message"].as_str().unwrap().is_empty());
    }
}

#[test]
fn stdin_is_jsonl() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["trajectory", "-", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let seed = std::fs::read(fixture("data/seed/seed_trip.jsonl")).unwrap();
    child.stdin.take().unwrap().write_all(&seed).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out).len(), 1);
}

#[test]
fn unreadable_input_is_a_run_failure() {
    let out = tripscore(&["trajectory", "no/such/file.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.jsonl"));
}

#[test]
fn one_and_many_threads_write_the_same_bytes() {
    let files = [
        path("data/ndsbr/ndsbr.jsonl"),
        path("tests/data/bad_input.jsonl"),
        path("data/driveplotr-nds/nds.jsonl"),
    ];
    let run = |j: &str| {
        let mut args = vec!["trajectory", "--quiet", "-j", j];
        args.extend(files.iter().map(String::as_str));
        tripscore(&args).stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("4"));
}
