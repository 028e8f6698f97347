"""Bulk enrolment: a folder of people (``kiosk.core.roster``) into the gallery, on every core.

Photos are checked and embedded by a ``spawn`` process pool (one dlib engine per process); each person is
added to the gallery in one locked, atomic edit as soon as all their photos are done, and only then is their
JSON line reported. So an interrupted import loses at most the people in flight, and running it again skips
everyone already enrolled (resumable).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.core.enrolment import Enrolment, enrol, find_duplicates
from kiosk.core.gallery import Consent, GalleryStore, now_iso
from kiosk.core.matching import MatchPolicy
from kiosk.core.roster import RosterEntry, read_roster
from kiosk.core.templates import outliers
from kiosk.vision.enrol import ENROL_JITTER, Sample, sample_photo

log = logging.getLogger(__name__)

MAX_PHOTOS_PER_PERSON = 10  # more photos add little to a template and cost 0.5 s each
_OUTLIER_REASON = "This photo does not look like the person's other photos (dropped as an outlier)."
_engine = None


@dataclass(frozen=True, slots=True)
class ImportOptions:
    consent_by: str
    consent_text: str = "Enrolment for attendance check-in by face recognition."
    workers: int = 0  # 0: one per core
    jitter: int = ENROL_JITTER
    detector: str = "hog"
    keep_photos: bool = False
    policy: MatchPolicy = MatchPolicy()


def _init_worker() -> None:
    global _engine
    from kiosk.vision.engine import FaceEngine

    _engine = FaceEngine().load()


def _sample(task: tuple[str, int, str]) -> Sample:
    from kiosk.vision.enrol import sample_from_file

    path, jitter, detector = task
    return sample_from_file(_engine, path, jitter=jitter, detector=detector)


def _samples(entries: list[RosterEntry], options: ImportOptions) -> Iterator[tuple[RosterEntry, list[Sample]]]:
    """Each entry with its photos' samples, in roster order, computed by the pool."""
    tasks = [(p, options.jitter, options.detector) for e in entries for p in e.photos[:MAX_PHOTOS_PER_PERSON]]
    workers = options.workers or os.cpu_count() or 1
    workers = max(1, min(workers, len(tasks)))
    with mp.get_context("spawn").Pool(workers, _init_worker) as pool:
        results = pool.imap(_sample, tasks, chunksize=1)
        for entry in entries:
            yield entry, [next(results) for _ in entry.photos[:MAX_PHOTOS_PER_PERSON]]


def _enrol_one(store: GalleryStore, entry: RosterEntry, samples: list[Sample], options: ImportOptions) -> dict:
    accepted = [s for s in samples if s.accepted]
    rejected = [{"image": s.source, "reason": s.reason} for s in samples if not s.accepted]
    line: dict = {"folder": entry.folder, "person_id": entry.person_id, "name": entry.name}
    if accepted:
        drop = outliers(np.stack([s.embedding for s in accepted]))
        for i in sorted(drop, reverse=True):
            rejected.append({"image": accepted[i].source, "reason": _OUTLIER_REASON})
            del accepted[i]
    line["accepted"] = [s.source for s in accepted]
    line["rejected"] = rejected
    if not accepted:
        line.update(status="failed", reason="No photo could be used; nobody was enrolled.")
        return line
    vectors = np.stack([s.embedding for s in accepted])
    duplicates = find_duplicates(store.load(), vectors, options.policy, exclude=entry.person_id)
    photos = tuple(sample_photo(s) for s in accepted) if options.keep_photos else ()
    enrol(store, Enrolment(entry.name, vectors, Consent(options.consent_by, now_iso(), options.consent_text),
                           person_id=entry.person_id, employee_no=entry.employee_no, photos=photos))
    line.update(status="enrolled", embeddings=len(accepted),
                warnings=[d.warning([s.source for s in accepted]) for d in duplicates])
    return line


def import_folder(
    store: GalleryStore, root: str | Path, options: ImportOptions, report: Callable[[dict], None]
) -> dict[str, int]:
    """Enrol everyone under ``root`` not yet in ``store``; ``report`` gets one dict per person.

    Returns counts by status (enrolled, skipped, failed). Raises RosterError for an unusable folder or CSV
    and GalleryError when the gallery cannot be read or written.
    """
    entries = read_roster(root)
    enrolled = {p.person_id for p in store.load().people}
    counts = {"enrolled": 0, "skipped": 0, "failed": 0}
    todo: list[RosterEntry] = []
    for entry in entries:
        base = {"folder": entry.folder, "person_id": entry.person_id, "name": entry.name}
        if entry.problem:
            counts["failed"] += 1
            report({**base, "status": "failed", "reason": entry.problem, "accepted": [], "rejected": []})
        elif entry.person_id in enrolled:
            counts["skipped"] += 1
            report({**base, "status": "skipped", "reason": "already enrolled"})
        else:
            todo.append(entry)
    if todo:
        for entry, samples in _samples(todo, options):
            line = _enrol_one(store, entry, samples, options)
            counts[line["status"]] += 1
            report(line)
    return counts
