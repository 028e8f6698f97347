"""The accuracy benchmark's data: which cached photos are enrolled, probed or strangers, and the galleries.

Protocol (the product's, as a new user would use it): every person under ``identities/`` is enrolled from
the first photos that pass the enrolment checks (up to 3, among their first 6, always keeping at least one
photo to probe with); every other photo of theirs is a probe (a probe whose face is not found is a miss).
Every ``distractors/`` person is enrolled with their photos that pass the checks (up to 3): they only grow
the gallery. ``unknowns/`` and ``strangers_more/`` (463 people in no other folder) are the strangers. The
embeddings come from ``bench/embed_cache.py`` (the product's enrolment/identify path and its live path).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kiosk.core.gallery import Gallery, Person
from kiosk.core.templates import outliers

ENROL_PER_PERSON = 3
ENROL_CANDIDATES = 6
STRANGER_FOLDERS = ("unknowns", "strangers_more")
# Folders that are a second label of someone under identities/, left out (README says there are none; these
# were found by this benchmark, distance under 0.37, and checked by eye): deepface's test photos are celebrities.
SAME_PERSON = {
    ("distractors", "Angelina_Jolie"): "identities/deepface_id01",
    ("distractors", "Jennifer_Aniston"): "identities/deepface_id02",
    ("distractors", "Matt_Damon"): "identities/deepface_id11",
    ("distractors", "Leonardo_DiCaprio"): "identities/deepface_id12",
}
LFW_SIZE = (250, 250)  # an LFW photo is centred on its labelled person


def off_centre(root: Path, rec: dict) -> bool:
    """True for an LFW photo whose largest face does not cover the photo's centre: the face the probe path
    embeds is somebody else (a bystander, often a public figure enrolled under their own name)."""
    if not rec.get("box"):
        return False
    img = cv2.imread(str(root / rec["path"]), cv2.IMREAD_UNCHANGED)
    if img is None or img.shape[:2] != LFW_SIZE:
        return False
    left, top, right, bottom = rec["box"]
    return not (left <= LFW_SIZE[1] / 2 <= right and top <= LFW_SIZE[0] / 2 <= bottom)


@dataclass(frozen=True)
class Probes:
    """Probe photos as arrays: ``person`` is '' for strangers; rows of NaN where no face was found."""

    paths: list[str]
    person: np.ndarray  # (M,) object: the identity, or '' for a stranger
    photo: np.ndarray  # (M, 128) identify-path embeddings
    live: np.ndarray  # (M, 128) live-path embeddings
    face_px: np.ndarray  # (M,)
    sharpness: np.ndarray
    yaw: np.ndarray

    @property
    def found(self) -> np.ndarray:
        return np.isfinite(self.photo[:, 0])

    def take(self, mask: np.ndarray) -> Probes:
        return Probes([p for p, m in zip(self.paths, mask, strict=True) if m], self.person[mask], self.photo[mask],
                      self.live[mask], self.face_px[mask], self.sharpness[mask], self.yaw[mask])


@dataclass(frozen=True)
class Dataset:
    enrol: dict[str, np.ndarray]  # person -> accepted enrolment embeddings (after outlier removal)
    folder: dict[str, str]  # person -> identities | distractors
    rejected: dict[str, list[tuple[str, str]]]  # person -> (photo, reason)
    probes: Probes  # identities' probe photos
    strangers: Probes
    distractor_photos: Probes  # every usable distractor photo (its owner enrolled): leave-one-out impostors
    outliers_dropped: list[str]
    off_centre: list[str]  # LFW probe/stranger photos left out: their largest face is not the labelled person


def _usable(r: dict) -> bool:
    return r.get("embedding") is not None and not r.get("problems") and r.get("main_faces", 0) == 1


def _reason(r: dict) -> str:
    if r.get("error"):
        return r["error"]
    if not r.get("faces"):
        return "No face was found in the photo."
    if r.get("main_faces", 1) > 1:
        return "several faces"
    return " ".join(r.get("problems", [])) or "unusable"


def _probes(recs: list[dict], person: list[str]) -> Probes:
    nan = np.full(128, np.nan, np.float32)

    def arr(key):
        return np.asarray([r.get(key) or nan for r in recs], np.float32).reshape(-1, 128)

    def col(key, default):
        return np.asarray([r.get(key, default) for r in recs], np.float64)

    return Probes([r["path"] for r in recs], np.asarray(person, dtype=object), arr("embedding"), arr("live"),
                  col("face_px", 0.0), col("sharpness", 0.0), col("yaw", 0.5))


def build_dataset(cache: dict[str, dict], root: Path, drop_outliers: bool = True) -> Dataset:
    by: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in cache.values():
        by[(r["folder"], r["person"])].append(r)
    skipped = []
    enrol, folder, rejected = {}, {}, {}
    probe_recs, probe_people, stranger_recs, distractor_recs, dropped = [], [], [], [], []
    for (kind, person), recs in sorted(by.items()):
        if (kind, person) in SAME_PERSON:
            continue
        recs.sort(key=lambda r: r["path"])
        if kind in STRANGER_FOLDERS:
            for r in recs:
                if off_centre(root, r):
                    skipped.append(r["path"])
                else:
                    stranger_recs.append(r)
            continue
        chosen: list[dict] = []
        limit = min(ENROL_PER_PERSON, max(1, len(recs) - 1)) if kind == "identities" else ENROL_PER_PERSON
        rej = []
        for i, r in enumerate(recs):
            if len(chosen) < limit and i < ENROL_CANDIDATES and _usable(r):
                chosen.append(r)
                continue
            if kind == "identities" and off_centre(root, r):
                skipped.append(r["path"])
            elif kind == "identities":
                probe_recs.append(r)
                probe_people.append(person)
            if i < ENROL_CANDIDATES and not _usable(r):
                rej.append((r["path"], _reason(r)))
        if kind == "distractors":
            distractor_recs.extend((r, person) for r in recs if r.get("embedding") is not None)
        if not chosen:
            rejected[person] = rej
            continue
        vectors = np.asarray([r["embedding"] for r in chosen], np.float32)
        if drop_outliers:
            bad = outliers(vectors)
            dropped.extend(chosen[i]["path"] for i in bad)
            vectors = np.delete(vectors, bad, axis=0)
        enrol[person], folder[person], rejected[person] = vectors, kind, rej
    return Dataset(
        enrol, folder, rejected, _probes(probe_recs, probe_people),
        _probes(stranger_recs, [""] * len(stranger_recs)),
        _probes([r for r, _ in distractor_recs], [p for _, p in distractor_recs]), dropped, skipped,
    )


def gallery_of(data: Dataset, people: list[str]) -> Gallery:
    rows, owners, persons = [], [], []
    for i, name in enumerate(people):
        persons.append(Person(name, name))
        rows.append(data.enrol[name])
        owners.extend([i] * len(data.enrol[name]))
    return Gallery(tuple(persons), np.concatenate(rows).astype(np.float32), np.asarray(owners, np.int32))


def stable_fold(name: str, folds: int, salt: str = "accuracy-v1") -> int:
    """A fold number for a person or photo, stable across runs and machines (hash, not random state)."""
    return int(hashlib.sha1(f"{salt}|{name}".encode()).hexdigest(), 16) % folds


def gallery_people(data: Dataset, size: int) -> list[str]:
    """Every enrolled identity, then distractors (in a stable shuffled order) up to ``size`` people."""
    ids = sorted(p for p, f in data.folder.items() if f == "identities")
    extra = sorted((p for p, f in data.folder.items() if f == "distractors"), key=lambda p: stable_fold(p, 10**9))
    return ids + extra[: max(0, size - len(ids))]
