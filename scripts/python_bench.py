"""Per-core throughput of tripscore.score_arrow against the command line on
the same trips (issue #21: the package within 80 % of the CLI).

    pip install ./python && python3 scripts/python_bench.py TRIPS.jsonl [BIN]

TRIPS.jsonl in the compact form (e.g. `tripscore simulate --trips 300`).
The package is timed from Arrow table to Arrow table; the CLI from JSONL
file to /dev/null, both on one thread. Prints fixes/s of each and the ratio.
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

import tripscore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_shared_data import decode_polyline  # noqa: E402


def main():
    if not tripscore.OPTIMIZED:
        sys.exit("the installed tripscore package is a debug build: `pip install ./python` first")
    path = sys.argv[1]
    binary = sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).resolve().parents[1] / "target/release/tripscore")
    rows = []
    for line in open(path):
        d = json.loads(line)
        pts = decode_polyline(d["encoded"], d.get("precision", 5))
        rows.append({
            "user_id": d.get("user_id"), "event_id": d.get("event_id"),
            "lat": [p[0] for p in pts], "lon": [p[1] for p in pts], "t_ms": d["timestamps_ms"],
            "speed_kmh": d.get("speeds_kmh"), "speed_limit_kmh": d.get("speed_limits_kmh"),
            "road_type": d.get("road_types"), "utc_offset_minutes": d.get("utc_offset_minutes", 0),
        })
    table = pa.Table.from_pylist(rows)
    fixes = sum(len(r["lat"]) for r in rows)
    best_py = best_cli = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        tripscore.score_arrow(table, threads=1)
        best_py = min(best_py, time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([binary, "score", "-q", "-j", "1", path, "-o", "/dev/null"], check=True)
        best_cli = min(best_cli, time.perf_counter() - t)
    print(f"{len(rows)} trips, {fixes} fixes, one thread, best of 3:")
    print(f"  tripscore.score_arrow: {fixes / best_py:,.0f} fixes/s")
    print(f"  tripscore score (CLI): {fixes / best_cli:,.0f} fixes/s")
    print(f"  package / CLI: {best_cli / best_py:.2f}")


if __name__ == "__main__":
    main()
