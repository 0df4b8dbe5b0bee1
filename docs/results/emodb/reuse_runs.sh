#!/usr/bin/env bash
# Copies finished runs (their run.json) into an experiment folder, where `mts experiment` then
# skips them: how one grid reuses the runs another already made.
#
#   reuse_runs.sh EXPERIMENT_DIR RUN_FOLDER...
set -euo pipefail
OUT=${1:?usage: reuse_runs.sh EXPERIMENT_DIR RUN_FOLDER...}
shift
for run in "$@"; do
    mkdir -p "$OUT/runs/$(basename "$run")"
    cp -n "$run/run.json" "$OUT/runs/$(basename "$run")/"
done
