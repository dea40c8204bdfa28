//! The per-trip pipeline: clean → kinematics → annotate → turnfit, with one [`Config`].

use serde::{Deserialize, Serialize};

use crate::annotate::{AnnotateConfig, Annotation, annotate, api_annotations};
use crate::api::{self, ApiTime, SubsecDigits};
use crate::brakefit::{BrakeFitConfig, refine_brakes};
use crate::clean::{CleanConfig, CleanTrip, clean};
use crate::kinematics::{Kinematics, KinematicsConfig, kinematics};
use crate::score::ScoreConfig;
use crate::trajectory::{Interval, Trajectory};
use crate::turnfit::{TurnFitConfig, check_position_jumps, refine_turns};

/// Every setting of the pipeline, with documented defaults (`tripscore config --default`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Cleaning thresholds.
    pub clean: CleanConfig,
    /// Kinematics estimator settings.
    pub kinematics: KinematicsConfig,
    /// Annotation thresholds.
    pub annotate: AnnotateConfig,
    /// The turn shape fit that refines turn peaks.
    pub turn_fit: TurnFitConfig,
    /// The brake pulse fit that refines the peaks of short brakes.
    pub brake_fit: BrakeFitConfig,
    /// Score scales and minimums.
    pub score: ScoreConfig,
}

/// Everything the pipeline found for one trip.
#[derive(Clone, Debug, PartialEq)]
pub struct TripAnalysis {
    /// Kept fixes, sections and the cleaning report.
    pub clean: CleanTrip,
    /// Signals per kept fix.
    pub kinematics: Kinematics,
    /// Detected episodes, in start order.
    pub annotations: Vec<Annotation>,
    /// Episodes rejected as physically implausible.
    pub implausible_episodes: usize,
    /// Turns whose fixes jump against the measured speed, their peaks capped
    /// ([`crate::check_position_jumps`]).
    pub turns_with_position_jumps: usize,
}

/// Runs clean → kinematics → annotate → turnfit → brakefit (and the
/// position-jump check) on one trip.
///
/// # Example
/// ```
/// use tripscore::{analyze, simulate_trip, Config, InputRecord, Payload, RecordPos, SimConfig};
/// let sim = simulate_trip(&SimConfig::default(), 0);
/// let line = serde_json::to_string(&sim)?;
/// let trip = InputRecord { pos: RecordPos { source: "sim".into(), line: 1 }, payload: Payload::JsonLine(line) }
///     .into_trajectory()?;
/// let analysis = analyze(&trip, &Config::default());
/// assert!(!analysis.annotations.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn analyze(trip: &Trajectory, cfg: &Config) -> TripAnalysis {
    let clean = clean(trip, &cfg.clean);
    let kinematics = kinematics(trip, &clean, &cfg.kinematics);
    let mut found = annotate(&clean, &kinematics, &cfg.annotate);
    refine_turns(
        trip,
        &clean,
        &kinematics,
        &mut found.episodes,
        &cfg.turn_fit,
        &cfg.annotate,
    );
    refine_brakes(
        trip,
        &clean,
        &kinematics,
        &mut found.episodes,
        &cfg.brake_fit,
        &cfg.annotate,
    );
    let turns_with_position_jumps = check_position_jumps(
        trip,
        &clean,
        &kinematics,
        &mut found.episodes,
        &cfg.turn_fit,
        &cfg.annotate,
    );
    TripAnalysis {
        clean,
        kinematics,
        annotations: found.episodes,
        implausible_episodes: found.implausible,
        turns_with_position_jumps,
    }
}

impl TripAnalysis {
    /// The API annotations: valid boundaries and episodes in time order.
    #[must_use]
    pub fn api_annotations(&self, trip: &Trajectory) -> Vec<api::BehaviorAnnotation> {
        api_annotations(trip, &self.clean, &self.kinematics, &self.annotations)
    }

    /// Time the phone was handled during the trip, ms; 0 without phone data.
    #[must_use]
    pub fn phone_handling_ms(&self, trip: &Trajectory) -> i64 {
        self.covered_ms(trip, trip.phone_handling())
    }

    /// Time the phone was mounted during the trip, ms; 0 without mount data.
    #[must_use]
    pub fn mounted_ms(&self, trip: &Trajectory) -> i64 {
        self.covered_ms(trip, trip.mounted())
    }

    /// Time between the first and last kept fix covered by `intervals` (sorted;
    /// overlaps counted once), ms.
    fn covered_ms(&self, trip: &Trajectory, intervals: Option<&[Interval]>) -> i64 {
        let (Some(t), Some(intervals)) = (trip.time_ms(), intervals) else {
            return 0;
        };
        let (Some(&first), Some(&last)) = (self.clean.fixes.first(), self.clean.fixes.last())
        else {
            return 0;
        };
        let (start, end) = (t[first], t[last]);
        let mut total = 0;
        let mut covered_to = start;
        for iv in intervals {
            let (a, b) = (iv.start_ms.max(covered_to), iv.end_ms.min(end));
            if b > a {
                total += b - a;
                covered_to = b;
            }
        }
        total
    }

    /// The Transport event of the trip (SPEC §3), or `None` for an untimed path.
    #[must_use]
    pub fn transport_event(&self, trip: &Trajectory) -> Option<api::TransportEvent> {
        let t = trip.time_ms()?;
        let (&first, &last) = (self.clean.fixes.first()?, self.clean.fixes.last()?);
        let offsets = trip.utc_offset_s();
        #[allow(clippy::cast_precision_loss, reason = "ms of one trip")]
        let phone_handling = self.phone_handling_ms(trip) as f64;
        Some(api::TransportEvent {
            start: ApiTime::from_epoch_ms(t[first], offsets[first], SubsecDigits::Millis)?,
            end: ApiTime::from_epoch_ms(t[last], offsets[last], SubsecDigits::Millis)?,
            analysis_type: None,
            event_id: trip.event_id().to_owned(),
            user_id: trip.user_id().map(str::to_owned),
            mode: "car".to_owned(),
            distance: self.clean.distance_m(),
            behavior_features: api::BehaviorFeatures {
                phone_handling,
                distance_during_annotations: self.clean.valid_distance_m(),
            },
        })
    }
}
