//! Annotation: acceleration, brake, coast and turn episodes, hard events, and
//! the valid boundaries, from the [`Kinematics`] of a cleaned trip.
//!
//! Only valid sections are annotated. An **acceleration episode** is a run of
//! fixes whose longitudinal acceleration keeps one sign with magnitude at
//! least `episode_start_mps2` (0.25 m/s²); runs of the same sign less than
//! `merge_gap_ms` apart are one episode (a run of the other sign inside
//! such a gap is part of it, not an episode), and episodes changing the speed by
//! less than the trip's noise allows ([`AnnotateConfig::speed_change_needed_mps`])
//! are dropped (noise blips), as are, without a noise estimate, those
//! shorter than `min_episode_ms`. A
//! decelerating episode is a `brake` when its peak reaches
//! `coast_max_peak_mps2` (1.0 m/s²), else a `coast`.
//!
//! A **turn episode** is a run of one-signed lateral acceleration that
//! reaches `turn_start_mps2` and holds at least `turn_hold_mps2` (half of it:
//! hysteresis, so a long curve whose lateral acceleration dips mid-way is one
//! turn, not fragments none of which turns far enough), lasting at least
//! `min_turn_ms`, that turns the heading by at least `turn_min_heading_deg`;
//! right turns are positive. Runs the same way that each turn less than
//! that join into one while the lateral acceleration keeps their sign
//! between them (`turn_join_fragments`): a gentle curve whose lateral
//! acceleration sinks below the hold level between lobes, the car turning
//! the same way throughout, is one turn, not fragments none of which is
//! one. The heading
//! change integrates the yaw rate over the run and a fix either side, inside
//! the run's valid section. A **roundabout** is found in a group of turn
//! episodes (less than `roundabout_gap_ms` apart): a turn that circles at
//! least `roundabout_min_circle_deg` the way traffic goes round (left in
//! right-hand traffic), on a circle no wider than `roundabout_max_radius_m`
//! (its path over its heading change), between two turns the other way
//! (entry and exit, each
//! `turn_min_heading_deg` to `roundabout_max_deflection_deg`: a veer onto or
//! off the circle, not a junction's right angle) — or next to one of them
//! when it circles at least `roundabout_one_side_circle_deg` (150°), as
//! noise can hide the other — or a single circling turn of at least
//! `roundabout_alone_circle_deg` (300°). The roundabout is that turn, the turns the same way next to it, and
//! its entry and exit; the group's other turns stay left and right turns.
//!
//! An episode is **hard** when its peak reaches the threshold of its kind
//! ([`AnnotateConfig::is_hard`], the one place that decides it; docs/API.md
//! lists the defaults). Episode start and end are the times the signal crosses the start
//! level, interpolated between fixes. Episodes peaking above
//! `max_plausible_mps2` (10 m/s², about 1 g, more than a road car's tyres give)
//! come from inconsistent data — positions jumping against the measured speed —
//! and are counted, not annotated.
//!
//! Lane switches are not annotated: at 1 Hz a lane change (3.5 m sideways over
//! 3–6 s, peak lateral ≈ 0.5–1 m/s²) is the size of GPS noise, so they cannot be
//! told apart reliably (docs/ACCURACY.md).

use serde::{Deserialize, Serialize};

use crate::api::{
    self, AccelerationKind, ApiTime, MAGNITUDE_PER_MPS2, Maneuver, PathWaypoint, SubsecDigits,
};
use crate::detect::clean::CleanTrip;
use crate::detect::kinematics::Kinematics;
use crate::input::Trajectory;

/// Which side traffic drives on (decides which way roundabouts circle).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Traffic {
    /// Drive on the right; roundabouts go counter-clockwise.
    #[default]
    RightHand,
    /// Drive on the left; roundabouts go clockwise.
    LeftHand,
}

/// Thresholds of the annotation stage (defaults in docs/API.md, "Defaults").
///
/// # Units
/// m/s², ms, degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnnotateConfig {
    /// |longitudinal acceleration| that starts and ends an episode, m/s²
    /// (0.25: the API's samples start at about 0.3; docs/ACCURACY.md, "Why
    /// the stages are shaped so").
    pub episode_start_mps2: f64,
    /// A deceleration whose peak stays below this is `coast`, m/s².
    pub coast_max_peak_mps2: f64,
    /// Hard acceleration: peak ≥ this, m/s².
    pub hard_accel_mps2: f64,
    /// Hard brake: peak deceleration ≥ this (`a_long ≤ −this`), m/s².
    pub hard_brake_mps2: f64,
    /// Hard turn: peak |lateral acceleration| ≥ this, m/s².
    pub hard_turn_mps2: f64,
    /// An episode's hardness grows from 0 at this share of its hard
    /// threshold to 1 at the threshold ([`AnnotateConfig::hardness`]): the
    /// graded hard scores count firm events in part, not only those over
    /// the line.
    pub hardness_from_share: f64,
    /// Without a measured-speed noise estimate (positions only), episodes
    /// shorter than this are dropped, ms. With one they are not: at 1 Hz a
    /// real 2–3 s speed change whose peak just reaches the start level is a
    /// run of one fix, under a second between its crossings, and the speed
    /// change measured against the noise tells it from a blip
    /// ([`AnnotateConfig::speed_change_needed_mps`]).
    pub min_episode_ms: i64,
    /// An episode changes the speed by at least this when the trip has no
    /// measured-speed noise estimate (positions only, or too few fixes),
    /// m/s; see [`AnnotateConfig::speed_change_needed_mps`].
    pub min_speed_change_mps: f64,
    /// With a noise estimate σ of the measured speed
    /// (`Kinematics::speed_noise_mps`), an episode changes the speed by at
    /// least this many σ: the default, 4 × √(2/3) ≈ 3.27, is four standard
    /// deviations of the difference of two ±1 s speed fits (each the mean of
    /// three 1 Hz speeds, σ/√3) — what noise alone seldom reaches.
    pub speed_change_noise_multiple: f64,
    /// The least speed change an episode makes whatever the noise, m/s:
    /// more than a step of speeds stored in whole km/h (0.28 m/s), where a
    /// noise estimate can read 0.
    pub min_speed_change_floor_mps: f64,
    /// Same-kind episodes closer than this are merged, ms.
    pub merge_gap_ms: i64,
    /// |lateral acceleration| a turn episode reaches, m/s².
    pub turn_start_mps2: f64,
    /// Once started, a turn episode holds while |lateral acceleration| stays
    /// at this or more, the same way (hysteresis: a long curve whose
    /// lateral acceleration dips mid-way stays one turn), m/s².
    pub turn_hold_mps2: f64,
    /// A turn episode turns the heading by at least this, degrees.
    pub turn_min_heading_deg: f64,
    /// Whether runs the same way that each turn less than
    /// `turn_min_heading_deg` join into one when the lateral acceleration
    /// keeps their sign between them: a long curve whose lateral
    /// acceleration dips below the hold level mid-way, deeper than the
    /// hysteresis bridges, while the car keeps turning the same way.
    pub turn_join_fragments: bool,
    /// A turn episode lasts at least this long, ms (heading noise near stops
    /// makes short wiggles).
    pub min_turn_ms: i64,
    /// A roundabout circles at least this much between its entry and exit,
    /// degrees.
    pub roundabout_min_circle_deg: f64,
    /// A circling turn next to only one entry or exit is a roundabout when
    /// it circles at least this much, degrees (noise can hide the other).
    pub roundabout_one_side_circle_deg: f64,
    /// A circling turn with neither entry nor exit is a roundabout when it
    /// circles at least this much, degrees.
    pub roundabout_alone_circle_deg: f64,
    /// Turns less than this apart can be parts of one roundabout, ms.
    pub roundabout_gap_ms: i64,
    /// A roundabout's entry or exit turns the other way by at most this,
    /// degrees: the deflection onto and off the circle is 30–60° by design, a
    /// junction turn 90°, read at 0.9–1.0 of that (the tails of the yaw
    /// pulse fall below the start level), and the default is half way. A
    /// turn the other way by more is a junction (or a car-park manoeuvre) of
    /// its own, not an entry or exit.
    pub roundabout_max_deflection_deg: f64,
    /// A roundabout's circling turn has a mean radius (its path over its
    /// heading change) of at most this, m. Design guides keep a normal
    /// roundabout's inscribed circle within about 100 m across (e.g. the
    /// UK's DMRB CD 116), a circulating path of radius under 50 m; a turn's
    /// mean radius reads larger than its tightest (twice, for a pulse of
    /// lateral acceleration without a plateau), and the default allows
    /// that. A wider circle the way traffic goes round is a motorway
    /// interchange's loop or a long curve, driven at speed: left and right
    /// turns.
    pub roundabout_max_radius_m: f64,
    /// Traffic side.
    pub traffic: Traffic,
    /// Episodes peaking above this are artefacts of inconsistent data (tyres
    /// cannot give a road car much more than 1 g) and are not annotated, m/s².
    pub max_plausible_mps2: f64,
}

impl Default for AnnotateConfig {
    fn default() -> Self {
        Self {
            episode_start_mps2: 0.25,
            coast_max_peak_mps2: 1.0,
            hard_accel_mps2: 2.25,
            hard_brake_mps2: 3.0,
            hard_turn_mps2: 3.5,
            hardness_from_share: 1.0 / 3.0,
            min_episode_ms: 1000,
            min_speed_change_mps: 0.8,
            speed_change_noise_multiple: 4.0 * (2.0_f64 / 3.0).sqrt(),
            min_speed_change_floor_mps: 0.4,
            merge_gap_ms: 1500,
            turn_start_mps2: 0.6,
            turn_hold_mps2: 0.3,
            turn_min_heading_deg: 15.0,
            turn_join_fragments: true,
            min_turn_ms: 2000,
            roundabout_min_circle_deg: 60.0,
            roundabout_one_side_circle_deg: 150.0,
            roundabout_alone_circle_deg: 300.0,
            roundabout_gap_ms: 6000,
            roundabout_max_deflection_deg: 75.0,
            roundabout_max_radius_m: 100.0,
            traffic: Traffic::RightHand,
            max_plausible_mps2: 10.0,
        }
    }
}

impl AnnotateConfig {
    /// The speed change an acceleration episode makes at least, m/s, on a
    /// trip whose measured speed has noise `speed_noise_mps` (σ, m/s;
    /// `None`: unknown): `speed_change_noise_multiple` × σ, at least
    /// `min_speed_change_floor_mps`; without an estimate
    /// `min_speed_change_mps`. The one place that decides it: a quiet
    /// receiver shows gentle real speed changes a noisy one hides.
    ///
    /// # Example
    /// ```
    /// use tripscore::detect::AnnotateConfig;
    /// let cfg = AnnotateConfig::default();
    /// assert_eq!(cfg.speed_change_needed_mps(None), 0.8);
    /// assert!((cfg.speed_change_needed_mps(Some(0.15)) - 0.49).abs() < 0.01);
    /// assert_eq!(cfg.speed_change_needed_mps(Some(0.01)), 0.4);
    /// assert!(cfg.speed_change_needed_mps(Some(0.5)) > 1.6);
    /// ```
    #[must_use]
    pub fn speed_change_needed_mps(&self, speed_noise_mps: Option<f64>) -> f64 {
        speed_noise_mps.map_or(self.min_speed_change_mps, |sigma| {
            (self.speed_change_noise_multiple * sigma).max(self.min_speed_change_floor_mps)
        })
    }

    /// The least duration of an acceleration episode, ms, on a trip whose
    /// measured speed has noise `speed_noise_mps` (`None`: unknown):
    /// `min_episode_ms` without an estimate, none with one (the speed
    /// change against the noise, [`AnnotateConfig::speed_change_needed_mps`],
    /// tells a one-fix run from a blip). Decided here, beside it.
    #[must_use]
    pub fn min_episode_duration_ms(&self, speed_noise_mps: Option<f64>) -> f64 {
        if speed_noise_mps.is_some() {
            0.0
        } else {
            t_f(self.min_episode_ms)
        }
    }

    /// The hard threshold of `kind`, m/s²: `hard_accel_mps2`,
    /// `hard_brake_mps2`, or `hard_turn_mps2` for every turn kind; infinite
    /// for a coast (a coast is never hard).
    #[must_use]
    pub fn hard_threshold_mps2(&self, kind: AnnotationKind) -> f64 {
        match kind {
            AnnotationKind::Acceleration(AccelerationKind::Accelerate) => self.hard_accel_mps2,
            AnnotationKind::Acceleration(AccelerationKind::Brake) => self.hard_brake_mps2,
            AnnotationKind::Acceleration(AccelerationKind::Coast) => f64::INFINITY,
            AnnotationKind::Turn(_) => self.hard_turn_mps2,
        }
    }

    /// Whether an episode of `kind` peaking at `peak_mps2` is hard: its peak
    /// reaches the hard threshold of its kind. The one place that decides
    /// it: annotation, the pulse fits, the position-jump check and labelled
    /// ground truth all ask here.
    ///
    /// # Example
    /// ```
    /// use tripscore::detect::{AnnotateConfig, AnnotationKind};
    /// use tripscore::api::AccelerationKind;
    /// let cfg = AnnotateConfig::default();
    /// let brake = AnnotationKind::Acceleration(AccelerationKind::Brake);
    /// assert!(cfg.is_hard(brake, 3.0));
    /// assert!(!cfg.is_hard(brake, 2.99));
    /// assert!(!cfg.is_hard(AnnotationKind::Acceleration(AccelerationKind::Coast), 9.0));
    /// ```
    #[must_use]
    pub fn is_hard(&self, kind: AnnotationKind, peak_mps2: f64) -> bool {
        peak_mps2 >= self.hard_threshold_mps2(kind)
    }

    /// How hard an episode of `kind` peaking at `peak_mps2` is, in [0, 1]: 0
    /// up to `hardness_from_share` × its hard threshold, 1 from the
    /// threshold on ([`AnnotateConfig::is_hard`] exactly then), and between
    /// the two a smoothstep (3x² − 2x³): rising smoothly, never falling.
    /// The graded hard scores add it up per km (docs/SCORING.md).
    ///
    /// # Example
    /// ```
    /// use tripscore::detect::{AnnotateConfig, AnnotationKind};
    /// use tripscore::api::AccelerationKind;
    /// let cfg = AnnotateConfig::default();
    /// let brake = AnnotationKind::Acceleration(AccelerationKind::Brake);
    /// assert_eq!(cfg.hardness(brake, 0.9), 0.0); // below a third of 3 m/s²
    /// assert_eq!(cfg.hardness(brake, 2.0), 0.5); // half way to the line
    /// assert_eq!(cfg.hardness(brake, 3.0), 1.0); // hard
    /// assert_eq!(cfg.hardness(brake, 6.0), 1.0);
    /// ```
    #[must_use]
    pub fn hardness(&self, kind: AnnotationKind, peak_mps2: f64) -> f64 {
        let hard = self.hard_threshold_mps2(kind);
        if !hard.is_finite() {
            return 0.0;
        }
        if peak_mps2 >= hard {
            return 1.0;
        }
        let from = self.hardness_from_share * hard;
        let x = ((peak_mps2 - from) / (hard - from)).clamp(0.0, 1.0);
        if x.is_nan() {
            0.0
        } else {
            x * x * (3.0 - 2.0 * x)
        }
    }
}

/// What an annotation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnnotationKind {
    /// An acceleration, brake or coast episode.
    Acceleration(AccelerationKind),
    /// A turn or roundabout.
    Turn(Maneuver),
}

impl AnnotationKind {
    /// The score a hard event of this kind lowers (`hard_accel`,
    /// `hard_brake`, `hard_turn`: roundabouts are turns); `None` for a
    /// coast, which is never hard.
    #[must_use]
    pub fn hard_score(self) -> Option<&'static str> {
        match self {
            Self::Acceleration(AccelerationKind::Accelerate) => Some("hard_accel"),
            Self::Acceleration(AccelerationKind::Brake) => Some("hard_brake"),
            Self::Acceleration(AccelerationKind::Coast) => None,
            Self::Turn(_) => Some("hard_turn"),
        }
    }

    /// The API name of the kind (`accelerate`, `brake`, `coast`, `left_turn`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Acceleration(AccelerationKind::Accelerate) => "accelerate",
            Self::Acceleration(AccelerationKind::Brake) => "brake",
            Self::Acceleration(AccelerationKind::Coast) => "coast",
            Self::Turn(Maneuver::LeftTurn) => "left_turn",
            Self::Turn(Maneuver::RightTurn) => "right_turn",
            Self::Turn(Maneuver::Roundabout) => "roundabout",
            Self::Turn(Maneuver::LaneSwitch) => "lane_switch",
        }
    }
}

/// One detected episode.
///
/// # Units
/// Unix ms (fractional: start and end are interpolated), m/s², degrees.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// What it is.
    pub kind: AnnotationKind,
    /// Start, Unix ms (interpolated).
    pub start_ms: f64,
    /// End, Unix ms (interpolated).
    pub end_ms: f64,
    /// Peak |acceleration| (longitudinal, or lateral for turns), m/s²: the
    /// kinematics signal's, or for a left or right turn the turn shape
    /// fit's where that is larger ([`crate::detect::refine_turns`]).
    pub peak_mps2: f64,
    /// Time of the peak, Unix ms.
    pub peak_at_ms: i64,
    /// Whether the peak reaches the hard threshold of its kind.
    pub hard: bool,
    /// How hard it is, in [0, 1] ([`AnnotateConfig::hardness`]; 1 exactly
    /// when `hard`).
    pub hardness: f64,
    /// Heading change (turns; positive = right), degrees; 0 for accelerations.
    pub heading_change_deg: f64,
    /// First kept-fix position inside it (into `CleanTrip::fixes`).
    pub first_fix: usize,
    /// Last kept-fix position inside it.
    pub last_fix: usize,
}

impl Annotation {
    /// `end - start` in whole milliseconds, from the microsecond times the API
    /// writes (so it equals the written `end - start`, rounded).
    #[must_use]
    pub fn duration_ms(&self) -> i64 {
        let us = epoch_us(self.end_ms) - epoch_us(self.start_ms);
        (us + 500).div_euclid(1000)
    }

    /// The API magnitude: [`MAGNITUDE_PER_MPS2`] × peak m/s².
    #[must_use]
    pub fn magnitude(&self) -> f64 {
        MAGNITUDE_PER_MPS2 * self.peak_mps2
    }

    /// Sets the peak and, from it, whether the episode is hard
    /// ([`AnnotateConfig::is_hard`]): the refinements that move a peak
    /// after annotation change both together.
    pub fn set_peak(&mut self, peak_mps2: f64, cfg: &AnnotateConfig) {
        self.peak_mps2 = peak_mps2;
        self.hard = cfg.is_hard(self.kind, peak_mps2);
        self.hardness = cfg.hardness(self.kind, peak_mps2);
    }

    /// Moves the episode's start, end and peak by `delta_ms` (negative:
    /// earlier).
    pub fn shift_ms(&mut self, delta_ms: i64) {
        #[allow(clippy::cast_precision_loss, reason = "a latency in ms")]
        let delta = delta_ms as f64;
        self.start_ms += delta;
        self.end_ms += delta;
        self.peak_at_ms += delta_ms;
    }

    /// Whether this is a left or right turn (not a roundabout, not an
    /// acceleration).
    #[must_use]
    pub fn is_single_turn(&self) -> bool {
        matches!(
            self.kind,
            AnnotationKind::Turn(Maneuver::LeftTurn | Maneuver::RightTurn)
        )
    }
}

/// A run of one-signed signal at or above a level.
#[derive(Clone, Copy, Debug)]
pub(super) struct Run {
    /// First and last kept-fix position of the run.
    pub(super) lo: usize,
    pub(super) hi: usize,
    /// +1 or −1.
    pub(super) sign: f64,
    /// Where the signal crosses the hold level, Unix ms.
    pub(super) start_ms: f64,
    pub(super) end_ms: f64,
}

#[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
fn t_f(t: i64) -> f64 {
    t as f64
}

/// A signal that changes by less than this between two fixes is flat there:
/// its crossing time is the later fix's, m/s².
const FLAT_MPS2: f64 = 1e-12;

/// Time at which `sign * s` crosses `level` between fixes `a` and `b` (linear).
fn crossing(t: &[i64], s: &[f64], sign: f64, (a, b): (usize, usize), level: f64) -> f64 {
    let (sa, sb) = (sign * s[a], sign * s[b]);
    if !sa.is_finite() || !sb.is_finite() || (sb - sa).abs() < FLAT_MPS2 {
        return t_f(t[b]);
    }
    let f = ((level - sa) / (sb - sa)).clamp(0.0, 1.0);
    t_f(t[a]) + f * t_f(t[b] - t[a])
}

/// Runs in `range` where `sign * s` reaches `start` and stays at `hold` or
/// more (hysteresis; `hold` ≤ `start`), merged across gaps below
/// `merge_gap_ms`. Start and end are where the signal crosses `hold`.
pub(super) fn runs(
    t: &[i64],
    s: &[f64],
    range: std::ops::Range<usize>,
    (start, hold): (f64, f64),
    merge_gap_ms: i64,
) -> Vec<Run> {
    let level = hold.min(start);
    if level <= 0.0 {
        // At 0 or below (a setting) a value can be in runs of both signs.
        return runs_per_sign(t, s, range, (start, level), merge_gap_ms);
    }
    // Above 0 no value is in runs of both signs: one pass finds both, in
    // the order they start.
    let found = scan_runs(t, s, range, (start, level), merge_gap_ms, |v| {
        if v >= level {
            Some(1.0)
        } else if v <= -level {
            Some(-1.0)
        } else {
            None
        }
    });
    in_start_order(found)
}

/// [`runs`] scanned one sign at a time (`level` = the hold level).
fn runs_per_sign(
    t: &[i64],
    s: &[f64],
    range: std::ops::Range<usize>,
    (start, level): (f64, f64),
    merge_gap_ms: i64,
) -> Vec<Run> {
    let levels = (start, level);
    let positive = scan_runs(t, s, range.clone(), levels, merge_gap_ms, |v| {
        (v >= level).then_some(1.0)
    });
    let negative = scan_runs(t, s, range, levels, merge_gap_ms, |v| {
        (-v >= level).then_some(-1.0)
    });
    by_start(positive, negative)
}

/// Runs found in one pass, in the order they were found, as [`by_start`]
/// orders them: by start, a positive run before a negative one of the
/// same start, runs of one sign as found. A pass finds them so already
/// (a run starts after every earlier one starts) but for two runs starting
/// at the very same time, which a stable sort then puts in that order.
fn in_start_order(mut runs: Vec<Run>) -> Vec<Run> {
    let before = |a: &Run, b: &Run| {
        a.start_ms
            .total_cmp(&b.start_ms)
            .then(b.sign.total_cmp(&a.sign))
    };
    if !runs.windows(2).all(|w| before(&w[0], &w[1]).is_lt()) {
        runs.sort_by(before);
    }
    runs
}

/// Positive then negative runs, ordered by their start (stable: a
/// positive run before a negative one of the same start). Each sign's runs
/// come in order already (a scan finds them so), so one merge does what a
/// stable sort of both would; a list out of order is sorted.
fn by_start(mut positive: Vec<Run>, negative: Vec<Run>) -> Vec<Run> {
    let in_order = |runs: &[Run]| {
        runs.windows(2)
            .all(|w| w[0].start_ms.total_cmp(&w[1].start_ms).is_le())
    };
    if !in_order(&positive) || !in_order(&negative) {
        positive.extend(negative);
        positive.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        return positive;
    }
    let mut out = Vec::with_capacity(positive.len() + negative.len());
    let (mut p, mut n) = (
        positive.into_iter().peekable(),
        negative.into_iter().peekable(),
    );
    while let (Some(a), Some(b)) = (p.peek(), n.peek()) {
        // Ties go to the positive run, as the stable sort kept them.
        let next = if b.start_ms.total_cmp(&a.start_ms).is_lt() {
            n.next()
        } else {
            p.next()
        };
        out.extend(next);
    }
    out.extend(p);
    out.extend(n);
    out
}

/// The runs of [`runs`], positive and negative, in the order they are
/// found: `pick` gives the sign of a run a value starts (`None`: none
/// starts there), and the run holds while `sign * s` stays at `level`; each
/// sign's runs merge with the one of that sign before.
fn scan_runs(
    t: &[i64],
    s: &[f64],
    range: std::ops::Range<usize>,
    (start, level): (f64, f64),
    merge_gap_ms: i64,
    pick: impl Fn(f64) -> Option<f64>,
) -> Vec<Run> {
    // Room for a run per two fixes, sized once rather than grown run by
    // run (docs/PERFORMANCE.md, step 104): a signal that leaves its level
    // between runs needs no more; one flipping sign at every fix grows it.
    let mut found: Vec<Run> = Vec::with_capacity(range.len().div_ceil(2));
    // The last run of each sign (positive, negative) in `found`.
    let mut last: [Option<usize>; 2] = [None, None];
    let mut k = range.start;
    while k < range.end {
        // NaN (no estimate) is below every level.
        let Some(sign) = pick(s[k]) else {
            k += 1;
            continue;
        };
        let lo = k;
        let mut reached = false;
        while k < range.end && s[k] * sign >= level {
            reached |= s[k] * sign >= start;
            k += 1;
        }
        let hi = k - 1;
        if !reached {
            continue;
        }
        let start_ms = if lo > range.start {
            crossing(t, s, sign, (lo - 1, lo), level)
        } else {
            t_f(t[lo])
        };
        let end_ms = if hi + 1 < range.end {
            crossing(t, s, sign, (hi, hi + 1), level)
        } else {
            t_f(t[hi])
        };
        let last = &mut last[usize::from(sign < 0.0)];
        match last.map(|i| &mut found[i]) {
            Some(prev) if start_ms - prev.end_ms < t_f(merge_gap_ms) => {
                prev.hi = hi;
                prev.end_ms = end_ms;
            }
            _ => {
                *last = Some(found.len());
                found.push(Run {
                    lo,
                    hi,
                    sign,
                    start_ms,
                    end_ms,
                });
            }
        }
    }
    found
}

pub(super) fn peak(s: &[f64], t: &[i64], run: &Run) -> (f64, i64) {
    (run.lo..=run.hi)
        .filter(|&k| s[k].is_finite())
        .map(|k| (s[k] * run.sign, t[k]))
        .fold(
            (0.0, t[run.lo]),
            |best, x| if x.0 > best.0 { x } else { best },
        )
}

/// The heading change over fixes `lo..=hi` and one fix either side, degrees:
/// the yaw rate integrated by trapezoids. The padding stays inside `section`
/// (the run's valid section): across a gap the yaw rate says nothing of the
/// heading.
pub(super) fn heading_change(
    kin: &Kinematics,
    lo: usize,
    hi: usize,
    section: &std::ops::Range<usize>,
) -> f64 {
    over_turn(kin, &kin.yaw_rate_dps, (lo, hi), section)
}

/// The path length over fixes `lo..=hi` and one fix either side (the span
/// of [`heading_change`]), metres: the speed integrated by trapezoids.
fn path_length_m(kin: &Kinematics, lo: usize, hi: usize, section: &std::ops::Range<usize>) -> f64 {
    over_turn(kin, &kin.speed_mps, (lo, hi), section)
}

/// The integral of `w` (a rate per second) over fixes `lo..=hi` and one fix
/// either side inside `section`, by trapezoids, skipping intervals with an
/// end not finite.
fn over_turn(
    kin: &Kinematics,
    w: &[f64],
    (lo, hi): (usize, usize),
    section: &std::ops::Range<usize>,
) -> f64 {
    let t = &kin.time_ms;
    let lo = lo.saturating_sub(1).max(section.start);
    let hi = (hi + 1).min(section.end.saturating_sub(1)).min(t.len() - 1);
    (lo..hi)
        .filter(|&k| w[k].is_finite() && w[k + 1].is_finite())
        .map(|k| 0.5 * (w[k] + w[k + 1]) * t_f(t[k + 1] - t[k]) / 1000.0)
        .sum()
}

fn acceleration_episodes(
    kin: &Kinematics,
    range: std::ops::Range<usize>,
    cfg: &AnnotateConfig,
) -> Vec<Annotation> {
    let (t, a) = (&kin.time_ms, &kin.accel_long_mps2);
    let level = cfg.episode_start_mps2;
    let min_dv = cfg.speed_change_needed_mps(kin.speed_noise_mps);
    let min_ms = cfg.min_episode_duration_ms(kin.speed_noise_mps);
    let section = range.clone();
    let runs = runs(t, a, range, (level, level), cfg.merge_gap_ms);
    // Sized for every run, not grown as the kept ones come.
    let mut found = Vec::with_capacity(runs.len());
    found.extend(
        runs.into_iter()
            .filter(|r| r.end_ms - r.start_ms >= min_ms)
            // The speed change from the fix before the run to the fix
            // after it, both in the run's section: across a gap the speed
            // says nothing of this run (docs/ACCURACY.md).
            .filter(|r| {
                let lo = r.lo.saturating_sub(1).max(section.start);
                let hi = (r.hi + 1).min(section.end - 1);
                (kin.speed_mps[hi] - kin.speed_mps[lo]).abs() >= min_dv
            })
            .map(|r| {
                let (peak_mps2, peak_at_ms) = peak(a, t, &r);
                let kind = AnnotationKind::Acceleration(if r.sign > 0.0 {
                    AccelerationKind::Accelerate
                } else if peak_mps2 >= cfg.coast_max_peak_mps2 {
                    AccelerationKind::Brake
                } else {
                    AccelerationKind::Coast
                });
                episode(kind, (&r, &r), (peak_mps2, peak_at_ms), 0.0, cfg)
            }),
    );
    // A run of one sign inside the gap a merged run of the other sign
    // spans belongs to that episode (the gap is part of it): a blip, not an
    // episode of its own. The runs come in start order, so an episode
    // inside another ends before the latest end seen so far.
    let mut reach_ms = f64::NEG_INFINITY;
    found.retain(|a| {
        let inside = a.end_ms < reach_ms;
        reach_ms = reach_ms.max(a.end_ms);
        !inside
    });
    found
}

/// An episode of `kind` from run `first` to run `last` (the same run but
/// for a roundabout), with its peak (m/s², Unix ms) and heading change
/// (degrees); `hard` from the peak ([`AnnotateConfig::is_hard`]).
pub(super) fn episode(
    kind: AnnotationKind,
    (first, last): (&Run, &Run),
    (peak_mps2, peak_at_ms): (f64, i64),
    heading_change_deg: f64,
    cfg: &AnnotateConfig,
) -> Annotation {
    Annotation {
        kind,
        start_ms: first.start_ms,
        end_ms: last.end_ms,
        peak_mps2,
        peak_at_ms,
        hard: cfg.is_hard(kind, peak_mps2),
        hardness: cfg.hardness(kind, peak_mps2),
        heading_change_deg,
        first_fix: first.lo,
        last_fix: last.hi,
    }
}

fn turn_episodes(
    kin: &Kinematics,
    range: std::ops::Range<usize>,
    cfg: &AnnotateConfig,
) -> Vec<Annotation> {
    let (t, lat) = (&kin.time_ms, &kin.accel_lat_mps2);
    let section = range.clone();
    // Turn runs are not merged here: a sign change inside a roundabout matters.
    let levels = (cfg.turn_start_mps2, cfg.turn_hold_mps2);
    let runs = runs(t, lat, range, levels, 0);
    let mut turns: Vec<(Run, f64)> = Vec::with_capacity(runs.len());
    for r in runs
        .into_iter()
        .filter(|r| r.end_ms - r.start_ms >= t_f(cfg.min_turn_ms))
    {
        let dh = heading_change(kin, r.lo, r.hi, &section);
        match turns.last_mut() {
            Some((prev, prev_dh)) if joins(cfg, lat, (prev, *prev_dh), (&r, dh)) => {
                prev.hi = r.hi;
                prev.end_ms = r.end_ms;
                *prev_dh = heading_change(kin, prev.lo, prev.hi, &section);
            }
            _ => turns.push((r, dh)),
        }
    }
    turns.retain(|(_, dh)| dh.abs() >= cfg.turn_min_heading_deg);
    let circling_sign = match cfg.traffic {
        Traffic::RightHand => -1.0,
        Traffic::LeftHand => 1.0,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < turns.len() {
        // A group: turns less than roundabout_gap_ms apart.
        let mut j = i + 1;
        while j < turns.len()
            && turns[j].0.start_ms - turns[j - 1].0.end_ms < t_f(cfg.roundabout_gap_ms)
        {
            j += 1;
        }
        let group = &turns[i..j];
        // Roundabouts in the group, as index spans; the other turns stay turns.
        let mut from = 0;
        // A turn's mean radius: its path over its heading change (asked
        // only of a turn that could be a roundabout's circle).
        let radius_m = |m: usize| {
            let (r, dh) = &group[m];
            path_length_m(kin, r.lo, r.hi, &section) / dh.abs().to_radians()
        };
        for (a, b) in roundabout_spans(group, radius_m, cfg, circling_sign) {
            out.extend(
                group[from..a]
                    .iter()
                    .map(|(r, dh)| turn_annotation(kin, r, *dh, cfg)),
            );
            let (first, last) = (&group[a].0, &group[b].0);
            let (peak_mps2, peak_at_ms) = group[a..=b]
                .iter()
                .map(|(r, _)| peak(lat, t, r))
                .fold((0.0, t[first.lo]), |b, x| if x.0 > b.0 { x } else { b });
            out.push(episode(
                AnnotationKind::Turn(Maneuver::Roundabout),
                (first, last),
                (peak_mps2, peak_at_ms),
                group[a..=b].iter().map(|(_, dh)| dh).sum(),
                cfg,
            ));
            from = b + 1;
        }
        out.extend(
            group[from..]
                .iter()
                .map(|(r, dh)| turn_annotation(kin, r, *dh, cfg)),
        );
        i = j;
    }
    out
}

/// Whether turn run `next` (heading change `next_dh`, degrees) joins the
/// run before it (`prev`, `prev_dh`): `turn_join_fragments` is on, both
/// turn the same way by less than `turn_min_heading_deg`, and the lateral
/// acceleration `lat` keeps their sign at every fix between them (a NaN
/// does not: no estimate is no evidence of a curve; runs that do not
/// follow one another do not join).
fn joins(
    cfg: &AnnotateConfig,
    lat: &[f64],
    (prev, prev_dh): (&Run, f64),
    (next, next_dh): (&Run, f64),
) -> bool {
    cfg.turn_join_fragments
        && (prev.sign > 0.0) == (next.sign > 0.0)
        && prev_dh.abs() < cfg.turn_min_heading_deg
        && next_dh.abs() < cfg.turn_min_heading_deg
        && lat
            .get(prev.hi + 1..next.lo)
            .is_some_and(|between| between.iter().all(|&a| a * next.sign > 0.0))
}

/// A left or right turn episode.
fn turn_annotation(kin: &Kinematics, r: &Run, dh: f64, cfg: &AnnotateConfig) -> Annotation {
    let (peak_mps2, peak_at_ms) = peak(&kin.accel_lat_mps2, &kin.time_ms, r);
    let kind = AnnotationKind::Turn(if dh > 0.0 {
        Maneuver::RightTurn
    } else {
        Maneuver::LeftTurn
    });
    episode(kind, (r, r), (peak_mps2, peak_at_ms), dh, cfg)
}

/// The roundabouts of a group of turns (each with its heading change, deg),
/// as inclusive index spans in order: a circling turn that qualifies (see
/// the module docs), with the turns the same way next to it (a circle that
/// smoothing split) and the counter-turns that enter and leave it (one or
/// more, while together they deflect at most `roundabout_max_deflection_deg`).
/// Turns before and after are other junctions, not part of the roundabout.
fn roundabout_spans(
    group: &[(Run, f64)],
    radius_m: impl Fn(usize) -> f64,
    cfg: &AnnotateConfig,
    circling_sign: f64,
) -> Vec<(usize, usize)> {
    // Round the circle the way traffic goes, no wider than a roundabout.
    let circling =
        |m: usize| group[m].1 * circling_sign > 0.0 && radius_m(m) <= cfg.roundabout_max_radius_m;
    // An entry or exit: a turn the other way, by less than a junction's.
    let counter = |m: usize| {
        let deflection_deg = group[m].1 * -circling_sign;
        (cfg.turn_min_heading_deg..=cfg.roundabout_max_deflection_deg).contains(&deflection_deg)
    };
    let core = |k: usize| {
        let circle_deg = group[k].1 * circling_sign;
        let before = k > 0 && counter(k - 1);
        let after = k + 1 < group.len() && counter(k + 1);
        (circle_deg >= cfg.roundabout_alone_circle_deg
            || (circle_deg >= cfg.roundabout_min_circle_deg
                && ((before && after)
                    || ((before || after) && circle_deg >= cfg.roundabout_one_side_circle_deg))))
            && circling(k)
    };
    let mut spans = Vec::new();
    let mut k = 0;
    while k < group.len() {
        if !core(k) {
            k += 1;
            continue;
        }
        let floor = spans.last().map_or(0, |&(_, b): &(usize, usize)| b + 1);
        let (mut a, mut b) = (k, k);
        while a > floor && circling(a - 1) {
            a -= 1;
        }
        let mut entry_deg = 0.0;
        while a > floor
            && counter(a - 1)
            && entry_deg + group[a - 1].1.abs() <= cfg.roundabout_max_deflection_deg
        {
            a -= 1;
            entry_deg += group[a].1.abs();
        }
        while b + 1 < group.len() && circling(b + 1) {
            b += 1;
        }
        let mut exit_deg = 0.0;
        while b + 1 < group.len()
            && counter(b + 1)
            && exit_deg + group[b + 1].1.abs() <= cfg.roundabout_max_deflection_deg
        {
            b += 1;
            exit_deg += group[b].1.abs();
        }
        spans.push((a, b));
        k = b + 1;
    }
    spans
}

/// Detected episodes, and how many were rejected as physically implausible.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Annotations {
    /// Episodes in start order.
    pub episodes: Vec<Annotation>,
    /// Episodes peaking above `max_plausible_mps2`, left out.
    pub implausible: usize,
}

/// Detects the annotations of a cleaned trip, in start order (see the module docs).
#[must_use]
pub fn annotate(clean: &CleanTrip, kin: &Kinematics, cfg: &AnnotateConfig) -> Annotations {
    let mut episodes = Vec::new();
    for section in clean.sections.iter().filter(|s| s.valid) {
        episodes.extend(acceleration_episodes(kin, section.range(), cfg));
        episodes.extend(turn_episodes(kin, section.range(), cfg));
    }
    let before = episodes.len();
    episodes.retain(|a| a.peak_mps2 <= cfg.max_plausible_mps2);
    episodes.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms).then(a.kind.cmp(&b.kind)));
    Annotations {
        implausible: before - episodes.len(),
        episodes,
    }
}

/// Fractional Unix ms to whole Unix µs.
fn epoch_us(ms: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation, reason = "Unix µs fit in i64")]
    let us = (ms * 1000.0).round() as i64;
    us
}

/// An instant of the trip in the offset of kept fix `k`, with microseconds.
fn api_time(trip: &Trajectory, clean: &CleanTrip, k: usize, ms: f64) -> Option<ApiTime> {
    let offset = trip.utc_offset_s()[clean.fixes[k]];
    ApiTime::from_epoch_us(epoch_us(ms), offset, SubsecDigits::Micros)
}

/// The API annotations of a trip: each valid boundary, then each episode, in
/// time order — all in the car's time: the boundaries' fix times less
/// `latency_ms`, as the episodes' were (`TimingConfig`) (docs/API.md, "Annotations").
#[must_use]
pub fn api_annotations(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    annotations: &[Annotation],
    latency_ms: i64,
) -> Vec<api::BehaviorAnnotation> {
    let mut items: Vec<(f64, Option<api::BehaviorAnnotation>)> = Vec::new();
    for s in clean.sections.iter().filter(|s| s.valid) {
        // In the car's time, as the episodes: the fixes' less the latency.
        let (t0, t1) = (
            t_f(kin.time_ms[s.start] - latency_ms),
            t_f(kin.time_ms[s.end - 1] - latency_ms),
        );
        let b = api_time(trip, clean, s.start, t0)
            .zip(api_time(trip, clean, s.end - 1, t1))
            .map(|(start, end)| api::BehaviorAnnotation::Boundary {
                start,
                end,
                quality: api::Quality::Valid,
            });
        items.push((t0, b));
    }
    let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
    for a in annotations {
        let path = (a.first_fix..=a.last_fix)
            .map(|k| PathWaypoint {
                latitude: lat[clean.fixes[k]],
                longitude: lon[clean.fixes[k]],
            })
            .collect();
        let (Some(start), Some(end)) = (
            api_time(trip, clean, a.first_fix, a.start_ms),
            api_time(trip, clean, a.last_fix, a.end_ms),
        ) else {
            continue;
        };
        let duration = a.duration_ms();
        let magnitude = a.magnitude();
        let item = match a.kind {
            AnnotationKind::Acceleration(acceleration) => api::BehaviorAnnotation::Acceleration {
                start,
                end,
                acceleration,
                duration,
                magnitude,
                path,
            },
            AnnotationKind::Turn(maneuver) => api::BehaviorAnnotation::Turn {
                start,
                end,
                duration,
                maneuver,
                magnitude,
                path,
            },
        };
        items.push((a.start_ms, Some(item)));
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0));
    items.into_iter().filter_map(|(_, i)| i).collect()
}

#[cfg(test)]
#[path = "annotate_tests.rs"]
mod tests;
