"""What kiosks send: batches of check-ins and heartbeats, validated one by one and stored.

A batch is stored in one statement; an invalid event is rejected with its reason while its valid
siblings are stored, and an event already stored (same event_id) is a duplicate, never a second row.
Check-ins of an erased person that arrive after the erasure get the same treatment as the ones stored
before it (ERASURE_CHECKINS: pseudonymised, or not stored: status "erased"), checked in the insert's
transaction so that no erasure can slip in between.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from flask import current_app
from sqlalchemy import Connection

from server import corrections, locks, metrics, privacy, schema
from server.cache import get_cache
from server.db import insert_ignoring_conflicts, upsert
from server.validation import Event, Invalid, integer, number, parse_event, text


def _rejected(raw: Any, error: str) -> dict[str, Any]:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if not isinstance(event_id, str) or len(event_id) > 64:
        event_id = None
    return {"event_id": event_id, "status": "rejected", "error": error}


def _row(event: Event, kiosk: str, now: datetime) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "kiosk": kiosk,
        "person_id": event.person_id,
        "name": event.name,
        "timestamp": event.timestamp,
        "ts_utc": event.ts_utc,
        "local_date": event.local_date,
        "distance": event.distance,
        "direction": event.direction,
        "received_at": now,
        "method": event.method,
        "margin": event.margin,
    }


def _erase_late(conn: Connection, fresh: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], set[str]]:
    """Apply ERASURE_CHECKINS to the rows just stored of people erased before them; returns the rows as
    stored now and the event ids no longer stored (policy ``delete``).

    Checked after the insert, in its transaction: on SQLite under the write lock the insert took, on
    PostgreSQL under the shared people lock, so an erasure either is seen here or sees these rows.
    """
    erased = privacy.erased_among(conn, {r["person_id"] for r in fresh})
    if not erased:
        return fresh, set()
    policy, secret = current_app.config["ERASURE_CHECKINS"], current_app.config["SECRET_KEY"]
    for person_id in erased:
        privacy.erase_checkins(conn, person_id, policy, secret)
    kept = privacy.erase_late_rows(fresh, erased, policy, secret)
    return kept, {r["event_id"] for r in fresh} - {r["event_id"] for r in kept}


def store_events(conn: Connection, kiosk: str, raw_events: list[Any]) -> list[dict[str, Any]]:
    """Validate and store a batch from ``kiosk``; commits. One result per event, in order:
    ``{"event_id", "status": "created" | "duplicate" | "rejected" | "erased", ["error"]}``."""
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    valid: list[Event] = []
    seen: set[str] = set()
    for raw in raw_events:
        try:
            event = parse_event(raw)
        except Invalid as exc:
            results.append(_rejected(raw, str(exc)))
            continue
        if event.event_id in seen:
            results.append({"event_id": event.event_id, "status": "duplicate"})
            continue
        seen.add(event.event_id)
        valid.append(event)
        results.append({"event_id": event.event_id, "status": None})

    created: set[str] = set()
    fresh: list[dict[str, Any]] = []
    erased_now: set[str] = set()
    checkins = [e for e in valid if e.voids is None]
    voids = [e for e in valid if e.voids is not None]  # "Not you?" presses: corrections (contract C1)
    if valid:
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        locks.hold_shared_for_transaction(conn, locks.PEOPLE)
        rows = [_row(e, kiosk, now) for e in checkins]
        if rows:
            # One cached statement, executed for all rows at once (SQLAlchemy's "insertmanyvalues"); rows
            # that hit the unique event_id index are skipped by the database and return nothing.
            stmt = insert_ignoring_conflicts(conn, schema.attendance).returning(schema.attendance.c.event_id)
            created = set(conn.execute(stmt, rows).scalars())
            fresh = [r for r in rows if r["event_id"] in created]
            fresh, erased_now = _erase_late(conn, fresh)
        if voids:
            void_created, refused = corrections.record_kiosk_voids(conn, kiosk, voids)
            created |= void_created
            for result in results:
                if result["event_id"] in refused:
                    result.update(status="rejected", error="voids a check-in of another kiosk")
        conn.commit()

    counts = {"created": 0, "duplicate": 0, "rejected": 0, "erased": 0}
    for result in results:
        if result["status"] is None:
            if result["event_id"] in erased_now:
                result["status"] = "erased"
            else:
                result["status"] = "created" if result["event_id"] in created else "duplicate"
        counts[result["status"]] += 1
    confidences = [min(1.0, max(0.0, 1.0 - r["distance"])) for r in fresh]
    by_day: dict[str, list[str]] = {}
    for r in fresh:
        by_day.setdefault(r["local_date"].isoformat(), []).append(r["person_id"])
    cache = get_cache()
    for day, person_ids in by_day.items():
        cache.mark_present(day, person_ids)
    voided = sum(e.event_id in created for e in voids)
    if voided:
        cache.forget_all_presence()  # presence is of the corrected view: a void may take somebody out
    elapsed = time.perf_counter() - started
    metrics.record_ingest(kiosk, counts, confidences, elapsed, [r["method"] for r in fresh], voided)
    return results


def store_heartbeat(conn: Connection, kiosk: str, body: dict[str, Any]) -> None:
    """Validate and store ``kiosk``'s heartbeat (its last state); commits. Raises Invalid."""
    state = {
        "fps": number(body.get("fps"), "fps", 0, 1000),
        "recognition_latency_ms": number(body.get("recognition_latency_ms"), "recognition_latency_ms", 0, 3_600_000),
        "sync_backlog": integer(body.get("sync_backlog"), "sync_backlog", 0, 10**9),
        "version": text(body.get("version", body.get("software_version")), "version", 64),
        "recognized": integer(body.get("recognized", 0), "recognized", 0, 10**9),
        "unknown": integer(body.get("unknown", 0), "unknown", 0, 10**9),
    }
    now = time.time()
    upsert(conn, schema.heartbeats, {"kiosk": kiosk, "received_at": now, **state}, key="kiosk")
    conn.commit()
    metrics.record_recognitions(kiosk, state["recognized"], state["unknown"])
