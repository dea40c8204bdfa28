#!/usr/bin/env bash
# A profile-guided release build of the `tripscore` binary: the compiler
# lays out and inlines the code by how often each branch ran on a training
# workload. Same source, same output (the script checks it byte for byte
# against the plain release build); faster on the input forms with
# per-fix channels (docs/PERFORMANCE.md, step 106).
#
# Training: `tripscore score -j 1` on simulated trips in scripts/throughput.sh's
# four input forms and without speeds (seeds 101-104, not that script's 7,
# so its files are not trained on) and on the shipped real drives in data/.
# Needs the LLVM tools of the Rust toolchain: `rustup component add llvm-tools`.
#
# Usage: scripts/pgo_build.sh   -> target/pgo/<host>/release/tripscore
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
[ -x "$profdata" ] || { echo "needs llvm-profdata: rustup component add llvm-tools" >&2; exit 1; }
work=$PWD/target/pgo
rm -rf "$work/raw" "$work/train"
mkdir -p "$work/raw" "$work/train"

cargo build --release --quiet
plain=target/release/tripscore
# With --target, RUSTFLAGS reach only the target's code: build scripts and
# proc macros are neither instrumented nor optimised by the profile. Both
# builds are one fat-LTO unit: with the profile that took another 1.1-1.7 %
# of the instructions off (without a profile LTO measured within noise:
# docs/PERFORMANCE.md, "Tried and dropped").
export CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
CARGO_TARGET_DIR="$work" RUSTFLAGS="-Cprofile-generate=$work/raw" \
  cargo build --release --quiet --bin tripscore --target "$host"
cp "$work/$host/release/tripscore" "$work/train/tripscore-instrumented"
instrumented=$work/train/tripscore-instrumented

t=$work/train
"$plain" simulate --trips 200 --seed 101 --form compact --no-speed --no-roads --no-accuracy -o "$t/minimal.jsonl"
sed 's/^{/{"trip_id":"t-1",/' "$t/minimal.jsonl" > "$t/unknown.jsonl"
"$plain" simulate --trips 200 --seed 102 --form compact -o "$t/compact.jsonl"
"$plain" simulate --trips 200 --seed 103 --form waypoints -o "$t/waypoints.jsonl"
"$plain" simulate --trips 100 --seed 104 --form compact --no-speed -o "$t/positions.jsonl"
inputs=("$t"/*.jsonl data/driveplotr-nds/nds.jsonl data/delft-lane-changes/delft.jsonl
  data/ndsbr/ndsbr.jsonl data/ikhyd-obd/ikhyd.jsonl data/barefoot-munich/x0001-001.gpx)
for f in "${inputs[@]}"; do
  "$instrumented" score "$f" -o /dev/null -j 1 -q
done
"$profdata" merge -o "$work/tripscore.profdata" "$work/raw"

CARGO_TARGET_DIR="$work" RUSTFLAGS="-Cprofile-use=$work/tripscore.profdata" \
  cargo build --release --quiet --bin tripscore --target "$host"
pgo=$work/$host/release/tripscore

# The profile changes code layout, never results: checked.
for f in "${inputs[@]}"; do
  "$plain" score "$f" --annotations --explain -o "$t/plain.out" -q
  "$pgo" score "$f" --annotations --explain -o "$t/pgo.out" -q
  cmp -s "$t/plain.out" "$t/pgo.out" || { echo "output differs from the plain build on $f" >&2; exit 1; }
done
echo "$pgo"
