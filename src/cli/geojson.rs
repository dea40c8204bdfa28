//! `tripscore geojson`: trips as GeoJSON, one Feature per line (GeoJSONSeq)
//! or one FeatureCollection for the whole run.

use std::io::Write;

use clap::Args;
use tripscore::output::{error_feature, trip_features, trip_record_of};
use tripscore::{
    BatchSummary, Config, ErrorKind, InputError, RecordError, RecordOptions, Trajectory, analyze,
    run_batch,
};

use super::{BatchArgs, Fatal, Progress, load_config, open_all, output, with_road_context};

#[derive(Args)]
pub(crate) struct GeojsonArgs {
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
    /// Write one FeatureCollection for the whole run instead of one Feature per line.
    #[arg(long)]
    pub(crate) collection: bool,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
}

/// A bad record's Feature, on one line.
fn error_text(e: &RecordError) -> String {
    serde_json::to_string(&error_feature(e)).unwrap_or_else(|_| e.to_string())
}

pub(crate) fn run(args: &GeojsonArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    let b = &args.batch;
    let road_map = b.road_map()?;
    let inputs = open_all(&b.inputs, b.input_options(), b.quiet)?;
    let progress = Progress::new(&inputs, b.quiet);
    let mut out = output(b.output.as_deref(), &b.inputs)?;
    let mut options = b.batch_options();
    options.error_text = error_text;
    // A trip's Features are one per line; in a collection, lines end with commas.
    let joint = if args.collection { ",\n" } else { "\n" };
    options.separator = joint;
    if args.collection {
        writeln!(out, r#"{{"type":"FeatureCollection","features":["#)?;
    }
    let summary = run_batch(
        inputs.records,
        options,
        |trip| {
            with_road_context(trip, road_map.as_ref(), &config.map_match, |trip, _| {
                features_text(trip, &config, joint)
            })
        },
        &mut out,
        |s| progress.update(s),
    )?;
    progress.finish();
    if args.collection {
        writeln!(out, "]}}")?;
    }
    out.flush()?;
    Ok(summary)
}

/// A trip's Features, `joint` between them.
fn features_text(trip: &Trajectory, config: &Config, joint: &str) -> Result<String, InputError> {
    let analysis = analyze(trip, &config.detect);
    let record =
        trip_record_of(trip, &analysis, config, RecordOptions::default()).ok_or_else(|| {
            InputError::new(
                ErrorKind::Processing,
                "the trip has no timestamps; a GeoJSON path needs them",
            )
            .with_field("timestamps_ms")
        })?;
    let mut text = String::new();
    for (i, feature) in trip_features(trip, &analysis, &record).iter().enumerate() {
        if i > 0 {
            text.push_str(joint);
        }
        let json = serde_json::to_string(feature)
            .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))?;
        text.push_str(&json);
    }
    Ok(text)
}
