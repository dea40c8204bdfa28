"""Whole-process throughput of `tripscore score` on Parquet: the 2,000
compact trips of scripts/throughput.sh (with measured speeds, limits and
road types) as Parquet trip rows — list columns, or with --compact the
API's compact form (a polyline and the times per row) — in row groups of
256 trips; read to /dev/null, and read and written as Parquet
(`-o out.parquet`); and the JSONL itself written as Parquet. Best of three per thread count; fixes/s from the
binary's own summary line. README ("Input", Parquet) quotes the numbers.

    cargo build --release --features parquet
    scripts/throughput.sh                      # makes the JSONL (once)
    python3 scripts/parquet_throughput.py [--compact]
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_shared_data import decode_polyline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / "target" / "release" / "tripscore"
SOURCE = Path(tempfile.gettempdir()) / "tripscore-throughput" / "sim-2000-compact.jsonl"


def rows(compact):
    for line in open(SOURCE):
        r = json.loads(line)
        if compact:
            yield r
            continue
        pts = decode_polyline(r["encoded"], r.get("precision", 5))
        yield {"user_id": r["user_id"], "event_id": r["event_id"],
               "lat": [p[0] for p in pts], "lon": [p[1] for p in pts],
               "t_ms": r["timestamps_ms"], "speed_kmh": r.get("speeds_kmh"),
               "speed_limit_kmh": r.get("speed_limits_kmh"), "road_type": r.get("road_types")}


def rate(args):
    out = subprocess.run([str(BIN), "score", *args], capture_output=True, text=True, check=True)
    return float(re.search(r"(\d+) points/s", out.stderr).group(1)) / 1e6


def main():
    compact = "--compact" in sys.argv
    if not SOURCE.exists():
        sys.exit(f"missing {SOURCE}: run scripts/throughput.sh first")
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "trips.parquet")
        pq.write_table(pa.Table.from_pylist(list(rows(compact))), path, row_group_size=256)
        out = str(Path(d) / "scored.parquet")
        form = "compact form" if compact else "list columns"
        for threads in ("1", "2"):
            read = max(rate([path, "-o", "/dev/null", "-j", threads]) for _ in range(3))
            both = max(rate([path, "-o", out, "-j", threads]) for _ in range(3))
            jsonl = max(rate([str(SOURCE), "-o", out, "-j", threads]) for _ in range(3))
            print(f"{form}, {threads} thread(s): read {read:.2f} M fixes/s, "
                  f"read and write Parquet {both:.2f} M fixes/s; "
                  f"the JSONL written as Parquet {jsonl:.2f} M fixes/s")


if __name__ == "__main__":
    main()
