//! OpenStreetMap `maxspeed` values, and the limit a road has without one.
//!
//! Tag values as the OSM wiki (Key:maxspeed) defines them: a number in km/h
//! (`50`), with a unit (`30 mph`, `50 km/h`, `10 knots`), `none` (no limit),
//! `walk`, `signals`/`variable` (set by signs: unknown here), an implicit
//! value `CC:zone` (`DE:urban`, `BR:rural`, `GB:nsl_single`, `DE:zone30`,
//! `zone:30`), and lists (`50;30`: the first). Without a tag, a road's limit
//! comes from [`default_limit`] when the map was built for a country.

/// What a road's `maxspeed` says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxSpeed {
    /// A posted limit, km/h.
    Kmh(f64),
    /// No limit (`none`: German Autobahn stretches, Isle of Man roads).
    Unlimited,
    /// Not a value this reader knows (`signals`, `variable`, a typo).
    Unknown,
}

/// Walking pace, km/h: `maxspeed=walk` (German "Schrittgeschwindigkeit",
/// read by courts as 4–7 km/h; the upper end).
pub const WALK_KMH: f64 = 7.0;

const MPH_KMH: f64 = 1.609_344;
const KNOT_KMH: f64 = 1.852;

/// The implicit limits of `CC:zone` values, km/h, from the OSM wiki's
/// "Default speed limits" table (cars). `none` for an unlimited zone.
const IMPLICIT: &[(&str, &str, Option<f64>)] = &[
    ("AT", "urban", Some(50.0)),
    ("AT", "rural", Some(100.0)),
    ("AT", "trunk", Some(100.0)),
    ("AT", "motorway", Some(130.0)),
    ("BE", "urban", Some(50.0)),
    ("BE", "rural", Some(70.0)),
    ("BE", "motorway", Some(120.0)),
    ("CH", "urban", Some(50.0)),
    ("CH", "rural", Some(80.0)),
    ("CH", "trunk", Some(100.0)),
    ("CH", "motorway", Some(120.0)),
    ("DE", "urban", Some(50.0)),
    ("DE", "rural", Some(100.0)),
    ("DE", "trunk", None),
    ("DE", "motorway", None),
    ("DE", "living_street", Some(WALK_KMH)),
    ("DE", "bicycle_road", Some(30.0)),
    ("DK", "urban", Some(50.0)),
    ("DK", "rural", Some(80.0)),
    ("DK", "motorway", Some(130.0)),
    ("ES", "urban", Some(50.0)),
    ("ES", "rural", Some(90.0)),
    ("ES", "motorway", Some(120.0)),
    ("FR", "urban", Some(50.0)),
    ("FR", "rural", Some(80.0)),
    ("FR", "trunk", Some(110.0)),
    ("FR", "motorway", Some(130.0)),
    ("GB", "nsl_single", Some(60.0 * MPH_KMH)),
    ("GB", "nsl_dual", Some(70.0 * MPH_KMH)),
    ("GB", "motorway", Some(70.0 * MPH_KMH)),
    ("IT", "urban", Some(50.0)),
    ("IT", "rural", Some(90.0)),
    ("IT", "trunk", Some(110.0)),
    ("IT", "motorway", Some(130.0)),
    ("NL", "urban", Some(50.0)),
    ("NL", "rural", Some(80.0)),
    ("NL", "trunk", Some(100.0)),
    ("NL", "motorway", Some(100.0)),
    ("PL", "urban", Some(50.0)),
    ("PL", "rural", Some(90.0)),
    ("PL", "trunk", Some(100.0)),
    ("PL", "motorway", Some(140.0)),
    ("PT", "urban", Some(50.0)),
    ("PT", "rural", Some(90.0)),
    ("PT", "motorway", Some(120.0)),
];

/// Reads a `maxspeed` tag value.
///
/// # Example
/// ```
/// use tripscore::map::{MaxSpeed, parse_maxspeed};
/// assert_eq!(parse_maxspeed("50"), MaxSpeed::Kmh(50.0));
/// assert_eq!(parse_maxspeed("30 mph"), MaxSpeed::Kmh(48.28032));
/// assert_eq!(parse_maxspeed("DE:urban"), MaxSpeed::Kmh(50.0));
/// assert_eq!(parse_maxspeed("DE:zone30"), MaxSpeed::Kmh(30.0));
/// assert_eq!(parse_maxspeed("none"), MaxSpeed::Unlimited);
/// assert_eq!(parse_maxspeed("signals"), MaxSpeed::Unknown);
/// ```
#[must_use]
pub fn parse_maxspeed(value: &str) -> MaxSpeed {
    // A list (`50;30`, conditional parts split off by mappers): the first.
    let value = value.split(';').next().unwrap_or("").trim();
    match value.to_ascii_lowercase().as_str() {
        "" | "signals" | "variable" | "default" => return MaxSpeed::Unknown,
        "none" | "unlimited" => return MaxSpeed::Unlimited,
        "walk" => return MaxSpeed::Kmh(WALK_KMH),
        _ => {}
    }
    if let Some(limit) = with_unit(value) {
        return limit;
    }
    // Implicit: `CC:zone`, `CC:zone30`, `zone:30`, `CC:zone:30`.
    let (country, zone) = match value.split_once(':') {
        Some((c, z)) => (c.trim(), z.trim()),
        None => return MaxSpeed::Unknown,
    };
    let digits = zone.trim_start_matches(|c: char| !c.is_ascii_digit());
    let zoned =
        country.eq_ignore_ascii_case("zone") || zone.to_ascii_lowercase().starts_with("zone");
    if zoned && !digits.is_empty() {
        return with_unit(digits).unwrap_or(MaxSpeed::Unknown);
    }
    IMPLICIT
        .iter()
        .find(|(c, z, _)| c.eq_ignore_ascii_case(country) && z.eq_ignore_ascii_case(zone))
        .map_or(MaxSpeed::Unknown, |(_, _, kmh)| {
            kmh.map_or(MaxSpeed::Unlimited, MaxSpeed::Kmh)
        })
}

/// A number with an optional unit (`km/h`, `kmh`, `kph`, `mph`, `knots`).
fn with_unit(value: &str) -> Option<MaxSpeed> {
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let number: f64 = value[..end].parse().ok()?;
    let factor = match value[end..].trim().to_ascii_lowercase().as_str() {
        "" | "km/h" | "kmh" | "kph" => 1.0,
        "mph" => MPH_KMH,
        "knots" => KNOT_KMH,
        _ => return None,
    };
    (number.is_finite() && number > 0.0).then_some(MaxSpeed::Kmh(number * factor))
}

/// The limit of a road without `maxspeed`, km/h, in a country whose defaults
/// this table holds, by OSM `highway` class (links as their road). The
/// defaults assume built-up areas for every class but motorways and trunks:
/// an extract of a city is read right; rural primaries will read low (a
/// map cannot tell a village from a field without more tags).
///
/// - BR: Código de Trânsito Brasileiro art. 61 for urban roads — "trânsito
///   rápido" 80 (motorway, trunk), arterial 60 (primary), collector 40
///   (secondary, tertiary), local 30 (residential, unclassified, service);
///   `living_street` 20.
/// - DE, AT, CH, FR, IT, ES, NL, PL, PT, DK, BE: 50 in built-up areas,
///   motorways and trunks by the country's `CC:motorway` / `CC:trunk`
///   (unknown when unlimited), `living_street` 7 (DE) or 20.
/// - GB: 30 mph in built-up areas, motorway 70 mph.
///
/// `None` when the country or the class has no default.
///
/// # Example
/// ```
/// use tripscore::map::default_limit;
/// assert_eq!(default_limit("BR", "residential"), Some(30.0));
/// assert_eq!(default_limit("BR", "primary_link"), Some(60.0));
/// assert_eq!(default_limit("DE", "motorway"), None);
/// assert_eq!(default_limit("XX", "primary"), None);
/// ```
#[must_use]
pub fn default_limit(country: &str, highway: &str) -> Option<f64> {
    let class = highway.strip_suffix("_link").unwrap_or(highway);
    let country = country.to_ascii_uppercase();
    let implicit = |zone: &str| match parse_maxspeed(&format!("{country}:{zone}")) {
        MaxSpeed::Kmh(kmh) => Some(kmh),
        MaxSpeed::Unlimited | MaxSpeed::Unknown => None,
    };
    match country.as_str() {
        "BR" => match class {
            "motorway" | "trunk" => Some(80.0),
            "primary" => Some(60.0),
            "secondary" | "tertiary" => Some(40.0),
            "residential" | "unclassified" | "service" | "road" => Some(30.0),
            "living_street" => Some(20.0),
            _ => None,
        },
        "GB" => match class {
            "motorway" => Some(70.0 * MPH_KMH),
            "living_street" => Some(20.0 * MPH_KMH),
            "trunk" | "primary" | "secondary" | "tertiary" | "unclassified" | "residential"
            | "service" | "road" => Some(30.0 * MPH_KMH),
            _ => None,
        },
        "DE" | "AT" | "CH" | "FR" | "IT" | "ES" | "NL" | "PL" | "PT" | "DK" | "BE" => match class {
            "motorway" => implicit("motorway"),
            "trunk" => implicit("trunk").or_else(|| implicit("rural")),
            "living_street" => implicit("living_street").or(Some(20.0)),
            "primary" | "secondary" | "tertiary" | "unclassified" | "residential" | "service"
            | "road" => implicit("urban"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values as mappers write them (taginfo's commonest forms).
    #[test]
    fn tag_values_from_the_wild() {
        let kmh = |v: &str| match parse_maxspeed(v) {
            MaxSpeed::Kmh(k) => Some((k * 100.0).round() / 100.0),
            _ => None,
        };
        for (value, want) in [
            ("50", Some(50.0)),
            (" 60 ", Some(60.0)),
            ("30 mph", Some(48.28)),
            ("20mph", Some(32.19)),
            ("50 km/h", Some(50.0)),
            ("80 kmh", Some(80.0)),
            ("5 knots", Some(9.26)),
            ("50;30", Some(50.0)),
            ("walk", Some(WALK_KMH)),
            ("DE:urban", Some(50.0)),
            ("de:rural", Some(100.0)),
            ("FR:motorway", Some(130.0)),
            ("GB:nsl_single", Some(96.56)),
            ("DE:zone30", Some(30.0)),
            ("DE:zone:30", Some(30.0)),
            ("zone:20", Some(20.0)),
            ("RU:urban", None),
            ("signals", None),
            ("variable", None),
            ("fast", None),
            ("0", None),
            ("-30", None),
            ("", None),
        ] {
            assert_eq!(kmh(value), want, "{value:?}");
        }
        assert_eq!(parse_maxspeed("none"), MaxSpeed::Unlimited);
        assert_eq!(parse_maxspeed("DE:motorway"), MaxSpeed::Unlimited);
        assert_eq!(parse_maxspeed("signals"), MaxSpeed::Unknown);
    }

    #[test]
    fn defaults_by_country_and_class() {
        assert_eq!(default_limit("br", "motorway_link"), Some(80.0));
        assert_eq!(default_limit("BR", "tertiary"), Some(40.0));
        assert_eq!(default_limit("DE", "residential"), Some(50.0));
        assert_eq!(default_limit("DE", "trunk"), Some(100.0));
        assert_eq!(default_limit("FR", "motorway"), Some(130.0));
        assert_eq!(default_limit("DE", "living_street"), Some(WALK_KMH));
        assert_eq!(default_limit("GB", "motorway").map(f64::round), Some(113.0));
        assert_eq!(default_limit("US", "residential"), None);
        assert_eq!(default_limit("BR", "footway"), None);
    }
}
