//! Google encoded polylines at precision 5 or 6.
//!
//! A thin, checked layer over the `polyline` crate:
//! - the precision is a [`Precision`] (5 or 6), never a bare `u32` that could
//!   overflow the crate's `10i32.pow(precision)`;
//! - **axis order**: the polyline text stores (lat, lon) pairs, while the
//!   `polyline` crate (like geo) hands back `Coord { x: lon, y: lat }`. This
//!   module is the one place that swaps; everything it returns names its axes;
//! - a polyline cut in the middle of a number is an error. The crate decodes
//!   the partial number silently when the text ends with its continuation bit
//!   set, so [`decode_polyline`] checks the last character first.

use geo::Coord;

/// Decimal places of a polyline's coordinates.
///
/// # Example
/// ```
/// use tripscore::input::Precision;
/// assert_eq!(Precision::try_from(6)?, Precision::P6);
/// assert!(Precision::try_from(7).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// 5 decimals (about 1.1 m): Google's default and the API's.
    #[default]
    P5,
    /// 6 decimals (about 0.11 m): OSRM, Valhalla.
    P6,
}

impl Precision {
    /// The number of decimals.
    #[must_use]
    pub fn decimals(self) -> u32 {
        match self {
            Self::P5 => 5,
            Self::P6 => 6,
        }
    }

    /// One unit of the last digit, in degrees.
    #[must_use]
    pub fn unit_deg(self) -> f64 {
        match self {
            Self::P5 => 1e-5,
            Self::P6 => 1e-6,
        }
    }
}

impl TryFrom<u32> for Precision {
    type Error = PolylineError;

    fn try_from(decimals: u32) -> Result<Self, Self::Error> {
        match decimals {
            5 => Ok(Self::P5),
            6 => Ok(Self::P6),
            other => Err(PolylineError {
                index: 0,
                message: format!("precision must be 5 or 6, got {other}"),
            }),
        }
    }
}

/// A polyline that cannot be decoded or points that cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at {index})")]
pub struct PolylineError {
    /// Character offset in the text (decoding) or point index (encoding).
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

impl From<polyline::errors::PolylineError> for PolylineError {
    fn from(e: polyline::errors::PolylineError) -> Self {
        use polyline::errors::PolylineError as E;
        let index = match &e {
            E::LongitudeCoordError { idx, .. }
            | E::LatitudeCoordError { idx, .. }
            | E::NoLongError { idx }
            | E::DecodeError { idx }
            | E::CoordEncodingError { idx, .. } => *idx,
            _ => 0,
        };
        Self {
            index,
            message: e.to_string(),
        }
    }
}

/// Decoded points as two parallel columns.
///
/// # Units
/// Degrees (WGS 84).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatLonColumns {
    /// Latitudes, degrees.
    pub lat_deg: Vec<f64>,
    /// Longitudes, degrees.
    pub lon_deg: Vec<f64>,
}

/// Decodes a polyline into latitude and longitude columns.
///
/// # Errors
/// An invalid character, a number cut short at the end, a latitude without its
/// longitude, or a coordinate out of range; the error gives the character offset.
///
/// # Example
/// ```
/// use tripscore::input::{decode_polyline, Precision};
/// let p = decode_polyline("_p~iF~ps|U_ulLnnqC", Precision::P5)?;
/// assert_eq!(p.lat_deg, vec![38.5, 40.7]);
/// assert_eq!(p.lon_deg, vec![-120.2, -120.95]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode_polyline(text: &str, precision: Precision) -> Result<LatLonColumns, PolylineError> {
    if let Some(&last) = text.as_bytes().last() {
        // Each 5-bit chunk is stored as chunk + 63; 0x20 marks "more chunks follow".
        if last < 63 || (last - 63) & 0x20 != 0 {
            return Err(PolylineError {
                index: text.len() - 1,
                message: "polyline is truncated: its last number is incomplete".to_owned(),
            });
        }
    }
    if let Some(columns) = decode_columns(text, precision) {
        return Ok(columns);
    }
    let line = polyline::decode_polyline(text, precision.decimals())?;
    // polyline gives Coord { x: lon, y: lat }.
    let (lon_deg, lat_deg) = line.0.iter().map(|c| (c.x, c.y)).unzip();
    Ok(LatLonColumns { lat_deg, lon_deg })
}

/// The columns of a polyline whose characters are all chunks (`?` to `~`)
/// and whose numbers take at most 12 chunks each, with every coordinate in
/// range; `None` for anything else, which the `polyline` crate then decodes
/// or reports, so its errors and what it accepts stay the one rule.
///
/// Written here, not taken from the crate, for speed alone: the crate grows
/// a `Vec` of `Coord { x: lon, y: lat }` point by point through a peekable
/// iterator, which [`decode_polyline`] then split into two columns; this
/// writes the columns in one pass, sized by [`polyline_point_count`]: 94 → 60
/// instructions per point (docs/PERFORMANCE.md, step 86). Each value is the
/// crate's to the bit (the same integer sums, each divided by the same
/// 10^decimals; property test against it).
fn decode_columns(text: &str, precision: Precision) -> Option<LatLonColumns> {
    const BLOCK: usize = 32;

    /// The next zig-zag number from `bytes[*at..]`: `None` past the end, at
    /// a character that is no chunk, or at a 13th chunk (the crate's
    /// "shift > 59"). A number of one chunk (most steps of a 1 Hz track)
    /// takes one comparison.
    fn next_delta(bytes: &[u8], at: &mut usize) -> Option<i64> {
        // Below 63 wraps to 193 or more; 127 and up give 64 or more.
        let mut chunk = bytes.get(*at)?.wrapping_sub(63);
        *at += 1;
        let mut bits = u64::from(chunk);
        if chunk >= 0x20 {
            bits = 0;
            let mut shift = 0u32;
            loop {
                if chunk >= 64 || shift > 64 - 5 {
                    return None;
                }
                bits |= u64::from(chunk & 0x1f) << shift;
                if chunk < 0x20 {
                    break;
                }
                shift += 5;
                chunk = bytes.get(*at)?.wrapping_sub(63);
                *at += 1;
            }
        }
        // The sign is the lowest bit (zig-zag), as the crate reads it.
        #[allow(clippy::cast_possible_wrap)]
        Some(if bits & 1 == 1 {
            !(bits >> 1)
        } else {
            bits >> 1
        } as i64)
    }

    let n = polyline_point_count(text);
    let mut lat_deg = Vec::with_capacity(n);
    let mut lon_deg = Vec::with_capacity(n);
    let scale = 10_i64.pow(precision.decimals());
    // 10^5 or 10^6, exact as a float (the crate divides by `i64 as f64`).
    #[allow(clippy::cast_precision_loss)]
    let factor = scale as f64;
    // The crate's range test on `units / factor` (correctly rounded), in
    // units: one unit past 90° reads 90° + 10^-decimals, far from rounding
    // down to 90°, so |units| ≤ 90 · 10^decimals is the same test.
    // (Tested as one comparison: |x| ≤ m ⇔ x + m in 0..=2m, unsigned.)
    let (lat_max, lon_max) = (90 * scale, 180 * scale);
    let (mut lat, mut lon) = (0_i64, 0_i64);
    let bytes = text.as_bytes();
    let mut at = 0;
    // Points go to the columns in blocks from two arrays on the stack: a
    // push per value kept the sums and the columns' lengths in memory
    // around its (never taken) call to grow the column.
    let (mut block_lat, mut block_lon) = ([0.0; BLOCK], [0.0; BLOCK]);
    let mut k = 0;
    while at < bytes.len() {
        // In range before each step and a step below 2^60: no overflow.
        lat += next_delta(bytes, &mut at)?;
        lon += next_delta(bytes, &mut at)?;
        if lat.wrapping_add(lat_max).cast_unsigned() > 2 * lat_max.cast_unsigned()
            || lon.wrapping_add(lon_max).cast_unsigned() > 2 * lon_max.cast_unsigned()
        {
            return None;
        }
        #[allow(clippy::cast_precision_loss)]
        let (y, x) = (lat as f64 / factor, lon as f64 / factor);
        block_lat[k] = y;
        block_lon[k] = x;
        k += 1;
        if k == BLOCK {
            lat_deg.extend_from_slice(&block_lat);
            lon_deg.extend_from_slice(&block_lon);
            k = 0;
        }
    }
    lat_deg.extend_from_slice(&block_lat[..k]);
    lon_deg.extend_from_slice(&block_lon[..k]);
    Some(LatLonColumns { lat_deg, lon_deg })
}

/// How many points `text` holds, counted without decoding it: each number
/// ends at a character without the "more chunks" bit, and a point is two
/// numbers. One pass, no allocation: a record's declared lengths are checked
/// against it before a huge polyline is decoded.
///
/// # Example
/// ```
/// use tripscore::input::polyline_point_count;
/// assert_eq!(polyline_point_count("_p~iF~ps|U_ulLnnqC"), 2);
/// ```
#[must_use]
pub fn polyline_point_count(text: &str) -> usize {
    // A chunk is stored as chunk + 63; chunks below 0x20 (bytes below 95) end a number.
    // Counted in byte-wide sums of at most 128, which the compiler keeps
    // sixteen to a vector register.
    text.as_bytes()
        .chunks(128)
        .map(|c| usize::from(c.iter().fold(0_u8, |n, &b| n + u8::from(b < 63 + 0x20))))
        .sum::<usize>()
        / 2
}

/// Encodes points given as latitude and longitude columns.
///
/// # Errors
/// A non-finite or out-of-range coordinate; the error gives the point index.
///
/// # Example
/// ```
/// use tripscore::input::{encode_polyline, Precision};
/// let text = encode_polyline(&[38.5, 40.7], &[-120.2, -120.95], Precision::P5)?;
/// assert_eq!(text, "_p~iF~ps|U_ulLnnqC");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode_polyline(
    lat_deg: &[f64],
    lon_deg: &[f64],
    precision: Precision,
) -> Result<String, PolylineError> {
    if lat_deg.len() != lon_deg.len() {
        return Err(PolylineError {
            index: lat_deg.len().min(lon_deg.len()),
            message: "latitude and longitude columns differ in length".to_owned(),
        });
    }
    if let Some(i) = lat_deg
        .iter()
        .zip(lon_deg)
        .position(|(la, lo)| !la.is_finite() || !lo.is_finite())
    {
        return Err(PolylineError {
            index: i,
            message: "coordinate is not a finite number".to_owned(),
        });
    }
    // polyline takes Coord { x: lon, y: lat }.
    let coords = lat_deg.iter().zip(lon_deg).map(|(&y, &x)| Coord { x, y });
    Ok(polyline::encode_coordinates(coords, precision.decimals())?)
}

#[cfg(test)]
#[path = "polyline_tests.rs"]
mod tests;
