//! Scoring: from an analysed trip to additive features, from features to
//! `CarBehaviorScores`, per-user windows, and explanations.
//!
//! - [`trip_features`] ([`FeatureConfig`]): integer features per road zone,
//!   a commutative monoid ([`Features::merge`]);
//! - [`score_features`] and [`score_window`] ([`ScoreConfig`]): every score
//!   as a function of features, in [0, 1] or −1 ([`NOT_AVAILABLE`]);
//!   docs/SCORING.md is their specification;
//! - [`Aggregator`] ([`AggregateConfig`]): per-user l7d/past sums with exact
//!   merges, finished into `UserCarBehavior`;
//! - [`explain()`]: each hard event and speeding stretch with what it cost.
//!
//! Imports `detect`, `input`, `api`; nothing above.

mod aggregate;
mod explain;
mod features;
mod scores;

pub use self::aggregate::{
    AggregateConfig, Aggregator, LineOutcome, PastWindow, ScoredLine, ScoredLineError, UserWindows,
    user_car_behavior,
};
pub use self::explain::{ExplainedEvent, Explanation, Penalty, SpeedingSpan, explain};
pub use self::features::{
    FeatureConfig, Features, Zone, ZoneFeatures, step_speed_mps, trip_features,
};
pub use self::scores::{
    NOT_AVAILABLE, ScoreConfig, ScoreScope, mean_available, score_features, score_window,
};
