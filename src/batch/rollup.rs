//! `score` output rolled up per user, in bounded memory, each trip once.
//!
//! Lines are read into memory until they take [`RollupOptions::memory_bytes`];
//! past that, every trip is written to one of [`SHARDS`] temporary files
//! chosen by a hash of its user (spilling), each shard is aggregated alone
//! (a shard still too large is split again, with another hash), and the
//! shards' users, each shard sorted, are merged into one sorted output. So
//! memory is bounded by the budget, not by the number of users; the
//! temporary files take about the size of the trips' features (~2.8 KB a
//! trip), and are removed at the end.
//!
//! A trip is identified by its `user_id` + `event_id`: one read twice (a
//! shard fed twice, the same trip from a .jsonl and a .csv) counts once; a
//! second copy with other `start` or `features` is a conflict, reported with
//! both positions, and the first copy (in input order) is kept.

use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::input::{InputRecord, Payload, RecordPos};
use crate::score::{AggregateConfig, Aggregator, Features, ScoreConfig, ScoredLine};

/// Shards per split.
pub const SHARDS: usize = 64;

/// What aggregating one trip can take, bytes: a new user's windows, its
/// key and map entry, and the duplicate check's entry.
const AGGREGATE_BYTES_PER_TRIP: usize = std::mem::size_of::<crate::score::UserWindows>() + 160;

/// Splits of a shard that is still too large before it is aggregated anyway
/// (only a few users with very many trips get there: their memory is the
/// 40 bytes a trip of the duplicate check).
const MAX_SPLITS: u32 = 3;

/// How a rollup runs.
#[derive(Clone, Debug)]
pub struct RollupOptions {
    /// The reference instant, Unix ms.
    pub as_of_ms: i64,
    /// The windows.
    pub windows: AggregateConfig,
    /// Memory for trips read and users summed before spilling to disk, bytes.
    pub memory_bytes: usize,
    /// Where the temporary shard files go.
    pub temp_dir: PathBuf,
    /// Write each user's partial aggregate ([`PartialLine`]: window features,
    /// trip counts and trip keys) instead of its scores, for
    /// [`crate::batch::merge_partials`].
    pub partial: bool,
    /// When set (e.g. by a signal handler), the rollup stops with
    /// [`RollupError::Stopped`] before writing anything (a partial aggregate
    /// would be wrong), its temporary files removed.
    pub stop: Option<Arc<AtomicBool>>,
}

impl RollupOptions {
    /// The defaults at `as_of_ms`: 128 MiB, the system's temporary directory.
    #[must_use]
    pub fn new(as_of_ms: i64, windows: AggregateConfig) -> Self {
        Self {
            as_of_ms,
            windows,
            memory_bytes: 128 << 20,
            temp_dir: std::env::temp_dir(),
            partial: false,
            stop: None,
        }
    }
}

/// What a rollup found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollupSummary {
    /// Non-blank lines read.
    pub lines: u64,
    /// Trips added to a window.
    pub trips: u64,
    /// Trips starting at or after `as_of`, left out.
    pub after_as_of: u64,
    /// `score` error lines (trips that could not be scored), passed over.
    pub error_records: u64,
    /// Lines that are not `score` output.
    pub unreadable: u64,
    /// Second copies of a trip, counted once.
    pub duplicates: u64,
    /// Second copies that differ from the first (counted in `duplicates` too).
    pub conflicts: u64,
    /// Users written.
    pub users: u64,
    /// Shard files written (0: everything fitted in memory).
    pub shards: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// A line that could not be used, or a conflicting duplicate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RollupProblem {
    /// The line is not a `score` output line.
    #[error("{input}:{line}: {message}")]
    Unreadable {
        /// The input.
        input: Arc<str>,
        /// Its 1-based line.
        line: u64,
        /// What is wrong, naming the field.
        message: String,
    },
    /// Trips summed in two partial aggregates of the same user (a shard
    /// aggregated twice): merged, they count twice.
    #[error(
        "{input}:{line}: {trips} trips of user {user_id:?} were summed in {first_input}:{first_line} too: \
         they count twice; aggregate the trips of both instead"
    )]
    CountedTwice {
        /// The input of the second partial.
        input: Arc<str>,
        /// Its line.
        line: u64,
        /// The input of the first partial.
        first_input: Arc<str>,
        /// Its line.
        first_line: u64,
        /// The user.
        user_id: String,
        /// How many trips.
        trips: u64,
    },
    /// A trip read before with other content.
    #[error(
        "{input}:{line}: user {user_id:?}, event {event_id:?} was read before at \
         {first_input}:{first_line} with another start or features; the first is kept"
    )]
    Conflict {
        /// The input of the second copy.
        input: Arc<str>,
        /// Its line.
        line: u64,
        /// The input of the first copy.
        first_input: Arc<str>,
        /// Its line.
        first_line: u64,
        /// The trip's user.
        user_id: String,
        /// The trip's id.
        event_id: String,
    },
}

/// A rollup that could not go on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RollupError {
    /// Reading an input failed.
    #[error("reading input: {0}")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Write(#[source] io::Error),
    /// [`RollupOptions::stop`] was set.
    #[error("stopped before the end of the input; nothing was written")]
    Stopped,
    /// A temporary shard file could not be written or read.
    #[error("temporary files in {dir}: {error}")]
    Temp {
        /// The directory.
        dir: String,
        /// What failed.
        #[source]
        error: io::Error,
    },
}

/// One trip as a shard holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Trip {
    #[serde(rename = "u")]
    user_id: String,
    #[serde(rename = "e")]
    event_id: String,
    #[serde(rename = "s")]
    start_ms: i64,
    #[serde(rename = "f", with = "compact_features")]
    features: Features,
    /// Index of the input's name.
    #[serde(rename = "i")]
    source: u32,
    #[serde(rename = "l")]
    line: u64,
}

/// Features as one array of numbers (zones in order `all`, `motorway`,
/// `city`, `non_city`): about 300 bytes a trip instead of 2.7 KB of names.
mod compact_features {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::score::{Features, ZoneFeatures};

    pub fn serialize<S: Serializer>(f: &Features, s: S) -> Result<S::Ok, S::Error> {
        let zones = [&f.all, &f.motorway, &f.city, &f.non_city];
        let values: Vec<u64> = zones.iter().flat_map(|z| z.to_array()).collect();
        values.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Features, D::Error> {
        let values = Vec::<u64>::deserialize(d)?;
        let mut zones = values
            .chunks_exact(ZoneFeatures::FIELDS)
            .map(|c| <[u64; ZoneFeatures::FIELDS]>::try_from(c).map(ZoneFeatures::from_array));
        let mut zone = || {
            zones
                .next()
                .and_then(Result::ok)
                .ok_or_else(|| serde::de::Error::custom("features of a spilled trip cut short"))
        };
        Ok(Features {
            all: zone()?,
            motorway: zone()?,
            city: zone()?,
            non_city: zone()?,
        })
    }
}

impl Trip {
    /// About what it takes in memory, bytes.
    fn size_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.user_id.len() + self.event_id.len()
    }
}

fn hash_of(value: &impl Hash, seed: u32) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    seed.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// Rolls up `score` output lines (as [`crate::input::JsonlReader`] splits
/// them) per user and writes one `{"user_id", "car_behavior"}` line per user
/// to `out` (keys sorted: `car_behavior`, then `user_id`), sorted by user id. Unusable lines and conflicting duplicates go
/// to `on_problem`, and the rollup goes on.
///
/// # Errors
/// Reading, writing or the temporary files failed.
///
/// # Example
/// ```
/// use tripscore::batch::{RollupOptions, rollup};
/// use tripscore::input::JsonlReader;
/// use tripscore::score::{AggregateConfig, ScoreConfig};
/// let line = r#"{"user_id":"u1","event_id":"e1","start":"2019-03-22T08:37:45Z","features":{}}"#;
/// let input = format!("{line}\n{line}\nnot json\n");
/// let as_of = 1_553_300_000_000;
/// let mut out = Vec::new();
/// let mut problems = Vec::new();
/// let summary = rollup(
///     JsonlReader::new(input.as_bytes(), "-"),
///     &RollupOptions::new(as_of, AggregateConfig::default()),
///     &ScoreConfig::default(),
///     &mut out,
///     |p| problems.push(p.to_string()),
/// )?;
/// assert_eq!((summary.trips, summary.duplicates, summary.users), (1, 1, 1));
/// assert!(problems[0].starts_with("-:3: json: "));
/// let out = String::from_utf8(out)?;
/// assert!(out.starts_with(r#"{"car_behavior":"#) && out.ends_with(",\"user_id\":\"u1\"}\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rollup<I, P>(
    lines: I,
    options: &RollupOptions,
    score: &ScoreConfig,
    out: &mut dyn Write,
    mut on_problem: P,
) -> Result<RollupSummary, RollupError>
where
    I: IntoIterator<Item = io::Result<InputRecord>>,
    P: FnMut(&RollupProblem),
{
    let started = Instant::now();
    let mut run = Run {
        options,
        score,
        sources: Vec::new(),
        summary: RollupSummary::default(),
        temp: None,
    };
    let mut buffer: Vec<Trip> = Vec::new();
    let mut buffered_bytes = 0;
    let mut shards: Option<Vec<ShardWriter>> = None;
    for record in lines {
        let record = record.map_err(RollupError::Read)?;
        run.check_stop()?;
        run.summary.lines += 1;
        let Some(trip) = run.read_trip(record, &mut on_problem) else {
            continue;
        };
        if let Some(writers) = shards.as_mut() {
            run.write_to_shard(writers, &trip, 0)?;
            continue;
        }
        buffered_bytes += trip.size_bytes();
        buffer.push(trip);
        if buffered_bytes > options.memory_bytes / 2 {
            // Spill: from here on every trip goes to its user's shard.
            let mut writers = run.new_shards()?;
            for trip in buffer.drain(..) {
                run.write_to_shard(&mut writers, &trip, 0)?;
            }
            shards = Some(writers);
        }
    }
    match shards {
        None => {
            let (users, keys) = run.aggregate(buffer.into_iter().map(Ok), &mut on_problem)?;
            for (user_id, windows) in users.users() {
                let trips = keys.get(user_id).map(Vec::as_slice);
                write_user(out, user_id, windows, trips, options, score)
                    .map_err(RollupError::Write)?;
                run.summary.users += 1;
            }
        }
        Some(writers) => {
            let mut results = Vec::new();
            for shard in run.finish_shards(writers)? {
                run.check_stop()?;
                run.aggregate_shard(shard, 1, &mut results, &mut on_problem)?;
            }
            run.merge(&results, out)?;
        }
    }
    out.flush().map_err(RollupError::Write)?;
    run.summary.elapsed = started.elapsed();
    Ok(run.summary)
}

/// One user's line: its scores, or with `partial` its partial aggregate.
pub(super) fn write_user(
    out: &mut dyn Write,
    user_id: &str,
    windows: &crate::score::UserWindows,
    trips: Option<&[u64]>,
    options: &RollupOptions,
    score: &ScoreConfig,
) -> io::Result<()> {
    if let (true, Some(trips)) = (options.partial, trips) {
        let line = PartialLine {
            user_id: user_id.to_owned(),
            partial: Partial {
                as_of_ms: options.as_of_ms,
                windows: options.windows,
                user: *windows,
                trips: trips.to_vec(),
            },
        };
        let text = serde_json::to_string(&line).map_err(io::Error::other)?;
        return writeln!(out, "{text}");
    }
    let line = serde_json::json!({
        "user_id": user_id,
        "car_behavior": crate::score::user_car_behavior(windows, score),
    });
    writeln!(out, "{line}")
}

/// A user's partial aggregate, as `aggregate --partial` writes it: the
/// summed window features and the keys of the trips summed (so that a merge
/// can tell a trip counted in two partials). Lines are sorted by `user_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialLine {
    /// The user.
    pub user_id: String,
    /// What was summed.
    pub partial: Partial,
}

/// The body of a [`PartialLine`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    /// The reference instant the windows are relative to, Unix ms.
    pub as_of_ms: i64,
    /// The windows.
    pub windows: AggregateConfig,
    /// The summed windows.
    pub user: crate::score::UserWindows,
    /// The trips summed: the first 64 bits of the SHA-256 of each
    /// `event_id`, sorted (stable across builds and machines).
    pub trips: Vec<u64>,
}

/// The key of a trip in a [`Partial`]: the first 64 bits of its event id's SHA-256.
#[must_use]
pub fn trip_key(event_id: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(event_id.as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// A shard file being written.
struct ShardWriter {
    path: PathBuf,
    file: BufWriter<File>,
    trips: u64,
    /// The hash of the first user written, and whether another followed:
    /// a shard of one user cannot be split.
    first_user: Option<u64>,
    many_users: bool,
}

/// A written shard file.
struct Shard {
    path: PathBuf,
    trips: u64,
    /// It holds more than one user.
    splittable: bool,
}

/// The state of one rollup.
struct Run<'a> {
    options: &'a RollupOptions,
    score: &'a ScoreConfig,
    /// Input names, by index.
    sources: Vec<Arc<str>>,
    summary: RollupSummary,
    temp: Option<tempfile::TempDir>,
}

impl Run<'_> {
    fn check_stop(&self) -> Result<(), RollupError> {
        match &self.options.stop {
            Some(stop) if stop.load(Ordering::Relaxed) => Err(RollupError::Stopped),
            _ => Ok(()),
        }
    }

    fn temp_error(&self, error: io::Error) -> RollupError {
        RollupError::Temp {
            dir: self.options.temp_dir.display().to_string(),
            error,
        }
    }

    /// The trip of a line, or `None` (an error line of `score`, or a
    /// problem reported to `on_problem`).
    fn read_trip(
        &mut self,
        record: InputRecord,
        on_problem: &mut impl FnMut(&RollupProblem),
    ) -> Option<Trip> {
        let RecordPos { source, line } = record.pos;
        let parsed = match record.payload {
            Payload::JsonLine(text) => ScoredLine::parse(&text).map_err(|e| e.to_string()),
            Payload::Trip(result) => Err(match *result {
                Err(e) => e.to_string(),
                Ok(_) => "not a line of `tripscore score` output".to_owned(),
            }),
        };
        let parsed = match parsed {
            Ok(Some(parsed)) => parsed,
            Ok(None) => {
                self.summary.error_records += 1;
                return None;
            }
            Err(message) => {
                self.summary.unreadable += 1;
                on_problem(&RollupProblem::Unreadable {
                    input: source,
                    line,
                    message,
                });
                return None;
            }
        };
        if self.sources.last() != Some(&source) {
            self.sources.push(Arc::clone(&source));
        }
        let index = u32::try_from(self.sources.len() - 1).unwrap_or(u32::MAX);
        Some(Trip {
            user_id: parsed.user_id,
            event_id: parsed.event_id,
            start_ms: parsed.start_ms,
            features: parsed.features,
            source: index,
            line,
        })
    }

    fn source(&self, index: u32) -> Arc<str> {
        self.sources
            .get(index as usize)
            .map_or_else(|| "?".into(), Arc::clone)
    }

    fn new_shards(&mut self) -> Result<Vec<ShardWriter>, RollupError> {
        if self.temp.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("tripscore-aggregate-")
                .tempdir_in(&self.options.temp_dir)
                .map_err(|e| self.temp_error(e))?;
            self.temp = Some(dir);
        }
        let dir = self
            .temp
            .as_ref()
            .map(|d| d.path().to_owned())
            .unwrap_or_default();
        let mut writers = Vec::with_capacity(SHARDS);
        for _ in 0..SHARDS {
            let path = dir.join(format!("shard-{}.jsonl", self.summary.shards));
            self.summary.shards += 1;
            let file = File::create(&path).map_err(|e| self.temp_error(e))?;
            writers.push(ShardWriter {
                path,
                file: BufWriter::with_capacity(1 << 16, file),
                trips: 0,
                first_user: None,
                many_users: false,
            });
        }
        Ok(writers)
    }

    fn write_to_shard(
        &self,
        writers: &mut [ShardWriter],
        trip: &Trip,
        split: u32,
    ) -> Result<(), RollupError> {
        let user = hash_of(&trip.user_id, split);
        #[allow(clippy::cast_possible_truncation, reason = "a remainder below SHARDS")]
        let w = &mut writers[(user % SHARDS as u64) as usize];
        match w.first_user {
            None => w.first_user = Some(user),
            Some(first) => w.many_users |= first != user,
        }
        let text = serde_json::to_string(trip).map_err(|e| self.temp_error(e.into()))?;
        w.file
            .write_all(text.as_bytes())
            .and_then(|()| w.file.write_all(b"\n"))
            .map_err(|e| self.temp_error(e))?;
        w.trips += 1;
        Ok(())
    }

    fn finish_shards(&self, writers: Vec<ShardWriter>) -> Result<Vec<Shard>, RollupError> {
        writers
            .into_iter()
            .map(|mut w| {
                w.file.flush().map_err(|e| self.temp_error(e))?;
                Ok(Shard {
                    path: w.path,
                    trips: w.trips,
                    splittable: w.many_users,
                })
            })
            .collect()
    }

    /// Aggregates one shard file into a sorted result file (pushed to
    /// `results`), or splits it first when it is larger than the budget.
    fn aggregate_shard(
        &mut self,
        shard: Shard,
        split: u32,
        results: &mut Vec<PathBuf>,
        on_problem: &mut impl FnMut(&RollupProblem),
    ) -> Result<(), RollupError> {
        let Shard {
            path,
            trips: count,
            splittable,
        } = shard;
        if count == 0 {
            std::fs::remove_file(&path).map_err(|e| self.temp_error(e))?;
            return Ok(());
        }
        let trips = self.read_shard(&path)?;
        // At most one user a trip: the most the aggregate can take.
        let most_bytes = count.saturating_mul(AGGREGATE_BYTES_PER_TRIP as u64);
        if most_bytes > self.options.memory_bytes as u64 && splittable && split <= MAX_SPLITS {
            let mut writers = self.new_shards()?;
            for trip in trips {
                self.write_to_shard(&mut writers, &trip?, split)?;
            }
            std::fs::remove_file(&path).map_err(|e| self.temp_error(e))?;
            for shard in self.finish_shards(writers)? {
                self.aggregate_shard(shard, split + 1, results, on_problem)?;
            }
            return Ok(());
        }
        let (users, keys) = self.aggregate(trips, on_problem)?;
        std::fs::remove_file(&path).map_err(|e| self.temp_error(e))?;
        let result = path.with_extension("users");
        let file = File::create(&result).map_err(|e| self.temp_error(e))?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        for (user_id, windows) in users.users() {
            // The user id (as JSON, so without tabs) leads, for the merge.
            let key = serde_json::to_string(user_id).map_err(|e| self.temp_error(e.into()))?;
            write!(w, "{key}\t")
                .and_then(|()| {
                    let trips = keys.get(user_id).map(Vec::as_slice);
                    write_user(&mut w, user_id, windows, trips, self.options, self.score)
                })
                .map_err(|e| self.temp_error(e))?;
        }
        w.flush().map_err(|e| self.temp_error(e))?;
        results.push(result);
        Ok(())
    }

    fn read_shard(
        &self,
        path: &PathBuf,
    ) -> Result<impl Iterator<Item = Result<Trip, RollupError>> + use<>, RollupError> {
        let file = File::open(path).map_err(|e| self.temp_error(e))?;
        let dir = self.options.temp_dir.display().to_string();
        Ok(BufReader::with_capacity(1 << 16, file)
            .lines()
            .map(move |line| {
                let temp = |error| RollupError::Temp {
                    dir: dir.clone(),
                    error,
                };
                let line = line.map_err(temp)?;
                serde_json::from_str(&line).map_err(|e| temp(e.into()))
            }))
    }

    /// Sums trips per user, each (user, event) once; the first copy in input order wins.
    fn aggregate(
        &mut self,
        trips: impl Iterator<Item = Result<Trip, RollupError>>,
        on_problem: &mut impl FnMut(&RollupProblem),
    ) -> Result<(Aggregator, HashMap<String, Vec<u64>>), RollupError> {
        let mut agg = Aggregator::new(self.options.as_of_ms, &self.options.windows);
        // With `partial`, each user's trip keys, sorted at the end.
        let mut keys: HashMap<String, Vec<u64>> = HashMap::new();
        // (user, event) hash → (content hash, source, line) of the first copy.
        let mut seen: HashMap<u64, (u64, u32, u64)> = HashMap::new();
        for trip in trips {
            let trip = trip?;
            let key = hash_of(&(&trip.user_id, &trip.event_id), 0);
            let content = hash_of(&(trip.start_ms, &trip.features), 0);
            if let Some(&(first_content, first_source, first_line)) = seen.get(&key) {
                self.summary.duplicates += 1;
                if first_content != content {
                    self.summary.conflicts += 1;
                    on_problem(&RollupProblem::Conflict {
                        input: self.source(trip.source),
                        line: trip.line,
                        first_input: self.source(first_source),
                        first_line,
                        user_id: trip.user_id,
                        event_id: trip.event_id,
                    });
                }
                continue;
            }
            seen.insert(key, (content, trip.source, trip.line));
            if agg.add(&trip.user_id, trip.start_ms, &trip.features) {
                self.summary.trips += 1;
                if self.options.partial {
                    keys.entry(trip.user_id)
                        .or_default()
                        .push(trip_key(&trip.event_id));
                }
            } else {
                self.summary.after_as_of += 1;
            }
        }
        for list in keys.values_mut() {
            list.sort_unstable();
        }
        Ok((agg, keys))
    }

    /// Merges sorted result files into `out`, sorted by user id.
    fn merge(&mut self, results: &[PathBuf], out: &mut dyn Write) -> Result<(), RollupError> {
        struct Head {
            user_id: String,
            line: String,
            from: usize,
        }
        impl PartialEq for Head {
            fn eq(&self, other: &Self) -> bool {
                self.user_id == other.user_id
            }
        }
        impl Eq for Head {}
        impl PartialOrd for Head {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Head {
            // Reversed: BinaryHeap pops the largest, the merge wants the smallest.
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                other.user_id.cmp(&self.user_id)
            }
        }
        let mut readers = Vec::with_capacity(results.len());
        for path in results {
            let file = File::open(path).map_err(|e| self.temp_error(e))?;
            readers.push(BufReader::with_capacity(1 << 16, file).lines());
        }
        let next = |readers: &mut Vec<io::Lines<BufReader<File>>>, from: usize| {
            let Some(line) = readers[from].next() else {
                return Ok(None);
            };
            let line = line?;
            let (key, rest) = line
                .split_once('\t')
                .ok_or_else(|| io::Error::other("bad result line"))?;
            let user_id: String = serde_json::from_str(key)?;
            Ok::<_, io::Error>(Some(Head {
                user_id,
                line: rest.to_owned(),
                from,
            }))
        };
        let mut heap = BinaryHeap::new();
        for from in 0..readers.len() {
            if let Some(head) = next(&mut readers, from).map_err(|e| self.temp_error(e))? {
                heap.push(head);
            }
        }
        while let Some(head) = heap.pop() {
            out.write_all(head.line.as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .map_err(RollupError::Write)?;
            self.summary.users += 1;
            if let Some(h) = next(&mut readers, head.from).map_err(|e| self.temp_error(e))? {
                heap.push(h);
            }
        }
        Ok(())
    }
}
