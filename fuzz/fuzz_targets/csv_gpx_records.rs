//! Any bytes as a CSV file, as a GPX document, and as an input of unknown
//! format (sniffed, possibly compressed, possibly a JSON document): every
//! record the readers yield becomes a trajectory or an error, without a
//! panic, and reading ends.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tripscore::input::{CsvReader, GpxReader, InputOptions, open_reader};

fuzz_target!(|data: &[u8]| {
    for record in CsvReader::new(data, "fuzz.csv").flatten() {
        let _ = record.into_trajectory();
    }
    for record in GpxReader::new(data, "fuzz.gpx").flatten() {
        let _ = record.into_trajectory();
    }
    let options = InputOptions {
        max_record_bytes: 1 << 16,
        ..InputOptions::default()
    };
    if let Ok(opened) = open_reader(
        Box::new(std::io::Cursor::new(data.to_vec())),
        "fuzz",
        &options,
    ) {
        for record in opened.records.take(10_000).flatten() {
            let _ = record.into_trajectory();
        }
    }
});
