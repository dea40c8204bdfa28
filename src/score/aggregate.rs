//! Per-user aggregation over time windows: `UserCarBehavior` (docs/API.md,
//! "User aggregate").
//!
//! Trip [`Features`] are summed per user into two windows relative to `as_of`:
//! **l7d**, trips starting in `[as_of − 7 days, as_of)`, and **past**, trips
//! starting before `as_of − 7 days` (or, with [`PastWindow::AllTime`], every
//! trip before `as_of`); the 7 days are [`AggregateConfig::recent_ms`]. Trips starting at or after `as_of` are left out and
//! counted. Window scores are computed from the summed features (never by
//! averaging trip scores), so [`Aggregator::merge`] of partial aggregates gives
//! exactly the aggregate of all trips, in any order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::{
    ApiTime, TimeWindowUserCarBehaviorFeatures, UserCarBehavior, UserCarBehaviorFeatures,
    WindowScores,
};
use crate::score::features::Features;
use crate::score::scores::{ScoreConfig, score_window};

/// Settings of the aggregation windows.
///
/// # Units
/// Milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AggregateConfig {
    /// The recent window (`l7d`): trips starting in `[as_of − this, as_of)`,
    /// ms; the API's 7 days.
    pub recent_ms: i64,
    /// What the `past` window holds.
    pub past: PastWindow,
}

impl Default for AggregateConfig {
    fn default() -> Self {
        Self {
            recent_ms: 7 * 24 * 3600 * 1000,
            past: PastWindow::BeforeLast7Days,
        }
    }
}

/// What the `past` window holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PastWindow {
    /// Trips before the recent window (the reference API's meaning: before
    /// the last 7 days).
    #[default]
    BeforeLast7Days,
    /// Every trip before `as_of`, the recent window included.
    AllTime,
}

/// One user's summed features per window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserWindows {
    /// Last 7 days.
    pub l7d: Features,
    /// The past window.
    pub past: Features,
    /// Trips added to l7d.
    pub l7d_trips: u64,
    /// Trips added to past.
    pub past_trips: u64,
}

/// Sums trip features per user and window.
///
/// # Example
/// ```
/// use tripscore::score::AggregateConfig;
/// use tripscore::{Aggregator, Features, ScoreConfig, ZoneFeatures};
/// let as_of = 1_700_000_000_000;
/// let mut agg = Aggregator::new(as_of, &AggregateConfig::default());
/// let trip = Features { all: ZoneFeatures { distance_mm: 60_000_000, scored_mm: 60_000_000, ..ZoneFeatures::default() }, ..Features::default() };
/// assert!(agg.add("u1", as_of - 3_600_000, &trip)); // an hour ago: l7d
/// assert!(!agg.add("u1", as_of + 1, &trip)); // after as_of: left out
/// let users = agg.finish(&ScoreConfig::default());
/// assert_eq!(users[0].0, "u1");
/// assert_eq!(users[0].1.features.l7d.distance, 60_000.0);
/// assert_eq!(users[0].1.scores.past.all.overall, -1.0); // no past driving
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregator {
    as_of_ms: i64,
    cfg: AggregateConfig,
    users: BTreeMap<String, UserWindows>,
    /// Trips left out because they start at or after `as_of`.
    pub after_as_of: u64,
}

impl Aggregator {
    /// An empty aggregate at `as_of_ms` (Unix ms), with the windows of `cfg`.
    #[must_use]
    pub fn new(as_of_ms: i64, cfg: &AggregateConfig) -> Self {
        Self {
            as_of_ms,
            cfg: *cfg,
            users: BTreeMap::new(),
            after_as_of: 0,
        }
    }

    /// Adds a trip starting at `start_ms`; `false` when it starts at or after `as_of`.
    pub fn add(&mut self, user_id: &str, start_ms: i64, features: &Features) -> bool {
        if start_ms >= self.as_of_ms {
            self.after_as_of += 1;
            return false;
        }
        let w = self.users.entry(user_id.to_owned()).or_default();
        let recent = start_ms >= self.as_of_ms.saturating_sub(self.cfg.recent_ms);
        if recent {
            w.l7d.merge(features);
            w.l7d_trips += 1;
        }
        if !recent || self.cfg.past == PastWindow::AllTime {
            w.past.merge(features);
            w.past_trips += 1;
        }
        true
    }

    /// Adds another partial aggregate (same `as_of` and windows) into this one.
    pub fn merge(&mut self, other: &Self) {
        for (user, w) in &other.users {
            let mine = self.users.entry(user.clone()).or_default();
            mine.l7d.merge(&w.l7d);
            mine.past.merge(&w.past);
            mine.l7d_trips += w.l7d_trips;
            mine.past_trips += w.past_trips;
        }
        self.after_as_of += other.after_as_of;
    }

    /// The summed windows per user, by user id.
    #[must_use]
    pub fn users(&self) -> &BTreeMap<String, UserWindows> {
        &self.users
    }

    /// Each user's `UserCarBehavior`, by user id.
    #[must_use]
    pub fn finish(&self, cfg: &ScoreConfig) -> Vec<(String, UserCarBehavior)> {
        self.users
            .iter()
            .map(|(user, w)| (user.clone(), user_car_behavior(w, cfg)))
            .collect()
    }
}

#[allow(
    clippy::cast_precision_loss,
    reason = "feature sums are far below 2^52"
)]
fn window_features(f: &Features) -> TimeWindowUserCarBehaviorFeatures {
    let a = &f.all;
    let hours = a.phone_known_ms as f64 / 3_600_000.0;
    TimeWindowUserCarBehaviorFeatures {
        phone_handling: if hours > 0.0 {
            a.phone_handling_ms as f64 / hours
        } else {
            0.0
        },
        distance: a.distance_mm as f64 / 1000.0,
    }
}

/// The `UserCarBehavior` of one user's windows.
#[must_use]
pub fn user_car_behavior(w: &UserWindows, cfg: &ScoreConfig) -> UserCarBehavior {
    UserCarBehavior {
        scores: WindowScores {
            l7d: score_window(&w.l7d, cfg),
            past: score_window(&w.past, cfg),
        },
        features: UserCarBehaviorFeatures {
            l7d: window_features(&w.l7d),
            past: window_features(&w.past),
        },
    }
}

/// What one line of `tripscore score` output did to an [`Aggregator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineOutcome {
    /// A trip added to a window.
    Added,
    /// A trip starting at or after `as_of`, left out.
    AfterAsOf,
    /// An error line of `score` (the trip could not be scored), passed over.
    ErrorRecord,
}

/// A `score` output line that cannot be aggregated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScoredLineError {
    /// The field at fault (`json`, `user_id`, `event_id`, `start`, `features`).
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
struct WireScoredLine {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    start: Option<ApiTime>,
    #[serde(default)]
    features: Option<Features>,
    #[serde(default)]
    error: Option<serde::de::IgnoredAny>,
}

/// What aggregation needs of one line of `tripscore score` output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoredLine {
    /// The trip's user.
    pub user_id: String,
    /// The trip's id (with `user_id`, what makes a trip the same trip).
    pub event_id: String,
    /// The trip's start, Unix ms.
    pub start_ms: i64,
    /// The trip's features.
    pub features: Features,
}

impl ScoredLine {
    /// Reads one line of `tripscore score` output; `None` for an error line
    /// (a trip that could not be scored).
    ///
    /// # Errors
    /// The line is not JSON, or a result line lacks `user_id`, `event_id`,
    /// `start` or `features`.
    pub fn parse(line: &str) -> Result<Option<Self>, ScoredLineError> {
        let parsed: WireScoredLine = serde_json::from_str(line).map_err(|e| ScoredLineError {
            field: "json",
            message: e.to_string(),
        })?;
        if parsed.error.is_some() {
            return Ok(None);
        }
        let missing = |field| ScoredLineError {
            field,
            message: "missing: aggregate reads the output of `tripscore score`".to_owned(),
        };
        let user_id = parsed.user_id.ok_or_else(|| ScoredLineError {
            field: "user_id",
            message: "the trip has no user_id, so it belongs to no user; give each trip a \
                      user_id in the input of `tripscore score`"
                .to_owned(),
        })?;
        let event_id = parsed.event_id.ok_or_else(|| missing("event_id"))?;
        let start = parsed.start.ok_or_else(|| missing("start"))?;
        let features = parsed.features.ok_or_else(|| missing("features"))?;
        Ok(Some(Self {
            user_id,
            event_id,
            start_ms: start.epoch_ms(),
            features,
        }))
    }
}

impl Aggregator {
    /// Adds one line of `tripscore score` output (without the duplicate
    /// check of [`crate::batch::rollup`]).
    ///
    /// # Errors
    /// As [`ScoredLine::parse`].
    pub fn add_scored_line(&mut self, line: &str) -> Result<LineOutcome, ScoredLineError> {
        let Some(trip) = ScoredLine::parse(line)? else {
            return Ok(LineOutcome::ErrorRecord);
        };
        Ok(if self.add(&trip.user_id, trip.start_ms, &trip.features) {
            LineOutcome::Added
        } else {
            LineOutcome::AfterAsOf
        })
    }
}
