use super::*;
use proptest::prelude::*;

#[test]
fn google_reference_example() {
    let p = decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@", Precision::P5).unwrap();
    assert_eq!(p.lat_deg, vec![38.5, 40.7, 43.252]);
    assert_eq!(p.lon_deg, vec![-120.2, -120.95, -126.453]);
}

#[test]
fn truncated_mid_number_is_an_error() {
    let full = "_p~iF~ps|U_ulLnnqC_mqNvxq`@";
    // Cutting inside the last longitude leaves a continuation character last.
    let err = decode_polyline(&full[..full.len() - 1], Precision::P5).unwrap_err();
    assert!(err.message.contains("truncated"), "{err}");
    // Cutting between latitude and longitude leaves a latitude alone.
    let err = decode_polyline("_p~iF~ps|U_ulL", Precision::P5).unwrap_err();
    assert!(err.message.contains("longitude"), "{err}");
}

#[test]
fn invalid_character_is_an_error() {
    assert!(decode_polyline("_p~iF~ps|U \u{1}", Precision::P5).is_err());
}

#[test]
fn empty_text_is_no_points() {
    assert_eq!(
        decode_polyline("", Precision::P6).unwrap(),
        LatLonColumns::default()
    );
}

fn points() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((-90.0..=90.0_f64, -180.0..=180.0_f64), 0..50)
}

proptest! {
    #[test]
    fn round_trip_within_half_a_unit(pts in points(), six in any::<bool>()) {
        let precision = if six { Precision::P6 } else { Precision::P5 };
        let (lat, lon): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        let text = encode_polyline(&lat, &lon, precision).unwrap();
        let back = decode_polyline(&text, precision).unwrap();
        prop_assert_eq!(back.lat_deg.len(), lat.len());
        let tol = 0.5 * precision.unit_deg() + 1e-9 * precision.unit_deg();
        for i in 0..lat.len() {
            prop_assert!((back.lat_deg[i] - lat[i]).abs() <= tol, "lat {} vs {}", back.lat_deg[i], lat[i]);
            prop_assert!((back.lon_deg[i] - lon[i]).abs() <= tol, "lon {} vs {}", back.lon_deg[i], lon[i]);
        }
    }

    #[test]
    fn decoding_arbitrary_text_never_panics(text in "[\\x00-\\x7f]{0,40}") {
        let _ = decode_polyline(&text, Precision::P5);
    }
}

/// What `decode_polyline` gave before it decoded by hand: the truncation
/// check, then the `polyline` crate, its points split into columns.
fn crate_decode(text: &str, precision: Precision) -> Result<LatLonColumns, PolylineError> {
    if let Some(&last) = text.as_bytes().last()
        && (last < 63 || (last - 63) & 0x20 != 0)
    {
        return Err(PolylineError {
            index: text.len() - 1,
            message: "polyline is truncated: its last number is incomplete".to_owned(),
        });
    }
    let line = polyline::decode_polyline(text, precision.decimals())?;
    let (lon_deg, lat_deg) = line.0.iter().map(|c| (c.x, c.y)).unzip();
    Ok(LatLonColumns { lat_deg, lon_deg })
}

/// Polylines of numbers of 1 to 14 chunks (a 13th is an error), at times a
/// character outside the chunks, so long numbers, out-of-range coordinates
/// and invalid characters all occur.
fn chunky_text() -> impl Strategy<Value = String> {
    let bits = prop_oneof![Just(0_u8), 0..32_u8];
    let number =
        (0..14_usize, 0..32_u8, prop::collection::vec(bits, 14)).prop_map(|(more, last, cont)| {
            let mut s: String = cont[..more]
                .iter()
                .map(|&c| char::from(c + 0x20 + 63))
                .collect();
            s.push(char::from(last + 63));
            s
        });
    let odd = prop::sample::select(vec!["", "", "", "", " ", "\u{1}", "\u{7f}", "é", "~"]);
    prop::collection::vec((number, odd), 0..20)
        .prop_map(|parts| parts.into_iter().map(|(n, o)| n + o).collect())
}

#[test]
fn errors_are_the_crates() {
    for (text, precision) in [
        ("_p~iF~ps|U_ulL", Precision::P5),
        ("_p~iF~ps|U \u{1}", Precision::P5),
        ("~~~~~~~~~~~~~?", Precision::P5),
        // A 13th chunk is an error even when every chunk's bits are zero.
        ("____________??", Precision::P5),
        ("_p~iF~ps|U_ulLnnqC", Precision::P6),
        ("~~~~~~~~~?_p~iF", Precision::P5),
        ("_p~iF~~~~~~~~~?", Precision::P5),
    ] {
        assert_eq!(
            decode_polyline(text, precision),
            crate_decode(text, precision),
            "{text:?}"
        );
    }
}

/// One polyline number: `units` zig-zag coded in 5-bit chunks.
fn number_text(units: i64) -> String {
    let mut v = if units < 0 { !(units << 1) } else { units << 1 }.cast_unsigned();
    let mut s = String::new();
    while v >= 0x20 {
        s.push(char::from(u8::try_from((v & 0x1f) | 0x20).unwrap() + 63));
        v >>= 5;
    }
    s.push(char::from(u8::try_from(v).unwrap() + 63));
    s
}

#[test]
fn range_edges_are_the_crates() {
    for (precision, scale) in [(Precision::P5, 100_000_i64), (Precision::P6, 1_000_000)] {
        for (lat, lon) in [
            (90 * scale, 180 * scale),
            (-90 * scale, -180 * scale),
            (90 * scale + 1, 0),
            (-90 * scale - 1, 0),
            (0, 180 * scale + 1),
            (0, -180 * scale - 1),
        ] {
            let text = number_text(lat) + &number_text(lon);
            let ours = decode_polyline(&text, precision);
            assert_eq!(ours, crate_decode(&text, precision), "{lat} {lon}");
            assert_eq!(
                ours.is_ok(),
                lat.abs() <= 90 * scale && lon.abs() <= 180 * scale
            );
        }
    }
}

proptest! {
    #[test]
    fn decoding_is_the_crates_to_the_bit(
        pts in points(),
        noise in chunky_text(),
        six in any::<bool>(),
    ) {
        let precision = if six { Precision::P6 } else { Precision::P5 };
        let (lat, lon): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        let encoded = encode_polyline(&lat, &lon, precision).unwrap();
        for text in [encoded.clone(), noise.clone(), encoded + &noise] {
            let ours = decode_polyline(&text, precision);
            let theirs = crate_decode(&text, precision);
            if let (Ok(a), Ok(b)) = (&ours, &theirs) {
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&a.lat_deg), bits(&b.lat_deg), "{:?}", text);
                prop_assert_eq!(bits(&a.lon_deg), bits(&b.lon_deg), "{:?}", text);
            } else {
                prop_assert_eq!(&ours, &theirs, "{:?}", text);
            }
        }
    }
}
