"""The per-partition reduce of the Spark recipe (`tripscore.spark._UserSums`,
plain pyarrow) against the rules of `tripscore aggregate` worked out row by
row: each (user, event) once, the first copy; nothing at or after `as_of`;
l7d and past windows; sums folded as batches pile up."""

import random

import pyarrow as pa
import pytest

from tripscore.spark import _UserSums

DAY_MS = 86_400_000
AS_OF_MS = 1_568_937_600_000  # 2019-09-20T00:00:00Z
FEATURES = ["features_all_distance_mm", "features_all_hard_brake"]


def iso(ms: int) -> str:
    """`start` as the score output writes it (here with a −03:00 offset)."""
    return pa.scalar(ms - 3 * 3_600_000, pa.timestamp("ms")).as_py().strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "-03:00"


def trips(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for k in range(60):
        user = f"u{rng.randrange(4)}"
        event = f"e{rng.randrange(45)}"  # repeats: duplicates, some conflicting
        # Some at the window bounds exactly: `as_of` (left out), 7 days before it (l7d).
        start = rng.choice([AS_OF_MS, AS_OF_MS - 7 * DAY_MS,
                            AS_OF_MS - rng.randrange(-2 * DAY_MS, 20 * DAY_MS)])
        rows.append({"user_id": user, "event_id": event, "start": iso(start),
                     "start_ms": start, **{c: rng.randrange(10**9) for c in FEATURES}})
    return rows


def expected(rows: list[dict], all_time: bool) -> dict[str, dict[str, int]]:
    seen, sums = set(), {}
    for r in rows:
        if (r["user_id"], r["event_id"]) in seen:
            continue
        seen.add((r["user_id"], r["event_id"]))
        if r["start_ms"] >= AS_OF_MS:
            continue
        recent = r["start_ms"] >= AS_OF_MS - 7 * DAY_MS
        windows = ["l7d"] * recent + ["past"] * (all_time or not recent)
        user = sums.setdefault(r["user_id"], {})
        for w in windows:
            for c in FEATURES:
                user[f"{w}_{c}"] = user.get(f"{w}_{c}", 0) + r[c]
    return sums


@pytest.mark.parametrize("all_time", [False, True])
@pytest.mark.parametrize("batch_rows", [1, 7, 60])
def test_user_sums_follow_the_aggregate_rules(all_time, batch_rows):
    for seed in range(5):
        rows = trips(seed)
        table = pa.Table.from_pylist([{k: v for k, v in r.items() if k != "start_ms"}
                                      for r in rows])
        sums = _UserSums(FEATURES, AS_OF_MS, 7 * DAY_MS, all_time)
        for offset in range(0, len(rows), batch_rows):
            sums.add(table.slice(offset, batch_rows))
        got = {r.pop("user_id"): {k: v for k, v in r.items() if v is not None}
               for r in sums.wide().to_pylist()}
        assert got == expected(rows, all_time)
