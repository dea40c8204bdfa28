//! Invariants of the annotations, on simulated and constructed trips.

use proptest::prelude::*;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use tripscore::api::{BehaviorAnnotation, Maneuver};
use tripscore::detect::Traffic;
use tripscore::{
    AnnotationKind, DetectConfig, InputRecord, Payload, RawTrip, RecordPos, SimConfig, Trajectory,
    analyze, simulate_trip,
};

fn sim_trajectory(sim: &SimConfig, index: u64) -> Trajectory {
    let trip = simulate_trip(sim, index);
    let line = serde_json::to_string(&trip).unwrap();
    InputRecord {
        pos: RecordPos {
            source: "sim".into(),
            line: 1,
        },
        payload: Payload::JsonLine(line),
    }
    .into_trajectory()
    .unwrap()
}

fn short_sim(seed: u64, harsh_share: f64, sampling_ms: i64) -> SimConfig {
    SimConfig {
        seed,
        trip_duration_s: 400.0,
        harsh_share,
        sampling_ms,
        ..SimConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn annotations_are_inside_valid_boundaries_and_do_not_overlap(
        seed in 0_u64..10_000,
        harsh in 0.0_f64..0.5,
        sampling_ms in prop::sample::select(vec![1000_i64, 2000]),
    ) {
        let trip = sim_trajectory(&short_sim(seed, harsh, sampling_ms), 0);
        let a = analyze(&trip, &DetectConfig::default());
        let t = &a.kinematics.time_ms;
        // Annotations are in the car's time: the fixes' less the latency.
        let lag = a.latency_ms as f64;
        let spans: Vec<(f64, f64)> = a.clean.sections.iter().filter(|s| s.valid)
            .map(|s| (t[s.start] as f64 - lag, t[s.end - 1] as f64 - lag)).collect();
        for e in &a.annotations {
            prop_assert!(spans.iter().any(|&(lo, hi)| lo <= e.start_ms && e.end_ms <= hi), "{e:?} outside {spans:?}");
            prop_assert!(e.end_ms > e.start_ms);
            prop_assert!(e.peak_mps2 > 0.0 && e.magnitude() > 0.0);
        }
        for family in [true, false] {
            let mut same: Vec<_> = a.annotations.iter()
                .filter(|e| matches!(e.kind, AnnotationKind::Acceleration(_)) == family).collect();
            same.sort_by(|x, y| x.start_ms.total_cmp(&y.start_ms));
            for w in same.windows(2) {
                prop_assert!(w[0].end_ms <= w[1].start_ms, "overlap: {:?} {:?}", w[0], w[1]);
            }
        }
        // The API shape: duration = end − start (ms, rounded), magnitude = 0.2 × peak.
        for item in a.api_annotations(&trip) {
            let (start, end, duration, magnitude) = match item {
                BehaviorAnnotation::Acceleration { start, end, duration, magnitude, .. }
                | BehaviorAnnotation::Turn { start, end, duration, magnitude, .. } => (start, end, duration, magnitude),
                BehaviorAnnotation::Boundary { .. } => continue,
            };
            let us = (end.at - start.at).num_microseconds().unwrap();
            prop_assert_eq!(duration, (us + 500).div_euclid(1000));
            prop_assert!(magnitude > 0.0);
        }
    }

    #[test]
    fn mirroring_east_west_swaps_left_and_right(seed in 0_u64..10_000) {
        let trip = sim_trajectory(&short_sim(seed, 0.2, 1000), 0);
        // Mirrored across the prime meridian (negating a longitude is exact,
        // so each step's east offset is exactly the original's negative),
        // with everything else the fixes carry: without their accuracy, a
        // cold start's network fixes stay in (seed 8439: an acceleration
        // and a turn at the start of the mirror only).
        let mirrored = Trajectory::try_from(RawTrip {
            user_id: trip.user_id().map(str::to_owned),
            event_id: Some(trip.event_id().to_owned()),
            lat_deg: trip.lat_deg().to_vec(),
            lon_deg: trip.lon_deg().iter().map(|lon| -lon).collect(),
            accuracy_m: trip
                .has_accuracy()
                .then(|| (0..trip.len()).map(|i| trip.accuracy_m(i)).collect()),
            time_ms: trip.time_ms().map(<[i64]>::to_vec),
            speed_kmh: Some((0..trip.len()).map(|i| trip.speed_kmh(i)).collect()),
            ..RawTrip::default()
        }).unwrap();
        let cfg = DetectConfig::default();
        // A mirrored roundabout turns the other way round: left-hand traffic.
        let mut mirror_cfg = cfg;
        mirror_cfg.annotate.traffic = Traffic::LeftHand;
        let a = analyze(&trip, &cfg).annotations;
        let b = analyze(&mirrored, &mirror_cfg).annotations;
        prop_assert_eq!(a.len(), b.len());
        let swap = |k: AnnotationKind| match k {
            AnnotationKind::Turn(Maneuver::LeftTurn) => AnnotationKind::Turn(Maneuver::RightTurn),
            AnnotationKind::Turn(Maneuver::RightTurn) => AnnotationKind::Turn(Maneuver::LeftTurn),
            other => other,
        };
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(swap(x.kind), y.kind);
            prop_assert!((x.start_ms - y.start_ms).abs() < 1.0 && (x.peak_mps2 - y.peak_mps2).abs() < 1e-6);
        }
    }

    #[test]
    fn inserting_one_clean_harsh_brake_adds_exactly_one_hard_brake(
        seed in 0_u64..10_000,
        cruise_mps in 15.0_f64..30.0,
        brake_at_s in 30.0_f64..80.0,
        peak_mps2 in 4.5_f64..6.0,
        duration_s in 4.0_f64..6.0,
    ) {
        // "Clean": clearly above the 3 m/s² threshold and long enough for 1 Hz
        // speed samples to resolve (a 3-point slope keeps 82 % of a 4 s pulse's
        // peak; docs/ACCURACY.md).
        let count = |with_brake: bool| {
            let trip = straight_drive(seed, cruise_mps, with_brake.then_some((brake_at_s, peak_mps2, duration_s)));
            analyze(&trip, &DetectConfig::default()).annotations.iter()
                .filter(|e| e.hard && e.kind == AnnotationKind::Acceleration(tripscore::api::AccelerationKind::Brake))
                .count()
        };
        prop_assert_eq!(count(false), 0);
        prop_assert_eq!(count(true), 1);
    }
}

/// 120 s north at `cruise_mps`, 1 Hz, with white position noise (0.4 m) and
/// speed noise (0.3 m/s) from `seed`; optionally a raised-cosine brake
/// `(at_s, peak_mps2, duration_s)`.
fn straight_drive(seed: u64, cruise_mps: f64, brake: Option<(f64, f64, f64)>) -> Trajectory {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let pos = Normal::new(0.0, 0.4).unwrap();
    let spd = Normal::new(0.0, 0.3).unwrap();
    let accel = |t: f64| match brake {
        Some((at, peak, dur)) if (at..at + dur).contains(&t) => {
            -peak * (std::f64::consts::PI * (t - at) / dur).sin().powi(2)
        }
        _ => 0.0,
    };
    let (mut v, mut s) = (cruise_mps, 0.0);
    let (mut lat, mut lon, mut time, mut speed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let dt = 0.01;
    for k in 0..=12_000_u32 {
        let t = f64::from(k) * dt;
        if k % 100 == 0 {
            lat.push(45.0 + (s + pos.sample(&mut rng)) / 111_195.0);
            lon.push(7.0 + pos.sample(&mut rng) / 78_626.0);
            time.push(1_700_000_000_000 + i64::from(k) * 10);
            speed.push(Some(((v + spd.sample(&mut rng)) * 3.6).max(0.0)));
        }
        v += accel(t) * dt;
        s += v * dt;
    }
    Trajectory::try_from(RawTrip {
        lat_deg: lat,
        lon_deg: lon,
        time_ms: Some(time),
        speed_kmh: Some(speed),
        ..RawTrip::default()
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The turn shape fit only ever raises the peak of a single left or right
    /// turn, leaves every other annotation and every span as it was, and
    /// keeps `hard` equal to "peak ≥ the hard-turn threshold". The
    /// position-jump check, which runs after the fit and caps a jumping
    /// turn's peak (keeping the fitted peak time), is off on both sides:
    /// with it, a fitted and then capped turn differs from the unfitted
    /// one in its peak time only (seed 5190).
    #[test]
    fn the_turn_fit_only_raises_single_turn_peaks(
        seed in 0_u64..10_000,
        harsh in 0.0_f64..0.5,
    ) {
        let trip = sim_trajectory(&short_sim(seed, harsh, 1000), 0);
        let mut on = DetectConfig::default();
        on.position_jumps.enabled = false;
        let mut off = on;
        off.turn_fit.enabled = false;
        let (a, b) = (analyze(&trip, &off), analyze(&trip, &on));
        prop_assert_eq!(a.annotations.len(), b.annotations.len());
        for (x, y) in a.annotations.iter().zip(&b.annotations) {
            prop_assert_eq!((x.kind, x.start_ms, x.end_ms), (y.kind, y.start_ms, y.end_ms));
            prop_assert_eq!((x.first_fix, x.last_fix), (y.first_fix, y.last_fix));
            prop_assert_eq!(x.heading_change_deg, y.heading_change_deg);
            if x == y {
                continue;
            }
            prop_assert!(matches!(
                y.kind,
                AnnotationKind::Turn(Maneuver::LeftTurn | Maneuver::RightTurn)
            ));
            prop_assert!(y.peak_mps2 > x.peak_mps2, "{x:?} → {y:?}");
            let at = y.peak_at_ms as f64;
            prop_assert!(y.start_ms - 1.0 <= at && at <= y.end_ms + 1.0, "{y:?}");
            prop_assert!(y.peak_mps2 <= on.annotate.max_plausible_mps2);
            prop_assert_eq!(y.hard, y.peak_mps2 >= on.annotate.hard_turn_mps2);
        }
    }
}

/// The first roundabout of the first clean simulated trip that has one:
/// the trip, its raw form and the roundabout's kept-fix range.
fn trip_with_roundabout() -> (Trajectory, RawTrip, std::ops::RangeInclusive<usize>) {
    let sim = SimConfig {
        noise: tripscore::sim::NoiseConfig::none(),
        ..SimConfig::default()
    };
    for index in 0..20 {
        let trip = sim_trajectory(&sim, index);
        let a = analyze(&trip, &DetectConfig::default());
        if let Some(r) = a
            .annotations
            .iter()
            .find(|e| e.kind == AnnotationKind::Turn(Maneuver::Roundabout))
        {
            let line = serde_json::to_string(&simulate_trip(&sim, index)).unwrap();
            let raw = tripscore::parse_line(&line).unwrap();
            // No fix is dropped on a clean trip: kept positions are raw indices.
            assert_eq!(a.clean.fixes.len(), trip.len());
            return (trip, raw, r.first_fix..=r.last_fix);
        }
    }
    panic!("no roundabout in 20 simulated trips");
}

/// A roundabout whose fixes jump along the track (a receiver's error
/// stepping by metres) keeps at most the mean |lateral acceleration| of its
/// fixes; the same roundabout without the jump is left as it is.
#[test]
fn a_position_jump_in_a_roundabout_caps_its_peak() {
    let (trip, raw, fixes) = trip_with_roundabout();
    let cfg = DetectConfig::default();
    let roundabout = |a: &tripscore::TripAnalysis| {
        a.annotations
            .iter()
            .find(|e| {
                e.kind == AnnotationKind::Turn(Maneuver::Roundabout)
                    && e.first_fix <= *fixes.end()
                    && *fixes.start() <= e.last_fix
            })
            .cloned()
            .expect("the roundabout is still found")
    };
    let clean = analyze(&trip, &cfg);
    assert_eq!(roundabout(&clean).peak_mps2, {
        let mut off = cfg;
        off.position_jumps.enabled = false;
        roundabout(&analyze(&trip, &off)).peak_mps2
    });
    // Move the fix in the middle of the roundabout 6 m on along its track.
    let k = (fixes.start() + fixes.end()) / 2;
    let mut jumped = raw.clone();
    let (dlat, dlon) = (
        raw.lat_deg[k + 1] - raw.lat_deg[k - 1],
        raw.lon_deg[k + 1] - raw.lon_deg[k - 1],
    );
    let cos = raw.lat_deg[k].to_radians().cos();
    let step_m = (dlat.powi(2) + (dlon * cos).powi(2)).sqrt().to_radians() * 6_371_008.8;
    jumped.lat_deg[k] += dlat * 6.0 / step_m;
    jumped.lon_deg[k] += dlon * 6.0 / step_m;
    let jumped = Trajectory::try_from(jumped).unwrap();
    let mut off = cfg;
    off.position_jumps.enabled = false;
    let unchecked = roundabout(&analyze(&jumped, &off));
    let checked_analysis = analyze(&jumped, &cfg);
    let checked = roundabout(&checked_analysis);
    assert!(
        checked_analysis.turns_with_position_jumps > clean.turns_with_position_jumps,
        "{checked_analysis:?}"
    );
    let lat = &checked_analysis.kinematics.accel_lat_mps2[checked.first_fix..=checked.last_fix];
    let mean_mps2 = lat.iter().map(|x| x.abs()).sum::<f64>() / lat.len() as f64;
    // Capped to that mean exactly: a lower bound of the true peak, not
    // the turns' mean from the net heading change, which a roundabout's
    // entry and exit cancel.
    assert!(
        mean_mps2 < unchecked.peak_mps2,
        "{mean_mps2} vs {unchecked:?}"
    );
    assert!(
        (checked.peak_mps2 - mean_mps2).abs() < 1e-12,
        "{checked:?} vs {mean_mps2}"
    );
}

/// A straight drive north at a steady 20 m/s, 1 Hz, whose positions from
/// fix `jump_at` on are off by `jump_m` along the road, decaying over 3 s
/// (a receiver re-solving its position); with `speed` the receiver's
/// steady speed too.
fn steady_drive_with_jump(jump_at: usize, jump_m: f64, speed: bool) -> Trajectory {
    let n = 240;
    let north_m = |i: usize| {
        #[allow(clippy::cast_precision_loss, reason = "a few hundred fixes")]
        let along_m = 20.0 * i as f64;
        let off_m = if i >= jump_at {
            #[allow(clippy::cast_precision_loss, reason = "a few hundred fixes")]
            let since_s = (i - jump_at) as f64;
            jump_m * (-since_s / 3.0).exp()
        } else {
            0.0
        };
        along_m + off_m
    };
    Trajectory::try_from(RawTrip {
        lat_deg: (0..n).map(|i| 45.0 + north_m(i) / 111_195.0).collect(),
        lon_deg: vec![7.0; n],
        time_ms: Some(
            (0..n)
                .map(|i| 1_700_000_000_000 + 1000 * i as i64)
                .collect(),
        ),
        speed_kmh: speed.then(|| vec![Some(72.0); n]),
        ..RawTrip::default()
    })
    .unwrap()
}

/// Without measured speed, a position jump along the road reads as a hard
/// speed-up and a hard brake; the position-jump check caps each jumping
/// acceleration episode at its mean acceleration, so none is hard. With
/// the receiver's speed, acceleration episodes come from it and are not
/// checked.
#[test]
fn a_position_jump_along_the_road_makes_no_hard_event_from_positions() {
    let cfg = DetectConfig::default();
    let mut off = cfg;
    off.position_jumps.enabled = false;
    let longitudinal = |a: &tripscore::TripAnalysis| -> Vec<tripscore::Annotation> {
        a.annotations
            .iter()
            .filter(|e| matches!(e.kind, AnnotationKind::Acceleration(_)))
            .cloned()
            .collect()
    };
    let jumped = steady_drive_with_jump(120, 12.0, false);
    let unchecked = analyze(&jumped, &off);
    assert!(
        longitudinal(&unchecked).iter().any(|e| e.hard),
        "the jump alone makes a hard event: {:?}",
        longitudinal(&unchecked)
    );
    let checked = analyze(&jumped, &cfg);
    assert!(
        checked.accelerations_with_position_jumps >= 1,
        "{checked:?}"
    );
    assert_eq!(checked.turns_with_position_jumps, 0);
    for (c, u) in longitudinal(&checked).iter().zip(longitudinal(&unchecked)) {
        assert!(!c.hard, "{c:?}");
        assert!(c.peak_mps2 <= u.peak_mps2, "{c:?} vs {u:?}");
    }
    // A capped episode keeps its mean acceleration: its speed change over
    // its duration.
    let kin = &checked.kinematics;
    assert!(
        longitudinal(&checked)
            .iter()
            .zip(longitudinal(&unchecked))
            .any(|(c, u)| {
                let mean_mps2 = (kin.speed_mps[c.last_fix] - kin.speed_mps[c.first_fix]).abs()
                    / ((c.end_ms - c.start_ms) / 1000.0);
                c.peak_mps2 < u.peak_mps2 && (c.peak_mps2 - mean_mps2).abs() < 1e-12
            })
    );
    // The same drive without the jump has nothing to check.
    let steady = analyze(&steady_drive_with_jump(120, 0.0, false), &cfg);
    assert_eq!(steady.accelerations_with_position_jumps, 0);
    assert!(longitudinal(&steady).iter().all(|e| !e.hard));
    // With measured speed the acceleration comes from it: nothing to cap.
    let measured = analyze(&steady_drive_with_jump(120, 12.0, true), &cfg);
    assert_eq!(measured.accelerations_with_position_jumps, 0);
    assert!(longitudinal(&measured).iter().all(|e| !e.hard));
}
