//! The validated domain trip: [`RawTrip`] (as read) → [`Trajectory`] (trusted).
//!
//! Validation happens here and only here (STYLE: validate at the edges). A
//! [`Trajectory`] has at least two fixes, finite in-range coordinates, parallel
//! columns of equal length, timestamps in a plausible range that are not all
//! equal, and finite optional channels. It does **not** require time order:
//! out-of-order, duplicate and repeated fixes are kept as they came, because the
//! cleaning stage counts and repairs them (issue #2's contract).

use geo::{Distance, Haversine, Point};
use sha2::{Digest, Sha256};

use crate::api;
use crate::geodesy::{plane_distance_lanes_m, plane_distance_m};
use crate::input::polyline::{Precision, encode_polyline};
use crate::lanes::lanes;
use crate::trig;
use wide::f64x2;

/// Fixes less than this apart in latitude and longitude (about 11 km) are
/// measured in the local tangent plane; farther ones by haversine, degrees.
const LOCAL_PLANE_MAX_DEG: f64 = 0.1;

/// Earliest accepted fix time: 1990-01-01T00:00:00Z, in Unix ms. Earlier values are
/// nearly always seconds mistaken for milliseconds, or an unset clock.
pub const MIN_TIME_MS: i64 = 631_152_000_000;
/// Latest accepted fix time: 2200-01-01T00:00:00Z, in Unix ms.
pub const MAX_TIME_MS: i64 = 7_258_118_400_000;
/// Largest accepted UTC offset, seconds (±18 h, as RFC 3339 and chrono allow).
pub const MAX_UTC_OFFSET_S: i32 = 18 * 3600;
/// Fastest measured speed accepted, km/h: beyond any road vehicle, so a
/// larger value is a wrong unit or garbage and the record is an error (a
/// brief GPS spike below it is the clean stage's business).
pub const MAX_SPEED_KMH: f64 = 500.0;
/// Posted speed limits accepted, km/h (no road is posted below walking pace
/// or above 300); 0 or a negative value means "unknown", as in many maps.
pub const SPEED_LIMIT_RANGE_KMH: std::ops::RangeInclusive<f64> = 5.0..=300.0;

/// How the fields of a [`RawTrip`] were named in its source, so errors name
/// the field the user wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FieldLayout {
    /// JSONL with a `waypoints` array of objects.
    Waypoints,
    /// JSONL with `encoded` + `timestamps_ms` and parallel arrays.
    #[default]
    Compact,
    /// CSV, one row per fix; the 1-based line of each row.
    Rows(Vec<u64>),
    /// GPX track points, in order over the track's segments.
    Gpx,
    /// A Parquet row of list columns (`lat`, `lon`, `t_ms`, …).
    Lists,
}

/// A column of a trip, for naming fields in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// Latitude.
    Latitude,
    /// Longitude.
    Longitude,
    /// Fix time.
    Time,
    /// Measured speed.
    Speed,
    /// Posted speed limit.
    SpeedLimit,
    /// Horizontal accuracy.
    Accuracy,
    /// Road type.
    RoadType,
    /// A phone-handling interval.
    PhoneHandling,
    /// A mounted interval.
    Mounted,
}

impl Column {
    /// The field's name in a waypoint object or a CSV header.
    fn field_name(self) -> &'static str {
        match self {
            Column::Latitude => "latitude",
            Column::Longitude => "longitude",
            Column::Time => "timestamp",
            Column::Speed => "speed",
            Column::SpeedLimit => "speed_limit",
            Column::Accuracy => "accuracy",
            Column::RoadType => "road_type",
            Column::PhoneHandling => "phone_handling",
            Column::Mounted => "mounted",
        }
    }
}

impl FieldLayout {
    /// The field name of `column` at fix `index` (or, with `None`, the whole column).
    #[must_use]
    pub fn field(&self, column: Column, index: Option<usize>) -> String {
        let at = |name: &str| match index {
            Some(i) => format!("{name}[{i}]"),
            None => name.to_owned(),
        };
        match column {
            Column::PhoneHandling => return at("phone_handling"),
            Column::Mounted => return at("mounted"),
            _ => {}
        }
        match self {
            Self::Waypoints => {
                let name = column.field_name();
                match index {
                    Some(i) => format!("waypoints[{i}].{name}"),
                    None => "waypoints".to_owned(),
                }
            }
            Self::Compact => at(match column {
                Column::Latitude | Column::Longitude => "encoded",
                Column::Time => "timestamps_ms",
                Column::Speed => "speeds_kmh",
                Column::SpeedLimit => "speed_limits_kmh",
                Column::Accuracy => "accuracies_m",
                _ => "road_types",
            }),
            Self::Rows(lines) => {
                let name = column.field_name();
                match index.and_then(|i| lines.get(i)) {
                    Some(line) => format!("{name} (line {line})"),
                    None => name.to_owned(),
                }
            }
            Self::Lists => at(match column {
                Column::Latitude => "lat",
                Column::Longitude => "lon",
                Column::Time => "t_ms",
                Column::Speed => "speed_kmh",
                Column::SpeedLimit => "speed_limit_kmh",
                Column::Accuracy => "accuracy_m",
                _ => "road_type",
            }),
            Self::Gpx => {
                let name = match column {
                    Column::Latitude => "lat",
                    Column::Longitude => "lon",
                    Column::Time => "time",
                    Column::Speed => "speed",
                    _ => "extensions",
                };
                match index {
                    Some(i) => format!("trkpt[{i}].{name}"),
                    None => "trkpt".to_owned(),
                }
            }
        }
    }
}

/// A time interval (phone handling, phone mounted).
///
/// # Units
/// Unix milliseconds, `start_ms <= end_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    /// Start, Unix ms.
    pub start_ms: i64,
    /// End, Unix ms.
    pub end_ms: i64,
}

impl Interval {
    /// Length in milliseconds.
    #[must_use]
    pub fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }
}

/// A trip as read from any source, before validation: the input of [`Trajectory::try_from`].
///
/// Columns are parallel: `lat_deg`, `lon_deg` and every present optional column
/// have one entry per fix. A column of length 1 for `utc_offset_s` applies to
/// every fix.
///
/// # Units
/// Degrees, Unix milliseconds, seconds east of UTC, km/h, metres.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawTrip {
    /// The trip's user.
    pub user_id: Option<String>,
    /// The trip's id; derived from user and start when absent.
    pub event_id: Option<String>,
    /// Latitudes, degrees.
    pub lat_deg: Vec<f64>,
    /// Longitudes, degrees.
    pub lon_deg: Vec<f64>,
    /// Fix times, Unix ms; `None` for an untimed path.
    pub time_ms: Option<Vec<i64>>,
    /// UTC offset of each fix (or one for all), seconds east of UTC; empty = UTC.
    pub utc_offset_s: Vec<i32>,
    /// Measured speed per fix, km/h.
    pub speed_kmh: Option<Vec<Option<f64>>>,
    /// Posted speed limit per fix, km/h.
    pub speed_limit_kmh: Option<Vec<Option<f64>>>,
    /// Horizontal accuracy per fix, m.
    pub accuracy_m: Option<Vec<Option<f64>>>,
    /// OSM `highway` value per fix.
    pub road_type: Option<RoadTypes>,
    /// Phone-handling intervals.
    pub phone_handling: Option<Vec<Interval>>,
    /// Phone-mounted intervals.
    pub mounted: Option<Vec<Interval>>,
    /// How the source named the fields.
    pub layout: FieldLayout,
}

/// What is wrong with a trip that fails validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrajectoryErrorKind {
    /// Fewer than two fixes.
    TooFewPoints,
    /// A coordinate is not finite or out of range.
    Coordinate,
    /// A timestamp is out of range, or all are equal.
    Timestamp,
    /// Parallel columns differ in length.
    LengthMismatch,
    /// An optional value (speed, limit, accuracy, interval) is invalid.
    Value,
}

impl TrajectoryErrorKind {
    /// The snake-case name written in error records.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooFewPoints => "too_few_points",
            Self::Coordinate => "coordinate",
            Self::Timestamp => "timestamp",
            Self::LengthMismatch => "length_mismatch",
            Self::Value => "value",
        }
    }
}

/// A trip that fails validation, naming the field as its source wrote it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
#[non_exhaustive]
pub struct TrajectoryError {
    /// What kind of problem.
    pub kind: TrajectoryErrorKind,
    /// The field, e.g. `waypoints[3].latitude` or `timestamps_ms`.
    pub field: String,
    /// What is wrong, with the offending value.
    pub message: String,
}

/// Road types (OSM `highway` values) per fix, as a compact column.
///
/// Road types repeat along a trip; each name is stored once and every fix
/// holds a small code, so a million fixes cost no million strings. Names are
/// trimmed; an empty name is unknown.
///
/// # Example
/// ```
/// use tripscore::input::RoadTypes;
/// let roads: RoadTypes = [Some("residential"), None, Some(" residential ")].into_iter().collect();
/// assert_eq!(roads.len(), 3);
/// assert_eq!(roads.get(2), Some("residential"));
/// assert_eq!(roads.get(1), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoadTypes {
    names: Vec<Box<str>>,
    codes: Vec<u16>,
}

/// `str::trim`, without its Unicode scan when the name begins and ends
/// with printable ASCII (every Unicode white space is either ASCII at or
/// below the space, or not ASCII at all): road names nearly always do.
fn trim_name(name: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|&b| (0x21..0x7F).contains(&b));
    let bytes = name.as_bytes();
    if printable(bytes.first()) && printable(bytes.last()) {
        name
    } else {
        name.trim()
    }
}

impl RoadTypes {
    const NONE: u16 = u16::MAX;

    /// An empty column with room for `n` fixes.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            names: Vec::new(),
            codes: Vec::with_capacity(n),
        }
    }

    /// Appends the road type of the next fix (`None` or blank: unknown).
    /// Past 65,535 distinct names in one trip, new names read as unknown.
    pub fn push(&mut self, name: Option<&str>) {
        let code = match name.map(trim_name) {
            None | Some("") => Self::NONE,
            Some(name) => self.code_of(name),
        };
        self.codes.push(code);
    }

    fn code_of(&mut self, name: &str) -> u16 {
        // The previous fix's road is the likely one.
        if let Some(&last) = self.codes.last()
            && self
                .names
                .get(usize::from(last))
                .is_some_and(|k| &**k == name)
        {
            return last;
        }
        match self.names.iter().position(|k| &**k == name) {
            Some(i) => u16::try_from(i).unwrap_or(Self::NONE),
            None if self.names.len() < usize::from(Self::NONE) => {
                self.names.push(name.into());
                u16::try_from(self.names.len() - 1).unwrap_or(Self::NONE)
            }
            None => Self::NONE,
        }
    }

    /// Appends the road type of the fix before (unknown for the first): what
    /// [`RoadTypes::push`] of that fix's name again gives.
    pub(crate) fn repeat_last(&mut self) {
        self.codes
            .push(self.codes.last().copied().unwrap_or(Self::NONE));
    }

    /// Number of fixes in the column.
    #[must_use]
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the column has no fixes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Whether any fix has a known road type.
    #[must_use]
    pub fn any_known(&self) -> bool {
        !self.names.is_empty()
    }

    /// The road type of fix `i`, if known.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&str> {
        let code = *self.codes.get(i)?;
        self.names.get(usize::from(code)).map(|s| &**s)
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for RoadTypes {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut roads = Self::with_capacity(iter.size_hint().0);
        for name in iter {
            roads.push(name.as_ref().map(AsRef::as_ref));
        }
        roads
    }
}

/// A validated trip: the input of every later stage.
///
/// Construct with [`Trajectory::try_from`] on a [`RawTrip`].
///
/// # Example
/// ```
/// use tripscore::{RawTrip, Trajectory};
/// let raw = RawTrip {
///     user_id: Some("u1".into()),
///     lat_deg: vec![50.0, 50.001],
///     lon_deg: vec![4.0, 4.0],
///     time_ms: Some(vec![1_553_240_265_000, 1_553_240_275_000]),
///     ..RawTrip::default()
/// };
/// let trip = Trajectory::try_from(raw)?;
/// assert_eq!(trip.len(), 2);
/// assert!((trip.distance_m() - 111.2).abs() < 0.1);
/// assert_eq!(trip.event_id().len(), 64); // derived from user and start
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    user_id: Option<String>,
    event_id: String,
    lat_deg: Vec<f64>,
    lon_deg: Vec<f64>,
    time_ms: Option<Vec<i64>>,
    utc_offset_s: Vec<i32>,
    speed_kmh: Option<Vec<Option<f64>>>,
    speed_limit_kmh: Option<Vec<Option<f64>>>,
    accuracy_m: Option<Vec<Option<f64>>>,
    road_types: RoadTypes,
    phone_handling: Vec<Interval>,
    mounted: Vec<Interval>,
    has_phone_data: bool,
    has_mounted_data: bool,
    /// cos(latitude) of each fix, computed once for the fused step distance.
    cos_lat: Vec<f64>,
}

fn err(kind: TrajectoryErrorKind, field: String, message: impl Into<String>) -> TrajectoryError {
    TrajectoryError {
        kind,
        field,
        message: message.into(),
    }
}

/// Checks an optional per-fix column: its length, and that each value is finite.
/// Values at or below zero mean "unknown" in many loggers (iOS writes -1 for an
/// invalid speed, some maps 0 for an unknown limit); they become `None` when
/// `nonpositive_is_unknown`, and negatives do otherwise.
fn check_channel(
    column: Option<Vec<Option<f64>>>,
    n: usize,
    layout: &FieldLayout,
    which: Column,
    nonpositive_is_unknown: bool,
) -> Result<Option<Vec<Option<f64>>>, TrajectoryError> {
    let Some(mut values) = column else {
        return Ok(None);
    };
    if values.len() != n {
        return Err(err(
            TrajectoryErrorKind::LengthMismatch,
            layout.field(which, None),
            format!("has {} values for {n} points", values.len()),
        ));
    }
    for (i, v) in values.iter_mut().enumerate() {
        if let Some(x) = *v {
            if !x.is_finite() {
                return Err(err(
                    TrajectoryErrorKind::Value,
                    layout.field(which, Some(i)),
                    format!("{} is not a finite number", shown(x)),
                ));
            }
            if x < 0.0 || (nonpositive_is_unknown && x == 0.0) {
                *v = None;
            } else if let Some(problem) = implausible(which, x) {
                return Err(err(
                    TrajectoryErrorKind::Value,
                    layout.field(which, Some(i)),
                    format!("{} {problem}", shown(x)),
                ));
            }
        }
    }
    Ok(if values.iter().all(Option::is_none) {
        None
    } else {
        Some(values)
    })
}

/// `x` as an error message shows it: as written for the magnitudes real
/// data has, in exponent form far outside them (`1e300`, not 301 digits).
fn shown(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Why a positive value of `which` cannot be physical, if it cannot.
fn implausible(which: Column, x: f64) -> Option<String> {
    match which {
        Column::Speed if x > MAX_SPEED_KMH => Some(format!(
            "km/h is faster than any car (at most {MAX_SPEED_KMH}); is the unit km/h?"
        )),
        Column::SpeedLimit if !SPEED_LIMIT_RANGE_KMH.contains(&x) => Some(format!(
            "km/h is not a posted limit ({}–{} km/h; 0 or nothing for unknown)",
            SPEED_LIMIT_RANGE_KMH.start(),
            SPEED_LIMIT_RANGE_KMH.end()
        )),
        _ => None,
    }
}

fn check_intervals(
    intervals: Option<Vec<Interval>>,
    layout: &FieldLayout,
    which: Column,
) -> Result<(Vec<Interval>, bool), TrajectoryError> {
    let Some(mut intervals) = intervals else {
        return Ok((Vec::new(), false));
    };
    for (i, iv) in intervals.iter().enumerate() {
        if iv.end_ms < iv.start_ms {
            return Err(err(
                TrajectoryErrorKind::Value,
                layout.field(which, Some(i)),
                "end is before start",
            ));
        }
    }
    intervals.sort_unstable();
    Ok((intervals, true))
}

/// A stable trip id: SHA-256 (hex) of the user id and the first fix's time
/// (or, for an untimed path, its first coordinate).
fn derive_event_id(
    user_id: Option<&str>,
    first_time_ms: Option<i64>,
    lat: f64,
    lon: f64,
) -> String {
    let mut h = Sha256::new();
    h.update(user_id.unwrap_or("").as_bytes());
    h.update(b"\x1f");
    match first_time_ms {
        Some(t) => h.update(t.to_string().as_bytes()),
        None => h.update(format!("{lat:.6},{lon:.6}").as_bytes()),
    }
    h.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Checks the column lengths and the number of fixes; returns that number.
fn check_shape(raw: &RawTrip) -> Result<usize, TrajectoryError> {
    let layout = &raw.layout;
    let n = raw.lat_deg.len();
    if raw.lon_deg.len() != n {
        return Err(err(
            TrajectoryErrorKind::LengthMismatch,
            layout.field(Column::Longitude, None),
            format!("{} longitudes for {n} latitudes", raw.lon_deg.len()),
        ));
    }
    let times_len = raw.time_ms.as_ref().map(Vec::len);
    if let Some(t) = times_len.filter(|&t| t != n) {
        let (column, what) = match layout {
            // The timestamps are the reference length: the points are what is off.
            FieldLayout::Compact => (
                Column::Latitude,
                format!("decodes to {n} points but timestamps_ms has {t}"),
            ),
            _ => (Column::Time, format!("has {t} values for {n} points")),
        };
        return Err(err(
            TrajectoryErrorKind::LengthMismatch,
            layout.field(column, None),
            what,
        ));
    }
    if n < 2 {
        let what = if n == 0 {
            "the trip has no points"
        } else {
            "the trip has only one point"
        };
        return Err(err(
            TrajectoryErrorKind::TooFewPoints,
            layout.field(Column::Latitude, None),
            format!("{what}; at least 2 are needed"),
        ));
    }
    Ok(n)
}

/// Whether every value lies in [−`limit`, `limit`] (so none is NaN or
/// infinite), two at a time in lanes, without stopping at the first that
/// does not: most trips have none.
fn all_within(values: &[f64], limit: f64) -> bool {
    let bound = f64x2::splat(limit);
    let mut pairs = values.chunks_exact(2);
    let mut inside = f64x2::splat(f64::from_bits(u64::MAX));
    for pair in &mut pairs {
        inside &= f64x2::new([pair[0], pair[1]]).abs().simd_le(bound);
    }
    inside.to_bitmask() == 0b11 && pairs.remainder().iter().all(|v| v.abs() <= limit)
}

/// Checks that every coordinate is finite and in range.
fn check_coordinates(raw: &RawTrip) -> Result<(), TrajectoryError> {
    if all_within(&raw.lat_deg, 90.0) && all_within(&raw.lon_deg, 180.0) {
        return Ok(());
    }
    let layout = &raw.layout;
    // A range holds no NaN or infinity: one test each says "finite and in range".
    for (i, (&lat, &lon)) in raw.lat_deg.iter().zip(&raw.lon_deg).enumerate() {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(err(
                TrajectoryErrorKind::Coordinate,
                layout.field(Column::Latitude, Some(i)),
                format!("latitude {} is outside [-90, 90]", shown(lat)),
            ));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(err(
                TrajectoryErrorKind::Coordinate,
                layout.field(Column::Longitude, Some(i)),
                format!("longitude {} is outside [-180, 180]", shown(lon)),
            ));
        }
    }
    Ok(())
}

/// Checks that times are plausible milliseconds and not all equal.
fn check_times(raw: &RawTrip) -> Result<(), TrajectoryError> {
    let layout = &raw.layout;
    let n = raw.lat_deg.len();
    if let Some(times) = &raw.time_ms {
        if let Some(i) = times
            .iter()
            .position(|t| !(MIN_TIME_MS..=MAX_TIME_MS).contains(t))
        {
            return Err(err(
                TrajectoryErrorKind::Timestamp,
                layout.field(Column::Time, Some(i)),
                format!(
                    "{} ms is outside 1990..2200 (seconds instead of milliseconds?)",
                    times[i]
                ),
            ));
        }
        if times.iter().all(|&t| t == times[0]) {
            return Err(err(
                TrajectoryErrorKind::Timestamp,
                layout.field(Column::Time, None),
                format!("all {n} timestamps are equal"),
            ));
        }
    }
    Ok(())
}

impl TryFrom<RawTrip> for Trajectory {
    type Error = TrajectoryError;

    fn try_from(raw: RawTrip) -> Result<Self, Self::Error> {
        let n = check_shape(&raw)?;
        check_coordinates(&raw)?;
        check_times(&raw)?;
        let layout = &raw.layout;
        let m = raw.utc_offset_s.len();
        if m > 1 && m != n {
            return Err(err(
                TrajectoryErrorKind::LengthMismatch,
                layout.field(Column::Time, None),
                format!("{m} UTC offsets for {n} points"),
            ));
        }
        // Checked as given (none, one for all, or one per fix), before one
        // is repeated for every fix.
        if let Some(i) = raw
            .utc_offset_s
            .iter()
            .position(|o| o.abs() > MAX_UTC_OFFSET_S)
        {
            return Err(err(
                TrajectoryErrorKind::Timestamp,
                layout.field(Column::Time, Some(i)),
                format!("UTC offset {} s is beyond ±18 h", raw.utc_offset_s[i]),
            ));
        }
        let utc_offset_s = match m {
            0 => vec![0; n],
            1 => vec![raw.utc_offset_s[0]; n],
            _ => raw.utc_offset_s,
        };
        let speed_kmh = check_channel(raw.speed_kmh, n, layout, Column::Speed, false)?;
        let speed_limit_kmh =
            check_channel(raw.speed_limit_kmh, n, layout, Column::SpeedLimit, true)?;
        let accuracy_m = check_channel(raw.accuracy_m, n, layout, Column::Accuracy, false)?;
        if let Some(roads) = &raw.road_type
            && roads.len() != n
        {
            return Err(err(
                TrajectoryErrorKind::LengthMismatch,
                layout.field(Column::RoadType, None),
                format!("has {} values for {n} points", roads.len()),
            ));
        }
        let (phone_handling, has_phone_data) =
            check_intervals(raw.phone_handling, layout, Column::PhoneHandling)?;
        let (mounted, has_mounted_data) = check_intervals(raw.mounted, layout, Column::Mounted)?;
        let event_id = match raw.event_id.filter(|s| !s.is_empty()) {
            Some(id) => id,
            None => derive_event_id(
                raw.user_id.as_deref(),
                raw.time_ms.as_ref().map(|t| t[0]),
                raw.lat_deg[0],
                raw.lon_deg[0],
            ),
        };
        // fdlibm's cosine (`trig`): the same bits on every platform, which
        // a system libm does not promise, at a third of glibc's cost.
        let cos_lat = trig::cos_of_degrees(&raw.lat_deg);
        Ok(Self {
            cos_lat,
            user_id: raw.user_id,
            event_id,
            road_types: raw.road_type.unwrap_or_default(),
            lat_deg: raw.lat_deg,
            lon_deg: raw.lon_deg,
            time_ms: raw.time_ms,
            utc_offset_s,
            speed_kmh,
            speed_limit_kmh,
            accuracy_m,
            phone_handling,
            mounted,
            has_phone_data,
            has_mounted_data,
        })
    }
}

fn column_get(column: Option<&Vec<Option<f64>>>, i: usize) -> Option<f64> {
    column.and_then(|c| c.get(i).copied().flatten())
}

impl Trajectory {
    /// Number of fixes (at least 2).
    #[must_use]
    pub fn len(&self) -> usize {
        self.lat_deg.len()
    }

    /// Always `false`: a trajectory has at least two fixes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The trip id (given, or derived from user and start).
    #[must_use]
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The user id, when given.
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// Latitudes, degrees.
    #[must_use]
    pub fn lat_deg(&self) -> &[f64] {
        &self.lat_deg
    }

    /// Longitudes, degrees.
    #[must_use]
    pub fn lon_deg(&self) -> &[f64] {
        &self.lon_deg
    }

    /// Fix times, Unix ms, in input order; `None` for an untimed path.
    #[must_use]
    pub fn time_ms(&self) -> Option<&[i64]> {
        self.time_ms.as_deref()
    }

    /// UTC offset of each fix, seconds east of UTC.
    #[must_use]
    pub fn utc_offset_s(&self) -> &[i32] {
        &self.utc_offset_s
    }

    /// Measured speed of fix `i`, km/h, when given.
    #[must_use]
    pub fn speed_kmh(&self, i: usize) -> Option<f64> {
        column_get(self.speed_kmh.as_ref(), i)
    }

    /// Whether any fix has a measured speed.
    #[must_use]
    pub fn has_measured_speed(&self) -> bool {
        self.speed_kmh.is_some()
    }

    /// Whether any fix has a speed limit or a road type.
    #[must_use]
    pub fn has_road_context(&self) -> bool {
        self.speed_limit_kmh.is_some() || self.road_types.any_known()
    }

    /// Posted speed limit at fix `i`, km/h, when known.
    #[must_use]
    pub fn speed_limit_kmh(&self, i: usize) -> Option<f64> {
        column_get(self.speed_limit_kmh.as_ref(), i)
    }

    /// Whether any fix has a reported accuracy.
    #[must_use]
    pub fn has_accuracy(&self) -> bool {
        self.accuracy_m.is_some()
    }

    /// Horizontal accuracy of fix `i`, m, when given.
    #[must_use]
    pub fn accuracy_m(&self, i: usize) -> Option<f64> {
        column_get(self.accuracy_m.as_ref(), i)
    }

    /// OSM road type at fix `i`, when known.
    #[must_use]
    pub fn road_type(&self, i: usize) -> Option<&str> {
        self.road_types.get(i)
    }

    /// Fills the road type and speed limit of each fix that lacks them from
    /// `context` (one `(road type, limit km/h)` per fix, e.g. from map
    /// matching); the input's own values win, and a limit outside
    /// [`SPEED_LIMIT_RANGE_KMH`] is left out. Returns how many fixes were
    /// given a limit.
    ///
    /// # Example
    /// ```
    /// use tripscore::{RawTrip, Trajectory};
    /// let raw = RawTrip {
    ///     lat_deg: vec![50.0, 50.001],
    ///     lon_deg: vec![4.0, 4.0],
    ///     time_ms: Some(vec![1_553_240_265_000, 1_553_240_266_000]),
    ///     speed_limit_kmh: Some(vec![Some(30.0), None]),
    ///     ..RawTrip::default()
    /// };
    /// let mut trip = Trajectory::try_from(raw)?;
    /// let given = trip.fill_road_context(&[(Some("primary"), Some(60.0)), (Some("primary"), Some(60.0))]);
    /// assert_eq!(given, 1);
    /// assert_eq!((trip.speed_limit_kmh(0), trip.speed_limit_kmh(1)), (Some(30.0), Some(60.0)));
    /// assert_eq!(trip.road_type(1), Some("primary"));
    /// # Ok::<(), tripscore::TrajectoryError>(())
    /// ```
    pub fn fill_road_context(&mut self, context: &[(Option<&str>, Option<f64>)]) -> u64 {
        let n = self.lat_deg.len();
        let mut roads = RoadTypes::with_capacity(n);
        for i in 0..n {
            let own = self.road_types.get(i);
            roads.push(own.or_else(|| context.get(i).and_then(|c| c.0)));
        }
        self.road_types = roads;
        let mut given = 0;
        let limits = self.speed_limit_kmh.get_or_insert_with(|| vec![None; n]);
        for (i, limit) in limits.iter_mut().enumerate() {
            if limit.is_none()
                && let Some(kmh) = context
                    .get(i)
                    .and_then(|c| c.1)
                    .filter(|k| SPEED_LIMIT_RANGE_KMH.contains(k))
            {
                *limit = Some(kmh);
                given += 1;
            }
        }
        if limits.iter().all(Option::is_none) {
            self.speed_limit_kmh = None;
        }
        given
    }

    /// Phone-handling intervals (sorted), or `None` when the input had no phone data.
    #[must_use]
    pub fn phone_handling(&self) -> Option<&[Interval]> {
        self.has_phone_data
            .then_some(self.phone_handling.as_slice())
    }

    /// Phone-mounted intervals (sorted), or `None` when the input had no mount data.
    #[must_use]
    pub fn mounted(&self) -> Option<&[Interval]> {
        self.has_mounted_data.then_some(self.mounted.as_slice())
    }

    /// Great-circle (haversine) distance from fix `i` to fix `i + 1`, metres.
    ///
    /// # Panics
    /// If `i + 1 >= self.len()`.
    #[must_use]
    pub fn step_m(&self, i: usize) -> f64 {
        self.step_between_m(i, i + 1)
    }

    /// Great-circle distance from fix `a` to fix `b`, metres.
    ///
    /// Fixes less than 0.1° apart (about 11 km) use a fused local tangent-plane
    /// formula with the cached cos(latitude) of both ends — no trigonometry
    /// per call; it agrees with geo's haversine to better than 1e-6 relative
    /// there (tested). Farther pairs use geo's haversine.
    ///
    /// # Panics
    /// If `a` or `b` is not a fix index.
    #[must_use]
    #[inline]
    pub fn step_between_m(&self, a: usize, b: usize) -> f64 {
        let dlat = self.lat_deg[b] - self.lat_deg[a];
        let dlon = self.lon_deg[b] - self.lon_deg[a];
        // A pair across the antimeridian has a large raw `dlon` and takes the
        // haversine, which needs no wrap.
        if dlat.abs() < LOCAL_PLANE_MAX_DEG && dlon.abs() < LOCAL_PLANE_MAX_DEG {
            return plane_distance_m(dlat, dlon, 0.5 * (self.cos_lat[a] + self.cos_lat[b]));
        }
        self.haversine_m(a, b)
    }

    /// [`Trajectory::step_between_m`] of each step `fixes[k] → fixes[k + 1]`,
    /// bit for bit (property test), two steps at a time in two lanes where
    /// both are near pairs.
    ///
    /// # Panics
    /// If an entry of `fixes` is not a fix index.
    #[must_use]
    // Out of line: inlined into `clean` (as the compiler does or not when
    // unrelated code moves) it costs 1.3 % more there (docs/PERFORMANCE.md,
    // step 97).
    #[inline(never)]
    pub(crate) fn steps_between_m(&self, fixes: &[usize]) -> Vec<f64> {
        let (lat, lon, cos) = (&self.lat_deg, &self.lon_deg, &self.cos_lat);
        let mut out = Vec::with_capacity(fixes.len().saturating_sub(1));
        for w in fixes.windows(3).step_by(2) {
            let (a, b, c) = (w[0], w[1], w[2]);
            let dlat = [lat[b] - lat[a], lat[c] - lat[b]];
            let dlon = [lon[b] - lon[a], lon[c] - lon[b]];
            let near =
                |d: [f64; 2]| d[0].abs() < LOCAL_PLANE_MAX_DEG && d[1].abs() < LOCAL_PLANE_MAX_DEG;
            if near(dlat) && near(dlon) {
                // Near pairs: |Δlon| < 180°, which the wrap leaves as it is.
                let cos_mean = f64x2::splat(0.5)
                    * (f64x2::new([cos[a], cos[b]]) + f64x2::new([cos[b], cos[c]]));
                let d = plane_distance_lanes_m(f64x2::new(dlat), f64x2::new(dlon), cos_mean);
                out.extend(lanes(d));
            } else {
                out.extend([self.step_between_m(a, b), self.step_between_m(b, c)]);
            }
        }
        // An odd number of steps leaves the last one.
        if let [.., a, b] = fixes
            && fixes.len().is_multiple_of(2)
        {
            out.push(self.step_between_m(*a, *b));
        }
        out
    }

    /// The far pairs of [`Trajectory::step_between_m`], out of line: the
    /// near path is inlined into the cleaning loops, the haversine's
    /// trigonometry would only bloat them.
    #[cold]
    #[inline(never)]
    fn haversine_m(&self, a: usize, b: usize) -> f64 {
        // geo's Point is (x = lon, y = lat).
        Haversine.distance(
            Point::new(self.lon_deg[a], self.lat_deg[a]),
            Point::new(self.lon_deg[b], self.lat_deg[b]),
        )
    }

    /// cos(latitude) of fix `i`.
    ///
    /// # Panics
    /// If `i` is not a fix index.
    #[must_use]
    pub fn cos_lat(&self, i: usize) -> f64 {
        self.cos_lat[i]
    }

    /// cos(latitude) of every fix, in input order (see [`Trajectory::cos_lat`]).
    #[must_use]
    pub(crate) fn cos_lats(&self) -> &[f64] {
        &self.cos_lat
    }

    /// Length of the path through every fix in input order, metres.
    #[must_use]
    pub fn distance_m(&self) -> f64 {
        (0..self.len() - 1).map(|i| self.step_m(i)).sum()
    }

    /// The API [`api::Trajectory`] of this trip, fixes in input order.
    ///
    /// Each waypoint carries the distance to the next one (0 on the last), its
    /// measured speed or else the average speed to the next waypoint (the last
    /// repeats the one before), and road type and speed limit when known.
    ///
    /// Returns `None` for an untimed path, which has no timestamps to show.
    #[must_use]
    pub fn to_api(&self) -> Option<api::Trajectory> {
        let times = self.time_ms.as_deref()?;
        let n = self.len();
        let mut waypoints = Vec::with_capacity(n);
        let mut last_derived_kmh = None;
        for i in 0..n {
            let distance = if i + 1 < n { self.step_m(i) } else { 0.0 };
            let derived_kmh = if i + 1 < n {
                let dt_ms = times[i + 1] - times[i];
                #[allow(clippy::cast_precision_loss, reason = "Δt in ms is far below 2^52")]
                let kmh = (dt_ms > 0).then(|| distance / (dt_ms as f64) * 3600.0);
                kmh
            } else {
                last_derived_kmh
            };
            last_derived_kmh = derived_kmh;
            let timestamp = api::ApiTime::from_epoch_ms(
                times[i],
                self.utc_offset_s[i],
                api::SubsecDigits::Millis,
            )?;
            waypoints.push(api::TrajectoryWaypoint {
                latitude: self.lat_deg[i],
                longitude: self.lon_deg[i],
                timestamp,
                road_type: self.road_type(i).map(str::to_owned),
                speed: self.speed_kmh(i).or(derived_kmh),
                distance,
                speed_limit: self.speed_limit_kmh(i),
            });
        }
        let encoded = encode_polyline(&self.lat_deg, &self.lon_deg, Precision::P5).ok()?;
        Some(api::Trajectory {
            event_id: Some(self.event_id.clone()),
            user_id: self.user_id.clone(),
            waypoints,
            encoded,
        })
    }
}

#[cfg(test)]
#[path = "trajectory_tests.rs"]
mod tests;
