//! Experiment branch only: fixes where the track reverses (the steps in and
//! out both ≥ MIN m, at most 2 s each, turning more than 120°) on the shipped
//! real drives, with the annotations within ±3 s, default and positions only.
//! `cargo run --release --example reversal_fixes [MIN]`
#[path = "common/references.rs"]
#[allow(dead_code, reason = "shared by several examples")]
mod references;
use references::*;
use tripscore::detect::SpeedSource;
use tripscore::{Config, Trajectory, analyze};

fn en(trip: &Trajectory, i: usize, o: usize) -> (f64, f64) {
    let lat0 = trip.lat_deg()[o];
    (
        (trip.lon_deg()[i] - trip.lon_deg()[o]).to_radians() * 6371000.0 * lat0.to_radians().cos(),
        (trip.lat_deg()[i] - lat0).to_radians() * 6371000.0,
    )
}

fn main() {
    let min_m: f64 = std::env::args().nth(1).map_or(3.0, |s| s.parse().unwrap());
    let mut pos = Config::default();
    pos.detect.kinematics.speed_source = SpeedSource::PositionsOnly;
    let def = Config::default();
    let mut files: Vec<String> = REAL_TRIP_FILES.iter().map(|s| s.to_string()).collect();
    files.extend(std::env::args().skip(2));
    for f in &files {
        let trips = if f.starts_with('/') {
            let text = std::fs::read_to_string(f).unwrap();
            text.lines()
                .map(|l| Trajectory::try_from(tripscore::parse_line(l).unwrap()).unwrap())
                .collect()
        } else {
            trips_of(f)
        };
        let (mut n_fix, mut n_rev) = (0, 0);
        for trip in &trips {
            let a_def = analyze(trip, &def.detect);
            let a_pos = analyze(trip, &pos.detect);
            let c = &a_def.clean;
            let t = trip.time_ms().unwrap();
            n_fix += c.fixes.len();
            for k in 1..c.fixes.len().saturating_sub(1) {
                let (p, i, q) = (c.fixes[k - 1], c.fixes[k], c.fixes[k + 1]);
                let (a, b) = (en(trip, i, p), en(trip, q, i));
                let (la, lb) = (a.0.hypot(a.1), b.0.hypot(b.1));
                if la < min_m || lb < min_m || t[i] - t[p] > 2000 || t[q] - t[i] > 2000 {
                    continue;
                }
                let cos = (a.0 * b.0 + a.1 * b.1) / (la * lb);
                if cos > -0.5 {
                    continue;
                }
                n_rev += 1;
                let ti = t[i] as f64 + 750.0 * 0.0;
                let near = |an: &tripscore::TripAnalysis| {
                    an.annotations
                        .iter()
                        .filter(|x| x.start_ms - 3000.0 <= ti && x.end_ms + 3000.0 >= ti - 750.0)
                        .map(|x| {
                            format!(
                                "{:?}{}/{:.2}",
                                x.kind,
                                if x.hard { "!" } else { "" },
                                x.peak_mps2
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                println!(
                    "{} t {:.0} in {:.1} m out {:.1} m angle {:.0} vmeas {:.1} | def: {} | pos: {}",
                    trip.event_id(),
                    (t[i] - t[0]) as f64 / 1000.0,
                    la,
                    lb,
                    cos.acos().to_degrees(),
                    trip.speed_kmh(i).map_or(f64::NAN, |v| v / 3.6),
                    near(&a_def),
                    near(&a_pos)
                );
            }
        }
        eprintln!("{f}: {n_rev} reversals in {n_fix} kept fixes");
    }
}
