#!/usr/bin/env bash
# Peak memory and throughput of `tripscore score` on growing JSONL inputs
# (about 0.26 GB and 1.04 GB of simulated trips, compact form with speeds,
# limits and road types). Prints one line per size; docs/PERFORMANCE.md
# records the numbers. Needs GNU time at /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=${TMPDIR:-/tmp}/tripscore-rss
mkdir -p "$dir"
# The generated files are gigabytes: removed on exit unless KEEP_INPUTS=1
# (then a second run reuses them).
[ "${KEEP_INPUTS:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT
for trips in 6500 26000; do
  f="$dir/sim-$trips.jsonl"
  [ -s "$f" ] || ./target/release/tripscore simulate --trips "$trips" --seed 42 -o "$f"
  /usr/bin/time -v ./target/release/tripscore score "$f" -o /dev/null 2> "$dir/time-$trips.txt"
  size=$(stat -c %s "$f")
  rss=$(grep "Maximum resident set size" "$dir/time-$trips.txt" | awk '{print $NF}')
  wall=$(grep "Elapsed (wall clock)" "$dir/time-$trips.txt" | awk '{print $NF}')
  summary=$(grep "^tripscore:" "$dir/time-$trips.txt")
  echo "$trips trips, $((size / 1000000)) MB: peak RSS $((rss / 1024)) MiB, wall $wall; $summary"
done
