"""tripscore's map matcher against a Python HMM peer, in one run.

The peer is leuvenmapmatching's DistanceMatcher (pure Python), with the
parameters closest to tripscore's: candidates within 50 m, observation noise
4.07 m, on the same Curitiba extract and the same raw ndsbr trips. Prints
both throughputs (fixes per second, one core) and their ratio.

    pip install leuvenmapmatching osmium
    python3 scripts/map_match_peer.py            # about a minute
"""
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import osmium
from leuvenmapmatching.map.inmem import InMemMap
from leuvenmapmatching.matcher.distance import DistanceMatcher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from convert_shared_data import decode_polyline  # noqa: E402  (the repo's reference decoder)
DRIVABLE = {"motorway", "trunk", "primary", "secondary", "tertiary", "unclassified",
            "residential", "living_street", "service", "road"}


class Roads(osmium.SimpleHandler):
    def __init__(self, graph):
        super().__init__()
        self.graph = graph

    def way(self, w):
        hw = w.tags.get("highway", "")
        if hw.removesuffix("_link") not in DRIVABLE:
            return
        nodes = list(w.nodes)
        for n in nodes:
            self.graph.add_node(n.ref, (n.lat, n.lon))
        for a, b in zip(nodes, nodes[1:]):
            self.graph.add_edge(a.ref, b.ref)
            self.graph.add_edge(b.ref, a.ref)


def main():
    graph = InMemMap("curitiba", use_latlon=True, use_rtree=True, index_edges=True)
    Roads(graph).apply_file(str(ROOT / "data/curitiba-osm/curitiba.osm.pbf"), locations=True)
    trips = [decode_polyline(json.loads(l)["encoded"], 6) for l in open(ROOT / "data/ndsbr/ndsbr_raw.jsonl")]
    fixes, matched, started = 0, 0, time.perf_counter()
    for path in trips:
        matcher = DistanceMatcher(graph, max_dist=50, obs_noise=4.07, min_prob_norm=0.001,
                                  non_emitting_states=False, max_lattice_width=8)
        states, last = matcher.match(path)
        fixes += len(path)
        matched += last + 1
    # The peer stops where it loses track: its rate counts the fixes it got through.
    peer = matched / (time.perf_counter() - started)
    out = subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "map_match"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    ours = float(re.search(r"\| HMM matching \([0-9]+ matched\) \| ([0-9]+) \|", out).group(1))
    print(f"leuvenmapmatching DistanceMatcher: {peer:,.0f} fixes/s over the {matched} of {fixes} fixes it reached")
    print(f"tripscore HMM:                     {ours:,.0f} fixes/s")
    print(f"ratio: {ours / peer:,.0f}x")


if __name__ == "__main__":
    sys.exit(main())
