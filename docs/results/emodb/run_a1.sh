#!/usr/bin/env bash
# Superseded by run_experiment.sh (`mts experiment`); kept because import_train_runs.py reads the
# folders it wrote (the first 14 runs of docs/results/emodb/experiment came from it).
# EMODB A1 grid with the `mts` CLI: for each
# seed, L2 value, fold and model, `mts train` (paper settings: lr 5e-5, batch 90, patience 10,
# at most 500 epochs, paper front end) then `mts eval --json` on the fold's test split.
# Resumable: a run with eval.json is skipped; an interrupted run resumes from its checkpoint
# folder. Keeps per run: train.log, state.json (history, best epoch), eval.json, seconds.
#
#   cargo build --release -p mts-cli
#   SEEDS="0 1 2" L2S="0" docs/results/emodb/run_a1.sh RUNS_DIR
#   python3 docs/results/emodb/import_train_runs.py RUNS_DIR EXPERIMENT_DIR
set -u
RUNS=${1:?usage: run_a1.sh RUNS_DIR}
BIN=${MTS_BIN:-target/release/mts}
DATA=${MTS_EMODB_DIR:-../shared/data/emodb}
mkdir -p "$RUNS"
for seed in ${SEEDS:-0}; do
for l2 in ${L2S:-0}; do
for fold in 0 1 2 3; do
for model in standard mts-0.7,1,1.428 mts-0.5,1,2; do
  run="$RUNS/seed$seed-l2_$l2-fold$fold-$model"
  [ -f "$run/eval.json" ] && continue
  mkdir -p "$run"
  if [ "$model" = standard ]; then conv="--conv standard"; else conv="--conv mts --scales ${model#mts-}"; fi
  rm -rf "$run/model"
  start=$(date +%s)
  "$BIN" train --corpus emodb --data-dir "$DATA" --arch a1 $conv --fold "$fold" --seed "$seed" \
      --l2 "$l2" --out "$run/model" --checkpoint-dir "$run/ckpt" > "$run/train.log" 2>&1 \
      || { echo "FAILED $run (see $run/train.log)"; continue; }
  end=$(date +%s)
  echo $((end - start)) > "$run/seconds"
  "$BIN" eval "$run/model" --corpus emodb --data-dir "$DATA" --seed "$seed" --fold "$fold" --json \
      > "$run/eval.tmp" 2> "$run/eval.err" && mv "$run/eval.tmp" "$run/eval.json"
  cp "$run/ckpt/state.json" "$run/state.json" 2>/dev/null
  rm -rf "$run/ckpt"
  echo "done $run $((end - start)) s"
done; done; done; done
