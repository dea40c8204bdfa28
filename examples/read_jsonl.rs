//! Reading alone: splits a JSONL file into records (what the main thread of
//! `tripscore score` does) without parsing them, three times, and prints the
//! time of each pass. docs/PERFORMANCE.md quotes it for the line splitter.
//!
//! `cargo run --release --example read_jsonl -- FILE.jsonl`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: read_jsonl FILE.jsonl")?;
    for _ in 0..3 {
        let start = Instant::now();
        let file = std::fs::File::open(&path)?;
        let reader = std::io::BufReader::with_capacity(1 << 20, file);
        let records = tripscore::input::JsonlReader::new(reader, &path).count();
        println!(
            "{records} records read in {:.3} s",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
