//! Criterion benches of the pipeline's stages on seeded simulated trips and
//! one real trip, and end to end, sequential against rayon.
//!
//! `cargo bench --bench pipeline`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use tripscore::detect::{annotate, clean, kinematics};
use tripscore::score::{AggregateConfig, ScoreScope, score_features, trip_features};
use tripscore::{
    Aggregator, Config, Features, PastWindow, RecordOptions, SimConfig, Trajectory, analyze,
    parse_line, simulate_trip, trip_record,
};

/// `n` simulated 20-minute trips (1 Hz, noise and artefacts) plus, when
/// `with_real`, the real trip ndsbr-B18.
fn trips(n: u64, with_real: bool) -> Vec<Trajectory> {
    let mut out: Vec<Trajectory> = (0..n)
        .map(|i| {
            let line = serde_json::to_string(&simulate_trip(&SimConfig::default(), i))
                .expect("serialisable");
            Trajectory::try_from(parse_line(&line).expect("parses")).expect("valid")
        })
        .collect();
    if with_real {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/ndsbr/ndsbr.jsonl"
        ))
        .expect("data");
        let line = text
            .lines()
            .find(|l| l.contains("\"ndsbr-B18\""))
            .expect("B18");
        out.push(Trajectory::try_from(parse_line(line).expect("parses")).expect("valid"));
    }
    out
}

fn fixes(trips: &[Trajectory]) -> u64 {
    trips.iter().map(|t| t.len() as u64).sum()
}

fn stages(c: &mut Criterion) {
    let config = Config::default();
    let set = trips(20, true);
    let analyses: Vec<_> = set.iter().map(|t| analyze(t, &config.detect)).collect();
    let cleaned: Vec<_> = set.iter().map(|t| clean(t, &config.detect.clean)).collect();
    let kins: Vec<_> = set
        .iter()
        .zip(&cleaned)
        .map(|(t, c)| kinematics(t, c, &config.detect.kinematics))
        .collect();
    let features: Vec<Features> = set
        .iter()
        .zip(&analyses)
        .map(|(t, a)| trip_features(t, a, &config.features))
        .collect();
    let mut group = c.benchmark_group("stage");
    group.throughput(Throughput::Elements(fixes(&set)));
    group.bench_function("clean", |b| {
        b.iter(|| {
            for t in &set {
                black_box(clean(black_box(t), &config.detect.clean));
            }
        });
    });
    group.bench_function("kinematics", |b| {
        b.iter(|| {
            for (t, c) in set.iter().zip(&cleaned) {
                black_box(kinematics(black_box(t), c, &config.detect.kinematics));
            }
        });
    });
    group.bench_function("annotate", |b| {
        b.iter(|| {
            for (c, k) in cleaned.iter().zip(&kins) {
                black_box(annotate(black_box(c), k, &config.detect.annotate));
            }
        });
    });
    group.bench_function("features", |b| {
        b.iter(|| {
            for (t, a) in set.iter().zip(&analyses) {
                black_box(trip_features(black_box(t), a, &config.features));
            }
        });
    });
    group.bench_function("score", |b| {
        b.iter(|| {
            for f in &features {
                black_box(score_features(
                    black_box(&f.all),
                    ScoreScope::Trip,
                    0.5,
                    &config.score,
                ));
            }
        });
    });
    group.bench_function("aggregate", |b| {
        b.iter(|| {
            let windows = AggregateConfig {
                past: PastWindow::AllTime,
                ..config.aggregate
            };
            let mut agg = Aggregator::new(i64::MAX, &windows);
            for (i, f) in features.iter().enumerate() {
                agg.add(&format!("u{}", i % 4), 0, black_box(f));
            }
            agg.finish(&config.score).len()
        });
    });
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let config = Config::default();
    let mut group = c.benchmark_group("end_to_end");
    group.sample_size(10);
    for n in [10_u64, 40] {
        let set = trips(n, false);
        group.throughput(Throughput::Elements(fixes(&set)));
        let record = |t: &Trajectory| {
            serde_json::to_string(&trip_record(t, &config, RecordOptions::default()))
                .map_or(0, |s| s.len())
        };
        group.bench_with_input(BenchmarkId::new("sequential", n), &set, |b, set| {
            b.iter(|| set.iter().map(record).sum::<usize>());
        });
        group.bench_with_input(BenchmarkId::new("rayon", n), &set, |b, set| {
            b.iter(|| set.par_iter().map(record).sum::<usize>());
        });
    }
    group.finish();
}

criterion_group!(benches, stages, end_to_end);
criterion_main!(benches);
