"""Two versions of the Spark recipe in one Spark session, interleaved: the
`tripscore.spark` module of git revision OLD against the installed one,
each running the whole job (Parquet → score_trips → user_car_behavior →
collect) on N simulated trips, six rounds, the first dropped. Prints each
version's best and median seconds. On a shared machine a ratio from one
run is the stable figure.

    pip install ./python pyspark "pandas<3"
    python3 scripts/spark_ab.py OLD [TRIPS]      # e.g. HEAD~1 8000 (default 2000)
"""
import subprocess
import sys
import tempfile
from pathlib import Path

import spark_bench
from tripscore import spark as new

ROOT = Path(__file__).resolve().parents[1]


def main():
    spark_bench.require_optimized()
    rev = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    with tempfile.TemporaryDirectory() as d:
        old_path = Path(d) / "tripscore_spark_old.py"
        old_path.write_text(subprocess.run(["git", "-C", ROOT, "show", f"{rev}:python/tripscore/spark.py"],
                                           check=True, capture_output=True, text=True).stdout)
        sys.path.insert(0, d)
        import tripscore_spark_old as old  # noqa: E402

        path, fixes = spark_bench.write_trips(n, Path(d), compact=False)
        spark = spark_bench.session()
        spark.sparkContext.addPyFile(str(old_path))
        trips = spark.read.parquet(path)
        jobs = {f"old ({rev})": lambda: old.user_car_behavior(old.score_trips(trips), spark_bench.AS_OF).collect(),
                "new (installed)": lambda: new.user_car_behavior(new.score_trips(trips), spark_bench.AS_OF).collect()}
        spark_bench.interleaved(jobs, n, fixes)
        spark.stop()


if __name__ == "__main__":
    main()
