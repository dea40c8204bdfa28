//! RFC 3339 timestamps as the API writes them.

use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many fractional-second digits a timestamp is written with.
///
/// The legacy API writes events and waypoints with milliseconds
/// (`08:37:45.000+01:00`) and annotations with microseconds
/// (`08:38:10.781456+01:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SubsecDigits {
    /// `08:37:45+01:00`
    None,
    /// `08:37:45.000+01:00`
    #[default]
    Millis,
    /// `08:37:45.000000+01:00`
    Micros,
    /// `08:37:45.000000000+01:00`
    Nanos,
}

impl SubsecDigits {
    fn format(self) -> SecondsFormat {
        match self {
            Self::None => SecondsFormat::Secs,
            Self::Millis => SecondsFormat::Millis,
            Self::Micros => SecondsFormat::Micros,
            Self::Nanos => SecondsFormat::Nanos,
        }
    }

    /// The precision that writes a fraction of `digits` digits without loss.
    fn fitting(digits: usize) -> Self {
        match digits {
            0 => Self::None,
            1..=3 => Self::Millis,
            4..=6 => Self::Micros,
            _ => Self::Nanos,
        }
    }
}

/// An instant with the UTC offset it is shown in, written as RFC 3339.
///
/// Reading keeps how many fractional digits the text had, so an API body
/// reads and writes back unchanged.
///
/// # Example
/// ```
/// use tripscore::{ApiTime, SubsecDigits};
/// let t = ApiTime::from_epoch_ms(1_553_240_265_000, 3600, SubsecDigits::Millis).unwrap();
/// assert_eq!(t.to_string(), "2019-03-22T08:37:45.000+01:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiTime {
    /// The instant and its display offset.
    pub at: DateTime<FixedOffset>,
    /// Fractional digits written.
    pub digits: SubsecDigits,
}

impl ApiTime {
    /// The instant `epoch_ms` (Unix milliseconds) shown at `utc_offset_s`.
    ///
    /// # Units
    /// `epoch_ms` in milliseconds since 1970-01-01T00:00:00Z; `utc_offset_s` in seconds east of UTC.
    ///
    /// Returns `None` when the offset is beyond ±24 h or the instant is out of chrono's range.
    #[must_use]
    pub fn from_epoch_ms(epoch_ms: i64, utc_offset_s: i32, digits: SubsecDigits) -> Option<Self> {
        Self::from_epoch_us(epoch_ms.checked_mul(1000)?, utc_offset_s, digits)
    }

    /// The instant `epoch_us` (Unix microseconds) shown at `utc_offset_s`.
    ///
    /// # Units
    /// `epoch_us` in microseconds since the Unix epoch; `utc_offset_s` in seconds east of UTC.
    ///
    /// Returns `None` when the offset is beyond ±24 h or the instant is out of chrono's range.
    #[must_use]
    pub fn from_epoch_us(epoch_us: i64, utc_offset_s: i32, digits: SubsecDigits) -> Option<Self> {
        let offset = FixedOffset::east_opt(utc_offset_s)?;
        let utc = DateTime::from_timestamp_micros(epoch_us)?;
        Some(Self {
            at: offset.from_utc_datetime(&utc.naive_utc()),
            digits,
        })
    }

    /// Milliseconds since the Unix epoch (floored).
    #[must_use]
    pub fn epoch_ms(&self) -> i64 {
        self.at.timestamp_millis()
    }

    /// Parses RFC 3339 text with an offset, remembering its fractional digits.
    ///
    /// # Errors
    /// The text is not RFC 3339 with an offset.
    pub fn parse(text: &str) -> Result<Self, chrono::ParseError> {
        let at = DateTime::parse_from_rfc3339(text)?;
        let digits = text.split_once('.').map_or(0, |(_, rest)| {
            rest.bytes().take_while(u8::is_ascii_digit).count()
        });
        Ok(Self {
            at,
            digits: SubsecDigits::fitting(digits),
        })
    }
}

impl std::fmt::Display for ApiTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.at.to_rfc3339_opts(self.digits.format(), false))
    }
}

impl Serialize for ApiTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ApiTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_back_unchanged() {
        for text in [
            "2019-03-22T08:37:45.000+01:00",
            "2019-03-22T08:38:10.781456+01:00",
            "2019-03-21T00:00:00+00:00",
            "2019-03-21T23:59:59.999999+00:00",
        ] {
            assert_eq!(ApiTime::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn epoch_ms_round_trips() {
        let t = ApiTime::from_epoch_ms(1_553_240_265_714, -10_800, SubsecDigits::Millis).unwrap();
        assert_eq!(t.to_string(), "2019-03-22T04:37:45.714-03:00");
        assert_eq!(t.epoch_ms(), 1_553_240_265_714);
    }

    #[test]
    fn rejects_missing_offset() {
        assert!(ApiTime::parse("2019-03-22T08:37:45").is_err());
    }
}
