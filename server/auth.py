"""Bearer tokens: kiosk tokens (write events, people, heartbeats) and admin tokens (read).

Tokens are 256-bit random strings; only their sha256 is stored. A kiosk's identity comes from its token,
never from a request body. Lookups are cached per process for TOKEN_CACHE_SECONDS, so a revoked token
stops working within that time.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from flask import current_app, g, request
from sqlalchemy import Connection, select, update
from werkzeug.exceptions import Forbidden, Unauthorized

from server import schema
from server.db import get_db

KIOSK_PREFIX = "fak_"
ADMIN_PREFIX = "faa_"

_cache: dict[str, tuple[float, str | None, str | None]] = {}
_cache_lock = threading.Lock()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def create_principal(conn: Connection, role: str, name: str) -> str:
    """Create a kiosk or admin called ``name``; returns its token (shown once, stored hashed).

    Raises ValueError when the name is empty, too long or already used.
    """
    name = name.strip()
    if not name or len(name) > 64 or not name.isprintable():
        raise ValueError("a name is 1 to 64 printable characters")
    table = schema.kiosks if role == "kiosk" else schema.admins
    if conn.execute(select(table.c.id).where(table.c.name == name)).first():
        raise ValueError(f"{role} {name!r} already exists")
    token = new_token(KIOSK_PREFIX if role == "kiosk" else ADMIN_PREFIX)
    conn.execute(table.insert().values(name=name, token_hash=hash_token(token), created_at=_now()))
    conn.commit()
    return token


def revoke(conn: Connection, role: str, name: str) -> bool:
    """Revoke the kiosk or admin called ``name``; returns False when there is none active."""
    table = schema.kiosks if role == "kiosk" else schema.admins
    result = conn.execute(
        update(table).where(table.c.name == name, table.c.revoked_at.is_(None)).values(revoked_at=_now())
    )
    conn.commit()
    return result.rowcount > 0


def _lookup(token: str) -> tuple[str | None, str | None]:
    """(kiosk name, admin name) for ``token``; both None when unknown or revoked."""
    digest = hash_token(token)
    ttl = current_app.config["TOKEN_CACHE_SECONDS"]
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(digest)
    if hit and hit[0] > now:
        return hit[1], hit[2]
    kiosk = admin = None
    conn = get_db()
    if token.startswith(KIOSK_PREFIX):
        kiosk = conn.execute(
            select(schema.kiosks.c.name).where(
                schema.kiosks.c.token_hash == digest, schema.kiosks.c.revoked_at.is_(None)
            )
        ).scalar()
    elif token.startswith(ADMIN_PREFIX):
        admin = conn.execute(
            select(schema.admins.c.name).where(
                schema.admins.c.token_hash == digest, schema.admins.c.revoked_at.is_(None)
            )
        ).scalar()
    conn.commit()
    if ttl > 0:
        with _cache_lock:
            if len(_cache) > 10_000:
                _cache.clear()
            _cache[digest] = (now + ttl, kiosk, admin)
    return kiosk, admin


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if not hmac.compare_digest(scheme.lower(), "bearer") or not token or len(token) > 200:
        raise Unauthorized("send Authorization: Bearer <token>")
    kiosk, admin = _lookup(token)
    if kiosk is None and admin is None:
        raise Unauthorized("unknown or revoked token")
    g.kiosk, g.admin = kiosk, admin


def require(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view decorator: the request must carry a token of one of ``roles`` ("kiosk", "admin")."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            _authenticate()
            if ("kiosk" in roles and g.kiosk) or ("admin" in roles and g.admin):
                return view(*args, **kwargs)
            raise Forbidden(f"this needs a {' or '.join(roles)} token")

        return wrapped

    return decorator


def actor() -> str:
    """The audit actor of the current request: ``kiosk:<name>`` or ``admin:<name>``."""
    return f"kiosk:{g.kiosk}" if g.kiosk else f"admin:{g.admin}"


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
