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
    rows: usize,
    pending: Vec<u8>,
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
        Ok(Self {
            writer,
            table,
            rows: 0,
            pending: Vec::new(),
        })
    }

    fn push_line(&mut self, line: &str) -> io::Result<()> {
        self.table.push_line(line).map_err(io::Error::other)?;
        self.rows += 1;
        if self.rows.is_multiple_of(BATCH_ROWS) {
            self.flush_batch()?;
        }
        Ok(())
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
