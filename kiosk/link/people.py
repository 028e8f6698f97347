"""People sync: share enrolments and deletions between kiosks through the server.

Each run pulls, then pushes. Pull: ``GET /api/v1/people/changes?since=CURSOR`` pages are applied to the
gallery in one locked edit each: upserts replace the person's record and embeddings, deletions (the
server's tombstones) remove the person with their photos (``GalleryEdit.remove``). Pulling first makes an
erasure stick: a local edit not pushed yet of a person erased elsewhere goes with the person and is never
pushed (and a push the server answers 410 "erased" removes the person here too). An upsert does not
overwrite a local change that has not been pushed yet (the push that follows sends it), nor bring back a
person removed here whose erasure is about to be pushed.

Push: people whose content (name, employee number, consent, embeddings) differs from what this kiosk
last exchanged with the server are sent with ``PUT /api/v1/people/<id>``; people the kiosk exchanged
before but no longer has (removed here by an admin, by any process) are sent with ``DELETE``, except
those the kiosk's own template retention removed (listed by kiosk.core.retention in
``retention_removed.json``): a kiosk's retention is local and never erases anyone elsewhere.

A write the server forbids (403: the kiosk's token may not enrol, or the person was enrolled at another
kiosk, CONTRACTS.md C2) is recorded with the server's message and not retried; ``notice`` says it for the
status strip, and ``may_change()`` lets the admin dialogs say it before the admin tries.

The state file (``{"cursor": N, "known": {person_id: fingerprint}, "refused": {...}, ...}``) is replaced
atomically after every step, so a crash repeats at most one request, which the server takes again.
A lock file next to it keeps two syncs from running at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import requests
from filelock import FileLock

from kiosk.core.atomic import replace_json
from kiosk.core.config import RETENTION_REMOVED_FILE
from kiosk.core.gallery import Consent, GalleryStore, Person, validate_name, validate_person_id
from kiosk.core.retention import read_retention_removed, write_retention_removed
from kiosk.core.types import EMBEDDING_DIM
from kiosk.errors import GalleryError, KioskError, SyncError
from kiosk.link.http import Backoff, ServerClient

log = logging.getLogger(__name__)

PEOPLE_PATH = "/api/v1/people"
MAX_EMBEDDINGS = 64  # the server's default MAX_EMBEDDINGS_PER_PERSON


@dataclass(frozen=True, slots=True)
class PeopleSyncReport:
    """What one run did (counts)."""

    pushed: int = 0
    deleted: int = 0
    pulled: int = 0
    removed: int = 0
    skipped: int = 0


@dataclass
class _State:
    cursor: int = 0
    known: dict[str, str] = field(default_factory=dict)  # id -> fingerprint last exchanged with the server
    refused: dict[str, str] = field(default_factory=dict)  # id -> fingerprint the server refused (not retried)
    forbidden: dict[str, str] = field(default_factory=dict)  # id -> the server's 403 message
    owners: dict[str, str] = field(default_factory=dict)  # id -> enrolled_by, as the server last said
    mine: list[str] = field(default_factory=list)  # ids this kiosk created on the server (to learn its name)
    names: list[str] = field(default_factory=list)  # this kiosk's name(s) in enrolled_by
    enrol_refused: str = ""  # the server's 403 to a new person: this kiosk's token may not enrol

    def to_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "known": self.known, "refused": self.refused, "forbidden": self.forbidden,
                "owners": self.owners, "mine": self.mine, "names": self.names,
                "enrol_refused": self.enrol_refused}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Permission:
    """Whether this kiosk may change or erase a person, and the sentence to show when it may not."""

    allowed: bool
    message: str = ""


def fingerprint(person: Person, embeddings: np.ndarray) -> str:
    """A hash of what is shared about a person (not enrolled_at or keep_photos)."""
    h = hashlib.sha256()
    c = person.consent
    consent = None if c is None else [c.given_by, c.given_at, c.text]
    h.update(json.dumps([person.person_id, person.name, person.employee_no or None, consent]).encode("utf-8"))
    h.update(np.ascontiguousarray(embeddings, dtype="<f4").tobytes())
    return h.hexdigest()


def _load_state(path: Path) -> _State:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _State(int(data["cursor"]), dict(data.get("known", {})), dict(data.get("refused", {})),
                      dict(data.get("forbidden", {})), dict(data.get("owners", {})), list(data.get("mine", [])),
                      list(data.get("names", [])), str(data.get("enrol_refused", "")))  # fmt: skip
    except FileNotFoundError:
        return _State()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("people sync state %s is unreadable (%s); pulling everything again", path, exc)
        return _State()


def _note_owner(state: _State, person_id: str, enrolled_by: object) -> None:
    """Remember who enrolled a pulled person; a person this kiosk created teaches it its own name."""
    if not isinstance(enrolled_by, str) or not enrolled_by:
        return
    state.owners[person_id] = enrolled_by
    if person_id in state.mine:
        state.mine.remove(person_id)
        if enrolled_by not in state.names:
            state.names.append(enrolled_by)


def _message(response: requests.Response) -> str:
    """The server's sentence from a JSON error answer (or the start of the body)."""
    try:
        body = response.json()
        return str(body.get("message") or body.get("error"))[:300]
    except (ValueError, AttributeError):
        return response.text[:300] or f"HTTP {response.status_code}"


def _notice_of(state: _State) -> str:
    if not state.forbidden:
        return ""
    last = next(reversed(state.forbidden.values()))
    more = f" ({len(state.forbidden)} people)" if len(state.forbidden) > 1 else ""
    return f"Server refused a people change{more}: {last}"


def may_enrol(state_path: str | Path) -> Permission:
    """Whether this kiosk may enrol new people on the server: no once the server refused a new person
    with 403 (a check-in-only token), until it takes one. Reads a file; no network."""
    refused = _load_state(Path(state_path)).enrol_refused
    if refused:
        return Permission(False, f"This kiosk may not enrol people: {refused}")
    return Permission(True)


def may_change(state_path: str | Path, person_id: str, kiosk_id: str = "") -> Permission:
    """Whether this kiosk may change or erase ``person_id`` on the server (CONTRACTS.md C2), from what
    the people sync learnt (the people pull's ``enrolled_by`` and the server's refusals). Reads a file;
    no network. A person the server never mentioned may be changed (the server decides at the push)."""
    state = _load_state(Path(state_path))
    if person_id in state.forbidden:
        return Permission(False, state.forbidden[person_id])
    owner = state.owners.get(person_id)
    if not owner or owner in state.names or owner == kiosk_id:
        return Permission(True)
    if owner.startswith("admin:"):
        return Permission(False, "Enrolled by an administrator: ask an administrator to change this person.")
    return Permission(False, f"Enrolled at {owner}: ask an administrator to change this person.")


def save_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` with ``data`` as JSON, atomically (kiosk.core.atomic)."""
    replace_json(path, data)


def _wire_person(person: Person, embeddings: np.ndarray) -> dict[str, Any]:
    consent = person.consent
    return {
        "name": person.name,
        "employee_no": person.employee_no,
        "consent": {"given": True, "at": consent.given_at, "version": "", "given_by": consent.given_by,
                    "text": consent.text},
        "embeddings": np.asarray(embeddings, dtype=np.float64)[-MAX_EMBEDDINGS:].tolist(),
    }  # fmt: skip


def _person_from_wire(item: dict[str, Any], existing: Person | None) -> tuple[Person, np.ndarray]:
    """The Person and float32 embeddings of a pulled upsert. Raises ValueError/KeyError/GalleryError."""
    consent = item.get("consent") or {}
    person = Person(
        person_id=validate_person_id(str(item["person_id"])),
        name=validate_name(str(item["name"])),
        employee_no=item.get("employee_no") or None,
        enrolled_at=existing.enrolled_at if existing else str(item.get("updated_at", "")),
        consent=Consent(str(consent.get("given_by", "")), str(consent.get("at", "")), str(consent.get("text", "")))
        if consent.get("given")
        else None,
        keep_photos=existing.keep_photos if existing else False,
    )
    vectors = np.asarray(item["embeddings"], dtype=np.float32).reshape(-1, EMBEDDING_DIM)
    return person, vectors


class PeopleSync:
    """Syncs the people of ``store`` with ``server_url`` using a kiosk ``token``; progress in ``state_path``."""

    def __init__(
        self,
        store: GalleryStore,
        server_url: str,
        token: str,
        state_path: str | Path,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 30.0),
        interval: float = 30.0,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.store = store
        self.state_path = Path(state_path)
        self.interval = interval
        self.http = ServerClient(server_url, token, timeout=timeout, session=session)
        self.backoff = Backoff(base_delay, max_delay, rng)
        self._lock = FileLock(str(self.state_path) + ".lock", timeout=60)
        self.retention_removed_path = Path(store.root) / RETENTION_REMOVED_FILE
        self._notice = _notice_of(_load_state(self.state_path))

    # -- HTTP ----------------------------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The response (200, 400, 403, 404 or 410). Raises SyncError for anything worth retrying later."""
        return self.http.request(method, path, accept=(200, 400, 403, 404, 410), **kwargs)

    def _save(self, state: _State) -> None:
        save_json_atomic(self.state_path, state.to_json())

    @property
    def notice(self) -> str:
        """The server's latest refusal of a people change, for the status strip ("" when none)."""
        return self._notice

    def _forbid(self, state: _State, person_id: str, response: requests.Response) -> None:
        message = _message(response)
        log.error("the server forbids this kiosk to change person %s: %s", person_id, message)
        state.forbidden[person_id] = message
        self._notice = _notice_of(state)

    # -- one run -------------------------------------------------------------------------------------

    def run_once(self) -> PeopleSyncReport:
        """Pull the server's changes, then push local changes and deletions; returns counts.

        Raises SyncError when the server cannot be reached or refuses the token (nothing is lost: the
        next run picks up where this one stopped), GalleryError when the gallery cannot be read or saved.
        """
        with self._lock:
            state = _load_state(self.state_path)
            try:
                pulled, removed = self._pull(state)
                pushed, deleted, skipped = self._push(state)
            finally:
                self._notice = _notice_of(state)
        self.backoff.succeeded()
        report = PeopleSyncReport(pushed, deleted, pulled, removed, skipped)
        if pushed or deleted or pulled or removed:
            log.info("people sync: %s", report)
        return report

    def _push(self, state: _State) -> tuple[int, int, int]:
        gallery = self.store.load()
        local = {p.person_id: p for p in gallery.people}
        deleted = pushed = skipped = 0
        retired = read_retention_removed(self.retention_removed_path)
        for person_id in sorted(set(state.known) - set(local)):
            if person_id in retired:  # this kiosk's own retention: local only, never an erasure elsewhere
                log.info("person %s left this kiosk by its template retention; not erasing them elsewhere", person_id)
                del state.known[person_id]
                self._save(state)
                continue
            response = self._request("DELETE", f"{PEOPLE_PATH}/{person_id}")
            if response.status_code == 403:
                self._forbid(state, person_id, response)
            del state.known[person_id]
            self._save(state)
            deleted += response.status_code != 403
        if retired:
            write_retention_removed(self.retention_removed_path, retired & set(state.known))
        for person_id, person in local.items():
            embeddings = gallery.embeddings_of(person_id)
            fp = fingerprint(person, embeddings)
            if state.known.get(person_id) == fp or state.refused.get(person_id) == fp:
                continue
            if person.consent is None:
                log.warning("person %s has no recorded consent; not sharing them with other kiosks", person_id)
                state.refused[person_id] = fp
                self._save(state)
                skipped += 1
                continue
            response = self._request("PUT", f"{PEOPLE_PATH}/{person_id}", json=_wire_person(person, embeddings))
            if response.status_code == 410:  # erased on the server: the tombstone wins here too
                log.warning("person %s was erased on the server; removing them here", person_id)
                self._remove_here(person_id)
                for table in (state.known, state.refused, state.forbidden, state.owners):
                    table.pop(person_id, None)
                skipped += 1
            elif response.status_code != 200:
                if response.status_code == 403:
                    self._forbid(state, person_id, response)
                    if person_id not in state.known and person_id not in state.owners:
                        state.enrol_refused = state.forbidden[person_id]  # a new person: the token may not enrol
                else:
                    log.error("the server refused person %s: %s", person_id, response.text[:300])
                state.refused[person_id] = fp
                skipped += 1
            else:
                if person_id not in state.known and person_id not in state.owners:
                    state.mine.append(person_id)  # created here: its enrolled_by names this kiosk
                    state.enrol_refused = ""
                state.known[person_id] = fp
                state.refused.pop(person_id, None)
                state.forbidden.pop(person_id, None)
                pushed += 1
            self._save(state)
        return pushed, deleted, skipped

    def _remove_here(self, person_id: str) -> None:
        with self.store.edit() as g:
            if any(p.person_id == person_id for p in g.people):
                g.remove(person_id)

    def _pull(self, state: _State) -> tuple[int, int]:
        pulled = removed = 0
        more = True
        while more:
            response = self._request("GET", f"{PEOPLE_PATH}/changes", params={"since": state.cursor})
            try:
                page = response.json()
                upserts, deletions = list(page["upserts"]), [str(d) for d in page["deletions"]]
                cursor, more = int(page["cursor"]), bool(page["more"])
            except (ValueError, KeyError, TypeError) as exc:
                raise SyncError("the server's people changes are not the expected JSON") from exc
            applied: dict[str, str] = {}
            gone: list[str] = []
            with self.store.edit() as g:
                current = {p.person_id: p for p in g.people}
                for item in upserts:
                    try:
                        existing = current.get(str(item.get("person_id")))
                        person, vectors = _person_from_wire(item, existing)
                    except (ValueError, KeyError, TypeError, GalleryError) as exc:
                        log.error("skipping an unusable person from the server (%s)", exc)
                        continue
                    fp = fingerprint(person, vectors)
                    pid = person.person_id
                    _note_owner(state, pid, item.get("enrolled_by"))
                    if existing is None and pid in state.known:
                        continue  # removed here and not pushed yet: the push erases them
                    if existing is not None:
                        local_fp = fingerprint(existing, g.embeddings_of(pid))
                        if local_fp == fp:
                            applied[pid] = fp
                            continue
                        if local_fp != state.known.get(pid) and pid not in state.forbidden:
                            continue  # changed here and not pushed yet: the push that follows wins
                    g.put(person, vectors)
                    state.forbidden.pop(pid, None)  # the server's version replaced a change it refused
                    applied[person.person_id] = fp
                    pulled += 1
                for person_id in deletions:
                    if person_id in current:
                        g.remove(person_id)
                        removed += 1
                    gone.append(person_id)
            state.known.update(applied)
            for person_id in gone:
                for table in (state.known, state.refused, state.forbidden, state.owners):
                    table.pop(person_id, None)
            state.cursor = cursor
            self._save(state)
        return pulled, removed

    # -- loop ----------------------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event) -> None:
        """Sync every ``interval`` seconds until ``stop`` is set, backing off after failures."""
        while not stop.is_set():
            try:
                self.run_once()
                delay = self.interval
            except SyncError as exc:
                self.backoff.failed()
                delay = self.backoff.next_delay(exc.retry_after)
                log.warning("people sync failed (%s); retrying in %.1f s", exc, delay)
            except KioskError:
                self.backoff.failed()
                delay = self.backoff.next_delay()
                log.exception("people sync failed; retrying in %.1f s", delay)
            except Exception:  # noqa: BLE001 - the loop must survive anything
                self.backoff.failed()
                delay = self.backoff.next_delay()
                log.exception("people sync failed unexpectedly; retrying in %.1f s", delay)
            if stop.wait(delay):
                return

