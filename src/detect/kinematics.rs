//! Kinematics: smoothed speed, longitudinal and lateral acceleration, heading,
//! yaw rate and jerk for every kept fix of a [`CleanTrip`].
//!
//! Each section is laid out in a local tangent plane (east/north metres, built
//! from per-step equirectangular offsets, exact at the scale of neighbouring
//! fixes). Around every fix a least-squares polynomial in time is fitted to the
//! fixes within a window (a Savitzky–Golay filter that also works for
//! irregular sampling): position by a quadratic (velocity and acceleration
//! vectors), measured speed, when given, by a line (speed and its slope).
//! Then, with `v` the velocity and `a` the acceleration vector:
//! - speed = measured speed fit, else |v|;
//! - longitudinal acceleration = slope of the measured speed fit, else a·v/|v|;
//! - yaw rate ψ̇ = (v × a)/|v|² (positive = clockwise = right turn);
//! - lateral acceleration = speed · ψ̇ (positive to the right);
//! - jerk = the time derivative of the longitudinal acceleration.
//!
//! docs/ACCURACY.md compares this estimator with naive two-fix differences on
//! simulated trips with known truth; [`Estimator::TwoPoint`] is kept for that
//! comparison.

use serde::{Deserialize, Serialize};

use crate::detect::clean::CleanTrip;
use crate::geodesy::east_north_m;
use crate::input::Trajectory;
use crate::lanes::{Lanes, lanes, pair_at};
use wide::f64x2;

/// How derivatives are estimated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Local polynomial fits over a time window (the default).
    #[default]
    LocalFit,
    /// Differences of neighbouring fixes (what simple trackers do; for comparison).
    TwoPoint,
}

/// Whether measured (Doppler) speed is used where the input has it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeedSource {
    /// Measured speed where given, positions elsewhere.
    #[default]
    MeasuredWhenGiven,
    /// Positions only.
    PositionsOnly,
}

/// Settings of the kinematics stage.
///
/// # Units
/// Seconds, m/s.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KinematicsConfig {
    /// The estimator.
    pub estimator: Estimator,
    /// Measured speed or positions.
    pub speed_source: SpeedSource,
    /// Half-width of the position fit window, s.
    pub position_window_s: f64,
    /// Half-width of the measured-speed fit window, s.
    pub speed_window_s: f64,
    /// A window is widened until it holds at least this many fixes.
    pub min_window_fixes: usize,
    /// Below this speed heading is undefined: yaw rate and lateral acceleration are 0, m/s.
    pub min_heading_speed_mps: f64,
}

impl Default for KinematicsConfig {
    fn default() -> Self {
        Self {
            estimator: Estimator::LocalFit,
            speed_source: SpeedSource::MeasuredWhenGiven,
            position_window_s: 2.0,
            speed_window_s: 1.0,
            min_window_fixes: 5,
            min_heading_speed_mps: 2.0,
        }
    }
}

/// Kinematic signals, one value per kept fix of the [`CleanTrip`] (parallel to
/// `CleanTrip::fixes`). Fixes in sections of fewer than 3 fixes (the
/// coefficients of a quadratic) are `NaN`.
///
/// # Units
/// Unix ms, m/s, m/s², degrees clockwise from north, degrees/s, m/s³.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kinematics {
    /// Fix time, Unix ms.
    pub time_ms: Vec<i64>,
    /// Speed, m/s.
    pub speed_mps: Vec<f64>,
    /// Longitudinal acceleration (positive = speeding up), m/s².
    pub accel_long_mps2: Vec<f64>,
    /// Velocity east, m/s: the direction of travel (with
    /// `velocity_north_mps`); `NaN` where the car is slower than
    /// `min_heading_speed_mps` and heading is undefined. See
    /// [`Kinematics::heading_deg`].
    pub velocity_east_mps: Vec<f64>,
    /// Velocity north, m/s (see `velocity_east_mps`).
    pub velocity_north_mps: Vec<f64>,
    /// Yaw rate (positive = turning right), degrees/s.
    pub yaw_rate_dps: Vec<f64>,
    /// Lateral acceleration (positive = to the right), m/s².
    pub accel_lat_mps2: Vec<f64>,
    /// Jerk, the derivative of longitudinal acceleration, m/s³.
    pub jerk_mps3: Vec<f64>,
    /// Whether `speed_mps` and `accel_long_mps2` come from the measured
    /// (Doppler) speed at the fixes that carry one
    /// ([`SpeedSource::MeasuredWhenGiven`] on a trip whose measured speed
    /// cleaning found usable, `CleanTrip::measured_speed_usable`);
    /// `false`: from positions everywhere.
    pub speed_measured: bool,
    /// The measured speed's noise σ, m/s: a robust standard deviation
    /// (1.4826 × the median absolute value) of each measured speed about the
    /// line through its neighbours, over fixes above 2 m/s at most 2 s
    /// apart (about 256 of a long trip's fixes) — an upper bound, the true
    /// speed's own curvature counts a little. `None` without measured
    /// speed, or with fewer than 30 such fixes. Annotation asks a speed
    /// change to stand out of it
    /// (`AnnotateConfig::speed_change_needed_mps`).
    pub speed_noise_mps: Option<f64>,
}

impl Kinematics {
    pub(crate) fn with_len(n: usize) -> Self {
        Self::with_times(vec![0; n])
    }

    /// Signals for fixes at `time_ms`, every one `NaN` until computed.
    fn with_times(time_ms: Vec<i64>) -> Self {
        let n = time_ms.len();
        Self {
            time_ms,
            speed_mps: vec![f64::NAN; n],
            accel_long_mps2: vec![f64::NAN; n],
            velocity_east_mps: vec![f64::NAN; n],
            velocity_north_mps: vec![f64::NAN; n],
            yaw_rate_dps: vec![f64::NAN; n],
            accel_lat_mps2: vec![f64::NAN; n],
            jerk_mps3: vec![f64::NAN; n],
            speed_measured: false,
            speed_noise_mps: None,
        }
    }

    /// Heading of fix `k`, degrees clockwise from north in [0, 360); `NaN`
    /// where it is undefined (too slow, or no estimate). Computed on demand:
    /// no stage needs it, and an `atan2` per fix cost 5 % of scoring.
    ///
    /// # Panics
    /// If `k` is not a kept-fix position.
    #[must_use]
    pub fn heading_deg(&self, k: usize) -> f64 {
        heading_deg(self.velocity_east_mps[k], self.velocity_north_mps[k])
    }
}

/// A section in the local plane: seconds from its first fix, east and north
/// metres, and the measured speeds (empty when none are used; `NaN` at a
/// fix without one: validation admits only finite speeds, so `NaN` says
/// "none" without an `Option` per fix).
struct Local {
    t_s: Vec<f64>,
    x_m: Vec<f64>,
    y_m: Vec<f64>,
    speed_mps: Vec<f64>,
    /// Every fix of the section has a measured speed.
    all_measured: bool,
}

impl Local {
    /// The measured speed at position `k`, if one is used there.
    fn measured_mps(&self, k: usize) -> Option<f64> {
        self.speed_mps.get(k).copied().filter(|v| !v.is_nan())
    }
}

/// Fixes in a local plane waiting to join [`Local`]'s columns, filled in
/// blocks from arrays on the stack, as polylines are decoded: not zeroed
/// first (a zeroed column is one more pass over its memory), and not by a
/// push per value, which kept the running position in memory around its
/// call to grow the column.
struct PlaneColumns {
    t_s: [f64; PLANE_BLOCK],
    x_m: [f64; PLANE_BLOCK],
    y_m: [f64; PLANE_BLOCK],
    len: usize,
}

/// Fixes per block of [`PlaneColumns`].
const PLANE_BLOCK: usize = 32;

impl Default for PlaneColumns {
    fn default() -> Self {
        Self {
            t_s: [0.0; PLANE_BLOCK],
            x_m: [0.0; PLANE_BLOCK],
            y_m: [0.0; PLANE_BLOCK],
            len: 0,
        }
    }
}

impl PlaneColumns {
    /// One fix: its time, s, and east and north, m.
    #[allow(
        clippy::inline_always,
        reason = "two call sites in the projection's loop; out of line the running position goes through memory"
    )]
    #[inline(always)]
    fn push(&mut self, local: &mut Local, t_s: f64, x_m: f64, y_m: f64) {
        let k = self.len;
        (self.t_s[k], self.x_m[k], self.y_m[k]) = (t_s, x_m, y_m);
        self.len += 1;
        if self.len == PLANE_BLOCK {
            self.flush(local);
        }
    }

    /// Moves the fixes waiting into `local`'s columns.
    fn flush(&mut self, local: &mut Local) {
        let k = self.len;
        local.t_s.extend_from_slice(&self.t_s[..k]);
        local.x_m.extend_from_slice(&self.x_m[..k]);
        local.y_m.extend_from_slice(&self.y_m[..k]);
        self.len = 0;
    }
}

fn local_plane(trip: &Trajectory, fixes: &[usize], measured: bool) -> Local {
    let (lat, lon, cos) = (trip.lat_deg(), trip.lon_deg(), trip.cos_lats());
    let t = trip.time_ms().unwrap_or(&[]);
    let t0 = fixes.first().map_or(0, |&i| t[i]);
    let n = fixes.len();
    let mut local = Local {
        t_s: Vec::with_capacity(n),
        x_m: Vec::with_capacity(n),
        y_m: Vec::with_capacity(n),
        speed_mps: Vec::new(),
        all_measured: false,
    };
    let mut columns = PlaneColumns::default();
    let (mut x, mut y) = (0.0, 0.0);
    // Each step in the plane of its ends: the mean of their cached cos(latitude).
    let step = |i: usize, p: usize| {
        east_north_m(lat[i] - lat[p], lon[i] - lon[p], 0.5 * (cos[i] + cos[p]))
    };
    #[allow(clippy::cast_precision_loss, reason = "section-relative ms are small")]
    let seconds = |ms: i64| (ms - t0) as f64 / 1000.0;
    let mut prev: Option<usize> = None;
    let mut j = 0;
    // Runs of consecutive fix indices (a section with nothing dropped is
    // one) go through slices: no index to look up or check per fix.
    while j < n {
        let first = fixes[j];
        let mut end = j + 1;
        while end < n && fixes[end] == fixes[end - 1] + 1 {
            end += 1;
        }
        if let Some(p) = prev {
            let (dx, dy) = step(first, p);
            x += dx;
            y += dy;
        }
        columns.push(&mut local, seconds(t[first]), x, y);
        let run = first..first + (end - j);
        for (((la, lo), co), &ms) in lat[run.clone()]
            .windows(2)
            .zip(lon[run.clone()].windows(2))
            .zip(cos[run.clone()].windows(2))
            .zip(&t[run.start + 1..run.end])
        {
            let (dx, dy) = east_north_m(la[1] - la[0], lo[1] - lo[0], 0.5 * (co[1] + co[0]));
            x += dx;
            y += dy;
            columns.push(&mut local, seconds(ms), x, y);
        }
        prev = Some(fixes[end - 1]);
        j = end;
    }
    columns.flush(&mut local);
    if measured {
        let mut missing = false;
        local.speed_mps = fixes
            .iter()
            .map(|&i| {
                trip.speed_kmh(i).map_or_else(
                    || {
                        missing = true;
                        f64::NAN
                    },
                    |v| v / 3.6,
                )
            })
            .collect();
        local.all_measured = !missing;
    }
    local
}

/// The fixes within `half_s` of fix `k` (indices `lo..hi`), widened to at
/// least `min_fixes`, for k = 0, 1, 2, … in turn: the bounds only move
/// forward, so a whole section costs one pass instead of a search per fix.
struct SlidingWindow {
    half_s: f64,
    min_fixes: usize,
    lo: usize,
    hi: usize,
}

impl SlidingWindow {
    fn new(half_s: f64, min_fixes: usize) -> Self {
        Self {
            half_s: half_s + 1e-9,
            min_fixes,
            lo: 0,
            hi: 0,
        }
    }

    /// The window of fix `k`; `k` must not decrease between calls.
    fn at(&mut self, t: &[f64], k: usize) -> (usize, usize) {
        let n = t.len();
        while t[k] - t[self.lo] > self.half_s {
            self.lo += 1;
        }
        self.hi = self.hi.max(k + 1);
        while self.hi < n && t[self.hi] - t[k] <= self.half_s {
            self.hi += 1;
        }
        widen(t, k, (self.lo, self.hi), self.min_fixes)
    }
}

/// Widens the window `lo..hi` of fix `k` to at least `min_fixes` fixes (or
/// all of them), taking the nearer neighbour in time first.
fn widen(
    t: &[f64],
    k: usize,
    (mut lo, mut hi): (usize, usize),
    min_fixes: usize,
) -> (usize, usize) {
    let n = t.len();
    while hi - lo < min_fixes.min(n) {
        let left = if lo > 0 {
            t[k] - t[lo - 1]
        } else {
            f64::INFINITY
        };
        let right = if hi < n { t[hi] - t[k] } else { f64::INFINITY };
        if left <= right {
            lo -= 1;
        } else {
            hi += 1;
        }
    }
    (lo, hi)
}

/// The quadratic fit of the `samples` `(τ_j, x_j, y_j)`, summed in
/// order: the determinant of the moment matrix and
/// the velocity and acceleration `(vx, ax, vy, ay)`, not yet checked
/// (a zero determinant gives non-finite values). See [`fit_quadratic`].
#[inline]
fn quadratic<T: Lanes>(samples: impl Iterator<Item = (T, T, T)>) -> (T, (T, T, T, T)) {
    let (mut s0, mut s1, mut s2, mut s3, mut s4) = (
        T::splat(0.0),
        T::splat(0.0),
        T::splat(0.0),
        T::splat(0.0),
        T::splat(0.0),
    );
    let (mut bx, mut by) = ([T::splat(0.0); 3], [T::splat(0.0); 3]);
    for (tau, xj, yj) in samples {
        let tau2 = tau * tau;
        s0 += T::splat(1.0);
        s1 += tau;
        s2 += tau2;
        s3 += tau * tau2;
        s4 += tau2 * tau2;
        bx[0] += xj;
        bx[1] += tau * xj;
        bx[2] += tau2 * xj;
        by[0] += yj;
        by[1] += tau * yj;
        by[2] += tau2 * yj;
    }
    let (determinant, rows) = inverse_rows_12([s0, s1, s2, s3, s4]);
    let fit = (
        solve_row(&rows, 0, bx),
        T::splat(2.0) * solve_row(&rows, 1, bx),
        solve_row(&rows, 0, by),
        T::splat(2.0) * solve_row(&rows, 1, by),
    );
    (determinant, fit)
}

/// Least-squares quadratic through `(τ, x)` and `(τ, y)` with τ relative to
/// `t0`: returns the velocity and acceleration `(vx, ax, vy, ay)`, or `None`
/// when the times do not determine a quadratic. The normal equations are
/// built from the moments Στ⁰…Στ⁴ and solved with the rows of the inverse
/// that give the slope and curvature ([`inverse_rows_12`]).
fn fit_quadratic(t: &[f64], x: &[f64], y: &[f64], t0: f64) -> Option<(f64, f64, f64, f64)> {
    let samples = t
        .iter()
        .zip(x)
        .zip(y)
        .map(|((&tj, &xj), &yj)| (tj - t0, xj, yj));
    let (determinant, fit) = quadratic(samples);
    (determinant != 0.0 && zero_if_finite(fit) == 0.0).then_some(fit)
}

/// 0 in the lanes where all four are finite, NaN elsewhere: x − x is 0 for
/// a finite x and NaN otherwise (four subtractions, not four bit tests).
#[inline]
#[allow(clippy::eq_op, reason = "x − x is the finiteness test")]
fn zero_if_finite<T: Lanes>((a, b, c, d): (T, T, T, T)) -> T {
    (a - a) + (b - b) + (c - c) + (d - d)
}

/// A pair of fits side by side: `(vx, ax, vy, ay)` in two lanes, and
/// whether each lane's is a fit (`None` of [`fit_quadratic`] otherwise).
type PairFit = ((f64x2, f64x2, f64x2, f64x2), [bool; 2]);

/// [`fit_quadratic`] for fixes `k` and `k + 1` at once, whose windows are
/// `lo..hi` and `lo + 1..hi + 1` (`hi < t.len()`): sample `j` of the
/// first is sample `j + 1` of the second, so one unaligned two-lane load
/// feeds both (no gathering), and the sums run in the same order as the
/// scalar fit's.
fn fit_quadratic_pair(
    t: &[f64],
    x: &[f64],
    y: &[f64],
    (lo, hi): (usize, usize),
    k: usize,
) -> PairFit {
    let t0 = pair_at(t, k);
    let (tw, xw, yw) = (&t[lo..=hi], &x[lo..=hi], &y[lo..=hi]);
    // Lane 0 takes sample j of fix k's window, lane 1 sample j of fix
    // k + 1's: each pair of neighbours in the window's columns.
    let pair = |w: &[f64]| f64x2::new([w[0], w[1]]);
    let samples = (tw.windows(2).zip(xw.windows(2)).zip(yw.windows(2)))
        .map(|((tj, xj), yj)| (pair(tj) - t0, pair(xj), pair(yj)));
    let (determinant, fit) = quadratic(samples);
    let (d, finite) = (lanes(determinant), lanes(zero_if_finite(fit)));
    (fit, [0, 1].map(|i| d[i] != 0.0 && finite[i] == 0.0))
}

/// A [`PairFit`] as the two scalar fits.
fn split_pair(((vx, ax, vy, ay), ok): PairFit) -> [Option<(f64, f64, f64, f64)>; 2] {
    let (vx, ax, vy, ay) = (lanes(vx), lanes(ax), lanes(vy), lanes(ay));
    [0, 1].map(|i| ok[i].then_some((vx[i], ax[i], vy[i], ay[i])))
}

/// Row `r` of the inverse rows from [`inverse_rows_12`] times `b`, summed
/// left to right as nalgebra's matrix–vector product does (bit-equal:
/// property test).
#[inline]
fn solve_row<T: Lanes>(rows: &[T; 6], r: usize, b: [T; 3]) -> T {
    rows[3 * r] * b[0] + rows[3 * r + 1] * b[1] + rows[3 * r + 2] * b[2]
}

/// [`inverse_rows_12`]'s rows, or `None` when the matrix is singular (the
/// form the property test holds against `Matrix3::try_inverse`).
#[cfg(test)]
fn normal_rows_12(s: [f64; 5]) -> Option<[f64; 6]> {
    let (determinant, rows) = inverse_rows_12(s);
    (determinant != 0.0).then_some(rows)
}

/// The determinant and rows 1 and 2 of the inverse of the moment matrix
/// `[[s0, s1, s2], [s1, s2, s3], [s2, s3, s4]]` (row-major), divided by
/// the determinant even when it is 0 (the caller tests it): the
/// expressions of nalgebra's closed-form 3×3 inverse for those rows,
/// operation for operation, so the fit is bit-identical to
/// `Matrix3::try_inverse` (a property test holds them equal) without the
/// three divisions of row 0, which the fit does not use.
#[inline]
fn inverse_rows_12<T: Lanes>([s0, s1, s2, s3, s4]: [T; 5]) -> (T, [T; 6]) {
    let (m11, m12, m13) = (s0, s1, s2);
    let (m21, m22, m23) = (s1, s2, s3);
    let (m31, m32, m33) = (s2, s3, s4);
    let minor_m12_m23 = m22 * m33 - m32 * m23;
    let minor_m11_m23 = m21 * m33 - m31 * m23;
    let minor_m11_m22 = m21 * m32 - m31 * m22;
    let determinant = m11 * minor_m12_m23 - m12 * minor_m11_m23 + m13 * minor_m11_m22;
    (
        determinant,
        [
            -minor_m11_m23 / determinant,
            (m11 * m33 - m31 * m13) / determinant,
            (m13 * m21 - m23 * m11) / determinant,
            minor_m11_m22 / determinant,
            (m12 * m31 - m32 * m11) / determinant,
            (m11 * m22 - m21 * m12) / determinant,
        ],
    )
}

/// The fewest fixes a section needs for any estimate: a quadratic has
/// three coefficients.
const MIN_FIT_FIXES: usize = 3;

/// Slower than this the fitted velocity has no direction to project the
/// acceleration on (a numerical zero, far below `min_heading_speed_mps`), m/s.
const STANDSTILL_MPS: f64 = 1e-6;

/// A line fit whose determinant is below this (s², for samples seconds
/// apart) has all its samples at one time: no slope.
const DEGENERATE_DET: f64 = 1e-12;

/// Least-squares line through the `(τ, v)` samples, summed in order: the
/// determinant of the normal equations, `v` at τ = 0 and the slope, not
/// yet checked (see [`fit_line`]).
#[inline]
fn line<T: Lanes>(samples: impl Iterator<Item = (T, T)>) -> (T, T, T) {
    let zero = T::splat(0.0);
    let (mut n, mut st, mut sv, mut stt, mut stv) = (zero, zero, zero, zero, zero);
    for (tau, vj) in samples {
        n += T::splat(1.0);
        st += tau;
        sv += vj;
        stt += tau * tau;
        stv += tau * vj;
    }
    let det = n * stt - st * st;
    let slope = (n * stv - st * sv) / det;
    (det, (sv - slope * st) / n, slope)
}

/// The checked result of [`line()`]: `(v0, slope)`, or `None` when the
/// samples' times do not determine a slope.
#[inline]
fn checked_line((det, v0, slope): (f64, f64, f64)) -> Option<(f64, f64)> {
    (det.abs() >= DEGENERATE_DET).then_some((v0, slope))
}

/// Least-squares line through the `(t, v)` samples, with τ = t − `t0`: returns `(v0, slope)`.
fn fit_line(samples: impl Iterator<Item = (f64, f64)>, t0: f64) -> Option<(f64, f64)> {
    checked_line(line(samples.map(|(tj, vj)| (tj - t0, vj))))
}

/// [`fit_line`] of the measured speeds for fixes `k` and `k + 1` at once,
/// whose windows are `lo..hi` and `lo + 1..hi + 1` (`hi < t.len()`), every
/// speed measured: as [`fit_quadratic_pair`] does for positions, one
/// two-lane load feeds both, and each lane is the scalar fit bit for bit.
fn fit_line_pair(
    t: &[f64],
    v: &[f64],
    (lo, hi): (usize, usize),
    k: usize,
) -> [Option<(f64, f64)>; 2] {
    let t0 = pair_at(t, k);
    let (tw, vw) = (&t[lo..=hi], &v[lo..=hi]);
    let (det, v0, slope) = line((0..hi - lo).map(|j| (pair_at(tw, j) - t0, pair_at(vw, j))));
    let (det, v0, slope) = (lanes(det), lanes(v0), lanes(slope));
    [0, 1].map(|i| checked_line((det[i], v0[i], slope[i])))
}

fn heading_deg(vx: f64, vy: f64) -> f64 {
    // atan2 is within ±180°, so the wrap into [0°, 360°) is one add (the same
    // value rem_euclid gives, without its fmod).
    let deg = vx.atan2(vy).to_degrees();
    if deg < 0.0 { deg + 360.0 } else { deg }
}

/// One section's share of the output columns [`local_fit`] writes.
struct Columns<'a> {
    speed_mps: &'a mut [f64],
    accel_long_mps2: &'a mut [f64],
    velocity_east_mps: &'a mut [f64],
    velocity_north_mps: &'a mut [f64],
    yaw_rate_dps: &'a mut [f64],
    accel_lat_mps2: &'a mut [f64],
}

/// Where [`Columns::put`] writes one value per lane: fix `k`, or fixes
/// `k` and `k + 1`.
trait Store: Lanes {
    /// Writes `self` at `k` (and on) of `column`.
    fn store(self, column: &mut [f64], k: usize);
    /// The value in degrees (`f64::to_degrees`: a product with 180/π).
    fn to_degrees(self) -> Self {
        self * Self::splat(180.0_f64 / std::f64::consts::PI)
    }
}

impl Store for f64 {
    #[inline]
    fn store(self, column: &mut [f64], k: usize) {
        column[k] = self;
    }
}

impl Store for f64x2 {
    #[inline]
    fn store(self, column: &mut [f64], k: usize) {
        column[k..k + 2].copy_from_slice(&lanes(self));
    }
}

impl Columns<'_> {
    /// Writes a fix's (or a pair's) speed, longitudinal acceleration,
    /// velocity, and the yaw rate (rad/s, given) in degrees/s and times the
    /// speed as lateral acceleration.
    #[inline]
    fn put<T: Store>(&mut self, k: usize, [speed, a_long, east, north, yaw_rps]: [T; 5]) {
        speed.store(self.speed_mps, k);
        a_long.store(self.accel_long_mps2, k);
        east.store(self.velocity_east_mps, k);
        north.store(self.velocity_north_mps, k);
        yaw_rps.to_degrees().store(self.yaw_rate_dps, k);
        (speed * yaw_rps).store(self.accel_lat_mps2, k);
    }
}

/// What a fitted velocity and acceleration `(vx, ax, vy, ay)` say of a
/// fix's motion, in each lane: its speed, the acceleration along it (0
/// when standing), the velocity east and north (`NaN` below
/// `min_heading_mps`: no heading) and the yaw rate, rad/s, positive to the
/// right (0 below `min_heading_mps`).
#[inline]
fn position_motion<T: Lanes>((vx, ax, vy, ay): (T, T, T, T), min_heading_mps: f64) -> [T; 5] {
    let speed = (vx * vx + vy * vy).sqrt();
    let a_long = speed.where_gt(STANDSTILL_MPS, (ax * vx + ay * vy) / speed, T::splat(0.0));
    let nan = T::splat(f64::NAN);
    let yaw = speed.where_ge(
        min_heading_mps,
        (vx * ay - vy * ax) / (speed * speed),
        T::splat(0.0),
    );
    // With heading clockwise from north (x east, y north), v × a > 0 is a
    // counter-clockwise (left) turn; the sign is flipped so right is positive.
    [
        speed,
        a_long,
        speed.where_ge(min_heading_mps, vx, nan),
        speed.where_ge(min_heading_mps, vy, nan),
        -yaw,
    ]
}

/// The line through the measured speeds of fix `k`'s speed window, as the
/// fix's speed (never below 0) and longitudinal acceleration.
fn measured_line(l: &Local, (lo, hi): (usize, usize), k: usize) -> Option<(f64, f64)> {
    let samples = (lo..hi).filter_map(|j| l.measured_mps(j).map(|v| (l.t_s[j], v)));
    measured_motion(fit_line(samples, l.t_s[k]))
}

/// A measured-speed line `(v0, slope)` as a fix's speed (never below 0) and
/// longitudinal acceleration.
fn measured_motion(line: Option<(f64, f64)>) -> Option<(f64, f64)> {
    line.map(|(v0, slope)| (v0.max(0.0), slope))
}

/// The outputs of fixes `k` and `k + 1`, both with a position fit (`fit`)
/// and a measured speed, side by side: as [`local_fit`] writes each alone,
/// with the speed lines in two lanes too where their windows move on by
/// one.
fn measured_motion_pair(
    l: &Local,
    cfg: &KinematicsConfig,
    speed_window: &mut SlidingWindow,
    fit: (f64x2, f64x2, f64x2, f64x2),
    k: usize,
) -> [f64x2; 5] {
    let [speed, a_long, east, north, yaw_rps] = position_motion(fit, cfg.min_heading_speed_mps);
    let (mut speed, mut a_long) = (lanes(speed), lanes(a_long));
    let window = speed_window.at(&l.t_s, k);
    let next = speed_window.at(&l.t_s, k + 1);
    let lines = if next == (window.0 + 1, window.1 + 1) {
        fit_line_pair(&l.t_s, &l.speed_mps, window, k).map(measured_motion)
    } else {
        [measured_line(l, window, k), measured_line(l, next, k + 1)]
    };
    for (i, line) in lines.into_iter().enumerate() {
        if let Some((v, a)) = line {
            (speed[i], a_long[i]) = (v, a);
        }
    }
    [f64x2::new(speed), f64x2::new(a_long), east, north, yaw_rps]
}

fn local_fit(l: &Local, cfg: &KinematicsConfig, out: &mut Kinematics, base: usize) {
    let n = l.t_s.len();
    let mut position_window = SlidingWindow::new(
        cfg.position_window_s,
        cfg.min_window_fixes.max(MIN_FIT_FIXES),
    );
    let mut speed_window = SlidingWindow::new(cfg.speed_window_s, MIN_FIT_FIXES);
    // This section's share of each output column.
    let section = base..base + n;
    let mut columns = Columns {
        speed_mps: &mut out.speed_mps[section.clone()],
        accel_long_mps2: &mut out.accel_long_mps2[section.clone()],
        velocity_east_mps: &mut out.velocity_east_mps[section.clone()],
        velocity_north_mps: &mut out.velocity_north_mps[section.clone()],
        yaw_rate_dps: &mut out.yaw_rate_dps[section.clone()],
        accel_lat_mps2: &mut out.accel_lat_mps2[section],
    };
    // No measured speed in this section: every output comes from positions.
    let positions_only = l.speed_mps.is_empty();
    let write = |columns: &mut Columns,
                 speed_window: &mut SlidingWindow,
                 k: usize,
                 fit: Option<(f64, f64, f64, f64)>| {
        let Some(fit) = fit else {
            return;
        };
        let [mut speed, mut a_long, east, north, yaw_rps] =
            position_motion(fit, cfg.min_heading_speed_mps);
        if l.measured_mps(k).is_some()
            && let Some(line) = measured_line(l, speed_window.at(&l.t_s, k), k)
        {
            (speed, a_long) = line;
        }
        columns.put(k, [speed, a_long, east, north, yaw_rps]);
    };
    let fit_at = |(lo, hi): (usize, usize), k: usize| {
        fit_quadratic(&l.t_s[lo..hi], &l.x_m[lo..hi], &l.y_m[lo..hi], l.t_s[k])
    };
    // Two fixes at a time: on a steady clock the next fix's window is this
    // one's moved on by one fix, and the pair is fitted in two lanes.
    for k in (0..n).step_by(2) {
        let window = position_window.at(&l.t_s, k);
        let fits = if k + 1 == n {
            [fit_at(window, k), None]
        } else {
            let next = position_window.at(&l.t_s, k + 1);
            if next == (window.0 + 1, window.1 + 1) {
                let pair = fit_quadratic_pair(&l.t_s, &l.x_m, &l.y_m, window, k);
                if pair.1 == [true, true] && (positions_only || l.all_measured) {
                    // Both fixes' outputs side by side, as `write` gives them.
                    let motion = if positions_only {
                        position_motion(pair.0, cfg.min_heading_speed_mps)
                    } else {
                        measured_motion_pair(l, cfg, &mut speed_window, pair.0, k)
                    };
                    columns.put(k, motion);
                    continue;
                }
                split_pair(pair)
            } else {
                [fit_at(window, k), fit_at(next, k + 1)]
            }
        };
        // One call of `write` (inlined), whichever way the pair was fitted.
        for (j, fit) in (k..n).zip(&fits) {
            write(&mut columns, &mut speed_window, j, *fit);
        }
    }
}

fn two_point(l: &Local, cfg: &KinematicsConfig, out: &mut Kinematics, base: usize) {
    let n = l.t_s.len();
    // Speed and heading of each step, placed at the step's midpoint.
    let step = |j: usize| {
        let dt = l.t_s[j + 1] - l.t_s[j];
        let (dx, dy) = (l.x_m[j + 1] - l.x_m[j], l.y_m[j + 1] - l.y_m[j]);
        let v = l.measured_mps(j).unwrap_or_else(|| dx.hypot(dy) / dt);
        (v, heading_deg(dx, dy), dx.hypot(dy) / dt)
    };
    for k in 1..n - 1 {
        let (v0, h0, p0) = step(k - 1);
        let (v1, h1, p1) = step(k);
        let dt = 0.5 * (l.t_s[k + 1] - l.t_s[k - 1]);
        let speed = 0.5 * (v0 + v1);
        let dh = (h1 - h0 + 540.0).rem_euclid(360.0) - 180.0;
        let moving = p0.min(p1) >= cfg.min_heading_speed_mps;
        let yaw_dps = if moving { dh / dt } else { 0.0 };
        let i = base + k;
        out.speed_mps[i] = speed;
        out.accel_long_mps2[i] = (v1 - v0) / dt;
        (out.velocity_east_mps[i], out.velocity_north_mps[i]) = if moving {
            let dt1 = l.t_s[k + 1] - l.t_s[k];
            (
                (l.x_m[k + 1] - l.x_m[k]) / dt1,
                (l.y_m[k + 1] - l.y_m[k]) / dt1,
            )
        } else {
            (f64::NAN, f64::NAN)
        };
        out.yaw_rate_dps[i] = yaw_dps;
        out.accel_lat_mps2[i] = speed * yaw_dps.to_radians();
    }
}

/// Computes the kinematic signals of every kept fix (see the module docs).
///
/// # Example
/// ```
/// use tripscore::detect::{clean, kinematics, CleanConfig, KinematicsConfig};
/// use tripscore::{RawTrip, Trajectory};
/// // Braking from 20 m/s at 2 m/s², one fix a second, heading north.
/// let t0 = 1_553_240_265_000_i64;
/// let (mut lat, mut time) = (Vec::new(), Vec::new());
/// for k in 0..10 {
///     let s = 20.0 * k as f64 - k as f64 * k as f64; // s = v0·t − a·t²/2
///     lat.push(50.0 + s / 111_195.0);
///     time.push(t0 + 1000 * k);
/// }
/// let trip = Trajectory::try_from(RawTrip {
///     lon_deg: vec![4.0; lat.len()], lat_deg: lat, time_ms: Some(time), ..RawTrip::default()
/// })?;
/// let c = clean(&trip, &CleanConfig::default());
/// let k = kinematics(&trip, &c, &KinematicsConfig::default());
/// assert!((k.accel_long_mps2[5] + 2.0).abs() < 0.05);
/// assert!((k.speed_mps[5] - 10.0).abs() < 0.1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn kinematics(trip: &Trajectory, clean: &CleanTrip, cfg: &KinematicsConfig) -> Kinematics {
    let n = clean.fixes.len();
    let Some(t) = trip.time_ms() else {
        return Kinematics::with_len(n);
    };
    let mut out = Kinematics::with_times(clean.fixes.iter().map(|&i| t[i]).collect());
    let measured =
        cfg.speed_source == SpeedSource::MeasuredWhenGiven && clean.measured_speed_usable;
    out.speed_measured = measured;
    let mut noise = NoiseHistogram::new(n);
    for section in &clean.sections {
        if section.end - section.start < MIN_FIT_FIXES {
            continue;
        }
        let local = local_plane(trip, &clean.fixes[section.range()], measured);
        if measured {
            noise.add_section(&local);
        }
        match cfg.estimator {
            Estimator::LocalFit => local_fit(&local, cfg, &mut out, section.start),
            Estimator::TwoPoint => two_point(&local, cfg, &mut out, section.start),
        }
        // Jerk: central differences of the longitudinal acceleration, each
        // fix between its neighbours (windows of three: no index checks).
        let range = section.range();
        let (times, accels) = (
            &out.time_ms[range.clone()],
            &out.accel_long_mps2[range.clone()],
        );
        for ((jerk, t), a) in out.jerk_mps3[range.start + 1..range.end - 1]
            .iter_mut()
            .zip(times.windows(3))
            .zip(accels.windows(3))
        {
            let dt = t[2] - t[0];
            if dt > 0 {
                #[allow(clippy::cast_precision_loss, reason = "Δt in ms is small")]
                let dt_s = dt as f64 / 1000.0;
                *jerk = (a[2] - a[0]) / dt_s;
            }
        }
    }
    out.speed_noise_mps = noise.sigma_mps();
    out
}

/// The measured speed's noise over a trip: a histogram of the absolute
/// residuals of measured speeds about the line through their neighbours
/// ([`NoiseHistogram::add_section`]), whose median gives a robust standard
/// deviation. A histogram, not a sort: one pass and no allocation, where a
/// selection over every fix cost 7 % of the kinematics stage; its bins
/// (2.5 mm/s) are far finer than any receiver's noise. A long trip is
/// sampled: every `stride`-th fix, about [`NOISE_SAMPLES`] residuals in all
/// (a median of 256 has a standard error of about 7 %; every fix of a
/// 1,000-fix trip cost 4 % of scoring time on compact input).
struct NoiseHistogram {
    /// Residuals per bin.
    counts: [u32; NOISE_BINS],
    /// Every `stride`-th triple of fixes is counted.
    stride: usize,
}

/// Bins of [`NoiseHistogram`]; residuals beyond the last bin count in it.
const NOISE_BINS: usize = 512;
/// Width of a [`NoiseHistogram`] bin, m/s.
const NOISE_BIN_MPS: f64 = 0.0025;
/// Fewest residuals a noise estimate is made from.
const MIN_NOISE_SAMPLES: u32 = 30;
/// About how many residuals a trip's estimate is made from at most.
const NOISE_SAMPLES: usize = 256;

impl NoiseHistogram {
    /// An empty histogram for a trip of `fixes` kept fixes.
    fn new(fixes: usize) -> Self {
        Self {
            counts: [0; NOISE_BINS],
            stride: (fixes / NOISE_SAMPLES).max(1),
        }
    }

    /// Counts the residuals of one section's measured speeds: for fixes a,
    /// b, c with measured speeds above 2 m/s and gaps of at most 2 s,
    /// `|v_b − w_a·v_a − w_c·v_c| / √(1 + w_a² + w_c²)` with `w` the weights
    /// that interpolate b's time. White noise of σ gives residuals of σ;
    /// the true speed's own curvature adds a little (an upper bound).
    fn add_section(&mut self, local: &Local) {
        const MIN_SPEED_MPS: f64 = 2.0;
        const MAX_GAP_S: f64 = 2.0;
        let triples = local.t_s.windows(3).zip(local.speed_mps.windows(3));
        for (t, v) in triples.step_by(self.stride) {
            let [va, vb, vc] = [v[0], v[1], v[2]];
            let (d1, d2) = (t[1] - t[0], t[2] - t[1]);
            // Written so that NaN (a fix without a measured speed, too)
            // fails every test.
            let usable = va >= MIN_SPEED_MPS
                && vb >= MIN_SPEED_MPS
                && vc >= MIN_SPEED_MPS
                && d1 > 0.0
                && d2 > 0.0
                && d1 <= MAX_GAP_S
                && d2 <= MAX_GAP_S;
            if !usable {
                continue;
            }
            let (wa, wc) = (d2 / (d1 + d2), d1 / (d1 + d2));
            let residual = (vb - (wa * va + wc * vc)).abs() / (1.0 + wa * wa + wc * wc).sqrt();
            // Saturating: the far tail lands in the last bin.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a non-negative bin number, capped below"
            )]
            let bin = ((residual / NOISE_BIN_MPS) as usize).min(NOISE_BINS - 1);
            self.counts[bin] += 1;
        }
    }

    /// The robust standard deviation, m/s: 1.4826 × the median residual
    /// (interpolated within its bin); `None` from fewer than
    /// [`MIN_NOISE_SAMPLES`] residuals.
    fn sigma_mps(&self) -> Option<f64> {
        let total: u32 = self.counts.iter().sum();
        if total < MIN_NOISE_SAMPLES {
            return None;
        }
        let half = 0.5 * f64::from(total);
        let mut below = 0.0;
        for (bin, &count) in self.counts.iter().enumerate() {
            let count = f64::from(count);
            if below + count >= half {
                #[allow(clippy::cast_precision_loss, reason = "bin < 512")]
                let median = (bin as f64 + (half - below) / count) * NOISE_BIN_MPS;
                return Some(1.4826 * median);
            }
            below += count;
        }
        None
    }
}

#[cfg(test)]
#[path = "kinematics_tests.rs"]
mod tests;
