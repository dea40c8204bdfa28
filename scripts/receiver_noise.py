#!/usr/bin/env python3
"""The simulator's noise against the shipped real receivers (docs/ACCURACY.md,
"The simulator against the real receivers" and "Position jumps").

    python3 scripts/receiver_noise.py [SHARED_NDS_CSV]

Prints, for the driveplotr-nds and ndsbr drives in data/ and for 50 simulated
trips (written with the release binary, built if missing):

- the measured speed's noise: RMS and robust (1.4826 × median |x|) standard
  deviation of the second difference of consecutive 1 Hz speeds / sqrt(6),
  above 2 m/s (an upper bound: the true speed's own curvature counts too);
- the two-fix longitudinal acceleration from positions minus the one from
  measured speed, robust standard deviation;
- the share of fix intervals whose chord differs from the distance the
  measured speed drove by more than 3 m (stale repeats, the interval after
  one, and spikes left out),
  for simulated trips with and without position jumps (`--jump-prob 0.02`).

With the original driveplotr-nds CSV (default ../shared/data/driveplotr-nds/
nds_data.csv; it is not shipped, the numbers need its accelerometer and GPS
course columns) it also prints the correlation of the logger's `accel_x` with
the GPS speed's slope taken 0-3 s later.
"""

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from convert_shared_data import decode_polyline  # noqa: E402  (the one polyline decoder)


def compact_trips(path):
    """(points, times ms, speeds m/s or None) per compact JSONL trip."""
    for line in open(path):
        t = json.loads(line)
        pts = decode_polyline(t["encoded"], t.get("precision", 5))
        speeds = [None if v is None else v / 3.6 for v in t.get("speeds_kmh") or []]
        yield pts, t["timestamps_ms"], speeds


def chord_m(a, b):
    c = math.cos(math.radians(0.5 * (a[0] + b[0])))
    return 6371008.8 * math.radians(1) * math.hypot((b[1] - a[1]) * c, b[0] - a[0])


def robust(xs):
    xs = sorted(abs(x) for x in xs)
    return 1.4826 * xs[len(xs) // 2]


def rms(xs):
    return math.sqrt(sum(x * x for x in xs) / len(xs))


def speed_noise(speed_runs):
    d = []
    for v in speed_runs:
        for k in range(1, len(v) - 1):
            w = v[k - 1 : k + 2]
            if None in w or min(w) < 2:
                continue
            d.append((w[2] - 2 * w[1] + w[0]) / math.sqrt(6))
    return rms(d), robust(d)


def two_fix_noise(trips):
    out = []
    for pts, ts, vs in trips:
        for k in range(1, len(pts) - 1):
            if len(vs) < len(pts) or None in vs[k - 1 : k + 2] or min(vs[k - 1 : k + 2]) < 3:
                continue
            dt1, dt2 = (ts[k] - ts[k - 1]) / 1000, (ts[k + 1] - ts[k]) / 1000
            if not (0.5 < dt1 < 1.5 and 0.5 < dt2 < 1.5):
                continue
            a_pos = (chord_m(pts[k], pts[k + 1]) / dt2 - chord_m(pts[k - 1], pts[k]) / dt1) / (0.5 * (dt1 + dt2))
            a_speed = (vs[k + 1] - vs[k - 1]) / (dt1 + dt2)
            out.append(a_pos - a_speed)
    return robust(out)


def jump_share(trips):
    n = big = 0
    for pts, ts, vs in trips:
        for k in range(1, len(pts)):
            if len(vs) < len(pts) or vs[k] is None or vs[k - 1] is None:
                continue
            dt = (ts[k] - ts[k - 1]) / 1000
            c = chord_m(pts[k - 1], pts[k])
            if not 0.5 < dt < 1.5 or c > 100 or c < 0.01:  # gaps, spikes, stale repeats
                continue
            if k > 1 and chord_m(pts[k - 2], pts[k - 1]) < 0.01:
                continue  # the interval after a stale repeat (the clean stage drops those)
            n += 1
            big += abs(c - 0.5 * (vs[k] + vs[k - 1]) * dt) > 3
    return 100.0 * big / n


def simulated(extra):
    binary = ROOT / "target" / "release" / "tripscore"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    out = subprocess.run(
        [str(binary), "simulate", "--trips", "50", *extra], check=True, capture_output=True, text=True
    ).stdout
    path = Path("/tmp/tripscore-receiver-noise.jsonl")
    path.write_text(out)
    return list(compact_trips(path))


def main():
    nds = list(compact_trips(ROOT / "data" / "driveplotr-nds" / "nds.jsonl"))
    ndsbr = {}
    with open(ROOT / "data" / "ndsbr" / "ndsbr.csv") as f:
        for r in csv.DictReader(f):
            ndsbr.setdefault(r["event_id"], []).append(float(r["speed"]) / 3.6 if r["speed"] else None)
    sim = simulated([])
    print("measured-speed noise, m/s (RMS / robust):")
    for name, runs in [
        ("driveplotr-nds", [vs for _, _, vs in nds]),
        ("ndsbr", list(ndsbr.values())),
        ("simulated (50 trips)", [vs for _, _, vs in sim]),
    ]:
        print("  %-22s %.2f / %.2f" % ((name,) + speed_noise(runs)))
    print("two-fix a_long from positions minus from speed, robust SD, m/s²:")
    print("  %-22s %.2f" % ("driveplotr-nds", two_fix_noise(nds)))
    print("  %-22s %.2f" % ("simulated (50 trips)", two_fix_noise(sim)))
    print("fix intervals with chord − driven > 3 m:")
    print("  %-22s %.2f %%" % ("driveplotr-nds", jump_share(nds)))
    sim6 = simulated(["--precision", "6"])
    jumpy = simulated(["--precision", "6", "--jump-prob", "0.02"])
    print("  %-22s %.2f %%" % ("simulated", jump_share(sim6)))
    print("  %-22s %.2f %%" % ("simulated, jumps 2 %", jump_share(jumpy)))
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "driveplotr-nds" / "nds_data.csv")
    if not shared.exists():
        print(f"(no {shared}: the logger correlation needs the original CSV)")
        return
    drives = {}
    with open(shared) as f:
        for r in csv.DictReader(f):
            drives.setdefault(r["drive"], []).append(r)
    print("correlation of the logger's accel_x with the GPS speed slope taken later:")
    for lag in range(0, 4):
        a, b = [], []
        for rows in drives.values():
            for k in range(1, len(rows) - 1 - lag):
                j = k + lag
                try:
                    ax = float(rows[k]["accel_x"])
                    dv = (float(rows[j + 1]["speed_mph"]) - float(rows[j - 1]["speed_mph"])) * 0.44704 / 2
                except ValueError:
                    continue
                a.append(ax)
                b.append(dv)
        ma, mb = sum(a) / len(a), sum(b) / len(b)
        cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
        r = cov / math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
        print(f"  {lag} s later: {r:.2f}")


if __name__ == "__main__":
    main()
