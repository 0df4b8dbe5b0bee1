#!/usr/bin/env bash
# The paper's EMODB grid for A1-A3 as a Slurm job array: 8 tasks share the grid's runs
# (mts experiment --shard K/8), all writing one folder on a shared file system. Submit with
#   sbatch docs/slurm/experiment-array.sh
# then, when the array is done (or at any time, for a partial report):
#   sbatch --dependency=afterany:<array job id> --wrap "mts experiment report $OUT"
# A task that died (time limit, node failure) is resubmitted with
#   sbatch --array=<task id> docs/slurm/experiment-array.sh
# and continues where it stopped: finished runs are skipped, an interrupted one resumes from its
# checkpoint. Each run trains under an exclusive lock in its folder (released when its process
# ends), so a task resubmitted while its first attempt still runs skips the runs that attempt
# holds instead of training them twice (the shared file system needs working flock).
#SBATCH --job-name=mts-emodb
#SBATCH --array=0-7
#SBATCH --cpus-per-task=4
#SBATCH --mem=16G
#SBATCH --time=24:00:00
#SBATCH --output=logs/mts-%A_%a.out
set -euo pipefail

TASKS=8
OUT=${OUT:-$HOME/mts-experiments/emodb-table1}
DATA=${DATA:-$HOME/data/emodb}

export RAYON_NUM_THREADS=$SLURM_CPUS_PER_TASK
# One feature cache per task: the cache is safe to share, but a node-local folder avoids
# network file-system traffic.
export MTS_CACHE_DIR=${TMPDIR:-/tmp}/mts-cache-$SLURM_ARRAY_TASK_ID

mts experiment --out "$OUT" \
    --corpora emodb --data-dir "$DATA" \
    --archs a1,a2,a3 --scale-set near --scale-set far --scale-set both \
    --l2s 0,0.001,0.003,0.01 --seeds 0,1,2 --paper-training --micro-batch 10 \
    --shard "$((SLURM_ARRAY_TASK_ID + 1))/$TASKS"
