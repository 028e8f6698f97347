"""Bearer tokens and what each may do: kiosk tokens with scopes, admin tokens.

A kiosk token has the scope "checkin" (post events and heartbeats, pull people) and, optionally,
"enrol" (create people, and change or erase the people it enrolled itself; see server.people). An admin
token may do anything. Tokens are 256-bit random strings; only their sha256 is stored. A kiosk's identity
comes from its token, never from a request body. Every request looks its token up in the database (one
indexed query, no cache), so a revocation or a change of scopes holds at once on every worker and
replica (bench/token_lookup.py: about 0.1 ms on SQLite, 0.5 ms on PostgreSQL).

The functions that create, list, revoke and re-scope tokens serve the command line and the web console;
``require`` is the views' decorator.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flask import g, request
from sqlalchemy import Connection, select, update
from werkzeug.exceptions import Forbidden, Unauthorized

from server import audit, schema
from server.db import get_db

KIOSK_PREFIX = "fak_"
ADMIN_PREFIX = "faa_"
CHECKIN, ENROL = "checkin", "enrol"
KIOSK_SCOPES = (CHECKIN, ENROL)

@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a kiosk (with its scopes) or an admin."""

    role: str  # "kiosk" | "admin"
    name: str
    scopes: frozenset[str] = frozenset()

    @property
    def actor(self) -> str:
        """The audit log's actor: ``kiosk:<name>`` or ``admin:<name>``."""
        return f"{self.role}:{self.name}"

    @property
    def enrolled_by(self) -> str:
        """What people.enrolled_by records for a person this principal enrols."""
        return self.name if self.role == "kiosk" else f"admin:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may(self, scope: str) -> bool:
        return self.is_admin or scope in self.scopes


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """A kiosk or admin as ``list_principals`` shows it (never the token)."""

    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _table(role: str) -> Any:
    if role not in ("kiosk", "admin"):
        raise ValueError(f"unknown role {role!r}")
    return schema.kiosks if role == "kiosk" else schema.admins


def _scope_text(enrol: bool) -> str:
    return f"{CHECKIN} {ENROL}" if enrol else CHECKIN


def _parse_scopes(raw: str | None) -> frozenset[str]:
    return frozenset(s for s in (raw or CHECKIN).split() if s in KIOSK_SCOPES)


def create_principal(conn: Connection, role: str, name: str, *, enrol: bool = False, actor: str | None = None) -> str:
    """Create a kiosk (check-in only, or also ``enrol``) or an admin called ``name``; commits; returns its
    token (shown once, stored hashed). Audited when ``actor`` is given.

    Raises ValueError when the name is empty, too long, not printable, holds a ":" or is already used.
    """
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable() or ":" in name:
        raise ValueError("a name is 1 to 64 printable characters without ':'")
    table = _table(role)
    if conn.execute(select(table.c.id).where(table.c.name == name)).first():
        raise ValueError(f"{role} {name!r} already exists")
    token = new_token(KIOSK_PREFIX if role == "kiosk" else ADMIN_PREFIX)
    values: dict[str, Any] = {"name": name, "token_hash": hash_token(token), "created_at": _now()}
    details: dict[str, Any] = {"role": role}
    if role == "kiosk":
        values["scopes"] = details["scopes"] = _scope_text(enrol)
    conn.execute(table.insert().values(**values))
    if actor:
        audit.record(conn, actor, "token-add", name, details)
    conn.commit()
    return token


def revoke(conn: Connection, role: str, name: str, *, actor: str | None = None) -> bool:
    """Revoke the kiosk or admin called ``name``; commits; False when there is none active."""
    table = _table(role)
    result = conn.execute(
        update(table).where(table.c.name == name, table.c.revoked_at.is_(None)).values(revoked_at=_now())
    )
    if result.rowcount and actor:
        audit.record(conn, actor, "token-revoke", name, {"role": role})
    conn.commit()
    return result.rowcount > 0


def set_kiosk_scopes(conn: Connection, name: str, *, enrol: bool, actor: str) -> tuple[str, ...]:
    """Give the active kiosk ``name`` the enrol scope or take it away (its token stays); audited;
    commits; returns the new scopes. Raises LookupError when there is no such active kiosk."""
    k = schema.kiosks
    scopes = _scope_text(enrol)
    result = conn.execute(update(k).where(k.c.name == name, k.c.revoked_at.is_(None)).values(scopes=scopes))
    if not result.rowcount:
        conn.rollback()
        raise LookupError(f"no active kiosk called {name!r}")
    audit.record(conn, actor, "token-scopes", name, {"role": "kiosk", "scopes": scopes})
    conn.commit()
    return tuple(scopes.split())


def list_principals(conn: Connection, role: str) -> list[TokenHolder]:
    """Every kiosk or admin, by name, with scopes (admins: "admin") and revocation time."""
    table = _table(role)
    rows = conn.execute(select(table).order_by(table.c.name)).all()
    return [
        TokenHolder(
            row.name,
            tuple(sorted(_parse_scopes(row.scopes))) if role == "kiosk" else ("admin",),
            row.created_at,
            row.revoked_at,
        )
        for row in rows
    ]


def lookup(conn: Connection, token: str) -> Principal | None:
    """The active kiosk or admin holding ``token``; None when unknown or revoked."""
    digest = hash_token(token)
    principal = None
    if token.startswith(KIOSK_PREFIX):
        k = schema.kiosks
        row = conn.execute(
            select(k.c.name, k.c.scopes).where(k.c.token_hash == digest, k.c.revoked_at.is_(None))
        ).first()
        if row is not None:
            principal = Principal("kiosk", row.name, _parse_scopes(row.scopes))
    elif token.startswith(ADMIN_PREFIX):
        a = schema.admins
        name = conn.execute(select(a.c.name).where(a.c.token_hash == digest, a.c.revoked_at.is_(None))).scalar()
        if name is not None:
            principal = Principal("admin", name)
    return principal


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not hmac.compare_digest(scheme.lower(), "bearer") or not token or len(token) > 200:
        raise Unauthorized("send Authorization: Bearer <token>")
    conn = get_db()
    principal = lookup(conn, token)
    conn.commit()  # end the read transaction: the view's own work starts afresh
    if principal is None:
        raise Unauthorized("unknown or revoked token")
    g.principal = principal
    g.kiosk = principal.name if principal.role == "kiosk" else None
    g.admin = principal.name if principal.is_admin else None
    return principal


def require(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: the request must carry a token of one of ``roles`` ("kiosk", "admin")."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if _authenticate().role in roles:
                return view(*args, **kwargs)
            raise Forbidden(f"this needs a {' or '.join(roles)} token")

        return wrapped

    return decorator


def principal() -> Principal:
    """The current request's principal (after ``require``)."""
    return g.principal


def actor() -> str:
    """The audit actor of the current request: ``kiosk:<name>`` or ``admin:<name>``."""
    return principal().actor
