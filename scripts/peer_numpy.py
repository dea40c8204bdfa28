"""The numpy peer of issue #19: the same pipeline steps as `tripscore score`
(parse, decode the polyline, clean, local quadratic fits for velocity and
acceleration, threshold episodes, per-trip features and a score line),
vectorised with numpy per trip and run on as many processes as tripscore
has threads. It is a speed yardstick, not a second scorer: its rules are
simplified (fixed thresholds, no turn or brake fits, no zones).

    python3 scripts/peer_numpy.py [TRIPS] [THREADS]   # default 2000 trips, 2
    python3 scripts/peer_numpy.py --write FILE [TRIPS] # only write the trips
                                                       # (e.g. for callgrind)
    python3 scripts/peer_numpy.py --file FILE [THREADS]  # both on a compact
                                   # JSONL of one's own (`encoded`, its
                                   # `precision`, `timestamps_ms`), e.g.
                                   # scripts/throughput.sh's unknown-key file

TRIPSCORE_BIN=PATH times that binary instead of target/release/tripscore
(e.g. scripts/pgo_build.sh's).

It writes its own synthetic trips (1 Hz, about 1,065 fixes each, compact
form: `encoded` + `timestamps_ms` + an unknown `trip_id` key), then times
`tripscore score -j THREADS` and the peer on them, interleaved, best of
three each (the machine is shared), and prints points/s and the ratio — a
ratio from one run is the stable figure. Needs numpy and a release build.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
R_EARTH_M = 6_371_008.8
FIXES = 1065


# --- the synthetic trips -------------------------------------------------

def encode_polyline(lat, lon):
    """Google's polyline algorithm, precision 5, vectorised."""
    ints = np.round(np.column_stack([lat, lon]) * 1e5).astype(np.int64)
    deltas = np.diff(ints, axis=0, prepend=0).ravel()
    v = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    chunks = (v[:, None] >> (5 * np.arange(7))) & 31
    more = (v[:, None] >> (5 * np.arange(1, 8))) > 0
    used = np.concatenate([np.ones((len(v), 1), bool), more[:, :-1]], axis=1)
    out = (chunks | (more * 0x20)) + 63
    return out[used].astype(np.uint8).tobytes().decode("ascii")


def simulate(n, seed=7):
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        # Cruise targets of 20–60 s, a stop in one of six; the speed follows
        # at up to 2.5 m/s² (a first-order lag, as a driver would).
        targets = np.repeat(rng.uniform(5, 30, FIXES // 20 + 1) * (rng.random(FIXES // 20 + 1) > 1 / 6),
                            rng.integers(20, 60, FIXES // 20 + 1))[:FIXES]
        speed = np.zeros(FIXES)
        for k in range(1, FIXES):
            speed[k] = speed[k - 1] + np.clip(0.3 * (targets[k] - speed[k - 1]), -2.5, 2.5)
        yaw = np.repeat(rng.normal(0, 4, FIXES // 10 + 1) * (rng.random(FIXES // 10 + 1) < 0.3), 10)[:FIXES]
        heading = np.radians(np.cumsum(yaw * (speed > 1)))
        x = np.cumsum(speed * np.sin(heading)) + rng.normal(0, 2, FIXES)
        y = np.cumsum(speed * np.cos(heading)) + rng.normal(0, 2, FIXES)
        lat0, lon0 = 48.1 + rng.uniform(-1, 1), 11.5 + rng.uniform(-1, 1)
        lat = lat0 + np.degrees(y / R_EARTH_M)
        lon = lon0 + np.degrees(x / (R_EARTH_M * np.cos(np.radians(lat0))))
        t = 1_700_000_000_000 + 3_600_000 * i + 1000 * np.arange(FIXES)
        lines.append(json.dumps({
            "trip_id": f"t-{i}", "user_id": f"peer-user-{i % 10}", "event_id": f"peer-{i}",
            "encoded": encode_polyline(lat, lon), "timestamps_ms": t.tolist()},
            separators=(",", ":")))
    return lines


# --- the peer pipeline ---------------------------------------------------

def decode_polyline(text, precision=5):
    b = np.frombuffer(text.encode("ascii"), np.uint8).astype(np.int64) - 63
    ends = b < 0x20
    group = np.concatenate([[0], np.cumsum(ends)[:-1]])
    starts = np.flatnonzero(np.concatenate([[True], ends[:-1]]))
    pos = np.arange(len(b)) - starts[group]
    v = np.add.reduceat((b & 31) << (5 * pos), starts)
    v = np.where(v & 1, ~(v >> 1), v >> 1)
    scale = 10.0 ** precision
    return np.cumsum(v[0::2]) / scale, np.cumsum(v[1::2]) / scale


def shifted(a, k, fill):
    out = np.full_like(a, fill)
    if k > 0:
        out[:-k] = a[k:]
    elif k < 0:
        out[-k:] = a[:k]
    else:
        out[:] = a
    return out


def runs(mask):
    """(start, end) index pairs of the runs of True."""
    d = np.diff(mask.astype(np.int8), prepend=0, append=0)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def score_line(line):
    rec = json.loads(line)
    lat, lon = decode_polyline(rec["encoded"], rec.get("precision", 5))
    t = np.asarray(rec["timestamps_ms"], dtype=np.int64)
    features, scores = peer_features(lat, lon, t)
    return json.dumps({"user_id": rec.get("user_id"), "event_id": rec.get("event_id"),
                       "features": features, "scores": scores})


def peer_features(lat, lon, t):
    """One trip's features and scores from its latitudes, longitudes (degrees)
    and Unix ms times (numpy arrays)."""
    # Clean: time order, duplicate times, impossible speeds (one pass).
    order = np.argsort(t, kind="stable")
    lat, lon, t = lat[order], lon[order], t[order]
    keep = np.concatenate([[True], np.diff(t) > 0])
    lat, lon, t = lat[keep], lon[keep], t[keep]
    cos = np.cos(np.radians(lat))
    dx = np.radians(np.diff(lon)) * 0.5 * (cos[1:] + cos[:-1]) * R_EARTH_M
    dy = np.radians(np.diff(lat)) * R_EARTH_M
    ts = (t - t[0]) / 1000.0
    step = np.hypot(dx, dy)
    ok = np.concatenate([[True], step / np.diff(ts) < 83.0])
    lat, lon, ts = lat[ok], lon[ok], ts[ok]
    x = np.concatenate([[0], np.cumsum(np.radians(np.diff(lon)) * cos[ok][1:] * R_EARTH_M)])
    y = np.concatenate([[0], np.cumsum(np.radians(np.diff(lat)) * R_EARTH_M)])
    # Kinematics: a least-squares quadratic over ±2 s around every fix.
    s = np.zeros((5, len(ts)))
    bx, by = np.zeros((3, len(ts))), np.zeros((3, len(ts)))
    for k in range(-2, 3):
        tau = shifted(ts, k, np.inf) - ts
        w = np.abs(tau) <= 2.0 + 1e-9
        tau = np.where(w, tau, 0.0)
        xs, ys = np.where(w, shifted(x, k, 0.0), 0.0), np.where(w, shifted(y, k, 0.0), 0.0)
        powers = [w * 1.0, tau, tau * tau, tau ** 3, tau ** 4]
        for j in range(5):
            s[j] += powers[j]
        for j in range(3):
            bx[j] += powers[j] * xs
            by[j] += powers[j] * ys
    m = np.stack([s[0:3], s[1:4], s[2:5]], axis=-1).transpose(1, 0, 2)
    m += np.eye(3) * 1e-9
    cx = np.linalg.solve(m, bx.T[..., None])[..., 0]
    cy = np.linalg.solve(m, by.T[..., None])[..., 0]
    vx, vy, ax, ay = cx[:, 1], cy[:, 1], 2 * cx[:, 2], 2 * cy[:, 2]
    speed = np.hypot(vx, vy)
    moving = speed > 2.0
    a_long = np.where(speed > 1e-6, (ax * vx + ay * vy) / np.maximum(speed, 1e-6), 0.0)
    yaw = np.where(moving, (vx * ay - vy * ax) / np.maximum(speed * speed, 1e-6), 0.0)
    a_lat = speed * yaw
    # Episodes and features.
    features = {"distance_m": float(np.hypot(np.diff(x), np.diff(y)).sum()),
                "duration_ms": int(t[-1] - t[0]), "fixes": int(len(ts))}
    for name, signal, start, hard in (("accelerate", a_long, 0.3, 2.5),
                                      ("brake", -a_long, 0.3, 3.0),
                                      ("turn", np.abs(a_lat), 1.0, 3.5)):
        lo, hi = runs(signal > start)
        peaks = np.maximum.reduceat(signal, lo) if len(lo) else np.zeros(0)
        long_enough = (hi - lo) >= 2
        features[name] = int(long_enough.sum())
        features[f"hard_{name}"] = int((long_enough & (peaks > hard)).sum())
    km = max(features["distance_m"] / 1000.0, 1.0)
    scores = {k: round(max(0.0, 1.0 - features[f"hard_{k}"] / km), 4)
              for k in ("accelerate", "brake", "turn")}
    return features, scores


def peer_score(path, workers):
    with open(path) as f, Pool(workers) as pool, open("/dev/null", "w") as out:
        for line in pool.imap(score_line, f, chunksize=32):
            out.write(line + "\n")


# --- the run -------------------------------------------------------------

def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    if sys.argv[1:2] == ["--score"]:
        peer_score(sys.argv[2], int(sys.argv[3]))
        return
    if sys.argv[1:2] == ["--write"]:
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
        Path(sys.argv[2]).write_text("\n".join(simulate(n)) + "\n")
        return
    if sys.argv[1:2] == ["--file"]:
        path = Path(sys.argv[2])
        threads = sys.argv[3] if len(sys.argv) > 3 else "2"
        with open(path) as f:
            trips, points = 0, 0
            for line in f:
                trips += 1
                points += len(json.loads(line)["timestamps_ms"])
        compare(path, trips, points, threads)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    threads = sys.argv[2] if len(sys.argv) > 2 else "2"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "peer.jsonl"
        lines = simulate(n)
        path.write_text("\n".join(lines) + "\n")
        compare(path, n, n * FIXES, threads)


def compare(path, trips, points, threads):
    """Times tripscore and the peer on `path` (`trips` records, `points`
    fixes), interleaved, best of three each, and prints both rates and the
    ratio."""
    binary = os.environ.get("TRIPSCORE_BIN") or ROOT / "target" / "release" / "tripscore"
    best = {"tripscore": float("inf"), "numpy peer": float("inf")}
    for _ in range(3):
        best["tripscore"] = min(best["tripscore"], timed(
            [binary, "score", "--quiet", path, "-o", "/dev/null", "-j", threads]))
        best["numpy peer"] = min(best["numpy peer"], timed(
            [sys.executable, __file__, "--score", path, threads]))
    for name, secs in best.items():
        print(f"{name}: {trips} trips, {points:,} points in {secs:.2f} s: "
              f"{points / secs / 1e6:.2f} M points/s ({threads} threads)")
    print(f"ratio: {best['numpy peer'] / best['tripscore']:.2f}x")


if __name__ == "__main__":
    main()
