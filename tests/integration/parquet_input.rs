//! Parquet input (the `parquet` feature; `.ci/run` tests it): the ndsbr
//! trips written as Parquet — a trip per row with list columns, and a fix
//! per row — score to the same bytes as their JSONL (issue #21); so do
//! they as Arrow IPC, the file and the stream format (piped too).
#![cfg(feature = "parquet")]

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use parquet::arrow::ArrowWriter;
use tripscore::input::Precision;
use tripscore::{RawTrip, parse_line};

use crate::util::{fixture, tripscore};

/// The ndsbr trips without their phone data (Parquet input has none), as
/// JSONL text and as parsed trips.
fn trips() -> (String, Vec<RawTrip>) {
    let text = std::fs::read_to_string(fixture("data/ndsbr/ndsbr.jsonl")).unwrap();
    let mut jsonl = String::new();
    let mut raws = Vec::new();
    for line in text.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        v.as_object_mut().unwrap().remove("phone_handling");
        let line = v.to_string();
        raws.push(parse_line(&line).unwrap());
        jsonl += &line;
        jsonl.push('\n');
    }
    (jsonl, raws)
}

fn write(path: &std::path::Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

/// `batch` as an Arrow IPC file (`stream`: the IPC stream format).
fn write_ipc(path: &std::path::Path, batch: &RecordBatch, stream: bool) {
    let file = std::fs::File::create(path).unwrap();
    if stream {
        let mut w = arrow_ipc::writer::StreamWriter::try_new(file, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
    } else {
        let mut w = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
    }
}

fn float_list(raws: &[RawTrip], get: impl Fn(&RawTrip) -> Vec<Option<f64>>) -> ArrayRef {
    let mut b = ListBuilder::new(Float64Builder::new());
    for r in raws {
        b.append_value(get(r));
    }
    Arc::new(b.finish())
}

fn trip_rows(raws: &[RawTrip]) -> RecordBatch {
    let mut times = ListBuilder::new(Int64Builder::new());
    let mut roads = ListBuilder::new(StringBuilder::new());
    for r in raws {
        times.append_value(r.time_ms.clone().unwrap().into_iter().map(Some));
        let road = r.road_type.as_ref().unwrap();
        roads.append_value((0..road.len()).map(|i| road.get(i)));
    }
    let column = |get: fn(&RawTrip) -> Option<&Vec<Option<f64>>>| {
        float_list(raws, move |r| {
            get(r)
                .cloned()
                .unwrap_or_else(|| vec![None; r.lat_deg.len()])
        })
    };
    RecordBatch::try_from_iter([
        (
            "user_id",
            Arc::new(StringArray::from_iter(
                raws.iter().map(|r| r.user_id.clone()),
            )) as ArrayRef,
        ),
        (
            "event_id",
            Arc::new(StringArray::from_iter(
                raws.iter().map(|r| r.event_id.clone()),
            )),
        ),
        (
            "lat",
            float_list(raws, |r| r.lat_deg.iter().copied().map(Some).collect()),
        ),
        (
            "lon",
            float_list(raws, |r| r.lon_deg.iter().copied().map(Some).collect()),
        ),
        ("t_ms", Arc::new(times.finish())),
        ("speed_kmh", column(|r| r.speed_kmh.as_ref())),
        ("speed_limit_kmh", column(|r| r.speed_limit_kmh.as_ref())),
        ("road_type", Arc::new(roads.finish())),
        (
            "utc_offset_minutes",
            Arc::new(Int32Array::from_iter_values(
                raws.iter().map(|r| r.utc_offset_s[0] / 60),
            )),
        ),
    ])
    .unwrap()
}

/// [`trip_rows`] in the API's compact form: each trip's positions as a
/// precision-6 polyline (exact for the ndsbr coordinates' six decimals)
/// instead of latitude and longitude lists.
fn encoded_rows(raws: &[RawTrip]) -> RecordBatch {
    let lists = trip_rows(raws);
    let encoded = raws.iter().map(|r| {
        Some(tripscore::input::encode_polyline(&r.lat_deg, &r.lon_deg, Precision::P6).unwrap())
    });
    let mut columns: Vec<(String, ArrayRef)> = vec![
        (
            "encoded".into(),
            Arc::new(StringArray::from_iter(encoded)) as ArrayRef,
        ),
        (
            "precision".into(),
            Arc::new(Int32Array::from_iter_values(raws.iter().map(|_| 6))),
        ),
    ];
    for (field, column) in lists.schema().fields().iter().zip(lists.columns()) {
        if !["lat", "lon"].contains(&field.name().as_str()) {
            columns.push((field.name().clone(), Arc::clone(column)));
        }
    }
    RecordBatch::try_from_iter(columns).unwrap()
}

fn fix_rows(raws: &[RawTrip]) -> RecordBatch {
    let each = |get: &dyn Fn(&RawTrip, usize) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from_iter(
            raws.iter()
                .flat_map(|r| (0..r.lat_deg.len()).map(move |i| get(r, i))),
        ))
    };
    let text = |get: &dyn Fn(&RawTrip, usize) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from_iter(
            raws.iter()
                .flat_map(|r| (0..r.lat_deg.len()).map(move |i| get(r, i))),
        ))
    };
    let at = |v: &Option<Vec<Option<f64>>>, i: usize| v.as_ref().and_then(|v| v[i]);
    RecordBatch::try_from_iter([
        ("User_ID", text(&|r, _| r.user_id.clone())),
        ("event_id", text(&|r, _| r.event_id.clone())),
        ("latitude", each(&|r, i| Some(r.lat_deg[i]))),
        ("longitude", each(&|r, i| Some(r.lon_deg[i]))),
        (
            "timestamp_ms",
            Arc::new(Int64Array::from_iter(
                raws.iter()
                    .flat_map(|r| r.time_ms.clone().unwrap().into_iter().map(Some)),
            )) as ArrayRef,
        ),
        ("speed", each(&|r, i| at(&r.speed_kmh, i))),
        ("speed_limit", each(&|r, i| at(&r.speed_limit_kmh, i))),
        (
            "road_type",
            text(&|r, i| {
                r.road_type
                    .as_ref()
                    .and_then(|t| t.get(i))
                    .map(str::to_owned)
            }),
        ),
        (
            "utc_offset_minutes",
            Arc::new(Int32Array::from_iter_values(raws.iter().flat_map(|r| {
                std::iter::repeat_n(r.utc_offset_s[0] / 60, r.lat_deg.len())
            }))),
        ),
    ])
    .unwrap()
}

#[test]
fn parquet_trip_rows_and_fix_rows_score_like_jsonl() {
    let (jsonl, raws) = trips();
    let dir = std::env::temp_dir().join(format!("tripscore-parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jsonl_path = dir.join("trips.jsonl");
    std::fs::write(&jsonl_path, jsonl).unwrap();
    let want = tripscore(&[
        "score",
        "--quiet",
        "--annotations",
        &jsonl_path.to_string_lossy(),
    ]);
    assert_eq!(want.status.code(), Some(0));
    for (name, batch) in [
        ("trips.parquet", trip_rows(&raws)),
        ("encoded.parquet", encoded_rows(&raws)),
        ("fixes.parquet", fix_rows(&raws)),
    ] {
        let path = dir.join(name);
        write(&path, &batch);
        let got = tripscore(&["score", "--quiet", "--annotations", &path.to_string_lossy()]);
        assert_eq!(
            got.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&got.stdout)
        );
        assert!(
            got.stdout == want.stdout,
            "{name} scores differ from the JSONL"
        );
        for (ext, stream) in [("arrow", false), ("arrows", true)] {
            let path = dir.join(format!("{name}.{ext}"));
            write_ipc(&path, &batch, stream);
            let got = tripscore(&["score", "--quiet", "--annotations", &path.to_string_lossy()]);
            assert!(
                got.stdout == want.stdout,
                "{name}.{ext} scores differ from the JSONL: {}",
                String::from_utf8_lossy(&got.stdout)
            );
        }
        // The stream format read from a pipe.
        let piped = std::process::Command::new(env!("CARGO_BIN_EXE_tripscore"))
            .args(["score", "--quiet", "--annotations", "-"])
            .stdin(std::fs::File::open(dir.join(format!("{name}.arrows"))).unwrap())
            .output()
            .unwrap();
        assert!(piped.stdout == want.stdout, "{name} piped as an IPC stream");
    }
    // The IPC file format needs a file: from a pipe it is one error record.
    let piped = std::process::Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["score", "--quiet", "-"])
        .stdin(std::fs::File::open(dir.join("trips.parquet.arrow")).unwrap())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&piped.stdout).contains("pipe the IPC stream format"));
    // A table without a latitude column is one error record, not a crash.
    let bad =
        RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(vec![1_i64])) as ArrayRef)])
            .unwrap();
    let path = dir.join("bad.parquet");
    write(&path, &bad);
    let out = tripscore(&["score", "--quiet", &path.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no latitude column"));
    std::fs::remove_dir_all(&dir).ok();
}

/// `score trips.parquet -o scored.parquet`: one row per record, every
/// column equal to the score line's value at its path (issue #21).
#[test]
fn parquet_output_holds_the_score_lines() {
    parquet_output_matches_lines(&[], "plain");
}

/// The same with the parts written as JSON text columns: each column's
/// text reads back as the score line's part.
#[test]
fn parquet_output_holds_the_score_lines_with_every_part() {
    parquet_output_matches_lines(&["--annotations", "--explain", "--trajectory"], "parts");
}

fn parquet_output_matches_lines(flags: &[&str], name: &str) {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let (_, raws) = trips();
    let dir = std::env::temp_dir().join(format!(
        "tripscore-parquet-out-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("trips.parquet");
    write(&input, &trip_rows(&raws));
    let bad = fixture("tests/data/bad_input.jsonl")
        .to_string_lossy()
        .into_owned();
    let input_name = input.to_string_lossy().into_owned();
    let out = dir.join("scored.parquet");
    let out_name = out.to_string_lossy().into_owned();
    let mut args = vec!["score", "--quiet", input_name.as_str(), bad.as_str()];
    args.extend_from_slice(flags);
    let lines = tripscore(&args);
    args.extend_from_slice(&["-o", out_name.as_str()]);
    let run = tripscore(&args);
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let want: Vec<serde_json::Value> = String::from_utf8(lines.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut row = 0;
    let mut checked = 0;
    for batch in reader {
        let batch = batch.unwrap();
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            for r in 0..batch.num_rows() {
                let line = &want[row + r];
                // The value at the column's path: names join nested keys with `_`.
                let value = lookup(line, field.name());
                let got = if column.is_null(r) {
                    serde_json::Value::Null
                } else if let Some(a) = column.as_primitive_opt::<Float64Type>() {
                    serde_json::json!(a.value(r))
                } else if let Some(a) = column.as_primitive_opt::<Int64Type>() {
                    serde_json::json!(a.value(r))
                } else if let Some(a) = column.as_boolean_opt() {
                    serde_json::json!(a.value(r))
                } else if value.is_object() || value.is_array() {
                    // A part written as JSON text.
                    serde_json::from_str(column.as_string::<i32>().value(r)).unwrap()
                } else {
                    serde_json::json!(column.as_string::<i32>().value(r))
                };
                let same = match (&got, &value) {
                    (serde_json::Value::Number(a), serde_json::Value::Number(b)) => {
                        a.as_f64() == b.as_f64()
                    }
                    (a, b) => a == b,
                };
                assert!(
                    same,
                    "row {} column {}: {got} against {value}",
                    row + r,
                    field.name()
                );
                checked += 1;
            }
        }
        row += batch.num_rows();
    }
    assert_eq!(row, want.len());
    assert!(checked > 1000);
    std::fs::remove_dir_all(&dir).ok();
}

/// The value of `line` at a flat column name (`features_all_distance_mm`):
/// keys are tried longest first, since keys hold `_` themselves.
fn lookup(line: &serde_json::Value, name: &str) -> serde_json::Value {
    if let Some(v) = line.get(name) {
        return v.clone();
    }
    for (i, _) in name.match_indices('_') {
        if let Some(inner) = line.get(&name[..i])
            && inner.is_object()
        {
            let v = lookup(inner, &name[i + 1..]);
            if !v.is_null() {
                return v;
            }
        }
    }
    serde_json::Value::Null
}

/// An IPC stream with a corrupt buffer offset (found by corrupting files at
/// random; arrow-ipc panics on it): one error record, no panic, and the
/// other input of the same run is still scored.
#[test]
fn corrupt_ipc_is_an_error_record() {
    let corrupt = fixture("tests/data/corrupt_buffer_offset.arrows");
    let good = fixture("data/seed/seed_trip.jsonl");
    let out = tripscore(&["score", &corrupt.to_string_lossy(), &good.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let message = lines[0]["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("malformed data"), "{message}");
    assert!(lines[1]["behavior_scores"].is_object());
}
