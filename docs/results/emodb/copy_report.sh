#!/usr/bin/env bash
# Copies an experiment folder's report, figures and run records (run.json only: no weights)
# into a folder of docs/results.
#
#   copy_report.sh EXPERIMENT_DIR DEST
set -euo pipefail
OUT=${1:?usage: copy_report.sh EXPERIMENT_DIR DEST}
DEST=${2:?usage: copy_report.sh EXPERIMENT_DIR DEST}
mkdir -p "$DEST/runs"
cp "$OUT"/grid.json "$OUT"/results.* "$OUT"/*.png "$OUT"/*.svg "$DEST"/
for run in "$OUT"/runs/*/; do
    if [ -f "$run/run.json" ]; then
        mkdir -p "$DEST/runs/$(basename "$run")"
        cp "$run/run.json" "$DEST/runs/$(basename "$run")/"
    fi
done
