//! Parquet trips (the `parquet` feature): one row per trip with list
//! columns, or one row per fix grouped like CSV.
//!
//! Columns are found by name as CSV's are (any case and punctuation, a
//! logger's prefix left out; `columns`): latitude `lat`|`latitude`,
//! longitude `lon`|`lng`|`long`|`longitude` — or, for trip rows, the API's compact
//! form: an `encoded` polyline per row (precision 5, or a `precision`
//! column's 5 or 6) — time `t_ms`|`timestamp_ms`|
//! `timestamps_ms`|`time_ms` (Unix ms) or `timestamp`, else a logger's
//! `time`, `time_utc`, … (a Parquet timestamp of any unit, RFC 3339 text,
//! or numbers: Unix s or ms by size, `columns::unix_ms_by_size`; ms in a
//! column named for ms), and optionally
//! `user_id` (or `driver_id`, `vehicle_id`, …), `event_id` (or `trip_id`,
//! `drive`, …), a speed (`speed_kmh`|`speeds_kmh`|`speed`, or in
//! the unit its name gives: `speed_mps`, `speed_mph`, …; `columns`), `speed_limit_kmh`|
//! `speed_limit`, `road_type`, `accuracy_m`|`accuracy`, and
//! `utc_offset_minutes` (the offset output times are shown at; per trip row,
//! or per fix). Phone intervals are not read from Parquet. When the latitude
//! column is a list, each row is a trip (every per-fix column a list of the
//! same length); otherwise each row is a fix, and a trip is a run of rows
//! with the same `user_id` + `event_id`. A record's `line` is its (first)
//! row, 1-based. Numbers may be any float or integer type.

use std::cell::Cell;
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Once};

use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::types::{
    Float32Type, Float64Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, GenericListArray, OffsetSizeTrait, RecordBatch};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::api::rfc3339_epoch_ms;
use crate::input::polyline::{Precision, decode_polyline};
use crate::input::trajectory::{FieldLayout, RawTrip, RoadTypes};

use super::columns::{self, SpeedUnit};
use super::{ErrorKind, InputError, InputRecord};

/// The column names each field is looked up by, folded as
/// [`columns`] compares them (`t_ms` → `tms`), in the order tried.
const LAT: &[&str] = columns::LATITUDE;
const LON: &[&str] = columns::LONGITUDE;
const ENCODED: &[&str] = &["encoded"];
const PRECISION: &[&str] = &["precision"];
const LIMIT: &[&str] = &["speedlimitkmh", "speedlimit", "speedlimitskmh"];
const ROAD: &[&str] = &["roadtype", "roadtypes"];
const ACCURACY: &[&str] = columns::ACCURACY;
const OFFSET: &[&str] = &["utcoffsetminutes"];

/// Minutes east of UTC as seconds, when whole and within ±18 h.
fn offset_s(minutes: Option<f64>) -> Option<i32> {
    let m = minutes?;
    #[allow(
        clippy::cast_possible_truncation,
        reason = "checked to be a small whole number"
    )]
    (m.fract() == 0.0 && m.abs() <= 18.0 * 60.0).then(|| m as i32 * 60)
}

/// A column's values, as one of the three kinds trips need.
fn floats(a: &dyn Array) -> Option<Vec<Option<f64>>> {
    fn prim<T: ArrowPrimitiveType>(
        a: &dyn Array,
        f: impl Fn(T::Native) -> f64,
    ) -> Option<Vec<Option<f64>>> {
        let a = a.as_primitive_opt::<T>()?;
        Some(
            (0..a.len())
                .map(|i| a.is_valid(i).then(|| f(a.value(i))))
                .collect(),
        )
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "integer columns of coordinates or speeds"
    )]
    {
        prim::<Float64Type>(a, |v| v)
            .or_else(|| prim::<Float32Type>(a, f64::from))
            .or_else(|| prim::<Int64Type>(a, |v| v as f64))
            .or_else(|| prim::<Int32Type>(a, f64::from))
    }
}

/// Times as Unix ms: numbers (ms; or, `by_size`, Unix s or ms by their
/// size, [`columns::unix_ms_by_size`]), Parquet timestamps of any unit, or
/// RFC 3339 text.
fn times_ms(a: &dyn Array, by_size: bool) -> Option<Vec<Result<Option<i64>, String>>> {
    fn prim<T: ArrowPrimitiveType<Native = i64>>(
        a: &dyn Array,
        div: i64,
        mul: i64,
    ) -> Option<Vec<Result<Option<i64>, String>>> {
        let a = a.as_primitive_opt::<T>()?;
        Some(
            (0..a.len())
                .map(|i| Ok(a.is_valid(i).then(|| a.value(i).div_euclid(div) * mul)))
                .collect(),
        )
    }
    let numbers = || {
        let by_size = |x: f64| {
            columns::unix_ms_by_size(x).ok_or_else(|| columns::not_unix_time(&x.to_string()))
        };
        Some(
            floats(a)?
                .into_iter()
                .map(|v| v.map(by_size).transpose())
                .collect(),
        )
    };
    let numbers = by_size.then(numbers).flatten();
    numbers
        .or_else(|| prim::<Int64Type>(a, 1, 1))
        .or_else(|| prim::<TimestampMillisecondType>(a, 1, 1))
        .or_else(|| prim::<TimestampSecondType>(a, 1, 1000))
        .or_else(|| prim::<TimestampMicrosecondType>(a, 1000, 1))
        .or_else(|| prim::<TimestampNanosecondType>(a, 1_000_000, 1))
        .or_else(|| {
            let text = strings(a)?;
            Some(
                text.into_iter()
                    .map(|t| match t {
                        None => Ok(None),
                        Some(t) => rfc3339_epoch_ms(&t)
                            .map(|(ms, _)| Some(ms))
                            .map_err(|e| super::time_text_error(&t, e)),
                    })
                    .collect(),
            )
        })
}

fn strings(a: &dyn Array) -> Option<Vec<Option<String>>> {
    let to_vec = |n: usize, get: &dyn Fn(usize) -> Option<String>| (0..n).map(get).collect();
    if let Some(s) = a.as_string_opt::<i32>() {
        return Some(to_vec(s.len(), &|i| {
            s.is_valid(i).then(|| s.value(i).to_owned())
        }));
    }
    if let Some(s) = a.as_string_opt::<i64>() {
        return Some(to_vec(s.len(), &|i| {
            s.is_valid(i).then(|| s.value(i).to_owned())
        }));
    }
    let s = a.as_string_view_opt()?;
    Some(to_vec(s.len(), &|i| {
        s.is_valid(i).then(|| s.value(i).to_owned())
    }))
}

/// A list column's numbers, read a trip row at a time: doubles borrowed
/// from the column (the common case: a slice copied per row, no per-value
/// work), any other number type converted once.
enum Numbers<'a> {
    Doubles(&'a arrow_array::Float64Array),
    Converted(Vec<Option<f64>>),
}

impl<'a> Numbers<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        match a.as_primitive_opt::<Float64Type>() {
            Some(d) => Some(Self::Doubles(d)),
            None => floats(a).map(Self::Converted),
        }
    }

    /// The values in `span`, `None` for a null.
    fn optional(&self, span: std::ops::Range<usize>) -> Vec<Option<f64>> {
        match self {
            Self::Doubles(d) if d.null_count() == 0 => {
                d.values()[span].iter().copied().map(Some).collect()
            }
            Self::Doubles(d) => span.map(|i| d.is_valid(i).then(|| d.value(i))).collect(),
            Self::Converted(v) => v[span].to_vec(),
        }
    }

    /// The values in `span`; a null is an error naming `name[i]`.
    fn required(&self, span: std::ops::Range<usize>, name: &str) -> Result<Vec<f64>, InputError> {
        if let Self::Doubles(d) = self
            && d.null_count() == 0
        {
            return Ok(d.values()[span].to_vec());
        }
        self.optional(span)
            .into_iter()
            .enumerate()
            .map(|(i, x)| {
                x.ok_or_else(|| {
                    InputError::new(ErrorKind::Coordinate, "is null")
                        .with_field(format!("{name}[{i}]"))
                })
            })
            .collect()
    }
}

/// A list column's row spans and its numbers.
type ListNumbers<'a> = (&'a Vec<(usize, usize)>, Numbers<'a>);

/// The row spans and numbers of a list column (`None`: no such column, or
/// not numbers).
fn list_numbers(column: Option<&(Vec<(usize, usize)>, ArrayRef)>) -> Option<ListNumbers<'_>> {
    column.and_then(|(at, v)| Some((at, Numbers::of(v)?)))
}

/// A list column's times as Unix ms, read a trip row at a time: 64-bit
/// integers (in a column named for ms) or millisecond timestamps without
/// nulls borrowed, any other form converted once ([`times_ms`]).
enum Times<'a> {
    Millis(&'a [i64]),
    Converted(Vec<Result<Option<i64>, String>>),
}

impl<'a> Times<'a> {
    /// `by_size`: numbers are Unix s or ms by size, [`times_ms`].
    fn of(a: &'a dyn Array, by_size: bool) -> Option<Self> {
        let millis = a
            .as_primitive_opt::<Int64Type>()
            .filter(|t| !by_size && t.null_count() == 0)
            .map(|t| &t.values()[..])
            .or_else(|| {
                a.as_primitive_opt::<TimestampMillisecondType>()
                    .filter(|t| t.null_count() == 0)
                    .map(|t| &t.values()[..])
            });
        match millis {
            Some(ms) => Some(Self::Millis(ms)),
            None => times_ms(a, by_size).map(Self::Converted),
        }
    }

    /// The times in `span`; a null or unreadable one is an error naming
    /// `t_ms[i]`.
    fn row(&self, span: std::ops::Range<usize>) -> Result<Vec<i64>, InputError> {
        let t_v = match self {
            Self::Millis(ms) => return Ok(ms[span].to_vec()),
            Self::Converted(t_v) => t_v,
        };
        let field = |i: usize| format!("t_ms[{i}]");
        t_v[span]
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                Ok(Some(ms)) => Ok(*ms),
                Ok(None) => {
                    Err(InputError::new(ErrorKind::Timestamp, "is null").with_field(field(i)))
                }
                Err(m) => {
                    Err(InputError::new(ErrorKind::Timestamp, m.clone()).with_field(field(i)))
                }
            })
            .collect()
    }
}

/// Where a table's positions are: latitude and longitude columns, or an
/// `encoded` polyline column (the API's compact form).
#[derive(Clone, Copy)]
enum Positions {
    Columns(usize, usize),
    Encoded(usize),
}

/// A trip row's coordinates: from latitude and longitude lists, or decoded
/// from its polyline (precision 5 unless a `precision` column says 6).
enum Coordinates<'a> {
    Lists(ListNumbers<'a>, ListNumbers<'a>),
    Polylines(Texts<'a>, Option<Vec<Option<f64>>>),
}

impl Coordinates<'_> {
    /// Row `r`'s latitudes and longitudes, degrees.
    fn row(&self, r: usize) -> Result<(Vec<f64>, Vec<f64>), InputError> {
        match self {
            Self::Lists((lat_at, lat_v), (lon_at, lon_v)) => {
                let span = |at: &[(usize, usize)]| at[r].0..at[r].1;
                Ok((
                    lat_v.required(span(lat_at), "lat")?,
                    lon_v.required(span(lon_at), "lon")?,
                ))
            }
            Self::Polylines(text, precision) => {
                let Some(text) = text.value(r) else {
                    return Err(InputError::new(ErrorKind::Field, "is null").with_field("encoded"));
                };
                let precision = match precision.as_ref().and_then(|p| p[r]) {
                    None | Some(5.0) => Precision::P5,
                    Some(6.0) => Precision::P6,
                    Some(p) => {
                        return Err(InputError::new(
                            ErrorKind::Field,
                            format!("precision must be 5 or 6, got {p}"),
                        )
                        .with_field("precision"));
                    }
                };
                let points = decode_polyline(text, precision).map_err(|e| {
                    InputError::new(
                        ErrorKind::Polyline,
                        format!("{} (character {})", e.message, e.index),
                    )
                    .with_field("encoded")
                })?;
                Ok((points.lat_deg, points.lon_deg))
            }
        }
    }
}

/// A list column's text, read a trip row at a time without a `String` per
/// value.
enum Texts<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl<'a> Texts<'a> {
    fn of(a: &'a dyn Array) -> Option<Self> {
        a.as_string_opt::<i32>()
            .map(Self::Utf8)
            .or_else(|| a.as_string_opt::<i64>().map(Self::LargeUtf8))
            .or_else(|| a.as_string_view_opt().map(Self::View))
    }

    /// The text of row `i` (`None`: null).
    fn value(&self, i: usize) -> Option<&str> {
        match self {
            Self::Utf8(s) => s.is_valid(i).then(|| s.value(i)),
            Self::LargeUtf8(s) => s.is_valid(i).then(|| s.value(i)),
            Self::View(s) => s.is_valid(i).then(|| s.value(i)),
        }
    }

    /// The road types in `span` (a null is unknown).
    fn roads(&self, span: std::ops::Range<usize>) -> RoadTypes {
        match self {
            Self::Utf8(s) => span.map(|i| s.is_valid(i).then(|| s.value(i))).collect(),
            Self::LargeUtf8(s) => span.map(|i| s.is_valid(i).then(|| s.value(i))).collect(),
            Self::View(s) => span.map(|i| s.is_valid(i).then(|| s.value(i))).collect(),
        }
    }
}

/// A list column: each row's `[start, end)` in its values, and the values.
fn lists(a: &dyn Array) -> Option<(Vec<(usize, usize)>, ArrayRef)> {
    fn spans<O: OffsetSizeTrait>(l: &GenericListArray<O>) -> (Vec<(usize, usize)>, ArrayRef) {
        let o = l.value_offsets();
        let at = (0..l.len())
            .map(|i| {
                if l.is_valid(i) {
                    (o[i].as_usize(), o[i + 1].as_usize())
                } else {
                    (0, 0)
                }
            })
            .collect();
        (at, Arc::clone(l.values()))
    }
    a.as_list_opt::<i32>()
        .map(spans)
        .or_else(|| a.as_list_opt::<i64>().map(spans))
}

/// The speed column and the unit its name gives ([`columns::speed_column`]).
fn speed_column(batch: &RecordBatch) -> Option<(usize, SpeedUnit)> {
    let schema = batch.schema();
    columns::speed_column(&schema.fields().iter().map(|f| f.name().as_str()))
}

/// The index of the first column named like one of `names` (folded,
/// [`columns::position`]).
fn find(batch: &RecordBatch, names: &[&str]) -> Option<usize> {
    let schema = batch.schema();
    columns::position(&schema.fields().iter().map(|f| f.name().as_str()), names)
}

/// The time column of a table with `names`, and whether its numbers are
/// Unix s or ms by size (not named for ms): [`columns::TIME_MS`], else
/// [`columns::TIMESTAMP`], else a logger's ([`columns::TIME_OTHER`]).
fn time_of<'a>(names: &(impl Iterator<Item = &'a str> + Clone)) -> Option<(usize, bool)> {
    columns::position(names, columns::TIME_MS)
        .map(|i| (i, false))
        .or_else(|| {
            columns::position(names, columns::TIMESTAMP)
                .or_else(|| columns::position(names, columns::TIME_OTHER))
                .map(|i| (i, true))
        })
}

/// [`time_of`] a batch.
fn time_column(batch: &RecordBatch) -> Option<(usize, bool)> {
    let schema = batch.schema();
    time_of(&schema.fields().iter().map(|f| f.name().as_str()))
}

/// A field the Parquet and Arrow readers look a column up for, named for
/// callers that handle the rows first (the Python package groups a Spark
/// table's fix rows into trips, by the columns the reader would take).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableField {
    /// The latitude (`lat`, `latitude`, `gps_lat`, …).
    Latitude,
    /// The time (`t_ms`, `timestamp`, `time`, `unix_time`, …).
    Time,
    /// The user (`user_id`, `driver_id`, `vehicle_id`, …).
    UserId,
    /// The trip (`event_id`, `trip_id`, `drive`, …).
    EventId,
    /// The UTC offset in minutes (`utc_offset_minutes`).
    UtcOffset,
}

/// The index of the column among `names` that the Parquet and Arrow
/// readers read `field` from, if any: the same names, aliases and order.
///
/// ```
/// # #[cfg(feature = "parquet")] {
/// use tripscore::input::{TableField, table_column};
/// let names = ["vehicle_id", "trip_id", "GPS_Lat", "gps_lon", "unix_time"];
/// assert_eq!(table_column(TableField::EventId, &names), Some(1));
/// assert_eq!(table_column(TableField::Latitude, &names), Some(2));
/// assert_eq!(table_column(TableField::Time, &names), Some(4));
/// # }
/// ```
#[must_use]
pub fn table_column(field: TableField, names: &[&str]) -> Option<usize> {
    let names = names.iter().copied();
    match field {
        TableField::Latitude => columns::position(&names, LAT),
        TableField::Time => time_of(&names).map(|(i, _)| i),
        TableField::UserId => columns::position(&names, columns::USER_ID),
        TableField::EventId => columns::position(&names, columns::EVENT_ID),
        TableField::UtcOffset => columns::position(&names, OFFSET),
    }
}

/// A trip being gathered from fix rows.
#[derive(Default)]
struct Group {
    key: (Option<String>, Option<String>),
    first_row: u64,
    rows: Vec<u64>,
    raw: RawTrip,
    times: Vec<i64>,
    speeds: Vec<Option<f64>>,
    limits: Vec<Option<f64>>,
    accuracies: Vec<Option<f64>>,
    offsets: Vec<i32>,
    roads: RoadTypes,
    error: Option<InputError>,
}

/// Runs `f`, turning a panic into an error message. The Arrow and Parquet
/// decoders panic on some malformed files (an out-of-range buffer offset in
/// an IPC message, seen by corrupting files at random) where they should
/// err; a bad input file must give an error record, not end the batch. The
/// contained panic is not printed (other panics still are).
pub(crate) fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|quiet| quiet.set(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|quiet| quiet.set(false));
    result.map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("the decoder failed on malformed data ({message})")
    })
}

/// Reads Arrow record batches of trips (from Parquet, Arrow IPC, or
/// memory), one record per trip (see the module docs).
pub struct ArrowTrips<B> {
    batches: Option<B>,
    source: Arc<str>,
    ready: VecDeque<InputRecord>,
    /// Rows read before the current batch.
    row: u64,
    group: Option<Group>,
    ended: HashSet<u64>,
    done: bool,
}

/// Reads a Parquet file of trips.
pub type ParquetReader = ArrowTrips<ParquetRecordBatchReader>;

impl ParquetReader {
    /// Opens `file` (Parquet needs a file: its index is at the end).
    ///
    /// # Errors
    /// The file is not Parquet, or its metadata cannot be read.
    pub fn open(file: File, source: &str) -> io::Result<Self> {
        let invalid =
            |e: String| io::Error::new(io::ErrorKind::InvalidData, format!("{source}: {e}"));
        let batches = contained(|| {
            ParquetRecordBatchReaderBuilder::try_new(file)
                // `ArrowReaderBuilder::build` names two methods (sync and push decoders).
                .and_then(
                    #[allow(
                        clippy::redundant_closure_for_method_calls,
                        reason = "the path is ambiguous"
                    )]
                    |builder| builder.build(),
                )
                .map_err(|e| e.to_string())
        })
        .and_then(|r| r)
        .map_err(invalid)?;
        Ok(ArrowTrips::new(batches, source))
    }
}

impl<B, E> ArrowTrips<B>
where
    B: Iterator<Item = Result<RecordBatch, E>>,
    E: std::fmt::Display,
{
    /// Reads the trips of `batches`, naming records after `source`.
    pub fn new(batches: B, source: &str) -> Self {
        Self {
            batches: Some(batches),
            source: source.into(),
            ready: VecDeque::new(),
            row: 0,
            group: None,
            ended: HashSet::new(),
            done: false,
        }
    }

    fn record(&self, line: u64, result: Result<RawTrip, InputError>) -> InputRecord {
        InputRecord::trip(&self.source, line, result)
    }

    /// Queues an error record and stops reading.
    fn fail(&mut self, line: u64, error: InputError) {
        self.flush_group();
        self.ready.push_back(self.record(line, Err(error)));
        self.batches = None;
    }

    fn flush_group(&mut self) {
        let Some(g) = self.group.take() else {
            return;
        };
        self.ended.insert(key_hash(&g.key));
        let (user_id, event_id) = g.key;
        let result = if let Some(mut e) = g.error {
            e.event_id = event_id;
            Err(e)
        } else {
            let mut raw = g.raw;
            raw.user_id = user_id;
            raw.event_id = event_id;
            raw.time_ms = Some(g.times);
            let some = |v: Vec<Option<f64>>| v.iter().any(Option::is_some).then_some(v);
            raw.speed_kmh = some(g.speeds);
            raw.speed_limit_kmh = some(g.limits);
            raw.accuracy_m = some(g.accuracies);
            raw.road_type = g.roads.any_known().then_some(g.roads);
            raw.utc_offset_s = g.offsets;
            raw.layout = FieldLayout::Rows(g.rows);
            Ok(raw)
        };
        self.ready.push_back(self.record(g.first_row, result));
    }

    fn read_batch(&mut self, batch: &RecordBatch) {
        let n = batch.num_rows();
        let first = self.row + 1;
        self.row += n as u64;
        let missing = |what: &str| {
            InputError::new(ErrorKind::Field, format!("the table has no {what} column"))
                .with_field(what.to_owned())
        };
        let positions = match (find(batch, LAT), find(batch, LON), find(batch, ENCODED)) {
            (Some(lat), Some(lon), _) => Positions::Columns(lat, lon),
            (None, _, Some(encoded)) => Positions::Encoded(encoded),
            _ => return self.fail(first, missing("latitude")),
        };
        let Some((time, time_by_size)) = time_column(batch) else {
            return self.fail(first, missing("timestamp"));
        };
        let col = |i: usize| batch.column(i).as_ref();
        let opt = |names: &[&str]| find(batch, names).map(|i| batch.column(i).as_ref());
        let ids = |names: &[&str]| {
            opt(names)
                .and_then(strings)
                .unwrap_or_else(|| vec![None; n])
        };
        let (users, events) = (ids(columns::USER_ID), ids(columns::EVENT_ID));
        match positions {
            Positions::Columns(lat, lon) if lists(col(lat)).is_none() => {
                let time = (time, time_by_size);
                self.fix_rows(batch, first, [lat, lon], time, &users, &events);
            }
            positions => {
                let time = (time, time_by_size);
                self.trip_rows(batch, first, positions, time, &users, &events);
            }
        }
    }

    /// One trip per row, list columns (positions as latitude and longitude
    /// lists, or as a polyline per row).
    fn trip_rows(
        &mut self,
        batch: &RecordBatch,
        first: u64,
        positions: Positions,
        (time, time_by_size): (usize, bool),
        users: &[Option<String>],
        events: &[Option<String>],
    ) {
        let list = |i: usize| lists(batch.column(i).as_ref());
        let opt_list = |names: &[&str]| find(batch, names).and_then(list);
        let type_error = |what: &str| {
            InputError::new(
                ErrorKind::Field,
                format!("{what} must be a list of numbers"),
            )
            .with_field(what.to_owned())
        };
        let Some((t_at, t_v)) = list(time) else {
            return self.fail(first, type_error("time"));
        };
        let Some(t_v) = Times::of(&t_v, time_by_size) else {
            return self.fail(first, type_error("time"));
        };
        let (lat_list, lon_list) = match positions {
            Positions::Columns(lat, lon) => (list(lat), list(lon)),
            Positions::Encoded(_) => (None, None),
        };
        let coordinates = match (positions, &lat_list, &lon_list) {
            (Positions::Columns(..), Some((lat_at, lat_v)), Some((lon_at, lon_v))) => {
                match (Numbers::of(lat_v), Numbers::of(lon_v)) {
                    (Some(lat_v), Some(lon_v)) => {
                        Coordinates::Lists((lat_at, lat_v), (lon_at, lon_v))
                    }
                    _ => return self.fail(first, type_error("latitude and longitude")),
                }
            }
            (Positions::Encoded(encoded), ..) => {
                let Some(text) = Texts::of(batch.column(encoded).as_ref()) else {
                    let e = InputError::new(ErrorKind::Field, "encoded must be text")
                        .with_field("encoded");
                    return self.fail(first, e);
                };
                let precision =
                    find(batch, PRECISION).and_then(|i| floats(batch.column(i).as_ref()));
                Coordinates::Polylines(text, precision)
            }
            _ => return self.fail(first, type_error("latitude and longitude")),
        };
        let speed_at = speed_column(batch);
        let speed = speed_at.and_then(|(i, _)| list(i));
        let (limit, accuracy) = (opt_list(LIMIT), opt_list(ACCURACY));
        let (speed, limit, accuracy) = (
            list_numbers(speed.as_ref()),
            list_numbers(limit.as_ref()),
            list_numbers(accuracy.as_ref()),
        );
        let roads = opt_list(ROAD);
        let roads = roads.as_ref().and_then(|(at, v)| Some((at, Texts::of(v)?)));
        let offsets = find(batch, OFFSET).and_then(|i| floats(batch.column(i).as_ref()));
        for r in 0..batch.num_rows() {
            let line = first + r as u64;
            let span = |at: &[(usize, usize)]| at[r].0..at[r].1;
            let mut raw = RawTrip {
                user_id: users[r].clone(),
                event_id: events[r].clone(),
                layout: FieldLayout::Lists,
                ..RawTrip::default()
            };
            let result = (|| -> Result<RawTrip, InputError> {
                (raw.lat_deg, raw.lon_deg) = coordinates.row(r)?;
                raw.time_ms = Some(t_v.row(span(&t_at))?);
                raw.speed_kmh = speed.as_ref().map(|(at, v)| {
                    let mut values = v.optional(span(at));
                    if let Some((_, unit)) = speed_at {
                        unit.to_kmh_all(&mut values);
                    }
                    values
                });
                raw.speed_limit_kmh = limit.as_ref().map(|(at, v)| v.optional(span(at)));
                raw.accuracy_m = accuracy.as_ref().map(|(at, v)| v.optional(span(at)));
                raw.road_type = roads.as_ref().map(|(at, v)| v.roads(span(at)));
                raw.utc_offset_s = offsets
                    .as_ref()
                    .and_then(|v| offset_s(v[r]))
                    .into_iter()
                    .collect();
                Ok(raw)
            })();
            let result = result.map_err(|mut e| {
                e.event_id.clone_from(&events[r]);
                e
            });
            self.ready.push_back(self.record(line, result));
        }
    }

    /// One fix per row, trips as runs of the same user and event.
    fn fix_rows(
        &mut self,
        batch: &RecordBatch,
        first: u64,
        [lat, lon]: [usize; 2],
        (time, time_by_size): (usize, bool),
        users: &[Option<String>],
        events: &[Option<String>],
    ) {
        let col = |i: usize| batch.column(i).as_ref();
        let opt = |names: &[&str]| find(batch, names).and_then(|i| floats(col(i)));
        let (Some(lat_v), Some(lon_v)) = (floats(col(lat)), floats(col(lon))) else {
            let e = InputError::new(ErrorKind::Field, "latitude and longitude must be numbers")
                .with_field("latitude");
            return self.fail(first, e);
        };
        let Some(t_v) = times_ms(col(time), time_by_size) else {
            let e = InputError::new(
                ErrorKind::Field,
                if time_by_size {
                    "the time column must be Unix s or ms, a timestamp or RFC 3339 text"
                } else {
                    "the time column must be Unix ms, a timestamp or RFC 3339 text"
                },
            )
            .with_field("timestamp");
            return self.fail(first, e);
        };
        let speed = speed_column(batch).and_then(|(i, unit)| {
            let mut values = floats(col(i))?;
            unit.to_kmh_all(&mut values);
            Some(values)
        });
        let (limit, accuracy) = (opt(LIMIT), opt(ACCURACY));
        let roads = find(batch, ROAD).and_then(|i| strings(col(i)));
        let offsets = opt(OFFSET);
        for r in 0..batch.num_rows() {
            let line = first + r as u64;
            let key = (users[r].clone(), events[r].clone());
            if self.group.as_ref().is_some_and(|g| g.key != key) {
                self.flush_group();
            }
            let g = self.group.get_or_insert_with(|| Group {
                error: self.ended.contains(&key_hash(&key)).then(|| {
                    InputError::new(ErrorKind::Field, "rows of this trip are not contiguous")
                        .with_field("event_id")
                }),
                key,
                first_row: line,
                ..Group::default()
            });
            if g.error.is_some() {
                continue;
            }
            let at = |name: &str| format!("{name} (row {line})");
            let (Some(la), Some(lo)) = (lat_v[r], lon_v[r]) else {
                g.error = Some(
                    InputError::new(ErrorKind::Coordinate, "is null").with_field(at("latitude")),
                );
                continue;
            };
            let t = match &t_v[r] {
                Ok(Some(t)) => *t,
                Ok(None) => {
                    g.error = Some(
                        InputError::new(ErrorKind::Timestamp, "is null")
                            .with_field(at("timestamp")),
                    );
                    continue;
                }
                Err(m) => {
                    g.error = Some(
                        InputError::new(ErrorKind::Timestamp, m.clone())
                            .with_field(at("timestamp")),
                    );
                    continue;
                }
            };
            g.rows.push(line);
            g.raw.lat_deg.push(la);
            g.raw.lon_deg.push(lo);
            g.times.push(t);
            g.speeds.push(speed.as_ref().and_then(|v| v[r]));
            g.limits.push(limit.as_ref().and_then(|v| v[r]));
            g.accuracies.push(accuracy.as_ref().and_then(|v| v[r]));
            g.roads.push(roads.as_ref().and_then(|v| v[r].as_deref()));
            g.offsets
                .push(offsets.as_ref().and_then(|v| offset_s(v[r])).unwrap_or(0));
        }
    }
}

fn key_hash(key: &(Option<String>, Option<String>)) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl<B, E> Iterator for ArrowTrips<B>
where
    B: Iterator<Item = Result<RecordBatch, E>>,
    E: std::fmt::Display,
{
    type Item = io::Result<InputRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.ready.pop_front() {
                return Some(Ok(record));
            }
            if self.done {
                return None;
            }
            let line = self.row + 1;
            let failed = |e: &dyn std::fmt::Display| {
                InputError::new(ErrorKind::Field, format!("reading the table: {e}"))
            };
            match contained(|| self.batches.as_mut().and_then(Iterator::next)) {
                // Only the decoder is contained: a panic in reading a
                // decoded batch would be this crate's bug, for tests and
                // the fuzzer to see.
                Ok(Some(Ok(batch))) => self.read_batch(&batch),
                Ok(Some(Err(e))) => self.fail(line, failed(&e)),
                Err(e) => self.fail(line, failed(&e)),
                Ok(None) => {
                    self.flush_group();
                    self.done = true;
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "parquet_tests.rs"]
mod tests;
