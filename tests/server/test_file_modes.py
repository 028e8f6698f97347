"""Issue 12.11: the server's database, its WAL and shared-memory files and the instance folder are
owner-only, set in code whatever the umask."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from tests.helpers import require_posix
from tests.server.conftest import bearer, make_app, make_event


@pytest.fixture(autouse=True)
def _posix():
    require_posix()


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def wide_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def use_it(app) -> None:
    from server import auth

    with app.extensions["db_engine"].connect() as conn:
        token = auth.create_principal(conn, "kiosk", "k")
    client = app.test_client()
    assert client.post("/api/v1/events", json={"events": [make_event()]}, headers=bearer(token)).status_code == 200


def test_a_new_database_its_wal_and_the_instance_folder_are_owner_only(tmp_path, monkeypatch, wide_umask):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'instance' / 'attendance.db'}")
    use_it(app)
    db = tmp_path / "instance" / "attendance.db"
    assert mode(tmp_path / "instance") == 0o700
    assert {p.name: mode(p) for p in db.parent.glob("attendance.db*")} == {
        "attendance.db": 0o600, "attendance.db-wal": 0o600, "attendance.db-shm": 0o600,
        "attendance.db.migrate.lock": 0o600,
    }  # fmt: skip
    app.extensions["db_engine"].dispose()


def test_a_database_created_world_readable_before_is_made_owner_only(tmp_path, monkeypatch, wide_umask):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    (tmp_path / "instance").mkdir(mode=0o755)
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:  # an older server left these at the umask's 0644
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        assert mode(db) == 0o644 and mode(f"{db}-wal") == 0o644
        app = make_app(tmp_path, f"sqlite:///{db}")
        use_it(app)
        assert mode(db) == 0o600 and mode(f"{db}-wal") == 0o600 and mode(f"{db}-shm") == 0o600
    assert mode(tmp_path / "instance") == 0o700
    app.extensions["db_engine"].dispose()
