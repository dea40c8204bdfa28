use super::*;
use proptest::prelude::*;

fn zone_features() -> impl Strategy<Value = ZoneFeatures> {
    (
        (
            0_u64..500_000_000,
            0_u64..40_000_000,
            0_u64..30,
            0_u64..30,
            0_u64..30,
        ),
        (
            0_u64..400,
            0_u64..400,
            0_u64..200_000,
            0_u64..100_000,
            0_u64..100_000,
        ),
        (
            0_u64..50,
            0_u64..50,
            0_u64..10_000_000,
            0_u64..30_000_000,
            (0_u64..40_000, 0_u64..40_000, 0_u64..40_000),
        ),
        (
            0_u64..10_000_000,
            0_u64..1_000,
            0_u64..30_000_000,
            0_u64..10_000_000,
        ),
    )
        .prop_map(
            |(
                (dist, dur, ha, hb, ht),
                (acc, brk, ae, be, bse),
                (bit, abt, jms, jsq, (firm_a, firm_b, firm_t)),
                (lk, sp, risk, ph),
            )| {
                let scored = dist / 2;
                ZoneFeatures {
                    distance_mm: dist,
                    duration_ms: dur,
                    scored_mm: scored,
                    scored_ms: dur / 2,
                    hard_accel: ha,
                    hard_brake: hb,
                    hard_turn: ht,
                    // Each hard event weighs 1,000; firm ones below the line add more.
                    accel_hardness_milli: 1000 * ha + firm_a,
                    brake_hardness_milli: 1000 * hb + firm_b,
                    turn_hardness_milli: 1000 * ht + firm_t,
                    accelerations: acc,
                    brakes: brk,
                    turns: acc / 2,
                    accel_excess_mmps2: ae,
                    brake_excess_mmps2: be,
                    brake_strong_excess_mmps2: bse,
                    turn_excess_mmps2: be / 2,
                    brakes_in_turns: bit,
                    accels_before_turns: abt,
                    jerk_ms: jms,
                    jerk_sq_ms: jsq,
                    limit_known_ms: lk,
                    speeding_ms: sp * lk / 1_000,
                    speeding_risk_ms: risk,
                    phone_known_ms: dur,
                    phone_handling_ms: ph.min(dur),
                    mount_known_ms: dur,
                    mounted_ms: ph.min(dur),
                    ..ZoneFeatures::default()
                }
            },
        )
}

fn in_range(s: &CarBehaviorScores) -> bool {
    s.named()
        .into_iter()
        .all(|(_, v)| v == NOT_AVAILABLE || (0.0..=1.0).contains(&v))
}

fn never_raises(before: f64, after: f64) -> bool {
    // -1 stays -1; otherwise the score may only fall or stay.
    (before == NOT_AVAILABLE && after == NOT_AVAILABLE) || after <= before + 1e-12
}

static CFG: std::sync::LazyLock<ScoreConfig> = std::sync::LazyLock::new(ScoreConfig::default);

proptest! {
    #[test]
    fn scores_are_in_range(z in zone_features(), scope in prop::sample::select(vec![ScoreScope::Trip, ScoreScope::WindowAll, ScoreScope::Zone])) {
        let s = score_features(&z, scope, 0.5, &CFG);
        prop_assert!(in_range(&s), "{s:?}");
    }

    /// Without a trip prior (the default) a trip scores what a window of
    /// that one trip would; with one, its event scores are never lower.
    #[test]
    fn a_trip_scores_as_a_window_of_itself(z in zone_features(), prior_km in 0.5_f64..50.0) {
        prop_assert_eq!(score_features(&z, ScoreScope::Trip, 0.5, &CFG), score_features(&z, ScoreScope::WindowAll, 0.5, &CFG));
        let shrunk = ScoreConfig { trip_prior_km: prior_km, ..ScoreConfig::default() };
        let (plain, trip) = (score_features(&z, ScoreScope::WindowAll, 0.5, &shrunk), score_features(&z, ScoreScope::Trip, 0.5, &shrunk));
        for (a, b) in [(plain.hard_brake, trip.hard_brake), (plain.hard_accel, trip.hard_accel), (plain.hard_turn, trip.hard_turn), (plain.smooth, trip.smooth)] {
            prop_assert!(b >= a, "{a} {b}");
        }
    }

    #[test]
    fn overall_is_the_mean_of_available_smooth_legal_anticipative(z in zone_features()) {
        let s = score_features(&z, ScoreScope::Trip, 0.5, &CFG);
        prop_assert_eq!(s.overall, mean_available(&[s.smooth, s.legal, s.anticipative]));
    }

    #[test]
    fn one_more_hard_brake_never_raises(z in zone_features()) {
        let mut worse = z;
        worse.hard_brake += 1;
        worse.brake_hardness_milli += 1000;
        worse.brakes += 1;
        let (a, b) = (score_features(&z, ScoreScope::Trip, 0.5, &CFG), score_features(&worse, ScoreScope::Trip, 0.5, &CFG));
        prop_assert!(never_raises(a.hard_brake, b.hard_brake));
        prop_assert!(never_raises(a.hard_events, b.hard_events));
        prop_assert!(never_raises(a.overall, b.overall));
    }

    #[test]
    fn more_hardness_never_raises_its_score(z in zone_features(), class in 0_usize..3, extra in 1_u64..5_000) {
        let mut worse = z;
        *[&mut worse.accel_hardness_milli, &mut worse.brake_hardness_milli, &mut worse.turn_hardness_milli][class] += extra;
        let (a, b) = (score_features(&z, ScoreScope::Trip, 0.5, &CFG), score_features(&worse, ScoreScope::Trip, 0.5, &CFG));
        let pick = |s: &CarBehaviorScores| [s.hard_accel, s.hard_brake, s.hard_turn][class];
        prop_assert!(never_raises(pick(&a), pick(&b)));
        prop_assert!(never_raises(a.hard_events, b.hard_events));
        // And it does lower it when the score is available (the scale is finite).
        if pick(&a) != NOT_AVAILABLE {
            prop_assert!(pick(&b) < pick(&a));
        }
    }

    #[test]
    fn more_or_faster_speeding_never_raises_legal(z in zone_features(), extra in 0_u64..1_000_000, risk in 0_u64..10_000_000) {
        let mut worse = z;
        worse.speeding_ms = (worse.speeding_ms + extra).min(worse.limit_known_ms);
        worse.speeding_risk_ms += risk;
        worse.speeding_excess_mm += extra;
        let (a, b) = (score_features(&z, ScoreScope::Trip, 0.5, &CFG), score_features(&worse, ScoreScope::Trip, 0.5, &CFG));
        prop_assert!(never_raises(a.legal, b.legal));
        prop_assert!(never_raises(a.legal_v2, b.legal_v2));
    }

    #[test]
    fn rougher_jerk_never_raises_smooth_v2(z in zone_features(), extra in 0_u64..10_000_000) {
        let mut worse = z;
        worse.jerk_sq_ms += extra;
        let (a, b) = (score_features(&z, ScoreScope::Trip, 0.5, &CFG), score_features(&worse, ScoreScope::Trip, 0.5, &CFG));
        prop_assert!(never_raises(a.smooth_v2, b.smooth_v2));
    }

    #[test]
    fn window_totals_follow_spec_relations(all in zone_features(), m in zone_features(), c in zone_features(), n in zone_features()) {
        let f = Features { all, motorway: m, city: c, non_city: n };
        let w = score_window(&f, &CFG);
        for zone in [w.motorway, w.city, w.non_city] {
            prop_assert_eq!(zone.smooth, NOT_AVAILABLE);
            prop_assert_eq!(zone.anticipative, NOT_AVAILABLE);
            prop_assert_eq!(zone.overall, zone.legal);
            prop_assert!(zone.focus.is_none() && zone.mounted.is_none());
        }
        let zones = [w.motorway, w.city, w.non_city];
        let mean = |get: fn(&CarBehaviorScores) -> f64| mean_available(&zones.map(|z| get(&z)));
        prop_assert_eq!(w.total.legal, mean(|s| s.legal));
        prop_assert_eq!(w.total.hard_brake, mean(|s| s.hard_brake));
        prop_assert_eq!(w.total.legal_v2, mean(|s| s.legal_v2));
        prop_assert_eq!(w.total.smooth_v2, mean(|s| s.smooth_v2));
        prop_assert_eq!(w.total.smooth, w.all.smooth);
        prop_assert_eq!(w.total.anticipative, w.all.anticipative);
        prop_assert_eq!(w.total.overall, mean_available(&[w.total.smooth, w.total.legal, w.total.anticipative]));
        prop_assert_eq!(w.all.overall, mean_available(&[w.all.smooth, w.all.legal, w.all.anticipative]));
        prop_assert!(in_range(&w.all) && in_range(&w.total));
    }
}

#[test]
fn a_window_under_50_km_is_not_available() {
    let f = Features {
        all: ZoneFeatures {
            distance_mm: 49_000_000,
            scored_mm: 49_000_000,
            ..ZoneFeatures::default()
        },
        ..Features::default()
    };
    let w = score_window(&f, &CFG);
    assert_eq!(w.all.overall, NOT_AVAILABLE);
    assert_eq!(w.all.focus, Some(NOT_AVAILABLE));
    assert_eq!(w.total.hard_brake, NOT_AVAILABLE);
}

#[test]
fn reference_example_relations_hold_on_its_numbers() {
    // docs/API.md "Relations" on the reference body itself: the means behind its totals.
    assert!((mean_available(&[0.79, 0.72, 0.86]) - 0.79).abs() < 0.005);
    assert!((mean_available(&[0.44, 0.97, 0.99]) - 0.80).abs() < 0.005);
    assert!((mean_available(&[0.75, -1.0, 0.8]) - 0.775).abs() < 1e-12);
    assert_eq!(mean_available(&[-1.0, -1.0]), NOT_AVAILABLE);
}
