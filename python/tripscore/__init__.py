"""tripscore: driving-behaviour scores from GPS trips, on Arrow tables.

The engine is tripscore's Rust library; tables cross as Arrow IPC streams
(no per-row Python work) and the scoring runs with the GIL released, on
every core.

    >>> import pyarrow as pa, tripscore
    >>> trips = pa.table({"user_id": ["u"], "event_id": ["t1"],
    ...     "lat": [[50.0, 50.001, 50.002]], "lon": [[4.0, 4.0, 4.0]],
    ...     "t_ms": [[1553240265000, 1553240275000, 1553240285000]]})
    >>> scored = tripscore.score_arrow(trips)
    >>> scored.column("event_id").to_pylist()
    ['t1']
"""

from __future__ import annotations

import json
from typing import Any, Optional

import pyarrow as pa

from . import _native

__version__ = _native.__version__
#: False for a debug build of the native module (as `.ci/run` installs to
#: test), which scores about 20 times slower than `pip install ./python`'s.
OPTIMIZED: bool = _native.OPTIMIZED
__all__ = ["score_arrow", "score_window", "user_car_behavior", "default_config", "feature_columns"]


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _table(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def default_config() -> dict[str, Any]:
    """Every setting of the pipeline with its default (as `tripscore config --default`)."""
    return json.loads(_native.default_config_json())


def feature_columns() -> list[str]:
    """The integer feature columns of a scored table (`features_{zone}_{name}`):
    what a window sums to score users."""
    return [f"features_{zone}_{name}" for zone in ("all", "motorway", "city", "non_city")
            for name in _native.feature_names()]


def table_column(field: str, names: list[str]) -> Optional[int]:
    """The index of the column among `names` that `score_arrow` reads
    `field` from (`latitude`, `time`, `user_id`, `event_id`,
    `utc_offset_minutes`), or None: its names and aliases, in any case and
    punctuation (`trip_id` for `event_id`, `gps_lat`, `unix_time`, …).

    >>> table_column("event_id", ["vehicle_id", "trip_id", "gps_lat"])
    1
    """
    return _native.table_column(field, names)


def score_arrow(trips: pa.Table, config: Optional[dict[str, Any]] = None, *,
                annotations: bool = False, explain: bool = False, trajectory: bool = False,
                threads: int = 0) -> pa.Table:
    """Scores every trip of `trips`: one row per trip with list columns
    (`lat`, `lon`, `t_ms`, optional `speed_kmh`, `speed_limit_kmh`,
    `road_type`, `accuracy_m`, scalar `user_id`, `event_id`,
    `utc_offset_minutes`) — or the API's compact form, an `encoded`
    polyline (`precision` 5 or 6) and `timestamps_ms` per row, as the JSONL
    reads — or one row per fix (trips are runs of the same
    `user_id` + `event_id`). Returns one row per input record: the score
    line's values in flat columns (`behavior_scores_overall`,
    `features_city_hard_brake`, …) — or, for a bad record, `error_kind`,
    `error_field`, `error_message`. `config` is a dict like
    `default_config()`, or any part of one."""
    data = _native.score_ipc(_ipc(trips), json.dumps(config) if config else None,
                             annotations, explain, trajectory, threads)
    return _table(data)


def user_car_behavior(windows: pa.Table, config: Optional[dict[str, Any]] = None) -> pa.Table:
    """Users' scores from their window sums: `windows` has `user_id` and the
    64-bit integer columns `l7d_<feature column>` and `past_<feature column>`
    (`feature_columns()` summed over the trips of each window). Returns
    `user_id` and `line`, the JSON line `tripscore aggregate` writes for the
    user (the same bytes, given the same trips and windows)."""
    return _table(_native.user_scores_ipc(_ipc(windows), json.dumps(config) if config else None))


def score_window(windows: pa.Table, config: Optional[dict[str, Any]] = None) -> pa.Table:
    """The scores of any windows: each row of `windows` holds the sums of
    `feature_columns()` over a window's trips (group by whatever you like:
    user and week, fleet and month, driver and road); the other columns
    are keys, passed through. Returns the keys and float columns
    `scores_{zone}_{field}` (zones `all`, `motorway`, `city`, `non_city`,
    `total`; fields as the API's `ZoneCarBehaviorScores`: `overall`,
    `hard_brake`, …), −1 where the window has too little data, null where
    a zone has no such field — the numbers `tripscore aggregate` writes
    for an l7d or past window with these sums."""
    return _table(_native.window_scores_ipc(_ipc(windows), json.dumps(config) if config else None))
