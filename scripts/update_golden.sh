#!/usr/bin/env bash
# Rewrites the golden output that tests/integration/golden.rs compares against.
# Run it only when a change of results is intended, and say why in the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for f in data/ndsbr/ndsbr.jsonl data/driveplotr-nds/nds.jsonl data/barefoot-munich/x0001-001.gpx data/seed/seed_trip.jsonl; do
  ./target/release/tripscore score --quiet --annotations --explain "$f" || true
done > tests/data/golden/score.jsonl
./target/release/tripscore report data/ndsbr/ndsbr.jsonl --event-id ndsbr-C13 -o docs/img/ndsbr-C13.svg
