"""tripscore on Apache Spark: score trips with `mapInArrow`, shuffle the
scored trips by user, and sum and score each partition's users in a second
`mapInArrow` (each trip once, its window, the integer sums per user and
window, then the scores) — the same user results as `tripscore
aggregate`, to the byte.

    from tripscore.spark import score_trips, user_car_behavior
    scored = score_trips(trips_df)                  # one row per trip (or error)
    users = user_car_behavior(scored, as_of="2019-10-01T00:00:00Z")
    users.select("line").write.text("users")        # the aggregate's lines

`trips_df` is a trip per row (list columns `lat`, `lon`, `t_ms`, …, or
the compact form's `encoded` and `timestamps_ms` as `spark.read.json`
gives them from the API's JSONL) as `tripscore.score_arrow` takes it, or
a fix per row (`user_id`, `event_id`, `lat`, `lon`, `t_ms`, …, or the
reader's aliases: `vehicle_id`, `trip_id`, `gps_lat`, Unix seconds in
`unix_time`, …), which `score_trips` groups into trips first
(`trips_from_fixes`).
Tables written in one Parquet row group are one task: write row groups of
a few hundred trips so every core gets some. Give Spark the schema when reading JSON
(inference costs a pass), ship this package to the workers
(`PYSPARK_PYTHON`), and set `spark.sql.shuffle.partitions` to the cores.
Trips are wide rows (a list of ~1,000 fixes per column): with Parquet's
default 4,096-row reader batches, 8,000 trips exhausted a 1 GiB local heap —
set `spark.sql.parquet.columnarReaderBatchSize` to a few hundred (and
`spark.sql.execution.arrow.maxRecordsPerBatch` likewise) and give the
executors memory. Needs pyspark (not a dependency of the package).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import pyarrow as pa
import pyarrow.compute as pc

import tripscore

if TYPE_CHECKING:  # pyspark is not a dependency of the package
    from pyspark.sql import DataFrame


def _spark_schema(arrow_schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(arrow_schema)


def _template_schema(config, annotations, explain) -> pa.Schema:
    """The columns `score_arrow` writes for these options (from a made-up trip)."""
    trip = pa.table({"user_id": ["u"], "event_id": ["t"], "lat": [[50.0, 50.001]],
                     "lon": [[4.0, 4.0]], "t_ms": [[1553240265000, 1553240275000]]})
    return tripscore.score_arrow(trip, config, annotations=annotations, explain=explain).schema


def _column(df: DataFrame, field: str) -> Optional[str]:
    """The column of `df` that `score_arrow` reads `field` from (`latitude`,
    `time`, `user_id`, `event_id`, `utc_offset_minutes`): the reader's own
    names and aliases (`trip_id`, `vehicle_id`, `gps_lat`, `unix_time`, …)."""
    i = tripscore.table_column(field, list(df.columns))
    return None if i is None else df.columns[i]


def trips_from_fixes(fixes: DataFrame) -> DataFrame:
    """A DataFrame of one row per fix (`user_id`, `event_id`, `lat`, `lon`,
    a time column, any other per-fix columns, as `score_arrow` names them)
    made into one row per trip (`user_id` + `event_id`) with a list per
    column, the fixes in time order (ties in the order of the other
    columns: the same lists whatever the partitioning). A trip's
    `utc_offset_minutes` is its first fix's. `score_trips` does this itself
    for fix rows: Spark's partitions and Arrow batches cut a table anywhere,
    and a trip cut in two would be scored as two. Raises `ValueError`
    without an `event_id` column."""
    from pyspark.sql import functions as F

    keys = [c for c in (_column(fixes, k) for k in ("user_id", "event_id")) if c]
    if _column(fixes, "event_id") is None:
        # Without it every fix of the table would be one trip, collected
        # into one row.
        raise ValueError("fix rows need an event_id column (or trip_id, …) to be grouped "
                         f"into trips (columns: {', '.join(fixes.columns)})")
    time = _column(fixes, "time")
    per_fix = [c for c in fixes.columns if c not in keys and c != time]
    ordered = ([time] if time else []) + per_fix
    trips = fixes.groupBy(*keys).agg(
        F.sort_array(F.collect_list(F.struct(*ordered))).alias("_fixes"))
    offset = _column(fixes, "utc_offset_minutes")
    return trips.select(*keys, *[
        F.col(f"_fixes.{c}")[0].alias(c) if c == offset else F.col(f"_fixes.{c}").alias(c)
        for c in ordered])


def _fix_rows(df: DataFrame) -> bool:
    """Whether `df` has a fix per row: a latitude column that is not a list."""
    from pyspark.sql.types import ArrayType

    latitude = _column(df, "latitude")
    return latitude is not None and not isinstance(df.schema[latitude].dataType, ArrayType)


def score_trips(trips: DataFrame, config: Optional[dict[str, Any]] = None, *,
                annotations: bool = False, explain: bool = False) -> DataFrame:
    """Each trip of the DataFrame `trips` scored: one row per trip, the
    columns of `tripscore.score_arrow` (errors as rows with `error_kind`).
    Trip rows are scored as they come (one row each); a DataFrame of fix
    rows is first grouped into trips (`trips_from_fixes`)."""
    if _fix_rows(trips):
        trips = trips_from_fixes(trips)
    schema = _template_schema(config, annotations, explain)

    def score(batches):
        for batch in batches:
            table = tripscore.score_arrow(pa.Table.from_batches([batch]), config,
                                          annotations=annotations, explain=explain, threads=1)
            yield from table.cast(schema).to_batches()

    return trips.mapInArrow(score, _spark_schema(schema))


def user_car_behavior(scored: DataFrame, as_of: str, *, past: Optional[str] = None,
                      config: Optional[dict[str, Any]] = None) -> DataFrame:
    """Users' `UserCarBehavior` from scored trips: the windows of `tripscore
    aggregate --as-of AS_OF` (l7d: the `aggregate.recent_ms` — 7 days —
    before `as_of`; past: before them, or with `past="all_time"` every trip
    before `as_of`; both default to the configuration's), each trip
    (`user_id` + `event_id`) once. Returns `user_id` and `line`, the JSON line
    `aggregate` writes for the user."""
    from datetime import datetime

    from pyspark.sql import functions as F

    as_of_ms = int(datetime.fromisoformat(as_of.replace("Z", "+00:00")).timestamp() * 1000)
    windows = tripscore.default_config()["aggregate"]
    windows.update((config or {}).get("aggregate", {}))
    recent_ms = windows["recent_ms"]
    past = past or windows["past"]
    features = tripscore.feature_columns()
    # One shuffle: the trips are partitioned by user, so each partition
    # holds whole users, and one pass over its Arrow batches does the rest
    # (`_UserSums`): each (user, event) once, the window of each trip, the
    # sums per user and window. With Spark's own `dropDuplicates` and
    # `groupBy().sum()` of the 128 feature columns, then a pivot in Arrow,
    # the 8,000-trip job took 2.96 s instead of 2.53 s (docs/PERFORMANCE.md,
    # step 82).
    trips = (scored.where(F.col("error_kind").isNull())
             .select("user_id", "event_id", "start", *features)
             .repartition("user_id"))

    def users(batches):
        sums = _UserSums(features, as_of_ms, recent_ms, past == "all_time")
        for batch in batches:
            sums.add(pa.Table.from_batches([batch]))
        wide = sums.wide()
        if wide is not None:
            yield from tripscore.user_car_behavior(wide, config).to_batches()

    return trips.mapInArrow(users, _spark_schema(pa.schema([("user_id", pa.string()),
                                                             ("line", pa.string())])))


class _UserSums:
    """One partition's window sums per user, from its scored trips batch by
    batch (`tripscore aggregate`'s rules): each (user, event) counted once,
    the first copy; trips at or after `as_of_ms` left out; l7d the trips
    within `recent_ms` before it, past the ones before those (or, with
    `all_time`, every trip). Holds the keys seen and the sums so far (a row
    per user and batch, folded to a row per user every 16 batches), never
    the trips."""

    def __init__(self, features: list[str], as_of_ms: int, recent_ms: int, all_time: bool):
        self.features = features
        self.as_of_ms = as_of_ms
        self.recent_ms = recent_ms
        self.all_time = all_time
        self.seen: set[tuple[str, str]] = set()
        self.parts: dict[str, list[pa.Table]] = {"l7d": [], "past": []}

    def add(self, trips: pa.Table) -> None:
        """Adds a batch of trips (`user_id`, `event_id`, `start`, the features)."""
        first = []
        for key in zip(trips["user_id"].to_pylist(), trips["event_id"].to_pylist()):
            first.append(key not in self.seen)
            self.seen.add(key)
        trips = trips.filter(pa.array(first, pa.bool_()))
        start_ms = trips["start"].cast(pa.timestamp("ms", "UTC")).cast(pa.int64())
        before = pc.less(start_ms, self.as_of_ms)
        trips, start_ms = trips.filter(before), start_ms.filter(before)
        recent = pc.greater_equal(start_ms, self.as_of_ms - self.recent_ms)
        windows = {"l7d": trips.filter(recent),
                   "past": trips if self.all_time else trips.filter(pc.invert(recent))}
        for name, part in windows.items():
            if part.num_rows:
                self.parts[name].append(self._sums(part))
                if len(self.parts[name]) > 16:
                    # A row per user, not per batch: memory as the users.
                    self.parts[name] = [self._sums(pa.concat_tables(self.parts[name]))]

    def _sums(self, trips: pa.Table) -> pa.Table:
        """`user_id` and each feature's sum per user."""
        sums = trips.group_by("user_id", use_threads=False).aggregate(
            [(c, "sum") for c in self.features])
        return sums.select(["user_id", *[f"{c}_sum" for c in self.features]]).rename_columns(
            ["user_id", *self.features])

    def wide(self) -> Optional[pa.Table]:
        """A row per user: `user_id`, `l7d_<feature>`, `past_<feature>` (null
        where the user has no trip in the window), or `None` without users."""
        wide = None
        for name, parts in self.parts.items():
            if not parts:
                continue
            window = self._sums(pa.concat_tables(parts)).rename_columns(
                ["user_id", *[f"{name}_{c}" for c in self.features]])
            wide = window if wide is None else wide.join(window, "user_id", join_type="full outer")
        if wide is None:
            return None
        # A window no user has: its columns, all null (sums of 0).
        for name, parts in self.parts.items():
            if not parts:
                for c in self.features:
                    wide = wide.append_column(f"{name}_{c}", pa.nulls(wide.num_rows, pa.int64()))
        return wide
