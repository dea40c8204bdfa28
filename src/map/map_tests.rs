//! Matching on hand-made maps: a T-junction, a motorway with a parallel
//! service road, a gap, a one-way street, a roundabout, a street off the
//! map crossing a road; and the property that a fix on a segment's
//! centre-line matches it.

use proptest::prelude::*;

use super::*;

/// Metres to degrees near the equator-ish test latitude 48°.
const LAT0: f64 = 48.0;
const LON0: f64 = 11.0;

fn deg(north_m: f64, east_m: f64) -> (f64, f64) {
    let dlat = (north_m / crate::geodesy::MEAN_EARTH_RADIUS_M).to_degrees();
    let dlon =
        (east_m / (crate::geodesy::MEAN_EARTH_RADIUS_M * LAT0.to_radians().cos())).to_degrees();
    (LAT0 + dlat, LON0 + dlon)
}

/// A test way: highway, limit, oneway, points in metres north/east.
type TestWay<'a> = (&'a str, Option<f64>, Oneway, &'a [(f64, f64)]);

/// A map from test ways;
/// ways share a node where they share a point.
fn map(ways: &[TestWay<'_>]) -> RoadMap {
    let mut nodes: Vec<(f64, f64)> = Vec::new();
    let mut specs = Vec::new();
    for (w, (highway, limit, oneway, points)) in ways.iter().enumerate() {
        let mut ids = Vec::new();
        for &(n, e) in *points {
            let p = deg(n, e);
            let id = nodes
                .iter()
                .position(|q| (q.0 - p.0).abs() < 1e-9 && (q.1 - p.1).abs() < 1e-9)
                .unwrap_or_else(|| {
                    nodes.push(p);
                    nodes.len() - 1
                });
            ids.push(u32::try_from(id).unwrap());
        }
        specs.push(WaySpec {
            osm_id: i64::try_from(w).unwrap() + 1,
            highway: (*highway).to_owned(),
            limit_kmh: *limit,
            oneway: *oneway,
            nodes: ids,
        });
    }
    RoadMap::from_ways(&nodes, &specs)
}

/// Fixes every `step_m` metres along a polyline of (north, east) points,
/// shifted `offset_m` to the east.
fn drive(points: &[(f64, f64)], step_m: f64, offset_m: f64) -> (Vec<f64>, Vec<f64>) {
    let (mut lat, mut lon) = (Vec::new(), Vec::new());
    for pair in points.windows(2) {
        let ((n0, e0), (n1, e1)) = (pair[0], pair[1]);
        let len = (n1 - n0).hypot(e1 - e0);
        let steps = (len / step_m).floor() as usize;
        for k in 0..steps {
            let t = k as f64 * step_m / len;
            let (a, b) = deg(n0 + t * (n1 - n0), e0 + t * (e1 - e0) + offset_m);
            lat.push(a);
            lon.push(b);
        }
    }
    (lat, lon)
}

fn ways_of(map: &RoadMap, matched: &[Option<MatchedFix>]) -> Vec<Option<u32>> {
    matched
        .iter()
        .map(|m| m.map(|m| map.segment_way_index(m.segment)))
        .collect()
}

/// A motorway with a service road 25 m beside it: a car on the motorway,
/// 8 m off its centre-line towards the service road, stays on the motorway
/// the whole way (the naive nearest road would flap).
#[test]
fn parallel_service_road_does_not_steal_the_motorway() {
    let motorway: &[(f64, f64)] = &[(0.0, 0.0), (400.0, 0.0), (800.0, 0.0), (1200.0, 0.0)];
    let service: &[(f64, f64)] = &[(100.0, 25.0), (500.0, 25.0), (900.0, 25.0)];
    let m = map(&[
        ("motorway", Some(100.0), Oneway::Forward, motorway),
        ("service", None, Oneway::No, service),
    ]);
    // 30 m/s at 1 Hz; GPS 10 m off the centre-line at the middle: nearer the service road.
    let (lat, lon) = drive(motorway, 30.0, 0.0);
    let (mut lat, mut lon) = (lat, lon);
    for i in 15..20 {
        let (a, b) = deg(30.0 * i as f64, 14.0);
        (lat[i], lon[i]) = (a, b);
    }
    let matched = m.match_trip(&lat, &lon, &MapMatchConfig::default());
    assert!(
        ways_of(&m, &matched).iter().all(|w| *w == Some(0)),
        "{:?}",
        ways_of(&m, &matched)
    );
}

/// A T-junction: the car comes up the stem and turns right; every fix on
/// the stem matches the stem, every fix past the junction the bar.
#[test]
fn t_junction_turn() {
    let bar: &[(f64, f64)] = &[(300.0, -300.0), (300.0, 0.0), (300.0, 300.0)];
    let stem: &[(f64, f64)] = &[(0.0, 0.0), (300.0, 0.0)];
    let m = map(&[
        ("primary", Some(60.0), Oneway::No, bar),
        ("residential", Some(30.0), Oneway::No, stem),
    ]);
    let path: &[(f64, f64)] = &[(0.0, 0.0), (300.0, 0.0), (300.0, 300.0)];
    let (lat, lon) = drive(path, 10.0, 0.0);
    let matched = m.match_trip(&lat, &lon, &MapMatchConfig::default());
    let ways = ways_of(&m, &matched);
    // Fixes up to 270 m north are on the stem; from 30 m east of the junction, on the bar.
    assert!(ways[..28].iter().all(|w| *w == Some(1)), "{ways:?}");
    assert!(ways[33..].iter().all(|w| *w == Some(0)), "{ways:?}");
}

/// A tunnel: fixes stop for 600 m and resume; the fixes are matched on
/// both sides, and none is invented inside.
#[test]
fn gap_in_the_fixes_breaks_nothing() {
    let road: &[(f64, f64)] = &[(0.0, 0.0), (1000.0, 0.0), (2000.0, 0.0)];
    let side: &[(f64, f64)] = &[(0.0, 200.0), (2000.0, 200.0)];
    let m = map(&[
        ("trunk", Some(80.0), Oneway::No, road),
        ("secondary", Some(50.0), Oneway::No, side),
    ]);
    let (lat, lon) = drive(road, 20.0, 3.0);
    let keep: Vec<usize> = (0..lat.len()).filter(|&i| !(35..65).contains(&i)).collect();
    let lat: Vec<f64> = keep.iter().map(|&i| lat[i]).collect();
    let lon: Vec<f64> = keep.iter().map(|&i| lon[i]).collect();
    let matched = m.match_trip(&lat, &lon, &MapMatchConfig::default());
    assert!(ways_of(&m, &matched).iter().all(|w| *w == Some(0)));
    // Far off every road: unmatched, not guessed.
    let (far_lat, far_lon) = deg(1000.0, 100.0);
    let none = m.match_trip(
        &[far_lat, far_lat],
        &[far_lon, far_lon],
        &MapMatchConfig::default(),
    );
    assert_eq!(none, vec![None, None]);
}

/// A one-way street is not matched against its direction when a two-way
/// street runs beside it.
#[test]
fn oneway_is_respected() {
    let oneway: &[(f64, f64)] = &[(0.0, 0.0), (500.0, 0.0)];
    let twoway: &[(f64, f64)] = &[(0.0, 12.0), (500.0, 12.0)];
    let m = map(&[
        ("secondary", Some(50.0), Oneway::Forward, oneway),
        ("secondary", Some(40.0), Oneway::No, twoway),
    ]);
    // Driving south, halfway between the two: the two-way street.
    let back: &[(f64, f64)] = &[(500.0, 6.0), (0.0, 6.0)];
    let (lat, lon) = drive(back, 12.0, 0.0);
    let matched = m.match_trip(&lat, &lon, &MapMatchConfig::default());
    let ways = ways_of(&m, &matched);
    assert!(ways[1..].iter().all(|w| *w == Some(1)), "{ways:?}");
}

/// A car on a street the map lacks crosses a road at right angles: the
/// fixes more than 8 m from the road, moving across it, are off the map
/// (unmatched, not given the road's limit); those on it keep it. Without
/// the rule every fix takes the road.
#[test]
fn crossing_a_road_off_the_map_is_unmatched() {
    let road: &[(f64, f64)] = &[(0.0, -300.0), (0.0, 300.0)];
    let m = map(&[("primary", Some(60.0), Oneway::No, road)]);
    let street: &[(f64, f64)] = &[(-42.0, 0.0), (42.0, 0.0)];
    let (lat, lon) = drive(street, 7.0, 0.0);
    let no_rule = MapMatchConfig {
        off_road_min_fixes: usize::MAX,
        ..MapMatchConfig::default()
    };
    let plain = m.match_trip(&lat, &lon, &no_rule);
    assert!(plain.iter().all(Option::is_some), "{plain:?}");
    let matched = m.match_trip(&lat, &lon, &MapMatchConfig::default());
    for (k, fix) in matched.iter().enumerate() {
        let north_m = -42.0 + 7.0 * k as f64;
        let crossing = north_m.abs() > 8.0 && k > 0 && k + 1 < matched.len();
        assert_eq!(
            fix.is_none(),
            crossing,
            "fix {k} at {north_m} m: {matched:?}"
        );
    }
}

/// A one-way roundabout (radius 30 m) with four arms: the car comes up the
/// south arm, circles three quarters anticlockwise past the east and north
/// arms and leaves by the west one. The arms it drives match their arms,
/// the ring the ring, and it is never put on the arms it passes.
#[test]
fn roundabout_three_quarters() {
    let radius = 30.0;
    // Anticlockwise seen from above (east = x, north = y), from the south point.
    let ring: Vec<(f64, f64)> = (0..=16)
        .map(|k| {
            let a = -std::f64::consts::FRAC_PI_2 + f64::from(k) * std::f64::consts::PI / 8.0;
            // Exact zeros at the arm junctions, so the arms share their nodes.
            let (n, e) = (radius * a.sin(), radius * a.cos());
            ((n * 1e6).round() / 1e6, (e * 1e6).round() / 1e6)
        })
        .collect();
    let south: &[(f64, f64)] = &[(-300.0, 0.0), (-radius, 0.0)];
    let east: &[(f64, f64)] = &[(0.0, radius), (0.0, 300.0)];
    let north: &[(f64, f64)] = &[(radius, 0.0), (300.0, 0.0)];
    let west: &[(f64, f64)] = &[(0.0, -radius), (0.0, -300.0)];
    let m = map(&[
        ("primary", Some(50.0), Oneway::Forward, &ring),
        ("secondary", Some(50.0), Oneway::No, south),
        ("secondary", Some(50.0), Oneway::No, east),
        ("secondary", Some(50.0), Oneway::No, north),
        ("secondary", Some(50.0), Oneway::No, west),
    ]);
    // South arm, 12 of the ring's 16 arcs, west arm; 8 m a second.
    let mut path: Vec<(f64, f64)> = vec![south[0]];
    path.extend_from_slice(&ring[..=12]);
    path.push(west[1]);
    let (lat, lon) = drive(&path, 8.0, 0.0);
    let ways = ways_of(&m, &m.match_trip(&lat, &lon, &MapMatchConfig::default()));
    // Where each fix truly is: 0 ring, 1 south arm, 4 west arm.
    let truth: Vec<(f64, f64)> = {
        let mut out = Vec::new();
        for pair in path.windows(2) {
            let ((n0, e0), (n1, e1)) = (pair[0], pair[1]);
            let len = (n1 - n0).hypot(e1 - e0);
            for k in 0..(len / 8.0).floor() as usize {
                let t = k as f64 * 8.0 / len;
                out.push((n0 + t * (n1 - n0), e0 + t * (e1 - e0)));
            }
        }
        out
    };
    assert_eq!(truth.len(), ways.len());
    let (mut on_ring, mut ring_right) = (0, 0);
    for (&(n, e), w) in truth.iter().zip(&ways) {
        assert!(*w != Some(2) && *w != Some(3), "an arm passed by: {ways:?}");
        let from_centre = n.hypot(e);
        if from_centre > radius + 15.0 {
            let arm = if n < 0.0 { 1 } else { 4 };
            assert_eq!(*w, Some(arm), "({n:.0}, {e:.0}): {ways:?}");
        } else if from_centre > radius - 1.0 && from_centre < radius + 1.0 {
            on_ring += 1;
            ring_right += usize::from(*w == Some(0));
        }
    }
    assert!(
        on_ring >= 10 && ring_right * 10 >= on_ring * 9,
        "{ring_right} of {on_ring}: {ways:?}"
    );
}

#[test]
fn save_and_load_round_trip() {
    let road: &[(f64, f64)] = &[(0.0, 0.0), (100.0, 0.0), (100.0, 100.0)];
    let m = map(&[("primary", Some(60.0), Oneway::No, road)]);
    let path = std::env::temp_dir().join(format!("tripscore-map-{}.roads", std::process::id()));
    m.save(&path).unwrap();
    let back = RoadMap::load(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.size(), m.size());
    assert_eq!(back.ways(), m.ways());
    assert_eq!(back.node_lat, m.node_lat);
    let junk =
        std::env::temp_dir().join(format!("tripscore-map-junk-{}.roads", std::process::id()));
    std::fs::write(&junk, b"tripscore road index\nxx").unwrap();
    assert!(matches!(RoadMap::load(&junk), Err(MapError::Index { .. })));
    std::fs::remove_file(&junk).ok();
}

proptest! {
    /// A fix on a segment's centre-line, driving along it, matches that
    /// segment's way — whatever the angle between the two roads crossing.
    #[test]
    fn a_fix_on_the_centre_line_matches_its_road(
        angle_deg in 20.0_f64..160.0,
        at_m in 60.0_f64..440.0,
    ) {
        let a = angle_deg.to_radians();
        // The roads cross at the primary's middle node (250 m along it).
        prop_assume!((at_m - 250.0).abs() > 8.0);
        let cross: Vec<(f64, f64)> = vec![(-250.0 * a.cos(), -250.0 * a.sin()), (0.0, 0.0), (250.0 * a.cos(), 250.0 * a.sin())];
        let road: &[(f64, f64)] = &[(-250.0, 0.0), (0.0, 0.0), (250.0, 0.0)];
        let m = map(&[
            ("primary", Some(60.0), Oneway::No, road),
            ("secondary", Some(40.0), Oneway::No, &cross),
        ]);
        // Five fixes 10 m apart along the primary, ending at `at_m` from its start.
        let (lat, lon): (Vec<f64>, Vec<f64>) = (0..5)
            .map(|k| deg(at_m - 250.0 - 40.0 + 10.0 * f64::from(k), 0.0))
            .unzip();
        let ways = ways_of(&m, &m.match_trip(&lat, &lon, &MapMatchConfig::default()));
        prop_assert_eq!(ways[4], Some(0));
    }
}
