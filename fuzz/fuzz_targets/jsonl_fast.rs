//! The JSONL scanner fast path against serde_json: for any line, `parse_line`
//! (scanner first) and `parse_line_reference` (serde_json only) give the same
//! trip or the same error, bit for bit (Debug text tells -0.0 from 0.0).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tripscore::input::{parse_line, parse_line_reference};

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(
        format!("{:?}", parse_line(line)),
        format!("{:?}", parse_line_reference(line)),
        "line: {line:?}"
    );
});
