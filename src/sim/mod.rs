//! Ground truth: a trip simulator with known manoeuvres, a user's labelled
//! real trips, and detection accuracy judged against either.
//!
//! - [`simulate_trip`] ([`SimConfig`], [`NoiseConfig`]): seeded synthetic
//!   trips in the compact input form, with their [`SimTruth`];
//! - [`TripLabels`]: one line of a labels file (`tripscore evaluate`);
//! - [`evaluate_simulated`], [`evaluate_labelled`], [`judge_labelled`]:
//!   precision and recall per annotation kind and hard class.
//!
//! The top layer of the library: it runs the whole pipeline.

mod evaluate;
mod labels;
mod simulate;

pub use self::evaluate::{
    Counts, Detection, Evaluation, Judgement, Mismatches, PeakPair, SignalErrors, coverage,
    evaluate_labelled, evaluate_simulated, evaluate_trip, judge_labelled, nearest_rank,
    score_simulated_driver,
};
pub use self::labels::{LabelledManeuver, TripLabels};
pub use self::simulate::{
    NoiseConfig, SimConfig, SimTrip, SimTruth, TruthKind, TruthManeuver, simulate_trip,
};
