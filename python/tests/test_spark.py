"""The Spark recipe (tripscore.spark) in local mode against `tripscore
aggregate`: the same user lines, byte for byte. Needs pyspark and Java 17
(`.ci/run` installs pyspark)."""

import os

import pyarrow.parquet as pq
import pytest

from test_tripscore import AS_OF, cli, ndsbr

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("tripscore-test")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    yield session
    session.stop()


@pytest.mark.parametrize("past", ["before_last7_days", "all_time"])
def test_spark_job_equals_tripscore_aggregate(spark, tmp_path, past):
    from tripscore.spark import score_trips, user_car_behavior

    text, table = ndsbr()
    path = str(tmp_path / "trips.parquet")
    pq.write_table(table, path)
    trips = spark.read.parquet(path).repartition(3)
    scored = score_trips(trips)
    users = user_car_behavior(scored, AS_OF, past=past)
    ours = "".join(row["line"] + "\n" for row in users.orderBy("user_id").collect())
    flag = ["--past", "all-time"] if past == "all_time" else []
    scored_lines = cli("score", "--quiet", "-", stdin=text)
    theirs = cli("aggregate", "--quiet", "--as-of", AS_OF, *flag, "-", stdin=scored_lines)
    assert ours == theirs


def test_spark_job_counts_each_trip_once(spark, tmp_path):
    """Every trip eight times, one trip per Arrow batch: each (user, event)
    counts once, the same lines as `tripscore aggregate`."""
    from tripscore.spark import score_trips, user_car_behavior

    text, table = ndsbr()
    path = str(tmp_path / "trips.parquet")
    pq.write_table(table, path)
    once = spark.read.parquet(path)
    twice = once.union(once)
    trips = twice.union(twice).union(twice.union(twice)).repartition(3)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "1")
    try:
        users = user_car_behavior(score_trips(trips), AS_OF)
        ours = "".join(row["line"] + "\n" for row in users.orderBy("user_id").collect())
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    scored_lines = cli("score", "--quiet", "-", stdin=text)
    theirs = cli("aggregate", "--quiet", "--as-of", AS_OF, "-", stdin=scored_lines)
    assert ours == theirs


def fix_rows(table):
    """The trip-per-row table as a fix per row (each list flattened, the
    trip's scalars repeated), its rows shuffled."""
    import random

    import pyarrow as pa
    import pyarrow.compute as pc

    lists = [c for c in table.column_names if pa.types.is_list(table.schema.field(c).type)]
    parent = pc.list_parent_indices(table[lists[0]])
    columns = {c: (pc.list_flatten(table[c]) if c in lists else table[c].take(parent))
               for c in table.column_names}
    fixes = pa.table(columns)
    order = list(range(fixes.num_rows))
    random.Random(7).shuffle(order)
    return fixes.take(order)


def test_spark_job_groups_fix_rows_into_trips(spark, tmp_path):
    """A fix per row, shuffled and cut into batches of 100 rows: each trip is
    grouped whole, scored as its trip row is, and the users' lines are
    `tripscore aggregate`'s."""
    from tripscore.spark import score_trips, user_car_behavior

    text, table = ndsbr()
    trip_path, fix_path = str(tmp_path / "trips.parquet"), str(tmp_path / "fixes.parquet")
    pq.write_table(table, trip_path)
    pq.write_table(fix_rows(table), fix_path, row_group_size=1000)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "100")
    try:
        fixes = spark.read.parquet(fix_path).repartition(5)
        by_fixes = score_trips(fixes).orderBy("event_id").collect()
        by_trips = score_trips(spark.read.parquet(trip_path)).orderBy("event_id").collect()
        users = user_car_behavior(score_trips(fixes), AS_OF)
        ours = "".join(row["line"] + "\n" for row in users.orderBy("user_id").collect())
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
    assert len(by_fixes) == len(by_trips) == 9
    assert by_fixes == by_trips
    scored_lines = cli("score", "--quiet", "-", stdin=text)
    theirs = cli("aggregate", "--quiet", "--as-of", AS_OF, "-", stdin=scored_lines)
    assert ours == theirs


def test_fix_rows_without_an_event_id_are_refused(spark, tmp_path):
    from tripscore.spark import score_trips

    _, table = ndsbr()
    path = str(tmp_path / "fixes.parquet")
    pq.write_table(fix_rows(table).drop_columns(["event_id"]), path)
    with pytest.raises(ValueError, match="event_id"):
        score_trips(spark.read.parquet(path))


def test_a_fleet_table_with_its_own_names_and_unix_seconds(spark, tmp_path):
    """Fix rows as a fleet's table names them — `vehicle_id`, `trip_id`,
    `gps_lat`/`gps_lon`, the time as Unix seconds with a fraction in
    `unix_time` — score as the API's trip rows do."""
    import pyarrow.compute as pc

    from tripscore.spark import score_trips

    _, table = ndsbr()
    fixes = fix_rows(table)
    names = {"user_id": "vehicle_id", "event_id": "trip_id", "lat": "gps_lat",
             "lon": "gps_lon", "t_ms": "unix_time"}
    fixes = fixes.rename_columns([names.get(c, c) for c in fixes.column_names])
    seconds = pc.divide(fixes["unix_time"].cast("float64"), 1000.0)
    fixes = fixes.set_column(fixes.column_names.index("unix_time"), "unix_time", seconds)
    trip_path, fix_path = str(tmp_path / "trips.parquet"), str(tmp_path / "fleet.parquet")
    pq.write_table(table, trip_path)
    pq.write_table(fixes, fix_path)
    by_fleet = score_trips(spark.read.parquet(fix_path)).orderBy("event_id").collect()
    by_trips = score_trips(spark.read.parquet(trip_path)).orderBy("event_id").collect()
    assert len(by_fleet) == len(by_trips) == 9
    assert all(row["error_kind"] is None for row in by_fleet)
    assert by_fleet == by_trips
