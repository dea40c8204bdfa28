//! `score -o out.parquet` (the `parquet` feature): one row per input record,
//! flat typed columns — what Spark, pandas and DuckDB read directly.
//!
//! The columns are those of a score line, nested names joined by `_`
//! (`behavior_scores_overall`, `features_city_hard_brake`,
//! `data_quality_spikes`): text for strings, 64-bit integers for the
//! additive features, data quality and map-match counts, doubles for the
//! rest; what `--annotations`, `--explain` and `--trajectory` add is one
//! JSON text column each. An error record is a row with `source`, `line`,
//! `event_id` and `error_kind`, `error_field`, `error_message` set and the
//! rest null: nothing is dropped. The schema is taken from a score line of
//! a small made-up trip, so it is the same for every run with the same
//! options, whatever the input.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use parquet::arrow::ArrowWriter;
use serde_json::Value;

use super::Fatal;

/// Rows per record batch written.
const BATCH_ROWS: usize = 4096;

/// Parts of a score line written as one JSON text column.
const AS_JSON: &[&str] = &["behavior_annotations", "explanation", "trajectory"];

/// Columns under these prefixes hold whole numbers.
const INTEGER_PREFIXES: &[&str] = &["features_", "data_quality_", "map_match_"];

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

/// A writer of score lines as Parquet rows.
pub(crate) struct ParquetLines {
    writer: ArrowWriter<File>,
    columns: Vec<Column>,
    rows: usize,
    pending: Vec<u8>,
}

impl ParquetLines {
    /// Creates `path` with the columns of `template` (a score line as JSON)
    /// and the error columns.
    pub(crate) fn create(
        path: &str,
        template: &Value,
        options_json: &[&str],
    ) -> Result<Self, Fatal> {
        let mut found = Vec::new();
        leaves(template, &mut Vec::new(), &mut found);
        for part in options_json {
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
        let schema = Self::batch_of(&mut columns)?.schema();
        let file = File::create(path).map_err(|e| Fatal::new(format!("{path}: {e}")))?;
        let writer = ArrowWriter::try_new(file, schema, None)
            .map_err(|e| Fatal::new(format!("{path}: {e}")))?;
        Ok(Self {
            writer,
            columns,
            rows: 0,
            pending: Vec::new(),
        })
    }

    /// The rows appended so far as a record batch (the builders emptied).
    fn batch_of(columns: &mut [Column]) -> io::Result<RecordBatch> {
        let arrays: Vec<(String, ArrayRef, bool)> = columns
            .iter_mut()
            .map(|c| {
                let array: ArrayRef = match &mut c.builder {
                    Builder::Text(b) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                    Builder::Int(b) => Arc::new(b.finish()),
                };
                // Every column may be null: error rows fill only theirs.
                (c.name.clone(), array, true)
            })
            .collect();
        RecordBatch::try_from_iter_with_nullable(arrays).map_err(io::Error::other)
    }

    fn push_line(&mut self, line: &str) -> io::Result<()> {
        let value: Value = serde_json::from_str(line).map_err(io::Error::other)?;
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
        if self.rows.is_multiple_of(BATCH_ROWS) {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> io::Result<()> {
        let batch = Self::batch_of(&mut self.columns)?;
        if batch.num_rows() > 0 {
            self.writer.write(&batch).map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Writes the last rows and the file's footer.
    pub(crate) fn finish(mut self) -> Result<(), Fatal> {
        if !self.pending.is_empty() {
            let line = String::from_utf8(std::mem::take(&mut self.pending))?;
            self.push_line(line.trim_end())?;
        }
        self.flush_batch()?;
        self.writer.close()?;
        Ok(())
    }
}

impl Write for ParquetLines {
    /// Takes the batch's output bytes; each whole line becomes a row.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        while let Some(end) = memchr::memchr(b'\n', &self.pending) {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let text = std::str::from_utf8(&line[..end]).map_err(io::Error::other)?;
            if !text.trim().is_empty() {
                self.push_line(text)?;
            }
        }
        Ok(buf.len())
    }

    /// Rows are written in batches; the footer by [`ParquetLines::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
