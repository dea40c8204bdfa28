//! Unit tests of the annotation rules on constructed signals; the
//! properties on simulated trips are in `tests/integration/annotations.rs`.

use super::*;
use crate::detect::clean::{CleanReport, Section};

const T0: i64 = 1_553_240_265_000;
const DT_S: f64 = 0.5;

/// One raised-cosine pulse: `peak` at `at_s`, lasting `2 × half_s`.
#[derive(Clone, Copy)]
struct Pulse {
    at_s: f64,
    half_s: f64,
    peak: f64,
}

fn bell(pulses: &[Pulse], t: f64) -> f64 {
    pulses
        .iter()
        .map(|p| {
            let u = (t - p.at_s) / p.half_s;
            if u.abs() < 1.0 {
                0.5 * p.peak * (1.0 + (std::f64::consts::PI * u).cos())
            } else {
                0.0
            }
        })
        .sum()
}

/// A valid section sampled every 0.5 s for `secs` s at `speed_mps` (plus
/// the integral of the longitudinal pulses), with the given longitudinal
/// and lateral (positive right) acceleration pulses.
fn signals(secs: f64, speed_mps: f64, long: &[Pulse], lat: &[Pulse]) -> (CleanTrip, Kinematics) {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = (secs / DT_S) as usize + 1;
    let mut k = Kinematics::with_len(n);
    let mut v = speed_mps;
    for i in 0..n {
        let t = i as f64 * DT_S;
        let a_long = bell(long, t);
        let a_lat = bell(lat, t);
        k.time_ms[i] = T0 + (t * 1000.0) as i64;
        k.speed_mps[i] = v;
        k.accel_long_mps2[i] = a_long;
        k.accel_lat_mps2[i] = a_lat;
        k.yaw_rate_dps[i] = (a_lat / v).to_degrees();
        v += a_long * DT_S;
    }
    let clean = CleanTrip {
        fixes: (0..n).collect(),
        sections: vec![Section {
            start: 0,
            end: n,
            valid: true,
        }],
        step_m: vec![0.0; n.saturating_sub(1)],
        report: CleanReport::default(),
        measured_speed_scale: None,
        measured_speed_usable: false,
    };
    (clean, k)
}

/// A turn of `angle_deg` (positive right) at `speed_mps` peaking at `peak`:
/// the raised cosine whose area is the heading change.
fn turn(at_s: f64, angle_deg: f64, peak: f64, speed_mps: f64) -> Pulse {
    // Area of the yaw-rate pulse = peak/v × half_s (raised cosine).
    let half_s = angle_deg.abs().to_radians() * speed_mps / peak;
    Pulse {
        at_s,
        half_s,
        peak: peak * angle_deg.signum(),
    }
}

fn kinds(found: &Annotations) -> Vec<(&'static str, bool)> {
    found
        .episodes
        .iter()
        .map(|a| (a.kind.name(), a.hard))
        .collect()
}

#[test]
fn runs_interpolate_their_crossings_and_merge_across_short_gaps() {
    let t: Vec<i64> = (0..10).map(|i| 1000 * i).collect();
    let s = [0.0, 0.4, 0.8, 0.8, 0.0, 0.7, 0.9, 0.0, -0.9, 0.0];
    let found = runs(&t, &s, 0..10, (0.6, 0.6), 0);
    assert_eq!(found.len(), 3);
    // 0.4 → 0.8 crosses 0.6 half way: 1,500 ms; 0.8 → 0.0 at a quarter: 3,250 ms.
    assert_eq!((found[0].lo, found[0].hi), (2, 3));
    assert!((found[0].start_ms - 1500.0).abs() < 1e-9);
    assert!((found[0].end_ms - 3250.0).abs() < 1e-9);
    assert_eq!(found[2].sign, -1.0);
    // Runs of one sign less than 3 s apart merge.
    let merged = runs(&t, &s, 0..10, (0.6, 0.6), 3000);
    assert_eq!(merged.len(), 2);
    assert_eq!((merged[0].lo, merged[0].hi), (2, 6));
}

#[test]
fn a_run_holds_through_a_dip_above_the_hold_level() {
    let t: Vec<i64> = (0..12).map(|i| 1000 * i).collect();
    // Reaches 0.6, dips to 0.4 (above the 0.3 hold) and rises again: one run.
    let s = [0.0, 0.4, 0.8, 0.9, 0.4, 0.35, 0.7, 0.8, 0.2, 0.0, 0.5, 0.0];
    let held = runs(&t, &s, 0..12, (0.6, 0.3), 0);
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!((held[0].lo, held[0].hi), (1, 7));
    // It starts where the signal crosses the hold level: 0.0 → 0.4 at 0.75.
    assert!((held[0].start_ms - 750.0).abs() < 1e-9);
    // Without hysteresis the dip cuts it in two.
    assert_eq!(runs(&t, &s, 0..12, (0.6, 0.6), 0).len(), 2);
    // A bump that holds but never reaches the start level is no run (t = 10 s).
    assert!(held.iter().all(|r| r.lo != 10));
}

#[test]
fn a_junction_turn_is_a_turn_with_its_heading_change_and_hard_flag() {
    let speed = 7.0;
    for (angle, peak, kind, hard) in [
        (-90.0, 2.5, "left_turn", false),
        (90.0, 2.5, "right_turn", false),
        (90.0, 4.0, "right_turn", true),
    ] {
        let (clean, kin) = signals(30.0, speed, &[], &[turn(15.0, angle, peak, speed)]);
        let found = annotate(&clean, &kin, &AnnotateConfig::default());
        assert_eq!(kinds(&found), [(kind, hard)], "{angle} {peak}");
        let a = found.episodes[0];
        // The yaw rate is integrated over the run above the start level (and
        // a fix either side): the pulse's faint tails are left out.
        let share = a.heading_change_deg / angle;
        assert!((0.9..=1.0).contains(&share), "{a:?}");
        assert!((a.peak_mps2 - peak).abs() < 1e-9);
        assert_eq!(a.peak_at_ms, T0 + 15_000);
    }
}

#[test]
fn entry_circle_exit_is_a_roundabout_the_way_traffic_goes() {
    let speed = 6.0;
    // Veer right 45°, circle left 120°, veer right 45°: a right-hand roundabout.
    let lat = [
        turn(6.0, 45.0, 1.8, speed),
        turn(13.0, -120.0, 1.8, speed),
        turn(22.0, 45.0, 1.8, speed),
    ];
    let (clean, kin) = signals(30.0, speed, &[], &lat);
    let right_hand = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(kinds(&right_hand), [("roundabout", false)]);
    let r = right_hand.episodes[0];
    assert!((r.heading_change_deg - (-30.0)).abs() < 5.0, "{r:?}");
    // Where traffic drives on the left, roundabouts circle clockwise: the
    // same path is three turns.
    let left_hand = annotate(
        &clean,
        &kin,
        &AnnotateConfig {
            traffic: Traffic::LeftHand,
            ..AnnotateConfig::default()
        },
    );
    assert_eq!(
        kinds(&left_hand),
        [
            ("right_turn", false),
            ("left_turn", false),
            ("right_turn", false)
        ]
    );
}

#[test]
fn a_wide_circle_at_speed_is_an_interchange_not_a_roundabout() {
    // The shape of a right-hand roundabout — veer right 46°, circle left
    // 176°, veer right 35° — at 25 m/s and 1.5–2.6 m/s²: a motorway
    // interchange (the Delft drives have one), its circle some 400 m in
    // mean radius.
    let speed = 25.0;
    let lat = [
        turn(15.0, 46.0, 1.5, speed),
        turn(51.0, -176.0, 2.6, speed),
        turn(85.0, 35.0, 1.5, speed),
    ];
    let (clean, kin) = signals(110.0, speed, &[], &lat);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(
        kinds(&found),
        [
            ("right_turn", false),
            ("left_turn", false),
            ("right_turn", false)
        ]
    );
    // The radius bound is what decides: without it the same path is a
    // roundabout.
    let unbounded = AnnotateConfig {
        roundabout_max_radius_m: 1000.0,
        ..AnnotateConfig::default()
    };
    assert_eq!(
        kinds(&annotate(&clean, &kin, &unbounded)),
        [("roundabout", false)]
    );
}

#[test]
fn a_left_turn_after_a_right_bend_is_not_a_roundabout() {
    // One counter-turn only: circling must reach 150° to count.
    let speed = 6.0;
    let lat = [turn(6.0, 40.0, 1.5, speed), turn(14.0, -90.0, 2.0, speed)];
    let (clean, kin) = signals(25.0, speed, &[], &lat);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(kinds(&found), [("right_turn", false), ("left_turn", false)]);
}

#[test]
fn short_or_shallow_wiggles_are_not_turns() {
    let speed = 15.0;
    // 1.5 s above the start level: shorter than min_turn_ms.
    let short = Pulse {
        at_s: 10.0,
        half_s: 1.0,
        peak: 2.0,
    };
    // Long enough, but 8° of heading.
    let shallow = Pulse {
        at_s: 25.0,
        half_s: 2.0,
        peak: 1.0,
    };
    let (clean, kin) = signals(35.0, speed, &[], &[short, shallow]);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert!(found.episodes.is_empty(), "{:?}", found.episodes);
}

#[test]
fn speed_changes_are_accelerations_brakes_or_coasts() {
    let pulse = |at_s, peak| Pulse {
        at_s,
        half_s: 2.5,
        peak,
    };
    let long = [
        pulse(10.0, 1.5),  // accelerate
        pulse(25.0, 2.6),  // hard accelerate (≥ 2.25)
        pulse(40.0, -0.8), // coast (< 1 m/s²)
        pulse(55.0, -2.0), // brake
        pulse(70.0, -3.3), // hard brake (≥ 3)
    ];
    let (clean, kin) = signals(80.0, 10.0, &long, &[]);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(
        kinds(&found),
        [
            ("accelerate", false),
            ("accelerate", true),
            ("coast", false),
            ("brake", false),
            ("brake", true)
        ]
    );
    for (a, p) in found.episodes.iter().zip(&long) {
        assert!((a.peak_mps2 - p.peak.abs()).abs() < 1e-9, "{a:?}");
        assert!(a.end_ms - a.start_ms > 2000.0 && a.end_ms - a.start_ms < 5000.0);
    }
}

/// The kinds annotated on one longitudinal pulse (`half_s`, `peak`) at
/// 15 m/s, for each measured-speed noise estimate in `noises`; and the
/// speed the pulse gains, m/s.
fn kinds_by_noise(
    half_s: f64,
    peak: f64,
    noises: &[Option<f64>],
) -> (Vec<Vec<(&'static str, bool)>>, f64) {
    let long = [Pulse {
        at_s: 10.0,
        half_s,
        peak,
    }];
    let (clean, mut kin) = signals(20.0, 15.0, &long, &[]);
    let gained = kin.speed_mps[kin.speed_mps.len() - 1] - kin.speed_mps[0];
    let found = noises
        .iter()
        .map(|&noise| {
            kin.speed_noise_mps = noise;
            kinds(&annotate(&clean, &kin, &AnnotateConfig::default()))
        })
        .collect();
    (found, gained)
}

#[test]
fn a_gentle_speed_change_counts_where_the_speed_is_quiet() {
    // A 3 s pull peaking at 0.45 m/s²: about a second above the start,
    // 0.68 m/s gained in all — under the 0.8 m/s asked without a noise
    // estimate. A receiver with 0.1 m/s of noise shows it; one with
    // 0.3 m/s does not.
    let (found, gained) = kinds_by_noise(1.5, 0.45, &[None, Some(0.1), Some(0.3)]);
    assert!(
        gained < AnnotateConfig::default().min_speed_change_mps && gained > 0.6,
        "{gained}"
    );
    assert_eq!(found, [vec![], vec![("accelerate", false)], vec![]]);
}

#[test]
fn a_short_run_counts_only_where_the_noise_is_known() {
    // A 1 s pull of 2 m/s²: above the start for under a second, 1 m/s
    // gained. Without a noise estimate a run under `min_episode_ms` is a
    // blip; with one, its speed change against the noise decides.
    let (found, _) = kinds_by_noise(0.5, 2.0, &[None, Some(0.1)]);
    assert_eq!(found, [vec![], vec![("accelerate", false)]]);
}

proptest::proptest! {
    /// More noise never asks for less speed change, and never less than
    /// the floor.
    #[test]
    fn the_speed_change_asked_grows_with_the_noise(a in 0.0_f64..2.0, b in 0.0_f64..2.0) {
        let cfg = AnnotateConfig::default();
        let (lo, hi) = (a.min(b), a.max(b));
        let (need_lo, need_hi) = (cfg.speed_change_needed_mps(Some(lo)), cfg.speed_change_needed_mps(Some(hi)));
        proptest::prop_assert!(need_lo <= need_hi);
        proptest::prop_assert!(need_lo >= cfg.min_speed_change_floor_mps);
    }
}

#[test]
fn implausible_peaks_are_counted_not_annotated() {
    let speed = 15.0;
    let (clean, kin) = signals(30.0, speed, &[], &[turn(15.0, 90.0, 14.0, speed)]);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert!(found.episodes.is_empty());
    assert_eq!(found.implausible, 1);
}

#[test]
fn invalid_sections_are_not_annotated() {
    let speed = 7.0;
    let (mut clean, kin) = signals(30.0, speed, &[], &[turn(15.0, 90.0, 3.0, speed)]);
    clean.sections[0].valid = false;
    assert!(
        annotate(&clean, &kin, &AnnotateConfig::default())
            .episodes
            .is_empty()
    );
}

#[test]
fn turns_before_and_after_a_roundabout_stay_turns() {
    let speed = 6.0;
    // A right turn at a junction, the roundabout (45° in, 120° round, 45°
    // out) and a left turn at the next junction, each less than
    // roundabout_gap_ms from the next: one group, one roundabout, two turns.
    let lat = [
        turn(6.0, 90.0, 1.8, speed),
        turn(16.0, 45.0, 1.8, speed),
        turn(23.0, -120.0, 1.8, speed),
        turn(32.0, 45.0, 1.8, speed),
        turn(42.0, -90.0, 1.8, speed),
    ];
    let (clean, kin) = signals(50.0, speed, &[], &lat);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(
        kinds(&found),
        [
            ("right_turn", false),
            ("roundabout", false),
            ("left_turn", false)
        ]
    );
    let r = found.episodes[1];
    assert!((r.heading_change_deg - (-30.0)).abs() < 5.0, "{r:?}");
}

#[test]
fn a_right_angle_the_other_way_is_no_roundabout_entry() {
    // Right 90°, left 180°: a junction and a U-turn (a car park, a
    // hairpin), not a circle entered by a 90° veer.
    let speed = 5.0;
    let lat = [turn(6.0, 90.0, 1.5, speed), turn(19.0, -180.0, 2.5, speed)];
    let (clean, kin) = signals(30.0, speed, &[], &lat);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(kinds(&found), [("right_turn", false), ("left_turn", false)]);
    // Veering 45° in, it is one.
    let lat = [turn(6.0, 45.0, 1.5, speed), turn(16.0, -180.0, 2.5, speed)];
    let (clean, kin) = signals(30.0, speed, &[], &lat);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(kinds(&found), [("roundabout", false)]);
}

/// Splits one valid section at fix `first` into two 150 s apart (a tunnel
/// between them): the fixes before `first` move 150 s earlier.
fn split_by_a_gap(clean: &mut CleanTrip, kin: &mut Kinematics, first: usize) {
    for t in &mut kin.time_ms[..first] {
        *t -= 150_000;
    }
    let n = kin.time_ms.len();
    clean.sections = vec![
        Section {
            start: 0,
            end: first,
            valid: true,
        },
        Section {
            start: first,
            end: n,
            valid: true,
        },
    ];
}

#[test]
fn the_heading_change_of_a_turn_stops_at_its_section() {
    let speed = 7.0;
    // A right turn right at the start of a section after a 150 s gap (a
    // tunnel): the fix before the gap, turning the other way, is not padding.
    let (mut clean, mut kin) = signals(30.0, speed, &[], &[turn(5.0, 60.0, 2.0, speed)]);
    let first = 8; // 4 s in: the turn is under way when the section starts
    for k in 0..first {
        kin.yaw_rate_dps[k] = -10.0;
        kin.accel_lat_mps2[k] = 0.0;
    }
    split_by_a_gap(&mut clean, &mut kin, first);
    let found = annotate(&clean, &kin, &AnnotateConfig::default());
    assert_eq!(kinds(&found), [("right_turn", false)]);
    let dh = found.episodes[0].heading_change_deg;
    // The part of the 60° turn after the gap, not 150 s of the yaw before it.
    assert!((20.0..=60.0).contains(&dh), "{dh}");
}

/// The annotations of a 30 s section at 10 m/s with one longitudinal
/// `pulse`, split at fix `first` by a gap ([`split_by_a_gap`]), the fixes
/// `steady` driven at a steady speed `speed_mps(kin, fix)`.
fn across_a_gap(
    pulse: Pulse,
    first: usize,
    steady: std::ops::Range<usize>,
    speed_mps: impl Fn(&Kinematics, usize) -> f64,
) -> Annotations {
    let (mut clean, mut kin) = signals(30.0, 10.0, &[pulse], &[]);
    for k in steady {
        kin.speed_mps[k] = speed_mps(&kin, k);
        kin.accel_long_mps2[k] = 0.0;
    }
    split_by_a_gap(&mut clean, &mut kin, first);
    annotate(&clean, &kin, &AnnotateConfig::default())
}

#[test]
fn a_speed_up_under_way_when_its_section_starts_counts_on_its_own_fixes() {
    // The section after a tunnel starts 1 s into a 6 s pull of 1.5 m/s²;
    // before the tunnel the car drove at the speed the pull ends with. The
    // pull's speed change is its own section's, not the difference to the
    // fix before the gap (about none).
    let pull = Pulse {
        at_s: 10.0,
        half_s: 3.0,
        peak: 1.5,
    };
    let first = 16; // 8 s in
    let found = across_a_gap(pull, first, 0..first, |kin, _| {
        kin.speed_mps[kin.speed_mps.len() - 1]
    });
    assert_eq!(kinds(&found), [("accelerate", false)]);
    assert_eq!(found.episodes[0].first_fix, first);
}

#[test]
fn a_section_ending_in_a_small_rise_takes_no_speed_from_the_next() {
    // A 2 s rise of 0.6 m/s² runs into the end of its section: about
    // 0.5 m/s gained, too little for an acceleration. After the tunnel
    // the car drives 3 m/s faster, which is not the rise's speed change.
    let rise = Pulse {
        at_s: 14.0,
        half_s: 2.0,
        peak: 0.6,
    };
    let first = 30; // 15 s in: the rise is still above the start level
    let found = across_a_gap(rise, first, first..61, |kin, k| kin.speed_mps[k] + 3.0);
    assert_eq!(kinds(&found), []);
}

/// A long curve: two same-way lateral pulses of `peak` m/s² whose tails
/// overlap, so the lateral acceleration dips between them to about
/// `dip_share` of the peak; at `speed_mps`, 20 s apart in the middle of a
/// 120 s section.
fn dipping_curve(
    speed_mps: f64,
    peak: f64,
    dip_share: f64,
    right: bool,
) -> (CleanTrip, Kinematics) {
    // Two raised cosines of half-width h, centres d apart, each at d/2 from
    // the middle: the middle reads 2 · peak · ½(1 + cos(π d / 2h)); pick h
    // for the wanted dip.
    let d = 8.0;
    let half_s = std::f64::consts::PI * d / 2.0 / (dip_share - 1.0).acos();
    let sign = if right { 1.0 } else { -1.0 };
    let lat = [
        Pulse {
            at_s: 60.0 - d / 2.0,
            half_s,
            peak: sign * peak,
        },
        Pulse {
            at_s: 60.0 + d / 2.0,
            half_s,
            peak: sign * peak,
        },
    ];
    signals(120.0, speed_mps, &[], &lat)
}

/// The heading change of [`dipping_curve`]'s two pulses as a whole,
/// degrees: each raised cosine adds peak · half-width of speed change
/// across the path.
fn dipping_curve_heading_deg(speed_mps: f64, peak: f64, dip_mps2: f64) -> f64 {
    let half_s = std::f64::consts::PI * 4.0 / (dip_mps2 / peak - 1.0).acos();
    (2.0 * peak * half_s / speed_mps).to_degrees()
}

/// The kinds of the turn episodes `cfg` annotates.
fn turn_kinds(clean: &CleanTrip, kin: &Kinematics, cfg: &AnnotateConfig) -> Vec<AnnotationKind> {
    annotate(clean, kin, cfg)
        .episodes
        .iter()
        .filter(|a| matches!(a.kind, AnnotationKind::Turn(_)))
        .map(|a| a.kind)
        .collect()
}

proptest::proptest! {
    /// A long curve whose lateral acceleration dips mid-way, but not below
    /// the hold level, is one turn the way it bends.
    #[test]
    fn a_long_curve_with_a_mid_curve_dip_is_one_turn(
        speed_mps in 12.0_f64..35.0,
        peak in 0.7_f64..2.0,
        // The dip, m/s²: above the 0.3 hold level, below the 0.6 start level.
        dip_mps2 in 0.32_f64..0.58,
        right in proptest::bool::ANY,
    ) {
        let cfg = AnnotateConfig::default();
        // The curve must turn the car enough to be a turn.
        let heading_deg = dipping_curve_heading_deg(speed_mps, peak, dip_mps2);
        proptest::prop_assume!(heading_deg >= cfg.turn_min_heading_deg + 3.0);
        let (clean, kin) = dipping_curve(speed_mps, peak, dip_mps2 / peak, right);
        let found = annotate(&clean, &kin, &cfg);
        let turns: Vec<_> = found.episodes.iter().filter(|a| matches!(a.kind, AnnotationKind::Turn(_))).collect();
        proptest::prop_assert_eq!(turns.len(), 1, "{:?}", turns);
        let want = if right { Maneuver::RightTurn } else { Maneuver::LeftTurn };
        proptest::prop_assert_eq!(turns[0].kind, AnnotationKind::Turn(want));
    }
}

/// The failure hysteresis mends: cut at the dip, neither half turns 15°,
/// and the 32° curve is not annotated at all (without the fragments'
/// join, which mends it too).
#[test]
fn without_hysteresis_the_same_curve_is_lost_in_fragments() {
    let (clean, kin) = dipping_curve(20.0, 0.9, 0.55, true);
    let turns = |cfg: &AnnotateConfig| turn_kinds(&clean, &kin, cfg).len();
    let held = AnnotateConfig::default();
    let unheld = AnnotateConfig {
        turn_hold_mps2: held.turn_start_mps2,
        turn_join_fragments: false,
        ..held
    };
    assert_eq!(turns(&held), 1);
    assert_eq!(turns(&unheld), 0);
    let joined = AnnotateConfig {
        turn_join_fragments: true,
        ..unheld
    };
    assert_eq!(turns(&joined), 1);
}

proptest::proptest! {
    /// A curve whose lateral acceleration sinks below the hold level
    /// between two lobes but keeps its sign, each lobe turning less than a
    /// turn, is one turn the way it bends; without the join it is none.
    #[test]
    fn a_curve_dipping_below_the_hold_level_is_one_turn(
        speed_mps in 12.0_f64..35.0,
        peak in 0.7_f64..2.0,
        // The dip, m/s²: above 0 (the sign kept), below the 0.3 hold level.
        dip_mps2 in 0.02_f64..0.28,
        right in proptest::bool::ANY,
    ) {
        let cfg = AnnotateConfig::default();
        let heading_deg = dipping_curve_heading_deg(speed_mps, peak, dip_mps2);
        // Turning enough as a whole, too little in either lobe.
        proptest::prop_assume!(heading_deg >= cfg.turn_min_heading_deg + 3.0);
        proptest::prop_assume!(heading_deg <= 2.0 * cfg.turn_min_heading_deg - 2.0);
        let (clean, kin) = dipping_curve(speed_mps, peak, dip_mps2 / peak, right);
        let want = if right { Maneuver::RightTurn } else { Maneuver::LeftTurn };
        proptest::prop_assert_eq!(turn_kinds(&clean, &kin, &cfg), vec![AnnotationKind::Turn(want)]);
        let apart = AnnotateConfig { turn_join_fragments: false, ..cfg };
        proptest::prop_assert_eq!(turn_kinds(&clean, &kin, &apart), vec![]);
    }
}

/// Two lobes the same way with a swing the other way between them (an
/// S-bend's counter-steer) are not joined: the car did not keep turning.
#[test]
fn lobes_with_a_counter_swing_between_are_not_joined() {
    // Two lobes of 14° each at 20 m/s whose tails just overlap: the
    // lateral acceleration sinks to 0.04 m/s² between them.
    let peak = 0.9;
    let lobe = |at_s| Pulse {
        at_s,
        half_s: 5.5,
        peak,
    };
    let counter = Pulse {
        at_s: 60.0,
        half_s: 1.0,
        peak: -0.2,
    };
    let cfg = AnnotateConfig::default();
    let (clean, kin) = signals(120.0, 20.0, &[], &[lobe(55.0), counter, lobe(65.0)]);
    assert_eq!(turn_kinds(&clean, &kin, &cfg).len(), 0);
    // Without the counter-swing the same lobes are one turn.
    let (clean, kin) = signals(120.0, 20.0, &[], &[lobe(55.0), lobe(65.0)]);
    assert_eq!(turn_kinds(&clean, &kin, &cfg).len(), 1);
}

proptest::proptest! {
    /// One pass over both signs finds the runs, bounds, crossings and
    /// merges of a pass per sign, NaNs and all.
    #[test]
    fn one_pass_runs_are_the_runs_of_a_pass_per_sign(
        values in proptest::collection::vec(
            proptest::prop_oneof![-4.0_f64..4.0, proptest::strategy::Just(f64::NAN)],
            0..120,
        ),
        start in 0.05_f64..2.0,
        hold_share in 0.2_f64..=1.0,
        merge_gap_ms in 0_i64..4000,
    ) {
        let t: Vec<i64> = (0..values.len() as i64).map(|k| 1_600_000_000_000 + 1000 * k).collect();
        let levels = (start, start * hold_share);
        let range = 0..values.len();
        let key = |r: &Run| (r.lo, r.hi, r.sign.to_bits(), r.start_ms.to_bits(), r.end_ms.to_bits());
        let ours: Vec<_> = runs(&t, &values, range.clone(), levels, merge_gap_ms).iter().map(key).collect();
        let reference: Vec<_> = runs_per_sign(&t, &values, range, (start, levels.1), merge_gap_ms)
            .iter()
            .map(key)
            .collect();
        proptest::prop_assert_eq!(ours, reference);
    }
}

proptest::proptest! {
    /// Merging each sign's runs is the stable sort of both, ties and
    /// lists out of order included.
    #[test]
    fn runs_by_start_are_the_stable_sort(
        positive in proptest::collection::vec(0_u8..6, 0..8),
        negative in proptest::collection::vec(0_u8..6, 0..8),
        sorted in proptest::bool::ANY,
    ) {
        let runs = |starts: &[u8], sign: f64| {
            let mut starts = starts.to_vec();
            if sorted {
                starts.sort_unstable();
            }
            starts
                .iter()
                .enumerate()
                .map(|(i, &s)| Run { lo: i, hi: i, sign, start_ms: f64::from(s), end_ms: 9.0 })
                .collect::<Vec<_>>()
        };
        let (p, n) = (runs(&positive, 1.0), runs(&negative, -1.0));
        let mut expected = p.clone();
        expected.extend(n.clone());
        expected.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
        let key = |r: &Run| (r.lo, r.sign.to_bits(), r.start_ms.to_bits());
        let got: Vec<_> = by_start(p, n).iter().map(key).collect();
        proptest::prop_assert_eq!(got, expected.iter().map(key).collect::<Vec<_>>());
    }
}

proptest::proptest! {
    /// One pass's runs put in start order are what merging each sign's
    /// runs gives, whatever the interleaving found them in: ties (a
    /// positive run first) and lists out of order included.
    #[test]
    fn runs_in_start_order_are_runs_by_start(
        starts in proptest::collection::vec((0_u8..6, proptest::bool::ANY), 0..14),
        sorted in proptest::bool::ANY,
    ) {
        let mut starts = starts;
        if sorted {
            starts.sort_by_key(|&(s, _)| s);
        }
        let found: Vec<Run> = starts
            .iter()
            .enumerate()
            .map(|(i, &(s, positive))| Run {
                lo: i,
                hi: i,
                sign: if positive { 1.0 } else { -1.0 },
                start_ms: f64::from(s),
                end_ms: 9.0,
            })
            .collect();
        let (p, n): (Vec<Run>, Vec<Run>) = found.iter().copied().partition(|r| r.sign > 0.0);
        let key = |r: &Run| (r.lo, r.sign.to_bits(), r.start_ms.to_bits());
        let got: Vec<_> = in_start_order(found).iter().map(key).collect();
        let expected: Vec<_> = by_start(p, n).iter().map(key).collect();
        proptest::prop_assert_eq!(got, expected);
    }
}
