//! The scanner fast path against `serde_json`: wherever the scanner takes a
//! line, the trip (or error) is the one `serde_json` gives, bit for bit; and
//! the common shapes are taken, so the fast path is exercised at all.

use proptest::prelude::*;

use super::fast;
use super::{parse_line, parse_line_reference};
use crate::sim::{SimConfig, simulate_trip};

/// Both paths' results, as Debug text (which tells -0.0 from 0.0).
fn both(line: &str) -> (String, String) {
    (
        format!("{:?}", parse_line(line)),
        format!("{:?}", parse_line_reference(line)),
    )
}

fn assert_same(line: &str) {
    let (fast, reference) = both(line);
    assert_eq!(fast, reference, "line: {line}");
}

fn taken(line: &str) -> bool {
    fast::parse(line).is_some()
}

/// A waypoint-form line of `n` fixes with every optional field.
fn waypoint_line(n: usize) -> String {
    let wps: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"latitude":50.{i:04},"longitude":-4.00{i},"road_type":"primary","speed":{}.5,"speed_limit":90,"accuracy":null,"timestamp":"2023-11-14T22:13:{:02}.002+01:00"}}"#,
                i * 3,
                i % 60
            )
        })
        .collect();
    format!(
        r#"{{"user_id":"u","event_id":"e-1","waypoints":[{}]}}"#,
        wps.join(",")
    )
}

#[test]
fn simulated_trips_are_taken_and_equal() {
    for (k, roads) in [(0, true), (1, false)] {
        let cfg = SimConfig {
            with_roads: roads,
            with_speed: roads,
            trip_duration_s: 300.0,
            ..SimConfig::default()
        };
        let line = serde_json::to_string(&simulate_trip(&cfg, k)).unwrap();
        assert!(taken(&line));
        assert_same(&line);
    }
    let line = waypoint_line(50);
    assert!(taken(&line));
    assert_same(&line);
}

#[test]
fn shipped_jsonl_is_taken_and_equal() {
    for path in [
        "data/driveplotr-nds/nds.jsonl",
        "data/ndsbr/ndsbr.jsonl",
        "data/seed/seed_trip.jsonl",
        "data/barefoot-munich/x0001-001.jsonl",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            assert!(taken(line), "{path}: {}", &line[..line.len().min(80)]);
            assert_same(line);
        }
    }
}

#[test]
fn escaped_polyline_is_taken() {
    // '\' is a polyline character; JSON writes it `\\`.
    let line = r#"{"encoded":"_p~iF~ps|U_ulLnnqC\\A","timestamps_ms":[1,2,3]}"#;
    assert!(taken(line));
    assert_same(line);
}

#[test]
fn lines_outside_the_subset_go_to_serde() {
    for line in [
        // \u escape in a known field, exponent, too many digits.
        r#"{"event_id":"\u0041","encoded":"_p~iF~ps|U","timestamps_ms":[1]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1e3]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1234567890123456789]}"#,
        // Invalid JSON and type errors: serde names them.
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[01]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[-0]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1.5]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1],"encoded":"x"}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1]} x"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1],}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1,]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1 2]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1],"precision":-5}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1],"utc_offset_minutes":9999999999}"#,
        r#"{"waypoints":[{"latitude":1,"longitude":2}]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1],"mounted":[{"start":1}]}"#,
        r#"{"encoded":"_p~iF~ps|U","timestamps_ms":[1],"mounted":[{"start":1.5,"end":2}]}"#,
        r#"{"waypoints":[{"latitude":1,"latitude":1,"longitude":2,"timestamp":"x"}]}"#,
        r#"{"waypoints":[{"latitude":1.,"longitude":2,"timestamp":"x"}]}"#,
        r#"{"waypoints":[{"latitude":-,"longitude":2,"timestamp":"x"}]}"#,
        "{\"event_id\":\"a\u{1}b\",\"encoded\":\"_p~iF~ps|U\",\"timestamps_ms\":[1]}",
    ] {
        assert!(!taken(line), "{line}");
        assert_same(line);
    }
}

#[test]
fn numbers_convert_as_serde_does() {
    for v in [
        "0",
        "-0",
        "0.0",
        "-0.0",
        "1",
        "-1",
        "0.1",
        "0.3",
        "50.0645",
        "-112.88359",
        "1.5",
        "123456789012345678",
        "0.00000000000000001",
        "12345678.123456789",
        "9007199254740993",
    ] {
        let line = format!(
            r#"{{"waypoints":[{{"latitude":{v},"longitude":{v},"speed":{v},"timestamp":"2023-11-14T22:13:20Z"}},{{"latitude":1,"longitude":1,"timestamp":"2023-11-14T22:13:21Z"}}]}}"#
        );
        assert!(taken(&line), "{v}");
        assert_same(&line);
    }
}

#[test]
fn short_channel_numbers_convert_as_serde_does() {
    // The per-fix channels read short numbers byte by byte
    // (`Scanner::short_number`): every length around its three-digit
    // limit, either side of the point, and the shapes it must leave to the
    // general path, which takes the longer ones and gives exponents and
    // invalid numbers to serde.
    let taken_here = [
        "0", "-0", "7", "-7", "0.5", "8.0", "12.25", "99.9", "100.0", "999.999", "1000.5",
        "0.1234", "123.4567", "-0.0", "55", "-999.5",
    ];
    let to_serde = [
        "1e2", "12.5E1", "01", "-01", "00.5", "1.", ".5", "-", "1.e2", "012.5",
    ];
    for v in taken_here.into_iter().chain(to_serde) {
        for line in [
            format!(
                r#"{{"waypoints":[{{"latitude":1,"longitude":1,"speed":{v},"speed_limit":{v},"accuracy":{v},"timestamp":"2023-11-14T22:13:20Z"}},{{"latitude":1,"longitude":1,"timestamp":"2023-11-14T22:13:21Z"}}]}}"#
            ),
            format!(
                r#"{{"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1700000000000,1700000001000],"speeds_kmh":[{v},1],"speed_limits_kmh":[{v},50],"accuracies_m":[{v},3]}}"#
            ),
        ] {
            assert_same(&line);
            assert_eq!(taken(&line), taken_here.contains(&v), "{line}");
        }
    }
}

#[test]
fn bad_timestamp_is_the_same_error() {
    let line = r#"{"event_id":"e","waypoints":[{"latitude":1,"longitude":2,"timestamp":"nope"},{"latitude":1,"longitude":2,"timestamp":"2023-11-14T22:13:21Z"}]}"#;
    assert!(taken(line));
    assert_same(line);
    assert!(parse_line(line).is_err());
}

/// JSON-ish text around a valid record: whitespace, numbers in every shape,
/// nulls, escapes and keys in any order.
fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (any::<i32>()).prop_map(|v| v.to_string()),
        1 => (any::<f64>()).prop_map(|v| v.to_string()),
        4 => (-200.0..200.0_f64, 0..9_usize).prop_map(|(v, dp)| format!("{v:.dp$}")),
        1 => "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})?",
        // Around the shape of Unix milliseconds (`Scanner::long_positive_integer`).
        2 => "[1-9][0-9]{6,16}",
        1 => "0?[1-9][0-9]{6,16}(\\.[0-9]{1,3}|[eE][0-9])?",
        1 => Just("null".to_owned()),
    ]
}

fn ws() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        1 => "[ \t\r\n]{1,3}",
    ]
}

fn string_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z0-9_-]{0,12}",
        2 => "[a-z\\\\\"/]{0,6}".prop_map(|s| s.replace('\\', "\\\\").replace('"', "\\\"")),
        1 => "\\\\[bfnrtu/\"x]",
    ]
    .prop_map(|s| format!("\"{s}\""))
}

/// A few road names as JSON strings, escaped ones and padded ones among
/// them: the near misses of a name repeated from the one before.
const REPEATING_ROADS: [&str; 7] = [
    r#""residential""#,
    r#""residential ""#,
    r#""resident""#,
    r#""a\\""#,
    r#""a\"b""#,
    r#""a""#,
    r#""""#,
];

/// A road type: any string, `null`, or one of [`REPEATING_ROADS`], which
/// then repeat (a road lasts many fixes).
fn road_text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => string_text(),
        1 => Just("null".to_owned()),
        3 => proptest::sample::select(REPEATING_ROADS.to_vec()).prop_map(str::to_owned),
    ]
}

prop_compose! {
    fn waypoint_text()(
        lat in number_text(), lon in number_text(), speed in number_text(),
        road in prop_oneof![string_text(), Just("null".to_owned())],
        second in 0..60_u32, frac in "(\\.[0-9]{1,4})?",
        tz in prop_oneof![Just("Z"), Just("+01:00"), Just("-05:30")],
        order in Just([0, 1, 2, 3, 4]).prop_shuffle(),
        keep in proptest::collection::vec(any::<bool>(), 5),
        w in ws(),
    ) -> String {
        let fields = [
            format!("\"latitude\":{w}{lat}"),
            format!("\"longitude\":{lon}"),
            format!("\"timestamp\":\"2023-11-14T22:13:{second:02}{frac}{tz}\""),
            format!("\"speed\"{w}:{speed}"),
            format!("\"road_type\":{road}"),
        ];
        let parts: Vec<&str> = order
            .iter()
            .filter(|&&i| i < 3 || keep[i])
            .map(|&i| fields[i].as_str())
            .collect();
        format!("{{{w}{}}}", parts.join(","))
    }
}

fn record_text() -> impl Strategy<Value = String> {
    let waypoints = (
        proptest::collection::vec(waypoint_text(), 0..5),
        string_text(),
        ws(),
    )
        .prop_map(|(wps, id, w)| {
            format!(
                "{w}{{\"event_id\":{id},{w}\"waypoints\":[{}]{w}}}{w}",
                wps.join(",")
            )
        });
    let compact = (
        proptest::collection::vec(number_text(), 0..5),
        proptest::collection::vec(number_text(), 0..5),
        proptest::collection::vec(road_text(), 0..8),
        "[?-~]{0,12}",
        prop_oneof![Just(String::new()), number_text().prop_map(|p| format!(",\"precision\":{p}"))],
        ws(),
    )
        .prop_map(|(times, speeds, roads, poly, precision, w)| {
            format!(
                "{{\"encoded\":{w}\"{}\",\"timestamps_ms\":[{}],\"speeds_kmh\":[{}],{w}\"road_types\":[{}]{precision}}}",
                poly.replace('\\', "\\\\"),
                times.join(","),
                speeds.join(","),
                roads.join(",")
            )
        });
    // Sometimes with unknown keys (any JSON value, valid or nearly so) at
    // the front of the record and of its first waypoint.
    let extra = prop_oneof![
        2 => Just(String::new()),
        1 => (unknown_value_text(), unknown_value_text()).prop_map(|(a, b)| format!("{a}\u{1}{b}")),
    ];
    (prop_oneof![waypoints, compact], extra).prop_map(|(line, extra)| {
        let Some((record, waypoint)) = extra.split_once('\u{1}') else {
            return line;
        };
        let line = line.replacen('{', &format!("{{\"trip_id\":{record},"), 1);
        line.replacen("[{", &format!("[{{\"altitude\":{waypoint},"), 1)
    })
}

/// A JSON value of any type, nested, or one of the near misses serde rejects.
fn unknown_value_text() -> impl Strategy<Value = String> {
    let valid = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        number_text(),
        Just("-0.5e-3".to_owned()),
        Just("1E+9".to_owned()),
        string_text(),
        Just(r#""a\u00e9\"b""#.to_owned()),
    ];
    let near_miss = prop_oneof![
        Just("tru".to_owned()),
        Just("01".to_owned()),
        Just("1.".to_owned()),
        Just("-".to_owned()),
        Just("1e".to_owned()),
        Just(r#""bad \x escape""#.to_owned()),
        Just(r#""\u12g4""#.to_owned()),
        Just("\"tab\there\"".to_owned()),
    ];
    let leaf = prop_oneof![12 => valid, 1 => near_miss];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("[{}]", v.join(","))),
            proptest::collection::vec((string_text(), inner), 0..4).prop_map(|v| {
                let fields: Vec<String> = v.into_iter().map(|(k, x)| format!("{k}:{x}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

#[test]
fn unknown_keys_are_skipped_not_given_up() {
    let line = r#"{"trip_id":{"a":[1,2.5e3,-0.0,"x\u00e9",null,true,false,{}]},"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000],"vendor":"x"}"#;
    assert!(taken(line));
    assert_same(line);
    let line = waypoint_line(3).replace(
        r#"{"latitude""#,
        r#"{"altitude":512.25,"bearing":[90],"latitude""#,
    );
    assert!(taken(&line));
    assert_same(&line);
    // Nested past the skip depth: serde's turn, with the same result.
    let deep = format!(
        r#"{{"x":{}1{},"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}}"#,
        "[".repeat(70),
        "]".repeat(70)
    );
    assert!(!taken(&deep));
    assert_same(&deep);
    for bad in ["tru", "01", "1.", "\"\\x\"", "[1,]", "{\"a\"}"] {
        let line = format!(
            r#"{{"x":{bad},"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}}"#
        );
        assert!(!taken(&line), "{line}");
        assert_same(&line);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn fast_path_equals_serde(line in record_text()) {
        let (fast, reference) = both(&line);
        prop_assert_eq!(fast, reference);
    }

    #[test]
    fn fast_path_equals_serde_on_damaged_lines(
        line in record_text(),
        at in any::<prop::sample::Index>(),
        edit in 0..3_u8,
        c in prop_oneof![Just('"'), Just(','), Just(':'), Just('}'), Just(']'), Just('\\'), Just('-'), Just('.'), Just('0'), Just(' ')],
    ) {
        let mut chars: Vec<char> = line.chars().collect();
        let i = at.index(chars.len());
        match edit {
            0 => { chars.remove(i); }
            1 => chars.insert(i, c),
            _ => chars[i] = c,
        }
        let line: String = chars.into_iter().collect();
        let (fast, reference) = both(&line);
        prop_assert_eq!(fast, reference);
    }
}

#[test]
fn generated_records_exercise_the_fast_path() {
    // The property tests above compare the paths; this makes sure the
    // generator feeds the scanner, not only serde: a good share is taken.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = record_text();
    let n = 1000;
    let taken_count = (0..n)
        .filter(|_| taken(&strategy.new_tree(&mut runner).unwrap().current()))
        .count();
    assert!(taken_count > n / 5, "{taken_count} of {n} taken");
}

#[test]
fn intervals_are_taken() {
    let line = r#"{"event_id":"e","encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000],"phone_handling":[{"start":1553240265500,"end":"2019-03-22T08:37:50+01:00"}],"mounted":[]}"#;
    assert!(taken(line));
    assert_same(line);
}

proptest! {
    #[test]
    fn plain_run_is_the_first_stop_byte(
        bytes in proptest::collection::vec(
            prop_oneof![4 => 0x20_u8..0x7f, 1 => any::<u8>(), 1 => Just(b'"'), 1 => Just(b'\\')],
            0..40,
        ),
    ) {
        let naive = bytes
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .unwrap_or(bytes.len());
        prop_assert_eq!(fast::plain_run(&bytes), naive);
    }
}

proptest! {
    #[test]
    fn eight_digits_reads_the_leading_digit_run(
        bytes in proptest::collection::vec(
            prop_oneof![6 => b'0'..=b'9', 1 => any::<u8>(), 1 => Just(b'.'), 1 => Just(b'/'), 1 => Just(b':')],
            8,
        ),
    ) {
        let count = bytes.iter().take_while(|c| c.is_ascii_digit()).count();
        let value = bytes[..count].iter().fold(0_u64, |v, &c| v * 10 + u64::from(c - b'0'));
        prop_assert_eq!(fast::eight_digits(&bytes), (value, count));
    }
}

/// Waypoints whose keys come in the order of the one before are read from
/// that order; a changed order, a repeated key, an escaped or an unknown
/// key at a remembered place read exactly as serde reads them.
#[test]
fn waypoint_keys_in_the_order_before_read_as_serde_does() {
    let wp = |keys: &[&str]| {
        let fields: Vec<String> = keys
            .iter()
            .map(|k| match *k {
                "timestamp" => "\"timestamp\":\"2023-11-14T22:13:20Z\"".to_owned(),
                other => format!("\"{other}\":1.5"),
            })
            .collect();
        format!("{{{}}}", fields.join(","))
    };
    let base = ["latitude", "longitude", "timestamp", "speed"];
    let cases = [
        vec![wp(&base), wp(&base), wp(&base)],
        vec![
            wp(&base),
            wp(&["longitude", "latitude", "timestamp"]),
            wp(&base),
        ],
        vec![
            wp(&base),
            wp(&["latitude", "latitude", "longitude", "timestamp"]),
        ],
        vec![wp(&base), wp(&["lat\\u0069tude", "longitude", "timestamp"])],
        vec![
            wp(&base),
            wp(&["latitudes", "latitude", "longitude", "timestamp"]),
        ],
        vec![
            wp(&base),
            wp(&["latitude", "longitude", "timestamp", "speed_limit"]),
            wp(&base),
        ],
    ];
    for waypoints in cases {
        let line = format!(
            "{{\"user_id\":\"u\",\"waypoints\":[{}]}}",
            waypoints.join(", ")
        );
        assert_same(&line);
    }
    // The common case stays on the fast path.
    let same_order = format!("{{\"waypoints\":[{},{}]}}", wp(&base), wp(&base));
    assert!(taken(&same_order));
}

proptest! {
    /// A remembered key is found where `starts_with` finds it, whatever
    /// its length and however much of the line is left.
    #[test]
    fn quoted_key_starts_as_starts_with_does(
        key in proptest::collection::vec(any::<u8>(), 0..24),
        line in proptest::collection::vec(any::<u8>(), 0..40),
        prefix in any::<bool>(),
    ) {
        let line = if prefix { [key.clone(), line].concat() } else { line };
        prop_assert_eq!(fast::QuotedKey::new(&key).starts(&line), line.starts_with(&key));
    }
}

proptest! {
    /// Unix milliseconds sharing their first eight digits (the scanner
    /// reuses the converted first word) or not, of every length around the
    /// 13 digits of today's, read as serde reads them.
    #[test]
    fn timestamps_sharing_their_first_digits_read_as_serde(
        prefix in "[1-9][0-9]{7}",
        other in "[1-9][0-9]{7}",
        suffixes in proptest::collection::vec(
            ("[0-9]{0,10}", any::<bool>(), proptest::bool::weighted(0.05)),
            2..8,
        ),
    ) {
        let numbers: Vec<String> = suffixes
            .iter()
            .map(|(tail, same, fraction)| {
                let head = if *same { &prefix } else { &other };
                format!("{head}{tail}{}", if *fraction { ".5" } else { "" })
            })
            .collect();
        let line = format!(
            r#"{{"encoded":"{}","timestamps_ms":[{}]}}"#,
            "_p~iF~ps|U".to_owned() + &"_ulLnnqC".repeat(numbers.len() - 1),
            numbers.join(",")
        );
        assert_same(&line);
    }
}

#[test]
fn shared_first_digits_are_taken() {
    let line = r#"{"encoded":"_p~iF~ps|U_ulLnnqC_mqNvxq`@","timestamps_ms":[1553240265000,1553240266000,1553250000000]}"#;
    assert!(taken(line));
    assert_same(line);
}

/// [`REPEATING_ROADS`] and `null`.
fn pooled_road_text() -> impl Strategy<Value = String> {
    let mut pool = REPEATING_ROADS.to_vec();
    pool.push("null");
    proptest::sample::select(pool).prop_map(str::to_owned)
}

proptest! {
    /// Road names read as the one before them (the same bytes) give the
    /// trip serde gives, with near misses (a prefix, padding, escapes, an
    /// empty name, `null`) between them; every such line is taken and valid,
    /// so the names themselves are compared.
    #[test]
    fn repeated_road_names_read_as_serde_reads_them(
        roads in proptest::collection::vec(pooled_road_text(), 6),
    ) {
        let coords: Vec<geo::Coord> = (0..6)
            .map(|k| geo::coord! { x: 4.0, y: 50.0 + 1e-4 * f64::from(k) })
            .collect();
        let encoded = polyline::encode_coordinates(coords, 5).unwrap();
        let times: Vec<String> = (0..6).map(|k| (1_700_000_000_000_i64 + 1000 * k).to_string()).collect();
        let line = format!(
            r#"{{"event_id":"e","encoded":{},"timestamps_ms":[{}],"road_types":[{}]}}"#,
            serde_json::to_string(&encoded).unwrap(),
            times.join(","),
            roads.join(","),
        );
        prop_assert!(taken(&line), "{}", line);
        let (fast, reference) = both(&line);
        prop_assert!(reference.starts_with("Ok"), "{}", reference);
        prop_assert_eq!(fast, reference);
    }
}
