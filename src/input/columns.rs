//! Column names of the tabular inputs (CSV, and Parquet and Arrow with the
//! `parquet` feature): which column holds which field, and the unit a speed
//! column's name gives.
//!
//! Names match whatever their case, spacing and punctuation: `Speed (m/s)`,
//! `speed_mps` and `speedMps` are one name. A logger's prefix or suffix
//! naming the source is left out: `gps_lat`, `lat_gps` and SensorLog's
//! `locationLatitude(WGS84)` are `lat` and `latitude`. A speed column
//! whose name says its unit (`speed_kmh`, `speed_mps`, `speed (m/s)`,
//! `speed_mph`, …) is read in that unit; a bare `speed` is km/h, the API's unit — except in
//! the CSV of GPSLogger for Android, recognised by its first seven columns
//! (`time,lat,lon,elevation,accuracy,bearing,speed`), which writes the
//! phone's speed in m/s. Read in the wrong unit, a speed would make every
//! score wrong with no error; cleaning also checks a trip's measured
//! speed against its positions (`detect::clean`, rule 3).

use crate::input::trajectory::{MAX_TIME_MS, MIN_TIME_MS};

/// A column name as names are compared: lower case, letters, digits and
/// `/` only (`Speed (m/s)` → `speedm/s`), without a prefix `location` or
/// `gps` or a suffix `gps` or `wgs84` (`locationSpeed(m/s)`, `gps_long`).
fn folded(name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '/')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let core = ["location", "gps"]
        .iter()
        .find_map(|p| name.strip_prefix(p).filter(|rest| !rest.is_empty()))
        .unwrap_or(&name);
    ["gps", "wgs84"]
        .iter()
        .find_map(|s| core.strip_suffix(s).filter(|rest| !rest.is_empty()))
        .unwrap_or(core)
        .to_owned()
}

/// Whether column `name` is one of `names` (given folded).
pub(crate) fn is_named(name: &str, names: &[&str]) -> bool {
    let name = folded(name);
    names.contains(&name.as_str())
}

/// The index of the first of `columns` named like one of `names` (folded),
/// trying `names` in order.
pub(crate) fn position<'a>(
    columns: &(impl Iterator<Item = &'a str> + Clone),
    names: &[&str],
) -> Option<usize> {
    names
        .iter()
        .find_map(|n| columns.clone().position(|c| folded(c) == *n))
}

/// Latitude columns, folded.
pub(crate) const LATITUDE: &[&str] = &["latitude", "lat", "latdeg"];
/// Longitude columns, folded.
pub(crate) const LONGITUDE: &[&str] = &["longitude", "lon", "lng", "long", "londeg"];
/// Columns naming the user (or the vehicle or device standing for one), folded,
/// in the order tried.
pub(crate) const USER_ID: &[&str] = &[
    "userid",
    "user",
    "driverid",
    "driver",
    "vehicleid",
    "deviceid",
];
/// Columns naming the trip, folded, in the order tried.
pub(crate) const EVENT_ID: &[&str] = &["eventid", "tripid", "trip", "driveid", "drive", "trackid"];
/// The API's time column: RFC 3339 text, or a number of Unix seconds or
/// milliseconds told apart by size ([`unix_ms_by_size`]), folded.
pub(crate) const TIMESTAMP: &[&str] = &["timestamp"];
/// Time columns of Unix ms by their names, folded, in the order tried.
pub(crate) const TIME_MS: &[&str] = &["tms", "timestampms", "timestampsms", "timems"];
/// Time columns read as RFC 3339 text or a number of Unix seconds or
/// milliseconds (told apart by size), folded, tried when no column is named
/// `timestamp` or `timestamp_ms`: GPSLogger's `time`, SensorLog's
/// `locationTimestamp_since1970(s)`, a logger's `time_utc` or `unix_time`.
pub(crate) const TIME_OTHER: &[&str] = &[
    "time",
    "timeutc",
    "timestampsince1970s",
    "times",
    "unixtime",
    "epoch",
];
/// A number in a time column, as Unix ms: Unix seconds (a fraction
/// allowed) or milliseconds, told apart by size — a time in 1990–2199 is
/// 6.3e8–7.3e9 s or 6.3e11–7.3e12 ms, ranges a thousandfold apart, so no
/// value could be either. `None` for a number that is neither (a time from
/// the trip's start, NaN).
pub(crate) fn unix_ms_by_size(x: f64) -> Option<i64> {
    #[allow(
        clippy::cast_precision_loss,
        reason = "the bounds are exact in f64 (below 2^53)"
    )]
    let range = MIN_TIME_MS as f64..=MAX_TIME_MS as f64;
    let ms = if range.contains(&(x * 1000.0)) {
        x * 1000.0
    } else if range.contains(&x) {
        x
    } else {
        return None;
    };
    #[allow(
        clippy::cast_possible_truncation,
        reason = "within MIN_TIME_MS..=MAX_TIME_MS"
    )]
    Some(ms.round() as i64)
}

/// The message for a number [`unix_ms_by_size`] does not take.
pub(crate) fn not_unix_time(text: &str) -> String {
    format!("{text} is not a Unix time of 1990–2199 in seconds or milliseconds (nor RFC 3339 text)")
}

/// Horizontal accuracy columns (m), folded.
pub(crate) const ACCURACY: &[&str] = &[
    "accuracy",
    "accuracym",
    "horizontalaccuracy",
    "horizontalaccuracym",
    "accuraciesm",
];

/// The unit a speed column gives its values in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SpeedUnit {
    /// Kilometres per hour (the API's unit).
    Kmh,
    /// Metres per second (what phones and receivers report).
    Mps,
    /// Miles per hour.
    Mph,
}

impl SpeedUnit {
    /// `value`, in this unit, in km/h.
    pub fn kmh(self, value: f64) -> f64 {
        match self {
            Self::Kmh => value,
            Self::Mps => value * 3.6,
            Self::Mph => value * 1.609_344,
        }
    }

    /// Each of `values`, in this unit, converted to km/h in place (the
    /// columnar readers).
    #[cfg(feature = "parquet")]
    pub fn to_kmh_all(self, values: &mut [Option<f64>]) {
        if self != Self::Kmh {
            values.iter_mut().flatten().for_each(|v| *v = self.kmh(*v));
        }
    }
}

/// Speed columns whose names give their unit, folded, by unit.
const SPEED_NAMES: [(SpeedUnit, &[&str]); 3] = [
    (
        SpeedUnit::Kmh,
        &["speedkmh", "speedkm/h", "speedkph", "speedskmh"],
    ),
    (
        SpeedUnit::Mps,
        &["speedmps", "speedm/s", "speedsmps", "speedmeters/second"],
    ),
    (SpeedUnit::Mph, &["speedmph", "speedsmph"]),
];

/// The first columns of GPSLogger for Android's CSV, whose `speed` is m/s.
const GPSLOGGER_CSV: [&str; 7] = [
    "time",
    "lat",
    "lon",
    "elevation",
    "accuracy",
    "bearing",
    "speed",
];

/// The speed column of a table with `columns` (names in order) and the unit
/// its values are in: the first column whose name gives a unit (km/h, then
/// m/s, then mph), else a bare `speed` — km/h, or m/s in GPSLogger's CSV.
pub(crate) fn speed_column<'a>(
    columns: &(impl Iterator<Item = &'a str> + Clone),
) -> Option<(usize, SpeedUnit)> {
    SPEED_NAMES
        .iter()
        .find_map(|(unit, names)| Some((position(columns, names)?, *unit)))
        .or_else(|| {
            let bare = position(columns, &["speed"])?;
            let gpslogger = columns
                .clone()
                .map(folded)
                .take(GPSLOGGER_CSV.len())
                .eq(GPSLOGGER_CSV);
            Some((
                bare,
                if gpslogger {
                    SpeedUnit::Mps
                } else {
                    SpeedUnit::Kmh
                },
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speed_of(header: &str) -> Option<(usize, SpeedUnit)> {
        speed_column(&header.split(','))
    }

    #[test]
    fn a_speed_column_is_read_in_the_unit_its_name_gives() {
        assert_eq!(speed_of("lat,lon,speed"), Some((2, SpeedUnit::Kmh)));
        assert_eq!(speed_of("lat,lon,Speed_KMH"), Some((2, SpeedUnit::Kmh)));
        assert_eq!(speed_of("lat,Speed (m/s),lon"), Some((1, SpeedUnit::Mps)));
        assert_eq!(speed_of("speed_mps,lat"), Some((0, SpeedUnit::Mps)));
        assert_eq!(speed_of("lat,speed [mph]"), Some((1, SpeedUnit::Mph)));
        // A column naming its unit wins over a bare `speed`.
        assert_eq!(speed_of("speed,speed (mph)"), Some((1, SpeedUnit::Mph)));
        assert_eq!(speed_of("lat,lon,speed_limit"), None);
        assert_eq!(speed_of("lat,lon,speedometer"), None);
    }

    #[test]
    fn gpsloggers_bare_speed_is_metres_per_second() {
        let header = "time,lat,lon,elevation,accuracy,bearing,speed,satellites,provider";
        assert_eq!(speed_of(header), Some((6, SpeedUnit::Mps)));
        // The same columns in another order are not GPSLogger's.
        assert_eq!(
            speed_of("lat,lon,time,elevation,accuracy,bearing,speed"),
            Some((6, SpeedUnit::Kmh))
        );
    }

    #[test]
    fn units_convert_to_kmh() {
        assert!((SpeedUnit::Mps.kmh(10.0) - 36.0).abs() < 1e-12);
        assert!((SpeedUnit::Mph.kmh(10.0) - 16.093_44).abs() < 1e-12);
        assert!((SpeedUnit::Kmh.kmh(10.0) - 10.0).abs() < 1e-12);
    }

    #[test]
    fn names_match_whatever_their_case_and_punctuation() {
        assert!(is_named(" Latitude ", LATITUDE));
        assert!(is_named("Long", LONGITUDE));
        assert!(is_named("HorizontalAccuracy(m)", ACCURACY));
        assert!(is_named("accuracy_m", ACCURACY));
        assert!(!is_named("latitude_error", LATITUDE));
    }

    #[test]
    fn a_loggers_source_prefix_or_suffix_is_left_out() {
        assert!(is_named("locationLatitude(WGS84)", LATITUDE));
        assert!(is_named("gps_long", LONGITUDE));
        assert!(is_named("lat_gps", LATITUDE));
        assert!(is_named("locationHorizontalAccuracy(m)", ACCURACY));
        assert!(is_named("locationTimestamp_since1970(s)", TIME_OTHER));
        // Nothing is left of a name that is only the prefix.
        assert!(!is_named("gps", LATITUDE));
        assert_eq!(folded("GPS"), "gps");
        assert_eq!(
            speed_of("locationSpeedAccuracy(m/s),locationSpeed(m/s)"),
            Some((1, SpeedUnit::Mps))
        );
        assert_eq!(
            speed_of("GPS Speed (Meters/second),Speed (OBD)(km/h)"),
            Some((0, SpeedUnit::Mps))
        );
    }
}
