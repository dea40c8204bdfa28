//! # tripscore
//!
//! A trip analytics engine: car trips come in as GPS trajectories; out come the
//! JSON shapes of a legacy telematics REST API ([`api`]).
//!
//! ```text
//! input record ─► decode ─► clean ─► kinematics ─► annotate ─► turnfit ─► brakefit ─► features ─► score ─► aggregate
//! ```
//!
//! The stages, each a module with its own input, config and error:
//! - **input** ([`open_input`], [`JsonlReader`], [`CsvReader`], [`read_gpx`],
//!   [`parse_line`]): JSONL (waypoint and compact forms), CSV and GPX records
//!   into [`RawTrip`]s, each with its [`RecordPos`];
//! - **decode** ([`decode_polyline`], [`encode_polyline`], [`Precision`]);
//! - **validation** ([`Trajectory::try_from`]): the trusted domain trip, or a
//!   [`TrajectoryError`] naming the field;
//! - **clean** ([`clean`]): order, duplicates, stale fixes, spikes, gaps,
//!   parked jitter, valid sections, a [`CleanReport`];
//! - **kinematics** ([`kinematics`]): speed, longitudinal and lateral
//!   acceleration, heading, yaw rate, jerk;
//! - **annotate** ([`annotate`]): accelerate/brake/coast and turn/roundabout
//!   episodes, hard events;
//! - **turnfit** ([`refine_turns`], [`check_position_jumps`]): the peaks of
//!   short turns from a fitted yaw-pulse model, and turns whose fixes jump
//!   against the measured speed capped;
//! - **brakefit** ([`refine_brakes`]): the peaks of short brakes from a
//!   fitted deceleration pulse; [`analyze`] runs clean → kinematics →
//!   annotate → turnfit → brakefit;
//! - **features** ([`trip_features`]): additive integer features per zone;
//! - **score** ([`score_features`], [`score_window`]): `CarBehaviorScores`;
//! - **aggregate** ([`Aggregator`]): per-user l7d/past windows, exact merges;
//! - **explain** ([`explain`]), **visual** ([`trip_geojson`], [`trip_svg`]);
//! - **batch** ([`run_batch`]): streaming, parallel, order-preserving; every
//!   record gives one output line ([`trip_record`] is the `score` line);
//! - **simulate** ([`simulate_trip`]) and **evaluate** ([`evaluate_simulated`]):
//!   trips with known manoeuvres, and detection accuracy against them;
//! - **labels** ([`TripLabels`], [`judge_labelled`]): a user's labelled
//!   real trips as ground truth, judged the same way (`tripscore evaluate`);
//! - **api**: serde types of every API shape.
//!
//! ```
//! use tripscore::{InputRecord, Payload, RecordPos};
//! let line = r#"{"user_id":"u1","encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}"#;
//! let record = InputRecord {
//!     pos: RecordPos { source: "example".into(), line: 1 },
//!     payload: Payload::JsonLine(line.to_owned()),
//! };
//! let trip = record.into_trajectory()?;
//! let api = trip.to_api().expect("timed trip");
//! assert_eq!(api.waypoints.len(), 2);
//! assert_eq!(api.encoded, "_p~iF~ps|U_ulLnnqC");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, clippy::pedantic)]
#![cfg_attr(
    test,
    allow(
        clippy::float_cmp,
        clippy::cast_precision_loss,
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "tests compare exact expected values and build inputs from small indices"
    )
)]
#![allow(
    clippy::module_name_repetitions,
    reason = "types are re-exported flat; their names must stand alone"
)]
#![allow(
    clippy::many_single_char_names,
    clippy::similar_names,
    reason = "numeric code follows the notation of its maths (t, v, a; p, i, q; d_in, d_out)"
)]

mod aggregate;
mod annotate;
pub mod api;
mod batch;
mod brakefit;
mod clean;
mod encoded;
mod evaluate;
mod explain;
mod features;
mod io;
mod kinematics;
mod labels;
mod pipeline;
mod record;
mod score;
mod simulate;
mod trajectory;
mod turnfit;
mod visual;

pub use aggregate::{
    Aggregator, LineOutcome, PastWindow, SEVEN_DAYS_MS, ScoredLineError, UserWindows,
    user_car_behavior,
};
pub use annotate::{
    AnnotateConfig, Annotation, AnnotationKind, Traffic, annotate, api_annotations,
};
pub use api::{ApiTime, SubsecDigits};
pub use batch::{BatchError, BatchOptions, BatchSummary, ProcessResult, run_batch};
pub use brakefit::{BrakeFitConfig, refine_brakes};
pub use clean::{CleanConfig, CleanReport, CleanTrip, Section, clean};
pub use encoded::{LatLonColumns, PolylineError, Precision, decode_polyline, encode_polyline};
pub use evaluate::{
    Counts, Detection, Evaluation, Judgement, Mismatches, PeakPair, SignalErrors,
    evaluate_labelled, evaluate_simulated, evaluate_trip, judge_labelled, score_simulated_driver,
};
pub use explain::{ExplainedEvent, Explanation, Penalty, SpeedingSpan, explain};
pub use features::{
    Features, Zone, ZoneFeatures, speeding_threshold_kmh, step_speed_mps, trip_features,
};
pub use io::{
    CsvReader, ErrorKind, InputError, InputFormat, InputRecord, JsonlReader, Payload, RecordError,
    RecordErrorBody, RecordPos, Records, open_input, open_input_counted, parse_line,
    parse_line_reference, read_gpx,
};
pub use kinematics::{Estimator, Kinematics, KinematicsConfig, SpeedSource, kinematics};
pub use labels::{LabelledManeuver, TripLabels};
pub use pipeline::{Config, TripAnalysis, analyze};
pub use record::{DataQuality, RecordOptions, TripRecord, trip_record, trip_record_of};
pub use score::{
    NOT_AVAILABLE, ScoreConfig, ScoreScope, mean_available, score_features, score_window,
};
pub use simulate::{
    NoiseConfig, SimConfig, SimTrip, SimTruth, TruthKind, TruthManeuver, simulate_trip,
};
pub use trajectory::{
    Column, FieldLayout, Interval, MAX_TIME_MS, MAX_UTC_OFFSET_S, MIN_TIME_MS, RawTrip, RoadTypes,
    Trajectory, TrajectoryError, TrajectoryErrorKind,
};
pub use turnfit::{TurnFitConfig, check_position_jumps, refine_turns};
pub use visual::{ReportError, trip_geojson, trip_svg};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
