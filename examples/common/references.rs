//! The real-drive references shared by `examples/real_drives.rs` (which
//! prints docs/ACCURACY.md's real-drive tables) and the integration test
//! that guards them (`tests/integration/real_drives.rs`): the shipped
//! drives with their vehicle-sensor rows, the reference events read from
//! those rows, and recall with its chance level.

use std::collections::BTreeMap;

use tripscore::api::{AccelerationKind, CarBehaviorScores, Maneuver};
use tripscore::detect::Kinematics;
use tripscore::sim::coverage;
use tripscore::{
    Annotation, AnnotationKind, Config, RecordOptions, Trajectory, TripAnalysis, TripRecord,
    analyze, parse_line, trip_record,
};

/// Matching tolerance of every recall here, ms (the receivers lag the
/// inertial sensors by about a second).
pub const TOLERANCE_MS: i64 = 3000;

/// Every shipped file of real trips (JSONL, from the crate root): the
/// drives with references and those without.
pub const REAL_TRIP_FILES: [&str; 5] = [
    "data/driveplotr-nds/nds.jsonl",
    "data/ndsbr/ndsbr.jsonl",
    "data/ikhyd-obd/ikhyd.jsonl",
    "data/delft-lane-changes/delft.jsonl",
    "data/barefoot-munich/x0001-001.jsonl",
];

/// The text of a shipped file, `rel` from the crate root.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"))).expect(rel)
}

/// The trips of a shipped JSONL file.
pub fn trips_of(rel: &str) -> Vec<Trajectory> {
    read(rel)
        .lines()
        .map(|l| Trajectory::try_from(parse_line(l).expect("shipped data parses")).expect("valid"))
        .collect()
}

/// CSV rows of `rel` by their first column, each the remaining columns as numbers.
pub fn rows_by_trip(rel: &str) -> BTreeMap<String, Vec<Vec<f64>>> {
    let mut out: BTreeMap<String, Vec<Vec<f64>>> = BTreeMap::new();
    for line in read(rel).lines().skip(1) {
        let mut f = line.split(',');
        let id = f.next().expect("an id").to_owned();
        out.entry(id)
            .or_default()
            .push(f.map(|x| x.parse().unwrap_or(f64::NAN)).collect());
    }
    out
}

/// Unix ms as a float (the references' time axis).
#[allow(clippy::cast_precision_loss, reason = "Unix ms")]
pub fn ms(t: i64) -> f64 {
    t as f64
}

/// Linear interpolation of `(t, y)` samples (sorted by t) at `t`; `NaN` outside.
pub fn interp(samples: &[(f64, f64)], t: f64) -> f64 {
    let k = samples.partition_point(|s| s.0 < t);
    if k == 0 || k == samples.len() {
        return f64::NAN;
    }
    let (a, b) = (samples[k - 1], samples[k]);
    a.1 + (b.1 - a.1) * (t - a.0) / (b.0 - a.0)
}

/// A drive with its reference rows: (Unix ms, measured speed m/s,
/// longitudinal acceleration m/s² positive speeding up, yaw rate deg/s
/// positive right) — the driveplotr-nds logger's accelerometer and gyro,
/// or the ikhyd OBD speed and its slope ([`obd_drives`]; no yaw rate).
pub struct RefDrive {
    pub trip: Trajectory,
    pub analysis: TripAnalysis,
    pub imu: Vec<(f64, f64, f64, f64)>,
    /// The car's OBD speed as logged (Unix ms, m/s): ikhyd only.
    pub obd_mps: Vec<(f64, f64)>,
}

impl RefDrive {
    /// The drive analysed with `config`.
    pub fn new(trip: Trajectory, imu: Vec<(f64, f64, f64, f64)>, config: &Config) -> Self {
        let analysis = analyze(&trip, &config.detect);
        Self {
            trip,
            analysis,
            imu,
            obd_mps: Vec::new(),
        }
    }
}

pub fn nds_drives(config: &Config) -> Vec<RefDrive> {
    let accel = rows_by_trip("data/driveplotr-nds/accel.csv");
    let yaw = rows_by_trip("data/driveplotr-nds/yaw_rates.csv");
    trips_of("data/driveplotr-nds/nds.jsonl")
        .into_iter()
        .map(|trip| {
            let id = trip.event_id().to_owned();
            let yaw_at: BTreeMap<i64, f64> = yaw[&id]
                .iter()
                .map(|r| {
                    #[allow(clippy::cast_possible_truncation, reason = "Unix ms")]
                    let t = r[0] as i64;
                    (t, r[1])
                })
                .collect();
            let t = trip.time_ms().expect("timed");
            let speed_at: BTreeMap<i64, f64> = (0..trip.len())
                .filter_map(|i| Some((t[i], trip.speed_kmh(i)? / 3.6)))
                .collect();
            let imu = accel[&id]
                .iter()
                .filter_map(|r| {
                    #[allow(clippy::cast_possible_truncation, reason = "Unix ms")]
                    let t = r[0] as i64;
                    Some((ms(t), *speed_at.get(&t)?, r[1], *yaw_at.get(&t)?))
                })
                .collect();
            RefDrive::new(trip, imu, config)
        })
        .collect()
}

/// An inertial reference event: its span (Unix ms), sign, the mean speed
/// over it (m/s) and, for turns, the heading change (deg).
#[derive(Clone, Copy, Debug)]
pub struct Reference {
    pub start: f64,
    pub end: f64,
    pub sign: f64,
    pub mean_speed_mps: f64,
    pub heading_deg: f64,
}

/// Runs of one sign where `value` reaches `start` and stays at `hold` or
/// more, runs of the same sign less than `merge_ms` apart merged.
pub fn hysteresis_runs(
    imu: &[(f64, f64, f64, f64)],
    value: impl Fn(&(f64, f64, f64, f64)) -> f64,
    start: f64,
    hold: f64,
    merge_ms: f64,
) -> Vec<Reference> {
    let mut out: Vec<Reference> = Vec::new();
    for sign in [1.0, -1.0] {
        let mut k = 0;
        let mut found: Vec<(usize, usize)> = Vec::new();
        while k < imu.len() {
            if sign * value(&imu[k]) < start {
                k += 1;
                continue;
            }
            let (mut lo, mut hi) = (k, k);
            while lo > 0 && sign * value(&imu[lo - 1]) >= hold {
                lo -= 1;
            }
            while hi + 1 < imu.len() && sign * value(&imu[hi + 1]) >= hold {
                hi += 1;
            }
            match found.last_mut() {
                Some(prev) if imu[lo].0 - imu[prev.1].0 < merge_ms || lo <= prev.1 => {
                    prev.1 = prev.1.max(hi);
                }
                _ => found.push((lo, hi)),
            }
            k = hi + 1;
        }
        for (lo, hi) in found {
            let span = &imu[lo..=hi];
            #[allow(clippy::cast_precision_loss, reason = "small counts")]
            let mean_speed_mps = span.iter().map(|s| s.1).sum::<f64>() / span.len() as f64;
            // The gyro's value averages the second before its row.
            let heading_deg: f64 = span.iter().map(|s| s.3).sum();
            out.push(Reference {
                start: imu[lo].0 - 1000.0,
                end: imu[hi].0,
                sign,
                mean_speed_mps,
                heading_deg,
            });
        }
    }
    out.sort_by(|a, b| a.start.total_cmp(&b.start));
    out
}

/// The speed change within 6 s of a reference's start (the largest gain or
/// loss from its start speed, by `sign`), m/s.
pub fn speed_change_mps(imu: &[(f64, f64, f64, f64)], r: &Reference) -> f64 {
    let speeds: Vec<(f64, f64)> = imu.iter().map(|s| (s.0, s.1)).collect();
    let v0 = interp(&speeds, r.start);
    imu.iter()
        .filter(|s| s.0 >= r.start && s.0 <= r.start + 6000.0)
        .map(|s| r.sign * (s.1 - v0))
        .fold(0.0, f64::max)
}

/// Whether annotation `a` and reference `r` overlap, each widened by the
/// tolerance.
pub fn overlaps(a: &Annotation, r: &Reference) -> bool {
    #[allow(clippy::cast_precision_loss, reason = "ms")]
    let tol = TOLERANCE_MS as f64;
    a.start_ms <= r.end + tol && a.end_ms >= r.start - tol
}

/// Found / total of the references, and the chance level of `pick`.
#[derive(Default)]
pub struct Recall {
    pub found: usize,
    pub total: usize,
    pub covered_ms: u64,
    pub observed_ms: u64,
}

impl Recall {
    /// Found over total.
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    pub fn share(&self) -> f64 {
        self.found as f64 / self.total.max(1) as f64
    }

    /// The chance level: the share of the drives' valid time within the
    /// tolerance of an annotation of the kind that finds the references.
    #[allow(clippy::cast_precision_loss, reason = "ms")]
    pub fn chance(&self) -> f64 {
        self.covered_ms as f64 / self.observed_ms.max(1) as f64
    }

    /// The recall (with its 95 % interval) and the chance level, as a
    /// table's cells.
    pub fn cell(&self) -> String {
        let (r, c) = (self.share(), self.chance());
        let (lo, hi) = wilson_interval(self.found, self.total);
        format!(
            "{r:.3} ({} of {}; 95 %: {lo:.2}–{hi:.2}) | {c:.3}",
            self.found, self.total
        )
    }
}

/// The Wilson score interval (95 %) of a proportion `found` of `total`:
/// how far a recall over a few dozen references can move by chance (as if
/// the references were independent; those of one drive are not quite, so
/// the interval is if anything too narrow).
pub fn wilson_interval(found: usize, total: usize) -> (f64, f64) {
    const Z: f64 = 1.96;
    #[allow(clippy::cast_precision_loss, reason = "counts")]
    let (k, n) = (found as f64, total.max(1) as f64);
    let p = k / n;
    let centre = (p + Z * Z / (2.0 * n)) / (1.0 + Z * Z / n);
    let half = Z / (1.0 + Z * Z / n) * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

pub fn recall(
    drives: &[RefDrive],
    refs: impl Fn(&RefDrive) -> Vec<Reference>,
    pick: impl Fn(&Annotation, &Reference) -> bool,
    pick_any: impl Fn(&Annotation) -> bool,
) -> Recall {
    recall_of(&drives.iter().collect::<Vec<_>>(), refs, pick, pick_any)
}

/// [`recall`] over some of the drives.
pub fn recall_of(
    drives: &[&RefDrive],
    refs: impl Fn(&RefDrive) -> Vec<Reference>,
    pick: impl Fn(&Annotation, &Reference) -> bool,
    pick_any: impl Fn(&Annotation) -> bool,
) -> Recall {
    let mut rec = Recall::default();
    for d in drives {
        for r in refs(d) {
            rec.total += 1;
            if d.analysis
                .annotations
                .iter()
                .any(|a| pick(a, &r) && overlaps(a, &r))
            {
                rec.found += 1;
            }
        }
        let (c, o) = coverage(&d.analysis, TOLERANCE_MS, &pick_any);
        rec.covered_ms += c;
        rec.observed_ms += o;
    }
    rec
}

pub fn is_kind(a: &Annotation, kinds: &[AnnotationKind]) -> bool {
    kinds.contains(&a.kind)
}

pub const ACCELERATE: AnnotationKind = AnnotationKind::Acceleration(AccelerationKind::Accelerate);
pub const BRAKE: AnnotationKind = AnnotationKind::Acceleration(AccelerationKind::Brake);
pub const COAST: AnnotationKind = AnnotationKind::Acceleration(AccelerationKind::Coast);
pub const LEFT: AnnotationKind = AnnotationKind::Turn(Maneuver::LeftTurn);
pub const RIGHT: AnnotationKind = AnnotationKind::Turn(Maneuver::RightTurn);
pub const ROUNDABOUT: AnnotationKind = AnnotationKind::Turn(Maneuver::Roundabout);

/// The ikhyd drives (phone GPS) with reference rows from the car's OBD
/// speed at every fix time: the OBD speed there and its slope over ±1 s
/// (the OBD speed is whole km/h at 4–10 Hz; the slope's step over 2 s is
/// 0.14 m/s²); no yaw rate (NaN).
pub fn obd_drives(config: &Config) -> Vec<RefDrive> {
    let obd = rows_by_trip("data/ikhyd-obd/obd_speed.csv");
    trips_of("data/ikhyd-obd/ikhyd.jsonl")
        .into_iter()
        .map(|trip| {
            let speeds: Vec<(f64, f64)> = obd[trip.event_id()]
                .iter()
                .map(|r| (r[0], r[1] / 3.6))
                .collect();
            let imu = trip
                .time_ms()
                .expect("timed")
                .iter()
                .filter_map(|&t| {
                    let t = ms(t);
                    let v = interp(&speeds, t);
                    let slope = (interp(&speeds, t + 1000.0) - interp(&speeds, t - 1000.0)) / 2.0;
                    (v.is_finite() && slope.is_finite()).then_some((t, v, slope, f64::NAN))
                })
                .collect();
            RefDrive {
                obd_mps: speeds,
                ..RefDrive::new(trip, imu, config)
            }
        })
        .collect()
}

/// The accelerations (`sign` +1) or brakes (−1) of a drive's reference
/// rows: the longitudinal acceleration reaching ±1 m/s² and holding ±0.5,
/// with the reference speed rising (falling) by ≥ 0.8 m/s within 6 s.
pub fn speed_changes(d: &RefDrive, sign: f64) -> Vec<Reference> {
    hysteresis_runs(&d.imu, |s| s.2, 1.0, 0.5, 0.0)
        .into_iter()
        .filter(|r| r.sign * sign > 0.0 && speed_change_mps(&d.imu, r) >= 0.8)
        .collect()
}

/// The accelerations of `drives`' reference rows found by an `accelerate`,
/// and their brakes found by a `brake` or `coast`.
pub fn speed_change_recalls(drives: &[&RefDrive]) -> [Recall; 2] {
    [
        recall_of(
            drives,
            |d| speed_changes(d, 1.0),
            |a, _| is_accelerate(a),
            is_accelerate,
        ),
        recall_of(
            drives,
            |d| speed_changes(d, -1.0),
            |a, _| is_brake_or_coast(a),
            is_brake_or_coast,
        ),
    ]
}

/// An `accelerate` annotation.
pub fn is_accelerate(a: &Annotation) -> bool {
    a.kind == ACCELERATE
}

/// A `brake` or `coast` annotation.
pub fn is_brake_or_coast(a: &Annotation) -> bool {
    is_kind(a, &[BRAKE, COAST])
}

/// Gyro turns: the yaw rate reaches 2 °/s and holds 1 °/s one way,
/// same-way runs under 2 s apart joined, turning at least `min_deg` at a
/// mean speed of at least 3 m/s (slower, a GPS track has no heading: what
/// a car does while manoeuvring at walking pace is not for GPS to see).
pub fn gyro_turns(d: &RefDrive, min_deg: f64) -> Vec<Reference> {
    hysteresis_runs(&d.imu, |s| s.3, 2.0, 1.0, 2000.0)
        .into_iter()
        .filter(|r| r.heading_deg.abs() >= min_deg && r.mean_speed_mps >= 3.0)
        .collect()
}

/// Gyro turns of ≥ 15° found by a turn (left, right or roundabout).
pub fn gyro_turn_recall(drives: &[RefDrive]) -> Recall {
    let turns = [LEFT, RIGHT, ROUNDABOUT];
    recall(
        drives,
        |d| gyro_turns(d, 15.0),
        |a, _| is_kind(a, &turns),
        |a| is_kind(a, &turns),
    )
}

/// Gyro curves (gyro turns of ≥ 15° at a mean speed above 50 km/h) found
/// by a left or right turn the same way.
pub fn gyro_curve_recall(drives: &[RefDrive]) -> Recall {
    let same_way = |a: &Annotation, r: &Reference| {
        (a.kind == RIGHT && r.sign > 0.0) || (a.kind == LEFT && r.sign < 0.0)
    };
    recall(
        drives,
        |d| {
            gyro_turns(d, 15.0)
                .into_iter()
                .filter(|r| r.mean_speed_mps > 50.0 / 3.6)
                .collect()
        },
        same_way,
        |a| is_kind(a, &[LEFT, RIGHT]),
    )
}

/// The Pearson correlation of the pairs.
pub fn pearson(pairs: &[(f64, f64)]) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "sample counts")]
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// The ranks of `x` (1 for the smallest; ties share their mean rank).
pub fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        #[allow(clippy::cast_precision_loss, reason = "small counts")]
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// The Spearman rank correlation of `x` and `y`.
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let pairs: Vec<(f64, f64)> = rx.into_iter().zip(ry).collect();
    pearson(&pairs)
}

/// A reference row's inertial signal for a rating (m/s²).
pub type Pick = fn(&(f64, f64, f64, f64)) -> f64;
/// One of a trip's scores.
pub type Score = fn(&CarBehaviorScores) -> f64;

/// The hard scores and the inertial signal each is rated against:
/// braking (−accel_x), accelerating (accel_x), turning (|yaw rate| ×
/// speed).
pub const HARD_SCORES: [(&str, Pick, Score); 3] = [
    ("hard_brake", |s| -s.2, |b| b.hard_brake),
    ("hard_accel", |s| s.2, |b| b.hard_accel),
    (
        "hard_turn",
        |s| (s.3.to_radians() * s.1).abs(),
        |b| b.hard_turn,
    ),
];

/// The drives of ≥ 2 km with their score lines (a rating per km needs
/// some).
pub fn scored_trips<'a>(
    drives: &'a [RefDrive],
    config: &Config,
) -> Vec<(&'a RefDrive, TripRecord)> {
    drives
        .iter()
        .filter_map(|d| Some((d, trip_record(&d.trip, config, RecordOptions::default())?)))
        .filter(|(_, r)| r.event.distance >= 2000.0)
        .collect()
}

/// Each trip's `score` and its inertial rating: −Σ over its reference rows
/// of (`signal` − `threshold`)⁺ per km (higher is calmer, as the score).
pub fn scores_and_ratings(
    scored: &[(&RefDrive, TripRecord)],
    signal: Pick,
    score: Score,
    threshold: f64,
) -> (Vec<f64>, Vec<f64>) {
    scored
        .iter()
        .map(|(d, r)| {
            let sum: f64 = d.imu.iter().map(|s| (signal(s) - threshold).max(0.0)).sum();
            (
                score(&r.behavior_scores),
                -sum / (r.event.distance / 1000.0),
            )
        })
        .unzip()
}

/// The mean measured speed of an annotation's kept fixes, m/s.
pub fn mean_speed(kin: &Kinematics, a: &Annotation) -> f64 {
    let s = &kin.speed_mps[a.first_fix..=a.last_fix];
    #[allow(clippy::cast_precision_loss, reason = "small counts")]
    let n = s.len() as f64;
    s.iter().sum::<f64>() / n
}

/// Precision of the fast turns: of tripscore's left and right turns at a
/// mean speed above 50 km/h, how many lie on a gyro bend (the gyro turns
/// ≥ 10° their way from 2 s before to 2 s after): (on a bend, all).
pub fn turns_on_gyro_bend(drives: &[RefDrive]) -> (u32, u32) {
    let (mut on_bend, mut total) = (0, 0);
    for d in drives {
        for a in d
            .analysis
            .annotations
            .iter()
            .filter(|a| is_kind(a, &[LEFT, RIGHT]))
        {
            if mean_speed(&d.analysis.kinematics, a) <= 50.0 / 3.6 {
                continue;
            }
            total += 1;
            // A gyro row's value is its second before the row.
            let gyro_deg: f64 = d
                .imu
                .iter()
                .filter(|s| s.0 - 1000.0 >= a.start_ms - 2000.0 && s.0 <= a.end_ms + 2000.0)
                .map(|s| s.3)
                .sum();
            if gyro_deg * a.heading_change_deg.signum() >= 10.0 {
                on_bend += 1;
            }
        }
    }
    (on_bend, total)
}

/// tripscore's longitudinal acceleration against the OBD speed's slope
/// over ±1 s at each fix of `drives` ([`obd_drives`]), the OBD taken
/// `shift_ms` earlier than the fix: (tripscore, OBD) pairs, m/s².
pub fn obd_accel_pairs(drives: &[RefDrive], shift_ms: f64) -> Vec<(f64, f64)> {
    obd_pairs(
        drives,
        shift_ms,
        |kin, k| kin.accel_long_mps2[k],
        |obd, t| (interp(obd, t + 1000.0) - interp(obd, t - 1000.0)) / 2.0,
    )
}

/// tripscore's speed against the OBD speed, as [`obd_accel_pairs`], m/s.
pub fn obd_speed_pairs(drives: &[RefDrive], shift_ms: f64) -> Vec<(f64, f64)> {
    obd_pairs(drives, shift_ms, |kin, k| kin.speed_mps[k], interp)
}

fn obd_pairs(
    drives: &[RefDrive],
    shift_ms: f64,
    ours: impl Fn(&Kinematics, usize) -> f64,
    theirs: impl Fn(&[(f64, f64)], f64) -> f64,
) -> Vec<(f64, f64)> {
    let mut pairs = Vec::new();
    for d in drives {
        let kin = &d.analysis.kinematics;
        for k in 0..kin.time_ms.len() {
            let (a, b) = (
                ours(kin, k),
                theirs(&d.obd_mps, ms(kin.time_ms[k]) - shift_ms),
            );
            if a.is_finite() && b.is_finite() {
                pairs.push((a, b));
            }
        }
    }
    pairs
}

/// The shift of a reference against the GPS time stamps, −3 to 3 s in
/// 250 ms steps, at which `pairs_at(shift)` correlates best, ms.
pub fn best_shift_ms(pairs_at: impl Fn(f64) -> Vec<(f64, f64)>) -> f64 {
    (-12..=12)
        .map(|k| f64::from(k) * 250.0)
        .max_by(|&a, &b| pearson(&pairs_at(a)).total_cmp(&pearson(&pairs_at(b))))
        .expect("shifts")
}
