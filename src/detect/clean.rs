//! Cleaning: order, deduplicate, drop stale fixes and spikes, split at gaps.
//!
//! Input: a validated [`Trajectory`] (fixes in input order). Output: a
//! [`CleanTrip`] — indices of the kept fixes in time order, cut into
//! [`Section`]s at gaps, each marked valid or not for event detection — and a
//! [`CleanReport`] counting everything removed. Nothing is silently dropped:
//! every removed fix is counted under its reason.
//!
//! Rules, in order (thresholds in [`CleanConfig`]):
//! 1. **order** by time (stable; the count of fixes that came out of order is reported);
//! 2. **duplicates**: a fix with the same time as the one before is dropped;
//!    so is an **inaccurate** fix, whose reported accuracy is worse than
//!    `max_accuracy_m` (a network fix, not a satellite one: phones log
//!    67–2,000 m for the first fixes after a cold start);
//! 3. **speed scale**: a measured speed whose distance over the trip's
//!    moving spans (1–2 s) is not within `max_speed_scale_factor` of the distance
//!    between their fixes (m/s or mph given as km/h) is not used, here or
//!    by the stages above ([`CleanTrip::measured_speed_usable`]); then
//!    **speed glitches**: where the measured speed changes between two fixes
//!    faster than `max_speed_change_mps2` (1 g: no road car's tyres give
//!    more), the fixes on the short side — a run of at most
//!    `max_speed_glitch_fixes` between such changes, or before the first or
//!    after the last — are dropped: a cold start's "speed 0" fixes before
//!    the car is found at 90 km/h, a receiver's one-fix speed dropout;
//! 4. **stale fixes**: a run of fixes repeating the previous position exactly is
//!    dropped when the car was moving across it (implied speed from the fix
//!    before the run to the next new position above `stale_min_speed_mps`,
//!    timed from the first repeat when the repeats follow a gap) —
//!    receivers repeat their last fix when they lose lock, and when they
//!    find the sky again; a parked car keeps its repeats;
//! 5. **spikes**: a fix that would need an impossible speed (above
//!    `max_speed_mps`) or an impossible swerve (implied acceleration above
//!    `max_accel_mps2` with a detour of at least `spike_min_detour_m`) to visit
//!    between its neighbours is dropped, repeatedly until none is left (and
//!    runs of up to `max_spike_cluster_fixes` such fixes). The trip's two
//!    ends have one neighbour each: a run of up to `max_spike_cluster_fixes`
//!    fixes cut off from the rest by a step too fast to drive is dropped,
//!    and so is an end fix that swerves from the line of its next two or
//!    whose step's speed leaps from the next step's by more than
//!    `max_accel_mps2` — a cold start's network fixes, where no accuracy
//!    names them (without one, a fix beyond an end spike goes with it);
//! 6. **gaps**: sections split where fixes are more than `max_gap_ms` apart;
//!    a section is valid for event detection with at least
//!    `min_section_fixes` fixes over `min_section_ms`, sampled at most every
//!    `max_valid_interval_ms` (median);
//! 7. **parked**: a step taken while the car stands keeps its fixes but
//!    counts no distance — a standing car's fix wanders by metres, kilometres
//!    over a long stop. Standing means a measured speed under
//!    `parked_max_speed_mps` at both ends, or, without a usable measured
//!    speed (rule 3), the
//!    fixes `parked_window_ms` before and after the step closer than that
//!    speed would carry the car.

use serde::{Deserialize, Serialize};

use crate::geodesy::{MEAN_EARTH_RADIUS_M, east_north_m};
use crate::input::Trajectory;
use crate::lanes::pair_at;

/// Thresholds of the cleaning stage.
///
/// # Units
/// Milliseconds, metres, m/s, m/s².
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleanConfig {
    /// Fixes further apart than this start a new section, ms.
    pub max_gap_ms: i64,
    /// Implied speed above which a fix is a spike (or, between two sections of
    /// plausible fixes, a jump that splits them), m/s. 83 m/s = 300 km/h.
    pub max_speed_mps: f64,
    /// A fix is a spike when reaching it and coming back needs more speed than
    /// skipping it by more than this acceleration over the time involved, m/s².
    pub max_accel_mps2: f64,
    /// Smallest detour (extra path through the fix) that can be a spike, m.
    pub spike_min_detour_m: f64,
    /// Runs of up to this many consecutive fixes, reached and left too
    /// fast while skipping them is plausible, are a spike cluster.
    pub max_spike_cluster_fixes: usize,
    /// Repeated positions are stale when the car moved faster than this across them, m/s.
    pub stale_min_speed_mps: f64,
    /// A valid section has at least this many fixes.
    pub min_section_fixes: usize,
    /// A valid section lasts at least this long, ms.
    pub min_section_ms: i64,
    /// A valid section's median sampling interval is at most this, ms.
    pub max_valid_interval_ms: i64,
    /// Slower than this, a car is parked: the jitter of its fixes is not distance, m/s.
    pub parked_max_speed_mps: f64,
    /// Without measured speed, "parked" is judged over this long before and after a step, ms.
    pub parked_window_ms: i64,
    /// Fixes reporting a horizontal accuracy worse than this are dropped, m
    /// (satellite fixes report a few metres to a few tens; network fixes
    /// 67–2,000 m).
    pub max_accuracy_m: f64,
    /// The measured speed cannot change faster than this between two fixes;
    /// where it does, one side is a glitch, m/s².
    pub max_speed_change_mps2: f64,
    /// Runs of at most this many fixes cut off by impossible measured-speed
    /// changes are speed glitches, dropped.
    pub max_speed_glitch_fixes: usize,
    /// The measured speed is used (here and by the stages above) only when
    /// the distance it drives over the trip's moving spans is within this
    /// factor, either way, of the distance between their fixes
    /// ([`CleanTrip::measured_speed_scale`]); otherwise it is in another
    /// unit than km/h (m/s is a factor 3.6 off, mph 1.6) or not the car's.
    pub max_speed_scale_factor: f64,
}

impl Default for CleanConfig {
    fn default() -> Self {
        Self {
            max_gap_ms: 12_000,
            max_speed_mps: 83.0,
            max_accel_mps2: 15.0,
            spike_min_detour_m: 30.0,
            max_spike_cluster_fixes: 3,
            stale_min_speed_mps: 2.0,
            min_section_fixes: 5,
            min_section_ms: 10_000,
            max_valid_interval_ms: 5_500,
            parked_max_speed_mps: 0.5,
            parked_window_ms: 10_000,
            max_accuracy_m: 50.0,
            max_speed_change_mps2: 9.81,
            max_speed_glitch_fixes: 3,
            max_speed_scale_factor: 1.25,
        }
    }
}

/// What cleaning removed and found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanReport {
    /// Fixes in the input.
    pub input_fixes: usize,
    /// Fixes whose time was earlier than the fix before them in the input.
    pub out_of_order: usize,
    /// Fixes dropped for repeating the time of the fix before.
    pub duplicate_times: usize,
    /// Fixes dropped for a reported accuracy worse than `max_accuracy_m`.
    pub inaccurate: usize,
    /// Fixes dropped as speed glitches.
    pub speed_glitches: usize,
    /// Fixes dropped as stale repeats while moving.
    pub stale: usize,
    /// Fixes dropped as spikes.
    pub spikes: usize,
    /// Gaps that split the trip.
    pub gaps: usize,
    /// Fixes kept.
    pub kept_fixes: usize,
    /// Fixes in sections too short or too sparse for event detection.
    pub fixes_in_invalid_sections: usize,
    /// Steps while parked (GPS jitter of a standing car), counted as no distance.
    pub parked_steps: usize,
}

/// A run of kept fixes without a gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// First kept-fix position (into [`CleanTrip::fixes`]).
    pub start: usize,
    /// One past the last.
    pub end: usize,
    /// Good enough to detect events.
    pub valid: bool,
}

impl Section {
    /// The positions of its fixes.
    #[must_use]
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// A cleaned trip: kept fixes in time order, cut into sections.
#[derive(Clone, Debug, PartialEq)]
pub struct CleanTrip {
    /// Indices into the trajectory's fixes, in time order.
    pub fixes: Vec<usize>,
    /// Consecutive runs of `fixes` without a gap.
    pub sections: Vec<Section>,
    /// Length of each step `fixes[k] → fixes[k + 1]`, metres; 0 while parked.
    pub step_m: Vec<f64>,
    /// What was removed.
    pub report: CleanReport,
    /// The measured speed against the positions: over moving spans (from a
    /// fix to the first one at least 1 s later, at most 2 s, at least 5 m/s
    /// apart by their own distance and time; 64–127 of a long trip's
    /// spans), the median of the distance
    /// the measured speed drives ÷ the distance between the fixes — about 1
    /// for a speed in km/h, 0.28 for m/s given as km/h. `None` without
    /// measured speed or with fewer than 20 such spans.
    pub measured_speed_scale: Option<f64>,
    /// Whether the measured speed is fit to use: the trip has one, and its
    /// scale is unknown or within `max_speed_scale_factor`. When not,
    /// cleaning and the stages above treat the trip as positions only.
    pub measured_speed_usable: bool,
}

/// Spans a trip's [`CleanTrip::measured_speed_scale`] is judged on: this
/// many to twice as many (a median of 64 moving spans reads a speed's unit
/// with room to spare; the simulator's trips read 0.97–1.05 with 64, where
/// 256 cost 2 % more instructions on trips with speed).
const SCALE_SAMPLES: usize = 64;
/// Fewest spans a [`CleanTrip::measured_speed_scale`] is made from.
const MIN_SCALE_STEPS: usize = 20;
/// A span counts towards [`CleanTrip::measured_speed_scale`] when its fixes
/// are at least this fast apart, m/s (well above a standing fix's wander)…
const SCALE_MIN_SPEED_MPS: f64 = 5.0;
/// … over a span of at least this long, ms: fixes a second apart at 5 m/s
/// are 5 m apart, where the few decimetres of per-fix noise add little;
/// consecutive fixes of a 10 Hz track (50 cm apart) would read their noise
/// as distance (the simulator's 10 Hz trips read 0.57–0.92)…
const SCALE_MIN_SPAN_MS: i64 = 1000;
/// … and at most this long, ms (a chord cuts a curve short, the more the
/// longer it is).
const SCALE_MAX_SPAN_MS: i64 = 2000;

/// [`CleanTrip::measured_speed_scale`] and [`CleanTrip::measured_speed_usable`]
/// over the fixes `kept` (in time order): the one place that decides
/// whether a trip's measured speed is used.
fn measured_speed_use(
    trip: &Trajectory,
    t: &[i64],
    kept: &[usize],
    cfg: &CleanConfig,
) -> (Option<f64>, bool) {
    let scale = measured_speed_scale(trip, t, kept);
    let usable = trip.has_measured_speed()
        && scale.is_none_or(|scale| {
            (1.0 / cfg.max_speed_scale_factor..=cfg.max_speed_scale_factor).contains(&scale)
        });
    (scale, usable)
}

/// [`CleanTrip::measured_speed_scale`] over the fixes `kept` (in time
/// order): from every `stride`-th fix ([`SCALE_SAMPLES`] to twice that) to
/// the first at least [`SCALE_MIN_SPAN_MS`] later, when both carry a
/// measured speed and are [`SCALE_MIN_SPEED_MPS`] apart by their own
/// distance and time (not by the measured speed, whose scale is in
/// question), the median of the distance the mean measured speed drives
/// ÷ the chord. A median: the spikes and cold-start fixes not yet
/// dropped are a few spans' ratios, where they would move a sum.
fn measured_speed_scale(trip: &Trajectory, t: &[i64], kept: &[usize]) -> Option<f64> {
    if !trip.has_measured_speed() {
        return None;
    }
    let stride = (kept.len() / SCALE_SAMPLES).max(1);
    let mut ratios = Vec::with_capacity(kept.len().min(2 * SCALE_SAMPLES));
    for (k, &a) in kept.iter().enumerate().step_by(stride) {
        // The first fix at least `SCALE_MIN_SPAN_MS` after `a`.
        let Some(&b) = kept[k + 1..]
            .iter()
            .find(|&&b| t[b] - t[a] >= SCALE_MIN_SPAN_MS)
        else {
            break;
        };
        let dt_ms = t[b] - t[a];
        if dt_ms > SCALE_MAX_SPAN_MS {
            continue;
        }
        let (Some(va), Some(vb)) = (trip.speed_kmh(a), trip.speed_kmh(b)) else {
            continue;
        };
        let dt_s = secs(dt_ms);
        let chord_m = dist_m(trip, a, b);
        if chord_m >= SCALE_MIN_SPEED_MPS * dt_s {
            ratios.push(0.5 * (va + vb) / 3.6 * dt_s / chord_m);
        }
    }
    if ratios.len() < MIN_SCALE_STEPS {
        return None;
    }
    let mid = ratios.len() / 2;
    Some(*ratios.select_nth_unstable_by(mid, f64::total_cmp).1)
}

fn dist_m(trip: &Trajectory, a: usize, b: usize) -> f64 {
    trip.step_between_m(a, b)
}

#[allow(
    clippy::cast_precision_loss,
    reason = "time differences in ms are far below 2^52"
)]
fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

/// Drops stale repeats: runs of identical positions the car moved across.
/// The fixes kept move down in place, a run between two drops at a time.
/// `identity`: `kept` is every fix in input order, so the fixes between
/// repeats are passed over by [`next_maybe_repeat`].
fn drop_stale(
    trip: &Trajectory,
    t: &[i64],
    mut kept: Vec<usize>,
    identity: bool,
    cfg: &CleanConfig,
) -> (Vec<usize>, usize) {
    let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
    // Stale fixes repeat the previous position bit for bit.
    let same = |a: usize, b: usize| {
        lat[a].to_bits() == lat[b].to_bits() && lon[a].to_bits() == lon[b].to_bits()
    };
    let n = kept.len();
    // kept[..w] is the output so far; kept[from..i] is still to be moved there.
    let (mut w, mut from) = (0, 0);
    let mut i = 0;
    while i < n {
        if identity {
            // A fix whose next one surely moves is a run of one, which
            // drops nothing: go to the first fix that may repeat.
            i = next_maybe_repeat(lat, lon, i);
            if i == n {
                break;
            }
        }
        let p = kept[i];
        let mut j = i + 1;
        while j < n && same(p, kept[j]) {
            j += 1;
        }
        // kept[i+1..j] repeat p; kept[j] (if any) is the next new position.
        let moving = j > i + 1 && j < n && moved_across(trip, t, (p, kept[i + 1], kept[j]), cfg);
        if moving {
            kept.copy_within(from..=i, w);
            w += i + 1 - from;
            from = j;
        }
        i = j;
    }
    kept.copy_within(from..n, w);
    w += n - from;
    kept.truncate(w);
    (kept, n - w)
}

/// Whether the car moved across a run of repeats of fix `p` whose first
/// repeat is `first` and whose next new position is `q`: the speed from
/// `p` to `q` over the time from `p` to `q` above `stale_min_speed_mps`.
/// When the repeats follow a gap (more than `max_gap_ms` after `p`: a
/// receiver repeating its last fix when it finds the sky again after a
/// tunnel), the time counts from the first repeat, as if the car were at
/// `p` then: the time across the gap says nothing of when it left.
fn moved_across(
    trip: &Trajectory,
    t: &[i64],
    (p, first, q): (usize, usize, usize),
    cfg: &CleanConfig,
) -> bool {
    let from = if t[first] - t[p] > cfg.max_gap_ms {
        first
    } else {
        p
    };
    let dt = secs(t[q] - t[from]);
    dt > 0.0 && dist_m(trip, p, q) / dt > cfg.stale_min_speed_mps
}

/// The first fix `k` ≥ `from` whose next fix may have its position: neither
/// coordinate surely differs (IEEE `<` and `>` both false, as they are for
/// equal bits; so for a NaN too); `lat.len()` if none. Two fixes a step,
/// their comparisons in two lanes.
fn next_maybe_repeat(lat: &[f64], lon: &[f64], from: usize) -> usize {
    let n = lat.len().min(lon.len());
    let mut k = from;
    while k + 2 < n {
        let (a, b) = (pair_at(lat, k), pair_at(lat, k + 1));
        let (c, d) = (pair_at(lon, k), pair_at(lon, k + 1));
        // Lane i set: fix k + i surely moves to fix k + i + 1.
        let moves = (a.simd_lt(b) | a.simd_gt(b) | c.simd_lt(d) | c.simd_gt(d)).to_bitmask();
        if moves != 0b11 {
            return k + usize::from(moves & 1 == 1);
        }
        k += 2;
    }
    let differs = |a: f64, b: f64| {
        matches!(
            a.partial_cmp(&b),
            Some(std::cmp::Ordering::Less | std::cmp::Ordering::Greater)
        )
    };
    let surely_moves = |k: usize| differs(lat[k], lat[k + 1]) || differs(lon[k], lon[k + 1]);
    if k + 1 < n && !surely_moves(k) { k } else { n }
}

/// Whether fix `i`, between `p` and `q`, is a spike; `d_in` and `d_out` are
/// the lengths of the steps p → i and i → q.
fn is_spike(
    trip: &Trajectory,
    t: &[i64],
    (p, i, q): (usize, usize, usize),
    d_in: f64,
    d_out: f64,
    cfg: &CleanConfig,
) -> bool {
    // d_skip ≥ 0, so a short path through the fix cannot detour enough:
    // the skip distance is needed only past this test, and nothing else
    // either (each test below only says "no spike").
    if d_in + d_out < cfg.spike_min_detour_m {
        return false;
    }
    // A skip surely longer than the path less the least detour leaves too
    // small a detour, whatever its exact length (each test here only says
    // "no spike", so their order is free: the cheaper first).
    if surely_faster(trip, p, q, d_in + d_out - cfg.spike_min_detour_m) {
        return false;
    }
    let (dt_in, dt_out) = (secs(t[i] - t[p]), secs(t[q] - t[i]));
    if dt_in <= 0.0 || dt_out <= 0.0 {
        return false;
    }
    swerves((d_in, d_out, dist_m(trip, p, q)), (dt_in, dt_out), cfg)
}

/// The test of [`is_spike`] on the legs' lengths in and out of a fix and
/// the skip's past it (m), and the legs' durations (s, both above 0): a
/// detour of at least `spike_min_detour_m`, and a leg too fast while the
/// skip is not, or both legs faster than the skip by more than the car
/// could gain and lose again.
fn swerves(
    (d_in, d_out, d_skip): (f64, f64, f64),
    (dt_in, dt_out): (f64, f64),
    cfg: &CleanConfig,
) -> bool {
    let detour = d_in + d_out - d_skip;
    if detour < cfg.spike_min_detour_m {
        return false;
    }
    let skip_speed = d_skip / (dt_in + dt_out);
    if (d_in / dt_in > cfg.max_speed_mps || d_out / dt_out > cfg.max_speed_mps)
        && skip_speed <= cfg.max_speed_mps
    {
        return true;
    }
    // Both legs must be faster than skipping the fix by more than the car could
    // gain and lose again: a real fix beside a spike has one ordinary leg.
    let excess_mps = (d_in / dt_in).min(d_out / dt_out) - skip_speed;
    excess_mps > cfg.max_accel_mps2 * 0.5 * (dt_in + dt_out)
}

/// Drops speed glitches (module docs, rule 3): returns the kept fixes and
/// how many were dropped. A change between fixes without a measured speed
/// at both ends is not judged.
fn drop_speed_glitches(
    trip: &Trajectory,
    t: &[i64],
    kept: Vec<usize>,
    cfg: &CleanConfig,
) -> (Vec<usize>, usize) {
    if !trip.has_measured_speed() || kept.len() < 2 {
        return (kept, 0);
    }
    let impossible = |a: usize, b: usize| match (trip.speed_kmh(a), trip.speed_kmh(b)) {
        (Some(va), Some(vb)) => {
            (vb - va).abs() / 3.6 > cfg.max_speed_change_mps2 * secs(t[b] - t[a])
        }
        _ => false,
    };
    // Where the runs of consistent speed start: 0 and after each impossible change.
    let mut cuts = vec![0];
    cuts.extend((1..kept.len()).filter(|&k| impossible(kept[k - 1], kept[k])));
    if cuts.len() == 1 {
        return (kept, 0);
    }
    cuts.push(kept.len());
    let longest = cuts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    let mut out = Vec::with_capacity(kept.len());
    for w in cuts.windows(2) {
        let run = &kept[w[0]..w[1]];
        // A short run beside longer driving is the glitch; a trip made only
        // of short runs keeps them (nothing to tell which side is right).
        if run.len() > cfg.max_speed_glitch_fixes || run.len() == longest {
            out.extend_from_slice(run);
        }
    }
    let dropped = kept.len() - out.len();
    (out, dropped)
}

/// The length of each step `kept[k] → kept[k + 1]`, metres.
fn steps_of(trip: &Trajectory, kept: &[usize]) -> Vec<f64> {
    trip.steps_between_m(kept)
}

/// Passes of spike removal at most: a spike can hide its neighbour's, so a
/// pass after one that dropped a fix looks again.
const MAX_SPIKE_PASSES: usize = 4;

/// The fewest fixes spike removal looks at: a fix and a neighbour either side.
const SPIKE_CONTEXT_FIXES: usize = 3;

/// The four parallel columns of spike removal: kept fixes, the steps
/// between them, each step's "too fast" flag ([`TOO_FAST`] or 0: bytes, so
/// that a vectorised search finds the few set), and each fix's last
/// plausible neighbours.
type SpikeColumns = (Vec<usize>, Vec<f64>, Vec<u8>, Vec<(usize, usize)>);

/// A step's "too fast" flag when set (spike removal's third column).
const TOO_FAST: u8 = 1;

/// Whether the trip's end fix `e` is a spike against its next two fixes
/// inward, `a` and `b`. It swerves: [`is_spike`]'s test against the
/// neighbour it lacks, where the car would have been as long before `e`
/// (after it, at the trip's end) as `a` is after it, had it kept the
/// velocity from `a` to `b`. Or it leaps: the speed of its step to `a`
/// differs from the step a → b's by more than `max_accel_mps2` over the
/// time between the steps' middles (a fix tens of metres along the road
/// from where the car was; in the middle of a trip the same fix makes a
/// step too long and the next too short, which the kinematics' fit
/// spreads, but an end fix has only the one).
fn end_fix_is_spike(
    trip: &Trajectory,
    t: &[i64],
    (e, a, b): (usize, usize, usize),
    cfg: &CleanConfig,
) -> bool {
    let (dt_ea, dt_ab) = (secs(t[a] - t[e]), secs(t[b] - t[a]));
    if dt_ea == 0.0 || dt_ab == 0.0 {
        return false;
    }
    // East and north from `a`; the missing neighbour at −k · (b − a).
    let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
    let cos_lat = trip.cos_lat(a);
    let (ex, ey) = east_north_m(lat[e] - lat[a], lon[e] - lon[a], cos_lat);
    let (bx, by) = east_north_m(lat[b] - lat[a], lon[b] - lon[a], cos_lat);
    let k = 2.0 * dt_ea / dt_ab;
    let d_in = (ex + k * bx).hypot(ey + k * by);
    let (d_ea, d_ab) = (ex.hypot(ey), bx.hypot(by));
    let dt = dt_ea.abs();
    let leap_mps = (d_ea / dt - d_ab / dt_ab.abs()).abs();
    leap_mps > cfg.max_accel_mps2 * 0.5 * (dt + dt_ab.abs())
        || swerves((d_in, d_ea, k.abs() * d_ab), (dt, dt), cfg)
}

/// The runs at the ends of the kept fixes that spike removal drops: at the
/// start, the longest run of at most `most` fixes whose step into the rest
/// is too fast (`too_fast`, one flag per step) while the rest's first step
/// is plausible and its first fix not dropped (`keep`); at the end, the
/// same mirrored. Each run is shorter than the rest. Returns the two runs'
/// lengths, 0 for none.
///
/// A run of one is the lone end fix reached too fast. Longer runs are what
/// a cold start leaves where no accuracy names the network fixes: one
/// 2 km off, the next 500 m, or one a few tens of metres off and the next
/// a kilometre, which this pass finds a spike between its neighbours.
/// Where that leaves a fix beyond the spike at the very end, only a
/// reported accuracy vouches for it: `through_spikes` (no accuracy in the
/// trip) lets a run hold fixes this pass found spikes; otherwise such a run
/// waits for the next pass, whose steps skip the spike.
fn end_clusters(
    too_fast: &[u8],
    keep: &[bool],
    most: usize,
    through_spikes: bool,
) -> (usize, usize) {
    let n = keep.len();
    let fast = |step: usize| too_fast.get(step) == Some(&TOO_FAST);
    let calm = |step: usize| too_fast.get(step) == Some(&0);
    // Shorter than the rest: n > 2 × len, so n − len − 2 ≥ 0 below.
    let lens = || (1..=most.min(n / 2)).rev().filter(move |&len| n > 2 * len);
    let open = |run: std::ops::Range<usize>| through_spikes || keep[run].iter().all(|&k| k);
    let first = lens()
        .find(|&len| fast(len - 1) && calm(len) && keep[len] && open(0..len))
        .unwrap_or(0);
    let last = lens()
        .find(|&len| {
            fast(n - len - 1) && calm(n - len - 2) && keep[n - len - 1] && open(n - len..n)
        })
        .unwrap_or(0);
    (first, last)
}

/// Keeps the fixes that `keep` marks, in place, with their steps, "too
/// fast" flags and last plausible neighbours: a step between fixes that
/// were neighbours already is the same computation, so it is kept; `bridge`
/// gives a new step's length and flag. Nothing before the first dropped fix
/// moves, and each column is compacted where it lies (no new buffers).
fn retain(
    (kept, steps, too_fast, between): &mut SpikeColumns,
    keep: &[bool],
    bridge: impl Fn(usize, usize) -> (f64, u8),
) {
    let Some(first) = keep.iter().position(|&k| !k) else {
        return;
    };
    // Runs of kept fixes move down as blocks (memmove); only the first fix
    // of a run needs the step bridging the drop before it. Writes go to
    // `w` and below, never past a position still to be read (w ≤ k).
    let n = keep.len();
    let mut w = first;
    // The fix last kept: a run starts after a drop, so its first step is
    // always a bridge from it.
    let mut last = first.checked_sub(1).map(|p| kept[p]);
    let mut k = first;
    while k < n {
        if !keep[k] {
            k += 1;
            continue;
        }
        let end = keep[k..].iter().position(|&x| !x).map_or(n, |len| k + len);
        if let Some(p_fix) = last {
            (steps[w - 1], too_fast[w - 1]) = bridge(p_fix, kept[k]);
        }
        last = Some(kept[end - 1]);
        kept.copy_within(k..end, w);
        between.copy_within(k..end, w);
        // The steps inside the run, k → k + 1 … end − 2 → end − 1.
        steps.copy_within(k..end - 1, w);
        too_fast.copy_within(k..end - 1, w);
        w += end - k;
        k = end;
    }
    kept.truncate(w);
    between.truncate(w);
    steps.truncate(w.saturating_sub(1));
    too_fast.truncate(w.saturating_sub(1));
}

/// Drops spikes, pass after pass, until none is left or after
/// [`MAX_SPIKE_PASSES`] (a spike hides its neighbour's). Returns
/// the kept fixes, the count dropped and the step lengths between the kept
/// fixes (computed once, shared by every test, and after a pass recomputed
/// only where a dropped fix is bridged).
///
/// A pass after the first tests again only what the drops changed: a fix
/// whose neighbours on both sides are the ones it was last found plausible
/// between gets the same answer (the test reads nothing else), and a step's
/// "too fast" flag moves with the step.
fn drop_spikes(
    trip: &Trajectory,
    t: &[i64],
    mut kept: Vec<usize>,
    cfg: &CleanConfig,
) -> (Vec<usize>, usize, Vec<f64>, Vec<u8>) {
    let mut dropped = 0;
    let mut steps = steps_of(trip, &kept);
    let speed = |x: usize, y: usize, d: f64| {
        let dt = secs(t[y] - t[x]);
        if dt > 0.0 { d / dt } else { f64::INFINITY }
    };
    // Whether each step is too fast: most are not, and a cluster needs a
    // too-fast step in and out.
    let flag = |x: usize, y: usize, d: f64| u8::from(speed(x, y, d) > cfg.max_speed_mps) * TOO_FAST;
    let mut too_fast: Vec<u8> = kept
        .windows(2)
        .zip(&steps)
        .map(|(w, &d)| flag(w[0], w[1], d))
        .collect();
    // The neighbours (fix indices) each fix was last found no spike between.
    let mut plausible_between = vec![(usize::MAX, usize::MAX); kept.len()];
    for _ in 0..MAX_SPIKE_PASSES {
        let n = kept.len();
        if n < SPIKE_CONTEXT_FIXES {
            return (kept, dropped, steps, too_fast);
        }
        let mut keep = vec![true; n];
        // Fixes this pass drops (each marked once: every mark below is of a kept one).
        let mut drops = 0;
        let mut prev = 0;
        for k in 1..n - 1 {
            let neighbours = (kept[prev], kept[k + 1]);
            let spike = plausible_between[k] != neighbours && {
                let d_in = if prev + 1 == k {
                    steps[prev]
                } else {
                    dist_m(trip, kept[prev], kept[k])
                };
                is_spike(
                    trip,
                    t,
                    (kept[prev], kept[k], kept[k + 1]),
                    d_in,
                    steps[k],
                    cfg,
                )
            };
            if spike {
                keep[k] = false;
                drops += 1;
            } else {
                plausible_between[k] = neighbours;
                prev = k;
            }
        }
        // The ends have one neighbour: a run at either end cut off from the
        // rest by a step too fast to drive, while the rest's next step is
        // plausible, is a spike cluster (a cold start's network fixes when
        // no accuracy names them).
        let (first, last) = end_clusters(
            &too_fast,
            &keep,
            cfg.max_spike_cluster_fixes,
            !trip.has_accuracy(),
        );
        for k in (0..first).chain(n - last..n) {
            // A fix of the run may be one of this pass's spikes already.
            drops += usize::from(keep[k]);
            keep[k] = false;
        }
        // An end fix within reach of the track can still be tens of metres
        // off it (a cold start's network fix): judged against its next two.
        for (end, next, after, run) in [(0, 1, 2, first), (n - 1, n - 2, n - 3, last)] {
            if run == 0
                && keep[end]
                && keep[next]
                && keep[after]
                && too_fast[next.min(after)] == 0
                && end_fix_is_spike(trip, t, (kept[end], kept[next], kept[after]), cfg)
            {
                keep[end] = false;
                drops += 1;
            }
        }
        // Clusters of 2 to `max_spike_cluster_fixes` spikes: jumps in and out
        // too fast, while skipping the cluster is plausible. A cluster
        // starts after a too-fast step, and those are few: only they are
        // visited, in the order a scan of every start would meet them.
        let fast_steps: Vec<usize> = memchr::memchr_iter(TOO_FAST, &too_fast).collect();
        for len in 2..=cfg.max_spike_cluster_fixes {
            for a in fast_steps.iter().map(|&k| k + 1) {
                if a >= n.saturating_sub(len) || too_fast[a + len - 1] != TOO_FAST {
                    continue;
                }
                let (p, q) = (kept[a - 1], kept[a + len]);
                if !keep[a - 1] || !keep[a + len] || !(a..a + len).all(|k| keep[k]) {
                    continue;
                }
                if speed(p, q, dist_m(trip, p, q)) <= cfg.max_speed_mps {
                    keep[a..a + len].fill(false);
                    drops += len;
                }
            }
        }
        if drops == 0 {
            return (kept, dropped, steps, too_fast);
        }
        dropped += drops;
        let mut columns = (kept, steps, too_fast, plausible_between);
        retain(&mut columns, &keep, |p, k| {
            let d = dist_m(trip, p, k);
            (d, flag(p, k, d))
        });
        (kept, steps, too_fast, plausible_between) = columns;
    }
    (kept, dropped, steps, too_fast)
}

/// Cleans a trip (see the module docs for the rules).
///
/// An untimed trajectory has nothing to order or detect: all its fixes are kept
/// in one invalid section.
///
/// # Example
/// ```
/// use tripscore::detect::{clean, CleanConfig};
/// use tripscore::{RawTrip, Trajectory};
/// let t0 = 1_553_240_265_000;
/// let raw = RawTrip {
///     lat_deg: vec![50.0, 50.0001, 50.0001, 50.0002, 50.05, 50.0003, 50.0004],
///     lon_deg: vec![4.0; 7],
///     // The third fix repeats the second's time.
///     time_ms: Some([0, 1, 1, 2, 3, 4, 5].map(|s| t0 + 1000 * s).to_vec()),
///     ..RawTrip::default()
/// };
/// let trip = Trajectory::try_from(raw)?;
/// let c = clean(&trip, &CleanConfig::default());
/// assert_eq!(c.report.duplicate_times, 1);
/// assert_eq!(c.report.spikes, 1); // 50.05 is 5.5 km off
/// assert_eq!(c.fixes, vec![0, 1, 3, 5, 6]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn clean(trip: &Trajectory, cfg: &CleanConfig) -> CleanTrip {
    let n = trip.len();
    let mut report = CleanReport {
        input_fixes: n,
        ..CleanReport::default()
    };
    let Some(t) = trip.time_ms() else {
        return untimed(trip, report);
    };
    let mut repeated_time = false;
    for w in t.windows(2) {
        report.out_of_order += usize::from(w[1] < w[0]);
        repeated_time |= w[1] == w[0];
    }
    let accuracy_known = trip.has_accuracy();
    let kept = if report.out_of_order == 0 && !repeated_time && !accuracy_known {
        // Times strictly rising and no accuracy to judge: every fix stays.
        (0..n).collect()
    } else {
        let mut order: Vec<usize> = (0..n).collect();
        if report.out_of_order > 0 {
            order.sort_by_key(|&i| t[i]);
        }
        let mut kept = Vec::with_capacity(n);
        for &i in &order {
            if kept.last().is_some_and(|&p: &usize| t[p] == t[i]) {
                report.duplicate_times += 1;
            } else if accuracy_known && trip.accuracy_m(i).is_some_and(|a| a > cfg.max_accuracy_m) {
                report.inaccurate += 1;
            } else {
                kept.push(i);
            }
        }
        kept
    };
    let (measured_speed_scale, measured_speed_usable) = measured_speed_use(trip, t, &kept, cfg);
    let (kept, glitches) = if measured_speed_usable {
        drop_speed_glitches(trip, t, kept, cfg)
    } else {
        (kept, 0)
    };
    report.speed_glitches = glitches;
    // Times in order and nothing dropped: `kept` is every fix, in order.
    let identity = report.out_of_order == 0 && kept.len() == n;
    let (kept, stale) = drop_stale(trip, t, kept, identity, cfg);
    report.stale = stale;
    let (kept, spikes, steps, too_fast) = drop_spikes(trip, t, kept, cfg);
    report.spikes = spikes;
    report.kept_fixes = kept.len();

    let mut sections = Vec::new();
    // Closes the section of fixes start..end; `short_steps` of its steps
    // are no longer than `max_valid_interval_ms`: the median step is within
    // it exactly when more than half of them are (the upper median, index
    // len / 2 of the sorted steps), so a count decides it without sorting.
    let mut close = |start: usize, end: usize, short_steps: usize, report: &mut CleanReport| {
        let steps = end - 1 - start;
        let median_ok = if steps == 0 {
            // No step: the median is unbounded, within only an unbounded limit.
            cfg.max_valid_interval_ms == i64::MAX
        } else {
            short_steps > steps / 2
        };
        let valid = end - start >= cfg.min_section_fixes
            && t[kept[end - 1]] - t[kept[start]] >= cfg.min_section_ms
            && median_ok;
        if !valid {
            report.fixes_in_invalid_sections += end - start;
        }
        sections.push(Section { start, end, valid });
    };
    let (mut start, mut short_steps) = (0, 0);
    for (k, pair) in (1..).zip(kept.windows(2)) {
        // Each step's time, ms (positive: times are in order and distinct).
        let dt = t[pair[1]] - t[pair[0]];
        // A gap, or a step too fast to drive (the flag spike removal kept).
        if dt > cfg.max_gap_ms || too_fast[k - 1] == TOO_FAST {
            report.gaps += 1;
            close(start, k, short_steps, &mut report);
            (start, short_steps) = (k, 0);
        } else {
            short_steps += usize::from(dt <= cfg.max_valid_interval_ms);
        }
    }
    if !kept.is_empty() {
        close(start, kept.len(), short_steps, &mut report);
    }
    let step_m = step_lengths(
        trip,
        t,
        (&kept, steps),
        measured_speed_usable,
        cfg,
        &mut report,
    );
    CleanTrip {
        fixes: kept,
        sections,
        step_m,
        report,
        measured_speed_scale,
        measured_speed_usable,
    }
}

/// An untimed path: every fix kept, in one section not valid for events.
fn untimed(trip: &Trajectory, mut report: CleanReport) -> CleanTrip {
    let n = trip.len();
    report.kept_fixes = n;
    report.fixes_in_invalid_sections = n;
    CleanTrip {
        fixes: (0..n).collect(),
        sections: vec![Section {
            start: 0,
            end: n,
            valid: false,
        }],
        step_m: (0..n - 1).map(|i| trip.step_m(i)).collect(),
        report,
        measured_speed_scale: None,
        measured_speed_usable: trip.has_measured_speed(),
    }
}

/// Slack of [`surely_faster`]'s bound, relative: far above the rounding of
/// the distance's few operations (about 1e-15), far below any threshold's
/// meaning.
const BOUND_SLACK: f64 = 1e-9;

/// Slack of [`surely_faster`]'s bound, absolute, m: a reach near 0 still
/// leaves a margin the rounding of a difference with it cannot cross.
const BOUND_SLACK_M: f64 = 1e-6;

/// Whether fixes `a` and `b` are surely more than `reach_m` apart (by
/// more than the slacks), from their latitudes alone: the north–south part
/// of a step is no longer than the step (in the plane [`dist_m`] measures in
/// and on the haversine's great circle), so when it passes `reach_m` with
/// room for rounding, so does the distance, which then need not be
/// computed. `false` says nothing.
fn surely_faster(trip: &Trajectory, a: usize, b: usize, reach_m: f64) -> bool {
    let lat = trip.lat_deg();
    let north_m = MEAN_EARTH_RADIUS_M * (lat[b] - lat[a]).to_radians().abs();
    north_m * (1.0 - BOUND_SLACK) >= reach_m * (1.0 + BOUND_SLACK) + BOUND_SLACK_M
}

/// The length of every step between kept fixes, with steps taken while
/// parked set to 0: a standing car's fixes jitter by metres, which would add
/// up to kilometres over a long stop. Parked means both ends measured slower
/// than `parked_max_speed_mps`, or, without measured speed, the fixes
/// `parked_window_ms` before and after the step less than that speed apart
/// ([`ParkWindows`]); `measured` says whether the measured speed is usable.
fn step_lengths(
    trip: &Trajectory,
    t: &[i64],
    (kept, mut steps): (&[usize], Vec<f64>),
    measured: bool,
    cfg: &CleanConfig,
    report: &mut CleanReport,
) -> Vec<f64> {
    // The kept fixes' times in one column: the window bounds read them
    // once or twice a step each.
    let tk: Vec<i64> = kept.iter().map(|&i| t[i]).collect();
    let mut windows = ParkWindows::new(trip, &tk, kept, cfg);
    let mut parked = 0;
    if measured {
        for (k, step) in steps.iter_mut().enumerate() {
            let (a, b) = (kept[k], kept[k + 1]);
            let still = if let (Some(va), Some(vb)) = (trip.speed_kmh(a), trip.speed_kmh(b)) {
                va.max(vb) / 3.6 < cfg.parked_max_speed_mps
            } else {
                windows.parked(k)
            };
            if still {
                parked += 1;
                *step = 0.0;
            }
        }
    } else {
        // No fix has a measured speed: every step is judged by its window,
        // without a speed lookup per step that could only fail.
        for (k, step) in steps.iter_mut().enumerate() {
            if windows.parked(k) {
                parked += 1;
                *step = 0.0;
            }
        }
    }
    report.parked_steps += parked;
    steps
}

/// The parked test of a step without measured speed at both ends: the
/// kept fixes within `parked_window_ms` before and after it, first to
/// last, less than `parked_max_speed_mps` × their time apart. Steps are
/// asked in order, so the window's bounds only move forward.
struct ParkWindows<'a> {
    trip: &'a Trajectory,
    /// The kept fixes' times, ms.
    tk: &'a [i64],
    kept: &'a [usize],
    window_ms: i64,
    max_speed_mps: f64,
    lo: usize,
    hi: usize,
}

impl<'a> ParkWindows<'a> {
    fn new(trip: &'a Trajectory, tk: &'a [i64], kept: &'a [usize], cfg: &CleanConfig) -> Self {
        Self {
            trip,
            tk,
            kept,
            window_ms: cfg.parked_window_ms,
            max_speed_mps: cfg.parked_max_speed_mps,
            lo: 0,
            hi: 0,
        }
    }

    /// Whether step `k` → `k + 1` is parked; `k` must not decrease between calls.
    #[allow(
        clippy::inline_always,
        reason = "two call sites in the per-step loops; out of line its state goes through memory"
    )]
    #[inline(always)]
    fn parked(&mut self, k: usize) -> bool {
        let tk = self.tk;
        let (from_ms, to_ms) = (tk[k] - self.window_ms, tk[k + 1] + self.window_ms);
        while tk[self.lo] < from_ms {
            self.lo += 1;
        }
        self.hi = self.hi.max(k + 1);
        while self.hi + 1 < tk.len() && tk[self.hi + 1] <= to_ms {
            self.hi += 1;
        }
        let span_s = secs(tk[self.hi] - tk[self.lo]);
        let (first, last) = (self.kept[self.lo], self.kept[self.hi]);
        span_s > 0.0
            && !surely_faster(self.trip, first, last, self.max_speed_mps * span_s)
            && dist_m(self.trip, first, last) / span_s < self.max_speed_mps
    }
}

impl CleanTrip {
    /// The section holding kept fixes `first..=last`, if one does.
    #[must_use]
    pub fn section_of(&self, first: usize, last: usize) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.start <= first && last < s.end)
    }

    /// Path length through the kept fixes, across gaps too, metres (parked
    /// jitter excluded).
    #[must_use]
    pub fn distance_m(&self) -> f64 {
        self.step_m.iter().sum()
    }

    /// Path length inside valid sections, metres.
    #[must_use]
    pub fn valid_distance_m(&self) -> f64 {
        self.sections
            .iter()
            .filter(|s| s.valid)
            .map(|s| {
                self.step_m[s.start..s.end.saturating_sub(1).max(s.start)]
                    .iter()
                    .sum::<f64>()
            })
            .sum()
    }
}

#[cfg(test)]
#[path = "clean_tests.rs"]
mod tests;
