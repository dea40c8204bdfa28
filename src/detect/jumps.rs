//! The position-jump check: turns and roundabouts whose fixes jump against
//! the measured speed (without one, the speed from positions) are capped,
//! and so are acceleration episodes when the speed comes from positions.
//!
//! On real drives, receivers' positions sometimes jump by metres within a
//! second while the measured (Doppler) speed stays smooth; the curvature of
//! the fixes there is the receiver's, not the car's. Against the
//! driveplotr-nds vehicle gyro such turns read up to 2.7 × the gyro, and
//! they were where the false hard turns came from (docs/ACCURACY.md).
//! Without measured speed (a GPX file, a logger that records none) the
//! kinematics' own speed, a ±2 s fit of the positions, is the reference:
//! a fix's position barely moves its own fitted speed (not at all on an
//! even clock) and moves its neighbours' by a tenth of a jump, so a chord
//! still stands out against it. Speed from positions moves with a jump
//! too, so then acceleration episodes are checked as well: on the nds
//! drives with their speed left out that takes hard accelerations 70 → 52
//! and hard brakes 13 → 4, and 25 of the 27 no longer hard have no
//! vehicle-accelerometer reading of 2 m/s² within ±3 s (docs/ACCURACY.md). The check runs after the turn and brake
//! fits, whether or not they are enabled.

use serde::{Deserialize, Serialize};

use crate::api::Maneuver;
use crate::detect::annotate::{AnnotateConfig, Annotation, AnnotationKind};
use crate::detect::clean::CleanTrip;
use crate::detect::kinematics::Kinematics;
use crate::input::Trajectory;

/// Settings of the position-jump check.
///
/// # Units
/// Metres, robust standard deviations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PositionJumpConfig {
    /// Whether turns (and, with speed from positions, acceleration
    /// episodes) are checked at all.
    pub enabled: bool,
    /// A fix interval whose chord differs from the distance the measured
    /// speed (without one, the speed from positions) drove by more than
    /// this, and by more than `sigmas` × the trip's usual difference, is a
    /// position jump, m.
    pub min_jump_m: f64,
    /// See `min_jump_m`: the trip's usual chord − driven difference is its
    /// robust standard deviation (1.4826 × the median absolute difference),
    /// so a noisier receiver needs a larger jump.
    pub sigmas: f64,
}

impl Default for PositionJumpConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_jump_m: 3.0,
            sigmas: 4.0,
        }
    }
}

/// How many episodes of each sort had a position jump
/// ([`check_position_jumps`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PositionJumps {
    /// Turns and roundabouts.
    pub turns: usize,
    /// Acceleration episodes (accelerations, brakes, coasts), checked only
    /// when the speed comes from positions.
    pub accelerations: usize,
}

/// The robust standard deviation of a normal sample per median absolute
/// deviation (1 / Φ⁻¹(3/4)).
const MAD_TO_SIGMA: f64 = 1.4826;

/// |chord − driven| of the fix interval ending at kept fix `k`, m: the
/// straight distance between kept fixes `k − 1` and `k` against the
/// distance the car drove between them at the mean of its speed at the two.
///
/// That speed is the measured one where the kinematics use it (`None`
/// without it at either fix); else the kinematics' speed from positions, a
/// ±2 s fit in which a fix's own position barely moves its speed and
/// moves its neighbours' by a tenth of a jump — the reference a chord is
/// held against, not an echo of it. Its one bias: across a sharp corner
/// the fit averages directions and reads up to a fifth low
/// (`turnfit::arc_speeds`); the trip's usual difference (`sigmas`) keeps
/// most such corners below the limit (13 turns flagged in 300 jump-free
/// simulated trips, docs/ACCURACY.md).
fn position_jump_m(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    time_ms: &[i64],
    k: usize,
) -> Option<f64> {
    let (i, j) = (clean.fixes[k - 1], clean.fixes[k]);
    let (v_i, v_j) = if kin.speed_measured {
        (trip.speed_kmh(i)? / 3.6, trip.speed_kmh(j)? / 3.6)
    } else {
        (*kin.speed_mps.get(k - 1)?, *kin.speed_mps.get(k)?)
    };
    #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
    let driven_m = 0.5 * (v_i + v_j) * (time_ms[j] - time_ms[i]) as f64 / 1000.0;
    // The cleaning measured this step already (the same distance, bit for
    // bit) unless it set it to 0 for a parked car.
    let chord_m = match clean.step_m.get(k - 1) {
        Some(&step_m) if step_m > 0.0 => step_m,
        _ => trip.step_between_m(i, j),
    };
    let jump_m = (chord_m - driven_m).abs();
    jump_m.is_finite().then_some(jump_m)
}

/// [`position_jump_m`] of a trip's kept intervals, each worked out when
/// first asked for: the episodes overlap (a brake inside a turn) and the
/// trip's usual difference reads them all.
struct JumpColumn<'a> {
    trip: &'a Trajectory,
    clean: &'a CleanTrip,
    kin: &'a Kinematics,
    time_ms: &'a [i64],
    /// Per interval ending at kept fix `k`: its difference, m; NaN where it
    /// has none; −1 while not worked out.
    values_m: Vec<f64>,
}

impl JumpColumn<'_> {
    /// [`position_jump_m`] of the interval ending at kept fix `k`, NaN for
    /// `None`.
    fn at(&mut self, k: usize) -> f64 {
        if self.values_m.is_empty() {
            self.values_m = vec![-1.0; self.clean.fixes.len()];
        }
        if self.values_m[k] < 0.0 {
            self.values_m[k] = position_jump_m(self.trip, self.clean, self.kin, self.time_ms, k)
                .unwrap_or(f64::NAN);
        }
        self.values_m[k]
    }
}

/// The trip's robust standard deviation of [`position_jump_m`] over the
/// intervals inside its sections, m ([`MAD_TO_SIGMA`] × the median); `None` without
/// any.
fn usual_jump_m(column: &mut JumpColumn) -> Option<f64> {
    let clean = column.clean;
    let mut jumps: Vec<f64> = clean
        .sections
        .iter()
        .flat_map(|s| s.start + 1..s.end)
        .map(|k| column.at(k))
        .filter(|x| !x.is_nan())
        .collect();
    if jumps.is_empty() {
        return None;
    }
    let mid = jumps.len() / 2;
    let (_, median, _) = jumps.select_nth_unstable_by(mid, f64::total_cmp);
    Some(MAD_TO_SIGMA * *median)
}

/// Caps the peaks of turns and roundabouts whose fixes jump (and of
/// acceleration episodes, when the speed comes from positions): where a fix
/// interval of the turn (or one either side) covers a distance differing
/// from what the car drove at its speed (measured, or without that the
/// kinematics' speed from positions) by more than `cfg.min_jump_m`
/// and than `cfg.sigmas` × the trip's usual difference, the
/// position error changed by metres within a second, and the
/// curvature of the fixes there is the receiver's, not the car's (on the
/// driveplotr-nds drives such turns read up to 2.7 × the vehicle gyro,
/// docs/ACCURACY.md). Such a turn's peak becomes at most its mean lateral
/// acceleration — a lower bound of the true peak that a position jump
/// cannot inflate (much) — and `hard` is judged on that. For a left or
/// right turn that mean is mean speed × heading change / duration; a
/// roundabout's heading changes cancel (entry and exit against the
/// circle), so its mean is that of its fixes' |lateral acceleration|, in
/// which a jump's two or three fixes are diluted over the whole circle.
/// Without measured speed the speed and the longitudinal acceleration come
/// from the positions too, and a jump along the road reads as a speed-up
/// and a brake: an acceleration episode whose fixes jump keeps at most its
/// mean acceleration, its speed change over its duration. With measured
/// speed acceleration episodes are left alone (the Doppler speed does not
/// jump with the position). Returns how many episodes of each sort had
/// such a jump (capped or not).
///
/// Only intervals inside the turn's section count (not one across a gap).
/// Turns whose fixes lack the measured speed the kinematics use elsewhere
/// are left alone; nothing is checked when `cfg.enabled` is off.
pub fn check_position_jumps(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    episodes: &mut [Annotation],
    cfg: &PositionJumpConfig,
    annotate: &AnnotateConfig,
) -> PositionJumps {
    let mut jumps = PositionJumps::default();
    let Some(time_ms) = trip.time_ms() else {
        return jumps;
    };
    if !cfg.enabled || clean.fixes.len() < 2 {
        return jumps;
    }
    let mut column = JumpColumn {
        trip,
        clean,
        kin,
        time_ms,
        values_m: Vec::new(),
    };
    // The trip's usual difference, computed once an episode needs it.
    let mut limit_m: Option<f64> = None;
    for a in episodes.iter_mut() {
        let roundabout = a.kind == AnnotationKind::Turn(Maneuver::Roundabout);
        let longitudinal = matches!(a.kind, AnnotationKind::Acceleration(_)) && !kin.speed_measured;
        if !(a.is_single_turn() || roundabout || longitudinal) || a.last_fix >= kin.speed_mps.len()
        {
            continue;
        }
        let Some(section) = clean.section_of(a.first_fix, a.last_fix) else {
            continue;
        };
        // The intervals ending at the turn's first fix … one after its last.
        let (first, last) = (
            a.first_fix.max(section.start + 1),
            (a.last_fix + 1).min(section.end - 1),
        );
        // `f64::max` passes over the NaNs of intervals without a difference.
        let largest_m = (first..=last).map(|k| column.at(k)).fold(0.0, f64::max);
        if largest_m <= cfg.min_jump_m {
            continue;
        }
        let limit_m = *limit_m.get_or_insert_with(|| {
            let usual_m = usual_jump_m(&mut column).unwrap_or(0.0);
            cfg.min_jump_m.max(cfg.sigmas * usual_m)
        });
        if largest_m <= limit_m {
            continue;
        }
        let fixes = a.first_fix..=a.last_fix;
        #[allow(clippy::cast_precision_loss, reason = "a few fixes")]
        let count = (a.last_fix + 1 - a.first_fix) as f64;
        let duration_s = (a.end_ms - a.start_ms) / 1000.0;
        let mean_mps2 = if longitudinal {
            (kin.speed_mps[a.last_fix] - kin.speed_mps[a.first_fix]).abs() / duration_s
        } else if roundabout {
            kin.accel_lat_mps2[fixes]
                .iter()
                .map(|x| x.abs())
                .sum::<f64>()
                / count
        } else {
            let mean_speed_mps = kin.speed_mps[fixes].iter().sum::<f64>() / count;
            mean_speed_mps * a.heading_change_deg.abs().to_radians() / duration_s
        };
        // The magnitude is capped; the peak time (the turn fit's, if it
        // ran) stays: jumping fixes inflate the curvature, not its timing.
        if mean_mps2.is_finite() && mean_mps2 < a.peak_mps2 {
            a.set_peak(mean_mps2, annotate);
        }
        if longitudinal {
            jumps.accelerations += 1;
        } else {
            jumps.turns += 1;
        }
    }
    jumps
}
