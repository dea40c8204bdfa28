//! Labelled real trips: the ground truth a user brings to judge detection.
//!
//! A labels file is JSONL, one object per trip, in the shape `tripscore
//! simulate --truth` writes, so simulated and real labels are read alike:
//!
//! ```json
//! {"event_id":"trip-7","maneuvers":[
//!   {"kind":"brake","start_ms":1553240270000,"end_ms":1553240274000,"peak_mps2":4.1},
//!   {"kind":"left_turn","start_ms":1553240301000,"end_ms":1553240306000,"harsh":false}]}
//! ```
//!
//! - `kind`: `accelerate`, `brake`, `coast`, `left_turn`, `right_turn`, `roundabout`;
//! - `start_ms` ≤ `end_ms`, Unix ms, or RFC 3339 text with an offset (also
//!   named `start` and `end`); an instant label, e.g. an accelerometer
//!   trigger, has `start_ms` = `end_ms` (the matching tolerance widens it);
//! - `peak_mps2` (optional): the peak |longitudinal| or |lateral| acceleration,
//!   m/s², as a reference sensor measured it. Without it the manoeuvre counts
//!   for annotation recall whatever the minimum peak;
//! - `harsh` (optional): whether it is a hard event. Without it a labelled
//!   peak at or above the annotate stage's hard threshold of its kind
//!   (`hard_accel_mps2`, `hard_brake_mps2`, `hard_turn_mps2`) is harsh; coasts
//!   never are;
//! - `distance_m` (optional): the trip's length; the trip's own GPS length
//!   otherwise;
//! - `kinds` (optional): the manoeuvre kinds the labels cover, all when left
//!   out. Detections of other kinds are not judged, so a set with only a
//!   gyro's turns, say, does not count the trip's brakes against precision.
//!   A hard class is judged when its kinds are covered: `hard_accel` with
//!   `accelerate`, `hard_brake` with `brake`, `hard_turn` with `left_turn`
//!   and `right_turn` (a hard roundabout counts as a hard turn).
//!
//! A trip labelled with no manoeuvres (`"maneuvers": []`) is a trip in which
//! nothing happened: every detection in it counts against precision. A trip
//! with no labels line at all is not judged.

use serde::Deserialize;

use crate::api::time::rfc3339_epoch_ms;
use crate::detect::AnnotateConfig;
use crate::input::{ErrorKind, InputError};
use crate::sim::simulate::{SimTruth, TruthKind, TruthManeuver};

/// One labelled manoeuvre of a real trip.
///
/// # Units
/// Unix ms; m/s².
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledManeuver {
    /// What it was.
    pub kind: TruthKind,
    /// Start, Unix ms (in a labels line: Unix ms, or RFC 3339 with an
    /// offset; also as `start`).
    #[serde(alias = "start", deserialize_with = "instant_ms")]
    pub start_ms: i64,
    /// End, Unix ms (≥ `start_ms`; in a labels line as `start_ms`; also as `end`).
    #[serde(alias = "end", deserialize_with = "instant_ms")]
    pub end_ms: i64,
    /// Peak acceleration from a reference sensor, m/s², when known.
    #[serde(default)]
    pub peak_mps2: Option<f64>,
    /// Whether it is a hard event; from `peak_mps2` and the thresholds when left out.
    #[serde(default)]
    pub harsh: Option<bool>,
}

/// An instant as a labels line may give it: Unix ms, or RFC 3339 text with
/// an offset (as the trip input's `timestamp` and intervals take it).
fn instant_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct Instant;
    impl serde::de::Visitor<'_> for Instant {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Unix ms (an integer) or RFC 3339 text with an offset")
        }
        fn visit_i64<E: serde::de::Error>(self, ms: i64) -> Result<i64, E> {
            Ok(ms)
        }
        fn visit_u64<E: serde::de::Error>(self, ms: u64) -> Result<i64, E> {
            i64::try_from(ms).map_err(|_| E::custom(format!("{ms} ms is out of range")))
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<i64, E> {
            rfc3339_epoch_ms(text)
                .map(|(ms, _)| ms)
                .map_err(|e| E::custom(format!("{text:?} is not RFC 3339 with an offset: {e}")))
        }
    }
    d.deserialize_any(Instant)
}

/// The labels of one real trip: one line of a labels file.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripLabels {
    /// The trip's `event_id`, as in the trip input.
    pub event_id: String,
    /// The trip's length, m, when known.
    #[serde(default)]
    pub distance_m: Option<f64>,
    /// The manoeuvre kinds the labels cover; all when `None`.
    #[serde(default)]
    pub kinds: Option<Vec<TruthKind>>,
    /// The labelled manoeuvres (none: nothing of the covered kinds happened).
    pub maneuvers: Vec<LabelledManeuver>,
}

impl TripLabels {
    /// Parses and checks one line of a labels file.
    ///
    /// # Errors
    /// An [`InputError`] naming the field: not JSON, a missing or unknown
    /// field, an empty `event_id`, `end_ms` before `start_ms`, a negative or
    /// non-finite peak or distance.
    ///
    /// # Example
    /// ```
    /// use tripscore::sim::TripLabels;
    /// let line = r#"{"event_id":"t1","maneuvers":[{"kind":"brake","start_ms":0,"end_ms":3000,"peak_mps2":4.2}]}"#;
    /// let labels = TripLabels::parse_line(line)?;
    /// assert_eq!(labels.maneuvers.len(), 1);
    /// let bad = r#"{"event_id":"t1","maneuvers":[{"kind":"brake","start_ms":5,"end_ms":3}]}"#;
    /// assert_eq!(TripLabels::parse_line(bad).unwrap_err().field.as_deref(), Some("maneuvers[0].end_ms"));
    /// # Ok::<(), tripscore::InputError>(())
    /// ```
    pub fn parse_line(line: &str) -> Result<Self, InputError> {
        let labels: Self = serde_json::from_str(line).map_err(|e| {
            let kind = if e.is_data() {
                ErrorKind::Field
            } else {
                ErrorKind::Json
            };
            InputError::new(kind, e.to_string())
        })?;
        labels.check().map_err(|e| InputError {
            event_id: Some(labels.event_id.clone()),
            ..e
        })?;
        Ok(labels)
    }

    fn check(&self) -> Result<(), InputError> {
        let value = |field: String, message: &str| {
            InputError::new(ErrorKind::Value, message).with_field(field)
        };
        if self.event_id.is_empty() {
            return Err(value("event_id".into(), "must not be empty"));
        }
        if self
            .distance_m
            .is_some_and(|d| !(d.is_finite() && d >= 0.0))
        {
            return Err(value("distance_m".into(), "must be a finite length ≥ 0"));
        }
        if self.kinds.as_ref().is_some_and(Vec::is_empty) {
            return Err(value("kinds".into(), "must name at least one kind"));
        }
        for (i, m) in self.maneuvers.iter().enumerate() {
            if m.end_ms < m.start_ms {
                return Err(value(
                    format!("maneuvers[{i}].end_ms"),
                    "is before start_ms",
                ));
            }
            if !self.covers(m.kind) {
                return Err(value(
                    format!("maneuvers[{i}].kind"),
                    "is not among the labelled `kinds`",
                ));
            }
            if m.peak_mps2.is_some_and(|p| !(p.is_finite() && p >= 0.0)) {
                return Err(value(
                    format!("maneuvers[{i}].peak_mps2"),
                    "must be a finite acceleration ≥ 0",
                ));
            }
        }
        Ok(())
    }

    /// Whether the labels cover manoeuvres of `kind`.
    #[must_use]
    pub fn covers(&self, kind: TruthKind) -> bool {
        self.kinds.as_ref().is_none_or(|k| k.contains(&kind))
    }

    /// Whether the labels judge the hard class `class` (`hard_accel`,
    /// `hard_brake`, `hard_turn`; see the module docs).
    #[must_use]
    pub fn covers_hard(&self, class: &str) -> bool {
        match class {
            "hard_accel" => self.covers(TruthKind::Accelerate),
            "hard_brake" => self.covers(TruthKind::Brake),
            "hard_turn" => self.covers(TruthKind::LeftTurn) && self.covers(TruthKind::RightTurn),
            _ => false,
        }
    }

    /// The labels as ground truth for [`crate::sim::evaluate_trip`]: `harsh` from
    /// the labelled peak and `cfg`'s hard thresholds where not given, a
    /// missing peak as `f64::INFINITY` (it counts for recall at any minimum
    /// peak), and `distance_m` when the labels do not give one.
    #[must_use]
    pub fn truth(&self, cfg: &AnnotateConfig, distance_m: f64) -> SimTruth {
        let maneuvers = self
            .maneuvers
            .iter()
            .map(|m| {
                let harsh = m.harsh.unwrap_or_else(|| {
                    m.peak_mps2
                        .is_some_and(|p| cfg.is_hard(m.kind.annotation_kind(), p))
                });
                TruthManeuver {
                    kind: m.kind,
                    start_ms: m.start_ms,
                    end_ms: m.end_ms,
                    peak_mps2: m.peak_mps2.unwrap_or(f64::INFINITY),
                    harsh,
                }
            })
            .collect();
        SimTruth {
            event_id: self.event_id.clone(),
            distance_m: self.distance_m.unwrap_or(distance_m),
            maneuvers,
            signals: Vec::new(),
        }
    }
}

#[cfg(test)]
#[path = "labels_tests.rs"]
mod tests;
