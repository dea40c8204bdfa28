//! The legacy telematics API's JSON shapes (docs/API.md, "Output shapes of
//! the API"), as serde types.
//!
//! Field names, nesting, `type` tags and units follow the reference bodies in
//! `tests/data/api/`. Every shape reads and writes back to an equal JSON value.
//! Numbers keep full precision in memory and are rounded when serialised
//! (see [`num`]): scores 2 decimals, `overall` 3, magnitudes 3, waypoint speed
//! and distance 1, event distances and durations 0.

pub mod num;
pub(crate) mod time;

pub use time::{ApiTime, SubsecDigits, rfc3339_epoch_ms};

use serde::{Deserialize, Serialize};

/// The API's annotation `magnitude` per m/s² of peak acceleration: the
/// reference writes 0.2 × the peak (its own unit; docs/API.md).
pub const MAGNITUDE_PER_MPS2: f64 = 0.2;

/// One point of a [`Trajectory`].
///
/// # Units
/// `latitude`/`longitude` degrees (WGS 84); `speed` km/h (measured, or the average
/// speed to the next waypoint); `distance` metres to the next waypoint (0 on the
/// last); `speed_limit` km/h.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "TrajectoryWaypoint")]
pub struct TrajectoryWaypoint {
    /// Latitude, degrees.
    pub latitude: f64,
    /// Longitude, degrees.
    pub longitude: f64,
    /// When the fix was taken, in the trip's own UTC offset.
    pub timestamp: ApiTime,
    /// OSM `highway` value, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub road_type: Option<String>,
    /// Speed, km/h.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "num::opt_dp1"
    )]
    pub speed: Option<f64>,
    /// Distance to the next waypoint, metres.
    #[serde(serialize_with = "num::dp1")]
    pub distance: f64,
    /// Posted speed limit, km/h, when known.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "num::opt_dp1"
    )]
    pub speed_limit: Option<f64>,
}

/// A trip's path: its waypoints and the same points as a precision-5 polyline.
///
/// `event_id` and `user_id` are this crate's additions so that batch output names
/// its trip; they are left out when absent, as in the API body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// The trip this path belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The trip's user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The points, in time order.
    pub waypoints: Vec<TrajectoryWaypoint>,
    /// Google encoded polyline (precision 5) of the waypoints.
    pub encoded: String,
}

/// A point of an annotation's `path`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "BehaviorAnnotationPathWaypoint")]
pub struct PathWaypoint {
    /// Latitude, degrees.
    pub latitude: f64,
    /// Longitude, degrees.
    pub longitude: f64,
}

/// Data quality of a boundary section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Quality {
    /// Good enough to detect events.
    Valid,
}

/// What an acceleration annotation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccelerationKind {
    /// Speeding up.
    Accelerate,
    /// Slowing down with a peak of at least the coast/brake boundary (1.0 m/s² by default).
    Brake,
    /// Slowing down gently (peak below the coast/brake boundary).
    Coast,
}

/// What a turn annotation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Maneuver {
    /// A turn to the left.
    LeftTurn,
    /// A turn to the right.
    RightTurn,
    /// Driving through a roundabout.
    Roundabout,
    /// Changing lanes.
    LaneSwitch,
}

/// A driving-behaviour annotation, tagged by `type` (docs/API.md, "Annotations").
///
/// # Units
/// `duration` milliseconds (`end - start`); `magnitude` is 0.2 × the peak
/// acceleration in m/s² (the reference's own unit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum BehaviorAnnotation {
    /// A section where the data was good enough to detect events.
    #[serde(rename = "BoundaryBehaviorAnnotation")]
    Boundary {
        /// Section start.
        start: ApiTime,
        /// Section end.
        end: ApiTime,
        /// Its quality.
        quality: Quality,
    },
    /// An acceleration, brake or coast episode.
    #[serde(rename = "AccelerationBehaviorAnnotation")]
    Acceleration {
        /// Episode start.
        start: ApiTime,
        /// Episode end.
        end: ApiTime,
        /// Its kind.
        acceleration: AccelerationKind,
        /// `end - start`, milliseconds.
        duration: i64,
        /// 0.2 × peak |longitudinal acceleration| in m/s².
        #[serde(serialize_with = "num::dp3")]
        magnitude: f64,
        /// The fixes inside the episode.
        path: Vec<PathWaypoint>,
    },
    /// A turn, roundabout or lane switch.
    #[serde(rename = "TurnBehaviorAnnotation")]
    Turn {
        /// Manoeuvre start.
        start: ApiTime,
        /// Manoeuvre end.
        end: ApiTime,
        /// `end - start`, milliseconds.
        duration: i64,
        /// Its kind.
        maneuver: Maneuver,
        /// 0.2 × peak |lateral acceleration| in m/s².
        #[serde(serialize_with = "num::dp3")]
        magnitude: f64,
        /// The fixes inside the manoeuvre.
        path: Vec<PathWaypoint>,
    },
}

/// Behaviour scores of a trip or a zone, each in [0, 1] (1 best) or -1 (not enough data).
///
/// Components are written with 2 decimals and `overall` with 3; the value in
/// memory keeps full precision. `focus` and `mounted` appear only where phone
/// data is scored (per trip and in a window's `all`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "CarBehaviorScores")]
#[allow(
    missing_docs,
    reason = "each field is a score named as in the API; docs/SCORING.md defines them"
)]
pub struct CarBehaviorScores {
    #[serde(serialize_with = "num::dp3")]
    pub overall: f64,
    #[serde(serialize_with = "num::dp2")]
    pub smooth: f64,
    #[serde(serialize_with = "num::dp2")]
    pub legal: f64,
    #[serde(serialize_with = "num::dp2")]
    pub anticipative: f64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "num::opt_dp2"
    )]
    pub focus: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "num::opt_dp2"
    )]
    pub mounted: Option<f64>,
    #[serde(serialize_with = "num::dp2")]
    pub hard_accel: f64,
    #[serde(serialize_with = "num::dp2")]
    pub hard_brake: f64,
    #[serde(serialize_with = "num::dp2")]
    pub hard_events: f64,
    #[serde(serialize_with = "num::dp2")]
    pub hard_turn: f64,
    #[serde(serialize_with = "num::dp2")]
    pub legal_v2: f64,
    #[serde(serialize_with = "num::dp2")]
    pub smooth_v2: f64,
    #[serde(serialize_with = "num::dp2")]
    pub anticipative_v2: f64,
}

impl CarBehaviorScores {
    /// Every score the set carries, by its API name, in the API's order
    /// (`focus` and `mounted` only when present): for what holds of every
    /// score, such as its range.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use tripscore::{Config, trip_record, parse_line, RecordOptions, Trajectory};
    /// let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/ndsbr/ndsbr.jsonl"))?;
    /// let trip = Trajectory::try_from(parse_line(text.lines().next().unwrap())?)?;
    /// let record = trip_record(&trip, &Config::default(), RecordOptions::default()).unwrap();
    /// for (name, score) in record.behavior_scores.named() {
    ///     assert!(score == -1.0 || (0.0..=1.0).contains(&score), "{name} {score}");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn named(&self) -> Vec<(&'static str, f64)> {
        let mut all = vec![
            ("overall", self.overall),
            ("smooth", self.smooth),
            ("legal", self.legal),
            ("anticipative", self.anticipative),
        ];
        all.extend(self.focus.map(|v| ("focus", v)));
        all.extend(self.mounted.map(|v| ("mounted", v)));
        all.extend([
            ("hard_accel", self.hard_accel),
            ("hard_brake", self.hard_brake),
            ("hard_events", self.hard_events),
            ("hard_turn", self.hard_turn),
            ("legal_v2", self.legal_v2),
            ("smooth_v2", self.smooth_v2),
            ("anticipative_v2", self.anticipative_v2),
        ]);
        all
    }
}

/// Scores of one time window: every zone, all zones pooled, and the zone mean.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "ZoneCarBehaviorScores")]
pub struct ZoneCarBehaviorScores {
    /// Features of every zone pooled, then scored.
    pub all: CarBehaviorScores,
    /// Motorway fixes only.
    pub motorway: CarBehaviorScores,
    /// City fixes only.
    pub city: CarBehaviorScores,
    /// Outside city and motorway.
    pub non_city: CarBehaviorScores,
    /// Per field, the mean of the available zone scores (docs/API.md, "Relations").
    pub total: CarBehaviorScores,
}

/// A user's scores in the last 7 days and before.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowScores {
    /// Trips starting in `[as_of - 7 days, as_of)`.
    pub l7d: ZoneCarBehaviorScores,
    /// Trips starting before `as_of - 7 days`.
    pub past: ZoneCarBehaviorScores,
}

/// Summary features of one time window.
///
/// # Units
/// `phone_handling` milliseconds per hour driven; `distance` metres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "TimeWindowUserCarBehaviorFeatures")]
pub struct TimeWindowUserCarBehaviorFeatures {
    /// Phone handling, ms per hour driven.
    #[serde(serialize_with = "num::dp0")]
    pub phone_handling: f64,
    /// Distance driven, m.
    #[serde(serialize_with = "num::dp0")]
    pub distance: f64,
}

/// A user's window features.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "UserCarBehaviorFeatures")]
pub struct UserCarBehaviorFeatures {
    /// Last 7 days.
    pub l7d: TimeWindowUserCarBehaviorFeatures,
    /// Before the last 7 days.
    pub past: TimeWindowUserCarBehaviorFeatures,
}

/// A user's aggregate behaviour (docs/API.md, "User aggregate"; the reference
/// body is `tests/data/api/car_behavior.json`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "UserCarBehavior")]
pub struct UserCarBehavior {
    /// Scores per window.
    pub scores: WindowScores,
    /// Features per window.
    pub features: UserCarBehaviorFeatures,
}

/// Phone and data-coverage features of a Transport event.
///
/// # Units
/// `phone_handling` milliseconds; `distance_during_annotations` metres.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BehaviorFeatures {
    /// Time the phone was handled while driving, ms.
    #[serde(serialize_with = "num::dp0")]
    pub phone_handling: f64,
    /// Distance inside valid boundary sections, m.
    #[serde(serialize_with = "num::dp0")]
    pub distance_during_annotations: f64,
}

/// A car trip on the timeline.
///
/// # Units
/// `distance` metres.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransportEvent {
    /// First fix.
    pub start: ApiTime,
    /// Last fix.
    pub end: ApiTime,
    /// How the event was analysed (the reference writes `indepth`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_type: Option<String>,
    /// Trip id.
    pub event_id: String,
    /// The trip's user (this crate's addition; absent in the API body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Transport mode; `car` for everything this crate scores.
    pub mode: String,
    /// Distance driven, m.
    #[serde(serialize_with = "num::dp0")]
    pub distance: f64,
    /// Phone handling and coverage.
    pub behavior_features: BehaviorFeatures,
}

/// A stay at one place on the timeline (read for API compatibility; not produced).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(
    missing_docs,
    reason = "fields as in the legacy API body, which this crate only reads"
)]
pub struct StationaryEvent {
    pub start: ApiTime,
    pub end: ApiTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_type: Option<String>,
    pub event_id: String,
    pub latitude: f64,
    pub longitude: f64,
    /// Milliseconds.
    #[serde(serialize_with = "num::full")]
    pub duration: f64,
    pub location: StationaryLocation,
    pub address: Address,
}

/// Where a stationary event took place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "StationaryLocation")]
#[allow(missing_docs, reason = "fields as in the legacy API body")]
pub struct StationaryLocation {
    pub significance: Option<String>,
    pub place: LocationPlaceCandidate,
}

/// A candidate place of a stationary event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "LocationPlaceCandidate")]
#[allow(missing_docs, reason = "fields as in the legacy API body")]
pub struct LocationPlaceCandidate {
    pub name: Option<String>,
    pub categories: Vec<String>,
}

/// A postal address.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "Address")]
#[allow(missing_docs, reason = "fields as in the legacy API body")]
pub struct Address {
    pub country: Option<String>,
    pub city: Option<String>,
    pub city_type: Option<String>,
}

/// A timeline event, tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum TimelineEvent {
    /// A trip.
    Transport(TransportEvent),
    /// A stay.
    Stationary(StationaryEvent),
}

#[cfg(test)]
#[path = "api_tests.rs"]
mod tests;
