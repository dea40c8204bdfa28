#!/usr/bin/env python3
"""Is the GPS latency a clock offset or a receiver filter? (docs/ACCURACY.md,
"GPS latency: a delay, not a filter").

    python3 scripts/receiver_lag.py [SHARED_NDS_CSV]

A receiver that smooths its track with a first-order lag of time constant
tau delays slow changes by tau and flattens fast ones; a receiver whose time
stamps are late by L only delays them. For each tau of a grid this fits the
best L of "GPS signal(t) = lag_tau(reference)(t - L)" and prints the RMS and
the gain (least-squares slope of the GPS signal on the lagged reference) at
that L, for:

- ikhyd (data/ikhyd-obd): the phone's 1 Hz speed against the car's OBD
  speed (about 10 Hz), both as accelerations (central differences at the GPS
  fixes), the signal the annotations come from;
- driveplotr-nds (data/driveplotr-nds): the yaw rate of the positions (the
  heading change from one fix-to-fix chord to the next, above 5 m/s) against
  the logger's gyro (`yaw_rates.csv`, whose row averages the second before
  it), averaged over the same interval.

With the original driveplotr-nds CSV (default ../shared/data/driveplotr-nds/
nds_data.csv; not shipped) it also fits the receiver's own course
(`gps_heading`) against the gyro. Deterministic; needs numpy.
"""

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from convert_shared_data import decode_polyline  # noqa: E402  (the one polyline decoder)

# The reference is resampled on this grid before the lag is applied, s.
GRID_S = 0.05
TAUS_S = [0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0]
SHIFTS_S = [round(-0.5 + 0.05 * i, 2) for i in range(51)]  # -0.5 .. 2.0 s
# Moving: both ends of a heading step above this speed, m/s.
MIN_SPEED_MPS = 5.0


def lagged(values, tau_s):
    """A first-order lag of time constant tau_s over samples GRID_S apart."""
    if tau_s <= 0:
        return values.copy()
    alpha = 1.0 - math.exp(-GRID_S / tau_s)
    out = np.empty_like(values)
    y = values[0]
    for i, x in enumerate(values):
        y += alpha * (x - y)
        out[i] = y
    return out


def trips(path):
    """event_id -> (times s, east m, north m, speeds m/s or None)."""
    out = {}
    for line in open(path):
        r = json.loads(line)
        pts = decode_polyline(r["encoded"], r.get("precision", 5))
        lat = np.array([p[0] for p in pts])
        lon = np.array([p[1] for p in pts])
        t = np.array(r["timestamps_ms"], dtype=float) / 1000.0
        x = np.radians(lon - lon[0]) * 6371008.8 * math.cos(math.radians(lat[0]))
        y = np.radians(lat - lat[0]) * 6371008.8
        v = r.get("speeds_kmh")
        v = None if v is None else np.array([np.nan if s is None else s for s in v]) / 3.6
        out[r["event_id"]] = (t, x, y, v)
    return out


def interval_means(t_fine, cumulative, a, b):
    """The reference's mean over each interval [a, b] (cumulative sums)."""
    ia = np.searchsorted(t_fine, a)
    ib = np.searchsorted(t_fine, b)
    return (cumulative[ib] - cumulative[ia]) / (b - a)


def fit_table(name, series, tau_list=TAUS_S):
    """series(tau, shift) -> (gps values, reference values): prints, for each
    tau, the shift of least RMS with its RMS and gain."""
    print(f"\n{name}\n")
    print("| filter time constant tau | best delay L | RMS at L | gain at L |")
    print("|---|---|---|---|")
    rows = []
    for tau in tau_list:
        best = None
        for shift in SHIFTS_S:
            x, ref = series(tau, shift)
            rms = math.sqrt(float(np.mean((x - ref) ** 2)))
            if best is None or rms < best[1]:
                best = (shift, rms, float(np.dot(x, ref) / np.dot(ref, ref)))
        rows.append((tau, *best))
        print(f"| {tau:.2f} s | {best[0]:.2f} s | {best[1]:.4f} | {best[2]:.3f} |")
    return rows


def ikhyd_series():
    gps = trips(ROOT / "data/ikhyd-obd/ikhyd.jsonl")
    obd = {}
    with open(ROOT / "data/ikhyd-obd/obd_speed.csv") as f:
        for row in csv.DictReader(f):
            obd.setdefault(row["event_id"], []).append(
                (int(row["time_ms"]) / 1000.0, float(row["speed_kmh"]) / 3.6)
            )
    prepared = []
    for eid, samples in sorted(obd.items()):
        s = np.array(samples)
        fine = np.arange(s[0, 0], s[-1, 0], GRID_S)
        t, _, _, v = gps[eid]
        prepared.append((fine, np.interp(fine, s[:, 0], s[:, 1]), t, v))
    cache = {}

    def series(tau, shift):
        xs, refs = [], []
        for k, (fine, vo, t, v) in enumerate(prepared):
            if (k, tau) not in cache:
                cache[(k, tau)] = lagged(vo, tau)
            ref_v = cache[(k, tau)]
            # Fixes with the lagged reference 3 s into its record (the lag settled).
            ok = (t - shift > fine[0] + 3.0) & (t - shift < fine[-1]) & np.isfinite(v)
            tt = t[ok]
            if len(tt) < 3:
                continue
            ref = np.interp(tt - shift, fine, ref_v)
            xs.append(np.gradient(v[ok], tt))
            refs.append(np.gradient(ref, tt))
        return np.concatenate(xs), np.concatenate(refs)

    return series


def heading_rate_series(drives, gyro):
    """drives: id -> (times s, headings deg of each step (or None: per-fix
    headings), speeds m/s); gyro: id -> (times s, yaw rate deg/s averaging
    the second before). The GPS rate of each interval against the lagged
    gyro's mean over it."""
    prepared = []
    for eid, (t, h, v, per_step) in sorted(drives.items()):
        if eid not in gyro:
            continue
        gt, gy = gyro[eid]
        fine = np.arange(gt[0], gt[-1], GRID_S)
        # A gyro row's value belongs to the half second before it.
        g_fine = np.interp(fine, gt - 0.5, gy)
        if per_step:
            tm = 0.5 * (t[:-1] + t[1:])  # each chord's heading at its midpoint
            fast = (v[:-1] > MIN_SPEED_MPS) & (v[1:] > MIN_SPEED_MPS)
            a, b, fast = tm[:-1], tm[1:], fast[:-1] & fast[1:]
        else:
            a, b = t[:-1], t[1:]
            fast = (v[:-1] > MIN_SPEED_MPS) & (v[1:] > MIN_SPEED_MPS)
        rate = ((np.diff(h) + 540.0) % 360.0 - 180.0) / (b - a)
        ok = fast & np.isfinite(rate) & (b - a > 0.5) & (b - a < 1.5)
        prepared.append((fine, g_fine, a[ok], b[ok], rate[ok]))
    cache = {}

    def series(tau, shift):
        xs, refs = [], []
        for k, (fine, g_fine, a, b, rate) in enumerate(prepared):
            if (k, tau) not in cache:
                lag = lagged(g_fine, tau)
                cache[(k, tau)] = np.concatenate([[0.0], np.cumsum(lag) * GRID_S])
            inside = (a - shift > fine[0] + 3.0) & (b - shift < fine[-1])
            xs.append(rate[inside])
            refs.append(interval_means(fine, cache[(k, tau)], a[inside] - shift, b[inside] - shift))
        return np.concatenate(xs), np.concatenate(refs)

    return series


def nds_gyro():
    gyro = {}
    with open(ROOT / "data/driveplotr-nds/yaw_rates.csv") as f:
        for row in csv.DictReader(f):
            gyro.setdefault(row["event_id"], []).append(
                (int(row["time_ms"]) / 1000.0, float(row["yaw_rate_dps"]))
            )
    return {k: (np.array([s[0] for s in v]), np.array([s[1] for s in v])) for k, v in gyro.items()}


def nds_positions():
    drives = {}
    for eid, (t, x, y, v) in trips(ROOT / "data/driveplotr-nds/nds.jsonl").items():
        if v is None:
            continue
        heading = np.degrees(np.arctan2(np.diff(x), np.diff(y)))
        drives[eid] = (t, heading, v, True)
    return drives


def nds_course(path):
    by = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            by.setdefault(row["drive"], []).append(row)

    def num(s):
        try:
            return float(s)
        except ValueError:
            return math.nan

    drives = {}
    for drive, rows in by.items():
        t = np.array([num(r["time_utc"]) for r in rows])
        h = np.array([num(r["gps_heading"]) for r in rows])
        v = np.array([num(r["speed_mph"]) for r in rows]) * 0.44704
        ok = np.isfinite(t)
        drives[f"nds-{int(float(drive)):02d}"] = (t[ok], h[ok], v[ok], False)
    return drives


def main():
    print("# GPS latency: a delay, not a filter")
    fit_table(
        "ikhyd: the phone's speed, as acceleration, against the OBD speed",
        ikhyd_series(),
    )
    gyro = nds_gyro()
    fit_table(
        "driveplotr-nds: the positions' yaw rate (chord to chord) against the gyro",
        heading_rate_series(nds_positions(), gyro),
    )
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/data/driveplotr-nds/nds_data.csv"
    if shared.exists():
        fit_table(
            "driveplotr-nds: the receiver's course (gps_heading) against the gyro",
            heading_rate_series(nds_course(shared), gyro),
        )
    else:
        print(f"\n({shared} not found: the course table needs the original CSV)")


if __name__ == "__main__":
    main()
