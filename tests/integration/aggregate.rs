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
