#!/usr/bin/env bash
# The EMODB experiment of docs/results.md: A1, standard vs MTS (0.7, 1, 1.428) and (0.5, 1, 2),
# 4 speaker folds x seeds 0, 1, 2, the paper's training (lr 5e-5, batch 90, patience 10, at most
# 500 epochs), L2 0, the paper front end; two runs at a time, one thread each. Resumable: run it
# again and it continues. Then the report is written into EXPERIMENT_DIR, and this script copies
# the results (no weights) into docs/results/emodb/experiment.
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/run_experiment.sh EXPERIMENT_DIR
set -euo pipefail
OUT=${1:?usage: run_experiment.sh EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
"$BIN" experiment --out "$OUT" --corpora emodb --data-dir "$DATA" --archs a1 \
    --scale-set near --scale-set far --seeds 0,1,2 --paper-training --jobs 2 || true
"$BIN" experiment report "$OUT"
"$(dirname "$0")"/copy_report.sh "$OUT" "$(dirname "$0")"/experiment
