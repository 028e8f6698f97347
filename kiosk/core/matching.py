"""Open-set matching of face embeddings against the whole gallery, vectorised.

A face is recognised only when the nearest enrolled person's template is closer than ``threshold`` **and** the
nearest *other* person is at least ``margin`` farther away; anything else is unknown. Distances are
Euclidean between 128-d dlib descriptors, computed as ``|g|^2 - 2 G@q + |q|^2`` (one matrix-vector
product: about 1 ms against 100,000 embeddings) rather than ``norm(G - q)`` (about 30x slower).

The defaults were chosen on ``../shared/data/faces`` with ``bench/accuracy.py``; see docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.core.gallery import Gallery
from kiosk.core.types import EMBEDDING_DIM, Match
from kiosk.errors import MatchPolicyError

DEFAULT_THRESHOLD = 0.4725
DEFAULT_MARGIN = 0.04


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN

    def __post_init__(self) -> None:
        check_policy(self.threshold, self.margin)


def check_policy(threshold: float, margin: float) -> None:
    """The one check of a threshold and margin (config, flags, dialogs). Raises MatchPolicyError."""
    if not 0.0 < threshold < 2.0:
        raise MatchPolicyError("threshold must be between 0 and 2")
    if not 0.0 <= margin < 1.0:
        raise MatchPolicyError("margin must be between 0 and 1")


class Matcher:
    """Matches embeddings against a gallery snapshot. Build a new one when the gallery changes.

    Each person is represented by the mean of their enrolled embeddings (their template): on the shared
    face data this recognised 95% of probes at the strangers' error rate where nearest-photo matching
    recognised 78% (docs/benchmarks.md). ``distances()`` still compares against every embedding.
    """

    def __init__(self, gallery: Gallery, policy: MatchPolicy | None = None) -> None:
        self.gallery = gallery
        self.policy = policy or MatchPolicy()
        self._g = np.ascontiguousarray(gallery.embeddings, dtype=np.float32)
        self._g2 = np.einsum("ij,ij->i", self._g, self._g)
        n_people = len(gallery.people)
        counts = np.bincount(gallery.owners, minlength=n_people).astype(np.float32)
        sums = np.zeros((n_people, self._g.shape[1] if self._g.ndim == 2 else EMBEDDING_DIM), np.float32)
        np.add.at(sums, gallery.owners, self._g)
        has = counts > 0
        self._template_owner = np.flatnonzero(has).astype(np.int32)
        self._t = np.ascontiguousarray(sums[has] / counts[has, None], dtype=np.float32)
        self._t2 = np.einsum("ij,ij->i", self._t, self._t)

    def __len__(self) -> int:
        return len(self._g)

    def distances(self, query: np.ndarray) -> np.ndarray:
        """Euclidean distance from ``query`` (128,) to every gallery embedding, shape (N,)."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        d2 = self._g2 - 2.0 * (self._g @ q) + float(q @ q)
        np.maximum(d2, 0.0, out=d2)
        return np.sqrt(d2, out=d2)

    def nearest_two(self, query: np.ndarray) -> tuple[int, float, float]:
        """(index in ``gallery.people`` of the nearest person, its distance, the next person's distance).

        Returns (-1, inf, inf) for an empty gallery; the third value is inf when only one person is enrolled.
        """
        n = len(self._t)
        if n == 0:
            return -1, float("inf"), float("inf")
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        d2 = self._t2 - 2.0 * (self._t @ q)  # |q|^2 is added only to the two values we keep
        qq = float(q @ q)
        if n == 1:
            return int(self._template_owner[0]), float(np.sqrt(max(d2[0] + qq, 0.0))), float("inf")
        two = np.argpartition(d2, 1)[:2]
        first, second = (two[0], two[1]) if d2[two[0]] <= d2[two[1]] else (two[1], two[0])
        return (
            int(self._template_owner[first]),
            float(np.sqrt(max(d2[first] + qq, 0.0))),
            float(np.sqrt(max(d2[second] + qq, 0.0))),
        )

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
