use super::*;
use crate::input::RawTrip;

const T0: i64 = 1_553_240_265_000;

/// A straight drive north at `speed_mps`, one fix per second.
fn drive(n: usize, speed_mps: f64) -> RawTrip {
    let dlat = speed_mps / 111_195.0;
    RawTrip {
        lat_deg: (0..n).map(|i| 50.0 + dlat * i as f64).collect(),
        lon_deg: vec![4.0; n],
        time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64).collect()),
        ..RawTrip::default()
    }
}

fn run(raw: RawTrip) -> (Trajectory, CleanTrip) {
    let trip = Trajectory::try_from(raw).unwrap();
    let c = clean(&trip, &CleanConfig::default());
    (trip, c)
}

#[test]
fn clean_drive_is_one_valid_section() {
    let (_, c) = run(drive(60, 15.0));
    assert_eq!(c.fixes.len(), 60);
    assert_eq!(
        c.sections,
        vec![Section {
            start: 0,
            end: 60,
            valid: true
        }]
    );
    assert!((c.valid_distance_m() - 59.0 * 15.0).abs() < 0.5);
}

#[test]
fn reorders_and_counts() {
    let mut r = drive(20, 15.0);
    r.time_ms.as_mut().unwrap().swap(5, 6);
    r.lat_deg.swap(5, 6);
    let (_, c) = run(r);
    assert_eq!(c.report.out_of_order, 1);
    assert_eq!(c.fixes[5], 6);
    assert_eq!(c.fixes[6], 5);
}

#[test]
fn spike_is_dropped_and_its_neighbours_kept() {
    let mut r = drive(30, 15.0);
    r.lat_deg[10] += 0.02; // 2.2 km off
    let (_, c) = run(r);
    assert_eq!(c.report.spikes, 1);
    assert!(!c.fixes.contains(&10));
    assert_eq!(c.fixes.len(), 29);
}

#[test]
fn two_spikes_in_a_row_are_both_dropped() {
    let mut r = drive(30, 15.0);
    r.lat_deg[10] += 0.01;
    r.lat_deg[11] += 0.01;
    let (_, c) = run(r);
    assert_eq!(c.report.spikes, 2, "{:?}", c.report);
}

#[test]
fn stale_fixes_while_moving_are_dropped_but_parked_repeats_kept() {
    let mut r = drive(30, 15.0);
    r.lat_deg[11] = r.lat_deg[10];
    r.lat_deg[12] = r.lat_deg[10];
    let (_, c) = run(r);
    assert_eq!(c.report.stale, 2);
    let parked = RawTrip {
        lat_deg: vec![50.0; 20],
        ..drive(20, 0.0)
    };
    let (_, c) = run(parked);
    assert_eq!(c.report.stale, 0);
    assert_eq!(c.fixes.len(), 20);
}

/// A drive north at `speed_mps` whose receiver loses the sky for 120 s
/// after fix 29 (the car meanwhile `moved_m` further) and, finding it,
/// first repeats fix 29 (fix 30) before new positions come.
fn repeat_after_a_gap(speed_mps: f64, moved_m: f64) -> RawTrip {
    let mut r = drive(60, speed_mps);
    let dlat = moved_m / 111_195.0;
    for i in 30..60 {
        r.time_ms.as_mut().unwrap()[i] += 120_000;
        r.lat_deg[i] += dlat;
    }
    r.lat_deg[30] = r.lat_deg[29];
    r
}

#[test]
fn a_repeat_after_a_gap_is_stale_when_the_car_moves_on() {
    // 70 m in the 120 s (stuck in traffic), then 15 m/s: fix 30 claims the
    // car was at fix 29 a second before it is 100 m on, though across the
    // gap the car seems to have crawled at under 1 m/s.
    let (_, c) = run(repeat_after_a_gap(15.0, 70.0));
    assert_eq!(c.report.stale, 1, "{:?}", c.report);
    assert!(!c.fixes.contains(&30));
    // A car standing through the gap and creeping on at 0.5 m/s keeps its
    // repeat.
    let (_, c) = run(repeat_after_a_gap(0.5, 0.0));
    assert_eq!(c.report.stale, 0, "{:?}", c.report);
    assert_eq!(c.fixes.len(), 60);
}

#[test]
fn a_gap_splits_and_short_sections_are_invalid() {
    let mut r = drive(60, 15.0);
    let t = r.time_ms.as_mut().unwrap();
    for v in t.iter_mut().skip(50) {
        *v += 300_000; // a 5-minute tunnel before fix 50
    }
    let (_, c) = run(r);
    assert_eq!(c.report.gaps, 1);
    assert_eq!(c.sections.len(), 2);
    assert!(c.sections[0].valid);
    assert_eq!(
        c.sections[1],
        Section {
            start: 50,
            end: 60,
            valid: false
        },
        "10 fixes over 9 s is too short"
    );
}

#[test]
fn sparse_sampling_is_invalid() {
    let mut r = drive(30, 15.0);
    for (i, v) in r.time_ms.as_mut().unwrap().iter_mut().enumerate() {
        *v = T0 + 10_000 * i as i64;
    }
    let cfg = CleanConfig {
        max_gap_ms: 20_000,
        ..CleanConfig::default()
    };
    let trip = Trajectory::try_from(r).unwrap();
    let c = clean(&trip, &cfg);
    assert!(!c.sections[0].valid);
}

#[test]
fn sharp_slow_u_turn_is_not_a_spike() {
    // 5 m/s north for 10 s, then back south.
    let mut r = drive(21, 5.0);
    for i in 11..21 {
        r.lat_deg[i] = r.lat_deg[20 - i];
    }
    let (_, c) = run(r);
    assert_eq!(c.report.spikes, 0);
}

/// The allocating form `retain` had: the kept fixes pushed into new
/// columns, a step reused where its ends were neighbours already.
fn retain_by_push(
    columns: &SpikeColumns,
    keep: &[bool],
    bridge: impl Fn(usize, usize) -> (f64, u8),
) -> SpikeColumns {
    let (kept, steps, too_fast, between) = columns;
    let mut out: SpikeColumns = Default::default();
    let mut last: Option<usize> = None;
    for k in (0..kept.len()).filter(|&k| keep[k]) {
        if let Some(p) = last {
            let (step, fast) = if p + 1 == k {
                (steps[p], too_fast[p])
            } else {
                bridge(kept[p], kept[k])
            };
            out.1.push(step);
            out.2.push(fast);
        }
        out.0.push(kept[k]);
        out.3.push(between[k]);
        last = Some(k);
    }
    out
}

proptest::proptest! {
    /// Compacting in place gives the columns pushing into new ones did.
    #[test]
    fn retain_in_place_equals_retain_by_push(
        fixes in proptest::collection::vec((proptest::bool::ANY, 0.0_f64..100.0, proptest::bool::ANY, 0_usize..5), 0..40),
    ) {
        let n = fixes.len();
        let keep: Vec<bool> = fixes.iter().map(|f| f.0).collect();
        let columns: SpikeColumns = (
            (0..n).map(|i| 3 * i + 1).collect(),
            fixes.iter().skip(1).map(|f| f.1).collect(),
            fixes.iter().skip(1).map(|f| u8::from(f.2) * TOO_FAST).collect(),
            fixes.iter().map(|f| (f.3, f.3 + 1)).collect(),
        );
        // A bridge that depends on both ends, so a wrong pair shows.
        let bridge = |p: usize, k: usize| {
            ((p * 1000 + k) as f64, u8::from((p + k).is_multiple_of(3)) * TOO_FAST)
        };
        let expected = retain_by_push(&columns, &keep, bridge);
        let mut ours = columns;
        retain(&mut ours, &keep, bridge);
        proptest::prop_assert_eq!(ours, expected);
    }
}

proptest::proptest! {
    /// The latitude bound never claims more than the distance gives: where
    /// it says "more than `reach_m`", the distance (plane or haversine)
    /// agrees, and so do the two tests that use it — the parked test's
    /// speed and the spike test's detour. Reaches are drawn around the true
    /// north–south part, where rounding would show, down to zero.
    #[test]
    fn surely_faster_never_overstates_the_distance(
        lat_a in -89.9_f64..89.9,
        lon_a in -180.0_f64..180.0,
        dlat in proptest::prop_oneof![proptest::strategy::Just(0.0), -1e-12_f64..1e-12, -1e-3_f64..1e-3, -0.5_f64..0.5],
        dlon in proptest::prop_oneof![proptest::strategy::Just(0.0), -1e-3_f64..1e-3, -0.5_f64..0.5, 359.0_f64..359.9],
        rel in proptest::prop_oneof![0.999_999_f64..1.000_001, 0.0_f64..1.0],
        span_s in 0.5_f64..40.0,
        least_detour_m in proptest::prop_oneof![proptest::strategy::Just(30.0), 0.1_f64..100.0],
    ) {
        let lat_b = (lat_a + dlat).clamp(-90.0, 90.0);
        // Wrapped into [−180, 180]: the dateline pairs take the haversine.
        let lon_b = match lon_a + dlon {
            l if l > 180.0 => l - 360.0,
            l if l < -180.0 => l + 360.0,
            l => l,
        };
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: vec![lat_a, lat_b],
            lon_deg: vec![lon_a, lon_b],
            ..RawTrip::default()
        })
        .unwrap();
        let north_m = MEAN_EARTH_RADIUS_M * (lat_b - lat_a).to_radians().abs();
        let d = dist_m(&trip, 0, 1);
        // The parked test: a threshold whose reach over the span is about
        // the north–south part.
        let max_speed_mps = north_m * rel / span_s;
        if surely_faster(&trip, 0, 1, max_speed_mps * span_s) {
            proptest::prop_assert!(d / span_s >= max_speed_mps, "parked after all: {d}");
        }
        // The spike test: a path through the fix the north–south part
        // (less the least detour) is about.
        let path_m = north_m * rel + least_detour_m;
        if surely_faster(&trip, 0, 1, path_m - least_detour_m) {
            proptest::prop_assert!(path_m - d < least_detour_m, "detour after all: {path_m} − {d}");
        }
    }
}

#[test]
fn a_jump_between_plausible_runs_splits_them() {
    // 30 s north at 15 m/s, then the fixes carry on 11 km further north
    // one second later: no car covers that, nor is either side a spike.
    let mut r = drive(60, 15.0);
    for lat in &mut r.lat_deg[30..] {
        *lat += 0.1;
    }
    let (_, c) = run(r);
    assert_eq!((c.report.gaps, c.report.spikes), (1, 0));
    assert_eq!(
        c.sections,
        vec![
            Section {
                start: 0,
                end: 30,
                valid: true
            },
            Section {
                start: 30,
                end: 60,
                valid: true
            },
        ]
    );
}

/// `drive(60, 17.0)` with `offsets_m` (east, m) added to its first fixes,
/// reversed onto its last when `at_end`, and 5 m accuracies when `accuracy`.
fn with_end_offsets(offsets_m: &[f64], at_end: bool, accuracy: bool) -> RawTrip {
    let mut r = drive(60, 17.0);
    let per_m = 1.0 / (111_195.0 * 50.0_f64.to_radians().cos());
    for (k, dx) in offsets_m.iter().enumerate() {
        let i = if at_end { 59 - k } else { k };
        r.lon_deg[i] += dx * per_m;
    }
    r.accuracy_m = accuracy.then(|| vec![Some(5.0); 60]);
    r
}

#[test]
fn a_run_cut_off_at_an_end_is_a_spike_cluster() {
    // A cold start's network fixes 2 km and then 500 m off: each step
    // into the next is too fast, the second leaves for the track too fast.
    for at_end in [false, true] {
        let (_, c) = run(with_end_offsets(&[2000.0, 500.0], at_end, false));
        assert_eq!((c.report.spikes, c.report.gaps), (2, 0), "at end: {at_end}");
        assert_eq!(c.fixes.len(), 58);
        assert!((c.valid_distance_m() - 57.0 * 17.0).abs() < 0.5);
    }
}

#[test]
fn an_end_fix_beyond_a_spike_goes_only_without_accuracy() {
    // 40 m off (within reach of the track), then 1.2 km off: the second
    // is a spike between its neighbours; the first is tied to the track
    // only through that spike. Without a reported accuracy it goes with
    // it; a 5 m accuracy vouches for it.
    for at_end in [false, true] {
        let (_, c) = run(with_end_offsets(&[40.0, 1200.0], at_end, false));
        assert_eq!(c.report.spikes, 2, "at end: {at_end}");
        let (_, c) = run(with_end_offsets(&[40.0, 1200.0], at_end, true));
        assert_eq!(c.report.spikes, 1, "at end: {at_end}");
        let lone = if at_end { 59 } else { 0 };
        assert!(c.fixes.contains(&lone));
    }
}

#[test]
fn an_end_fix_off_the_road_is_a_spike_within_reach_too() {
    // At 17 m/s the first or last fix 45 m beside the road (it swerves
    // from the line of its next two fixes) or 30 m along it (its step's
    // speed leaps by 30 m/s in a second); 20 m beside the road stays, as
    // it would between two neighbours. Accuracies are reported, and good.
    let along_m = |r: &mut RawTrip, i: usize, m: f64| r.lat_deg[i] += m / 111_195.0;
    for at_end in [false, true] {
        let i = if at_end { 59 } else { 0 };
        let sign = if at_end { 1.0 } else { -1.0 };
        let (_, c) = run(with_end_offsets(&[45.0], at_end, true));
        assert_eq!(c.report.spikes, 1, "45 m beside, at end: {at_end}");
        let mut r = with_end_offsets(&[], at_end, true);
        along_m(&mut r, i, sign * 30.0);
        let (_, c) = run(r);
        assert_eq!(c.report.spikes, 1, "30 m along, at end: {at_end}");
        assert!((c.valid_distance_m() - 58.0 * 17.0).abs() < 0.5);
        let (_, c) = run(with_end_offsets(&[20.0], at_end, true));
        assert_eq!(c.report.spikes, 0, "20 m beside, at end: {at_end}");
    }
}

proptest::proptest! {
    /// A section is valid exactly when it has enough fixes, lasts long
    /// enough and its median step (the upper one, sorted index len / 2)
    /// is at most `max_valid_interval_ms`, whatever the mix of short and
    /// long steps (the count that decides the median, against a sort).
    #[test]
    fn section_validity_follows_the_median_step(
        steps_s in proptest::collection::vec(proptest::sample::select(vec![1_i64, 2, 5, 6, 9, 11, 14]), 1..60),
        max_valid_interval_s in proptest::sample::select(vec![1_i64, 5, 6, 10]),
    ) {
        let mut time_ms = vec![T0];
        for s in &steps_s {
            time_ms.push(time_ms.last().unwrap() + 1000 * s);
        }
        let n = time_ms.len();
        // Slow driving north: no spike, no parked step, no stale fix.
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: (0..n).map(|i| 50.0 + 2e-5 * i as f64).collect(),
            lon_deg: vec![4.0; n],
            time_ms: Some(time_ms.clone()),
            ..RawTrip::default()
        })
        .unwrap();
        let cfg = CleanConfig {
            max_valid_interval_ms: 1000 * max_valid_interval_s,
            ..CleanConfig::default()
        };
        let c = clean(&trip, &cfg);
        proptest::prop_assert_eq!(c.fixes.len(), n);
        for s in &c.sections {
            let t: Vec<i64> = c.fixes[s.range()].iter().map(|&i| time_ms[i]).collect();
            let mut dts: Vec<i64> = t.windows(2).map(|w| w[1] - w[0]).collect();
            dts.sort_unstable();
            let median = dts.get(dts.len() / 2).copied().unwrap_or(i64::MAX);
            let expected = s.end - s.start >= cfg.min_section_fixes
                && t[t.len() - 1] - t[0] >= cfg.min_section_ms
                && median <= cfg.max_valid_interval_ms;
            proptest::prop_assert_eq!(s.valid, expected, "{:?} of {:?}", s, dts);
        }
    }
}

/// Stale-repeat removal as it was first written, pushing each kept fix
/// into a new column: the reference for the in-place form.
fn drop_stale_by_push(
    trip: &Trajectory,
    t: &[i64],
    kept: &[usize],
    cfg: &CleanConfig,
) -> (Vec<usize>, usize) {
    let (lat, lon) = (trip.lat_deg(), trip.lon_deg());
    let same = |a: usize, b: usize| {
        lat[a].to_bits() == lat[b].to_bits() && lon[a].to_bits() == lon[b].to_bits()
    };
    let mut out = Vec::new();
    let mut dropped = 0;
    let mut i = 0;
    while i < kept.len() {
        let p = kept[i];
        out.push(p);
        let mut j = i + 1;
        while j < kept.len() && same(p, kept[j]) {
            j += 1;
        }
        if j > i + 1 {
            let moving = j < kept.len() && moved_across(trip, t, (p, kept[i + 1], kept[j]), cfg);
            if moving {
                dropped += j - i - 1;
            } else {
                out.extend_from_slice(&kept[i + 1..j]);
            }
        }
        i = j;
    }
    (out, dropped)
}

proptest::proptest! {
    /// Dropping stale repeats in place gives what pushing into a new
    /// column did: runs of repeats at any place, moving or parked, at the
    /// ends too.
    #[test]
    fn stale_in_place_equals_stale_by_push(
        moves in proptest::collection::vec((0_usize..4, proptest::bool::ANY), 1..40),
    ) {
        // Each entry: a new position (10 m on, or 0.1 m: parked), then that
        // many repeats of it.
        let (mut lat, mut time) = (Vec::new(), Vec::new());
        let mut at = 50.0;
        for (repeats, far) in &moves {
            at += if *far { 1e-4 } else { 1e-6 };
            for _ in 0..=*repeats {
                lat.push(at);
                time.push(T0 + 1000 * time.len() as i64);
            }
        }
        let n = lat.len();
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: lat,
            lon_deg: vec![4.0; n],
            time_ms: Some(time),
            ..RawTrip::default()
        });
        let Ok(trip) = trip else {
            return Ok(()); // a single fix
        };
        let t = trip.time_ms().unwrap();
        let cfg = CleanConfig::default();
        let kept: Vec<usize> = (0..n).collect();
        let expected = drop_stale_by_push(&trip, t, &kept, &cfg);
        // Every fix in order: with runs of one passed over, and without.
        proptest::prop_assert_eq!(drop_stale(&trip, t, kept.clone(), true, &cfg), expected.clone());
        proptest::prop_assert_eq!(drop_stale(&trip, t, kept, false, &cfg), expected);
    }
}

/// [`next_maybe_repeat`] one fix at a time.
fn next_maybe_repeat_by_scan(lat: &[f64], lon: &[f64], from: usize) -> usize {
    let n = lat.len();
    (from..n.saturating_sub(1))
        .find(|&k| {
            // Neither `<` nor `>`: equal, or a NaN.
            let same = |a: f64, b: f64| !(a < b || b < a);
            same(lat[k], lat[k + 1]) && same(lon[k], lon[k + 1])
        })
        .unwrap_or(n)
}

/// Coordinates that repeat often, with signed zeros and NaN among them.
fn coordinate() -> impl proptest::strategy::Strategy<Value = f64> {
    use proptest::prelude::*;
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(f64::NAN),
        Just(50.0),
        Just(50.00001),
        -90.0..90.0_f64
    ]
}

proptest::proptest! {
    /// The two-lane search finds the fix a scan one at a time finds, from
    /// any start.
    #[test]
    fn next_maybe_repeat_is_the_scan(
        fixes in proptest::collection::vec((coordinate(), coordinate()), 0..24),
        from in 0_usize..26,
    ) {
        let lat: Vec<f64> = fixes.iter().map(|f| f.0).collect();
        let lon: Vec<f64> = fixes.iter().map(|f| f.1).collect();
        let from = from.min(lat.len());
        proptest::prop_assert_eq!(
            next_maybe_repeat(&lat, &lon, from),
            next_maybe_repeat_by_scan(&lat, &lon, from)
        );
    }

    /// Passing over the runs of one (`identity`) drops what the scan of
    /// every fix drops: stale repeats at speed and at rest, a repeat at
    /// the end, signed zeros.
    #[test]
    fn stale_repeats_skipped_to_equal_the_full_scan(
        steps in proptest::collection::vec((0_u8..4, 0.0_f64..40.0), 2..60),
    ) {
        let (mut lat, mut lon) = (Vec::new(), Vec::new());
        let (mut y, mut x) = (-0.0_f64, 0.0_f64);
        for &(kind, metres) in &steps {
            match kind {
                // A stale repeat: the same position, bit for bit.
                0 => {}
                // The same latitude, moving east (or -0.0 where it was 0.0).
                1 => x += metres / 111_195.0,
                2 => y = if y == 0.0 { -y } else { y + metres / 111_195.0 },
                _ => {
                    y += metres / 111_195.0;
                    x -= metres / 222_390.0;
                }
            }
            lat.push(y);
            lon.push(x);
        }
        let n = lat.len();
        let raw = RawTrip {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: Some((0..n).map(|i| T0 + 1000 * i as i64).collect()),
            ..RawTrip::default()
        };
        let trip = Trajectory::try_from(raw).unwrap();
        let t = trip.time_ms().unwrap();
        let cfg = CleanConfig::default();
        let all: Vec<usize> = (0..n).collect();
        proptest::prop_assert_eq!(
            drop_stale(&trip, t, all.clone(), true, &cfg),
            drop_stale(&trip, t, all, false, &cfg)
        );
    }
}

/// The parked rule of [`step_lengths`] step by step, each window found by
/// a search of every kept fix and its ends' distance always computed.
fn step_lengths_by_search(
    trip: &Trajectory,
    t: &[i64],
    kept: &[usize],
    steps: &[f64],
    cfg: &CleanConfig,
) -> (Vec<f64>, usize) {
    let tk: Vec<i64> = kept.iter().map(|&i| t[i]).collect();
    let mut parked = 0;
    let out = (0..steps.len())
        .map(|k| {
            let (a, b) = (kept[k], kept[k + 1]);
            let still = if let (Some(va), Some(vb)) = (trip.speed_kmh(a), trip.speed_kmh(b)) {
                va.max(vb) / 3.6 < cfg.parked_max_speed_mps
            } else {
                let lo = (0..tk.len())
                    .find(|&j| tk[j] >= tk[k] - cfg.parked_window_ms)
                    .unwrap();
                let hi = (0..tk.len())
                    .rfind(|&j| tk[j] <= tk[k + 1] + cfg.parked_window_ms)
                    .unwrap();
                let span_s = secs(tk[hi] - tk[lo]);
                span_s > 0.0 && dist_m(trip, kept[lo], kept[hi]) / span_s < cfg.parked_max_speed_mps
            };
            parked += usize::from(still);
            if still { 0.0 } else { steps[k] }
        })
        .collect();
    (out, parked)
}

proptest::proptest! {
    /// Parked steps, with the windows' bounds moved forward step by step,
    /// are those a search of every window finds: stops with metres of
    /// jitter, gaps, measured speed on every fix, on none, or on some.
    #[test]
    fn parked_steps_are_the_searched_windows(
        moves in proptest::collection::vec((proptest::prop_oneof![proptest::strategy::Just(0.0), 0.0_f64..1.0, 0.0_f64..25.0], 0.0_f64..3.0, 1_i64..4, proptest::option::of(0.0_f64..60.0)), 2..80),
        speeds in 0_u8..3,
    ) {
        let (mut lat, mut lon, mut time, mut speed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut y, mut ms) = (50.0, T0);
        for (k, &(metres, jitter, seconds, kmh)) in moves.iter().enumerate() {
            y += metres / 111_195.0;
            lat.push(y + jitter / 111_195.0);
            lon.push(4.0 + if k % 2 == 0 { jitter } else { -jitter } / 71_500.0);
            ms += 1000 * seconds * if seconds == 3 { 7 } else { 1 };
            time.push(ms);
            speed.push(match speeds {
                0 => None,
                1 => Some(kmh.unwrap_or(0.5)),
                _ => kmh,
            });
        }
        let trip = Trajectory::try_from(RawTrip {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: Some(time),
            speed_kmh: (speeds > 0).then_some(speed),
            ..RawTrip::default()
        })
        .unwrap();
        let t = trip.time_ms().unwrap();
        let cfg = CleanConfig::default();
        let kept: Vec<usize> = (0..trip.len()).collect();
        let steps = trip.steps_between_m(&kept);
        let mut report = CleanReport::default();
        let ours = step_lengths(
            &trip,
            t,
            (&kept, steps.clone()),
            trip.has_measured_speed(),
            &cfg,
            &mut report,
        );
        let (expected, parked) = step_lengths_by_search(&trip, t, &kept, &steps, &cfg);
        proptest::prop_assert_eq!(ours, expected);
        proptest::prop_assert_eq!(report.parked_steps, parked);
    }
}

/// `drive` with every fix's measured speed `speed_kmh`.
fn with_speed(mut raw: RawTrip, speed_kmh: f64) -> RawTrip {
    raw.speed_kmh = Some(vec![Some(speed_kmh); raw.lat_deg.len()]);
    raw
}

#[test]
fn a_measured_speed_out_of_scale_with_the_positions_is_not_used() {
    // 15 m/s in km/h: in scale, used.
    let (_, c) = run(with_speed(drive(100, 15.0), 54.0));
    let scale = c.measured_speed_scale.unwrap();
    assert!((scale - 1.0).abs() < 1e-3, "{scale}");
    assert!(c.measured_speed_usable);
    // The same in m/s (as phones report it) read as km/h: 0.28, not used;
    // the parked rule then judges by positions (the car is moving).
    let (_, c) = run(with_speed(drive(100, 15.0), 15.0));
    let scale = c.measured_speed_scale.unwrap();
    assert!((scale - 1.0 / 3.6).abs() < 1e-3, "{scale}");
    assert!(!c.measured_speed_usable);
    assert_eq!(c.report.parked_steps, 0);
    // Just inside and outside the factor, either way.
    let factor = CleanConfig::default().max_speed_scale_factor;
    for (kmh, usable) in [
        (54.0 * factor * 0.99, true),
        (54.0 * factor * 1.01, false),
        (54.0 / factor * 1.01, true),
        (54.0 / factor * 0.99, false),
    ] {
        assert_eq!(
            run(with_speed(drive(100, 15.0), kmh))
                .1
                .measured_speed_usable,
            usable
        );
    }
    // Too few moving spans to judge (19): unknown, and the speed is used.
    let (_, c) = run(with_speed(drive(20, 15.0), 15.0));
    assert_eq!(c.measured_speed_scale, None);
    assert!(c.measured_speed_usable);
    // No measured speed: nothing to judge or use.
    let (_, c) = run(drive(100, 15.0));
    assert_eq!(c.measured_speed_scale, None);
    assert!(!c.measured_speed_usable);
}

#[test]
fn the_speed_scale_of_a_10_hz_track_reads_through_its_position_noise() {
    // 5 m/s north at 10 Hz, each fix 0.3 m east or west of the road: fix to
    // fix the chords are 0.78 m for 0.5 m driven (a scale of 0.64); a
    // second apart the noise is a few per cent of the distance.
    let n: usize = 600;
    let (dlat, dlon) = (
        0.5 / 111_195.0,
        0.3 / (111_195.0 * 50.0_f64.to_radians().cos()),
    );
    let raw = RawTrip {
        lat_deg: (0..n).map(|i| 50.0 + dlat * i as f64).collect(),
        lon_deg: (0..n)
            .map(|i| 4.0 + if i % 2 == 0 { dlon } else { -dlon })
            .collect(),
        time_ms: Some((0..n).map(|i| T0 + 100 * i as i64).collect()),
        ..RawTrip::default()
    };
    let (_, c) = run(with_speed(raw, 18.0));
    let scale = c.measured_speed_scale.unwrap();
    assert!((scale - 1.0).abs() < 0.01, "{scale}");
    assert!(c.measured_speed_usable);
}
