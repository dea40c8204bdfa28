//! Any text as a polyline: decoding never panics and gives what the
//! `polyline` crate gives (after the truncation check `decode_polyline`
//! adds), bit for bit, errors included; what decodes re-encodes and decodes
//! to the same number of points.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tripscore::input::{LatLonColumns, Precision, decode_polyline, encode_polyline};

/// The crate's decoding as `decode_polyline` did it before it decoded by
/// hand: `None` for an error (its message is checked by the unit tests).
fn crate_decode(text: &str, precision: Precision) -> Option<LatLonColumns> {
    if let Some(&last) = text.as_bytes().last()
        && (last < 63 || (last - 63) & 0x20 != 0)
    {
        return None;
    }
    let line = polyline::decode_polyline(text, precision.decimals()).ok()?;
    let (lon_deg, lat_deg) = line.0.iter().map(|c| (c.x, c.y)).unzip();
    Some(LatLonColumns { lat_deg, lon_deg })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for precision in [Precision::P5, Precision::P6] {
        let ours = decode_polyline(text, precision).ok();
        let bits = |c: &LatLonColumns| {
            let b = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            (b(&c.lat_deg), b(&c.lon_deg))
        };
        assert_eq!(
            ours.as_ref().map(bits),
            crate_decode(text, precision).as_ref().map(bits),
            "{text:?}"
        );
        if let Some(points) = ours {
            if let Ok(again) = encode_polyline(&points.lat_deg, &points.lon_deg, precision) {
                let back = decode_polyline(&again, precision).expect("re-encoded text decodes");
                assert_eq!(back.lat_deg.len(), points.lat_deg.len());
            }
        }
    }
});
