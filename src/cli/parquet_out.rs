//! `score -o out.parquet` (the `parquet` feature): each record as a
//! Parquet row ([`tripscore::output::ScoreColumns`] gives the columns).

use std::fs::File;
use std::io;

use parquet::arrow::ArrowWriter;
use serde_json::Value;
use tripscore::BatchSink;
use tripscore::input::RecordError;
use tripscore::output::{RowLayout, ScoreColumns, ScoreRow};

use super::Fatal;

/// Rows per record batch written.
const BATCH_ROWS: usize = 4096;

/// A writer of records as Parquet rows.
pub(crate) struct ParquetLines {
    writer: ArrowWriter<File>,
    table: ScoreColumns,
}

impl ParquetLines {
    /// Creates `path` with the columns of `template` (a score line as JSON),
    /// the JSON text columns `json_parts` and the error columns.
    pub(crate) fn create(path: &str, template: &Value, json_parts: &[&str]) -> Result<Self, Fatal> {
        let mut table = ScoreColumns::new(template, json_parts);
        let schema = table.take_batch()?.schema();
        let file = File::create(path).map_err(|e| Fatal::new(format!("{path}: {e}")))?;
        let writer = ArrowWriter::try_new(file, schema, None)
            .map_err(|e| Fatal::new(format!("{path}: {e}")))?;
        Ok(Self { writer, table })
    }

    fn flush_batch(&mut self) -> io::Result<()> {
        let batch = self.table.take_batch().map_err(io::Error::other)?;
        if batch.num_rows() > 0 {
            self.writer.write(&batch).map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// How rows for this file are made (on any thread).
    pub(crate) fn layout(&self) -> std::sync::Arc<RowLayout> {
        self.table.layout()
    }

    /// Writes the last rows and the file's footer.
    pub(crate) fn finish(mut self) -> Result<(), Fatal> {
        self.flush_batch()?;
        self.writer.close()?;
        Ok(())
    }

    fn row_written(&mut self) -> io::Result<()> {
        if self.table.rows() >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }
}

/// The table's own rows, written out every [`BATCH_ROWS`].
impl BatchSink<ScoreRow> for ParquetLines {
    fn item(&mut self, row: ScoreRow) -> io::Result<()> {
        self.table.item(row)?;
        self.row_written()
    }

    fn error(&mut self, error: &RecordError) -> io::Result<()> {
        self.table.error(error)?;
        self.row_written()
    }
}
