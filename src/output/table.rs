//! Score lines as an Arrow table (the `parquet` feature): one row per
//! record, flat typed columns — for `score -o out.parquet` and for Arrow
//! callers (Python, Spark).
//!
//! The columns are those of a score line, nested names joined by `_`
//! (`behavior_scores_overall`, `features_city_hard_brake`,
//! `data_quality_spikes`): text for strings, 64-bit integers for the
//! additive features, data quality and map-match counts, doubles for the
//! rest; what `--annotations`, `--explain` and `--trajectory` add is one
//! JSON text column each. An error record is a row with `source`, `line`,
//! `event_id` and `error_kind`, `error_field`, `error_message` set and the
//! rest null: nothing is dropped. The schema comes from the score line of
//! a small made-up trip ([`template_line`]), so it depends on the options,
//! not on the input.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use serde_json::Value;

use crate::config::Config;
use crate::input::{RawTrip, Trajectory};
use crate::map::MatchStats;
use crate::output::record::{RecordOptions, trip_record};

/// Parts of a score line written as one JSON text column.
const AS_JSON: &[&str] = &["behavior_annotations", "explanation", "trajectory"];

/// Columns under these prefixes hold whole numbers.
const INTEGER_PREFIXES: &[&str] = &["features_", "data_quality_", "map_match_"];

/// A score-table problem: a line that is not a score line, or Arrow's.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TableError(String);

enum Builder {
    Text(StringBuilder),
    Float(Float64Builder),
    Int(Int64Builder),
}

struct Column {
    name: String,
    /// The path of the value in a score line.
    path: Vec<String>,
    builder: Builder,
}

/// The leaves of `value` as (path, is text) — objects flattened, the
/// [`AS_JSON`] parts kept whole.
fn leaves(value: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, bool)>) {
    match value {
        Value::Object(map) if !(path.len() == 1 && AS_JSON.contains(&path[0].as_str())) => {
            for (k, v) in map {
                path.push(k.clone());
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Number(_) => out.push((path.clone(), false)),
        _ => out.push((path.clone(), true)),
    }
}

/// The score line of a made-up three-fix trip with `options` (and a
/// `map_match` part when `matched`), as JSON: the shape of every score line
/// with those options.
///
/// # Errors
/// Never for the default configuration; a configuration that cannot score
/// a plain trip gives a [`TableError`].
pub fn template_line(
    config: &Config,
    options: RecordOptions,
    matched: bool,
) -> Result<Value, TableError> {
    let raw = RawTrip {
        user_id: Some("u".into()),
        lat_deg: vec![50.0, 50.0005, 50.001],
        lon_deg: vec![4.0; 3],
        time_ms: Some(vec![
            1_553_240_265_000,
            1_553_240_270_000,
            1_553_240_275_000,
        ]),
        ..RawTrip::default()
    };
    let trip = Trajectory::try_from(raw).map_err(|e| TableError(e.to_string()))?;
    let mut record = trip_record(&trip, config, options)
        .ok_or_else(|| TableError("the template trip has no times".into()))?;
    if matched {
        record.map_match = Some(MatchStats::default());
    }
    serde_json::to_value(&record).map_err(|e| TableError(e.to_string()))
}

/// Column builders for score lines.
///
/// # Example
/// ```
/// use tripscore::output::{ScoreColumns, template_line};
/// use tripscore::{Config, RecordOptions};
/// let template = template_line(&Config::default(), RecordOptions::default(), false)?;
/// let mut table = ScoreColumns::new(&template, &[]);
/// table.push_line(r#"{"source":"x","line":3,"error":{"kind":"json","message":"bad"}}"#)?;
/// let batch = table.take_batch()?;
/// assert_eq!(batch.num_rows(), 1);
/// assert!(batch.column_by_name("behavior_scores_overall").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ScoreColumns {
    columns: Vec<Column>,
    rows: usize,
    /// Bytes written (as `Write`) after the last whole line.
    pending: Vec<u8>,
}

impl ScoreColumns {
    /// The columns of `template` (a score line as JSON, see
    /// [`template_line`]), the JSON text columns named in `json_parts`
    /// (`behavior_annotations`, `explanation`, `trajectory`), and the error
    /// columns.
    #[must_use]
    pub fn new(template: &Value, json_parts: &[&str]) -> Self {
        let mut found = Vec::new();
        leaves(template, &mut Vec::new(), &mut found);
        for part in json_parts {
            if !found.iter().any(|(p, _)| p.len() == 1 && p[0] == *part) {
                found.push((vec![(*part).to_owned()], true));
            }
        }
        let mut columns: Vec<Column> = [("source", true), ("line", false)]
            .iter()
            .map(|(name, text)| (vec![(*name).to_owned()], *text))
            .chain(found.into_iter().filter(|(p, _)| p[0] != "type"))
            .chain(
                ["kind", "field", "message"]
                    .iter()
                    .map(|k| (vec!["error".to_owned(), (*k).to_owned()], true)),
            )
            .map(|(path, text)| {
                let name = path.join("_");
                let builder = if text || AS_JSON.contains(&path[0].as_str()) {
                    Builder::Text(StringBuilder::new())
                } else if name == "line" || INTEGER_PREFIXES.iter().any(|p| name.starts_with(p)) {
                    Builder::Int(Int64Builder::new())
                } else {
                    Builder::Float(Float64Builder::new())
                };
                Column {
                    name,
                    path,
                    builder,
                }
            })
            .collect();
        columns.dedup_by(|a, b| a.name == b.name);
        Self {
            columns,
            rows: 0,
            pending: Vec::new(),
        }
    }

    /// Rows appended since the last [`ScoreColumns::take_batch`].
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends what was written (as `Write`) after the last newline as a
    /// row, if anything was.
    ///
    /// # Errors
    /// It is not a JSON line.
    pub fn finish_lines(&mut self) -> Result<(), TableError> {
        let rest = std::mem::take(&mut self.pending);
        let text = String::from_utf8(rest).map_err(|e| TableError(e.to_string()))?;
        if text.trim().is_empty() {
            return Ok(());
        }
        self.push_line(text.trim_end())
    }

    /// Appends one score line (or error line) as a row.
    ///
    /// # Errors
    /// The line is not JSON.
    pub fn push_line(&mut self, line: &str) -> Result<(), TableError> {
        let value: Value = serde_json::from_str(line).map_err(|e| TableError(e.to_string()))?;
        for c in &mut self.columns {
            let mut v = &value;
            for key in &c.path {
                v = v.get(key).unwrap_or(&Value::Null);
            }
            match &mut c.builder {
                Builder::Text(b) => match v {
                    Value::Null => b.append_null(),
                    Value::String(s) => b.append_value(s),
                    other => b.append_value(other.to_string()),
                },
                Builder::Float(b) => b.append_option(v.as_f64()),
                Builder::Int(b) => b.append_option(v.as_i64()),
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows appended since the last call, as a record batch (every
    /// column nullable: error rows fill only theirs).
    ///
    /// # Errors
    /// Arrow refuses the batch (it does not for these builders).
    pub fn take_batch(&mut self) -> Result<RecordBatch, TableError> {
        self.rows = 0;
        let arrays: Vec<(String, ArrayRef, bool)> = self
            .columns
            .iter_mut()
            .map(|c| {
                let array: ArrayRef = match &mut c.builder {
                    Builder::Text(b) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                    Builder::Int(b) => Arc::new(b.finish()),
                };
                (c.name.clone(), array, true)
            })
            .collect();
        RecordBatch::try_from_iter_with_nullable(arrays).map_err(|e| TableError(e.to_string()))
    }
}

/// Lines written into the table (as `run_batch` writes its output): each
/// whole line becomes a row; [`ScoreColumns::finish_lines`] takes a last
/// line without a newline.
impl std::io::Write for ScoreColumns {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(end) = memchr::memchr(b'\n', &self.pending) {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let text = std::str::from_utf8(&line[..end]).map_err(std::io::Error::other)?;
            if !text.trim().is_empty() {
                self.push_line(text).map_err(std::io::Error::other)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
