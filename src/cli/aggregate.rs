//! `tripscore aggregate`: `score` output summed per user into l7d and past
//! windows, each trip once, in bounded memory.

use clap::Args;
use tripscore::BatchSummary;
use tripscore::api::ApiTime;
use tripscore::batch::{RollupOptions, rollup};
use tripscore::input::{DEFAULT_MAX_RECORD_BYTES, JsonlReader, open_text};
use tripscore::score::PastWindow;

use super::io::check_readable;
use super::{Fatal, input_names, load_config, output};

#[derive(Args)]
pub(crate) struct AggregateArgs {
    /// `tripscore score` output files (plain, gzip or zstd); `-` or nothing reads stdin.
    pub(crate) inputs: Vec<String>,
    /// The reference instant, RFC 3339 with a zone, e.g. 2019-10-01T00:00:00Z
    /// (l7d = the 7 days before it).
    #[arg(long, value_name = "RFC3339")]
    pub(crate) as_of: String,
    /// The `past` window: `before-l7d` (trips before the last 7 days, as the
    /// API) or `all-time`; the config's `aggregate.past` when left out
    /// (`before-l7d` by default).
    #[arg(long, value_parser = ["before-l7d", "all-time"])]
    pub(crate) past: Option<String>,
    /// Write here instead of stdout (`-` = stdout).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// Read settings (the `score` and `aggregate` sections) from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
    /// Memory for trips and users before spilling to temporary shard files, MiB.
    #[arg(long, value_name = "MIB", default_value_t = 128)]
    pub(crate) memory_mib: usize,
    /// Where the temporary shard files go (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub(crate) temp_dir: Option<String>,
    /// The longest line accepted, bytes; a longer one is reported and skipped.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    pub(crate) max_record_bytes: usize,
    /// Write each user's partial aggregate (window features and trip keys)
    /// instead of its scores: shards aggregated anywhere, then `tripscore merge`.
    #[arg(long)]
    pub(crate) partial: bool,
    /// No summary line on stderr (problems with lines are still reported).
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// Rolls every input up per user. Lines that are not `score` output and
/// conflicting duplicates are reported on stderr and count as errors.
pub(crate) fn run(args: &AggregateArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    let as_of = ApiTime::parse(&args.as_of).map_err(|e| {
        Fatal::new(format!(
            "--as-of {:?} is not RFC 3339 with a zone (e.g. 2019-10-01T00:00:00Z): {e}",
            args.as_of
        ))
    })?;
    let mut windows = config.aggregate;
    match args.past.as_deref() {
        Some("all-time") => windows.past = PastWindow::AllTime,
        Some(_) => windows.past = PastWindow::BeforeLast7Days,
        None => {}
    }
    let names = input_names(&args.inputs);
    check_readable(&names)?;
    let max_line_bytes = args.max_record_bytes;
    // Each input opened when the one before is done.
    let lines = names
        .into_iter()
        .flat_map(move |name| -> tripscore::Records {
            match open_text(&name, None) {
                Ok(text) => {
                    Box::new(JsonlReader::new(text, &name).with_max_line_bytes(max_line_bytes))
                }
                Err(e) => Box::new(std::iter::once(Err(e))),
            }
        });
    let mut out = output(args.output.as_deref(), &args.inputs)?;
    let mut options = RollupOptions::new(as_of.epoch_ms(), windows);
    options.memory_bytes = args.memory_mib.saturating_mul(1 << 20);
    if let Some(dir) = &args.temp_dir {
        options.temp_dir = dir.into();
    }
    options.stop = super::stop_flag();
    options.partial = args.partial;
    let s = rollup(lines, &options, &config.score, &mut out, |problem| {
        eprintln!("tripscore: {problem}")
    })?;
    if !args.quiet {
        eprintln!(
            "tripscore: {} lines, {} trips aggregated for {} users, {} after --as-of, {} \
             duplicates counted once ({} conflicting), {} unreadable, {} shard files, {:.2} s",
            s.lines,
            s.trips,
            s.users,
            s.after_as_of,
            s.duplicates,
            s.conflicts,
            s.unreadable,
            s.shards,
            s.elapsed.as_secs_f64()
        );
    }
    Ok(BatchSummary {
        records: s.lines,
        ok: s.trips,
        errors: s.unreadable + s.conflicts,
        elapsed: s.elapsed,
        ..BatchSummary::default()
    })
}
