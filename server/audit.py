"""The admin audit log: who did what to which person or token, and when. Never names or embeddings.

Rows are written in the same transaction as the change they describe (the caller commits), so the log
and the data cannot disagree. Read with ``GET /api/v1/audit`` (admin token).
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, select

from server import schema

ACTIONS = (
    "enrol", "re-enrol", "delete", "expire", "denied", "purge", "export", "person-export",
    "token-add", "token-revoke", "token-scopes", "read-attendance", "read-presence", "read-people",
    "user-add", "user-disable", "user-passwd", "login", "login-failed", "logout", "correct", "rename",
)  # fmt: skip


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record(
    conn: Connection,
    actor: str,
    action: str,
    subject: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add one audit row (not committed: the caller commits it with the change it describes)."""
    conn.execute(
        schema.audit.insert().values(
            at=at or _now(),
            actor=actor[:80],
            action=action[:32],
            subject=subject[:128] if subject else None,
            details=json.dumps(details, sort_keys=True) if details else None,
        )
    )


def record_read(conn: Connection, actor: str, action: str, subject: str | None, details: dict[str, Any]) -> None:
    """Audit an admin's read of personal data (who looked at what, and how much they got); commits."""
    record(conn, actor, action, subject, {k: v for k, v in details.items() if v not in (None, "")})
    conn.commit()


def cli_actor() -> str:
    """The actor of a command-line change: ``cli:<operating system user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def read(conn: Connection, since: int = 0, limit: int = 1000, subject: str | None = None) -> list[dict[str, Any]]:
    """Audit rows with id > ``since``, oldest first, at most ``limit``."""
    a = schema.audit
    query = select(a).where(a.c.id > since).order_by(a.c.id).limit(limit)
    if subject is not None:
        query = query.where(a.c.subject == subject)
    return [
        {
            "id": row.id,
            "at": row.at.replace(tzinfo=timezone.utc).isoformat(),
            "actor": row.actor,
            "action": row.action,
            "subject": row.subject,
            "details": json.loads(row.details) if row.details else None,
        }
        for row in conn.execute(query)
    ]
