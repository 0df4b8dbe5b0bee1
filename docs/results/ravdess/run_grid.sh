#!/usr/bin/env bash
# Table 1 on RAVDESS with the settings pre-registered from EMODB A1's validation (docs/results.md,
# "which front end" and "L2"): the published-code front end, L2 0, shared kernels, the paper's
# training, 4 speaker folds; standard vs MTS (0.7, 1, 1.428) and (0.5, 1, 2). Nothing here was
# tuned on RAVDESS. Cells, in issue 22's order of priority:
#   a1      seeds 0, 1, 2
#   a2, a3  seed 0 (one run at a time: A2's dense layer needs about 10 GiB)
# Resumable: start it again after an interruption; finished runs are skipped. The report (of the
# runs finished so far) is copied to docs/results/ravdess/CELL.
#
#   cargo build --release -p mts-cli
#   docs/results/ravdess/run_grid.sh a1 EXPERIMENT_DIR      # or a2, a3
# RAVDESS: see docs/results/ravdess/README.md for the copy used and its checksums.
set -euo pipefail
CELL=${1:?usage: run_grid.sh a1|a2|a3 EXPERIMENT_DIR}
OUT=${2:?usage: run_grid.sh a1|a2|a3 EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_RAVDESS_DIR:?set MTS_RAVDESS_DIR to the audio_speech_actors_01-24 folder}
HERE=$(dirname "$0")
case "$CELL" in
    a1) SEEDS=0,1,2 ;;
    a2 | a3) SEEDS=0 ;;
    *) echo "unknown cell $CELL (a1, a2 or a3)" >&2; exit 2 ;;
esac
# Runs already committed for this cell are reused (a fresh machine resumes where the last stopped).
if compgen -G "$HERE/$CELL/runs/*/run.json" >/dev/null; then
    "$HERE"/../emodb/reuse_runs.sh "$OUT" "$HERE/$CELL"/runs/*
fi
"$BIN" experiment --out "$OUT" --corpora ravdess --data-dir "$DATA" --archs "$CELL" \
    --scale-set near --scale-set far --front-ends published-code --seeds "$SEEDS" \
    --paper-training --jobs "${MTS_JOBS:-1}" || true
"$BIN" experiment report "$OUT"
"$HERE"/../emodb/copy_report.sh "$OUT" "$HERE/$CELL"
