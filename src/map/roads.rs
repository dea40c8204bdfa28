//! The road index: drivable ways as nodes, segments, a routing graph and
//! an R-tree of segments; its file format; and the geometry matching asks
//! of it.

use std::io::{Read, Write};
use std::path::Path;

use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};

use crate::geodesy::plane_distance_m;

/// A road-map problem: reading, building or loading the index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The `.osm.pbf` could not be decoded.
    #[error("{path}: not a readable OpenStreetMap PBF file: {message}")]
    Osm {
        /// The file.
        path: String,
        /// What the decoder said.
        message: String,
    },
    /// The road index file is not one (or of another version).
    #[error("{path}: not a tripscore road index ({message}); build one with `tripscore map build`")]
    Index {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The extract holds no drivable road.
    #[error("{path}: no drivable way (highway = motorway … service) in the extract")]
    Empty {
        /// The file.
        path: String,
    },
}

/// Travel allowed along a way, in the direction of its nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Oneway {
    /// Both directions.
    No,
    /// Only along the nodes (`oneway=yes`, motorways, roundabouts).
    Forward,
    /// Only against them (`oneway=-1`).
    Backward,
}

/// Where a way's speed limit comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LimitSource {
    /// Its `maxspeed` tag.
    Tagged,
    /// The country's default for its class ([`super::default_limit`]).
    Default,
    /// Unknown (no tag and no default, `signals`, or `none`: no limit).
    Unknown,
}

/// One drivable way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Way {
    /// Its OpenStreetMap id.
    pub osm_id: i64,
    /// Index of its `highway` value in [`RoadMap::highways`].
    pub highway: u8,
    /// Its speed limit, km/h.
    pub limit_kmh: Option<f64>,
    /// Where the limit comes from.
    pub limit_source: LimitSource,
    /// Its direction of travel.
    pub oneway: Oneway,
}

/// A way for [`RoadMap::from_ways`].
#[derive(Clone, Debug, PartialEq)]
pub struct WaySpec {
    /// Its id (an OpenStreetMap id, or any).
    pub osm_id: i64,
    /// Its OSM `highway` class.
    pub highway: String,
    /// Its speed limit, km/h.
    pub limit_kmh: Option<f64>,
    /// Its direction of travel.
    pub oneway: Oneway,
    /// Its nodes, as indices into the node coordinates.
    pub nodes: Vec<u32>,
}

/// What is stored in a road index file (postcard-encoded after a magic
/// line); the segments, graph and R-tree are rebuilt on load.
#[derive(Serialize, Deserialize)]
pub(super) struct Stored {
    pub(super) version: u32,
    pub(super) country: Option<String>,
    pub(super) highways: Vec<String>,
    /// Node coordinates, 1e-7 degrees (OSM's own precision).
    pub(super) node_lat_e7: Vec<i32>,
    pub(super) node_lon_e7: Vec<i32>,
    pub(super) ways: Vec<Way>,
    /// The nodes of way `w` are `way_nodes[way_start[w]..way_start[w + 1]]`.
    pub(super) way_start: Vec<u32>,
    pub(super) way_nodes: Vec<u32>,
}

pub(super) const MAGIC: &[u8] = b"tripscore road index\n";
pub(super) const VERSION: u32 = 1;

/// A directed step of the routing graph.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge {
    pub to: u32,
    pub length_m: f64,
}

/// A segment in the R-tree: its bounding box in degrees (lon, lat), and its index.
type SegmentBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The road index: drivable ways as segments with an R-tree and a graph.
pub struct RoadMap {
    pub(super) stored: Stored,
    /// Node coordinates, degrees.
    pub(super) node_lat: Vec<f64>,
    pub(super) node_lon: Vec<f64>,
    /// Segment `s` runs from node `seg_a[s]` to `seg_b[s]` on way `seg_way[s]`.
    pub(super) seg_a: Vec<u32>,
    pub(super) seg_b: Vec<u32>,
    pub(super) seg_way: Vec<u32>,
    pub(super) seg_len_m: Vec<f64>,
    /// Edges out of node `n`: `edges[edge_start[n]..edge_start[n + 1]]`.
    pub(super) edge_start: Vec<u32>,
    pub(super) edges: Vec<Edge>,
    pub(super) tree: RTree<SegmentBox>,
}

impl std::fmt::Debug for RoadMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Sizes, not contents: a city's index has hundreds of thousands of nodes.
        f.debug_struct("RoadMap")
            .field("ways", &self.stored.ways.len())
            .field("nodes", &self.node_lat.len())
            .field("segments", &self.seg_a.len())
            .field("country", &self.stored.country)
            .finish_non_exhaustive()
    }
}

impl RoadMap {
    /// Builds the index from parts: node coordinates, and per way its nodes
    /// (indices into the coordinates) and attributes.
    pub(super) fn from_stored(stored: Stored) -> Self {
        let node_lat: Vec<f64> = stored
            .node_lat_e7
            .iter()
            .map(|&v| f64::from(v) * 1e-7)
            .collect();
        let node_lon: Vec<f64> = stored
            .node_lon_e7
            .iter()
            .map(|&v| f64::from(v) * 1e-7)
            .collect();
        let (mut seg_a, mut seg_b, mut seg_way, mut seg_len_m) = (vec![], vec![], vec![], vec![]);
        let mut out_degree = vec![0_u32; node_lat.len() + 1];
        for (w, way) in stored.ways.iter().enumerate() {
            let nodes =
                &stored.way_nodes[stored.way_start[w] as usize..stored.way_start[w + 1] as usize];
            for pair in nodes.windows(2) {
                let (a, b) = (pair[0] as usize, pair[1] as usize);
                let cos_lat = f64::midpoint(node_lat[a], node_lat[b]).to_radians().cos();
                let len = plane_distance_m(
                    node_lat[b] - node_lat[a],
                    node_lon[b] - node_lon[a],
                    cos_lat,
                );
                seg_a.push(pair[0]);
                seg_b.push(pair[1]);
                #[allow(
                    clippy::cast_possible_truncation,
                    reason = "way counts fit in u32 (checked on build)"
                )]
                seg_way.push(w as u32);
                seg_len_m.push(len);
                if way.oneway != Oneway::Backward {
                    out_degree[a] += 1;
                }
                if way.oneway != Oneway::Forward {
                    out_degree[b] += 1;
                }
            }
        }
        // Compressed adjacency: counts, prefix sums, then fill.
        let mut edge_start = vec![0_u32; node_lat.len() + 1];
        for n in 0..node_lat.len() {
            edge_start[n + 1] = edge_start[n] + out_degree[n];
        }
        let mut fill = edge_start.clone();
        let mut edges = vec![
            Edge {
                to: 0,
                length_m: 0.0
            };
            edge_start[node_lat.len()] as usize
        ];
        for s in 0..seg_a.len() {
            let (a, b) = (seg_a[s], seg_b[s]);
            let oneway = stored.ways[seg_way[s] as usize].oneway;
            if oneway != Oneway::Backward {
                edges[fill[a as usize] as usize] = Edge {
                    to: b,
                    length_m: seg_len_m[s],
                };
                fill[a as usize] += 1;
            }
            if oneway != Oneway::Forward {
                edges[fill[b as usize] as usize] = Edge {
                    to: a,
                    length_m: seg_len_m[s],
                };
                fill[b as usize] += 1;
            }
        }
        let boxes: Vec<SegmentBox> = (0..seg_a.len())
            .map(|s| {
                let (a, b) = (seg_a[s] as usize, seg_b[s] as usize);
                let rect =
                    Rectangle::from_corners([node_lon[a], node_lat[a]], [node_lon[b], node_lat[b]]);
                #[allow(clippy::cast_possible_truncation, reason = "segment counts fit in u32")]
                GeomWithData::new(rect, s as u32)
            })
            .collect();
        Self {
            stored,
            node_lat,
            node_lon,
            seg_a,
            seg_b,
            seg_way,
            seg_len_m,
            edge_start,
            edges,
            tree: RTree::bulk_load(boxes),
        }
    }

    /// Builds the index from ways given directly (a map from another source
    /// than OpenStreetMap, or a test): node coordinates in degrees, and per
    /// way its nodes (indices into them) and attributes. Ways with fewer
    /// than two nodes, or a node out of range, are left out.
    ///
    /// # Example
    /// ```
    /// use tripscore::map::{MapMatchConfig, Oneway, RoadMap, WaySpec};
    /// let nodes = [(48.0, 11.0), (48.001, 11.0), (48.002, 11.0)];
    /// let way = WaySpec { osm_id: 7, highway: "primary".into(), limit_kmh: Some(50.0), oneway: Oneway::No, nodes: vec![0, 1, 2] };
    /// let map = RoadMap::from_ways(&nodes, &[way]);
    /// let matched = map.match_trip(&[48.0003, 48.0006], &[11.00002, 11.00001], &MapMatchConfig::default());
    /// assert_eq!(matched[1].map(|m| map.segment_way(m.segment).osm_id), Some(7));
    /// ```
    #[must_use]
    pub fn from_ways(nodes_deg: &[(f64, f64)], ways: &[WaySpec]) -> Self {
        let mut stored = Stored {
            version: VERSION,
            country: None,
            highways: Vec::new(),
            #[allow(clippy::cast_possible_truncation, reason = "degrees × 1e7 fit in i32")]
            node_lat_e7: nodes_deg
                .iter()
                .map(|p| (p.0 * 1e7).round() as i32)
                .collect(),
            #[allow(clippy::cast_possible_truncation, reason = "degrees × 1e7 fit in i32")]
            node_lon_e7: nodes_deg
                .iter()
                .map(|p| (p.1 * 1e7).round() as i32)
                .collect(),
            ways: Vec::new(),
            way_start: vec![0],
            way_nodes: Vec::new(),
        };
        for spec in ways {
            if spec.nodes.len() < 2 || spec.nodes.iter().any(|&n| n as usize >= nodes_deg.len()) {
                continue;
            }
            let highway = stored
                .highways
                .iter()
                .position(|h| *h == spec.highway)
                .unwrap_or_else(|| {
                    stored.highways.push(spec.highway.clone());
                    stored.highways.len() - 1
                });
            let Ok(highway) = u8::try_from(highway) else {
                continue;
            };
            stored.way_nodes.extend(&spec.nodes);
            stored.ways.push(Way {
                osm_id: spec.osm_id,
                highway,
                limit_kmh: spec.limit_kmh,
                limit_source: if spec.limit_kmh.is_some() {
                    LimitSource::Tagged
                } else {
                    LimitSource::Unknown
                },
                oneway: spec.oneway,
            });
            stored
                .way_start
                .push(u32::try_from(stored.way_nodes.len()).unwrap_or(u32::MAX));
        }
        Self::from_stored(stored)
    }

    /// Loads an index file [`RoadMap::save`] wrote; `Ok(None)` when the
    /// file is not one (an `.osm.pbf`, say).
    ///
    /// # Errors
    /// The file cannot be read, or is an index of another version or broken.
    pub(super) fn load_index(path: &Path) -> Result<Option<Self>, MapError> {
        let name = path.display().to_string();
        let io = |source| MapError::Io {
            path: name.clone(),
            source,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(io)?;
        let Some(body) = bytes.strip_prefix(MAGIC) else {
            return Ok(None);
        };
        let stored: Stored = postcard::from_bytes(body).map_err(|e| MapError::Index {
            path: name.clone(),
            message: e.to_string(),
        })?;
        if stored.version != VERSION {
            return Err(MapError::Index {
                path: name,
                message: format!("version {}, this build reads {VERSION}", stored.version),
            });
        }
        Ok(Some(Self::from_stored(stored)))
    }

    /// Writes the index to `path` (a few bytes a node: coordinates and ways;
    /// the segments, graph and R-tree are rebuilt on load).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), MapError> {
        let name = path.display().to_string();
        let body = postcard::to_stdvec(&self.stored).map_err(|e| MapError::Index {
            path: name.clone(),
            message: e.to_string(),
        })?;
        std::fs::File::create(path)
            .and_then(|mut f| f.write_all(MAGIC).and_then(|()| f.write_all(&body)))
            .map_err(|source| MapError::Io { path: name, source })
    }

    /// The `highway` classes, by index ([`Way::highway`]).
    #[must_use]
    pub fn highways(&self) -> &[String] {
        &self.stored.highways
    }

    /// The ways.
    #[must_use]
    pub fn ways(&self) -> &[Way] {
        &self.stored.ways
    }

    /// The country whose default limits the index was built with.
    #[must_use]
    pub fn country(&self) -> Option<&str> {
        self.stored.country.as_deref()
    }

    /// Counts: ways, nodes, segments.
    #[must_use]
    pub fn size(&self) -> (usize, usize, usize) {
        (
            self.stored.ways.len(),
            self.node_lat.len(),
            self.seg_a.len(),
        )
    }

    /// The `highway` class of segment `s`'s way.
    #[must_use]
    pub fn segment_highway(&self, s: u32) -> &str {
        let way = &self.stored.ways[self.seg_way[s as usize] as usize];
        &self.stored.highways[way.highway as usize]
    }

    /// The way of segment `s`.
    #[must_use]
    pub fn segment_way(&self, s: u32) -> &Way {
        &self.stored.ways[self.seg_way[s as usize] as usize]
    }

    /// The way index of segment `s`.
    #[must_use]
    pub fn segment_way_index(&self, s: u32) -> u32 {
        self.seg_way[s as usize]
    }

    /// The segments whose bounding box comes within `radius_m` of a point.
    pub(super) fn segments_near(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
    ) -> impl Iterator<Item = u32> + '_ {
        let dlat = (radius_m / crate::geodesy::MEAN_EARTH_RADIUS_M).to_degrees();
        let dlon = dlat / lat.to_radians().cos().max(1e-6);
        let envelope = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        self.tree
            .locate_in_envelope_intersecting(envelope)
            .map(|b| b.data)
    }

    /// The distance from a point to segment `s`, metres, and where along it
    /// the closest point lies (0 at its first node, 1 at its second).
    pub(super) fn project(&self, lat: f64, lon: f64, s: u32) -> (f64, f64) {
        let (a, b) = (
            self.seg_a[s as usize] as usize,
            self.seg_b[s as usize] as usize,
        );
        let cos_lat = lat.to_radians().cos();
        let (ax, ay) =
            crate::geodesy::east_north_m(self.node_lat[a] - lat, self.node_lon[a] - lon, cos_lat);
        let (bx, by) =
            crate::geodesy::east_north_m(self.node_lat[b] - lat, self.node_lon[b] - lon, cos_lat);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let (px, py) = (ax + t * dx, ay + t * dy);
        ((px * px + py * py).sqrt(), t)
    }
}
