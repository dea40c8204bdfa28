//! Reading the drivable ways of an `.osm.pbf` extract (the `osmpbf`
//! crate's indexed reader: the ways that pass the filter, then only the
//! nodes they use, so a country extract needs memory for its roads, not
//! for all its nodes).

use std::collections::HashMap;
use std::path::Path;

use osmpbf::{Element, IndexedReader};

use super::maxspeed::{MaxSpeed, default_limit, parse_maxspeed};
use super::roads::{LimitSource, MapError, Oneway, RoadMap, Stored, VERSION, Way};

/// The `highway` classes a car drives on (and their `_link` roads).
const DRIVABLE: &[&str] = &[
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "road",
];

/// Whether a `highway` value is drivable.
#[must_use]
pub(super) fn is_drivable(highway: &str) -> bool {
    let class = highway.strip_suffix("_link").unwrap_or(highway);
    DRIVABLE.contains(&class)
}

/// A way as read, before its nodes are numbered.
struct RawWay {
    osm_id: i64,
    highway: String,
    maxspeed: Option<String>,
    oneway: Oneway,
    refs: Vec<i64>,
}

fn oneway_of(tags: &HashMap<&str, &str>) -> Oneway {
    match tags.get("oneway").copied() {
        Some("yes" | "true" | "1") => Oneway::Forward,
        Some("-1" | "reverse") => Oneway::Backward,
        Some("no" | "false" | "0") => Oneway::No,
        // Implied: motorways and roundabouts are one-way (OSM wiki, Key:oneway).
        _ if tags.get("highway") == Some(&"motorway") => Oneway::Forward,
        _ if matches!(
            tags.get("junction").copied(),
            Some("roundabout" | "circular")
        ) =>
        {
            Oneway::Forward
        }
        _ => Oneway::No,
    }
}

impl RoadMap {
    /// Builds the index from an OpenStreetMap `.osm.pbf` extract; `country`
    /// (ISO 3166-1 alpha-2, e.g. `BR`) gives roads without `maxspeed` their
    /// class's default limit ([`default_limit`]).
    ///
    /// # Errors
    /// The file cannot be read or decoded, or holds no drivable way.
    pub fn from_osm_pbf(path: &Path, country: Option<&str>) -> Result<Self, MapError> {
        read(path, country).map(Self::from_stored)
    }
}

/// Reads the drivable ways of `path` into the stored form of a [`RoadMap`].
fn read(path: &Path, country: Option<&str>) -> Result<Stored, MapError> {
    let name = path.display().to_string();
    let osm_error = |e: osmpbf::Error| MapError::Osm {
        path: name.clone(),
        message: e.to_string(),
    };
    let mut reader = IndexedReader::from_path(path).map_err(osm_error)?;
    let mut ways: Vec<RawWay> = Vec::new();
    let mut coords: HashMap<i64, (i32, i32)> = HashMap::new();
    reader
        .read_ways_and_deps(
            |way| {
                way.tags().any(|(k, v)| k == "highway" && is_drivable(v))
                    && !way.tags().any(|(k, v)| k == "area" && v == "yes")
            },
            |element| match element {
                Element::Way(way) => {
                    let tags: HashMap<&str, &str> = way.tags().collect();
                    ways.push(RawWay {
                        osm_id: way.id(),
                        highway: tags.get("highway").copied().unwrap_or("road").to_owned(),
                        maxspeed: tags.get("maxspeed").map(|s| (*s).to_owned()),
                        oneway: oneway_of(&tags),
                        refs: way.refs().collect(),
                    });
                }
                Element::Node(node) => {
                    coords.insert(node.id(), (node.decimicro_lat(), node.decimicro_lon()));
                }
                Element::DenseNode(node) => {
                    coords.insert(node.id(), (node.decimicro_lat(), node.decimicro_lon()));
                }
                Element::Relation(_) => {}
            },
        )
        .map_err(osm_error)?;
    if ways.is_empty() {
        return Err(MapError::Empty { path: name });
    }
    // The file's order is the ids' order; sorted anyway, so that the index
    // is the same whatever wrote the extract.
    ways.sort_by_key(|w| w.osm_id);
    let mut stored = Stored {
        version: VERSION,
        country: country.map(str::to_ascii_uppercase),
        highways: Vec::new(),
        node_lat_e7: Vec::new(),
        node_lon_e7: Vec::new(),
        ways: Vec::new(),
        way_start: vec![0],
        way_nodes: Vec::new(),
    };
    let mut node_index: HashMap<i64, u32> = HashMap::new();
    for way in ways {
        let highway = stored
            .highways
            .iter()
            .position(|h| *h == way.highway)
            .unwrap_or_else(|| {
                stored.highways.push(way.highway.clone());
                stored.highways.len() - 1
            });
        let Ok(highway) = u8::try_from(highway) else {
            continue; // past 256 classes: not a road class any more
        };
        let (limit_kmh, limit_source) = match way.maxspeed.as_deref().map(parse_maxspeed) {
            Some(MaxSpeed::Kmh(kmh)) => (Some(kmh), LimitSource::Tagged),
            Some(MaxSpeed::Unlimited | MaxSpeed::Unknown) => (None, LimitSource::Unknown),
            None => match country.and_then(|c| default_limit(c, &way.highway)) {
                Some(kmh) => (Some(kmh), LimitSource::Default),
                None => (None, LimitSource::Unknown),
            },
        };
        // A way clipped by the extract's edge loses nodes: each run of
        // nodes present is a way of its own.
        for run in way.refs.split(|id| !coords.contains_key(id)) {
            if run.len() < 2 {
                continue;
            }
            for id in run {
                let next = u32::try_from(node_index.len()).unwrap_or(u32::MAX);
                let index = *node_index.entry(*id).or_insert_with(|| {
                    let (lat, lon) = coords[id];
                    stored.node_lat_e7.push(lat);
                    stored.node_lon_e7.push(lon);
                    next
                });
                stored.way_nodes.push(index);
            }
            stored.ways.push(Way {
                osm_id: way.osm_id,
                highway,
                limit_kmh,
                limit_source,
                oneway: way.oneway,
            });
            stored
                .way_start
                .push(u32::try_from(stored.way_nodes.len()).unwrap_or(u32::MAX));
        }
    }
    if stored.ways.is_empty() {
        return Err(MapError::Empty { path: name });
    }
    Ok(stored)
}
