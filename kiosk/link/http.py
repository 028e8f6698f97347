"""One HTTP client for every request the kiosk makes to the server, and one backoff policy.

``ServerClient.request`` answers the response for statuses the caller handles itself and raises
``SyncError`` (kiosk.errors) for everything worth retrying later: no connection, a timeout, 408/425/429,
5xx, 401/403 (a token being rotated) and anything unexpected. ``Backoff`` spaces the retries: full-jitter
exponential from ``base`` up to ``cap`` seconds, and never shorter than the server's ``Retry-After``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from kiosk.errors import SyncError

RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})
AUTH_REFUSED = frozenset({401, 403})
RETRY_AFTER_FACTOR = 5  # a server's Retry-After is honoured up to 5 times the longest own backoff


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None when absent or bad."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


@dataclass
class Backoff:
    """Full-jitter exponential backoff over a run of failures; ``succeeded()`` ends the run."""

    base: float = 0.5
    cap: float = 60.0
    rng: Callable[[], float] = random.random
    failures: int = field(default=0)

    def failed(self) -> None:
        self.failures += 1

    def succeeded(self) -> None:
        self.failures = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """A random wait up to ``base * 2**(failures-1)`` (at most ``cap``), at least ``retry_after``."""
        ceiling = min(self.cap, self.base * (2 ** max(0, self.failures - 1)))
        delay = self.rng() * ceiling
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap * RETRY_AFTER_FACTOR))
        return delay


class ServerClient:
    """The kiosk's session with the server at ``server_url``, authenticated with ``token``."""

    def __init__(
        self,
        server_url: str,
        token: str,
        *,
        timeout: tuple[float, float] = (3.05, 15.0),
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.server_url = server_url.rstrip("/")
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}"})
        self._clock = clock

    def request(
        self, method: str, path: str, *, accept: Collection[int] = (200,), **kwargs: Any
    ) -> requests.Response:
        """The response when its status is in ``accept``. Raises SyncError for anything else.

        The SyncError carries ``status`` (None without an answer) and the server's ``Retry-After``.
        """
        try:
            if method == "POST":  # requests.Session.post, so that test doubles need only post()
                response = self._session.post(self.server_url + path, timeout=self.timeout, **kwargs)
            else:
                response = self._session.request(method, self.server_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise SyncError(f"cannot reach the server: {type(exc).__name__}") from exc
        status = response.status_code
        if status in accept:
            return response
        hint = parse_retry_after(response.headers.get("Retry-After"), self._clock())
        known = status in RETRYABLE or status in AUTH_REFUSED
        text = f"server answered {status}" if known else f"unexpected answer {status}"
        raise SyncError(f"{text} to {method} {path}", hint, status=status, body=response.text[:300])
