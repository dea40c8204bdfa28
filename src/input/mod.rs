//! Input: reading trip records from files and streams, decoding polylines,
//! and validating each record into a [`Trajectory`].
//!
//! Every reader yields one [`InputRecord`] per trip record it finds (a JSONL
//! line, a CSV group of rows, a GPX track), each with its [`RecordPos`]. Turning
//! a record into a [`Trajectory`] ([`InputRecord::into_trajectory`]) is the
//! costly part and runs on the worker threads; reading only splits the input.
//! A record that fails becomes a [`RecordError`], never a panic and never a gap.
//!
//! - readers: [`JsonlReader`] (both JSONL forms; [`parse_line`] for one
//!   line), a JSON document, [`CsvReader`], [`GpxReader`]; [`open_input_with`]
//!   decompresses, picks the reader (`--format`, content, extension) and
//!   bounds every record's size;
//! - [`decode_polyline`] / [`encode_polyline`] with a [`Precision`];
//! - [`RawTrip`] (columns as read) → [`Trajectory`] (validated, the only
//!   validation in the crate) or a [`TrajectoryError`] naming the field.
//!
//! Imports `api` and `geodesy`; nothing above.

mod columns;
mod csv;
mod gpx;
mod jsonl;
mod line_pool;
mod open;
#[cfg(feature = "parquet")]
mod parquet;
mod polyline;
mod trajectory;

use std::io::{self, BufRead};
use std::sync::Arc;

use serde::Serialize;

pub use self::csv::CsvReader;
pub use self::gpx::GpxReader;
pub use self::jsonl::{parse_line, parse_line_reference};
pub use self::open::{
    Compression, DEFAULT_MAX_RECORD_BYTES, InputFormat, InputOptions, OpenedInput, open_input,
    open_input_with, open_reader, open_text,
};
#[cfg(feature = "parquet")]
pub use self::parquet::{ArrowTrips, ParquetReader, TableField, table_column};
pub use self::polyline::{
    LatLonColumns, PolylineError, Precision, decode_polyline, encode_polyline, polyline_point_count,
};
pub use self::trajectory::{
    Column, FieldLayout, Interval, MAX_SPEED_KMH, MAX_TIME_MS, MAX_UTC_OFFSET_S, MIN_TIME_MS,
    RawTrip, RoadTypes, SPEED_LIMIT_RANGE_KMH, Trajectory, TrajectoryError, TrajectoryErrorKind,
};

/// What kind of problem a bad record has (the `error.kind` of an error line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not valid JSON, or not a JSON object.
    Json,
    /// A field has the wrong type, is missing, or conflicts with another.
    Field,
    /// A CSV row cannot be read.
    Csv,
    /// A GPX document cannot be read.
    Gpx,
    /// The encoded polyline cannot be decoded.
    Polyline,
    /// A timestamp cannot be parsed or is implausible.
    Timestamp,
    /// A coordinate is not finite or out of range.
    Coordinate,
    /// Parallel arrays differ in length.
    LengthMismatch,
    /// Fewer than two fixes.
    TooFewPoints,
    /// An optional value (speed, limit, accuracy, interval) is invalid.
    Value,
    /// The record is larger than the record limit (`--max-record-bytes`).
    TooLarge,
    /// The trip was read but could not be processed.
    Processing,
}

/// A record-level input error: what is wrong and in which field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", field.as_ref().map(|f| format!("{f}: ")).unwrap_or_default())]
#[non_exhaustive]
pub struct InputError {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// The field, as the source names it (`waypoints[2].timestamp`, `encoded`).
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The record's event id, when it could be read.
    pub event_id: Option<String>,
}

impl InputError {
    /// An error of `kind` with a message and no field.
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            field: None,
            message: message.into(),
            event_id: None,
        }
    }

    /// The same error naming `field`.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<TrajectoryError> for InputError {
    fn from(e: TrajectoryError) -> Self {
        use self::trajectory::TrajectoryErrorKind as K;
        let kind = match e.kind {
            K::TooFewPoints => ErrorKind::TooFewPoints,
            K::Coordinate => ErrorKind::Coordinate,
            K::Timestamp => ErrorKind::Timestamp,
            K::LengthMismatch => ErrorKind::LengthMismatch,
            _ => ErrorKind::Value,
        };
        Self {
            kind,
            field: Some(e.field),
            message: e.message,
            event_id: None,
        }
    }
}

/// Where a record came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RecordPos {
    /// The input's name (a path, or `-` for stdin).
    pub source: Arc<str>,
    /// 1-based line of the record (JSONL line, first CSV row); for GPX the
    /// 1-based track number.
    pub line: u64,
}

/// The error line written for a bad record (docs/API.md, "Error line"):
/// `{"source", "line", "event_id"?, "error": {"kind", "field"?, "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// The input's name.
    pub source: Arc<str>,
    /// 1-based line (or track number for GPX).
    pub line: u64,
    /// The trip id, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// What went wrong.
    pub error: RecordErrorBody,
}

/// The `error` object of a [`RecordError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordErrorBody {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// The field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl RecordError {
    /// The error line for `error` at `pos`.
    #[must_use]
    pub fn new(pos: &RecordPos, error: InputError) -> Self {
        Self {
            source: Arc::clone(&pos.source),
            line: pos.line,
            event_id: error.event_id,
            error: RecordErrorBody {
                kind: error.kind,
                field: error.field,
                message: error.message,
            },
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: ", self.source, self.line)?;
        if let Some(id) = &self.event_id {
            write!(f, "[{id}] ")?;
        }
        if let Some(field) = &self.error.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.error.message)
    }
}

impl std::error::Error for RecordError {}

/// What a reader found for one record, before the costly parsing.
#[derive(Debug)]
pub enum Payload {
    /// A JSONL line, parsed on a worker thread.
    JsonLine(String),
    /// A trip already split into columns (CSV, GPX), or the error reading it.
    Trip(Box<Result<RawTrip, InputError>>),
}

/// One trip record of an input, with its position.
#[derive(Debug)]
pub struct InputRecord {
    /// Where it came from.
    pub pos: RecordPos,
    /// Its content.
    pub payload: Payload,
}

impl InputRecord {
    /// A record already read into a trip (or found bad): line `line` of
    /// `source`.
    #[must_use]
    pub fn trip(source: &Arc<str>, line: u64, result: Result<RawTrip, InputError>) -> Self {
        Self {
            pos: RecordPos {
                source: Arc::clone(source),
                line,
            },
            payload: Payload::Trip(Box::new(result)),
        }
    }

    /// About how many bytes the record holds (its line, or its columns).
    #[must_use]
    pub fn size_bytes(&self) -> usize {
        match &self.payload {
            Payload::JsonLine(line) => line.len(),
            Payload::Trip(trip) => trip.as_ref().as_ref().map_or(64, |t| 64 * t.lat_deg.len()),
        }
    }

    /// Parses and validates the record.
    ///
    /// # Errors
    /// The record's [`RecordError`]: malformed, wrongly typed or invalid input.
    ///
    /// # Example
    /// ```
    /// use tripscore::{InputRecord, Payload, RecordPos};
    /// let line = r#"{"user_id":"u1","encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}"#;
    /// let rec = InputRecord {
    ///     pos: RecordPos { source: "-".into(), line: 1 },
    ///     payload: Payload::JsonLine(line.to_owned()),
    /// };
    /// let trip = rec.into_trajectory()?;
    /// assert_eq!(trip.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_trajectory(self) -> Result<Trajectory, RecordError> {
        let raw = match self.payload {
            Payload::JsonLine(line) => {
                let raw = parse_line(&line);
                // The parsed trip owns its columns: the line's buffer can
                // serve the next line read.
                line_pool::give(line.into_bytes());
                raw
            }
            Payload::Trip(result) => *result,
        };
        let raw = raw.map_err(|e| RecordError::new(&self.pos, e))?;
        let event_id = raw.event_id.clone();
        Trajectory::try_from(raw).map_err(|e| {
            let mut e = InputError::from(e);
            e.event_id = event_id;
            RecordError::new(&self.pos, e)
        })
    }
}

/// A stream of records from one input.
pub type Records = Box<dyn Iterator<Item = io::Result<InputRecord>> + Send>;

/// Splits JSONL text into records, one per non-blank line (blank lines are not records).
pub struct JsonlReader<R> {
    reader: R,
    source: Arc<str>,
    line: u64,
    /// Length of the last line read, bytes: each line is read into a buffer
    /// of about that capacity (the lines of one file are alike; a buffer a
    /// parsed record gave back when there is one, `line_pool`), which then
    /// becomes the record's text without a copy. (A buffer grown from empty
    /// would reallocate a dozen times on a long line; one reused buffer
    /// would need a second copy.)
    last_len: usize,
    /// The longest line kept, bytes; a longer one is skipped to its end and
    /// becomes an error record.
    max_line_bytes: usize,
    /// The line being read is over the limit: skip to its end.
    skipping: bool,
}

impl<R: BufRead> JsonlReader<R> {
    /// Reads JSONL from `reader`, naming records after `source`.
    pub fn new(reader: R, source: &str) -> Self {
        Self {
            reader,
            source: source.into(),
            line: 0,
            last_len: 0,
            max_line_bytes: open::DEFAULT_MAX_RECORD_BYTES,
            skipping: false,
        }
    }

    /// The same reader with another line limit, bytes.
    #[must_use]
    pub fn with_max_line_bytes(mut self, max_line_bytes: usize) -> Self {
        self.max_line_bytes = max_line_bytes;
        self
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = io::Result<InputRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let capacity = (self.last_len + self.last_len / 8 + 64).min(self.max_line_bytes);
            let mut buf = line_pool::take(capacity);
            if self.skipping {
                // The rest of a line over the limit, reported already.
                self.skipping = false;
                if let Err(e) = read_line_bytes(&mut self.reader, &mut buf, 0, false) {
                    return Some(Err(e));
                }
                continue;
            }
            let read = match read_line_bytes(&mut self.reader, &mut buf, self.max_line_bytes, true)
            {
                Ok(0) => return None,
                Ok(read) => read,
                Err(e) => return Some(Err(e)),
            };
            self.line += 1;
            self.last_len = buf.len();
            if read > self.max_line_bytes {
                // Reported now, before the rest of the line (which may never
                // end) is read; the next call skips it.
                self.skipping = buf.last() != Some(&b'\n');
                self.last_len = 0;
                return Some(Ok(InputRecord::trip(
                    &self.source,
                    self.line,
                    Err(InputError::new(
                        ErrorKind::TooLarge,
                        format!(
                            "the line is longer than the limit of {} bytes \
                             (--max-record-bytes); it is skipped",
                            self.max_line_bytes
                        ),
                    )),
                )));
            }
            if self.line == 1 && buf.starts_with(b"\xEF\xBB\xBF") {
                buf.drain(..3);
            }
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let pos = RecordPos {
                source: Arc::clone(&self.source),
                line: self.line,
            };
            let payload = match String::from_utf8(buf) {
                Ok(text) => Payload::JsonLine(text),
                Err(e) => Payload::Trip(Box::new(Err(InputError::new(
                    ErrorKind::Json,
                    format!("line is not UTF-8: {}", e.utf8_error()),
                )))),
            };
            return Some(Ok(InputRecord { pos, payload }));
        }
    }
}

/// Why `text` is not a time the readers take, for its error record (the
/// RFC 3339 parser's `error`): a date and time without a UTC offset — a
/// local time, whose instant is unknown — says so and how to mend it.
pub(crate) fn time_text_error(text: &str, error: impl std::fmt::Display) -> String {
    let naive = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .any(|f| chrono::NaiveDateTime::parse_from_str(text, f).is_ok());
    if naive {
        format!(
            "{text:?} has no UTC offset: write it with one (Z for UTC, or +hh:mm), or as Unix seconds"
        )
    } else {
        format!("{text:?} is not RFC 3339 with an offset: {error}")
    }
}

/// `BufRead::read_until(b'\n')` with the `memchr` crate's vectorised search
/// (std's word-at-a-time `memchr` was a fifth of the reading thread's time
/// on long waypoint lines). Returns the bytes read, 0 at the end. Stops
/// early, with more than `max_bytes` read and `buf` emptied, at a line
/// longer than that (the caller skips the rest with `keep = false`); with
/// `keep = false` reads to the end of the line without storing it.
fn read_line_bytes<R: BufRead>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max_bytes: usize,
    keep: bool,
) -> io::Result<usize> {
    let mut read = 0;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(read);
        }
        let (used, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if keep {
            buf.extend_from_slice(&available[..used]);
        }
        reader.consume(used);
        read += used;
        if done {
            return Ok(read);
        }
        if keep && read > max_bytes {
            *buf = Vec::new();
            return Ok(read);
        }
    }
}

/// One fix as a row-wise reader (waypoint objects, CSV rows) reads it.
pub(crate) struct Fix<'a> {
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub time_ms: i64,
    pub utc_offset_s: i32,
    pub speed_kmh: Option<f64>,
    pub speed_limit_kmh: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub road_type: Option<&'a str>,
}

/// The columns of a trip read fix by fix, moved into a [`RawTrip`] at the end.
#[derive(Default)]
pub(crate) struct FixColumns {
    lat_deg: Vec<f64>,
    lon_deg: Vec<f64>,
    time_ms: Vec<i64>,
    utc_offset_s: Vec<i32>,
    speed_kmh: Vec<Option<f64>>,
    speed_limit_kmh: Vec<Option<f64>>,
    accuracy_m: Vec<Option<f64>>,
    road_type: RoadTypes,
}

impl FixColumns {
    /// Appends one fix.
    pub fn push(&mut self, fix: &Fix<'_>) {
        self.lat_deg.push(fix.lat_deg);
        self.lon_deg.push(fix.lon_deg);
        self.time_ms.push(fix.time_ms);
        self.utc_offset_s.push(fix.utc_offset_s);
        self.speed_kmh.push(fix.speed_kmh);
        self.speed_limit_kmh.push(fix.speed_limit_kmh);
        self.accuracy_m.push(fix.accuracy_m);
        self.road_type.push(fix.road_type);
    }

    /// Fixes read so far.
    pub fn len(&self) -> usize {
        self.lat_deg.len()
    }

    /// Moves the columns into `raw`; an optional channel without a single
    /// value is left out.
    pub fn fill(self, raw: &mut RawTrip) {
        let some = |v: Vec<Option<f64>>| v.iter().any(Option::is_some).then_some(v);
        raw.lat_deg = self.lat_deg;
        raw.lon_deg = self.lon_deg;
        raw.time_ms = Some(self.time_ms);
        raw.utc_offset_s = self.utc_offset_s;
        raw.speed_kmh = some(self.speed_kmh);
        raw.speed_limit_kmh = some(self.speed_limit_kmh);
        raw.accuracy_m = some(self.accuracy_m);
        raw.road_type = self.road_type.any_known().then_some(self.road_type);
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};

    use proptest::prelude::*;

    use super::read_line_bytes;

    proptest! {
        /// The memchr line reader splits like `read_until`, whatever the
        /// buffer size (lines across buffer refills, no final newline).
        #[test]
        fn read_line_bytes_is_read_until(
            text in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'x'), any::<u8>()], 0..200),
            capacity in 1..16_usize,
        ) {
            let mut ours = BufReader::with_capacity(capacity, text.as_slice());
            let mut std = BufReader::with_capacity(capacity, text.as_slice());
            loop {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let n = read_line_bytes(&mut ours, &mut a, usize::MAX, true).unwrap();
                prop_assert_eq!(n, std.read_until(b'\n', &mut b).unwrap());
                prop_assert_eq!(&a, &b);
                if n == 0 {
                    break;
                }
            }
        }
    }
}
