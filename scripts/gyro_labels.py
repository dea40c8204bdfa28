#!/usr/bin/env python3
"""Turn labels for the driveplotr-nds drives from the vehicle gyro
(docs/ACCURACY.md, "Judging against labels").

    python3 scripts/gyro_labels.py > data/driveplotr-nds/gyro_turn_labels.jsonl

Reads data/driveplotr-nds/nds.jsonl (for the measured speed at each fix) and
data/driveplotr-nds/yaw_rates.csv (the gyro's yaw rate, deg/s, positive
turning right, averaged over the second before each row). A turn is what the
gyro says the car did, whatever a GPS detector would make of it: the yaw rate
reaches YAW_START_DPS and holds YAW_HOLD_DPS one way, same-way runs less than
MERGE_MS apart joined, turning the heading by >= MIN_HEADING_DEG at a mean
measured speed of >= MIN_SPEED_MPS (slower, a GPS track has no heading). It
starts 1 s before its first row (the row's rate is the second before it).
The same definition as `gyro_turns` in examples/real_drives.rs.

Writes one `tripscore evaluate` labels line per drive: `kinds` left_turn and
right_turn (the gyro cannot tell a roundabout from its turns), each turn with
its gyro peak lateral acceleration (yaw rate x measured speed) in
`peak_mps2`, so `harsh` follows tripscore's hard-turn threshold.
"""

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NDS = ROOT / "data" / "driveplotr-nds"

YAW_START_DPS = 2.0
YAW_HOLD_DPS = 1.0
MERGE_MS = 2000
MIN_HEADING_DEG = 15.0
MIN_SPEED_MPS = 3.0


def gyro_rows():
    """(time ms, yaw rate deg/s) per drive, in time order."""
    rows = defaultdict(list)
    with open(NDS / "yaw_rates.csv") as f:
        for r in csv.DictReader(f):
            rows[r["event_id"]].append((int(r["time_ms"]), float(r["yaw_rate_dps"])))
    return rows


def yaw_runs(times_ms, yaw_dps):
    """Index spans (lo, hi), in order, where the yaw rate reaches
    YAW_START_DPS and holds YAW_HOLD_DPS one way, same-way runs less than
    MERGE_MS apart joined (scripts/route_curve_labels.py uses it too)."""
    runs = []
    for sign in (1.0, -1.0):
        found, k = [], 0
        while k < len(yaw_dps):
            if yaw_dps[k] * sign < YAW_START_DPS:
                k += 1
                continue
            lo = hi = k
            while lo > 0 and yaw_dps[lo - 1] * sign >= YAW_HOLD_DPS:
                lo -= 1
            while hi + 1 < len(yaw_dps) and yaw_dps[hi + 1] * sign >= YAW_HOLD_DPS:
                hi += 1
            if found and (times_ms[lo] - times_ms[found[-1][1]] < MERGE_MS or lo <= found[-1][1]):
                found[-1] = (found[-1][0], max(found[-1][1], hi))
            else:
                found.append((lo, hi))
            k = hi + 1
        runs.extend(found)
    return sorted(runs)


def turns(rows, speed_mps):
    """The gyro's turns of one drive: dicts in the labels' shape."""
    # (time ms, yaw rate deg/s over the second before, speed m/s)
    samples = [(t, rate, speed_mps[t]) for t, rate in rows if t in speed_mps]
    out = []
    for lo, hi in yaw_runs([s[0] for s in samples], [s[1] for s in samples]):
        span = samples[lo : hi + 1]
        heading_deg = sum(s[1] for s in span)
        mean_speed = sum(s[2] for s in span) / len(span)
        if abs(heading_deg) < MIN_HEADING_DEG or mean_speed < MIN_SPEED_MPS:
            continue
        peak = max(abs(s[2] * math.radians(s[1])) for s in span)
        out.append(
            {
                "kind": "right_turn" if heading_deg > 0 else "left_turn",
                "start_ms": samples[lo][0] - 1000,
                "end_ms": samples[hi][0],
                "peak_mps2": round(peak, 3),
            }
        )
    return out


def main():
    rows = gyro_rows()
    for line in open(NDS / "nds.jsonl"):
        trip = json.loads(line)
        speed_mps = {
            t: s / 3.6
            for t, s in zip(trip["timestamps_ms"], trip["speeds_kmh"])
            if s is not None
        }
        labels = {
            "event_id": trip["event_id"],
            "kinds": ["left_turn", "right_turn"],
            "maneuvers": turns(rows.get(trip["event_id"], []), speed_mps),
        }
        print(json.dumps(labels, separators=(",", ":")))


if __name__ == "__main__":
    main()
