//! Number formatting for the API JSON.
//!
//! The legacy API writes whole numbers without a fraction (`"distance": 51918`,
//! `"overall": -1`) and rounds each field to a fixed number of decimals (scores
//! 2, `overall` 3, annotation magnitudes 3, waypoint speed and distance 1). The
//! library keeps full precision; rounding happens here, when serialising.

use serde::Serializer;

/// Largest magnitude below which every integer is exact in an `f64` (2^53).
const MAX_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Rounds `x` to `decimals` places (half away from zero).
#[must_use]
pub fn round_to(x: f64, decimals: u32) -> f64 {
    let factor = 10_f64.powi(i32::try_from(decimals).unwrap_or(i32::MAX));
    let scaled = (x * factor).round() / factor;
    // -0.0 would print as "-0"; normalise it.
    if scaled == 0.0 { 0.0 } else { scaled }
}

/// Writes `x` as an integer when it has no fraction, else as a float.
///
/// # Errors
/// Whatever the serializer returns.
#[allow(
    clippy::cast_possible_truncation,
    reason = "guarded: |x| < 2^53 and x has no fraction"
)]
pub fn write_number<S: Serializer>(x: f64, s: S) -> Result<S::Ok, S::Error> {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < MAX_EXACT_INT {
        s.serialize_i64(x as i64)
    } else {
        s.serialize_f64(x)
    }
}

macro_rules! rounded_serializers {
    ($($name:ident, $opt:ident => $decimals:expr;)*) => {$(
        #[doc = concat!("Serialises an `f64` rounded to ", stringify!($decimals), " decimals.")]
        ///
        /// # Errors
        /// Whatever the serializer returns.
        #[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's serialize_with signature")]
        pub fn $name<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
            write_number(round_to(*x, $decimals), s)
        }

        #[doc = concat!("Serialises an `Option<f64>` rounded to ", stringify!($decimals), " decimals.")]
        ///
        /// # Errors
        /// Whatever the serializer returns.
        #[allow(clippy::ref_option, reason = "serde's serialize_with signature")]
        pub fn $opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            match x {
                Some(v) => write_number(round_to(*v, $decimals), s),
                None => s.serialize_none(),
            }
        }
    )*};
}

rounded_serializers! {
    dp0, opt_dp0 => 0;
    dp1, opt_dp1 => 1;
    dp2, opt_dp2 => 2;
    dp3, opt_dp3 => 3;
}

/// Serialises an `f64` at full precision, but whole numbers without a fraction.
///
/// # Errors
/// Whatever the serializer returns.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's serialize_with signature"
)]
pub fn full<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    write_number(*x, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero_and_drops_negative_zero() {
        assert_eq!(round_to(0.745, 2), 0.75);
        assert_eq!(round_to(0.7449, 2), 0.74);
        assert_eq!(round_to(-0.0001, 2).to_bits(), 0.0_f64.to_bits());
        assert_eq!(round_to(51_918.4, 0), 51_918.0);
    }

    #[test]
    fn whole_numbers_print_without_fraction() {
        #[derive(serde::Serialize)]
        struct T {
            #[serde(serialize_with = "dp2")]
            a: f64,
            #[serde(serialize_with = "dp2")]
            b: f64,
            #[serde(serialize_with = "dp3")]
            c: f64,
        }
        let json = serde_json::to_string(&T {
            a: -1.0,
            b: 0.789_9,
            c: 0.743_21,
        })
        .unwrap();
        assert_eq!(json, r#"{"a":-1,"b":0.79,"c":0.743}"#);
    }
}
