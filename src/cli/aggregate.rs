//! `tripscore aggregate`: `score` output summed per user into l7d and past windows.

use std::fs::File;
use std::io::{self, Write};

use clap::Args;
use tripscore::BatchSummary;
use tripscore::api::ApiTime;
use tripscore::score::{Aggregator, LineOutcome, PastWindow};

use super::{Fatal, load_config, output};

#[derive(Args)]
pub(crate) struct AggregateArgs {
    /// `tripscore score` output files; `-` or nothing reads stdin.
    pub(crate) inputs: Vec<String>,
    /// The reference instant, RFC 3339 (l7d = the 7 days before it).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) as_of: String,
    /// The `past` window: `before-l7d` (trips before the last 7 days, as the
    /// API) or `all-time`; the config's `aggregate.past` when left out
    /// (`before-l7d` by default).
    #[arg(long, value_parser = ["before-l7d", "all-time"])]
    pub(crate) past: Option<String>,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// Read settings (the `score` and `aggregate` sections) from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
    /// No summary line on stderr.
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// Reads every scored line into an aggregator; returns it and the count of bad lines.
pub(crate) fn run(args: &AggregateArgs) -> Result<BatchSummary, Fatal> {
    use std::io::BufRead;
    let config = load_config(args.config.as_deref())?;
    let as_of =
        ApiTime::parse(&args.as_of).map_err(|e| Fatal(format!("--as-of {:?}: {e}", args.as_of)))?;
    let mut windows = config.aggregate;
    match args.past.as_deref() {
        Some("all-time") => windows.past = PastWindow::AllTime,
        Some(_) => windows.past = PastWindow::BeforeLast7Days,
        None => {}
    }
    let mut agg = Aggregator::new(as_of.epoch_ms(), &windows);
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
