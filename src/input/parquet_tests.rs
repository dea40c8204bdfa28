use std::sync::Arc;

use arrow_array::builder::{
    Float32Builder, Float64Builder, LargeStringBuilder, ListBuilder, TimestampSecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};

use super::ArrowTrips;
use crate::input::{ErrorKind, InputError, Payload, RawTrip};

/// The records `ArrowTrips` reads from `batch`.
fn read(batch: RecordBatch) -> Vec<Result<RawTrip, InputError>> {
    ArrowTrips::new([Ok::<_, String>(batch)].into_iter(), "t")
        .map(|record| match record.unwrap().payload {
            Payload::Trip(trip) => *trip,
            Payload::JsonLine(_) => panic!("trip rows give trips"),
        })
        .collect()
}

const T0_S: i64 = 1_553_240_265;

/// Trip rows whose columns take the readers' other paths: latitudes and
/// longitudes as 32-bit floats, times as second timestamps, a speed list
/// with a null, road types as large text; the second trip has a null
/// latitude.
fn other_types() -> RecordBatch {
    let mut lat = ListBuilder::new(Float32Builder::new());
    let mut lon = ListBuilder::new(Float32Builder::new());
    let mut t = ListBuilder::new(TimestampSecondBuilder::new());
    let mut speed = ListBuilder::new(Float64Builder::new());
    let mut road = ListBuilder::new(LargeStringBuilder::new());
    for trip in 0..2_i64 {
        lat.append_value([Some(50.0), (trip == 0).then_some(50.001), Some(50.002)]);
        lon.append_value([Some(4.0_f32); 3]);
        t.append_value((0..3).map(|k| Some(T0_S + 10 * k)));
        speed.append_value([Some(36.0), None, Some(36.0)]);
        road.append_value([Some("motorway"), None, Some("primary")]);
    }
    let column = |a: &mut dyn arrow_array::builder::ArrayBuilder| -> ArrayRef { a.finish() };
    RecordBatch::try_from_iter([
        ("lat", column(&mut lat)),
        ("lon", column(&mut lon)),
        ("t_ms", column(&mut t)),
        ("speed_kmh", column(&mut speed)),
        ("road_type", column(&mut road)),
    ])
    .unwrap()
}

#[test]
fn other_column_types_read_like_doubles_and_milliseconds() {
    let trips = read(other_types());
    assert_eq!(trips.len(), 2);
    let first = trips[0].as_ref().unwrap();
    assert_eq!(
        first.lat_deg,
        [50.0_f32, 50.001, 50.002].map(f64::from).to_vec()
    );
    assert_eq!(first.lon_deg, vec![4.0; 3]);
    assert_eq!(
        first.time_ms,
        Some(vec![
            T0_S * 1000,
            T0_S * 1000 + 10_000,
            T0_S * 1000 + 20_000
        ])
    );
    assert_eq!(first.speed_kmh, Some(vec![Some(36.0), None, Some(36.0)]));
    let roads = first.road_type.as_ref().unwrap();
    assert_eq!(
        (roads.get(0), roads.get(1), roads.get(2)),
        (Some("motorway"), None, Some("primary"))
    );
    let e = trips[1].as_ref().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Coordinate);
    assert_eq!(e.field.as_deref(), Some("lat[1]"));
}

/// The doubles' and the 64-bit times' own paths with a null: the same
/// errors as the converted ones.
#[test]
fn a_null_double_latitude_or_time_is_named() {
    let mut lat = ListBuilder::new(Float64Builder::new());
    lat.append_value([Some(50.0), None]);
    lat.append_value([Some(50.0), Some(50.001)]);
    let mut lon = ListBuilder::new(Float64Builder::new());
    let mut t = ListBuilder::new(arrow_array::builder::Int64Builder::new());
    for _ in 0..2 {
        lon.append_value([Some(4.0), Some(4.0)]);
        t.append_value([Some(T0_S * 1000), None]);
    }
    let batch = RecordBatch::try_from_iter([
        ("lat", Arc::new(lat.finish()) as ArrayRef),
        ("lon", Arc::new(lon.finish())),
        ("t_ms", Arc::new(t.finish())),
    ])
    .unwrap();
    let trips = read(batch);
    let fields: Vec<_> = trips
        .iter()
        .map(|t| t.as_ref().unwrap_err().field.clone())
        .collect();
    assert_eq!(fields, [Some("lat[1]".into()), Some("t_ms[1]".into())]);
}

/// Trip rows in the compact form: a polyline per row (precision 5 unless a
/// `precision` column says otherwise) and the times; a null, a broken
/// polyline and an unknown precision are each their row's error.
#[test]
fn encoded_rows_decode_their_polylines() {
    let encoded = arrow_array::StringArray::from(vec![
        Some("_p~iF~ps|U_ulLnnqC"),
        None,
        Some("_p~iF~ps|U_ulLnnq"),
        Some("_p~iF~ps|U_ulLnnqC"),
    ]);
    let precision = arrow_array::Int32Array::from(vec![Some(5), Some(5), None, Some(7)]);
    let mut t = ListBuilder::new(arrow_array::builder::Int64Builder::new());
    for _ in 0..4 {
        t.append_value([Some(T0_S * 1000), Some(T0_S * 1000 + 10_000)]);
    }
    let batch = RecordBatch::try_from_iter([
        ("encoded", Arc::new(encoded) as ArrayRef),
        ("precision", Arc::new(precision)),
        ("timestamps_ms", Arc::new(t.finish())),
    ])
    .unwrap();
    let trips = read(batch);
    let first = trips[0].as_ref().unwrap();
    assert_eq!(first.lat_deg, vec![38.5, 40.7]);
    assert_eq!(first.lon_deg, vec![-120.2, -120.95]);
    let errors: Vec<_> = trips[1..]
        .iter()
        .map(|t| {
            let e = t.as_ref().unwrap_err();
            (e.kind, e.field.clone().unwrap())
        })
        .collect();
    assert_eq!(
        errors,
        [
            (ErrorKind::Field, "encoded".to_owned()),
            (ErrorKind::Polyline, "encoded".to_owned()),
            (ErrorKind::Field, "precision".to_owned()),
        ]
    );
}

/// A speed column named in m/s (trip rows) or mph (fix rows) is read in
/// that unit, as from CSV.
#[test]
fn a_speed_column_is_read_in_the_unit_its_name_gives() {
    let mut lat = ListBuilder::new(Float64Builder::new());
    let mut lon = ListBuilder::new(Float64Builder::new());
    let mut t = ListBuilder::new(arrow_array::builder::Int64Builder::new());
    let mut speed = ListBuilder::new(Float64Builder::new());
    lat.append_value([Some(50.0), Some(50.001)]);
    lon.append_value([Some(4.0), Some(4.0)]);
    t.append_value([Some(T0_S * 1000), Some(T0_S * 1000 + 1000)]);
    speed.append_value([Some(10.0), None]);
    let column = |a: &mut dyn arrow_array::builder::ArrayBuilder| -> ArrayRef { a.finish() };
    let batch = RecordBatch::try_from_iter([
        ("lat", column(&mut lat)),
        ("lon", column(&mut lon)),
        ("t_ms", column(&mut t)),
        ("speed_mps", column(&mut speed)),
    ])
    .unwrap();
    let trip = read(batch).remove(0).unwrap();
    assert_eq!(trip.speed_kmh, Some(vec![Some(36.0), None]));

    let batch = RecordBatch::try_from_iter([
        (
            "lat",
            Arc::new(arrow_array::Float64Array::from(vec![50.0, 50.001])) as ArrayRef,
        ),
        (
            "lon",
            Arc::new(arrow_array::Float64Array::from(vec![4.0, 4.0])),
        ),
        (
            "timestamp_ms",
            Arc::new(arrow_array::Int64Array::from(vec![
                T0_S * 1000,
                T0_S * 1000 + 1000,
            ])),
        ),
        (
            "Speed (mph)",
            Arc::new(arrow_array::Float64Array::from(vec![Some(10.0), None])),
        ),
    ])
    .unwrap();
    let trip = read(batch).remove(0).unwrap();
    assert_eq!(trip.speed_kmh, Some(vec![Some(16.093_44), None]));
}

/// A fix-row table as Spark or pandas write one: the trip as `trip_id`,
/// the user as `vehicle_id`, a logger's `gps_` names, the time as Unix
/// seconds (Spark's `unix_timestamp`, an integer; or a double with a
/// fraction). A time named for ms stays ms, and a number that is no Unix
/// time is an error naming the row.
#[test]
fn a_fix_table_with_unix_seconds_and_aliases_is_read() {
    use arrow_array::{Float64Array, Int64Array, StringArray};
    let batch = |time_name: &str, time: ArrayRef| {
        RecordBatch::try_from_iter([
            (
                "vehicle_id",
                Arc::new(StringArray::from(vec!["v", "v", "v"])) as ArrayRef,
            ),
            ("trip_id", Arc::new(StringArray::from(vec!["a", "a", "b"]))),
            (
                "GPS_Lat",
                Arc::new(Float64Array::from(vec![50.0, 50.001, 51.0])),
            ),
            ("gps_lon", Arc::new(Float64Array::from(vec![4.0, 4.0, 5.0]))),
            (time_name, time),
        ])
        .unwrap()
    };
    let seconds = Arc::new(Int64Array::from(vec![T0_S, T0_S + 1, T0_S + 2])) as ArrayRef;
    let trips = read(batch("unix_time", seconds.clone()));
    assert_eq!(trips.len(), 2);
    let a = trips[0].as_ref().unwrap();
    assert_eq!(a.user_id.as_deref(), Some("v"));
    assert_eq!(a.event_id.as_deref(), Some("a"));
    assert_eq!(a.lat_deg, vec![50.0, 50.001]);
    assert_eq!(a.time_ms, Some(vec![T0_S * 1000, T0_S * 1000 + 1000]));
    assert_eq!(trips[1].as_ref().unwrap().event_id.as_deref(), Some("b"));
    #[allow(clippy::cast_precision_loss, reason = "a 2019 time in seconds")]
    let t0 = T0_S as f64;
    let fraction = Arc::new(Float64Array::from(vec![t0 + 0.25, t0 + 1.25, t0])) as ArrayRef;
    let a = read(batch("timestamp", fraction)).remove(0).unwrap();
    assert_eq!(a.time_ms, Some(vec![T0_S * 1000 + 250, T0_S * 1000 + 1250]));
    // Named for ms, seconds are read as ms: 1970, which the trip check refuses.
    let a = read(batch("timestamp_ms", seconds)).remove(0).unwrap();
    assert_eq!(a.time_ms, Some(vec![T0_S, T0_S + 1]));
    let relative = Arc::new(Float64Array::from(vec![0.0, 1.0, 2.0])) as ArrayRef;
    let e = read(batch("time", relative)).remove(0).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("timestamp (row 1)"));
    assert!(e.message.contains("not a Unix time"), "{}", e.message);
}

/// A trip-row table whose time list is named `timestamp` (not for ms)
/// holds Unix seconds as numbers; `t_ms` lists stay ms.
#[test]
fn a_time_list_not_named_for_ms_is_seconds_or_ms_by_size() {
    let mut lat = ListBuilder::new(Float64Builder::new());
    let mut lon = ListBuilder::new(Float64Builder::new());
    let mut t = ListBuilder::new(Float64Builder::new());
    lat.append_value([Some(50.0), Some(50.001)]);
    lon.append_value([Some(4.0), Some(4.0)]);
    #[allow(clippy::cast_precision_loss, reason = "a 2019 time in seconds")]
    let t0 = T0_S as f64;
    t.append_value([Some(t0), Some(t0 + 1.5)]);
    let column = |a: &mut dyn arrow_array::builder::ArrayBuilder| -> ArrayRef { a.finish() };
    let batch = RecordBatch::try_from_iter([
        (
            "trip_id",
            Arc::new(arrow_array::StringArray::from(vec!["a"])) as ArrayRef,
        ),
        ("lat", column(&mut lat)),
        ("lon", column(&mut lon)),
        ("timestamp", column(&mut t)),
    ])
    .unwrap();
    let trip = read(batch).remove(0).unwrap();
    assert_eq!(trip.event_id.as_deref(), Some("a"));
    assert_eq!(trip.time_ms, Some(vec![T0_S * 1000, T0_S * 1000 + 1500]));
}
