//! Seeing a trip: a GeoJSON FeatureCollection and an SVG report.

mod trip_geojson;
mod trip_svg;

pub use trip_geojson::trip_geojson;
pub use trip_svg::{ReportError, trip_svg};
