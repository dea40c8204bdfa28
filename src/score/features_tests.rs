use super::*;
use crate::detect::{DetectConfig, analyze};
use crate::input::RawTrip;

#[test]
fn zones_follow_the_documented_rule() {
    let cfg = FeatureConfig::default();
    assert_eq!(cfg.zone(Some("motorway"), Some(30.0)), Some(Zone::Motorway));
    assert_eq!(cfg.zone(Some("trunk_link"), None), Some(Zone::Motorway));
    assert_eq!(cfg.zone(Some("primary"), Some(50.0)), Some(Zone::City));
    assert_eq!(
        cfg.zone(Some("residential"), Some(70.0)),
        Some(Zone::NonCity)
    );
    assert_eq!(cfg.zone(None, Some(80.0)), Some(Zone::NonCity));
    assert_eq!(cfg.zone(Some("living_street"), None), Some(Zone::City));
    assert_eq!(cfg.zone(Some("tertiary"), None), Some(Zone::NonCity));
    assert_eq!(cfg.zone(None, None), None);
}

/// 5 minutes north at `speed_kmh` on a road with `limit_kmh`, 1 Hz, measured speed.
fn cruise(speed_kmh: f64, limit_kmh: Option<f64>) -> Trajectory {
    let n = 301;
    let step_deg = speed_kmh / 3.6 / 111_195.0;
    Trajectory::try_from(RawTrip {
        user_id: Some("u".into()),
        lat_deg: (0..n).map(|i| 45.0 + step_deg * f64::from(i)).collect(),
        lon_deg: vec![7.0; n as usize],
        time_ms: Some(
            (0..n)
                .map(|i| 1_700_000_000_000 + 1000 * i64::from(i))
                .collect(),
        ),
        speed_kmh: Some(vec![Some(speed_kmh); n as usize]),
        speed_limit_kmh: limit_kmh.map(|l| vec![Some(l); n as usize]),
        ..RawTrip::default()
    })
    .unwrap()
}

fn features_of(trip: &Trajectory) -> Features {
    trip_features(
        trip,
        &analyze(trip, &DetectConfig::default()),
        &FeatureConfig::default(),
    )
}

#[test]
fn speeding_counts_time_over_the_tolerance_only() {
    // 60 km/h in a 50 zone: over 50 + max(5, 10 %) = 55.
    let f = features_of(&cruise(60.0, Some(50.0)));
    assert_eq!(f.all.limit_known_ms, 300_000);
    assert_eq!(f.all.speeding_ms, 300_000);
    assert_eq!(f.city, f.all, "a 50 km/h limit is city");
    // ∫ (60 − 50) km/h over 300 s = 833.3 m.
    assert!((f.all.speeding_excess_mm as f64 / 1000.0 - 833.3).abs() < 1.0);
    // 54 km/h in a 50 zone is within the tolerance, but still above the limit for risk.
    let f = features_of(&cruise(54.0, Some(50.0)));
    assert_eq!(f.all.speeding_ms, 0);
    let risk = (54.0_f64 / 50.0).powi(4) - 1.0;
    assert!((f.all.speeding_risk_ms as f64 / 300_000.0 - risk).abs() < 1e-3);
}

#[test]
fn distance_and_time_without_zone_count_in_all_only() {
    // Such a trip takes the loop without limit and zone lookups.
    assert!(!cruise(50.0, None).has_road_context());
    assert!(cruise(50.0, Some(50.0)).has_road_context());
    let f = features_of(&cruise(50.0, None));
    assert!((f.all.distance_mm as f64 / 1e6 - 50.0 / 3.6 * 300.0 / 1000.0).abs() < 0.01);
    assert_eq!(f.all.duration_ms, 300_000);
    assert_eq!(f.motorway, ZoneFeatures::default());
    assert_eq!(f.city, ZoneFeatures::default());
    assert_eq!(f.non_city, ZoneFeatures::default());
    assert_eq!(f.all.limit_known_ms, 0);
    assert_eq!(f.all.phone_known_ms, 0, "no phone data");
}

#[test]
fn merge_is_exact_and_order_free() {
    let a = features_of(&cruise(60.0, Some(50.0)));
    let b = features_of(&cruise(130.0, Some(120.0)));
    let c = features_of(&cruise(30.0, None));
    let mut ab_c = a;
    ab_c.merge(&b);
    ab_c.merge(&c);
    let mut c_ba = c;
    c_ba.merge(&b);
    c_ba.merge(&a);
    assert_eq!(ab_c, c_ba);
    assert_eq!(
        ab_c.all.distance_mm,
        a.all.distance_mm + b.all.distance_mm + c.all.distance_mm
    );
    let mut zero = Features::default();
    zero.merge(&a);
    assert_eq!(zero, a, "the default is the identity");
}

/// Simulated trips, analysed once for the property below.
static ANALYSED: std::sync::LazyLock<Vec<(Trajectory, TripAnalysis)>> =
    std::sync::LazyLock::new(|| {
        use crate::sim::{SimConfig, simulate_trip};
        (0..3)
            .map(|i| {
                let sim = simulate_trip(&SimConfig::default(), i);
                let line = serde_json::to_string(&sim).unwrap();
                let trip = Trajectory::try_from(crate::input::parse_line(&line).unwrap()).unwrap();
                let analysis = analyze(&trip, &DetectConfig::default());
                (trip, analysis)
            })
            .collect()
    });

proptest::proptest! {
    /// The graded hard scores are monotone in every event's peak: raising
    /// one annotation's peak never raises a hard score, `hard_events` or
    /// `overall`, on a real pipeline's output.
    #[test]
    fn raising_one_events_peak_never_raises_a_score(
        trip in 0_usize..3,
        pick in 0_usize..10_000,
        raise_mps2 in 0.0_f64..6.0,
    ) {
        use crate::detect::AnnotateConfig;
        use crate::score::scores::{ScoreConfig, ScoreScope, score_features};
        let (t, analysis) = &ANALYSED[trip];
        let k = pick % analysis.annotations.len();
        let mut raised = analysis.clone();
        let peak = raised.annotations[k].peak_mps2 + raise_mps2;
        raised.annotations[k].set_peak(peak, &AnnotateConfig::default());
        let cfg = FeatureConfig::default();
        let score = |a: &TripAnalysis| {
            let f = trip_features(t, a, &cfg);
            score_features(&f.all, ScoreScope::Trip, 0.5, &ScoreConfig::default())
        };
        let (before, after) = (score(analysis), score(&raised));
        for (name, b, a) in [
            ("hard_accel", before.hard_accel, after.hard_accel),
            ("hard_brake", before.hard_brake, after.hard_brake),
            ("hard_turn", before.hard_turn, after.hard_turn),
            ("hard_events", before.hard_events, after.hard_events),
            ("overall", before.overall, after.overall),
        ] {
            proptest::prop_assert!(a <= b + 1e-12, "{name}: {b} -> {a}");
        }
    }
}
