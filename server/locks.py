"""The PostgreSQL advisory-lock keys, in one place so that no two locks ever share a key by accident.

SQLite needs none of them: its database lock serialises writers, and file locks next to the database
file stand in for the session locks (migrations, retention purge).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

MIGRATIONS = 7_340_021  # schema migrations: one process migrates, the others wait (transaction lock)
PEOPLE = 7_340_022  # people changes commit in cursor order; check-in batches share it (transaction lock)
PURGE = 7_340_023  # one retention purge at a time across workers and replicas (session lock, try-only)


def hold_for_transaction(conn: Connection, key: int) -> None:
    """Wait for the advisory lock ``key`` until the transaction ends (PostgreSQL; nothing on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def hold_shared_for_transaction(conn: Connection, key: int) -> None:
    """Share the advisory lock ``key`` until the transaction ends: shared holders run together, and an
    exclusive holder (hold_for_transaction) waits for them or they for it (PostgreSQL; nothing on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": key})


def try_session_lock(conn: Connection, key: int) -> bool:
    """Take the session advisory lock ``key`` if it is free (PostgreSQL only); True when taken."""
    return bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())


def release_session_lock(conn: Connection, key: int) -> None:
    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
