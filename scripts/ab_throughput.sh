#!/usr/bin/env bash
# Interleaved throughput of two `tripscore` binaries: old and new alternate,
# five runs each per input form, best of five printed. On a shared VM whose
# speed drifts by a third within minutes, only interleaved runs compare two
# builds fairly. Uses the inputs of scripts/throughput.sh (run it first).
# Usage: scripts/ab_throughput.sh OLD_BINARY NEW_BINARY [THREADS]
set -euo pipefail
old=$1 new=$2 threads=${3:-2}
dir=${TMPDIR:-/tmp}/tripscore-throughput
rate() {
  "$1" score "$2" -o /dev/null -j "$threads" 2>&1 | grep -o '[0-9]* points/s' | awk '{print $1}'
}
for form in minimal compact waypoints; do
  f="$dir/sim-2000-$form.jsonl"
  [ -s "$f" ] || { echo "missing $f: run scripts/throughput.sh first" >&2; exit 1; }
  best_old=0 best_new=0
  for _ in 1 2 3 4 5; do
    r=$(rate "$old" "$f"); [ "$r" -gt "$best_old" ] && best_old=$r
    r=$(rate "$new" "$f"); [ "$r" -gt "$best_new" ] && best_new=$r
  done
  echo "$form: old $best_old new $best_new fixes/s (ratio $(awk "BEGIN {printf \"%.3f\", $best_new / $best_old}"))"
done
