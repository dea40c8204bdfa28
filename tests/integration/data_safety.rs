//! Issue #18, one test per case of docs/ROBUSTNESS.md: nothing lost, nothing
//! counted twice, nothing surprising at the command line. Each failed on the
//! tree before the fix.

use std::fs;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::util::{fixture, json_lines, tripscore};

const SEED: &str = "data/seed/seed_trip.jsonl";

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tripscore-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &std::path::Path) -> String {
    p.to_string_lossy().into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A GPX track of 60 fixes, 1 s apart, starting at `lat`.
fn gpx_track(name: &str, lat: f64) -> String {
    let mut t = format!("<trk><name>{name}</name><trkseg>\n");
    for i in 0..60 {
        t += &format!(
            "<trkpt lat=\"{:.5}\" lon=\"11.5\"><time>2014-09-10T05:{:02}:{:02}Z</time></trkpt>\n",
            lat + 1e-4 * f64::from(i),
            i / 60,
            i % 60
        );
    }
    t + "</trkseg></trk>\n"
}

/// Row 1: a bad track among good ones is one error record naming it; the
/// good tracks are scored.
#[test]
fn gpx_bad_track_is_its_own_record() {
    let dir = scratch("gpx");
    let doc = format!(
        "<?xml version=\"1.0\"?><gpx version=\"1.1\" creator=\"t\">{}{}{}</gpx>",
        gpx_track("a", 48.1),
        gpx_track("bad", 91.0),
        gpx_track("c", 48.2)
    );
    let path = dir.join("three.gpx");
    fs::write(&path, doc).unwrap();
    let out = tripscore(&["score", "--quiet", &s(&path)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["event_id"], "a");
    assert_eq!(lines[1]["event_id"], "bad");
    assert_eq!(lines[1]["line"], 2);
    assert_eq!(lines[1]["error"]["field"], "trkpt[0].lat");
    assert_eq!(lines[2]["event_id"], "c");
}

/// Row 2: an output path that is an input is refused, the input untouched;
/// so is a stdout redirected into an input.
#[test]
fn output_that_is_an_input_is_refused() {
    let dir = scratch("same");
    let path = dir.join("same.jsonl");
    fs::copy(fixture(SEED), &path).unwrap();
    let before = fs::read(&path).unwrap();
    let out = tripscore(&["score", &s(&path), "-o", &s(&path)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is the input"), "{}", stderr(&out));
    assert_eq!(fs::read(&path).unwrap(), before);
    let append = fs::OpenOptions::new().append(true).open(&path).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["score", &s(&path)])
        .stdout(append)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read(&path).unwrap(), before);
}

/// Row 3: a closed stdout is found before anything is lost.
#[cfg(target_os = "linux")]
#[test]
fn closed_stdout_is_an_error() {
    let out = Command::new("sh")
        .args(["-c", "exec \"$0\" score \"$1\" >&-"])
        .arg(env!("CARGO_BIN_EXE_tripscore"))
        .arg(fixture(SEED))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("stdout is closed"),
        "{}",
        stderr(&out)
    );
}

/// Row 4: a write error is an error message and status 2, never a panic;
/// a reader that goes away is a quiet success.
#[cfg(target_os = "linux")]
#[test]
fn write_errors_do_not_panic() {
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["config", "--default"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("No space left"), "{}", stderr(&out));
    for args in [&["config", "--default"][..], &["score", SEED]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tripscore"))
            .args(args)
            .current_dir(fixture(""))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("Broken pipe"), "{}", stderr(&out));
    }
}

/// Row 5: `-j` is capped, with a note.
#[test]
fn absurd_thread_counts_are_capped() {
    let out = tripscore(&["score", "-j", "100000", &s(&fixture(SEED))]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("threads per core"),
        "{}",
        stderr(&out)
    );
    assert_eq!(json_lines(&out).len(), 1);
}

/// Row 6: SIGTERM while writing into a pipe: the output ends with a whole
/// record, and the status says which signal.
#[cfg(unix)]
#[test]
fn sigterm_leaves_whole_lines() {
    let seed = s(&fixture(SEED));
    let inputs = vec![seed.as_str(); 3000];
    let mut child = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .arg("score")
        .args(&inputs)
        .args(["-j", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // The signal goes as soon as output flows, not after a fixed sleep: an
    // optimised build scores all 3,000 records in well under a second.
    let (started, output_flows) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = vec![0; 1];
        stdout.read_exact(&mut all).unwrap();
        started.send(()).unwrap();
        stdout.read_to_end(&mut all).unwrap();
        all
    });
    output_flows.recv().unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let all = reader.join().unwrap();
    assert_eq!(status.code(), Some(143), "{err}");
    assert!(err.contains("stopped by signal 15"), "{err}");
    assert!(all.is_empty() || all.ends_with(b"\n"));
    let text = String::from_utf8(all).unwrap();
    let n = text.lines().count();
    assert!(n < 3000, "{n}");
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("whole JSON lines");
    }
}

/// Row 7: a line with no end is an error record within the limit, not an
/// out-of-memory; the line before it is scored.
#[test]
fn endless_line_is_an_error_record() {
    let dir = scratch("endless");
    let path = dir.join("endless.jsonl");
    let mut text = fs::read(fixture(SEED)).unwrap();
    text.extend(std::iter::repeat_n(b'x', 3_000_000));
    fs::write(&path, text).unwrap();
    let out = tripscore(&[
        "score",
        "--quiet",
        "--max-record-bytes",
        "1000000",
        &s(&path),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["type"], "Transport");
    assert_eq!(lines[1]["error"]["kind"], "too_large");
    assert_eq!(lines[1]["line"], 2);
}

/// Score output of the seed trip, and the path of a file holding it.
fn scored_seed(dir: &std::path::Path) -> (String, PathBuf) {
    let out = tripscore(&["score", "--quiet", &s(&fixture(SEED))]);
    let line = String::from_utf8(out.stdout).unwrap();
    let path = dir.join("scored.jsonl");
    fs::write(&path, &line).unwrap();
    (line, path)
}

const AS_OF: &str = "2019-03-25T00:00:00Z";

/// Row 8: a trip read twice counts once; a conflicting copy is reported
/// with both places and the first kept.
#[test]
fn aggregate_counts_a_trip_once() {
    let dir = scratch("dupes");
    let (line, path) = scored_seed(&dir);
    let once = tripscore(&["aggregate", "--as-of", AS_OF, &s(&path)]);
    let twice = tripscore(&["aggregate", "--as-of", AS_OF, &s(&path), &s(&path)]);
    assert_eq!(twice.status.code(), Some(0), "{}", stderr(&twice));
    assert_eq!(once.stdout, twice.stdout);
    assert!(
        stderr(&twice).contains("1 duplicates counted once"),
        "{}",
        stderr(&twice)
    );
    let changed = line.replacen("\"distance_mm\":", "\"distance_mm\":1", 1);
    let other = dir.join("changed.jsonl");
    fs::write(&other, changed).unwrap();
    let conflict = tripscore(&["aggregate", "--as-of", AS_OF, &s(&path), &s(&other)]);
    assert_eq!(conflict.status.code(), Some(1));
    assert_eq!(once.stdout, conflict.stdout);
    let err = stderr(&conflict);
    assert!(
        err.contains("changed.jsonl:1: user") && err.contains("scored.jsonl:1 with another"),
        "{err}"
    );
}

/// Rows 9, 10, 11: an invalid UTF-8 line is reported by number and the
/// rest aggregated; a BOM is no error; a trip without user_id says so.
#[test]
fn aggregate_reports_bad_lines_by_number() {
    let dir = scratch("utf8");
    let (line, _) = scored_seed(&dir);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(line.as_bytes());
    bytes.extend(b"{\"bad\":\"\xFF\"}\n");
    bytes.extend(line.replacen("\"user_id\"", "\"user\"", 1).as_bytes());
    let path = dir.join("mixed.jsonl");
    fs::write(&path, bytes).unwrap();
    let out = tripscore(&["aggregate", "--as-of", AS_OF, &s(&path)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("mixed.jsonl:2: ") && err.contains("UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("mixed.jsonl:3: user_id: the trip has no user_id"),
        "{err}"
    );
    assert_eq!(json_lines(&out).len(), 1, "{err}");
    assert!(err.contains("1 trips aggregated for 1 users"), "{err}");
}

/// Row 10 for `score`: a byte-order mark does not lose the first record.
#[test]
fn byte_order_mark_is_dropped() {
    let dir = scratch("bom");
    let path = dir.join("bom.jsonl");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(fs::read(fixture(SEED)).unwrap());
    fs::write(&path, bytes).unwrap();
    let out = tripscore(&["score", "--quiet", &s(&path)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Row 12 at the command line: an impossible speed is an error naming the fix.
#[test]
fn impossible_speed_is_an_error_record() {
    let line = r#"{"user_id":"u","encoded":"_p~iF~ps|U_ulLnnqC","timestamps_ms":[1553240265000,1553240275000],"speeds_kmh":[50,1e9]}"#;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["score", "--quiet", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(line.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = json_lines(&out);
    assert_eq!(lines[0]["error"]["field"], "speeds_kmh[1]");
}

/// Row 14: spilling to shard files gives the bytes of the in-memory rollup.
#[test]
fn aggregate_spilled_equals_in_memory() {
    let dir = scratch("spill");
    let sim = dir.join("sim.jsonl");
    let made = tripscore(&["simulate", "--trips", "40", "--seed", "3", "-o", &s(&sim)]);
    assert!(made.status.success());
    let scored = dir.join("scored.jsonl");
    let out = tripscore(&["score", "--quiet", &s(&sim), "-o", &s(&scored)]);
    assert!(out.status.success());
    // 40 simulated trips of 5 users; a tiny budget spills after each trip.
    let as_of = "2030-01-01T00:00:00Z";
    let memory = tripscore(&[
        "aggregate",
        "--as-of",
        as_of,
        "--past",
        "all-time",
        &s(&scored),
    ]);
    let spilled = tripscore(&[
        "aggregate",
        "--as-of",
        as_of,
        "--past",
        "all-time",
        "--memory-mib",
        "0",
        "--temp-dir",
        &s(&dir),
        &s(&scored),
    ]);
    assert_eq!(spilled.status.code(), Some(0), "{}", stderr(&spilled));
    assert!(
        stderr(&memory).contains(" 0 shard files"),
        "{}",
        stderr(&memory)
    );
    assert!(
        !stderr(&spilled).contains(" 0 shard files"),
        "{}",
        stderr(&spilled)
    );
    assert!(!json_lines(&memory).is_empty());
    assert_eq!(memory.stdout, spilled.stdout);
    // The shard files are gone.
    let left: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

/// A newcomer's path: CSV on stdin with `--format`, compressed input,
/// content over a misleading extension, a pretty-printed JSON document.
#[test]
fn formats_compression_and_sniffing() {
    let dir = scratch("formats");
    let csv = fs::read(fixture("data/ndsbr/ndsbr.csv")).unwrap();
    let by_jsonl = tripscore(&["score", "--quiet", &s(&fixture("data/ndsbr/ndsbr.jsonl"))]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tripscore"))
        .args(["score", "--quiet", "--format", "csv", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(&csv).unwrap());
    let from_stdin = child.wait_with_output().unwrap();
    feed.join().unwrap();
    assert_eq!(from_stdin.status.code(), Some(0));
    assert_eq!(json_lines(&from_stdin).len(), json_lines(&by_jsonl).len());
    // A CSV named .txt is read as CSV, with a note only when the extension disagrees.
    let txt = dir.join("trips.txt");
    fs::copy(fixture("data/ndsbr/ndsbr.csv"), &txt).unwrap();
    let out = tripscore(&["score", "--quiet", &s(&txt)]);
    assert_eq!(out.stdout, from_stdin.stdout);
    let mislabelled = dir.join("trips.jsonl");
    fs::copy(fixture("data/ndsbr/ndsbr.csv"), &mislabelled).unwrap();
    let out = tripscore(&["score", &s(&mislabelled)]);
    assert_eq!(out.stdout, from_stdin.stdout);
    assert!(
        stderr(&out).contains("read as CSV because"),
        "{}",
        stderr(&out)
    );
    // gzip and zstd.
    let plain = fs::read(fixture("data/ndsbr/ndsbr.jsonl")).unwrap();
    let gz = dir.join("trips.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&plain).unwrap();
    fs::write(&gz, enc.finish().unwrap()).unwrap();
    let zst = dir.join("trips.jsonl.zst");
    fs::write(&zst, zstd::encode_all(plain.as_slice(), 1).unwrap()).unwrap();
    for p in [&gz, &zst] {
        let out = tripscore(&["score", "--quiet", &s(p)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(out.stdout, by_jsonl.stdout);
    }
    // One JSON document over many lines: a trip, or an array of trips.
    let trip: serde_json::Value =
        serde_json::from_str(fs::read_to_string(fixture(SEED)).unwrap().trim()).unwrap();
    let doc = dir.join("trips.json");
    let array = serde_json::Value::Array(vec![trip.clone(), trip]);
    fs::write(&doc, serde_json::to_string_pretty(&array).unwrap()).unwrap();
    let out = tripscore(&["score", "--quiet", &s(&doc)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
}

/// The conventional shell niceties: completions and a manual page.
#[test]
fn completions_and_manual() {
    let bash = tripscore(&["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&bash.stdout).contains("tripscore"));
    let man = tripscore(&["man"]);
    assert!(
        String::from_utf8_lossy(&man.stdout).starts_with(".ie"),
        "{}",
        String::from_utf8_lossy(&man.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
}

/// A Parquet file given to a build without the `parquet` feature is one
/// error record saying so, not a wall of JSON errors.
#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_says_so() {
    let dir = scratch("parquet");
    let path = dir.join("trips.parquet");
    fs::write(&path, b"PAR1\x15\x04\x15\x10PAR1").unwrap();
    let out = tripscore(&["score", "--quiet", &s(&path)]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--features parquet")
    );
}
