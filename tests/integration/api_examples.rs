//! Every reference body reads into the typed model and writes back to an equal JSON value.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tripscore::api::{
    BehaviorAnnotation, CarBehaviorScores, TimelineEvent, Trajectory, UserCarBehavior,
};

use crate::util::fixture;

fn round_trip<T: DeserializeOwned + Serialize>(name: &str) {
    let text = std::fs::read_to_string(fixture(&format!("tests/data/api/{name}"))).unwrap();
    let original: serde_json::Value = serde_json::from_str(&text).unwrap();
    let typed: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(back, original, "{name} does not write back unchanged");
}

#[test]
fn trajectory_round_trips() {
    round_trip::<Trajectory>("trajectory.json");
}

#[test]
fn behavior_annotations_round_trip() {
    round_trip::<Vec<BehaviorAnnotation>>("behavior_annotations.json");
}

#[test]
fn behavior_scores_round_trip() {
    round_trip::<CarBehaviorScores>("behavior_scores.json");
}

#[test]
fn car_behavior_round_trips() {
    round_trip::<UserCarBehavior>("car_behavior.json");
}

#[test]
fn timeline_events_round_trip() {
    round_trip::<Vec<TimelineEvent>>("timeline_events.json");
}

#[test]
fn seed_polyline_is_677_points_and_51_86_km() {
    let text = std::fs::read_to_string(fixture("tests/data/api/trajectory.json")).unwrap();
    let body: Trajectory = serde_json::from_str(&text).unwrap();
    let pts =
        tripscore::input::decode_polyline(&body.encoded, tripscore::input::Precision::P5).unwrap();
    assert_eq!(pts.lat_deg.len(), 677);
    let raw = tripscore::RawTrip {
        lat_deg: pts.lat_deg,
        lon_deg: pts.lon_deg,
        ..tripscore::RawTrip::default()
    };
    let km = tripscore::Trajectory::try_from(raw).unwrap().distance_m() / 1000.0;
    assert!((km - 51.86).abs() <= 0.1, "{km} km");
}
