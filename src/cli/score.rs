//! `tripscore score`: each trip analysed, scored and (on request) explained.

use std::sync::atomic::{AtomicU64, Ordering};

use clap::Args;
use tripscore::detect::SpeedSource;
use tripscore::{BatchSummary, RecordOptions, Trajectory, trip_record};

#[cfg(feature = "parquet")]
use super::run_batch_to_sink;
use super::{BatchArgs, Fatal, load_config, run_batch_command};
#[cfg(feature = "parquet")]
use tripscore::{ErrorKind, InputError};

#[derive(Args)]
pub(crate) struct ScoreArgs {
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
    /// Add each trip's behaviour annotations (valid boundaries and episodes).
    #[arg(long)]
    pub(crate) annotations: bool,
    /// Add each trip's trajectory.
    #[arg(long)]
    pub(crate) trajectory: bool,
    /// Add each trip's explanation: hard events and speeding with what they cost.
    #[arg(long)]
    pub(crate) explain: bool,
    /// Read settings from this JSON file (as printed by `tripscore config --default`).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
}

pub(crate) fn run(args: &ScoreArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    let options = RecordOptions {
        annotations: args.annotations,
        trajectory: args.trajectory,
        explain: args.explain,
    };
    // Trips whose measured speed was set aside as out of scale with their
    // positions: a file-wide unit mistake (m/s given as km/h) shows in
    // every trip, so it is said once at the end, not only per trip.
    let speed_set_aside = AtomicU64::new(0);
    let judge_speed = config.detect.kinematics.speed_source == SpeedSource::MeasuredWhenGiven;
    let make = |trip: &Trajectory, matched| {
        let mut record = trip_record(trip, &config, options)?;
        record.map_match = matched;
        if judge_speed && trip.has_measured_speed() && !record.data_quality.measured_speed_used {
            speed_set_aside.fetch_add(1, Ordering::Relaxed);
        }
        Some(record)
    };
    let note = |summary: BatchSummary| {
        let n = speed_set_aside.load(Ordering::Relaxed);
        if n > 0 && !args.batch.quiet {
            eprintln!(
                "tripscore: note: the measured speed of {n} trip(s) is out of scale with their \
                 positions and was not used: their scores come from positions \
                 (data_quality.measured_speed_scale_milli; 278 is m/s given as km/h: \
                 convert it, or name a CSV or Parquet column speed_mps)"
            );
        }
        summary
    };
    let path = args.batch.output.as_deref().unwrap_or("-");
    if !path.to_ascii_lowercase().ends_with(".parquet") {
        return run_batch_command(&args.batch, "scoring", &config.map_match, make).map(note);
    }
    #[cfg(feature = "parquet")]
    {
        super::io::check_readable(&super::input_names(&args.batch.inputs))?;
        let same = |i: &String| {
            let (a, b) = (std::fs::canonicalize(i), std::fs::canonicalize(path));
            matches!((a, b), (Ok(a), Ok(b)) if a == b)
        };
        if let Some(input) = args.batch.inputs.iter().find(|i| same(i)) {
            return Err(Fatal::new(format!(
                "refusing to write {path}: it is the input {input}"
            )));
        }
        let template =
            tripscore::output::template_line(&config, options, args.batch.map.is_some())?;
        let parts = options.json_parts();
        let mut out = super::parquet_out::ParquetLines::create(path, &template, &parts)?;
        let layout = out.layout();
        // Each record flattened into its row on the workers: no JSON between.
        let row = |trip: &Trajectory, matched| {
            make(trip, matched).map(|record| {
                layout
                    .row(&record)
                    .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))
            })
        };
        let summary = run_batch_to_sink(&args.batch, "scoring", &config.map_match, row, &mut out)?;
        out.finish()?;
        Ok(note(summary))
    }
    #[cfg(not(feature = "parquet"))]
    {
        Err(Fatal::new(format!(
            "{path}: writing Parquet needs tripscore built with `--features parquet`"
        )))
    }
}
