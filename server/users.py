"""Console accounts: people who log in to the web console with a name, a password and a role.

Passwords are hashed with scrypt (werkzeug's ``generate_password_hash``: memory-hard, 32 MiB per hash).
Roles are ordered: a viewer reads Today and Reports, a manager also reviews check-ins, an admin may do
everything. ``session_gen`` is part of the login session's id, so changing a password or disabling an
account ends its sessions everywhere. Failed logins are counted per account name and per client address;
each failure doubles the wait before the next try (``login_wait``), up to LOGIN_DELAY_MAX seconds.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from server import schema
from server.db import upsert

ROLES = ("viewer", "manager", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 200
LOGIN_DELAY_FREE = {"user": 2, "ip": 10}  # failures before any wait, per account name and per address
LOGIN_DELAY_MAX = 300.0
_DUMMY_HASH = generate_password_hash("not a password: equalises the time of a login with an unknown name")


class UserError(ValueError):
    """A user command or form value is not acceptable; the message says why."""


@dataclass(frozen=True, slots=True)
class User:
    """A console account as the session sees it (never the password hash)."""

    id: int
    name: str
    role: str
    session_gen: int
    disabled: bool

    def may(self, role: str) -> bool:
        """True when this account's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _user(row: object) -> User:
    return User(row.id, row.name, row.role, row.session_gen, row.disabled_at is not None)  # type: ignore[attr-defined]


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable() or " " in name:
        raise UserError("a user name is 1 to 64 printable characters without spaces")
    return name


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or "\x00" in password:
        raise UserError(f"a password is {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def generate_password() -> str:
    """A random password of about 120 bits that survives copying from a terminal."""
    return secrets.token_urlsafe(15)


def add_user(conn: Connection, name: str, role: str, password: str) -> User:
    """Create an account (not committed). Raises UserError for a bad name, role, password or a taken name."""
    name = check_name(name)
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    u = schema.users
    if conn.execute(select(u.c.id).where(u.c.name == name)).first():
        raise UserError(f"user {name!r} already exists")
    result = conn.execute(
        u.insert().values(
            name=name,
            password_hash=generate_password_hash(check_password(password)),
            role=role,
            created_at=_now(),
            session_gen=0,
        )
    )
    return User(int(result.inserted_primary_key[0]), name, role, 0, False)


def get_by_name(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(schema.users).where(schema.users.c.name == name)).first()
    return _user(row) if row else None


def get_by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(schema.users).where(schema.users.c.id == user_id)).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[tuple[User, datetime]]:
    """Every account with its creation time, by name."""
    rows = conn.execute(select(schema.users).order_by(schema.users.c.name)).all()
    return [(_user(r), r.created_at) for r in rows]


def set_password(conn: Connection, name: str, password: str) -> None:
    """Replace the password and end the account's sessions (not committed). Raises UserError."""
    u = schema.users
    result = conn.execute(
        update(u)
        .where(u.c.name == name)
        .values(password_hash=generate_password_hash(check_password(password)), session_gen=u.c.session_gen + 1)
    )
    if result.rowcount == 0:
        raise UserError(f"no user called {name!r}")
    conn.execute(delete(schema.login_failures).where(schema.login_failures.c.key == f"user:{name}"))


def disable(conn: Connection, name: str) -> None:
    """Disable the account and end its sessions (not committed). Raises UserError when there is none active."""
    u = schema.users
    result = conn.execute(
        update(u)
        .where(u.c.name == name, u.c.disabled_at.is_(None))
        .values(disabled_at=_now(), session_gen=u.c.session_gen + 1)
    )
    if result.rowcount == 0:
        raise UserError(f"no active user called {name!r}")


def authenticate(conn: Connection, name: str, password: str) -> User | None:
    """The active account when ``password`` is right, else None (the same work either way)."""
    row = conn.execute(select(schema.users).where(schema.users.c.name == name)).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(row.password_hash, password) or row.disabled_at is not None:
        return None
    return _user(row)


def _delay(key: str, failures: int) -> float:
    free = LOGIN_DELAY_FREE.get(key.partition(":")[0], 2)
    if failures < free:
        return 0.0
    return min(LOGIN_DELAY_MAX, 2.0 ** (failures - free))


def login_wait(conn: Connection, keys: list[str], now: float | None = None) -> float:
    """Seconds to wait before the next login try for any of ``keys`` ("user:<name>", "ip:<address>")."""
    now = time.time() if now is None else now
    f = schema.login_failures
    wait = 0.0
    for row in conn.execute(select(f).where(f.c.key.in_(keys))):
        wait = max(wait, row.last_failed_at + _delay(row.key, row.failures) - now)
    return max(0.0, wait)


def note_failure(conn: Connection, keys: list[str], now: float | None = None) -> None:
    """Count one failed login against each of ``keys`` (not committed)."""
    now = time.time() if now is None else now
    f = schema.login_failures
    counts = dict(conn.execute(select(f.c.key, f.c.failures).where(f.c.key.in_(keys))).all())
    for key in keys:
        upsert(conn, f, {"key": key[:160], "failures": counts.get(key, 0) + 1, "last_failed_at": now}, key="key")


def clear_failures(conn: Connection, keys: list[str]) -> None:
    conn.execute(delete(schema.login_failures).where(schema.login_failures.c.key.in_(keys)))
