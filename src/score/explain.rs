//! Explanations: the inputs and penalties behind a trip's scores, so a driver
//! can see why a score moved (`tripscore score --explain`).

use serde::Serialize;

use crate::api::{AccelerationKind, ApiTime, SubsecDigits};
use crate::detect::{AnnotationKind, TripAnalysis};
use crate::input::Trajectory;
use crate::score::features::{FeatureConfig, Features, ZoneFeatures, step_speed_mps};
use crate::score::scores::{ScoreConfig, ScoreScope, score_features};

/// An event that costs a hard score something, and what it cost.
///
/// # Units
/// Degrees, m/s²; `hardness` 0–1; `cost` in score points (0–1).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExplainedEvent {
    /// The score it lowers: `hard_accel`, `hard_brake` or `hard_turn`.
    pub kind: &'static str,
    /// Time of the peak.
    pub at: ApiTime,
    /// Where the peak was, degrees.
    #[serde(serialize_with = "crate::api::num::full")]
    pub latitude: f64,
    /// Where the peak was, degrees.
    #[serde(serialize_with = "crate::api::num::full")]
    pub longitude: f64,
    /// Peak acceleration, m/s².
    #[serde(serialize_with = "crate::api::num::dp2")]
    pub peak_mps2: f64,
    /// How hard it was: 1 at and above the hard threshold, less for a firm
    /// event below it (`AnnotateConfig::hardness`).
    #[serde(serialize_with = "crate::api::num::dp3")]
    pub hardness: f64,
    /// Whether it reached the hard threshold.
    pub hard: bool,
    /// How much higher the score would be without this event.
    #[serde(serialize_with = "crate::api::num::dp3")]
    pub cost: f64,
}

/// A stretch driven above limit + max(5 km/h, 10 %).
///
/// # Units
/// km/h, ms; `legal_cost` in score points.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpeedingSpan {
    /// Start.
    pub start: ApiTime,
    /// End.
    pub end: ApiTime,
    /// Length, ms.
    pub duration_ms: i64,
    /// Posted limit at its start, km/h.
    #[serde(serialize_with = "crate::api::num::dp1")]
    pub limit_kmh: f64,
    /// Highest speed, km/h.
    #[serde(serialize_with = "crate::api::num::dp1")]
    pub max_speed_kmh: f64,
    /// Highest speed over the limit, km/h.
    #[serde(serialize_with = "crate::api::num::dp1")]
    pub max_excess_kmh: f64,
    /// How much higher `legal` would be without this stretch.
    #[serde(serialize_with = "crate::api::num::dp3")]
    pub legal_cost: f64,
}

/// One of the biggest penalties of a trip.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Penalty {
    /// The score it lowers.
    pub score: &'static str,
    /// What happened, in words.
    pub what: String,
    /// Score points lost.
    #[serde(serialize_with = "crate::api::num::dp3")]
    pub cost: f64,
}

/// Why a trip scored as it did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    /// Distance in valid sections, the base of event rates, km.
    #[serde(serialize_with = "crate::api::num::dp3")]
    pub scored_km: f64,
    /// Share of time with a known limit spent speeding.
    #[serde(serialize_with = "crate::api::num::dp3")]
    pub speeding_share: f64,
    /// Every event with some hardness (the hard ones and the firm ones
    /// below the line), in time order.
    pub events: Vec<ExplainedEvent>,
    /// Every speeding stretch, in time order.
    pub speeding: Vec<SpeedingSpan>,
    /// The three biggest penalties, biggest first.
    pub top_penalties: Vec<Penalty>,
}

/// A hardness in the thousandths the features count it in.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a hardness in [0, 1]"
)]
fn whole_milli(hardness: f64) -> u64 {
    (hardness * 1000.0).round() as u64
}

/// An event in words: "hard brake", "firm brake".
fn event_name(score: &str, hard: bool) -> String {
    let what = score.trim_start_matches("hard_");
    if hard {
        format!("hard {what}")
    } else {
        format!("firm {what}")
    }
}

fn time(trip: &Trajectory, i: usize, ms: i64) -> Option<ApiTime> {
    ApiTime::from_epoch_ms(ms, trip.utc_offset_s()[i], SubsecDigits::Millis)
}

#[allow(clippy::cast_precision_loss, reason = "ms of one trip")]
fn speeding_spans(
    trip: &Trajectory,
    a: &TripAnalysis,
    limit_known_ms: u64,
    cfg: &FeatureConfig,
) -> Vec<SpeedingSpan> {
    let (fixes, kin) = (&a.clean.fixes, &a.kinematics);
    let mut spans = Vec::new();
    let mut open: Option<(usize, f64, f64, f64)> = None; // start k, limit, max speed, max excess
    for (k, (&fix, &step_m)) in fixes.iter().zip(&a.clean.step_m).enumerate() {
        let dt_ms = (kin.time_ms[k + 1] - kin.time_ms[k]) as f64;
        let v_kmh = 3.6 * step_speed_mps(kin, k, step_m, dt_ms);
        let limit = trip.speed_limit_kmh(fix);
        let speeding = limit.is_some_and(|l| v_kmh > cfg.speeding_threshold_kmh(l));
        match (&mut open, speeding, limit) {
            (Some((_, _, max_v, max_x)), true, Some(l)) => {
                *max_v = max_v.max(v_kmh);
                *max_x = max_x.max(v_kmh - l);
            }
            (None, true, Some(l)) => open = Some((k, l, v_kmh, v_kmh - l)),
            (Some(_), false, _) => {
                if let Some((s, l, max_v, max_x)) = open.take() {
                    spans.push((s, k, l, max_v, max_x));
                }
            }
            _ => {}
        }
    }
    if let Some((s, l, max_v, max_x)) = open {
        spans.push((s, fixes.len() - 1, l, max_v, max_x));
    }
    spans
        .into_iter()
        .filter_map(|(s, e, limit_kmh, max_speed_kmh, max_excess_kmh)| {
            let duration_ms = kin.time_ms[e] - kin.time_ms[s];
            Some(SpeedingSpan {
                start: time(trip, fixes[s], kin.time_ms[s])?,
                end: time(trip, fixes[e], kin.time_ms[e])?,
                duration_ms,
                limit_kmh,
                max_speed_kmh,
                max_excess_kmh,
                legal_cost: if limit_known_ms > 0 {
                    duration_ms as f64 / limit_known_ms as f64
                } else {
                    0.0
                },
            })
        })
        .collect()
}

/// Explains the scores of an analysed trip with its features (made with
/// `features_cfg`), scored with `score_cfg`.
#[must_use]
pub fn explain(
    trip: &Trajectory,
    analysis: &TripAnalysis,
    features: &Features,
    features_cfg: &FeatureConfig,
    score_cfg: &ScoreConfig,
) -> Explanation {
    let z = &features.all;
    let score =
        |f: &ZoneFeatures| score_features(f, ScoreScope::Trip, score_cfg.min_trip_km, score_cfg);
    let base = score(z);
    let mut events = Vec::new();
    // Events of at least a thousandth of hardness: what the features count.
    for e in analysis
        .annotations
        .iter()
        .filter(|e| whole_milli(e.hardness) > 0)
    {
        let mut without = *z;
        let milli = whole_milli(e.hardness);
        let (kind, before, after) = match e.kind {
            AnnotationKind::Acceleration(AccelerationKind::Accelerate) => {
                without.accel_hardness_milli = without.accel_hardness_milli.saturating_sub(milli);
                ("hard_accel", base.hard_accel, score(&without).hard_accel)
            }
            AnnotationKind::Acceleration(_) => {
                without.brake_hardness_milli = without.brake_hardness_milli.saturating_sub(milli);
                ("hard_brake", base.hard_brake, score(&without).hard_brake)
            }
            AnnotationKind::Turn(_) => {
                without.turn_hardness_milli = without.turn_hardness_milli.saturating_sub(milli);
                ("hard_turn", base.hard_turn, score(&without).hard_turn)
            }
        };
        let Some(k) = analysis.kept_fix_at(e.peak_at_ms) else {
            continue;
        };
        let i = analysis.clean.fixes[k];
        let Some(at) = time(trip, i, e.peak_at_ms) else {
            continue;
        };
        events.push(ExplainedEvent {
            kind,
            at,
            latitude: trip.lat_deg()[i],
            longitude: trip.lon_deg()[i],
            peak_mps2: e.peak_mps2,
            hardness: e.hardness,
            hard: e.hard,
            cost: if before >= 0.0 { after - before } else { 0.0 },
        });
    }
    let speeding = speeding_spans(trip, analysis, z.limit_known_ms, features_cfg);
    #[allow(clippy::cast_precision_loss, reason = "ms of one trip")]
    let mut top: Vec<Penalty> = events
        .iter()
        .map(|e| Penalty {
            score: e.kind,
            what: format!(
                "{} peaking at {:.1} m/s² at {}",
                event_name(e.kind, e.hard),
                e.peak_mps2,
                e.at
            ),
            cost: e.cost,
        })
        .chain(speeding.iter().map(|s| Penalty {
            score: "legal",
            what: format!(
                "{:.0} s up to {:.0} km/h in a {:.0} km/h zone from {}",
                s.duration_ms as f64 / 1000.0,
                s.max_speed_kmh,
                s.limit_kmh,
                s.start
            ),
            cost: s.legal_cost,
        }))
        .collect();
    top.sort_by(|a, b| b.cost.total_cmp(&a.cost));
    top.truncate(3);
    #[allow(clippy::cast_precision_loss, reason = "feature sums are small")]
    Explanation {
        scored_km: z.scored_mm as f64 / 1e6,
        speeding_share: if z.limit_known_ms > 0 {
            z.speeding_ms as f64 / z.limit_known_ms as f64
        } else {
            0.0
        },
        events,
        speeding,
        top_penalties: top,
    }
}
