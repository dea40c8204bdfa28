#!/usr/bin/env bash
# Peak memory of `tripscore aggregate` with many distinct users (issue #18:
# it must stay under 500 MB at 1 M users). Writes score-output lines, two
# trips per user (the second copy of every tenth trip repeated, to exercise
# the duplicate check), then aggregates them with the default 128 MiB budget.
# Usage: scripts/aggregate_rss.sh [USERS] (default 1000000). Needs GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-1000000}
cargo build --release --quiet
dir=${TMPDIR:-/tmp}/tripscore-aggregate-rss
mkdir -p "$dir"
# The generated files are gigabytes: removed on exit unless KEEP_INPUTS=1
# (then a second run reuses them).
[ "${KEEP_INPUTS:-0}" = 1 ] || trap 'rm -rf "$dir"' EXIT
f="$dir/scored-$users.jsonl"
[ -s "$f" ] || python3 - "$users" > "$f" <<'PY'
import sys
n = int(sys.argv[1])
line = ('{"user_id":"user-%07d","event_id":"e%d","start":"2019-10-0%dT08:00:00Z",'
        '"features":{"all":{"distance_mm":%d,"duration_ms":600000,"scored_mm":%d,'
        '"scored_ms":600000,"hard_brake":%d,"brakes":7,"accelerations":9},'
        '"city":{"distance_mm":%d,"scored_mm":%d}}}\n')
out = sys.stdout
for u in range(n):
    for k in (1, 2):
        d = 10_000_000 + 1000 * (u % 997) + k
        out.write(line % (u, 2 * u + k, k + 1, d, d, u % 3, d, d))
    if u % 10 == 0:
        out.write(line % (u, 2 * u + 2, 3, d, d, u % 3, d, d))
PY
/usr/bin/time -v ./target/release/tripscore aggregate "$f" --as-of 2019-10-05T00:00:00Z \
  --temp-dir "$dir" -o "$dir/users-$users.jsonl" 2> "$dir/time-$users.txt"
rss=$(grep "Maximum resident set size" "$dir/time-$users.txt" | awk '{print $NF}')
wall=$(grep "Elapsed (wall clock)" "$dir/time-$users.txt" | awk '{print $NF}')
echo "$users users, $(($(stat -c %s "$f") / 1000000)) MB of score lines: peak RSS $((rss / 1024)) MiB, wall $wall"
grep "^tripscore:" "$dir/time-$users.txt" | tail -1
