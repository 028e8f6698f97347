"""Scoring and choosing decision rules for the accuracy benchmark (pure numpy on cached embeddings).

A trial is one probe against one gallery: its distance to the nearest template, to the nearest *other*
person's template, whether the nearest is the right person, and the mean distance to its ``COHORT`` nearest
other templates (for cohort normalisation). Leave-one-out trials drop the probe's own person from the gallery:
that turns every enrolled person's photo into a stranger for calibration, so the 463 real strangers are never
used to choose anything.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from kiosk.core.matching import Matcher, MatchPolicy, accepted, crowding

COHORT = 10


@dataclass(frozen=True)
class Trials:
    best: np.ndarray
    second: np.ndarray
    right: np.ndarray  # bool: nearest template is the probe's own person (False for strangers)
    cohort: np.ndarray  # mean distance to the COHORT nearest other templates
    face_px: np.ndarray
    crowd: np.ndarray  # the nearest template's crowding (kiosk.core.matching.crowding)
    people: int  # gallery size N

    def __len__(self) -> int:
        return len(self.best)

    def take(self, mask: np.ndarray) -> Trials:
        return Trials(self.best[mask], self.second[mask], self.right[mask], self.cohort[mask], self.face_px[mask],
                      self.crowd[mask], self.people)


def trials(matcher: Matcher, vectors: np.ndarray, person: np.ndarray, face_px: np.ndarray, *,
           leave_own_out: bool = False) -> Trials:
    """Score ``vectors`` (rows of NaN: no face found, never accepted) against ``matcher``'s templates."""
    names = np.asarray([p.person_id for p in matcher.gallery.people], dtype=object)
    ok = np.isfinite(vectors[:, 0])
    m = len(vectors)
    best = np.full(m, np.inf)
    second = np.full(m, np.inf)
    right = np.zeros(m, bool)
    cohort = np.full(m, np.inf)
    crowd = np.zeros(m)
    if ok.any():
        d, owner = matcher.template_distances(vectors[ok])
        d = d.astype(np.float64)
        own = names[owner][None, :] == person[ok][:, None]
        if leave_own_out:
            d[own] = np.inf
        order = np.argsort(d, axis=1)
        rows = np.arange(len(d))[:, None]
        s = d[rows, order]
        best[ok], second[ok] = s[:, 0], s[:, 1]
        right[ok] = own[np.arange(len(d)), order[:, 0]] & np.isfinite(s[:, 0])
        k = min(COHORT, s.shape[1] - 1)
        cohort[ok] = s[:, 1 : 1 + k].mean(axis=1) if k > 0 else np.inf
        crowd[ok] = _crowding(matcher)[order[:, 0]]
    return Trials(best, second, right, cohort, face_px, crowd, matcher.people)


_CROWDING: dict[int, np.ndarray] = {}


def _crowding(matcher: Matcher) -> np.ndarray:
    """Per template (in template order), computed once per matcher."""
    if id(matcher) not in _CROWDING:
        _CROWDING[id(matcher)] = crowding(matcher._t)
    return _CROWDING[id(matcher)]


@dataclass(frozen=True)
class Rule:
    """A decision rule with its parameters: the product's (threshold scaled with N, margin) plus options
    measured here: ``cohort_weight`` (distance minus w * (cohort mean - its typical value)) and
    ``small_face_penalty`` (extra distance for faces under 100 px, scaled by how small)."""

    threshold: float
    margin: float
    size_slope: float = 0.0
    cohort_weight: float = 0.0
    cohort_centre: float = 0.0
    small_face_penalty: float = 0.0
    crowding_weight: float = 0.0

    def policy(self) -> MatchPolicy:
        return MatchPolicy(self.threshold, self.margin, self.size_slope, crowding_weight=self.crowding_weight)

    def accept(self, t: Trials) -> np.ndarray:
        d = t.best - self.crowding_weight * t.crowd
        if self.cohort_weight:
            c = np.where(np.isfinite(t.cohort), t.cohort, self.cohort_centre)
            d = d - self.cohort_weight * (c - self.cohort_centre)
        if self.small_face_penalty:
            d = d + self.small_face_penalty * np.clip((100.0 - t.face_px) / 100.0, 0.0, 1.0)
        return accepted(d, t.second - t.best + d, self.policy().threshold_for(t.people), self.margin)


def rates(rule: Rule, genuine: Trials, impostor: Trials) -> dict:
    g = rule.accept(genuine)
    return {
        "tpir": float((g & genuine.right).mean()) if len(genuine) else float("nan"),
        "wrong_person": int((g & ~genuine.right).sum()),
        "fpir": float(rule.accept(impostor).mean()) if len(impostor) else float("nan"),
        "false_accepts": int(rule.accept(impostor).sum()),
        "strangers": len(impostor),
        "probes": len(genuine),
    }


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k/n."""
    if n == 0:
        return (float("nan"), float("nan"))
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


THRESHOLDS = np.round(np.arange(0.30, 0.5401, 0.0025), 4)
MARGINS = (0.0, 0.02, 0.04, 0.06)
SLOPES = (0.0, 0.005, 0.01, 0.015, 0.02, 0.03)


def choose(sets: list[tuple[Trials, Trials]], alpha: float, *, slopes=SLOPES, cohort_weights=(0.0,),
           cohort_centre: float = 0.0, face_penalties=(0.0,), crowding_weights=(0.0,)) -> tuple[Rule, dict]:
    """The rule with the best mean TPIR over the (genuine, impostor) sets, one per gallery size, among those
    whose impostor acceptance is at most ``alpha`` at *every* size."""
    best_rule, best_score = Rule(float(THRESHOLDS[0]), MARGINS[-1]), (-1.0, -1.0)  # nothing meets alpha
    for m, slope, w, pen, z in itertools.product(MARGINS, slopes, cohort_weights, face_penalties, crowding_weights):
        for t in THRESHOLDS:
            rule = Rule(float(t), m, slope, w, cohort_centre, pen, z)
            fp = [float(rule.accept(imp).mean()) for _, imp in sets]
            if max(fp) > alpha:
                break  # thresholds only grow from here: more accepts
            tp = float(np.mean([(rule.accept(g) & g.right).mean() for g, _ in sets]))
            score = (tp, -max(fp))
            if score > best_score:
                best_rule, best_score = rule, score
    return best_rule, {"calibration_tpir": best_score[0], "calibration_fpir_max": -best_score[1]}
