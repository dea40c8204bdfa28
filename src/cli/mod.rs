//! The `tripscore` commands: one file each, and what they share here
//! (inputs, output, progress, the batch runner, settings, exit status).
//!
//! Uses only the library's public API.

mod aggregate;
mod config;
mod evaluate;
mod geojson;
mod report;
mod score;
mod simulate;
mod trajectory;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tripscore::input::open_input_counted;
use tripscore::{
    BatchOptions, BatchSummary, Config, ErrorKind, InputError, Records, Trajectory, run_batch,
};

/// Trip analytics: driving-behaviour annotations and scores from GPS trajectories.
#[derive(Parser)]
#[command(version, about)]
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
    /// Write each trip as a GeoJSON FeatureCollection (path, annotations, invalid sections), one per line.
    Geojson(geojson::GeojsonArgs),
    /// Draw one trip as an SVG report: speed, accelerations, path, scores and penalties.
    Report(report::ReportArgs),
    /// Print the configuration (every threshold, with units in its docs) as JSON.
    Config(config::ConfigArgs),
    /// Write simulated trips with known manoeuvres, and their ground truth.
    Simulate(simulate::SimulateArgs),
    /// Judge detection against labelled trips: precision and recall per annotation kind and for hard events.
    Evaluate(evaluate::EvaluateArgs),
}

/// Runs the command line's command; the exit status is 0 when every record
/// was processed, 1 when some records are error lines (all still written),
/// 2 when the run failed.
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    let none = |r: Result<(), Fatal>| r.map(|()| BatchSummary::default());
    let (result, quiet) = match &cli.command {
        Command::Trajectory(args) => (trajectory::run(args), args.quiet),
        Command::Score(args) => (score::run(args), args.batch.quiet),
        Command::Aggregate(args) => (aggregate::run(args), true),
        Command::Geojson(args) => (geojson::run(args), args.batch.quiet),
        Command::Report(args) => (none(report::run(args)), true),
        Command::Config(args) => (none(config::run(args)), true),
        Command::Simulate(args) => (none(simulate::run(args)), true),
        Command::Evaluate(args) => (evaluate::run(args), args.batch.quiet),
    };
    match result {
        Ok(summary) => {
            if !quiet {
                let mut err = io::stderr().lock();
                let _ = writeln!(err, "tripscore: {summary}");
            }
            if summary.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(Fatal(message)) => {
            eprintln!("tripscore: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Inputs, output and parallelism shared by the batch commands.
#[derive(Args)]
pub(crate) struct BatchArgs {
    /// Input files (.jsonl/.ndjson/.json, .csv, .gpx); `-` or nothing reads JSONL from stdin.
    pub(crate) inputs: Vec<String>,
    /// Write the output here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long = "jobs", default_value_t = 0, value_name = "N")]
    pub(crate) jobs: usize,
    /// No summary line on stderr.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// A run-level failure: exit status 2.
pub(crate) struct Fatal(pub(crate) String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// Opened inputs, with the bytes read so far and the total size when known.
pub(crate) struct Inputs {
    pub(crate) records: Records,
    bytes_read: Arc<AtomicU64>,
    total_bytes: Option<u64>,
}

pub(crate) fn open_all(inputs: &[String]) -> Result<Inputs, Fatal> {
    let names: Vec<String> = if inputs.is_empty() {
        vec!["-".to_owned()]
    } else {
        inputs.to_vec()
    };
    let bytes_read = Arc::new(AtomicU64::new(0));
    let mut opened = Vec::with_capacity(names.len());
    let mut total_bytes = Some(0);
    for name in &names {
        opened.push(open_input_counted(name, &bytes_read)?);
        let size = if name == "-" {
            None
        } else {
            std::fs::metadata(name).map(|m| m.len()).ok()
        };
        total_bytes = total_bytes.zip(size).map(|(a, b)| a + b);
    }
    Ok(Inputs {
        records: Box::new(opened.into_iter().flatten()),
        bytes_read,
        total_bytes,
    })
}

/// Progress on stderr while a batch runs, only when stderr is a terminal.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    bytes_read: Arc<AtomicU64>,
}

impl Progress {
    pub(crate) fn new(inputs: &Inputs, quiet: bool) -> Self {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let (bar, template) = match inputs.total_bytes {
                Some(total) => (
                    ProgressBar::new(total),
                    "{bar:30} {bytes}/{total_bytes} eta {eta} · {msg}",
                ),
                None => (ProgressBar::new_spinner(), "{spinner} {bytes} · {msg}"),
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar
        });
        Self {
            bar,
            bytes_read: Arc::clone(&inputs.bytes_read),
        }
    }

    pub(crate) fn update(&self, s: &BatchSummary) {
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes_read.load(Ordering::Relaxed));
            bar.set_message(format!(
                "{} records, {} errors, {:.0} points/s",
                s.records,
                s.errors,
                s.points_per_s()
            ));
        }
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

pub(crate) fn output(path: Option<&str>) -> Result<Box<dyn Write>, Fatal> {
    Ok(match path {
        None | Some("-") => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 20,
            File::create(p).map_err(|e| Fatal(format!("{p}: {e}")))?,
        )),
    })
}

/// Runs a batch command: every input record through `make`, one JSON line
/// each (or the record's error line; `None` from `make` means the trip has no
/// timestamps, which `what` needs).
pub(crate) fn run_batch_command<T: serde::Serialize>(
    args: &BatchArgs,
    what: &str,
    make: impl Fn(&Trajectory) -> Option<T> + Sync,
) -> Result<BatchSummary, Fatal> {
    let inputs = open_all(&args.inputs)?;
    let progress = Progress::new(&inputs, args.quiet);
    let mut out = output(args.output.as_deref())?;
    let options = BatchOptions {
        threads: args.jobs,
        ..BatchOptions::default()
    };
    let summary = run_batch(
        inputs.records,
        options,
        |trip| {
            let value = make(trip).ok_or_else(|| {
                InputError::new(
                    ErrorKind::Processing,
                    format!("the trip has no timestamps; {what} needs them"),
                )
                .with_field("timestamps_ms")
            })?;
            serde_json::to_string(&value)
                .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))
        },
        &mut out,
        |s| progress.update(s),
    )?;
    progress.finish();
    Ok(summary)
}

/// The settings in `path` (a JSON file as `tripscore config --default`
/// prints it), or the defaults without one.
pub(crate) fn load_config(path: Option<&str>) -> Result<Config, Fatal> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Fatal(format!("{path}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| Fatal(format!("{path}: {e}")))
}
