//! `tripscore geojson`: each trip as a GeoJSON FeatureCollection.

use clap::Args;
use tripscore::output::{trip_geojson, trip_record_of};
use tripscore::{BatchSummary, RecordOptions, analyze};

use super::{BatchArgs, Fatal, load_config, run_batch_command};

#[derive(Args)]
pub(crate) struct GeojsonArgs {
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
}

pub(crate) fn run(args: &GeojsonArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    run_batch_command(&args.batch, "a GeoJSON path", |trip| {
        let analysis = analyze(trip, &config.detect);
        let record = trip_record_of(trip, &analysis, &config, RecordOptions::default())?;
        Some(trip_geojson(trip, &analysis, &record))
    })
}
