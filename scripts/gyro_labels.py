#!/usr/bin/env python3
"""Turn labels for the driveplotr-nds drives from the vehicle gyro
(docs/ACCURACY.md, "Judging against labels").

    python3 scripts/gyro_labels.py > data/driveplotr-nds/gyro_turn_labels.jsonl

Reads data/driveplotr-nds/nds.jsonl (for the measured speed at each fix) and
data/driveplotr-nds/yaw_rates.csv (the gyro's yaw rate, deg/s, positive
turning right, averaged over the second before each row). The gyro's lateral
acceleration is yaw rate x measured speed. A turn is what the annotate stage
calls one, read off the gyro instead of the GPS track: a run of rows whose
lateral acceleration keeps one sign at >= TURN_START_MPS2 (rows at most 1.5 s
apart), turning the heading by >= TURN_MIN_HEADING_DEG over >= MIN_TURN_MS.
It starts 1 s before its first row (the row's rate is the second before it).

Writes one `tripscore evaluate` labels line per drive: `kinds` left_turn and
right_turn (the gyro cannot tell a roundabout from its turns), each turn with
its gyro peak in `peak_mps2`, so `harsh` follows tripscore's hard-turn
threshold. The same definition as `gyro_turn_annotations` in
examples/accuracy.rs.
"""

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NDS = ROOT / "data" / "driveplotr-nds"

# The annotate stage's defaults (`tripscore config --default`, section annotate).
TURN_START_MPS2 = 0.6
TURN_MIN_HEADING_DEG = 15.0
MIN_TURN_MS = 2000
MAX_ROW_GAP_MS = 1500


def gyro_rows():
    """(time ms, yaw rate deg/s) per drive, in time order."""
    rows = defaultdict(list)
    with open(NDS / "yaw_rates.csv") as f:
        for r in csv.DictReader(f):
            rows[r["event_id"]].append((int(r["time_ms"]), float(r["yaw_rate_dps"])))
    return rows


def turns(rows, speed_mps):
    """The gyro's turns of one drive: dicts in the labels' shape."""
    # (time ms, heading change deg over the second before, lateral m/s²)
    samples = [
        (t, rate, speed_mps[t] * math.radians(rate)) for t, rate in rows if t in speed_mps
    ]
    out, k = [], 0
    while k < len(samples):
        lat = samples[k][2]
        if abs(lat) < TURN_START_MPS2:
            k += 1
            continue
        sign, first = math.copysign(1.0, lat), k
        heading_deg, peak = 0.0, 0.0
        while (
            k < len(samples)
            and samples[k][2] * sign >= TURN_START_MPS2
            and (k == first or samples[k][0] - samples[k - 1][0] <= MAX_ROW_GAP_MS)
        ):
            heading_deg += samples[k][1]
            peak = max(peak, abs(samples[k][2]))
            k += 1
        start_ms, end_ms = samples[first][0] - 1000, samples[k - 1][0]
        if abs(heading_deg) >= TURN_MIN_HEADING_DEG and end_ms - start_ms >= MIN_TURN_MS:
            out.append(
                {
                    "kind": "right_turn" if heading_deg > 0 else "left_turn",
                    "start_ms": start_ms,
                    "end_ms": end_ms,
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
