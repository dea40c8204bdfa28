use super::*;
use crate::detect::{DetectConfig as Config, TripAnalysis, analyze};
use crate::geodesy::MEAN_EARTH_RADIUS_M as EARTH_RADIUS_M;
use crate::input::RawTrip;

const T0: i64 = 1_553_240_265_000;

/// A car driving north at `v0_mps` that brakes with a raised-cosine
/// deceleration peaking at `peak_mps2` over `pulse_s`, starting at `at_s`;
/// sampled once a second for `secs` s (integrated at 100 Hz), with measured
/// speed.
fn braking_trip(v0_mps: f64, peak_mps2: f64, pulse_s: f64, at_s: f64, secs: usize) -> Trajectory {
    let (mut y, mut v) = (0.0_f64, v0_mps);
    let (mut lat, mut lon, mut time, mut speed) = (vec![], vec![], vec![], vec![]);
    let dt = 0.01;
    for step in 0..=secs * 100 {
        let t = step as f64 * dt;
        if step % 100 == 0 {
            lat.push(45.0 + (y / EARTH_RADIUS_M).to_degrees());
            lon.push(7.0);
            time.push(T0 + 10 * step as i64);
            speed.push(Some(v * 3.6));
        }
        let u = (t + 0.5 * dt - at_s) / pulse_s;
        let a = if (0.0..1.0).contains(&u) {
            -peak_mps2 * (std::f64::consts::PI * u).sin().powi(2)
        } else {
            0.0
        };
        y += (v + 0.5 * a * dt) * dt;
        v += a * dt;
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

fn only_brake(a: &TripAnalysis) -> Annotation {
    let brakes: Vec<_> = a
        .annotations
        .iter()
        .filter(|e| e.kind == AnnotationKind::Acceleration(AccelerationKind::Brake))
        .collect();
    assert_eq!(brakes.len(), 1, "{:?}", a.annotations);
    *brakes[0]
}

#[test]
fn a_short_harsh_brake_gets_its_peak_back() {
    // 3 s at 3.8 m/s²: the ±1 s line keeps about 0.7 of the peak, below the
    // 3 m/s² hard-brake threshold.
    let trip = braking_trip(16.0, 3.8, 3.0, 20.3, 40);
    let mut off = Config::default();
    off.brake_fit.enabled = false;
    let local = only_brake(&analyze(&trip, &off));
    assert!(!local.hard && local.peak_mps2 < 3.0, "{local:?}");
    let fitted = only_brake(&analyze(&trip, &Config::default()));
    assert!(fitted.hard, "{fitted:?}");
    assert!((fitted.peak_mps2 - 3.8).abs() < 0.5, "{fitted:?}");
}

#[test]
fn a_long_gentle_brake_is_not_raised_and_positions_only_are_not_fitted() {
    // 12 s at 2 m/s²: the ±1 s line keeps its peak; the fit agrees and
    // lowered by its standard error does not lift it.
    let trip = braking_trip(28.0, 2.0, 12.0, 15.0, 40);
    let mut off = Config::default();
    off.brake_fit.enabled = false;
    let local = only_brake(&analyze(&trip, &off));
    let fitted = only_brake(&analyze(&trip, &Config::default()));
    assert!(!fitted.hard);
    assert!(
        fitted.peak_mps2 <= local.peak_mps2 + 0.1,
        "{local:?} {fitted:?}"
    );
    // The short harsh brake again, the kinematics told to ignore the
    // measured speed: nothing is fitted.
    let trip = braking_trip(16.0, 3.8, 3.0, 20.3, 40);
    let mut positions = Config::default();
    positions.kinematics.speed_source = crate::detect::kinematics::SpeedSource::PositionsOnly;
    let mut positions_off = positions;
    positions_off.brake_fit.enabled = false;
    assert_eq!(
        analyze(&trip, &positions).annotations,
        analyze(&trip, &positions_off).annotations
    );
}
