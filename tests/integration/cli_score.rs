//! `tripscore score` end to end: one line per record, any thread count, same bytes.

use crate::util::{fixture, json_lines, tripscore};

fn path(rel: &str) -> String {
    fixture(rel).to_string_lossy().into_owned()
}

const FILES: [&str; 6] = [
    "data/seed/seed_trip.jsonl",
    "data/ndsbr/ndsbr.jsonl",
    "data/ndsbr/ndsbr.csv",
    "data/driveplotr-nds/nds.jsonl",
    "data/barefoot-munich/x0001-001.gpx",
    "tests/data/bad_input.jsonl",
];

#[test]
fn records_in_equal_records_out_on_every_file() {
    for (rel, records, errors) in [
        (FILES[0], 1, 0),
        (FILES[1], 9, 0),
        (FILES[2], 9, 0),
        (FILES[3], 28, 0),
        (FILES[4], 1, 0),
        (FILES[5], 12, 10),
    ] {
        let out = tripscore(&["score", "--quiet", &path(rel)]);
        let lines = json_lines(&out);
        assert_eq!(lines.len(), records, "{rel}");
        let bad = lines.iter().filter(|l| l.get("error").is_some()).count();
        assert_eq!(bad, errors, "{rel}");
        assert_eq!(
            out.status.code(),
            Some(if errors > 0 { 1 } else { 0 }),
            "{rel}"
        );
        for l in lines.iter().filter(|l| l.get("error").is_none()) {
            assert_eq!(l["type"], "Transport");
            assert_eq!(l["mode"], "car");
            assert!(l["behavior_scores"]["overall"].is_number());
            assert!(l["features"]["all"]["distance_mm"].is_u64());
        }
    }
}

#[test]
fn one_and_four_threads_write_the_same_bytes_with_every_option() {
    let run = |j: &str| {
        let mut args = vec![
            "score",
            "--quiet",
            "--annotations",
            "--trajectory",
            "--explain",
            "-j",
            j,
        ];
        let paths: Vec<String> = FILES.iter().map(|f| path(f)).collect();
        args.extend(paths.iter().map(String::as_str));
        tripscore(&args)
    };
    let (one, four) = (run("1"), run("4"));
    assert_eq!(one.status.code(), Some(1));
    assert!(one.stdout.len() > 1_000_000);
    assert!(one.stdout == four.stdout, "-j 1 and -j 4 differ");
}

#[test]
fn csv_and_jsonl_of_the_same_trips_score_the_same() {
    // The CSV carries phone handling as a yes/no column: everything agrees.
    let score = |file: &str| {
        json_lines(&tripscore(&[
            "score",
            "--quiet",
            "--annotations",
            &path(file),
        ]))
    };
    let (csv, jsonl) = (score(FILES[2]), score(FILES[1]));
    assert_eq!(csv.len(), jsonl.len());
    assert!(jsonl.iter().any(|j| j["behavior_scores"]["focus"] != -1));
    for (c, j) in csv.iter().zip(&jsonl) {
        assert!(c == j, "{} differs between CSV and JSONL", j["event_id"]);
    }
}

#[test]
fn explanation_names_each_hard_event_with_its_cost() {
    let out = tripscore(&["score", "--quiet", "--explain", &path(FILES[1])]);
    for l in json_lines(&out) {
        let ex = &l["explanation"];
        let all = &l["features"]["all"];
        let count = |name: &str| all[name].as_u64().unwrap();
        let events = ex["events"].as_array().unwrap();
        let hard = events.iter().filter(|e| e["hard"] == true).count() as u64;
        assert_eq!(
            hard,
            count("hard_accel") + count("hard_brake") + count("hard_turn"),
            "{l}"
        );
        // Every event's hardness adds up to the features' sums (thousandths).
        let milli: f64 = events
            .iter()
            .map(|e| e["hardness"].as_f64().unwrap() * 1000.0)
            .sum();
        let features = count("accel_hardness_milli")
            + count("brake_hardness_milli")
            + count("turn_hardness_milli");
        assert!(
            (milli - features as f64).abs() <= events.len() as f64,
            "{l}"
        );
        for e in events {
            let h = e["hardness"].as_f64().unwrap();
            assert!(h > 0.0 && h <= 1.0, "{e}");
            if e["hard"] == true {
                assert_eq!(h, 1.0, "{e}");
            }
            assert!(e["cost"].as_f64().unwrap() >= 0.0, "{e}");
            assert!(e["at"].is_string() && e["latitude"].is_number());
        }
        assert!(ex["top_penalties"].as_array().unwrap().len() <= 3);
    }
}

#[test]
fn config_default_round_trips_through_config_file() {
    let out = tripscore(&["config", "--default"]);
    assert_eq!(out.status.code(), Some(0));
    let dir = std::env::temp_dir().join(format!("tripscore-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.json");
    std::fs::write(&cfg, &out.stdout).unwrap();
    let with = tripscore(&[
        "score",
        "--quiet",
        "--config",
        &cfg.to_string_lossy(),
        &path(FILES[1]),
    ]);
    let without = tripscore(&["score", "--quiet", &path(FILES[1])]);
    assert_eq!(with.stdout, without.stdout);
    std::fs::write(&cfg, b"{\"clean\": {\"no_such_setting\": 1}}").unwrap();
    let bad = tripscore(&[
        "score",
        "--quiet",
        "--config",
        &cfg.to_string_lossy(),
        &path(FILES[1]),
    ]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "an unknown setting is a run failure"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A phone logger's speed in m/s: read in m/s from GPSLogger's CSV (the
/// same scores as the API's km/h), set aside with a note when given as
/// km/h in JSONL.
/// One fix of a compact JSONL trip, as a CSV writer sees it.
struct CsvFix {
    lat_deg: f64,
    lon_deg: f64,
    time_ms: i64,
    speed_kmh: Option<f64>,
}

/// A compact JSONL trip as a CSV: `header`, then one `row` per fix.
fn csv_of(trip: &serde_json::Value, header: &str, row: impl Fn(&CsvFix) -> String) -> String {
    let points = tripscore::input::decode_polyline(
        trip["encoded"].as_str().unwrap(),
        if trip["precision"] == 6 {
            tripscore::input::Precision::P6
        } else {
            tripscore::input::Precision::P5
        },
    )
    .unwrap();
    let mut csv = format!("{header}\n");
    for (k, t) in trip["timestamps_ms"].as_array().unwrap().iter().enumerate() {
        csv.push_str(&row(&CsvFix {
            lat_deg: points.lat_deg[k],
            lon_deg: points.lon_deg[k],
            time_ms: t.as_i64().unwrap(),
            speed_kmh: trip["speeds_kmh"][k].as_f64(),
        }));
        csv.push('\n');
    }
    csv
}

/// Phone and logger CSVs as they are written — SensorLog's (iOS) names,
/// Unix seconds and m/s, each location repeated on ten sensor rows; a logger's `drive`, `time_utc`, `gps_` columns and
/// mph — score a drive exactly as the API's JSONL of the same fixes does.
#[test]
fn phone_and_logger_csvs_score_as_the_api_jsonl_does() {
    let dir = std::env::temp_dir().join(format!("tripscore-loggers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let line = std::fs::read_to_string(path(FILES[3])).unwrap();
    let trip: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let seconds = |ms: i64| format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000));
    let files = [
        ("api.jsonl", format!("{trip}\n")),
        (
            "sensorlog.csv",
            csv_of(
                &trip,
                "loggingTime(txt),locationTimestamp_since1970(s),locationLatitude(WGS84),\
                 locationLongitude(WGS84),locationSpeed(m/s),locationSpeedAccuracy(m/s),\
                 locationHorizontalAccuracy(m)",
                |fix| {
                    // SensorLog writes a row per sensor sample (here 10 Hz),
                    // the last location repeated on each.
                    let speed = fix.speed_kmh.map_or(-1.0, |v| v / 3.6);
                    let row = format!(
                        "x,{},{},{},{speed},0.5,4.9",
                        seconds(fix.time_ms),
                        fix.lat_deg,
                        fix.lon_deg
                    );
                    vec![row; 10].join("\n")
                },
            ),
        ),
        (
            "logger.csv",
            csv_of(
                &trip,
                "drive,time_utc,gps_long,gps_lat,gps_heading,gps_hdop,speed_mph",
                |fix| {
                    let speed = fix
                        .speed_kmh
                        .map_or(String::new(), |v| (v / 1.609_344).to_string());
                    format!(
                        "1,{},{},{},0,0.9,{speed}",
                        seconds(fix.time_ms),
                        fix.lon_deg,
                        fix.lat_deg
                    )
                },
            ),
        ),
    ];
    let scored: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, text)| {
            let file = dir.join(name);
            std::fs::write(&file, text).unwrap();
            let out = tripscore(&["score", &file.to_string_lossy()]);
            assert_eq!(out.status.code(), Some(0), "{name}");
            json_lines(&out).remove(0)
        })
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(scored[0]["data_quality"]["measured_speed_used"], true);
    let fixes = scored[0]["data_quality"]["input_fixes"].as_i64().unwrap();
    assert_eq!(
        scored[1]["data_quality"]["duplicate_times"].as_i64(),
        Some(9 * fixes)
    );
    for (s, (name, _)) in scored.iter().zip(&files).skip(1) {
        assert_eq!(s["behavior_scores"], scored[0]["behavior_scores"], "{name}");
        assert_eq!(s["features"], scored[0]["features"], "{name}");
        assert_eq!(s["data_quality"]["measured_speed_used"], true, "{name}");
    }
}

#[test]
fn a_speed_in_m_per_s_is_read_as_such_or_set_aside_with_a_note() {
    let dir = std::env::temp_dir().join(format!("tripscore-speed-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let line = std::fs::read_to_string(path(FILES[3])).unwrap();
    let mut trip: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    let kmh_file = dir.join("kmh.jsonl");
    std::fs::write(&kmh_file, format!("{trip}\n")).unwrap();
    // GPSLogger's CSV of the same fixes: RFC 3339 `time`, speed in m/s.
    let csv = csv_of(
        &trip,
        "time,lat,lon,elevation,accuracy,bearing,speed,satellites,provider",
        |fix| {
            let time = chrono::DateTime::from_timestamp_millis(fix.time_ms).unwrap();
            let speed = fix
                .speed_kmh
                .map_or(String::new(), |v| (v / 3.6).to_string());
            format!(
                "{},{},{},300,4,,{speed},9,gps",
                time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                fix.lat_deg,
                fix.lon_deg,
            )
        },
    );
    let csv_file = dir.join("gpslogger.csv");
    std::fs::write(&csv_file, csv).unwrap();
    for v in trip["speeds_kmh"].as_array_mut().unwrap() {
        if let Some(kmh) = v.as_f64() {
            *v = (kmh / 3.6).into();
        }
    }
    let mps_file = dir.join("mps.jsonl");
    std::fs::write(&mps_file, format!("{trip}\n")).unwrap();
    let score = |file: &std::path::Path| {
        let out = tripscore(&["score", &file.to_string_lossy()]);
        let stderr = String::from_utf8(out.stderr.clone()).unwrap();
        (json_lines(&out).remove(0), stderr)
    };
    let ((kmh, kmh_err), (csv, csv_err), (mps, mps_err)) =
        (score(&kmh_file), score(&csv_file), score(&mps_file));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(csv["behavior_scores"], kmh["behavior_scores"]);
    assert_eq!(csv["features"], kmh["features"]);
    assert_eq!(kmh["data_quality"]["measured_speed_used"], true);
    assert!(!kmh_err.contains("out of scale") && !csv_err.contains("out of scale"));
    assert_eq!(mps["data_quality"]["measured_speed_used"], false);
    // The drive's own scale in km/h (0.98–0.99) ÷ 3.6.
    let milli = mps["data_quality"]["measured_speed_scale_milli"]
        .as_i64()
        .unwrap();
    assert!((260..=290).contains(&milli), "{milli}");
    assert!(
        mps_err.contains("the measured speed of 1 trip(s) is out of scale"),
        "{mps_err}"
    );
    assert_ne!(mps["behavior_scores"], kmh["behavior_scores"]);
}
