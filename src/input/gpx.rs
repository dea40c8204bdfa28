//! GPX tracks, streamed: each `<trk>` is one trip, its segments joined in order.
//!
//! The trip's `event_id` is the track's `<name>` (derived when absent); its
//! `user_id` is the document's `<metadata><author><name>` (GPX 1.1) or
//! `<author>` (GPX 1.0). Times are read as UTC and shown at `+00:00` (an
//! `xsd:dateTime` without a zone is UTC). A `<speed>` inside a point (GPX 1.0,
//! or an extension such as Garmin's `gpxtpx:speed`), in m/s, becomes km/h. A
//! record's `line` is the 1-based track number.
//!
//! Read by hand over `quick-xml` events rather than with the `gpx` crate,
//! which reads the whole document into memory and fails it as a whole on one
//! bad point: here one track is held at a time (memory bounded by the
//! largest track), and a bad track is one error record naming it while the
//! other tracks are scored. An XML syntax error ends the document (XML cannot
//! be resumed after one) with an error record; the tracks before it stand.

use std::io::BufRead;
use std::sync::Arc;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

use crate::api::rfc3339_epoch_ms;
use crate::input::trajectory::{FieldLayout, RawTrip};

use super::open::RunTooLong;
use super::{ErrorKind, InputError, InputRecord};

/// The elements the reader acts on; everything else is skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Elem {
    Gpx,
    Metadata,
    /// `<metadata><author>` (1.1: has a `<name>`) or `<gpx><author>` (1.0: text).
    Author,
    AuthorName,
    Trk,
    TrkName,
    TrkSeg,
    TrkPt,
    Time,
    Speed,
    Other,
}

/// One track as read so far.
#[derive(Default)]
struct Track {
    name: Option<String>,
    lat_deg: Vec<f64>,
    lon_deg: Vec<f64>,
    time_ms: Vec<Option<i64>>,
    speed_kmh: Vec<Option<f64>>,
    /// The text of the current point's `<time>` and `<speed>`.
    time_text: String,
    speed_text: String,
    /// The first problem found; the track becomes an error record.
    error: Option<InputError>,
}

impl Track {
    fn fail(&mut self, error: InputError) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    /// A point starts: its coordinates from the attributes.
    fn start_point(&mut self, e: &BytesStart<'_>) {
        let i = self.lat_deg.len();
        let mut coordinate = |key: &str, name: &str| -> f64 {
            let value = e
                .try_get_attribute(key)
                .ok()
                .flatten()
                .map(|a| a.value.trim().parse::<f64>());
            match value {
                Some(Ok(v)) => v,
                Some(Err(_)) => {
                    self.fail(
                        InputError::new(ErrorKind::Coordinate, "not a number")
                            .with_field(format!("trkpt[{i}].{name}")),
                    );
                    f64::NAN
                }
                None => {
                    self.fail(
                        InputError::new(ErrorKind::Coordinate, "attribute missing")
                            .with_field(format!("trkpt[{i}].{name}")),
                    );
                    f64::NAN
                }
            }
        };
        let lat = coordinate("lat", "lat");
        let lon = coordinate("lon", "lon");
        self.lat_deg.push(lat);
        self.lon_deg.push(lon);
        self.time_text.clear();
        self.speed_text.clear();
    }

    /// The current point ends: its time and speed from the texts read.
    fn end_point(&mut self) {
        let i = self.lat_deg.len() - 1;
        let time = self.time_text.trim();
        let time_ms = if time.is_empty() {
            None
        } else {
            // xsd:dateTime may leave out the zone: UTC then.
            let parsed = rfc3339_epoch_ms(time).or_else(|e| {
                let zoned = format!("{time}Z");
                rfc3339_epoch_ms(&zoned).map_err(|_| e)
            });
            match parsed {
                Ok((ms, _offset_s)) => Some(ms),
                Err(e) => {
                    self.fail(
                        InputError::new(ErrorKind::Timestamp, format!("{time:?}: {e}"))
                            .with_field(format!("trkpt[{i}].time")),
                    );
                    None
                }
            }
        };
        let speed = self.speed_text.trim();
        let speed_kmh = if speed.is_empty() {
            None
        } else if let Ok(mps) = speed.parse::<f64>() {
            Some(mps * 3.6)
        } else {
            self.fail(
                InputError::new(ErrorKind::Value, format!("{speed:?} is not a number"))
                    .with_field(format!("trkpt[{i}].speed")),
            );
            None
        };
        self.time_ms.push(time_ms);
        self.speed_kmh.push(speed_kmh);
    }

    fn into_raw(self, user_id: Option<&str>) -> Result<RawTrip, InputError> {
        let name = self.name.clone();
        let with_id = |mut e: InputError| {
            e.event_id.clone_from(&name);
            e
        };
        if let Some(e) = self.error {
            return Err(with_id(e));
        }
        let has_times = self.time_ms.iter().any(Option::is_some);
        let time_ms = if has_times {
            let times: Option<Vec<i64>> = self.time_ms.iter().copied().collect();
            if times.is_none() {
                let i = self.time_ms.iter().position(Option::is_none).unwrap_or(0);
                return Err(with_id(
                    InputError::new(ErrorKind::Timestamp, "point has no <time> while others do")
                        .with_field(format!("trkpt[{i}].time")),
                ));
            }
            times
        } else {
            None
        };
        let has_speeds = self.speed_kmh.iter().any(Option::is_some);
        Ok(RawTrip {
            user_id: user_id.map(str::to_owned),
            event_id: self.name,
            layout: FieldLayout::Gpx,
            lat_deg: self.lat_deg,
            lon_deg: self.lon_deg,
            time_ms,
            speed_kmh: has_speeds.then_some(self.speed_kmh),
            ..RawTrip::default()
        })
    }
}

/// Reads a GPX document as a stream and yields one record per track.
///
/// A document that cannot be read yields an error record (kind `gpx`) at the
/// track where reading stopped; one without tracks, an error record at line 1.
///
/// # Example
/// ```
/// use tripscore::input::GpxReader;
/// let doc = r#"<gpx version="1.1" creator="t"><trk><name>a</name><trkseg>
///   <trkpt lat="48.1" lon="11.5"><time>2014-09-10T04:54:07Z</time></trkpt>
///   <trkpt lat="48.1001" lon="11.5"><time>2014-09-10T04:54:08Z</time></trkpt>
/// </trkseg></trk><trk><name>b</name><trkseg><trkpt lat="91" lon="11.5"/>
/// </trkseg></trk></gpx>"#;
/// let trips: Vec<_> = GpxReader::new(doc.as_bytes(), "t.gpx")
///     .map(|r| r.map(|rec| rec.into_trajectory()))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(trips.len(), 2);
/// assert_eq!(trips[0].as_ref().map(|t| t.len()).ok(), Some(2));
/// let err = trips[1].as_ref().unwrap_err();
/// assert_eq!((err.line, err.event_id.as_deref()), (2, Some("b")));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct GpxReader<R> {
    xml: quick_xml::Reader<R>,
    source: Arc<str>,
    buf: Vec<u8>,
    stack: Vec<Elem>,
    user_id: Option<String>,
    track: Option<Track>,
    tracks: u64,
    done: bool,
}

impl<R: BufRead> GpxReader<R> {
    /// Reads GPX from `reader`, naming records after `source`.
    pub fn new(reader: R, source: &str) -> Self {
        Self {
            xml: quick_xml::Reader::from_reader(reader),
            source: source.into(),
            buf: Vec::new(),
            stack: Vec::new(),
            user_id: None,
            track: None,
            tracks: 0,
            done: false,
        }
    }

    fn record(&self, line: u64, result: Result<RawTrip, InputError>) -> InputRecord {
        InputRecord::trip(&self.source, line, result)
    }

    /// Ends reading with an error record at the current (or next) track.
    fn fail(&mut self, kind: ErrorKind, message: String) -> InputRecord {
        self.done = true;
        let name = self.track.take().and_then(|t| t.name);
        let line = self.tracks + 1;
        let mut e = InputError::new(kind, message);
        e.event_id = name;
        self.record(line, Err(e))
    }

    /// The element a start tag opens, given where it is.
    fn classify(&self, local: &str) -> Elem {
        let parent = self.stack.last().copied();
        match (parent, local) {
            (None, "gpx") => Elem::Gpx,
            (Some(Elem::Gpx), "metadata") => Elem::Metadata,
            (Some(Elem::Gpx | Elem::Metadata), "author") => Elem::Author,
            (Some(Elem::Author), "name") => Elem::AuthorName,
            (Some(Elem::Gpx), "trk") => Elem::Trk,
            (Some(Elem::Trk), "name") => Elem::TrkName,
            (Some(Elem::Trk), "trkseg") => Elem::TrkSeg,
            (Some(Elem::TrkSeg), "trkpt") => Elem::TrkPt,
            (Some(Elem::TrkPt), "time") => Elem::Time,
            (Some(_), "speed") if self.stack.contains(&Elem::TrkPt) => Elem::Speed,
            _ => Elem::Other,
        }
    }

    fn text(&mut self, text: &str) {
        let Some(&top) = self.stack.last() else {
            return;
        };
        match (top, self.track.as_mut()) {
            (Elem::TrkName, Some(t)) => t.name.get_or_insert_with(String::new).push_str(text),
            (Elem::Time, Some(t)) => t.time_text.push_str(text),
            (Elem::Speed, Some(t)) => t.speed_text.push_str(text),
            (Elem::AuthorName, _) => self.user_id.get_or_insert_with(String::new).push_str(text),
            // GPX 1.0: <author> is the name itself.
            (Elem::Author, _) if self.stack.len() == 2 => {
                let text = text.trim();
                if !text.is_empty() {
                    self.user_id.get_or_insert_with(String::new).push_str(text);
                }
            }
            _ => {}
        }
    }

    /// An element opens (`empty`: and closes at once). Returns an error message
    /// when the document is not GPX.
    fn open(&mut self, e: &BytesStart<'_>, empty: bool) -> Option<String> {
        let elem = self.classify(e.local_name().as_ref());
        if self.stack.is_empty() && elem != Elem::Gpx {
            let name = e.name().as_ref().to_owned();
            return Some(format!("not a GPX document: the root element is <{name}>"));
        }
        match elem {
            Elem::Trk => self.track = Some(Track::default()),
            Elem::TrkPt => {
                if let Some(t) = self.track.as_mut() {
                    t.start_point(e);
                    if empty {
                        t.end_point();
                    }
                }
            }
            _ => {}
        }
        if !empty {
            self.stack.push(elem);
        }
        None
    }

    /// An element closes; a finished track is returned.
    fn close(&mut self) -> Option<InputRecord> {
        match self.stack.pop()? {
            Elem::TrkPt => {
                if let Some(t) = self.track.as_mut() {
                    t.end_point();
                }
                None
            }
            Elem::Trk => {
                let track = self.track.take()?;
                self.tracks += 1;
                let result = track.into_raw(self.user_id.as_deref());
                Some(self.record(self.tracks, result))
            }
            _ => None,
        }
    }
}

impl<R: BufRead> Iterator for GpxReader<R> {
    type Item = std::io::Result<InputRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(quick_xml::Error::Io(e)) => {
                    if let Some(limit) = RunTooLong::of(&e) {
                        let message = format!("{limit}; the rest of the document is skipped");
                        return Some(Ok(self.fail(ErrorKind::TooLarge, message)));
                    }
                    self.done = true;
                    return Some(Err(std::io::Error::new(e.kind(), e.to_string())));
                }
                Err(e) => {
                    let at = self.xml.error_position();
                    return Some(Ok(
                        self.fail(ErrorKind::Gpx, format!("XML error at byte {at}: {e}"))
                    ));
                }
            };
            match event {
                Event::Start(e) => {
                    if let Some(message) = self.open(&e, false) {
                        return Some(Ok(self.fail(ErrorKind::Gpx, message)));
                    }
                }
                Event::Empty(e) => {
                    if let Some(message) = self.open(&e, true) {
                        return Some(Ok(self.fail(ErrorKind::Gpx, message)));
                    }
                }
                Event::End(_) => {
                    if let Some(record) = self.close() {
                        return Some(Ok(record));
                    }
                }
                Event::Text(t) => self.text(&t.xml10_content()),
                Event::CData(t) => self.text(&t.into_inner()),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        _ => resolve_predefined_entity(&r.into_inner()).map(str::to_owned),
                    };
                    if let Some(text) = resolved {
                        self.text(&text);
                    }
                }
                Event::Eof => {
                    self.done = true;
                    if self.track.is_some() || !self.stack.is_empty() {
                        let message = "the document ends inside an element".to_owned();
                        return Some(Ok(self.fail(ErrorKind::Gpx, message)));
                    }
                    if self.tracks == 0 {
                        return Some(Ok(self.record(
                            1,
                            Err(InputError::new(ErrorKind::Gpx, "the document has no <trk>")
                                .with_field("trk")),
                        )));
                    }
                    return None;
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Payload;

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

    fn read(doc: &str) -> Vec<InputRecord> {
        GpxReader::new(doc.as_bytes(), "t.gpx")
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn raw(rec: &InputRecord) -> Result<&RawTrip, &InputError> {
        let Payload::Trip(trip) = &rec.payload else {
            panic!("GPX records are split trips")
        };
        trip.as_ref().as_ref()
    }

    #[test]
    fn each_track_is_a_trip_with_joined_segments() {
        let recs = read(DOC);
        assert_eq!(recs.len(), 2);
        let first = raw(&recs[0]).unwrap();
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
        let recs = read("<gpx><trk>");
        assert_eq!(recs.len(), 1);
        assert_eq!(raw(&recs[0]).unwrap_err().kind, ErrorKind::Gpx);
    }

    /// Issue #18 row 1: one bad track among good ones is one error record
    /// naming the track; the tracks around it are read.
    #[test]
    fn a_bad_track_is_its_own_error_record() {
        let doc = DOC.replace(
            "<trk><trkseg>",
            r#"<trk><name>bad &amp; late</name><trkseg><trkpt lat="x" lon="1"/></trkseg></trk><trk><trkseg>"#,
        );
        let recs = read(&doc);
        assert_eq!(recs.len(), 3);
        assert!(raw(&recs[0]).is_ok());
        let e = raw(&recs[1]).unwrap_err();
        assert_eq!(recs[1].pos.line, 2);
        assert_eq!(e.event_id.as_deref(), Some("bad & late"));
        assert_eq!(e.field.as_deref(), Some("trkpt[0].lat"));
        assert!(raw(&recs[2]).is_ok());
    }

    #[test]
    fn xml_error_keeps_the_tracks_before_it() {
        let doc = DOC.replace(
            "</gpx>",
            "<trk><name>cut</name><trkseg><trkpt lat=\"1\" lon=</gpx>",
        );
        let recs = read(&doc);
        assert_eq!(recs.len(), 3);
        assert!(raw(&recs[0]).is_ok() && raw(&recs[1]).is_ok());
        let e = raw(&recs[2]).unwrap_err();
        assert_eq!((e.kind, recs[2].pos.line), (ErrorKind::Gpx, 3));
        assert_eq!(e.event_id.as_deref(), Some("cut"));
    }

    #[test]
    fn speeds_times_and_versions() {
        let doc = r#"<gpx version="1.0"><author>ann</author><trk><trkseg>
            <trkpt lat="1" lon="2"><time>2020-01-01T00:00:00</time><speed>10</speed></trkpt>
            <trkpt lat="1" lon="2"><time>2020-01-01T01:00:01+01:00</time>
              <extensions><gpxtpx:TrackPointExtension><gpxtpx:speed>5</gpxtpx:speed></gpxtpx:TrackPointExtension></extensions></trkpt>
            </trkseg></trk></gpx>"#;
        let recs = read(doc);
        let trip = raw(&recs[0]).unwrap();
        assert_eq!(trip.user_id.as_deref(), Some("ann"));
        assert_eq!(
            trip.time_ms,
            Some(vec![1_577_836_800_000, 1_577_836_801_000])
        );
        assert_eq!(trip.speed_kmh, Some(vec![Some(36.0), Some(18.0)]));
    }

    #[test]
    fn not_gpx_and_no_tracks() {
        let recs = read("<kml></kml>");
        assert!(
            raw(&recs[0])
                .unwrap_err()
                .message
                .contains("root element is <kml>")
        );
        let recs = read("<gpx></gpx>");
        assert_eq!(raw(&recs[0]).unwrap_err().field.as_deref(), Some("trk"));
        let recs = read(
            r#"<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>2020-01-01T00:00:00Z</time></trkpt><trkpt lat="1" lon="2"/></trkseg></trk></gpx>"#,
        );
        assert_eq!(
            raw(&recs[0]).unwrap_err().field.as_deref(),
            Some("trkpt[1].time")
        );
    }
}
