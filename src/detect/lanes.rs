//! Lane switches: a sideways step of about a lane at speed, out and back to
//! the old heading.
//!
//! A lane change moves the car 3–4 m sideways in 3–10 s: the lateral
//! acceleration is one lobe one way (steering out) and one the other
//! (straightening), the heading swings by a few degrees and comes back. At
//! 1 Hz that is close to the GPS noise, so each candidate is checked on all
//! it should show:
//! - two lobes of lateral acceleration of opposite sign (off the road's own
//!   bend: the mean over `road_half_window_ms` either side), each reaching
//!   `lobe_start_mps2` and holding `lobe_hold_mps2`, their peaks
//!   `min_peak_gap_ms` to `max_peak_gap_ms` apart (half a lane change of
//!   3–10 s: steering out, then straightening);
//! - driven at `min_speed_mps` or more throughout (below, heading is noise);
//! - a heading swing of at most `max_swing_deg` that comes back to within
//!   `max_net_heading_deg` (a bend does not come back);
//! - a sideways displacement — speed × sine of the heading off its value
//!   before the swing, integrated — of `min_offset_m` to `max_offset_m`,
//!   the way the first lobe steered;
//! - not inside a turn.
//!
//! Off by default: measured on the Delft motorway drives (video-labelled
//! lane changes, four receivers) and on the simulator, docs/ACCURACY.md.

use serde::{Deserialize, Serialize};

use crate::api::Maneuver;
use crate::detect::annotate::{
    AnnotateConfig, Annotation, AnnotationKind, Run, episode, heading_change, peak, runs,
};
use crate::detect::clean::CleanTrip;
use crate::detect::kinematics::Kinematics;

/// Settings of lane-switch detection.
///
/// # Units
/// m/s, m/s², ms, degrees, metres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LaneSwitchConfig {
    /// Whether lane switches are annotated.
    pub enabled: bool,
    /// The car drives at least this fast through a lane switch, m/s.
    pub min_speed_mps: f64,
    /// Each lobe of lateral acceleration reaches this, m/s².
    pub lobe_start_mps2: f64,
    /// … and holds this or more, m/s².
    pub lobe_hold_mps2: f64,
    /// The two lobes' peaks are at least this far apart, ms.
    pub min_peak_gap_ms: i64,
    /// … and at most this far, ms.
    pub max_peak_gap_ms: i64,
    /// The heading swings by at most this, degrees.
    pub max_swing_deg: f64,
    /// … and ends within this of where it started, degrees.
    pub max_net_heading_deg: f64,
    /// The car moves at least this far sideways, m.
    pub min_offset_m: f64,
    /// … and at most this far (two lanes), m.
    pub max_offset_m: f64,
    /// The road's own bend is the mean lateral acceleration over this long
    /// either side, ms; lobes, swing and displacement are measured off it.
    pub road_half_window_ms: i64,
}

impl Default for LaneSwitchConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            min_speed_mps: 50.0 / 3.6,
            lobe_start_mps2: 0.2,
            lobe_hold_mps2: 0.05,
            min_peak_gap_ms: 1500,
            max_peak_gap_ms: 5000,
            max_swing_deg: 10.0,
            max_net_heading_deg: 3.0,
            min_offset_m: 2.0,
            max_offset_m: 8.0,
            road_half_window_ms: 10_000,
        }
    }
}

/// The lateral acceleration of the road itself at each kept fix of
/// `range`: the mean over `half_ms` either side (a curve bends for far
/// longer than a lane change's two short lobes, which cancel in it), m/s².
fn road_lateral(kin: &Kinematics, range: &std::ops::Range<usize>, half_ms: i64) -> Vec<f64> {
    let (t, a) = (&kin.time_ms, &kin.accel_lat_mps2);
    let (mut lo, mut hi, mut sum, mut n) = (range.start, range.start, 0.0, 0_u32);
    range
        .clone()
        .map(|k| {
            while hi < range.end && t[hi] <= t[k] + half_ms {
                if a[hi].is_finite() {
                    sum += a[hi];
                    n += 1;
                }
                hi += 1;
            }
            while t[lo] < t[k] - half_ms {
                if a[lo].is_finite() {
                    sum -= a[lo];
                    n -= 1;
                }
                lo += 1;
            }
            if n > 0 { sum / f64::from(n) } else { 0.0 }
        })
        .collect()
}

/// The sideways displacement over kept fixes `lo..=hi` off the road's own
/// bend, m (positive to the right): speed × sin(heading − the heading at
/// `lo` − the road's heading change since), integrated; `road_yaw_dps` is
/// the road's yaw rate at each fix of the range starting at `first`.
fn offset_m(kin: &Kinematics, lo: usize, hi: usize, road_yaw_dps: &[f64], first: usize) -> f64 {
    let reference = kin.heading_deg(lo);
    let mut road_deg = 0.0;
    let mut road_at = Vec::with_capacity(hi - lo + 1);
    road_at.push(0.0);
    for k in lo..hi {
        #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
        let dt_s = (kin.time_ms[k + 1] - kin.time_ms[k]) as f64 / 1000.0;
        road_deg += 0.5 * (road_yaw_dps[k - first] + road_yaw_dps[k + 1 - first]) * dt_s;
        road_at.push(road_deg);
    }
    let sideways = |k: usize| {
        let dh =
            (kin.heading_deg(k) - reference - road_at[k - lo] + 540.0).rem_euclid(360.0) - 180.0;
        kin.speed_mps[k] * dh.to_radians().sin()
    };
    (lo..hi)
        .map(|k| {
            #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
            let dt_s = (kin.time_ms[k + 1] - kin.time_ms[k]) as f64 / 1000.0;
            0.5 * (sideways(k) + sideways(k + 1)) * dt_s
        })
        .sum()
}

/// The road's own heading change over kept fixes `lo..=hi` and one fix
/// either side inside `section` (as `heading_change` pads), degrees.
fn road_turn_deg(
    kin: &Kinematics,
    road_yaw_dps: &[f64],
    lo: usize,
    hi: usize,
    section: &std::ops::Range<usize>,
) -> f64 {
    let t = &kin.time_ms;
    let lo = lo.saturating_sub(1).max(section.start);
    let hi = (hi + 1).min(section.end - 1);
    (lo..hi)
        .map(|k| {
            #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
            let dt_s = (t[k + 1] - t[k]) as f64 / 1000.0;
            0.5 * (road_yaw_dps[k] + road_yaw_dps[k + 1]) * dt_s
        })
        .sum()
}

/// A lane switch from the lobes `a` then `b`, if they pass every check
/// (module docs); `road_yaw_dps` is the road's own yaw rate at every kept
/// fix.
fn lane_switch(
    kin: &Kinematics,
    road_yaw_dps: &[f64],
    (a, b): (&Run, &Run),
    section: &std::ops::Range<usize>,
    cfg: &LaneSwitchConfig,
    annotate: &AnnotateConfig,
) -> Option<Annotation> {
    let (pa, pb) = (
        peak(&kin.accel_lat_mps2, &kin.time_ms, a),
        peak(&kin.accel_lat_mps2, &kin.time_ms, b),
    );
    let peak_gap_ms = pb.1 - pa.1;
    let opposite = a.sign * b.sign < 0.0;
    if !opposite || !(cfg.min_peak_gap_ms..=cfg.max_peak_gap_ms).contains(&peak_gap_ms) {
        return None;
    }
    let (lo, hi) = (a.lo.saturating_sub(1).max(section.start), b.hi);
    if kin.speed_mps[lo..=hi]
        .iter()
        .any(|v| v.is_nan() || *v < cfg.min_speed_mps)
    {
        return None;
    }
    let swing = heading_change(kin, a.lo, a.hi, section)
        - road_turn_deg(kin, road_yaw_dps, a.lo, a.hi, section);
    let net = heading_change(kin, a.lo, b.hi, section)
        - road_turn_deg(kin, road_yaw_dps, a.lo, b.hi, section);
    if swing.abs() > cfg.max_swing_deg || net.abs() > cfg.max_net_heading_deg {
        return None;
    }
    let offset = offset_m(kin, lo, hi, road_yaw_dps, 0);
    let sideways = (cfg.min_offset_m..=cfg.max_offset_m).contains(&offset.abs());
    if !sideways || offset * a.sign < 0.0 {
        return None;
    }
    let top = if pb.0 > pa.0 { pb } else { pa };
    Some(episode(
        AnnotationKind::Turn(Maneuver::LaneSwitch),
        (a, b),
        top,
        net,
        annotate,
    ))
}

/// The lane switches of a cleaned trip, in start order, none overlapping
/// one of `turns` (the trip's turn episodes); nothing when `cfg.enabled` is
/// off.
#[must_use]
pub fn lane_switches(
    clean: &CleanTrip,
    kin: &Kinematics,
    turns: &[Annotation],
    cfg: &LaneSwitchConfig,
    annotate: &AnnotateConfig,
) -> Vec<Annotation> {
    if !cfg.enabled {
        return Vec::new();
    }
    let n = kin.time_ms.len();
    // The lateral acceleration off the road's own bend, and the road's yaw rate.
    let (mut off_road, mut road_yaw_dps) = (vec![f64::NAN; n], vec![0.0; n]);
    for section in clean.sections.iter().filter(|s| s.valid) {
        let range = section.range();
        let road = road_lateral(kin, &range, cfg.road_half_window_ms);
        for (k, base) in range.zip(road) {
            off_road[k] = kin.accel_lat_mps2[k] - base;
            let v = kin.speed_mps[k];
            road_yaw_dps[k] = if v > 1.0 {
                (base / v).to_degrees()
            } else {
                0.0
            };
        }
    }
    let mut out = Vec::new();
    for section in clean.sections.iter().filter(|s| s.valid) {
        let range = section.range();
        let lobes = runs(
            &kin.time_ms,
            &off_road,
            range.clone(),
            (cfg.lobe_start_mps2, cfg.lobe_hold_mps2),
            0,
        );
        let mut i = 0;
        while i + 1 < lobes.len() {
            let pair = (&lobes[i], &lobes[i + 1]);
            let found = lane_switch(kin, &road_yaw_dps, pair, &range, cfg, annotate).filter(|l| {
                !turns.iter().any(|t| {
                    matches!(t.kind, AnnotationKind::Turn(_))
                        && t.start_ms <= l.end_ms
                        && l.start_ms <= t.end_ms
                })
            });
            if let Some(l) = found {
                out.push(l);
                i += 2;
            } else {
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::api::Maneuver;
    use crate::detect::{AnnotationKind, DetectConfig, analyze};
    use crate::geodesy::offset_deg;
    use crate::input::{RawTrip, Trajectory};

    /// Two minutes at `speed_mps` heading north, 1 Hz, exact fixes; from
    /// t = 60 s the car moves `sideways_m` east (a sine yaw over `duration_s`)
    /// or, with `bend_deg`, turns that far and keeps the new heading.
    fn drive(speed_mps: f64, sideways_m: f64, duration_s: f64, bend_deg: f64) -> Trajectory {
        let (mut x, mut y, mut heading) = (0.0_f64, 0.0_f64, 0.0_f64);
        let (mut lat, mut lon, mut time, mut speed) = (vec![], vec![], vec![], vec![]);
        let amplitude = sideways_m * std::f64::consts::TAU / (speed_mps * duration_s * duration_s);
        let dt = 0.1;
        for step in 0..1200 {
            let t = f64::from(step) * dt;
            if step % 10 == 0 {
                let (la, lo) = offset_deg(52.0, 4.4, 52.0_f64.to_radians().cos(), x, y);
                lat.push(la);
                lon.push(lo);
                time.push(1_700_000_000_000 + i64::from(step) * 100);
                speed.push(Some(speed_mps * 3.6));
            }
            let u = (t - 60.0) / duration_s;
            let yaw = if (0.0..1.0).contains(&u) {
                if bend_deg == 0.0 {
                    amplitude * (std::f64::consts::TAU * u).sin()
                } else {
                    bend_deg.to_radians() / duration_s
                }
            } else {
                0.0
            };
            heading += yaw * dt;
            x += speed_mps * heading.sin() * dt;
            y += speed_mps * heading.cos() * dt;
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

    fn lane_switches(trip: &Trajectory) -> Vec<(f64, f64)> {
        let mut cfg = DetectConfig::default();
        cfg.lane_switch.enabled = true;
        cfg.timing.gps_latency_ms = 0;
        analyze(trip, &cfg)
            .annotations
            .iter()
            .filter(|a| a.kind == AnnotationKind::Turn(Maneuver::LaneSwitch))
            .map(|a| {
                (
                    a.start_ms - 1_700_000_000_000.0,
                    a.end_ms - 1_700_000_000_000.0,
                )
            })
            .collect()
    }

    #[test]
    fn a_lane_change_at_motorway_speed_is_one_lane_switch() {
        let found = lane_switches(&drive(30.0, 3.5, 6.0, 0.0));
        assert_eq!(found.len(), 1, "{found:?}");
        let (start, end) = found[0];
        assert!(start > 56_000.0 && end < 70_000.0, "{found:?}");
    }

    #[test]
    fn no_lane_switch_without_one_nor_in_a_bend_nor_when_off() {
        assert!(lane_switches(&drive(30.0, 0.0, 6.0, 0.0)).is_empty());
        // A 20° bend does not come back to its heading.
        assert!(lane_switches(&drive(30.0, 0.0, 8.0, 20.0)).is_empty());
        // Off by default.
        let trip = drive(30.0, 3.5, 6.0, 0.0);
        assert!(
            analyze(&trip, &DetectConfig::default())
                .annotations
                .iter()
                .all(|a| a.kind != AnnotationKind::Turn(Maneuver::LaneSwitch))
        );
    }
}
