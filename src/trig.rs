//! Sine and cosine for the hot loops: the turn and brake shape fits
//! evaluate two `sin_cos` per model sample, which was a fifth of all the
//! instructions on turn-rich driving, and validation takes one cosine of
//! latitude per fix ([`cos`], one kernel).
//!
//! Written here rather than taken from a crate: glibc's `sincos` (what
//! `f64::sin_cos` calls on Linux) costs about 140 instructions a call with
//! its rounding-mode save and restore, the `libm` crate's about 120 (full
//! Payne–Hanek-capable reduction); the fits' angles are a few radians, so a
//! two-constant Cody–Waite reduction by π/2 and fdlibm's minimax kernels
//! (the same polynomials musl and the `libm` crate use) do it in about 45,
//! within 2.3e-16 of glibc's results (property test). Being plain IEEE
//! arithmetic (Rust never contracts it into fused multiply–adds), the result
//! is the same bits on every platform, which a system libm does not promise.
//!
//! The kernels' coefficients and their evaluation order are fdlibm's
//! (`k_sin.c`, `k_cos.c`, `e_rem_pio2.c`), under its notice (below).

// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.

use wide::f64x2;

use crate::lanes::{Lanes, lanes};

/// fdlibm `__kernel_sin` coefficients: sin(x) ≈ x + S1·x³ + … + S6·x¹³ on [−π/4, π/4].
const S1: f64 = -0.166_666_666_666_666_32;
const S2: f64 = 0.008_333_333_333_322_49;
const S3: f64 = -0.000_198_412_698_298_579_5;
const S4: f64 = 2.755_731_370_707_006_8e-6;
const S5: f64 = -2.505_076_025_340_686_3e-8;
const S6: f64 = 1.589_690_995_211_55e-10;

/// fdlibm `__kernel_cos` coefficients: cos(x) ≈ 1 − x²/2 + C1·x⁴ + … + C6·x¹⁴ on [−π/4, π/4].
const C1: f64 = 0.041_666_666_666_666_6;
const C2: f64 = -0.001_388_888_888_887_411;
const C3: f64 = 2.480_158_728_947_673e-5;
const C4: f64 = -2.755_731_435_139_066_3e-7;
const C5: f64 = 2.087_572_321_298_175e-9;
const C6: f64 = -1.135_964_755_778_819_5e-11;

/// π/2 in two parts (fdlibm `pio2_1`, `pio2_1t`): the first has 33
/// significant bits, so k·`PIO2_HI` is exact for |k| < 2²⁰.
const PIO2_HI: f64 = 1.570_796_326_734_125_6;
const PIO2_LO: f64 = 6.077_100_506_506_192e-11;

/// 1.5 · 2⁵²: adding it rounds a float below 2⁵¹ in magnitude to an
/// integer (to nearest, ties to even) held in the low mantissa bits, without
/// `round` (a library call on the x86-64 baseline, which lacks SSE4.1).
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// Beyond this the two-constant reduction loses bits: the standard library
/// takes over (the fits never get there), radians.
const FAST_LIMIT: f64 = 1.0e5;

/// sin(r) for |r| ≤ π/4 + a rounding: fdlibm's kernel with no tail (in
/// each lane of a [`Lanes`]).
#[inline]
fn kernel_sin<T: Lanes>(r: T) -> T {
    let c = T::splat;
    let z = r * r;
    let w = z * z;
    let p = c(S2) + z * (c(S3) + z * c(S4)) + z * w * (c(S5) + z * c(S6));
    r + z * r * (c(S1) + z * p)
}

/// cos(r) for |r| ≤ π/4 + a rounding: fdlibm's kernel with no tail (in
/// each lane of a [`Lanes`]).
#[inline]
fn kernel_cos<T: Lanes>(r: T) -> T {
    let c = T::splat;
    let z = r * r;
    let w = z * z;
    let p = z * (c(C1) + z * (c(C2) + z * c(C3))) + w * w * (c(C4) + z * (c(C5) + z * c(C6)));
    let half = c(0.5) * z;
    let one_minus = c(1.0) - half;
    one_minus + (((c(1.0) - one_minus) - half) + z * p)
}

/// `x` reduced by π/2: the remainder r, |r| ≤ π/4 + a rounding, and the
/// quadrant k mod 4; for finite |x| < [`FAST_LIMIT`].
#[inline]
fn reduce(x: f64) -> (f64, u64) {
    let (r, shifted) = reduce_lanes(x);
    (r, quadrant(shifted))
}

/// [`reduce`] in each lane: the remainder, and `shifted`, whose low
/// mantissa bits are k + 2⁵¹ ([`quadrant`]).
#[inline]
fn reduce_lanes<T: Lanes>(x: T) -> (T, T) {
    let shifted = x * T::splat(std::f64::consts::FRAC_2_PI) + T::splat(ROUNDER);
    let k = shifted - T::splat(ROUNDER);
    ((x - k * T::splat(PIO2_HI)) - k * T::splat(PIO2_LO), shifted)
}

/// The quadrant k mod 4 from [`reduce_lanes`]'s `shifted`.
#[inline]
fn quadrant(shifted: f64) -> u64 {
    shifted.to_bits() & 3
}

/// `(sin, cos)` from the kernels' values by the quadrant.
#[inline]
fn by_quadrant(s: f64, c: f64, quadrant: u64) -> (f64, f64) {
    match quadrant {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// Whether the fast reduction serves `x`: finite and within [`FAST_LIMIT`].
#[inline]
fn fast(x: f64) -> bool {
    x.abs() < FAST_LIMIT
}

/// `(sin x, cos x)` of `x` radians; `f64::sin_cos` beyond ±10⁵ and for
/// non-finite `x`.
#[must_use]
#[inline]
pub(crate) fn sin_cos(x: f64) -> (f64, f64) {
    if !fast(x) {
        return x.sin_cos();
    }
    let (r, quadrant) = reduce(x);
    by_quadrant(kernel_sin(r), kernel_cos(r), quadrant)
}

/// [`sin_cos`] of `a` and of `b`, bit for bit, worked out side by side in
/// two lanes (one reduction and one evaluation of each kernel for both).
#[must_use]
#[allow(
    clippy::inline_always,
    reason = "out of line its two results go through memory, which costs what the lanes save"
)]
#[inline(always)]
pub(crate) fn sin_cos_pair(a: f64, b: f64) -> [(f64, f64); 2] {
    if !(fast(a) && fast(b)) {
        return [sin_cos(a), sin_cos(b)];
    }
    let (r, shifted) = reduce_lanes(f64x2::new([a, b]));
    let (s, c, shifted) = (lanes(kernel_sin(r)), lanes(kernel_cos(r)), lanes(shifted));
    [0, 1].map(|i| by_quadrant(s[i], c[i], quadrant(shifted[i])))
}

/// `cos x` of `x` radians: the cosine of [`sin_cos`], bit for bit, with
/// only the one kernel it needs.
#[must_use]
#[inline]
pub(crate) fn cos(x: f64) -> f64 {
    if !fast(x) {
        return x.cos();
    }
    let (r, quadrant) = reduce(x);
    match quadrant {
        0 => kernel_cos(r),
        1 => -kernel_sin(r),
        2 => -kernel_cos(r),
        _ => kernel_sin(r),
    }
}

/// The cosine of each latitude in `lat_deg` (degrees): [`cos`] of its
/// radians, bit for bit, two at a time in two lanes where both lie in the
/// same quadrant (all of a trip but a fix either side of ±45°).
#[must_use]
pub(crate) fn cos_of_degrees(lat_deg: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(lat_deg.len());
    let mut pairs = lat_deg.chunks_exact(2);
    for pair in &mut pairs {
        out.extend(cos_pair(pair[0].to_radians(), pair[1].to_radians()));
    }
    out.extend(pairs.remainder().iter().map(|l| cos(l.to_radians())));
    out
}

/// [`cos`] of `a` and of `b`: one kernel in two lanes when their
/// quadrants agree, one at a time otherwise.
#[inline]
pub(crate) fn cos_pair(a: f64, b: f64) -> [f64; 2] {
    if !(fast(a) && fast(b)) {
        return [cos(a), cos(b)];
    }
    let (r, shifted) = reduce_lanes(f64x2::new([a, b]));
    let shifted = lanes(shifted);
    let q = quadrant(shifted[0]);
    if quadrant(shifted[1]) != q {
        return [cos(a), cos(b)];
    }
    lanes(match q {
        0 => kernel_cos(r),
        1 => -kernel_sin(r),
        2 => -kernel_cos(r),
        _ => kernel_sin(r),
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn a_column_of_cosines_is_cos_of_each(
            lat_deg in proptest::collection::vec(
                prop_oneof![-90.0_f64..90.0, 40.0_f64..50.0, -50.0_f64..-40.0, Just(45.0), Just(f64::NAN), Just(1e9)],
                0..9,
            ),
        ) {
            let column = cos_of_degrees(&lat_deg);
            prop_assert_eq!(column.len(), lat_deg.len());
            for (c, l) in column.iter().zip(&lat_deg) {
                prop_assert_eq!(c.to_bits(), cos(l.to_radians()).to_bits());
            }
        }

        #[test]
        fn a_pair_is_two_sin_cos(
            a in prop_oneof![-8.0_f64..8.0, -2.0 * FAST_LIMIT..2.0 * FAST_LIMIT, Just(f64::NAN), Just(f64::INFINITY)],
            b in prop_oneof![-8.0_f64..8.0, -2.0 * FAST_LIMIT..2.0 * FAST_LIMIT, Just(f64::NAN), Just(-0.0)],
        ) {
            let bits = |(s, c): (f64, f64)| (s.to_bits(), c.to_bits());
            let [pa, pb] = sin_cos_pair(a, b);
            prop_assert_eq!(bits(pa), bits(sin_cos(a)));
            prop_assert_eq!(bits(pb), bits(sin_cos(b)));
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_standard_library(x in -FAST_LIMIT..FAST_LIMIT) {
            let (s, c) = sin_cos(x);
            let (s0, c0) = x.sin_cos();
            prop_assert!((s - s0).abs() <= 2.3e-16, "sin({x}) = {s}, std {s0}");
            prop_assert!((c - c0).abs() <= 2.3e-16, "cos({x}) = {c}, std {c0}");
        }

        #[test]
        fn agrees_on_small_angles(x in -4.0_f64..4.0) {
            let (s, c) = sin_cos(x);
            let (s0, c0) = x.sin_cos();
            prop_assert!((s - s0).abs() <= 2.3e-16 && (c - c0).abs() <= 2.3e-16);
        }
    }

    proptest! {
        #[test]
        fn cos_is_the_cosine_of_sin_cos(x in -FAST_LIMIT..FAST_LIMIT, lat in -90.0_f64..90.0) {
            for x in [x, lat.to_radians()] {
                prop_assert_eq!(cos(x).to_bits(), sin_cos(x).1.to_bits());
            }
        }
    }

    #[test]
    fn exact_at_quadrant_points_and_out_of_range() {
        assert_eq!(sin_cos(0.0), (0.0, 1.0));
        let (s, c) = sin_cos(std::f64::consts::FRAC_PI_2);
        assert!((s - 1.0).abs() < 1e-16 && c.abs() < 1e-16);
        assert!(sin_cos(f64::NAN).0.is_nan());
        assert!(sin_cos(f64::INFINITY).1.is_nan());
        assert_eq!(sin_cos(1e7), 1e7_f64.sin_cos());
    }
}
