use super::*;
use crate::detect::clean::{CleanConfig, clean};
use crate::geodesy::MEAN_EARTH_RADIUS_M as EARTH_RADIUS_M;
use crate::input::RawTrip;

const T0: i64 = 1_553_240_265_000;

/// Drives a circle of `radius_m` at `speed_mps`, clockwise (right turn) when `right`.
fn circle(radius_m: f64, speed_mps: f64, right: bool, n: usize) -> Trajectory {
    let w = speed_mps / radius_m;
    let (mut lat, mut lon, mut time) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..n {
        let a = w * k as f64 * if right { 1.0 } else { -1.0 };
        // Start heading north at the west side of the circle's centre (for a right turn).
        let (x, y) = if right {
            (-radius_m * a.cos(), radius_m * a.sin())
        } else {
            (radius_m * a.cos(), -radius_m * a.sin())
        };
        lat.push(45.0 + (y / EARTH_RADIUS_M).to_degrees());
        lon.push(7.0 + (x / (EARTH_RADIUS_M * 45_f64.to_radians().cos())).to_degrees());
        time.push(T0 + 1000 * k as i64);
    }
    Trajectory::try_from(RawTrip {
        lat_deg: lat,
        lon_deg: lon,
        time_ms: Some(time),
        ..RawTrip::default()
    })
    .unwrap()
}

fn run(trip: &Trajectory, cfg: &KinematicsConfig) -> Kinematics {
    kinematics(trip, &clean(trip, &CleanConfig::default()), cfg)
}

#[test]
fn right_circle_has_positive_yaw_and_lateral_acceleration() {
    let trip = circle(50.0, 10.0, true, 40);
    let k = run(&trip, &KinematicsConfig::default());
    for i in 5..35 {
        // A quadratic over ±2 s cuts the chord of a 0.8 rad arc: ~2.5 % low.
        assert!(
            (k.speed_mps[i] - 10.0).abs() < 0.3,
            "speed {}",
            k.speed_mps[i]
        );
        assert!(
            (k.accel_lat_mps2[i] - 2.0).abs() < 0.1,
            "a_lat {}",
            k.accel_lat_mps2[i]
        );
        assert!(
            (k.yaw_rate_dps[i] - 11.46).abs() < 0.3,
            "yaw {}",
            k.yaw_rate_dps[i]
        );
        assert!(k.accel_long_mps2[i].abs() < 0.1);
    }
}

#[test]
fn left_circle_is_negative() {
    let trip = circle(50.0, 10.0, false, 40);
    let k = run(&trip, &KinematicsConfig::default());
    assert!(
        (k.accel_lat_mps2[20] + 2.0).abs() < 0.15,
        "{}",
        k.accel_lat_mps2[20]
    );
}

#[test]
fn two_point_sees_the_same_circle() {
    let trip = circle(50.0, 10.0, true, 40);
    let cfg = KinematicsConfig {
        estimator: Estimator::TwoPoint,
        ..KinematicsConfig::default()
    };
    let k = run(&trip, &cfg);
    assert!(
        (k.accel_lat_mps2[20] - 2.0).abs() < 0.15,
        "{}",
        k.accel_lat_mps2[20]
    );
    assert!(k.accel_lat_mps2[0].is_nan(), "ends have no neighbours");
}

#[test]
fn measured_speed_drives_longitudinal_acceleration() {
    // Positions say 10 m/s constant; the measured speed ramps up at 1 m/s².
    let n = 20;
    let raw = RawTrip {
        lat_deg: (0..n).map(|i| 50.0 + 10.0 * i as f64 / 111_195.0).collect(),
        lon_deg: vec![4.0; n],
        time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64).collect()),
        speed_kmh: Some((0..n).map(|i| Some((5.0 + i as f64) * 3.6)).collect()),
        ..RawTrip::default()
    };
    let trip = Trajectory::try_from(raw).unwrap();
    let k = run(&trip, &KinematicsConfig::default());
    assert!((k.accel_long_mps2[10] - 1.0).abs() < 1e-6);
    assert!((k.speed_mps[10] - 15.0).abs() < 1e-6);
    let positions = KinematicsConfig {
        speed_source: SpeedSource::PositionsOnly,
        ..KinematicsConfig::default()
    };
    let k = run(&trip, &positions);
    assert!(k.accel_long_mps2[10].abs() < 1e-6);
    assert!((k.jerk_mps3[10]).abs() < 1e-6);
}

/// A straight 1 Hz trip north whose measured speed is `speed_mps(k)`
/// (positions follow it).
fn measured_trip(n: usize, speed_mps: impl Fn(usize) -> f64) -> Trajectory {
    let mut lat = Vec::with_capacity(n);
    let mut y_m = 0.0;
    for k in 0..n {
        lat.push(50.0 + (y_m / EARTH_RADIUS_M).to_degrees());
        y_m += speed_mps(k);
    }
    Trajectory::try_from(RawTrip {
        lat_deg: lat,
        lon_deg: vec![4.0; n],
        time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64).collect()),
        speed_kmh: Some((0..n).map(|k| Some(speed_mps(k) * 3.6)).collect()),
        ..RawTrip::default()
    })
    .unwrap()
}

/// Deterministic noise of unit variance (a sum of 12 uniforms, centred).
fn unit_noise(k: usize, seed: u64) -> f64 {
    let mut x = (k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed;
    (0..12)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1_u64 << 53) as f64
        })
        .sum::<f64>()
        - 6.0
}

#[test]
fn speed_noise_is_the_white_noise_of_the_measured_speed() {
    // 0.2 m/s of white noise on a speed that rises and falls gently.
    let trip = measured_trip(600, |k| {
        15.0 + 3.0 * (k as f64 / 60.0).sin() + 0.2 * unit_noise(k, 7)
    });
    let sigma = run(&trip, &KinematicsConfig::default())
        .speed_noise_mps
        .unwrap();
    assert!((sigma - 0.2).abs() < 0.03, "{sigma}");
    // A clean ramp has none (within the estimate's 2.5 mm/s bins); positions
    // only or too few fixes: no estimate.
    let ramp = measured_trip(100, |k| 5.0 + 0.5 * k as f64);
    let quiet = run(&ramp, &KinematicsConfig::default()).speed_noise_mps;
    assert!(quiet.unwrap() < 0.004, "{quiet:?}");
    let positions = KinematicsConfig {
        speed_source: SpeedSource::PositionsOnly,
        ..KinematicsConfig::default()
    };
    assert_eq!(run(&trip, &positions).speed_noise_mps, None);
    let short = measured_trip(31, |k| 10.0 + 0.2 * unit_noise(k, 3));
    assert_eq!(
        run(&short, &KinematicsConfig::default()).speed_noise_mps,
        None
    );
    let long_enough = measured_trip(32, |k| 10.0 + 0.2 * unit_noise(k, 3));
    assert!(
        run(&long_enough, &KinematicsConfig::default())
            .speed_noise_mps
            .is_some()
    );
}

#[test]
fn speed_noise_weighs_uneven_intervals() {
    // Fixes 0.6–1.4 s apart on a speed ramp: the line through each fix's
    // neighbours takes the ramp out exactly, so only the noise is left.
    let n = 500;
    let t_ms: Vec<i64> = (0..n)
        .map(|k| T0 + 1000 * k as i64 + (400.0 * (k as f64 * 1.7).sin()) as i64)
        .collect();
    let speed = |k: usize, sigma: f64| {
        10.0 + 0.05 * (t_ms[k] - T0) as f64 / 1000.0 + sigma * unit_noise(k, 5)
    };
    let trip = |sigma: f64| {
        let mut y_m = 0.0;
        let lat = (0..n)
            .map(|k| {
                y_m += speed(k, 0.0);
                50.0 + (y_m / EARTH_RADIUS_M).to_degrees()
            })
            .collect();
        Trajectory::try_from(RawTrip {
            lat_deg: lat,
            lon_deg: vec![4.0; n],
            time_ms: Some(t_ms.clone()),
            speed_kmh: Some((0..n).map(|k| Some(speed(k, sigma) * 3.6)).collect()),
            ..RawTrip::default()
        })
        .unwrap()
    };
    let noise = |sigma| {
        run(&trip(sigma), &KinematicsConfig::default())
            .speed_noise_mps
            .unwrap()
    };
    assert!(noise(0.0) < 0.004, "{}", noise(0.0));
    assert!((noise(0.25) - 0.25).abs() < 0.04, "{}", noise(0.25));
}

#[test]
fn speed_noise_shrugs_off_outliers_and_slow_fixes() {
    let noisy = |k: usize| 12.0 + 0.15 * unit_noise(k, 11);
    let base = run(&measured_trip(400, noisy), &KinematicsConfig::default())
        .speed_noise_mps
        .unwrap();
    // Every 50th speed 4 m/s off (6 % of the residuals touched): the
    // median moves by a few per cent, an RMS would by 200 %.
    let spiky = run(
        &measured_trip(400, |k| noisy(k) + if k % 50 == 0 { 4.0 } else { 0.0 }),
        &KinematicsConfig::default(),
    )
    .speed_noise_mps
    .unwrap();
    assert!(spiky >= base && spiky < 1.12 * base, "{base} {spiky}");
    // Fixes below 2 m/s (a queue: speeds of 0–1.9 m/s jumping about) do
    // not count.
    let queue = run(
        &measured_trip(400, |k| {
            if k < 200 {
                1.9 * (k % 2) as f64
            } else {
                noisy(k)
            }
        }),
        &KinematicsConfig::default(),
    )
    .speed_noise_mps
    .unwrap();
    assert!((queue - 0.15).abs() < 0.04, "{queue}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// The estimate scales with the noise and ignores the speed's trend.
    #[test]
    fn speed_noise_scales_with_the_noise_not_the_trend(
        sigma in 0.05_f64..0.6,
        slope in -0.3_f64..0.3,
        seed in 0_u64..1000,
    ) {
        let kin = |scale: f64, slope: f64| {
            let trip = measured_trip(300, |k| 20.0 + slope * k as f64 / 10.0 + scale * unit_noise(k, seed));
            run(&trip, &KinematicsConfig::default()).speed_noise_mps.unwrap()
        };
        // Within a bin (2.5 mm/s, × 1.4826) of exact.
        let one = kin(sigma, 0.0);
        proptest::prop_assert!((kin(2.0 * sigma, 0.0) - 2.0 * one).abs() < 0.008);
        proptest::prop_assert!((kin(sigma, slope) - one).abs() < 0.004);
    }
}

#[test]
fn heading_follows_the_direction_of_travel_on_both_estimators() {
    // A right circle starts heading north and turns clockwise: after a
    // quarter of the circle the car heads east, after half south.
    let (radius_m, speed_mps) = (50.0, 10.0);
    let quarter_s = std::f64::consts::FRAC_PI_2 * radius_m / speed_mps;
    let trip = circle(radius_m, speed_mps, true, 40);
    for estimator in [Estimator::LocalFit, Estimator::TwoPoint] {
        let cfg = KinematicsConfig {
            estimator,
            ..KinematicsConfig::default()
        };
        let k = run(&trip, &cfg);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let at = |s: f64| s.round() as usize;
        // Two-point headings are those of the step after the fix: half a step ahead.
        let lead_deg = if estimator == Estimator::TwoPoint {
            5.7
        } else {
            0.0
        };
        let east = k.heading_deg(at(quarter_s));
        let south = k.heading_deg(at(2.0 * quarter_s));
        assert!(
            (east - 90.0 - lead_deg).abs() < 6.0,
            "{estimator:?}: {east}"
        );
        assert!(
            (south - 180.0 - lead_deg).abs() < 6.0,
            "{estimator:?}: {south}"
        );
    }
    // Standing still: no heading.
    let parked = Trajectory::try_from(RawTrip {
        lat_deg: vec![45.0; 8],
        lon_deg: vec![7.0; 8],
        time_ms: Some((0..8).map(|k| T0 + 1000 * k).collect()),
        ..RawTrip::default()
    })
    .unwrap();
    let k = run(&parked, &KinematicsConfig::default());
    assert!(k.heading_deg(4).is_nan());
}

/// The window of fix `k` searched from scratch (then widened alike): what
/// `SlidingWindow` must find without searching.
fn window_by_search(t: &[f64], k: usize, half_s: f64, min_fixes: usize) -> (usize, usize) {
    let n = t.len();
    let inside = |j: usize| (t[k] - t[j]).abs() <= half_s + 1e-9;
    let lo = (0..=k).find(|&j| inside(j)).unwrap_or(k);
    let hi = (k..n).rev().find(|&j| inside(j)).map_or(k + 1, |j| j + 1);
    widen(t, k, (lo, hi), min_fixes)
}

proptest::proptest! {
    #[test]
    fn sliding_windows_match_a_search_per_fix(
        steps in proptest::collection::vec(0.05_f64..8.0, 1..80),
        half_s in 0.5_f64..4.0,
        min_fixes in 1_usize..8,
        stride in 1_usize..4,
    ) {
        let t: Vec<f64> = std::iter::once(0.0)
            .chain(steps.iter().scan(0.0, |acc, s| { *acc += s; Some(*acc) }))
            .collect();
        let mut w = SlidingWindow::new(half_s, min_fixes);
        // Fixes may be skipped (a failed fit skips the speed window): any rising k.
        for k in (0..t.len()).step_by(stride) {
            proptest::prop_assert_eq!(w.at(&t, k), window_by_search(&t, k, half_s, min_fixes));
        }
    }

    #[test]
    fn moment_fit_matches_an_lu_solve(
        points in proptest::collection::vec((0.2_f64..1.5, -50.0_f64..50.0, -50.0_f64..50.0), 3..9),
    ) {
        let mut t = vec![0.0];
        for (dt, _, _) in &points[1..] {
            t.push(t.last().unwrap() + dt);
        }
        let x: Vec<f64> = points.iter().map(|p| p.1).collect();
        let y: Vec<f64> = points.iter().map(|p| p.2).collect();
        let t0 = t[t.len() / 2];
        let (vx, ax, vy, ay) = fit_quadratic(&t, &x, &y, t0).unwrap();
        let design = nalgebra::DMatrix::from_fn(t.len(), 3, |r, c| (t[r] - t0).powi(c as i32));
        let lu = (design.transpose() * &design).lu();
        for (v, a, obs) in [(vx, ax, &x), (vy, ay, &y)] {
            let c = lu.solve(&(design.transpose() * nalgebra::DVector::from_column_slice(obs))).unwrap();
            proptest::prop_assert!((v - c[1]).abs() < 1e-6 * (1.0 + c[1].abs()), "{} vs {}", v, c[1]);
            proptest::prop_assert!((a - 2.0 * c[2]).abs() < 1e-6 * (1.0 + c[2].abs()), "{} vs {}", a, c[2]);
        }
    }
}

proptest::proptest! {
    /// The two rows the fit uses are nalgebra's inverse rows bit for bit,
    /// and so are their products with the right-hand sides.
    #[test]
    fn normal_rows_are_nalgebras_inverse_rows(
        taus in proptest::collection::vec(
            proptest::prop_oneof![-3.0_f64..3.0, proptest::strategy::Strategy::prop_map(-3_i32..=3, f64::from)],
            1..9,
        ),
        b in proptest::collection::vec(-1e4_f64..1e4, 3),
    ) {
        let mut s = [0.0; 5];
        for tau in &taus {
            let tau2 = tau * tau;
            s[0] += 1.0;
            s[1] += tau;
            s[2] += tau2;
            s[3] += tau * tau2;
            s[4] += tau2 * tau2;
        }
        let m = nalgebra::Matrix3::new(s[0], s[1], s[2], s[1], s[2], s[3], s[2], s[3], s[4]);
        let rhs = nalgebra::Vector3::new(b[0], b[1], b[2]);
        match (m.try_inverse(), normal_rows_12(s)) {
            (None, None) => {}
            (Some(inverse), Some(rows)) => {
                let full = inverse * rhs;
                for r in 0..2 {
                    for c in 0..3 {
                        proptest::prop_assert_eq!(inverse[(r + 1, c)].to_bits(), rows[3 * r + c].to_bits());
                    }
                    let ours = solve_row(&rows, r, [b[0], b[1], b[2]]);
                    proptest::prop_assert_eq!(full[r + 1].to_bits(), ours.to_bits());
                }
            }
            (a, b) => proptest::prop_assert!(false, "{:?} vs {:?}", a, b),
        }
    }
}

proptest::proptest! {
    /// Two neighbouring fixes fitted in two lanes are the two scalar fits
    /// bit for bit, degenerate windows (repeated times: no fit) included.
    #[test]
    fn a_pair_of_fits_is_two_scalar_fits(
        points in proptest::collection::vec(
            (
                proptest::prop_oneof![0.0_f64..1.5, proptest::strategy::Just(0.0), proptest::strategy::Just(1.0)],
                -1e4_f64..1e4,
                -1e4_f64..1e4,
            ),
            4..12,
        ),
        lo_share in 0.0_f64..1.0,
        len in 1_usize..8,
        k_share in 0.0_f64..1.0,
    ) {
        let mut t = vec![0.0];
        for (dt, _, _) in &points[1..] {
            t.push(t.last().unwrap() + dt);
        }
        let x: Vec<f64> = points.iter().map(|p| p.1).collect();
        let y: Vec<f64> = points.iter().map(|p| p.2).collect();
        let n = t.len();
        // A window lo..hi of the first fix, with hi < n for the second's.
        let lo = ((n - 2) as f64 * lo_share) as usize;
        let hi = (lo + len).min(n - 1);
        let k = lo + ((hi - lo) as f64 * k_share) as usize;
        let k = k.min(n - 2);
        let pair = split_pair(fit_quadratic_pair(&t, &x, &y, (lo, hi), k));
        let scalar = [
            fit_quadratic(&t[lo..hi], &x[lo..hi], &y[lo..hi], t[k]),
            fit_quadratic(&t[lo + 1..=hi], &x[lo + 1..=hi], &y[lo + 1..=hi], t[k + 1]),
        ];
        let bits = |f: Option<(f64, f64, f64, f64)>| {
            f.map(|(a, b, c, d)| [a.to_bits(), b.to_bits(), c.to_bits(), d.to_bits()])
        };
        for lane in 0..2 {
            proptest::prop_assert_eq!(bits(pair[lane]), bits(scalar[lane]), "lane {}", lane);
        }
    }
}

#[test]
fn jerk_is_the_slope_of_a_rising_acceleration() {
    // North along s(t) = 10·t + j·t³/6: acceleration j·t, jerk j. A
    // quadratic fit over a symmetric window reads the acceleration of a
    // cubic exactly, so the central difference reads j inside the section.
    let jerk_mps3 = 0.1; // 52 m/s at the end, under the spike limit
    let n = 30;
    let s_m = |t: f64| 10.0 * t + jerk_mps3 * t * t * t / 6.0;
    let trip = Trajectory::try_from(RawTrip {
        lat_deg: (0..n)
            .map(|k| 45.0 + (s_m(k as f64) / EARTH_RADIUS_M).to_degrees())
            .collect(),
        lon_deg: vec![7.0; n],
        time_ms: Some((0..n).map(|k| T0 + 1000 * k as i64).collect()),
        ..RawTrip::default()
    })
    .unwrap();
    let k = run(&trip, &KinematicsConfig::default());
    for i in 4..n - 4 {
        assert!(
            (k.accel_long_mps2[i] - jerk_mps3 * i as f64).abs() < 1e-3,
            "{i}"
        );
        assert!(
            (k.jerk_mps3[i] - jerk_mps3).abs() < 1e-3,
            "{i}: {}",
            k.jerk_mps3[i]
        );
    }
    assert!(k.jerk_mps3[0].is_nan() && k.jerk_mps3[n - 1].is_nan());
}

proptest::proptest! {
    /// The outputs of a pair of fits written side by side are those of
    /// each fit written alone, bit for bit: speeds around the standstill
    /// and heading thresholds included (where the lanes select).
    #[test]
    fn a_pair_of_outputs_is_two_scalar_outputs(
        fits in proptest::collection::vec(
            (
                proptest::prop_oneof![-30.0_f64..30.0, -2.5_f64..2.5, -1e-6_f64..1e-6, proptest::strategy::Just(0.0), proptest::strategy::Just(2.0)],
                -5.0_f64..5.0,
                proptest::prop_oneof![-30.0_f64..30.0, -2.5_f64..2.5, proptest::strategy::Just(0.0)],
                -5.0_f64..5.0,
            ),
            2,
        ),
        min_heading_mps in proptest::prop_oneof![proptest::strategy::Just(2.0), 0.0_f64..3.0],
    ) {
        let (a, b) = (fits[0], fits[1]);
        let pair = (
            wide::f64x2::new([a.0, b.0]),
            wide::f64x2::new([a.1, b.1]),
            wide::f64x2::new([a.2, b.2]),
            wide::f64x2::new([a.3, b.3]),
        );
        let store = |lanes: bool| {
            let mut cols = vec![vec![f64::NAN; 2]; 6];
            let [c0, c1, c2, c3, c4, c5] = &mut cols[..] else { unreachable!() };
            let mut columns = Columns {
                speed_mps: c0,
                accel_long_mps2: c1,
                velocity_east_mps: c2,
                velocity_north_mps: c3,
                yaw_rate_dps: c4,
                accel_lat_mps2: c5,
            };
            if lanes {
                columns.put(0, position_motion(pair, min_heading_mps));
            } else {
                columns.put(0, position_motion(a, min_heading_mps));
                columns.put(1, position_motion(b, min_heading_mps));
            }
            cols.iter().flatten().map(|v| v.to_bits()).collect::<Vec<u64>>()
        };
        proptest::prop_assert_eq!(store(true), store(false));
    }
}

proptest::proptest! {
    /// Two neighbouring fixes' measured-speed lines fitted in two lanes
    /// are the two scalar fits bit for bit, degenerate windows (repeated
    /// times: no slope) included.
    #[test]
    fn a_pair_of_speed_lines_is_two_scalar_lines(
        points in proptest::collection::vec(
            (
                proptest::prop_oneof![0.0_f64..1.5, proptest::strategy::Just(0.0), proptest::strategy::Just(1.0)],
                0.0_f64..60.0,
            ),
            3..10,
        ),
        lo_share in 0.0_f64..1.0,
        len in 1_usize..6,
        k_share in 0.0_f64..1.0,
    ) {
        let mut t = vec![0.0];
        for (dt, _) in &points[1..] {
            t.push(t.last().unwrap() + dt);
        }
        let v: Vec<f64> = points.iter().map(|p| p.1).collect();
        let n = t.len();
        let lo = ((n - 2) as f64 * lo_share) as usize;
        let hi = (lo + len).min(n - 1);
        let k = (lo + ((hi - lo) as f64 * k_share) as usize).min(n - 2);
        let pair = fit_line_pair(&t, &v, (lo, hi), k);
        let scalar = [
            fit_line((lo..hi).map(|j| (t[j], v[j])), t[k]),
            fit_line((lo + 1..=hi).map(|j| (t[j], v[j])), t[k + 1]),
        ];
        let bits = |f: Option<(f64, f64)>| f.map(|(a, b)| [a.to_bits(), b.to_bits()]);
        for lane in 0..2 {
            proptest::prop_assert_eq!(bits(pair[lane]), bits(scalar[lane]), "lane {}", lane);
        }
    }
}

/// [`local_plane`]'s columns one fix at a time: each step from the fix
/// before it in `fixes`, wherever that is.
fn local_plane_by_fix(trip: &Trajectory, fixes: &[usize]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (lat, lon, t) = (trip.lat_deg(), trip.lon_deg(), trip.time_ms().unwrap());
    let (mut x, mut y) = (0.0, 0.0);
    let mut out = (Vec::new(), Vec::new(), Vec::new());
    for (k, &i) in fixes.iter().enumerate() {
        if k > 0 {
            let p = fixes[k - 1];
            let (dx, dy) = east_north_m(
                lat[i] - lat[p],
                lon[i] - lon[p],
                0.5 * (trip.cos_lat(i) + trip.cos_lat(p)),
            );
            x += dx;
            y += dy;
        }
        out.0.push((t[i] - t[fixes[0]]) as f64 / 1000.0);
        out.1.push(x);
        out.2.push(y);
    }
    out
}

proptest::proptest! {
    /// The projection through runs of consecutive fixes gives, bit for
    /// bit, what a step from each fix to the next does, whichever fixes
    /// were dropped (runs of any length, blocks of 32 crossed).
    #[test]
    fn local_plane_by_runs_is_by_fix(
        moves in proptest::collection::vec((-30.0_f64..30.0, -30.0_f64..30.0), 2..120),
        kept in proptest::collection::vec(proptest::prelude::any::<bool>(), 120),
    ) {
        let (mut lat, mut lon) = (vec![45.0], vec![7.0]);
        for &(north, east) in &moves {
            lat.push(lat[lat.len() - 1] + north / 111_195.0);
            lon.push(lon[lon.len() - 1] + east / 78_600.0);
        }
        let n = lat.len();
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64 + (i as i64 % 7) * 13).collect()),
            ..RawTrip::default()
        })
        .unwrap();
        let fixes: Vec<usize> = (0..n).filter(|&i| kept[i] || i == 0).collect();
        let local = local_plane(&trip, &fixes, false);
        let (t_s, x_m, y_m) = local_plane_by_fix(&trip, &fixes);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        proptest::prop_assert_eq!(bits(&local.t_s), bits(&t_s));
        proptest::prop_assert_eq!(bits(&local.x_m), bits(&x_m));
        proptest::prop_assert_eq!(bits(&local.y_m), bits(&y_m));
    }
}
