//! A trip as GeoJSON (RFC 7946) Features: its path, each annotation, and
//! the sections too poor to judge, each with the trip's `event_id`; a bad
//! record as a Feature without geometry. The `geojson` command writes them
//! one per line (GeoJSON text sequences, RFC 8142 without the RS byte, as
//! GDAL's `GeoJSONSeq` driver reads them) or as one `FeatureCollection`.

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};

use crate::api::{ApiTime, SubsecDigits};
use crate::detect::AnnotationKind;
use crate::detect::TripAnalysis;
use crate::input::{RecordError, Trajectory};
use crate::output::record::TripRecord;

/// GeoJSON positions are `[longitude, latitude]`.
fn line(trip: &Trajectory, fixes: &[usize]) -> Geometry {
    let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
    if let [only] = fixes {
        return Geometry::new_point([lon[*only], lat[*only]]);
    }
    Geometry::new_line_string(fixes.iter().map(|&i| [lon[i], lat[i]]))
}

fn feature(geometry: Geometry, properties: JsonObject) -> Feature {
    Feature {
        bbox: None,
        geometry: Some(geometry),
        id: None,
        properties: Some(properties),
        foreign_members: None,
    }
}

fn time(trip: &Trajectory, fix: usize, ms: f64) -> JsonValue {
    #[allow(clippy::cast_possible_truncation, reason = "Unix ms fit in i64")]
    let ms = ms.round() as i64;
    ApiTime::from_epoch_ms(ms, trip.utc_offset_s()[fix], SubsecDigits::Millis)
        .map_or(JsonValue::Null, |t| JsonValue::String(t.to_string()))
}

/// The FeatureCollection of an analysed trip: the path (with `event_id`,
/// distance and scores), each annotation (kind, magnitude, peak m/s², hard,
/// start, end) and each invalid section.
///
/// # Example
/// ```
/// use tripscore::output::trip_geojson;
/// use tripscore::{analyze, parse_line, simulate_trip, trip_record, Config, RecordOptions, SimConfig, Trajectory};
/// let sim = simulate_trip(&SimConfig::default(), 0);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let config = Config::default();
/// let record = trip_record(&trip, &config, RecordOptions::default()).unwrap();
/// let fc = trip_geojson(&trip, &analyze(&trip, &config.detect), &record);
/// assert!(fc.features.len() > 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn trip_geojson(
    trip: &Trajectory,
    analysis: &TripAnalysis,
    record: &TripRecord,
) -> FeatureCollection {
    FeatureCollection {
        bbox: None,
        features: trip_features(trip, analysis, record),
        foreign_members: None,
    }
}

/// The Features of [`trip_geojson`], each with the trip's `event_id` (and
/// `user_id`): the path first, then invalid sections, then annotations.
#[must_use]
pub fn trip_features(
    trip: &Trajectory,
    analysis: &TripAnalysis,
    record: &TripRecord,
) -> Vec<Feature> {
    let clean = &analysis.clean;
    let mut features = Vec::new();
    let ids = || {
        let mut props = JsonObject::new();
        props.insert("event_id".into(), trip.event_id().into());
        if let Some(user) = trip.user_id() {
            props.insert("user_id".into(), user.into());
        }
        props
    };
    let mut props = ids();
    props.insert("feature".into(), "path".into());
    props.insert(
        "distance_m".into(),
        JsonValue::from(record.event.distance.round()),
    );
    if let Ok(scores) = serde_json::to_value(record.behavior_scores) {
        props.insert("scores".into(), scores);
    }
    features.push(feature(line(trip, &clean.fixes), props));
    for s in clean.sections.iter().filter(|s| !s.valid) {
        let mut props = ids();
        props.insert("feature".into(), "invalid_section".into());
        props.insert("fixes".into(), JsonValue::from(s.end - s.start));
        let t = &analysis.kinematics.time_ms;
        #[allow(clippy::cast_precision_loss, reason = "Unix ms below 2^53")]
        {
            props.insert(
                "start".into(),
                time(trip, clean.fixes[s.start], t[s.start] as f64),
            );
            props.insert(
                "end".into(),
                time(trip, clean.fixes[s.end - 1], t[s.end - 1] as f64),
            );
        }
        features.push(feature(line(trip, &clean.fixes[s.range()]), props));
    }
    for a in &analysis.annotations {
        let mut props = ids();
        props.insert("feature".into(), "annotation".into());
        let kind = a.kind.name();
        let group = match a.kind {
            AnnotationKind::Acceleration(_) => "acceleration",
            AnnotationKind::Turn(_) => "maneuver",
        };
        props.insert("kind".into(), kind.into());
        props.insert(group.into(), kind.into());
        props.insert(
            "magnitude".into(),
            JsonValue::from((a.magnitude() * 1000.0).round() / 1000.0),
        );
        props.insert(
            "peak_mps2".into(),
            JsonValue::from((a.peak_mps2 * 100.0).round() / 100.0),
        );
        props.insert("hard".into(), a.hard.into());
        props.insert(
            "start".into(),
            time(trip, clean.fixes[a.first_fix], a.start_ms),
        );
        props.insert("end".into(), time(trip, clean.fixes[a.last_fix], a.end_ms));
        features.push(feature(
            line(trip, &clean.fixes[a.first_fix..=a.last_fix]),
            props,
        ));
    }
    features
}

/// A bad record as a Feature without geometry: `feature: "error"`, and the
/// error line's `source`, `line`, `event_id` and `error` as properties, so
/// that every input record has its place in a GeoJSON output.
#[must_use]
pub fn error_feature(e: &RecordError) -> Feature {
    let mut props = match serde_json::to_value(e) {
        Ok(JsonValue::Object(map)) => map,
        _ => JsonObject::new(),
    };
    props.insert("feature".into(), "error".into());
    Feature {
        bbox: None,
        geometry: None,
        id: None,
        properties: Some(props),
        foreign_members: None,
    }
}
