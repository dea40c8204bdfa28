//! What the commands share about the outside world: opening inputs, the
//! output (refusing one that is an input, or a closed stdout), progress on
//! stderr, and stopping cleanly on SIGINT/SIGTERM.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tripscore::input::{InputOptions, open_input_with};
use tripscore::{BatchSummary, Records};

use super::Fatal;

/// Opened inputs, read one after another, with what progress needs.
pub(crate) struct Inputs {
    pub(crate) records: Records,
    /// Bytes read so far (compressed bytes for compressed inputs).
    bytes_read: Arc<AtomicU64>,
    /// The bytes read when each record not yet written was read.
    stamps: Arc<Mutex<VecDeque<u64>>>,
    total_bytes: Option<u64>,
}

/// The input names, `-` (stdin) when none are given.
pub(crate) fn input_names(inputs: &[String]) -> Vec<String> {
    if inputs.is_empty() {
        vec!["-".to_owned()]
    } else {
        inputs.to_vec()
    }
}

/// Checks that every input can be opened (so that a typo fails at once) and
/// returns them as one stream, each opened when the one before is done (so
/// that a thousand inputs hold one file and one buffer at a time). A note
/// on how an input is read (a format chosen against its extension, or a
/// guess) goes to stderr unless `quiet`.
pub(crate) fn open_all(
    inputs: &[String],
    options: InputOptions,
    quiet: bool,
) -> Result<Inputs, Fatal> {
    let names = input_names(inputs);
    let total_bytes = check_readable(&names)?;
    let bytes_read = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&bytes_read);
    let records = names.into_iter().flat_map(move |name| -> Records {
        match open_input_with(&name, &options, Some(&counter)) {
            Ok(opened) => {
                if let (Some(note), false) = (&opened.note, quiet) {
                    eprintln!("tripscore: note: {note}");
                }
                opened.records
            }
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    });
    let stamps = Arc::new(Mutex::new(VecDeque::new()));
    let (stamp_to, bytes) = (Arc::clone(&stamps), Arc::clone(&bytes_read));
    let records = records.inspect(move |_| {
        stamp_to
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(bytes.load(Ordering::Relaxed));
    });
    Ok(Inputs {
        records: Box::new(records),
        bytes_read,
        stamps,
        total_bytes,
    })
}

/// Checks that every input can be opened (so that a typo fails before any
/// work); returns their total size when all are regular files.
pub(crate) fn check_readable(names: &[String]) -> Result<Option<u64>, Fatal> {
    let mut total_bytes = Some(0);
    for name in names {
        if name == "-" {
            total_bytes = None;
            continue;
        }
        let file = File::open(name).map_err(|e| Fatal::new(format!("{name}: {e}")))?;
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        total_bytes = total_bytes.zip(size).map(|(a, b)| a + b);
    }
    Ok(total_bytes)
}

/// Progress on stderr while a batch runs, only when stderr is a terminal:
/// records written (not read: reading runs a window ahead), errors, rate,
/// and with a known input size the share done and the time left, in at
/// most 80 columns.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    stamps: Arc<Mutex<VecDeque<u64>>>,
    written: AtomicU64,
    bytes_read: Arc<AtomicU64>,
}

impl Progress {
    pub(crate) fn new(inputs: &Inputs, quiet: bool) -> Self {
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let (bar, template) = match inputs.total_bytes {
                Some(total) => (
                    ProgressBar::new(total),
                    "{bar:20} {percent:>3}% {msg} · {eta} left",
                ),
                None => (ProgressBar::new_spinner(), "{spinner} {msg}"),
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.set_draw_target(ProgressDrawTarget::stderr());
            bar
        });
        Self {
            bar,
            stamps: Arc::clone(&inputs.stamps),
            written: AtomicU64::new(0),
            bytes_read: Arc::clone(&inputs.bytes_read),
        }
    }

    pub(crate) fn update(&self, s: &BatchSummary) {
        // Drop the stamps of the records written since the last update; the
        // last one is how far into the input the output is.
        let before = self.written.swap(s.records, Ordering::Relaxed);
        let mut stamps = self.stamps.lock().unwrap_or_else(PoisonError::into_inner);
        let mut at = None;
        for _ in before..s.records {
            at = stamps.pop_front().or(at);
        }
        drop(stamps);
        let Some(bar) = &self.bar else {
            return;
        };
        let at = at.unwrap_or_else(|| self.bytes_read.load(Ordering::Relaxed));
        bar.set_position(at);
        let secs = s.elapsed.as_secs_f64();
        #[allow(clippy::cast_precision_loss, reason = "a rate for display")]
        let rate = if secs > 0.0 {
            s.records as f64 / secs
        } else {
            0.0
        };
        bar.set_message(format!(
            "{} trips, {} errors, {rate:.0}/s",
            s.records, s.errors
        ));
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Where a command writes: stdout (`None` or `-`) or a file. Refuses a file
/// that is one of `inputs` (it would be truncated before it is read), a
/// stdout redirected into an input, and a stdout that was closed (`>&-`:
/// the output would be lost).
pub(crate) fn output(path: Option<&str>, inputs: &[String]) -> Result<Box<dyn Write>, Fatal> {
    match path {
        None | Some("-") => {
            check_stdout(inputs)?;
            Ok(Box::new(BufWriter::with_capacity(
                1 << 20,
                io::stdout().lock(),
            )))
        }
        Some(p) => {
            if let Some(input) = same_file_as(p, inputs) {
                return Err(Fatal::new(format!(
                    "refusing to write {p}: it is the input {input} (it would be emptied before \
                     it is read); write to another file"
                )));
            }
            let file = File::create(p).map_err(|e| Fatal::new(format!("{p}: {e}")))?;
            Ok(Box::new(BufWriter::with_capacity(1 << 20, file)))
        }
    }
}

/// The input that `path` is the same file as, if any.
fn same_file_as<'a>(path: &str, inputs: &'a [String]) -> Option<&'a str> {
    let target = std::fs::metadata(path).ok()?;
    inputs
        .iter()
        .filter(|i| i.as_str() != "-")
        .find(|i| std::fs::metadata(i).is_ok_and(|m| same_file(&m, &target)))
        .map(String::as_str)
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Stdout must be open and must not be one of the inputs.
fn check_stdout(inputs: &[String]) -> Result<(), Fatal> {
    if stdout_was_closed() {
        return Err(Fatal::new(
            "stdout is closed, so the output would be lost; redirect it or give -o FILE",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let stdout = io::stdout();
        let meta = stdout
            .as_fd()
            .try_clone_to_owned()
            .map(File::from)
            .and_then(|f| f.metadata());
        if let Some(meta) = meta.ok().filter(std::fs::Metadata::is_file)
            && let Some(input) = inputs
                .iter()
                .filter(|i| i.as_str() != "-")
                .find(|i| std::fs::metadata(i).is_ok_and(|m| same_file(&m, &meta)))
        {
            return Err(Fatal::new(format!(
                "stdout is the input {input}: reading and writing one file loses it; \
                     redirect to another file"
            )));
        }
    }
    Ok(())
}

/// Whether stdout was closed when the program started. The Rust runtime
/// reopens a closed stdout on /dev/null (read-write) before `main`, so
/// writes would succeed into nothing; a shell's `> /dev/null` opens it
/// write-only. Linux only (read from /proc); elsewhere, false.
fn stdout_was_closed() -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let (Ok(fd), Ok(null)) = (
            std::fs::metadata("/proc/self/fd/1"),
            std::fs::metadata("/dev/null"),
        ) else {
            return false;
        };
        if fd.rdev() != null.rdev() {
            return false;
        }
        // fdinfo's "flags:" is octal; O_ACCMODE = 3, O_RDWR = 2.
        std::fs::read_to_string("/proc/self/fdinfo/1").is_ok_and(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                .is_some_and(|flags| flags & 3 == 2)
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// SIGINT and SIGTERM: the first asks the batch to stop at the next record
/// boundary (whole lines, flushed), a second one ends the process at once.
pub(crate) struct StopSignals {
    /// Set by either signal.
    pub(crate) stop: Arc<AtomicBool>,
    /// The signal number received, 0 for none.
    signal: Arc<AtomicUsize>,
}

impl StopSignals {
    pub(crate) fn install() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = Arc::new(AtomicUsize::new(0));
        #[cfg(unix)]
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // Registration fails only for forbidden signals; these are not.
            let exit_status = 128 + sig;
            let _ = signal_hook::flag::register_conditional_shutdown(
                sig,
                exit_status,
                Arc::clone(&stop),
            );
            let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
            #[allow(clippy::cast_sign_loss, reason = "signal numbers are positive")]
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&signal), sig as usize);
        }
        Self { stop, signal }
    }

    /// The signal that stopped the run, if one did.
    pub(crate) fn received(&self) -> Option<i32> {
        match self.signal.load(Ordering::Relaxed) {
            0 => None,
            s => i32::try_from(s).ok(),
        }
    }
}
