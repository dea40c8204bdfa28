//! Opening an input: decompression (gzip, zstd, by magic bytes), a UTF-8
//! byte-order mark dropped, the format chosen (`--format`, else the content,
//! else the extension), and a record-size limit so that no input can take
//! unbounded memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{
    CsvReader, ErrorKind, GpxReader, InputError, InputRecord, JsonlReader, Payload, RecordPos,
    Records,
};

/// The default of [`InputOptions::max_record_bytes`]: 256 MiB, some 50 times
/// the largest real trip line we know (an 8-hour 1 Hz trip in waypoint
/// form is about 5 MB).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 256 << 20;

/// Bytes read from the start of an input to recognise its format.
const SNIFF_BYTES: usize = 64 << 10;

/// The input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputFormat {
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    Jsonl,
    /// One JSON document: a trip object, or an array of them (`.json`).
    Json,
    /// One row per fix, trips grouped by `user_id` + `event_id` (`.csv`).
    Csv,
    /// GPX tracks, one trip each (`.gpx`).
    Gpx,
    /// Parquet: a trip per row with list columns, or a fix per row
    /// (`.parquet`; the `parquet` feature).
    Parquet,
    /// Arrow IPC, the file (`.arrow`, `.feather`) or the stream format
    /// (`.arrows`; readable from a pipe), with the columns of Parquet input
    /// (the `parquet` feature).
    Arrow,
}

impl InputFormat {
    /// The name used by `--format`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Jsonl => "jsonl",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Gpx => "gpx",
            Self::Parquet => "parquet",
            Self::Arrow => "arrow",
        }
    }

    /// The format a `--format` name stands for.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Jsonl,
            Self::Json,
            Self::Csv,
            Self::Gpx,
            Self::Parquet,
            Self::Arrow,
        ]
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    /// The format `path`'s extension names (after a `.gz`/`.zst`), if any.
    #[must_use]
    pub fn of_extension(path: &str) -> Option<Self> {
        let ext = |p: &Path| {
            p.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
        };
        let mut path = Path::new(path);
        let mut e = ext(path);
        if matches!(e.as_deref(), Some("gz" | "zst" | "zstd")) {
            path = Path::new(path.file_stem()?);
            e = ext(path);
        }
        match e.as_deref()? {
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            "json" | "geojson" => Some(Self::Json),
            "csv" => Some(Self::Csv),
            "gpx" => Some(Self::Gpx),
            "parquet" | "pq" => Some(Self::Parquet),
            "arrow" | "arrows" | "ipc" | "feather" => Some(Self::Arrow),
            _ => None,
        }
    }
}

impl std::fmt::Display for InputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name().to_ascii_uppercase())
    }
}

/// A compression recognised by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (RFC 1952), members concatenated as `gzip` writes them.
    Gzip,
    /// Zstandard, frames concatenated.
    Zstd,
}

/// How inputs are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputOptions {
    /// The format of every input; `None` recognises each by its content,
    /// then its extension.
    pub format: Option<InputFormat>,
    /// The largest record accepted, bytes: a JSONL line, a JSON document, a
    /// CSV row, the text between two GPX tags. A larger one is an error
    /// record (kind `too_large`) and takes no more memory than this.
    pub max_record_bytes: usize,
}

impl Default for InputOptions {
    fn default() -> Self {
        Self {
            format: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// An opened input.
pub struct OpenedInput {
    /// Its records.
    pub records: Records,
    /// The format it is read as.
    pub format: InputFormat,
    /// Its compression.
    pub compression: Compression,
    /// A hint for the user when the format was a guess against the evidence
    /// (the content and the extension disagree, or neither tells).
    pub note: Option<String>,
}

/// Opens an input by path (`-` = stdin) with the default [`InputOptions`].
///
/// # Errors
/// The file cannot be opened or its first bytes read.
pub fn open_input(path: &str) -> io::Result<Records> {
    Ok(open_input_with(path, &InputOptions::default(), None)?.records)
}

/// Opens an input by path (`-` = stdin): decompressed, its byte-order mark
/// dropped, its format chosen by `options`, the content, or the extension
/// (in that order); every byte read is added to `bytes_read` (for progress).
///
/// # Errors
/// The file cannot be opened, its first bytes read, or its compressed
/// header decoded.
///
/// # Example
/// ```
/// use tripscore::input::{InputFormat, InputOptions, open_input_with};
/// let opened = open_input_with("data/ndsbr/ndsbr.csv", &InputOptions::default(), None)?;
/// assert_eq!(opened.format, InputFormat::Csv);
/// assert!(opened.records.count() > 0);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn open_input_with(
    path: &str,
    options: &InputOptions,
    bytes_read: Option<&Arc<AtomicU64>>,
) -> io::Result<OpenedInput> {
    Ok(records_of(open_plain(path, bytes_read)?, path, options))
}

/// Like [`open_input_with`], for bytes from anywhere (memory, a socket, an
/// object store): `name` names the records and, by its extension, helps
/// choose the format.
///
/// # Errors
/// The first bytes cannot be read, or a compressed header decoded.
///
/// # Example
/// ```
/// use tripscore::input::{InputFormat, InputOptions, open_reader};
/// let csv = "user_id,event_id,lat,lon,timestamp_ms\nu,e,48.1,11.5,1553240265000\nu,e,48.2,11.5,1553240275000\n";
/// let opened = open_reader(Box::new(csv.as_bytes()), "upload", &InputOptions::default())?;
/// assert_eq!(opened.format, InputFormat::Csv);
/// let trip = opened.records.map(|r| r.unwrap().into_trajectory()).next().unwrap();
/// assert_eq!(trip.map(|t| t.len()).ok(), Some(2));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn open_reader(
    reader: Box<dyn Read + Send>,
    name: &str,
    options: &InputOptions,
) -> io::Result<OpenedInput> {
    Ok(records_of(plain_of(reader, name, None)?, name, options))
}

/// The records of a plain input.
fn records_of(plain: Plain, path: &str, options: &InputOptions) -> OpenedInput {
    let by_content = sniff(&plain.head, plain.complete);
    let by_extension = InputFormat::of_extension(path);
    let format = options
        .format
        .or(by_content.map(|(f, _)| f))
        .or(by_extension)
        .unwrap_or(InputFormat::Jsonl);
    let note = note(path, options.format, by_content, by_extension, &plain.head);
    let compression = plain.compression;
    let ipc_file = plain.head.starts_with(ARROW_FILE_MAGIC);
    let reader = plain.into_reader();
    let max = options.max_record_bytes.max(1);
    let records: Records = match format {
        InputFormat::Jsonl => Box::new(JsonlReader::new(reader, path).with_max_line_bytes(max)),
        InputFormat::Json => {
            // Read when the first record is asked for, not at opening.
            let source = path.to_owned();
            Box::new(
                std::iter::once_with(move || read_json_document(reader, &source, max))
                    .flatten()
                    .map(Ok),
            )
        }
        InputFormat::Csv => Box::new(CsvReader::new(RunLimit::new(reader, b'\n', max), path)),
        InputFormat::Gpx => Box::new(GpxReader::new(
            BufReader::with_capacity(1 << 16, RunLimit::new(reader, b'<', max)),
            path,
        )),
        InputFormat::Parquet => parquet_records(path),
        InputFormat::Arrow => arrow_records(path, reader, ipc_file, compression),
    };
    OpenedInput {
        records,
        format,
        compression,
        note,
    }
}

/// Opens a text input by path (`-` = stdin): decompressed (gzip, zstd, by
/// their magic bytes) and without a UTF-8 byte-order mark; every byte read
/// is added to `bytes_read`. For line readers of other shapes (`aggregate`
/// reads `score` output this way).
///
/// # Errors
/// The file cannot be opened, its first bytes read, or its compressed
/// header decoded.
pub fn open_text(
    path: &str,
    bytes_read: Option<&Arc<AtomicU64>>,
) -> io::Result<Box<dyn BufRead + Send>> {
    Ok(Box::new(open_plain(path, bytes_read)?.into_reader()))
}

/// An input's plain bytes: its first bytes (for recognising the format)
/// and the rest.
struct Plain {
    head: Vec<u8>,
    /// `head` is the whole input.
    complete: bool,
    rest: Box<dyn Read + Send>,
    compression: Compression,
}

/// The reader of a [`Plain`] input: its first bytes again, then the rest.
type PlainReader = BufReader<io::Chain<io::Cursor<Vec<u8>>, Box<dyn Read + Send>>>;

impl Plain {
    fn into_reader(self) -> PlainReader {
        BufReader::with_capacity(1 << 20, io::Cursor::new(self.head).chain(self.rest))
    }
}

/// Opens `path`, counts its bytes, decompresses it, drops a byte-order mark
/// and reads its first bytes.
fn open_plain(path: &str, bytes_read: Option<&Arc<AtomicU64>>) -> io::Result<Plain> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        let file =
            File::open(path).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
        Box::new(file)
    };
    plain_of(raw, path, bytes_read)
}

/// [`open_plain`] of an opened reader named `path`.
fn plain_of(
    raw: Box<dyn Read + Send>,
    path: &str,
    bytes_read: Option<&Arc<AtomicU64>>,
) -> io::Result<Plain> {
    let named = |e: io::Error| io::Error::new(e.kind(), format!("{path}: {e}"));
    let raw: Box<dyn Read + Send> = match bytes_read {
        Some(counter) => Box::new(CountingReader {
            inner: raw,
            bytes: Arc::clone(counter),
        }),
        None => raw,
    };
    let (magic, raw) = peek(raw, 4).map_err(named)?;
    let (compression, plain): (Compression, Box<dyn Read + Send>) = match magic.as_slice() {
        [0x1f, 0x8b, ..] => (
            Compression::Gzip,
            Box::new(flate2::read::MultiGzDecoder::new(raw)),
        ),
        [0x28, 0xb5, 0x2f, 0xfd] => (
            Compression::Zstd,
            Box::new(ZstdFrames::new(BufReader::with_capacity(1 << 16, raw)).map_err(named)?),
        ),
        _ => (Compression::None, raw),
    };
    let (mut head, rest) = peek_apart(plain, SNIFF_BYTES).map_err(named)?;
    let complete = head.len() < SNIFF_BYTES;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    Ok(Plain {
        head,
        complete,
        rest,
        compression,
    })
}

/// The records of a Parquet file, or the one error record saying why not
/// (stdin, or a build without the `parquet` feature).
fn parquet_records(path: &str) -> Records {
    if path == "-" {
        return error_records(
            path,
            "Parquet cannot be read from stdin (its index is at the end): give the file".into(),
        );
    }
    #[cfg(feature = "parquet")]
    {
        match File::open(path).and_then(|f| super::ParquetReader::open(f, path)) {
            Ok(reader) => Box::new(reader),
            Err(e) => error_records(path, e.to_string()),
        }
    }
    #[cfg(not(feature = "parquet"))]
    {
        error_records(
            path,
            "Parquet input needs tripscore built with `--features parquet`".into(),
        )
    }
}

/// The first bytes of an Arrow IPC file (the stream format starts with
/// [`ARROW_STREAM_MAGIC`], a message's continuation marker).
const ARROW_FILE_MAGIC: &[u8] = b"ARROW1";
/// The first bytes of an Arrow IPC stream.
const ARROW_STREAM_MAGIC: &[u8] = &[0xff, 0xff, 0xff, 0xff];

/// One error record for `path`, saying `message`.
fn error_records(path: &str, message: String) -> Records {
    let error = InputError::new(ErrorKind::Field, message);
    Box::new(std::iter::once(Ok(InputRecord::trip(
        &path.into(),
        1,
        Err(error),
    ))))
}

/// The records of an Arrow IPC input: the stream format from any reader
/// (a pipe, decompressed bytes), the file format from a plain file (its
/// index is at the end); otherwise the one error record saying why not.
#[cfg_attr(
    not(feature = "parquet"),
    allow(
        unused_variables,
        clippy::needless_pass_by_value,
        reason = "read only with the feature"
    )
)]
fn arrow_records(
    path: &str,
    reader: PlainReader,
    file_format: bool,
    compression: Compression,
) -> Records {
    #[cfg(feature = "parquet")]
    {
        let named = |e: &dyn std::fmt::Display| format!("{path}: {e}");
        if !file_format {
            return match super::parquet::contained(|| {
                arrow_ipc::reader::StreamReader::try_new(reader, None)
            }) {
                Ok(Ok(batches)) => Box::new(super::ArrowTrips::new(batches, path)),
                Ok(Err(e)) => error_records(path, named(&e)),
                Err(e) => error_records(path, named(&e)),
            };
        }
        if path == "-" || compression != Compression::None {
            return error_records(
                path,
                "an Arrow IPC file must be a plain file (its index is at the end): \
                 give the file, or pipe the IPC stream format"
                    .into(),
            );
        }
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) => return error_records(path, named(&e)),
        };
        match super::parquet::contained(|| {
            arrow_ipc::reader::FileReader::try_new_buffered(file, None)
        }) {
            Ok(Ok(batches)) => Box::new(super::ArrowTrips::new(batches, path)),
            Ok(Err(e)) => error_records(path, named(&e)),
            Err(e) => error_records(path, named(&e)),
        }
    }
    #[cfg(not(feature = "parquet"))]
    {
        error_records(
            path,
            "Arrow IPC input needs tripscore built with `--features parquet`".into(),
        )
    }
}

/// Reads up to `n` bytes from `reader` (fewer only at its end); returns them
/// and the reader of the rest.
fn peek_apart(
    mut reader: Box<dyn Read + Send>,
    n: usize,
) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(n);
    (&mut reader).take(n as u64).read_to_end(&mut head)?;
    Ok((head, reader))
}

/// Reads up to `n` bytes from `reader` (fewer only at its end) and returns
/// them with a reader that yields them again, then the rest.
fn peek(mut reader: Box<dyn Read + Send>, n: usize) -> io::Result<(Vec<u8>, Box<dyn Read + Send>)> {
    let mut head = Vec::with_capacity(n);
    (&mut reader).take(n as u64).read_to_end(&mut head)?;
    let again = io::Cursor::new(head.clone()).chain(reader);
    Ok((head, Box::new(again)))
}

/// The format the first bytes of an input show, with what showed it.
/// `complete`: the bytes are the whole input.
fn sniff(head: &[u8], complete: bool) -> Option<(InputFormat, &'static str)> {
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    if head.starts_with(b"PAR1") {
        return Some((InputFormat::Parquet, "it starts with Parquet's magic bytes"));
    }
    if head.starts_with(ARROW_FILE_MAGIC) || head.starts_with(ARROW_STREAM_MAGIC) {
        return Some((InputFormat::Arrow, "it starts with Arrow IPC's magic bytes"));
    }
    let text = &head[start..];
    let first_line = match memchr::memchr(b'\n', text) {
        Some(end) => Some(&text[..end]),
        None if complete => Some(text),
        None => None,
    };
    match text[0] {
        b'<' => Some((InputFormat::Gpx, "it starts with an XML tag")),
        b'[' => Some((InputFormat::Json, "it starts with a JSON array")),
        b'{' => match first_line {
            Some(line) => match serde_json::from_slice::<serde::de::IgnoredAny>(line) {
                Err(e) if e.is_eof() => Some((
                    InputFormat::Json,
                    "its first line starts a JSON document that goes on over more lines",
                )),
                _ => Some((InputFormat::Jsonl, "its first line is a JSON object")),
            },
            // A first line longer than the sniffed bytes: one long JSONL line.
            None => Some((InputFormat::Jsonl, "it starts with a long JSON line")),
        },
        _ => {
            let header = String::from_utf8_lossy(first_line?);
            let cells = header.split(',').map(|c| c.trim().trim_matches('"'));
            let latitude = |c: &str| super::columns::is_named(c, super::columns::LATITUDE);
            (header.contains(',') && cells.clone().any(latitude)).then_some((
                InputFormat::Csv,
                "its first line is a CSV header with a latitude column",
            ))
        }
    }
}

/// The hint for a format chosen against the evidence, if any.
fn note(
    path: &str,
    forced: Option<InputFormat>,
    by_content: Option<(InputFormat, &str)>,
    by_extension: Option<InputFormat>,
    head: &[u8],
) -> Option<String> {
    match (forced, by_content, by_extension) {
        (Some(f), Some((c, why)), _) if f != c => Some(format!(
            "{path}: read as {f} (--format), though {why} (as {c})"
        )),
        (None, Some((c, why)), Some(e)) if c != e => Some(format!(
            "{path}: read as {c} because {why}, not as {e} as its extension says; --format chooses"
        )),
        (None, None, None) if head.iter().any(|b| !b.is_ascii_whitespace()) => {
            let start: String = String::from_utf8_lossy(&head[..head.len().min(24)])
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            Some(format!(
                "{path}: the content (starting {start:?}) looks like none of JSONL, JSON, CSV \
                 (a header with a latitude column) or GPX; read as JSONL; --format chooses"
            ))
        }
        _ => None,
    }
}

/// Reads one JSON document (a trip object, or an array of trip objects) into
/// one record per trip; each record's line is where its object starts. A
/// document larger than `max_bytes`, or not valid JSON, is one error record.
fn read_json_document<R: Read>(reader: R, source: &str, max_bytes: usize) -> Vec<InputRecord> {
    let source: Arc<str> = source.into();
    let record = |line: u64, payload: Payload| InputRecord {
        pos: RecordPos {
            source: Arc::clone(&source),
            line,
        },
        payload,
    };
    let error = |line: u64, e: InputError| record(line, Payload::Trip(Box::new(Err(e))));
    let mut bytes = Vec::new();
    if let Err(e) = reader.take(max_bytes as u64 + 1).read_to_end(&mut bytes) {
        return vec![error(
            1,
            InputError::new(ErrorKind::Json, format!("reading: {e}")),
        )];
    }
    if bytes.len() > max_bytes {
        return vec![error(
            1,
            InputError::new(
                ErrorKind::TooLarge,
                format!(
                    "the JSON document is larger than {max_bytes} bytes (the record limit); \
                     write one trip per line (JSONL), e.g. with `jq -c '.[]'`"
                ),
            ),
        )];
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let e = InputError::new(ErrorKind::Json, format!("not UTF-8: {}", e.utf8_error()));
            return vec![error(1, e)];
        }
    };
    let elements: Vec<&serde_json::value::RawValue> = if text.trim_start().starts_with('[') {
        match serde_json::from_str(&text) {
            Ok(elements) => elements,
            Err(e) => {
                let message = format!("not a JSON array of trips: {e}");
                return vec![error(
                    e.line() as u64,
                    InputError::new(ErrorKind::Json, message),
                )];
            }
        }
    } else {
        match serde_json::from_str(&text) {
            Ok(one) => vec![one],
            Err(e) => {
                let message = format!("not a JSON document: {e}");
                return vec![error(
                    e.line() as u64,
                    InputError::new(ErrorKind::Json, message),
                )];
            }
        }
    };
    let (mut line, mut counted_to) = (1_u64, 0_usize);
    elements
        .into_iter()
        .map(|element| {
            let json = element.get();
            // Where the element starts in the text: it borrows from it.
            let offset = json.as_ptr() as usize - text.as_ptr() as usize;
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..offset]).count() as u64;
            counted_to = offset;
            record(line, Payload::JsonLine(json.to_owned()))
        })
        .collect()
}

/// The error a [`RunLimit`] reader gives: too many bytes without a delimiter.
#[derive(Debug, thiserror::Error)]
#[error("more than {max_bytes} bytes without a {delimiter:?} (the record limit)")]
pub(crate) struct RunTooLong {
    pub max_bytes: usize,
    pub delimiter: char,
}

impl RunTooLong {
    /// The limit error inside `e`, if that is what `e` is.
    pub(crate) fn of(e: &io::Error) -> Option<&Self> {
        e.get_ref().and_then(|inner| inner.downcast_ref::<Self>())
    }
}

/// Fails the read (with [`RunTooLong`]) when more than `max_bytes` pass
/// without `delimiter`: the bound on what a CSV row or GPX text can take.
struct RunLimit<R> {
    inner: R,
    delimiter: u8,
    max_bytes: usize,
    run: usize,
}

impl<R> RunLimit<R> {
    fn new(inner: R, delimiter: u8, max_bytes: usize) -> Self {
        Self {
            inner,
            delimiter,
            max_bytes,
            run: 0,
        }
    }
}

impl<R: Read> Read for RunLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        self.run = match memchr::memrchr(self.delimiter, chunk) {
            Some(i) => n - i - 1,
            None => self.run + n,
        };
        if self.run > self.max_bytes {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                RunTooLong {
                    max_bytes: self.max_bytes,
                    delimiter: char::from(self.delimiter),
                },
            ));
        }
        Ok(n)
    }
}

/// Zstandard, frames one after another and skippable frames skipped
/// (libzstd's streaming decoder does both), its errors named as zstd's.
/// libzstd (the `zstd` crate) rather than the pure-Rust `ruzstd`: it
/// inflates several times faster, and the reading thread decompresses
/// beside the workers (docs/PERFORMANCE.md, step 99).
struct ZstdFrames<R: BufRead> {
    decoder: zstd::stream::read::Decoder<'static, R>,
}

impl<R: BufRead> ZstdFrames<R> {
    fn new(source: R) -> io::Result<Self> {
        Ok(Self {
            decoder: zstd::stream::read::Decoder::with_buffer(source)?,
        })
    }
}

impl<R: BufRead> Read for ZstdFrames<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("zstd: {e}")))
    }
}

/// Counts the bytes read through it into a shared counter (for progress).
struct CountingReader<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: io::Read> io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
#[path = "open_tests.rs"]
mod tests;
