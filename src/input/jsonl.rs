//! JSON Lines trip records (docs/API.md, "Input"): the waypoint form and the
//! compact form.

use std::borrow::Cow;

use serde::Deserialize;

use crate::api::rfc3339_epoch_ms;
use crate::api::time::Rfc3339Run;
use crate::input::polyline::{Precision, decode_polyline, polyline_point_count};
use crate::input::trajectory::{FieldLayout, Interval, RawTrip, RoadTypes};

use super::{ErrorKind, Fix, FixColumns, InputError};

/// An interval bound: RFC 3339 text or Unix milliseconds.
#[derive(Deserialize)]
#[serde(untagged)]
enum WireInstant<'a> {
    Millis(i64),
    #[serde(borrow)]
    Text(Cow<'a, str>),
}

#[derive(Deserialize)]
struct WireInterval<'a> {
    #[serde(borrow)]
    start: WireInstant<'a>,
    #[serde(borrow)]
    end: WireInstant<'a>,
}

#[derive(Deserialize)]
struct WireWaypoint<'a> {
    latitude: f64,
    longitude: f64,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
    #[serde(default)]
    speed: Option<f64>,
    #[serde(default)]
    speed_limit: Option<f64>,
    #[serde(default, borrow)]
    road_type: Option<Cow<'a, str>>,
    #[serde(default)]
    accuracy: Option<f64>,
}

/// One JSONL trip record as written (unknown fields are ignored).
#[derive(Default, Deserialize)]
struct WireTrip<'a> {
    #[serde(default, borrow)]
    user_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    event_id: Option<Cow<'a, str>>,
    #[serde(default)]
    waypoints: Option<WireWaypoints>,
    #[serde(default, borrow)]
    encoded: Option<Cow<'a, str>>,
    #[serde(default)]
    precision: Option<u32>,
    #[serde(default)]
    timestamps_ms: Option<Vec<i64>>,
    #[serde(default)]
    speeds_kmh: Option<Vec<Option<f64>>>,
    #[serde(default)]
    speed_limits_kmh: Option<Vec<Option<f64>>>,
    #[serde(default)]
    accuracies_m: Option<Vec<Option<f64>>>,
    #[serde(default)]
    road_types: Option<WireRoadTypes>,
    #[serde(default)]
    utc_offset_minutes: Option<i32>,
    #[serde(default, borrow)]
    phone_handling: Option<Vec<WireInterval<'a>>>,
    #[serde(default, borrow)]
    mounted: Option<Vec<WireInterval<'a>>>,
}

/// A JSON array read element by element into `Self` (no `Vec` of elements).
trait StreamedSeq<'de>: Default {
    /// One element as written.
    type Item: Deserialize<'de>;
    /// Takes one element.
    fn take(&mut self, item: Self::Item);
}

/// Reads a JSON array into a [`StreamedSeq`].
fn deserialize_streamed<'de, D, S>(d: D) -> Result<S, D::Error>
where
    D: serde::Deserializer<'de>,
    S: StreamedSeq<'de>,
{
    struct Elements<S>(std::marker::PhantomData<S>);
    impl<'de, S: StreamedSeq<'de>> serde::de::Visitor<'de> for Elements<S> {
        type Value = S;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<S, A::Error> {
            let mut out = S::default();
            while let Some(item) = seq.next_element::<S::Item>()? {
                out.take(item);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Elements(std::marker::PhantomData))
}

/// `waypoints`, written into columns while read (no `Vec` of waypoint
/// structs). A timestamp that does not parse is kept as the first bad one and
/// reported after the whole line has parsed, as a JSON error anywhere in the
/// line takes precedence.
#[derive(Default)]
struct WireWaypoints {
    fixes: FixColumns,
    bad_time: Option<InputError>,
    times: Rfc3339Run,
}

impl<'de> StreamedSeq<'de> for WireWaypoints {
    type Item = WireWaypoint<'de>;

    fn take(&mut self, w: WireWaypoint<'de>) {
        let (time_ms, utc_offset_s) = self.times.epoch_ms(&w.timestamp).unwrap_or_else(|e| {
            let i = self.fixes.len();
            self.bad_time.get_or_insert_with(|| {
                field_err(
                    ErrorKind::Timestamp,
                    format!("waypoints[{i}].timestamp"),
                    super::time_text_error(&w.timestamp, e),
                )
            });
            (0, 0)
        });
        self.fixes.push(&Fix {
            lat_deg: w.latitude,
            lon_deg: w.longitude,
            time_ms,
            utc_offset_s,
            speed_kmh: w.speed,
            speed_limit_kmh: w.speed_limit,
            accuracy_m: w.accuracy,
            road_type: w.road_type.as_deref(),
        });
    }
}

impl<'de> Deserialize<'de> for WireWaypoints {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_streamed(d)
    }
}

/// A road type name, borrowed from the line when it has no escapes.
#[derive(Deserialize)]
struct WireName<'a>(#[serde(borrow)] Cow<'a, str>);

/// `road_types`, interned while it is read: no string per fix.
#[derive(Default)]
struct WireRoadTypes(RoadTypes);

impl<'de> StreamedSeq<'de> for WireRoadTypes {
    type Item = Option<WireName<'de>>;

    fn take(&mut self, name: Self::Item) {
        self.0.push(name.as_ref().map(|n| &*n.0));
    }
}

impl<'de> Deserialize<'de> for WireRoadTypes {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_streamed(d)
    }
}

/// Just the id, to name the record in an error when the rest does not parse.
#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(default, borrow)]
    event_id: Option<Cow<'a, str>>,
}

fn field_err(kind: ErrorKind, field: impl Into<String>, message: impl Into<String>) -> InputError {
    InputError {
        kind,
        field: Some(field.into()),
        message: message.into(),
        event_id: None,
    }
}

fn parse_instant(v: &WireInstant<'_>, field: impl Fn() -> String) -> Result<i64, InputError> {
    match v {
        WireInstant::Millis(ms) => Ok(*ms),
        WireInstant::Text(text) => rfc3339_epoch_ms(text).map(|(ms, _)| ms).map_err(|e| {
            field_err(
                ErrorKind::Timestamp,
                field(),
                super::time_text_error(text, e),
            )
        }),
    }
}

fn intervals(
    list: Option<&[WireInterval<'_>]>,
    name: &str,
) -> Result<Option<Vec<Interval>>, InputError> {
    list.map(|list| {
        list.iter()
            .enumerate()
            .map(|(i, iv)| {
                Ok(Interval {
                    start_ms: parse_instant(&iv.start, || format!("{name}[{i}].start"))?,
                    end_ms: parse_instant(&iv.end, || format!("{name}[{i}].end"))?,
                })
            })
            .collect()
    })
    .transpose()
}

fn owned(s: Option<Cow<'_, str>>) -> Option<String> {
    s.map(Cow::into_owned)
}

/// Parses one JSONL line into a [`RawTrip`].
///
/// # Errors
/// Malformed JSON, a wrong type (named by its path, e.g. `waypoints[2].latitude`),
/// an unparsable timestamp, a bad polyline, or neither/both of the two forms.
/// The error carries the record's `event_id` when it can be read.
pub fn parse_line(line: &str) -> Result<RawTrip, InputError> {
    parse_line_with(line, true)
}

/// [`parse_line`] without the scanner fast path: every line through
/// `serde_json`. The reference the fast path is tested against (the
/// `jsonl_fast` fuzz target); not for production use.
///
/// # Errors
/// As [`parse_line`].
#[doc(hidden)]
pub fn parse_line_reference(line: &str) -> Result<RawTrip, InputError> {
    parse_line_with(line, false)
}

fn parse_line_with(line: &str, fast_path: bool) -> Result<RawTrip, InputError> {
    let read_id = || {
        serde_json::from_str::<IdOnly<'_>>(line)
            .ok()
            .and_then(|r| owned(r.event_id))
    };
    let first = line.trim_start().chars().next();
    if first != Some('{') {
        // serde would read a JSON array positionally into the struct; a record is an object.
        let what = if first == Some('[') {
            "a JSON array"
        } else {
            "not a JSON object"
        };
        return Err(InputError::new(
            ErrorKind::Json,
            format!("the record is {what}; expected one JSON object per line"),
        ));
    }
    // The scanner takes the common shapes; `serde_json` reads the rest.
    let wire = match fast_path.then(|| fast::parse(line)).flatten() {
        Some(wire) => wire,
        None => parse_with_serde(line, read_id)?,
    };
    let event_id = owned(wire.event_id.clone());
    wire_to_raw(wire).map_err(|mut e| {
        e.event_id = event_id;
        e
    })
}

/// The line read by `serde_json` (a record the scanner does not take).
fn parse_with_serde(
    line: &str,
    read_id: impl Fn() -> Option<String>,
) -> Result<WireTrip<'_>, InputError> {
    // Plain `serde_json` first: serde_path_to_error tracks the path of
    // every value (a String per map key), which costs more than the parse on
    // waypoint-form input, so a line is read with it only once it has failed,
    // to name the field.
    let mut de = serde_json::Deserializer::from_str(line);
    let wire = match WireTrip::deserialize(&mut de) {
        Ok(w) => w,
        Err(plain) => {
            return Err(InputError {
                event_id: read_id(),
                ..named_parse_error(line, &plain)
            });
        }
    };
    if let Err(e) = de.end() {
        return Err(InputError {
            event_id: read_id(),
            ..InputError::new(ErrorKind::Json, e.to_string())
        });
    }
    Ok(wire)
}

/// The error of a line that failed to parse, read again with its path
/// tracked: a type error names its field (`waypoints[2].latitude`).
fn named_parse_error(line: &str, plain: &serde_json::Error) -> InputError {
    let mut de = serde_json::Deserializer::from_str(line);
    let Err(e) = serde_path_to_error::deserialize::<_, WireTrip<'_>>(&mut de) else {
        return InputError::new(ErrorKind::Json, plain.to_string());
    };
    let at_root = e.path().iter().next().is_none();
    let path = e.path().to_string();
    let inner = e.into_inner();
    let (kind, field) = if inner.is_data() && !at_root {
        (ErrorKind::Field, Some(path))
    } else {
        (ErrorKind::Json, None)
    };
    InputError {
        kind,
        field,
        message: inner.to_string(),
        event_id: None,
    }
}

fn wire_to_raw(wire: WireTrip<'_>) -> Result<RawTrip, InputError> {
    let phone_handling = intervals(wire.phone_handling.as_deref(), "phone_handling")?;
    let mounted = intervals(wire.mounted.as_deref(), "mounted")?;
    let mut raw = RawTrip {
        user_id: owned(wire.user_id),
        event_id: owned(wire.event_id),
        phone_handling,
        mounted,
        ..RawTrip::default()
    };
    match (wire.waypoints, wire.encoded) {
        (Some(_), Some(_)) => Err(field_err(
            ErrorKind::Field,
            "encoded",
            "a record has either `waypoints` or `encoded`, not both",
        )),
        (None, None) => Err(field_err(
            ErrorKind::Field,
            "waypoints",
            "a record needs `waypoints` or `encoded` + `timestamps_ms`",
        )),
        (Some(w), None) => {
            if let Some(e) = w.bad_time {
                return Err(e);
            }
            raw.layout = FieldLayout::Waypoints;
            w.fixes.fill(&mut raw);
            Ok(raw)
        }
        (None, Some(encoded)) => {
            raw.layout = FieldLayout::Compact;
            let precision = match wire.precision {
                None => Precision::P5,
                Some(p) => Precision::try_from(p)
                    .map_err(|e| field_err(ErrorKind::Field, "precision", e.message))?,
            };
            // Declared lengths first: a huge polyline for two timestamps is
            // reported without decoding it (a malformed one is left to the
            // decoder, whose error names the character). A point takes at
            // most 14 characters (two 7-chunk numbers at precision 6), so a
            // polyline within 16 a timestamp decodes in the time the
            // timestamps took to read, and is not counted first.
            if let Some(times) = wire
                .timestamps_ms
                .as_ref()
                .filter(|t| encoded.len() > 16 * t.len() + 64)
            {
                let n = polyline_point_count(&encoded);
                let well_formed = encoded.bytes().all(|b| (63..127).contains(&b))
                    && encoded.bytes().last().is_none_or(|b| b < 63 + 0x20);
                if n != times.len() && well_formed {
                    return Err(field_err(
                        ErrorKind::LengthMismatch,
                        "encoded",
                        format!(
                            "decodes to {n} points but timestamps_ms has {}",
                            times.len()
                        ),
                    ));
                }
            }
            let points = decode_polyline(&encoded, precision).map_err(|e| {
                field_err(
                    ErrorKind::Polyline,
                    "encoded",
                    format!("{} (character {})", e.message, e.index),
                )
            })?;
            raw.lat_deg = points.lat_deg;
            raw.lon_deg = points.lon_deg;
            raw.time_ms = wire.timestamps_ms;
            if let Some(m) = wire.utc_offset_minutes {
                let s = m.checked_mul(60).ok_or_else(|| {
                    field_err(
                        ErrorKind::Field,
                        "utc_offset_minutes",
                        format!("{m} is out of range"),
                    )
                })?;
                raw.utc_offset_s = vec![s];
            }
            raw.speed_kmh = wire.speeds_kmh;
            raw.speed_limit_kmh = wire.speed_limits_kmh;
            raw.accuracy_m = wire.accuracies_m;
            raw.road_type = wire.road_types.map(|r| r.0);
            Ok(raw)
        }
    }
}

#[path = "jsonl_fast.rs"]
mod fast;

#[cfg(test)]
#[path = "jsonl_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "jsonl_fast_tests.rs"]
mod fast_tests;
