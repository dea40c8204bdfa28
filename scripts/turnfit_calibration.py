#!/usr/bin/env python3
"""Experiment branch only: is the turn fit's relative standard error honest?

    tripscore simulate --trips 200 --seed 1 -o S.jsonl --truth T.jsonl
    TRIPSCORE_TURNFIT_DEBUG=1 tripscore score S.jsonl -o /dev/null -j 1 2> F.txt
    python3 scripts/turnfit_calibration.py T.jsonl F.txt

Matches each fitted turn (its episode, less the 750 ms latency the pipeline
takes off later) to the labelled left/right turn it overlaps most (±3 s), then
prints the scatter of ln(fitted peak / true peak) by the fit's own relative
standard error ε, and by the labelled turn's duration.
"""
import json, math, statistics as st, sys

truth = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    truth[d["event_id"]] = [m for m in d["maneuvers"] if m["kind"] in ("left_turn", "right_turn")]
rows = []
for line in open(sys.argv[2]):
    if not line.startswith("FIT"):
        continue
    _, eid, s, e, local, fit, eps = line.split()
    s, e = float(s) - 750, float(e) - 750
    best = None
    for m in truth.get(eid, []):
        if m["start_ms"] <= e + 3000 and m["end_ms"] >= s - 3000:
            overlap = min(e, m["end_ms"]) - max(s, m["start_ms"])
            if best is None or overlap > best[0]:
                best = (overlap, m)
    if best:
        m = best[1]
        rows.append((float(fit), float(eps), m["peak_mps2"], (m["end_ms"] - m["start_ms"]) / 1000, m["harsh"]))
ln = [math.log(f / t) for f, _, t, _, _ in rows]
print(f"{len(rows)} fits matched; ln(fitted/true): median {st.median(ln):+.3f}, sd {st.pstdev(ln):.3f}")
print("| ε | fits | mean ε | sd of ln(fitted/true) | median ln(fitted/true) |")
for lo, hi in [(0, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.5), (0.5, 1.01)]:
    sel = [(math.log(f / t), ep) for f, ep, t, _, _ in rows if lo <= ep < hi]
    if len(sel) > 3:
        r = [a for a, _ in sel]
        print(f"| {lo:.1f}–{hi:.1f} | {len(sel)} | {st.mean(b for _, b in sel):.3f} | {st.pstdev(r):.3f} | {st.median(r):+.3f} |")
print("| true duration, s | fits | sd of ln(fitted/true) | median ln(fitted/true) | median ln(confident/true) |")
for lo, hi in [(3.5, 5), (5, 8), (8, 12), (12, 99)]:
    sel = [(f, ep, t) for f, ep, t, d, _ in rows if lo <= d < hi]
    if sel:
        r = [math.log(f / t) for f, _, t in sel]
        c = [math.log(f * math.exp(-ep) / t) for f, ep, t in sel]
        print(f"| {lo:g}–{hi:g} | {len(sel)} | {st.pstdev(r):.3f} | {st.median(r):+.3f} | {st.median(c):+.3f} |")
