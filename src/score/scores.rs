//! Scores: every field of `CarBehaviorScores` as a function of additive
//! [`ZoneFeatures`] — in [0, 1] (1 best) or -1 for "not enough data".
//!
//! docs/SCORING.md gives each formula with its inputs, units and reasoning.
//! The shape is the same for every penalty score: `exp(−rate / scale)`, where
//! `rate` is a penalty per distance or per time and `scale` is the rate that
//! costs a factor e (score 0.37). Exponentials are monotone, stay in (0, 1],
//! and make each event's cost easy to state: one more event multiplies the
//! score by a fixed factor for a given distance.

use serde::{Deserialize, Serialize};

use crate::api::{CarBehaviorScores, ZoneCarBehaviorScores};
use crate::score::features::{Features, Zone, ZoneFeatures};

/// "Not enough data."
pub const NOT_AVAILABLE: f64 = -1.0;

/// Scales and minimums of the scores.
///
/// # Units
/// Kilometres, seconds, events per 100 km, m/s² per km, (m/s³)², dimensionless.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreConfig {
    /// A trip needs this much distance in valid sections for event scores, km.
    pub min_trip_km: f64,
    /// Trip scores only: this much event-free driving is added to a trip's
    /// distance (shrinkage toward a clean record: one event on a 2 km trip
    /// then reads as 1 in 12 km; windows use their plain distance), km. 0
    /// by default: a trip's score is then its own rate, the score a window
    /// of that trip alone would get, and ranks trips as their inertial
    /// ratings do (docs/SCORING.md, "Per trip, no prior").
    pub trip_prior_km: f64,
    /// A window (l7d, past) with less distance than this has all scores -1, km.
    pub min_window_km: f64,
    /// A zone of a window with less distance than this has scores -1, km.
    pub min_zone_km: f64,
    /// `legal` and `legal_v2` need this much time on roads with a known limit, s.
    pub min_limit_known_s: f64,
    /// Accelerations' hardness per 100 km that costs a factor e (a hard
    /// acceleration weighs 1, a firm one part of it).
    pub hard_accel_per_100km: f64,
    /// Brakes' hardness per 100 km that costs a factor e.
    pub hard_brake_per_100km: f64,
    /// Turns' hardness per 100 km that costs a factor e.
    pub hard_turn_per_100km: f64,
    /// Hardness of events of any kind per 100 km that costs a factor e.
    pub hard_events_per_100km: f64,
    /// Σ (peak − 1 m/s²)⁺ of accelerations and brakes per km that costs a factor e (smooth).
    pub smooth_excess_per_km: f64,
    /// Mean squared jerk that costs a factor e (`smooth_v2`), (m/s³)².
    pub smooth_jerk_sq: f64,
    /// Σ (brake peak − 2 m/s²)⁺ per km that costs a factor e (anticipative).
    pub strong_brake_excess_per_km: f64,
    /// Badly approached turns (braking in the turn, accelerating just before it)
    /// per turn that cost a factor e (`anticipative_v2`).
    pub bad_turn_share: f64,
    /// Mean crash-risk excess ((v/limit)⁴ − 1)⁺ over time with a known limit that
    /// costs a factor e (`legal_v2`).
    pub speeding_risk: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        Self {
            min_trip_km: 0.5,
            trip_prior_km: 0.0,
            min_window_km: 50.0,
            min_zone_km: 5.0,
            min_limit_known_s: 60.0,
            hard_accel_per_100km: 100.0,
            hard_brake_per_100km: 50.0,
            hard_turn_per_100km: 50.0,
            hard_events_per_100km: 200.0,
            smooth_excess_per_km: 10.0,
            smooth_jerk_sq: 2.0,
            strong_brake_excess_per_km: 1.0,
            bad_turn_share: 0.5,
            speeding_risk: 1.0,
        }
    }
}

#[allow(
    clippy::cast_precision_loss,
    reason = "feature sums are far below 2^52"
)]
fn f(x: u64) -> f64 {
    x as f64
}

fn penalty(rate: f64, scale: f64) -> f64 {
    (-rate / scale).exp()
}

/// Mean of the available (≠ -1) values, or -1 when none is.
#[must_use]
pub fn mean_available(values: &[f64]) -> f64 {
    let avail: Vec<f64> = values.iter().copied().filter(|v| *v >= 0.0).collect();
    if avail.is_empty() {
        NOT_AVAILABLE
    } else {
        #[allow(clippy::cast_precision_loss, reason = "a handful of values")]
        let n = avail.len() as f64;
        avail.iter().sum::<f64>() / n
    }
}

/// Which fields a score set carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreScope {
    /// A trip: every field, `focus`/`mounted` included.
    Trip,
    /// A window's `all`: every field.
    WindowAll,
    /// A window's zone: `smooth`/`anticipative` -1, no `focus`/`mounted`.
    Zone,
}

/// The scores of one set of features (see docs/SCORING.md for each formula).
///
/// `min_km` is the scored distance below which event scores are -1.
///
/// # Example
/// ```
/// use tripscore::score::{score_features, ScoreScope};
/// use tripscore::{ScoreConfig, ZoneFeatures};
/// // One hard brake (hardness 1) and one firm one (hardness 0.5) in 20 km.
/// let f = ZoneFeatures {
///     distance_mm: 20_000_000,
///     scored_mm: 20_000_000,
///     hard_brake: 1,
///     brake_hardness_milli: 1_500,
///     ..ZoneFeatures::default()
/// };
/// let s = score_features(&f, ScoreScope::WindowAll, 0.5, &ScoreConfig::default());
/// // 1.5 in 20 km = 7.5 per 100 km, against the 50 per 100 km scale: e^-0.15.
/// assert!((s.hard_brake - (-0.15_f64).exp()).abs() < 1e-12);
/// // A trip scores at the same rate by default; with `trip_prior_km` 10
/// // it adds 10 km of event-free driving: 1.5 in 30 km.
/// let trip = score_features(&f, ScoreScope::Trip, 0.5, &ScoreConfig::default());
/// assert_eq!(trip.hard_brake, s.hard_brake);
/// let shrunk = ScoreConfig { trip_prior_km: 10.0, ..ScoreConfig::default() };
/// let trip = score_features(&f, ScoreScope::Trip, 0.5, &shrunk);
/// assert!((trip.hard_brake - (-0.1_f64).exp()).abs() < 1e-12);
/// assert_eq!(s.legal, -1.0); // no speed limits known
/// assert_eq!(s.focus, Some(-1.0)); // no phone data
/// ```
#[must_use]
pub fn score_features(
    z: &ZoneFeatures,
    scope: ScoreScope,
    min_km: f64,
    cfg: &ScoreConfig,
) -> CarBehaviorScores {
    let scored_km = f(z.scored_mm) / 1e6;
    let enough = scored_km >= min_km && scored_km > 0.0;
    // The distance event rates are taken over (with the prior for trips).
    let km = scored_km
        + if scope == ScoreScope::Trip {
            cfg.trip_prior_km
        } else {
            0.0
        };
    // Hardness sums are in thousandths.
    let hardness_per_100km = |milli: u64| 100.0 * f(milli) / 1000.0 / km;
    let event_score = |rate: f64, scale: f64| {
        if enough {
            penalty(rate, scale)
        } else {
            NOT_AVAILABLE
        }
    };
    let hard_accel = event_score(
        hardness_per_100km(z.accel_hardness_milli),
        cfg.hard_accel_per_100km,
    );
    let hard_brake = event_score(
        hardness_per_100km(z.brake_hardness_milli),
        cfg.hard_brake_per_100km,
    );
    let hard_turn = event_score(
        hardness_per_100km(z.turn_hardness_milli),
        cfg.hard_turn_per_100km,
    );
    let hard_events = event_score(
        hardness_per_100km(z.accel_hardness_milli + z.brake_hardness_milli + z.turn_hardness_milli),
        cfg.hard_events_per_100km,
    );
    let long_excess = f(z.accel_excess_mmps2 + z.brake_excess_mmps2) / 1000.0 / km;
    let turn_excess = f(z.turn_excess_mmps2) / 1000.0 / km;
    let mean_jerk_sq = if z.jerk_ms > 0 {
        f(z.jerk_sq_ms) / f(z.jerk_ms)
    } else {
        0.0
    };
    let smooth = event_score(long_excess, cfg.smooth_excess_per_km);
    let smooth_v2 = if enough {
        penalty(long_excess + turn_excess, cfg.smooth_excess_per_km)
            * penalty(mean_jerk_sq, cfg.smooth_jerk_sq)
    } else {
        NOT_AVAILABLE
    };
    let anticipative = event_score(
        f(z.brake_strong_excess_mmps2) / 1000.0 / km,
        cfg.strong_brake_excess_per_km,
    );
    let bad_turns = f(z.brakes_in_turns + z.accels_before_turns) / f(z.turns.max(1));
    let anticipative_v2 = event_score(bad_turns, cfg.bad_turn_share);
    let limit_ok = f(z.limit_known_ms) / 1000.0 >= cfg.min_limit_known_s && z.limit_known_ms > 0;
    let legal = if limit_ok {
        1.0 - f(z.speeding_ms) / f(z.limit_known_ms)
    } else {
        NOT_AVAILABLE
    };
    let legal_v2 = if limit_ok {
        penalty(
            f(z.speeding_risk_ms) / f(z.limit_known_ms),
            cfg.speeding_risk,
        )
    } else {
        NOT_AVAILABLE
    };
    let (smooth, anticipative) = match scope {
        ScoreScope::Zone => (NOT_AVAILABLE, NOT_AVAILABLE),
        _ => (smooth, anticipative),
    };
    let (focus, mounted) = match scope {
        ScoreScope::Zone => (None, None),
        _ => (
            Some(if z.phone_known_ms > 0 {
                (1.0 - f(z.phone_handling_ms) / f(z.phone_known_ms)).clamp(0.0, 1.0)
            } else {
                NOT_AVAILABLE
            }),
            Some(if z.mount_known_ms > 0 {
                (f(z.mounted_ms) / f(z.mount_known_ms)).clamp(0.0, 1.0)
            } else {
                NOT_AVAILABLE
            }),
        ),
    };
    CarBehaviorScores {
        overall: mean_available(&[smooth, legal, anticipative]),
        smooth,
        legal: legal.clamp(NOT_AVAILABLE, 1.0),
        anticipative,
        focus,
        mounted,
        hard_accel,
        hard_brake,
        hard_events,
        hard_turn,
        legal_v2,
        smooth_v2,
        anticipative_v2,
    }
}

/// A score set of -1 everywhere (a window with too little driving).
fn not_available(scope: ScoreScope) -> CarBehaviorScores {
    let na = NOT_AVAILABLE;
    let phone = (scope != ScoreScope::Zone).then_some(na);
    CarBehaviorScores {
        overall: na,
        smooth: na,
        legal: na,
        anticipative: na,
        focus: phone,
        mounted: phone,
        hard_accel: na,
        hard_brake: na,
        hard_events: na,
        hard_turn: na,
        legal_v2: na,
        smooth_v2: na,
        anticipative_v2: na,
    }
}

/// The scores of a time window (docs/API.md, "User aggregate"): `all` from the pooled features,
/// each zone from its own, and `total` as the mean of the available zone
/// scores per field (with `smooth`/`anticipative` taken from `all`, and
/// `overall` the mean of total's smooth, legal and anticipative).
///
/// A window under `min_window_km` has every score -1.
#[must_use]
pub fn score_window(features: &Features, cfg: &ScoreConfig) -> ZoneCarBehaviorScores {
    if f(features.all.distance_mm) / 1e6 < cfg.min_window_km {
        let zone = not_available(ScoreScope::Zone);
        return ZoneCarBehaviorScores {
            all: not_available(ScoreScope::WindowAll),
            motorway: zone,
            city: zone,
            non_city: zone,
            total: zone,
        };
    }
    let all = score_features(&features.all, ScoreScope::WindowAll, cfg.min_zone_km, cfg);
    let zone = |z: Zone| {
        let zf = features.zone(z);
        if f(zf.distance_mm) / 1e6 < cfg.min_zone_km {
            not_available(ScoreScope::Zone)
        } else {
            score_features(zf, ScoreScope::Zone, cfg.min_zone_km, cfg)
        }
    };
    let (motorway, city, non_city) = (zone(Zone::Motorway), zone(Zone::City), zone(Zone::NonCity));
    let zones = [motorway, city, non_city];
    let mean = |get: fn(&CarBehaviorScores) -> f64| mean_available(&zones.map(|z| get(&z)));
    let mut total = CarBehaviorScores {
        overall: NOT_AVAILABLE,
        smooth: all.smooth,
        legal: mean(|s| s.legal),
        anticipative: all.anticipative,
        focus: None,
        mounted: None,
        hard_accel: mean(|s| s.hard_accel),
        hard_brake: mean(|s| s.hard_brake),
        hard_events: mean(|s| s.hard_events),
        hard_turn: mean(|s| s.hard_turn),
        legal_v2: mean(|s| s.legal_v2),
        smooth_v2: mean(|s| s.smooth_v2),
        anticipative_v2: mean(|s| s.anticipative_v2),
    };
    total.overall = mean_available(&[total.smooth, total.legal, total.anticipative]);
    ZoneCarBehaviorScores {
        all,
        motorway,
        city,
        non_city,
        total,
    }
}

#[cfg(test)]
#[path = "scores_tests.rs"]
mod tests;
