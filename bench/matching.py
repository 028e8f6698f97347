"""Matching time: one face against 1k, 10k, 100k and 1M enrolled templates.

Compares the product's ``Matcher.nearest_two`` (``|t|^2 - 2 T@q`` and a partial sort) with the obvious
``np.linalg.norm(T - q, axis=1)`` + argsort, on the same random gallery.

    .venv/bin/python bench/matching.py [--sizes 1000,10000,100000,1000000] [--queries 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread: on a 2-core machine that also runs detection, threaded BLAS spends more time waking
# threads than multiplying (measured: 15 ms vs 0.3 ms at 10k templates under load). Override to compare.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, machine  # noqa: E402
from kiosk.core.gallery import Gallery, Person  # noqa: E402
from kiosk.core.matching import Matcher  # noqa: E402


def timed(fn, queries) -> dict:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t0) * 1000.0)
    return {"median_ms": round(float(np.median(times)), 3), "p95_ms": round(float(np.percentile(times, 95)), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    results = []
    for n in (int(x) for x in args.sizes.split(",")):
        g = (rng.normal(size=(n, 128)) * 0.09).astype(np.float32)
        people = tuple(Person(f"p{i}", f"P{i}") for i in range(n))
        matcher = Matcher(Gallery(people, g, np.arange(n, dtype=np.int32)))
        queries = [g[rng.integers(n)] + rng.normal(size=128).astype(np.float32) * 0.02 for _ in range(args.queries)]

        def naive(q, g=g):
            d = np.linalg.norm(g - q, axis=1)
            return np.argsort(d)[:2]

        ours = timed(matcher.nearest_two, queries)
        plain = timed(naive, queries[: max(5, args.queries // 5)])
        results.append({"templates": n, "ours": ours, "norm_and_argsort": plain,
                        "speedup": round(plain["median_ms"] / max(ours["median_ms"], 1e-6), 1)})
        del g, matcher
    emit({"benchmark": "matching", "machine": machine(),
          "openblas_threads": os.environ["OPENBLAS_NUM_THREADS"], "results": results})


if __name__ == "__main__":
    main()
