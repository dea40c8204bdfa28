//! `tripscore merge`: partial aggregates (`aggregate --partial`) merged into
//! users' scores, streaming.

use clap::Args;
use tripscore::BatchSummary;
use tripscore::batch::merge_partials;
use tripscore::input::{DEFAULT_MAX_RECORD_BYTES, JsonlReader, open_text};

use super::io::check_readable;
use super::{Fatal, input_names, load_config, output};

#[derive(Args)]
pub(crate) struct MergeArgs {
    /// `tripscore aggregate --partial` output files (plain, gzip or zstd); `-` or nothing reads stdin.
    pub(crate) inputs: Vec<String>,
    /// Write here instead of stdout (`-` = stdout).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<String>,
    /// Write the merged partial aggregates instead of scores (to merge again later).
    #[arg(long)]
    pub(crate) partial: bool,
    /// Read settings (the `score` section) from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
    /// The longest line accepted, bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    pub(crate) max_record_bytes: usize,
    /// No summary line on stderr (problems are still reported).
    #[arg(short, long)]
    pub(crate) quiet: bool,
}

/// Merges every input; bad lines and trips counted twice are reported on
/// stderr and count as errors.
pub(crate) fn run(args: &MergeArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    let names = input_names(&args.inputs);
    check_readable(&names)?;
    // Every input is read at once (a k-way merge): one buffer each.
    let mut readers = Vec::with_capacity(names.len());
    for name in &names {
        let text = open_text(name, None).map_err(|e| Fatal::new(e.to_string()))?;
        readers.push(JsonlReader::new(text, name).with_max_line_bytes(args.max_record_bytes));
    }
    let mut out = output(args.output.as_deref(), &args.inputs)?;
    let s = merge_partials(readers, &config.score, args.partial, &mut out, |problem| {
        eprintln!("tripscore: {problem}");
    })?;
    if !args.quiet {
        eprintln!(
            "tripscore: {} partial lines from {} inputs, {} users, {} trips counted twice, {} unreadable, {:.2} s",
            s.lines,
            names.len(),
            s.users,
            s.counted_twice,
            s.unreadable,
            s.elapsed.as_secs_f64()
        );
    }
    Ok(BatchSummary {
        records: s.lines,
        ok: s.users,
        errors: s.unreadable + s.counted_twice,
        elapsed: s.elapsed,
        ..BatchSummary::default()
    })
}
