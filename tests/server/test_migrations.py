"""Migrations carry an existing database forward without changing what its users could do."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect, select, text

from server import migrations, schema
from tests.server.conftest import fresh_pg_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_engine(request, tmp_path):
    """An engine on an empty database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    with fresh_pg_schema("t_migr") as url:
        engine = create_engine(url)
        yield engine
        engine.dispose()


def migrate_to(engine, version: int, monkeypatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(migrations, "MIGRATIONS", [x for x in migrations.MIGRATIONS if x[0] <= version])
        migrations.migrate(engine)


def test_scopes_and_tombstones_migration_keeps_enrolling_kiosks_enrolling(fresh_engine, monkeypatch):
    migrate_to(fresh_engine, 4, monkeypatch)
    with fresh_engine.begin() as conn:
        for name, token in (("door-1", "a" * 64), ("door-2", "b" * 64)):
            conn.execute(text("INSERT INTO kiosks (name, token_hash, created_at) VALUES (:n, :t, '2024-05-01')"),
                         {"n": name, "t": token})  # fmt: skip
        for pid, deleted, by in (("p-1", False, "kiosk:door-1"), ("p-2", True, "cli:root"), ("p-3", True, "server")):
            conn.execute(
                text("INSERT INTO people (person_id, name, deleted, seq, updated_at, updated_by) "
                     "VALUES (:p, '', :d, 1, '2024-05-01', :by)"),
                {"p": pid, "d": deleted, "by": by},
            )  # fmt: skip
        for actor, action, subject in (
            ("kiosk:door-1", "enrol", "p-1"), ("kiosk:door-1", "enrol", "p-2"), ("cli:root", "delete", "p-2"),
            ("kiosk:door-1", "enrol", "p-3"), ("server", "expire", "p-3"),
        ):  # fmt: skip
            conn.execute(text("INSERT INTO audit (at, actor, action, subject) VALUES ('2024-05-01', :a, :b, :s)"),
                         {"a": actor, "b": action, "s": subject})  # fmt: skip

    assert migrations.migrate(fresh_engine) == [n for n, _ in migrations.MIGRATIONS if n > 4]
    with fresh_engine.connect() as conn:
        k, p = schema.kiosks, schema.people
        scopes = dict(conn.execute(select(k.c.name, k.c.scopes)).all())
        people = {r.person_id: (r.enrolled_by, r.erased) for r in conn.execute(select(p))}
    assert scopes == {"door-1": "checkin enrol", "door-2": "checkin"}
    assert people == {"p-1": ("door-1", False), "p-2": ("door-1", True), "p-3": ("door-1", False)}


def test_timestamps_migration_makes_old_texts_canonical_and_fit(fresh_engine, monkeypatch):
    migrate_to(fresh_engine, 6, monkeypatch)
    old = {
        "e-1": "2024-05-01T08:00:00+02:00",  # canonical already
        "e-2": "2024-05-01T08:00:00.250000+02:00",  # canonical already
        "e-3": "2024-05-01T23:59:50+00:00:30",  # offset seconds: rounded, and the local date moves
        "e-4": "2024-05-01T08:00:00.100000+02:00:00.100000",  # 42 characters: could not be stored on PostgreSQL
    }
    with fresh_engine.begin() as conn:
        if fresh_engine.dialect.name == "postgresql":  # make room for what an old SQLite database could hold
            conn.execute(text("ALTER TABLE attendance ALTER COLUMN timestamp TYPE VARCHAR(64)"))
        for event_id, raw in old.items():
            ts = datetime.fromisoformat(raw)
            conn.execute(
                text("INSERT INTO attendance (event_id, kiosk, person_id, name, timestamp, ts_utc, local_date, "
                     "distance, direction, received_at) VALUES (:e, 'k', 'p', 'n', :t, :u, :d, 0.3, 'in', :u)"),
                {"e": event_id, "t": raw, "u": ts.astimezone(timezone.utc).replace(tzinfo=None), "d": ts.date()},
            )  # fmt: skip
    migrations.migrate(fresh_engine)
    with fresh_engine.connect() as conn:
        a = schema.attendance
        rows = {r.event_id: (r.timestamp, r.local_date) for r in conn.execute(select(a))}
        width = {c["name"]: c["type"] for c in inspect(conn).get_columns("attendance")}["timestamp"].length
    assert rows == {
        "e-1": ("2024-05-01T08:00:00+02:00", date(2024, 5, 1)),
        "e-2": ("2024-05-01T08:00:00.250000+02:00", date(2024, 5, 1)),
        "e-3": ("2024-05-02T00:00:20+00:01", date(2024, 5, 2)),
        "e-4": ("2024-05-01T08:00:00+02:00", date(2024, 5, 1)),
    }
    if fresh_engine.dialect.name == "postgresql":
        assert width == 32
