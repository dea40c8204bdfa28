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
