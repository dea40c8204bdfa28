//! A [`TripRecord`] as its JSON line, the text `serde_json::to_string`
//! gives, written faster where `serde_json` spends most: the four zones'
//! feature counts (128 integer fields, two thirds of a default line's
//! serialisation). `serde_json` scans every key byte for characters to
//! escape, one at a time; these keys are Rust field names, which need
//! none, so they are copied as they are and the values written with
//! `itoa` (what `serde_json` itself uses for integers). Everything else
//! goes through `serde_json`. Property tests hold the line equal to
//! `serde_json::to_string` byte for byte (`line_tests.rs`).

use std::io;
use std::sync::OnceLock;

use super::TripRecord;
use crate::score::{Features, ZoneFeatures};

impl TripRecord {
    /// The record as one JSON line, without the newline: the same text as
    /// `serde_json::to_string(&record)`, faster.
    ///
    /// # Errors
    /// What `serde_json` reports for a part it serialises (none of the
    /// record's types fails in practice).
    ///
    /// # Example
    /// ```
    /// use tripscore::{Config, RecordOptions, Trajectory, parse_line, simulate_trip, trip_record, SimConfig};
    /// let sim = simulate_trip(&SimConfig::default(), 1);
    /// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
    /// let record = trip_record(&trip, &Config::default(), RecordOptions::default()).unwrap();
    /// assert_eq!(record.to_json_line()?, serde_json::to_string(&record)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json_line(&self) -> serde_json::Result<String> {
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(b"{\"type\":");
        serde_json::to_writer(&mut out, self.kind)?;
        // The event's fields are flattened into the line: its object with
        // the braces taken off (an event has fields; one without any would
        // add nothing, as `flatten` does).
        let at = out.len();
        serde_json::to_writer(&mut out, &self.event)?;
        if out.len() - at <= 2 {
            out.truncate(at);
        } else {
            out[at] = b',';
            out.pop();
        }
        entry(&mut out, "behavior_scores", &self.behavior_scores)?;
        out.extend_from_slice(b",\"features\":");
        write_features(&mut out, &self.features);
        entry(&mut out, "data_quality", &self.data_quality)?;
        if let Some(a) = &self.behavior_annotations {
            entry(&mut out, "behavior_annotations", a)?;
        }
        if let Some(t) = &self.trajectory {
            entry(&mut out, "trajectory", t)?;
        }
        if let Some(e) = &self.explanation {
            entry(&mut out, "explanation", e)?;
        }
        if let Some(m) = &self.map_match {
            entry(&mut out, "map_match", m)?;
        }
        out.push(b'}');
        // Only `serde_json`'s text and ASCII went in.
        String::from_utf8(out).map_err(|e| serde_json::Error::io(io::Error::other(e)))
    }
}

/// `,"key":` and `value` as `serde_json` writes it.
fn entry<T: serde::Serialize + ?Sized>(
    out: &mut Vec<u8>,
    key: &str,
    value: &T,
) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(out, value)
}

/// `features` as `serde_json` writes [`Features`]: each zone an object of
/// its fields in declaration order.
fn write_features(out: &mut Vec<u8>, features: &Features) {
    for (key, zone) in [
        ("{\"all\":", &features.all),
        (",\"motorway\":", &features.motorway),
        (",\"city\":", &features.city),
        (",\"non_city\":", &features.non_city),
    ] {
        out.extend_from_slice(key.as_bytes());
        write_zone(out, zone);
    }
    out.push(b'}');
}

/// The pieces of a zone's JSON object: each field's key with what comes
/// before it (`{"name":` for the first, `,"name":` for the others), and
/// the whole object of a zone whose counts are all 0 (the zones of a trip
/// without road types or limits). The names are Rust identifiers (ASCII
/// letters, digits and `_`: nothing to escape).
struct ZoneText {
    keys: Vec<Box<[u8]>>,
    zeros: Box<[u8]>,
}

impl ZoneText {
    fn get() -> &'static Self {
        static TEXT: OnceLock<ZoneText> = OnceLock::new();
        TEXT.get_or_init(|| {
            let keys: Vec<Box<[u8]>> = ZoneFeatures::FIELD_NAMES
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let open = if i == 0 { '{' } else { ',' };
                    format!("{open}\"{name}\":").into_bytes().into_boxed_slice()
                })
                .collect();
            let mut zeros = Vec::new();
            for key in &keys {
                zeros.extend_from_slice(key);
                zeros.push(b'0');
            }
            zeros.push(b'}');
            Self {
                keys,
                zeros: zeros.into_boxed_slice(),
            }
        })
    }
}

/// One zone's fields as a JSON object, in declaration order.
fn write_zone(out: &mut Vec<u8>, zone: &ZoneFeatures) {
    const _: () = assert!(ZoneFeatures::FIELDS > 0, "the first key opens the object");
    let text = ZoneText::get();
    if *zone == ZoneFeatures::default() {
        out.extend_from_slice(&text.zeros);
        return;
    }
    let mut digits = itoa::Buffer::new();
    for (key, value) in text.keys.iter().zip(zone.to_array()) {
        out.extend_from_slice(key);
        if value == 0 {
            out.push(b'0');
        } else {
            out.extend_from_slice(digits.format(value).as_bytes());
        }
    }
    out.push(b'}');
}

#[cfg(test)]
#[path = "line_tests.rs"]
mod tests;
