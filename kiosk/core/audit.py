"""The kiosk's admin audit log: an append-only JSON-lines file next to the gallery.

One line per admin action: when (UTC), who (the admin's label), what (enrol, delete, rename, settings,
purge, ...), which kiosk, about whom (a person id) and small details (counts, setting names). Never
embeddings, photos or PINs. Lines are written with one ``write`` under a lock and fsynced, in a file
readable by its owner only.

    from kiosk.core import audit
    audit.set_audit_path(config.paths().audit_log)    # once, at start (the audit_log setting)
    audit.audit("enrol", actor="admin", kiosk_id="lobby", subject=person.person_id, details={"photos": 5})
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.atomic import open_append
from kiosk.errors import AuditError

log = logging.getLogger(__name__)

EVENTS = ("enrol", "delete", "rename", "settings", "purge", "sync", "pin", "export")
_FORBIDDEN_KEYS = ("embedding", "vector", "template", "photo_data", "pin")

_lock = threading.Lock()
_path: Path | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: str  # ISO-8601, UTC
    event: str
    actor: str
    kiosk_id: str
    subject: str | None = None
    details: dict[str, Any] | None = None


def set_audit_path(path: str | os.PathLike[str] | None) -> None:
    """Where ``audit()`` writes from now on when no ``path`` is given (None: nowhere)."""
    global _path
    _path = Path(path) if path else None


def _check_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if details is None:
        return None
    for key, value in details.items():
        if any(word in key.lower() for word in _FORBIDDEN_KEYS) and not isinstance(value, (int, bool)):
            raise AuditError(f"audit details must not carry biometric data or secrets ({key!r})")
        if isinstance(value, np.ndarray | bytes | bytearray) or (
            isinstance(value, list | tuple) and len(value) > 32
        ):
            raise AuditError(f"audit detail {key!r} is too large: log counts, not data")
    try:
        return json.loads(json.dumps(details))
    except (TypeError, ValueError) as exc:
        raise AuditError(f"audit details must be plain JSON values: {exc}") from exc


def audit(
    event: str,
    *,
    actor: str,
    kiosk_id: str,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    path: str | os.PathLike[str] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry and make it durable; returns it.

    Raises AuditError for an unknown event, biometric data in ``details``, no configured path, or a
    failed write.
    """
    if event not in EVENTS:
        raise AuditError(f"unknown audit event {event!r}; use one of {', '.join(EVENTS)}")
    if not actor or not kiosk_id:
        raise AuditError("an audit entry needs an actor and a kiosk id")
    target = Path(path) if path else _path
    if target is None:
        raise AuditError("no audit log configured: pass a path or call set_audit_path()")
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    entry = AuditEntry(stamp, event, str(actor)[:80], str(kiosk_id)[:64], subject, _check_details(details))
    line = (json.dumps(asdict(entry), ensure_ascii=False) + "\n").encode("utf-8")
    with _lock:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open_append(target) as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {target}: {exc.strerror}") from exc
    return entry


def read_audit(path: str | os.PathLike[str]) -> list[AuditEntry]:
    """Every entry in ``path`` (a torn last line is skipped); [] when the file does not exist."""
    entries = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            entries.append(AuditEntry(**json.loads(line)))
        except (ValueError, TypeError):
            log.warning("skipping an unreadable audit line in %s", path)
    return entries
