#!/usr/bin/env python3
"""Reference values for athar-hotspots from PySAL and pymannkendall.

Usage: pysal_check.py INPUT.json OUTPUT.json

INPUT: {"datasets": [{"name": str, "counts": [number, ...],
                      "neighbours": [[int, ...], ...],   # per unit, without itself
                      "series": [[number, ...], ...]}]}  # optional, for Mann-Kendall
OUTPUT: {"versions": {...}, "datasets": [{"name": str, "gi_z": [float, ...],
                      "mann_kendall": [{"s", "var_s", "z", "p", "tau", "trend"}, ...]}]}

Gi* is esda's G_Local(y, w, transform="B", star=True): binary weights built from the
neighbour lists given (weights 1), PySAL adding each unit to its own neighbourhood
(w_ii = 1), so that both sides use exactly the same weights. Permutations are off: only
the analytical z-scores (Zs) are compared. Mann-Kendall is pymannkendall.original_test.

The environment is pinned in tests/pysal/requirements.txt (scripts/setup-python makes it).
"""

import json
import sys
import warnings
from importlib.metadata import version


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    import numpy as np
    import pymannkendall
    from esda.getisord import G_Local
    from libpysal.weights import W

    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    results = []
    for dataset in request["datasets"]:
        counts = np.asarray(dataset["counts"], dtype=float)
        lists = dataset["neighbours"]
        if len(lists) != len(counts):
            raise SystemExit(f"{dataset['name']}: {len(lists)} neighbour lists for {len(counts)} counts")
        neighbours = {i: [int(j) for j in js if int(j) != i] for i, js in enumerate(lists)}
        weights = {i: [1.0] * len(js) for i, js in neighbours.items()}
        with warnings.catch_warnings():
            # Islands (units whose only neighbour is themselves) are intended.
            warnings.simplefilter("ignore")
            w = W(neighbours, weights, silence_warnings=True)
            g = G_Local(counts, w, transform="B", star=True, permutations=0)
        trends = []
        for series in dataset.get("series", []):
            r = pymannkendall.original_test(np.asarray(series, dtype=float))
            trends.append({
                "s": float(r.s),
                "var_s": float(r.var_s),
                "z": float(r.z),
                "p": float(r.p),
                "tau": float(r.Tau),
                "trend": {"increasing": "up", "decreasing": "down"}.get(r.trend, "none"),
            })
        results.append({
            "name": dataset["name"],
            "gi_z": [float(z) for z in g.Zs],
            "mann_kendall": trends,
        })
    output = {
        "versions": {p: version(p) for p in ("esda", "libpysal", "pymannkendall", "numpy")},
        "datasets": results,
    }
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(output, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
