#!/usr/bin/env bash
# The L2 grid of docs/results.md: A1 standard vs MTS (0.5, 1, 2) on EMODB with the published-code
# front end (chosen by validation, run_front_ends.sh), L2 in {0, 0.001, 0.01}, 4 speaker folds,
# seed 0, the paper's training; two runs at a time. The L2 = 0 runs are those of the front-end
# comparison (copied in first, so they are skipped). Resumable; the report is copied here.
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/run_l2.sh EXPERIMENT_DIR
set -euo pipefail
OUT=${1:?usage: run_l2.sh EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
HERE=$(dirname "$0")
"$HERE"/reuse_runs.sh "$OUT" "$HERE"/front-ends/runs/emodb-published-code-*
"$BIN" experiment --out "$OUT" --corpora emodb --data-dir "$DATA" --archs a1 --scale-set far \
    --front-ends published-code --l2s 0,0.001,0.01 --seeds 0 --paper-training --jobs 2 || true
"$BIN" experiment report "$OUT"
"$HERE"/copy_report.sh "$OUT" "$HERE"/l2
