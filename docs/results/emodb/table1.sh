#!/usr/bin/env bash
# Table 1's EMODB row from the committed run records: the A1 cell with the validated settings
# (validated/), A2 (a2/) and A3 (a3/), merged into one folder and reported together, so that
# results.md has every architecture's row and the Wilcoxon test pooled over all of them. Copies
# the report and figures (not the runs, which stay in their cells' folders) to table1/.
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/table1.sh
set -euo pipefail
BIN=${MTS_BIN:-target/release/mts}
HERE=$(dirname "$0")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$HERE"/reuse_runs.sh "$OUT" "$HERE"/validated/runs/* "$HERE"/a2/runs/* "$HERE"/a3/runs/*
"$BIN" experiment report "$OUT"
mkdir -p "$HERE"/table1
cp "$OUT"/results.* "$OUT"/*.png "$OUT"/*.svg "$HERE"/table1/
