#!/usr/bin/env bash
# Single-run spread of `tripscore score` on one of scripts/throughput.sh's
# inputs: N runs (default 10) of each binary given, interleaved, two threads;
# prints each binary's rates sorted (M fixes/s), the median, and how many
# runs reach 15 M (issue #19's target, "in every run").
# Usage: scripts/runs.sh [N] [FORM] BINARY...   (FORM default: unknown)
set -euo pipefail
n=${1:-10}
form=${2:-unknown}
shift 2 || true
[ $# -ge 1 ] || set -- "$(dirname "$0")/../target/release/tripscore"
f=${TMPDIR:-/tmp}/tripscore-throughput/sim-2000-$form.jsonl
[ -s "$f" ] || { echo "missing $f: run scripts/throughput.sh first" >&2; exit 1; }
declare -A rates
for _ in $(seq "$n"); do
  for b in "$@"; do
    r=$("$b" score "$f" -o /dev/null -j 2 2>&1 | grep -o '[0-9]* points/s' | awk '{printf "%.2f", $1 / 1e6}')
    rates[$b]="${rates[$b]:-} $r"
  done
done
for b in "$@"; do
  echo "$b:" $(printf '%s\n' ${rates[$b]} | sort -n | tr '\n' ' ') \
    "| median $(printf '%s\n' ${rates[$b]} | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}')" \
    "| at least 15 M: $(printf '%s\n' ${rates[$b]} | awk '$1 >= 15 {c++} END {print c+0}') of $n"
done
