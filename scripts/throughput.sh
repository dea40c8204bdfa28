#!/usr/bin/env bash
# Whole-process throughput of `tripscore score`: 2,000 simulated trips of
# about 1,065 fixes in four input forms, timed with GNU time:
#   minimal   compact form with only `encoded` + `timestamps_ms` (the form the
#             performance target names; no speeds, roads or accuracies);
#   unknown   minimal with an extra key per record the reader does not know
#             (`trip_id`, as exports carry; issue #19's measuring form);
#   compact   compact form with measured speeds, speed limits and road types;
#   waypoints waypoint objects with RFC 3339 times, speeds, limits, road types.
# Each form is scored three times; the best run is printed (the machine is
# shared, so single runs are noisy). docs/PERFORMANCE.md records the numbers.
# Usage: scripts/throughput.sh [THREADS]  (default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=${TMPDIR:-/tmp}/tripscore-throughput
mkdir -p "$dir"
jobs=()
[ $# -ge 1 ] && jobs=(-j "$1")
for form in minimal unknown compact waypoints; do
  f="$dir/sim-2000-$form.jsonl"
  case $form in
    minimal) opts=(--form compact --no-speed --no-roads --no-accuracy) ;;
    *) opts=(--form "$form") ;;
  esac
  # A minimal file from before `--no-accuracy` carries accuracies: remake it
  # (and the unknown-key file made from it).
  if [ "$form" = minimal ] && [ -s "$f" ] && [ "$(head -n 1 "$f" | grep -c accuracies_m)" -gt 0 ]; then
    rm -f "$f" "$dir/sim-2000-unknown.jsonl" "$dir/sim-300-unknown.jsonl"
  fi
  if [ "$form" = unknown ]; then
    [ -s "$f" ] || sed 's/^{/{"trip_id":"t-1",/' "$dir/sim-2000-minimal.jsonl" > "$f"
  else
    [ -s "$f" ] || ./target/release/tripscore simulate --trips 2000 --seed 7 "${opts[@]}" -o "$f"
  fi
  best=""
  best_rate=0
  for run in 1 2 3; do
    /usr/bin/time -v ./target/release/tripscore score "$f" -o /dev/null "${jobs[@]}" 2> "$dir/time-$form.txt"
    rss=$(grep "Maximum resident set size" "$dir/time-$form.txt" | awk '{print $NF}')
    summary=$(grep "^tripscore:" "$dir/time-$form.txt")
    rate=$(echo "$summary" | awk '{print $(NF-1)}')
    if [ "$rate" -gt "$best_rate" ]; then
      best_rate=$rate
      best="peak RSS $((rss / 1024)) MiB; $summary"
    fi
  done
  echo "$form ($(($(stat -c %s "$f") / 1000000)) MB): $best"
done
