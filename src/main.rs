//! The `tripscore` command: batch trip analytics over JSONL, CSV and GPX input.
//!
//! Uses only the library's public API. Exit status: 0 every record processed,
//! 1 some records are error lines (all still written), 2 the run failed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tripscore::{
    BatchOptions, BatchSummary, ErrorKind, InputError, Records, open_input, run_batch,
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

fn open_all(inputs: &[String]) -> Result<Records, Fatal> {
    let names: Vec<String> = if inputs.is_empty() {
        vec!["-".to_owned()]
    } else {
        inputs.to_vec()
    };
    let mut opened = Vec::with_capacity(names.len());
    for name in &names {
        opened.push(open_input(name)?);
    }
    Ok(Box::new(opened.into_iter().flatten()))
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

fn run_trajectory(args: &BatchArgs) -> Result<BatchSummary, Fatal> {
    let records = open_all(&args.inputs)?;
    let mut out = output(args.output.as_deref())?;
    let options = BatchOptions {
        threads: args.jobs,
        ..BatchOptions::default()
    };
    let summary = run_batch(
        records,
        options,
        |trip| {
            let api = trip.to_api().ok_or_else(|| {
                InputError::new(
                    ErrorKind::Processing,
                    "the trip has no timestamps; a trajectory needs them",
                )
                .with_field("timestamps_ms")
            })?;
            serde_json::to_string(&api)
                .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))
        },
        &mut out,
        |_| {},
    )?;
    Ok(summary)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (result, quiet) = match &cli.command {
        Command::Trajectory(args) => (run_trajectory(args), args.quiet),
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
