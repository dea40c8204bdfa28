#!/usr/bin/env python3
"""Can the driveplotr-nds vehicle gyro judge lane switches? (docs/ACCURACY.md,
"Where it stands", lane switches.)

    python3 scripts/lane_gyro_check.py

Needs a release build (`cargo build --release`). Scores
data/driveplotr-nds/nds.jsonl with lane-switch detection on and, for each
lane switch, integrates the gyro's yaw rate (data/driveplotr-nds/yaw_rates.csv,
the second before each row) into the car's sideways offset over the
annotation and 2 s either side: speed x sin(heading off a baseline), the
baseline drawn straight from the mean heading 2-5 s before the window to
the mean 2-5 s after it (the road's own bend and the gyro's bias taken
out). A lane change moves the car 3-4 m sideways. The same offset over
stretches of the same lengths starting at random fixes at >= 50 km/h
(seeded) is what the gyro reads where nothing in particular happens: if
the two distributions are alike, the gyro cannot tell a lane change from
its own drift at 1 Hz, and the nds drives cannot judge the detector.
Prints the offset's quartiles and the share of windows moving 1 m and
2 m, for the lane switches on the motorway drive (nds-30), elsewhere, and
the random stretches.
"""

import csv
import json
import math
import random
import subprocess
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NDS = ROOT / "data" / "driveplotr-nds"
PAD_MS = 2000
BASE_MS = (2000, 5000)
MIN_SPEED_MPS = 50 / 3.6
RANDOM_WINDOWS = 1000


def lane_switches():
    """{event_id: [(start_ms, end_ms)]} of tripscore's lane switches, and
    {event_id: km} of the drives."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text('{"detect":{"lane_switch":{"enabled":true}}}')
        out = Path(tmp) / "scored.jsonl"
        subprocess.run(
            [ROOT / "target" / "release" / "tripscore", "score", "-q", "--annotations",
             "--config", config, NDS / "nds.jsonl", "-o", out],
            check=True,
        )
        found, km = defaultdict(list), {}
        for line in out.open():
            trip = json.loads(line)
            km[trip["event_id"]] = trip["distance"] / 1000
            for a in trip.get("behavior_annotations", []):
                if a.get("maneuver") == "lane_switch":
                    found[trip["event_id"]].append(
                        (epoch_ms(a["start"]), epoch_ms(a["end"])))
        return found, km


def epoch_ms(text):
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def sideways_m(yaw, speed, start_ms, end_ms):
    """The gyro's sideways offset over start..end (± PAD_MS), m, or None."""
    lo, hi = start_ms - PAD_MS - BASE_MS[1], end_ms + PAD_MS + BASE_MS[1]
    times = sorted(t for t in yaw if lo <= t <= hi)
    heading, at = 0.0, {}
    for t in times:
        at[t] = heading
        heading += yaw[t]
    before = [at[t] for t in times if start_ms - BASE_MS[1] <= t <= start_ms - BASE_MS[0]]
    after = [at[t] for t in times if end_ms + BASE_MS[0] <= t <= end_ms + BASE_MS[1]]
    if not before or not after:
        return None
    h0, h1 = sum(before) / len(before), sum(after) / len(after)
    t0 = start_ms - (BASE_MS[0] + BASE_MS[1]) / 2
    t1 = end_ms + (BASE_MS[0] + BASE_MS[1]) / 2
    offset = 0.0
    for t in times:
        if start_ms - PAD_MS <= t <= end_ms + PAD_MS:
            if speed.get(t) is None:
                return None
            base = h0 + (h1 - h0) * (t - t0) / (t1 - t0)
            offset += speed[t] * math.sin(math.radians(at[t] - base))
    return abs(offset)


def summary(name, values, per_km="—"):
    v = sorted(values)
    n = len(v)
    print(f"| {name} | {n} | {per_km} | {v[n // 4]:.2f} / {v[n // 2]:.2f} / {v[3 * n // 4]:.2f} "
          f"| {sum(x >= 1 for x in v) / n:.2f} | {sum(x >= 2 for x in v) / n:.2f} |")


def main():
    yaw = defaultdict(dict)
    with open(NDS / "yaw_rates.csv") as f:
        for r in csv.DictReader(f):
            yaw[r["event_id"]][int(r["time_ms"])] = float(r["yaw_rate_dps"])
    speed = {}
    for line in open(NDS / "nds.jsonl"):
        trip = json.loads(line)
        speed[trip["event_id"]] = {
            t: s / 3.6 if s is not None else None
            for t, s in zip(trip["timestamps_ms"], trip["speeds_kmh"])
        }
    rows = []
    found, km = lane_switches()
    for event_id, spans in sorted(found.items()):
        for start, end in spans:
            m = sideways_m(yaw[event_id], speed[event_id], start, end)
            if m is not None:
                rows.append((event_id, end - start, m))
    rng = random.Random(1)
    fast = [(e, t) for e in sorted(speed) for t, v in sorted(speed[e].items())
            if v is not None and v >= MIN_SPEED_MPS and t in yaw[e]]
    chance = []
    while len(chance) < RANDOM_WINDOWS:
        event_id, start = rng.choice(fast)
        m = sideways_m(yaw[event_id], speed[event_id], start, start + rng.choice(rows)[1])
        if m is not None:
            chance.append(m)
    print("| windows | n | a km | gyro sideways offset, m: 25th / 50th / 75th percentile "
          "| ≥ 1 m | ≥ 2 m |")
    print("|---|---|---|---|---|---|")
    for name, motorway in [("motorway (nds-30)", True), ("other drives", False)]:
        drives = [e for e in km if (e == "nds-30") == motorway]
        n = sum(len(found[e]) for e in drives)
        summary(f"lane switches, {name}", [m for e, _, m in rows if e in drives],
                f"{n / sum(km[e] for e in drives):.2f} ({n} in {sum(km[e] for e in drives):.0f} km)")
    summary("random stretches at ≥ 50 km/h", chance)


if __name__ == "__main__":
    main()
