use super::*;

fn err(line: &str) -> InputError {
    parse_line(line).unwrap_err()
}

#[test]
fn waypoint_form() {
    let raw = parse_line(
        r#"{"user_id":"u","event_id":"e","waypoints":[
        {"latitude":50.1,"longitude":4.2,"timestamp":"2019-03-22T08:37:45.000+01:00","speed":23,"speed_limit":50,"road_type":"residential"},
        {"latitude":50.2,"longitude":4.3,"timestamp":"2019-03-22T08:37:46.500+01:00"}],"extra":1}"#
            .replace('\n', " ")
            .as_str(),
    )
    .unwrap();
    assert_eq!(raw.lat_deg, vec![50.1, 50.2]);
    assert_eq!(
        raw.time_ms,
        Some(vec![1_553_240_265_000, 1_553_240_266_500])
    );
    assert_eq!(raw.utc_offset_s, vec![3600, 3600]);
    assert_eq!(raw.speed_kmh, Some(vec![Some(23.0), None]));
    let roads = raw.road_type.unwrap();
    assert_eq!(
        (roads.len(), roads.get(0), roads.get(1)),
        (2, Some("residential"), None)
    );
    assert_eq!(raw.layout, FieldLayout::Waypoints);
}

#[test]
fn compact_form_with_parallel_arrays() {
    let raw = parse_line(
        r#"{"user_id":"u","encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000],"speeds_kmh":[10,null],"utc_offset_minutes":-180}"#,
    )
    .unwrap();
    assert_eq!(raw.lat_deg, vec![38.5, 40.7]);
    assert_eq!(raw.lon_deg, vec![-120.2, -120.95]);
    assert_eq!(raw.speed_kmh, Some(vec![Some(10.0), None]));
    assert_eq!(raw.utc_offset_s, vec![-10_800]);
}

#[test]
fn precision_six() {
    let raw =
        parse_line(r#"{"encoded":"_izlhA~rlgdF","precision":6,"timestamps_ms":[1553240265000]}"#)
            .unwrap();
    assert_eq!(raw.lat_deg, vec![38.5]);
    assert_eq!(raw.lon_deg, vec![-120.2]);
    assert_eq!(
        err(r#"{"encoded":"_p~iF~ps|U","precision":7}"#)
            .field
            .as_deref(),
        Some("precision")
    );
}

#[test]
fn errors_name_the_field() {
    let e = err(
        r#"{"event_id":"x","waypoints":[{"latitude":"NaN","longitude":4,"timestamp":"2019-03-22T08:37:45Z"}]}"#,
    );
    assert_eq!(e.kind, ErrorKind::Field);
    assert_eq!(e.field.as_deref(), Some("waypoints[0].latitude"));
    assert_eq!(
        e.event_id.as_deref(),
        Some("x"),
        "event id read despite the bad field"
    );

    let e = err(r#"{"waypoints":[{"latitude":1,"longitude":4,"timestamp":"yesterday"}]}"#);
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Timestamp, Some("waypoints[0].timestamp"))
    );
    assert!(e.message.contains("is not RFC 3339"), "{}", e.message);
    // A local time without its offset: the message says what is missing.
    let e =
        err(r#"{"waypoints":[{"latitude":1,"longitude":4,"timestamp":"2019-03-22 08:37:45"}]}"#);
    assert_eq!(e.field.as_deref(), Some("waypoints[0].timestamp"));
    assert!(e.message.contains("has no UTC offset"), "{}", e.message);

    let e = err(r#"{"encoded":"_p~iF~ps|U_ulLnnq","timestamps_ms":[1,2]}"#);
    assert_eq!(
        (e.kind, e.field.as_deref()),
        (ErrorKind::Polyline, Some("encoded"))
    );
}

#[test]
fn shape_errors() {
    assert_eq!(err("{not json").kind, ErrorKind::Json);
    assert_eq!(err("[1,2]").kind, ErrorKind::Json);
    assert_eq!(err(r#"{"a":1} trailing"#).kind, ErrorKind::Json);
    assert_eq!(
        err(r#"{"user_id":"u"}"#).field.as_deref(),
        Some("waypoints")
    );
    let both = r#"{"waypoints":[],"encoded":""}"#;
    assert_eq!(err(both).field.as_deref(), Some("encoded"));
}

#[test]
fn intervals_accept_text_or_millis() {
    let raw = parse_line(
        r#"{"encoded":"","phone_handling":[{"start":"2019-03-22T08:37:45Z","end":1553244000000}],"mounted":[]}"#,
    )
    .unwrap();
    let ph = raw.phone_handling.unwrap();
    assert_eq!(ph[0].start_ms, 1_553_243_865_000);
    assert_eq!(ph[0].end_ms, 1_553_244_000_000);
    assert_eq!(raw.mounted, Some(vec![]));
    let e = err(r#"{"encoded":"","phone_handling":[{"start":"x","end":1}]}"#);
    assert_eq!(e.field.as_deref(), Some("phone_handling[0].start"));
}

#[test]
fn the_first_bad_timestamp_is_named_and_json_errors_come_first() {
    let wp = |time: &str, lat: &str| {
        format!(r#"{{"latitude":{lat},"longitude":4.2,"timestamp":"{time}"}}"#)
    };
    let good = "2019-03-22T08:37:45.000+01:00";
    let line = |w: &[String]| format!(r#"{{"event_id":"e","waypoints":[{}]}}"#, w.join(","));
    // Two bad timestamps: the first is reported.
    let e = err(&line(&[
        wp(good, "50.1"),
        wp("2019-02-30T08:37:46Z", "50.2"),
        wp("yesterday", "50.3"),
    ]));
    assert_eq!(e.kind, ErrorKind::Timestamp);
    assert_eq!(e.field.as_deref(), Some("waypoints[1].timestamp"));
    assert_eq!(e.event_id.as_deref(), Some("e"));
    // A type error later in the line wins over an earlier bad timestamp: the
    // line does not parse at all.
    let e = err(&line(&[
        wp("yesterday", "50.1"),
        wp(good, "50.2"),
        wp(good, "\"north\""),
    ]));
    assert_eq!(e.kind, ErrorKind::Field);
    assert_eq!(e.field.as_deref(), Some("waypoints[2].latitude"));
    // Both forms in one record: that error, whatever the timestamps.
    let e = err(&format!(
        r#"{{"waypoints":[{}],"encoded":"_p~iF~ps|U"}}"#,
        wp("yesterday", "50.1")
    ));
    assert_eq!(e.field.as_deref(), Some("encoded"));
}

/// Issue #18 row 13: a huge polyline with two timestamps is a length
/// mismatch found by counting, before decoding; a malformed one still gets
/// the decoder's error naming the character.
#[test]
fn declared_lengths_are_checked_before_decoding() {
    let huge = "_p~iF~ps|U".repeat(200_000);
    let e = err(&format!(
        r#"{{"encoded":"{huge}","timestamps_ms":[1553240265000,1553240275000]}}"#
    ));
    assert_eq!(e.kind, ErrorKind::LengthMismatch);
    assert_eq!(e.field.as_deref(), Some("encoded"));
    assert_eq!(
        e.message,
        "decodes to 200000 points but timestamps_ms has 2"
    );
    let e = err(r#"{"encoded":"_p~iF~ps|U_ul Lnn","timestamps_ms":[1553240265000,1553240275000]}"#);
    assert_eq!(e.kind, ErrorKind::Polyline);
}

/// Issue #18 row 7: a line over the limit is one error record, reported
/// before its end is read; the lines after it are read as usual.
#[test]
fn a_line_over_the_limit_is_an_error_record_and_reading_goes_on() {
    use crate::input::{JsonlReader, Payload};
    let good = r#"{"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}"#;
    for long in [5_000, 100_000] {
        let text = format!("{good}\n{}\n{good}\n{}", "x".repeat(long), "y".repeat(long));
        let reader = std::io::BufReader::with_capacity(512, text.as_bytes());
        let records: Vec<_> = JsonlReader::new(reader, "t")
            .with_max_line_bytes(1000)
            .map(Result::unwrap)
            .collect();
        let kinds: Vec<_> = records
            .iter()
            .map(|r| match &r.payload {
                Payload::JsonLine(_) => None,
                Payload::Trip(t) => t.as_ref().as_ref().err().map(|e| e.kind),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                None,
                Some(ErrorKind::TooLarge),
                None,
                Some(ErrorKind::TooLarge)
            ],
            "{long}"
        );
        let lines: Vec<u64> = records.iter().map(|r| r.pos.line).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
    }
}
