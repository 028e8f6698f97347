"""Server fixtures: app/client/runner (flaskr style) on SQLite or PostgreSQL, tokens, a live gunicorn."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from server import auth, create_app
from tests.helpers import require
from tests.server.live import LiveServer, start_server

TEST_SECRET = "test-secret-key-0123456789abcdef"


def pg_available(url: str) -> bool:
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@contextmanager
def fresh_pg_schema(prefix: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new schema, dropped on exit (TEST_DATABASE_URL; required)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    require(base and pg_available(base), f"PostgreSQL at TEST_DATABASE_URL={base!r} is not reachable")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the session."""
    with fresh_pg_schema("t_server") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("TEST_REDIS_URL", "")
    ok = False
    if url:
        import redis

        try:
            ok = bool(redis.Redis.from_url(url, socket_timeout=1).ping())
        except Exception:
            ok = False
    require(ok, f"Redis at TEST_REDIS_URL={url!r} is not reachable")
    return url


DATA_TABLES = (
    "attendance", "heartbeats", "embeddings", "people", "person_changes", "kiosks", "admins", "audit", "maintenance",
    "users", "login_failures", "corrections",
)


def _truncate(app) -> None:
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(DATA_TABLES) + " RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


def make_app(tmp_path, database_url: str | None = None, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'attendance.db'}",
        "REDIS_URL": "",
        "EMBEDDINGS_KEY_FILE": str(tmp_path / "keys" / "embeddings.key"),
        **extra,
    }
    app = create_app(config)
    if app.extensions["db_engine"].dialect.name == "postgresql" and app.config["AUTO_MIGRATE"]:
        _truncate(app)
    return app


@pytest.fixture
def app(tmp_path, request):
    """The app on SQLite; on both SQLite and PostgreSQL when the test also asks for ``backend``."""
    url = None
    if "backend" in request.fixturenames and request.getfixturevalue("backend") == "postgresql":
        url = request.getfixturevalue("pg_url")
    app = make_app(tmp_path, url)
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def key_file(root):
    """An owner-only embeddings key under ``root`` (created once), as production needs one."""
    from server.crypto import create_key_file

    path = root / "keys" / "embeddings.key"
    if not path.exists():
        create_key_file(path)
    return path


@pytest.fixture
def runner(tmp_path, monkeypatch):
    """Runs ``python -m server`` commands in-process against a SQLite file under tmp_path."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("EMBEDDINGS_KEY_FILE", str(key_file(tmp_path)))
    monkeypatch.delenv("REDIS_URL", raising=False)
    from server.__main__ import cli

    class Runner:
        def invoke(self, *args: str):
            return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return Runner()


def _token(app, role: str, name: str, enrol: bool = False) -> str:
    with app.extensions["db_engine"].connect() as conn:
        return auth.create_principal(conn, role, name, enrol=enrol)


@pytest.fixture
def kiosk_token(app):
    """A kiosk that may also enrol people (kiosk-1)."""
    return _token(app, "kiosk", "kiosk-1", enrol=True)


@pytest.fixture
def other_kiosk_token(app):
    """A second kiosk that may enrol people (kiosk-2)."""
    return _token(app, "kiosk", "kiosk-2", enrol=True)


@pytest.fixture
def checkin_token(app):
    """A check-in-only kiosk (kiosk-3): events, heartbeats, pulling people."""
    return _token(app, "kiosk", "kiosk-3")


@pytest.fixture
def admin_token(app):
    return _token(app, "admin", "alice")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_event(**overrides):
    event = {
        "event_id": str(uuid.uuid4()),
        "person_id": "p-001",
        "name": "Ada Lovelace",
        "timestamp": (datetime.now(timezone(timedelta(hours=2))) - timedelta(minutes=5)).isoformat(),
        "distance": 0.42,
        "direction": "in",
    }
    event.update(overrides)
    return event


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> LiveServer:
    """A gunicorn server (2 workers) on loopback over a SQLite file, with a kiosk and an admin token."""
    root = tmp_path_factory.mktemp("live")
    server = start_server(root, {"DATABASE_URL": f"sqlite:///{root / 'live.db'}"})
    yield server
    server.stop()
