"""Corrections to check-ins, and the corrected view that reports and presence read.

A check-in row is never edited or deleted by a correction. A correction is a new row in ``corrections``
that points at the check-in's ``event_id``: ``confirm`` (the match was right), ``reassign`` (it was
somebody else: ``person_id``/``name``), ``void`` (nobody should have been checked in: a manager's "not
this person", or a kiosk's "Not you?" press, contract C1), or ``add`` (a missed check-in a manager typed
in; its check-in row has method "manual" and kiosk "console"). The latest correction of a check-in
decides; ``add`` rows only document where a manual check-in came from.

Every correction has a ``correction_id`` (a kiosk void's own event_id, or the nonce of the console form
that made it) under a unique index, so a resent batch or a double-submitted form records it once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Connection, Select, and_, exists, func, or_, select
from sqlalchemy.sql import ColumnElement

from server import audit, schema
from server.db import insert_ignoring_conflicts
from server.validation import canonical_time

KINDS = ("confirm", "reassign", "void", "add")
MANUAL_KIOSK = "console"
MAX_REASON = 200


class CorrectionError(ValueError):
    """A correction cannot be recorded; the message says why in words a manager understands."""


@dataclass(frozen=True, slots=True)
class Correction:
    """One correction to record."""

    correction_id: str
    event_id: str
    kind: str
    reason: str
    actor: str
    person_id: str | None = None
    name: str | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def latest_corrections() -> Any:
    """A subquery: the latest confirm/reassign/void of each corrected check-in (event_id, kind, person_id, name)."""
    c = schema.corrections
    later = schema.corrections.alias("later")
    return (
        select(c.c.event_id, c.c.kind, c.c.person_id.label("new_person_id"), c.c.name.label("new_name"))
        .where(
            c.c.kind != "add",
            ~exists().where(later.c.event_id == c.c.event_id, later.c.id > c.c.id, later.c.kind != "add"),
        )
        .subquery("latest")
    )


def corrected_select(*extra: Any) -> tuple[Select[Any], dict[str, ColumnElement[Any]]]:
    """SELECT over the corrected check-ins (voided ones left out, reassigned ones under the right person).

    Returns the statement (columns event_id, person_id, name, kiosk, ts_utc, local_date, timestamp,
    direction, distance, method, margin, correction plus ``extra``) and the effective columns by name,
    for the caller's WHERE and ORDER BY clauses.
    """
    a = schema.attendance
    latest = latest_corrections()
    cols: dict[str, ColumnElement[Any]] = {
        "person_id": func.coalesce(latest.c.new_person_id, a.c.person_id),
        "name": func.coalesce(latest.c.new_name, a.c.name),
        "correction": latest.c.kind,
    }
    stmt = (
        select(
            a.c.event_id,
            cols["person_id"].label("person_id"),
            cols["name"].label("name"),
            a.c.kiosk,
            a.c.ts_utc,
            a.c.local_date,
            a.c.timestamp,
            a.c.direction,
            a.c.distance,
            a.c.method,
            a.c.margin,
            latest.c.kind.label("correction"),
            *extra,
        )
        .select_from(a.outerjoin(latest, latest.c.event_id == a.c.event_id))
        .where(or_(latest.c.kind.is_(None), latest.c.kind != "void"))
    )
    return stmt, cols


def present_on(conn: Connection, day: date) -> set[str]:
    """The people with a check-in (not voided) on the kiosk-local ``day``, under their corrected ids."""
    stmt, cols = corrected_select()
    inner = stmt.where(schema.attendance.c.local_date == day).subquery()
    return set(conn.execute(select(inner.c.person_id).distinct()).scalars())


def record(conn: Connection, correction: Correction) -> bool:
    """Record ``correction`` and audit it (not committed). False when its correction_id was already recorded.

    Raises CorrectionError for an unknown kind, an empty or long reason, or a reassignment without a person.
    """
    if correction.kind not in KINDS:
        raise CorrectionError(f"a correction is one of {', '.join(KINDS)}")
    reason = correction.reason.strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise CorrectionError(f"give a reason of 1 to {MAX_REASON} characters")
    if correction.kind == "reassign" and not correction.person_id:
        raise CorrectionError("choose the person this check-in belongs to")
    stmt = insert_ignoring_conflicts(conn, schema.corrections).returning(schema.corrections.c.id)
    row = conn.execute(
        stmt,
        {
            "correction_id": correction.correction_id,
            "event_id": correction.event_id,
            "kind": correction.kind,
            "person_id": correction.person_id,
            "name": correction.name,
            "reason": reason,
            "actor": correction.actor[:80],
            "created_at": _now(),
        },
    ).first()
    if row is None:
        return False
    details: dict[str, Any] = {"kind": correction.kind, "event_id": correction.event_id}
    if correction.person_id:
        details["to"] = correction.person_id
    audit.record(conn, correction.actor, "correct", correction.event_id, details)
    return True


def add_checkin(
    conn: Connection, nonce: str, person_id: str, name: str, ts: datetime, direction: str, reason: str, actor: str
) -> bool:
    """A missed check-in typed in by a manager: a manual check-in row plus its ``add`` correction (not
    committed). ``ts`` is aware; ``nonce`` (a UUID from the form) makes a double submit record it once.
    False when it was already recorded."""
    try:
        event_id = str(uuid.UUID(nonce))
    except ValueError as exc:
        raise CorrectionError("the form is damaged: reload the page and try again") from exc
    a = schema.attendance
    when = canonical_time(ts)
    row = {
        "event_id": event_id,
        "kiosk": MANUAL_KIOSK,
        "person_id": person_id,
        "name": name,
        "timestamp": when.text,
        "ts_utc": when.utc,
        "local_date": when.local_date,
        "distance": 0.0,
        "direction": direction,
        "received_at": _now(),
        "method": "manual",
        "margin": None,
    }
    if conn.execute(select(a.c.id).where(a.c.event_id == event_id)).first():
        return False
    created = record(conn, Correction(event_id, event_id, "add", reason, actor, person_id, name))
    if created:
        conn.execute(a.insert().values(**row))
    return created


def kiosk_owns(conn: Connection, kiosk: str, event_ids: list[str]) -> set[str]:
    """Of ``event_ids``, those stored as another kiosk's check-ins (a kiosk may void only its own)."""
    if not event_ids:
        return set()
    a = schema.attendance
    rows = conn.execute(select(a.c.event_id).where(a.c.event_id.in_(event_ids), a.c.kiosk != kiosk))
    return set(rows.scalars())


def doubtful_select(max_distance_from: float, min_margin: float, start: date | None) -> Select[Any]:
    """Face check-ins not yet corrected whose match was close to the threshold or whose margin was small."""
    a = schema.attendance
    corrected = exists().where(schema.corrections.c.event_id == a.c.event_id)
    stmt = select(a).where(
        a.c.method == "face",
        ~corrected,
        or_(a.c.distance >= max_distance_from, and_(a.c.margin.is_not(None), a.c.margin < min_margin)),
    )
    if start is not None:
        stmt = stmt.where(a.c.local_date >= start)
    return stmt.order_by(a.c.ts_utc.desc())


def false_accepts_by_kiosk(conn: Connection) -> dict[str, int]:
    """Face check-ins whose latest correction voids or reassigns them, per kiosk: observed false accepts."""
    a = schema.attendance
    latest = latest_corrections()
    rows = conn.execute(
        select(a.c.kiosk, func.count())
        .select_from(a.join(latest, latest.c.event_id == a.c.event_id))
        .where(a.c.method == "face", latest.c.kind.in_(("void", "reassign")))
        .group_by(a.c.kiosk)
    )
    return {kiosk: int(n) for kiosk, n in rows}


def record_kiosk_voids(conn: Connection, kiosk: str, voids: list[Any]) -> tuple[set[str], set[str]]:
    """Store kiosk "Not you?" events (validation.Event with ``voids`` set) as void corrections (not
    committed). Returns (event ids stored now, event ids refused because they void another kiosk's
    check-in); the rest were already stored."""
    foreign = kiosk_owns(conn, kiosk, [e.voids for e in voids])
    created: set[str] = set()
    refused: set[str] = set()
    for e in voids:
        if e.voids in foreign:
            refused.add(e.event_id)
            continue
        reason = e.reason.strip() or "not_me"
        if record(conn, Correction(e.event_id, e.voids, "void", reason, f"kiosk:{kiosk}")):
            created.add(e.event_id)
    return created, refused


def latest_for(conn: Connection, event_id: str) -> tuple[str, str | None] | None:
    """(kind, person_id) of the check-in's latest confirm/reassign/void, or None when it has none."""
    c = schema.corrections
    row = conn.execute(
        select(c.c.kind, c.c.person_id).where(c.c.event_id == event_id, c.c.kind != "add").order_by(c.c.id.desc())
    ).first()
    return (row.kind, row.person_id) if row else None
