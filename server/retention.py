"""Retention: check-ins older than RETENTION_CHECKIN_DAYS go; people not seen (no check-in, no
enrolment change) for RETENTION_TEMPLATE_DAYS lose their templates (a tombstone, so kiosks drop them too).

The purge runs by itself: every worker process has a daemon timer thread, and each run first takes a
lock (a PostgreSQL session advisory lock, or a file lock next to the SQLite file) and checks the
``maintenance`` row, so however many workers or replicas there are, one purge runs per interval. It also
runs on demand with ``python -m server purge``. It logs and audits counts, never names.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from filelock import FileLock, Timeout
from flask import Flask
from sqlalchemy import Connection, Engine, delete, func, select, update

from server import audit, locks, schema
from server.cache import get_cache
from server.db import upsert
from server.people import store_person

log = logging.getLogger(__name__)
_TASK = "retention-purge"


@dataclass(frozen=True, slots=True)
class PurgeResult:
    checkins: int = 0  # check-in rows deleted
    templates: int = 0  # embeddings deleted
    people: int = 0  # people whose templates expired


def _utc(now: datetime) -> datetime:
    return now.astimezone(timezone.utc).replace(tzinfo=None) if now.tzinfo else now


def note_last_seen(conn: Connection) -> int:
    """Copy each person's latest check-in into people.last_seen_at (so it outlives purged check-ins)."""
    a, p = schema.attendance, schema.people
    latest = conn.execute(select(a.c.person_id, func.max(a.c.ts_utc)).group_by(a.c.person_id)).all()
    changed = 0
    for person_id, seen in latest:
        result = conn.execute(
            update(p)
            .where(p.c.person_id == person_id, (p.c.last_seen_at.is_(None)) | (p.c.last_seen_at < seen))
            .values(last_seen_at=seen)
        )
        changed += result.rowcount
    return changed


def purge(conn: Connection, now: datetime, checkin_days: int, template_days: int, actor: str = "server") -> PurgeResult:
    """Delete what is past the retention periods at ``now`` (0 days: keep); commits; needs an app context
    (template expiry goes through the people tombstones)."""
    now = _utc(now)
    note_last_seen(conn)
    checkins = 0
    if checkin_days > 0:
        a = schema.attendance
        checkins = conn.execute(delete(a).where(a.c.ts_utc < now - timedelta(days=checkin_days))).rowcount
    conn.commit()
    templates = people = 0
    if template_days > 0:
        p, e = schema.people, schema.embeddings
        cutoff = now - timedelta(days=template_days)
        stale = conn.execute(
            select(p.c.person_id, func.count(e.c.id))
            .join(e, e.c.person_id == p.c.person_id)
            .where(p.c.deleted.is_(False), p.c.updated_at < cutoff)
            .where((p.c.last_seen_at.is_(None)) | (p.c.last_seen_at < cutoff))
            .group_by(p.c.person_id)
        ).all()
        for person_id, count in stale:
            store_person(conn, person_id, None, actor, action="expire")
            templates += count
            people += 1
    result = PurgeResult(checkins, templates, people)
    audit.record(
        conn, actor, "purge", None,
        {**asdict(result), "checkin_days": checkin_days, "template_days": template_days},
    )  # fmt: skip
    conn.commit()
    if checkins:
        get_cache().forget_all_presence()
    log.info(
        "retention purge: %d check-ins older than %d days, %d templates of %d people not seen for %d days",
        checkins, checkin_days, templates, people, template_days,
    )  # fmt: skip
    return result


@contextmanager
def _purge_lock(engine: Engine) -> Iterator[Connection | None]:
    """A connection holding the cluster-wide purge lock, or None when another process holds it."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            if not locks.try_session_lock(conn, locks.PURGE):
                yield None
                return
            try:
                yield conn
            finally:
                conn.rollback()
                locks.release_session_lock(conn, locks.PURGE)
                conn.commit()
            return
        database = engine.url.database
        if database in (None, "", ":memory:"):
            yield conn
            return
        try:
            with FileLock(database + ".purge.lock", timeout=0, mode=0o600):
                yield conn
        except Timeout:
            yield None


def run_if_due(app: Flask, now: datetime | None = None, force: bool = False) -> PurgeResult | None:
    """Purge when the interval has passed since the last purge anywhere (or ``force``); None if skipped."""
    now = _utc(now or datetime.now(timezone.utc))
    config = app.config
    interval = timedelta(seconds=int(config["PURGE_INTERVAL_SECONDS"]))
    m = schema.maintenance
    with app.app_context(), _purge_lock(app.extensions["db_engine"]) as conn:
        if conn is None:
            return None
        last = conn.execute(select(m.c.last_run).where(m.c.task == _TASK)).scalar()
        conn.commit()
        if not force and last is not None and last > now - interval:
            return None
        result = purge(conn, now, int(config["RETENTION_CHECKIN_DAYS"]), int(config["RETENTION_TEMPLATE_DAYS"]))
        upsert(conn, m, {"task": _TASK, "last_run": now}, key="task")
        conn.commit()
        return result


_started: dict[tuple[int, int], threading.Thread] = {}
_started_lock = threading.Lock()


def _loop(app: Flask, interval: float, stop: threading.Event) -> None:
    delay = min(60.0, interval) * random.uniform(0.5, 1.0)  # spread the workers' first look
    while not stop.wait(delay):
        try:
            run_if_due(app)
        except Exception:  # noqa: BLE001 - the timer must survive a database hiccup
            log.exception("retention purge failed; retrying at the next interval")
        delay = interval * random.uniform(0.9, 1.1)


def start_timer(app: Flask) -> threading.Thread | None:
    """Start this process's purge timer once (after a fork too); None when retention is off."""
    config = app.config
    interval = int(config["PURGE_INTERVAL_SECONDS"])
    if interval <= 0 or not (int(config["RETENTION_CHECKIN_DAYS"]) or int(config["RETENTION_TEMPLATE_DAYS"])):
        return None
    key = (os.getpid(), id(app))
    thread = _started.get(key)
    if thread is not None and thread.is_alive():
        return thread
    with _started_lock:
        thread = _started.get(key)
        if thread is None or not thread.is_alive():
            stop = app.extensions.setdefault("purge_stop", threading.Event())
            thread = threading.Thread(
                target=_loop, args=(app, float(interval), stop), name="retention-purge", daemon=True
            )
            thread.start()
            _started[key] = thread
    return thread


def init_app(app: Flask) -> None:
    app.before_request(lambda: start_timer(app) and None)
