//! Merging partial aggregates (`aggregate --partial` output, from shards
//! scored and aggregated anywhere) into users' scores, or into one partial.
//!
//! Partials are sorted by user, so the merge streams: a k-way merge holding
//! one line per input, whatever the number of users. Window features are
//! integers and add exactly, so merging the partials of disjoint shards
//! gives the bytes of aggregating all trips at once. A trip summed in two
//! partials (a shard aggregated twice) is found by its key and reported: it
//! cannot be taken out again, so the result counts it twice and the run
//! says so.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::input::{InputRecord, Payload};
use crate::score::ScoreConfig;

use super::rollup::{PartialLine, RollupOptions, RollupProblem, write_user};

/// What a merge found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Partial lines read.
    pub lines: u64,
    /// Users written.
    pub users: u64,
    /// Lines that are not partial aggregates.
    pub unreadable: u64,
    /// Trips summed in more than one partial.
    pub counted_twice: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// A merge that could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// Reading an input failed.
    #[error("reading input: {0}")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[source] io::Error),
    /// An input is not sorted by user, as `aggregate --partial` writes.
    #[error(
        "{input}:{line}: user {user_id:?} comes after {previous:?}: not `aggregate --partial` output (sorted by user)"
    )]
    Unsorted {
        /// The input.
        input: Arc<str>,
        /// The line.
        line: u64,
        /// Its user.
        user_id: String,
        /// The user before it.
        previous: String,
    },
    /// Partials of different instants or windows cannot be added.
    #[error(
        "{input}:{line}: a partial as of {as_of_ms} ms with windows {windows}, the first one was as of {first_as_of_ms} ms with {first_windows}; aggregate every shard with the same --as-of and --past"
    )]
    Mismatch {
        /// The input.
        input: Arc<str>,
        /// The line.
        line: u64,
        /// Its instant, Unix ms.
        as_of_ms: i64,
        /// Its windows.
        windows: String,
        /// The first partial's instant.
        first_as_of_ms: i64,
        /// The first partial's windows.
        first_windows: String,
    },
}

/// One input's current line.
struct Head {
    line: PartialLine,
    input: usize,
    at: u64,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Head {}
impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Head {
    // Reversed: the heap pops the smallest user, then the first input.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .line
            .user_id
            .cmp(&self.line.user_id)
            .then(other.input.cmp(&self.input))
    }
}

/// The inputs being merged, each with its last user (for the order check).
struct Inputs<I> {
    readers: Vec<I>,
    last_user: Vec<Option<String>>,
    names: Vec<Arc<str>>,
}

impl<I: Iterator<Item = io::Result<InputRecord>>> Inputs<I> {
    /// The next partial line of input `k` (bad lines reported and passed over).
    fn next(
        &mut self,
        k: usize,
        summary: &mut MergeSummary,
        on_problem: &mut impl FnMut(&RollupProblem),
    ) -> Result<Option<Head>, MergeError> {
        for record in self.readers[k].by_ref() {
            let record = record.map_err(MergeError::Read)?;
            summary.lines += 1;
            self.names[k] = Arc::clone(&record.pos.source);
            let parsed = match record.payload {
                Payload::JsonLine(text) => {
                    serde_json::from_str::<PartialLine>(&text).map_err(|e| format!("json: {e}"))
                }
                Payload::Trip(result) => Err(match *result {
                    Err(e) => e.to_string(),
                    Ok(_) => "not a partial aggregate".to_owned(),
                }),
            };
            let line = match parsed {
                Ok(line) => line,
                Err(message) => {
                    summary.unreadable += 1;
                    on_problem(&RollupProblem::Unreadable {
                        input: Arc::clone(&record.pos.source),
                        line: record.pos.line,
                        message: format!("{message} (merge reads `aggregate --partial` output)"),
                    });
                    continue;
                }
            };
            if let Some(previous) = &self.last_user[k]
                && *previous >= line.user_id
            {
                return Err(MergeError::Unsorted {
                    input: record.pos.source,
                    line: record.pos.line,
                    user_id: line.user_id,
                    previous: previous.clone(),
                });
            }
            self.last_user[k] = Some(line.user_id.clone());
            return Ok(Some(Head {
                line,
                input: k,
                at: record.pos.line,
            }));
        }
        Ok(None)
    }
}

/// Merges partial aggregates into one line per user, sorted by user: the
/// user's scores (as `aggregate` writes them), or with `write_partial` its
/// merged partial. Unreadable lines and trips summed in two partials go to
/// `on_problem`.
///
/// # Errors
/// Reading or writing failed, an input is not sorted by user, or the
/// partials were made for different instants or windows.
///
/// # Example
/// ```
/// use tripscore::batch::{RollupOptions, merge_partials, rollup};
/// use tripscore::input::JsonlReader;
/// use tripscore::score::{AggregateConfig, ScoreConfig};
/// let trip = |e: &str, u: &str| format!(r#"{{"user_id":"{u}","event_id":"{e}","start":"2019-03-22T08:37:45Z","features":{{"all":{{"distance_mm":60000000}}}}}}"#);
/// let shard = |lines: &[String]| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
///     let mut options = RollupOptions::new(1_553_300_000_000, AggregateConfig::default());
///     options.partial = true;
///     let mut out = Vec::new();
///     let text = lines.join("\n");
///     rollup(JsonlReader::new(text.as_bytes(), "shard"), &options, &ScoreConfig::default(), &mut out, |_| {})?;
///     Ok(out)
/// };
/// let (a, b) = (shard(&[trip("e1", "u1")])?, shard(&[trip("e2", "u1"), trip("e3", "u2")])?);
/// let mut out = Vec::new();
/// let inputs = vec![JsonlReader::new(a.as_slice(), "a"), JsonlReader::new(b.as_slice(), "b")];
/// let summary = merge_partials(inputs, &ScoreConfig::default(), false, &mut out, |_| {})?;
/// assert_eq!((summary.users, summary.counted_twice), (2, 0));
/// assert!(String::from_utf8(out)?.contains(r#""distance":120000,"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn merge_partials<I, P>(
    inputs: Vec<I>,
    score: &ScoreConfig,
    write_partial: bool,
    out: &mut dyn Write,
    mut on_problem: P,
) -> Result<MergeSummary, MergeError>
where
    I: Iterator<Item = io::Result<InputRecord>>,
    P: FnMut(&RollupProblem),
{
    let started = Instant::now();
    let mut summary = MergeSummary::default();
    let n = inputs.len();
    let mut inputs = Inputs {
        readers: inputs,
        last_user: vec![None; n],
        names: vec!["?".into(); n],
    };
    let mut heap = BinaryHeap::new();
    for k in 0..n {
        if let Some(head) = inputs.next(k, &mut summary, &mut on_problem)? {
            heap.push(head);
        }
    }
    // The first partial's instant and windows: every other must agree.
    let mut first: Option<(RollupOptions, Arc<str>, u64)> = None;
    while let Some(head) = heap.pop() {
        let mut group = vec![head];
        while heap
            .peek()
            .is_some_and(|h| h.line.user_id == group[0].line.user_id)
        {
            group.extend(heap.pop());
        }
        let mut merged = group[0].line.clone();
        for (i, h) in group.iter().enumerate() {
            let p = &h.line.partial;
            let (options, first_input, first_line) = first.get_or_insert_with(|| {
                let mut options = RollupOptions::new(p.as_of_ms, p.windows);
                options.partial = write_partial;
                (options, Arc::clone(&inputs.names[h.input]), h.at)
            });
            if p.as_of_ms != options.as_of_ms || p.windows != options.windows {
                return Err(MergeError::Mismatch {
                    input: Arc::clone(&inputs.names[h.input]),
                    line: h.at,
                    as_of_ms: p.as_of_ms,
                    windows: format!("{:?}", p.windows),
                    first_as_of_ms: options.as_of_ms,
                    first_windows: format!("{:?} ({first_input}:{first_line})", options.windows),
                });
            }
            if i == 0 {
                continue;
            }
            let m = &mut merged.partial;
            m.user.l7d.merge(&p.user.l7d);
            m.user.past.merge(&p.user.past);
            m.user.l7d_trips += p.user.l7d_trips;
            m.user.past_trips += p.user.past_trips;
            let (joined, twice) = merge_sorted(&m.trips, &p.trips);
            m.trips = joined;
            if twice > 0 {
                summary.counted_twice += twice as u64;
                on_problem(&RollupProblem::CountedTwice {
                    input: Arc::clone(&inputs.names[h.input]),
                    line: h.at,
                    first_input: Arc::clone(&inputs.names[group[0].input]),
                    first_line: group[0].at,
                    user_id: merged.user_id.clone(),
                    trips: twice as u64,
                });
            }
        }
        // `first` was set by the group's first line.
        if let Some((options, _, _)) = &first {
            write_user(
                out,
                &merged.user_id,
                &merged.partial.user,
                Some(&merged.partial.trips),
                options,
                score,
            )
            .map_err(MergeError::Write)?;
            summary.users += 1;
        }
        for h in &group {
            if let Some(next) = inputs.next(h.input, &mut summary, &mut on_problem)? {
                heap.push(next);
            }
        }
    }
    out.flush().map_err(MergeError::Write)?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// The sorted union of two sorted key lists, and how many keys both hold.
fn merge_sorted(a: &[u64], b: &[u64]) -> (Vec<u64>, usize) {
    let (mut out, mut both) = (Vec::with_capacity(a.len() + b.len()), 0);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push(a[i]);
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    (out, both)
}
