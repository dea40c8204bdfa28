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
    let chord = chord_m(trip, clean, k, clean.step_m.get(k - 1).copied());
    interval_jump_m((v_i, v_j), time_ms[j] - time_ms[i], chord)
}

/// The straight distance between kept fixes `k − 1` and `k`, m: the
/// cleaning's step length `step_m` (the same distance, bit for bit) unless
/// it set it to 0 for a parked car.
fn chord_m(trip: &Trajectory, clean: &CleanTrip, k: usize, step_m: Option<f64>) -> f64 {
    match step_m {
        Some(step_m) if step_is_chord(step_m) => step_m,
        _ => trip.step_between_m(clean.fixes[k - 1], clean.fixes[k]),
    }
}

/// Whether the cleaning's step length is the chord itself: a positive one
/// (0 marks a parked car's step, whose chord [`chord_m`] measures).
fn step_is_chord(step_m: f64) -> bool {
    step_m > 0.0
}

/// |chord − driven| of one fix interval, m: `chord_m` against the distance
/// driven over `dt_ms` at the mean of the speeds at its ends, m/s; `None`
/// where that is not finite.
#[inline]
fn interval_jump_m((v_i, v_j): (f64, f64), dt_ms: i64, chord_m: f64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
    let driven_m = 0.5 * (v_i + v_j) * dt_ms as f64 / 1000.0;
    let jump_m = (chord_m - driven_m).abs();
    jump_m.is_finite().then_some(jump_m)
}

/// [`position_jump_m`] of a trip's kept intervals, each worked out when
/// first asked for, or all at once ([`JumpColumn::fill`]): the episodes
/// overlap (a brake inside a turn) and the trip's usual difference reads
/// them all.
struct JumpColumn<'a> {
    trip: &'a Trajectory,
    clean: &'a CleanTrip,
    kin: &'a Kinematics,
    time_ms: &'a [i64],
    /// Per interval ending at kept fix `k`: its difference, m; NaN where it
    /// has none; −1 while not worked out.
    values_m: Vec<f64>,
    /// Whether every interval is worked out ([`JumpColumn::fill`]).
    filled: bool,
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

    /// The largest difference of the intervals ending at kept fixes
    /// `first..=last`, 0 without any (`f64::max` passes over the NaNs of
    /// intervals without a difference).
    fn largest(&mut self, first: usize, last: usize) -> f64 {
        if self.filled {
            self.values_m[first..=last]
                .iter()
                .fold(0.0, |a, &b| a.max(b))
        } else {
            (first..=last).map(|k| self.at(k)).fold(0.0, f64::max)
        }
    }

    /// Works out every interval at once: [`position_jump_m`] bit for bit, in
    /// one pass over zipped columns where the speed comes from positions
    /// (then acceleration episodes cover much of a trip and the trip's usual
    /// difference reads every interval anyway; asking interval by interval
    /// cost 87 instructions per point, `scripts/stage_profile.sh`).
    fn fill(&mut self) {
        if self.filled {
            return;
        }
        self.filled = true;
        let (clean, kin, trip) = (self.clean, self.kin, self.trip);
        let n = clean.fixes.len();
        if kin.speed_measured
            || kin.speed_mps.len() < n
            || kin.time_ms.len() < n
            || clean.step_m.len() + 1 < n
        {
            for k in 1..n {
                self.at(k);
            }
            return;
        }
        self.values_m.clear();
        self.values_m.reserve(n);
        self.values_m.push(-1.0);
        // `kin.time_ms[k]` is `time_ms[clean.fixes[k]]`: read in step, no
        // gather. Every interval with its step as the chord, over a range
        // (the column written without a capacity test per value) and
        // slices of known length (no index tests); then the few without a
        // positive step (a parked stretch) take their chord from the
        // positions, as `chord_m` decides.
        let m = n.saturating_sub(1);
        let (t, v, steps) = (&kin.time_ms[..n], &kin.speed_mps[..n], &clean.step_m[..m]);
        self.values_m.extend((0..m).map(|k| {
            interval_jump_m((v[k], v[k + 1]), t[k + 1] - t[k], steps[k]).unwrap_or(f64::NAN)
        }));
        for (k, &step_m) in steps.iter().enumerate() {
            if !step_is_chord(step_m) {
                let chord = chord_m(trip, clean, k + 1, Some(step_m));
                self.values_m[k + 1] =
                    interval_jump_m((v[k], v[k + 1]), t[k + 1] - t[k], chord).unwrap_or(f64::NAN);
            }
        }
    }
}

/// The trip's limit: `cfg.min_jump_m`, or `cfg.sigmas` × its usual
/// difference where that is larger. The usual difference is the robust
/// standard deviation of [`position_jump_m`] over the intervals inside the
/// trip's sections, m ([`MAD_TO_SIGMA`] × the median; 0 without any).
fn jump_limit_m(column: &mut JumpColumn, cfg: &PositionJumpConfig) -> f64 {
    column.fill();
    let values_m = &column.values_m;
    // The differences are absolute values: non-negative, so their bit
    // patterns sort as the numbers do (integer compares, the same median).
    let mut jumps: Vec<u64> = (column.clean.sections.iter())
        .flat_map(|s| &values_m[s.start + 1..s.end])
        .filter(|x| !x.is_nan())
        .map(|x| x.to_bits())
        .collect();
    if jumps.is_empty() {
        return cfg.min_jump_m;
    }
    let mid = jumps.len() / 2;
    let (_, median, _) = jumps.select_nth_unstable(mid);
    let usual_m = MAD_TO_SIGMA * f64::from_bits(*median);
    cfg.min_jump_m.max(cfg.sigmas * usual_m)
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
        filled: false,
    };
    if !kin.speed_measured {
        column.fill();
    }
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
        let largest_m = column.largest(first, last);
        if largest_m <= cfg.min_jump_m {
            continue;
        }
        let limit_m = *limit_m.get_or_insert_with(|| jump_limit_m(&mut column, cfg));
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::detect::clean::{CleanConfig, clean};
    use crate::detect::kinematics::{KinematicsConfig, kinematics};
    use crate::input::RawTrip;

    /// A straight drive north at `speed_mps`, 1 Hz with jittered clocks,
    /// each fix off by its `noise_m`, and a stop of `stop` fixes half-way
    /// (parked: the cleaning's step lengths are 0 there).
    fn drive(speed_mps: f64, jitter_ms: &[i64], noise_m: &[f64], stop: usize) -> Trajectory {
        let n = jitter_ms.len();
        let (mut lat_deg, mut time_ms, mut north_m, mut t_ms) = (vec![], vec![], 0.0, 0_i64);
        for i in 0..n {
            lat_deg.push(45.0 + (north_m + noise_m[i]) / 111_195.0);
            time_ms.push(1_700_000_000_000 + t_ms);
            t_ms += 1_000 + jitter_ms[i];
            if !(n / 2..n / 2 + stop).contains(&i) {
                north_m += speed_mps * (1_000 + jitter_ms[i]) as f64 / 1000.0;
            }
        }
        let raw = RawTrip {
            lon_deg: vec![7.0; n],
            lat_deg,
            time_ms: Some(time_ms),
            ..RawTrip::default()
        };
        Trajectory::try_from(raw).unwrap()
    }

    proptest! {
        /// The one-pass column equals the interval-by-interval one bit for
        /// bit (NaNs where there is none), parked stretches included.
        #[test]
        fn the_filled_column_is_each_interval_worked_out_alone(
            speed_mps in 3.0..35.0f64,
            jitter_ms in prop::collection::vec(-60i64..60, 40..80),
            noise_m in prop::collection::vec(-4.0..4.0f64, 80),
            noise_scale in 0.01..1.0f64,
            stop in 0usize..40,
        ) {
            let noise_m: Vec<f64> = noise_m.iter().map(|x| x * noise_scale).collect();
            let trip = drive(speed_mps, &jitter_ms, &noise_m, stop);
            let cleaned = clean(&trip, &CleanConfig::default());
            let kin = kinematics(&trip, &cleaned, &KinematicsConfig::default());
            prop_assume!(!kin.speed_measured && cleaned.fixes.len() > 2);
            let time_ms = trip.time_ms().unwrap();
            let column = || JumpColumn {
                trip: &trip,
                clean: &cleaned,
                kin: &kin,
                time_ms,
                values_m: Vec::new(),
                filled: false,
            };
            let (mut one_by_one, mut filled) = (column(), column());
            filled.fill();
            prop_assert_eq!(filled.values_m.len(), cleaned.fixes.len());
            for k in 1..cleaned.fixes.len() {
                prop_assert_eq!(one_by_one.at(k).to_bits(), filled.values_m[k].to_bits(), "{}", k);
            }
        }
    }
}
