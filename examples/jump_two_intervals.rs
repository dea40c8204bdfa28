//! Experiment branch only: the position-jump check over two fix intervals
//! (chord from k−2 to k against the distance driven) beside the one-interval
//! check, for every turn peaking ≥ 2.5 m/s² on the shipped real drives; the
//! nds drives with their vehicle gyro (speed × yaw rate, max within ±2 s).
//! `cargo run --release --example jump_two_intervals`
#[path = "common/references.rs"]
#[allow(dead_code, reason = "shared by several examples")]
mod references;
use references::*;
use tripscore::{AnnotationKind, Config, Trajectory, analyze};

fn robust(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    1.4826 * v[v.len() / 2]
}

/// (1-interval diffs, 2-interval diffs) per kept fix k (interval ending at k).
fn diffs(trip: &Trajectory, an: &tripscore::TripAnalysis) -> (Vec<f64>, Vec<f64>) {
    let c = &an.clean;
    let t = trip.time_ms().unwrap();
    let n = c.fixes.len();
    let v = |k: usize| trip.speed_kmh(c.fixes[k]).map_or(f64::NAN, |s| s / 3.6);
    let mut d1 = vec![f64::NAN; n];
    let mut d2 = vec![f64::NAN; n];
    for k in 1..n {
        let (i, j) = (c.fixes[k - 1], c.fixes[k]);
        let dr = 0.5 * (v(k - 1) + v(k)) * (t[j] - t[i]) as f64 / 1000.0;
        d1[k] = (trip.step_between_m(i, j) - dr).abs();
        if k >= 2 {
            let h = c.fixes[k - 2];
            let dr2 = dr + 0.5 * (v(k - 2) + v(k - 1)) * (t[i] - t[h]) as f64 / 1000.0;
            d2[k] = (trip.step_between_m(h, j) - dr2).abs();
        }
    }
    (d1, d2)
}

fn show(trip: &Trajectory, an: &tripscore::TripAnalysis, gyro: Option<&[(f64, f64, f64, f64)]>) {
    let (d1, d2) = diffs(trip, an);
    let (l1, l2) = (
        3f64.max(4.0 * robust(d1.clone())),
        3f64.max(4.0 * robust(d2.clone())),
    );
    for a in &an.annotations {
        if !matches!(a.kind, AnnotationKind::Turn(_)) || a.peak_mps2 < 2.5 {
            continue;
        }
        let lo = a.first_fix.saturating_sub(1).max(1);
        let hi = (a.last_fix + 1).min(an.clean.fixes.len() - 1);
        let m1 = (lo..=hi).map(|k| d1[k]).fold(0.0, f64::max);
        let m2 = (lo.max(2)..=(hi + 1).min(an.clean.fixes.len() - 1))
            .map(|k| d2[k])
            .fold(0.0, f64::max);
        let g = gyro.map_or(f64::NAN, |imu| {
            imu.iter()
                .filter(|r| r.0 >= a.start_ms - 2000.0 && r.0 <= a.end_ms + 2000.0)
                .map(|r| (r.1 * r.3.to_radians()).abs())
                .fold(0.0, f64::max)
        });
        println!(
            "{:14} {:8.0} {:?} peak {:.2} hard {} gyro {:.2} | j1 {:.1}/{:.1} j2 {:.1}/{:.1} {}",
            trip.event_id(),
            (a.start_ms - trip.time_ms().unwrap()[0] as f64) / 1000.0,
            a.kind,
            a.peak_mps2,
            a.hard as u8,
            g,
            m1,
            l1,
            m2,
            l2,
            if m2 > l2 && m1 <= l1 { "NEW" } else { "" }
        );
    }
}

fn main() {
    let config = Config::default();
    for d in nds_drives(&config) {
        show(&d.trip, &d.analysis, Some(&d.imu));
    }
    for f in [
        "data/ndsbr/ndsbr.jsonl",
        "data/delft-lane-changes/delft.jsonl",
    ] {
        for trip in trips_of(f) {
            let an = analyze(&trip, &config.detect);
            show(&trip, &an, None);
        }
    }
}
