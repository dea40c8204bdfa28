//! Judging detections against ground truth: precision and recall per
//! annotation kind and for hard events, and signal errors of the estimators.
//!
//! Matching: a detection and a truth manoeuvre of the same class match when
//! their time spans overlap once widened by `tolerance_ms` on each side.
//! - **annotation recall** of a kind: the share of true manoeuvres of that
//!   kind (peaking at ≥ `min_peak_mps2`; coasts at any peak) that some
//!   detection of the same kind matches;
//! - **annotation precision** of a kind: the share of detections of that kind
//!   that match a true manoeuvre of the same kind (any peak);
//! - **hard events**, per class (accel, brake, turn — roundabouts count as
//!   turns): precision is the share of hard detections matching a harsh truth
//!   of the class; recall the share of harsh truths matched by a hard detection;
//! - **chance level** of a kind or class ([`Counts::chance`]): the share of
//!   the time inside valid sections that lies within `tolerance_ms` of a
//!   detection of it — the recall a label dropped at a random instant would
//!   get. A recall means something only well above its chance level: a
//!   blanket of detections covers every instant.
//!
//! All counts add (times in whole ms), so evaluations of many trips merge
//! exactly.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::api::CarBehaviorScores;
use crate::config::Config;
use crate::detect::{Annotation, AnnotationKind, DetectConfig, TripAnalysis, analyze};
use crate::input::{InputRecord, Payload, RecordPos, Trajectory, parse_line};
use crate::score::{
    AggregateConfig, Aggregator, Features, PastWindow, score_window, trip_features,
};
use crate::sim::labels::TripLabels;
use crate::sim::simulate::{SimConfig, SimTruth, TruthKind, TruthManeuver, simulate_trip};

/// Counts behind one precision/recall pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// True manoeuvres considered for recall.
    pub truth: u64,
    /// Of those, matched by a detection.
    pub truth_matched: u64,
    /// Detections considered for precision.
    pub detected: u64,
    /// Of those, matching a true manoeuvre.
    pub detected_matched: u64,
    /// Time inside valid sections within the tolerance of a detection, ms.
    pub covered_ms: u64,
    /// Time inside valid sections, ms.
    pub observed_ms: u64,
}

impl Counts {
    /// Matched detections / detections (1 when nothing was detected).
    #[must_use]
    pub fn precision(&self) -> f64 {
        ratio(self.detected_matched, self.detected)
    }

    /// Matched truths / truths (1 when there was nothing to find).
    #[must_use]
    pub fn recall(&self) -> f64 {
        ratio(self.truth_matched, self.truth)
    }

    /// The chance level of the recall: the share of the observed time
    /// within the tolerance of a detection (0 when nothing was observed).
    #[must_use]
    pub fn chance(&self) -> f64 {
        if self.observed_ms == 0 {
            0.0
        } else {
            ratio(self.covered_ms, self.observed_ms)
        }
    }

    fn add(&mut self, o: &Self) {
        self.truth += o.truth;
        self.truth_matched += o.truth_matched;
        self.detected += o.detected;
        self.detected_matched += o.detected_matched;
        self.covered_ms += o.covered_ms;
        self.observed_ms += o.observed_ms;
    }
}

#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Root-mean-square errors of estimated signals against the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct SignalErrors {
    /// Samples compared.
    pub samples: u64,
    /// Σ (speed error)², (m/s)².
    pub speed_sq: f64,
    /// Σ (longitudinal acceleration error)², (m/s²)².
    pub accel_long_sq: f64,
    /// Σ (lateral acceleration error)², (m/s²)².
    pub accel_lat_sq: f64,
}

impl SignalErrors {
    /// RMS errors: (speed m/s, longitudinal m/s², lateral m/s²).
    #[must_use]
    pub fn rms(&self) -> (f64, f64, f64) {
        #[allow(clippy::cast_precision_loss, reason = "sample counts are small")]
        let n = self.samples.max(1) as f64;
        (
            (self.speed_sq / n).sqrt(),
            (self.accel_long_sq / n).sqrt(),
            (self.accel_lat_sq / n).sqrt(),
        )
    }
}

/// The evaluation of one or more trips.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// Trips evaluated.
    pub trips: u64,
    /// True distance driven, m.
    pub distance_m: f64,
    /// Annotation precision/recall per kind (`accelerate`, `brake`, …).
    pub annotations: BTreeMap<&'static str, Counts>,
    /// Hard-event precision/recall per class (`hard_accel`, `hard_brake`, `hard_turn`).
    pub hard: BTreeMap<&'static str, Counts>,
    /// Signal errors at the kept fixes.
    pub signals: SignalErrors,
    /// True manoeuvres outside every valid section (not counted in recall).
    pub unobservable: u64,
}

impl Evaluation {
    /// Adds another evaluation into this one.
    pub fn merge(&mut self, o: &Self) {
        self.trips += o.trips;
        self.distance_m += o.distance_m;
        for (k, c) in &o.annotations {
            self.annotations.entry(k).or_default().add(c);
        }
        for (k, c) in &o.hard {
            self.hard.entry(k).or_default().add(c);
        }
        self.unobservable += o.unobservable;
        self.signals.samples += o.signals.samples;
        self.signals.speed_sq += o.signals.speed_sq;
        self.signals.accel_long_sq += o.signals.accel_long_sq;
        self.signals.accel_lat_sq += o.signals.accel_lat_sq;
    }
}

const ALL_TRUTH_KINDS: [TruthKind; 7] = [
    TruthKind::Accelerate,
    TruthKind::Brake,
    TruthKind::Coast,
    TruthKind::LeftTurn,
    TruthKind::RightTurn,
    TruthKind::Roundabout,
    TruthKind::LaneSwitch,
];

fn hard_class_of_detection(kind: AnnotationKind) -> Option<&'static str> {
    kind.hard_score()
}

fn hard_class_of_truth(kind: TruthKind) -> Option<&'static str> {
    kind.annotation_kind().hard_score()
}

#[allow(clippy::cast_precision_loss, reason = "Unix ms are below 2^53")]
fn overlaps(a: &Annotation, m: &TruthManeuver, tolerance_ms: i64) -> bool {
    a.start_ms <= (m.end_ms + tolerance_ms) as f64 && a.end_ms >= (m.start_ms - tolerance_ms) as f64
}

/// A detection, as [`Mismatches`] lists it.
///
/// # Units
/// Unix ms (rounded), m/s².
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Detection {
    /// The annotation kind (`brake`, `left_turn`, …).
    pub kind: &'static str,
    /// Start, Unix ms.
    pub start_ms: i64,
    /// End, Unix ms.
    pub end_ms: i64,
    /// Peak acceleration, m/s².
    pub peak_mps2: f64,
    /// Whether it is a hard event.
    pub hard: bool,
}

impl Detection {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "annotation times are Unix ms, far inside i64"
    )]
    fn of(a: &Annotation) -> Self {
        Self {
            kind: a.kind.name(),
            start_ms: a.start_ms.round() as i64,
            end_ms: a.end_ms.round() as i64,
            peak_mps2: a.peak_mps2,
            hard: a.hard,
        }
    }
}

/// What did not match in one judged trip, case by case: the detail behind
/// the counts of its [`Evaluation`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Mismatches {
    /// True manoeuvres counted for recall that no detection of their kind matched.
    pub missed: Vec<TruthManeuver>,
    /// Harsh true manoeuvres that no hard detection of their class matched.
    pub missed_hard: Vec<TruthManeuver>,
    /// Detections that match no true manoeuvre of their kind.
    pub unmatched: Vec<Detection>,
    /// Hard detections that match no harsh true manoeuvre of their class.
    pub unmatched_hard: Vec<Detection>,
}

/// A true manoeuvre with a known peak, and the peak tripscore read for it.
///
/// # Units
/// m/s².
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PeakPair {
    /// The kind of both.
    pub kind: TruthKind,
    /// The true (labelled) peak, m/s².
    pub label_mps2: f64,
    /// The largest peak among the detections of its kind that match it, m/s².
    pub detected_mps2: f64,
}

/// One labelled trip, judged: the counts, what did not match, and the peaks
/// of what did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Judgement {
    /// The counts.
    pub evaluation: Evaluation,
    /// The labels missed and the detections matching none.
    pub mismatches: Mismatches,
    /// Each matched label with a known peak, against the peak read for it.
    pub peaks: Vec<PeakPair>,
}

/// The chance level behind a recall on one analysed trip: the time inside
/// its valid sections within `tolerance_ms` of a detection that `pick`
/// selects, and the time inside its valid sections, ms (see the module
/// docs; [`Counts::chance`] is their ratio over many trips).
///
/// # Example
/// ```
/// use tripscore::sim::coverage;
/// use tripscore::{analyze, parse_line, simulate_trip, AnnotationKind, DetectConfig, SimConfig, Trajectory};
/// let sim = simulate_trip(&SimConfig::default(), 0);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let analysis = analyze(&trip, &DetectConfig::default());
/// let (turns_ms, observed_ms) =
///     coverage(&analysis, 3000, |a| matches!(a.kind, AnnotationKind::Turn(_)));
/// assert!(0 < turns_ms && turns_ms < observed_ms);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn coverage(
    analysis: &TripAnalysis,
    tolerance_ms: i64,
    pick: impl Fn(&Annotation) -> bool,
) -> (u64, u64) {
    let spans = valid_spans(analysis);
    let observed_ms = spans
        .iter()
        .map(|&(a, b)| b - a)
        .sum::<i64>()
        .unsigned_abs();
    let picked = analysis.annotations.iter().filter(|a| pick(a));
    (covered_ms(&spans, picked, tolerance_ms), observed_ms)
}

/// The nearest-rank `q`-quantile of `sorted` (ascending): the element at
/// position round(q · (len − 1)), the last for q above 1 and the first for
/// q below 0 or NaN; `None` when `sorted` is empty. The one rule behind
/// every spread this crate prints (`tripscore evaluate`'s peak ratios, the
/// accuracy tables' percentiles).
///
/// # Example
/// ```
/// use tripscore::sim::nearest_rank;
/// let sorted = [0.5, 0.8, 0.9, 1.0, 1.2];
/// assert_eq!(nearest_rank(&sorted, 0.5), Some(0.9));
/// assert_eq!(nearest_rank(&sorted, 0.9), Some(1.2)); // position 3.6 rounds to 4
/// assert_eq!(nearest_rank(&[], 0.5), None);
/// ```
#[must_use]
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "a position in a slice: the cast saturates at 0 and the bound caps it"
    )]
    let k = ((q * last as f64).round() as usize).min(last);
    Some(sorted[k])
}

/// The valid sections of an analysed trip as (first, last) fix times, ms.
fn valid_spans(analysis: &TripAnalysis) -> Vec<(i64, i64)> {
    let kin = &analysis.kinematics;
    analysis
        .clean
        .sections
        .iter()
        .filter(|s| s.valid)
        .map(|s| (kin.time_ms[s.start], kin.time_ms[s.end - 1]))
        .collect()
}

/// The time of `spans` (valid sections, ms, disjoint and in order) within
/// `tolerance_ms` of one of `detections`, ms.
fn covered_ms<'a>(
    spans: &[(i64, i64)],
    detections: impl Iterator<Item = &'a Annotation>,
    tolerance_ms: i64,
) -> u64 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "annotation times are Unix ms, far inside i64"
    )]
    let mut widened: Vec<(i64, i64)> = detections
        .map(|a| {
            (
                a.start_ms.floor() as i64 - tolerance_ms,
                a.end_ms.ceil() as i64 + tolerance_ms,
            )
        })
        .collect();
    widened.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(widened.len());
    for (a, b) in widened {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let overlap = |(a, b): (i64, i64), (c, d): (i64, i64)| (b.min(d) - a.max(c)).max(0);
    let total: i64 = spans
        .iter()
        .map(|&s| merged.iter().map(|&m| overlap(s, m)).sum::<i64>())
        .sum();
    total.unsigned_abs()
}

/// Evaluates the detections of one simulated trip against its truth.
///
/// True manoeuvres that did not happen inside a valid section (in a tunnel
/// gap, say) cannot be seen by any method: they are counted in
/// `unobservable` instead of recall.
#[must_use]
pub fn evaluate_trip(
    truth: &SimTruth,
    analysis: &TripAnalysis,
    min_peak_mps2: f64,
    tolerance_ms: i64,
) -> Evaluation {
    judge(truth, analysis, min_peak_mps2, tolerance_ms, None, None)
}

/// Enters every kind and hard class into `ev`, with its chance level on
/// `analysis` and no counts yet.
fn chance_levels(ev: &mut Evaluation, analysis: &TripAnalysis, tolerance_ms: i64) {
    for kind in ALL_TRUTH_KINDS {
        let (covered_ms, observed_ms) =
            coverage(analysis, tolerance_ms, |a| a.kind == kind.annotation_kind());
        ev.annotations.insert(
            kind.name(),
            Counts {
                covered_ms,
                observed_ms,
                ..Counts::default()
            },
        );
    }
    for name in ["hard_accel", "hard_brake", "hard_turn"] {
        let (covered_ms, observed_ms) = coverage(analysis, tolerance_ms, |a| {
            a.hard && hard_class_of_detection(a.kind) == Some(name)
        });
        ev.hard.insert(
            name,
            Counts {
                covered_ms,
                observed_ms,
                ..Counts::default()
            },
        );
    }
}

/// [`evaluate_trip`], listing what did not match in `mismatches` and the
/// peaks of what did in `peaks`, when given.
fn judge(
    truth: &SimTruth,
    analysis: &TripAnalysis,
    min_peak_mps2: f64,
    tolerance_ms: i64,
    mut mismatches: Option<&mut Mismatches>,
    mut peaks: Option<&mut Vec<PeakPair>>,
) -> Evaluation {
    let (detections, kin) = (&analysis.annotations, &analysis.kinematics);
    let spans = valid_spans(analysis);
    let observable =
        |m: &TruthManeuver| spans.iter().any(|&(a, b)| a <= m.start_ms && m.end_ms <= b);
    let mut ev = Evaluation {
        trips: 1,
        distance_m: truth.distance_m,
        ..Evaluation::default()
    };
    chance_levels(&mut ev, analysis, tolerance_ms);
    for m in &truth.maneuvers {
        if !observable(m) {
            ev.unobservable += 1;
            continue;
        }
        let name = m.kind.name();
        if m.kind == TruthKind::Coast || m.peak_mps2 >= min_peak_mps2 {
            let c = ev.annotations.entry(name).or_default();
            c.truth += 1;
            let read_mps2 = detections
                .iter()
                .filter(|a| a.kind.name() == name && overlaps(a, m, tolerance_ms))
                .map(|a| a.peak_mps2)
                .reduce(f64::max);
            if let Some(detected_mps2) = read_mps2 {
                c.truth_matched += 1;
                if let Some(p) = peaks.as_deref_mut()
                    && m.peak_mps2.is_finite()
                    && m.peak_mps2 > 0.0
                {
                    p.push(PeakPair {
                        kind: m.kind,
                        label_mps2: m.peak_mps2,
                        detected_mps2,
                    });
                }
            } else if let Some(mm) = mismatches.as_deref_mut() {
                mm.missed.push(*m);
            }
        }
        if let (true, Some(class)) = (m.harsh, hard_class_of_truth(m.kind)) {
            let c = ev.hard.entry(class).or_default();
            c.truth += 1;
            if detections.iter().any(|a| {
                a.hard
                    && hard_class_of_detection(a.kind) == Some(class)
                    && overlaps(a, m, tolerance_ms)
            }) {
                c.truth_matched += 1;
            } else if let Some(mm) = mismatches.as_deref_mut() {
                mm.missed_hard.push(*m);
            }
        }
    }
    for a in detections {
        let name = a.kind.name();
        let c = ev.annotations.entry(name).or_default();
        c.detected += 1;
        if truth
            .maneuvers
            .iter()
            .any(|m| m.kind.name() == name && overlaps(a, m, tolerance_ms))
        {
            c.detected_matched += 1;
        } else if let Some(mm) = mismatches.as_deref_mut() {
            mm.unmatched.push(Detection::of(a));
        }
        if let (true, Some(class)) = (a.hard, hard_class_of_detection(a.kind)) {
            let c = ev.hard.entry(class).or_default();
            c.detected += 1;
            if truth.maneuvers.iter().any(|m| {
                m.harsh
                    && hard_class_of_truth(m.kind) == Some(class)
                    && overlaps(a, m, tolerance_ms)
            }) {
                c.detected_matched += 1;
            } else if let Some(mm) = mismatches.as_deref_mut() {
                mm.unmatched_hard.push(Detection::of(a));
            }
        }
    }
    ev.signals = signal_errors(truth, kin, analysis.latency_ms);
    ev
}

/// The estimated signals against the true ones at every kept fix (in the
/// car's time: the fix's time less the receiver latency `latency_ms`).
fn signal_errors(
    truth: &SimTruth,
    kin: &crate::detect::Kinematics,
    latency_ms: i64,
) -> SignalErrors {
    let mut e = SignalErrors::default();
    for k in 0..kin.time_ms.len() {
        let (v, al, at) = (
            kin.speed_mps[k],
            kin.accel_long_mps2[k],
            kin.accel_lat_mps2[k],
        );
        if !(v.is_finite() && al.is_finite() && at.is_finite()) {
            continue;
        }
        if let Some(s) = truth.signal_at(kin.time_ms[k] - latency_ms) {
            e.samples += 1;
            e.speed_sq += (v - s.speed_mps).powi(2);
            e.accel_long_sq += (al - s.accel_long_mps2).powi(2);
            e.accel_lat_sq += (at - s.accel_lat_mps2).powi(2);
        }
    }
    e
}

/// Runs the pipeline with `config` on a real trip and judges it against its
/// labels (see [`TripLabels`]): harsh from the labelled peaks and `config`'s
/// hard thresholds where the labels do not say, the trip's own GPS length
/// where they give none. Only the kinds and hard classes the labels cover
/// are judged ([`TripLabels::covers`]). Labelled manoeuvres outside every
/// valid section are counted in `unobservable`, not in recall; there are no
/// signal errors. [`judge_labelled`] also gives the detail.
///
/// # Example
/// ```
/// use tripscore::sim::{evaluate_labelled, TripLabels};
/// use tripscore::{parse_line, DetectConfig, Trajectory};
/// let trip = Trajectory::try_from(parse_line(
///     r#"{"event_id":"t1","encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000]}"#,
/// )?)?;
/// let labels = TripLabels::parse_line(r#"{"event_id":"t1","maneuvers":[]}"#)?;
/// let ev = evaluate_labelled(&trip, &labels, &DetectConfig::default(), 1.0, 1000);
/// assert_eq!(ev.trips, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn evaluate_labelled(
    trip: &Trajectory,
    labels: &TripLabels,
    config: &DetectConfig,
    min_peak_mps2: f64,
    tolerance_ms: i64,
) -> Evaluation {
    judge_labelled(trip, labels, config, min_peak_mps2, tolerance_ms).evaluation
}

/// [`evaluate_labelled`], with the detail behind its counts: the labels
/// missed and the detections that match none ([`Mismatches`]), and for each
/// matched label with a peak the peak tripscore read ([`PeakPair`]).
///
/// # Example
/// ```
/// use tripscore::sim::{judge_labelled, TripLabels, TruthKind};
/// use tripscore::{parse_line, simulate_trip, DetectConfig, SimConfig, Trajectory};
/// // A simulated trip, labelled with its own ground truth.
/// let sim = simulate_trip(&SimConfig::default(), 0);
/// let trip = Trajectory::try_from(parse_line(&serde_json::to_string(&sim)?)?)?;
/// let labels = TripLabels::parse_line(&serde_json::to_string(&sim.truth.expect("truth"))?)?;
/// let judged = judge_labelled(&trip, &labels, &DetectConfig::default(), 1.0, 1000);
/// let brakes = judged.evaluation.annotations["brake"];
/// let missed = judged.mismatches.missed.iter().filter(|m| m.kind == TruthKind::Brake).count();
/// assert_eq!(missed as u64, brakes.truth - brakes.truth_matched);
/// let read = judged.peaks.iter().filter(|p| p.kind == TruthKind::Brake).count();
/// assert_eq!(read as u64, brakes.truth_matched);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn judge_labelled(
    trip: &Trajectory,
    labels: &TripLabels,
    config: &DetectConfig,
    min_peak_mps2: f64,
    tolerance_ms: i64,
) -> Judgement {
    let truth = labels.truth(&config.annotate, trip.distance_m());
    let (mut mismatches, mut peaks) = (Mismatches::default(), Vec::new());
    let mut ev = judge(
        &truth,
        &analyze(trip, config),
        min_peak_mps2,
        tolerance_ms,
        Some(&mut mismatches),
        Some(&mut peaks),
    );
    let covered = |name: &str| {
        ALL_TRUTH_KINDS
            .iter()
            .any(|&k| k.name() == name && labels.covers(k))
    };
    ev.annotations.retain(|name, _| covered(name));
    ev.hard.retain(|class, _| labels.covers_hard(class));
    mismatches.unmatched.retain(|d| covered(d.kind));
    mismatches.unmatched_hard.retain(|d| {
        ALL_TRUTH_KINDS
            .iter()
            .find(|&&k| k.name() == d.kind)
            .and_then(|&k| hard_class_of_truth(k))
            .is_some_and(|class| labels.covers_hard(class))
    });
    Judgement {
        evaluation: ev,
        mismatches,
        peaks,
    }
}

/// Simulates `trips` trips of `sim`, runs the pipeline with `config` on each
/// (through the same JSONL parsing as real input), and evaluates them
/// (`min_peak_mps2` 1.0, tolerance 1 s). Trips run in parallel; the result does
/// not depend on the thread count.
///
/// # Example
/// ```
/// use tripscore::sim::evaluate_simulated;
/// use tripscore::{DetectConfig, SimConfig};
/// let ev = evaluate_simulated(&SimConfig::default(), 2, &DetectConfig::default());
/// assert_eq!(ev.trips, 2);
/// ```
#[must_use]
pub fn evaluate_simulated(sim: &SimConfig, trips: u64, config: &DetectConfig) -> Evaluation {
    use rayon::prelude::*;
    let parts: Vec<Evaluation> = (0..trips)
        .into_par_iter()
        .map(|i| {
            let trip = simulate_trip(sim, i);
            let truth = trip.truth.clone().unwrap_or_else(|| SimTruth {
                event_id: trip.event_id.clone(),
                distance_m: 0.0,
                maneuvers: Vec::new(),
                signals: Vec::new(),
            });
            let line = serde_json::to_string(&trip).unwrap_or_default();
            let record = InputRecord {
                pos: RecordPos {
                    source: "simulated".into(),
                    line: i + 1,
                },
                payload: Payload::JsonLine(line),
            };
            match record.into_trajectory() {
                Ok(t) => evaluate_trip(&truth, &analyze(&t, config), 1.0, 1000),
                Err(_) => Evaluation::default(),
            }
        })
        .collect();
    let mut total = Evaluation::default();
    for p in &parts {
        total.merge(p);
    }
    total
}

/// The pooled (`all`) scores of one simulated driver: `trips` trips of `sim`
/// through the pipeline (JSONL parsing included), features summed as
/// `tripscore aggregate` sums them, then scored as one window.
///
/// # Panics
/// Never for the simulator's own output (it always parses and validates).
#[must_use]
pub fn score_simulated_driver(sim: &SimConfig, trips: u64, config: &Config) -> CarBehaviorScores {
    let windows = AggregateConfig {
        past: PastWindow::AllTime,
        ..config.aggregate
    };
    let mut agg = Aggregator::new(i64::MAX, &windows);
    for i in 0..trips {
        let trip = simulate_trip(sim, i);
        let line = serde_json::to_string(&trip).unwrap_or_default();
        let raw = parse_line(&line).expect("simulated trips parse");
        let t = Trajectory::try_from(raw).expect("simulated trips are valid");
        let analysis = analyze(&t, &config.detect);
        agg.add("driver", 0, &trip_features(&t, &analysis, &config.features));
    }
    agg.finish(&config.score).pop().map_or_else(
        || score_window(&Features::default(), &config.score).all,
        |(_, u)| u.scores.past.all,
    )
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;
    use proptest::prelude::*;

    proptest! {
        /// A quantile is one of the values, the first at 0 and the last at
        /// 1, and never falls as `q` grows.
        #[test]
        fn nearest_rank_is_a_value_monotone_in_q(
            mut values in prop::collection::vec(-1e6_f64..1e6, 1..40),
            q1 in -0.5_f64..1.5,
            q2 in -0.5_f64..1.5,
        ) {
            values.sort_by(f64::total_cmp);
            let (lo, hi) = (q1.min(q2), q1.max(q2));
            let (a, b) = (nearest_rank(&values, lo).unwrap(), nearest_rank(&values, hi).unwrap());
            prop_assert!(values.contains(&a) && values.contains(&b));
            prop_assert!(a <= b);
            prop_assert_eq!(nearest_rank(&values, 0.0), values.first().copied());
            prop_assert_eq!(nearest_rank(&values, 1.0), values.last().copied());
        }
    }

    #[test]
    fn nearest_rank_rounds_the_position_and_is_none_when_empty() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // Positions 0.3, 1.5 (rounds away from zero), 2.7.
        assert_eq!(nearest_rank(&v, 0.1), Some(1.0));
        assert_eq!(nearest_rank(&v, 0.5), Some(3.0));
        assert_eq!(nearest_rank(&v, 0.9), Some(4.0));
        assert_eq!(nearest_rank(&v, f64::NAN), Some(1.0));
        assert_eq!(nearest_rank(&[], 0.5), None);
    }
}
