//! `tripscore report`: one trip drawn as an SVG report.

use std::io::Write;

use clap::Args;
use tripscore::output::{trip_record_of, trip_svg};
use tripscore::{RecordOptions, analyze};

use tripscore::input::{InputFormat, InputOptions};
use tripscore::map::enrich;

use super::{Fatal, load_config, open_all, output};

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// The input holding the trip (JSONL, JSON, CSV or GPX; `-` = stdin).
    pub(crate) input: String,
    /// The input format; by default the content decides (then the extension).
    #[arg(long, value_parser = ["jsonl", "json", "csv", "gpx", "parquet", "arrow"])]
    pub(crate) format: Option<String>,
    /// The trip to draw; the first trip of the input when left out.
    #[arg(long, value_name = "ID")]
    pub(crate) event_id: Option<String>,
    /// Where to write the SVG (`-` = stdout).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: String,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
    /// Match the trip to this road map first (as `score --map`).
    #[arg(long, value_name = "FILE")]
    pub(crate) map: Option<String>,
    /// With an `.osm.pbf` as `--map`: the country whose default limits apply.
    #[arg(long, value_name = "CC", requires = "map")]
    pub(crate) map_country: Option<String>,
}

pub(crate) fn run(args: &ReportArgs) -> Result<(), Fatal> {
    let config = load_config(args.config.as_deref())?;
    let inputs = std::slice::from_ref(&args.input);
    let options = InputOptions {
        format: args.format.as_deref().and_then(InputFormat::from_name),
        ..InputOptions::default()
    };
    let inputs = open_all(inputs, options, false)?;
    let road_map = super::map::load(args.map.as_deref(), args.map_country.as_deref(), false)?;
    for record in inputs.records {
        let record = record?;
        let line = record.pos.line;
        let mut trip = match record.into_trajectory() {
            Ok(trip) => trip,
            Err(e) if args.event_id.is_none() || e.event_id == args.event_id => {
                return Err(Fatal::new(format!("{}:{line}: {e}", args.input)));
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
        if let Some(road_map) = &road_map {
            enrich(&mut trip, road_map, &config.map_match);
        }
        let analysis = analyze(&trip, &config.detect);
        let options = RecordOptions {
            explain: true,
            ..RecordOptions::default()
        };
        let scored = trip_record_of(&trip, &analysis, &config, options).ok_or_else(|| {
            Fatal::new("the trip has no timestamps; it cannot be drawn".to_owned())
        })?;
        let explanation = scored
            .explanation
            .clone()
            .ok_or_else(|| Fatal::new("no explanation".to_owned()))?;
        let svg = trip_svg(&trip, &analysis, &scored, &explanation, &config.features)?;
        let mut out = output(Some(&args.output), std::slice::from_ref(&args.input))?;
        out.write_all(svg.as_bytes())?;
        out.flush()?;
        return Ok(());
    }
    Err(Fatal::new(match &args.event_id {
        Some(id) => format!("{}: no trip with event_id {id:?}", args.input),
        None => format!("{}: no trip", args.input),
    }))
}
