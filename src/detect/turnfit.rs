//! Turn shape fit: the peak lateral acceleration of a turn from a model of
//! the whole turn fitted to its fixes.
//!
//! The kinematics stage's local fit (a quadratic over ±2 s) is a linear
//! smoother: at 1 Hz it keeps only 50–85 % of the lateral peak of a 3–5 s
//! junction turn, and no linear kernel narrow enough to keep that peak stays
//! quiet on 0.5 m of per-fix position noise (docs/ACCURACY.md). A turn,
//! though, is one smooth pulse of yaw rate: the heading swings from one
//! straight road to another. Fitting that shape to all the turn's fixes
//! spends them on four numbers instead of one derivative per fix:
//!
//! ψ(t) = ψ₀ + Θ · S((t − c) / w),  S(u) = (u + 1)/2 + sin(πu)/(2π) on
//! [−1, 1] (0 before, 1 after),
//!
//! so the yaw rate is a raised-cosine pulse of area Θ (the heading change),
//! centred at `c`, lasting `2w` and peaking at Θ/w. The car's measured speed
//! (without one, the fixes' arc speed, [`arc_speeds`]) carries the heading
//! along, over the turn and `margin_s` (5 s) either side: the model path is
//! the integral of speed × (sin ψ, cos ψ), and the residuals
//! are the fixes' offsets from it, east and north, after the best offset and
//! drift velocity per axis are taken out (a receiver's slowly wandering
//! error, over a turn's few seconds).
//! Levenberg–Marquardt finds the parameters; the covariance of the fit gives
//! the relative standard error `ε` of the peak yaw rate Θ/w.
//!
//! A fit is used when it converged with residuals no larger than GPS noise
//! (`max_rms_m`), a pulse the sampling resolves (`w` above both
//! `min_half_width_s` and the median fix interval), a heading change the
//! same way as the turn's and within a factor 2 of it (a fit straying
//! from that while its steps gain little is given up early), and `ε ≤ 1`.
//! The turn's peak is then the larger of the local fit's and the fitted peak
//! lowered by one standard error (× e^−ε, `confidence_sigmas`): the largest
//! peak the data show with confidence. Hard turns are judged on that peak,
//! so the fit's scatter seldom makes a calm turn hard (docs/ACCURACY.md
//! measures both sides of the trade). Roundabouts — several pulses with the
//! steering held between — keep the local-fit peak.
//!
//! The pulse model, the solver and the rule for taking a fitted peak are
//! shared with the brake fit (`pulse`).

use nalgebra::Vector4;
use serde::{Deserialize, Serialize};

use crate::detect::annotate::{AnnotateConfig, Annotation};
use crate::detect::clean::CleanTrip;
use crate::detect::kinematics::Kinematics;
use crate::detect::pulse::{
    Fit, LmBuffers, Params, TURN_LM, at_lower_bound, confident_peak_mps2, inside_step,
    levenberg_marquardt, min_half_width_s, peak_rel_error, pulse_step, with_margins,
};
use crate::geodesy::east_north_m;
use crate::input::Trajectory;
use crate::trig;

/// Settings of the turn shape fit.
///
/// # Units
/// Seconds, metres, m/s².
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TurnFitConfig {
    /// Whether turn peaks are refitted at all.
    pub enabled: bool,
    /// Fixes this long before and after the turn episode join the fit, s.
    pub margin_s: f64,
    /// Only turns whose local-fit peak reaches this share of the hard-turn
    /// threshold are refitted: the local fit keeps about half of the
    /// shortest turns' peaks and more of longer ones (docs/ACCURACY.md), so
    /// a turn below that share is not hard, and the refit would only move
    /// its magnitude a little.
    pub min_local_share: f64,
    /// The fit is used only when its RMS residual per coordinate is at most this, m.
    pub max_rms_m: f64,
    /// The least per-coordinate noise assumed when standard errors are
    /// computed (a few residuals underestimate it), m.
    pub noise_floor_m: f64,
    /// The shortest pulse half-width `w` the fit may use, s; a fit that ends
    /// there is not resolved by the sampling and is not used.
    pub min_half_width_s: f64,
    /// The fitted peak is lowered by this many standard errors (× e^(−kε))
    /// before it is used: 1 keeps the peaks the data show with confidence;
    /// 0 takes the fit as it is (more hard turns found, more false ones;
    /// docs/ACCURACY.md tabulates the trade).
    pub confidence_sigmas: f64,
    /// A turn with its margins needs at least this many fixes to be fitted
    /// (four parameters and the offset and drift of each axis).
    pub min_fixes: usize,
    /// The fitted heading change must be the turn's own within this factor
    /// (either way); otherwise the fit found another shape.
    pub max_heading_ratio: f64,
    /// The fit is used only when the relative standard error of its peak is
    /// at most this.
    pub max_peak_rel_error: f64,
}

impl Default for TurnFitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            margin_s: 5.0,
            min_local_share: 0.5,
            max_rms_m: 2.0,
            noise_floor_m: 0.5,
            min_half_width_s: 1.0,
            confidence_sigmas: 1.0,
            min_fixes: 7,
            max_heading_ratio: 2.0,
            max_peak_rel_error: 1.0,
        }
    }
}

/// The fixes of one turn and its margins, in a local plane.
#[derive(Clone, Debug, Default)]
struct Window {
    /// Fix times, s from the turn's reference time.
    t_s: Vec<f64>,
    /// Speed at each fix, m/s.
    v_mps: Vec<f64>,
    /// East and north, m.
    x_m: Vec<f64>,
    y_m: Vec<f64>,
    /// Whether every speed in `v_mps` is the measured (Doppler) speed; if
    /// not, `v_mps` is the arc speed of the fixes ([`arc_speeds`]).
    speed_measured: bool,
    /// Where the model is sampled: [`SUBSTEPS`] samples per fix interval,
    /// each its time (s) and the path length it carries (speed × sub-step,
    /// m). They do not depend on the parameters, so [`Window::sampled`]
    /// works them out once for all of a fit's model evaluations.
    samples: Vec<(f64, f64)>,
    /// Each fix's time less the mean of `t_s`, s, and the sum of their
    /// squares: the detrending line's own numbers, the same at every
    /// evaluation (worked out by [`Window::sampled`]).
    dt_s: Vec<f64>,
    s_tt: f64,
}

impl Window {
    /// The window with its model samples (`samples`), `dt_s` and `s_tt` worked out.
    fn sampled(mut self) -> Self {
        #[allow(clippy::cast_precision_loss, reason = "a few fixes")]
        let n = self.t_s.len() as f64;
        let t_mean = self.t_s.iter().sum::<f64>() / n;
        self.dt_s = self.t_s.iter().map(|t| t - t_mean).collect();
        self.s_tt = self.dt_s.iter().map(|dt| dt * dt).sum();
        self.samples.clear();
        for k in 1..self.t_s.len() {
            let (t0, t1) = (self.t_s[k - 1], self.t_s[k]);
            let (v0, v1) = (self.v_mps[k - 1], self.v_mps[k]);
            #[allow(clippy::cast_precision_loss, reason = "a handful of sub-steps")]
            let h = (t1 - t0) / SUBSTEPS as f64;
            for f in NODES {
                self.samples
                    .push((t0 + f * (t1 - t0), (v0 + f * (v1 - v0)).max(0.0) * h));
            }
        }
        self
    }
}

/// Sub-steps per fix interval when the model is integrated along it.
const SUBSTEPS: usize = 2;

/// Where in a fix interval (as a share of it) the model is sampled: the
/// two-point Gauss–Legendre nodes, exact for cubics, so two samples cost
/// what two midpoints would and integrate a sharp turn's swing far better.
const NODES: [f64; SUBSTEPS] = [0.5 - 0.288_675_134_594_812_9, 0.5 + 0.288_675_134_594_812_9];

/// The model yaw rate at `t_s`, rad/s.
fn yaw_rate_rps(p: &Params, t_s: f64) -> f64 {
    let u = (t_s - p[2]) / p[3];
    if u.abs() >= 1.0 {
        0.0
    } else {
        pulse_yaw_rate_rps(p, trig::cos(std::f64::consts::PI * u))
    }
}

/// The model yaw rate inside the pulse, from cos(πu), rad/s.
#[inline]
fn pulse_yaw_rate_rps(p: &Params, cos_pi_u: f64) -> f64 {
    p[1] / (2.0 * p[3]) * (1.0 + cos_pi_u)
}

/// [`yaw_rate_rps`] at two times, bit for bit: both cosines in two lanes
/// when both lie inside the pulse.
fn yaw_rates_rps(p: &Params, t_s: [f64; 2]) -> [f64; 2] {
    let u = t_s.map(|t| (t - p[2]) / p[3]);
    if u.iter().all(|u| u.abs() < 1.0) {
        let pi = std::f64::consts::PI;
        trig::cos_pair(pi * u[0], pi * u[1]).map(|c| pulse_yaw_rate_rps(p, c))
    } else {
        t_s.map(|t| yaw_rate_rps(p, t))
    }
}

/// Residuals and their Jacobian at `p`: each fix's offset from the model
/// path, east then north, m, with the best offset and drift taken out, and the
/// derivatives of those offsets by ψ₀, Θ, c and w (when `jac` is given).
///
/// With ψ = ψ₀ + Θ·S(u), u = (t − c)/w, the model path is Σ v·h·(sin ψ, cos ψ)
/// over sub-steps of length h, so its derivative by a parameter q is
/// Σ v·h·(cos ψ, −sin ψ)·∂ψ/∂q with ∂ψ/∂ψ₀ = 1, ∂ψ/∂Θ = S(u),
/// ∂ψ/∂c = −Θ·S′(u)/w, ∂ψ/∂w = −Θ·S′(u)·u/w, S′(u) = (1 + cos πu)/2 —
/// one pass gives both, instead of five passes for finite differences.
fn model(w: &Window, p: &Params, r: &mut Vec<f64>, mut jac: Option<&mut Vec<Vector4<f64>>>) {
    r.clear();
    r.reserve(2 * w.t_s.len());
    r.extend([w.x_m[0], w.y_m[0]]);
    if let Some(j) = jac.as_deref_mut() {
        j.clear();
        j.reserve(2 * w.t_s.len());
        j.extend([Vector4::zeros(), Vector4::zeros()]);
    }
    let mut sums = PathSums::default();
    let jacobian = jac.is_some();
    // Before and after the pulse the heading is constant.
    let (before, after) = (trig::sin_cos(p[0]), trig::sin_cos(p[0] + p[1]));
    // After the pulse S = 1 and S′ = +0, so ∂ψ/∂c and ∂ψ/∂w are zeros
    // whose sign is −Θ's (u > 0, w > 0): the same two zeros at every sample.
    let after_dpsi = {
        let zero = -p[1] * 0.0 / p[3];
        Vector4::new(1.0, 1.0, zero, zero)
    };
    for (k, interval) in w.samples.chunks_exact(SUBSTEPS).enumerate() {
        if let Some(both) = inside_pair(interval, p) {
            for (&(_, vh), sample) in interval.iter().zip(&both) {
                sums.add_inside(p, vh, sample, jacobian);
            }
        } else {
            for &(t_s, vh) in interval {
                let u = (t_s - p[2]) / p[3];
                if u <= -1.0 {
                    // Before the pulse only ψ₀ moves the path: the other
                    // derivatives add zeros to sums that are still +0 (u
                    // grows with t, w > 0), which leaves them as they are.
                    let (sin, cos) = before;
                    sums.px += vh * sin;
                    sums.py += vh * cos;
                    if jacobian {
                        sums.dx[0] += vh * cos;
                        sums.dy[0] -= vh * sin;
                    }
                } else if u >= 1.0 {
                    // After the pulse the heading is constant again, and the
                    // derivatives are those of `after_dpsi` (what the general
                    // path computes there, bit for bit).
                    let (sin, cos) = after;
                    sums.px += vh * sin;
                    sums.py += vh * cos;
                    if jacobian {
                        sums.dx += after_dpsi * (vh * cos);
                        sums.dy -= after_dpsi * (vh * sin);
                    }
                } else {
                    let step = pulse_step(u);
                    let heading = trig::sin_cos(p[0] + p[1] * step.0);
                    sums.add_inside(p, vh, &(u, step, heading), jacobian);
                }
            }
        }
        r.extend([w.x_m[k + 1] - sums.px, w.y_m[k + 1] - sums.py]);
        if let Some(j) = jac.as_deref_mut() {
            j.extend([-sums.dx, -sums.dy]);
        }
    }
    // Take out the best offset and drift per axis (a least-squares line in
    // time): the receiver's slowly wandering error is, over a turn's few
    // seconds, an offset moving at a nearly constant velocity. Projecting
    // the Jacobian's columns the same way eliminates those four linear
    // parameters exactly (variable projection).
    detrend(&w.dt_s, w.s_tt, r, -0.0);
    if let Some(j) = jac {
        detrend(&w.dt_s, w.s_tt, j, Vector4::zeros());
    }
}

/// A sample inside the pulse: u, (S(u), S′(u)) and the (sine, cosine) of its heading.
type Inside = (f64, (f64, f64), (f64, f64));

/// The model path's sums over the samples so far: east and north, m, and
/// their derivatives by the parameters.
#[derive(Default)]
struct PathSums {
    px: f64,
    py: f64,
    dx: Vector4<f64>,
    dy: Vector4<f64>,
}

impl PathSums {
    /// Adds a sample inside the pulse (the general branch of [`model`]):
    /// `vh` metres along its heading, and their derivatives when
    /// `jacobian`.
    #[allow(
        clippy::inline_always,
        reason = "two call sites in the model's inner loop; out of line it spills the sums"
    )]
    #[inline(always)]
    fn add_inside(
        &mut self,
        p: &Params,
        vh: f64,
        &(u, (shape, slope), (sin, cos)): &Inside,
        jacobian: bool,
    ) {
        self.px += vh * sin;
        self.py += vh * cos;
        if jacobian {
            let dpsi = Vector4::new(1.0, shape, -p[1] * slope / p[3], -p[1] * slope * u / p[3]);
            self.dx += dpsi * (vh * cos);
            self.dy -= dpsi * (vh * sin);
        }
    }
}

/// When both samples of a fix interval lie inside the pulse (the general
/// branch of [`model`], −1 < u < 1), each one's S(u), S′(u) and heading
/// sine and cosine, computed for the two side by side
/// ([`trig::sin_cos_pair`]: the same bits as one at a time); `None`
/// otherwise.
#[allow(
    clippy::inline_always,
    reason = "called out of line, the pair's arrays cost more than its lanes save"
)]
#[inline(always)]
fn inside_pair(interval: &[(f64, f64)], p: &Params) -> Option<[Inside; 2]> {
    const _: () = assert!(SUBSTEPS == 2, "the pair is one fix interval's samples");
    let u = [0, 1].map(|i| (interval[i].0 - p[2]) / p[3]);
    // The complement of the before and after tests, as `model` makes them
    // (a NaN takes the general branch there too).
    if u.iter().any(|&u| u <= -1.0 || u >= 1.0) {
        return None;
    }
    let pi = std::f64::consts::PI;
    let sc = trig::sin_cos_pair(pi * u[0], pi * u[1]);
    let steps = [0, 1].map(|i| inside_step(u[i], sc[i]));
    let heading = trig::sin_cos_pair(p[0] + p[1] * steps[0].0, p[0] + p[1] * steps[1].0);
    Some([(u[0], steps[0], heading[0]), (u[1], steps[1], heading[1])])
}

/// Subtracts from the east and the north entries of the pairs in `values`
/// (one pair per fix, `dt_s` its time less the fixes' mean time, `s_tt`
/// the sum of their squares) each axis's least-squares line in time.
/// Both axes' sums are taken in one pass and both lines subtracted in a
/// second; `zero` starts each sum as `Iterator::sum` would (−0.0 for
/// `f64`, +0.0 for nalgebra vectors), so the result is the bits of a mean,
/// a slope and a subtraction per axis done one after another.
fn detrend<T>(dt_s: &[f64], s_tt: f64, values: &mut [T], zero: T)
where
    T: Copy
        + std::ops::Sub<Output = T>
        + std::ops::Add<Output = T>
        + std::ops::Mul<f64, Output = T>
        + std::ops::Div<f64, Output = T>,
{
    #[allow(clippy::cast_precision_loss, reason = "a few fixes")]
    let n = dt_s.len() as f64;
    let (mut sum, mut sum_t) = ([zero; 2], [zero; 2]);
    for (pair, &dt) in values.chunks_exact(2).zip(dt_s) {
        for axis in 0..2 {
            sum[axis] = sum[axis] + pair[axis];
            sum_t[axis] = sum_t[axis] + pair[axis] * dt;
        }
    }
    let mean = [sum[0] / n, sum[1] / n];
    let slope = [sum_t[0] / s_tt, sum_t[1] / s_tt];
    for (pair, &dt) in values.chunks_exact_mut(2).zip(dt_s) {
        for axis in 0..2 {
            pair[axis] = pair[axis] - (mean[axis] + slope[axis] * dt);
        }
    }
}

/// The turn model fitted from `start`, `w` kept ≥ `min_w` and |c| ≤ `max_c`;
/// given up (`None`) once its steps gain little while its heading change
/// is not `same_way` as the turn's, which the fit's checks would reject
/// ([`TURN_LM`]).
fn fit(
    w: &Window,
    start: Params,
    min_w: f64,
    max_c: f64,
    same_way: impl Fn(f64) -> bool,
    buffers: &mut LmBuffers,
) -> Option<Fit> {
    levenberg_marquardt(
        |p, r, jac| model(w, p, r, jac),
        start,
        |mut p| {
            p[3] = p[3].max(min_w);
            p[2] = p[2].clamp(-max_c, max_c);
            p
        },
        TURN_LM,
        |p| !same_way(p[1]),
        buffers,
    )
}

/// A local plane around kept fix `k0`: east/north metres of kept fix `k`.
fn plane(trip: &Trajectory, clean: &CleanTrip, k0: usize) -> impl Fn(usize) -> (f64, f64) {
    let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
    let i0 = clean.fixes[k0];
    let (lat0, lon0, cos0) = (lat[i0], lon[i0], trip.cos_lat(i0));
    move |k: usize| {
        let i = clean.fixes[k];
        east_north_m(lat[i] - lat0, lon[i] - lon0, cos0)
    }
}

/// What the shape fit found for one turn.
#[derive(Clone, Copy, Debug, PartialEq)]
struct TurnPeak {
    /// Fitted peak |lateral acceleration|, m/s².
    peak_mps2: f64,
    /// Its time, Unix ms.
    at_ms: i64,
    /// Relative standard error of the peak.
    rel_error: f64,
}

/// The kept fixes `lo..=hi` around `turn` in a local plane, times relative to its peak.
fn window(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    turn: &Annotation,
    margin_s: f64,
) -> Option<Window> {
    let (lo, hi) = with_margins(clean, &kin.time_ms, turn, margin_s)?;
    #[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
    let ms = |k: usize| kin.time_ms[k] as f64;
    let xy = plane(trip, clean, lo);
    let n = hi + 1 - lo;
    let mut w = Window {
        t_s: Vec::with_capacity(n),
        v_mps: Vec::with_capacity(n),
        x_m: Vec::with_capacity(n),
        y_m: Vec::with_capacity(n),
        speed_measured: false,
        samples: Vec::with_capacity(SUBSTEPS * n),
        dt_s: Vec::new(),
        s_tt: 0.0,
    };
    #[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
    let t_ref = turn.peak_at_ms as f64;
    w.speed_measured =
        kin.speed_measured && (lo..=hi).all(|k| trip.speed_kmh(clean.fixes[k]).is_some());
    for k in lo..=hi {
        let (x, y) = xy(k);
        w.t_s.push((ms(k) - t_ref) / 1000.0);
        w.v_mps.push(kin.speed_mps[k]);
        w.x_m.push(x);
        w.y_m.push(y);
    }
    if !w.speed_measured {
        w.v_mps = arc_speeds(&w.t_s, &w.x_m, &w.y_m);
    }
    w.v_mps.iter().all(|v| v.is_finite()).then(|| w.sampled())
}

/// Steps of the grid over the fitted pulse where its peak is looked for
/// (an even number: the points go two at a time, then the last).
const PEAK_GRID: usize = 64;

/// Fixes either side of a fix whose path gives its arc speed.
const ARC_HALF_FIXES: usize = 2;

/// The speed along the path the fixes trace: for each fix, the length of
/// the polyline through the fixes up to [`ARC_HALF_FIXES`] either side
/// (within the window) over its duration, m/s.
///
/// Without measured speed the kinematics speed is the length of a velocity
/// fitted to positions over ±2 s, and across a sharp turn that fit averages
/// velocities of different directions: its length dips (to 80 % of the
/// true speed in a 90° turn of 2.4 s at 6 m/s), and a model carried by it
/// reads the turn 40 % too gentle. The arc speed follows the corner: it
/// reads chords for arcs (1.3 % low at the apex of that turn) and position
/// noise σ lengthens each step of length d by about σ²/d (under 0.1 m/s at
/// 0.5 m noise and 3 m steps), both small beside the dip.
fn arc_speeds(t_s: &[f64], x_m: &[f64], y_m: &[f64]) -> Vec<f64> {
    let n = t_s.len();
    // Cumulative path length at each fix.
    let mut path_m = Vec::with_capacity(n);
    let mut total = 0.0;
    for k in 0..n {
        if k > 0 {
            total += (x_m[k] - x_m[k - 1]).hypot(y_m[k] - y_m[k - 1]);
        }
        path_m.push(total);
    }
    (0..n)
        .map(|k| {
            let (lo, hi) = (
                k.saturating_sub(ARC_HALF_FIXES),
                (k + ARC_HALF_FIXES).min(n - 1),
            );
            (path_m[hi] - path_m[lo]) / (t_s[hi] - t_s[lo])
        })
        .collect()
}

/// Fits the turn shape to `turn` and its margins (module docs); `None` when
/// the fit cannot be trusted.
fn fit_turn(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    turn: &Annotation,
    cfg: &TurnFitConfig,
    buffers: &mut LmBuffers,
) -> Option<TurnPeak> {
    let w = window(trip, clean, kin, turn, cfg.margin_s)?;
    let n = w.t_s.len();
    if n < cfg.min_fixes {
        return None;
    }
    // Start: the heading of the first step, the turn's own heading change,
    // centred on its local-fit peak, as wide as its episode.
    let psi0 = (w.x_m[1] - w.x_m[0]).atan2(w.y_m[1] - w.y_m[0]);
    let theta = turn.heading_change_deg.to_radians();
    let half_s = 0.5 * (turn.end_ms - turn.start_ms) / 1000.0;
    let min_w = min_half_width_s(&w.t_s, cfg.min_half_width_s);
    // The fitted heading change (Θ, rad) is the turn's own: the same way,
    // within a factor `max_heading_ratio` either way.
    let same_way = |fitted_rad: f64| {
        let ratio = fitted_rad / theta;
        ratio > 0.0 && (1.0 / cfg.max_heading_ratio..=cfg.max_heading_ratio).contains(&ratio)
    };
    let found = fit(
        &w,
        Vector4::new(psi0, theta, 0.0, (half_s + 0.5).max(min_w)),
        min_w,
        half_s + 1.0,
        same_way,
        buffers,
    )?;
    let p = found.p;
    #[allow(clippy::cast_precision_loss, reason = "a few fixes")]
    let rms_m = (found.sum_sq / (2 * n) as f64).sqrt();
    if rms_m > cfg.max_rms_m || at_lower_bound(p[3], min_w) || !same_way(p[1]) {
        return None;
    }
    let rel_error = peak_rel_error(&found, rms_m, cfg.noise_floor_m, cfg.max_peak_rel_error)?;
    // The peak of speed × yaw rate over the pulse, on a grid of 64 steps.
    // The grid's times only grow, so the fix interval holding each is found
    // by moving on from the last one (what a search from the start finds:
    // the first fix not before it).
    let mut next_fix = 0;
    let mut v_at = |ts: f64| {
        while next_fix < n && w.t_s[next_fix] < ts {
            next_fix += 1;
        }
        let k = next_fix.clamp(1, n - 1);
        let (a, b) = (w.t_s[k - 1], w.t_s[k]);
        let f = ((ts - a) / (b - a)).clamp(0.0, 1.0);
        w.v_mps[k - 1] + f * (w.v_mps[k] - w.v_mps[k - 1])
    };
    #[allow(clippy::cast_precision_loss, reason = "a small grid")]
    let ts_at = |s: usize| p[2] - p[3] + 2.0 * p[3] * s as f64 / PEAK_GRID as f64;
    let mut best = (0.0, 0.0);
    // Grid points two at a time (their yaw rates side by side), then the last.
    for s in (0..PEAK_GRID).step_by(2).chain([PEAK_GRID]) {
        let (ts, yaw) = if s < PEAK_GRID {
            let ts = [ts_at(s), ts_at(s + 1)];
            (ts, yaw_rates_rps(&p, ts))
        } else {
            let ts = ts_at(s);
            ([ts, f64::NAN], [yaw_rate_rps(&p, ts), f64::NAN])
        };
        for i in 0..if s < PEAK_GRID { 2 } else { 1 } {
            let a = (v_at(ts[i]) * yaw[i]).abs();
            if a > best.0 {
                best = (a, ts[i]);
            }
        }
    }
    #[allow(clippy::cast_possible_truncation, reason = "Unix ms fit in i64")]
    let at_ms = turn.peak_at_ms + (best.1 * 1000.0).round() as i64;
    Some(TurnPeak {
        peak_mps2: best.0,
        at_ms,
        rel_error,
    })
}

/// Refits every left and right turn in `episodes` whose local-fit peak
/// reaches `min_local_share` × `annotate.hard_turn_mps2` (module docs):
/// where the fit is trusted and its peak lowered by `confidence_sigmas`
/// standard errors exceeds the local-fit peak, that becomes the turn's peak
/// (and its time, kept inside the turn), and `hard` is set from it and
/// `annotate` ([`AnnotateConfig::is_hard`]). Peaks above
/// `annotate.max_plausible_mps2` are not taken.
///
/// # Example
/// ```
/// use tripscore::{analyze, parse_line, simulate_trip, DetectConfig, SimConfig, Trajectory};
/// let sim = simulate_trip(&SimConfig::default(), 3);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let mut cfg = DetectConfig::default();
/// cfg.turn_fit.enabled = false;
/// let local_only = analyze(&trip, &cfg);
/// // `analyze` runs the refit; it only ever raises a turn's peak.
/// let refined = analyze(&trip, &DetectConfig::default());
/// for (a, b) in local_only.annotations.iter().zip(&refined.annotations) {
///     assert!(b.peak_mps2 >= a.peak_mps2);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn refine_turns(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    episodes: &mut [Annotation],
    cfg: &TurnFitConfig,
    annotate: &AnnotateConfig,
) {
    if !cfg.enabled {
        return;
    }
    let mut buffers = LmBuffers::default();
    for a in episodes.iter_mut() {
        if !a.is_single_turn()
            || a.peak_mps2 < cfg.min_local_share * annotate.hard_threshold_mps2(a.kind)
        {
            continue;
        }
        let Some(found) = fit_turn(trip, clean, kin, a, cfg, &mut buffers) else {
            continue;
        };
        // Diagnostic (experiment branch only): every accepted fit's
        // episode, local peak, fitted peak and relative standard error.
        if std::env::var_os("TRIPSCORE_TURNFIT_DEBUG").is_some() {
            eprintln!(
                "FIT {} {} {} {:.4} {:.4} {:.4}",
                trip.event_id(),
                a.start_ms,
                a.end_ms,
                a.peak_mps2,
                found.peak_mps2,
                found.rel_error
            );
        }
        let Some(confident_mps2) = confident_peak_mps2(
            found.peak_mps2,
            found.rel_error,
            cfg.confidence_sigmas,
            a.peak_mps2,
            annotate.max_plausible_mps2,
        ) else {
            continue;
        };
        a.set_peak(confident_mps2, annotate);
        // The fitted pulse's peak, kept inside the episode (the zone and
        // the "brake inside a turn" rules place an event by its peak).
        #[allow(clippy::cast_possible_truncation, reason = "Unix ms fit in i64")]
        let (first_ms, last_ms) = (a.start_ms.ceil() as i64, a.end_ms.floor() as i64);
        a.peak_at_ms = found.at_ms.clamp(first_ms, last_ms.max(first_ms));
    }
}

#[cfg(test)]
#[path = "turnfit_tests.rs"]
mod tests;
