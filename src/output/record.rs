//! The per-trip result line of `tripscore score` (docs/API.md, "Result
//! line").

use serde::Serialize;

use crate::api;
use crate::config::Config;
use crate::detect::{CleanReport, TripAnalysis, analyze};
use crate::input::Trajectory;
use crate::map::MatchStats;
use crate::score::{Explanation, Features, ScoreScope, explain, score_features, trip_features};

/// What a result line carries besides the Transport event.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RecordOptions {
    /// Add `behavior_annotations`.
    pub annotations: bool,
    /// Add `trajectory`.
    pub trajectory: bool,
    /// Add `explanation`.
    pub explain: bool,
}

impl RecordOptions {
    /// The optional parts these options add to a line, by their keys
    /// (`behavior_annotations`, `explanation`, `trajectory`, in that
    /// order): the JSON text columns of a score table (`ScoreColumns::new`,
    /// feature `parquet`).
    ///
    /// ```
    /// use tripscore::output::RecordOptions;
    /// let options = RecordOptions { annotations: true, explain: true, ..RecordOptions::default() };
    /// assert_eq!(options.json_parts(), ["behavior_annotations", "explanation"]);
    /// ```
    #[must_use]
    pub fn json_parts(self) -> Vec<&'static str> {
        [
            (self.annotations, "behavior_annotations"),
            (self.explain, "explanation"),
            (self.trajectory, "trajectory"),
        ]
        .into_iter()
        .filter_map(|(on, part)| on.then_some(part))
        .collect()
    }
}

/// One result line: the Transport event (`"type": "Transport"`) and what was
/// asked for, plus the cleaning report as `data_quality`.
///
/// `tripscore score` writes it with [`TripRecord::to_json_line`], which
/// lists these fields again: a field added here goes there too (a property
/// test holds the two texts equal and fails until it does).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TripRecord {
    /// Always `Transport`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The event's fields.
    #[serde(flatten)]
    pub event: api::TransportEvent,
    /// The trip's scores (-1 = not enough data).
    pub behavior_scores: api::CarBehaviorScores,
    /// The additive features `tripscore aggregate` sums.
    pub features: Features,
    /// What cleaning found (fixes dropped and why, gaps, invalid sections).
    pub data_quality: DataQuality,
    /// Boundaries and episodes, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior_annotations: Option<Vec<api::BehaviorAnnotation>>,
    /// The trip's path, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<api::Trajectory>,
    /// Why the scores are what they are, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    /// What map matching found, when the trip was matched (`--map`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_match: Option<MatchStats>,
}

/// How good the trip's data was: the cleaning report, the episodes rejected
/// as physically implausible and the turns and accelerations whose fixes jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DataQuality {
    /// Fixes dropped and why, gaps, invalid sections.
    #[serde(flatten)]
    pub clean: CleanReport,
    /// Episodes peaking above the plausible limit, not annotated.
    pub implausible_episodes: usize,
    /// Turns whose fixes jump against the measured speed: annotated, their
    /// peaks capped at their mean lateral acceleration
    /// ([`crate::detect::check_position_jumps`]).
    pub turns_with_position_jumps: usize,
    /// Acceleration episodes whose fixes jump against the speed from
    /// positions (trips without measured speed only): annotated, their
    /// peaks capped at their mean acceleration.
    pub accelerations_with_position_jumps: usize,
    /// The measured speed's noise, mm/s: a robust standard deviation
    /// ([`crate::detect::Kinematics::speed_noise_mps`], rounded), what an
    /// acceleration episode's speed change must stand out of; -1 when it is
    /// not known (no measured speed, or too few fixes above 2 m/s).
    pub speed_noise_mmps: i64,
    /// The measured speed against the positions, thousandths
    /// ([`crate::detect::CleanTrip::measured_speed_scale`], rounded): about
    /// 1000 for a speed in km/h, 278 for m/s given as km/h. Outside
    /// `detect.clean.max_speed_scale_factor` (800–1250) the measured
    /// speed is not used, speed comes from positions, and
    /// `speed_noise_mmps` is -1. -1 when not known (no measured speed, or
    /// too few moving fixes).
    pub measured_speed_scale_milli: i64,
    /// Whether speed and longitudinal acceleration come from the measured
    /// speed (`false`: the trip has none, its speed is out of scale with
    /// its positions, or `detect.kinematics.speed_source` says positions).
    pub measured_speed_used: bool,
}

/// Analyses a trip and builds its result line; `None` for an untimed path.
#[must_use]
pub fn trip_record(
    trip: &Trajectory,
    config: &Config,
    options: RecordOptions,
) -> Option<TripRecord> {
    trip_record_of(trip, &analyze(trip, &config.detect), config, options)
}

/// Builds the result line of a trip already analysed with `config`; `None` for
/// an untimed path.
#[must_use]
pub fn trip_record_of(
    trip: &Trajectory,
    analysis: &TripAnalysis,
    config: &Config,
    options: RecordOptions,
) -> Option<TripRecord> {
    let features = trip_features(trip, analysis, &config.features);
    Some(TripRecord {
        kind: "Transport",
        event: analysis.transport_event(trip)?,
        behavior_scores: score_features(
            &features.all,
            ScoreScope::Trip,
            config.score.min_trip_km,
            &config.score,
        ),
        explanation: options
            .explain
            .then(|| explain(trip, analysis, &features, &config.features, &config.score)),
        features,
        data_quality: DataQuality {
            clean: analysis.clean.report,
            implausible_episodes: analysis.implausible_episodes,
            turns_with_position_jumps: analysis.turns_with_position_jumps,
            accelerations_with_position_jumps: analysis.accelerations_with_position_jumps,
            speed_noise_mmps: analysis.kinematics.speed_noise_mps.map_or(-1, |sigma| {
                #[allow(clippy::cast_possible_truncation, reason = "a few m/s in mm/s")]
                let mmps = (sigma * 1000.0).round() as i64;
                mmps
            }),
            measured_speed_scale_milli: analysis.clean.measured_speed_scale.map_or(-1, |scale| {
                #[allow(clippy::cast_possible_truncation, reason = "a ratio near 1")]
                let milli = (scale * 1000.0).round() as i64;
                milli
            }),
            measured_speed_used: analysis.kinematics.speed_measured,
        },
        behavior_annotations: options.annotations.then(|| analysis.api_annotations(trip)),
        trajectory: if options.trajectory {
            trip.to_api()
        } else {
            None
        },
        map_match: None,
    })
}
