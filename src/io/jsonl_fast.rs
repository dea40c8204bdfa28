//! A fast path for reading JSONL trip records: a byte scanner for the
//! records tripscore sees by the million, which gives up (`None`) on anything
//! outside that shape, so the record is then read by serde_json.
//!
//! Why by hand: serde_json is the first wall of the pipeline on waypoint
//! input (about half of the single-thread time: a key string per value, a
//! field-name match, generic number parsing, a visitor per waypoint), and no
//! maintained crate reads JSON into these columns faster through serde
//! (sonic-rs was measured 20–36 % slower here, docs/PERFORMANCE.md). The
//! scanner reads a subset of JSON — the record's known fields, strings
//! without escapes, numbers without exponents, up to 18 digits — and
//! produces the same [`WireTrip`] serde would: numbers are converted with
//! serde_json's own arithmetic (`significand as f64`, then one division by
//! an exact power of ten), so every value is bit-identical. Anything else —
//! unknown or repeated keys, `\u` escapes, exponents, malformed JSON —
//! returns `None` and the caller parses the line with serde_json, which also
//! names the field of any error. `jsonl_fast_tests` and the `jsonl_fast`
//! fuzz target hold the two paths equal.

use std::borrow::Cow;

use super::{
    StreamedSeq, WireInstant, WireInterval, WireName, WireRoadTypes, WireTrip, WireWaypoint,
    WireWaypoints,
};

/// Exact powers of ten: a division by one of them is what serde_json does
/// for a decimal fraction of up to 22 digits (its table holds the same
/// literals).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Most digits the scanner reads in one number (serde_json keeps up to 19 in
/// a `u64`; 18 never overflow).
const MAX_DIGITS: usize = 18;

/// A number as written: sign, digits as an integer, and how many of them
/// follow the decimal point (`None` for an integer).
struct Number {
    negative: bool,
    significand: u64,
    fraction_digits: Option<usize>,
}

impl Number {
    /// The value serde_json's `f64` deserialisation gives.
    fn to_f64(&self) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "serde_json's own conversion")]
        let mut f = self.significand as f64;
        if let Some(k) = self.fraction_digits {
            f /= POW10[k];
        }
        if self.negative { -f } else { f }
    }

    /// The value serde_json's `i64` deserialisation gives, or `None` where
    /// it errs (a fraction, `-0`, which it reads as a float).
    fn to_i64(&self) -> Option<i64> {
        if self.fraction_digits.is_some() || (self.negative && self.significand == 0) {
            return None;
        }
        let v = i64::try_from(self.significand).ok()?;
        Some(if self.negative { -v } else { v })
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// The next byte that is not JSON whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.bytes.get(self.at) {
            if !matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(c);
            }
            self.at += 1;
        }
        None
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// `null` if it is next (consumed), else false.
    fn null(&mut self) -> Option<bool> {
        if self.peek()? != b'n' {
            return Some(false);
        }
        (self.bytes.get(self.at..self.at + 4)? == b"null").then(|| {
            self.at += 4;
            true
        })
    }

    /// A string: borrowed when it has no escapes, else unescaped (`\\u`
    /// escapes give up). Control characters give up, as JSON forbids them.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.at;
        let stop = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
        let len = self.bytes[start..].iter().position(|&c| stop(c))?;
        let mut end = start + len;
        if self.bytes[end] == b'"' {
            self.at = end + 1;
            // Both ends are at ASCII bytes: char boundaries.
            return self.text.get(start..end).map(Cow::Borrowed);
        }
        // Escapes (a polyline's `\\` is the common one).
        let mut out = String::with_capacity(len + 16);
        let mut from = start;
        loop {
            out.push_str(self.text.get(from..end)?);
            match self.bytes[end] {
                b'"' => {
                    self.at = end + 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    out.push(match *self.bytes.get(end + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return None,
                    });
                    from = end + 2;
                }
                _ => return None,
            }
            end = from + self.bytes.get(from..)?.iter().position(|&c| stop(c))?;
        }
    }

    fn digits(&mut self) -> (u64, usize) {
        let (mut v, mut n) = (0_u64, 0);
        while let Some(&c @ b'0'..=b'9') = self.bytes.get(self.at) {
            if n < MAX_DIGITS {
                v = v * 10 + u64::from(c - b'0');
            }
            n += 1;
            self.at += 1;
        }
        (v, n)
    }

    /// A number in JSON's grammar without an exponent, of at most
    /// [`MAX_DIGITS`] digits.
    fn number(&mut self) -> Option<Number> {
        let negative = self.peek()? == b'-';
        if negative {
            self.at += 1;
        }
        let first = *self.bytes.get(self.at)?;
        let (int, int_digits) = self.digits();
        // JSON: at least one digit, no leading zero.
        if int_digits == 0 || (first == b'0' && int_digits > 1) {
            return None;
        }
        let mut number = Number {
            negative,
            significand: int,
            fraction_digits: None,
        };
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            let (frac, frac_digits) = self.digits();
            if frac_digits == 0 || int_digits + frac_digits > MAX_DIGITS {
                return None;
            }
            number.significand = int * 10_u64.pow(u32::try_from(frac_digits).ok()?) + frac;
            number.fraction_digits = Some(frac_digits);
        } else if int_digits > MAX_DIGITS {
            return None;
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            return None;
        }
        Some(number)
    }

    fn f64(&mut self) -> Option<f64> {
        self.number().map(|n| n.to_f64())
    }

    fn opt_f64(&mut self) -> Option<Option<f64>> {
        if self.null()? {
            Some(None)
        } else {
            self.f64().map(Some)
        }
    }

    fn i64(&mut self) -> Option<i64> {
        self.number()?.to_i64()
    }

    fn opt_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null()? {
            Some(None)
        } else {
            self.string().map(Some)
        }
    }

    /// `[e, e, …]` with `element` reading each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `{"key": value, …}` with `field` reading each value after its key;
    /// `field` returns the key's bit in a seen-mask, so a repeated key (an
    /// error for serde) gives up.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Option<u32>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        let mut seen = 0_u32;
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            let bit = field(self, &key)?;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn opt_array<T>(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Option<Vec<T>>> {
        if self.null()? {
            return Some(None);
        }
        let mut out = Vec::new();
        self.array(|s| {
            out.push(element(s)?);
            Some(())
        })?;
        Some(Some(out))
    }
}

/// One waypoint object into `out`.
fn waypoint<'a>(s: &mut Scanner<'a>, out: &mut WireWaypoints) -> Option<()> {
    let (mut latitude, mut longitude, mut timestamp) = (None, None, None);
    let (mut speed, mut speed_limit, mut road_type, mut accuracy) = (None, None, None, None);
    s.object(|s, key| {
        Some(match key {
            "latitude" => {
                latitude = Some(s.f64()?);
                1
            }
            "longitude" => {
                longitude = Some(s.f64()?);
                2
            }
            "timestamp" => {
                timestamp = Some(s.string()?);
                4
            }
            "speed" => {
                speed = s.opt_f64()?;
                8
            }
            "speed_limit" => {
                speed_limit = s.opt_f64()?;
                16
            }
            "road_type" => {
                road_type = s.opt_string()?;
                32
            }
            "accuracy" => {
                accuracy = s.opt_f64()?;
                64
            }
            _ => return None,
        })
    })?;
    out.take(WireWaypoint {
        latitude: latitude?,
        longitude: longitude?,
        timestamp: timestamp?,
        speed,
        speed_limit,
        road_type,
        accuracy,
    });
    Some(())
}

/// An interval bound: Unix ms or RFC 3339 text.
fn instant<'a>(s: &mut Scanner<'a>) -> Option<WireInstant<'a>> {
    if s.peek()? == b'"' {
        s.string().map(WireInstant::Text)
    } else {
        s.i64().map(WireInstant::Millis)
    }
}

/// One `{"start": …, "end": …}` interval.
fn interval<'a>(s: &mut Scanner<'a>) -> Option<WireInterval<'a>> {
    let (mut start, mut end) = (None, None);
    s.object(|s, key| {
        Some(match key {
            "start" => {
                start = Some(instant(s)?);
                1
            }
            "end" => {
                end = Some(instant(s)?);
                2
            }
            _ => return None,
        })
    })?;
    Some(WireInterval {
        start: start?,
        end: end?,
    })
}

/// The record, or `None` when it is not in the subset this scanner reads
/// (the caller then uses serde_json).
pub(super) fn parse(line: &str) -> Option<WireTrip<'_>> {
    let mut s = Scanner::new(line);
    let mut wire = WireTrip {
        user_id: None,
        event_id: None,
        waypoints: None,
        encoded: None,
        precision: None,
        timestamps_ms: None,
        speeds_kmh: None,
        speed_limits_kmh: None,
        accuracies_m: None,
        road_types: None,
        utc_offset_minutes: None,
        phone_handling: None,
        mounted: None,
    };
    s.object(|s, key| {
        Some(match key {
            "user_id" => {
                wire.user_id = s.opt_string()?;
                1
            }
            "event_id" => {
                wire.event_id = s.opt_string()?;
                1 << 1
            }
            "waypoints" => {
                if !s.null()? {
                    let mut w = WireWaypoints::default();
                    s.array(|s| waypoint(s, &mut w))?;
                    wire.waypoints = Some(w);
                }
                1 << 2
            }
            "encoded" => {
                wire.encoded = s.opt_string()?;
                1 << 3
            }
            "precision" => {
                if !s.null()? {
                    wire.precision = Some(u32::try_from(s.i64()?).ok()?);
                }
                1 << 4
            }
            "timestamps_ms" => {
                wire.timestamps_ms = s.opt_array(Scanner::i64)?;
                1 << 5
            }
            "speeds_kmh" => {
                wire.speeds_kmh = s.opt_array(Scanner::opt_f64)?;
                1 << 6
            }
            "speed_limits_kmh" => {
                wire.speed_limits_kmh = s.opt_array(Scanner::opt_f64)?;
                1 << 7
            }
            "accuracies_m" => {
                wire.accuracies_m = s.opt_array(Scanner::opt_f64)?;
                1 << 8
            }
            "road_types" => {
                if !s.null()? {
                    let mut r = WireRoadTypes::default();
                    s.array(|s| {
                        r.take(s.opt_string()?.map(WireName));
                        Some(())
                    })?;
                    wire.road_types = Some(r);
                }
                1 << 9
            }
            "utc_offset_minutes" => {
                if !s.null()? {
                    wire.utc_offset_minutes = Some(i32::try_from(s.i64()?).ok()?);
                }
                1 << 10
            }
            "phone_handling" => {
                wire.phone_handling = s.opt_array(interval)?;
                1 << 11
            }
            "mounted" => {
                wire.mounted = s.opt_array(interval)?;
                1 << 12
            }
            // Unknown keys: serde_json's job.
            _ => return None,
        })
    })?;
    // Only whitespace may follow the record.
    if s.peek().is_some() {
        return None;
    }
    Some(wire)
}
