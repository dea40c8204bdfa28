"""The Python package against the command line: the same trips give the
same scores, and window sums done in Arrow give the bytes `tripscore
aggregate` writes. Needs the `tripscore` binary (`cargo build`; CI runs
`cargo test` first) at $TRIPSCORE_BIN or target/debug/tripscore."""

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import tripscore

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TRIPSCORE_BIN", str(ROOT / "target" / "debug" / "tripscore"))
AS_OF = "2019-09-20T00:00:00Z"


def ndsbr():
    """The ndsbr trips without phone data (the table form has none), as
    JSONL text and as a trip-per-row Arrow table."""
    lines, rows = [], []
    for line in open(ROOT / "data" / "ndsbr" / "ndsbr.jsonl"):
        d = json.loads(line)
        d.pop("phone_handling", None)
        lines.append(json.dumps(d))
        w = d["waypoints"]
        rows.append({
            "user_id": d["user_id"], "event_id": d["event_id"],
            "lat": [x["latitude"] for x in w], "lon": [x["longitude"] for x in w],
            "t_ms": [int(datetime.fromisoformat(x["timestamp"]).timestamp() * 1000) for x in w],
            "speed_kmh": [x.get("speed") for x in w],
            "speed_limit_kmh": [x.get("speed_limit") for x in w],
            "road_type": [x.get("road_type") for x in w],
            "utc_offset_minutes": -180,
        })
    return "\n".join(lines) + "\n", pa.Table.from_pylist(rows)


def cli(*args, stdin):
    out = subprocess.run([BIN, *args], input=stdin.encode(), capture_output=True, check=False)
    assert out.returncode in (0, 1), out.stderr.decode()
    return out.stdout.decode()


def test_scores_equal_the_command_line():
    text, table = ndsbr()
    scored = tripscore.score_arrow(table)
    lines = [json.loads(l) for l in cli("score", "--quiet", "-", stdin=text).splitlines()]
    assert scored.num_rows == len(lines) == 9
    for row, line in zip(scored.to_pylist(), lines):
        assert row["event_id"] == line["event_id"]
        assert row["start"] == line["start"]
        for key, value in line["behavior_scores"].items():
            if key != "type":
                assert row[f"behavior_scores_{key}"] == value, key
        for zone, features in line["features"].items():
            for name, value in features.items():
                assert row[f"features_{zone}_{name}"] == value, (zone, name)


def test_the_compact_form_scores_like_its_jsonl():
    """A table of the API's compact records (an `encoded` polyline and
    `timestamps_ms` per trip, as Spark reads the JSONL) needs no decoding
    first: the same scores as the command line on the same lines."""
    text = subprocess.run([BIN, "simulate", "--trips", "4", "--seed", "7"], capture_output=True,
                          check=True).stdout.decode()
    table = pa.Table.from_pylist([json.loads(l) for l in text.splitlines()])
    scored = tripscore.score_arrow(table)
    lines = [json.loads(l) for l in cli("score", "--quiet", "-", stdin=text).splitlines()]
    assert scored.num_rows == len(lines) == 4
    assert scored.column("error_kind").null_count == 4
    for row, line in zip(scored.to_pylist(), lines):
        assert row["event_id"] == line["event_id"]
        for zone, features in line["features"].items():
            for name, value in features.items():
                assert row[f"features_{zone}_{name}"] == value, (zone, name)
        assert row["behavior_scores_overall"] == line["behavior_scores"]["overall"]


def test_a_bad_trip_is_an_error_row_and_the_others_are_scored():
    _, table = ndsbr()
    bad = table.slice(0, 1).to_pylist()[0]
    bad["event_id"], bad["lat"] = "bad", [91.0] * len(bad["lat"])
    table = pa.concat_tables([table, pa.Table.from_pylist([bad], schema=table.schema)])
    scored = tripscore.score_arrow(table, threads=2)
    assert scored.num_rows == 10
    kinds = scored.column("error_kind").to_pylist()
    assert kinds[:9] == [None] * 9 and kinds[9] == "coordinate"
    assert scored.column("error_field").to_pylist()[9] == "lat[0]"


def test_config_as_a_dict():
    _, table = ndsbr()
    config = tripscore.default_config()
    assert config["detect"]["annotate"]["hard_brake_mps2"] > 0
    strict = tripscore.score_arrow(table, {"score": {"min_trip_km": 1000.0}})
    assert set(strict.column("behavior_scores_hard_brake").to_pylist()) == {-1.0}


def window_sums():
    """The ndsbr trips as JSONL, and their feature sums per user and window
    of `aggregate --as-of AS_OF` (trips before as_of; l7d the 7 days before
    it), done in pyarrow: `user_id`, `window`, `<feature column>_sum`."""
    text, table = ndsbr()
    scored = tripscore.score_arrow(table)
    as_of = datetime.fromisoformat(AS_OF.replace("Z", "+00:00")).timestamp() * 1000
    start = [datetime.fromisoformat(s).timestamp() * 1000 for s in scored.column("start").to_pylist()]
    window = ["l7d" if as_of - 7 * 86400e3 <= t < as_of else ("past" if t < as_of else None) for t in start]
    scored = scored.append_column("window", pa.array(window)).filter(pc.is_valid(pa.array(window)))
    features = tripscore.feature_columns()
    return text, scored.group_by(["user_id", "window"]).aggregate([(c, "sum") for c in features])


def test_window_sums_in_arrow_give_the_aggregate_bytes():
    text, sums = window_sums()
    features = tripscore.feature_columns()
    users = {}
    for row in sums.to_pylist():
        user = users.setdefault(row["user_id"], {"user_id": row["user_id"]})
        for c in features:
            user[f"{row['window']}_{c}"] = row[f"{c}_sum"]
    columns = ["user_id"] + [f"{w}_{c}" for w in ("l7d", "past") for c in features]
    windows = pa.Table.from_pylist(
        [{c: u.get(c, 0) for c in columns} for u in sorted(users.values(), key=lambda u: u["user_id"])],
        schema=pa.schema([("user_id", pa.string())] + [(c, pa.int64()) for c in columns[1:]]),
    )
    ours = "".join(line + "\n" for line in tripscore.user_car_behavior(windows).column("line").to_pylist())
    scored_lines = cli("score", "--quiet", "-", stdin=text)
    theirs = cli("aggregate", "--quiet", "--as-of", AS_OF, "-", stdin=scored_lines)
    assert ours == theirs


def test_score_window_gives_the_scores_of_aggregate():
    text, sums = window_sums()
    sums = sums.rename_columns([c.removesuffix("_sum") for c in sums.column_names])
    scored = tripscore.score_window(sums)
    assert scored.num_rows == sums.num_rows and "features_all_distance_mm" not in scored.column_names
    lines = cli("aggregate", "--quiet", "--as-of", AS_OF, "-", stdin=cli("score", "--quiet", "-", stdin=text))
    theirs = {u["user_id"]: u["car_behavior"]["scores"] for u in map(json.loads, lines.splitlines())}
    checked = 0
    for row in scored.to_pylist():
        for zone, fields in theirs[row["user_id"]][row["window"]].items():
            if zone == "type":
                continue
            for field, value in fields.items():
                if field != "type":
                    assert row[f"scores_{zone}_{field}"] == value, (row["user_id"], zone, field)
                    checked += 1
    assert checked > 100
    # A table without feature columns is a mistake, not empty windows.
    with pytest.raises(ValueError, match="no features_"):
        tripscore.score_window(pa.table({"l7d_features_all_distance_mm": pa.array([1], pa.int64())}))
    # A window of nothing has no scores: −1 everywhere there is a field.
    empty = tripscore.score_window(pa.table({"features_all_distance_mm": pa.array([0], pa.int64())}))
    assert {v for k, v in empty.to_pylist()[0].items() if v is not None} == {-1.0}


def test_version():
    assert tripscore.__version__


def test_the_build_says_whether_it_is_optimised():
    # `.ci/run` installs a debug build to test and says so in
    # TRIPSCORE_BUILD=dev; a user's `pip install ./python` is optimised.
    # Benchmarks refuse a debug build by this flag.
    assert isinstance(tripscore.OPTIMIZED, bool)
    build = os.environ.get("TRIPSCORE_BUILD")
    if build:
        assert tripscore.OPTIMIZED == (build == "release")
