//! Any bytes as an Arrow IPC stream and as a Parquet file (the `parquet`
//! feature): every record the readers yield becomes a trajectory or an
//! error, without a panic escaping (the decoders' own panics on malformed
//! data are contained as error records), and reading ends.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tripscore::input::{InputFormat, InputOptions, open_reader};

fuzz_target!(|data: &[u8]| {
    let options = InputOptions {
        format: Some(InputFormat::Arrow),
        max_record_bytes: 1 << 16,
    };
    if let Ok(opened) = open_reader(
        Box::new(std::io::Cursor::new(data.to_vec())),
        "fuzz.arrows",
        &options,
    ) {
        for record in opened.records.take(10_000).flatten() {
            let _ = record.into_trajectory();
        }
    }
    // Parquet needs a file (its index is at the end).
    let path = std::env::temp_dir().join(format!("tripscore-fuzz-{}.parquet", std::process::id()));
    if std::fs::write(&path, data).is_ok()
        && let Ok(reader) = std::fs::File::open(&path)
            .and_then(|f| tripscore::input::ParquetReader::open(f, "fuzz.parquet"))
    {
        for record in reader.take(10_000).flatten() {
            let _ = record.into_trajectory();
        }
    }
});
