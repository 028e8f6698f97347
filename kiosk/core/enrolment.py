"""Enrolling a person: the one duplicate check and the one way to store them, for every front end.

The admin dialog, ``python -m kiosk enroll`` and the bulk import all gather checked samples their own way,
then call ``find_duplicates`` (is this face already someone else?) and ``enrol`` (store the embeddings,
and the photos only when the admin asked to keep them).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kiosk.core.gallery import Consent, Gallery, GalleryStore, Person, validate_name, validate_person_id
from kiosk.core.matching import Matcher, MatchPolicy
from kiosk.core.types import EMBEDDING_DIM
from kiosk.errors import EnrolmentError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An enrolled person whom some of the new samples already match; ``samples`` are their indexes."""

    person_id: str
    name: str
    distance: float  # the nearest of those samples
    samples: tuple[int, ...]

    def warning(self, sources: Sequence[str]) -> str:
        """A sentence for the command line, naming the matching photos (``sources`` by sample index)."""
        photos = ", ".join(Path(sources[i]).name for i in self.samples)
        return (f"{photos}: already matches {self.name} ({self.person_id}, distance {self.distance:.3f}): "
                "check that this is not the same person enrolled twice.")


def find_duplicates(
    gallery: Gallery, embeddings: np.ndarray, policy: MatchPolicy, *, exclude: str | None = None
) -> list[Duplicate]:
    """The enrolled people (other than ``exclude``) whom the embeddings match, nearest first.

    A sample matches a person as recognition would: nearer than the threshold and ahead of the next
    person by the margin (``Matcher.match``).
    """
    matcher = Matcher(gallery, policy)
    found: dict[str, Duplicate] = {}
    for i, vector in enumerate(np.asarray(embeddings, dtype=np.float32).reshape(-1, EMBEDDING_DIM)):
        m = matcher.match(vector)
        if not m.known or m.person_id == exclude:
            continue
        seen = found.get(m.person_id)
        if seen is None:
            found[m.person_id] = Duplicate(m.person_id, m.name, m.distance, (i,))
        else:
            found[m.person_id] = Duplicate(m.person_id, m.name, min(seen.distance, m.distance), (*seen.samples, i))
    return sorted(found.values(), key=lambda d: d.distance)


@dataclass(frozen=True, slots=True)
class Enrolment:
    """Everything needed to enrol one person.

    ``person_id`` None: a new id is made; an existing id gets the embeddings added. ``photos``: JPEG files
    to keep because the admin asked to (``kiosk.vision.enrol.sample_photo``); empty keeps embeddings only.
    """

    name: str
    embeddings: np.ndarray
    consent: Consent
    person_id: str | None = None
    employee_no: str | None = None
    photos: tuple[bytes, ...] = ()


def enrol(store: GalleryStore, enrolment: Enrolment) -> Person:
    """Store the person in one locked, atomic gallery edit; returns them.

    Kept photos are written first as ``1.jpg``, ``2.jpg``, ... (after any the person has already) into
    ``store.photos_dir``, and removed again when the gallery refuses the person. Raises EnrolmentError
    without consent or embeddings, GalleryError for a bad name or id or an unwritable gallery, OSError when
    a photo cannot be written.
    """
    if not enrolment.consent.given_by.strip():
        raise EnrolmentError("Nobody confirmed the person's consent: no consent, no enrolment.")
    vectors = np.asarray(enrolment.embeddings, dtype=np.float32).reshape(-1, EMBEDDING_DIM)
    if len(vectors) == 0:
        raise EnrolmentError("No sample could be used; nobody was enrolled.")
    name = validate_name(enrolment.name)
    person_id = validate_person_id(enrolment.person_id) if enrolment.person_id else uuid.uuid4().hex[:12]
    written = _write_photos(store.photos_dir(person_id), enrolment.photos)
    try:
        person = store.add_person(name, vectors, person_id=person_id, employee_no=enrolment.employee_no or None,
                                  consent=enrolment.consent, keep_photos=bool(enrolment.photos))
    except BaseException:
        _remove(written)
        raise
    log.info("enrolled %s (%s) with %d samples", person.name, person.person_id, len(vectors))
    return person


def _write_photos(folder: Path, photos: Sequence[bytes]) -> list[Path]:
    if not photos:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    start = 1 + max((int(p.stem) for p in folder.glob("*.jpg") if p.stem.isdigit()), default=0)
    written: list[Path] = []
    try:
        for i, data in enumerate(photos, start=start):
            path = folder / f"{i}.jpg"
            path.write_bytes(data)
            written.append(path)
    except BaseException:
        _remove(written)
        raise
    return written


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    if paths:
        try:
            paths[0].parent.rmdir()  # only when nothing else is in it
        except OSError:
            pass
