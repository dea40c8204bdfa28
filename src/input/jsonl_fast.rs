//! A fast path for reading JSONL trip records: a byte scanner for the
//! records tripscore sees by the million, which gives up (`None`) on anything
//! outside that shape, so the record is then read by `serde_json`.
//!
//! Why by hand: `serde_json` is the first wall of the pipeline on waypoint
//! input (about half of the single-thread time: a key string per value, a
//! field-name match, generic number parsing, a visitor per waypoint), and no
//! maintained crate reads JSON into these columns faster through serde
//! (`sonic-rs` was measured 20–36 % slower here, docs/PERFORMANCE.md). The
//! scanner reads a subset of JSON — the record's known fields, strings
//! (with escapes other than `\u`), numbers without exponents of up to 18
//! digits, `null`; the value of an unknown key is skipped, checked as
//! strictly as serde checks an ignored value — and
//! produces the same [`WireTrip`] serde would: numbers are converted with
//! `serde_json`'s own arithmetic (`significand as f64`, then one division by
//! an exact power of ten), so every value is bit-identical. Anything else —
//! repeated keys, `\u` escapes, exponents in known fields, malformed JSON —
//! returns `None` and the caller parses the line with `serde_json`, which also
//! names the field of any error. `jsonl_fast_tests` and the `jsonl_fast`
//! fuzz target hold the two paths equal.

#![allow(
    clippy::option_option,
    reason = "an outer `None` gives up on the line; an inner one is a JSON null"
)]

use std::borrow::Cow;

use super::{
    StreamedSeq, WireInstant, WireInterval, WireName, WireRoadTypes, WireTrip, WireWaypoint,
};

/// Exact powers of ten: a division by one of them is what `serde_json` does
/// for a decimal fraction of up to 22 digits (its table holds the same
/// literals).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The deepest nesting of arrays and objects an unknown value may have
/// before the scanner gives the line to `serde_json` (whose limit is 128).
const MAX_SKIP_DEPTH: usize = 64;

/// 10⁰ … 10⁸ as integers.
const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The run of ASCII digits at the start of `chunk` (8 bytes): its value and
/// length (0–8), found and converted eight bytes at a time. A byte is a
/// non-digit when `b − '0'` borrows or `b + 0x46` reaches the high bit;
/// borrows and carries only move towards later bytes, so the first flagged
/// byte is exact. The digits are then shifted to the top (zeros below read
/// as leading zeros) and summed pairwise, in fours, in eights (the SWAR
/// conversion `fast_float` and simdjson use).
pub(super) fn eight_digits(chunk: &[u8]) -> (u64, usize) {
    let mut word = [0_u8; 8];
    word.copy_from_slice(&chunk[..8]);
    let v = u64::from_le_bytes(word);
    let flags = (v.wrapping_sub(0x3030_3030_3030_3030) | v.wrapping_add(0x4646_4646_4646_4646))
        & 0x8080_8080_8080_8080;
    let count = if flags == 0 {
        8
    } else {
        (flags.trailing_zeros() / 8) as usize
    };
    if count == 0 {
        return (0, 0);
    }
    let mut d = (v << (8 * (8 - count))) & 0x0F0F_0F0F_0F0F_0F0F;
    d = (d.wrapping_mul(10) + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    d = d.wrapping_mul(10_000) + (d >> 32);
    (d & 0xFFFF_FFFF, count)
}

/// Most digits the scanner reads in one number (`serde_json` keeps up to 19 in
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
    /// The value `serde_json`'s `f64` deserialisation gives.
    fn to_f64(&self) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "serde_json's own conversion")]
        let mut f = self.significand as f64;
        if let Some(k) = self.fraction_digits {
            f /= POW10[k];
        }
        if self.negative { -f } else { f }
    }
}

/// The digits of `bytes` from `i` on appended to `significand` byte by byte:
/// how many there were (`i` moves past them), or `None` when there are
/// more than `most` ([`Scanner::short_number`]'s runs; inlined, as a call
/// per run cost a third of a short number).
#[allow(
    clippy::inline_always,
    reason = "a call per run was a third of the cost (measured)"
)]
#[inline(always)]
fn short_digit_run(
    bytes: &[u8],
    i: &mut usize,
    significand: &mut u64,
    most: usize,
) -> Option<usize> {
    let start = *i;
    while let Some(&c @ b'0'..=b'9') = bytes.get(*i) {
        if *i - start == most {
            return None;
        }
        *significand = *significand * 10 + u64::from(c - b'0');
        *i += 1;
    }
    Some(*i - start)
}

/// Whether a byte ends a run of plain string bytes.
fn stops_string(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// The number of bytes before the first `"`, `\\` or control character
/// (all of `bytes` if there is none), eight at a time: the zero-byte test
/// flags exactly the lowest matching byte of a word (a false flag can only
/// sit above a true one), which is the same word test `serde_json` scans with.
pub(super) fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let mut word = [0_u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let v = u64::from_le_bytes(word);
        let quote = v ^ (ONES * u64::from(b'"'));
        let backslash = v ^ (ONES * u64::from(b'\\'));
        let found = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (v.wrapping_sub(ONES * 0x20) & !v))
            & HIGH;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .position(|&c| stops_string(c))
        .unwrap_or(bytes.len() - i)
}

/// The keys of the last object read by [`Scanner::object_in_order`], in
/// order, with their indices.
#[derive(Default)]
struct KeyOrder<'a>(Vec<(QuotedKey<'a>, usize)>);

/// A key as written, quotes included, and its first 16 bytes as two
/// little-endian words with the masks of its length: whether a line goes on
/// with it is then two loads and compares, not a `memcmp` call (keys are
/// short; a longer one, or the end of a line, takes `starts_with`).
#[derive(Clone, Copy)]
pub(super) struct QuotedKey<'a> {
    text: &'a [u8],
    words: [u64; 2],
    masks: [u64; 2],
}

impl<'a> QuotedKey<'a> {
    pub(super) fn new(text: &'a [u8]) -> Self {
        let (mut words, mut masks) = ([0; 2], [0; 2]);
        for (k, &b) in text.iter().take(16).enumerate() {
            words[k / 8] |= u64::from(b) << (8 * (k % 8));
            masks[k / 8] |= 0xFF << (8 * (k % 8));
        }
        Self { text, words, masks }
    }

    /// Whether `line` starts with this key.
    pub(super) fn starts(&self, line: &[u8]) -> bool {
        match line.get(..16) {
            Some(head) if self.text.len() <= 16 => {
                let word = |k: usize| {
                    let mut w = [0; 8];
                    w.copy_from_slice(&head[8 * k..8 * k + 8]);
                    u64::from_le_bytes(w)
                };
                ((word(0) ^ self.words[0]) & self.masks[0])
                    | ((word(1) ^ self.words[1]) & self.masks[1])
                    == 0
            }
            _ => line.starts_with(self.text),
        }
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// The first eight bytes of the last long integer read (all digits),
    /// as a little-endian word, and their value: the Unix milliseconds of
    /// one trip share their first eight digits for 100 s at a time, and a
    /// word equal to it needs no conversion.
    last_high: (u64, u64),
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            at: 0,
            // No eight bytes read: a word of eight zero bytes, which no
            // number starting with 1–9 has.
            last_high: (0, 0),
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
        let len = plain_run(&self.bytes[start..]);
        let mut end = start + len;
        if *self.bytes.get(end)? == b'"' {
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
            end = from + plain_run(self.bytes.get(from..)?);
            self.bytes.get(end)?;
        }
    }

    /// Appends the digits that come next to `v`; returns how many there were.
    /// `before` digits are in `v` already; a number of more than
    /// [`MAX_DIGITS`] in all is counted but not read (the caller gives up on
    /// it). Eight bytes at a time where the line has them ([`eight_digits`]).
    #[inline]
    fn digits(&mut self, v: &mut u64, before: usize) -> usize {
        let mut n = 0;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let (value, count) = eight_digits(chunk);
            if before + n + count > MAX_DIGITS {
                return MAX_DIGITS + 1;
            }
            *v = *v * POW10_U64[count] + value;
            n += count;
            self.at += count;
            if count < 8 {
                return n;
            }
        }
        while let Some(&c @ b'0'..=b'9') = self.bytes.get(self.at) {
            if before + n >= MAX_DIGITS {
                return MAX_DIGITS + 1;
            }
            *v = *v * 10 + u64::from(c - b'0');
            n += 1;
            self.at += 1;
        }
        n
    }

    /// A number's sign and integer digits (JSON: at least one, no leading
    /// zero): `(negative, value, digit count)`.
    fn integer_part(&mut self) -> Option<(bool, u64, usize)> {
        let negative = self.peek()? == b'-';
        if negative {
            self.at += 1;
        }
        let first = *self.bytes.get(self.at)?;
        let mut value = 0;
        let digits = self.digits(&mut value, 0);
        if digits == 0 || (first == b'0' && digits > 1) {
            return None;
        }
        Some((negative, value, digits))
    }

    /// A number in JSON's grammar without an exponent, of at most
    /// [`MAX_DIGITS`] digits.
    fn number(&mut self) -> Option<Number> {
        // The digits before and after the point make one significand, as in `serde_json`.
        let (negative, mut significand, int_digits) = self.integer_part()?;
        let mut fraction_digits = None;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            let n = self.digits(&mut significand, int_digits);
            if n == 0 {
                return None;
            }
            fraction_digits = Some(n);
        }
        if int_digits + fraction_digits.unwrap_or(0) > MAX_DIGITS
            || matches!(self.bytes.get(self.at), Some(b'e' | b'E'))
        {
            return None;
        }
        Some(Number {
            negative,
            significand,
            fraction_digits,
        })
    }

    /// [`Scanner::number`] for the short numbers the per-fix channels hold
    /// (speeds, limits, accuracies: at most three digits either side of the point),
    /// read byte by byte: the eight-byte words of the general path cost
    /// more than a few bytes do. `None`, with nothing read, for any other
    /// shape (longer, an exponent, a leading zero, not a number), which the
    /// general path then reads; where this reads, it gives the same value.
    #[inline]
    fn short_number(&mut self) -> Option<Number> {
        const MOST: usize = 3;
        self.peek()?;
        let bytes = self.bytes.get(self.at..)?;
        let negative = bytes.first() == Some(&b'-');
        let mut i = usize::from(negative);
        let mut significand = 0_u64;
        let run =
            |i: &mut usize, significand: &mut u64| short_digit_run(bytes, i, significand, MOST);
        let int_digits = run(&mut i, &mut significand)?;
        let leading_zero = bytes.get(usize::from(negative)) == Some(&b'0') && int_digits > 1;
        if int_digits == 0 || leading_zero {
            return None;
        }
        let mut fraction_digits = None;
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            match run(&mut i, &mut significand)? {
                0 => return None,
                n => fraction_digits = Some(n),
            }
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) {
            return None;
        }
        self.at += i;
        Some(Number {
            negative,
            significand,
            fraction_digits,
        })
    }

    fn f64(&mut self) -> Option<f64> {
        self.number().map(|n| n.to_f64())
    }

    /// `null` (`Some(None)`) or what `value` reads.
    fn nullable<T>(&mut self, value: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.null()? {
            Some(None)
        } else {
            value(self).map(Some)
        }
    }

    /// `null` or a number of a per-fix channel (speed, limit, accuracy),
    /// whose values are short: [`Scanner::short_number`] first.
    fn opt_channel_f64(&mut self) -> Option<Option<f64>> {
        self.nullable(|s| s.short_number().or_else(|| s.number()).map(|n| n.to_f64()))
    }

    /// An integer: the value `serde_json`'s `i64` deserialisation gives, or
    /// `None` where it errs or reads a float (a point, an exponent, `-0`);
    /// [`Scanner::number`]'s grammar without its fraction bookkeeping (the
    /// long `timestamps_ms` arrays are integers).
    fn i64(&mut self) -> Option<i64> {
        let (negative, magnitude, digits) = self.integer_part()?;
        if digits > MAX_DIGITS
            || (negative && magnitude == 0)
            || matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E'))
        {
            return None;
        }
        let v = i64::try_from(magnitude).ok()?;
        Some(if negative { -v } else { v })
    }

    /// [`Scanner::i64`] for an element of `timestamps_ms`: Unix milliseconds
    /// ([`Scanner::long_positive_integer`]) first. Only there: in the
    /// general `i64` the shortcut made the waypoint parser's code larger and
    /// slower.
    fn unix_ms(&mut self) -> Option<i64> {
        if let Some(v) = self.long_positive_integer() {
            return Some(v);
        }
        self.i64()
    }

    /// The shape of a Unix millisecond time, read in two words: a positive
    /// integer of 8 to 15 digits written right here (no space before it,
    /// no leading zero), followed by neither a digit nor `.`, `e`, `E`.
    /// `None` (nothing read) for any other shape, which [`Scanner::i64`]
    /// reads the general way; where this reads, the general way gives the
    /// same value (the same digits, summed exactly in a `u64`).
    #[inline]
    fn long_positive_integer(&mut self) -> Option<i64> {
        let words = self.bytes.get(self.at..self.at + 16)?;
        if !(b'1'..=b'9').contains(&words[0]) {
            return None;
        }
        let mut first = [0_u8; 8];
        first.copy_from_slice(&words[..8]);
        let first = u64::from_le_bytes(first);
        let high = if first == self.last_high.0 {
            self.last_high.1
        } else {
            let (high, count) = eight_digits(&words[..8]);
            if count < 8 {
                return None;
            }
            self.last_high = (first, high);
            high
        };
        let (low, more) = eight_digits(&words[8..]);
        if more == 8 || matches!(words[8 + more], b'.' | b'e' | b'E') {
            return None;
        }
        self.at += 8 + more;
        i64::try_from(high * POW10_U64[more] + low).ok()
    }

    /// `null` or an integer that fits `T` (serde errs on one that does not).
    fn opt_int<T: TryFrom<i64>>(&mut self) -> Option<Option<T>> {
        self.nullable(|s| T::try_from(s.i64()?).ok())
    }

    fn opt_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        self.nullable(Self::string)
    }

    /// Opens a container: eats `open`, then `close` if it follows at once;
    /// `true` when the container is empty (and closed).
    fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.eat(open)?;
        let empty = self.peek()? == close;
        if empty {
            self.at += 1;
        }
        Some(empty)
    }

    /// After an element: a `,` (`false`: more follow) or `close` (`true`:
    /// the container is done); anything else gives up.
    fn separator(&mut self, close: u8) -> Option<bool> {
        let c = self.peek()?;
        if c != b',' && c != close {
            return None;
        }
        self.at += 1;
        Some(c == close)
    }

    /// `[e, e, …]` with `element` reading each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.open(b'[', b']')? {
            return Some(());
        }
        loop {
            element(self)?;
            if self.separator(b']')? {
                return Some(());
            }
        }
    }

    /// `{"key": value, …}` whose keys `key_index` knows (it gives each key's
    /// index, below 32), with `field` reading the value of the key of that
    /// index. The value of an unknown key is skipped (serde ignores it); an
    /// escaped key and a repeated known one (an error for serde) give up.
    fn object(
        &mut self,
        key_index: impl Fn(&[u8]) -> Option<usize>,
        field: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        self.object_in_order(&mut KeyOrder::default(), key_index, field)
    }

    /// [`Scanner::object`] for one of many objects whose keys come in the
    /// same order (the waypoints of a trip): `order` holds the keys of the
    /// object before, as written, and a key written the same way at the
    /// same place is known from one comparison instead of a scan and a
    /// `match` (it would read the same: a plain key, its closing quote
    /// included).
    fn object_in_order(
        &mut self,
        order: &mut KeyOrder<'a>,
        key_index: impl Fn(&[u8]) -> Option<usize>,
        mut field: impl FnMut(&mut Self, usize) -> Option<()>,
    ) -> Option<()> {
        if self.open(b'{', b'}')? {
            return Some(());
        }
        let mut seen = 0_u32;
        for place in 0.. {
            let known = order.0.get(place).copied().filter(|(quoted, _)| {
                self.peek().is_some() && quoted.starts(&self.bytes[self.at..])
            });
            let key = if let Some((quoted, key)) = known {
                self.at += quoted.text.len();
                Some(key)
            } else {
                let start = self.peek().map(|_| self.at);
                let key = self.key(&key_index)?;
                if let (Some(start), Some(index)) = (start, key) {
                    let quoted = QuotedKey::new(&self.bytes[start..self.at]);
                    order.0.truncate(place);
                    order.0.push((quoted, index));
                }
                key
            };
            if let Some(key) = key {
                if seen & (1 << key) != 0 {
                    return None;
                }
                seen |= 1 << key;
                self.eat(b':')?;
                field(self, key)?;
            } else {
                self.eat(b':')?;
                self.skip_value(0)?;
            }
            if self.separator(b'}')? {
                return Some(());
            }
        }
        None
    }

    /// The index of the quoted key that comes next, `Some(None)` for a key
    /// `key_index` does not know (escapes give up).
    fn key(&mut self, key_index: impl Fn(&[u8]) -> Option<usize>) -> Option<Option<usize>> {
        self.eat(b'"')?;
        let start = self.at;
        let end = start + plain_run(&self.bytes[start..]);
        if *self.bytes.get(end)? != b'"' {
            return None;
        }
        self.at = end + 1;
        Some(key_index(&self.bytes[start..end]))
    }

    /// Skips one JSON value of any type, checking it as strictly as
    /// `serde_json` does when it ignores a value (a malformed one gives up,
    /// so serde reports it); `depth` counts the enclosing arrays and objects
    /// (past [`MAX_SKIP_DEPTH`] gives up, well below serde's limit).
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_SKIP_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' => {
                if self.open(b'{', b'}')? {
                    return Some(());
                }
                loop {
                    self.skip_string()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    if self.separator(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                if self.open(b'[', b']')? {
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if self.separator(b']')? {
                        return Some(());
                    }
                }
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.skip_number(),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        (self.bytes.get(self.at..self.at + word.len())? == word).then(|| self.at += word.len())
    }

    /// A string, skipped: escapes `\"\\/bfnrt` and `\u` with four hex
    /// digits; a control character gives up, as in JSON.
    fn skip_string(&mut self) -> Option<()> {
        self.eat(b'"')?;
        loop {
            self.at += plain_run(self.bytes.get(self.at..)?);
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => {
                    let escape = *self.bytes.get(self.at + 1)?;
                    self.at += 2;
                    match escape {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.bytes.get(self.at..self.at + 4)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.at += 4;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// A number, skipped: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn skip_number(&mut self) -> Option<()> {
        let b = self.bytes;
        let mut i = self.at;
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i > start
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                digits(&mut i);
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !digits(&mut i) {
                return None;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !digits(&mut i) {
                return None;
            }
        }
        self.at = i;
        Some(())
    }

    fn opt_array<T>(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Option<Vec<T>>> {
        self.nullable(|s| {
            let mut out = Vec::new();
            s.array(|s| {
                out.push(element(s)?);
                Some(())
            })?;
            Some(out)
        })
    }

    /// `road_types`: `null` or an array of names (or `null`s) interned as
    /// they are read, as [`Scanner::opt_streamed`] reads them; a name
    /// written exactly as the one before it (a road lasts many fixes) is
    /// known from one comparison of its bytes and repeats that fix's code.
    /// Its own loop, not [`Scanner::opt_streamed`]'s: handing the repeated
    /// name back to [`crate::input::RoadTypes::push`] (trimmed and compared
    /// again) cost 2.8 % more instructions on compact input than repeating
    /// the code.
    fn opt_road_types(&mut self) -> Option<Option<WireRoadTypes>> {
        self.nullable(|s| {
            let mut out = WireRoadTypes::default();
            // The bytes of the last name, when they had no escapes (so no
            // quote or backslash: written as themselves).
            let mut last: Option<&'a [u8]> = None;
            s.array(|s| {
                if let Some(bytes) = last
                    && s.eat_plain_string(bytes)
                {
                    out.0.repeat_last();
                    return Some(());
                }
                let name = s.opt_string()?;
                last = match &name {
                    Some(Cow::Borrowed(text)) => Some(text.as_bytes()),
                    _ => None,
                };
                out.take(name.map(WireName));
                Some(())
            })?;
            Some(out)
        })
    }

    /// Whether the next value is the string of exactly `bytes` (which hold
    /// no quote or backslash) between quotes; consumed if so.
    fn eat_plain_string(&mut self, bytes: &[u8]) -> bool {
        if self.peek() != Some(b'"') {
            return false;
        }
        let (start, end) = (self.at + 1, self.at + 1 + bytes.len());
        let same = self.bytes.get(start..end) == Some(bytes) && self.bytes.get(end) == Some(&b'"');
        if same {
            self.at = end + 1;
        }
        same
    }

    /// `null` or an array read element by element into a [`StreamedSeq`],
    /// as serde's visitor for it does.
    fn opt_streamed<S: StreamedSeq<'a>>(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Option<S::Item>,
    ) -> Option<Option<S>> {
        self.nullable(|s| {
            let mut out = S::default();
            s.array(|s| {
                out.take(element(s)?);
                Some(())
            })?;
            Some(out)
        })
    }
}

/// The index of a waypoint key, as in the `match` of [`waypoint`].
fn waypoint_key(key: &[u8]) -> Option<usize> {
    Some(match key {
        b"latitude" => 0,
        b"longitude" => 1,
        b"timestamp" => 2,
        b"speed" => 3,
        b"speed_limit" => 4,
        b"road_type" => 5,
        b"accuracy" => 6,
        _ => return None,
    })
}

/// One waypoint object.
fn waypoint<'a>(s: &mut Scanner<'a>, order: &mut KeyOrder<'a>) -> Option<WireWaypoint<'a>> {
    let (mut latitude, mut longitude, mut timestamp) = (None, None, None);
    let (mut speed, mut speed_limit, mut road_type, mut accuracy) = (None, None, None, None);
    s.object_in_order(order, waypoint_key, |s, key| {
        match key {
            0 => latitude = Some(s.f64()?),
            1 => longitude = Some(s.f64()?),
            2 => timestamp = Some(s.string()?),
            3 => speed = s.opt_channel_f64()?,
            4 => speed_limit = s.opt_channel_f64()?,
            5 => road_type = s.opt_string()?,
            _ => accuracy = s.opt_channel_f64()?,
        }
        Some(())
    })?;
    Some(WireWaypoint {
        latitude: latitude?,
        longitude: longitude?,
        timestamp: timestamp?,
        speed,
        speed_limit,
        road_type,
        accuracy,
    })
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
    let key_index = |key: &[u8]| match key {
        b"start" => Some(0),
        b"end" => Some(1),
        _ => None,
    };
    s.object(key_index, |s, key| {
        if key == 0 {
            start = Some(instant(s)?);
        } else {
            end = Some(instant(s)?);
        }
        Some(())
    })?;
    Some(WireInterval {
        start: start?,
        end: end?,
    })
}

/// The index of a record key, as in the `match` of [`parse`] (unknown keys
/// are `serde_json`'s job).
fn record_key(key: &[u8]) -> Option<usize> {
    Some(match key {
        b"user_id" => 0,
        b"event_id" => 1,
        b"waypoints" => 2,
        b"encoded" => 3,
        b"precision" => 4,
        b"timestamps_ms" => 5,
        b"speeds_kmh" => 6,
        b"speed_limits_kmh" => 7,
        b"accuracies_m" => 8,
        b"road_types" => 9,
        b"utc_offset_minutes" => 10,
        b"phone_handling" => 11,
        b"mounted" => 12,
        _ => return None,
    })
}

/// The record, or `None` when it is not in the subset this scanner reads
/// (the caller then uses `serde_json`).
pub(super) fn parse(line: &str) -> Option<WireTrip<'_>> {
    let mut s = Scanner::new(line);
    let mut wire = WireTrip::default();
    s.object(record_key, |s, key| {
        match key {
            0 => wire.user_id = s.opt_string()?,
            1 => wire.event_id = s.opt_string()?,
            2 => {
                let mut order = KeyOrder::default();
                wire.waypoints = s.opt_streamed(|s| waypoint(s, &mut order))?;
            }
            3 => wire.encoded = s.opt_string()?,
            4 => wire.precision = s.opt_int()?,
            5 => wire.timestamps_ms = s.opt_array(Scanner::unix_ms)?,
            6 => wire.speeds_kmh = s.opt_array(Scanner::opt_channel_f64)?,
            7 => wire.speed_limits_kmh = s.opt_array(Scanner::opt_channel_f64)?,
            8 => wire.accuracies_m = s.opt_array(Scanner::opt_channel_f64)?,
            9 => wire.road_types = s.opt_road_types()?,
            10 => wire.utc_offset_minutes = s.opt_int()?,
            11 => wire.phone_handling = s.opt_array(interval)?,
            _ => wire.mounted = s.opt_array(interval)?,
        }
        Some(())
    })?;
    // Only whitespace may follow the record.
    if s.peek().is_some() {
        return None;
    }
    Some(wire)
}
