//! GeoJSON and SVG: valid, complete, and the same bytes as the committed picture.

use tripscore::output::{trip_geojson, trip_svg};
use tripscore::{Config, RecordOptions, analyze, open_input, simulate_trip, trip_record};

use crate::util::{fixture, tripscore};

const DATA: [&str; 5] = [
    "data/seed/seed_trip.jsonl",
    "data/ndsbr/ndsbr.jsonl",
    "data/driveplotr-nds/nds.jsonl",
    "data/barefoot-munich/x0001-001.gpx",
    "data/ndsbr/ndsbr.csv",
];

fn trips() -> Vec<tripscore::Trajectory> {
    let mut out: Vec<_> = DATA
        .iter()
        .flat_map(|rel| open_input(&fixture(rel).to_string_lossy()).unwrap())
        .map(|r| r.unwrap().into_trajectory().unwrap())
        .collect();
    for i in 0..3 {
        let sim = simulate_trip(&tripscore::SimConfig::default(), i);
        let raw = tripscore::parse_line(&serde_json::to_string(&sim).unwrap()).unwrap();
        out.push(tripscore::Trajectory::try_from(raw).unwrap());
    }
    out
}

fn well_formed(svg: &str) -> Result<(), String> {
    let parser = xml::reader::EventReader::new(svg.as_bytes());
    for event in parser {
        event.map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[test]
fn geojson_of_every_trip_parses_and_round_trips() {
    let config = Config::default();
    for trip in trips() {
        let analysis = analyze(&trip, &config.detect);
        let record = trip_record(&trip, &config, RecordOptions::default()).unwrap();
        let text = serde_json::to_string(&trip_geojson(&trip, &analysis, &record)).unwrap();
        let parsed: geojson::GeoJson = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", trip.event_id()));
        let geojson::GeoJson::FeatureCollection(fc) = &parsed else {
            panic!("not a FeatureCollection")
        };
        let original: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_value(&parsed).unwrap(),
            original,
            "round trip"
        );
        let props = |f: &geojson::Feature, k: &str| f.properties.as_ref().unwrap()[k].clone();
        assert_eq!(props(&fc.features[0], "feature"), "path");
        assert_eq!(props(&fc.features[0], "event_id"), trip.event_id());
        let annotations = fc
            .features
            .iter()
            .filter(|f| props(f, "feature") == "annotation")
            .count();
        assert_eq!(annotations, analysis.annotations.len());
        for f in fc
            .features
            .iter()
            .filter(|f| props(f, "feature") == "annotation")
        {
            for key in ["kind", "magnitude", "peak_mps2", "hard", "start", "end"] {
                assert!(!props(f, key).is_null(), "{key} missing");
            }
        }
    }
}

#[test]
fn svg_of_every_trip_is_well_formed_with_every_panel() {
    let config = Config::default();
    for trip in trips() {
        let analysis = analyze(&trip, &config.detect);
        let options = RecordOptions {
            explain: true,
            ..RecordOptions::default()
        };
        let record = trip_record(&trip, &config, options).unwrap();
        let svg = trip_svg(
            &trip,
            &analysis,
            &record,
            record.explanation.as_ref().unwrap(),
            &config.features,
        )
        .unwrap();
        well_formed(&svg).unwrap_or_else(|e| panic!("{}: {e}", trip.event_id()));
        for caption in [
            "(a) Speed",
            "(b) Acceleration",
            "(c) Path",
            "(d) Scores",
            "speed (km/h)",
            "acceleration (m/s²)",
        ] {
            assert!(svg.contains(caption), "{}: no {caption:?}", trip.event_id());
        }
        assert!(
            svg.matches("<polyline").count() >= 3,
            "{}: series missing",
            trip.event_id()
        );
    }
}

#[test]
fn report_of_ndsbr_c13_matches_the_committed_picture() {
    let dir = std::env::temp_dir().join(format!("tripscore-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("c13.svg");
    let run = tripscore(&[
        "report",
        &fixture("data/ndsbr/ndsbr.jsonl").to_string_lossy(),
        "--event-id",
        "ndsbr-C13",
        "-o",
        &out.to_string_lossy(),
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let made = std::fs::read_to_string(&out).unwrap();
    let golden = std::fs::read_to_string(fixture("docs/img/ndsbr-C13.svg")).unwrap();
    assert!(
        made == golden,
        "the report changed; if intended, regenerate with: cargo run --release -- report data/ndsbr/ndsbr.jsonl --event-id ndsbr-C13 -o docs/img/ndsbr-C13.svg"
    );
    let missing = tripscore(&[
        "report",
        &fixture("data/ndsbr/ndsbr.jsonl").to_string_lossy(),
        "--event-id",
        "nope",
        "-o",
        &out.to_string_lossy(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// Issue #18: GeoJSONSeq, one Feature per line with its trip's `event_id`
/// (a bad record is a Feature without geometry), or one FeatureCollection
/// holding the same Features.
#[test]
fn geojson_command_writes_one_feature_per_line_or_one_collection() {
    let input = fixture("tests/data/bad_input.jsonl");
    let seq = tripscore(&["geojson", "--quiet", &input.to_string_lossy()]);
    assert_eq!(seq.status.code(), Some(1));
    let features: Vec<serde_json::Value> = String::from_utf8(seq.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(features.iter().all(|f| f["type"] == "Feature"));
    let kind = |k: &str| {
        features
            .iter()
            .filter(|f| f["properties"]["feature"] == k)
            .count()
    };
    // bad_input.jsonl: 2 good trips among 12 records.
    assert_eq!((kind("path"), kind("error")), (2, 10));
    for f in &features {
        let props = &f["properties"];
        if props["feature"] == "error" {
            assert!(
                f["geometry"].is_null() && props["error"]["kind"].is_string(),
                "{f}"
            );
        } else {
            assert!(props["event_id"].is_string(), "{f}");
        }
    }
    let one = tripscore(&[
        "geojson",
        "--quiet",
        "--collection",
        &input.to_string_lossy(),
    ]);
    let collection: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    assert_eq!(collection["features"].as_array().unwrap(), &features);
}
