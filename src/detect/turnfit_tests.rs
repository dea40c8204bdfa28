use proptest::prelude::*;

use super::*;
use crate::api::Maneuver;
use crate::detect::annotate::AnnotationKind;
use crate::detect::{DetectConfig as Config, analyze};
use crate::geodesy::MEAN_EARTH_RADIUS_M as EARTH_RADIUS_M;
use crate::input::RawTrip;

const T0: i64 = 1_553_240_265_000;

/// A car at `speed_mps`, heading north, that turns right by `angle_deg` with
/// a raised-cosine yaw rate of half-width `half_s` centred at `turn_at_s`,
/// sampled once a second for `secs` s (integrated at 100 Hz). Returns the
/// trip (with measured speed) and the true peak lateral acceleration.
fn turning_trip(
    speed_mps: f64,
    angle_deg: f64,
    half_s: f64,
    turn_at_s: f64,
    secs: usize,
) -> (Trajectory, f64) {
    let theta = angle_deg.to_radians();
    let p = Vector4::new(0.0, theta, turn_at_s, half_s);
    let (mut x, mut y, mut psi) = (0.0_f64, 0.0_f64, 0.0_f64);
    let (mut lat, mut lon, mut time, mut speed) = (vec![], vec![], vec![], vec![]);
    let dt = 0.01;
    for step in 0..=secs * 100 {
        let t = step as f64 * dt;
        if step % 100 == 0 {
            lat.push(45.0 + (y / EARTH_RADIUS_M).to_degrees());
            lon.push(7.0 + (x / (EARTH_RADIUS_M * 45_f64.to_radians().cos())).to_degrees());
            time.push(T0 + 10 * step as i64);
            speed.push(Some(speed_mps * 3.6));
        }
        let rate = yaw_rate_rps(&p, t + 0.5 * dt);
        let mid = psi + 0.5 * rate * dt;
        x += speed_mps * mid.sin() * dt;
        y += speed_mps * mid.cos() * dt;
        psi += rate * dt;
    }
    let trip = Trajectory::try_from(RawTrip {
        lat_deg: lat,
        lon_deg: lon,
        time_ms: Some(time),
        speed_kmh: Some(speed),
        ..RawTrip::default()
    })
    .unwrap();
    (trip, speed_mps * theta / half_s)
}

/// The default pipeline for exact fixes: no receiver latency to take off.
fn exact_fixes() -> Config {
    let mut cfg = Config::default();
    cfg.timing.gps_latency_ms = 0;
    cfg
}

/// [`exact_fixes`] with the turn shape fit off: local-fit peaks.
fn local_only() -> Config {
    let mut cfg = exact_fixes();
    cfg.turn_fit.enabled = false;
    cfg
}

fn only_turn(a: &crate::detect::TripAnalysis) -> Annotation {
    let turns: Vec<_> = a
        .annotations
        .iter()
        .filter(|e| matches!(e.kind, AnnotationKind::Turn(_)))
        .collect();
    assert_eq!(turns.len(), 1, "{:?}", a.annotations);
    *turns[0]
}

/// The default turn fit of `turn`, which must be trusted.
fn fit_default(trip: &Trajectory, a: &crate::detect::TripAnalysis, turn: &Annotation) -> TurnPeak {
    fit_turn(
        trip,
        &a.clean,
        &a.kinematics,
        turn,
        &TurnFitConfig::default(),
        &mut LmBuffers::default(),
    )
    .expect("a clean turn fits")
}

#[test]
fn a_short_harsh_turn_gets_its_peak_back() {
    // 90° at 6 m/s in 2.4 s: 7.9 m/s², which the ±2 s local fit flattens.
    let (trip, true_peak) = turning_trip(6.0, 90.0, 1.2, 12.0, 24);
    let local_only = local_only();
    let a = analyze(&trip, &local_only);
    let local = only_turn(&a);
    assert!(
        local.peak_mps2 < 0.8 * true_peak,
        "{local:?} vs {true_peak}"
    );
    // On exact fixes the fit finds the peak and where it is…
    let found = fit_default(&trip, &a, &local);
    assert!(
        (found.peak_mps2 / true_peak - 1.0).abs() < 0.02,
        "{found:?} vs {true_peak}"
    );
    let peak_s = (found.at_ms - T0) as f64 / 1000.0;
    assert!((peak_s - 12.0).abs() < 0.1, "{peak_s}");
    // …and the turn keeps it lowered by one standard error (of the assumed
    // noise floor), which is still well above the local fit and hard.
    let refined = only_turn(&analyze(&trip, &exact_fixes()));
    let expected = found.peak_mps2 * (-found.rel_error).exp();
    assert!(expected > local.peak_mps2);
    assert!((refined.peak_mps2 - expected).abs() < 1e-9, "{refined:?}");
    assert_eq!(refined.peak_at_ms, found.at_ms);
    assert!(refined.hard);
    assert_eq!(refined.kind, AnnotationKind::Turn(Maneuver::RightTurn));
    assert_eq!(
        (refined.start_ms, refined.end_ms),
        (local.start_ms, local.end_ms)
    );
}

#[test]
fn the_fit_recovers_the_parameters_from_exact_fixes() {
    let (trip, _) = turning_trip(9.0, 75.0, 2.2, 10.0, 20);
    let cfg = local_only();
    let a = analyze(&trip, &cfg);
    let turn = only_turn(&a);
    let w = window(&trip, &a.clean, &a.kinematics, &turn, 3.0).unwrap();
    let c_true = 10.0 - (turn.peak_at_ms - T0) as f64 / 1000.0;
    let found = fit(
        &w,
        Vector4::new(0.1, 1.0, 0.0, 3.0),
        1.0,
        5.0,
        |_| true,
        &mut LmBuffers::default(),
    )
    .unwrap();
    let p = found.p;
    assert!((p[1].to_degrees() - 75.0).abs() < 1.0, "{p:?}");
    assert!((p[2] - c_true).abs() < 0.05, "{p:?}");
    assert!((p[3] - 2.2).abs() < 0.05, "{p:?}");
    assert!(found.sum_sq < 0.01 * w.t_s.len() as f64, "{}", found.sum_sq);
}

#[test]
fn a_harsh_turn_without_measured_speed_gets_its_peak_back() {
    // The short harsh turn of the test above, with positions only: the
    // kinematics speed dips in the turn, so the fit is carried by the arc
    // speed of the fixes instead (with the dipped speed it reads 4.5 m/s²).
    let (with_speed, true_peak) = turning_trip(6.0, 90.0, 1.2, 12.0, 24);
    let trip = Trajectory::try_from(RawTrip {
        lat_deg: with_speed.lat_deg().to_vec(),
        lon_deg: with_speed.lon_deg().to_vec(),
        time_ms: with_speed.time_ms().map(<[i64]>::to_vec),
        ..RawTrip::default()
    })
    .unwrap();
    let a = analyze(&trip, &local_only());
    assert!(!a.kinematics.speed_measured);
    let local = only_turn(&a);
    let w = window(&trip, &a.clean, &a.kinematics, &local, 5.0).unwrap();
    assert!(!w.speed_measured);
    let dip = a
        .kinematics
        .speed_mps
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let arc = w.v_mps.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(dip < 0.85 * 6.0 && arc > 0.98 * 6.0, "{dip} {arc}");
    // Within 4 % (the arc speed reads chords for arcs; the window, the
    // episode and 5 s either side, now holds the turn's tails too).
    let found = fit_default(&trip, &a, &local);
    assert!(
        (found.peak_mps2 / true_peak - 1.0).abs() < 0.04,
        "{found:?} vs {true_peak}"
    );
    let refined = only_turn(&analyze(&trip, &exact_fixes()));
    assert!(
        refined.peak_mps2 > local.peak_mps2 && refined.hard,
        "{refined:?}"
    );
}

/// `trip` with kept fix `k` moved `north_m` metres north, speeds kept.
fn with_fix_moved(trip: &Trajectory, k: usize, north_m: f64, with_speed: bool) -> Trajectory {
    let mut lat = trip.lat_deg().to_vec();
    lat[k] += (north_m / EARTH_RADIUS_M).to_degrees();
    Trajectory::try_from(RawTrip {
        lat_deg: lat,
        lon_deg: trip.lon_deg().to_vec(),
        time_ms: trip.time_ms().map(<[i64]>::to_vec),
        speed_kmh: with_speed.then(|| (0..trip.len()).map(|i| trip.speed_kmh(i)).collect()),
        ..RawTrip::default()
    })
    .unwrap()
}

#[test]
fn a_position_jump_in_a_turn_caps_its_peak() {
    // The short harsh turn, consistent with its measured speed: not capped.
    let (trip, _) = turning_trip(6.0, 90.0, 1.2, 12.0, 24);
    let consistent = analyze(&trip, &exact_fixes());
    assert_eq!(consistent.turns_with_position_jumps, 0);
    assert!(only_turn(&consistent).hard);
    // The fix at the turn's middle 5 m off (the receiver's error jumps): the
    // chords either side disagree with the measured 6 m/s by ~3.5 m, so the
    // turn's peak falls to its mean lateral acceleration, which is not hard.
    let jumped = with_fix_moved(&trip, 12, 5.0, true);
    let a = analyze(&jumped, &exact_fixes());
    assert!(a.turns_with_position_jumps >= 1, "{a:?}");
    let turns: Vec<_> = a
        .annotations
        .iter()
        .filter(|e| matches!(e.kind, AnnotationKind::Turn(_)))
        .collect();
    assert!(!turns.is_empty());
    for t in &turns {
        assert!(!t.hard, "{t:?}");
        assert!(t.peak_mps2 < Config::default().annotate.hard_turn_mps2);
    }
    // A larger minimum jump leaves it alone, and hard…
    let mut lenient = Config::default();
    lenient.position_jumps.min_jump_m = 6.0;
    let unchecked = analyze(&jumped, &lenient);
    assert_eq!(unchecked.turns_with_position_jumps, 0);
    assert!(
        unchecked.annotations.iter().any(|e| e.hard),
        "{unchecked:?}"
    );
    // Without measured speed the chords are held against the speed the
    // kinematics fit from positions, which the jumped fix barely moves: the
    // jump is found and the turn capped all the same.
    let no_speed = with_fix_moved(&trip, 12, 5.0, false);
    let a = analyze(&no_speed, &exact_fixes());
    assert!(a.turns_with_position_jumps >= 1, "{a:?}");
    assert!(a.annotations.iter().all(|e| !e.hard), "{a:?}");
    let mut no_check = exact_fixes();
    no_check.position_jumps.enabled = false;
    let a = analyze(&no_speed, &no_check);
    assert!(a.annotations.iter().any(|e| e.hard), "{a:?}");
    // …while the same fixes without the jump are not flagged.
    let clean_no_speed = with_fix_moved(&trip, 12, 0.0, false);
    let a = analyze(&clean_no_speed, &exact_fixes());
    assert_eq!(a.turns_with_position_jumps, 0, "{a:?}");
}

#[test]
fn a_long_gentle_turn_is_left_to_the_local_fit() {
    // 60° at 20 m/s over 16 s peaks at 2.6 m/s²: the local fit keeps such a
    // long pulse, and with or without the refit the peak stays within 10 %.
    let (trip, true_peak) = turning_trip(20.0, 60.0, 8.0, 20.0, 40);
    let refined = only_turn(&analyze(&trip, &exact_fixes()));
    assert!(
        (refined.peak_mps2 / true_peak - 1.0).abs() < 0.1,
        "{refined:?} vs {true_peak}"
    );
    assert!(!refined.hard);
}

#[test]
fn disabled_or_straight_changes_nothing() {
    let (trip, _) = turning_trip(12.0, 0.0, 2.0, 10.0, 20);
    let a = analyze(&trip, &exact_fixes());
    assert!(
        a.annotations
            .iter()
            .all(|e| !matches!(e.kind, AnnotationKind::Turn(_)))
    );
    let (trip, _) = turning_trip(7.0, 90.0, 1.5, 12.0, 24);
    let off = local_only();
    let a = analyze(&trip, &off);
    let mut episodes = a.annotations.clone();
    refine_turns(
        &trip,
        &a.clean,
        &a.kinematics,
        &mut episodes,
        &off.turn_fit,
        &off.annotate,
    );
    assert_eq!(episodes, a.annotations);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The one-pass analytic Jacobian equals central finite differences.
    #[test]
    fn analytic_jacobian_matches_finite_differences(
        psi0 in -3.0_f64..3.0,
        theta in -3.0_f64..3.0,
        c in -2.0_f64..2.0,
        half in 0.8_f64..6.0,
        speeds in prop::collection::vec(0.0_f64..25.0, 6..14),
        jitter in prop::collection::vec(-0.3_f64..0.3, 14),
        offsets in prop::collection::vec(-5.0_f64..5.0, 28),
    ) {
        let n = speeds.len();
        let w = Window {
            t_s: (0..n).map(|k| k as f64 - 0.5 * n as f64 + jitter[k]).collect(),
            v_mps: speeds,
            x_m: offsets[..n].to_vec(),
            y_m: offsets[14..14 + n].to_vec(),
            speed_measured: true,
            samples: Vec::new(),
            dt_s: Vec::new(),
            s_tt: 0.0,
        }
        .sampled();
        let p = Vector4::new(psi0, theta, c, half);
        let (mut r, mut jac, mut r1, mut r2) = (vec![], vec![], vec![], vec![]);
        model(&w, &p, &mut r, Some(&mut jac));
        prop_assert_eq!(r.len(), 2 * n);
        for i in 0..4 {
            let h = 1e-6;
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            model(&w, &up, &mut r1, None);
            model(&w, &down, &mut r2, None);
            for j in 0..r.len() {
                let numeric = (r1[j] - r2[j]) / (2.0 * h);
                let scale = 1.0 + numeric.abs().max(jac[j][i].abs());
                // The pulse edges are C¹: a sub-step crossing one costs a little accuracy.
                prop_assert!((numeric - jac[j][i]).abs() < 1e-4 * scale,
                    "param {} residual {}: {} vs {}", i, j, numeric, jac[j][i]);
            }
        }
    }

    /// Mirroring the fixes east ↔ west mirrors the fit: same peak, opposite turn.
    #[test]
    fn mirrored_turns_fit_alike(
        speed in 5.0_f64..12.0,
        angle in 50.0_f64..110.0,
        peak in 2.0_f64..8.0,
    ) {
        let half = speed * angle.to_radians() / peak;
        prop_assume!((1.2..6.0).contains(&half));
        let (trip, _) = turning_trip(speed, angle, half, 12.0, 24);
        let mirrored = Trajectory::try_from(RawTrip {
            lat_deg: trip.lat_deg().to_vec(),
            lon_deg: trip.lon_deg().iter().map(|l| 14.0 - l).collect(),
            time_ms: trip.time_ms().map(<[i64]>::to_vec),
            speed_kmh: Some((0..trip.len()).map(|i| trip.speed_kmh(i)).collect()),
            ..RawTrip::default()
        }).unwrap();
        let a = only_turn(&analyze(&trip, &exact_fixes()));
        let b = only_turn(&analyze(&mirrored, &exact_fixes()));
        prop_assert_eq!(a.kind, AnnotationKind::Turn(Maneuver::RightTurn));
        prop_assert_eq!(b.kind, AnnotationKind::Turn(Maneuver::LeftTurn));
        prop_assert!((a.peak_mps2 - b.peak_mps2).abs() < 1e-3 * a.peak_mps2, "{} vs {}", a.peak_mps2, b.peak_mps2);
        prop_assert_eq!(a.hard, b.hard);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// On irregularly sampled, noisy turns (0.3–2 s between fixes, up to a
    /// metre of jitter, with and without measured speed), the refit still only raises finite peaks up to the
    /// plausibility limit, keeps `hard` = peak ≥ threshold, and keeps the
    /// peak time inside the turn.
    #[test]
    fn irregular_noisy_turns_keep_the_invariants(
        steps_ms in prop::collection::vec(300_i64..2000, 30..60),
        jitter in prop::collection::vec((-1.0_f64..1.0, -1.0_f64..1.0), 60),
        speed in 3.0_f64..12.0,
        angle in -150.0_f64..150.0,
        with_speed in any::<bool>(),
    ) {
        let (exact, _) = turning_trip(speed, angle, 1.5, 15.0, 40);
        let t_exact = exact.time_ms().unwrap();
        let (mut lat, mut lon, mut time, mut v) = (vec![], vec![], vec![], vec![]);
        let mut t = T0;
        for (k, dt) in steps_ms.iter().enumerate() {
            t += dt;
            // The exact fix nearest in time, jittered by metres.
            let i = t_exact.partition_point(|&x| x < t).min(t_exact.len() - 1);
            let (dx, dy) = jitter[k];
            lat.push(exact.lat_deg()[i] + (dy / EARTH_RADIUS_M).to_degrees());
            lon.push(exact.lon_deg()[i] + (dx / (EARTH_RADIUS_M * 45_f64.to_radians().cos())).to_degrees());
            time.push(t);
            v.push(exact.speed_kmh(i));
        }
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: Some(time),
            speed_kmh: with_speed.then_some(v),
            ..RawTrip::default()
        }).unwrap();
        let cfg = exact_fixes();
        let off = local_only();
        let (a, b) = (analyze(&trip, &off), analyze(&trip, &cfg));
        prop_assert_eq!(a.annotations.len(), b.annotations.len());
        for (x, y) in a.annotations.iter().zip(&b.annotations) {
            prop_assert!(y.peak_mps2.is_finite() && y.peak_mps2 >= x.peak_mps2);
            prop_assert!(y.peak_mps2 <= cfg.annotate.max_plausible_mps2);
            if x != y {
                prop_assert_eq!(y.hard, cfg.annotate.is_hard(y.kind, y.peak_mps2));
                let at = y.peak_at_ms as f64;
                prop_assert!(y.start_ms - 1.0 <= at && at <= y.end_ms + 1.0);
            }
        }
    }
}

proptest::proptest! {
    /// The model's yaw rate at two times side by side is its yaw rate at
    /// each, bit for bit: inside the pulse, at its edges and outside.
    #[test]
    fn yaw_rates_of_a_pair_are_each_ones(
        theta in -3.0_f64..3.0,
        c in -2.0_f64..2.0,
        w in 0.5_f64..6.0,
        at in proptest::collection::vec(proptest::prop_oneof![-1.2_f64..1.2, proptest::strategy::Just(-1.0), proptest::strategy::Just(1.0), proptest::strategy::Just(0.0)], 2),
    ) {
        let p = Params::new(0.3, theta, c, w);
        let t_s = [c + at[0] * w, c + at[1] * w];
        let pair = yaw_rates_rps(&p, t_s);
        for i in 0..2 {
            proptest::prop_assert_eq!(pair[i].to_bits(), yaw_rate_rps(&p, t_s[i]).to_bits());
        }
    }
}
