//! Detection: from a validated [`Trajectory`] to cleaned fixes, kinematic
//! signals and behaviour episodes ([`analyze`]).
//!
//! The stages run in this order, each a module with its own config:
//! 1. [`clean()`] ([`CleanConfig`]): time order, duplicates, stale fixes,
//!    spikes, gaps, valid sections;
//! 2. [`kinematics()`] ([`KinematicsConfig`]): speed, longitudinal and lateral
//!    acceleration, yaw rate and jerk per kept fix;
//! 3. [`annotate()`] ([`AnnotateConfig`]): acceleration, brake, coast, turn
//!    and roundabout episodes, and whether each is hard
//!    ([`AnnotateConfig::is_hard`], the one place that decides it); and
//!    [`lane_switches`] ([`LaneSwitchConfig`], off by default);
//! 4. [`refine_turns`] ([`TurnFitConfig`]) and [`refine_brakes`]
//!    ([`BrakeFitConfig`]): the peaks of short turns and brakes from a pulse
//!    model fitted to their fixes (one shared solver);
//! 5. [`check_position_jumps`] ([`PositionJumpConfig`]): turns whose fixes
//!    jump against the measured speed (without one, the speed from
//!    positions) are capped, and so are acceleration episodes when the
//!    speed comes from positions;
//! 6. the receiver's latency ([`TimingConfig`]) is taken off every
//!    annotation's times.
//!
//! Imports `input`, `api` and `geodesy`; nothing above.

mod annotate;
mod brakefit;
mod clean;
mod jumps;
mod kinematics;
mod lanes;
mod pulse;
mod turnfit;

use serde::{Deserialize, Serialize};

use crate::api::{self, ApiTime, SubsecDigits};
use crate::input::{Interval, Trajectory};

pub use self::annotate::{
    AnnotateConfig, Annotation, AnnotationKind, Annotations, Traffic, annotate, api_annotations,
};
pub use self::brakefit::{BrakeFitConfig, refine_brakes};
pub use self::clean::{CleanConfig, CleanReport, CleanTrip, Section, clean};
pub use self::jumps::{PositionJumpConfig, PositionJumps, check_position_jumps};
pub use self::kinematics::{Estimator, Kinematics, KinematicsConfig, SpeedSource, kinematics};
pub use self::lanes::{LaneSwitchConfig, lane_switches};
pub use self::turnfit::{TurnFitConfig, refine_turns};

/// Every setting of detection, one section per stage (the `detect` part of
/// [`crate::Config`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DetectConfig {
    /// Cleaning thresholds.
    pub clean: CleanConfig,
    /// Kinematics estimator settings.
    pub kinematics: KinematicsConfig,
    /// Annotation thresholds, the hard-event thresholds among them.
    pub annotate: AnnotateConfig,
    /// Lane-switch detection (off by default).
    pub lane_switch: LaneSwitchConfig,
    /// The turn shape fit that refines turn peaks.
    pub turn_fit: TurnFitConfig,
    /// The brake pulse fit that refines the peaks of short brakes.
    pub brake_fit: BrakeFitConfig,
    /// The check that caps turns whose fixes jump.
    pub position_jumps: PositionJumpConfig,
    /// The receiver's latency, taken off annotation times.
    pub timing: TimingConfig,
}

/// When the receiver's time stamps say things happened.
///
/// # Units
/// Milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimingConfig {
    /// How late GPS fixes are stamped: a fix stamped t shows the car as it
    /// was at t − this, ms. Every annotation's start, end and peak are moved
    /// earlier by it. The default is measured on the shipped real drives
    /// against vehicle sensors (docs/ACCURACY.md, "GPS latency"): GPS speed
    /// and longitudinal acceleration trail the car's OBD speed by 750 ms
    /// (ikhyd, correlation 0.885 → 0.943), the course trails the vehicle
    /// gyro by about 1 s (driveplotr-nds). 0 for a receiver without lag.
    pub gps_latency_ms: i64,
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            gps_latency_ms: 750,
        }
    }
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
    /// ([`check_position_jumps`]).
    pub turns_with_position_jumps: usize,
    /// Acceleration episodes whose fixes jump against the speed from
    /// positions, their peaks capped (none when the speed is measured;
    /// [`check_position_jumps`]).
    pub accelerations_with_position_jumps: usize,
    /// The latency taken off the annotations' times, ms
    /// ([`TimingConfig::gps_latency_ms`]): kinematic signals keep the fixes'
    /// own times, annotations are in the car's time.
    pub latency_ms: i64,
}

/// Runs clean → kinematics → annotate (with lane switches when they are on)
/// → turn fit → brake fit → position-jump check on one trip, and takes the receiver's latency off the annotations'
/// times.
///
/// # Example
/// ```
/// use tripscore::{analyze, parse_line, simulate_trip, DetectConfig, SimConfig, Trajectory};
/// let sim = simulate_trip(&SimConfig::default(), 0);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let analysis = analyze(&trip, &DetectConfig::default());
/// assert!(!analysis.annotations.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn analyze(trip: &Trajectory, cfg: &DetectConfig) -> TripAnalysis {
    let clean = clean(trip, &cfg.clean);
    let kinematics = kinematics(trip, &clean, &cfg.kinematics);
    let mut found = annotate(&clean, &kinematics, &cfg.annotate);
    let lanes = lane_switches(
        &clean,
        &kinematics,
        &found.episodes,
        &cfg.lane_switch,
        &cfg.annotate,
    );
    if !lanes.is_empty() {
        found.episodes.extend(lanes);
        found
            .episodes
            .sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms).then(a.kind.cmp(&b.kind)));
    }
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
    let position_jumps = check_position_jumps(
        trip,
        &clean,
        &kinematics,
        &mut found.episodes,
        &cfg.position_jumps,
        &cfg.annotate,
    );
    let latency_ms = cfg.timing.gps_latency_ms;
    for a in &mut found.episodes {
        a.shift_ms(-latency_ms);
    }
    TripAnalysis {
        clean,
        kinematics,
        annotations: found.episodes,
        implausible_episodes: found.implausible,
        turns_with_position_jumps: position_jumps.turns,
        accelerations_with_position_jumps: position_jumps.accelerations,
        latency_ms,
    }
}

impl TripAnalysis {
    /// The kept fix at or just after `at_ms` (the last one after the trip),
    /// as a position into `clean.fixes`: where an event peaking then is
    /// placed (its zone, its place in an explanation); `None` without kept
    /// fixes.
    #[must_use]
    pub fn kept_fix_at(&self, at_ms: i64) -> Option<usize> {
        let n = self.clean.fixes.len();
        (n > 0).then(|| {
            self.kinematics
                .time_ms
                .partition_point(|&t| t < at_ms)
                .min(n - 1)
        })
    }

    /// The API annotations: valid boundaries and episodes in time order.
    #[must_use]
    pub fn api_annotations(&self, trip: &Trajectory) -> Vec<api::BehaviorAnnotation> {
        api_annotations(
            trip,
            &self.clean,
            &self.kinematics,
            &self.annotations,
            self.latency_ms,
        )
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

    /// The Transport event of the trip (docs/API.md, "Transport event"), or `None` for an untimed path.
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
