//! `score -o out.parquet` (the `parquet` feature): the score lines as
//! Parquet rows ([`tripscore::output::ScoreColumns`] gives the columns).

use std::fs::File;
use std::io::{self, Write};

use parquet::arrow::ArrowWriter;
use serde_json::Value;
use tripscore::output::ScoreColumns;

use super::Fatal;

/// Rows per record batch written.
const BATCH_ROWS: usize = 4096;

/// A writer of score lines as Parquet rows.
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

    /// Writes the last rows and the file's footer.
    pub(crate) fn finish(mut self) -> Result<(), Fatal> {
        self.table.finish_lines()?;
        self.flush_batch()?;
        self.writer.close()?;
        Ok(())
    }
}

impl Write for ParquetLines {
    /// Takes the batch's output bytes; each whole line becomes a row.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.table.write(buf)?;
        if self.table.rows() >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(n)
    }

    /// Rows are written in batches; the footer by [`ParquetLines::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
