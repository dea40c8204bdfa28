//! Streaming, parallel, order-preserving batch processing of trip records.
//!
//! Records are read in windows of [`BatchOptions::window`]; each window is
//! processed on a rayon pool while the calling thread reads the next one, and
//! written in input order once processed. At most two windows are held at a
//! time, so memory is bounded by the window, not the input, and the output is
//! byte-identical whatever the number of threads. Every input record yields
//! exactly one output line: the processor's result, or the record's error line
//! ([`run_batch_to`]: one item into any [`BatchSink`], e.g. a table row).
//!
//! [`rollup()`] is `aggregate`'s batch: `score` output summed per user in
//! bounded memory (spilling to shard files), each trip counted once; with
//! [`RollupOptions::partial`] it writes partial aggregates, which
//! [`merge_partials`] streams together (`tripscore merge`).

mod merge;
mod rollup;

pub use self::merge::{MergeError, MergeSummary, merge_partials};
pub use self::rollup::{
    Partial, PartialLine, RollupError, RollupOptions, RollupProblem, RollupSummary, SHARDS, rollup,
    trip_key,
};

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::input::Trajectory;
use crate::input::{InputError, InputRecord, RecordError};

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// Most records read, processed and written per round (memory bound).
    pub window: usize,
    /// Most input bytes per round (memory bound for large records), bytes.
    /// The default, 8 MiB, keeps the lines in flight few enough that the
    /// reader takes back the buffers of lines already parsed instead of
    /// faulting in fresh pages (docs/PERFORMANCE.md, step 63).
    pub window_bytes: usize,
    /// When set (e.g. by a signal handler), the batch stops after the window
    /// being written: the output ends with a whole record, is flushed, and
    /// the summary says `stopped`.
    pub stop: Option<Arc<AtomicBool>>,
    /// Written between two records (`"\n"`: JSON Lines).
    pub separator: &'static str,
    /// Written after the last record (`"\n"`), if there is one.
    pub terminator: &'static str,
    /// The output text of a bad record; by default its JSON error line
    /// (docs/API.md, "Error line").
    pub error_text: fn(&RecordError) -> String,
}

/// The JSON error line of a bad record (the default [`BatchOptions::error_text`]).
#[must_use]
pub fn error_json(e: &RecordError) -> String {
    // A RecordError has only strings and integers: it always serialises.
    serde_json::to_string(e).unwrap_or_else(|_| e.to_string())
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            threads: 0,
            window: 2048,
            window_bytes: 8 << 20,
            stop: None,
            separator: "\n",
            terminator: "\n",
            error_text: error_json,
        }
    }
}

/// Counts of a finished (or failed) batch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchSummary {
    /// Records read.
    pub records: u64,
    /// Records that produced a result.
    pub ok: u64,
    /// Records that produced an error line.
    pub errors: u64,
    /// Fixes in the records that produced a result.
    pub points: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// The batch was stopped (by [`BatchOptions::stop`]) before the end of its input.
    pub stopped: bool,
}

impl BatchSummary {
    /// Fixes per second of wall time.
    #[must_use]
    pub fn points_per_s(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        #[allow(clippy::cast_precision_loss, reason = "a rate for display")]
        let points = self.points as f64;
        if s > 0.0 { points / s } else { 0.0 }
    }
}

impl std::fmt::Display for BatchSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} records in, {} ok, {} errors, {} points, {:.2} s, {:.0} points/s",
            self.records,
            self.ok,
            self.errors,
            self.points,
            self.elapsed.as_secs_f64(),
            self.points_per_s()
        )?;
        if self.stopped {
            f.write_str(", stopped before the end of the input")?;
        }
        Ok(())
    }
}

/// A batch that could not go on: reading the input or writing the output failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// Reading an input failed.
    #[error("reading input: {0}")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[source] io::Error),
    /// The thread pool could not be built.
    #[error("starting worker threads: {0}")]
    Threads(String),
}

/// What processing one trip gives: its output line (without the newline).
pub type ProcessResult = Result<String, InputError>;

/// Where [`run_batch_to`] puts each record's outcome, in input order: one
/// call per input record.
pub trait BatchSink<T> {
    /// A record processed into `item`.
    ///
    /// # Errors
    /// The output cannot take it.
    fn item(&mut self, item: T) -> io::Result<()>;

    /// A record that could not be processed (nothing is dropped: the error
    /// takes the record's place).
    ///
    /// # Errors
    /// The output cannot take it.
    fn error(&mut self, error: &RecordError) -> io::Result<()>;
}

/// [`run_batch`]'s output: each record's line, or its error line as
/// [`BatchOptions::error_text`] writes it, separated by
/// [`BatchOptions::separator`]; [`LineSink::finish`] adds the terminator.
pub struct LineSink<'a> {
    out: &'a mut dyn Write,
    separator: &'static str,
    terminator: &'static str,
    error_text: fn(&RecordError) -> String,
    lines: u64,
}

impl<'a> LineSink<'a> {
    /// Lines into `out`, punctuated as `options` says.
    #[must_use]
    pub fn new(out: &'a mut dyn Write, options: &BatchOptions) -> Self {
        Self {
            out,
            separator: options.separator,
            terminator: options.terminator,
            error_text: options.error_text,
            lines: 0,
        }
    }

    fn line(&mut self, line: &str) -> io::Result<()> {
        if self.lines > 0 {
            self.out.write_all(self.separator.as_bytes())?;
        }
        self.lines += 1;
        self.out.write_all(line.as_bytes())
    }

    /// Writes the terminator after the last line (if there was one) and
    /// flushes.
    ///
    /// # Errors
    /// Writing fails.
    pub fn finish(self) -> io::Result<()> {
        if self.lines > 0 {
            self.out.write_all(self.terminator.as_bytes())?;
        }
        self.out.flush()
    }
}

impl BatchSink<String> for LineSink<'_> {
    fn item(&mut self, item: String) -> io::Result<()> {
        self.line(&item)
    }

    fn error(&mut self, error: &RecordError) -> io::Result<()> {
        let text = (self.error_text)(error);
        self.line(&text)
    }
}

/// A score table takes each record as a row (made on the workers by its
/// [`crate::output::RowLayout`]) and each error as an error row.
#[cfg(feature = "parquet")]
impl BatchSink<crate::output::ScoreRow> for crate::output::ScoreColumns {
    fn item(&mut self, row: crate::output::ScoreRow) -> io::Result<()> {
        self.push_row(row);
        Ok(())
    }

    fn error(&mut self, error: &RecordError) -> io::Result<()> {
        self.push_error(error).map_err(io::Error::other)
    }
}

enum Outcome<T> {
    Ok { item: T, points: usize },
    Err(RecordError),
}

fn process_one<T, F>(record: InputRecord, process: &F) -> Outcome<T>
where
    F: Fn(&Trajectory) -> Result<T, InputError>,
{
    let pos = record.pos.clone();
    match record.into_trajectory() {
        Err(e) => Outcome::Err(e),
        Ok(trip) => match process(&trip) {
            Ok(item) => Outcome::Ok {
                item,
                points: trip.len(),
            },
            Err(mut e) => {
                if e.event_id.is_none() {
                    e.event_id = Some(trip.event_id().to_owned());
                }
                Outcome::Err(RecordError::new(&pos, e))
            }
        },
    }
}

/// Processes every record of `records` with `process` and writes one line per
/// record to `out`, in input order.
///
/// `records` is read a window ahead while the workers score the window
/// before, by a worker when there are two or more (hence `Send`): as many
/// busy threads as `options.threads`.
///
/// `on_window` is called after each window is written, with the running summary
/// (for progress reports).
///
/// # Errors
/// Reading or writing fails; the summary so far is lost with the run.
///
/// # Example
/// ```
/// use tripscore::input::JsonlReader;
/// use tripscore::{run_batch, BatchOptions};
/// let input = concat!(
///     r#"{"encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}"#, "\n",
///     "not json\n",
/// );
/// let mut out = Vec::new();
/// let summary = run_batch(
///     JsonlReader::new(input.as_bytes(), "-"),
///     BatchOptions::default(),
///     |trip| Ok(format!("{}", trip.len())),
///     &mut out,
///     |_| {},
/// )?;
/// assert_eq!((summary.ok, summary.errors), (1, 1));
/// assert!(String::from_utf8(out)?.starts_with("2\n{\"source\":\"-\",\"line\":2,"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_batch<I, F, P>(
    records: I,
    options: BatchOptions,
    process: F,
    out: &mut dyn Write,
    on_window: P,
) -> Result<BatchSummary, BatchError>
where
    I: IntoIterator<Item = io::Result<InputRecord>>,
    I::IntoIter: Send,
    F: Fn(&Trajectory) -> ProcessResult + Sync,
    P: FnMut(&BatchSummary),
{
    let start = Instant::now();
    let mut lines = LineSink::new(out, &options);
    let mut summary = run_batch_to(records, options, process, &mut lines, on_window)?;
    lines.finish().map_err(BatchError::Write)?;
    summary.elapsed = start.elapsed();
    Ok(summary)
}

/// [`run_batch`] into any [`BatchSink`]: `process` makes a `T` of each
/// trip on the workers (a line, a table row, …), and `sink` takes each
/// record's item or error in input order. [`BatchOptions::separator`],
/// `terminator` and `error_text` are the [`LineSink`]'s business, not this
/// function's.
///
/// # Errors
/// Reading fails, or the sink refuses an item.
pub fn run_batch_to<I, T, F, P>(
    records: I,
    options: BatchOptions,
    process: F,
    sink: &mut dyn BatchSink<T>,
    mut on_window: P,
) -> Result<BatchSummary, BatchError>
where
    I: IntoIterator<Item = io::Result<InputRecord>>,
    I::IntoIter: Send,
    T: Send,
    F: Fn(&Trajectory) -> Result<T, InputError> + Sync,
    P: FnMut(&BatchSummary),
{
    let start = Instant::now();
    let BatchOptions {
        threads,
        window,
        window_bytes,
        stop,
        ..
    } = options;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BatchError::Threads(e.to_string()))?;
    let window = window.max(1);
    let mut summary = BatchSummary::default();
    let mut records = records.into_iter();
    // Reads the next window: up to `window` records or `window_bytes` bytes.
    // The first window is read while the workers wait, so it is small (1/16)
    // and each next one doubles up to the full size: the workers start
    // within milliseconds instead of after a whole window of reading.
    let mut ramp = 16;
    let mut read_window = || -> Result<Vec<InputRecord>, BatchError> {
        let (most, most_bytes) = ((window / ramp).max(1), window_bytes / ramp);
        ramp = (ramp / 2).max(1);
        let mut buf = Vec::with_capacity(most);
        let mut bytes = 0;
        for r in records.by_ref() {
            let r = r.map_err(BatchError::Read)?;
            bytes += r.size_bytes();
            buf.push(r);
            if buf.len() == most || bytes >= most_bytes {
                break;
            }
        }
        Ok(buf)
    };
    let mut next = read_window()?;
    while !next.is_empty() {
        // The workers score this window while the next one is read.
        let current = std::mem::take(&mut next);
        let score = || -> Vec<Outcome<T>> {
            current
                .into_par_iter()
                .map(|r| process_one(r, &process))
                .collect()
        };
        let (outcomes, read) = if pool.current_num_threads() > 1 {
            // Reading is one more task of the pool, which the first free
            // worker takes and then joins the scoring: as many busy threads
            // as workers. A reading thread of its own made one more than
            // cores, and typical runs 6 % slower on two.
            pool.install(|| rayon::join(score, &mut read_window))
        } else {
            // One worker: this thread reads alongside it.
            let mut outcomes = Vec::new();
            let mut read = Ok(Vec::new());
            pool.in_place_scope(|scope| {
                scope.spawn(|_| outcomes = score());
                read = read_window();
            });
            (outcomes, read)
        };
        for outcome in outcomes {
            summary.records += 1;
            match outcome {
                Outcome::Ok { item, points } => {
                    summary.ok += 1;
                    summary.points += points as u64;
                    sink.item(item)
                }
                Outcome::Err(e) => {
                    summary.errors += 1;
                    sink.error(&e)
                }
            }
            .map_err(BatchError::Write)?;
        }
        summary.elapsed = start.elapsed();
        on_window(&summary);
        next = read?;
        if !next.is_empty() && stop.as_ref().is_some_and(|s| s.load(Ordering::Relaxed)) {
            summary.stopped = true;
            break;
        }
    }
    summary.elapsed = start.elapsed();
    Ok(summary)
}
