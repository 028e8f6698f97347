"""Schema creation and ordered migrations, applied by the server itself at start.

``schema_version`` holds one row per applied migration. Migrations run under a lock (a PostgreSQL
advisory lock, or a file lock next to the SQLite file) so that several workers or replicas starting at
once apply each migration exactly once. Add a migration by appending to MIGRATIONS; never edit one
that has shipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from filelock import FileLock
from sqlalchemy import Connection, Engine, func, inspect, select, text, update

from server import locks, schema
from server.validation import TIMESTAMP_WIDTH, canonical_time

log = logging.getLogger(__name__)


def _v1_core(conn: Connection) -> None:
    for table in (schema.kiosks, schema.admins, schema.attendance, schema.heartbeats):
        table.create(conn, checkfirst=True)


def _v2_people(conn: Connection) -> None:
    for table in (schema.people, schema.embeddings, schema.person_changes):
        table.create(conn, checkfirst=True)


def _v3_attendance_date_index(conn: Connection) -> None:
    schema.attendance_date_index.create(conn, checkfirst=True)


def _v4_privacy(conn: Connection) -> None:
    """Audit log, maintenance markers and people.last_seen_at (embeddings are sealed by server.crypto)."""
    if "last_seen_at" not in {c["name"] for c in inspect(conn).get_columns("people")}:
        conn.execute(text("ALTER TABLE people ADD COLUMN last_seen_at TIMESTAMP"))
    for table in (schema.audit, schema.maintenance):
        table.create(conn, checkfirst=True)


def _v5_console(conn: Connection) -> None:
    """Console accounts, login throttling, corrections, people.department; attendance.method/margin (C1)."""
    columns = {c["name"] for c in inspect(conn).get_columns("attendance")}
    if "method" not in columns:
        conn.execute(text("ALTER TABLE attendance ADD COLUMN method VARCHAR(8) NOT NULL DEFAULT 'face'"))
    if "margin" not in columns:
        conn.execute(text("ALTER TABLE attendance ADD COLUMN margin FLOAT"))
    if "department" not in {c["name"] for c in inspect(conn).get_columns("people")}:
        conn.execute(text("ALTER TABLE people ADD COLUMN department VARCHAR(100)"))
    for table in (schema.users, schema.login_failures, schema.corrections):
        table.create(conn, checkfirst=True)


def _v6_scopes_and_tombstones(conn: Connection) -> None:
    """kiosks.scopes, people.enrolled_by and people.erased (issue 12: least privilege, tombstones win).

    Kiosks that already enrolled someone keep the right to (scope "enrol"); the others become check-in
    only. A person's enrolled_by is their first enrolment in the audit log, else their last writer. A deleted
    person is an erasure unless the audit log says their last change was a template expiry.
    """
    if "scopes" not in {c["name"] for c in inspect(conn).get_columns("kiosks")}:
        conn.execute(text("ALTER TABLE kiosks ADD COLUMN scopes VARCHAR(64) NOT NULL DEFAULT 'checkin'"))
    columns = {c["name"] for c in inspect(conn).get_columns("people")}
    if "enrolled_by" not in columns:
        conn.execute(text("ALTER TABLE people ADD COLUMN enrolled_by VARCHAR(80)"))
    if "erased" not in columns:
        conn.execute(text("ALTER TABLE people ADD COLUMN erased BOOLEAN NOT NULL DEFAULT false"))
    p, k, a = schema.people, schema.kiosks, schema.audit
    for person_id, updated_by in conn.execute(select(p.c.person_id, p.c.updated_by)).all():
        first_enrol = conn.execute(
            select(a.c.actor).where(a.c.subject == person_id, a.c.action == "enrol").order_by(a.c.id).limit(1)
        ).scalar()
        writer = first_enrol or updated_by
        enrolled_by = writer.removeprefix("kiosk:")
        conn.execute(update(p).where(p.c.person_id == person_id).values(enrolled_by=enrolled_by))
        if writer.startswith("kiosk:"):
            conn.execute(update(k).where(k.c.name == enrolled_by).values(scopes="checkin enrol"))
    for (person_id,) in conn.execute(select(p.c.person_id).where(p.c.deleted.is_(True))).all():
        last = conn.execute(
            select(a.c.action)
            .where(a.c.subject == person_id, a.c.action.in_(("enrol", "delete", "expire")))
            .order_by(a.c.id.desc())
            .limit(1)
        ).scalar()
        if last != "expire":
            conn.execute(update(p).where(p.c.person_id == person_id).values(erased=True))


def _v7_canonical_timestamps(conn: Connection) -> None:
    """attendance.timestamp in canonical form (validation.canonical_time), at most 32 characters.

    Before, the text was the sent time re-rendered with its offset, offset seconds included, up to 42
    characters: on PostgreSQL such an event overflowed VARCHAR(40) and failed its whole batch. Only texts
    of another length than the two canonical ones (25 and 32) can differ; they are rewritten, with their
    local date, and PostgreSQL's column then holds at most 32 characters.
    """
    a = schema.attendance
    rows = conn.execute(select(a.c.id, a.c.timestamp).where(func.length(a.c.timestamp).not_in((25, 32)))).all()
    for row_id, raw in rows:
        when = canonical_time(datetime.fromisoformat(raw))
        conn.execute(
            update(a).where(a.c.id == row_id).values(timestamp=when.text, ts_utc=when.utc, local_date=when.local_date)
        )
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE attendance ALTER COLUMN timestamp TYPE VARCHAR({TIMESTAMP_WIDTH})"))


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _v1_core),
    (2, _v2_people),
    (3, _v3_attendance_date_index),
    (4, _v4_privacy),
    (5, _v5_console),
    (6, _v6_scopes_and_tombstones),
    (7, _v7_canonical_timestamps),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(select(text("coalesce(max(version), 0)")).select_from(schema.schema_version)).scalar_one()


def _apply(engine: Engine) -> list[int]:
    applied = []
    with engine.begin() as conn:
        locks.hold_for_transaction(conn, locks.MIGRATIONS)
        schema.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        for number, migration in MIGRATIONS:
            if number <= version:
                continue
            log.info("applying database migration %d (%s)", number, migration.__name__)
            migration(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=number, applied_at=datetime.now(timezone.utc).replace(tzinfo=None)
                )
            )
            applied.append(number)
    return applied


def migrate(engine: Engine) -> list[int]:
    """Bring the database to the latest schema; returns the migration numbers applied now."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with FileLock(engine.url.database + ".migrate.lock", timeout=60, mode=0o600):
            return _apply(engine)
    return _apply(engine)
