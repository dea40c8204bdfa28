//! User aggregation: exact merges, order-free, and the score → aggregate pipe.

use proptest::prelude::*;
use tripscore::score::AggregateConfig;
use tripscore::{Aggregator, Features, PastWindow, ScoreConfig, ZoneFeatures};

/// The recent (l7d) window, ms.
const SEVEN_DAYS_MS: i64 = 7 * 24 * 3600 * 1000;

use crate::util::tripscore;

const AS_OF: i64 = 1_700_000_000_000;

fn trip() -> impl Strategy<Value = (String, i64, Features)> {
    let zone = (
        0_u64..40_000_000,
        0_u64..3,
        0_u64..3,
        0_u64..2_000_000,
        0_u64..600_000,
    )
        .prop_map(|(d, hb, ha, lk, sp)| ZoneFeatures {
            distance_mm: d,
            scored_mm: d,
            duration_ms: d / 15,
            hard_brake: hb,
            hard_accel: ha,
            limit_known_ms: lk,
            speeding_ms: sp.min(lk),
            phone_known_ms: d / 15,
            phone_handling_ms: sp.min(d / 15),
            ..ZoneFeatures::default()
        });
    (
        prop::sample::select(vec!["a", "b", "c"]),
        -3 * SEVEN_DAYS_MS..SEVEN_DAYS_MS / 7,
        zone.clone(),
        zone,
    )
        .prop_map(|(u, dt, all, city)| {
            (
                u.to_owned(),
                AS_OF + dt,
                Features {
                    all,
                    city,
                    ..Features::default()
                },
            )
        })
}

fn aggregate(trips: &[(String, i64, Features)], past: PastWindow) -> Aggregator {
    let cfg = AggregateConfig {
        past,
        ..AggregateConfig::default()
    };
    assert_eq!(cfg.recent_ms, SEVEN_DAYS_MS);
    let mut agg = Aggregator::new(AS_OF, &cfg);
    for (u, t, f) in trips {
        agg.add(u, *t, f);
    }
    agg
}

proptest! {
    #[test]
    fn merge_of_parts_equals_the_whole_and_order_does_not_matter(
        trips in prop::collection::vec(trip(), 0..40),
        split in 0_usize..40,
        past in prop::sample::select(vec![PastWindow::BeforeLast7Days, PastWindow::AllTime]),
    ) {
        let cfg = ScoreConfig::default();
        let whole = aggregate(&trips, past);
        let split = split.min(trips.len());
        let mut merged = aggregate(&trips[..split], past);
        merged.merge(&aggregate(&trips[split..], past));
        prop_assert_eq!(&merged, &whole);
        prop_assert_eq!(merged.finish(&cfg), whole.finish(&cfg));
        let mut reversed: Vec<_> = trips.clone();
        reversed.reverse();
        prop_assert_eq!(aggregate(&reversed, past).finish(&cfg), whole.finish(&cfg));
    }

    #[test]
    fn windows_split_at_seven_days(trips in prop::collection::vec(trip(), 1..20)) {
        let agg = aggregate(&trips, PastWindow::BeforeLast7Days);
        let all_time = aggregate(&trips, PastWindow::AllTime);
        for (user, w) in agg.users() {
            let expect_l7d: u64 = trips.iter().filter(|(u, t, _)| u == user && *t >= AS_OF - SEVEN_DAYS_MS && *t < AS_OF).map(|(_, _, f)| f.all.distance_mm).sum();
            let expect_past: u64 = trips.iter().filter(|(u, t, _)| u == user && *t < AS_OF - SEVEN_DAYS_MS).map(|(_, _, f)| f.all.distance_mm).sum();
            prop_assert_eq!(w.l7d.all.distance_mm, expect_l7d);
            prop_assert_eq!(w.past.all.distance_mm, expect_past);
            prop_assert_eq!(all_time.users()[user].past.all.distance_mm, expect_l7d + expect_past);
        }
    }
}

/// `score` output lines of `trips`, the i-th with event id `ids[i]`.
fn scored_lines(trips: &[(String, i64, Features)], ids: &[u8]) -> String {
    trips
        .iter()
        .zip(ids)
        .map(|((u, t, f), e)| {
            let start = tripscore::api::ApiTime::from_epoch_ms(*t, 0, tripscore::api::SubsecDigits::Millis).unwrap();
            format!(
                "{}\n",
                serde_json::json!({"user_id": u, "event_id": format!("e{e}"), "start": start.to_string(), "features": f})
            )
        })
        .collect()
}

fn rollup_bytes(
    lines: &str,
    memory_bytes: usize,
    dir: &std::path::Path,
) -> (Vec<u8>, tripscore::batch::RollupSummary) {
    let mut options = tripscore::batch::RollupOptions::new(AS_OF, AggregateConfig::default());
    options.memory_bytes = memory_bytes;
    options.temp_dir = dir.to_owned();
    let mut out = Vec::new();
    let summary = tripscore::batch::rollup(
        tripscore::input::JsonlReader::new(lines.as_bytes(), "-"),
        &options,
        &ScoreConfig::default(),
        &mut out,
        |p| panic!("{p}"),
    )
    .unwrap();
    (out, summary)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// The rollup counts each (user, event) once, the first copy winning,
    /// and spilling to shard files (a budget of nothing) gives the bytes
    /// of the in-memory rollup, which are the Aggregator's.
    #[test]
    fn rollup_dedupes_and_spilling_changes_nothing(
        trips in prop::collection::vec(trip(), 0..30),
        ids in prop::collection::vec(0_u8..12, 30),
    ) {
        // Same (user, event) must mean the same trip: copy the first's content.
        let mut trips = trips;
        let mut first: std::collections::HashMap<(String, u8), (i64, Features)> = std::collections::HashMap::new();
        for (trip, e) in trips.iter_mut().zip(&ids) {
            let (t, f) = *first.entry((trip.0.clone(), *e)).or_insert((trip.1, trip.2));
            (trip.1, trip.2) = (t, f);
        }
        let lines = scored_lines(&trips, &ids);
        let dir = std::env::temp_dir().join(format!("tripscore-rollup-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (memory, summary) = rollup_bytes(&lines, 128 << 20, &dir);
        let (spilled, spilled_summary) = rollup_bytes(&lines, 0, &dir);
        prop_assert_eq!(&memory, &spilled);
        prop_assert_eq!(summary.duplicates, trips.len() as u64 - first.len() as u64);
        prop_assert_eq!(spilled_summary.shards > 0, !trips.is_empty());
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<_> = trips.iter().zip(&ids).filter(|(t, e)| seen.insert((t.0.clone(), **e))).map(|(t, _)| t.clone()).collect();
        let expect: String = aggregate(&unique, PastWindow::BeforeLast7Days)
            .finish(&ScoreConfig::default())
            .into_iter()
            .map(|(u, cb)| format!("{}\n", serde_json::json!({"user_id": u, "car_behavior": cb})))
            .collect();
        prop_assert_eq!(String::from_utf8(memory).unwrap(), expect);
        prop_assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "temporary files left");
    }
}

fn partial_of(lines: &str, memory_bytes: usize, dir: &std::path::Path) -> Vec<u8> {
    let mut options = tripscore::batch::RollupOptions::new(AS_OF, AggregateConfig::default());
    options.partial = true;
    options.memory_bytes = memory_bytes;
    options.temp_dir = dir.to_owned();
    let mut out = Vec::new();
    tripscore::batch::rollup(
        tripscore::input::JsonlReader::new(lines.as_bytes(), "shard"),
        &options,
        &ScoreConfig::default(),
        &mut out,
        |p| panic!("{p}"),
    )
    .unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Trips dealt to shards at random, each shard aggregated to a partial
    /// (in memory or spilled), the partials merged in any order: the bytes
    /// of aggregating every trip at once; a partial merged twice is found.
    #[test]
    fn merged_partials_of_shards_equal_the_whole(
        trips in prop::collection::vec(trip(), 1..30),
        shard_of in prop::collection::vec(0_usize..4, 30),
        order in Just([0_usize, 1, 2, 3]).prop_shuffle(),
        spill in proptest::bool::ANY,
    ) {
        let ids: Vec<u8> = (0..trips.len()).map(|i| u8::try_from(i).unwrap()).collect();
        let dir = std::env::temp_dir().join(format!("tripscore-merge-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (whole, _) = rollup_bytes(&scored_lines(&trips, &ids), 128 << 20, &dir);
        let partials: Vec<Vec<u8>> = (0..4)
            .map(|k| {
                let mine: Vec<usize> = (0..trips.len()).filter(|&i| shard_of[i] == k).collect();
                let t: Vec<_> = mine.iter().map(|&i| trips[i].clone()).collect();
                let e: Vec<u8> = mine.iter().map(|&i| ids[i]).collect();
                partial_of(&scored_lines(&t, &e), if spill { 0 } else { 128 << 20 }, &dir)
            })
            .collect();
        let readers: Vec<_> = order
            .iter()
            .map(|&k| tripscore::input::JsonlReader::new(partials[k].as_slice(), "p"))
            .collect();
        let mut merged = Vec::new();
        let summary = tripscore::batch::merge_partials(readers, &ScoreConfig::default(), false, &mut merged, |p| panic!("{p}")).unwrap();
        prop_assert_eq!(summary.counted_twice, 0);
        prop_assert_eq!(String::from_utf8(merged).unwrap(), String::from_utf8(whole).unwrap());
        let twice = vec![
            tripscore::input::JsonlReader::new(partials[0].as_slice(), "p"),
            tripscore::input::JsonlReader::new(partials[0].as_slice(), "p"),
        ];
        let summary = tripscore::batch::merge_partials(twice, &ScoreConfig::default(), false, &mut Vec::new(), |_| {}).unwrap();
        let in_first = (0..trips.len()).filter(|&i| shard_of[i] == 0 && trips[i].1 < AS_OF).count() as u64;
        prop_assert_eq!(summary.counted_twice, in_first);
    }
}

#[test]
fn score_then_aggregate_through_a_pipe() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    // 60 simulated trips of 20 min for 10 users, an hour apart from 2023-11-14.
    let sim = tripscore(&["simulate", "--trips", "60", "--seed", "3"]);
    assert_eq!(sim.status.code(), Some(0));
    let mut score = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["score", "-", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    score.stdin.take().unwrap().write_all(&sim.stdout).unwrap();
    let scored = score.wait_with_output().unwrap();
    assert_eq!(scored.status.code(), Some(0));
    let mut agg = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args([
            "aggregate",
            "-",
            "--as-of",
            "2023-11-20T00:00:00Z",
            "--quiet",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    agg.stdin.take().unwrap().write_all(&scored.stdout).unwrap();
    let out = agg.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let users: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(users.len(), 10);
    for u in &users {
        let cb = &u["car_behavior"];
        assert_eq!(cb["type"], "UserCarBehavior");
        let l7d = &cb["scores"]["l7d"];
        assert!(
            cb["features"]["l7d"]["distance"].as_f64().unwrap() > 50_000.0,
            "{u}"
        );
        assert!(
            (0.0..=1.0).contains(&l7d["all"]["hard_brake"].as_f64().unwrap()),
            "{u}"
        );
        assert!(
            (0.0..=1.0).contains(&l7d["all"]["legal"].as_f64().unwrap()),
            "{u}"
        );
        assert_eq!(l7d["all"]["focus"], -1, "no phone data");
        // docs/API.md "Relations" on the written (rounded) output: total = mean of the available zones.
        let zones: Vec<f64> = ["motorway", "city", "non_city"]
            .iter()
            .map(|z| l7d[*z]["legal"].as_f64().unwrap())
            .filter(|v| *v >= 0.0)
            .collect();
        let mean = zones.iter().sum::<f64>() / zones.len() as f64;
        assert!(
            (l7d["total"]["legal"].as_f64().unwrap() - mean).abs() <= 0.006,
            "{u}"
        );
        let parts = [
            &l7d["all"]["smooth"],
            &l7d["all"]["legal"],
            &l7d["all"]["anticipative"],
        ]
        .map(|v| v.as_f64().unwrap());
        assert!(
            (l7d["all"]["overall"].as_f64().unwrap() - parts.iter().sum::<f64>() / 3.0).abs()
                <= 0.006,
            "{u}"
        );
        assert_eq!(
            cb["scores"]["past"]["all"]["overall"], -1,
            "no trips before the last 7 days"
        );
        assert_eq!(cb["features"]["past"]["distance"], 0);
    }
}

#[test]
fn aggressive_drivers_score_below_calm_ones() {
    use tripscore::sim::score_simulated_driver;
    use tripscore::{Config, SimConfig};
    // Ten 20-minute trips per driver: calm (no harsh manoeuvres, 5 % speeding)
    // against aggressive (40 % harsh manoeuvres, 40 % speeding stretches).
    let driver = |harsh_share: f64, speeding_share: f64, seed: u64| {
        let sim = SimConfig {
            seed,
            harsh_share,
            speeding_share,
            ..SimConfig::default()
        };
        score_simulated_driver(&sim, 10, &Config::default())
    };
    for seed in [1, 2, 3] {
        let calm = driver(0.0, 0.05, seed);
        let aggressive = driver(0.4, 0.4, seed + 100);
        assert!(
            aggressive.overall < calm.overall,
            "{aggressive:?} vs {calm:?}"
        );
        // The graded hard scores count the calm driver's firm events too,
        // so the gap is narrower than a count of hard events would make it.
        assert!(
            aggressive.hard_events < calm.hard_events - 0.1,
            "{aggressive:?} vs {calm:?}"
        );
        assert!(
            aggressive.hard_accel < calm.hard_accel
                && aggressive.hard_brake < calm.hard_brake
                && aggressive.hard_turn < calm.hard_turn,
            "{aggressive:?} vs {calm:?}"
        );
        assert!(aggressive.legal < calm.legal && aggressive.legal_v2 < calm.legal_v2);
        assert!(aggressive.smooth < calm.smooth && aggressive.anticipative < calm.anticipative);
    }
}

/// `aggregate --partial` over 4 shards of score output, then `merge` in
/// another order: the bytes of `aggregate` over all of it (issue #21).
#[test]
fn cli_partials_of_four_shards_merge_to_the_whole() {
    let dir = std::env::temp_dir().join(format!("tripscore-cli-merge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let sim = path("sim.jsonl");
    assert!(
        tripscore(&["simulate", "--trips", "24", "--seed", "9", "-o", &sim])
            .status
            .success()
    );
    let scored = tripscore(&["score", "--quiet", &sim]);
    let lines: Vec<&str> = std::str::from_utf8(&scored.stdout)
        .unwrap()
        .lines()
        .collect();
    let as_of = "2030-01-01T00:00:00Z";
    let mut partials = Vec::new();
    for k in 0..4 {
        let shard = path(&format!("shard{k}.jsonl"));
        let mine: Vec<&str> = lines.iter().skip(k).step_by(4).copied().collect();
        std::fs::write(&shard, mine.join("\n") + "\n").unwrap();
        let partial = path(&format!("shard{k}.partial"));
        let run = tripscore(&[
            "aggregate",
            "--partial",
            "--quiet",
            "--as-of",
            as_of,
            &shard,
            "-o",
            &partial,
        ]);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        partials.push(partial);
    }
    let merged = tripscore(&[
        "merge",
        &partials[2],
        &partials[0],
        &partials[3],
        &partials[1],
    ]);
    assert_eq!(
        merged.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let all = path("all.jsonl");
    std::fs::write(&all, &scored.stdout).unwrap();
    let whole = tripscore(&["aggregate", "--quiet", "--as-of", as_of, &all]);
    assert!(!whole.stdout.is_empty());
    assert_eq!(merged.stdout, whole.stdout);
    let twice = tripscore(&["merge", &partials[0], &partials[0]]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("count twice"));
    std::fs::remove_dir_all(&dir).ok();
}
