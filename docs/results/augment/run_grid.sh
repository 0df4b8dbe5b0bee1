#!/usr/bin/env bash
# Issue 22's question: is MTS's gain still there once the standard model trains on time-scaled
# speech, and do the two add up? A1 with the settings pre-registered from EMODB A1's validation
# (published-code front end, L2 0, shared kernels, the paper's training, 4 speaker folds), seeds
# 0, 1, 2, and four models: standard, standard + tempo, MTS (0.5, 1, 2), MTS (0.5, 1, 2) + tempo.
# Tempo: each training example stretched along time by a factor drawn log-uniformly from
# [0.7, 1.428] (the MTS range), fresh every epoch; validation and test are never augmented.
# The unaugmented runs are those of the Table-1 A1 grids (same run ids, same settings), reused.
# A third argument swaps tempo for another augmentation, e.g. Ko et al.'s speed perturbation
# `speed:0.9,1,1.1` (then the report goes to docs/results/augment/CORPUS-speed).
# Resumable: start it again after an interruption; finished runs are skipped. The report is
# copied to docs/results/augment/CORPUS; compare.py adds the cross-augmentation tests.
#
#   cargo build --release -p mts-cli
#   docs/results/augment/run_grid.sh emodb EXPERIMENT_DIR     # MTS_EMODB_DIR or ../shared/data/emodb
#   docs/results/augment/run_grid.sh ravdess EXPERIMENT_DIR   # MTS_RAVDESS_DIR (docs/results/ravdess)
#   docs/results/augment/run_grid.sh emodb EXPERIMENT_DIR speed:0.9,1,1.1
set -euo pipefail
USAGE="usage: run_grid.sh emodb|ravdess EXPERIMENT_DIR [AUGMENTATION]"
CORPUS=${1:?$USAGE}
OUT=${2:?$USAGE}
AUGMENT=${3:-tempo:0.7-1.428}
case "$AUGMENT" in
    tempo:0.7-1.428) REPORT=$CORPUS ;;
    *) REPORT=$CORPUS-${AUGMENT%%:*} ;;
esac
BIN=${MTS_BIN:-target/release/mts}
HERE=$(dirname "$0")
case "$CORPUS" in
    emodb)
        DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
        PLAIN=("$HERE"/../emodb/validated/runs/emodb-published-code-a1-{standard,mts-0.5-1-2-shared}-*)
        ;;
    ravdess)
        DATA=${MTS_RAVDESS_DIR:?set MTS_RAVDESS_DIR to the audio_speech_actors_01-24 folder}
        PLAIN=("$HERE"/../ravdess/a1/runs/ravdess-published-code-a1-{standard,mts-0.5-1-2-shared}-*)
        ;;
    *) echo "unknown corpus $CORPUS (emodb or ravdess)" >&2; exit 2 ;;
esac
"$HERE"/../emodb/reuse_runs.sh "$OUT" "${PLAIN[@]}"
if compgen -G "$HERE/$REPORT/runs/*/run.json" >/dev/null; then
    "$HERE"/../emodb/reuse_runs.sh "$OUT" "$HERE/$REPORT"/runs/*
fi
"$BIN" experiment --out "$OUT" --corpora "$CORPUS" --data-dir "$DATA" --archs a1 \
    --scale-set far --front-ends published-code --seeds 0,1,2 --paper-training \
    --augment none --augment "$AUGMENT" --jobs "${MTS_JOBS:-1}" || true
"$BIN" experiment report "$OUT"
"$HERE"/../emodb/copy_report.sh "$OUT" "$HERE/$REPORT"
