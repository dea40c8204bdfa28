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
//!   set, so [`decode`] checks the last character first.

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
    let line = polyline::decode_polyline(text, precision.decimals())?;
    // polyline gives Coord { x: lon, y: lat }.
    let (lon_deg, lat_deg) = line.0.iter().map(|c| (c.x, c.y)).unzip();
    Ok(LatLonColumns { lat_deg, lon_deg })
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
    text.bytes().filter(|&b| b < 63 + 0x20).count() / 2
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
