"""The optional Redis cache: today's presence. Every call fails soft.

When Redis is not configured, or a call fails, the cache answers "don't know" (None) and the caller uses
the database. After a failure the cache stays quiet for a few seconds so that a dead Redis costs each
request nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)
_QUIET_SECONDS = 5.0
_TTL_SECONDS = 2 * 24 * 3600


class Cache:
    """A fail-soft wrapper around a Redis client (or nothing, when ``url`` is empty)."""

    def __init__(self, url: str, timeout: float = 0.25, prefix: str = "faceattend:") -> None:
        self._client = None
        self._p = prefix
        self._down_until = 0.0
        if url:
            import redis

            self._client = redis.Redis.from_url(
                url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
            )

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        if self._client is None or time.monotonic() < self._down_until:
            return None
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - Redis is optional: any failure means "no cache"
            self._down_until = time.monotonic() + _QUIET_SECONDS
            log.warning("redis %s failed (%s); going without the cache for %.0f s", what, exc, _QUIET_SECONDS)
            return None

    def ping(self) -> str:
        """ "ok", "down" or "disabled"."""
        if self._client is None:
            return "disabled"
        try:
            self._client.ping()
        except Exception as exc:  # noqa: BLE001
            log.warning("redis ping failed: %s", exc)
            return "down"
        self._down_until = 0.0
        return "ok"

    def mark_present(self, day: str, person_ids: list[str]) -> None:
        if not person_ids:
            return

        def _do() -> None:
            pipe = self._client.pipeline(transaction=False)
            pipe.sadd(f"{self._p}presence:{day}", *person_ids)
            pipe.expire(f"{self._p}presence:{day}", _TTL_SECONDS)
            pipe.execute()

        self._call("presence update", _do)

    def present(self, day: str) -> set[str] | None:
        """The person ids seen on ``day``, or None when the cache cannot say for sure.

        The set is trusted only while its ``complete`` marker (set by :meth:`fill_presence` from the
        database, kept for a minute) exists, so a Redis restart or a missed update costs at most a minute
        of staleness.
        """

        def _do() -> set[str] | None:
            pipe = self._client.pipeline(transaction=False)
            pipe.exists(f"{self._p}presence:{day}:complete")
            pipe.smembers(f"{self._p}presence:{day}")
            complete, members = pipe.execute()
            return set(members) if complete else None

        return self._call("presence read", _do)

    def fill_presence(self, day: str, person_ids: set[str]) -> None:
        def _do() -> None:
            pipe = self._client.pipeline(transaction=True)
            pipe.delete(f"{self._p}presence:{day}")
            if person_ids:
                pipe.sadd(f"{self._p}presence:{day}", *person_ids)
            pipe.expire(f"{self._p}presence:{day}", _TTL_SECONDS)
            pipe.set(f"{self._p}presence:{day}:complete", "1", ex=60)
            pipe.execute()

        self._call("presence fill", _do)


    def forget_person(self, person_id: str) -> int | None:
        """Remove ``person_id`` from every cached presence set; the number of sets it was in, or None
        when Redis is not there (its entries then expire within two days)."""

        def _do() -> int:
            removed = 0
            for key in self._client.scan_iter(match=f"{self._p}presence:*", count=500):
                if key.endswith(":complete"):
                    continue
                removed += int(self._client.srem(key, person_id))
            return removed

        return self._call("presence erase", _do)

    def forget_all_presence(self) -> None:
        """Drop every cached presence set (after a purge changed the history under them)."""

        def _do() -> None:
            keys = list(self._client.scan_iter(match=f"{self._p}presence:*", count=500))
            if keys:
                self._client.delete(*keys)

        self._call("presence reset", _do)


def get_cache() -> Cache:
    return current_app.extensions["cache"]


def init_app(app: Flask) -> None:
    app.extensions["cache"] = Cache(
        app.config["REDIS_URL"], app.config["REDIS_TIMEOUT_SECONDS"], app.config["REDIS_PREFIX"]
    )
