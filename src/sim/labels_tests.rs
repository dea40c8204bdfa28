use super::*;
use crate::sim::simulate::{SimConfig, simulate_trip};

fn brake(peak: Option<f64>, harsh: Option<bool>) -> LabelledManeuver {
    LabelledManeuver {
        kind: TruthKind::Brake,
        start_ms: 1_000,
        end_ms: 4_000,
        peak_mps2: peak,
        harsh,
    }
}

#[test]
fn simulator_truth_lines_read_back_as_the_same_truth() {
    let sim = SimConfig {
        harsh_share: 0.3,
        ..SimConfig::default()
    };
    let truth = simulate_trip(&sim, 3).truth.expect("truth");
    assert!(truth.maneuvers.iter().any(|m| m.harsh));
    let line = serde_json::to_string(&truth).expect("serialises");
    let labels = TripLabels::parse_line(&line).expect("parses");
    // Explicit `harsh` wins over the thresholds, whatever they are.
    let cfg = AnnotateConfig {
        hard_brake_mps2: 100.0,
        ..AnnotateConfig::default()
    };
    let back = labels.truth(&cfg, 0.0);
    assert_eq!(back.maneuvers.len(), truth.maneuvers.len());
    for (b, t) in back.maneuvers.iter().zip(&truth.maneuvers) {
        assert_eq!(
            (b.kind, b.start_ms, b.end_ms, b.harsh),
            (t.kind, t.start_ms, t.end_ms, t.harsh)
        );
        // serde_json reads floats to within an ulp, not always exactly.
        assert!(
            (b.peak_mps2 - t.peak_mps2).abs() <= 1e-12 * t.peak_mps2,
            "{b:?} {t:?}"
        );
    }
    assert_eq!(back.event_id, truth.event_id);
    assert!((back.distance_m - truth.distance_m).abs() < 1e-9);
}

#[test]
fn harsh_follows_the_labelled_peak_and_the_hard_thresholds() {
    let cfg = AnnotateConfig::default();
    let labels = TripLabels {
        event_id: "t".into(),
        distance_m: None,
        kinds: None,
        maneuvers: vec![
            brake(Some(cfg.hard_brake_mps2), None),
            brake(Some(cfg.hard_brake_mps2 - 0.01), None),
            brake(None, None),
            brake(Some(1.0), Some(true)),
            LabelledManeuver {
                kind: TruthKind::Coast,
                ..brake(Some(50.0), None)
            },
            LabelledManeuver {
                kind: TruthKind::Roundabout,
                ..brake(Some(cfg.hard_turn_mps2), None)
            },
        ],
    };
    let truth = labels.truth(&cfg, 1234.0);
    let harsh: Vec<bool> = truth.maneuvers.iter().map(|m| m.harsh).collect();
    assert_eq!(harsh, [true, false, false, true, false, true]);
    assert!(truth.maneuvers[2].peak_mps2.is_infinite());
    assert!((truth.distance_m - 1234.0).abs() < f64::EPSILON);
}

#[test]
fn bad_label_lines_name_their_field() {
    let cases = [
        ("not json", ErrorKind::Json, None, "expected"),
        (
            r#"{"event_id":"t","maneuvers":[{"start_ms":0,"end_ms":1}]}"#,
            ErrorKind::Field,
            None,
            "missing field `kind`",
        ),
        (
            r#"{"event_id":"t","maneuvers":[],"speed":3}"#,
            ErrorKind::Field,
            None,
            "unknown field `speed`",
        ),
        (
            r#"{"event_id":"t","maneuvers":[{"kind":"skid","start_ms":0,"end_ms":1}]}"#,
            ErrorKind::Field,
            None,
            "unknown variant `skid`",
        ),
        (
            r#"{"event_id":"","maneuvers":[]}"#,
            ErrorKind::Value,
            Some("event_id"),
            "empty",
        ),
        (
            r#"{"event_id":"t","distance_m":-2,"maneuvers":[]}"#,
            ErrorKind::Value,
            Some("distance_m"),
            "≥ 0",
        ),
        (
            r#"{"event_id":"t","maneuvers":[{"kind":"brake","start_ms":0,"end_ms":1},{"kind":"brake","start_ms":9,"end_ms":2}]}"#,
            ErrorKind::Value,
            Some("maneuvers[1].end_ms"),
            "before start_ms",
        ),
        (
            r#"{"event_id":"t","maneuvers":[{"kind":"brake","start_ms":0,"end_ms":1,"peak_mps2":-1}]}"#,
            ErrorKind::Value,
            Some("maneuvers[0].peak_mps2"),
            "≥ 0",
        ),
    ];
    for (line, kind, field, message) in cases {
        let e = TripLabels::parse_line(line).expect_err(line);
        assert_eq!(e.kind, kind, "{line}");
        assert_eq!(e.field.as_deref(), field, "{line}");
        assert!(e.message.contains(message), "{line}: {}", e.message);
    }
    let e = TripLabels::parse_line(
        r#"{"event_id":"t9","maneuvers":[{"kind":"brake","start_ms":3,"end_ms":2}]}"#,
    )
    .expect_err("end before start");
    assert_eq!(e.event_id.as_deref(), Some("t9"));
}

#[test]
fn kinds_say_what_the_labels_cover() {
    let all = TripLabels::parse_line(r#"{"event_id":"t","maneuvers":[]}"#).expect("all kinds");
    assert!(all.covers(TruthKind::Coast) && all.covers_hard("hard_turn"));
    let turns = TripLabels::parse_line(
        r#"{"event_id":"t","kinds":["left_turn","right_turn"],"maneuvers":[{"kind":"left_turn","start_ms":0,"end_ms":4000,"peak_mps2":2.0}]}"#,
    )
    .expect("turn labels");
    assert!(turns.covers(TruthKind::LeftTurn) && !turns.covers(TruthKind::Brake));
    assert!(turns.covers_hard("hard_turn"));
    assert!(!turns.covers_hard("hard_brake") && !turns.covers_hard("hard_accel"));
    let left_only =
        TripLabels::parse_line(r#"{"event_id":"t","kinds":["left_turn"],"maneuvers":[]}"#)
            .expect("left only");
    assert!(!left_only.covers_hard("hard_turn"));
    for (line, field) in [
        (r#"{"event_id":"t","kinds":[],"maneuvers":[]}"#, "kinds"),
        (
            r#"{"event_id":"t","kinds":["brake"],"maneuvers":[{"kind":"left_turn","start_ms":0,"end_ms":1}]}"#,
            "maneuvers[0].kind",
        ),
    ] {
        let e = TripLabels::parse_line(line).expect_err(line);
        assert_eq!(e.field.as_deref(), Some(field), "{line}");
    }
}

#[test]
fn label_times_read_as_unix_ms_or_rfc3339() {
    let ms = TripLabels::parse_line(
        r#"{"event_id":"t","maneuvers":[{"kind":"brake","start_ms":1553240270000,"end_ms":1553240274000}]}"#,
    )
    .expect("Unix ms");
    let text = TripLabels::parse_line(
        r#"{"event_id":"t","maneuvers":[{"kind":"brake","start":"2019-03-22T08:37:50+01:00","end":"2019-03-22T07:37:54.000Z"}]}"#,
    )
    .expect("RFC 3339");
    assert_eq!(ms, text);
    for (line, message) in [
        (
            r#"{"event_id":"t","maneuvers":[{"kind":"brake","start":"2019-03-22 08:37:50","end_ms":1}]}"#,
            "is not RFC 3339",
        ),
        (
            r#"{"event_id":"t","maneuvers":[{"kind":"brake","start_ms":1.5,"end_ms":2}]}"#,
            "expected Unix ms (an integer) or RFC 3339",
        ),
    ] {
        let e = TripLabels::parse_line(line).expect_err(line);
        assert_eq!(e.kind, ErrorKind::Field, "{line}");
        assert!(e.message.contains(message), "{line}: {}", e.message);
    }
}
