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
        for (name, v) in s.named() {
            prop_assert!(v == -1.0 || (0.0..=1.0).contains(&v), "{name} {v}");
        }
        prop_assert!(record.event.distance.is_finite() && record.event.distance >= 0.0);
        // serde_json writes a non-finite float as null: there must be none.
        let json = serde_json::to_string(&record).unwrap();
        prop_assert!(!json.contains("null"), "a non-finite number in {json}");
    }
}

/// Input that gives `good` and then fails, as a disk or a network can.
struct FailingAfter {
    good: std::io::Cursor<Vec<u8>>,
}

impl std::io::Read for FailingAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.good.read(buf)? {
            0 => Err(std::io::Error::other("the disk went away")),
            n => Ok(n),
        }
    }
}

#[test]
fn a_read_error_stops_the_batch_after_every_line_scored_before_it() {
    use tripscore::input::JsonlReader;
    use tripscore::{BatchOptions, run_batch};
    let line = r#"{"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}"#;
    let text = format!("{line}\n{line}\n{line}\n");
    for threads in [1, 2] {
        let input = std::io::BufReader::with_capacity(
            16,
            FailingAfter {
                good: std::io::Cursor::new(text.clone().into_bytes()),
            },
        );
        let mut out = Vec::new();
        let result = run_batch(
            JsonlReader::new(input, "-"),
            BatchOptions {
                threads,
                window: 1,
                ..BatchOptions::default()
            },
            |trip| Ok(trip.len().to_string()),
            &mut out,
            |_| {},
        );
        let error = result.expect_err("the read error ends the batch");
        assert!(error.to_string().contains("the disk went away"), "{error}");
        // The three records read before the failure were each written.
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2\n2\n2",
            "{threads} threads"
        );
    }
}
