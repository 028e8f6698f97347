"""Erasure and access requests, and the embeddings key in use.

``erase_checkins`` applies ERASURE_CHECKINS to a deleted person's check-in history: ``keep`` leaves it,
``pseudonymise`` (the default) replaces the name with "erased" and the person id with a salted hash (the
same person gets the same hash, so head counts still add up, but the id cannot be read back),
``delete`` removes the rows. ``export_person`` gathers everything the server holds about one person.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import timezone
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, delete, func, or_, select, update

from server import audit, schema
from server.crypto import EmbeddingSealer

log = logging.getLogger(__name__)

ERASED_NAME = "erased"


def get_sealer() -> EmbeddingSealer:
    return current_app.extensions["embedding_sealer"]


def pseudonym(person_id: str, secret: str) -> str:
    """``erased:`` + the first 32 hex digits of HMAC-SHA256(secret-derived salt, person_id)."""
    salt = hashlib.sha256(b"faceattend-erasure-salt:" + secret.encode("utf-8")).digest()
    return "erased:" + hmac.new(salt, person_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def erase_checkins(conn: Connection, person_id: str, policy: str, secret: str) -> int:
    """Apply ``policy`` to ``person_id``'s check-ins (not committed); returns the rows changed."""
    a, c = schema.attendance, schema.corrections
    if policy == "keep":
        return 0
    if policy == "delete":
        voided = select(a.c.event_id).where(a.c.person_id == person_id).scalar_subquery()
        conn.execute(delete(c).where(or_(c.c.person_id == person_id, c.c.event_id.in_(voided))))
        return conn.execute(delete(a).where(a.c.person_id == person_id)).rowcount
    if policy == "pseudonymise":
        values = {"person_id": pseudonym(person_id, secret), "name": ERASED_NAME}
        conn.execute(update(c).where(c.c.person_id == person_id).values(**values))  # reassignments to them
        return conn.execute(update(a).where(a.c.person_id == person_id).values(**values)).rowcount
    raise ValueError(f"unknown erasure policy {policy!r}")


def erased_among(conn: Connection, person_ids: set[str]) -> set[str]:
    """The ids among ``person_ids`` of people who were erased (tombstones of an erasure, not an expiry)."""
    if not person_ids:
        return set()
    p = schema.people
    query = select(p.c.person_id).where(p.c.erased.is_(True), p.c.person_id.in_(sorted(person_ids)))
    return set(conn.execute(query).scalars())


def erase_late_rows(rows: list[dict[str, Any]], erased: set[str], policy: str, secret: str) -> list[dict[str, Any]]:
    """Copies of check-in rows with ERASURE_CHECKINS applied to those of ``erased`` people, as
    ``erase_checkins`` applies it in the database (``delete``: left out)."""
    if not erased or policy == "keep":
        return rows
    if policy == "delete":
        return [r for r in rows if r["person_id"] not in erased]
    if policy == "pseudonymise":
        hidden = {pid: pseudonym(pid, secret) for pid in erased}
        return [{**r, "person_id": hidden[r["person_id"]], "name": ERASED_NAME} if r["person_id"] in hidden else r
                for r in rows]  # fmt: skip
    raise ValueError(f"unknown erasure policy {policy!r}")


def seal_legacy_rows(engine: Engine, sealer: EmbeddingSealer) -> int:
    """Encrypt embeddings stored before encryption existed; returns how many. Idempotent."""
    e = schema.embeddings
    sealed = 0
    with engine.begin() as conn:
        plain_size = 128 * 8  # a sealed vector is longer (magic, nonce, tag)
        rows = conn.execute(
            select(e.c.id, e.c.person_id, e.c.vector).where(func.length(e.c.vector) == plain_size)
        ).all()
        for row in rows:
            if not sealer.is_sealed(row.vector):
                conn.execute(
                    update(e).where(e.c.id == row.id).values(vector=sealer.seal(row.person_id, bytes(row.vector)))
                )
                sealed += 1
    if sealed:
        if engine.dialect.name == "sqlite":  # the old plain pages must not linger in the write-ahead log
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        log.info("encrypted %d embeddings stored before encryption at rest", sealed)
    return sealed


def export_person(conn: Connection, person_id: str) -> dict[str, Any]:
    """Everything the server holds about ``person_id``, for an access request (embeddings counted, not
    shown: a template means nothing to a person and is the one thing worth stealing)."""
    p, e, a = schema.people, schema.embeddings, schema.attendance
    row = conn.execute(select(p).where(p.c.person_id == person_id)).first()
    person = None
    if row is not None:
        person = {
            "person_id": row.person_id,
            "name": row.name,
            "employee_no": row.employee_no,
            "consent": json.loads(row.consent) if row.consent else None,
            "deleted": bool(row.deleted),
            "updated_at": row.updated_at.replace(tzinfo=timezone.utc).isoformat(),
            "updated_by": row.updated_by,
            "last_seen_at": row.last_seen_at.replace(tzinfo=timezone.utc).isoformat() if row.last_seen_at else None,
        }
    count = conn.execute(select(func.count()).select_from(e).where(e.c.person_id == person_id)).scalar_one()
    checkins = [
        dict(r._mapping)
        for r in conn.execute(
            select(a.c.event_id, a.c.kiosk, a.c.name, a.c.timestamp, a.c.distance, a.c.direction)
            .where(a.c.person_id == person_id)
            .order_by(a.c.ts_utc, a.c.id)
        )
    ]
    return {
        "person": person,
        "embedding_count": count,
        "checkins": checkins,
        "audit": audit.read(conn, 0, 100_000, subject=person_id),
    }


def init_app(app: Flask) -> None:
    from server.config import embeddings_key

    sealer = EmbeddingSealer(embeddings_key(app.config))
    app.extensions["embedding_sealer"] = sealer
    if app.config["AUTO_MIGRATE"]:
        seal_legacy_rows(app.extensions["db_engine"], sealer)
