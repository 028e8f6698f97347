"""Open-set matching of face embeddings against the whole gallery, vectorised.

Each person is represented by a template: the mean of their enrolment embeddings, outliers dropped
(``kiosk.core.templates``). A face is recognised only when the nearest template is closer than the
threshold **for this gallery's size** and the nearest *other* person is at least ``margin`` farther away;
anything else is unknown. Distances are Euclidean between 128-d dlib descriptors, computed as
``|t|^2 - 2 T@q + |q|^2`` (one matrix-vector product).

Why the threshold depends on the number of people enrolled: a stranger is accepted when *any* of N
templates falls under the threshold, so with a fixed threshold the false-accept rate grows about linearly
with N. The threshold therefore tightens by ``size_slope`` each time the gallery doubles beyond
``reference_people``; that keeps the stranger acceptance about constant from 100 to 1,000 people.
The defaults were chosen by cross-validation with ``bench/accuracy.py`` (never on the strangers they are
reported on); see docs/benchmarks.md, section 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kiosk.core.gallery import Gallery
from kiosk.core.templates import outliers
from kiosk.core.types import EMBEDDING_DIM, Match
from kiosk.errors import MatchPolicyError

DEFAULT_THRESHOLD = 0.4225  # at REFERENCE_PEOPLE or fewer people enrolled
DEFAULT_MARGIN = 0.06
DEFAULT_SIZE_SLOPE = 0.0  # threshold tightening per doubling of the gallery beyond REFERENCE_PEOPLE
DEFAULT_CONFIRM_SPARE = 0.025  # live looks must be this much closer than the threshold to count for a check-in
DEFAULT_DECISIVE_SPARE = 0.05  # a live look this much closer than the confirm threshold settles a face alone ...
DEFAULT_DECISIVE_MARGIN = 0.1  # ... when the next person is at least this much farther away
REFERENCE_PEOPLE = 100
SMALL_GALLERY_SLOPE = 0.01  # loosening per halving below REFERENCE_PEOPLE (bench: FPIR ~22x from 0.4225 to 0.4725)
LOOSEST_THRESHOLD = 0.4725  # the old default: never looser than that, however few people are enrolled
DEFAULT_CROWDING_WEIGHT = 0.25  # cohort (Z-norm-like) correction of the nearest person's distance; 0: off
CROWDING_COHORT = 10  # a template's crowding: its mean distance to its nearest other templates


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    size_slope: float = DEFAULT_SIZE_SLOPE
    reference_people: int = REFERENCE_PEOPLE
    confirm_spare: float = DEFAULT_CONFIRM_SPARE
    crowding_weight: float = DEFAULT_CROWDING_WEIGHT
    decisive_spare: float | None = DEFAULT_DECISIVE_SPARE  # None: every identity needs the tracker's vote
    decisive_margin: float = DEFAULT_DECISIVE_MARGIN

    def __post_init__(self) -> None:
        check_policy(self.threshold, self.margin)
        if not 0.0 <= self.size_slope < 0.2:
            raise MatchPolicyError(f"size_slope must be between 0 and 0.2, got {self.size_slope}")
        if not 0.0 <= self.confirm_spare < 0.2:
            raise MatchPolicyError(f"confirm_spare must be between 0 and 0.2, got {self.confirm_spare}")
        if not 0.0 <= self.crowding_weight <= 2.0:
            raise MatchPolicyError(f"crowding_weight must be between 0 and 2, got {self.crowding_weight}")
        if self.decisive_spare is not None and not 0.0 <= self.decisive_spare < 0.3:
            raise MatchPolicyError(f"decisive_spare must be between 0 and 0.3, got {self.decisive_spare}")
        if not 0.0 <= self.decisive_margin < 1.0:
            raise MatchPolicyError(f"decisive_margin must be between 0 and 1, got {self.decisive_margin}")
        if self.reference_people < 1:
            raise MatchPolicyError(f"reference_people must be at least 1, got {self.reference_people}")

    def threshold_for(self, people: int) -> float:
        """The distance threshold for a gallery of ``people`` people.

        From ``reference_people`` up it is ``threshold`` tightened by ``size_slope`` per doubling. Below, a
        stranger meets fewer templates, so it loosens by ``SMALL_GALLERY_SLOPE`` per halving, never beyond
        ``LOOSEST_THRESHOLD`` (a two-person demo gallery gets the old 0.4725)."""
        if people < self.reference_people:
            loosen = SMALL_GALLERY_SLOPE * math.log2(self.reference_people / max(people, 1))
            return max(self.threshold, min(LOOSEST_THRESHOLD, self.threshold + loosen))
        return max(0.05, self.threshold - self.size_slope * math.log2(people / self.reference_people))

    def confirm_threshold_for(self, people: int) -> float:
        """The distance the kiosk's live looks must beat to count towards a check-in: from
        ``reference_people`` up, the threshold less ``confirm_spare`` (live looks are embedded the fast way and
        come in runs: a look-alike matches the same person look after look, so the vote is no second
        independent test); in smaller galleries the threshold itself."""
        spare = self.confirm_spare if people >= self.reference_people else 0.0
        return max(0.05, self.threshold_for(people) - spare)

    def decisive_threshold_for(self, people: int) -> float | None:
        """The distance under which one live look settles a face on its own (None: never). The vote of
        several looks is there for the doubtful frames (a face turning, blurred, half in view); a look this
        far inside the confirm threshold is no doubtful frame, and waiting for a second one only keeps the
        person waiting another embedding (about 105 ms on the kiosk's CPU)."""
        if self.decisive_spare is None:
            return None
        return max(0.05, self.confirm_threshold_for(people) - self.decisive_spare)


def check_policy(threshold: float, margin: float) -> None:
    """The one check of a threshold and margin (config, flags, dialogs). Raises MatchPolicyError."""
    if not 0.0 < threshold < 2.0:
        raise MatchPolicyError("threshold must be between 0 and 2")
    if not 0.0 <= margin < 1.0:
        raise MatchPolicyError("margin must be between 0 and 1")


def accepted(best, second, threshold: float, margin: float):
    """The decision rule, on floats or numpy arrays: closer than ``threshold`` and ``margin`` ahead of the next
    person. NaN/inf distances (no face, empty gallery) are never accepted."""
    with np.errstate(invalid="ignore"):
        return (np.asarray(best) < threshold) & ((np.asarray(second) - np.asarray(best)) >= margin)


def crowding(templates: np.ndarray, cohort: int = CROWDING_COHORT) -> np.ndarray:
    """How crowded each template's neighbourhood is: its mean distance to its ``cohort`` nearest other
    templates, minus the gallery's median of that (negative: more look-alikes than usual). O(P^2): about
    30 ms for 1,000 people, 3 s for 10,000."""
    t = np.asarray(templates, dtype=np.float32)
    t2 = np.einsum("ij,ij->i", t, t)
    out = np.empty(len(t), np.float64)
    for start in range(0, len(t), 512):
        block = t[start : start + 512]
        d2 = t2[start : start + 512, None] - 2.0 * (block @ t.T) + t2[None, :]
        d2[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        near = np.partition(d2, cohort - 1, axis=1)[:, :cohort]
        out[start : start + len(block)] = np.sqrt(np.maximum(near, 0.0)).mean(axis=1)
    return out - np.median(out)


class Matcher:
    """Matches embeddings against a gallery snapshot. Build a new one when the gallery changes."""

    def __init__(self, gallery: Gallery, policy: MatchPolicy | None = None) -> None:
        self.gallery = gallery
        self.policy = policy or MatchPolicy()
        self._g = np.ascontiguousarray(gallery.embeddings, dtype=np.float32).reshape(-1, EMBEDDING_DIM)
        self._g2 = np.einsum("ij,ij->i", self._g, self._g)
        owners = np.asarray(gallery.owners, dtype=np.int64)
        keep = np.ones(len(self._g), dtype=bool)
        for person in np.flatnonzero(np.bincount(owners, minlength=len(gallery.people)) >= 3):
            rows = np.flatnonzero(owners == person)
            keep[rows[outliers(self._g[rows])]] = False
        counts = np.bincount(owners[keep], minlength=len(gallery.people)).astype(np.float32)
        sums = np.zeros((len(gallery.people), EMBEDDING_DIM), np.float32)
        np.add.at(sums, owners[keep], self._g[keep])
        has = counts > 0
        self._template_owner = np.flatnonzero(has).astype(np.int32)
        self._t = np.ascontiguousarray(sums[has] / counts[has, None], dtype=np.float32)
        self._t2 = np.einsum("ij,ij->i", self._t, self._t)
        self.threshold = self.policy.threshold_for(len(self._t))
        self._crowding = np.zeros(len(gallery.people), np.float64)
        if self.policy.crowding_weight > 0.0 and len(self._t) > CROWDING_COHORT:
            self._crowding[self._template_owner] = crowding(self._t)
        self.confirm_threshold = self.policy.confirm_threshold_for(len(self._t))
        self.decisive_threshold = self.policy.decisive_threshold_for(len(self._t))

    def __len__(self) -> int:
        return len(self._g)

    @property
    def people(self) -> int:
        """Number of people with a template (the N the threshold is scaled for)."""
        return len(self._t)

    def distances(self, query: np.ndarray) -> np.ndarray:
        """Euclidean distance from ``query`` (128,) to every gallery embedding, shape (N,)."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        d2 = self._g2 - 2.0 * (self._g @ q) + float(q @ q)
        np.maximum(d2, 0.0, out=d2)
        return np.sqrt(d2, out=d2)

    def template_distances(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(distances of each query to each template, shape (M, P); the template's index in ``gallery.people``)."""
        q = np.asarray(queries, dtype=np.float32).reshape(-1, EMBEDDING_DIM)
        d2 = self._t2[None, :] - 2.0 * (q @ self._t.T) + np.einsum("ij,ij->i", q, q)[:, None]
        return np.sqrt(np.maximum(d2, 0.0)), self._template_owner

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

    def match(self, query: np.ndarray, *, live: bool = False) -> Match:
        """The policy's verdict on one embedding.

        ``live``: a look of the kiosk's camera, one of several the tracker votes on. It must beat
        ``confirm_threshold``, stricter than ``threshold`` in large galleries: a look-alike stranger matches
        the same person look after look, so agreeing looks are no second independent test. A live look
        under ``decisive_threshold`` and ``decisive_margin`` ahead of the next person is ``decisive``.
        """
        owner, best, second = self.nearest_two(query)
        if owner < 0:
            return Match(None, None, best, float("inf"))
        margin = second - best
        score = best - self.policy.crowding_weight * self._crowding[owner]
        if accepted(score, score + margin, self.confirm_threshold if live else self.threshold, self.policy.margin):
            person = self.gallery.people[owner]
            decisive = (live and self.decisive_threshold is not None
                        and bool(accepted(score, score + margin, self.decisive_threshold,
                                          max(self.policy.margin, self.policy.decisive_margin))))
            return Match(person.person_id, person.name, best, margin, decisive)
        return Match(None, None, best, margin)
