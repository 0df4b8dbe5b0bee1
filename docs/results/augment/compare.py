#!/usr/bin/env python3
"""MTS against time-scale augmentation: paired comparisons of the four A1 models of
docs/results/augment/run_grid.sh (standard, standard + tempo, MTS, MTS + tempo), from the
results.csv files `mts experiment report` writes. Runs are paired by (corpus, seed, fold); each
row is model B minus model A in test WA points, with the two-sided Wilcoxon signed-rank test
(zero differences dropped, mid-ranks for ties; p exact over all sign flips, as the report's
exact branch computes it). The last row asks whether the two add up: the interaction
(MTS + tempo - standard + tempo) - (MTS - standard), per pair.

    python3 docs/results/augment/compare.py docs/results/augment/emodb/results.csv \
        docs/results/augment/ravdess/results.csv > docs/results/augment/comparisons.md
"""
import csv
import math
import sys

import numpy as np
from scipy import stats

MODELS = {
    ("standard", "none"): "standard",
    ("standard", "tempo:0.7-1.428"): "standard + tempo",
    ("mts-0.5-1-2-shared", "none"): "MTS",
    ("mts-0.5-1-2-shared", "tempo:0.7-1.428"): "MTS + tempo",
}
COMPARISONS = [
    ("standard", "standard + tempo", "does tempo augmentation help the standard model?"),
    ("standard", "MTS", "MTS's gain without augmentation"),
    ("standard + tempo", "MTS + tempo", "MTS's gain once both see time-scaled speech"),
    ("standard + tempo", "MTS", "MTS against augmentation, head to head"),
    ("MTS", "MTS + tempo", "does tempo add to MTS?"),
    ("standard", "MTS + tempo", "both together against neither"),
]


def read(paths):
    """{(corpus, model): {(seed, fold): test WA in points}}"""
    runs = {}
    for path in paths:
        for row in csv.DictReader(open(path)):
            if row["arch"] != "a1":
                continue
            model = MODELS.get((row["conv"], row.get("augmentation") or "none"))
            if model is not None:
                key = (int(row["seed"]), int(row["fold"]))
                runs.setdefault((row["corpus"], model), {})[key] = 100.0 * float(row["test_wa"])
    return runs


# results.csv rounds WA to 6 digits: differences closer than this (in points) are one value.
TOLERANCE = 1e-3


def mid_ranks(values):
    """1-based ranks of `values`, values within TOLERANCE of their neighbour sharing their mean rank."""
    order = np.argsort(values)
    ranks = np.empty(len(values))
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and values[order[end + 1]] - values[order[end]] < TOLERANCE:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def exact_p(diffs):
    """Two-sided p of the signed-rank statistic under all 2^n sign patterns (mid-ranks, zeros
    dropped), counted exactly over the sums of doubled ranks (integers, ties included)."""
    d = np.array([x for x in diffs if abs(x) >= TOLERANCE])
    if len(d) == 0:
        return 1.0
    doubled = np.rint(2 * mid_ranks(np.abs(d))).astype(int)
    counts = np.zeros(doubled.sum() + 1, dtype=object)
    counts[0] = 1
    for rank in doubled:
        shifted = np.zeros_like(counts)
        shifted[rank:] = counts[: len(counts) - rank]
        counts = counts + shifted
    observed = doubled[d > 0].sum()
    centre = doubled.sum() / 2.0
    sums = np.arange(len(counts))
    extreme = counts[np.abs(sums - centre) >= abs(observed - centre)].sum()
    return float(extreme) / float(counts.sum())


def gains(runs, corpora, a, b):
    """{(corpus, seed, fold): B - A} over the pairs both models have."""
    out = {}
    for corpus in corpora:
        left, right = runs.get((corpus, a), {}), runs.get((corpus, b), {})
        for key in sorted(left.keys() & right.keys()):
            out[(corpus,) + key] = right[key] - left[key]
    return out


def paired(runs, corpora, a, b):
    return list(gains(runs, corpora, a, b).values())


def row(label, question, diffs):
    if not diffs:
        return f"| {label} | {question} | 0 | | | |"
    mean = sum(diffs) / len(diffs)
    std = math.sqrt(sum((x - mean) ** 2 for x in diffs) / len(diffs))
    wins = f"{sum(x >= TOLERANCE for x in diffs)} / {sum(abs(x) < TOLERANCE for x in diffs)} / {sum(x <= -TOLERANCE for x in diffs)}"
    return f"| {label} | {question} | {len(diffs)} | {mean:+.2f} ± {std:.2f} | {wins} | {exact_p(diffs):.3f} |"


def main(paths):
    runs = read(paths)
    corpora = sorted({corpus for corpus, _ in runs})
    print("| model | corpus | runs | test WA % (mean ± std) |")
    print("| --- | --- | --- | --- |")
    for (corpus, model), scores in sorted(runs.items()):
        values = list(scores.values())
        mean = sum(values) / len(values)
        std = math.sqrt(sum((x - mean) ** 2 for x in values) / len(values))
        print(f"| {model} | {corpus} | {len(values)} | {mean:.1f} ± {std:.1f} |")
    print()
    print("| B − A | question | pairs | Δ WA points (mean ± std) | wins / ties / losses | exact p |")
    print("| --- | --- | --- | --- | --- | --- |")
    for scope in [[c] for c in corpora] + ([corpora] if len(corpora) > 1 else []):
        for a, b, question in COMPARISONS:
            label = f"{' + '.join(scope)}: {b} − {a}"
            print(row(label, question, paired(runs, scope, a, b)))
        with_tempo = gains(runs, scope, "standard + tempo", "MTS + tempo")
        without = gains(runs, scope, "standard", "MTS")
        interaction = [with_tempo[k] - without[k] for k in sorted(with_tempo.keys() & without.keys())]
        label = f"{' + '.join(scope)}: interaction"
        print(row(label, "do MTS and tempo add up? (gain with tempo − gain without)", interaction))


if __name__ == "__main__":
    main(sys.argv[1:])
