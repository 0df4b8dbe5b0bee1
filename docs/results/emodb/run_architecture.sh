#!/usr/bin/env bash
# One architecture's cell of Table 1 on EMODB: standard vs MTS (0.7, 1, 1.428) and (0.5, 1, 2),
# the front end chosen by validation on A1 (published-code), L2 0, 4 speaker folds, seed 0, the
# paper's training; one run at a time (A2's dense layer needs about 10 GiB). Resumable: start it
# again after an interruption. The report (of the runs finished so far) is copied to
# docs/results/emodb/ARCH.
#
#   cargo build --release -p mts-cli
#   docs/results/emodb/run_architecture.sh a2 EXPERIMENT_DIR
set -euo pipefail
ARCH=${1:?usage: run_architecture.sh a2|a3 EXPERIMENT_DIR}
OUT=${2:?usage: run_architecture.sh a2|a3 EXPERIMENT_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
HERE=$(dirname "$0")
"$BIN" experiment --out "$OUT" --corpora emodb --data-dir "$DATA" --archs "$ARCH" \
    --scale-set near --scale-set far --front-ends published-code --seeds 0 --paper-training \
    --jobs 1 || true
"$BIN" experiment report "$OUT"
"$HERE"/copy_report.sh "$OUT" "$HERE/$ARCH"
