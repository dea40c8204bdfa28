//! # tripscore
//!
//! A trip analytics engine: car trips come in as GPS trajectories; out come
//! driving-behaviour annotations, per-trip `CarBehaviorScores` and per-user
//! aggregates, in the JSON shapes of a legacy telematics REST API ([`api`],
//! specified in docs/API.md).
//!
//! ## From a file to a scored trip
//!
//! ```
//! use tripscore::{Config, RecordOptions, open_input, trip_record};
//!
//! let config = Config::default();
//! for record in open_input("data/seed/seed_trip.jsonl")? {
//!     // One record per trip; a bad one is an error naming its line and field.
//!     let trip = record?.into_trajectory()?;
//!     let scored = trip_record(&trip, &config, RecordOptions::default())
//!         .expect("the trip has timestamps");
//!     let scores = &scored.behavior_scores;
//!     assert!((0.0..=1.0).contains(&scores.overall)); // -1 would mean "not enough data"
//!     println!("{}", serde_json::to_string(&scored)?); // the `tripscore score` line
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`run_batch`] does the same over millions of records on every core, in
//! input order; [`Aggregator`] sums the scored trips per user into
//! last-7-days and past windows.
//!
//! ## The pipeline
//!
//! ```text
//! input ──► detect ─────────────────────────────────────► score ─────────────────────► output
//! read,     clean → kinematics → annotate → pulse fits     features → scores            result line,
//! validate          (speed, accel., yaw)    → jump check   → aggregate, explain         GeoJSON, SVG
//! ```
//!
//! Each stage is a public module with its own input type, config and
//! errors, and imports only from the stages before it (a test checks it):
//! - [`input`]: JSONL, CSV and GPX records into validated [`Trajectory`]s;
//! - [`detect`]: [`analyze`] runs cleaning, kinematics, annotation and the
//!   peak refinements into a [`TripAnalysis`];
//! - [`score`]: additive [`Features`] per zone, scores, windows, explanations;
//! - [`output`]: the result line ([`trip_record`]), GeoJSON, SVG;
//! - [`batch`]: streaming, parallel, order-preserving processing;
//! - [`sim`]: the trip simulator and accuracy against simulated or labelled
//!   ground truth;
//! - [`geodesy`]: the Earth radius and local tangent plane every stage uses.
//!
//! [`Config`] holds every stage's settings (`tripscore config --default`).
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
    reason = "types are re-exported at the crate root; their names must stand alone"
)]
#![allow(
    clippy::many_single_char_names,
    clippy::similar_names,
    reason = "numeric code follows the notation of its maths (t, v, a; p, i, q; d_in, d_out)"
)]

pub mod api;
pub mod batch;
mod config;
pub mod detect;
pub mod geodesy;
pub mod input;
mod lanes;
pub mod map;
pub mod output;
pub mod score;
pub mod sim;
mod trig;

pub use batch::{BatchOptions, BatchSink, BatchSummary, LineSink, run_batch, run_batch_to};
pub use config::Config;
pub use detect::{Annotation, AnnotationKind, DetectConfig, TripAnalysis, analyze};
pub use input::{
    ErrorKind, InputError, InputRecord, Payload, RawTrip, RecordError, RecordPos, Records,
    Trajectory, TrajectoryError, open_input, parse_line,
};
pub use output::{RecordOptions, TripRecord, trip_record};
pub use score::{
    Aggregator, Features, NOT_AVAILABLE, PastWindow, ScoreConfig, Zone, ZoneFeatures, score_window,
};
pub use sim::{SimConfig, simulate_trip};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
