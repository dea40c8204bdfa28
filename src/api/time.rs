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
/// use tripscore::api::{ApiTime, SubsecDigits};
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

/// The instant of RFC 3339 text as Unix milliseconds (floored) and its UTC
/// offset in seconds east: what the readers keep of each fix's timestamp.
///
/// The common shape `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` is read by hand
/// (chrono's general parser was the largest single cost of reading
/// waypoint-form input); anything else — lower-case separators, leap
/// seconds, out-of-range fields, errors — goes to chrono, so the result and
/// the errors are chrono's. A property test holds the two equal.
///
/// # Errors
/// The text is not RFC 3339 with an offset.
///
/// # Example
/// ```
/// use tripscore::api::rfc3339_epoch_ms;
/// assert_eq!(rfc3339_epoch_ms("2019-03-22T08:37:45.714+01:00")?, (1_553_240_265_714, 3600));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn rfc3339_epoch_ms(text: &str) -> Result<(i64, i32), chrono::ParseError> {
    if let Some(fast) = fast_rfc3339(text.as_bytes()) {
        return Ok(fast);
    }
    let t = ApiTime::parse(text)?;
    Ok((t.epoch_ms(), t.at.offset().local_minus_utc()))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The second (0–59), the milliseconds of the fraction and the index after
/// it, of a time whose seconds start at byte 17 (`SS[.f…]`, 1–9 fraction
/// digits, later than the third floored away); `None` to let chrono decide
/// (a leap second, another shape).
fn second_and_fraction(b: &[u8]) -> Option<(i64, i64, usize)> {
    let (s1, s2) = (*b.get(17)?, *b.get(18)?);
    if !s1.is_ascii_digit() || !s2.is_ascii_digit() {
        return None;
    }
    let second = i64::from(s1 - b'0') * 10 + i64::from(s2 - b'0');
    if second > 59 {
        return None;
    }
    // The common shape, `SS.fff` and a non-digit: the milliseconds as written.
    if let Some(&[b'.', f1, f2, f3, after]) = b.get(19..24)
        && [f1, f2, f3].iter().all(u8::is_ascii_digit)
        && !after.is_ascii_digit()
    {
        let millis = [f1, f2, f3]
            .iter()
            .fold(0, |m, &d| m * 10 + i64::from(d - b'0'));
        return Some((second, millis, 23));
    }
    let mut i = 19;
    let mut millis = 0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return None;
        }
        // The first three digits are the milliseconds; later ones are floored away.
        for k in 0..3 {
            millis = millis * 10
                + if k < n {
                    i64::from(b[start + k] - b'0')
                } else {
                    0
                };
        }
    }
    Some((second, millis, i))
}

/// Reads a run of RFC 3339 times, such as a trip's waypoints, where most
/// share their date, hour, minute and offset with the time before: those
/// are read from their seconds and fraction only, on top of the epoch
/// milliseconds of their minute. Gives what [`rfc3339_epoch_ms`] gives for
/// every text (a property test holds them equal): the shared part is
/// compared byte for byte with a time the hand-read path took, so it would
/// read it the same way again.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rfc3339Run {
    /// `YYYY-MM-DDTHH:MM:` of the last hand-read time (empty: none yet).
    minute_text: Vec<u8>,
    /// Its offset text (`Z`, `+01:00`).
    offset_text: Vec<u8>,
    /// Unix ms of second 0 of that minute.
    minute_ms: i64,
    /// The offset, s east of UTC.
    offset_s: i32,
}

impl Rfc3339Run {
    /// Unix ms and offset (s east of UTC) of `text`, as [`rfc3339_epoch_ms`].
    ///
    /// # Errors
    /// As [`rfc3339_epoch_ms`].
    pub(crate) fn epoch_ms(&mut self, text: &str) -> Result<(i64, i32), chrono::ParseError> {
        let b = text.as_bytes();
        // An empty `minute_text` (none yet) never equals 17 bytes.
        if b.get(..17) == Some(&self.minute_text[..])
            && let Some((second, millis, end)) = second_and_fraction(b)
            && b[end..] == self.offset_text[..]
        {
            return Ok((self.minute_ms + second * 1000 + millis, self.offset_s));
        }
        let Some((ms, offset_s)) = fast_rfc3339(b) else {
            return rfc3339_epoch_ms(text);
        };
        if let Some((second, millis, end)) = second_and_fraction(b) {
            self.minute_text.clear();
            self.minute_text.extend_from_slice(&b[..17]);
            self.offset_text.clear();
            self.offset_text.extend_from_slice(&b[end..]);
            self.minute_ms = ms - second * 1000 - millis;
            self.offset_s = offset_s;
        }
        Ok((ms, offset_s))
    }
}

/// The hand-read common shape, or `None` to let chrono decide.
fn fast_rfc3339(b: &[u8]) -> Option<(i64, i32)> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0_i64;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute) = (digits(11..13)?, digits(14..16)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
    {
        return None;
    }
    let (second, millis, i) = second_and_fraction(b)?;
    let offset_s = match b.get(i..)? {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, c: u8| {
                (a.is_ascii_digit() && c.is_ascii_digit())
                    .then(|| i32::from(a - b'0') * 10 + i32::from(c - b'0'))
            };
            let (h, m) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let s = h * 3600 + m * 60;
            if *sign == b'-' { -s } else { s }
        }
        _ => return None,
    };
    let local_s = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some(((local_s - i64::from(offset_s)) * 1000 + millis, offset_s))
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

    /// chrono's answer: the reference for the hand-read path.
    fn by_chrono(text: &str) -> Option<(i64, i32)> {
        ApiTime::parse(text)
            .ok()
            .map(|t| (t.epoch_ms(), t.at.offset().local_minus_utc()))
    }

    #[test]
    fn hand_read_timestamps_match_chrono_on_edge_cases() {
        for text in [
            "2019-03-22T08:37:45.000+01:00",
            "2019-03-22T08:37:45+01:00",
            "2019-03-22T08:37:45.7Z",
            "2019-03-22T08:37:45.123456789-03:30",
            "1969-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00Z",
            "2000-02-29T12:00:00Z",
            "2100-12-31T23:59:59.5+23:59",
            "2016-12-31T23:59:60Z",
            "2019-02-29T00:00:00Z",
            "2019-03-22t08:37:45Z",
            "2019-03-22 08:37:45Z",
            "2019-03-22T08:37:45.Z",
            "2019-03-22T08:37:45.1234567891Z",
            "2019-03-22T08:37:45z",
            "2019-03-22T08:37:45+0100",
            "2019-03-22T24:00:00Z",
            "2019-03-22T08:37:45-00:00",
            "2019-03-22T08:37:45+01:00x",
            "",
        ] {
            assert_eq!(rfc3339_epoch_ms(text).ok(), by_chrono(text), "{text:?}");
        }
        assert!(fast_rfc3339(b"2019-03-22T08:37:45.000+01:00").is_some());
    }

    proptest::proptest! {
        #[test]
        fn hand_read_timestamps_match_chrono(
            year in 0_i64..=9999, month in 0_i64..=13, day in 0_i64..=32,
            hour in 0_i64..=24, minute in 0_i64..=60, second in 0_i64..=60,
            frac in proptest::option::of("[0-9]{0,10}"),
            offset in proptest::option::of((proptest::bool::ANY, 0_i64..=24, 0_i64..=60)),
        ) {
            let frac = frac.map_or_else(String::new, |f| format!(".{f}"));
            let offset = offset.map_or_else(
                || "Z".to_owned(),
                |(east, h, m)| format!("{}{h:02}:{m:02}", if east { '+' } else { '-' }),
            );
            let text = format!(
                "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{frac}{offset}"
            );
            proptest::prop_assert_eq!(rfc3339_epoch_ms(&text).ok(), by_chrono(&text), "{}", text);
            if let Some(fast) = fast_rfc3339(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), by_chrono(&text));
            }
        }
    }

    proptest::proptest! {
        /// A run of times read with the per-minute shortcut gives, time by
        /// time, what `rfc3339_epoch_ms` gives (errors included).
        #[test]
        fn a_run_reads_as_each_alone(
            times in proptest::collection::vec(
                (0_usize..3, 0_usize..4, 0_i64..=61, proptest::option::of("[0-9]{0,10}"), 0_usize..4),
                1..40,
            ),
        ) {
            let minutes = ["2019-03-22T08:37:", "2019-03-22T08:38:", "2019-02-29T08:38:"];
            let offsets = ["Z", "+01:00", "-03:30", "+0100"];
            let mut run = Rfc3339Run::default();
            for (m, o, second, frac, junk) in times {
                let frac = frac.map_or_else(String::new, |f| format!(".{f}"));
                let junk = ["", "", "x", " "][junk];
                let text = format!("{}{second:02}{frac}{}{junk}", minutes[m], offsets[o]);
                proptest::prop_assert_eq!(
                    run.epoch_ms(&text).ok(),
                    rfc3339_epoch_ms(&text).ok(),
                    "{}", text
                );
            }
        }
    }

    #[test]
    fn rejects_missing_offset() {
        assert!(ApiTime::parse("2019-03-22T08:37:45").is_err());
    }
}
