//! Criterion benches of each stage alone, on the shipped real trips.
//!
//! `cargo bench --bench stages`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tripscore::input::{Precision, decode_polyline};
use tripscore::{Trajectory, parse_line};

fn fixture(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn points_in(lines: &[&str]) -> u64 {
    lines
        .iter()
        .map(|l| parse_line(l).map_or(0, |r| r.lat_deg.len() as u64))
        .sum()
}

fn parse_and_validate(c: &mut Criterion) {
    let compact = fixture("data/driveplotr-nds/nds.jsonl");
    let waypoints = fixture("data/ndsbr/ndsbr.jsonl");
    // The compact trips with an extra key the reader does not know, as
    // exports often carry (issue #19: the fast scanner must skip it).
    let unknown_key: String = compact
        .lines()
        .map(|l| {
            format!(
                "{{\"trip_id\":\"t-1\",\"vendor\":{{\"v\":[1,2]}},{}\n",
                &l[1..]
            )
        })
        .collect();
    let mut group = c.benchmark_group("parse_and_validate");
    for (name, text) in [
        ("compact", &compact),
        ("compact_unknown_keys", &unknown_key),
        ("waypoints", &waypoints),
    ] {
        let lines: Vec<&str> = text.lines().collect();
        group.throughput(Throughput::Elements(points_in(&lines)));
        group.bench_with_input(BenchmarkId::from_parameter(name), &lines, |b, lines| {
            b.iter(|| {
                for line in lines {
                    let raw = parse_line(black_box(line)).expect("valid fixture");
                    black_box(Trajectory::try_from(raw).expect("valid fixture"));
                }
            });
        });
    }
    group.finish();
}

fn decode(c: &mut Criterion) {
    let seed = fixture("data/seed/seed_trip.jsonl");
    let value: serde_json::Value = serde_json::from_str(&seed).expect("seed is JSON");
    let encoded = value["encoded"].as_str().expect("encoded").to_owned();
    let mut group = c.benchmark_group("decode_polyline");
    group.throughput(Throughput::Elements(677));
    group.bench_function("seed_677_points", |b| {
        b.iter(|| decode_polyline(black_box(&encoded), Precision::P5).expect("valid"));
    });
    group.finish();
}

criterion_group!(benches, parse_and_validate, decode);
criterion_main!(benches);
