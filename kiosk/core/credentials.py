"""A way in without the face: each person's PIN and badge, and a per-person lockout. No Qt here.

Kept in ``credentials.json`` beside the gallery (the same folder, so deleting a person's data and backing
up the gallery cover it): per person id a scrypt PIN hash (``kiosk.core.pin.hash_pin``) and a keyed hash
of the badge number (SHA-256 with a random per-file salt, so a badge can be looked up without storing it).
After three wrong PINs for one person, that person's attempts wait 5 s, 10 s, 20 s, ... up to 5 minutes
(``kiosk.core.pin.lockout_delay``); the wait survives a restart. An unknown employee number gets the same
answer as a wrong PIN, so the keypad does not tell who is enrolled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from kiosk.core.atomic import OWNER_ONLY, replace_json
from kiosk.core.gallery import Person
from kiosk.core.pin import check_pin_rules, hash_pin, lockout_delay, verify_pin

log = logging.getLogger(__name__)

CREDENTIALS_FILE = "credentials.json"
MIN_BADGE_DIGITS = 4
MAX_BADGE_DIGITS = 32


class Outcome(str, Enum):
    OK = "ok"
    WRONG = "wrong"  # wrong PIN, unknown employee number or unknown badge
    LOCKED = "locked"  # this person must wait before the next attempt
    NO_PIN = "no_pin"  # the person exists but has no PIN set


@dataclass(frozen=True, slots=True)
class CredentialResult:
    """The answer to one attempt: the outcome, whose it is (only when OK) and the wait before the next."""

    outcome: Outcome
    person_id: str | None = None
    wait_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


def check_badge_rules(badge: str) -> str:
    """Return the badge number stripped; raise ValueError unless it is 4-32 digits."""
    badge = (badge or "").strip()
    if not badge.isascii() or not badge.isdigit():
        raise ValueError("A badge number has digits only.")
    if not MIN_BADGE_DIGITS <= len(badge) <= MAX_BADGE_DIGITS:
        raise ValueError(f"A badge number has {MIN_BADGE_DIGITS} to {MAX_BADGE_DIGITS} digits.")
    return badge


class CredentialStore:
    """PINs, badges and lockouts of the people of one gallery folder. Thread-safe; every change is atomic.

    ``clock`` is wall-clock seconds (the lockout must survive a restart); inject one in tests.
    """

    def __init__(self, folder: str | os.PathLike[str], *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(folder) / CREDENTIALS_FILE
        self._clock = clock
        self._lock = threading.Lock()
        self._data = self._load()

    # -- file ----------------------------------------------------------------------------------------
    def _load(self) -> dict:
        empty = {"salt": secrets.token_hex(16), "people": {}}
        if not self.path.exists():
            return empty
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data.get("people"), dict) or not isinstance(data.get("salt"), str):
                raise ValueError("missing people or salt")
            return data
        except (OSError, ValueError, AttributeError) as exc:
            log.error("the credentials file %s is unreadable (%s): PINs and badges do not work", self.path, exc)
            return empty

    def _save(self) -> None:
        replace_json(self.path, self._data, mode=OWNER_ONLY)  # PIN and badge hashes: owner-only from the first byte

    def _entry(self, person_id: str) -> dict:
        return self._data["people"].setdefault(person_id, {})

    def _badge_hash(self, badge: str) -> str:
        return hmac.new(bytes.fromhex(self._data["salt"]), badge.encode("ascii"), hashlib.sha256).hexdigest()

    # -- enrolment -----------------------------------------------------------------------------------
    def set_pin(self, person_id: str, pin: str) -> None:
        """Store the person's PIN hashed. Raises ValueError when the PIN breaks the rules (4-12 digits)."""
        check_pin_rules(pin)
        stored = hash_pin(pin)
        with self._lock:
            entry = self._entry(person_id)
            entry.update(pin=stored, failures=0, locked_until=0.0)
            self._save()

    def set_badge(self, person_id: str, badge: str) -> None:
        """Give the person this badge. Raises ValueError if it is malformed or already someone else's."""
        digest = self._badge_hash(check_badge_rules(badge))
        with self._lock:
            owner = self._badge_owner(digest)
            if owner is not None and owner != person_id:
                raise ValueError("This badge already belongs to another person.")
            self._entry(person_id)["badge"] = digest
            self._save()

    def has_pin(self, person_id: str) -> bool:
        with self._lock:
            return bool(self._data["people"].get(person_id, {}).get("pin"))

    def has_badge(self, person_id: str) -> bool:
        with self._lock:
            return bool(self._data["people"].get(person_id, {}).get("badge"))

    def forget(self, person_id: str) -> None:
        """Delete everything stored about the person (deleting a person deletes everything)."""
        with self._lock:
            if self._data["people"].pop(person_id, None) is not None:
                self._save()

    def prune(self, keep: set[str]) -> list[str]:
        """Forget every person not in ``keep`` (deleted meanwhile); returns their ids."""
        with self._lock:
            gone = [pid for pid in self._data["people"] if pid not in keep]
            for pid in gone:
                del self._data["people"][pid]
            if gone:
                self._save()
            return gone

    # -- at the kiosk --------------------------------------------------------------------------------
    def remaining(self, person_id: str | None) -> float:
        """Seconds before this person's next PIN attempt is looked at (0 when not locked)."""
        if person_id is None:
            return 0.0
        with self._lock:
            until = float(self._data["people"].get(person_id, {}).get("locked_until", 0.0))
        return max(0.0, until - self._clock())

    def check_pin(self, person_id: str | None, pin: str) -> CredentialResult:
        """Check one PIN for ``person_id`` (None: no such employee number, answered like a wrong PIN)."""
        wait = self.remaining(person_id)
        if wait > 0:
            return CredentialResult(Outcome.LOCKED, wait_s=wait)
        with self._lock:
            entry = self._data["people"].get(person_id or "", {})
            stored = entry.get("pin", "")
        if person_id is not None and not stored:
            return CredentialResult(Outcome.NO_PIN)
        if person_id is not None and verify_pin(pin, stored):
            with self._lock:
                entry = self._entry(person_id)
                if entry.get("failures"):
                    entry.update(failures=0, locked_until=0.0)
                    self._save()
            return CredentialResult(Outcome.OK, person_id)
        if person_id is None:
            verify_pin(pin, _DUMMY_HASH)  # the same time as a real check: the answer's speed tells nothing
            return CredentialResult(Outcome.WRONG)
        with self._lock:
            entry = self._entry(person_id)
            failures = int(entry.get("failures", 0)) + 1
            delay = lockout_delay(failures)
            entry.update(failures=failures, locked_until=self._clock() + delay if delay else 0.0)
            self._save()
        log.warning("wrong personal PIN for %s (%d in a row)", person_id, failures)
        return CredentialResult(Outcome.LOCKED if delay else Outcome.WRONG, wait_s=delay)

    def find_badge(self, badge: str) -> str | None:
        """The person id holding this badge, or None (also for a malformed number)."""
        try:
            digest = self._badge_hash(check_badge_rules(badge))
        except ValueError:
            return None
        with self._lock:
            return self._badge_owner(digest)

    def _badge_owner(self, digest: str) -> str | None:
        for pid, entry in self._data["people"].items():
            if hmac.compare_digest(entry.get("badge", ""), digest):
                return pid
        return None


_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 43 + "="


class FallbackCheck:
    """The checks behind "Can't be recognised?": employee number + PIN, or a badge, against the gallery.

    ``people`` returns the enrolled people (read when asked, so a person enrolled a minute ago counts).
    """

    def __init__(self, store: CredentialStore, people: Callable[[], Iterable[Person]]) -> None:
        self.store = store
        self._people = people

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self._people() if p.person_id == person_id), None)

    def _by_employee_no(self, employee_no: str) -> Person | None:
        """The person whose employee number has these digits ("E-0042" is 42 on the keypad), or None."""
        wanted = _digits(employee_no)
        if not wanted:
            return None
        return next((p for p in self._people() if p.employee_no and _digits(p.employee_no) == wanted), None)

    def remaining(self, employee_no: str) -> float:
        """Seconds this employee number must wait before its next PIN is looked at."""
        person = self._by_employee_no(employee_no)
        return self.store.remaining(person.person_id if person else None)

    def check_pin(self, employee_no: str, pin: str) -> CredentialResult:
        person = self._by_employee_no(employee_no)
        return self.store.check_pin(person.person_id if person else None, pin)

    def check_badge(self, badge: str) -> CredentialResult:
        person_id = self.store.find_badge(badge)
        if person_id is None or self.person(person_id) is None:
            return CredentialResult(Outcome.WRONG)
        return CredentialResult(Outcome.OK, person_id)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isascii() and c.isdigit()).lstrip("0")
