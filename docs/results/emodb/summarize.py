"""Summarise the EMODB A1 runs made by run_a1.sh (one folder per run) into runs.csv and
summary.md, with a two-sided exact Wilcoxon signed-rank test (SciPy) of MTS against standard
over the paired (seed, L2, fold) results.

    python3 docs/results/emodb/summarize.py RUNS_DIR [OUT_DIR]

Reads per run: eval.json (test split, `mts eval --json`), state.json (training history of the
checkpoint folder: best epoch, validation loss), seconds (wall time of `mts train`).
Nothing is selected by test: every finished run is listed; the model kept per run is the one of
the best validation loss (early stopping).
"""
import csv
import json
import os
import statistics
import sys

from scipy import stats

runs_dir = sys.argv[1]
out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))

rows = []
for name in sorted(os.listdir(runs_dir)):
    run = os.path.join(runs_dir, name)
    if not os.path.exists(os.path.join(run, "eval.json")):
        continue
    seed, l2, fold, model = name.split("-", 3)
    evaluation = json.load(open(os.path.join(run, "eval.json")))
    state = json.load(open(os.path.join(run, "state.json")))
    summary = evaluation["segments"]["summary"]
    usage = evaluation.get("scale_usage") or []
    shares = ""
    if usage:
        counts = usage[0]["usage"]["counts"]
        shares = " / ".join(f"{100 * c / sum(counts):.0f}" for c in counts)
    rows.append({
        "seed": int(seed[len("seed"):]),
        "l2": float(l2[len("l2_"):]),
        "fold": int(fold[len("fold"):]),
        "model": "standard" if model == "standard" else f"MTS ({model[len('mts-'):].replace(',', ', ')})",
        "test_wa": 100 * summary["accuracy"],
        "test_ua": 100 * summary["unweighted_average_recall"],
        "test_loss": evaluation["loss"],
        "best_epoch": state["best_epoch"],
        "epochs": state["epochs_done"],
        "best_valid_loss": float(state["best_valid_loss"]),
        "train_seconds": int(open(os.path.join(run, "seconds")).read()),
        "usage_percent": shares,
    })

with open(os.path.join(out_dir, "runs.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in row.items()})

models = sorted({r["model"] for r in rows}, key=lambda m: (m != "standard", m))
lines = ["| model | runs | test WA % mean ± std | test UA % mean ± std | best valid loss | epochs | train s per run |",
         "|---|---|---|---|---|---|---|"]
for m in models:
    rs = [r for r in rows if r["model"] == m]
    def ms(key):
        v = [r[key] for r in rs]
        return f"{statistics.mean(v):.1f} ± {statistics.stdev(v):.1f}" if len(v) > 1 else f"{v[0]:.1f}"
    lines.append(f"| {m} | {len(rs)} | {ms('test_wa')} | {ms('test_ua')} | "
                 f"{statistics.mean(r['best_valid_loss'] for r in rs):.3f} | "
                 f"{statistics.mean(r['epochs'] for r in rs):.0f} | "
                 f"{statistics.mean(r['train_seconds'] for r in rs):.0f} |")

lines += ["", "Paired with standard on the same (seed, L2, fold); Wilcoxon signed-rank, two-sided, exact, zero differences dropped:", "",
          "| model | pairs | mean WA difference, points | W+ / W- | p |", "|---|---|---|---|---|"]
key = lambda r: (r["seed"], r["l2"], r["fold"])
standard = {key(r): r for r in rows if r["model"] == "standard"}
for m in models[1:]:
    pairs = [(standard[key(r)]["test_wa"], r["test_wa"]) for r in rows if r["model"] == m and key(r) in standard]
    if not pairs:
        continue
    diffs = [b - a for a, b in pairs]
    nonzero = [d for d in diffs if abs(d) > 1e-9]
    ranks = stats.rankdata([abs(d) for d in nonzero])
    w_plus = sum(r for r, d in zip(ranks, nonzero) if d > 0)
    w_minus = sum(r for r, d in zip(ranks, nonzero) if d < 0)
    p = stats.wilcoxon([b for _, b in pairs], [a for a, _ in pairs], zero_method="wilcox",
                       method="exact").pvalue if nonzero else 1.0
    spread = f" ± {statistics.stdev(diffs):.1f}" if len(diffs) > 1 else ""
    lines.append(f"| {m} | {len(pairs)} | {statistics.mean(diffs):+.1f}{spread} | {w_plus:g} / {w_minus:g} | {p:.3f} |")

with open(os.path.join(out_dir, "summary.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
