//! The whole pipeline on arbitrary trajectories: never panics, scores stay in
//! range or -1, distances finite.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tripscore::{Config, RawTrip, RecordOptions, Trajectory, trip_record};

#[derive(Arbitrary, Debug)]
struct Fix {
    lat: f64,
    lon: f64,
    dt_ms: i16,
    speed_kmh: Option<f64>,
    limit_kmh: Option<f64>,
    accuracy_m: Option<f64>,
}

#[derive(Arbitrary, Debug)]
struct Trip {
    lat0: f64,
    lon0: f64,
    /// Interpret `lat`/`lon` as small steps (a drive) or as raw values.
    steps: bool,
    /// Whether the trip has a measured-speed column at all (without one the
    /// kinematics and the position-jump check take speed from positions).
    measured_speed: bool,
    /// Whether the trip reports each fix's accuracy (fix quality uses it).
    with_accuracy: bool,
    /// Whether lane switches are annotated (off by default, a setting away).
    lane_switches: bool,
    fixes: Vec<Fix>,
}

fuzz_target!(|trip: Trip| {
    let mut raw = RawTrip::default();
    let (mut lat, mut lon, mut t) = (trip.lat0, trip.lon0, 1_700_000_000_000_i64);
    let mut speeds = Vec::new();
    let mut limits = Vec::new();
    let mut accuracies = Vec::new();
    for f in &trip.fixes {
        if trip.steps {
            lat += f.lat.clamp(-1e-3, 1e-3);
            lon += f.lon.clamp(-1e-3, 1e-3);
        } else {
            lat = f.lat;
            lon = f.lon;
        }
        t += i64::from(f.dt_ms);
        raw.lat_deg.push(lat);
        raw.lon_deg.push(lon);
        raw.time_ms.get_or_insert_with(Vec::new).push(t);
        speeds.push(f.speed_kmh);
        limits.push(f.limit_kmh);
        accuracies.push(f.accuracy_m);
    }
    raw.speed_kmh = trip.measured_speed.then_some(speeds);
    raw.speed_limit_kmh = Some(limits);
    raw.accuracy_m = trip.with_accuracy.then_some(accuracies);
    let Ok(trajectory) = Trajectory::try_from(raw) else {
        return;
    };
    let options = RecordOptions {
        annotations: true,
        trajectory: true,
        explain: true,
    };
    let mut config = Config::default();
    config.detect.lane_switch.enabled = trip.lane_switches;
    if let Some(r) = trip_record(&trajectory, &config, options) {
        let s = r.behavior_scores;
        for (name, v) in s.named() {
            assert!(v == -1.0 || (0.0..=1.0).contains(&v), "{name} {v}");
        }
        assert!(r.event.distance.is_finite());
    }
});
