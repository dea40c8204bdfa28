use super::*;

const T0: i64 = 1_553_240_265_000;

fn raw(n: usize) -> RawTrip {
    RawTrip {
        user_id: Some("u".into()),
        lat_deg: (0..n).map(|i| 50.0 + 1e-4 * i as f64).collect(),
        lon_deg: vec![4.0; n],
        time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64).collect()),
        layout: FieldLayout::Waypoints,
        ..RawTrip::default()
    }
}

fn fails(r: RawTrip) -> TrajectoryError {
    Trajectory::try_from(r).unwrap_err()
}

#[test]
fn accepts_a_plain_trip() {
    let t = Trajectory::try_from(raw(5)).unwrap();
    assert_eq!(t.len(), 5);
    assert!(
        (t.distance_m() - 4.0 * 11.119_5).abs() < 0.01,
        "{}",
        t.distance_m()
    );
}

#[test]
fn too_few_points() {
    let e = fails(raw(1));
    assert_eq!(e.kind, TrajectoryErrorKind::TooFewPoints);
    assert_eq!(e.field, "waypoints");
    assert_eq!(fails(raw(0)).kind, TrajectoryErrorKind::TooFewPoints);
}

#[test]
fn out_of_range_and_non_finite_coordinates() {
    let mut r = raw(3);
    r.lat_deg[2] = 91.0;
    let e = fails(r);
    assert_eq!(
        (e.kind, e.field.as_str()),
        (TrajectoryErrorKind::Coordinate, "waypoints[2].latitude")
    );
    let mut r = raw(3);
    r.lon_deg[1] = f64::NAN;
    assert_eq!(fails(r).field, "waypoints[1].longitude");
}

#[test]
fn extreme_values_are_shown_short_in_messages() {
    let mut r = raw(3);
    r.lat_deg[1] = -1e300;
    let e = fails(r);
    assert_eq!(e.message, "latitude -1e300 is outside [-90, 90]");
    let mut r = raw(3);
    r.lon_deg[0] = 181.5;
    assert_eq!(fails(r).message, "longitude 181.5 is outside [-180, 180]");
    assert_eq!(shown(1e-300), "1e-300");
    assert_eq!(shown(0.0), "0");
    assert_eq!(shown(f64::NAN), "NaN");
    assert_eq!(shown(123_456.25), "123456.25");
}

#[test]
fn equal_timestamps_and_seconds_for_millis() {
    let mut r = raw(3);
    r.time_ms = Some(vec![T0; 3]);
    assert_eq!(fails(r).kind, TrajectoryErrorKind::Timestamp);
    let mut r = raw(3);
    r.time_ms = Some(vec![1_553_240_265, 1_553_240_266, 1_553_240_267]);
    let e = fails(r);
    assert_eq!(e.field, "waypoints[0].timestamp");
    assert!(e.message.contains("seconds"));
}

#[test]
fn out_of_order_and_duplicate_fixes_are_kept() {
    let mut r = raw(4);
    r.time_ms = Some(vec![T0, T0 + 2000, T0 + 1000, T0 + 1000]);
    let t = Trajectory::try_from(r).unwrap();
    assert_eq!(t.time_ms().unwrap(), &[T0, T0 + 2000, T0 + 1000, T0 + 1000]);
}

#[test]
fn compact_length_mismatch_names_the_array() {
    let mut r = raw(3);
    r.layout = FieldLayout::Compact;
    r.speed_kmh = Some(vec![Some(1.0); 2]);
    let e = fails(r);
    assert_eq!(
        (e.kind, e.field.as_str()),
        (TrajectoryErrorKind::LengthMismatch, "speeds_kmh")
    );
    let mut r = raw(3);
    r.layout = FieldLayout::Compact;
    r.time_ms = Some(vec![T0, T0 + 1]);
    assert_eq!(fails(r).field, "encoded");
}

#[test]
fn unknown_markers_become_none() {
    let mut r = raw(3);
    r.speed_kmh = Some(vec![Some(-1.0), Some(10.0), None]);
    r.speed_limit_kmh = Some(vec![Some(0.0), Some(50.0), Some(50.0)]);
    let t = Trajectory::try_from(r).unwrap();
    assert_eq!(t.speed_kmh(0), None);
    assert_eq!(t.speed_kmh(1), Some(10.0));
    assert_eq!(t.speed_limit_kmh(0), None);
    assert_eq!(t.speed_limit_kmh(1), Some(50.0));
}

#[test]
fn csv_rows_name_their_line() {
    let mut r = raw(3);
    r.layout = FieldLayout::Rows(vec![7, 8, 9]);
    r.lat_deg[1] = -95.0;
    assert_eq!(fails(r).field, "latitude (line 8)");
}

#[test]
fn event_id_is_stable_and_depends_on_user_and_start() {
    let a = Trajectory::try_from(raw(3)).unwrap();
    let b = Trajectory::try_from(raw(3)).unwrap();
    assert_eq!(a.event_id(), b.event_id());
    let mut r = raw(3);
    r.user_id = Some("v".into());
    assert_ne!(Trajectory::try_from(r).unwrap().event_id(), a.event_id());
    let mut r = raw(3);
    r.event_id = Some("given".into());
    assert_eq!(Trajectory::try_from(r).unwrap().event_id(), "given");
}

#[test]
fn api_waypoints_carry_distance_to_next_and_derived_speed() {
    let mut r = raw(3);
    r.road_type = Some(
        [Some("residential"), None, Some("residential")]
            .into_iter()
            .collect(),
    );
    let t = Trajectory::try_from(r).unwrap();
    let api = t.to_api().unwrap();
    let w = &api.waypoints;
    assert!((w[0].distance - 11.12).abs() < 0.01);
    assert_eq!(w[2].distance, 0.0);
    // 11.12 m in 1 s = 40.03 km/h; the last repeats the previous.
    assert!((w[0].speed.unwrap() - 40.03).abs() < 0.01);
    assert_eq!(w[2].speed, w[1].speed);
    assert_eq!(w[0].road_type.as_deref(), Some("residential"));
    assert_eq!(w[1].road_type, None);
    assert_eq!(w[0].timestamp.to_string(), "2019-03-22T07:37:45.000+00:00");
}

#[test]
fn reversed_interval_is_an_error() {
    let mut r = raw(3);
    r.phone_handling = Some(vec![Interval {
        start_ms: T0 + 5,
        end_ms: T0,
    }]);
    assert_eq!(fails(r).field, "phone_handling[0]");
}

mod fused_distance {
    use super::*;
    use geo::{Distance, Haversine, Point};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn agrees_with_geo_haversine(lat in -89.0_f64..89.0, lon in -180.0_f64..180.0, dlat in -0.099_f64..0.099, dlon in -0.099_f64..0.099) {
            let lat2 = (lat + dlat).clamp(-90.0, 90.0);
            let lon2 = (lon + dlon + 180.0).rem_euclid(360.0) - 180.0;
            let t = Trajectory::try_from(RawTrip {
                lat_deg: vec![lat, lat2],
                lon_deg: vec![lon, lon2],
                time_ms: Some(vec![T0, T0 + 1000]),
                ..RawTrip::default()
            }).unwrap();
            let geo = Haversine.distance(Point::new(lon, lat), Point::new(lon2, lat2));
            let fused = t.step_m(0);
            prop_assert!((fused - geo).abs() <= 1e-6 * geo + 1e-6, "fused {fused} vs geo {geo}");
        }
    }
}

/// Issue #18 row 12: physically impossible speeds and posted limits are
/// errors naming the fix, not data that makes the whole trip speeding.
#[test]
fn impossible_speeds_and_limits_are_errors() {
    let mut r = raw(3);
    r.speed_kmh = Some(vec![Some(50.0), Some(1e9), None]);
    let e = fails(r);
    assert_eq!(e.kind, TrajectoryErrorKind::Value);
    assert_eq!(e.field, "waypoints[1].speed");
    assert!(e.message.contains("faster than any car"), "{}", e.message);
    for bad in [1e-300, 4.9, 300.5, 999.0] {
        let mut r = raw(3);
        r.speed_limit_kmh = Some(vec![Some(50.0), Some(50.0), Some(bad)]);
        let e = fails(r);
        assert_eq!(e.field, "waypoints[2].speed_limit", "{bad}");
    }
    // The edges are accepted; 0 and negatives are "unknown".
    let mut r = raw(4);
    r.speed_kmh = Some(vec![Some(MAX_SPEED_KMH), Some(0.0), None, Some(-1.0)]);
    r.speed_limit_kmh = Some(vec![Some(5.0), Some(300.0), Some(0.0), Some(-1.0)]);
    let t = Trajectory::try_from(r).unwrap();
    assert_eq!(t.speed_limit_kmh(2), None);
    assert_eq!(t.speed_kmh(0), Some(MAX_SPEED_KMH));
}

proptest::proptest! {
    /// The road-name trim is `str::trim`, whatever the name.
    #[test]
    fn road_names_trim_as_str_trim_does(name in "(\\PC|\\s|\u{85}|\u{a0}|\u{3000}){0,12}") {
        proptest::prop_assert_eq!(trim_name(&name), name.trim());
    }
}

#[test]
fn utc_offsets_are_checked_as_given_and_repeated_when_one() {
    let mut r = raw(5);
    r.utc_offset_s = vec![3600];
    assert_eq!(Trajectory::try_from(r).unwrap().utc_offset_s(), &[3600; 5]);
    // One for all, beyond ±18 h: the error names the first fix's time.
    let mut r = raw(5);
    r.utc_offset_s = vec![-70_000];
    let e = fails(r);
    assert_eq!(
        (e.kind, e.field.as_str()),
        (TrajectoryErrorKind::Timestamp, "waypoints[0].timestamp")
    );
    // One per fix: the bad one is named.
    let mut r = raw(5);
    r.utc_offset_s = vec![0, 0, 0, 70_000, 0];
    let e = fails(r);
    assert_eq!(
        (e.kind, e.field.as_str()),
        (TrajectoryErrorKind::Timestamp, "waypoints[3].timestamp")
    );
    // A count that fits neither is a length mismatch, whatever the values.
    let mut r = raw(5);
    r.utc_offset_s = vec![0, 70_000, 0];
    assert_eq!(fails(r).kind, TrajectoryErrorKind::LengthMismatch);
}

proptest::proptest! {
    /// The steps through a list of fixes, two at a time in lanes, are
    /// `step_between_m` of each pair bit for bit: near and far pairs,
    /// across the antimeridian, repeated and skipped fixes, odd and even
    /// counts.
    #[test]
    fn steps_between_are_step_between_each_pair(
        fixes in proptest::collection::vec(
            (
                -89.0_f64..89.0,
                proptest::prop_oneof![-180.0_f64..180.0, 179.99_f64..180.0, -180.0_f64..-179.99],
                proptest::prop_oneof![proptest::strategy::Just(0.0), -1e-3_f64..1e-3, -0.2_f64..0.2],
            ),
            2..12,
        ),
        order in proptest::collection::vec(0_usize..12, 0..16),
    ) {
        // A path: each fix near the one before (or 0.2° off: a far pair).
        let (mut lat, mut lon) = (vec![fixes[0].0], vec![fixes[0].1]);
        for &(_, lon_jump, step) in &fixes[1..] {
            lat.push((lat.last().unwrap() + step).clamp(-89.9, 89.9));
            // Now and then the other way round the globe: a far pair.
            let l = lon.last().unwrap() + step + if lon_jump > 179.99 { 359.99 } else { 0.0 };
            lon.push((l + 180.0).rem_euclid(360.0) - 180.0);
        }
        let n = lat.len();
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64).collect()),
            ..RawTrip::default()
        })
        .unwrap();
        let kept: Vec<usize> = order.iter().map(|&i| i % n).collect();
        let expected: Vec<u64> = kept.windows(2).map(|w| trip.step_between_m(w[0], w[1]).to_bits()).collect();
        let ours: Vec<u64> = trip.steps_between_m(&kept).iter().map(|d| d.to_bits()).collect();
        proptest::prop_assert_eq!(ours, expected);
    }
}

proptest::proptest! {
    /// The two-lane range test says what a test of each value does: bounds
    /// included, NaN and infinities out, odd and even lengths.
    #[test]
    fn all_within_is_each_value_in_range(
        values in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(90.0),
                proptest::strategy::Just(-90.0),
                proptest::strategy::Just(-0.0),
                proptest::strategy::Just(f64::NAN),
                proptest::strategy::Just(f64::INFINITY),
                proptest::strategy::Just(f64::NEG_INFINITY),
                proptest::strategy::Just(90.000_000_000_001),
                -89.0_f64..89.0,
                -200.0_f64..200.0,
            ],
            0..9,
        ),
    ) {
        let each = values.iter().all(|v| (-90.0..=90.0).contains(v));
        proptest::prop_assert_eq!(all_within(&values, 90.0), each);
    }
}
