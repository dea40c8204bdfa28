"""tripscore's Spark job against the numpy peer's on Spark, in one session
(issue #21): N simulated trips as Parquet list columns (as
`scripts/spark_bench.py` writes them); tripscore runs `score_trips` →
`user_car_behavior`, the peer runs `scripts/peer_numpy.py`'s pipeline
steps (clean, ±2 s quadratic fits, threshold episodes, features; no turn
or brake fits, no zones) per trip inside `mapInArrow`, then
`groupBy("user_id").sum()` of its features; both collect their user rows.
Interleaved, six rounds, the first dropped; prints each job's best and
median seconds and the ratio of the bests. Also the engine's floor: the
same read into a UDF that does nothing.

    pip install ./python pyspark "pandas<3" numpy
    python3 scripts/spark_peer.py [TRIPS]      # default 2000
"""
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
from pyspark.sql import functions as F

import spark_bench
from peer_numpy import peer_features
from tripscore.spark import score_trips, user_car_behavior

PEER_FEATURES = ["distance_m", "duration_ms", "fixes", "accelerate", "hard_accelerate",
                 "brake", "hard_brake", "turn", "hard_turn"]


def peer_udf(batches):
    """The peer's features of each trip row: numpy views of the Arrow list
    columns, no Python lists."""
    for batch in batches:
        columns = {}
        for name in ("lat", "lon", "t_ms"):
            column = batch.column(name)
            columns[name] = (column.offsets.to_numpy(), column.values.to_numpy())
        out = {name: [] for name in PEER_FEATURES}
        for i in range(batch.num_rows):
            lat, lon, t = (values[offsets[i]:offsets[i + 1]]
                           for offsets, values in (columns[n] for n in ("lat", "lon", "t_ms")))
            features, _ = peer_features(lat, lon, t.astype(np.int64))
            for name in PEER_FEATURES:
                out[name].append(features[name])
        out["user_id"] = batch.column("user_id")
        yield pa.RecordBatch.from_pydict(out)


def main():
    spark_bench.require_optimized()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as d:
        path, fixes = spark_bench.write_trips(n, Path(d), compact=False)
        spark = spark_bench.session()
        spark.sparkContext.addPyFile(str(Path(__file__).resolve().parent / "peer_numpy.py"))
        trips = spark.read.parquet(path)
        schema = ", ".join(f"{name} double" if name == "distance_m" else f"{name} long"
                           for name in PEER_FEATURES) + ", user_id string"

        def tripscore_job():
            return user_car_behavior(score_trips(trips), spark_bench.AS_OF).collect()

        def peer_job():
            scored = trips.select("user_id", "lat", "lon", "t_ms").mapInArrow(peer_udf, schema)
            return scored.groupBy("user_id").agg(*[F.sum(c).alias(c) for c in PEER_FEATURES]).collect()

        jobs = {"tripscore": tripscore_job, "numpy peer": peer_job,
                "floor": lambda: spark_bench.floor_job(trips)}
        best = spark_bench.interleaved(jobs, n, fixes)
        print(f"tripscore / numpy peer on Spark: {best['numpy peer'] / best['tripscore']:.2f}x")
        spark.stop()


if __name__ == "__main__":
    main()
