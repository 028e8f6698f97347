"""The enrolled people and their face embeddings, kept in one versioned file.

On disk a gallery is a folder holding ``gallery.npz`` (an ``.npz`` of the embeddings, their owners and a
JSON header; optionally sealed with AES-GCM, see ``kiosk.core.crypto``), ``gallery.lock`` and, only where
an admin asked to keep them, ``photos/<person_id>/``. Every change happens inside ``GalleryStore.edit()``:
take the lock, re-read the file, change it, write a temporary file, fsync, rename, fsync the folder. So
two processes enrolling at once lose nobody, and a power cut leaves the old or the new file, never half.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from kiosk.core.atomic import replace_file
from kiosk.core.secrets import RECOVERY
from kiosk.core.types import EMBEDDING_DIM
from kiosk.errors import GalleryError, GalleryLockedError, PersonNotFoundError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
GALLERY_FILE = "gallery.npz"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Consent:
    """Who agreed to be enrolled, when, and to which text."""

    given_by: str
    given_at: str  # ISO-8601 with offset
    text: str


@dataclass(frozen=True, slots=True)
class Person:
    person_id: str
    name: str
    employee_no: str | None = None
    enrolled_at: str = ""
    consent: Consent | None = None
    keep_photos: bool = False


@dataclass(frozen=True)
class Gallery:
    """An immutable snapshot: ``embeddings[i]`` belongs to ``people[owners[i]]``."""

    people: tuple[Person, ...] = ()
    embeddings: np.ndarray = field(default_factory=lambda: np.zeros((0, EMBEDDING_DIM), np.float32))
    owners: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    revision: int = 0

    def person(self, person_id: str) -> Person:
        for p in self.people:
            if p.person_id == person_id:
                return p
        raise PersonNotFoundError(f"No person with id {person_id!r} is enrolled.")

    def embeddings_of(self, person_id: str) -> np.ndarray:
        idx = [i for i, p in enumerate(self.people) if p.person_id == person_id]
        if not idx:
            raise PersonNotFoundError(f"No person with id {person_id!r} is enrolled.")
        return self.embeddings[self.owners == idx[0]]

    def counts(self) -> dict[str, int]:
        """Number of embeddings per person id."""
        n = np.bincount(self.owners, minlength=len(self.people)) if len(self.people) else []
        return {p.person_id: int(c) for p, c in zip(self.people, n, strict=True)}


MAX_NAME = 200  # the server's limit too
# C0 and C1 control characters, DEL, and the Unicode bidi controls (embeddings, overrides, isolates, marks)
# and line/paragraph separators: they rewrite what a terminal, a CSV viewer or a report shows.
_FORBIDDEN_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def validate_name(name: str) -> str:
    """The name stripped; raises GalleryError when it is empty, too long, or holds control characters."""
    name = (name or "").strip()
    if not name:
        raise GalleryError("A person needs a name.")
    if len(name) > MAX_NAME:
        raise GalleryError(f"A name may have at most {MAX_NAME} characters.")
    bad = _FORBIDDEN_IN_NAMES.search(name)
    if bad:
        raise GalleryError(
            f"A name must not contain control or text-direction characters (found U+{ord(bad.group()):04X})."
        )
    return name


def validate_person_id(person_id: str) -> str:
    if not _ID_RE.match(person_id or ""):
        raise GalleryError(
            f"Invalid person id {person_id!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit."
        )
    return person_id


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


class GalleryEdit:
    """A mutable working copy handed out by ``GalleryStore.edit()``."""

    def __init__(self, gallery: Gallery) -> None:
        self.people: list[Person] = list(gallery.people)
        self._vectors: dict[str, list[np.ndarray]] = {p.person_id: [] for p in gallery.people}
        for i, owner in enumerate(gallery.owners):
            self._vectors[gallery.people[int(owner)].person_id].append(gallery.embeddings[i])
        self.removed: list[str] = []
        self.revision = gallery.revision

    def _index(self, person_id: str) -> int:
        for i, p in enumerate(self.people):
            if p.person_id == person_id:
                return i
        raise PersonNotFoundError(f"No person with id {person_id!r} is enrolled.")

    def add_person(
        self,
        name: str,
        embeddings: np.ndarray,
        *,
        person_id: str | None = None,
        employee_no: str | None = None,
        consent: Consent | None = None,
        keep_photos: bool = False,
    ) -> Person:
        """Add a new person, or more embeddings to an existing ``person_id`` (renaming it to ``name``)."""
        name = validate_name(name)
        vectors = _check_embeddings(embeddings)
        pid = validate_person_id(person_id) if person_id is not None else uuid.uuid4().hex[:12]
        if pid in self._vectors:
            i = self._index(pid)
            self.people[i] = replace(self.people[i], name=name, employee_no=employee_no or self.people[i].employee_no)
            self._vectors[pid].extend(vectors)
            return self.people[i]
        person = Person(pid, name, employee_no or None, now_iso(), consent, keep_photos)
        self.people.append(person)
        self._vectors[pid] = list(vectors)
        return person

    def embeddings_of(self, person_id: str) -> np.ndarray:
        """The person's embeddings in this working copy (float32, one row each)."""
        self._index(person_id)
        return np.asarray(self._vectors[person_id], dtype=np.float32).reshape(-1, EMBEDDING_DIM)

    def put(self, person: Person, embeddings: np.ndarray) -> Person:
        """Insert ``person`` or replace the record and all embeddings of the same id (photos stay).

        Used by people sync to apply another kiosk's enrolment.
        """
        validate_person_id(person.person_id)
        validate_name(person.name)
        vectors = _check_embeddings(embeddings)
        if person.person_id in self._vectors:
            self.people[self._index(person.person_id)] = person
        else:
            self.people.append(person)
        self._vectors[person.person_id] = vectors
        return person

    def rename(self, person_id: str, name: str) -> Person:
        name = validate_name(name)
        i = self._index(person_id)
        self.people[i] = replace(self.people[i], name=name)
        return self.people[i]

    def remove(self, person_id: str) -> Person:
        i = self._index(person_id)
        person = self.people.pop(i)
        del self._vectors[person_id]
        self.removed.append(person_id)
        return person

    def snapshot(self) -> Gallery:
        people = tuple(self.people)
        rows = [v for p in people for v in self._vectors[p.person_id]]
        owners = [i for i, p in enumerate(people) for _ in self._vectors[p.person_id]]
        emb = np.asarray(rows, dtype=np.float32).reshape(-1, EMBEDDING_DIM)
        return Gallery(people, emb, np.asarray(owners, dtype=np.int32), self.revision + 1)


def _check_embeddings(embeddings: np.ndarray) -> list[np.ndarray]:
    arr = np.asarray(embeddings, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != EMBEDDING_DIM or arr.shape[0] == 0:
        raise GalleryError(f"Expected one or more {EMBEDDING_DIM}-d embeddings, got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise GalleryError("An embedding contains NaN or infinity.")
    return [row.copy() for row in arr]


def serialize(gallery: Gallery) -> bytes:
    """The gallery as ``.npz`` bytes (no pickles)."""
    header = {
        "format": "faceattend-gallery",
        "version": FORMAT_VERSION,
        "revision": gallery.revision,
        "people": [
            {
                "person_id": p.person_id,
                "name": p.name,
                "employee_no": p.employee_no,
                "enrolled_at": p.enrolled_at,
                "consent": None if p.consent is None else {
                    "given_by": p.consent.given_by, "given_at": p.consent.given_at, "text": p.consent.text
                },
                "keep_photos": p.keep_photos,
            }
            for p in gallery.people
        ],
    }
    buf = io.BytesIO()
    np.savez(
        buf,
        header=np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
        embeddings=gallery.embeddings.astype(np.float32),
        owners=gallery.owners.astype(np.int32),
    )
    return buf.getvalue()


def deserialize(data: bytes, *, source: str = "gallery") -> Gallery:
    """Parse ``serialize``'s bytes; raises GalleryError (naming ``source`` and the way back) for anything
    unreadable, damaged or of another version. Never another exception."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header = json.loads(npz["header"].tobytes().decode("utf-8"))
            embeddings = np.ascontiguousarray(npz["embeddings"], dtype=np.float32)
            owners = np.asarray(npz["owners"], dtype=np.int32)
    except Exception as exc:  # zipfile, KeyError, ValueError, JSON errors all mean one thing here
        raise GalleryError(
            f"{source} is not a readable gallery file ({exc.__class__.__name__}: {exc}). {RECOVERY}"
        ) from exc
    if not isinstance(header, dict) or header.get("format") != "faceattend-gallery":
        raise GalleryError(f"{source} is not a gallery file. {RECOVERY}")
    if header.get("version") != FORMAT_VERSION:
        raise GalleryError(
            f"{source} has gallery format version {header.get('version')}; this kiosk reads version "
            f"{FORMAT_VERSION}. Update the kiosk software."
        )
    try:
        people = tuple(_person_from_header(p) for p in header["people"])
        revision = int(header.get("revision", 0))
        embeddings = embeddings.reshape(-1, EMBEDDING_DIM)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GalleryError(f"{source} is damaged ({exc.__class__.__name__}: {exc}). {RECOVERY}") from exc
    if embeddings.shape[0] != owners.shape[0] or (owners.size and (owners.min() < 0 or owners.max() >= len(people))):
        raise GalleryError(f"{source} is inconsistent (embeddings and owners disagree). {RECOVERY}")
    return Gallery(people, embeddings, owners, revision)


def _person_from_header(p: dict) -> Person:
    consent = p.get("consent")
    return Person(
        str(p["person_id"]), str(p["name"]), p.get("employee_no"), str(p.get("enrolled_at", "")),
        Consent(str(consent["given_by"]), str(consent["given_at"]), str(consent["text"])) if consent else None,
        bool(p.get("keep_photos", False)),
    )  # fmt: skip


class GalleryStore:
    """The gallery folder on disk. ``load()`` reads a snapshot; ``edit()`` changes it under the lock.

    ``sealer`` (optional) encrypts the file at rest: an object with ``seal(bytes) -> bytes`` and
    ``open(bytes) -> bytes``.
    """

    def __init__(self, root: str | os.PathLike[str], *, sealer=None, lock_timeout: float = 30.0) -> None:
        self.root = Path(root)
        self.path = self.root / GALLERY_FILE
        self.sealer = sealer
        self._lock = FileLock(str(self.root / "gallery.lock"), timeout=lock_timeout)

    def load(self) -> Gallery:
        """The current gallery; an empty one if the folder or file does not exist yet."""
        if not self.path.exists():
            return Gallery()
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise GalleryError(f"Cannot read the gallery at {self.path}: {exc.strerror}.") from exc
        if self.sealer is not None:
            data = self.sealer.open(data, source=str(self.path))
        return deserialize(data, source=str(self.path))

    def mtime_ns(self) -> int:
        """The gallery file's modification time, to notice changes made by other processes (0 if absent)."""
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    @contextmanager
    def edit(self) -> Iterator[GalleryEdit]:
        """Lock, re-read, yield a working copy, then save it atomically (unless the block raised)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GalleryError(f"Cannot create the gallery folder {self.root}: {exc.strerror}.") from exc
        try:
            with self._lock:
                working = GalleryEdit(self.load())
                yield working
                self._save(working.snapshot())
                for person_id in working.removed:
                    self._remove_photos(person_id)
        except Timeout as exc:
            raise GalleryLockedError(
                f"The gallery at {self.root} is locked by another process; try again in a moment."
            ) from exc

    def _save(self, gallery: Gallery) -> None:
        data = serialize(gallery)
        if self.sealer is not None:
            data = self.sealer.seal(data)
        try:
            replace_file(self.path, data)
        except OSError as exc:
            raise GalleryError(f"Cannot write the gallery at {self.path}: {exc.strerror}.") from exc
        log.info("gallery saved: %d people, %d embeddings", len(gallery.people), len(gallery.embeddings))

    def photos_dir(self, person_id: str) -> Path:
        return self.root / "photos" / validate_person_id(person_id)

    def _remove_photos(self, person_id: str) -> None:
        folder = self.photos_dir(person_id)
        if folder.exists():
            shutil.rmtree(folder)
            log.info("removed stored photos of %s", person_id)

    # Convenience one-shot edits ---------------------------------------------------------------------
    def add_person(self, name: str, embeddings: np.ndarray, **kwargs) -> Person:
        with self.edit() as g:
            return g.add_person(name, embeddings, **kwargs)

    def rename(self, person_id: str, name: str) -> Person:
        with self.edit() as g:
            return g.rename(person_id, name)

    def remove(self, person_id: str) -> Person:
        """Delete a person: their embeddings and any stored photos."""
        with self.edit() as g:
            return g.remove(person_id)
