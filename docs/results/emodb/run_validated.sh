#!/usr/bin/env bash
# Table 1's A1 cell again with the settings validation chose on A1 (sections "which front end"
# and "L2" of docs/results.md): the published-code front end, L2 0 (0.01 won by under 0.01 in
# loss; the A2/A3 cells use 0 too), shared kernels; standard vs MTS (0.7, 1, 1.428) and
# (0.5, 1, 2), 4 speaker folds x seeds 0, 1, 2, the paper's training. The seed-0 runs of
# standard and (0.5, 1, 2) are the front-end cell's. Resumable; the report (of the runs
# finished so far) is copied to docs/results/emodb/validated.
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/run_validated.sh EXPERIMENT_DIR
set -euo pipefail
OUT=${1:?usage: run_validated.sh EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
HERE=$(dirname "$0")
"$HERE"/reuse_runs.sh "$OUT" \
    "$HERE"/front-ends/runs/emodb-published-code-a1-standard-l2_0-seed0-* \
    "$HERE"/front-ends/runs/emodb-published-code-a1-mts-0.5-1-2-shared-l2_0-seed0-*
"$BIN" experiment --out "$OUT" --corpora emodb --data-dir "$DATA" --archs a1 \
    --scale-set near --scale-set far --front-ends published-code --seeds 0,1,2 --paper-training \
    --jobs 1 || true
"$BIN" experiment report "$OUT"
"$HERE"/copy_report.sh "$OUT" "$HERE"/validated
