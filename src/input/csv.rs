//! CSV trips: one row per fix, columns named in a header, a trip per run of
//! consecutive rows with the same `user_id` + `event_id`.
//!
//! Columns (any case, spacing and punctuation, a logger's `gps`/`location`
//! prefix left out, `columns`; `latitude`/`longitude` and a time column
//! required): `user_id` (or `driver`, `vehicle_id`, `device_id`),
//! `event_id` (or `trip_id`, `trip`, `drive`, `track_id`),
//! `latitude`|`lat`, `longitude`|`lon`|`lng`|`long`,
//! `timestamp` (RFC 3339 with offset, or a number of Unix seconds or
//! milliseconds, told apart by size) or `timestamp_ms` (Unix ms) — or, when
//! neither is there, as `timestamp`: `time` (GPSLogger), `time_utc`,
//! `timestamp_since1970 (s)` (SensorLog), `time_s`, `unix_time`, `epoch` —
//! a speed: `speed_kmh`|`speed (km/h)`, `speed_mps`|`speed (m/s)`,
//! `speed_mph`, or a bare `speed` (km/h; m/s in GPSLogger's CSV),
//! `speed_limit`|`speed_limit_kmh` (km/h),
//! `road_type` (OSM `highway`), `accuracy`|`accuracy_m`|`horizontal_accuracy` (m), `phone_handling`
//! and `mounted` (per row `1`/`true`/`yes` or `0`/`false`/`no`; a run of yes
//! rows is an interval from its first row to the next row; a trip with any
//! yes/no row has the data, which makes `focus`/`mounted` available, and its
//! empty rows count as no; a trip with only empty rows has none). Other columns are
//! ignored; empty cells mean "unknown". A trip's rows must be contiguous: a key
//! that comes back after another trip is reported as an error record, so
//! memory stays bounded by one trip.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::Arc;

use crate::api::rfc3339_epoch_ms;
use crate::input::trajectory::{FieldLayout, Interval, RawTrip};

use super::columns::{self, SpeedUnit};
use super::open::RunTooLong;
use super::{ErrorKind, Fix, FixColumns, InputError, InputRecord, Payload, RecordPos};

#[derive(Clone, Copy, Debug, Default)]
struct Columns {
    user_id: Option<usize>,
    event_id: Option<usize>,
    lat: usize,
    lon: usize,
    /// RFC 3339 text, or a Unix time in s or ms ([`time_cell`]).
    time: Option<usize>,
    time_ms: Option<usize>,
    speed: Option<(usize, SpeedUnit)>,
    limit: Option<usize>,
    road: Option<usize>,
    accuracy: Option<usize>,
    phone_handling: Option<usize>,
    mounted: Option<usize>,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Self, InputError> {
        let find = |names: &[&str]| columns::position(&header.iter(), names);
        let missing = |what: &str| {
            InputError::new(ErrorKind::Csv, format!("the header has no {what} column"))
                .with_field("header")
        };
        let mut cols = Self {
            user_id: find(columns::USER_ID),
            event_id: find(columns::EVENT_ID),
            lat: find(columns::LATITUDE).ok_or_else(|| missing("latitude"))?,
            lon: find(columns::LONGITUDE).ok_or_else(|| missing("longitude"))?,
            time: find(columns::TIMESTAMP),
            time_ms: find(columns::TIME_MS),
            speed: columns::speed_column(&header.iter()),
            limit: find(&["speedlimit", "speedlimitkmh"]),
            road: find(&["roadtype"]),
            accuracy: find(columns::ACCURACY),
            phone_handling: find(&["phonehandling"]),
            mounted: find(&["mounted"]),
        };
        if cols.time.is_none() && cols.time_ms.is_none() {
            // Loggers' time columns (GPSLogger's `time`, SensorLog's seconds):
            // read when no column is named as the API names the time.
            cols.time = find(columns::TIME_OTHER);
        }
        if cols.time.is_none() && cols.time_ms.is_none() {
            return Err(missing("timestamp (or timestamp_ms)"));
        }
        Ok(cols)
    }
}

type Key = (String, String);

/// The columns of one trip being gathered.
#[derive(Default)]
struct Group {
    key: Key,
    first_line: u64,
    lines: Vec<u64>,
    fixes: FixColumns,
    /// Per row, whether the phone was handled / mounted (when the column exists).
    phone_handling: Option<Vec<Option<bool>>>,
    mounted: Option<Vec<Option<bool>>>,
    error: Option<InputError>,
}

/// A yes/no cell: `1`/`true`/`yes`, `0`/`false`/`no` (any case); empty =
/// not known for this row.
fn flag(
    row: &csv::StringRecord,
    col: usize,
    name: &str,
    line: u64,
) -> Result<Option<bool>, InputError> {
    match cell(row, Some(col)).map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("0" | "false" | "no" | "n" | "f") => Ok(Some(false)),
        Some("1" | "true" | "yes" | "y" | "t") => Ok(Some(true)),
        Some(other) => Err(InputError::new(
            ErrorKind::Field,
            format!("{other:?} is not yes/no (1/0, true/false)"),
        )
        .with_field(format!("{name} (line {line})"))),
    }
}

/// The intervals of runs of yes rows, or `None` when no row of the trip
/// says yes or no (the trip has no such data): each run from its first
/// row's time to the next row's (the state holds until the next fix), or to
/// its own last row's at the end of the trip; an empty row among known ones
/// counts as no.
fn runs_to_intervals(flags: &[Option<bool>], time_ms: &[i64]) -> Option<Vec<Interval>> {
    if flags.iter().all(Option::is_none) {
        return None;
    }
    let mut intervals = Vec::new();
    let mut start = None;
    for (i, &on) in flags.iter().enumerate() {
        match (on == Some(true), start) {
            (true, None) => start = Some(time_ms[i]),
            (false, Some(s)) => {
                intervals.push(Interval {
                    start_ms: s,
                    end_ms: time_ms[i],
                });
                start = None;
            }
            _ => {}
        }
    }
    if let (Some(s), Some(&end)) = (start, time_ms.last()) {
        intervals.push(Interval {
            start_ms: s,
            end_ms: end,
        });
    }
    Some(intervals)
}

/// A cell of a time column other than `timestamp_ms`, as Unix ms and the
/// UTC offset in seconds: RFC 3339 text with an offset, or a number of Unix
/// seconds (SensorLog's, with a fraction) or milliseconds
/// ([`columns::unix_ms_by_size`]), at UTC.
fn time_cell(text: &str) -> Result<(i64, i32), String> {
    let Ok(x) = text.parse::<f64>() else {
        return rfc3339_epoch_ms(text).map_err(|e| super::time_text_error(text, e));
    };
    columns::unix_ms_by_size(x)
        .map(|ms| (ms, 0))
        .ok_or_else(|| columns::not_unix_time(&format!("{text:?}")))
}

fn cell(row: &csv::StringRecord, col: Option<usize>) -> Option<&str> {
    col.and_then(|c| row.get(c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn number(
    row: &csv::StringRecord,
    col: Option<usize>,
    name: &str,
    line: u64,
) -> Result<Option<f64>, InputError> {
    cell(row, col)
        .map(|s| {
            s.parse::<f64>().map_err(|_| {
                InputError::new(ErrorKind::Field, format!("{s:?} is not a number"))
                    .with_field(format!("{name} (line {line})"))
            })
        })
        .transpose()
}

impl Group {
    fn push_row(
        &mut self,
        row: &csv::StringRecord,
        cols: &Columns,
        line: u64,
    ) -> Result<(), InputError> {
        let required = |col: usize, name: &str| {
            number(row, Some(col), name, line)?.ok_or_else(|| {
                InputError::new(ErrorKind::Field, "is empty")
                    .with_field(format!("{name} (line {line})"))
            })
        };
        let lat = required(cols.lat, "latitude")?;
        let lon = required(cols.lon, "longitude")?;
        let (t, offset) = if let Some(text) = cell(row, cols.time) {
            time_cell(text).map_err(|message| {
                InputError::new(ErrorKind::Timestamp, message)
                    .with_field(format!("timestamp (line {line})"))
            })?
        } else if let Some(text) = cell(row, cols.time_ms) {
            let t = text.parse::<i64>().map_err(|_| {
                InputError::new(
                    ErrorKind::Timestamp,
                    format!("{text:?} is not an integer of milliseconds"),
                )
                .with_field(format!("timestamp_ms (line {line})"))
            })?;
            (t, 0)
        } else {
            return Err(InputError::new(ErrorKind::Timestamp, "is empty")
                .with_field(format!("timestamp (line {line})")));
        };
        let speed = match cols.speed {
            Some((col, unit)) => number(row, Some(col), "speed", line)?.map(|v| unit.kmh(v)),
            None => None,
        };
        let limit = number(row, cols.limit, "speed_limit", line)?;
        let accuracy = number(row, cols.accuracy, "accuracy", line)?;
        for (col, name, flags) in [
            (
                cols.phone_handling,
                "phone_handling",
                &mut self.phone_handling,
            ),
            (cols.mounted, "mounted", &mut self.mounted),
        ] {
            if let Some(col) = col {
                let on = flag(row, col, name, line)?;
                flags.get_or_insert_with(Vec::new).push(on);
            }
        }
        self.lines.push(line);
        self.fixes.push(&Fix {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: t,
            utc_offset_s: offset,
            speed_kmh: speed,
            speed_limit_kmh: limit,
            accuracy_m: accuracy,
            road_type: cell(row, cols.road),
        });
        Ok(())
    }

    fn finish(self, source: &Arc<str>) -> InputRecord {
        let pos = RecordPos {
            source: Arc::clone(source),
            line: self.first_line,
        };
        let (user_id, event_id) = self.key;
        let nonempty = |s: String| (!s.is_empty()).then_some(s);
        let event_id = nonempty(event_id);
        let result = if let Some(mut e) = self.error {
            e.event_id = event_id;
            Err(e)
        } else {
            let mut trip = RawTrip {
                user_id: nonempty(user_id),
                event_id,
                layout: FieldLayout::Rows(self.lines),
                ..RawTrip::default()
            };
            let times = &self.fixes.time_ms;
            trip.phone_handling = self
                .phone_handling
                .and_then(|f| runs_to_intervals(&f, times));
            trip.mounted = self.mounted.and_then(|f| runs_to_intervals(&f, times));
            self.fixes.fill(&mut trip);
            Ok(trip)
        };
        InputRecord {
            pos,
            payload: Payload::Trip(Box::new(result)),
        }
    }
}

/// Reads CSV rows and yields one record per trip (see the module docs for columns).
pub struct CsvReader<R: Read> {
    rows: csv::Reader<R>,
    source: Arc<str>,
    columns: Option<Result<Columns, InputError>>,
    current: Option<Group>,
    pending: Option<csv::StringRecord>,
    /// Where each finished trip's rows ended, by a 64-bit hash of its key
    /// (16 bytes a trip instead of its ids: 1 M trips take ~32 MB, and a
    /// false "not contiguous" needs a hash collision, odds ~1e-8 at 1 M).
    ended_at: HashMap<u64, u64>,
    /// The line of the last row read.
    last_line: u64,
    done: bool,
}

/// The key's hash for `ended_at`: `SipHash` with fixed keys, so runs agree.
fn key_hash(key: &Key) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl<R: Read> CsvReader<R> {
    /// Reads CSV (comma-separated, with a header row) from `reader`.
    pub fn new(reader: R, source: &str) -> Self {
        let rows = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(reader);
        Self {
            rows,
            source: source.into(),
            columns: None,
            current: None,
            pending: None,
            ended_at: HashMap::new(),
            last_line: 0,
            done: false,
        }
    }

    fn key(row: &csv::StringRecord, cols: &Columns) -> Key {
        let get = |c| cell(row, c).unwrap_or("").to_owned();
        (get(cols.user_id), get(cols.event_id))
    }

    fn line_of(row: &csv::StringRecord) -> u64 {
        row.position().map_or(0, csv::Position::line)
    }

    /// Starts a group for `row`, which has `key`.
    fn start_group(&mut self, key: Key, line: u64) -> Group {
        let mut group = Group {
            first_line: line,
            ..Group::default()
        };
        if let Some(end) = self.ended_at.get(&key_hash(&key)) {
            group.error = Some(
                InputError::new(
                    ErrorKind::Csv,
                    format!("rows of this trip are not contiguous: the same user_id and event_id ended at line {end}"),
                )
                .with_field("event_id"),
            );
        }
        group.key = key;
        group
    }

    /// The next row, or what `next` should return instead (end of input, an
    /// I/O error, or the error record of an unreadable row).
    fn next_row(&mut self) -> Result<csv::StringRecord, Option<io::Result<InputRecord>>> {
        loop {
            let mut row = csv::StringRecord::new();
            match self.rows.read_record(&mut row) {
                Ok(true) => return Ok(row),
                Ok(false) => {
                    self.done = true;
                    return Err(self.current.take().map(|g| Ok(g.finish(&self.source))));
                }
                Err(e) if e.is_io_error() => {
                    let csv::ErrorKind::Io(io_error) = e.kind() else {
                        return Err(Some(Err(io::Error::other(e.to_string()))));
                    };
                    let Some(limit) = RunTooLong::of(io_error) else {
                        return Err(Some(Err(io::Error::new(io_error.kind(), e.to_string()))));
                    };
                    // A row without end: the trip being read (or the row)
                    // is an error record, and the rest of the input is skipped.
                    self.done = true;
                    let error = InputError::new(
                        ErrorKind::TooLarge,
                        format!("{limit}; the rest of the input is skipped"),
                    );
                    let mut group = self.current.take().unwrap_or_else(|| Group {
                        first_line: self.last_line + 1,
                        ..Group::default()
                    });
                    group.error = Some(error);
                    return Err(Some(Ok(group.finish(&self.source))));
                }
                Err(e) => {
                    // A row that is not valid CSV (e.g. bad UTF-8) has no key we can
                    // trust: it fails the trip being read, or is its own error record.
                    let line = e.position().map_or(0, csv::Position::line);
                    let error = InputError::new(ErrorKind::Csv, e.to_string())
                        .with_field(format!("line {line}"));
                    if let Some(group) = self.current.as_mut() {
                        group.error.get_or_insert(error);
                        continue;
                    }
                    return Err(Some(Ok(InputRecord::trip(&self.source, line, Err(error)))));
                }
            }
        }
    }
}

impl<R: Read> Iterator for CsvReader<R> {
    type Item = io::Result<InputRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let cols = match self.columns.get_or_insert_with(|| {
            self.rows
                .headers()
                .map_err(|e| InputError::new(ErrorKind::Csv, e.to_string()).with_field("header"))
                .and_then(Columns::from_header)
        }) {
            Ok(cols) => *cols,
            Err(e) => {
                self.done = true;
                return Some(Ok(InputRecord::trip(&self.source, 1, Err(e.clone()))));
            }
        };
        loop {
            let row = if let Some(row) = self.pending.take() {
                row
            } else {
                match self.next_row() {
                    Ok(row) => row,
                    Err(item) => return item,
                }
            };
            let key = Self::key(&row, &cols);
            let line = Self::line_of(&row);
            self.last_line = line;
            if self.current.as_ref().is_some_and(|g| g.key != key) {
                self.pending = Some(row);
                let done = self.current.take()?;
                self.ended_at.insert(
                    key_hash(&done.key),
                    *done.lines.last().unwrap_or(&done.first_line),
                );
                return Some(Ok(done.finish(&self.source)));
            }
            if self.current.is_none() {
                let group = self.start_group(key, line);
                self.current = Some(group);
            }
            let group = self.current.as_mut()?;
            if group.error.is_none()
                && let Err(e) = group.push_row(&row, &cols, line)
            {
                group.error = Some(e);
            }
        }
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
