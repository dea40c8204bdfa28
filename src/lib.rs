//! tripscore
#![forbid(unsafe_code)]
#![warn(missing_docs)]
pub mod api;
mod encoded;
mod io;
mod trajectory;
pub use api::{ApiTime, SubsecDigits};
pub use encoded::{LatLonColumns, PolylineError, Precision, decode_polyline, encode_polyline};
pub use io::*;
pub use trajectory::*;
