//! Any bytes as a JSONL record: parsing, validation and scoring never panic,
//! and every record yields a result or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tripscore::{Config, InputRecord, Payload, RecordOptions, RecordPos, trip_record};

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let record = InputRecord {
        pos: RecordPos {
            source: "fuzz".into(),
            line: 1,
        },
        payload: Payload::JsonLine(line.to_owned()),
    };
    if let Ok(trip) = record.into_trajectory() {
        let options = RecordOptions {
            annotations: true,
            trajectory: true,
            explain: true,
        };
        if let Some(r) = trip_record(&trip, &Config::default(), options) {
            assert!(r.event.distance.is_finite());
        }
    }
});
