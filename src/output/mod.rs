//! Output: the result line of `tripscore score`, and a trip drawn as GeoJSON
//! or as a one-page SVG report.
//!
//! - [`trip_record`]: analyse, measure, score and (on request) explain one
//!   trip into a [`TripRecord`], the line docs/API.md specifies;
//! - [`TripRecord::to_json_line`]: that line's JSON text, the features
//!   written by hand (`serde_json`'s text, faster);
//! - [`trip_geojson`]: a trip as a GeoJSON Feature per path, annotation and
//!   invalid section;
//! - [`trip_svg`]: the SVG report (speed, accelerations, path, scores);
//! - `ScoreColumns` (the `parquet` feature): records as rows of an Arrow
//!   table, flattened by a serde serializer (`flatten`), no JSON between.
//!
//! Imports `config`, `score`, `detect`, `input`, `geodesy`, `api`.

#[cfg(feature = "parquet")]
mod flatten;
mod geojson;
mod line;
mod record;
mod svg;
#[cfg(feature = "parquet")]
mod table;

pub use self::geojson::{error_feature, trip_features, trip_geojson};
pub use self::record::{DataQuality, RecordOptions, TripRecord, trip_record, trip_record_of};
pub use self::svg::{ReportError, trip_svg};
#[cfg(feature = "parquet")]
pub use self::table::{RowLayout, ScoreColumns, ScoreRow, TableError, template_line};
