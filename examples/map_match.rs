//! The map-matching measures of docs/ACCURACY.md ("Road context"): the
//! ndsbr trips with their recorded road classes and posted limits taken
//! away, matched against the shipped Curitiba extract, and compared with
//! what was recorded; beside the naive matcher (the nearest way within
//! 100 m of each fix). Also the matcher's throughput on one core.
//!
//! `cargo run --release --example map_match`. About 1 s.

use std::time::Instant;

use tripscore::map::{MapMatchConfig, MatchedFix, RoadMap, enrich};
use tripscore::score::{FeatureConfig, Zone};
use tripscore::{Trajectory, parse_line};

/// A fix is moving above this GPS speed, km/h.
const MOVING_KMH: f64 = 5.0;

fn path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The recorded trips, and the same trips without road class and limit.
fn trips() -> Vec<(Trajectory, Trajectory)> {
    std::fs::read_to_string(path("data/ndsbr/ndsbr.jsonl"))
        .expect("shipped data")
        .lines()
        .map(|l| {
            let raw = parse_line(l).expect("parses");
            let mut stripped = raw.clone();
            stripped.speed_limit_kmh = None;
            stripped.road_type = None;
            (
                Trajectory::try_from(raw).expect("valid"),
                Trajectory::try_from(stripped).expect("valid"),
            )
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    moving: u64,
    moving_matched: u64,
    with_limit: u64,
    limit_equal: u64,
    zone_known: u64,
    zone_equal: u64,
    /// Recorded zone (rows) × matched zone (columns, the last: none).
    confusion: [[u64; 4]; 3],
    fixes: u64,
    switches: u64,
    /// A-B-A with B a single fix, and with B at most 5 fixes.
    flips1: u64,
    flips: u64,
}

fn zone_index(z: Option<Zone>) -> usize {
    match z {
        Some(Zone::Motorway) => 0,
        Some(Zone::City) => 1,
        Some(Zone::NonCity) => 2,
        None => 3,
    }
}

impl Tally {
    /// Adds a trip: `recorded` as driven, `matched` with the map's context.
    fn add(
        &mut self,
        recorded: &Trajectory,
        matched: &Trajectory,
        on_map: &[bool],
        zones: &FeatureConfig,
    ) {
        for (i, &matched_fix) in on_map.iter().enumerate().take(recorded.len()) {
            let moving = recorded.speed_kmh(i).is_some_and(|v| v > MOVING_KMH);
            if !moving {
                continue;
            }
            self.moving += 1;
            self.moving_matched += u64::from(matched_fix);
            if let Some(limit) = recorded.speed_limit_kmh(i) {
                self.with_limit += 1;
                self.limit_equal += u64::from(matched.speed_limit_kmh(i) == Some(limit));
            }
            let want = zones.zone(recorded.road_type(i), recorded.speed_limit_kmh(i));
            let got = zones.zone(matched.road_type(i), matched.speed_limit_kmh(i));
            if let Some(w) = want {
                self.zone_known += 1;
                self.zone_equal += u64::from(got == Some(w));
                self.confusion[zone_index(Some(w))][zone_index(got)] += 1;
            }
        }
    }

    fn ways(&mut self, map: &RoadMap, matched: &[Option<MatchedFix>]) {
        let mut runs: Vec<(u32, usize)> = Vec::new();
        for m in matched.iter().flatten() {
            let w = map.segment_way_index(m.segment);
            match runs.last_mut() {
                Some((last, n)) if *last == w => *n += 1,
                _ => runs.push((w, 1)),
            }
        }
        self.fixes += matched.len() as u64;
        self.switches += runs.len().saturating_sub(1) as u64;
        let flips = |most: usize| {
            runs.windows(3)
                .filter(|r| r[0].0 == r[2].0 && r[1].1 <= most)
                .count() as u64
        };
        self.flips1 += flips(1);
        self.flips += flips(5);
    }

    #[allow(clippy::cast_precision_loss)]
    fn row(&self, name: &str) {
        let pct = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;
        // City against non-city, motorways counted as non-city.
        let c = &self.confusion;
        let city_agree = c[1][1] + c[0][0] + c[0][2] + c[2][0] + c[2][2];
        println!(
            "| {name} | {:.1} % | {:.1} % | {:.1} % | {:.1} % | {:.0} | {} / {} |",
            pct(self.moving_matched, self.moving),
            pct(self.limit_equal, self.with_limit),
            pct(self.zone_equal, self.zone_known),
            pct(city_agree, self.zone_known),
            1000.0 * self.switches as f64 / self.fixes.max(1) as f64,
            self.flips1,
            self.flips
        );
    }
}

/// The naive matcher's trip: each fix's nearest way within 100 m.
fn naive(map: &RoadMap, trip: &Trajectory) -> (Trajectory, Vec<Option<MatchedFix>>) {
    let matched: Vec<Option<MatchedFix>> = (0..trip.len())
        .map(|i| map.nearest(trip.lat_deg()[i], trip.lon_deg()[i], 100.0))
        .collect();
    let context: Vec<(Option<&str>, Option<f64>)> = matched
        .iter()
        .map(|m| match m {
            Some(m) => (
                Some(map.segment_highway(m.segment)),
                map.segment_way(m.segment).limit_kmh,
            ),
            None => (None, None),
        })
        .collect();
    let mut out = trip.clone();
    out.fill_road_context(&context);
    (out, matched)
}

fn main() {
    let pbf = path("data/curitiba-osm/curitiba.osm.pbf");
    let started = Instant::now();
    let map = RoadMap::from_osm_pbf(&pbf, Some("BR")).expect("shipped map");
    let built = started.elapsed();
    let tags_only = RoadMap::from_osm_pbf(&pbf, None).expect("shipped map");
    let trips = trips();
    let zones = FeatureConfig::default();
    let cfg = MapMatchConfig::default();
    let (ways, nodes, segments) = map.size();
    println!(
        "Curitiba extract: {ways} ways, {nodes} nodes, {segments} segments, indexed in {:.2} s",
        built.as_secs_f64()
    );
    println!(
        "ndsbr, {} trips, recorded road class and limit removed, matched:\n",
        trips.len()
    );
    println!(
        "| matcher | moving fixes matched | recorded limit equal | zone equal | city / non-city equal | way switches per 1,000 fixes | A-B-A flips (B one fix / ≤ 5 fixes) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut rows: Vec<(&str, Tally, Tally)> = Vec::new();
    for (name, m) in [
        ("HMM, tags + BR defaults", &map),
        ("HMM, tags only", &tags_only),
    ] {
        let mut t = Tally::default();
        for (recorded, stripped) in &trips {
            let mut matched = stripped.clone();
            let fixes = m.match_trip(stripped.lat_deg(), stripped.lon_deg(), &cfg);
            enrich(&mut matched, m, &cfg);
            let on_map: Vec<bool> = fixes.iter().map(Option::is_some).collect();
            t.add(recorded, &matched, &on_map, &zones);
            t.ways(m, &fixes);
        }
        t.row(name);
        rows.push((name, t, Tally::default()));
    }
    let mut t = Tally::default();
    for (recorded, stripped) in &trips {
        let (matched, fixes) = naive(&map, stripped);
        let on_map: Vec<bool> = fixes.iter().map(Option::is_some).collect();
        t.add(recorded, &matched, &on_map, &zones);
        t.ways(&map, &fixes);
    }
    t.row("nearest way ≤ 100 m, tags + BR defaults");
    let hmm = &rows[0].1;
    println!("\nZones, HMM with BR defaults (rows: recorded; columns: matched), moving fixes:\n");
    println!("| recorded ↓ matched → | motorway | city | non_city | none |");
    println!("|---|---|---|---|---|");
    for (r, name) in ["motorway", "city", "non_city"].iter().enumerate() {
        let c = hmm.confusion[r];
        println!("| {name} | {} | {} | {} | {} |", c[0], c[1], c[2], c[3]);
    }
    // The index file: write, size, load.
    let file =
        std::env::temp_dir().join(format!("tripscore-curitiba-{}.roads", std::process::id()));
    map.save(&file).expect("temporary file");
    let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
    let started = Instant::now();
    let loaded = RoadMap::load(&file).expect("just written");
    let load_s = started.elapsed().as_secs_f64();
    std::fs::remove_file(&file).ok();
    assert_eq!(loaded.size(), map.size());
    println!(
        "\nIndex: built from the .osm.pbf in {:.2} s; file {} KB, loaded in {load_s:.3} s",
        built.as_secs_f64(),
        bytes / 1000
    );
    // Throughput, one core, every trip 20 times: scoring the same trips and
    // the naive matcher, in the same run as the matching below.
    let config = tripscore::Config::default();
    let started = Instant::now();
    let mut scored = 0_usize;
    for _ in 0..20 {
        for (recorded, _) in &trips {
            let record =
                tripscore::trip_record(recorded, &config, tripscore::RecordOptions::default());
            scored += usize::from(record.is_some());
        }
    }
    let score_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut near = 0_usize;
    for _ in 0..20 {
        for (_, stripped) in &trips {
            near += naive(&map, stripped).1.iter().flatten().count();
        }
    }
    let naive_s = started.elapsed().as_secs_f64();
    // Throughput: matching alone, one core, every trip 20 times.
    let fixes: usize = trips.iter().map(|(t, _)| t.len()).sum::<usize>() * 20;
    let started = Instant::now();
    let mut matched = 0_usize;
    for _ in 0..20 {
        for (_, stripped) in &trips {
            matched += map
                .match_trip(stripped.lat_deg(), stripped.lon_deg(), &cfg)
                .iter()
                .flatten()
                .count();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = fixes as f64 / secs;
    #[allow(clippy::cast_precision_loss)]
    let per_s = |secs: f64| fixes as f64 / secs;
    println!(
        "\nOne core, {fixes} fixes ({} trips × 20), in one run:\n",
        trips.len()
    );
    println!("| step | fixes/s |");
    println!("|---|---|");
    println!("| HMM matching ({matched} matched) | {rate:.0} |");
    println!(
        "| nearest way ≤ 100 m ({near} matched) | {:.0} |",
        per_s(naive_s)
    );
    println!(
        "| scoring, parsing excluded ({scored} trips) | {:.0} |",
        per_s(score_s)
    );
    debug_assert!(secs > 0.0);
}
