//! The `tripscore` commands: one file each, and what they share here
//! (arguments, the batch runner, settings, exit status) and in `io`
//! (inputs, output, progress, signals).
//!
//! Uses only the library's public API.

mod aggregate;
mod config;
mod evaluate;
mod geojson;
mod io;
mod manual;
mod map;
mod merge;
#[cfg(feature = "parquet")]
mod parquet_out;
mod report;
mod score;
mod simulate;
mod trajectory;

use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Args, Parser, Subcommand};
use tripscore::input::{DEFAULT_MAX_RECORD_BYTES, InputFormat, InputOptions};
use tripscore::map::{MapMatchConfig, MatchStats, RoadMap, enrich};
use tripscore::{
    BatchOptions, BatchSink, BatchSummary, Config, ErrorKind, InputError, LineSink, Trajectory,
    run_batch_to,
};

pub(crate) use self::io::{Progress, input_names, open_all, output};

/// Trip analytics: driving-behaviour annotations and scores from GPS trajectories.
#[derive(Parser)]
#[command(name = "tripscore", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write one API `Trajectory` per input trip (waypoints with distance and speed, encoded path).
    Trajectory(BatchArgs),
    /// Analyse each trip: one Transport event per input trip, with what was asked for.
    Score(score::ScoreArgs),
    /// Sum `score` output per user into last-7-days and past windows: one `UserCarBehavior` per user.
    Aggregate(aggregate::AggregateArgs),
    /// Merge partial aggregates (`aggregate --partial` of shards) into one `UserCarBehavior` per user.
    Merge(merge::MergeArgs),
    /// Write trips as GeoJSON: one Feature per line (GeoJSONSeq), or one FeatureCollection.
    Geojson(geojson::GeojsonArgs),
    /// Draw one trip as an SVG report: speed, accelerations, path, scores and penalties.
    Report(report::ReportArgs),
    /// Print the configuration (every threshold, with units in its docs) as JSON.
    Config(config::ConfigArgs),
    /// Write simulated trips with known manoeuvres, and their ground truth.
    Simulate(simulate::SimulateArgs),
    /// Judge detection against labelled trips: precision and recall per annotation kind and for hard events.
    Evaluate(evaluate::EvaluateArgs),
    /// Road maps for `--map`: build an index from an OpenStreetMap extract.
    #[command(subcommand)]
    Map(map::MapCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(manual::CompletionsArgs),
    /// Print the manual page (roff), or write one per command into a directory.
    Man(manual::ManArgs),
}

/// The signal handlers, installed once by `main`.
static SIGNALS: OnceLock<io::StopSignals> = OnceLock::new();

/// The flag SIGINT/SIGTERM set, for [`BatchOptions::stop`].
pub(crate) fn stop_flag() -> Option<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    SIGNALS.get().map(|s| std::sync::Arc::clone(&s.stop))
}

/// Runs the command line's command; the exit status is 0 when every record
/// was processed (or the reader of stdout went away), 1 when some records
/// are error lines (all still written), 2 when the run failed, and 128 +
/// the signal when SIGINT/SIGTERM stopped it (the output then ends with a
/// whole record).
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let signals = SIGNALS.get_or_init(io::StopSignals::install);
    let none = |r: Result<(), Fatal>| r.map(|()| BatchSummary::default());
    let (result, quiet) = match &cli.command {
        Command::Trajectory(args) => (trajectory::run(args), args.quiet),
        Command::Score(args) => (score::run(args), args.batch.quiet),
        Command::Aggregate(args) => (aggregate::run(args), true),
        Command::Merge(args) => (merge::run(args), true),
        Command::Geojson(args) => (geojson::run(args), args.batch.quiet),
        Command::Report(args) => (none(report::run(args)), true),
        Command::Config(args) => (none(config::run(args)), true),
        Command::Simulate(args) => (none(simulate::run(args)), true),
        Command::Evaluate(args) => (evaluate::run(args), args.batch.quiet),
        Command::Map(command) => (none(map::run(command)), true),
        Command::Completions(args) => (none(manual::completions(args)), true),
        Command::Man(args) => (none(manual::man(args)), true),
    };
    match result {
        Ok(summary) => {
            if !quiet {
                eprintln!("tripscore: {summary}");
            }
            if let (true, Some(signal)) = (summary.stopped, signals.received()) {
                eprintln!(
                    "tripscore: stopped by signal {signal} after {} records; the output ends \
                     with a whole record",
                    summary.records
                );
                return ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX));
            }
            if summary.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        // `tripscore score … | head -1`: the reader has what it wanted.
        Err(fatal) if fatal.broken_pipe => ExitCode::SUCCESS,
        Err(fatal) => {
            eprintln!("tripscore: error: {}", fatal.message);
            match signals.received() {
                Some(signal) => ExitCode::from(u8::try_from(128 + signal).unwrap_or(u8::MAX)),
                None => ExitCode::from(2),
            }
        }
    }
}

/// The most worker threads per core `-j` may ask for: beyond a few per core
/// threads only add switching (`-j 1000` was 57× slower than `-j 2`) and,
/// unbounded, can exhaust the machine.
const MAX_THREADS_PER_CORE: usize = 4;

/// Inputs, output and parallelism shared by the batch commands.
#[derive(Args)]
pub(crate) struct BatchArgs {
    /// Input files: JSONL, a JSON document, CSV, GPX (plain or gzip/zstd
    /// compressed), Parquet or Arrow IPC (feature `parquet`); `-` or nothing
    /// reads stdin.
    pub(crate) inputs: Vec<String>,
    /// Write the output here instead of stdout (`-` = stdout).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// The input format; by default each input's content decides (then its extension).
    #[arg(long, value_parser = ["jsonl", "json", "csv", "gpx", "parquet", "arrow"])]
    pub(crate) format: Option<String>,
    /// The largest record accepted, bytes (a JSONL line, a JSON document, a
    /// CSV row, the text between two GPX tags); a larger one is an error record.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    pub(crate) max_record_bytes: usize,
    /// Match each trip to this road map and fill the road types and speed
    /// limits it lacks (a `.roads` index from `tripscore map build`, or an
    /// `.osm.pbf` extract, indexed on the fly).
    #[arg(long, value_name = "FILE")]
    pub(crate) map: Option<String>,
    /// With an `.osm.pbf` as `--map`: the country (ISO 3166-1 alpha-2, e.g.
    /// BR) whose default limits roads without `maxspeed` get.
    #[arg(long, value_name = "CC", requires = "map")]
    pub(crate) map_country: Option<String>,
    /// Worker threads (0 = one per core; at most 4 per core).
    #[arg(short = 'j', long = "jobs", default_value_t = 0, value_name = "N")]
    pub(crate) jobs: usize,
    /// No summary line or notes on stderr.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

impl BatchArgs {
    /// How to open the inputs.
    pub(crate) fn input_options(&self) -> InputOptions {
        InputOptions {
            format: self.format.as_deref().and_then(InputFormat::from_name),
            max_record_bytes: self.max_record_bytes,
        }
    }

    /// The road map of `--map`, if given.
    pub(crate) fn road_map(&self) -> Result<Option<RoadMap>, Fatal> {
        map::load(self.map.as_deref(), self.map_country.as_deref(), self.quiet)
    }

    /// The batch options: `-j` capped, the stop flag of the signal handlers.
    pub(crate) fn batch_options(&self) -> BatchOptions {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let most = MAX_THREADS_PER_CORE * cores;
        let threads = if self.jobs > most {
            eprintln!(
                "tripscore: note: -j {} is more than {MAX_THREADS_PER_CORE} threads per core \
                 ({cores} cores); using {most}",
                self.jobs
            );
            most
        } else {
            self.jobs
        };
        BatchOptions {
            threads,
            stop: stop_flag(),
            ..BatchOptions::default()
        }
    }
}

/// A run-level failure: exit status 2, or 0 when stdout's reader went away.
pub(crate) struct Fatal {
    message: String,
    /// Writing failed because the reader of the output closed it (EPIPE).
    broken_pipe: bool,
}

impl Fatal {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            broken_pipe: false,
        }
    }
}

impl<E: std::error::Error + 'static> From<E> for Fatal {
    fn from(e: E) -> Self {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        let mut broken_pipe = false;
        while let Some(c) = cause {
            if c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            {
                broken_pipe = true;
            }
            cause = c.source();
        }
        Self {
            message: e.to_string(),
            broken_pipe,
        }
    }
}

/// `make` of `trip`, matched to `road_map` first when there is one (the
/// trip's missing road types and limits filled in, and what matching found).
pub(crate) fn with_road_context<T>(
    trip: &Trajectory,
    road_map: Option<&RoadMap>,
    match_config: &MapMatchConfig,
    make: impl Fn(&Trajectory, Option<MatchStats>) -> T,
) -> T {
    match road_map {
        Some(road_map) => {
            let mut trip = trip.clone();
            let stats = enrich(&mut trip, road_map, match_config);
            make(&trip, Some(stats))
        }
        None => make(trip, None),
    }
}

/// A batch command's item as its output line.
pub(crate) trait JsonLine {
    /// The item's JSON text (no newline).
    fn json_line(&self) -> serde_json::Result<String>;
}

impl JsonLine for tripscore::TripRecord {
    fn json_line(&self) -> serde_json::Result<String> {
        self.to_json_line()
    }
}

impl JsonLine for tripscore::api::Trajectory {
    fn json_line(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }
}

/// Runs a batch command: every input record (matched to `--map` when given,
/// with `match_config`) through `make`, one JSON line each (or the record's
/// error line; `None` from `make` means the trip has no timestamps, which
/// `what` needs).
pub(crate) fn run_batch_command<T: JsonLine>(
    args: &BatchArgs,
    what: &str,
    match_config: &MapMatchConfig,
    make: impl Fn(&Trajectory, Option<MatchStats>) -> Option<T> + Sync,
) -> Result<BatchSummary, Fatal> {
    // Inputs first: a typo must not leave an empty output file behind.
    io::check_readable(&input_names(&args.inputs))?;
    let mut out = output(args.output.as_deref(), &args.inputs)?;
    run_batch_into(args, what, match_config, make, &mut out)
}

/// [`run_batch_command`] into a given output.
pub(crate) fn run_batch_into<T: JsonLine>(
    args: &BatchArgs,
    what: &str,
    match_config: &MapMatchConfig,
    make: impl Fn(&Trajectory, Option<MatchStats>) -> Option<T> + Sync,
    out: &mut dyn Write,
) -> Result<BatchSummary, Fatal> {
    let options = args.batch_options();
    let mut lines = LineSink::new(out, &options);
    let summary = run_batch_to_sink(
        args,
        what,
        match_config,
        |trip, matched| {
            make(trip, matched).map(|value| {
                value
                    .json_line()
                    .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))
            })
        },
        &mut lines,
    )?;
    lines
        .finish()
        .map_err(tripscore::batch::BatchError::Write)?;
    Ok(summary)
}

/// Runs a batch command into any sink: `make` gives each trip's item (or
/// its error; `None`: the trip has no timestamps, which `what` needs).
pub(crate) fn run_batch_to_sink<U: Send>(
    args: &BatchArgs,
    what: &str,
    match_config: &MapMatchConfig,
    make: impl Fn(&Trajectory, Option<MatchStats>) -> Option<Result<U, InputError>> + Sync,
    sink: &mut dyn BatchSink<U>,
) -> Result<BatchSummary, Fatal> {
    let road_map = args.road_map()?;
    let inputs = open_all(&args.inputs, args.input_options(), args.quiet)?;
    let progress = Progress::new(&inputs, args.quiet);
    let summary = run_batch_to(
        inputs.records,
        args.batch_options(),
        |trip| {
            with_road_context(trip, road_map.as_ref(), match_config, &make).unwrap_or_else(|| {
                Err(InputError::new(
                    ErrorKind::Processing,
                    format!("the trip has no timestamps; {what} needs them"),
                )
                .with_field("timestamps_ms"))
            })
        },
        sink,
        |s| progress.update(s),
    )?;
    progress.finish();
    Ok(summary)
}

/// The settings in `path` (a JSON file as `tripscore config --default`
/// prints it), or the defaults without one. A wrong value names its field.
pub(crate) fn load_config(path: Option<&str>) -> Result<Config, Fatal> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Fatal::new(format!("{path}: {e}")))?;
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        Fatal::new(format!("{path}: {field}: {}", e.inner()))
    })
}

/// Writes `text` and a newline to `out` and flushes it.
pub(crate) fn write_text(out: &mut dyn Write, text: &str) -> Result<(), Fatal> {
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| {
            let mut fatal = Fatal::from(e);
            fatal.message = format!("writing output: {}", fatal.message);
            fatal
        })
}
