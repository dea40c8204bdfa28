//! Map matching: a hidden Markov model over candidate road segments.
//!
//! Each fix's candidates are the segments within `search_radius_m`; the
//! emission is Gaussian in the distance to the segment (σ), the transition
//! exponential in the difference between the route along the road graph
//! and the straight line between the fixes (β) — Newson & Krumm (2009), as
//! Valhalla's `Meili` and `GraphHopper` implement it, with `Meili`'s defaults.
//! Viterbi runs per continuous stretch: a fix without candidates, a jump
//! longer than `breakage_m`, or a step no route explains ends a stretch (the
//! fix is unmatched, never guessed). Fixes within `interpolation_m` of the
//! last matched one take its segment (stops do not wander between roads).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::roads::{Oneway, RoadMap};
use crate::geodesy::plane_distance_m;
use crate::input::Trajectory;

/// Settings of map matching; the defaults are Valhalla Meili's.
///
/// # Units
/// Metres, as each name says.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapMatchConfig {
    /// Candidates are segments within this distance of a fix, m (Meili's
    /// `search_radius`).
    pub search_radius_m: f64,
    /// The GPS noise σ of the emission, m (Meili's `sigma_z`, Newson &
    /// Krumm's estimate).
    pub sigma_m: f64,
    /// The scale β of the transition, m (Meili's `beta`).
    pub beta_m: f64,
    /// Most candidates per fix, nearest first.
    pub max_candidates: usize,
    /// Fixes closer than this to the last matched fix take its segment, m
    /// (Meili's `interpolation_distance`).
    pub interpolation_m: f64,
    /// Fixes farther apart than this start a new stretch, m (Meili's
    /// `breakage_distance`).
    pub breakage_m: f64,
    /// A route longer than this many times the straight line (plus two
    /// search radii) explains no step (Meili's `max_route_distance_factor`).
    pub max_route_factor: f64,
    /// The tie-breaker of heading: a candidate segment at angle Δ to the
    /// fix's course (from the previous matched fix) loses this × (1 − |cos
    /// Δ|) of log-likelihood; 0.5 makes a crossing road as unlikely as 4 m
    /// more distance at σ = 4.07 m.
    pub heading_weight: f64,
    /// A moving fix whose course crosses its matched segment at more than
    /// this angle is off the map (a car does not drive sideways along a
    /// road: it is on a street the extract lacks, crossing this one), when
    /// it is also farther than `off_road_min_distance_m` from it; degrees.
    pub off_road_min_angle_deg: f64,
    /// See `off_road_min_angle_deg`: nearer than this, a fix crossing its
    /// segment is at a junction or turning, and keeps its match, m (2 σ).
    pub off_road_min_distance_m: f64,
    /// The course of a fix is the chord from the fix before it to the fix
    /// after it, when that is at least this long (slower, GPS jitter sets
    /// the direction), m.
    pub min_course_chord_m: f64,
    /// Only runs of at least this many consecutive crossing fixes are off
    /// the map: one fix crossing its road is a corner cut while turning.
    pub off_road_min_fixes: usize,
}

impl Default for MapMatchConfig {
    fn default() -> Self {
        Self {
            search_radius_m: 50.0,
            sigma_m: 4.07,
            beta_m: 3.0,
            max_candidates: 8,
            interpolation_m: 10.0,
            breakage_m: 2000.0,
            max_route_factor: 5.0,
            heading_weight: 0.5,
            off_road_min_angle_deg: 60.0,
            off_road_min_distance_m: 8.0,
            min_course_chord_m: 6.0,
            off_road_min_fixes: 2,
        }
    }
}

/// A fix's matched segment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchedFix {
    /// The segment (see [`RoadMap::segment_way`]).
    pub segment: u32,
    /// The distance from the fix to it, m.
    pub distance_m: f64,
}

/// What matching one trip found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchStats {
    /// Fixes given a road.
    pub matched_fixes: u64,
    /// Fixes no road explains (off the map, or no route).
    pub unmatched_fixes: u64,
    /// Fixes given a speed limit by the map (input limits win).
    pub limits_from_map: u64,
    /// Changes of way between consecutive matched fixes.
    pub way_switches: u64,
    /// Returns to a way left at most 5 fixes before (A-B-A flips).
    pub flips: u64,
}

/// A candidate: segment, distance to it, position along it (0–1).
#[derive(Clone, Copy, Debug)]
struct Candidate {
    segment: u32,
    distance_m: f64,
    along: f64,
}

/// One step of a stretch: the fix, its candidates, Viterbi scores and back pointers.
struct Step {
    fix: usize,
    candidates: Vec<Candidate>,
    score: Vec<f64>,
    back: Vec<usize>,
}

/// The longest run of a way, in fixes, that counts as a flip when the way
/// before and after it is the same.
const FLIP_MAX_FIXES: usize = 5;

impl RoadMap {
    /// The candidates of a point, nearest first.
    fn candidates(&self, lat: f64, lon: f64, cfg: &MapMatchConfig) -> Vec<Candidate> {
        let mut found: Vec<Candidate> = self
            .segments_near(lat, lon, cfg.search_radius_m)
            .filter_map(|segment| {
                let (distance_m, along) = self.project(lat, lon, segment);
                (distance_m <= cfg.search_radius_m).then_some(Candidate {
                    segment,
                    distance_m,
                    along,
                })
            })
            .collect();
        found.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.segment.cmp(&b.segment))
        });
        found.truncate(cfg.max_candidates.max(1));
        found
    }

    /// The unit east/north direction of a segment, from its first node.
    fn direction(&self, segment: u32) -> (f64, f64) {
        let (a, b) = (
            self.seg_a[segment as usize] as usize,
            self.seg_b[segment as usize] as usize,
        );
        let cos_lat = self.node_lat[a].to_radians().cos();
        let (e, n) = crate::geodesy::east_north_m(
            self.node_lat[b] - self.node_lat[a],
            self.node_lon[b] - self.node_lon[a],
            cos_lat,
        );
        let len = e.hypot(n).max(f64::MIN_POSITIVE);
        (e / len, n / len)
    }

    fn oneway(&self, segment: u32) -> Oneway {
        self.segment_way(segment).oneway
    }

    /// The nodes candidates enter their segments by, sorted, once.
    fn entry_nodes(&self, to: &[Candidate]) -> Vec<u32> {
        let mut wanted: Vec<u32> = to
            .iter()
            .flat_map(|c| {
                [
                    self.seg_a[c.segment as usize],
                    self.seg_b[c.segment as usize],
                ]
            })
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        wanted
    }

    /// Route lengths from `from` to each of `to`, m (`INFINITY` where none
    /// within `bound_m`): along the shared segment when the direction
    /// allows, else a bounded Dijkstra from `from`'s ends to `to`'s ends.
    fn routes(
        &self,
        from: &Candidate,
        to: &[Candidate],
        wanted: &[u32],
        bound_m: f64,
        scratch: &mut Scratch,
    ) -> Vec<f64> {
        let s = from.segment as usize;
        let len = self.seg_len_m[s];
        let way = self.oneway(from.segment);
        scratch.best.clear();
        scratch.heap.clear();
        let push = |node: u32, cost: f64, scratch: &mut Scratch| {
            if cost <= bound_m && scratch.best.get(&node).is_none_or(|&c| cost < c) {
                scratch.best.insert(node, cost);
                scratch.heap.push(Reverse((cost.to_bits(), node)));
            }
        };
        if way != Oneway::Backward {
            push(self.seg_b[s], (1.0 - from.along) * len, scratch);
        }
        if way != Oneway::Forward {
            push(self.seg_a[s], from.along * len, scratch);
        }
        let mut left = wanted.len();
        scratch.settled.clear();
        while let Some(Reverse((bits, node))) = scratch.heap.pop() {
            let cost = f64::from_bits(bits);
            if scratch.best.get(&node).is_some_and(|&c| cost > c) || !scratch.settled.insert(node) {
                continue;
            }
            if wanted.binary_search(&node).is_ok() {
                left -= 1;
                if left == 0 {
                    break;
                }
            }
            let (start, end) = (
                self.edge_start[node as usize],
                self.edge_start[node as usize + 1],
            );
            for e in &self.edges[start as usize..end as usize] {
                push(e.to, cost + e.length_m, scratch);
            }
        }
        let dist = |node: u32| {
            scratch
                .best
                .get(&node)
                .copied()
                .filter(|_| scratch.settled.contains(&node))
        };
        to.iter()
            .map(|c| {
                let t = c.segment as usize;
                let tlen = self.seg_len_m[t];
                let tway = self.oneway(c.segment);
                let mut best = f64::INFINITY;
                if c.segment == from.segment {
                    if way != Oneway::Backward && c.along >= from.along {
                        best = (c.along - from.along) * len;
                    }
                    if way != Oneway::Forward && c.along <= from.along {
                        best = best.min((from.along - c.along) * len);
                    }
                }
                if tway != Oneway::Backward
                    && let Some(d) = dist(self.seg_a[t])
                {
                    best = best.min(d + c.along * tlen);
                }
                if tway != Oneway::Forward
                    && let Some(d) = dist(self.seg_b[t])
                {
                    best = best.min(d + (1.0 - c.along) * tlen);
                }
                if best <= bound_m { best } else { f64::INFINITY }
            })
            .collect()
    }

    /// Whether a point lies within `tolerance_m` of segment `segment`.
    #[must_use]
    pub fn matches_point(&self, segment: u32, lat: f64, lon: f64, tolerance_m: f64) -> bool {
        self.project(lat, lon, segment).0 <= tolerance_m
    }

    /// The segment nearest to a point within `radius_m`, without regard to
    /// the fixes around it (the naive matcher: the baseline matching is
    /// measured against).
    #[must_use]
    pub fn nearest(&self, lat: f64, lon: f64, radius_m: f64) -> Option<MatchedFix> {
        let cfg = MapMatchConfig {
            search_radius_m: radius_m,
            max_candidates: 1,
            ..MapMatchConfig::default()
        };
        self.candidates(lat, lon, &cfg).first().map(|c| MatchedFix {
            segment: c.segment,
            distance_m: c.distance_m,
        })
    }

    /// Matches a trip's fixes (in input order) to segments: one entry per
    /// fix, `None` where no road explains it.
    ///
    /// # Example
    /// ```no_run
    /// use tripscore::map::{MapMatchConfig, RoadMap};
    /// let map = RoadMap::load(std::path::Path::new("data/curitiba-osm/curitiba.osm.pbf"))?;
    /// let matched = map.match_trip(&[-25.4518, -25.4519], &[-49.2344, -49.2345], &MapMatchConfig::default());
    /// assert_eq!(matched.len(), 2);
    /// # Ok::<(), tripscore::map::MapError>(())
    /// ```
    #[must_use]
    pub fn match_trip(
        &self,
        lat: &[f64],
        lon: &[f64],
        cfg: &MapMatchConfig,
    ) -> Vec<Option<MatchedFix>> {
        let n = lat.len().min(lon.len());
        let mut result: Vec<Option<MatchedFix>> = vec![None; n];
        let mut stretch: Vec<Step> = Vec::new();
        // Fixes near the last step's fix, with that step's fix.
        let mut inherits: Vec<(usize, usize)> = Vec::new();
        let mut scratch = Scratch::default();
        let gap = |a: usize, b: usize| {
            let cos_lat = lat[a].to_radians().cos();
            plane_distance_m(lat[b] - lat[a], lon[b] - lon[a], cos_lat)
        };
        for i in 0..n {
            if let Some(last) = stretch.last()
                && gap(last.fix, i) < cfg.interpolation_m
            {
                inherits.push((i, last.fix));
                continue;
            }
            let candidates = self.candidates(lat[i], lon[i], cfg);
            if candidates.is_empty() {
                self.finish(&mut stretch, &mut result);
                continue;
            }
            // The course since the last step's fix, as an east/north unit vector.
            let course = stretch.last().map(|last| {
                let cos_lat = lat[last.fix].to_radians().cos();
                let (e, n) = crate::geodesy::east_north_m(
                    lat[i] - lat[last.fix],
                    lon[i] - lon[last.fix],
                    cos_lat,
                );
                let len = e.hypot(n).max(f64::MIN_POSITIVE);
                (e / len, n / len)
            });
            let emission: Vec<f64> = candidates
                .iter()
                .map(|c| {
                    let heading = course.map_or(0.0, |(ce, cn)| {
                        let (se, sn) = self.direction(c.segment);
                        cfg.heading_weight * (1.0 - (ce * se + cn * sn).abs())
                    });
                    -0.5 * (c.distance_m / cfg.sigma_m).powi(2) - heading
                })
                .collect();
            let mut step = Step {
                fix: i,
                score: emission.clone(),
                back: vec![usize::MAX; candidates.len()],
                candidates,
            };
            if let Some(prev) = stretch.last() {
                let straight = gap(prev.fix, i);
                if straight <= cfg.breakage_m {
                    let bound = cfg.max_route_factor * straight + 2.0 * cfg.search_radius_m;
                    let mut score = vec![f64::NEG_INFINITY; step.candidates.len()];
                    let wanted = self.entry_nodes(&step.candidates);
                    for (a, from) in prev.candidates.iter().enumerate() {
                        if prev.score[a] == f64::NEG_INFINITY {
                            continue;
                        }
                        let routes =
                            self.routes(from, &step.candidates, &wanted, bound, &mut scratch);
                        for (b, route) in routes.iter().enumerate() {
                            if route.is_finite() {
                                let s = prev.score[a] - (route - straight).abs() / cfg.beta_m
                                    + emission[b];
                                if s > score[b] {
                                    score[b] = s;
                                    step.back[b] = a;
                                }
                            }
                        }
                    }
                    if score.iter().any(|s| s.is_finite()) {
                        step.score = score;
                    } else {
                        // No route explains the step: a new stretch starts here.
                        self.finish(&mut stretch, &mut result);
                    }
                } else {
                    self.finish(&mut stretch, &mut result);
                }
            }
            stretch.push(step);
        }
        self.finish(&mut stretch, &mut result);
        for (fix, from) in inherits {
            if let Some(m) = result[from] {
                let (distance_m, _) = self.project(lat[fix], lon[fix], m.segment);
                result[fix] = Some(MatchedFix {
                    segment: m.segment,
                    distance_m,
                });
            }
        }
        self.drop_crossings(lat, lon, &mut result, cfg);
        result
    }

    /// Unmatches runs of fixes that cross their segment (`off_road_min_angle_deg`):
    /// the HMM can only choose among the roads the map has, and a car on a
    /// street the extract lacks, crossing a dual carriageway, is otherwise
    /// matched onto its two halves in turn (A-B-A flips) — "no match", not
    /// a guess. Judged on the matches the HMM made, so one pass.
    fn drop_crossings(
        &self,
        lat: &[f64],
        lon: &[f64],
        result: &mut [Option<MatchedFix>],
        cfg: &MapMatchConfig,
    ) {
        let max_cos = cfg.off_road_min_angle_deg.to_radians().cos();
        let crossing: Vec<bool> = (0..result.len())
            .map(|i| {
                let Some(m) = result[i] else {
                    return false;
                };
                if i == 0 || i + 1 >= result.len() || m.distance_m <= cfg.off_road_min_distance_m {
                    return false;
                }
                let cos_lat = lat[i].to_radians().cos();
                let (e, n) = crate::geodesy::east_north_m(
                    lat[i + 1] - lat[i - 1],
                    lon[i + 1] - lon[i - 1],
                    cos_lat,
                );
                let chord = e.hypot(n);
                if chord < cfg.min_course_chord_m {
                    return false;
                }
                let (se, sn) = self.direction(m.segment);
                ((e * se + n * sn) / chord).abs() < max_cos
            })
            .collect();
        let mut start = 0;
        while start < crossing.len() {
            let end = (start..crossing.len())
                .find(|&k| !crossing[k])
                .unwrap_or(crossing.len());
            // A run whose last fix is already near the road matched next is
            // a turn onto it, cutting the corner: it keeps its matches.
            let turning = end > start
                && end < result.len()
                && result[end].is_some_and(|next| {
                    self.project(lat[end - 1], lon[end - 1], next.segment).0
                        <= cfg.off_road_min_distance_m
                });
            if end - start >= cfg.off_road_min_fixes && !turning {
                result[start..end].fill(None);
            }
            start = end + 1;
        }
    }

    /// Backtracks a stretch's best path into `result` and empties it.
    #[allow(
        clippy::unused_self,
        reason = "a method of the matcher, beside its siblings"
    )]
    fn finish(&self, stretch: &mut Vec<Step>, result: &mut [Option<MatchedFix>]) {
        let Some(last) = stretch.last() else {
            return;
        };
        let mut k = (0..last.score.len())
            .max_by(|&a, &b| last.score[a].total_cmp(&last.score[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        for step in stretch.iter().rev() {
            let c = step.candidates[k];
            result[step.fix] = Some(MatchedFix {
                segment: c.segment,
                distance_m: c.distance_m,
            });
            k = step.back[k];
            if k == usize::MAX {
                break;
            }
        }
        stretch.clear();
    }
}

/// Reused buffers of the route search.
#[derive(Default)]
struct Scratch {
    best: FxHashMap<u32, f64>,
    settled: rustc_hash::FxHashSet<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

/// Fills `trip`'s missing road types and speed limits from the map (the
/// input's values win) and says what matching found.
///
/// # Example
/// ```no_run
/// use tripscore::map::{MapMatchConfig, RoadMap, enrich};
/// use tripscore::open_input;
/// let map = RoadMap::load(std::path::Path::new("data/curitiba-osm/curitiba.osm.pbf"))?;
/// for record in open_input("data/ndsbr/ndsbr_raw.jsonl")? {
///     let mut trip = record?.into_trajectory()?;
///     let stats = enrich(&mut trip, &map, &MapMatchConfig::default());
///     assert!(stats.matched_fixes > 0 && trip.road_type(0).is_some());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn enrich(trip: &mut Trajectory, map: &RoadMap, cfg: &MapMatchConfig) -> MatchStats {
    let matched = map.match_trip(trip.lat_deg(), trip.lon_deg(), cfg);
    let mut stats = MatchStats::default();
    let mut context: Vec<(Option<&str>, Option<f64>)> = Vec::with_capacity(matched.len());
    // Runs of ways along the matched fixes: (way, fixes).
    let mut runs: Vec<(u32, usize)> = Vec::new();
    for m in &matched {
        let Some(m) = m else {
            stats.unmatched_fixes += 1;
            context.push((None, None));
            continue;
        };
        stats.matched_fixes += 1;
        let way = map.segment_way(m.segment);
        context.push((Some(map.segment_highway(m.segment)), way.limit_kmh));
        let w = map.segment_way_index(m.segment);
        match runs.last_mut() {
            Some((last, count)) if *last == w => *count += 1,
            _ => runs.push((w, 1)),
        }
    }
    stats.way_switches = runs.len().saturating_sub(1) as u64;
    stats.flips = runs
        .windows(3)
        .filter(|r| r[0].0 == r[2].0 && r[1].1 <= FLIP_MAX_FIXES)
        .count() as u64;
    stats.limits_from_map = trip.fill_road_context(&context);
    stats
}
