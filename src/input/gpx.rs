//! GPX tracks: each `<trk>` is one trip, its segments joined in order.
//!
//! The trip's `event_id` is the track's `<name>` (derived when absent); its
//! `user_id` is the document's `<metadata><author><name>`. GPX times are UTC
//! (the `gpx` crate converts), so output timestamps are shown at `+00:00`.
//! `<speed>` (GPX 1.0, m/s) becomes km/h. A record's `line` is the 1-based
//! track number, since the GPX parser gives no positions.

use std::io::Read;
use std::sync::Arc;

use crate::input::trajectory::{FieldLayout, RawTrip};

use super::{ErrorKind, InputError, InputRecord, Payload, RecordPos};

fn track_to_raw(track: &gpx::Track, user_id: Option<&str>) -> Result<RawTrip, InputError> {
    let points: Vec<&gpx::Waypoint> = track.segments.iter().flat_map(|s| &s.points).collect();
    let n = points.len();
    let mut raw = RawTrip {
        user_id: user_id.map(str::to_owned),
        event_id: track.name.clone(),
        layout: FieldLayout::Gpx,
        ..RawTrip::default()
    };
    raw.lat_deg.reserve(n);
    raw.lon_deg.reserve(n);
    let has_times = points.iter().any(|p| p.time.is_some());
    let mut times = Vec::with_capacity(if has_times { n } else { 0 });
    let mut speeds = Vec::with_capacity(n);
    for (i, p) in points.iter().enumerate() {
        // geo's Point is (x = lon, y = lat).
        let point = p.point();
        raw.lat_deg.push(point.y());
        raw.lon_deg.push(point.x());
        speeds.push(p.speed.map(|mps| mps * 3.6));
        if has_times {
            let Some(time) = p.time else {
                return Err(InputError::new(
                    ErrorKind::Timestamp,
                    "point has no <time> while others do",
                )
                .with_field(format!("trkpt[{i}].time")));
            };
            let t = time::OffsetDateTime::from(time);
            let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).map_err(|_| {
                InputError::new(ErrorKind::Timestamp, "time out of range")
                    .with_field(format!("trkpt[{i}].time"))
            })?;
            times.push(ms);
        }
    }
    raw.time_ms = has_times.then_some(times);
    raw.speed_kmh = speeds.iter().any(Option::is_some).then_some(speeds);
    Ok(raw)
}

/// Reads a whole GPX document and yields one record per track.
///
/// A document that does not parse yields a single error record (line 1).
pub fn read_gpx<R: Read>(reader: R, source: &str) -> Vec<InputRecord> {
    let source: Arc<str> = source.into();
    let pos = |line| RecordPos {
        source: Arc::clone(&source),
        line,
    };
    let doc = match gpx::read(reader) {
        Ok(doc) => doc,
        Err(e) => {
            return vec![InputRecord {
                pos: pos(1),
                payload: Payload::Trip(Box::new(Err(InputError::new(
                    ErrorKind::Gpx,
                    e.to_string(),
                )))),
            }];
        }
    };
    let user_id = doc
        .metadata
        .as_ref()
        .and_then(|m| m.author.as_ref())
        .and_then(|a| a.name.as_deref());
    if doc.tracks.is_empty() {
        return vec![InputRecord {
            pos: pos(1),
            payload: Payload::Trip(Box::new(Err(InputError::new(
                ErrorKind::Gpx,
                "the document has no <trk>",
            )
            .with_field("trk")))),
        }];
    }
    doc.tracks
        .iter()
        .zip(1..)
        .map(|(track, number)| {
            let result = track_to_raw(track, user_id).map_err(|mut e| {
                e.event_id.clone_from(&track.name);
                e
            });
            InputRecord {
                pos: pos(number),
                payload: Payload::Trip(Box::new(result)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
<metadata><author><name>driver-7</name></author></metadata>
<trk><name>morning</name><trkseg>
<trkpt lat="48.1" lon="11.5"><time>2014-09-10T04:54:07Z</time></trkpt>
<trkpt lat="48.1001" lon="11.5"><time>2014-09-10T04:54:08Z</time></trkpt>
</trkseg><trkseg>
<trkpt lat="48.1002" lon="11.5"><time>2014-09-10T04:54:09Z</time></trkpt>
</trkseg></trk>
<trk><trkseg><trkpt lat="48.1" lon="11.5"></trkpt></trkseg></trk>
</gpx>"#;

    #[test]
    fn each_track_is_a_trip_with_joined_segments() {
        let recs = read_gpx(DOC.as_bytes(), "t.gpx");
        assert_eq!(recs.len(), 2);
        let Payload::Trip(first) = &recs[0].payload else {
            panic!()
        };
        let first = first.as_ref().as_ref().unwrap();
        assert_eq!(first.lat_deg, vec![48.1, 48.1001, 48.1002]);
        assert_eq!(first.lon_deg, vec![11.5; 3]);
        assert_eq!(first.event_id.as_deref(), Some("morning"));
        assert_eq!(first.user_id.as_deref(), Some("driver-7"));
        assert_eq!(
            first.time_ms.as_ref().unwrap()[2] - first.time_ms.as_ref().unwrap()[0],
            2000
        );
        assert_eq!(recs[1].pos.line, 2);
    }

    #[test]
    fn broken_document_is_one_error_record() {
        let recs = read_gpx("<gpx><trk>".as_bytes(), "bad.gpx");
        assert_eq!(recs.len(), 1);
        assert!(matches!(&recs[0].payload, Payload::Trip(r) if r.is_err()));
    }
}
