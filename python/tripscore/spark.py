"""tripscore on Apache Spark: score trips with `mapInArrow`, sum their
features per user and window with plain SQL sums (`groupBy("user_id",
"window")` after one shuffle by user), score the windows with a second
`mapInArrow` (each partition's windows pivoted to a row per user) — the
same user results as `tripscore aggregate`, to the byte.

    from tripscore.spark import score_trips, user_car_behavior
    scored = score_trips(trips_df)                  # one row per trip (or error)
    users = user_car_behavior(scored, as_of="2019-10-01T00:00:00Z")
    users.select("line").write.text("users")        # the aggregate's lines

`trips_df` is a trip per row (list columns `lat`, `lon`, `t_ms`, …, or
the compact form's `encoded` and `timestamps_ms` as `spark.read.json`
gives them from the API's JSONL) as `tripscore.score_arrow` takes it.
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

from typing import Any, Optional

import pyarrow as pa
import pyarrow.compute as pc

import tripscore

def _spark_schema(arrow_schema: pa.Schema):
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(arrow_schema)


def _template_schema(config, annotations, explain) -> pa.Schema:
    """The columns `score_arrow` writes for these options (from a made-up trip)."""
    trip = pa.table({"user_id": ["u"], "event_id": ["t"], "lat": [[50.0, 50.001]],
                     "lon": [[4.0, 4.0]], "t_ms": [[1553240265000, 1553240275000]]})
    return tripscore.score_arrow(trip, config, annotations=annotations, explain=explain).schema


def score_trips(trips, config: Optional[dict[str, Any]] = None, *, annotations: bool = False,
                explain: bool = False):
    """Each trip of the DataFrame `trips` scored: one row per input row, the
    columns of `tripscore.score_arrow` (errors as rows with `error_kind`)."""
    schema = _template_schema(config, annotations, explain)

    def score(batches):
        for batch in batches:
            table = tripscore.score_arrow(pa.Table.from_batches([batch]), config,
                                          annotations=annotations, explain=explain, threads=1)
            yield from table.cast(schema).to_batches()

    return trips.mapInArrow(score, _spark_schema(schema))


def user_car_behavior(scored, as_of: str, *, past: Optional[str] = None,
                      config: Optional[dict[str, Any]] = None):
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
    # One shuffle: the trips are partitioned by user, so the duplicates'
    # removal and the per-(user, window) sums need no other, and each
    # partition holds whole users. The window sums are plain sums grouped by
    # (user, window); a partition's rows are then pivoted to a row per user
    # in Arrow. (Conditional sums, a CASE per feature and window in one
    # aggregation, cost Spark 1–1.7 s more on 8,000 trips: 300 expressions.)
    trips = (scored.where(F.col("error_kind").isNull())
             .select("user_id", "event_id", "start", *features)
             .repartition("user_id")
             .dropDuplicates(["user_id", "event_id"]))
    start_ms = F.unix_millis(F.to_timestamp("start", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"))
    trips = trips.withColumn("start_ms", start_ms).where(F.col("start_ms") < as_of_ms)
    recent = F.col("start_ms") >= as_of_ms - recent_ms
    if past == "all_time":
        # Every trip is in the past window, a recent one in l7d too.
        window = F.explode(F.when(recent, F.array(F.lit("l7d"), F.lit("past")))
                           .otherwise(F.array(F.lit("past"))))
    else:
        window = F.when(recent, F.lit("l7d")).otherwise(F.lit("past"))
    sums = (trips.withColumn("window", window)
            .groupBy("user_id", "window")
            .agg(*[F.sum(c).cast("long").alias(c) for c in features]))

    def users(batches):
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        wide = None
        for name in ("l7d", "past"):
            part = table.filter(pc.equal(table["window"], name)).drop_columns(["window"])
            part = part.rename_columns(["user_id"] + [f"{name}_{c}" for c in features])
            wide = part if wide is None else wide.join(part, "user_id", join_type="full outer")
        # A user without trips in a window has nulls there: sums of 0.
        yield from tripscore.user_car_behavior(wide, config).to_batches()

    out = pa.schema([("user_id", pa.string()), ("line", pa.string())])
    return sums.mapInArrow(users, _spark_schema(out))
