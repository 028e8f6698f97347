"""The database extension: one engine per app, one connection per request on ``g``."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from server import files, migrations

log = logging.getLogger(__name__)


def make_engine(url: str, pool_size: int = 5, busy_timeout_ms: int = 10_000) -> Engine:
    """An engine for ``url``: SQLite gets WAL, a busy timeout and secure_delete, PostgreSQL a pre-ping pool."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000})
        database = parsed.database if parsed.database not in (None, "", ":memory:") else None
        if database and os.path.isdir(os.path.dirname(os.path.abspath(database))):
            files.create_owner_only(database)  # SQLite gives its -wal and -shm files the database's mode

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten, not left in free pages
            cur.close()
            if database:
                files.sqlite_files_owner_only(database)  # also for a database created before this rule

        return engine
    connect_args = {"connect_timeout": 3} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, connect_args=connect_args
    )


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the connection's dialect (SQLite or PostgreSQL)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(conn: Connection, table: Table, values: dict[str, Any], key: str) -> None:
    """Insert ``values`` or update the row with the same ``key``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_={k: stmt.excluded[k] for k in values if k != key})
    conn.execute(stmt)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"]


def get_db() -> Connection:
    """The request's connection, opened on first use and closed at teardown."""
    if "db" not in g:
        g.db = get_engine().connect()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - a dead connection must not break the response
            log.warning("closing the database connection failed", exc_info=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config["DB_POOL_SIZE"], app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.extensions["db_engine"] = engine
    app.teardown_appcontext(close_db)
    if app.config["AUTO_MIGRATE"]:
        applied = migrations.migrate(engine)
        if applied:
            log.info("database migrated: %s", applied)
