//! The pulse model and solver the turn and brake fits share.
//!
//! A turn is one smooth pulse of yaw rate, a brake one smooth pulse of
//! deceleration: both are a raised-cosine pulse whose integral is the step
//! S(u) = (u + 1)/2 + sin(πu)/(2π) on [−1, 1] (0 before, 1 after),
//! u = (t − c)/w, scaled by the pulse's area (a heading change, a speed
//! change). Each fit has four parameters (an offset, the area, the centre
//! `c` and the half-width `w`) found by [`levenberg_marquardt`]; the fit's
//! covariance gives the relative standard error of the peak area / w
//! ([`peak_rel_error`]), and [`confident_peak_mps2`] is the one rule both
//! fits use to take a fitted peak.

use nalgebra::{Matrix4, Vector4};

use crate::detect::annotate::Annotation;
use crate::detect::clean::CleanTrip;
use crate::trig;

/// The parameters ψ₀, Θ (rad), c, w (s).
pub(super) type Params = Vector4<f64>;

/// The kept fixes of `episode` and of up to `margin_s` either side, inside
/// its valid section: (first, last), or `None` when no section holds it.
pub(super) fn with_margins(
    clean: &CleanTrip,
    time_ms: &[i64],
    episode: &Annotation,
    margin_s: f64,
) -> Option<(usize, usize)> {
    let section = clean.section_of(episode.first_fix, episode.last_fix)?;
    let margin_ms = margin_s * 1000.0;
    #[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
    let ms = |k: usize| time_ms[k] as f64;
    let mut lo = episode.first_fix;
    while lo > section.start && ms(lo - 1) >= episode.start_ms - margin_ms {
        lo -= 1;
    }
    let mut hi = episode.last_fix;
    while hi + 1 < section.end && ms(hi + 1) <= episode.end_ms + margin_ms {
        hi += 1;
    }
    Some((lo, hi))
}

/// The raised-cosine pulse's step S(u) = (u + 1)/2 + sin(πu)/(2π) on
/// [−1, 1] (0 before, 1 after) and its slope S′(u): the share of the
/// pulse's area reached at u (heading for a yaw pulse, speed for an
/// acceleration pulse).
pub(super) fn pulse_step(u: f64) -> (f64, f64) {
    use std::f64::consts::PI;
    if u <= -1.0 {
        (0.0, 0.0)
    } else if u >= 1.0 {
        (1.0, 0.0)
    } else {
        inside_step(u, trig::sin_cos(PI * u))
    }
}

/// [`pulse_step`] inside the pulse (−1 < u < 1), from the sine and cosine
/// of πu.
#[inline]
pub(super) fn inside_step(u: f64, (sin, cos): (f64, f64)) -> (f64, f64) {
    use std::f64::consts::PI;
    (0.5 * (u + 1.0) + sin / (2.0 * PI), 0.5 * (1.0 + cos))
}

/// The shortest half-width a pulse fit may use: `floor_s`, and at least
/// the median interval of the times `t_s` (a pulse narrower than that is
/// not resolved by the sampling), s.
pub(super) fn min_half_width_s(t_s: &[f64], floor_s: f64) -> f64 {
    let mut steps: Vec<f64> = t_s.windows(2).map(|p| p[1] - p[0]).collect();
    if steps.is_empty() {
        return floor_s;
    }
    // The element a sort would put at len / 2 (the total order makes it
    // one value), without sorting the rest.
    let mid = steps.len() / 2;
    let (_, &mut m, _) = steps.select_nth_unstable_by(mid, f64::total_cmp);
    floor_s.max(m)
}

/// The relative standard error of a pulse's peak p₁/p₃ (area / half-width)
/// from the covariance σ²(JᵀJ)⁻¹ of `fit`, with σ the residual RMS but not
/// below `noise_floor` (few residuals estimate σ poorly); `None` when it is
/// not finite or above `max_rel_error`.
pub(super) fn peak_rel_error(
    fit: &Fit,
    rms: f64,
    noise_floor: f64,
    max_rel_error: f64,
) -> Option<f64> {
    let p = fit.p;
    let sigma = rms.max(noise_floor);
    let cov = fit.normal.try_inverse()? * (sigma * sigma);
    let rel_var = cov[(1, 1)] / (p[1] * p[1]) + cov[(3, 3)] / (p[3] * p[3])
        - 2.0 * cov[(1, 3)] / (p[1] * p[3]);
    let rel_error = rel_var.max(0.0).sqrt();
    (rel_error <= max_rel_error).then_some(rel_error)
}

fn cost(r: &[f64]) -> f64 {
    r.iter().map(|x| x * x).sum()
}

/// The normal matrix `JᵀJ` and gradient `Jᵀr`, each entry summed over the
/// rows in order from +0. `JᵀJ` is symmetric: its upper triangle (10
/// entries, not 16) is summed and mirrored, the same bits as summing both
/// triangles (`J_i·J_j` and `J_j·J_i` are one product).
fn normal_equations(jac: &[Vector4<f64>], r: &[f64]) -> (Matrix4<f64>, Vector4<f64>) {
    /// The upper triangle's (row, column) pairs, row by row.
    const UPPER: [(usize, usize); 10] = [
        (0, 0),
        (0, 1),
        (0, 2),
        (0, 3),
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 2),
        (2, 3),
        (3, 3),
    ];
    let mut upper = [0.0; 10];
    let mut g = [0.0; 4];
    for (row, rj) in jac.iter().zip(r) {
        for (sum, &(i, j)) in upper.iter_mut().zip(&UPPER) {
            *sum += row[i] * row[j];
        }
        for (gi, ji) in g.iter_mut().zip(row.iter()) {
            *gi += ji * rj;
        }
    }
    let mut a = Matrix4::zeros();
    for (&sum, &(i, j)) in upper.iter().zip(&UPPER) {
        a[(i, j)] = sum;
        a[(j, i)] = sum;
    }
    (a, Vector4::from(g))
}

/// A pulse half-width within this factor of its lower bound ended at the
/// bound: the sampling did not resolve the pulse.
const AT_BOUND: f64 = 1.001;

/// Whether a fitted half-width `w` ended at its lower bound `min_w` (the
/// fit is then not used: the pulse is narrower than the sampling resolves).
pub(super) fn at_lower_bound(w: f64, min_w: f64) -> bool {
    w <= min_w * AT_BOUND
}

/// Levenberg–Marquardt's first damping, the damping past which no step is
/// tried, and the least relative gain of a step that goes on (textbook
/// values: Madsen, Nielsen & Tingleff, "Methods for non-linear least
/// squares problems", 2004). Stopping at a larger gain saves steps but
/// leaves fits short of convergence (docs/PERFORMANCE.md, "Tried and
/// dropped").
const LM_START_DAMPING: f64 = 1e-3;
const LM_MAX_DAMPING: f64 = 1e8;
const LM_MIN_GAIN: f64 = 1e-4;
/// Experiment: a fit stops, without evaluating the step, when the linear
/// model predicts a gain under this share of the cost (while damping is
/// at most its start).
const LM_MIN_PREDICTED: f64 = 1e-4;

/// When [`levenberg_marquardt`] stops short of convergence.
#[derive(Clone, Copy, Debug)]
pub(super) struct LmStop {
    /// The step budget: a fit still gaining after this many steps has not
    /// converged and is not used.
    pub(super) max_steps: usize,
    /// Once a step gains less than this share of the cost, the fit's
    /// `give_up` test is asked whether the fit is heading for rejection;
    /// 0 never asks.
    pub(super) give_up_gain: f64,
}

/// The turn fit's stop. Budget: fits that take more than 15 steps seldom
/// change a result (a pulse the model does not describe: the solver
/// crawls, and the checks after the fit reject most of them); with 15
/// instead of the brake fit's 30 every shipped real drive and simulated
/// set scored the same (docs/PERFORMANCE.md, step 100). Giving up: once a
/// step gains under a tenth of the cost, a fit whose heading change is not
/// the turn's is left (`turnfit::fit_turn`): on turn-rich driving that
/// takes 36 % of the model evaluations off. Every shipped real drive and
/// simulated file scores the same with it; of 185,892 turns on 6,000
/// turn-rich trips 5 lose their fitted peak (a fit that would have come
/// back); asked at every step, or from a third of the cost, it dropped
/// such fits on the real drives too (docs/PERFORMANCE.md, step 103).
pub(super) const TURN_LM: LmStop = LmStop {
    max_steps: 15,
    give_up_gain: 0.1,
};
/// The brake fit's stop: 30 steps, never giving up early. Brake fits are
/// few (one per brake that could be hard), and one simulated hard brake
/// found only after more than 15 steps (docs/PERFORMANCE.md, step 100)
/// was lost at the turn fit's budget.
pub(super) const BRAKE_LM: LmStop = LmStop {
    max_steps: 30,
    give_up_gain: 0.0,
};

/// The residuals and Jacobians [`levenberg_marquardt`] writes (at the
/// current parameters and at a trial step): kept by the caller from fit to
/// fit, so a trip's fits fill the same buffers instead of allocating four
/// each (docs/PERFORMANCE.md, step 105).
#[derive(Debug, Default)]
pub(super) struct LmBuffers {
    r: [Vec<f64>; 2],
    jac: [Vec<Vector4<f64>>; 2],
}

/// A converged fit: parameters, sum of squared residuals, and `JᵀJ` there.
pub(super) struct Fit {
    /// The parameters.
    pub(super) p: Params,
    /// Σ residual².
    pub(super) sum_sq: f64,
    /// `JᵀJ` at `p`.
    pub(super) normal: Matrix4<f64>,
}

/// Levenberg–Marquardt on four parameters from `start`: `model(p, r, jac)`
/// writes the residuals at `p` (and their Jacobian when asked), `clamp`
/// keeps a step inside the allowed region. Converges when a step gains
/// less than [`LM_MIN_GAIN`] of the cost (or none gains); `None` when it
/// has not after `stop.max_steps` steps, or the cost is not finite, or
/// when, after a step gaining less than `stop.give_up_gain` of the cost,
/// `give_up(p)` says the fit is heading for rejection anyway. `buffers`
/// carry the residuals and Jacobians from call to call (what they hold on
/// entry does not matter: the model rewrites them). The
/// damping follows the gain ratio ρ (actual over predicted decrease):
/// × max(1/3, 1 − (2ρ − 1)³) after a step taken, × 2, 4, 8 … after steps
/// refused (Nielsen's rule, Madsen, Nielsen & Tingleff §3.1): a third
/// fewer model evaluations than a fixed ÷ 3 / × 4, whose damping
/// oscillated on poor fits. Written here rather than taken
/// from the `levenberg-marquardt` crate: that crate wants a
/// `LeastSquaresProblem` type owning its parameters and a nalgebra Jacobian
/// matrix sized per problem, where these fits need four parameters, a
/// Jacobian of 4-vectors in a reused buffer, and a clamp after every step —
/// forty lines of textbook damping (Marquardt's diagonal scaling).
// Out of line: the compiler inlines it into the turn fit or not as
// unrelated code moves, and inlined it costs about 3 % more instructions
// in the turn fit (docs/PERFORMANCE.md, step 97).
#[inline(never)]
pub(super) fn levenberg_marquardt(
    model: impl Fn(&Params, &mut Vec<f64>, Option<&mut Vec<Vector4<f64>>>),
    start: Params,
    clamp: impl Fn(Params) -> Params,
    stop: LmStop,
    give_up: impl Fn(&Params) -> bool,
    buffers: &mut LmBuffers,
) -> Option<Fit> {
    let mut p = clamp(start);
    let ([r, r_try], [jac, jac_try]) = (&mut buffers.r, &mut buffers.jac);
    model(&p, r, Some(jac));
    let mut c = cost(r);
    let mut lambda = LM_START_DAMPING;
    let mut nu = 2.0;
    let mut converged = false;
    'steps: for _ in 0..stop.max_steps {
        let (a, g) = normal_equations(jac, r);
        let mut improved = false;
        while lambda < LM_MAX_DAMPING {
            let mut damped = a;
            for i in 0..4 {
                damped[(i, i)] += lambda * a[(i, i)].max(1e-9);
            }
            let Some(delta) = lu_solve(damped, -g) else {
                lambda *= 10.0;
                continue;
            };
            // The decrease the linear model predicts: cost = Σr², so
            // c − c(p + δ) ≈ −(2gᵀδ + δᵀAδ).
            let predicted = -(2.0 * g.dot(&delta) + delta.dot(&(a * delta)));
            if lambda <= LM_START_DAMPING && predicted < LM_MIN_PREDICTED * c.max(1e-6) {
                converged = true;
                break 'steps;
            }
            let q = clamp(p + delta);
            model(&q, r_try, Some(jac_try));
            let c_new = cost(r_try);
            if c_new < c {
                improved = c - c_new > LM_MIN_GAIN * c_new.max(1e-6);
                let small_gain = c - c_new < stop.give_up_gain * c_new.max(1e-6);
                let rho = if predicted > 0.0 {
                    (c - c_new) / predicted
                } else {
                    1.0
                };
                p = q;
                std::mem::swap(r, r_try);
                std::mem::swap(jac, jac_try);
                c = c_new;
                let shrink = (1.0_f64 / 3.0).max(1.0 - (2.0 * rho - 1.0).powi(3));
                lambda = (lambda * shrink).max(1e-9);
                nu = 2.0;
                if improved && small_gain && give_up(&p) {
                    return None;
                }
                break;
            }
            lambda *= nu;
            nu *= 2.0;
        }
        if !improved {
            converged = true;
            break;
        }
    }
    (converged && c.is_finite()).then(|| Fit {
        p,
        sum_sq: c,
        normal: normal_equations(jac, r).0,
    })
}

/// The solution x of `m x = b` by LU decomposition with partial pivoting,
/// bit for bit what nalgebra's `m.lu().solve(&b)` gives (the same pivots,
/// the same products and sums in the same order; a property test holds
/// the two equal), `None` when a pivot is zero.
///
/// Written out for 4×4 rather than called: nalgebra's generic
/// decomposition walks views and a permutation sequence, about 600
/// instructions per solve, and the fits solve once per trial step
/// (docs/PERFORMANCE.md, step 101).
fn lu_solve(mut m: Matrix4<f64>, mut b: Vector4<f64>) -> Option<Vector4<f64>> {
    // Decomposition: L below the diagonal (unit diagonal), U on and above;
    // one column at a time, each a constant so its loops unroll.
    let swaps = [
        lu_column::<0>(&mut m),
        lu_column::<1>(&mut m),
        lu_column::<2>(&mut m),
        lu_column::<3>(&mut m),
    ];
    for (i, swap) in swaps.into_iter().enumerate() {
        if let Some(piv) = swap {
            b.swap_rows(i, piv);
        }
    }
    // L y = b, then U x = y.
    forward::<0>(&m, &mut b);
    forward::<1>(&m, &mut b);
    forward::<2>(&m, &mut b);
    backward::<3>(&m, &mut b)?;
    backward::<2>(&m, &mut b)?;
    backward::<1>(&m, &mut b)?;
    backward::<0>(&m, &mut b)?;
    Some(b)
}

/// [`lu_solve`]'s elimination of column `I`: the pivot (the first of the
/// largest |m[(r, I)]|, r ≥ I) swapped up, the multipliers below it, the
/// rest of the rows reduced; the row swapped with, if any.
#[allow(
    clippy::inline_always,
    reason = "one column of a 4×4 solve: inlined into `lu_solve`, whose loops then unroll"
)]
#[inline(always)]
fn lu_column<const I: usize>(m: &mut Matrix4<f64>) -> Option<usize> {
    let (mut piv, mut max) = (I, m[(I, I)].abs());
    for r in I + 1..4 {
        if m[(r, I)].abs() > max {
            (piv, max) = (r, m[(r, I)].abs());
        }
    }
    let diag = m[(piv, I)];
    if diag == 0.0 {
        return None;
    }
    let swap = (piv != I).then(|| {
        m.swap_rows(I, piv);
        piv
    });
    let inv_diag = 1.0 / diag;
    for r in I + 1..4 {
        m[(r, I)] *= inv_diag;
    }
    for k in I + 1..4 {
        let pivot = m[(I, k)];
        for r in I + 1..4 {
            m[(r, k)] += -pivot * m[(r, I)];
        }
    }
    swap
}

/// [`lu_solve`]'s forward substitution through column `I` of L.
#[allow(
    clippy::inline_always,
    reason = "one column of a 4×4 solve: inlined into `lu_solve`, whose loops then unroll"
)]
#[inline(always)]
fn forward<const I: usize>(m: &Matrix4<f64>, b: &mut Vector4<f64>) {
    let coeff = b[I];
    for r in I + 1..4 {
        b[r] += -coeff * m[(r, I)];
    }
}

/// [`lu_solve`]'s back substitution through column `I` of U; `None` at a
/// zero pivot.
#[allow(
    clippy::inline_always,
    reason = "one column of a 4×4 solve: inlined into `lu_solve`, whose loops then unroll"
)]
#[inline(always)]
fn backward<const I: usize>(m: &Matrix4<f64>, b: &mut Vector4<f64>) -> Option<()> {
    let diag = m[(I, I)];
    if diag == 0.0 {
        return None;
    }
    let coeff = b[I] / diag;
    b[I] = coeff;
    for r in 0..I {
        b[r] += -coeff * m[(r, I)];
    }
    Some(())
}

/// The fitted peak lowered by `sigmas` standard errors (× e^(−kε)): the
/// largest peak the data show with confidence. It replaces an episode's
/// peak only when it is larger than `current_mps2` and at most
/// `max_plausible_mps2`; `None` otherwise.
pub(super) fn confident_peak_mps2(
    fitted_mps2: f64,
    rel_error: f64,
    sigmas: f64,
    current_mps2: f64,
    max_plausible_mps2: f64,
) -> Option<f64> {
    let confident_mps2 = fitted_mps2 * (-sigmas * rel_error).exp();
    (confident_mps2 > current_mps2 && confident_mps2 <= max_plausible_mps2)
        .then_some(confident_mps2)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use nalgebra::{Matrix4, Vector4};

    use super::{
        BRAKE_LM, LmBuffers, LmStop, Params, TURN_LM, levenberg_marquardt, lu_solve,
        min_half_width_s, normal_equations,
    };

    /// Levenberg–Marquardt with no clamp and buffers of its own.
    fn lm(
        model: impl Fn(&Params, &mut Vec<f64>, Option<&mut Vec<Vector4<f64>>>),
        start: Params,
        stop: LmStop,
        give_up: impl Fn(&Params) -> bool,
    ) -> Option<super::Fit> {
        levenberg_marquardt(
            model,
            start,
            |p| p,
            stop,
            give_up,
            &mut LmBuffers::default(),
        )
    }

    /// Residuals p − target (Jacobian the identity): a problem
    /// Levenberg–Marquardt solves in three steps.
    fn linear(p: &Params, r: &mut Vec<f64>, jac: Option<&mut Vec<Vector4<f64>>>) {
        let target = Vector4::new(1.0, -2.0, 0.5, 3.0);
        r.clear();
        r.extend((p - target).iter());
        if let Some(jac) = jac {
            jac.clear();
            jac.extend((0..4).map(|i| Vector4::ith(i, 1.0)));
        }
    }

    /// A fit is used only once it has converged: within the budget it
    /// reaches the solution; cut short while it still gains, it is `None`.
    #[test]
    fn an_unconverged_fit_is_not_used() {
        let fit = lm(linear, Params::zeros(), TURN_LM, |_| false);
        let p = fit.expect("converges within the budget").p;
        assert!((p - Vector4::new(1.0, -2.0, 0.5, 3.0)).norm() < 1e-9, "{p}");
        let budget = |max_steps| LmStop {
            max_steps,
            ..BRAKE_LM
        };
        for steps in [1, 2] {
            let fit = lm(linear, Params::zeros(), budget(steps), |_| false);
            assert!(fit.is_none());
        }
        let fit = lm(linear, Params::zeros(), budget(3), |_| false);
        assert!(fit.is_some());
    }

    /// A model as the tests pass it around.
    type Model = dyn Fn(&Params, &mut Vec<f64>, Option<&mut Vec<Vector4<f64>>>);

    /// Buffers used by an earlier fit (of another problem, another size)
    /// give the same fit as fresh ones, bit for bit.
    #[test]
    fn buffers_from_an_earlier_fit_change_nothing() {
        let start = Vector4::new(0.0, 1.0, -1.0, 0.5);
        let mut used = LmBuffers::default();
        let fit = |model: &Model, buffers: &mut LmBuffers| {
            let found = levenberg_marquardt(model, start, |p| p, TURN_LM, |_| false, buffers)
                .expect("converges");
            (
                found.p.map(f64::to_bits),
                found.sum_sq.to_bits(),
                found.normal.map(f64::to_bits),
            )
        };
        fit(&curved, &mut used);
        assert_eq!(
            fit(&linear, &mut used),
            fit(&linear, &mut LmBuffers::default())
        );
        assert_eq!(
            fit(&curved, &mut used),
            fit(&curved, &mut LmBuffers::default())
        );
    }

    /// Residuals with a minimum above zero (e^p₀ − 2, e^p₀ − 3, then p₁, p₂,
    /// p₃): cost 0.5 at e^p₀ = 2.5, approached in steps that gain ever
    /// less of it.
    fn curved(p: &Params, r: &mut Vec<f64>, jac: Option<&mut Vec<Vector4<f64>>>) {
        let e = p[0].exp();
        r.clear();
        r.extend([e - 2.0, e - 3.0, p[1], p[2], p[3]]);
        if let Some(jac) = jac {
            jac.clear();
            jac.extend([
                Vector4::new(e, 0.0, 0.0, 0.0),
                Vector4::new(e, 0.0, 0.0, 0.0),
            ]);
            jac.extend((1..4).map(|i| Vector4::ith(i, 1.0)));
        }
    }

    /// `give_up` is asked only after a step gaining less than
    /// `give_up_gain` of the cost (never with 0), and a fit it gives up on
    /// is `None`.
    #[test]
    fn a_fit_is_given_up_only_after_a_small_gain() {
        let start = Vector4::new(0.0, 1.0, -1.0, 0.5);
        let asked = &std::cell::Cell::new(0);
        let ask = |answer: bool| {
            move |_: &Params| {
                asked.set(asked.get() + 1);
                answer
            }
        };
        let never = LmStop {
            give_up_gain: 0.0,
            ..TURN_LM
        };
        let fit = lm(curved, start, never, ask(true));
        let p = fit.expect("converges").p;
        assert!((p[0].exp() - 2.5).abs() < 1e-3, "{p}");
        assert_eq!(asked.get(), 0);
        let tenth = LmStop {
            give_up_gain: 0.1,
            ..TURN_LM
        };
        assert!(lm(curved, start, tenth, ask(false)).is_some());
        let asked_on_the_way = asked.get();
        assert!(asked_on_the_way > 0);
        assert!(lm(curved, start, tenth, ask(true)).is_none());
        assert_eq!(asked.get(), asked_on_the_way + 1);
    }

    proptest! {
        /// The selected median interval is the sorted one's middle element,
        /// bit for bit, whatever the order of the intervals (jittered and
        /// repeated ones, gaps, a single fix).
        #[test]
        fn min_half_width_is_the_sorted_median_interval(
            steps in prop::collection::vec(
                prop_oneof![Just(1.0), Just(0.5), 0.0..30.0_f64],
                0..40,
            ),
            floor_s in 0.0..3.0_f64,
        ) {
            let mut t_s = vec![0.0];
            for d in &steps {
                t_s.push(t_s[t_s.len() - 1] + d);
            }
            let mut sorted: Vec<f64> = t_s.windows(2).map(|p| p[1] - p[0]).collect();
            sorted.sort_by(f64::total_cmp);
            let want = sorted.get(sorted.len() / 2).map_or(floor_s, |&m| floor_s.max(m));
            prop_assert_eq!(min_half_width_s(&t_s, floor_s).to_bits(), want.to_bits());
        }

        /// The mirrored upper triangle is, bit for bit, the sum of every
        /// row's full outer product (and the gradient the sum of row ×
        /// residual), in row order from +0.
        #[test]
        fn normal_equations_are_the_outer_product_sums(
            rows in prop::collection::vec(
                (
                    // Zeros of either sign too: a row after the pulse has
                    // derivatives that are zeros signed as −Θ.
                    prop::array::uniform4(prop_oneof![Just(0.0), Just(-0.0), -1e3..1e3_f64]),
                    -50.0..50.0_f64,
                ),
                0..60,
            ),
        ) {
            let jac: Vec<Vector4<f64>> = rows.iter().map(|(j, _)| Vector4::from(*j)).collect();
            let r: Vec<f64> = rows.iter().map(|(_, r)| *r).collect();
            let (mut want_a, mut want_g) = (Matrix4::zeros(), Vector4::zeros());
            for (row, rj) in jac.iter().zip(&r) {
                want_a += row * row.transpose();
                want_g += row * *rj;
            }
            let (a, g) = normal_equations(&jac, &r);
            prop_assert_eq!(a.map(f64::to_bits), want_a.map(f64::to_bits));
            prop_assert_eq!(g.map(f64::to_bits), want_g.map(f64::to_bits));
        }

        /// The written-out LU solve is nalgebra's, bit for bit (any NaN as
        /// any NaN): pivots tied in size, zero and singular columns, rows
        /// far apart in scale.
        #[test]
        fn lu_solve_is_nalgebras(
            m in prop::array::uniform16(prop_oneof![
                Just(0.0), Just(-0.0), Just(1.0), Just(-1.0), -1e3..1e3_f64, -1e-12..1e-12_f64,
            ]),
            b in prop::array::uniform4(-1e3..1e3_f64),
            scale in prop::array::uniform4(prop_oneof![Just(1.0), Just(1e-9), Just(1e9)]),
        ) {
            let mut m = Matrix4::from_column_slice(&m);
            for (r, s) in scale.iter().enumerate() {
                m.row_mut(r).scale_mut(*s);
            }
            let b = Vector4::from(b);
            let bits = |x: Option<Vector4<f64>>| {
                x.map(|x| x.map(|v| if v.is_nan() { f64::NAN.to_bits() } else { v.to_bits() }))
            };
            prop_assert_eq!(bits(lu_solve(m, b)), bits(m.lu().solve(&b)));
        }
    }
}
