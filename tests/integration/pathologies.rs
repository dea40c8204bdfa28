//! A corpus of GPS pathologies, each with its expected behaviour pinned:
//! no panic, one result per trip, the right verdict, distance within 5 % of
//! the truth, and no hard event made by an artefact.

use tripscore::{Config, RawTrip, RecordOptions, Trajectory, TripRecord, trip_record};

const T0: i64 = 1_700_000_000_000;
const R: f64 = 6_371_008.8;

/// A drive sampled at 1 Hz: local east/north metres, time, speed.
#[derive(Clone)]
struct Drive {
    lat0: f64,
    lon0: f64,
    t_ms: Vec<i64>,
    x_m: Vec<f64>,
    y_m: Vec<f64>,
    v_mps: Vec<f64>,
}

impl Drive {
    /// Constant `speed` along a path: `straight_s` seconds east, a 90° left
    /// curve of radius 100 m, then east again... kept simple: east then north.
    fn cruise(lat0: f64, lon0: f64, speed: f64, seconds: usize) -> Self {
        let mut d = Drive {
            lat0,
            lon0,
            t_ms: vec![],
            x_m: vec![],
            y_m: vec![],
            v_mps: vec![],
        };
        let (mut x, mut y, mut heading) = (0.0_f64, 0.0_f64, std::f64::consts::FRAC_PI_2);
        for k in 0..seconds {
            d.t_ms.push(T0 + 1000 * k as i64);
            d.x_m.push(x);
            d.y_m.push(y);
            d.v_mps.push(speed);
            // A gentle left bend in the middle third (lateral 0.8 m/s²).
            let turning = k > seconds / 3 && k < seconds / 3 + 20;
            let yaw = if turning { -0.8 / speed } else { 0.0 };
            heading += yaw;
            x += speed * heading.sin();
            y += speed * heading.cos();
        }
        d
    }

    fn truth_m(&self) -> f64 {
        (1..self.x_m.len())
            .map(|k| (self.x_m[k] - self.x_m[k - 1]).hypot(self.y_m[k] - self.y_m[k - 1]))
            .sum()
    }

    fn raw(&self) -> RawTrip {
        let cos = self.lat0.to_radians().cos();
        RawTrip {
            user_id: Some("u".into()),
            lat_deg: self
                .y_m
                .iter()
                .map(|y| self.lat0 + (y / R).to_degrees())
                .collect(),
            lon_deg: self
                .x_m
                .iter()
                .map(|x| {
                    let lon = self.lon0 + (x / (R * cos)).to_degrees();
                    // Wrap across the antimeridian.
                    (lon + 180.0).rem_euclid(360.0) - 180.0
                })
                .collect(),
            time_ms: Some(self.t_ms.clone()),
            speed_kmh: Some(self.v_mps.iter().map(|v| Some(v * 3.6)).collect()),
            ..RawTrip::default()
        }
    }
}

fn score(raw: RawTrip) -> TripRecord {
    let trip = Trajectory::try_from(raw).expect("valid trip");
    trip_record(&trip, &Config::default(), RecordOptions::default()).expect("timed trip")
}

fn hard_events(r: &TripRecord) -> u64 {
    let f = &r.features.all;
    f.hard_accel + f.hard_brake + f.hard_turn
}

fn assert_clean_result(r: &TripRecord, truth_m: f64, what: &str) {
    let rel = (r.event.distance - truth_m).abs() / truth_m;
    assert!(
        rel <= 0.05,
        "{what}: distance {:.0} m vs truth {truth_m:.0} m",
        r.event.distance
    );
    assert_eq!(
        hard_events(r),
        0,
        "{what}: an artefact made a hard event: {:?}",
        r.features.all
    );
    let s = &r.behavior_scores;
    for v in [
        s.overall,
        s.smooth,
        s.hard_brake,
        s.hard_accel,
        s.hard_turn,
        s.smooth_v2,
    ] {
        assert!(v == -1.0 || (0.0..=1.0).contains(&v), "{what}: score {v}");
    }
}

#[test]
fn baseline_is_clean() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 600);
    assert_clean_result(&score(d.raw()), d.truth_m(), "baseline");
}

#[test]
fn gps_spike_two_km_off() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 600);
    let mut raw = d.raw();
    raw.lat_deg[300] += 0.018; // 2 km north
    let r = score(raw);
    assert_eq!(r.data_quality.clean.spikes, 1);
    assert_clean_result(&r, d.truth_m(), "spike");
}

#[test]
fn stale_repeated_fixes_at_speed() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 600);
    let mut raw = d.raw();
    for k in 201..206 {
        raw.lat_deg[k] = raw.lat_deg[200];
        raw.lon_deg[k] = raw.lon_deg[200];
        raw.speed_kmh.as_mut().unwrap()[k] = raw.speed_kmh.as_ref().unwrap()[200];
    }
    let r = score(raw);
    assert_eq!(r.data_quality.clean.stale, 5);
    assert_clean_result(&r, d.truth_m(), "stale");
}

#[test]
fn swapped_and_duplicate_timestamps_and_zero_dt() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 600);
    let mut raw = d.raw();
    // Swap two fixes in the input order.
    raw.lat_deg.swap(100, 101);
    raw.lon_deg.swap(100, 101);
    raw.time_ms.as_mut().unwrap().swap(100, 101);
    // A duplicate fix, and a second fix with the same time at another place.
    let dup = (
        raw.lat_deg[300],
        raw.lon_deg[300],
        raw.time_ms.as_ref().unwrap()[300],
    );
    raw.lat_deg.insert(301, dup.0);
    raw.lon_deg.insert(301, dup.1);
    raw.time_ms.as_mut().unwrap().insert(301, dup.2);
    raw.lat_deg.insert(401, raw.lat_deg[400] + 0.00005);
    raw.lon_deg.insert(401, raw.lon_deg[400]);
    let t = raw.time_ms.as_ref().unwrap()[400];
    raw.time_ms.as_mut().unwrap().insert(401, t);
    let speeds = raw.speed_kmh.as_mut().unwrap();
    speeds.insert(301, Some(72.0));
    speeds.insert(401, Some(72.0));
    let r = score(raw);
    assert_eq!(r.data_quality.clean.out_of_order, 1);
    assert_eq!(r.data_quality.clean.duplicate_times, 2);
    assert_clean_result(&r, d.truth_m(), "timestamps");
}

#[test]
fn five_minute_tunnel_gap_at_speed() {
    let d = Drive::cruise(48.1, 11.5, 25.0, 1200);
    let mut raw = d.raw();
    // The tunnel is on the straight after the bend: no fixes for 300 s.
    let keep: Vec<usize> = (0..1200).filter(|k| !(700..1000).contains(k)).collect();
    let pick = |v: &Vec<f64>| keep.iter().map(|&k| v[k]).collect::<Vec<_>>();
    raw.lat_deg = pick(&raw.lat_deg);
    raw.lon_deg = pick(&raw.lon_deg);
    raw.time_ms = Some(keep.iter().map(|&k| d.t_ms[k]).collect());
    raw.speed_kmh = Some(keep.iter().map(|&k| Some(d.v_mps[k] * 3.6)).collect());
    let r = score(raw);
    assert_eq!(r.data_quality.clean.gaps, 1);
    assert_clean_result(&r, d.truth_m(), "tunnel");
    assert!(r.event.behavior_features.distance_during_annotations < r.event.distance * 0.8);
}

#[test]
fn parked_car_drifting_in_place_then_driving_off() {
    // Ten minutes parked with the fix wandering by metres, then five minutes of driving.
    let mut d = Drive {
        lat0: 48.1,
        lon0: 11.5,
        t_ms: vec![],
        x_m: vec![],
        y_m: vec![],
        v_mps: vec![],
    };
    for k in 0..600 {
        let a = k as f64 * 0.05;
        d.t_ms.push(T0 + 1000 * k);
        // A slow wander plus metre-size jumps from fix to fix.
        d.x_m.push(4.0 * a.sin() + 2.0 * (17.3 * k as f64).sin());
        d.y_m
            .push(3.0 * (1.3 * a).cos() + 2.0 * (11.1 * k as f64).cos());
        d.v_mps.push(0.0);
    }
    // Drive off east at 1.5 m/s² up to 15 m/s, then cruise.
    let (mut x, y) = (*d.x_m.last().unwrap(), *d.y_m.last().unwrap());
    let mut v = 0.0_f64;
    let mut truth = 0.0;
    for k in 0..300 {
        d.t_ms.push(T0 + 600_000 + 1000 * k as i64);
        d.x_m.push(x);
        d.y_m.push(y);
        d.v_mps.push(v);
        let v_next = (v + 1.5).min(15.0);
        let step = 0.5 * (v + v_next);
        x += step;
        if k < 299 {
            truth += step;
        }
        v = v_next;
    }
    // Measured speed: zero while parked.
    let r = score(d.raw());
    assert!(
        r.data_quality.clean.parked_steps >= 590,
        "{:?}",
        r.data_quality
    );
    assert_clean_result(&r, truth, "parked with speed");
    // Positions only: parked is judged from the fixes around each step.
    let mut raw = d.raw();
    raw.speed_kmh = None;
    let r = score(raw);
    assert!(
        r.data_quality.clean.parked_steps >= 580,
        "{:?}",
        r.data_quality
    );
    assert_clean_result(&r, truth, "parked, positions only");
}

#[test]
fn u_turn() {
    // 60 s east at 12 m/s, a U-turn of radius 8 m at 4 m/s (2 m/s²), 60 s back.
    let mut d = Drive {
        lat0: 52.5,
        lon0: 13.4,
        t_ms: vec![],
        x_m: vec![],
        y_m: vec![],
        v_mps: vec![],
    };
    let push = |t: usize, x: f64, y: f64, v: f64, d: &mut Drive| {
        d.t_ms.push(T0 + 1000 * t as i64);
        d.x_m.push(x);
        d.y_m.push(y);
        d.v_mps.push(v);
    };
    let mut t = 0;
    let mut x = 0.0;
    for _ in 0..60 {
        push(t, x, 0.0, 12.0, &mut d);
        x += 12.0;
        t += 1;
    }
    for _ in 0..4 {
        push(t, x, 0.0, 8.0, &mut d);
        x += 6.0;
        t += 1;
    }
    // Half circle of radius 8 m at 4 m/s: π·8/4 ≈ 6.3 s.
    for k in 0..7 {
        let a = std::f64::consts::PI * k as f64 / 6.3;
        push(t, x + 8.0 * a.sin(), 8.0 - 8.0 * a.cos(), 4.0, &mut d);
        t += 1;
    }
    let mut x2 = x;
    for _ in 0..60 {
        x2 -= 10.0;
        push(t, x2, 16.0, 10.0, &mut d);
        t += 1;
    }
    let r = score(d.raw());
    assert_eq!(r.data_quality.clean.spikes, 0);
    assert!((r.event.distance - d.truth_m()).abs() / d.truth_m() <= 0.05);
    assert_eq!(r.features.all.hard_turn, 0, "a 2 m/s² U-turn is not hard");
}

#[test]
fn two_hundred_km_h_train_like_segment() {
    let d = Drive::cruise(50.0, 8.0, 200.0 / 3.6, 600);
    let r = score(d.raw());
    assert_eq!(r.data_quality.clean.spikes, 0);
    assert_eq!(r.data_quality.clean.gaps, 0);
    assert_clean_result(&r, d.truth_m(), "200 km/h");
}

#[test]
fn crossing_the_antimeridian() {
    // Start 3 km west of 180°, drive east across it (Fiji / Taveuni).
    let d = Drive::cruise(-16.8, 179.97, 20.0, 600);
    let raw = d.raw();
    assert!(raw.lon_deg.iter().any(|&l| l < 0.0) && raw.lon_deg.iter().any(|&l| l > 0.0));
    let r = score(raw);
    assert_eq!(r.data_quality.clean.spikes, 0);
    assert_clean_result(&r, d.truth_m(), "antimeridian");
}

#[test]
fn utc_offset_change_mid_trip() {
    // A DST change: the same instants, shown at +02:00 then at +01:00.
    let d = Drive::cruise(48.1, 11.5, 20.0, 600);
    let mut raw = d.raw();
    raw.utc_offset_s = (0..600)
        .map(|k| if k < 300 { 7200 } else { 3600 })
        .collect();
    let trip = Trajectory::try_from(raw).unwrap();
    let r = trip_record(&trip, &Config::default(), RecordOptions::default()).unwrap();
    assert!(r.event.start.to_string().ends_with("+02:00"));
    assert!(r.event.end.to_string().ends_with("+01:00"));
    assert_eq!(r.event.end.epoch_ms() - r.event.start.epoch_ms(), 599_000);
    assert_clean_result(&r, d.truth_m(), "DST");
}

#[test]
fn high_latitude_78_north() {
    let d = Drive::cruise(78.2, 15.6, 15.0, 600);
    assert_clean_result(&score(d.raw()), d.truth_m(), "Svalbard");
}

#[test]
fn a_hundred_thousand_fix_trip() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 100_000);
    let r = score(d.raw());
    assert_eq!(r.data_quality.clean.kept_fixes, 100_000);
    assert_clean_result(&r, d.truth_m(), "100k fixes");
}

#[test]
fn all_timestamps_identical_is_an_error() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 60);
    let mut raw = d.raw();
    raw.time_ms = Some(vec![T0; 60]);
    let e = Trajectory::try_from(raw).unwrap_err();
    assert_eq!(e.field, "timestamps_ms");
}

/// Regression: drive nds-16 has fixes jumping 145° against a measured 55 km/h,
/// which once read as a 20 m/s² left turn. It must be counted as implausible,
/// not annotated.
#[test]
fn r_nds16_position_jump_is_not_a_20_mps2_turn() {
    let text =
        std::fs::read_to_string(crate::util::fixture("data/driveplotr-nds/nds.jsonl")).unwrap();
    let line = text.lines().find(|l| l.contains("\"nds-16\"")).unwrap();
    let trip = Trajectory::try_from(tripscore::parse_line(line).unwrap()).unwrap();
    let a = tripscore::analyze(&trip, &tripscore::DetectConfig::default());
    assert!(a.implausible_episodes >= 1);
    assert!(a.annotations.iter().all(|e| e.peak_mps2 <= 10.0));
}

/// A cold start as phones log it: the recording opens with 1–3 network fixes
/// (accuracy 67–2,000 m, the position that far off, speed 0) while the car
/// is already at 61 km/h; or, `at_end`, closes with them (the phone indoors
/// before the logger stops), the farthest last. No event may come of it,
/// with or without the accuracy channel.
fn network_fixes(fixes: usize, at_end: bool, with_accuracy: bool) -> (RawTrip, f64) {
    let d = Drive::cruise(40.4, -3.7, 17.0, 300);
    let mut raw = d.raw();
    let n = raw.lat_deg.len();
    let offsets = [
        (1400.0, -700.0, 2000.0),
        (-350.0, 250.0, 500.0),
        (40.0, 50.0, 67.0),
    ];
    let mut accuracy = vec![Some(5.0); n];
    let cos = 40.4_f64.to_radians().cos();
    for (j, &(dx, dy, acc)) in offsets[3 - fixes..].iter().enumerate() {
        let k = if at_end { n - 1 - j } else { j };
        raw.lat_deg[k] += (dy / R).to_degrees();
        raw.lon_deg[k] += (dx / (R * cos)).to_degrees();
        raw.speed_kmh.as_mut().unwrap()[k] = Some(0.0);
        accuracy[k] = Some(acc);
    }
    if with_accuracy {
        raw.accuracy_m = Some(accuracy);
    }
    (raw, d.truth_m())
}

#[test]
fn cold_start_network_fixes_make_no_event() {
    for fixes in 1..=3 {
        for (at_end, with_accuracy) in [(false, true), (false, false), (true, true), (true, false)]
        {
            let (raw, truth_m) = network_fixes(fixes, at_end, with_accuracy);
            let r = score(raw);
            let q = &r.data_quality.clean;
            let what = format!(
                "{fixes} network fixes, at the end: {at_end}, accuracy given: {with_accuracy}"
            );
            if with_accuracy {
                assert_eq!(q.inaccurate, fixes, "{what}");
            } else {
                assert_eq!(q.speed_glitches, fixes, "{what}");
            }
            assert_clean_result(&r, truth_m, &what);
            assert_eq!(r.features.all.accelerations, 0, "{what}");
            assert_eq!(r.features.all.brakes, 0, "{what}");
        }
    }
}

/// Without measured speed or accuracy (a GPX track) nothing names the
/// network fixes but where they lie: at either end they are dropped as
/// spikes — the run cut off by a step too fast to drive, then the fix 64 m
/// off that leaps from its next two — and their chords count no distance
/// (3 fixes at the start added 2.4 km to it before).
#[test]
fn network_fixes_in_positions_only_are_end_spikes() {
    for fixes in 1..=3 {
        for at_end in [false, true] {
            let (mut raw, truth_m) = network_fixes(fixes, at_end, false);
            raw.speed_kmh = None;
            let r = score(raw);
            let what = format!("{fixes} network fixes, at the end: {at_end}, positions only");
            assert_eq!(r.data_quality.clean.spikes, fixes, "{what}");
            assert_eq!(r.data_quality.clean.gaps, 0, "{what}");
            assert_clean_result(&r, truth_m, &what);
            assert_eq!(r.features.all.accelerations, 0, "{what}");
            assert_eq!(r.features.all.brakes, 0, "{what}");
        }
    }
}

#[test]
fn a_one_fix_speed_dropout_is_a_glitch_not_a_brake() {
    let d = Drive::cruise(48.1, 11.5, 12.0, 300);
    let mut raw = d.raw();
    raw.speed_kmh.as_mut().unwrap()[150] = Some(0.0);
    let r = score(raw);
    assert_eq!(r.data_quality.clean.speed_glitches, 1);
    assert_clean_result(&r, d.truth_m(), "speed dropout");
    assert_eq!(r.features.all.brakes + r.features.all.accelerations, 0);
}

#[test]
fn the_speed_noise_is_reported_in_mm_per_s() {
    let d = Drive::cruise(48.1, 11.5, 20.0, 600);
    // Constant measured speed: no noise; none measured: not known (-1).
    assert!(score(d.raw()).data_quality.speed_noise_mmps <= 4);
    let mut positions_only = d.raw();
    positions_only.speed_kmh = None;
    assert_eq!(score(positions_only).data_quality.speed_noise_mmps, -1);
    // ±0.3 m/s alternating from fix to fix: every residual about the
    // neighbours' line is 0.6 / √1.5 m/s, which the robust σ (× 1.4826)
    // reports as 726 mm/s.
    let mut noisy = d.raw();
    for (k, v) in noisy.speed_kmh.as_mut().unwrap().iter_mut().enumerate() {
        let wobble = if k % 2 == 0 { 0.3 } else { -0.3 };
        *v = v.map(|v| v + wobble * 3.6);
    }
    let mmps = score(noisy).data_quality.speed_noise_mmps;
    assert!((mmps - 726).abs() <= 10, "{mmps}");
}

/// A speed given in another unit than km/h (m/s, as phones report it; mph),
/// or 0 throughout, is out of scale with the positions: the trip is scored as positions
/// only, exactly, and says why in `data_quality`; in km/h it is used.
#[test]
fn a_speed_in_the_wrong_unit_is_not_used() {
    let sim = tripscore::simulate_trip(
        &tripscore::SimConfig {
            seed: 5,
            harsh_share: 0.5,
            ..tripscore::SimConfig::default()
        },
        0,
    );
    let kmh = serde_json::to_string(&sim).unwrap();
    let raw = |line: &str| tripscore::parse_line(line).unwrap();
    let rescaled = |factor: f64| {
        let mut s = sim.clone();
        for v in s.speeds_kmh.as_mut().unwrap() {
            *v *= factor;
        }
        raw(&serde_json::to_string(&s).unwrap())
    };
    let mut positions_only = raw(&kmh);
    positions_only.speed_kmh = None;
    let positions_only = score(positions_only);
    let as_given = score(raw(&kmh));
    let scale = as_given.data_quality.measured_speed_scale_milli;
    assert!((950..=1050).contains(&scale), "{scale}");
    assert!(as_given.data_quality.speed_noise_mmps > 0);
    assert_ne!(as_given.features, positions_only.features);
    // A logger writing 0 for a speed it does not have (the Delft GlobalSat
    // rows): before, every step was parked and the trip had no distance.
    for (factor, unit, expected_milli) in [
        (1.0 / 3.6, "m/s", 278),
        (1.0 / 1.609_344, "mph", 621),
        (0.0, "zero", 0),
    ] {
        let r = score(rescaled(factor));
        let milli = r.data_quality.measured_speed_scale_milli;
        assert!((milli - expected_milli).abs() <= 30, "{unit}: {milli}");
        assert_eq!(r.data_quality.speed_noise_mmps, -1, "{unit}");
        assert_eq!(r.features, positions_only.features, "{unit}");
        assert_eq!(r.behavior_scores, positions_only.behavior_scores, "{unit}");
    }
}
