use super::*;

#[test]
fn struct_tags_are_written_first_and_tolerated_on_read() {
    let w = PathWaypoint {
        latitude: 50.5,
        longitude: 4.25,
    };
    let json = serde_json::to_string(&w).unwrap();
    assert_eq!(
        json,
        r#"{"type":"BehaviorAnnotationPathWaypoint","latitude":50.5,"longitude":4.25}"#
    );
    // serde writes a struct's tag but does not check it on read: a body without
    // the tag (or with another) still reads, as unknown fields do.
    let untagged = r#"{"latitude":50.5,"longitude":4.25}"#;
    assert_eq!(serde_json::from_str::<PathWaypoint>(untagged).unwrap(), w);
}

#[test]
fn not_available_scores_print_as_minus_one() {
    let s = CarBehaviorScores {
        overall: 0.444_4,
        smooth: -1.0,
        legal: 0.444_4,
        anticipative: -1.0,
        focus: None,
        mounted: None,
        hard_accel: 0.93,
        hard_brake: 0.9,
        hard_events: 0.79,
        hard_turn: 0.95,
        legal_v2: 0.31,
        smooth_v2: 0.84,
        anticipative_v2: 0.92,
    };
    let json = serde_json::to_string(&s).unwrap();
    assert!(
        json.starts_with(
            r#"{"type":"CarBehaviorScores","overall":0.444,"smooth":-1,"legal":0.44,"#
        ),
        "{json}"
    );
    assert!(!json.contains("focus"));
}

#[test]
fn named_scores_are_the_written_keys_in_order() {
    // Values the line writes as they are (2 decimals, `overall` 3).
    let mut s = CarBehaviorScores {
        overall: 0.512,
        smooth: 0.25,
        legal: 0.75,
        anticipative: -1.0,
        focus: None,
        mounted: None,
        hard_accel: 0.12,
        hard_brake: 0.38,
        hard_events: 0.62,
        hard_turn: 0.88,
        legal_v2: 0.0,
        smooth_v2: 1.0,
        anticipative_v2: 0.55,
    };
    for (focus, mounted) in [(None, None), (Some(0.25), Some(0.5)), (Some(-1.0), None)] {
        (s.focus, s.mounted) = (focus, mounted);
        let text = serde_json::to_string(&s).unwrap();
        let written: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).unwrap();
        let mut written: Vec<(String, f64)> = written
            .into_iter()
            .filter(|(k, _)| k != "type")
            .map(|(k, v)| (k, v.as_f64().unwrap()))
            .collect();
        // In the order the line writes them.
        written.sort_by_key(|(k, _)| text.find(&format!("\"{k}\":")).unwrap());
        let named: Vec<(String, f64)> = s
            .named()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(named, written);
    }
}
