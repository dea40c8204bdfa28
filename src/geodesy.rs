//! Geodesy in one place: the Earth radius, the dateline wrap and the local
//! tangent plane every stage lays fixes out in.
//!
//! Between neighbouring fixes (metres to a few kilometres apart) the sphere
//! is flat to well below GPS noise, so the stages work in east/north metres:
//! an equirectangular offset scaled by cos(latitude). Longitude differences
//! are wrapped across the antimeridian first, so a trip crossing 180° moves
//! a few metres, not 40,000 km. Farther pairs use geo's haversine
//! ([`crate::input::Trajectory::step_between_m`]).

use crate::lanes::Lanes;

/// Mean Earth radius, metres (6,371,008.8): taken from geo's haversine
/// (the GRS80 mean radius), so the local plane and the haversine agree.
pub const MEAN_EARTH_RADIUS_M: f64 = geo::HaversineMeasure::GRS80_MEAN_RADIUS.radius();

/// A longitude difference wrapped into [−180°, 180°], degrees: the short way
/// round across the antimeridian.
///
/// # Example
/// ```
/// use tripscore::geodesy::wrap_lon_deg;
/// assert_eq!(wrap_lon_deg(-179.5 - 179.5), 1.0);
/// assert_eq!(wrap_lon_deg(2.5), 2.5);
/// ```
#[must_use]
#[inline]
pub fn wrap_lon_deg(dlon_deg: f64) -> f64 {
    if dlon_deg > 180.0 {
        dlon_deg - 360.0
    } else if dlon_deg < -180.0 {
        dlon_deg + 360.0
    } else {
        dlon_deg
    }
}

/// The east/north offset of a small step in the local tangent plane, metres:
/// `(R · cos φ · Δλ, R · Δφ)` with Δλ wrapped ([`wrap_lon_deg`]).
///
/// # Units
/// `dlat_deg`, `dlon_deg` degrees; `cos_lat` the cosine of the latitude the
/// plane is taken at (one end's, or the mean of both ends'); result metres.
///
/// # Example
/// ```
/// use tripscore::geodesy::east_north_m;
/// // 0.001° of latitude is about 111 m north.
/// let (east, north) = east_north_m(0.001, 0.0, 1.0);
/// assert_eq!(east, 0.0);
/// assert!((north - 111.195).abs() < 1e-3);
/// ```
#[must_use]
#[inline]
pub fn east_north_m(dlat_deg: f64, dlon_deg: f64, cos_lat: f64) -> (f64, f64) {
    (
        MEAN_EARTH_RADIUS_M * cos_lat * wrap_lon_deg(dlon_deg).to_radians(),
        MEAN_EARTH_RADIUS_M * dlat_deg.to_radians(),
    )
}

/// The length of a small step in the local tangent plane, metres: the
/// norm of [`east_north_m`], in the operation order the hot loop of cleaning
/// uses (one multiplication by the radius, `sqrt(x² + y²)` rather than
/// `hypot`: the terms are small, so there is no overflow to guard against,
/// and glibc's `hypot` cost as much as the rest of the pipeline).
///
/// # Units
/// As [`east_north_m`]; result metres.
///
/// # Example
/// ```
/// use tripscore::geodesy::{east_north_m, plane_distance_m};
/// let (e, n) = east_north_m(0.003, 0.004, 0.8);
/// assert!((plane_distance_m(0.003, 0.004, 0.8) - e.hypot(n)).abs() < 1e-9);
/// ```
#[must_use]
#[inline]
pub fn plane_distance_m(dlat_deg: f64, dlon_deg: f64, cos_lat: f64) -> f64 {
    plane_distance_lanes_m(dlat_deg, wrap_lon_deg(dlon_deg), cos_lat)
}

/// [`plane_distance_m`] of a longitude difference already within ±180°,
/// in each lane of a [`Lanes`] (the same operations in the same order:
/// `to_radians` is a product with π/180).
#[inline]
pub(crate) fn plane_distance_lanes_m<T: Lanes>(dlat_deg: T, dlon_deg: T, cos_lat: T) -> T {
    let rad_per_deg = T::splat(std::f64::consts::PI / 180.0);
    let x = dlon_deg * rad_per_deg * cos_lat;
    let y = dlat_deg * rad_per_deg;
    T::splat(MEAN_EARTH_RADIUS_M) * (x * x + y * y).sqrt()
}

/// The latitude/longitude of a point `east_m`/`north_m` from an origin, the
/// inverse of [`east_north_m`] (the simulator lays its true path out this
/// way).
///
/// # Units
/// Degrees and metres; `cos_lat` is cos of the origin's latitude.
///
/// # Example
/// ```
/// use tripscore::geodesy::{east_north_m, offset_deg};
/// let (lat, lon) = offset_deg(50.0, 4.0, 0.5_f64.to_radians().cos(), 120.0, -80.0);
/// let (e, n) = east_north_m(lat - 50.0, lon - 4.0, 0.5_f64.to_radians().cos());
/// assert!((e - 120.0).abs() < 1e-6 && (n + 80.0).abs() < 1e-6);
/// ```
#[must_use]
pub fn offset_deg(
    lat0_deg: f64,
    lon0_deg: f64,
    cos_lat: f64,
    east_m: f64,
    north_m: f64,
) -> (f64, f64) {
    (
        lat0_deg + (north_m / MEAN_EARTH_RADIUS_M).to_degrees(),
        lon0_deg + (east_m / (MEAN_EARTH_RADIUS_M * cos_lat)).to_degrees(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Haversine, Point};

    #[test]
    fn the_radius_is_the_grs80_mean() {
        assert_eq!(MEAN_EARTH_RADIUS_M, 6_371_008.8);
    }

    #[test]
    fn plane_distance_agrees_with_haversine_between_neighbours() {
        for (lat, lon, dlat, dlon) in [
            (50.0_f64, 4.0_f64, 0.0003_f64, 0.0004_f64),
            (-25.4, -49.2, -0.01, 0.02),
            (0.0, 179.9995, 0.0001, -359.999),
            (69.0, 20.0, 0.05, 0.05),
        ] {
            let cos_mean = 0.5 * (lat.to_radians().cos() + (lat + dlat).to_radians().cos());
            let plane = plane_distance_m(dlat, lon + dlon - lon, cos_mean);
            let hav = Haversine.distance(Point::new(lon, lat), Point::new(lon + dlon, lat + dlat));
            assert!(
                (plane - hav).abs() <= 1e-5 * hav.max(1.0),
                "{plane} vs {hav}"
            );
        }
    }
}
