#!/usr/bin/env bash
# Whole-process throughput of `tripscore score`: 2,000 simulated trips of
# about 1,200 fixes in both input forms (compact and waypoint objects), timed
# with GNU time. Prints fixes/s and peak RSS per form; docs/PERFORMANCE.md
# records the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=${TMPDIR:-/tmp}/tripscore-throughput
mkdir -p "$dir"
for form in compact waypoints; do
  f="$dir/sim-2000-$form.jsonl"
  [ -s "$f" ] || ./target/release/tripscore simulate --trips 2000 --seed 7 --form "$form" -o "$f"
  /usr/bin/time -v ./target/release/tripscore score "$f" -o /dev/null 2> "$dir/time-$form.txt"
  rss=$(grep "Maximum resident set size" "$dir/time-$form.txt" | awk '{print $NF}')
  summary=$(grep "^tripscore:" "$dir/time-$form.txt")
  echo "$form ($(($(stat -c %s "$f") / 1000000)) MB): peak RSS $((rss / 1024)) MiB; $summary"
done
