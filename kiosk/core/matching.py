"""Open-set matching of face embeddings against the whole gallery, vectorised.

A face is recognised only when the nearest enrolled person is closer than ``threshold`` **and** the
nearest *other* person is at least ``margin`` farther away; anything else is unknown. Distances are
Euclidean between 128-d dlib descriptors, computed as ``|g|^2 - 2 G@q + |q|^2`` (one matrix-vector
product: about 1 ms against 100,000 embeddings) rather than ``norm(G - q)`` (about 30x slower).

The defaults were chosen on ``../shared/data/faces`` with ``bench/accuracy.py``; see docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.core.gallery import Gallery
from kiosk.core.types import Match

DEFAULT_THRESHOLD = 0.5
DEFAULT_MARGIN = 0.06
_TOP_K = 64


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 2.0:
            raise ValueError(f"threshold must be between 0 and 2, got {self.threshold}")
        if not 0.0 <= self.margin < 1.0:
            raise ValueError(f"margin must be between 0 and 1, got {self.margin}")


class Matcher:
    """Matches embeddings against a gallery snapshot. Build a new one when the gallery changes."""

    def __init__(self, gallery: Gallery, policy: MatchPolicy | None = None) -> None:
        self.gallery = gallery
        self.policy = policy or MatchPolicy()
        self._g = np.ascontiguousarray(gallery.embeddings, dtype=np.float32)
        self._g2 = np.einsum("ij,ij->i", self._g, self._g)
        self._owners = gallery.owners

    def __len__(self) -> int:
        return len(self._g)

    def distances(self, query: np.ndarray) -> np.ndarray:
        """Euclidean distance from ``query`` (128,) to every gallery embedding, shape (N,)."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        d2 = self._g2 - 2.0 * (self._g @ q) + float(q @ q)
        np.maximum(d2, 0.0, out=d2)
        return np.sqrt(d2, out=d2)

    def nearest_two(self, query: np.ndarray) -> tuple[int, float, float]:
        """(owner index of the nearest person, its distance, distance of the nearest other person).

        Returns (-1, inf, inf) for an empty gallery; the third value is inf when only one person is enrolled.
        """
        n = len(self._g)
        if n == 0:
            return -1, float("inf"), float("inf")
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        d2 = self._g2 - 2.0 * (self._g @ q)  # |q|^2 added only to the few values we keep
        k = min(n, _TOP_K)
        top = np.argpartition(d2, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(d2[top], kind="stable")]
        qq = float(q @ q)
        best_owner = int(self._owners[top[0]])
        best = float(np.sqrt(max(d2[top[0]] + qq, 0.0)))
        others = top[self._owners[top] != best_owner]
        if others.size:
            second = float(d2[others[0]])
        else:  # the nearest k all belong to one person: look at everybody else
            mask = self._owners != best_owner
            second = float(d2[mask].min()) if mask.any() else float("inf")
        second = float(np.sqrt(max(second + qq, 0.0))) if np.isfinite(second) else float("inf")
        return best_owner, best, second

    def match(self, query: np.ndarray) -> Match:
        """The policy's verdict on one embedding."""
        owner, best, second = self.nearest_two(query)
        if owner < 0:
            return Match(None, None, best, float("inf"))
        margin = second - best
        if best < self.policy.threshold and margin >= self.policy.margin:
            person = self.gallery.people[owner]
            return Match(person.person_id, person.name, best, margin)
        return Match(None, None, best, margin)

    def match_many(self, queries: np.ndarray) -> list[Match]:
        return [self.match(q) for q in np.asarray(queries, dtype=np.float32).reshape(-1, 128)]
