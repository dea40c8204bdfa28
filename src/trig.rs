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

/// sin(r) for |r| ≤ π/4 + a rounding: fdlibm's kernel with no tail.
#[inline]
fn kernel_sin(r: f64) -> f64 {
    let z = r * r;
    let w = z * z;
    let p = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    r + z * r * (S1 + z * p)
}

/// cos(r) for |r| ≤ π/4 + a rounding: fdlibm's kernel with no tail.
#[inline]
fn kernel_cos(r: f64) -> f64 {
    let z = r * r;
    let w = z * z;
    let p = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    let half = 0.5 * z;
    let one_minus = 1.0 - half;
    one_minus + (((1.0 - one_minus) - half) + z * p)
}

/// `x` reduced by π/2: the remainder r, |r| ≤ π/4 + a rounding, and the
/// quadrant k mod 4; for finite |x| < [`FAST_LIMIT`].
#[inline]
fn reduce(x: f64) -> (f64, u64) {
    let shifted = x * std::f64::consts::FRAC_2_PI + ROUNDER;
    let k = shifted - ROUNDER;
    // The low mantissa bits of `shifted` are k + 2⁵¹: k mod 4, the quadrant.
    ((x - k * PIO2_HI) - k * PIO2_LO, shifted.to_bits() & 3)
}

/// `(sin x, cos x)` of `x` radians; `f64::sin_cos` beyond ±10⁵ and for
/// non-finite `x`.
#[must_use]
#[inline]
pub(crate) fn sin_cos(x: f64) -> (f64, f64) {
    if x.is_nan() || x.abs() >= FAST_LIMIT {
        return x.sin_cos();
    }
    let (r, quadrant) = reduce(x);
    let (s, c) = (kernel_sin(r), kernel_cos(r));
    match quadrant {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// `cos x` of `x` radians: the cosine of [`sin_cos`], bit for bit, with
/// only the one kernel it needs.
#[must_use]
#[inline]
pub(crate) fn cos(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= FAST_LIMIT {
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

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
