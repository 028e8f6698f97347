"""A person's template: the mean of their enrolment embeddings, after dropping samples that disagree.

Averaging removes per-photo pose, light and expression (docs/benchmarks.md, section 1). A sample far from the
mean of the person's *other* samples is more likely a wrong face (a background person, a mislabelled photo,
a badly aligned one) than a new look, and one such sample drags the whole template towards a stranger.
Pure numpy, no Qt or dlib.
"""

from __future__ import annotations

import numpy as np

OUTLIER_DISTANCE = 0.55  # leave-one-out distance above which a sample is dropped (bench/accuracy.py)
MIN_SAMPLES_FOR_OUTLIERS = 3  # with two samples nobody can tell which one is wrong


def outliers(embeddings: np.ndarray, limit: float = OUTLIER_DISTANCE) -> list[int]:
    """Indices of samples to drop: repeatedly the one farthest from the mean of the others, while that
    distance exceeds ``limit`` and at least ``MIN_SAMPLES_FOR_OUTLIERS`` samples remain. Never drops below
    two samples."""
    e = np.asarray(embeddings, dtype=np.float64).reshape(len(embeddings), -1)
    keep = list(range(len(e)))
    dropped: list[int] = []
    while len(keep) >= MIN_SAMPLES_FOR_OUTLIERS:
        sub = e[keep]
        total = sub.sum(axis=0)
        loo = (total[None, :] - sub) / (len(keep) - 1)
        d = np.linalg.norm(sub - loo, axis=1)
        worst = int(np.argmax(d))
        if d[worst] <= limit:
            break
        dropped.append(keep.pop(worst))
    return sorted(dropped)


def template(embeddings: np.ndarray) -> tuple[np.ndarray, float]:
    """(mean embedding, spread): spread is the root-mean-square distance of the samples to the mean (0 for
    one sample)."""
    e = np.asarray(embeddings, dtype=np.float32).reshape(len(embeddings), -1)
    mean = e.mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((e - mean) ** 2, axis=1)))) if len(e) > 1 else 0.0
    return mean, spread
