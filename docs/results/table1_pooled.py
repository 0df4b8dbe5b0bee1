#!/usr/bin/env python3
"""Table 1 pooled over corpora: the (seed, fold) pairs of every cell of the given reports
(results.json written by `mts experiment report`), MTS minus standard test WA in points, with
SciPy's two-sided Wilcoxon signed-rank test (zero differences dropped), and the smallest mean
difference a paired test of this many pairs would detect with 80 % power at alpha 0.05 (normal
approximation, Wilcoxon's asymptotic efficiency 3/pi against the t-test).

    python3 docs/results/table1_pooled.py docs/results/emodb/table1/results.json \
        docs/results/ravdess/a1/results.json ...
"""
import json
import math
import sys

from scipy import stats


def pairs(path):
    report = json.load(open(path))
    for cell in report["cells"]:
        for pair in cell["pairs"]:
            yield cell["cell"], 100.0 * (pair["mts_wa"] - pair["standard_wa"])


def main(paths):
    rows = [p for path in paths for p in pairs(path)]
    diffs = [d for _, d in rows]
    cells = sorted({(c["corpus"], c["architecture"]) for c, _ in rows})
    n = len(diffs)
    mean = sum(diffs) / n
    std = math.sqrt(sum((d - mean) ** 2 for d in diffs) / n)
    test = stats.wilcoxon(diffs, zero_method="wilcox", alternative="two-sided")
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    detectable = z * std / math.sqrt(n * 3 / math.pi)
    print(f"cells: {', '.join(f'{c} {a}' for c, a in cells)}")
    print(f"pairs: {n}, MTS - standard WA: {mean:+.2f} +- {std:.2f} points")
    print(f"Wilcoxon W = {test.statistic:.1f}, p = {test.pvalue:.4f}")
    print(f"wins / ties / losses: {sum(d > 0 for d in diffs)} / "
          f"{sum(d == 0 for d in diffs)} / {sum(d < 0 for d in diffs)}")
    print(f"detectable with 80 % power at alpha 0.05: {detectable:.2f} points")


if __name__ == "__main__":
    main(sys.argv[1:])
