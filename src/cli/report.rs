//! `tripscore report`: one trip drawn as an SVG report.

use clap::Args;
use tripscore::output::{trip_record_of, trip_svg};
use tripscore::{RecordOptions, analyze};

use super::{Fatal, load_config, open_all};

#[derive(Args)]
pub(crate) struct ReportArgs {
    /// The input holding the trip (.jsonl, .csv, .gpx).
    pub(crate) input: String,
    /// The trip to draw; the first trip of the input when left out.
    #[arg(long, value_name = "ID")]
    pub(crate) event_id: Option<String>,
    /// Where to write the SVG.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: String,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
}

pub(crate) fn run(args: &ReportArgs) -> Result<(), Fatal> {
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
        let analysis = analyze(&trip, &config.detect);
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
        let svg = trip_svg(&trip, &analysis, &scored, &explanation, &config.features)?;
        std::fs::write(&args.output, svg).map_err(|e| Fatal(format!("{}: {e}", args.output)))?;
        return Ok(());
    }
    Err(Fatal(match &args.event_id {
        Some(id) => format!("{}: no trip with event_id {id:?}", args.input),
        None => format!("{}: no trip", args.input),
    }))
}
