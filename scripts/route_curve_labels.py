#!/usr/bin/env python3
"""The road's yaw rate and curve labels for the Delft motorway drives, from
the road they were map-matched to (docs/ACCURACY.md, "Real drives: road
curves").

    python3 scripts/route_curve_labels.py ../shared/data

writes data/delft-lane-changes/road_yaw_rates.csv and
data/delft-lane-changes/route_curve_labels.jsonl (deterministic: the same
bytes again).

Reads the source recordings (the folder given, as scripts/convert_shared_data.py
does: each receiver's `gps/0N_<receiver>.csv`), whose rows carry
`bearing_road`, the bearing of the motorway at the fix's nearest point on
the route the authors map-matched the drive to. The road's bearing is no
GPS heading: it is the map's, so its curves are what the car drove
whatever a GPS detector makes of the fixes (lane changes and receiver
wander do not bend it). Per row: the median of the five bearings around
it (the nearest point hops between the carriageway's segments), the road's
yaw rate as the change of that median from the row before to the row
after, deg/s, positive to the right. A curve is a run where that yaw rate
reaches 2 deg/s and holds 1 deg/s one way, same-way runs less than 2 s
apart joined (`yaw_runs` of scripts/gyro_labels.py), turning by
>= MIN_HEADING_DEG at a mean speed (`speed_geod`, from the fixes) above
MIN_SPEED_MPS: the definition of the gyro curves in
examples/real_drives.rs, on the road's yaw rate instead of the gyro's. Its span reaches half a second past its first and last rows
(the yaw rate is a difference over two seconds).

`road_yaw_rates.csv`: `event_id` (as in data/delft-lane-changes/delft.jsonl),
`time_ms` (the same clock), `road_yaw_dps` (positive right), at every row
where the road's yaw rate can be read. `route_curve_labels.jsonl`: one
`tripscore evaluate` labels line per drive and receiver: `kinds` left_turn
and right_turn, each curve with its peak lateral acceleration (road yaw
rate x speed) in `peak_mps2`.
"""

import csv
import json
import math
import sys
from datetime import datetime
from pathlib import Path

from gyro_labels import yaw_runs

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data") / "delft-lane-changes"
OUT = Path(__file__).resolve().parent.parent / "data" / "delft-lane-changes"
RECEIVERS = ("GlobalSat", "GoPro_1Hz", "P20", "S9")

# The curve's levels and joining are the gyro turns' (yaw_runs: 2 deg/s to
# start, 1 to hold, same-way runs under 2 s apart joined).
MIN_HEADING_DEG = 15.0
MIN_SPEED_MPS = 50.0 / 3.6
MEDIAN_HALF = 2
# Rows further apart than this do not make a yaw rate (a hole in the data).
MAX_STEP_MS = 3000
# The five bearings of a median lie within this span (four 1 Hz steps and
# some slack), or the row has none.
MEDIAN_MAX_SPAN_MS = 6000


def origin_ms(trip):
    """Unix ms of the shared clock's zero (as scripts/convert_shared_data.py)."""
    with open(SRC / "gps" / f"0{trip}_S9.csv") as f:
        first = next(csv.DictReader(f))
    return round(datetime.fromisoformat(first["time"]).timestamp() * 1000 - float(first["t"]) * 1000)


def road_yaw(rows, t):
    """The road's yaw rate at each row, deg/s (None where it cannot be read)."""
    n = len(rows)
    # The bearings unwrapped along the drive.
    unwrapped, last = [None] * n, None
    for k, r in enumerate(rows):
        if not r["bearing_road"]:
            continue
        b = float(r["bearing_road"])
        unwrapped[k] = b if last is None else unwrapped[last] + (b - float(rows[last]["bearing_road"]) + 540) % 360 - 180
        last = k
    heading = [None] * n
    for k in range(MEDIAN_HALF, n - MEDIAN_HALF):
        window = unwrapped[k - MEDIAN_HALF : k + MEDIAN_HALF + 1]
        if None in window or t[k + MEDIAN_HALF] - t[k - MEDIAN_HALF] > MEDIAN_MAX_SPAN_MS:
            continue
        heading[k] = sorted(window)[MEDIAN_HALF]
    yaw = [None] * n
    for k in range(1, n - 1):
        dt_ms = t[k + 1] - t[k - 1]
        if heading[k - 1] is None or heading[k + 1] is None or not 0 < dt_ms <= MAX_STEP_MS:
            continue
        yaw[k] = (heading[k + 1] - heading[k - 1]) / (dt_ms / 1000)
    return yaw


def curves(rows, t, yaw):
    """The road's curves on one receiver's drive (`yaw` from `road_yaw`, an
    unknown rate reaching no level): dicts in the labels' shape."""
    yaw = [0.0 if y is None else y for y in yaw]
    speed = [float(r["speed_geod"]) if r["speed_geod"] else math.nan for r in rows]
    n = len(rows)
    out = []
    for lo, hi in yaw_runs(t, yaw):
        # Each row's rate over half the interval either side of it.
        heading_deg = sum(
            yaw[k] * (t[min(k + 1, n - 1)] - t[max(k - 1, 0)]) / 2000 for k in range(lo, hi + 1)
        )
        speeds = [speed[k] for k in range(lo, hi + 1) if not math.isnan(speed[k])]
        mean_speed = sum(speeds) / len(speeds) if speeds else 0.0
        if abs(heading_deg) < MIN_HEADING_DEG or mean_speed <= MIN_SPEED_MPS:
            continue
        peak = max(
            abs(speed[k] * math.radians(yaw[k])) for k in range(lo, hi + 1) if not math.isnan(speed[k])
        )
        out.append(
            {
                "kind": "right_turn" if heading_deg > 0 else "left_turn",
                "start_ms": t[lo] - 500,
                "end_ms": t[hi] + 500,
                "peak_mps2": round(peak, 3),
            }
        )
    return out


def main():
    labels, yaw_rows = [], []
    for trip in (1, 2, 3):
        origin = origin_ms(trip)
        for receiver in RECEIVERS:
            with open(SRC / "gps" / f"0{trip}_{receiver}.csv") as f:
                rows = list(csv.DictReader(f))
            t = [origin + round(float(r["t"]) * 1000) for r in rows]
            event = f"delft-{trip}-{receiver}"
            yaw = road_yaw(rows, t)
            yaw_rows.extend([event, t[k], f"{y:.3f}"] for k, y in enumerate(yaw) if y is not None)
            labels.append(
                json.dumps(
                    {
                        "event_id": event,
                        "kinds": ["left_turn", "right_turn"],
                        "maneuvers": curves(rows, t, yaw),
                    },
                    separators=(",", ":"),
                )
            )
    (OUT / "route_curve_labels.jsonl").write_text("\n".join(labels) + "\n")
    with open(OUT / "road_yaw_rates.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["event_id", "time_ms", "road_yaw_dps"])
        w.writerows(yaw_rows)
    print(f"delft-lane-changes: {len(yaw_rows)} road yaw rates, curve labels for {len(labels)} drives")


if __name__ == "__main__":
    main()
