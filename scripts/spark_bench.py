"""Spark local[2] end to end with tripscore.spark: N simulated trips as a
Parquet table of list columns (or, with --compact, of the API's compact
records: a polyline and the times per trip, as the JSONL has them) →
score_trips → user_car_behavior → collect; the second (warm) run is timed.
Prints trips, fixes, seconds and fixes/s, then the kernel's share (its
worker-seconds inside Spark) and the engine's floor (the same read into a
UDF that does nothing).

    pip install ./python pyspark "pandas<3"
    python3 scripts/spark_bench.py [TRIPS] [--compact]    # default 2000
    python3 scripts/spark_bench.py [TRIPS] --fix-rows     # the job from trip rows
                                                          # and from fix rows, interleaved
"""
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import SparkSession

import tripscore
from tripscore.spark import score_trips, user_car_behavior

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_shared_data import decode_polyline  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2030-01-01T00:00:00Z"


def require_optimized():
    """Stops a benchmark on a debug build of the package (`.ci/run` installs
    one to test): it would time a build 20 times slower than a user's."""
    if not tripscore.OPTIMIZED:
        sys.exit("the installed tripscore package is a debug build: `pip install ./python` first")


def write_trips(n, directory, compact):
    """N simulated trips (`tripscore simulate --seed 42`) as a Parquet table
    in `directory`: list columns, or with `compact` the API's compact
    records. Returns its path and the number of fixes."""
    binary = ROOT / "target" / "release" / "tripscore"
    sim = Path(directory) / "sim.jsonl"
    subprocess.run([binary, "simulate", "--trips", str(n), "--seed", "42", "-o", sim], check=True)
    rows = []
    for line in open(sim):
        r = json.loads(line)
        pts = decode_polyline(r["encoded"], r.get("precision", 5))
        if compact:
            r["fixes"] = len(pts)
            rows.append(r)
            continue
        rows.append({"user_id": r["user_id"], "event_id": r["event_id"],
                     "lat": [p[0] for p in pts], "lon": [p[1] for p in pts],
                     "t_ms": r["timestamps_ms"], "speed_kmh": r.get("speeds_kmh"),
                     "speed_limit_kmh": r.get("speed_limits_kmh"), "road_type": r.get("road_types")})
    fixes = sum(r["fixes"] if compact else len(r["lat"]) for r in rows)
    for r in rows:
        r.pop("fixes", None)
    path = str(Path(directory) / "trips.parquet")
    # Row groups of 256 trips, so that both workers get some (one group
    # of 8,000 trips is one task).
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=256)
    return path, fixes


def session():
    """Spark `local[2]` as the benchmarks run it. Trips are wide rows (a
    list of ~1,000 fixes per column): the default 1 GiB heap and 4,096-row
    Parquet batches run out of memory at 8,000 trips, so the heap is raised
    and the batches cut to 256 rows."""
    return (SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", "2")
            .config("spark.driver.memory", "4g")
            .config("spark.sql.parquet.columnarReaderBatchSize", "256")
            .config("spark.ui.enabled", "false").getOrCreate())


def floor_job(trips):
    """The engine's floor: `trips` read and handed to a Python UDF that does
    nothing."""
    # Defined here, so that Spark ships the function itself, not a
    # reference to this script, which the workers cannot import.
    def nothing(batches):
        for batch in batches:
            yield pa.RecordBatch.from_pydict({"rows": [batch.num_rows]})

    return trips.mapInArrow(nothing, "rows long").collect()


def interleaved(jobs, trips, fixes):
    """Runs each of `jobs` (name → function) in turn, six rounds, and prints
    each one's best (with fixes/s) and median seconds of the last five.
    Returns the best seconds by name."""
    seconds = {name: [] for name in jobs}
    for _ in range(6):
        for name, job in jobs.items():
            t = time.perf_counter()
            job()
            seconds[name].append(time.perf_counter() - t)
    best = {}
    for name, s in seconds.items():
        s = sorted(s[1:])
        best[name] = s[0]
        print(f"{name}: {trips} trips, {fixes} fixes, best {s[0]:.2f} s ({fixes / s[0]:,.0f} fixes/s), "
              f"median {s[len(s) // 2]:.2f} s")
    return best


def fix_rows_against_trip_rows(spark, path, n, fixes):
    """The whole job from the trip rows at `path` and from the same trips
    as a fix per row (exploded by Spark, written as Parquet), interleaved."""
    from pyspark.sql import functions as F

    per_fix = ["lat", "lon", "t_ms", "speed_kmh", "speed_limit_kmh", "road_type"]
    fix_path = str(Path(path).with_name("fixes.parquet"))
    (spark.read.parquet(path)
     .select("user_id", "event_id", F.explode(F.arrays_zip(*per_fix)).alias("fix"))
     .select("user_id", "event_id", *[F.col(f"fix.{c}").alias(c) for c in per_fix])
     .write.parquet(fix_path))
    trip_rows, fix_rows = spark.read.parquet(path), spark.read.parquet(fix_path)
    interleaved({"trip rows": lambda: user_car_behavior(score_trips(trip_rows), AS_OF).collect(),
                 "fix rows": lambda: user_car_behavior(score_trips(fix_rows), AS_OF).collect()},
                n, fixes)


def main():
    require_optimized()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    compact = "--compact" in sys.argv
    n = int(args[0]) if args else 2000
    with tempfile.TemporaryDirectory() as d:
        path, fixes = write_trips(n, d, compact)
        spark = session()
        if "--fix-rows" in sys.argv:
            fix_rows_against_trip_rows(spark, path, n, fixes)
            spark.stop()
            return
        for run in ("cold", "warm"):
            t = time.perf_counter()
            users = user_car_behavior(score_trips(spark.read.parquet(path)), AS_OF).collect()
            secs = time.perf_counter() - t
            print(f"{run}: {n} trips, {fixes} fixes, {len(users)} users in {secs:.2f} s: {fixes / secs:,.0f} fixes/s")
        # The kernel alone inside Spark: worker-seconds spent in score_arrow,
        # as wall time (the JVM shares the cores meanwhile) and as the
        # worker process's CPU time (score_arrow's pool thread included).
        wall = spark.sparkContext.accumulator(0.0)
        cpu = spark.sparkContext.accumulator(0.0)

        def timed(batches):
            import tripscore
            for batch in batches:
                t0, c0 = time.perf_counter(), time.process_time()
                table = tripscore.score_arrow(pa.Table.from_batches([batch]), threads=1)
                wall.add(time.perf_counter() - t0)
                cpu.add(time.process_time() - c0)
                yield pa.RecordBatch.from_pydict({"rows": [table.num_rows]})

        spark.read.parquet(path).mapInArrow(timed, "rows long").collect()
        print(f"kernel inside Spark: {fixes / wall.value:,.0f} fixes per worker-second "
              f"({wall.value:.2f} worker-seconds), {fixes / cpu.value:,.0f} per CPU-second "
              f"({cpu.value:.2f} CPU-seconds)")

        # The engine's floor: the same read and hand-over to Python with a
        # UDF that does nothing (best of three).
        floor = []
        for _ in range(3):
            t = time.perf_counter()
            floor_job(spark.read.parquet(path))
            floor.append(time.perf_counter() - t)
        print(f"floor: reading into a UDF that does nothing {min(floor):.2f} s")
        spark.stop()


if __name__ == "__main__":
    main()
