//! Road context from OpenStreetMap: a road index built from an `.osm.pbf`
//! extract, and map matching that gives raw GPS fixes their road type and
//! speed limit.
//!
//! - [`RoadMap`]: the drivable ways (`highway` = motorway … service and
//!   their links) with class, speed limit ([`parse_maxspeed`], or the
//!   country's [`default_limit`]) and direction, as nodes, segments, a
//!   routing graph and an R-tree of segments. Built from `.osm.pbf`
//!   ([`RoadMap::from_osm_pbf`]) or loaded from the compact file
//!   [`RoadMap::save`] writes.
//! - [`RoadMap::match_trip`]: a hidden Markov model over candidate segments
//!   (Newson & Krumm 2009, with Valhalla Meili's defaults), Viterbi per
//!   continuous stretch; [`enrich`] fills a trajectory's missing road types
//!   and limits from it (the input's values win).
//!
//! Imports `geodesy` and `input`; nothing above.

mod matching;
mod maxspeed;
mod osm;
mod roads;

use std::path::Path;

pub use self::matching::{MapMatchConfig, MatchStats, MatchedFix, enrich};
pub use self::maxspeed::{MaxSpeed, WALK_KMH, default_limit, parse_maxspeed};
pub use self::roads::{LimitSource, MapError, Oneway, RoadMap, Way, WaySpec};

impl RoadMap {
    /// Loads an index: a file [`RoadMap::save`] wrote, or an `.osm.pbf`
    /// (indexed on the fly, without country defaults).
    ///
    /// # Errors
    /// The file cannot be read, or is neither.
    pub fn load(path: &Path) -> Result<Self, MapError> {
        match Self::load_index(path)? {
            Some(map) => Ok(map),
            None => Self::from_osm_pbf(path, None),
        }
    }
}

#[cfg(test)]
#[path = "map_tests.rs"]
mod tests;
