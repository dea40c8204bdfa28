//! The real-drive measures of docs/ACCURACY.md: tripscore against the
//! vehicle sensors of the shipped drives, each recall beside its chance
//! level.
//!
//! `cargo run --release --example real_drives [CONFIG.json]` (a config file
//! as `tripscore config --default` prints it, or any part of one, tries
//! other settings). About 2 s.
//!
//! References, all from `data/`:
//! - driveplotr-nds (28 drives): the logger's accelerometer (`accel.csv`,
//!   1 Hz) and gyro (`yaw_rates.csv`) — inertial acceleration, brake and
//!   turn references, and per-trip inertial ratings;
//! - ikhyd-obd (2 drives, phone GPS): the car's OBD speed — GPS latency,
//!   the kinematics' longitudinal error, and acceleration and brake
//!   references from the OBD speed's slope;
//! - every shipped trip: how much of the driving time each annotation kind
//!   covers, and how often a trip's hard scores are exactly 1;
//! - the Delft drives (four receivers in one car): lane switches against
//!   the video labels, curves against the bearing of the road the drives
//!   were map-matched to (`route_curve_labels.jsonl`, from
//!   `scripts/route_curve_labels.py`), and each receiver's hard events
//!   against the others'.
//!
//! The drives, their reference events and recall are in
//! `examples/common/references.rs`, which `tests/integration/real_drives.rs`
//! shares to guard the accelerations, brakes, turns and curves found, the
//! hard scores' ranking and the GPS latency.

use std::collections::BTreeMap;

use tripscore::detect::{Kinematics, SpeedSource};
use tripscore::sim::{coverage, nearest_rank};
use tripscore::{
    Annotation, AnnotationKind, Config, RecordOptions, TripRecord, analyze, trip_record,
};

#[path = "common/references.rs"]
mod references;
use references::*;

/// A shipped `tripscore evaluate` labels file, by trip.
fn labels_of(rel: &str) -> BTreeMap<String, tripscore::sim::TripLabels> {
    read(rel)
        .lines()
        .map(|l| {
            let t = tripscore::sim::TripLabels::parse_line(l).expect("shipped labels parse");
            (t.event_id.clone(), t)
        })
        .collect()
}

fn rms(pairs: &[(f64, f64)]) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "sample counts")]
    let n = pairs.len() as f64;
    (pairs.iter().map(|p| (p.0 - p.1).powi(2)).sum::<f64>() / n).sqrt()
}

/// Ranks (1-based, ties averaged).
/// The 5th and 95th percentiles of [`spearman`] over 2,000 bootstrap
/// resamples of the pairs (a fixed seed: the same interval every run):
/// how far a correlation over a handful of drives can move by which drives
/// happen to be in the set. Resamples whose ranks are all tied are left out.
fn spearman_interval(x: &[f64], y: &[f64]) -> (f64, f64) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        #[allow(clippy::cast_possible_truncation, reason = "an index below n")]
        let k = (state % n as u64) as usize;
        k
    };
    let mut found: Vec<f64> = (0..2000)
        .filter_map(|_| {
            let picks: Vec<usize> = (0..x.len()).map(|_| next(x.len())).collect();
            let xs: Vec<f64> = picks.iter().map(|&k| x[k]).collect();
            let ys: Vec<f64> = picks.iter().map(|&k| y[k]).collect();
            let r = spearman(&xs, &ys);
            r.is_finite().then_some(r)
        })
        .collect();
    found.sort_by(f64::total_cmp);
    let at = |q: f64| nearest_rank(&found, q).unwrap_or(f64::NAN);
    (at(0.05), at(0.95))
}

fn event_recall(drives: &[RefDrive], setting: &str) {
    println!(
        "\n## Real drives: events against the driveplotr-nds accelerometer and gyro (±3 s){setting}\n"
    );
    println!("| reference | recall | chance level |");
    println!("|---|---|---|");
    // The longest drive (an interstate run whose logger reports an
    // acceleration or a brake every few hundred metres) weighs on these
    // two rows more than all others: each is also given without it.
    let longest = drives
        .iter()
        .max_by_key(|d| d.trip.len())
        .map_or("", |d| d.trip.event_id());
    let others: Vec<&RefDrive> = drives
        .iter()
        .filter(|d| d.trip.event_id() != longest)
        .collect();
    let [accel, brake] = speed_change_recalls(&drives.iter().collect::<Vec<_>>());
    let [accel_others, brake_others] = speed_change_recalls(&others);
    for (what, all, without) in [
        (
            "accelerometer ≥ 1 m/s² with a speed gain ≥ 0.8 m/s within 6 s, found by an `accelerate`",
            accel,
            accel_others,
        ),
        (
            "accelerometer ≤ −1 m/s² with a speed loss ≥ 0.8 m/s within 6 s, found by a `brake` or `coast`",
            brake,
            brake_others,
        ),
    ] {
        println!("| {what} | {} |", all.cell());
        println!(
            "| the same without the longest drive, {longest} | {} |",
            without.cell()
        );
    }
    println!(
        "| gyro turns of ≥ 15° at ≥ 3 m/s, found by a turn | {} |",
        gyro_turn_recall(drives).cell()
    );
    println!(
        "| gyro curves of ≥ 15° at > 50 km/h, found by a turn the same way | {} |",
        gyro_curve_recall(drives).cell()
    );
    let (on_bend, total) = turns_on_gyro_bend(drives);
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    let share = f64::from(on_bend) / f64::from(total.max(1));
    println!(
        "| tripscore left/right turns at > 50 km/h lying on a gyro bend (the gyro turns ≥ 10° their way over them ± 2 s) | {share:.3} ({on_bend} of {total}) | — |"
    );
}

/// Accelerations and brakes of the OBD speed (its slope reaching 1 m/s²
/// and holding 0.5, with a speed change of 0.8 m/s within 6 s: the
/// accelerometer references' definition) found by tripscore on the phone's
/// GPS. Each span starts a second before its first row, as
/// [`hysteresis_runs`] places the logger's rows (which average the second
/// before them); against a centred slope that widens it by a second, well
/// inside the ±3 s tolerance.
fn obd_recall(drives: &[RefDrive], setting: &str) {
    println!(
        "\n## Real drives: accelerations and brakes against the ikhyd OBD speed (phone GPS, ±3 s){setting}\n"
    );
    println!("| reference | recall | chance level |");
    println!("|---|---|---|");
    let [gains, losses] = speed_change_recalls(&drives.iter().collect::<Vec<_>>());
    println!(
        "| OBD slope ≥ 1 m/s² with a speed gain ≥ 0.8 m/s within 6 s, found by an `accelerate` | {} |",
        gains.cell()
    );
    println!(
        "| OBD slope ≤ −1 m/s² with a speed loss ≥ 0.8 m/s within 6 s, found by a `brake` or `coast` | {} |",
        losses.cell()
    );
}

/// Per-trip inertial ratings against tripscore's per-trip hard scores.
fn ratings(drives: &[RefDrive], config: &Config, setting: &str) {
    println!(
        "\n## Real drives: per-trip hard scores against inertial ratings (driveplotr-nds){setting}\n"
    );
    println!(
        "Rating = Σ over the logger's 1 Hz samples of (|a| − threshold)⁺ per km (a: accel_x for braking and acceleration, gyro yaw rate × speed for turning); Spearman correlation of the trip's score with −rating (1: the calmer trip always scores higher), trips of ≥ 2 km; in brackets the 5th–95th percentiles over 2,000 bootstrap resamples of the drives.\n"
    );
    println!(
        "| score | threshold 1.0 m/s² | threshold 1.5 m/s² | trips with the score exactly 1 |"
    );
    println!("|---|---|---|---|");
    let scored = scored_trips(drives, config);
    for (name, signal, score) in HARD_SCORES {
        let mut cells = Vec::new();
        for threshold in [1.0, 1.5] {
            let (s, rating) = scores_and_ratings(&scored, signal, score, threshold);
            let (lo, hi) = spearman_interval(&s, &rating);
            cells.push(format!("{:.2} ({lo:.2}–{hi:.2})", spearman(&s, &rating)));
        }
        let ones = scored
            .iter()
            .filter(|(_, r)| score(&r.behavior_scores) == 1.0)
            .count();
        println!(
            "| {name} | {} | {} | {ones} of {} |",
            cells[0],
            cells[1],
            scored.len()
        );
    }
}

/// The same drives scored with their measured speed and from positions
/// only (as a GPX file without speeds gives them): how far a score moves
/// with the data source.
fn speed_sources(drives: &[RefDrive], config: &Config, positions: &Config) {
    println!(
        "\n## Real drives: scores with measured speed against positions only (driveplotr-nds, trips of ≥ 2 km)\n"
    );
    println!(
        "| score | median with measured speed | median from positions only | positions − measured per trip: median (least – most) |"
    );
    println!("|---|---|---|---|");
    // Pairs by drive: the ≥ 2 km drives with measured speed, each also
    // from positions only.
    let (with, without): (Vec<TripRecord>, Vec<TripRecord>) = scored_trips(drives, config)
        .into_iter()
        .filter_map(|(d, r)| {
            Some((
                r,
                trip_record(&d.trip, positions, RecordOptions::default())?,
            ))
        })
        .unzip();
    let overall: Score = |b| b.overall;
    for (name, score) in HARD_SCORES
        .iter()
        .map(|(name, _, score)| (*name, *score))
        .chain([("overall", overall)])
    {
        let a: Vec<f64> = with.iter().map(|r| score(&r.behavior_scores)).collect();
        let b: Vec<f64> = without.iter().map(|r| score(&r.behavior_scores)).collect();
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| y - x).collect();
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            nearest_rank(&v, 0.5).unwrap_or(f64::NAN)
        };
        let (least, most) = d
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        println!(
            "| {name} | {:.2} | {:.2} | {:+.2} ({least:+.2} – {most:+.2}) |",
            median(a),
            median(b),
            median(d),
        );
    }
    println!(
        "\n{} drives; each source's Spearman correlations with the inertial ratings are in the two \"per-trip hard scores\" tables.",
        with.len()
    );
}

/// GPS latency: the shift of the inertial or OBD reference that best
/// matches tripscore's kinematics, and the kinematics' error there.
fn latency(nds: &[RefDrive], config: &Config) {
    println!("\n## Real drives: GPS latency against vehicle sensors\n");
    println!(
        "The reference taken `shift` earlier than the GPS time stamps; tripscore's kinematics signal against it (Pearson correlation, RMS).\n"
    );
    println!("| signal | reference | at 0 ms | best shift | at the best shift |");
    println!("|---|---|---|---|---|");
    let ikhyd = obd_drives(config);
    let row = |label: &str, reference: &str, pairs_at: &dyn Fn(f64) -> Vec<(f64, f64)>| {
        let at = |shift: f64| {
            let p = pairs_at(shift);
            (pearson(&p), rms(&p))
        };
        let (c0, r0) = at(0.0);
        let best = best_shift_ms(pairs_at);
        let (cb, rb) = at(best);
        println!(
            "| {label} | {reference} | r {c0:.3}, RMS {r0:.2} | {best:.0} ms | r {cb:.3}, RMS {rb:.2} |"
        );
    };
    row(
        "longitudinal acceleration (m/s²)",
        "ikhyd OBD speed, slope over ±1 s",
        &|shift| obd_accel_pairs(&ikhyd, shift),
    );
    row("speed (m/s)", "ikhyd OBD speed", &|shift| {
        obd_speed_pairs(&ikhyd, shift)
    });
    let nds_row = |label: &str,
                   reference: &str,
                   signal: fn(&Kinematics, usize) -> f64,
                   imu: fn(&(f64, f64, f64, f64)) -> f64,
                   offset_ms: f64| {
        row(label, reference, &|shift| {
            let mut pairs = Vec::new();
            for d in nds {
                let series: Vec<(f64, f64)> =
                    d.imu.iter().map(|s| (s.0 - offset_ms, imu(s))).collect();
                let kin = &d.analysis.kinematics;
                for k in 0..kin.time_ms.len() {
                    let r = interp(&series, ms(kin.time_ms[k]) - shift);
                    let v = signal(kin, k);
                    if r.is_finite() && v.is_finite() && kin.speed_mps[k] > 5.0 {
                        pairs.push((v, r));
                    }
                }
            }
            pairs
        });
    };
    nds_row(
        "yaw rate (°/s), above 5 m/s",
        "nds gyro (its value averages the second before its row)",
        |kin, k| kin.yaw_rate_dps[k],
        |s| s.3,
        500.0,
    );
    nds_row(
        "longitudinal acceleration (m/s²), above 5 m/s",
        "nds accelerometer (1 Hz samples)",
        |kin, k| kin.accel_long_mps2[k],
        |s| s.2,
        0.0,
    );
}

/// How much of each trip's valid time an annotation kind covers.
fn kind_coverage(config: &Config) {
    println!("\n## Real drives: time covered by each annotation kind\n");
    println!("| kind | median share of a trip's valid time | largest | trips over half |");
    println!("|---|---|---|---|");
    let mut all = Vec::new();
    for rel in REAL_TRIP_FILES {
        for t in trips_of(rel) {
            all.push(analyze(&t, &config.detect));
        }
    }
    for kind in [ACCELERATE, BRAKE, COAST, LEFT, RIGHT, ROUNDABOUT] {
        let mut shares: Vec<f64> = all
            .iter()
            .filter_map(|a| {
                let (c, o) = coverage(a, 0, |x| x.kind == kind);
                #[allow(clippy::cast_precision_loss, reason = "ms")]
                (o > 0).then(|| c as f64 / o as f64)
            })
            .collect();
        shares.sort_by(f64::total_cmp);
        let over = shares.iter().filter(|&&s| s > 0.5).count();
        println!(
            "| {} | {:.3} | {:.3} | {over} of {} |",
            kind.name(),
            shares[shares.len() / 2],
            shares[shares.len() - 1],
            shares.len()
        );
    }
}

/// Lane switches against the Delft video labels, per receiver (detection
/// on, as it is off by default).
fn lane_switches(config: &Config) {
    use tripscore::sim::{Evaluation, evaluate_labelled};
    println!(
        "\n## Real drives: lane switches against the Delft video labels (±3 s, detection on)\n"
    );
    println!("| receiver | labelled | recall | chance level | detected | precision |");
    println!("|---|---|---|---|---|---|");
    let mut detect = config.detect;
    detect.lane_switch.enabled = true;
    let labels = labels_of("data/delft-lane-changes/lane_change_labels.jsonl");
    let mut by_receiver: BTreeMap<String, Evaluation> = BTreeMap::new();
    let mut all = Evaluation::default();
    for trip in trips_of("data/delft-lane-changes/delft.jsonl") {
        let ev = evaluate_labelled(&trip, &labels[trip.event_id()], &detect, 0.0, TOLERANCE_MS);
        let receiver = trip.event_id().rsplit('-').next().unwrap_or("").to_owned();
        by_receiver.entry(receiver).or_default().merge(&ev);
        all.merge(&ev);
    }
    for (name, ev) in by_receiver
        .iter()
        .chain(std::iter::once((&"all".to_owned(), &all)))
    {
        let c = ev.annotations["lane_switch"];
        println!(
            "| {name} | {} | {:.3} | {:.3} | {} | {:.3} |",
            c.truth,
            c.recall(),
            c.chance(),
            c.detected,
            c.precision()
        );
    }
}

/// Curves of the road against the turns found, per receiver: the Delft
/// drives' route curves (the map-matched road's yaw rate reaching 2 °/s and
/// holding 1 °/s, ≥ 15° at > 50 km/h: the gyro curves' definition on the
/// road's bearing), each found by a left or right turn the same way within
/// ±3 s.
fn road_curves(config: &Config) {
    use tripscore::sim::TruthKind;
    println!(
        "\n## Real drives: road curves of the Delft motorways (the map-matched road's bearing, ±3 s)\n"
    );
    println!(
        "| receiver | curves ≥ 15° at > 50 km/h | found by a turn the same way | chance level |"
    );
    println!("|---|---|---|---|");
    let labels = labels_of("data/delft-lane-changes/route_curve_labels.jsonl");
    let road_yaw = rows_by_trip("data/delft-lane-changes/road_yaw_rates.csv");
    let turns = |a: &Annotation| is_kind(a, &[LEFT, RIGHT]);
    let mut by_receiver: BTreeMap<String, Recall> = BTreeMap::new();
    // Precision: left and right turns at > 50 km/h on a road bend.
    let (mut on_bend, mut fast_turns) = (0_u32, 0_u32);
    // The curves the road makes hard: tripscore's peak there ÷ the road's.
    let hard_mps2 = config.detect.annotate.hard_turn_mps2;
    let (mut hard_ratios, mut road_top_mps2) = (Vec::new(), 0.0_f64);
    for trip in trips_of("data/delft-lane-changes/delft.jsonl") {
        let analysis = analyze(&trip, &config.detect);
        let yaw = &road_yaw[trip.event_id()];
        for a in analysis.annotations.iter().filter(|a| turns(a)) {
            if mean_speed(&analysis.kinematics, a) <= 50.0 / 3.6 {
                continue;
            }
            fast_turns += 1;
            if road_turn_deg(yaw, a.start_ms - 2000.0, a.end_ms + 2000.0)
                * a.heading_change_deg.signum()
                >= 10.0
            {
                on_bend += 1;
            }
        }
        let receiver = trip.event_id().rsplit('-').next().unwrap_or("").to_owned();
        let rec = by_receiver.entry(receiver).or_default();
        for m in &labels[trip.event_id()].maneuvers {
            let want = match m.kind {
                TruthKind::LeftTurn => LEFT,
                TruthKind::RightTurn => RIGHT,
                _ => continue,
            };
            #[allow(clippy::cast_precision_loss, reason = "Unix ms")]
            let r = Reference {
                start: m.start_ms as f64,
                end: m.end_ms as f64,
                sign: 0.0,
                mean_speed_mps: 0.0,
                heading_deg: 0.0,
            };
            rec.total += 1;
            let same_way = || {
                analysis
                    .annotations
                    .iter()
                    .filter(move |a| a.kind == want && overlaps(a, &r))
            };
            if same_way().next().is_some() {
                rec.found += 1;
            }
            if let Some(road_mps2) = m.peak_mps2.filter(|&p| p >= hard_mps2) {
                road_top_mps2 = road_top_mps2.max(road_mps2);
                let read_mps2 = same_way().map(|a| a.peak_mps2).fold(0.0, f64::max);
                hard_ratios.push(read_mps2 / road_mps2);
            }
        }
        let (c, o) = coverage(&analysis, TOLERANCE_MS, turns);
        rec.covered_ms += c;
        rec.observed_ms += o;
    }
    let mut all = Recall::default();
    for (name, r) in &by_receiver {
        println!("| {name} | {} | {} |", r.total, r.cell());
        all.found += r.found;
        all.total += r.total;
        all.covered_ms += r.covered_ms;
        all.observed_ms += r.observed_ms;
    }
    println!("| all | {} | {} |", all.total, all.cell());
    println!(
        "\ntripscore's left and right turns at > 50 km/h lying on a road bend (the road turns ≥ 10° their way over them ± 2 s): {:.3} ({on_bend} of {fast_turns}).",
        f64::from(on_bend) / f64::from(fast_turns.max(1))
    );
    hard_ratios.sort_by(f64::total_cmp);
    let at = |q: f64| nearest_rank(&hard_ratios, q).unwrap_or(f64::NAN);
    if !hard_ratios.is_empty() {
        println!(
            "The road's hard curves (its yaw rate × speed ≥ {hard_mps2} m/s²; the largest {road_top_mps2:.1}): {}, read by the same-way turn at {:.2} of the road's peak (median; 10th–90th percentile {:.2}–{:.2}).",
            hard_ratios.len(),
            at(0.5),
            at(0.1),
            at(0.9)
        );
    }
}

/// How far the road turns between `from_ms` and `to_ms` (Unix ms), degrees:
/// each road yaw-rate row in the span (`[time_ms, deg/s]`, one drive's, in
/// time order) times the half of the interval either side of it that is
/// its own (each side at most 1 s: a hole in the rows is not turning).
fn road_turn_deg(rows: &[Vec<f64>], from_ms: f64, to_ms: f64) -> f64 {
    let half_s = |a: f64, b: f64| ((b - a) / 2000.0).min(0.5);
    (0..rows.len())
        .filter(|&k| (from_ms..=to_ms).contains(&rows[k][0]))
        .map(|k| {
            let before = if k > 0 {
                half_s(rows[k - 1][0], rows[k][0])
            } else {
                0.5
            };
            let after = if k + 1 < rows.len() {
                half_s(rows[k][0], rows[k + 1][0])
            } else {
                0.5
            };
            rows[k][1] * (before + after)
        })
        .sum()
}

/// The hard-event class of an annotation: 0 acceleration, 1 brake (brakes
/// and coasts), 2 turn.
fn hard_class(a: &Annotation) -> usize {
    match a.kind {
        ACCELERATE => 0,
        AnnotationKind::Acceleration(_) => 1,
        AnnotationKind::Turn(_) => 2,
    }
}

/// One receiver's hard events against the other receivers in the same car
/// (the Delft drives: four receivers on one car, three drives). No sensor
/// says which are right, but the car did one thing: a hard event that the
/// other receivers do not read at all is the receiver's, and one they read
/// hard too is the car's (or every receiver's).
fn receiver_agreement(config: &Config) {
    println!(
        "\n## Real drives: hard events receiver against receiver (Delft, the same car, ±3 s)\n"
    );
    println!(
        "| receiver | hard events (acceleration / brake / turn) | hard on ≥ 1 other receiver | hard on all 3 others | no other receiver annotates it | others' peak ÷ its peak: median (10th–90th percentile) |"
    );
    println!("|---|---|---|---|---|---|");
    // drive → receiver → annotations
    let mut drives: BTreeMap<String, BTreeMap<String, Vec<Annotation>>> = BTreeMap::new();
    for trip in trips_of("data/delft-lane-changes/delft.jsonl") {
        let mut parts = trip.event_id().splitn(3, '-').skip(1);
        let (drive, receiver) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let annotations = analyze(&trip, &config.detect).annotations;
        drives
            .entry(drive.to_owned())
            .or_default()
            .insert(receiver.to_owned(), annotations);
    }
    #[allow(clippy::cast_precision_loss, reason = "ms")]
    let tol = TOLERANCE_MS as f64;
    let mut rows: BTreeMap<String, [usize; 6]> = BTreeMap::new();
    let mut ratios: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for receivers in drives.values() {
        for (name, own) in receivers {
            for h in own.iter().filter(|a| a.hard) {
                let class = hard_class(h);
                let row = rows.entry(name.clone()).or_default();
                row[class] += 1;
                let (mut hard_elsewhere, mut annotated_elsewhere) = (0, 0);
                for (_, other) in receivers.iter().filter(|(n, _)| *n != name) {
                    let near: Vec<&Annotation> = other
                        .iter()
                        .filter(|a| {
                            hard_class(a) == class
                                && a.start_ms <= h.end_ms + tol
                                && a.end_ms >= h.start_ms - tol
                        })
                        .collect();
                    if let Some(peak) = near.iter().map(|a| a.peak_mps2).reduce(f64::max) {
                        annotated_elsewhere += 1;
                        ratios
                            .entry(name.clone())
                            .or_default()
                            .push(peak / h.peak_mps2);
                    }
                    hard_elsewhere += usize::from(near.iter().any(|a| a.hard));
                }
                row[3] += usize::from(hard_elsewhere >= 1);
                row[4] += usize::from(hard_elsewhere == receivers.len() - 1);
                row[5] += usize::from(annotated_elsewhere == 0);
            }
        }
    }
    let mut all = [0; 6];
    let mut all_ratios = Vec::new();
    for (name, row) in &rows {
        for (t, x) in all.iter_mut().zip(row) {
            *t += x;
        }
        let r = ratios.get(name).cloned().unwrap_or_default();
        all_ratios.extend_from_slice(&r);
        println!("| {name} | {} |", agreement_cells(row, r));
    }
    println!("| all | {} |", agreement_cells(&all, all_ratios));
}

/// The cells of one row of [`receiver_agreement`].
fn agreement_cells(row: &[usize; 6], mut ratios: Vec<f64>) -> String {
    ratios.sort_by(f64::total_cmp);
    let at = |q: usize| ratios[(ratios.len() - 1) * q / 10];
    let spread = if ratios.is_empty() {
        "—".to_owned()
    } else {
        format!(
            "{:.2} ({:.2}–{:.2})",
            ratios[ratios.len() / 2],
            at(1),
            at(9)
        )
    };
    format!(
        "{} ({} / {} / {}) | {} | {} | {} | {spread}",
        row[0] + row[1] + row[2],
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5]
    )
}

/// Hard accelerations and brakes against the logger's accelerometer: how
/// many have a reading of 2 m/s² their way within ±3 s of their peak, with
/// the position-jump check and without it (which, without measured speed,
/// also caps acceleration episodes whose fixes jump).
fn hard_longitudinal_against_accelerometer(config: &Config, setting: &str) {
    println!(
        "\n## Real drives: hard accelerations and brakes against the driveplotr-nds accelerometer (±3 s){setting}\n"
    );
    println!(
        "| position-jump check | hard accelerations | of them the accelerometer ≥ 2 m/s² | hard brakes | of them the accelerometer ≤ −2 m/s² |"
    );
    println!("|---|---|---|---|---|");
    #[allow(clippy::cast_precision_loss, reason = "ms")]
    let tol = TOLERANCE_MS as f64;
    for check in [true, false] {
        let mut cfg = *config;
        cfg.detect.position_jumps.enabled = check;
        let mut counts = [0_usize; 4];
        for d in nds_drives(&cfg) {
            for a in d.analysis.annotations.iter().filter(|a| a.hard) {
                let class = hard_class(a);
                if class == 2 {
                    continue;
                }
                let sign = if class == 0 { 1.0 } else { -1.0 };
                #[allow(clippy::cast_precision_loss, reason = "Unix ms")]
                let at = a.peak_at_ms as f64;
                let confirmed = d
                    .imu
                    .iter()
                    .any(|s| (s.0 - at).abs() <= tol && sign * s.2 >= 2.0);
                counts[2 * class] += 1;
                counts[2 * class + 1] += usize::from(confirmed);
            }
        }
        println!(
            "| {} | {} | {} | {} | {} |",
            if check { "on (default)" } else { "off" },
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        );
    }
}

fn main() {
    let config: Config = std::env::args()
        .nth(1)
        .map_or_else(Config::default, |path| {
            serde_json::from_str(&std::fs::read_to_string(&path).expect("config file"))
                .expect("a valid config")
        });
    let nds = nds_drives(&config);
    event_recall(&nds, "");
    obd_recall(&obd_drives(&config), "");
    ratings(&nds, &config, "");
    hard_longitudinal_against_accelerometer(&config, "");
    latency(&nds, &config);
    kind_coverage(&config);
    lane_switches(&config);
    road_curves(&config);
    receiver_agreement(&config);
    // The same drives with their measured speed left out, as a GPX file
    // without speeds gives them: speed and acceleration from positions.
    let mut positions = config;
    positions.detect.kinematics.speed_source = SpeedSource::PositionsOnly;
    speed_sources(&nds, &config, &positions);
    let nds = nds_drives(&positions);
    let setting = ", positions only (measured speed left out)";
    event_recall(&nds, setting);
    obd_recall(&obd_drives(&positions), setting);
    ratings(&nds, &positions, setting);
    hard_longitudinal_against_accelerometer(&positions, setting);
}
