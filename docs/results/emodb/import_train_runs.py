#!/usr/bin/env python3
"""Imports finished runs of run_a1.sh (one `mts train` + `mts eval --json` per run) into an
`mts experiment` folder as runs/<run id>/run.json, so the experiment skips them.

Both train A1 with the same code and settings (paper training, paper front end, a seed that draws
the folds and the initialisation) and training is deterministic on the CPU: runs recomputed by
`mts experiment` reproduced the imported ones exactly (test WA/UA, best epoch, validation loss and
scale-usage counts of seed 0 fold 0 standard, MTS (0.7, 1, 1.428) and MTS (0.5, 1, 2), and fold 1
standard). Only the wall-clock seconds differ.

Usage: python3 import_train_runs.py SCRIPT_RUNS_DIR EXPERIMENT_DIR
"""
import json
import os
import re
import sys

STOPS = {"early stop": "EarlyStopped", "reached the epoch limit": "MaxEpochs"}


def run_spec(name):
    m = re.fullmatch(r"seed(\d+)-l2_([0-9.e-]+)-fold(\d+)-(standard|mts-([0-9.,]+))", name)
    if not m:
        return None
    seed, l2, fold, model, scales = m.groups()
    if model == "standard":
        conv, slug = "Standard", "standard"
    else:
        factors = [float(s) for s in scales.split(",")]
        conv = {"Mts": {"scales": factors, "sharing": "Shared", "alignment": "Stretch"}}
        slug = "mts-" + "-".join(scales.split(",")) + "-shared"
    l2 = float(l2)
    spec = {"corpus": "emodb", "front_end": "paper", "architecture": "a1", "conv": conv,
            "l2": l2, "seed": int(seed), "fold": int(fold), "folds": 4}
    l2_text = "0" if l2 == 0 else repr(l2)
    run_id = f"emodb-paper-a1-{slug}-l2_{l2_text}-seed{seed}-fold{fold}"
    return spec, run_id


def main(src, dst):
    imported = 0
    for name in sorted(os.listdir(src)):
        parsed = run_spec(name)
        folder = os.path.join(src, name)
        if not parsed or not os.path.isfile(os.path.join(folder, "eval.json")):
            continue
        spec, run_id = parsed
        out = os.path.join(dst, "runs", run_id)
        if os.path.isfile(os.path.join(out, "run.json")):
            continue
        evaluation = json.load(open(os.path.join(folder, "eval.json")))
        state = json.load(open(os.path.join(folder, "state.json")))
        history = [{k: (float(v) if isinstance(v, str) else v) for k, v in e.items()}
                   for e in state["history"]]
        stop = next(v for k, v in STOPS.items() if state["finished"].startswith(k))
        record = {
            "run": spec,
            "best_valid_loss": float(state["best_valid_loss"]),
            "best_epoch": state["best_epoch"],
            "stop": stop,
            "test": evaluation["segments"]["summary"],
            "test_utterances": (evaluation["utterances"] or {}).get("summary"),
            "scale_usage": evaluation["scale_usage"],
            "history": history,
            "seconds": sum(e["seconds"] for e in history),
        }
        os.makedirs(out, exist_ok=True)
        tmp = os.path.join(out, "run.json.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f, indent=2)
        os.replace(tmp, os.path.join(out, "run.json"))
        imported += 1
        print("imported", run_id)
    print(imported, "runs imported")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
