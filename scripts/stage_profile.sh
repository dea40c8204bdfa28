#!/usr/bin/env bash
# Instructions per point of `tripscore score -j 1`, in total and per stage,
# counted by callgrind: deterministic where time on a shared VM is not, so
# docs/PERFORMANCE.md judges each step by it. A stage is its call's
# inclusive count (`callgrind_annotate --tree=calling --inclusive=yes`);
# "the rest" is reading lines, the batch and output.
# Needs valgrind. Usage: scripts/stage_profile.sh [FILE]
# (default: the first 300 trips of scripts/throughput.sh's unknown-key file).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
dir=${TMPDIR:-/tmp}/tripscore-throughput
if [ $# -ge 1 ]; then
  f=$1
else
  f="$dir/sim-300-unknown.jsonl"
  if [ ! -s "$f" ]; then
    [ -s "$dir/sim-2000-unknown.jsonl" ] || { echo "run scripts/throughput.sh first" >&2; exit 1; }
    head -300 "$dir/sim-2000-unknown.jsonl" > "$f"
  fi
fi
cg=$(mktemp)
log=$(mktemp)
trap 'rm -f "$cg" "$log"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$cg" \
  ./target/release/tripscore score "$f" -o /dev/null -j 1 2> "$log"
points=$(grep '^tripscore:' "$log" | grep -o '[0-9]* points,' | awk '{print $1}')
callgrind_annotate --tree=calling --inclusive=yes "$cg" | python3 -c '
import re, sys
points = int(sys.argv[1])
text = sys.stdin.read()
total = int(re.search(r"([\d,]+) \(100.0%\)  PROGRAM TOTALS", text).group(1).replace(",", ""))
calls = re.findall(r"^\s*([\d,]+) \(\s*[\d.]+%\)  \*  (.+?)(?: \[.*)?$", text, re.M)
def inclusive(pattern):
    return max((int(n.replace(",", "")) for n, name in calls if re.search(pattern, name)), default=0)
stages = [
    ("kinematics", r"kinematics::kinematics$"),
    ("clean", r"detect::clean::clean$"),
    ("turnfit", r"turnfit::refine_turns$"),
    ("annotate", r"annotate::annotate$"),
    ("JSON scanner", r"jsonl::fast::parse$"),
    ("features", r"features::trip_features$"),
    ("polyline", r"polyline::decode_polyline$"),
    ("validation", r"TryFrom<tripscore::input::trajectory::RawTrip>>::try_from$"),
    ("serialise", r"TripRecord>::to_json_line$"),
]
print(f"{total:,} instructions, {points:,} points: {total / points:,.0f} per point")
rest, rest_name = total, "the rest"
for name, pattern in stages:
    n = inclusive(pattern)
    if name == "JSON scanner" and n == 0:
        # The scanner inlined into the line parser, which also decodes
        # the polyline: the parser less the decoding.
        n = inclusive(r"jsonl::parse_line_with$") - inclusive(r"polyline::decode_polyline$")
    rest -= n
    print(f"  {name:<13} {n / points:6.0f}  {100 * n / total:5.1f} %")
print(f"  {rest_name:<13} {rest / points:6.0f}  {100 * rest / total:5.1f} %")
' "$points"
