#!/usr/bin/env bash
# The kernel-sharing comparison of docs/results.md: A1 MTS (0.5, 1, 2) with the published code's
# training (detached branch kernels, per-epoch kernel averaging) against the shared kernel and the
# standard model, EMODB, published-code front end, L2 0, 4 speaker folds, seed 0, the paper's
# training; two runs at a time. The standard and shared runs are those of the front-end
# comparison (copied in first, so they are skipped). Resumable; the report is copied here.
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/run_sharing.sh EXPERIMENT_DIR
set -euo pipefail
OUT=${1:?usage: run_sharing.sh EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
HERE=$(dirname "$0")
"$HERE"/reuse_runs.sh "$OUT" "$HERE"/front-ends/runs/emodb-published-code-*
"$BIN" experiment --out "$OUT" --corpora emodb --data-dir "$DATA" --archs a1 --scale-set far \
    --front-ends published-code --sharings shared,detached --seeds 0 --paper-training --jobs 2 || true
"$BIN" experiment report "$OUT"
"$HERE"/copy_report.sh "$OUT" "$HERE"/sharing
