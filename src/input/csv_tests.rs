use super::*;

fn read(text: &str) -> Vec<Result<RawTrip, InputError>> {
    CsvReader::new(text.as_bytes(), "t.csv")
        .map(|r| match r.unwrap().payload {
            Payload::Trip(t) => *t,
            Payload::JsonLine(_) => unreachable!(),
        })
        .collect()
}

#[test]
fn groups_consecutive_rows_by_user_and_event() {
    let text = "user_id,event_id,latitude,longitude,timestamp,speed\n\
                u,a,50.0,4.0,2019-03-22T08:37:45Z,10\n\
                u,a,50.1,4.1,2019-03-22T08:37:46Z,\n\
                u,b,51.0,5.0,2019-03-22T09:00:00+01:00,12\n";
    let trips = read(text);
    assert_eq!(trips.len(), 2);
    let a = trips[0].as_ref().unwrap();
    assert_eq!(a.event_id.as_deref(), Some("a"));
    assert_eq!(a.lat_deg, vec![50.0, 50.1]);
    assert_eq!(a.speed_kmh, Some(vec![Some(10.0), None]));
    assert_eq!(a.layout, FieldLayout::Rows(vec![2, 3]));
    let b = trips[1].as_ref().unwrap();
    assert_eq!(b.utc_offset_s, vec![3600]);
}

#[test]
fn a_bad_cell_fails_its_trip_only() {
    let text = "event_id,lat,lon,timestamp_ms\n\
                a,50.0,4.0,1553240265000\n\
                a,abc,4.0,1553240266000\n\
                b,50.0,4.0,1553240265000\n\
                b,50.1,4.0,1553240266000\n";
    let trips = read(text);
    assert_eq!(trips.len(), 2);
    let e = trips[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("latitude (line 3)"));
    assert!(trips[1].is_ok());
}

#[test]
fn non_contiguous_trip_is_reported() {
    let text = "event_id,lat,lon,timestamp_ms\na,1,1,1553240265000\nb,1,1,1553240265000\na,1,1,1553240266000\n";
    let trips = read(text);
    assert_eq!(trips.len(), 3);
    assert!(
        trips[2]
            .as_ref()
            .unwrap_err()
            .message
            .contains("not contiguous")
    );
}

#[test]
fn missing_columns_is_one_error_record() {
    let trips = read("event_id,lat\na,1\n");
    assert_eq!(trips.len(), 1);
    assert_eq!(
        trips[0].as_ref().unwrap_err().field.as_deref(),
        Some("header")
    );
}

#[test]
fn invalid_utf8_row_fails_the_trip_being_read() {
    let mut text = b"event_id,lat,lon,timestamp_ms\na,1,1,1553240265000\na,1,".to_vec();
    text.extend_from_slice(&[0xff, 0xfe]);
    text.extend_from_slice(b",1553240266000\nb,1,1,1553240265000\nb,1,2,1553240266000\n");
    let trips: Vec<_> = CsvReader::new(text.as_slice(), "t.csv")
        .map(|r| match r.unwrap().payload {
            Payload::Trip(t) => *t,
            Payload::JsonLine(_) => unreachable!(),
        })
        .collect();
    assert_eq!(trips.len(), 2);
    assert_eq!(trips[0].as_ref().unwrap_err().kind, ErrorKind::Csv);
    assert!(trips[1].is_ok());
}

#[test]
fn a_speed_column_is_read_in_the_unit_its_name_gives() {
    let text = "event_id,Latitude,Long,timestamp_ms,Speed (m/s),Horizontal Accuracy (m)\n\
                a,50.0,4.0,1553240265000,10,4.5\n\
                a,50.1,4.1,1553240266000,,\n";
    let a = read(text).remove(0).unwrap();
    assert_eq!(a.lon_deg, vec![4.0, 4.1]);
    assert_eq!(a.speed_kmh, Some(vec![Some(36.0), None]));
    assert_eq!(a.accuracy_m, Some(vec![Some(4.5), None]));
    let mph = read("lat,lon,timestamp_ms,speed_mph\n1,1,1553240265000,10\n").remove(0);
    assert_eq!(mph.unwrap().speed_kmh, Some(vec![Some(16.093_44)]));
}

/// GPSLogger for Android's CSV (its first columns, as it writes them): the
/// time in `time`, the speed in m/s under a bare `speed`.
#[test]
fn gpsloggers_csv_reads_its_time_and_speed_in_metres_per_second() {
    let text = "time,lat,lon,elevation,accuracy,bearing,speed,satellites,provider,hdop\n\
                2019-05-23T20:54:11.000Z,41.25787,-95.984253,300.0,5.0,,13.5,12,gps,1.0\n\
                2019-05-23T20:54:12.000Z,41.257877,-95.984428,300.0,5.0,271.0,,12,gps,1.0\n";
    let a = read(text).remove(0).unwrap();
    assert_eq!(a.time_ms, Some(vec![1_558_644_851_000, 1_558_644_852_000]));
    assert_eq!(a.speed_kmh, Some(vec![Some(13.5 * 3.6), None]));
    assert_eq!(a.accuracy_m, Some(vec![Some(5.0), Some(5.0)]));
    // Elsewhere a bare `speed` is km/h, the API's unit, and `timestamp_ms`
    // names the time before `time` does.
    let text = "time,lat,lon,speed,timestamp_ms\nx,1,1,13.5,1553240265000\n";
    let b = read(text).remove(0).unwrap();
    assert_eq!(b.speed_kmh, Some(vec![Some(13.5)]));
    assert_eq!(b.time_ms, Some(vec![1_553_240_265_000]));
}

/// SensorLog (iOS): the location's time in Unix seconds with a fraction,
/// its names prefixed `location` and suffixed with their units, -1 for an
/// invalid speed.
#[test]
fn sensorlogs_csv_reads_its_seconds_and_metres_per_second() {
    let text = "loggingTime(txt),loggingSample(N),locationTimestamp_since1970(s),\
                locationLatitude(WGS84),locationLongitude(WGS84),locationAltitude(m),\
                locationSpeed(m/s),locationSpeedAccuracy(m/s),locationCourse(°),\
                locationHorizontalAccuracy(m)\n\
                2019-05-23 22:54:11.123 +0200,0,1558644851.123,41.25787,-95.984253,300,13.5,0.4,270,4.7\n\
                2019-05-23 22:54:12.123 +0200,1,1558644852.123,41.257877,-95.984428,300,-1,-1,-1,65\n";
    let a = read(text).remove(0).unwrap();
    assert_eq!(a.time_ms, Some(vec![1_558_644_851_123, 1_558_644_852_123]));
    assert_eq!(a.lat_deg, vec![41.257_87, 41.257_877]);
    assert_eq!(a.speed_kmh, Some(vec![Some(13.5 * 3.6), Some(-3.6)]));
    assert_eq!(a.accuracy_m, Some(vec![Some(4.7), Some(65.0)]));
    assert_eq!(a.utc_offset_s, vec![0, 0]);
}

/// A logger's export as the driveplotr-nds data comes: the trip as `drive`,
/// Unix seconds as `time_utc`, `gps_`-prefixed positions, the speed in mph.
#[test]
fn a_loggers_prefixed_columns_and_trip_number_are_read() {
    let text = "drive,time_utc,gps_long,gps_lat,gps_heading,gps_hdop,speed_mph\n\
                1,1558644851,-95.984253,41.25787,270,0.9,10\n\
                1,1558644852,-95.984428,41.257877,271,0.9,11\n\
                2,1558645851,-95.98,41.25,90,0.9,0\n";
    let trips = read(text);
    assert_eq!(trips.len(), 2);
    let a = trips[0].as_ref().unwrap();
    assert_eq!(a.event_id.as_deref(), Some("1"));
    assert_eq!(a.lon_deg, vec![-95.984_253, -95.984_428]);
    assert_eq!(a.time_ms, Some(vec![1_558_644_851_000, 1_558_644_852_000]));
    assert_eq!(
        a.speed_kmh,
        Some(vec![Some(16.093_44), Some(11.0 * 1.609_344)])
    );
    assert_eq!(trips[1].as_ref().unwrap().event_id.as_deref(), Some("2"));
}

/// A number in a `timestamp` column is Unix seconds or milliseconds by its
/// size; a number neither could be (a trip-relative time) is an error
/// naming the row.
#[test]
fn a_numeric_time_is_seconds_or_milliseconds_by_size() {
    let text = "event_id,lat,lon,timestamp\na,1,1,1553240265.5\na,1,1,1553240266000\n";
    let a = read(text).remove(0).unwrap();
    assert_eq!(a.time_ms, Some(vec![1_553_240_265_500, 1_553_240_266_000]));
    let text = "event_id,lat,lon,time (s)\na,1,1,0\na,1,1,1.0\nb,1,1,1553240265\n";
    let trips = read(text);
    let e = trips[0].as_ref().unwrap_err();
    assert_eq!(e.field.as_deref(), Some("timestamp (line 2)"));
    assert!(e.message.contains("not a Unix time"), "{}", e.message);
    assert!(trips[1].is_ok());
    for bad in ["NaN", "inf", "-1553240265", "1e300"] {
        let text = format!("lat,lon,timestamp\n1,1,{bad}\n");
        let e = read(&text).remove(0).unwrap_err();
        assert!(
            e.message.contains("not a Unix time"),
            "{bad}: {}",
            e.message
        );
    }
}

/// A date and time without a UTC offset is an error that says so (the
/// instant is unknown; it is not taken as UTC).
#[test]
fn a_time_without_an_offset_is_an_error_that_says_so() {
    for naive in ["2019-08-26 22:17:27", "2019-08-26T22:17:27.5"] {
        let text = format!("trip_id,lat,lon,time\na,1,1,{naive}\n");
        let e = read(&text).remove(0).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("timestamp (line 2)"));
        assert!(e.message.contains("has no UTC offset"), "{}", e.message);
    }
    let e = read("lat,lon,time\n1,1,yesterday\n").remove(0).unwrap_err();
    assert!(e.message.contains("is not RFC 3339"), "{}", e.message);
}
