//! Map matching on a synthetic city where the truth is known: trips driven
//! along the road graph of a grid, sampled at 1 Hz with 5 m GPS noise; the
//! matched segment must hold the true position for at least 95 % of fixes.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use tripscore::geodesy::MEAN_EARTH_RADIUS_M;
use tripscore::map::{MapMatchConfig, Oneway, RoadMap, WaySpec};

const LAT0: f64 = -25.43;
const LON0: f64 = -49.27;
/// Grid: N × N junctions, BLOCK_M apart; each block edge is its own way.
const N: usize = 8;
const BLOCK_M: f64 = 200.0;

fn deg(north_m: f64, east_m: f64) -> (f64, f64) {
    let lat = LAT0 + (north_m / MEAN_EARTH_RADIUS_M).to_degrees();
    let lon = LON0 + (east_m / (MEAN_EARTH_RADIUS_M * LAT0.to_radians().cos())).to_degrees();
    (lat, lon)
}

fn node(r: usize, c: usize) -> u32 {
    u32::try_from(r * N + c).unwrap()
}

fn grid() -> RoadMap {
    let mut nodes = Vec::new();
    for r in 0..N {
        for c in 0..N {
            nodes.push(deg(r as f64 * BLOCK_M, c as f64 * BLOCK_M));
        }
    }
    let mut ways = Vec::new();
    for r in 0..N {
        for c in 0..N {
            for (dr, dc) in [(0, 1), (1, 0)] {
                if r + dr < N && c + dc < N {
                    let main = (r + c) % 3 == 0;
                    ways.push(WaySpec {
                        osm_id: i64::try_from(ways.len()).unwrap(),
                        highway: if main { "primary" } else { "residential" }.into(),
                        limit_kmh: Some(if main { 60.0 } else { 30.0 }),
                        oneway: Oneway::No,
                        nodes: vec![node(r, c), node(r + dr, c + dc)],
                    });
                }
            }
        }
    }
    RoadMap::from_ways(&nodes, &ways)
}

/// A drive: true positions (metres north, east) every second at `speed_mps`,
/// turning at random at each junction (never straight back).
fn drive(rng: &mut ChaCha8Rng, seconds: usize, speed_mps: f64) -> Vec<(f64, f64)> {
    let (mut r, mut c) = (rng.random_range(1..N - 1), rng.random_range(1..N - 1));
    let mut dir: (isize, isize) = (0, 1);
    let mut along = 0.0;
    let mut out = Vec::with_capacity(seconds);
    for _ in 0..seconds {
        out.push((
            r as f64 * BLOCK_M + dir.0 as f64 * along,
            c as f64 * BLOCK_M + dir.1 as f64 * along,
        ));
        along += speed_mps;
        while along >= BLOCK_M {
            along -= BLOCK_M;
            r = (r as isize + dir.0) as usize;
            c = (c as isize + dir.1) as usize;
            let options: Vec<(isize, isize)> = [(0, 1), (1, 0), (0, -1), (-1, 0)]
                .into_iter()
                .filter(|&(dr, dc)| (dr, dc) != (-dir.0, -dir.1))
                .filter(|&(dr, dc)| {
                    let (nr, nc) = (r as isize + dr, c as isize + dc);
                    (0..N as isize).contains(&nr) && (0..N as isize).contains(&nc)
                })
                .collect();
            dir = options[rng.random_range(0..options.len())];
        }
    }
    out
}

#[test]
fn simulated_trips_match_the_true_segment() {
    let map = grid();
    let noise = Normal::new(0.0, 5.0).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let (mut right, mut total) = (0_usize, 0_usize);
    for trip in 0..20 {
        let speed = 8.0 + f64::from(trip % 5) * 3.0;
        let truth = drive(&mut rng, 300, speed);
        let (lat, lon): (Vec<f64>, Vec<f64>) = truth
            .iter()
            .map(|&(n, e)| deg(n + noise.sample(&mut rng), e + noise.sample(&mut rng)))
            .unzip();
        let matched = map.match_trip(&lat, &lon, &MapMatchConfig::default());
        for (m, &(n, e)) in matched.iter().zip(&truth) {
            total += 1;
            let Some(m) = m else { continue };
            // The true position lies on the matched segment (within 0.5 m).
            let (tlat, tlon) = deg(n, e);
            let on = map.matches_point(m.segment, tlat, tlon, 0.5);
            right += usize::from(on);
        }
    }
    let accuracy = right as f64 / total as f64;
    assert!(
        accuracy >= 0.95,
        "{right} of {total} fixes on the true segment: {accuracy:.3}"
    );
    eprintln!("simulated matching: {right} of {total} ({accuracy:.3})");
}

/// The shipped real trips, their recorded road class and limit removed,
/// matched against the shipped Curitiba extract (the first table of
/// docs/ACCURACY.md's "Road context", `examples/map_match.rs`): the floor
/// of each measure, so that a change that loses ground fails here.
#[test]
fn ndsbr_trips_without_road_context_get_it_back_from_the_map() {
    use tripscore::score::{FeatureConfig, Zone};
    use tripscore::{Trajectory, parse_line};
    let root = env!("CARGO_MANIFEST_DIR");
    let pbf = std::path::Path::new(root).join("data/curitiba-osm/curitiba.osm.pbf");
    let map = RoadMap::from_osm_pbf(&pbf, Some("BR")).unwrap();
    let zones = FeatureConfig::default();
    let city =
        |road: Option<&str>, limit: Option<f64>| zones.zone(road, limit).map(|z| z == Zone::City);
    let (mut moving, mut matched, mut limited, mut same_limit, mut zoned, mut same_zone) =
        (0, 0, 0, 0, 0, 0);
    let (mut fixes, mut switches, mut short_flips) = (0_u64, 0_u64, 0_u64);
    let text = std::fs::read_to_string(format!("{root}/data/ndsbr/ndsbr.jsonl")).unwrap();
    for line in text.lines() {
        let raw = parse_line(line).unwrap();
        let mut stripped = raw.clone();
        (stripped.speed_limit_kmh, stripped.road_type) = (None, None);
        let recorded = Trajectory::try_from(raw).unwrap();
        let mut trip = Trajectory::try_from(stripped).unwrap();
        let stats = tripscore::map::enrich(&mut trip, &map, &MapMatchConfig::default());
        fixes += stats.matched_fixes + stats.unmatched_fixes;
        switches += stats.way_switches;
        short_flips += stats.flips;
        for i in 0..trip.len() {
            if !recorded.speed_kmh(i).is_some_and(|v| v > 5.0) {
                continue;
            }
            moving += 1;
            matched += u32::from(trip.road_type(i).is_some());
            if let Some(limit) = recorded.speed_limit_kmh(i) {
                limited += 1;
                same_limit += u32::from(trip.speed_limit_kmh(i) == Some(limit));
            }
            if let Some(want) = city(recorded.road_type(i), recorded.speed_limit_kmh(i)) {
                zoned += 1;
                same_zone +=
                    u32::from(city(trip.road_type(i), trip.speed_limit_kmh(i)) == Some(want));
            }
        }
    }
    let share = |a: u32, b: u32| f64::from(a) / f64::from(b);
    let per_1000 = 1000.0 * switches as f64 / fixes as f64;
    let summary = format!(
        "matched {:.3}, limit {:.3}, city/non-city {:.3}, switches {per_1000:.1}/1000, flips {short_flips}",
        share(matched, moving),
        share(same_limit, limited),
        share(same_zone, zoned)
    );
    assert!(share(matched, moving) >= 0.99, "{summary}");
    assert!(share(same_limit, limited) >= 0.60, "{summary}");
    assert!(share(same_zone, zoned) >= 0.85, "{summary}");
    assert!(per_1000 <= 35.0, "{summary}");
    assert_eq!(short_flips, 0, "{summary}");
}
