"""GDAL (through pyogrio) opens `tripscore geojson` output as one layer, in
both shapes: GeoJSONSeq (a Feature per line) and one FeatureCollection.
Run by .ci/run after `pip install pyogrio` (and pyarrow):
    python3 scripts/geojson_gdal_check.py target/release/tripscore  (or target/debug)
"""
import json
from collections import Counter
import subprocess
import sys
import tempfile
from pathlib import Path

import pyogrio

binary, data = sys.argv[1], "data/ndsbr/ndsbr.jsonl"
with tempfile.TemporaryDirectory() as d:
    seq, coll = Path(d, "trips.geojsonl"), Path(d, "trips.geojson")
    subprocess.run([binary, "geojson", "-q", data, "-o", seq], check=True)
    subprocess.run([binary, "geojson", "-q", "--collection", data, "-o", coll], check=True)
    lines = seq.read_text().splitlines()
    seen = {}
    for path, driver in [(seq, "GeoJSONSeq"), (coll, "GeoJSON")]:
        info = pyogrio.read_info(path)
        assert info["driver"] == driver, info
        assert info["features"] == len(lines), (info["features"], len(lines))
        # Arrow, not a data frame: pyogrio's `read_dataframe` needs geopandas.
        _, table = pyogrio.read_arrow(path)
        seen[driver] = Counter(table.column("event_id").to_pylist())
    assert seen["GeoJSONSeq"] == seen["GeoJSON"]
    assert len(seen["GeoJSON"]) == sum(1 for _ in open(data)), seen
    assert all(json.loads(l)["properties"]["event_id"] for l in lines)
    print(f"GDAL {pyogrio.__gdal_version_string__}: {len(lines)} features in "
          f"{len(seen['GeoJSON'])} trips, the same as GeoJSONSeq and as a FeatureCollection")
