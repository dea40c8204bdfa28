//! Brake pulse fit: the peaks of short brakes from a model of the whole
//! speed change, fitted to the measured speeds.
//!
//! The kinematics stage reads longitudinal acceleration from a line through
//! the measured speeds within ±1 s — at 1 Hz, three samples, the mean
//! deceleration over 2 s. A harsh brake lasts 3–4 s, so that mean keeps only
//! 0.71–0.82 of its peak (docs/ACCURACY.md, "Resolution limit"). A brake,
//! though, is one smooth pulse of deceleration; fitted to all its samples,
//!
//! v(t) = v₀ + Δv · S((t − c) / w),  S(u) = (u + 1)/2 + sin(πu)/(2π) on
//! [−1, 1] (0 before, 1 after),
//!
//! gives the peak |Δv|/w from every sample of the episode and `margin_s`
//! either side, with a relative standard error `ε` from the fit's covariance.
//! For each brake whose local peak reaches `min_local_share` of the
//! hard-brake threshold, a trusted fit (it converged, residuals no larger
//! than `max_rms_mps`, a pulse the sampling resolves, Δv slowing down)
//! raises the peak to the fitted peak lowered by `confidence_sigmas`
//! standard errors (× e^(−kε)) when that is higher: the turn shape fit's
//! rule, with its solver (`pulse`), for speed. Accelerations are left alone: they last
//! longer, so the ±1 s line already keeps their peak, and a real pull-away
//! (strong in first gear, weaker after each shift) is not one pulse.
//! Without measured speed (or with the kinematics told to ignore it) nothing
//! is fitted: speeds derived from positions are smoothed, so their errors are
//! not independent and `ε` would be too small.

use nalgebra::Vector4;
use serde::{Deserialize, Serialize};

use crate::api::AccelerationKind;
use crate::detect::annotate::{AnnotateConfig, Annotation, AnnotationKind};
use crate::detect::clean::CleanTrip;
use crate::detect::kinematics::Kinematics;
use crate::detect::pulse::{
    BRAKE_LM, LmBuffers, Params, at_lower_bound, confident_peak_mps2, levenberg_marquardt,
    min_half_width_s, peak_rel_error, pulse_step, with_margins,
};
use crate::input::Trajectory;

/// Settings of the brake pulse fit.
///
/// # Units
/// Seconds, m/s, a share, standard errors.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrakeFitConfig {
    /// Whether brake peaks are refitted at all.
    pub enabled: bool,
    /// Samples this long before and after the brake join the fit, s.
    pub margin_s: f64,
    /// Only brakes whose local peak reaches this share of the hard-brake
    /// threshold are refitted (the ±1 s line keeps at least 0.7 of a harsh
    /// brake's peak).
    pub min_local_share: f64,
    /// The fit is used only when its RMS residual is at most this, m/s.
    pub max_rms_mps: f64,
    /// The least speed noise assumed when standard errors are computed, m/s.
    pub noise_floor_mps: f64,
    /// The shortest pulse half-width the fit may use, s (and at least the
    /// median sample interval); a fit that ends there is not used.
    pub min_half_width_s: f64,
    /// The fitted peak is lowered by this many standard errors (× e^(−kε))
    /// before it is used.
    pub confidence_sigmas: f64,
    /// A brake with its margins needs at least this many measured speeds
    /// to be fitted (four parameters).
    pub min_samples: usize,
    /// The fit is used only when the relative standard error of its peak is
    /// at most this.
    pub max_peak_rel_error: f64,
}

impl Default for BrakeFitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            margin_s: 2.0,
            min_local_share: 0.6,
            max_rms_mps: 0.5,
            noise_floor_mps: 0.2,
            min_half_width_s: 1.0,
            confidence_sigmas: 1.0,
            min_samples: 6,
            max_peak_rel_error: 1.0,
        }
    }
}

/// Measured speeds around one brake: seconds from its peak, m/s.
#[derive(Clone, Debug, Default)]
struct Samples {
    t_s: Vec<f64>,
    v_mps: Vec<f64>,
}

/// Residuals (observed − model speed) and their Jacobian by (v₀, Δv, c, w).
fn model(s: &Samples, p: &Params, r: &mut Vec<f64>, jac: Option<&mut Vec<Vector4<f64>>>) {
    r.clear();
    r.reserve(s.t_s.len());
    let mut rows = jac;
    if let Some(j) = rows.as_deref_mut() {
        j.clear();
        j.reserve(s.t_s.len());
    }
    for (&t, &v) in s.t_s.iter().zip(&s.v_mps) {
        let u = (t - p[2]) / p[3];
        let (shape, slope) = pulse_step(u);
        r.push(v - (p[0] + p[1] * shape));
        if let Some(j) = rows.as_deref_mut() {
            j.push(-Vector4::new(
                1.0,
                shape,
                -p[1] * slope / p[3],
                -p[1] * slope * u / p[3],
            ));
        }
    }
}

/// The fitted peak |Δv|/w of `brake` and its relative standard error.
fn fit_brake(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    brake: &Annotation,
    cfg: &BrakeFitConfig,
    buffers: &mut LmBuffers,
) -> Option<(f64, f64)> {
    let (lo, hi) = with_margins(clean, &kin.time_ms, brake, cfg.margin_s)?;
    #[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
    let ms = |k: usize| kin.time_ms[k] as f64;
    #[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
    let t_ref = brake.peak_at_ms as f64;
    let mut s = Samples {
        t_s: Vec::with_capacity(hi + 1 - lo),
        v_mps: Vec::with_capacity(hi + 1 - lo),
    };
    for k in lo..=hi {
        if let Some(v) = trip.speed_kmh(clean.fixes[k]) {
            s.t_s.push((ms(k) - t_ref) / 1000.0);
            s.v_mps.push(v / 3.6);
        }
    }
    let n = s.t_s.len();
    if n < cfg.min_samples {
        return None;
    }
    let min_w = min_half_width_s(&s.t_s, cfg.min_half_width_s);
    let half_s = 0.5 * (brake.end_ms - brake.start_ms) / 1000.0;
    let dv = s.v_mps[n - 1] - s.v_mps[0];
    let found = levenberg_marquardt(
        |p, r, jac| model(&s, p, r, jac),
        Vector4::new(s.v_mps[0], dv, 0.0, (half_s + 0.5).max(min_w)),
        |mut p| {
            p[3] = p[3].max(min_w);
            p[2] = p[2].clamp(-half_s - 1.0, half_s + 1.0);
            p
        },
        BRAKE_LM,
        |_| false,
        buffers,
    )?;
    let p = found.p;
    #[allow(clippy::cast_precision_loss, reason = "a few samples")]
    let rms = (found.sum_sq / n as f64).sqrt();
    if rms > cfg.max_rms_mps || at_lower_bound(p[3], min_w) || p[1] >= 0.0 {
        return None;
    }
    let rel = peak_rel_error(&found, rms, cfg.noise_floor_mps, cfg.max_peak_rel_error)?;
    Some((p[1].abs() / p[3], rel))
}

/// Refits the peak of every brake in `episodes` that could be hard (module
/// docs): a trusted fit raises the peak to the fitted peak lowered by
/// `confidence_sigmas` standard errors when that is higher and plausible,
/// and `hard` follows it ([`AnnotateConfig::is_hard`]).
///
/// # Example
/// ```
/// use tripscore::{analyze, parse_line, simulate_trip, DetectConfig, SimConfig, Trajectory};
/// let sim = simulate_trip(&SimConfig::default(), 3);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let mut cfg = DetectConfig::default();
/// cfg.brake_fit.enabled = false;
/// let line_only = analyze(&trip, &cfg);
/// // `analyze` runs the refit; it only ever raises a brake's peak.
/// let refined = analyze(&trip, &DetectConfig::default());
/// for (a, b) in line_only.annotations.iter().zip(&refined.annotations) {
///     assert!(b.peak_mps2 >= a.peak_mps2);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn refine_brakes(
    trip: &Trajectory,
    clean: &CleanTrip,
    kin: &Kinematics,
    episodes: &mut [Annotation],
    cfg: &BrakeFitConfig,
    annotate: &AnnotateConfig,
) {
    if !cfg.enabled || !kin.speed_measured {
        return;
    }
    let brake = AnnotationKind::Acceleration(AccelerationKind::Brake);
    let mut buffers = LmBuffers::default();
    for a in episodes.iter_mut() {
        if a.kind != brake
            || a.peak_mps2 < cfg.min_local_share * annotate.hard_threshold_mps2(brake)
        {
            continue;
        }
        let Some((peak_mps2, rel)) = fit_brake(trip, clean, kin, a, cfg, &mut buffers) else {
            continue;
        };
        if let Some(confident_mps2) = confident_peak_mps2(
            peak_mps2,
            rel,
            cfg.confidence_sigmas,
            a.peak_mps2,
            annotate.max_plausible_mps2,
        ) {
            a.set_peak(confident_mps2, annotate);
        }
    }
}

#[cfg(test)]
#[path = "brakefit_tests.rs"]
mod tests;
