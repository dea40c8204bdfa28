//! `tripscore evaluate` end to end: labelled trips judged as the library judges
//! simulated ones; bad labels, unlabelled trips and unused labels reported.

use std::path::PathBuf;

use tripscore::sim::evaluate_simulated;
use tripscore::{DetectConfig, SimConfig};

use crate::util::{json_lines, tripscore};

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tripscore-eval-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn s(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Simulates `trips` trips (seed 5, 30 % harsh) with the CLI; returns (trips, truth) paths.
fn simulate(dir: &std::path::Path, trips: u64) -> (String, String) {
    let (t, l) = (dir.join("trips.jsonl"), dir.join("truth.jsonl"));
    let out = tripscore(&[
        "simulate",
        "--trips",
        &trips.to_string(),
        "--seed",
        "5",
        "--harsh-share",
        "0.3",
        "-o",
        &s(&t),
        "--truth",
        &s(&l),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (s(&t), s(&l))
}

/// A per-trip line's `mismatches` list exactly what its counts leave unmatched.
fn mismatches_add_up(line: &serde_json::Value) {
    let short = |section: &str, of: &str, matched: &str| -> u64 {
        line[section]
            .as_object()
            .expect("counts")
            .values()
            .map(|c| c[of].as_u64().unwrap() - c[matched].as_u64().unwrap())
            .sum()
    };
    let listed = |name: &str| line["mismatches"][name].as_array().expect(name).len() as u64;
    assert_eq!(
        short("annotations", "truth", "truth_matched"),
        listed("missed")
    );
    assert_eq!(
        short("annotations", "detected", "detected_matched"),
        listed("unmatched")
    );
    assert_eq!(
        short("hard", "truth", "truth_matched"),
        listed("missed_hard")
    );
    assert_eq!(
        short("hard", "detected", "detected_matched"),
        listed("unmatched_hard")
    );
    // Every label these tests use has a peak: each one found has its peak read.
    let found: u64 = line["annotations"]
        .as_object()
        .expect("counts")
        .values()
        .map(|c| c["truth_matched"].as_u64().unwrap())
        .sum();
    assert_eq!(line["peaks"].as_array().expect("peaks").len() as u64, found);
}

#[test]
fn the_simulators_truth_as_labels_gives_the_librarys_evaluation() {
    let dir = scratch("sim");
    let (trips, labels) = simulate(&dir, 6);
    let summary = |j: &str| {
        let path = dir.join(format!("summary-{j}.json"));
        let out = tripscore(&[
            "evaluate",
            &trips,
            "--labels",
            &labels,
            "--summary",
            &s(&path),
            "-j",
            j,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let table = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(table.contains("hard_brake"), "{table}");
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 6);
        for line in &lines {
            mismatches_add_up(line);
        }
        (std::fs::read_to_string(path).expect("summary"), out.stdout)
    };
    let (one, one_lines) = summary("1");
    let (two, two_lines) = summary("2");
    assert_eq!(one, two, "the summary does not depend on the thread count");
    assert_eq!(one_lines, two_lines);
    let got: serde_json::Value = serde_json::from_str(&one).expect("JSON summary");

    let sim = SimConfig {
        seed: 5,
        harsh_share: 0.3,
        ..SimConfig::default()
    };
    let want = evaluate_simulated(&sim, 6, &DetectConfig::default());
    assert_eq!(got["trips"], 6);
    assert_eq!(got["unobservable"], want.unobservable);
    assert!((got["distance_km"].as_f64().unwrap() - want.distance_m / 1000.0).abs() < 1e-3);
    for (section, counts) in [("annotations", &want.annotations), ("hard", &want.hard)] {
        for (kind, c) in counts {
            let g = &got[section][*kind];
            assert_eq!(g["truth"], c.truth, "{kind}");
            assert_eq!(g["truth_matched"], c.truth_matched, "{kind}");
            assert_eq!(g["detected"], c.detected, "{kind}");
            assert_eq!(g["detected_matched"], c.detected_matched, "{kind}");
            if c.truth == 0 {
                assert!(g["recall"].is_null(), "{kind}: nothing to find");
            } else {
                assert!((g["recall"].as_f64().unwrap() - c.recall()).abs() < 1e-12);
            }
            assert_eq!(g["covered_ms"], c.covered_ms, "{kind}");
            assert_eq!(g["observed_ms"], c.observed_ms, "{kind}");
        }
    }
    assert!(
        want.hard["hard_brake"].truth > 0,
        "the trips have hard brakes to find"
    );
    for (kind, c) in want.annotations.iter().filter(|(_, c)| c.truth_matched > 0) {
        let p = &got["peaks"][*kind];
        assert_eq!(p["matched"], c.truth_matched, "{kind}");
        let q = |name: &str| p[name].as_f64().unwrap();
        assert!(
            q("p10") <= q("median") && q("median") <= q("p90"),
            "{kind}: {p}"
        );
    }
    assert_eq!(got["label_errors"], serde_json::json!([]));
    assert_eq!(got["labels_without_trip"], serde_json::json!([]));
}

#[test]
fn unlabelled_trips_bad_label_lines_and_unused_labels_are_each_reported() {
    let dir = scratch("bad");
    let (trips, truth) = simulate(&dir, 2);
    let truth = std::fs::read_to_string(truth).expect("truth");
    let first = truth.lines().next().expect("a truth line");
    let labels = dir.join("labels.jsonl");
    std::fs::write(
        &labels,
        format!(
            "{first}\n\
             {{\"event_id\":\"x\",\"maneuvers\":[{{\"kind\":\"brake\",\"start_ms\":9,\"end_ms\":2}}]}}\n\
             \n\
             {first}\n\
             {{\"event_id\":\"ghost\",\"maneuvers\":[]}}\n"
        ),
    )
    .expect("labels");
    let summary = dir.join("summary.json");
    let out = tripscore(&[
        "evaluate",
        "-q",
        &trips,
        "--labels",
        &s(&labels),
        "--summary",
        &s(&summary),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "one line per trip record");
    assert_eq!(lines[0]["event_id"], "sim-5-0");
    assert_eq!(lines[0]["labels_line"], 1);
    assert_eq!(lines[1]["event_id"], "sim-5-1");
    assert_eq!(lines[1]["error"]["field"], "event_id");
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no labels")
    );

    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("labels.jsonl:2: [x] maneuvers[0].end_ms: is before start_ms"),
        "{stderr}"
    );
    assert!(
        stderr.contains("labels.jsonl:4: [sim-5-0] event_id: already labelled on line 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 labelled trips are not in the input: ghost"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("precision"),
        "-q leaves out the table: {stderr}"
    );

    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(summary).expect("summary")).expect("JSON");
    assert_eq!(got["trips"], 1);
    assert_eq!(
        (got["trip_records"].as_u64(), got["trip_errors"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(got["label_errors"].as_array().map(Vec::len), Some(2));
    assert_eq!(got["labels_without_trip"], serde_json::json!(["ghost"]));
}

#[test]
fn a_trip_labelled_as_uneventful_counts_every_detection_against_precision() {
    let dir = scratch("calm");
    let (trips, _) = simulate(&dir, 1);
    let labels = dir.join("labels.jsonl");
    std::fs::write(&labels, "{\"event_id\":\"sim-5-0\",\"maneuvers\":[]}\n").expect("labels");
    let out = tripscore(&["evaluate", "-q", &trips, "--labels", &s(&labels)]);
    assert_eq!(out.status.code(), Some(0));
    let line = &json_lines(&out)[0];
    let brake = &line["annotations"]["brake"];
    assert!(brake["detected"].as_u64().unwrap() > 0);
    assert_eq!(brake["detected_matched"], 0);
    assert_eq!(brake["truth"], 0);
}

#[test]
fn labels_covering_only_turns_judge_only_turns() {
    let dir = scratch("kinds");
    let (trips, truth) = simulate(&dir, 3);
    // The simulator's own truth, cut down to its left and right turns.
    let mut labels = String::new();
    for line in std::fs::read_to_string(truth).expect("truth").lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).expect("truth line");
        let turns: Vec<serde_json::Value> = v["maneuvers"]
            .as_array()
            .expect("maneuvers")
            .iter()
            .filter(|m| m["kind"] == "left_turn" || m["kind"] == "right_turn")
            .cloned()
            .collect();
        v["maneuvers"] = serde_json::Value::Array(turns);
        v["kinds"] = serde_json::json!(["left_turn", "right_turn"]);
        labels.push_str(&format!("{v}\n"));
    }
    let (cut, full) = (dir.join("turns.jsonl"), dir.join("full.json"));
    std::fs::write(&cut, labels).expect("labels");
    let run = |labels: &str, summary: &std::path::Path| {
        let out = tripscore(&[
            "evaluate",
            "-q",
            &trips,
            "--labels",
            labels,
            "--summary",
            &s(summary),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(summary).expect("summary"))
                .expect("JSON");
        v
    };
    let out = tripscore(&["evaluate", "-q", &trips, "--labels", &s(&cut)]);
    for line in json_lines(&out) {
        mismatches_add_up(&line);
        for d in line["mismatches"]["unmatched"]
            .as_array()
            .expect("unmatched")
        {
            assert!(d["kind"] == "left_turn" || d["kind"] == "right_turn", "{d}");
        }
    }
    let got = run(&s(&cut), &dir.join("cut.json"));
    let want = run(&s(&dir.join("truth.jsonl")), &full);
    let kinds: Vec<&String> = got["annotations"]
        .as_object()
        .expect("map")
        .keys()
        .collect();
    assert_eq!(kinds, ["left_turn", "right_turn"]);
    let classes: Vec<&String> = got["hard"].as_object().expect("map").keys().collect();
    assert_eq!(classes, ["hard_turn"]);
    for kind in ["left_turn", "right_turn"] {
        assert_eq!(
            got["annotations"][kind], want["annotations"][kind],
            "{kind}"
        );
    }
    // Hard turns lose only the harsh roundabouts they no longer have labels for.
    let (g, w) = (&got["hard"]["hard_turn"], &want["hard"]["hard_turn"]);
    assert!(g["truth"].as_u64() <= w["truth"].as_u64());
    assert_eq!(g["detected"], w["detected"]);
}

/// `tripscore evaluate` of shipped `trips` against shipped `labels` (±3 s):
/// its summary.
fn evaluate_shipped(name: &str, trips: &str, labels: &str) -> serde_json::Value {
    evaluate_shipped_with(name, trips, labels, &[])
}

/// [`evaluate_shipped`] with more arguments (`--config FILE`).
fn evaluate_shipped_with(
    name: &str,
    trips: &str,
    labels: &str,
    more: &[&str],
) -> serde_json::Value {
    let summary = scratch(name).join("summary.json");
    let (trips, labels, summary_path) = (
        s(&crate::util::fixture(trips)),
        s(&crate::util::fixture(labels)),
        s(&summary),
    );
    let mut args = vec![
        "evaluate",
        "-q",
        &trips,
        "--labels",
        &labels,
        "--tolerance-ms",
        "3000",
        "--summary",
        &summary_path,
    ];
    args.extend_from_slice(more);
    let out = tripscore(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(summary).expect("summary")).expect("JSON")
}

/// The shipped real drives against their vehicle gyro's turns
/// (`data/driveplotr-nds/gyro_turn_labels.jsonl`, docs/ACCURACY.md): a
/// regression guard on real data, not a target.
#[test]
fn real_turns_against_the_gyro_labels() {
    let got = evaluate_shipped(
        "gyro",
        "data/driveplotr-nds/nds.jsonl",
        "data/driveplotr-nds/gyro_turn_labels.jsonl",
    );
    assert_eq!(got["trips"], 28);
    for kind in ["left_turn", "right_turn"] {
        let c = &got["annotations"][kind];
        let (p, r) = (
            c["precision"].as_f64().unwrap(),
            c["recall"].as_f64().unwrap(),
        );
        assert!(r >= 0.8 && p >= 0.75, "{kind}: P {p} R {r}");
    }
    assert_eq!(
        got["hard"]["hard_turn"]["truth"], 5,
        "the gyro's hard turns"
    );
}

/// The Delft motorway drives against the curves of the road they were
/// map-matched to (`data/delft-lane-changes/route_curve_labels.jsonl`,
/// docs/ACCURACY.md): a regression guard on real data. An interchange
/// read as a roundabout (before `roundabout_max_radius_m`) took left-turn
/// recall to 0.90 and right-turn recall to 0.83.
#[test]
fn real_motorway_curves_against_the_road() {
    let got = evaluate_shipped(
        "road-curves",
        "data/delft-lane-changes/delft.jsonl",
        "data/delft-lane-changes/route_curve_labels.jsonl",
    );
    assert_eq!(got["trips"], 12);
    for kind in ["left_turn", "right_turn"] {
        let c = &got["annotations"][kind];
        assert_eq!(c["truth"], 83, "{kind}: the road's curves peaking ≥ 1 m/s²");
        let r = c["recall"].as_f64().unwrap();
        assert!(r >= 0.95, "{kind}: recall {r}");
    }
}

/// Lane switches (off by default) against the Delft video labels, with
/// detection on: precision 0.885 and recall 0.312 when written (chance
/// 0.151; docs/ACCURACY.md). A guard on the one real reference that says
/// how often they are right: shipping them on would need ≥ 0.8.
#[test]
fn real_lane_switches_against_the_video_labels() {
    let config = scratch("lane-config").join("lanes.json");
    std::fs::write(&config, r#"{"detect":{"lane_switch":{"enabled":true}}}"#).expect("config");
    let got = evaluate_shipped_with(
        "lane-switches",
        "data/delft-lane-changes/delft.jsonl",
        "data/delft-lane-changes/lane_change_labels.jsonl",
        &["--config", &s(&config)],
    );
    let c = &got["annotations"]["lane_switch"];
    assert_eq!(c["truth"], 859, "the labelled lane changes of 12 trips");
    let (p, r, chance) = (
        c["precision"].as_f64().unwrap(),
        c["recall"].as_f64().unwrap(),
        c["chance"].as_f64().unwrap(),
    );
    assert!(
        p >= 0.8 && r >= 0.25 && r > 1.5 * chance,
        "P {p} R {r} chance {chance}"
    );
}
