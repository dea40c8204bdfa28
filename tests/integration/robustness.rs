//! The pipeline on arbitrary trajectories: never panics, outputs are finite,
//! scores are in range.

use proptest::prelude::*;
use tripscore::{Config, RawTrip, RecordOptions, Trajectory, trip_record};

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -200.0_f64..200.0,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(0.0),
        1 => Just(90.0),
        1 => Just(-180.0),
    ]
}

/// Mostly plausible trips (a random walk near a random place), sometimes wild.
fn raw_trip() -> impl Strategy<Value = RawTrip> {
    (
        0_usize..300,
        -89.0_f64..89.0,
        -179.9_f64..179.9,
        prop::collection::vec(
            (
                -30.0_f64..30.0,
                -30.0_f64..30.0,
                -2_000_i64..4_000,
                prop::option::of(-5.0_f64..250.0),
            ),
            0..300,
        ),
        prop::collection::vec(any_f64(), 0..4),
        any::<bool>(),
    )
        .prop_map(|(n, lat0, lon0, steps, wild, with_limits)| {
            let n = n.min(steps.len());
            let (mut lat, mut lon, mut t) = (lat0, lon0, 1_700_000_000_000_i64);
            let mut raw = RawTrip {
                user_id: Some("u".into()),
                ..RawTrip::default()
            };
            let mut speeds = Vec::new();
            for &(dx, dy, dt, v) in &steps[..n] {
                lat = (lat + dy / 111_000.0).clamp(-90.0, 90.0);
                lon = (lon + dx / 111_000.0 + 180.0).rem_euclid(360.0) - 180.0;
                t += dt;
                raw.lat_deg.push(lat);
                raw.lon_deg.push(lon);
                raw.time_ms.get_or_insert_with(Vec::new).push(t);
                speeds.push(v);
            }
            for (k, w) in wild.iter().enumerate() {
                if let Some(x) = raw.lat_deg.get_mut(k * 7) {
                    *x = *w;
                }
            }
            raw.speed_limit_kmh = with_limits.then(|| vec![Some(50.0); raw.lat_deg.len()]);
            raw.speed_kmh = Some(speeds);
            raw
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_pipeline_never_panics_and_writes_finite_scores_in_range(raw in raw_trip()) {
        let Ok(trip) = Trajectory::try_from(raw) else { return Ok(()) };
        let options = RecordOptions { annotations: true, trajectory: true, explain: true };
        let Some(record) = trip_record(&trip, &Config::default(), options) else { return Ok(()) };
        let s = &record.behavior_scores;
        for v in [s.overall, s.smooth, s.legal, s.anticipative, s.hard_accel, s.hard_brake, s.hard_events,
                  s.hard_turn, s.legal_v2, s.smooth_v2, s.anticipative_v2, s.focus.unwrap_or(0.0), s.mounted.unwrap_or(0.0)] {
            prop_assert!(v == -1.0 || (0.0..=1.0).contains(&v), "score {v}");
        }
        prop_assert!(record.event.distance.is_finite() && record.event.distance >= 0.0);
        // serde_json writes a non-finite float as null: there must be none.
        let json = serde_json::to_string(&record).unwrap();
        prop_assert!(!json.contains("null"), "a non-finite number in {json}");
    }
}
