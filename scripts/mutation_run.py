#!/usr/bin/env python3
"""Mutation run of the `tripscore` command line (docs/ROBUSTNESS.md).

Feeds the binary records made from the shipped data with random damage and
checks the command line's promise for each batch: no panic, exit 0 or 1.
For `score`: exactly one output line per input record (JSONL; CSV and GPX
records are found by the reader), every line valid JSON, every error
naming a field (a syntax error: its position), and the same bytes with one
and two threads. For `aggregate`: each user written once, and the same
bytes when every trip is spilled to shard files (`--memory-mib 0`). For
`merge`: each user written once; a user out of order may stop it (exit 2,
saying so), as its input is sorted shards.

Kinds of batch, each from its own seed:
  bytes      bytes of JSONL lines overwritten, deleted, inserted or copied;
  values     JSONL records parsed and their values replaced (types, extreme
             numbers, truncated or shuffled arrays, odd timestamps);
  csv, gpx   lines of the ndsbr CSV and the Munich GPX damaged;
  aggregate  the shipped drives' `score` lines, drawn at random and damaged
             in their bytes or values;
  merge      their users' `aggregate --partial` lines, in order, a third
             of them damaged.

Usage: scripts/mutation_run.py [BATCHES] [RECORDS]   (default 20 150)
Set TRIPSCORE_BIN to test another binary (default target/release/tripscore).
"""

import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = os.environ.get("TRIPSCORE_BIN", os.path.join(ROOT, "target/release/tripscore"))
JSONL = ["data/ndsbr/ndsbr.jsonl", "data/ikhyd-obd/ikhyd.jsonl",
         "data/barefoot-munich/x0001-001.jsonl", "data/driveplotr-nds/nds.jsonl"]
VALUES = [None, 0, -0.0, -1, 1e308, -1e308, 1e-308, 2**63, -2**63, 2**53 + 1, 0.5, "",
          "x", "2023-11-14T22:13:20Z", "1970-01-01T00:00:00+14:00", [], {}, True,
          1e15, -1e15, 90.0, -90.0, 181.0, 1700000000000, 1700000000]
TOKENS = [b"null", b"-", b"1e309", b"NaN", b'""', b"[]", b"{}", b'"\\u0000"', b"\xff",
          b"-0", b"99999999999999999999", b",", b":", b'"', b"\\", b"1.", b".5", b"[", b"}"]


def lines(path, n):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read().splitlines()[:n]


def damage_bytes(rng, line):
    b = bytearray(line.encode())
    for _ in range(rng.randint(1, 6)):
        p = rng.randrange(len(b)) if b else 0
        op = rng.random()
        if op < 0.3 and b:
            b[p] = rng.randrange(256)
        elif op < 0.5:
            del b[p:p + rng.randint(1, 20)]
        elif op < 0.8:
            b[p:p] = rng.choice(TOKENS)
        else:
            q = rng.randrange(len(b)) if b else 0
            b[p:p] = b[q:q + rng.randint(1, 40)]
    return bytes(b).replace(b"\n", b" ")


def damage_value(rng, o):
    if isinstance(o, dict):
        for k in list(o):
            r = rng.random()
            if r < 0.05:
                del o[k]
            elif r < 0.1:
                o[k] = rng.choice(VALUES)
            elif r < 0.3:
                o[k] = damage_value(rng, o[k])
        return o
    if isinstance(o, list):
        if o:
            r = rng.random()
            if r < 0.2:
                del o[rng.randrange(len(o)):]
            elif r < 0.3:
                rng.shuffle(o)
            elif r < 0.4:
                i = rng.randrange(len(o))
                o.insert(i, o[i])
            else:
                for _ in range(rng.randint(1, 5)):
                    i = rng.randrange(len(o))
                    o[i] = damage_value(rng, o[i]) if rng.random() < 0.7 else rng.choice(VALUES)
        return o
    if isinstance(o, bool) or o is None:
        return rng.choice(VALUES)
    if isinstance(o, (int, float)):
        r = rng.random()
        if r < 0.3:
            return o * rng.choice([-1, 10, 1000, 1e6, 0.001])
        if r < 0.6:
            return o + rng.uniform(-1, 1) * abs(o or 1)
        return rng.choice(VALUES)
    if isinstance(o, str):
        r = rng.random()
        if r < 0.3:
            return o[:rng.randrange(len(o) + 1)]
        if r < 0.5:
            return o + rng.choice(["Z", "+99:00", "\u00e9", "\u0000", ".123456789"])
        return rng.choice(VALUES)
    return o


def damage_record(rng, line, in_bytes, most_rounds):
    """A JSONL line damaged in its bytes, or parsed and damaged in its
    values 1 to `most_rounds` times."""
    if in_bytes:
        return damage_bytes(rng, line)
    o = json.loads(line)
    for _ in range(rng.randint(1, most_rounds)):
        o = damage_value(rng, o)
    return json.dumps(o).encode()


def damage_lines(rng, body, n):
    toks = ["", ",", '"', "NaN", "-1e309", "1e300", "2019-13-45T99:99:99Z", "<", ">",
            "</trkseg>", "<trkseg>", "&amp;", "&#0;", "\xff", "0", "-", "</time>"]
    out = body[:]
    for _ in range(n):
        i = rng.randrange(len(out))
        line, r = out[i], rng.random()
        if r < 0.15:
            del out[i]
            continue
        if r < 0.3:
            out.insert(i, out[rng.randrange(len(out))])
            continue
        if line:
            p = rng.randrange(len(line))
            cut = rng.randint(0, 10) if r < 0.6 else 0
            out[i] = line[:p] + rng.choice(toks) + line[p + cut:]
    return "\n".join(out) + "\n"


def batch(kind, seed, records):
    rng = random.Random(seed)
    if kind in ("bytes", "values"):
        src = [l for path in JSONL for l in lines(path, 20)]
        recs = []
        for _ in range(records):
            recs.append(damage_record(rng, rng.choice(src), kind == "bytes", 4))
        return ".jsonl", b"\n".join(recs) + b"\n", records
    if kind == "csv":
        body = lines("data/ndsbr/ndsbr.csv", 3000)
        text = body[0] + "\n" + damage_lines(rng, body[1:], rng.randint(1, 30))
    else:
        text = damage_lines(rng, lines("data/barefoot-munich/x0001-001.gpx", 10**6),
                            rng.randint(1, 4))
    return "." + kind, text.encode("utf-8", "surrogateescape"), None


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def damaged_lines(kind, seed, source, records):
    """`records` lines of `source`, each damaged in its bytes or its values;
    for `merge`, the lines in their order (sorted by user), a third damaged."""
    rng = random.Random(seed)
    recs = []
    picks = source if kind == "merge" else [rng.choice(source) for _ in range(records)]
    for line in picks:
        if kind == "merge" and rng.random() < 2 / 3:
            recs.append(line.encode())
        else:
            recs.append(damage_record(rng, line, rng.random() < 0.5, 3))
    return b"\n".join(recs) + b"\n"


def check_score(path, want, counts, kind):
    """`score` with one and two threads: a valid line per record, errors with a field."""
    args = ["score", path, "--annotations", "--explain", "--trajectory", "-j"]
    rc, out, err = run(*args, "1")
    rc2, out2, _ = run(*args, "2")
    problems = []
    if rc not in (0, 1) or "panicked" in err:
        problems.append(f"exit {rc}: {err[-300:]}")
    if out != out2 or rc != rc2:
        problems.append("one and two threads differ")
    rows = out.decode("utf-8").splitlines()
    if want is not None and len(rows) != want:
        problems.append(f"{len(rows)} output lines for {want} records")
    for row in rows:
        e = json.loads(row).get("error")
        # A syntax error names its position instead of a field.
        if e is not None and not (e.get("field") or e.get("kind") in ("json", "csv", "gpx")):
            problems.append(f"an error without a field: {e}")
        counts[kind, e is None] = counts.get((kind, e is None), 0) + 1
    return problems


def check_users(args, counts, kind, spill=None):
    """`aggregate` or `merge`: exit 0 or 1, a valid line per user; with
    `spill`, the same bytes when every trip goes through shard files."""
    rc, out, err = run(*args)
    problems = []
    # `merge` stops (exit 2) at a user out of order: its input is sorted
    # shards, and going on could write a user twice.
    out_of_order = rc == 2 and "not `aggregate --partial` output (sorted by user)" in err
    if rc not in (0, 1) and not out_of_order or "panicked" in err:
        problems.append(f"exit {rc}: {err[-300:]}")
    if spill is not None:
        rc2, out2, _ = run(*args, *spill)
        if out != out2 or rc != rc2:
            problems.append("spilled to shard files, the output differs")
    users = [json.loads(row)["user_id"] for row in out.decode("utf-8").splitlines()]
    if len(users) != len(set(users)):
        problems.append("a user written twice")
    counts[kind, True] = counts.get((kind, True), 0) + len(users)
    path = args[-1]
    reported = sum(1 for line in err.splitlines() if path + ":" in line)
    counts[kind, False] = counts.get((kind, False), 0) + reported
    counts[kind, "stopped"] = counts.get((kind, "stopped"), 0) + out_of_order
    return problems


KINDS = ("bytes", "values", "csv", "gpx", "aggregate", "merge")
AS_OF = ["--as-of", "2030-01-01T00:00:00Z"]


def main():
    batches = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    failures, counts = 0, {}
    with tempfile.TemporaryDirectory() as tmp:
        # The scored trips and the users' partial aggregates of the shipped
        # JSONL drives, the sources of the `aggregate` and `merge` batches.
        _, scored, _ = run("score", "-q", *[os.path.join(ROOT, p) for p in JSONL])
        scored_path = os.path.join(tmp, "scored.jsonl")
        with open(scored_path, "wb") as f:
            f.write(scored)
        _, partial, _ = run("aggregate", "-q", "--partial", *AS_OF, scored_path)
        sources = {"aggregate": scored.decode().splitlines(),
                   "merge": partial.decode().splitlines()}
        for kind in KINDS:
            for seed in range(batches):
                if kind in sources:
                    ext, want = ".jsonl", None
                    data = damaged_lines(kind, seed, sources[kind], records)
                else:
                    ext, data, want = batch(kind, seed, records)
                path = os.path.join(tmp, f"{kind}-{seed}{ext}")
                with open(path, "wb") as f:
                    f.write(data)
                if kind == "aggregate":
                    problems = check_users(["aggregate", *AS_OF, path], counts, kind,
                                           spill=["--memory-mib", "0"])
                elif kind == "merge":
                    problems = check_users(["merge", path], counts, kind)
                else:
                    problems = check_score(path, want, counts, kind)
                if problems:
                    failures += 1
                    keep = os.path.join(ROOT, "target", f"mutation-{kind}-{seed}{ext}")
                    with open(keep, "wb") as f:
                        f.write(data)
                    print(f"{kind} seed {seed}: {problems[:3]} (input kept: {keep})")
    for kind in KINDS:
        what = ("users written", "lines reported") if kind in ("aggregate", "merge") else (
            "results", "error records")
        stopped = counts.get((kind, "stopped"), 0)
        print(f"{kind}: {batches} batches, {counts.get((kind, True), 0)} {what[0]}, "
              f"{counts.get((kind, False), 0)} {what[1]}"
              + (f", {stopped} stopped at a user out of order" if stopped else ""))
    print("failures:", failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
