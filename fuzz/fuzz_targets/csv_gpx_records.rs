//! Any bytes as a CSV file and as a GPX document: every record the readers
//! yield becomes a trajectory or an error, without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tripscore::input::{CsvReader, read_gpx};

fuzz_target!(|data: &[u8]| {
    for record in CsvReader::new(data, "fuzz.csv").flatten() {
        let _ = record.into_trajectory();
    }
    for record in read_gpx(data, "fuzz.gpx") {
        let _ = record.into_trajectory();
    }
});
