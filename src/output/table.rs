//! Score lines as an Arrow table (the `parquet` feature): one row per
//! record, flat typed columns — for `score -o out.parquet` and for Arrow
//! callers (Python, Spark).
//!
//! The columns are those of a score line, nested names joined by `_`
//! (`behavior_scores_overall`, `features_city_hard_brake`,
//! `data_quality_spikes`): text for strings, booleans for flags
//! (`data_quality_measured_speed_used`), 64-bit integers for the
//! additive features, data quality and map-match counts, doubles for the
//! rest; what `--annotations`, `--explain` and `--trajectory` add is one
//! JSON text column each. An error record is a row with `source`, `line`,
//! `event_id` and `error_kind`, `error_field`, `error_message` set and the
//! rest null: nothing is dropped. The schema comes from the score line of
//! a small made-up trip ([`template_line`]), so it depends on the options,
//! not on the input.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use serde::Serialize;
use serde_json::Value;

use super::flatten::{AS_JSON, Cell, Flatten};

use crate::config::Config;
use crate::input::{RawTrip, RecordError, Trajectory};
use crate::map::MatchStats;
use crate::output::record::{RecordOptions, trip_record};

/// Columns under these prefixes hold whole numbers.
const INTEGER_PREFIXES: &[&str] = &["features_", "data_quality_", "map_match_"];

/// A score-table problem: a value that cannot be flattened into a row,
/// a line that is not JSON, or Arrow's.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TableError(String);

enum Builder {
    Text(StringBuilder),
    Bool(BooleanBuilder),
    Float(Float64Builder),
    Int(Int64Builder),
}

/// What a leaf of a score line holds, which decides its column's type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leaf {
    Text,
    Bool,
    Number,
}

impl Builder {
    /// Appends `cell` as this column's type takes it — as the JSON of a
    /// score line read back would give it: a number in a text column as
    /// its JSON text, text or a fraction in an integer column as null.
    fn append(&mut self, cell: Option<Cell>) {
        match self {
            Self::Text(b) => match cell {
                None | Some(Cell::Null) => b.append_null(),
                Some(Cell::Text(s)) => b.append_value(s),
                Some(Cell::Bool(v)) => b.append_value(if v { "true" } else { "false" }),
                Some(Cell::Int(v)) => b.append_value(v.to_string()),
                Some(Cell::UInt(v)) => b.append_value(v.to_string()),
                Some(Cell::Float(v)) => b.append_value(Value::from(v).to_string()),
            },
            Self::Bool(b) => b.append_option(match cell {
                Some(Cell::Bool(v)) => Some(v),
                _ => None,
            }),
            #[allow(clippy::cast_precision_loss, reason = "JSON's as_f64 of an integer")]
            Self::Float(b) => b.append_option(match cell {
                Some(Cell::Float(v)) => Some(v),
                Some(Cell::Int(v)) => Some(v as f64),
                Some(Cell::UInt(v)) => Some(v as f64),
                _ => None,
            }),
            Self::Int(b) => b.append_option(match cell {
                Some(Cell::Int(v)) => Some(v),
                Some(Cell::UInt(v)) => i64::try_from(v).ok(),
                _ => None,
            }),
        }
    }
}

/// The leaves of `value` as (path, what it holds) — objects flattened, the
/// [`AS_JSON`] parts kept whole.
fn leaves(value: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Leaf)>) {
    match value {
        Value::Object(map) if !(path.len() == 1 && AS_JSON.contains(&path[0].as_str())) => {
            for (k, v) in map {
                path.push(k.clone());
                leaves(v, path, out);
                path.pop();
            }
        }
        Value::Number(_) => out.push((path.clone(), Leaf::Number)),
        Value::Bool(_) => out.push((path.clone(), Leaf::Bool)),
        _ => out.push((path.clone(), Leaf::Text)),
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

/// The columns of a score table by name: what [`RowLayout::row`] files a
/// record's values under. Shared (read-only) by the threads that make rows.
#[derive(Debug)]
pub struct RowLayout {
    index: HashMap<String, usize>,
}

/// One record's values, filed by column: made by [`RowLayout::row`] (on
/// any thread), appended by [`ScoreColumns::push_row`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoreRow {
    cells: Vec<(usize, Cell)>,
}

impl RowLayout {
    /// The row of `value` — a [`crate::TripRecord`], a
    /// [`crate::input::RecordError`], or a score line as a JSON value:
    /// every leaf of its serialisation under the column named by its path
    /// (keys joined by `_`), `behavior_annotations`, `explanation` and
    /// `trajectory` each as its JSON text, leaves without a column left
    /// out. No JSON text is written or read on the way, except for those
    /// parts.
    ///
    /// # Errors
    /// The value's serialisation fails (a map key that is not text or a
    /// number).
    pub fn row<T: Serialize + ?Sized>(&self, value: &T) -> Result<ScoreRow, TableError> {
        let cells = Flatten::row(&self.index, value).map_err(|e| TableError(e.to_string()))?;
        Ok(ScoreRow { cells })
    }
}

/// Column builders for score lines.
///
/// # Example
/// ```
/// use tripscore::output::{ScoreColumns, template_line};
/// use tripscore::{Config, RecordOptions, RawTrip, Trajectory, trip_record};
/// let config = Config::default();
/// let template = template_line(&config, RecordOptions::default(), false)?;
/// let mut table = ScoreColumns::new(&template, &[]);
/// let trip = Trajectory::try_from(RawTrip {
///     lat_deg: vec![50.0, 50.001, 50.002],
///     lon_deg: vec![4.0; 3],
///     time_ms: Some(vec![1_553_240_265_000, 1_553_240_275_000, 1_553_240_285_000]),
///     ..RawTrip::default()
/// })?;
/// let record = trip_record(&trip, &config, RecordOptions::default()).unwrap();
/// let row = table.layout().row(&record)?;
/// table.push_row(row);
/// table.push_line(r#"{"source":"x","line":3,"error":{"kind":"json","message":"bad"}}"#)?;
/// let batch = table.take_batch()?;
/// assert_eq!(batch.num_rows(), 2);
/// assert!(batch.column_by_name("behavior_scores_overall").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ScoreColumns {
    names: Vec<String>,
    builders: Vec<Builder>,
    layout: Arc<RowLayout>,
    rows: usize,
    /// A row's cells by column, reused.
    slots: Vec<Option<Cell>>,
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
                found.push((vec![(*part).to_owned()], Leaf::Text));
            }
        }
        let mut columns: Vec<(String, Builder)> = [("source", Leaf::Text), ("line", Leaf::Number)]
            .iter()
            .map(|(name, leaf)| (vec![(*name).to_owned()], *leaf))
            .chain(found.into_iter().filter(|(p, _)| p[0] != "type"))
            .chain(
                ["kind", "field", "message"]
                    .iter()
                    .map(|k| (vec!["error".to_owned(), (*k).to_owned()], Leaf::Text)),
            )
            .map(|(path, leaf)| {
                let name = path.join("_");
                let builder = if leaf == Leaf::Text || AS_JSON.contains(&path[0].as_str()) {
                    Builder::Text(StringBuilder::new())
                } else if leaf == Leaf::Bool {
                    Builder::Bool(BooleanBuilder::new())
                } else if name == "line" || INTEGER_PREFIXES.iter().any(|p| name.starts_with(p)) {
                    Builder::Int(Int64Builder::new())
                } else {
                    Builder::Float(Float64Builder::new())
                };
                (name, builder)
            })
            .collect();
        columns.dedup_by(|a, b| a.0 == b.0);
        let (names, builders): (Vec<String>, Vec<Builder>) = columns.into_iter().unzip();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        Self {
            slots: vec![None; names.len()],
            names,
            builders,
            layout: Arc::new(RowLayout { index }),
            rows: 0,
        }
    }

    /// The layout rows for this table are made with.
    #[must_use]
    pub fn layout(&self) -> Arc<RowLayout> {
        Arc::clone(&self.layout)
    }

    /// Rows appended since the last [`ScoreColumns::take_batch`].
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends a row made by this table's [`ScoreColumns::layout`]; a column
    /// the row has no value for is null.
    pub fn push_row(&mut self, row: ScoreRow) {
        for (column, cell) in row.cells {
            if let Some(slot) = self.slots.get_mut(column) {
                *slot = Some(cell);
            }
        }
        for (builder, slot) in self.builders.iter_mut().zip(&mut self.slots) {
            builder.append(slot.take());
        }
        self.rows += 1;
    }

    /// Appends a record's error as a row: `source`, `line`, `event_id` and
    /// the `error_*` columns set, the rest null.
    ///
    /// # Errors
    /// Never for a [`RecordError`] (its serialisation is plain).
    pub fn push_error(&mut self, error: &RecordError) -> Result<(), TableError> {
        let row = self.layout.row(error)?;
        self.push_row(row);
        Ok(())
    }

    /// Appends one score line (or error line) given as JSON text, as
    /// [`ScoreColumns::push_row`] would the record it was written from (but
    /// for the JSON text parts, whose keys come out sorted: the line is read
    /// into a `serde_json::Value` first).
    ///
    /// # Errors
    /// The line is not JSON.
    pub fn push_line(&mut self, line: &str) -> Result<(), TableError> {
        let value: Value = serde_json::from_str(line).map_err(|e| TableError(e.to_string()))?;
        let row = self.layout.row(&value)?;
        self.push_row(row);
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
            .names
            .iter()
            .zip(&mut self.builders)
            .map(|(name, builder)| {
                let array: ArrayRef = match builder {
                    Builder::Text(b) => Arc::new(b.finish()),
                    Builder::Bool(b) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                    Builder::Int(b) => Arc::new(b.finish()),
                };
                (name.clone(), array, true)
            })
            .collect();
        RecordBatch::try_from_iter_with_nullable(arrays).map_err(|e| TableError(e.to_string()))
    }
}
