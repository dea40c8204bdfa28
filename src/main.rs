//! The `tripscore` command: batch trip analytics over JSONL, CSV and GPX input.
//!
//! Uses only the library's public API. Exit status: 0 every record processed,
//! 1 some records are error lines (all still written), 2 the run failed.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// mimalloc for the binary: every batch window allocates and frees its trips'
/// buffers, and glibc's allocator returned those pages to the kernel and
/// faulted them in again (malloc, free and page clearing were ~8 % of a
/// profile). The library leaves the allocator to its user; the `mimalloc`
/// feature (on by default) can be turned off.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tripscore::{
    Aggregator, BatchOptions, BatchSummary, Config, ErrorKind, InputError, LineOutcome,
    NoiseConfig, PastWindow, RecordOptions, Records, SimConfig, analyze, open_input_counted,
    run_batch, simulate_trip, trip_geojson, trip_record, trip_record_of, trip_svg,
};

/// Trip analytics: driving-behaviour annotations and scores from GPS trajectories.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write one API `Trajectory` per input trip (waypoints with distance and speed, encoded path).
    Trajectory(BatchArgs),
    /// Analyse each trip: one Transport event per input trip, with what was asked for.
    Score(ScoreArgs),
    /// Sum `score` output per user into last-7-days and past windows: one `UserCarBehavior` per user.
    Aggregate(AggregateArgs),
    /// Write each trip as a GeoJSON FeatureCollection (path, annotations, invalid sections), one per line.
    Geojson(GeojsonArgs),
    /// Draw one trip as an SVG report: speed, accelerations, path, scores and penalties.
    Report(ReportArgs),
    /// Print the configuration (every threshold, with units in its docs) as JSON.
    Config(ConfigArgs),
    /// Write simulated trips with known manoeuvres, and their ground truth.
    Simulate(SimulateArgs),
    /// Judge detection against labelled trips: precision and recall per annotation kind and for hard events.
    Evaluate(EvaluateArgs),
}

#[derive(Args)]
struct ScoreArgs {
    #[command(flatten)]
    batch: BatchArgs,
    /// Add each trip's behaviour annotations (valid boundaries and episodes).
    #[arg(long)]
    annotations: bool,
    /// Add each trip's trajectory.
    #[arg(long)]
    trajectory: bool,
    /// Add each trip's explanation: hard events and speeding with what they cost.
    #[arg(long)]
    explain: bool,
    /// Read settings from this JSON file (as printed by `tripscore config --default`).
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
}

#[derive(Args)]
struct AggregateArgs {
    /// `tripscore score` output files; `-` or nothing reads stdin.
    inputs: Vec<String>,
    /// The reference instant, RFC 3339 (l7d = the 7 days before it).
    #[arg(long, value_name = "RFC3339")]
    as_of: String,
    /// The `past` window: `before-l7d` (trips before the last 7 days, as the API) or `all-time`.
    #[arg(long, default_value = "before-l7d", value_parser = ["before-l7d", "all-time"])]
    past: String,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Read score settings (`score` section) from this JSON file.
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
    /// No summary line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args)]
struct GeojsonArgs {
    #[command(flatten)]
    batch: BatchArgs,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
}

#[derive(Args)]
struct ReportArgs {
    /// The input holding the trip (.jsonl, .csv, .gpx).
    input: String,
    /// The trip to draw; the first trip of the input when left out.
    #[arg(long, value_name = "ID")]
    event_id: Option<String>,
    /// Where to write the SVG.
    #[arg(short, long, value_name = "FILE")]
    output: String,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
}

#[derive(Args)]
struct ConfigArgs {
    /// Print the defaults.
    #[arg(long)]
    default: bool,
}

#[derive(Args)]
struct SimulateArgs {
    /// Number of trips.
    #[arg(long, default_value_t = 10)]
    trips: u64,
    /// Seed: the same seed gives the same trips.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Driving time per trip, s.
    #[arg(long, default_value_t = 1200.0)]
    duration_s: f64,
    /// Sampling interval, ms.
    #[arg(long, default_value_t = 1000)]
    sampling_ms: i64,
    /// Share of manoeuvres driven harshly (0 for calm driving).
    #[arg(long, default_value_t = 0.15)]
    harsh_share: f64,
    /// Drifting position error, σ per axis, m.
    #[arg(long, default_value_t = 5.0)]
    drift_m: f64,
    /// White position noise, σ per axis, m.
    #[arg(long, default_value_t = 0.4)]
    white_m: f64,
    /// Time constant of the receiver's own track filter, s (0: none): turns
    /// and speed changes come out later and gentler, as from real receivers.
    #[arg(long, default_value_t = 0.0)]
    receiver_lag_s: f64,
    /// Probability per fix that the position error jumps by 3–10 m and
    /// decays back over about 3 s (0: never), as real receivers' do.
    #[arg(long, default_value_t = 0.0)]
    jump_prob: f64,
    /// No noise and no artefacts at all.
    #[arg(long)]
    clean: bool,
    /// Leave out measured speeds.
    #[arg(long)]
    no_speed: bool,
    /// Leave out road types and speed limits.
    #[arg(long)]
    no_roads: bool,
    /// Polyline precision (5 or 6).
    #[arg(long, default_value_t = 5)]
    precision: u32,
    /// The input form to write: `compact` (`encoded` + `timestamps_ms`) or `waypoints`.
    #[arg(long, default_value = "compact", value_parser = ["compact", "waypoints"])]
    form: String,
    /// Write the trips here instead of stdout (JSONL, compact form).
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Write the ground truth here (JSONL, one line per trip).
    #[arg(long, value_name = "FILE")]
    truth: Option<String>,
}

#[derive(Args)]
struct EvaluateArgs {
    /// The trips (as for `score`). Output: one line per trip record, its
    /// counts, or its error line (a trip without labels is one).
    #[command(flatten)]
    batch: BatchArgs,
    /// The labels: JSONL, one line per trip, as `tripscore simulate --truth` writes
    /// (`event_id`, `maneuvers`: `kind`, `start_ms`, `end_ms`, optional `peak_mps2`, `harsh`).
    #[arg(long, value_name = "FILE")]
    labels: String,
    /// Write the totals with precision and recall here (JSON); a table goes to stderr.
    #[arg(long, value_name = "FILE")]
    summary: Option<String>,
    /// A detection matches a label of its kind when their spans, each widened by this, overlap, ms.
    #[arg(long, default_value_t = 1000)]
    tolerance_ms: i64,
    /// Labelled manoeuvres peaking below this do not count for annotation recall, m/s².
    #[arg(long, default_value_t = 1.0)]
    min_peak_mps2: f64,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    config: Option<String>,
}

/// Inputs, output and parallelism shared by the batch commands.
#[derive(Args)]
struct BatchArgs {
    /// Input files (.jsonl/.ndjson/.json, .csv, .gpx); `-` or nothing reads JSONL from stdin.
    inputs: Vec<String>,
    /// Write the output here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<String>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long = "jobs", default_value_t = 0, value_name = "N")]
    jobs: usize,
    /// No summary line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

/// A run-level failure: exit status 2.
struct Fatal(String);

impl<E: std::fmt::Display> From<E> for Fatal {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// Opened inputs, with the bytes read so far and the total size when known.
struct Inputs {
    records: Records,
    bytes_read: Arc<AtomicU64>,
    total_bytes: Option<u64>,
}

fn open_all(inputs: &[String]) -> Result<Inputs, Fatal> {
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
struct Progress {
    bar: Option<ProgressBar>,
    bytes_read: Arc<AtomicU64>,
}

impl Progress {
    fn new(inputs: &Inputs, quiet: bool) -> Self {
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

    fn update(&self, s: &BatchSummary) {
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

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn output(path: Option<&str>) -> Result<Box<dyn Write>, Fatal> {
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
fn run_batch_command<T: serde::Serialize>(
    args: &BatchArgs,
    what: &str,
    make: impl Fn(&tripscore::Trajectory) -> Option<T> + Sync,
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

fn run_trajectory(args: &BatchArgs) -> Result<BatchSummary, Fatal> {
    run_batch_command(args, "a trajectory", tripscore::Trajectory::to_api)
}

fn load_config(path: Option<&str>) -> Result<Config, Fatal> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Fatal(format!("{path}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| Fatal(format!("{path}: {e}")))
}

fn run_score(args: &ScoreArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    let options = RecordOptions {
        annotations: args.annotations,
        trajectory: args.trajectory,
        explain: args.explain,
    };
    run_batch_command(&args.batch, "scoring", |trip| {
        trip_record(trip, &config, options)
    })
}

/// Reads every scored line into an aggregator; returns it and the count of bad lines.
fn run_aggregate(args: &AggregateArgs) -> Result<BatchSummary, Fatal> {
    use std::io::BufRead;
    let config = load_config(args.config.as_deref())?;
    let as_of = tripscore::ApiTime::parse(&args.as_of)
        .map_err(|e| Fatal(format!("--as-of {:?}: {e}", args.as_of)))?;
    let past = if args.past == "all-time" {
        PastWindow::AllTime
    } else {
        PastWindow::BeforeLast7Days
    };
    let mut agg = Aggregator::new(as_of.epoch_ms(), past);
    let names: Vec<String> = if args.inputs.is_empty() {
        vec!["-".to_owned()]
    } else {
        args.inputs.clone()
    };
    let mut summary = BatchSummary::default();
    let started = std::time::Instant::now();
    for name in &names {
        let reader: Box<dyn BufRead> = if name == "-" {
            Box::new(io::BufReader::new(io::stdin()))
        } else {
            Box::new(io::BufReader::new(
                File::open(name).map_err(|e| Fatal(format!("{name}: {e}")))?,
            ))
        };
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| Fatal(format!("{name}: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            summary.records += 1;
            match agg.add_scored_line(&line) {
                Ok(LineOutcome::Added) => summary.ok += 1,
                Ok(LineOutcome::AfterAsOf | LineOutcome::ErrorRecord) => {}
                Err(e) => {
                    summary.errors += 1;
                    eprintln!("tripscore: {name}:{}: {e}", i + 1);
                }
            }
        }
    }
    let mut out = output(args.output.as_deref())?;
    for (user_id, car_behavior) in agg.finish(&config.score) {
        let line = serde_json::json!({ "user_id": user_id, "car_behavior": car_behavior });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    summary.elapsed = started.elapsed();
    if !args.quiet {
        eprintln!(
            "tripscore: {} lines, {} trips aggregated for {} users, {} after --as-of, {} unreadable",
            summary.records,
            summary.ok,
            agg.users().len(),
            agg.after_as_of,
            summary.errors
        );
    }
    Ok(summary)
}

fn run_geojson(args: &GeojsonArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    run_batch_command(&args.batch, "a GeoJSON path", |trip| {
        let analysis = analyze(trip, &config);
        let record = trip_record_of(trip, &analysis, &config, RecordOptions::default())?;
        Some(trip_geojson(trip, &analysis, &record))
    })
}

fn run_report(args: &ReportArgs) -> Result<(), Fatal> {
    let config = load_config(args.config.as_deref())?;
    let inputs = open_all(std::slice::from_ref(&args.input))?;
    for record in inputs.records {
        let record = record?;
        let line = record.pos.line;
        let trip = match record.into_trajectory() {
            Ok(trip) => trip,
            Err(e) if args.event_id.is_none() || e.event_id == args.event_id => {
                return Err(Fatal(format!("{}:{line}: {e}", args.input)));
            }
            Err(_) => continue,
        };
        if args
            .event_id
            .as_deref()
            .is_some_and(|id| id != trip.event_id())
        {
            continue;
        }
        let analysis = analyze(&trip, &config);
        let options = RecordOptions {
            explain: true,
            ..RecordOptions::default()
        };
        let scored = trip_record_of(&trip, &analysis, &config, options)
            .ok_or_else(|| Fatal("the trip has no timestamps; it cannot be drawn".to_owned()))?;
        let explanation = scored
            .explanation
            .clone()
            .ok_or_else(|| Fatal("no explanation".to_owned()))?;
        let svg = trip_svg(&trip, &analysis, &scored, &explanation)?;
        std::fs::write(&args.output, svg).map_err(|e| Fatal(format!("{}: {e}", args.output)))?;
        return Ok(());
    }
    Err(Fatal(match &args.event_id {
        Some(id) => format!("{}: no trip with event_id {id:?}", args.input),
        None => format!("{}: no trip", args.input),
    }))
}

fn run_config(args: &ConfigArgs) -> Result<(), Fatal> {
    if !args.default {
        return Err(Fatal(
            "say `tripscore config --default` to print the defaults".to_owned(),
        ));
    }
    println!("{}", serde_json::to_string_pretty(&Config::default())?);
    Ok(())
}

fn run_simulate(args: &SimulateArgs) -> Result<(), Fatal> {
    let noise = if args.clean {
        NoiseConfig::none()
    } else {
        NoiseConfig {
            position_sigma_m: args.drift_m,
            white_sigma_m: args.white_m,
            receiver_lag_s: args.receiver_lag_s,
            jump_prob: args.jump_prob,
            ..NoiseConfig::default()
        }
    };
    let sim = SimConfig {
        seed: args.seed,
        trip_duration_s: args.duration_s,
        sampling_ms: args.sampling_ms,
        harsh_share: args.harsh_share,
        with_speed: !args.no_speed,
        with_roads: !args.no_roads,
        precision: args.precision,
        noise,
        ..SimConfig::default()
    };
    let mut out = output(args.output.as_deref())?;
    let mut truth = match args.truth.as_deref() {
        Some(p) => Some(output(Some(p))?),
        None => None,
    };
    for i in 0..args.trips {
        let trip = simulate_trip(&sim, i);
        if args.form == "waypoints" {
            writeln!(out, "{}", trip.waypoint_record())?;
        } else {
            writeln!(out, "{}", serde_json::to_string(&trip)?)?;
        }
        if let (Some(w), Some(t)) = (truth.as_mut(), trip.truth.as_ref()) {
            writeln!(w, "{}", serde_json::to_string(t)?)?;
        }
    }
    out.flush()?;
    if let Some(w) = truth.as_mut() {
        w.flush()?;
    }
    Ok(())
}

/// `tripscore evaluate`, in its own file: main.rs holds the other commands.
#[path = "cli/evaluate.rs"]
mod evaluate;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (result, quiet) = match &cli.command {
        Command::Trajectory(args) => (run_trajectory(args), args.quiet),
        Command::Score(args) => (run_score(args), args.batch.quiet),
        Command::Aggregate(args) => (run_aggregate(args), true),
        Command::Geojson(args) => (run_geojson(args), args.batch.quiet),
        Command::Report(args) => (run_report(args).map(|()| BatchSummary::default()), true),
        Command::Config(args) => (run_config(args).map(|()| BatchSummary::default()), true),
        Command::Simulate(args) => (run_simulate(args).map(|()| BatchSummary::default()), true),
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
