//! One float or two side by side: the arithmetic the hot loops share
//! between their scalar form and a two-lane form ([`f64x2`], SSE2 on the
//! x86-64 baseline, NEON or scalar elsewhere). Each lane's `+ − × ÷` is the
//! IEEE operation its scalar twin does, so code written once over
//! [`Lanes`] gives, lane by lane, the scalar result bit for bit; only
//! operations that keep this promise belong here (no fused multiply–add,
//! no approximate reciprocal).
//!
//! Written here rather than taken from a crate: `wide` gives the vector
//! type, but no trait that also covers `f64`, which is what lets one body
//! serve both forms.

use wide::f64x2;

/// `f64` or [`f64x2`]: exact lane-wise arithmetic (module docs).
pub(crate) trait Lanes:
    Copy
    + std::ops::Add<Output = Self>
    + std::ops::AddAssign
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    /// `v` in every lane.
    fn splat(v: f64) -> Self;
    /// The square root in every lane (IEEE: correctly rounded).
    #[must_use]
    fn sqrt(self) -> Self;
    /// `then` in the lanes where `self > threshold`, `otherwise` elsewhere
    /// (a NaN lane is not greater).
    #[must_use]
    fn where_gt(self, threshold: f64, then: Self, otherwise: Self) -> Self;
    /// `then` in the lanes where `self ≥ threshold`, `otherwise` elsewhere.
    #[must_use]
    fn where_ge(self, threshold: f64, then: Self, otherwise: Self) -> Self;
}

impl Lanes for f64 {
    #[inline]
    fn splat(v: f64) -> Self {
        v
    }
    #[inline]
    fn sqrt(self) -> Self {
        f64::sqrt(self)
    }
    #[inline]
    fn where_gt(self, threshold: f64, then: Self, otherwise: Self) -> Self {
        if self > threshold { then } else { otherwise }
    }
    #[inline]
    fn where_ge(self, threshold: f64, then: Self, otherwise: Self) -> Self {
        if self >= threshold { then } else { otherwise }
    }
}

impl Lanes for f64x2 {
    #[inline]
    fn splat(v: f64) -> Self {
        f64x2::splat(v)
    }
    #[inline]
    fn sqrt(self) -> Self {
        f64x2::sqrt(self)
    }
    #[inline]
    fn where_gt(self, threshold: f64, then: Self, otherwise: Self) -> Self {
        self.simd_gt(f64x2::splat(threshold))
            .bitselect(then, otherwise)
    }
    #[inline]
    fn where_ge(self, threshold: f64, then: Self, otherwise: Self) -> Self {
        self.simd_ge(f64x2::splat(threshold))
            .bitselect(then, otherwise)
    }
}

/// The two lanes of `v`.
#[inline]
pub(crate) fn lanes(v: f64x2) -> [f64; 2] {
    v.to_array()
}

/// Elements `j` and `j + 1` of `c` in two lanes: one 16-byte load.
///
/// # Panics
/// If `j + 1` is out of bounds.
#[inline]
pub(crate) fn pair_at(c: &[f64], j: usize) -> f64x2 {
    let two: &[f64; 2] = c[j..j + 2].try_into().expect("a slice of two");
    f64x2::new(*two)
}
