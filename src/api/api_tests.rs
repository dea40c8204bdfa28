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
