#!/usr/bin/env bash
# The front-end comparison of docs/results.md: A1 standard vs MTS (0.5, 1, 2) on EMODB with the
# paper, published-code and log front ends, 4 speaker folds, seed 0, the paper's training, L2 0;
# two runs at a time. The paper-front-end runs are those of the A1 experiment
# (docs/results/emodb/experiment/runs, copied into EXPERIMENT_DIR/runs first, so they are
# skipped). Resumable; then the report is written into EXPERIMENT_DIR and copied here (no weights).
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/run_front_ends.sh EXPERIMENT_DIR
set -euo pipefail
OUT=${1:?usage: run_front_ends.sh EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
HERE=$(dirname "$0")
"$HERE"/reuse_runs.sh "$OUT" "$HERE"/experiment/runs/emodb-paper-a1-standard-l2_0-seed0-* \
    "$HERE"/experiment/runs/emodb-paper-a1-mts-0.5-1-2-shared-l2_0-seed0-*
"$BIN" experiment --out "$OUT" --corpora emodb --data-dir "$DATA" --archs a1 --scale-set far \
    --front-ends paper,published-code,log --seeds 0 --paper-training --jobs 2 || true
"$BIN" experiment report "$OUT"
"$HERE"/copy_report.sh "$OUT" "$HERE"/front-ends
