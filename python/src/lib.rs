//! The `tripscore._native` Python module: Arrow IPC in, Arrow IPC out (the
//! Python side turns pyarrow tables into IPC streams and back, which is a
//! copy-free view on each side), the work done by the tripscore library
//! with the GIL released.

use std::io::Cursor;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_ipc::reader::StreamReader;
use arrow_ipc::writer::StreamWriter;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use tripscore::input::{ArrowTrips, TableField};
use tripscore::output::{ScoreColumns, template_line};
use tripscore::score::{Features, UserWindows, ZoneFeatures, score_window, user_car_behavior};
use tripscore::{
    BatchOptions, Config, ErrorKind, InputError, RecordOptions, run_batch_to, trip_record,
};

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn config_of(json: Option<&str>) -> PyResult<Config> {
    json.map_or_else(
        || Ok(Config::default()),
        |j| serde_json::from_str(j).map_err(value_error),
    )
}

/// One IPC stream of `batch`.
fn ipc(batch: &RecordBatch) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut w = StreamWriter::try_new(&mut out, &batch.schema()).map_err(|e| e.to_string())?;
    w.write(batch).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    drop(w);
    Ok(out)
}

fn score(
    data: &[u8],
    config: &Config,
    options: RecordOptions,
    threads: usize,
) -> Result<Vec<u8>, String> {
    let reader = StreamReader::try_new(Cursor::new(data), None).map_err(|e| e.to_string())?;
    let trips = ArrowTrips::new(reader, "table");
    let template = template_line(config, options, false).map_err(|e| e.to_string())?;
    let parts = options.json_parts();
    let mut table = ScoreColumns::new(&template, &parts);
    let batch_options = BatchOptions {
        threads,
        ..BatchOptions::default()
    };
    let layout = table.layout();
    run_batch_to(
        trips,
        batch_options,
        // Each record flattened into its row on the workers: no JSON between.
        |trip| {
            let record = trip_record(trip, config, options).ok_or_else(|| {
                InputError::new(
                    ErrorKind::Processing,
                    "the trip has no timestamps; scoring needs them",
                )
            })?;
            layout
                .row(&record)
                .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))
        },
        &mut table,
        |_| {},
    )
    .map_err(|e| e.to_string())?;
    ipc(&table.take_batch().map_err(|e| e.to_string())?)
}

/// Scores each trip of an Arrow IPC stream (a trip per row with list
/// columns, or a fix per row; the columns of tripscore's Parquet input) and
/// returns an IPC stream of one row per input record (the columns of
/// `score -o .parquet`).
#[pyfunction]
#[pyo3(signature = (data, config_json=None, annotations=false, explain=false, trajectory=false, threads=0))]
fn score_ipc<'py>(
    py: Python<'py>,
    data: &[u8],
    config_json: Option<&str>,
    annotations: bool,
    explain: bool,
    trajectory: bool,
    threads: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let config = config_of(config_json)?;
    let options = RecordOptions {
        annotations,
        trajectory,
        explain,
    };
    let out = py
        .detach(|| score(data, &config, options, threads))
        .map_err(value_error)?;
    Ok(PyBytes::new(py, &out))
}

/// A window's features from the columns `{prefix}features_{zone}_{field}` of row `r`.
fn features_at(batch: &RecordBatch, prefix: &str, r: usize) -> Result<Features, String> {
    let zone = |zone: &str| -> Result<ZoneFeatures, String> {
        let mut values = [0_u64; ZoneFeatures::FIELDS];
        for (slot, name) in values.iter_mut().zip(ZoneFeatures::FIELD_NAMES) {
            let column = format!("{prefix}features_{zone}_{name}");
            let Some(array) = batch.column_by_name(&column) else {
                continue; // a feature the table leaves out counts 0
            };
            let ints = array
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| format!("{column} must be 64-bit integers"))?;
            if ints.is_valid(r) {
                *slot =
                    u64::try_from(ints.value(r)).map_err(|_| format!("{column} is negative"))?;
            }
        }
        Ok(ZoneFeatures::from_array(values))
    };
    Ok(Features {
        all: zone("all")?,
        motorway: zone("motorway")?,
        city: zone("city")?,
        non_city: zone("non_city")?,
    })
}

fn users(data: &[u8], config: &Config) -> Result<Vec<u8>, String> {
    let reader = StreamReader::try_new(Cursor::new(data), None).map_err(|e| e.to_string())?;
    let (mut ids, mut lines) = (Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let id_column = batch
            .column_by_name("user_id")
            .ok_or("the table has no user_id column")?;
        let id_text: &StringArray = id_column
            .as_string_opt::<i32>()
            .ok_or("user_id must be text")?;
        for r in 0..batch.num_rows() {
            let windows = UserWindows {
                l7d: features_at(&batch, "l7d_", r)?,
                past: features_at(&batch, "past_", r)?,
                ..UserWindows::default()
            };
            let user_id = id_text.value(r);
            let line = serde_json::json!({
                "user_id": user_id,
                "car_behavior": user_car_behavior(&windows, &config.score),
            });
            ids.push(user_id.to_owned());
            lines.push(line.to_string());
        }
    }
    let batch = RecordBatch::try_from_iter([
        (
            "user_id",
            std::sync::Arc::new(StringArray::from(ids)) as ArrayRef,
        ),
        (
            "line",
            std::sync::Arc::new(StringArray::from(lines)) as ArrayRef,
        ),
    ])
    .map_err(|e| e.to_string())?;
    ipc(&batch)
}

/// Users' `UserCarBehavior` from their summed window features: an IPC
/// stream with `user_id` and the integer columns `l7d_features_{zone}_{field}`
/// and `past_features_{zone}_{field}` (sums of the score table's
/// `features_*` columns over each window's trips) → an IPC stream of
/// `user_id` and `line`, the JSON line `tripscore aggregate` writes.
#[pyfunction]
#[pyo3(signature = (data, config_json=None))]
fn user_scores_ipc<'py>(
    py: Python<'py>,
    data: &[u8],
    config_json: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    let config = config_of(config_json)?;
    let out = py.detach(|| users(data, &config)).map_err(value_error)?;
    Ok(PyBytes::new(py, &out))
}

/// The scores of one window's features as `(column, value)` pairs, in the
/// order and with the rounding of the API's `ZoneCarBehaviorScores`
/// (`scores_{zone}_{field}`; `None` for a field the zone leaves out).
fn window_scores(
    features: &Features,
    config: &Config,
) -> Result<Vec<(String, Option<f64>)>, String> {
    let json =
        serde_json::to_value(score_window(features, &config.score)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for zone in ["all", "motorway", "city", "non_city", "total"] {
        let fields = json[zone].as_object().ok_or("scores without a zone")?;
        for (name, value) in fields.iter().filter(|(name, _)| *name != "type") {
            out.push((format!("scores_{zone}_{name}"), value.as_f64()));
        }
    }
    Ok(out)
}

fn windows(data: &[u8], config: &Config) -> Result<Vec<u8>, String> {
    let reader = StreamReader::try_new(Cursor::new(data), None).map_err(|e| e.to_string())?;
    // The columns, from an empty window: every row gets each of them.
    let names: Vec<String> = window_scores(&Features::default(), config)?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        // Absent features count 0, but a table without any is a mistake
        // (e.g. the `l7d_`-prefixed sums of `user_car_behavior`), not a
        // window of nothing.
        let schema = batch.schema();
        if !schema
            .fields()
            .iter()
            .any(|f| f.name().starts_with("features_"))
        {
            return Err(
                "the table has no features_* columns (feature_columns() names them)".into(),
            );
        }
        let mut values: Vec<Vec<Option<f64>>> =
            vec![Vec::with_capacity(batch.num_rows()); names.len()];
        for r in 0..batch.num_rows() {
            let scores = window_scores(&features_at(&batch, "", r)?, config)?;
            for (column, name) in values.iter_mut().zip(&names) {
                column.push(scores.iter().find(|(n, _)| n == name).and_then(|(_, v)| *v));
            }
        }
        // The caller's keys (every column but the features) come along.
        let keys = schema
            .fields()
            .iter()
            .zip(batch.columns())
            .filter(|(field, _)| !field.name().starts_with("features_"))
            .map(|(field, column)| (field.name().clone(), column.clone()));
        let scores = names.iter().zip(values).map(|(name, v)| {
            (
                name.clone(),
                std::sync::Arc::new(Float64Array::from(v)) as ArrayRef,
            )
        });
        batches.push(RecordBatch::try_from_iter(keys.chain(scores)).map_err(|e| e.to_string())?);
    }
    let Some(first) = batches.first() else {
        return Err("the table has no record batch".into());
    };
    let mut out = Vec::new();
    let mut writer = StreamWriter::try_new(&mut out, &first.schema()).map_err(|e| e.to_string())?;
    for batch in &batches {
        writer.write(batch).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())?;
    drop(writer);
    Ok(out)
}

/// The scores of windows: an IPC stream whose rows each hold a window's
/// summed integer columns `features_{zone}_{field}` (missing ones count 0)
/// and any key columns → an IPC stream of the key columns and
/// `scores_{zone}_{field}` (float, −1 where the window has too little
/// data, null where the zone has no such field), as `score_window` in the
/// library and the windows of `tripscore aggregate` score them.
#[pyfunction]
#[pyo3(signature = (data, config_json=None))]
fn window_scores_ipc<'py>(
    py: Python<'py>,
    data: &[u8],
    config_json: Option<&str>,
) -> PyResult<Bound<'py, PyBytes>> {
    let config = config_of(config_json)?;
    let out = py.detach(|| windows(data, &config)).map_err(value_error)?;
    Ok(PyBytes::new(py, &out))
}

/// The default configuration, as JSON (every threshold, one section per stage).
#[pyfunction]
fn default_config_json() -> PyResult<String> {
    serde_json::to_string(&Config::default()).map_err(value_error)
}

/// The names of a zone's additive features, in order.
#[pyfunction]
fn feature_names() -> Vec<&'static str> {
    ZoneFeatures::FIELD_NAMES.to_vec()
}

/// The index of the column among `names` that the Parquet and Arrow reader
/// reads `field` from (`latitude`, `time`, `user_id`, `event_id`,
/// `utc_offset_minutes`), or `None`: the reader's own names and aliases,
/// for code that groups fix rows before scoring them (`tripscore.spark`).
#[pyfunction]
fn table_column(field: &str, names: Vec<String>) -> PyResult<Option<usize>> {
    let field = match field {
        "latitude" => TableField::Latitude,
        "time" => TableField::Time,
        "user_id" => TableField::UserId,
        "event_id" => TableField::EventId,
        "utc_offset_minutes" => TableField::UtcOffset,
        other => return Err(PyValueError::new_err(format!("no table field {other:?}"))),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok(tripscore::input::table_column(field, &names))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(score_ipc, m)?)?;
    m.add_function(wrap_pyfunction!(user_scores_ipc, m)?)?;
    m.add_function(wrap_pyfunction!(window_scores_ipc, m)?)?;
    m.add_function(wrap_pyfunction!(default_config_json, m)?)?;
    m.add_function(wrap_pyfunction!(feature_names, m)?)?;
    m.add_function(wrap_pyfunction!(table_column, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // A debug build (`.ci/run` installs one to test) scores about 20 times
    // slower: benchmarks check this before they time anything.
    m.add("OPTIMIZED", !cfg!(debug_assertions))?;
    Ok(())
}
