//! `tripscore score`: each trip analysed, scored and (on request) explained.

use clap::Args;
use tripscore::{BatchSummary, RecordOptions, trip_record};

use super::{BatchArgs, Fatal, load_config, run_batch_command};

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
    run_batch_command(
        &args.batch,
        "scoring",
        &config.map_match,
        |trip, matched| {
            let mut record = trip_record(trip, &config, options)?;
            record.map_match = matched;
            Some(record)
        },
    )
}
