use proptest::prelude::*;

use super::write_features;
use crate::config::Config;
use crate::input::{Trajectory, parse_line};
use crate::map::MatchStats;
use crate::output::{RecordOptions, trip_record};
use crate::score::{Features, ZoneFeatures};
use crate::sim::{SimConfig, simulate_trip};

/// A zone from any 64-bit values (0, the largest, and everything between).
fn zone() -> impl Strategy<Value = ZoneFeatures> {
    prop::collection::vec(
        prop_oneof![Just(0), Just(u64::MAX), 0..1000_u64, any::<u64>()],
        ZoneFeatures::FIELDS,
    )
    .prop_map(|v| ZoneFeatures::from_array(v.try_into().unwrap_or([0; ZoneFeatures::FIELDS])))
}

/// Strings a trip's ids may hold: quotes, backslashes, control characters,
/// non-ASCII.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z0-9-]{1,12}",
        "[\"\\\\\u{0}-\u{1f}\u{7f}é漢😀a]{0,8}",
    ]
}

proptest! {
    #[test]
    fn features_are_serde_json_text(
        all in zone(), motorway in zone(), city in zone(), non_city in zone()
    ) {
        let features = Features { all, motorway, city, non_city };
        let mut out = Vec::new();
        write_features(&mut out, &features);
        prop_assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&features).unwrap()
        );
    }

    #[test]
    fn a_record_line_is_serde_json_text(
        seed in 0..40_u64,
        (annotations, trajectory, explain) in any::<(bool, bool, bool)>(),
        event_id in id(),
        user_id in prop::option::of(id()),
        analysis_type in prop::option::of(id()),
        matched in prop::option::of(any::<(u64, u64, u64, u64, u64)>()),
        features in prop::option::of(zone()),
    ) {
        let sim = SimConfig { trip_duration_s: 120.0, ..SimConfig::default() };
        let raw = parse_line(&serde_json::to_string(&simulate_trip(&sim, seed)).unwrap()).unwrap();
        let trip = Trajectory::try_from(raw).unwrap();
        let options = RecordOptions { annotations, trajectory, explain };
        let mut record = trip_record(&trip, &Config::default(), options).unwrap();
        record.event.event_id = event_id;
        record.event.user_id = user_id;
        record.event.analysis_type = analysis_type;
        record.map_match = matched.map(|(a, b, c, d, e)| MatchStats {
            matched_fixes: a,
            unmatched_fixes: b,
            limits_from_map: c,
            way_switches: d,
            flips: e,
        });
        if let Some(z) = features {
            record.features.city = z;
        }
        prop_assert_eq!(record.to_json_line().unwrap(), serde_json::to_string(&record).unwrap());
    }
}

#[test]
fn a_zone_without_counts_is_still_an_object_of_zeros() {
    let mut out = Vec::new();
    write_features(&mut out, &Features::default());
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text, serde_json::to_string(&Features::default()).unwrap());
    assert!(text.starts_with("{\"all\":{\"distance_mm\":0,"));
}
