//! `tripscore evaluate`: detection judged against a user's labelled trips.
//!
//! The trips stream through [`run_batch`] like `score` (one output line per
//! trip record: its counts, or its error line); the labels file is read into
//! memory first (labelled sets are thousands of trips, not millions). The
//! totals add integer counts and whole millimetres, so they do not depend on
//! the order the workers finish in: the output is the same with 1 or N threads.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};
use tripscore::sim::{Counts, Evaluation, TripLabels, judge_labelled, nearest_rank};
use tripscore::{BatchSummary, ErrorKind, InputError, run_batch};

use clap::Args;

use super::{BatchArgs, Fatal, Progress, load_config, open_all, output, with_road_context};

#[derive(Args)]
pub(crate) struct EvaluateArgs {
    /// The trips (as for `score`). Output: one line per trip record, its
    /// counts, or its error line (a trip without labels is one).
    #[command(flatten)]
    pub(crate) batch: BatchArgs,
    /// The labels: JSONL, one line per trip, as `tripscore simulate --truth` writes
    /// (`event_id`, `maneuvers`: `kind`, `start_ms`, `end_ms`, optional `peak_mps2`, `harsh`).
    #[arg(long, value_name = "FILE")]
    pub(crate) labels: String,
    /// Write the totals with precision and recall here (JSON); a table goes to stderr.
    #[arg(long, value_name = "FILE")]
    pub(crate) summary: Option<String>,
    /// A detection matches a label of its kind when their spans, each widened by this, overlap, ms.
    #[arg(long, default_value_t = 1000)]
    pub(crate) tolerance_ms: i64,
    /// Labelled manoeuvres peaking below this do not count for annotation recall, m/s².
    #[arg(long, default_value_t = 1.0)]
    pub(crate) min_peak_mps2: f64,
    /// Read settings from this JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<String>,
}

/// One trip's labels, with the line they came from and whether a trip used them.
struct Labelled {
    line: u64,
    labels: TripLabels,
    used: AtomicBool,
}

/// A labels file: the trips' labels by `event_id`, and the lines that could not be used.
struct LabelSet {
    by_id: HashMap<String, Labelled>,
    errors: Vec<String>,
}

fn read_labels(path: &str) -> Result<LabelSet, Fatal> {
    let file = File::open(path).map_err(|e| Fatal::new(format!("{path}: {e}")))?;
    let mut set = LabelSet {
        by_id: HashMap::new(),
        errors: Vec::new(),
    };
    for (n, line) in (1_u64..).zip(BufReader::new(file).lines()) {
        let line = line.map_err(|e| Fatal::new(format!("{path}: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        match TripLabels::parse_line(&line) {
            Ok(labels) => match set.by_id.entry(labels.event_id.clone()) {
                Entry::Occupied(first) => set.errors.push(format!(
                    "{path}:{n}: [{}] event_id: already labelled on line {}",
                    labels.event_id,
                    first.get().line
                )),
                Entry::Vacant(slot) => {
                    slot.insert(Labelled {
                        line: n,
                        labels,
                        used: AtomicBool::new(false),
                    });
                }
            },
            Err(e) => {
                let id = e
                    .event_id
                    .as_ref()
                    .map(|id| format!("[{id}] "))
                    .unwrap_or_default();
                set.errors.push(format!("{path}:{n}: {id}{e}"));
            }
        }
    }
    Ok(set)
}

/// Totals over the judged trips: counts, the length in whole millimetres,
/// and per kind the ratios read ÷ labelled peak (sorted before use, so their
/// order of arrival does not matter).
#[derive(Default)]
struct Totals {
    evaluation: Evaluation,
    distance_mm: u64,
    peak_ratios: BTreeMap<&'static str, Vec<f64>>,
}

/// The median and 10th and 90th percentiles of `sorted` (nearest rank).
fn quantiles(sorted: &[f64]) -> Option<(f64, f64, f64)> {
    Some((
        nearest_rank(sorted, 0.5)?,
        nearest_rank(sorted, 0.1)?,
        nearest_rank(sorted, 0.9)?,
    ))
}

fn peaks_json(ratios: &BTreeMap<&'static str, Vec<f64>>) -> Value {
    ratios
        .iter()
        .map(|(kind, r)| {
            let q = quantiles(r);
            (
                (*kind).to_owned(),
                json!({
                    "matched": r.len(),
                    "median": q.map(|q| q.0),
                    "p10": q.map(|q| q.1),
                    "p90": q.map(|q| q.2),
                }),
            )
        })
        .collect()
}

/// A ratio, or null when there is nothing to divide by.
fn rate(a: u64, b: u64) -> Value {
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    let r = (b > 0).then(|| a as f64 / b as f64);
    json!(r)
}

fn counts_json(c: &Counts) -> Value {
    json!({
        "truth": c.truth,
        "truth_matched": c.truth_matched,
        "recall": rate(c.truth_matched, c.truth),
        "detected": c.detected,
        "detected_matched": c.detected_matched,
        "precision": rate(c.detected_matched, c.detected),
        "covered_ms": c.covered_ms,
        "observed_ms": c.observed_ms,
        "chance": rate(c.covered_ms, c.observed_ms),
    })
}

fn ratio_cell(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_owned(), |r| format!("{r:.3}"))
}

fn table(totals: &Totals, args: &EvaluateArgs) -> String {
    let ev = &totals.evaluation;
    #[allow(clippy::cast_precision_loss, reason = "a length for display")]
    let km = totals.distance_mm as f64 / 1e6;
    let mut s = format!(
        "tripscore evaluate: {} trips, {km:.1} km, against {} (matched within ±{} ms; \
         annotation recall of manoeuvres peaking ≥ {} m/s²; {} labelled manoeuvres outside valid sections)\n",
        ev.trips, args.labels, args.tolerance_ms, args.min_peak_mps2, ev.unobservable
    );
    s.push_str(&format!(
        "{:<12} {:>9} {:>7} {:>7} {:>7} {:>9} {:>8} {:>9}\n",
        "kind", "labelled", "found", "recall", "chance", "detected", "matched", "precision"
    ));
    for (name, c) in ev.annotations.iter().chain(&ev.hard) {
        s.push_str(&format!(
            "{name:<12} {:>9} {:>7} {:>7} {:>7} {:>9} {:>8} {:>9}\n",
            c.truth,
            c.truth_matched,
            ratio_cell(&rate(c.truth_matched, c.truth)),
            ratio_cell(&rate(c.covered_ms, c.observed_ms)),
            c.detected,
            c.detected_matched,
            ratio_cell(&rate(c.detected_matched, c.detected)),
        ));
    }
    if !totals.peak_ratios.is_empty() {
        s.push_str("peaks read ÷ labelled, of matched labels with a peak:\n");
        s.push_str(&format!(
            "{:<12} {:>9} {:>7} {:>7} {:>7}\n",
            "kind", "matched", "median", "10th", "90th"
        ));
        for (kind, r) in &totals.peak_ratios {
            if let Some((m, lo, hi)) = quantiles(r) {
                s.push_str(&format!(
                    "{kind:<12} {:>9} {m:>7.2} {lo:>7.2} {hi:>7.2}\n",
                    r.len()
                ));
            }
        }
    }
    s
}

/// Runs `tripscore evaluate`. Label lines that cannot be used and labels no
/// trip matched are reported on stderr and in the summary, and count as
/// errors in the returned summary (exit status 1).
pub(crate) fn run(args: &EvaluateArgs) -> Result<BatchSummary, Fatal> {
    let config = load_config(args.config.as_deref())?;
    let labels = read_labels(&args.labels)?;
    let road_map = args.batch.road_map()?;
    let inputs = open_all(
        &args.batch.inputs,
        args.batch.input_options(),
        args.batch.quiet,
    )?;
    let progress = Progress::new(&inputs, args.batch.quiet);
    // The labels are an input too: neither output may overwrite them.
    let mut read = args.batch.inputs.clone();
    read.push(args.labels.clone());
    let mut out = output(args.batch.output.as_deref(), &read)?;
    let totals = Mutex::new(Totals::default());
    let options = args.batch.batch_options();
    let mut summary = run_batch(
        inputs.records,
        options,
        |trip| {
            with_road_context(trip, road_map.as_ref(), &config.map_match, |trip, _| {
                let Some(labelled) = labels.by_id.get(trip.event_id()) else {
                    return Err(InputError::new(
                        ErrorKind::Processing,
                        format!("no labels for this trip in {}", args.labels),
                    )
                    .with_field("event_id"));
                };
                labelled.used.store(true, Ordering::Relaxed);
                let judged = judge_labelled(
                    trip,
                    &labelled.labels,
                    &config.detect,
                    args.min_peak_mps2,
                    args.tolerance_ms,
                );
                let mut ev = judged.evaluation;
                let line = json!({
                    "event_id": trip.event_id(),
                    "user_id": trip.user_id(),
                    "labels_line": labelled.line,
                    "distance_m": ev.distance_m,
                    "unobservable": ev.unobservable,
                    "annotations": ev.annotations,
                    "hard": ev.hard,
                    "mismatches": judged.mismatches,
                    "peaks": judged.peaks,
                });
                // Whole millimetres add the same in any order; f64 metres do not.
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "a trip length in mm is finite, ≥ 0 and far below 2^63"
                )]
                let mm = (ev.distance_m * 1000.0).round().max(0.0) as u64;
                ev.distance_m = 0.0;
                let mut t = totals
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                t.evaluation.merge(&ev);
                t.distance_mm += mm;
                for p in &judged.peaks {
                    t.peak_ratios
                        .entry(p.kind.name())
                        .or_default()
                        .push(p.detected_mps2 / p.label_mps2);
                }
                drop(t);
                serde_json::to_string(&line)
                    .map_err(|e| InputError::new(ErrorKind::Processing, e.to_string()))
            })
        },
        &mut out,
        |s| progress.update(s),
    )?;
    progress.finish();
    let mut totals = totals
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for r in totals.peak_ratios.values_mut() {
        r.sort_by(f64::total_cmp);
    }
    let mut unused: Vec<&str> = labels
        .by_id
        .iter()
        .filter(|(_, l)| !l.used.load(Ordering::Relaxed))
        .map(|(id, _)| id.as_str())
        .collect();
    unused.sort_unstable();
    let ev = &totals.evaluation;
    let map = |m: &std::collections::BTreeMap<&str, Counts>| -> Value {
        m.iter()
            .map(|(k, c)| ((*k).to_owned(), counts_json(c)))
            .collect()
    };
    #[allow(clippy::cast_precision_loss, reason = "a length in km")]
    let distance_km = totals.distance_mm as f64 / 1e6;
    let report = json!({
        "labels": args.labels,
        "tolerance_ms": args.tolerance_ms,
        "min_peak_mps2": args.min_peak_mps2,
        "trip_records": summary.records,
        "trip_errors": summary.errors,
        "trips": ev.trips,
        "distance_km": distance_km,
        "unobservable": ev.unobservable,
        "annotations": map(&ev.annotations),
        "hard": map(&ev.hard),
        "peaks": peaks_json(&totals.peak_ratios),
        "label_errors": labels.errors,
        "labels_without_trip": unused,
    });
    if let Some(path) = &args.summary {
        let mut w = output(Some(path), &read)?;
        writeln!(w, "{}", serde_json::to_string_pretty(&report)?)?;
        w.flush()?;
    }
    let problems = labels.errors.len() + unused.len();
    if !args.batch.quiet || problems > 0 {
        let mut err = io::stderr().lock();
        for e in &labels.errors {
            writeln!(err, "tripscore: {e}")?;
        }
        if !unused.is_empty() {
            let shown: Vec<&str> = unused.iter().copied().take(10).collect();
            writeln!(
                err,
                "tripscore: {}: {} labelled trips are not in the input: {}{}",
                args.labels,
                unused.len(),
                shown.join(", "),
                if unused.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            )?;
        }
        if !args.batch.quiet {
            write!(err, "{}", table(&totals, args))?;
        }
    }
    summary.errors += problems as u64;
    Ok(summary)
}
