"""The sync client: sends the attendance CSV's un-synced rows to the server, in batches.

The CSV stays the source of truth. Progress is the byte offset just past the last row the server has
answered for, with the number of rows before it, kept in a small JSON file replaced atomically (write a
temporary file, fsync, rename). The offset advances only after the server answered for a whole batch, so
a crash at any moment re-sends at most one batch, which the server de-duplicates by ``event_id``.
Events the server rejects as invalid are not retried: they are logged and appended to a rejected-events
file (JSON lines). Failures back off exponentially with full jitter and honour ``Retry-After``.

Run it alone: ``python -m kiosk.core.sync --attendance FILE --server URL --token-file FILE --state FILE``.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

from kiosk.core.atomic import replace_json
from kiosk.core.attendance import read_rows
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/events"
HEARTBEAT_PATH = "/api/v1/heartbeat"
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


class SyncError(KioskError):
    """The server could not take a batch now; ``retry_after`` is its hint in seconds, if it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the status strip and the heartbeat show about syncing."""

    online: bool = False
    backlog: int = 0
    last_error: str = ""
    last_sync: datetime | None = None  # when the server last answered for a batch


@dataclass(frozen=True, slots=True)
class Progress:
    offset: int = 0  # byte offset just past the last row the server answered for (0: start of file)
    count: int = 0  # rows before that offset
    rejected: int = 0


def load_progress(path: Path) -> Progress:
    """The saved progress, or the start when there is none (a corrupt file is logged and ignored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Progress(int(data["offset"]), int(data["count"]), int(data.get("rejected", 0)))
    except FileNotFoundError:
        return Progress()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("sync state %s is unreadable (%s); starting from the beginning of the log", path, exc)
        return Progress()


def save_progress(path: Path, progress: Progress) -> None:
    """Replace the state file atomically (kiosk.core.atomic)."""
    replace_json(path, {"offset": progress.offset, "count": progress.count, "rejected": progress.rejected})


def _retry_after(value: str | None, now: float) -> float | None:
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


def _payload(row: dict[str, str]) -> dict[str, Any]:
    """The wire form of a CSV row. Raises ValueError for a row that cannot be one."""
    distance = float(row["distance"])
    if not row["event_id"]:
        raise ValueError("the row has no event_id")
    return {
        "event_id": row["event_id"],
        "person_id": row["person_id"],
        "name": row["name"],
        "timestamp": row["timestamp"],
        "distance": distance,
        "direction": row["direction"],
    }


class SyncClient:
    """Sends the attendance log at ``attendance_path`` to ``server_url`` with a kiosk ``token``."""

    def __init__(
        self,
        attendance_path: str | os.PathLike[str],
        server_url: str,
        token: str,
        state_path: str | os.PathLike[str],
        *,
        batch_size: int = 100,
        rejected_path: str | os.PathLike[str] | None = None,
        timeout: tuple[float, float] = (3.05, 15.0),
        base_delay: float = 0.5,
        max_delay: float = 60.0,
        idle_interval: float = 2.0,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.attendance_path = Path(attendance_path)
        self.server_url = server_url.rstrip("/")
        self.state_path = Path(state_path)
        self.rejected_path = Path(rejected_path) if rejected_path else self.state_path.with_suffix(".rejected")
        self.batch_size = self._max_batch = max(1, batch_size)
        self.timeout = timeout
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.idle_interval = idle_interval
        self._session = session or requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}"})
        self._clock = clock
        self._sleep = sleep
        self._rng = rng
        self._lock = threading.Lock()
        self._failures = 0
        self._progress = load_progress(self.state_path)
        self._scanned = (0, 0)  # (offset, rows) counted so far, for the backlog
        self._state = SyncState()
        self._refresh_backlog()

    # -- state ---------------------------------------------------------------------------------------

    @property
    def state(self) -> SyncState:
        with self._lock:
            return self._state

    @property
    def progress(self) -> Progress:
        return self._progress

    def _set_state(self, **changes: Any) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)

    def _total_rows(self) -> int:
        offset, rows = self._scanned
        if not self.attendance_path.exists():
            return rows
        for _row, end in read_rows(self.attendance_path, offset):
            offset, rows = end, rows + 1
        self._scanned = (offset, rows)
        return rows

    def _refresh_backlog(self) -> None:
        self._set_state(backlog=max(0, self._total_rows() - self._progress.count))

    # -- one batch -----------------------------------------------------------------------------------

    def _next_batch(self) -> list[tuple[dict[str, str], int]]:
        if not self.attendance_path.exists():
            return []
        size = self.attendance_path.stat().st_size
        if self._progress.offset > size:
            log.error(
                "the attendance log %s is shorter than the synced offset %d; re-sending it from the start "
                "(the server ignores events it already has)",
                self.attendance_path,
                self._progress.offset,
            )
            self._progress = Progress()
            self._scanned = (0, 0)
        batch = []
        for item in read_rows(self.attendance_path, self._progress.offset):
            batch.append(item)
            if len(batch) >= self.batch_size:
                break
        return batch

    def _record_rejected(self, event: dict[str, Any], error: str) -> None:
        log.error("the server rejected event %s: %s", event.get("event_id"), error)
        entry = {"rejected_at": datetime.now(timezone.utc).isoformat(), "error": error, "event": event}
        with open(self.rejected_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _post(self, path: str, body: dict[str, Any]) -> requests.Response:
        try:
            return self._session.post(self.server_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SyncError(f"cannot reach the server: {type(exc).__name__}") from exc

    def _send(self, events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The server's result per event_id. Raises SyncError (retry later) or ValueError (bad batch)."""
        response = self._post(EVENTS_PATH, {"events": events})
        status = response.status_code
        if status in RETRYABLE or status in (401, 403):
            hint = _retry_after(response.headers.get("Retry-After"), self._clock())
            raise SyncError(f"server answered {status}", hint)
        if status in (400, 413):
            raise ValueError(f"server answered {status}: {response.text[:200]}")
        if status != 200:
            raise SyncError(f"unexpected answer {status}")
        try:
            results = response.json()["results"]
            by_id = {r["event_id"]: r for r in results if isinstance(r, dict)}
        except (ValueError, KeyError, TypeError) as exc:
            raise SyncError("the server's answer is not the expected JSON") from exc
        if len(results) != len(events):
            raise SyncError("the server answered for a different number of events")
        return by_id

    def run_once(self) -> int:
        """Send at most one batch; returns how many rows the server answered for (0: nothing to send).

        Raises SyncError when the server cannot take the batch now (the offset stays where it was).
        """
        batch = self._next_batch()
        if not batch:
            self._refresh_backlog()
            return 0
        events: list[dict[str, Any]] = []
        for row, _end in batch:
            try:
                events.append(_payload(row))
            except (ValueError, KeyError) as exc:
                self._record_rejected(dict(row), f"unreadable row in the attendance log: {exc}")
        rejected = len(batch) - len(events)
        try:
            answers = self._send(events) if events else {}
        except SyncError as exc:
            self._failures += 1
            self._refresh_backlog()  # the status strip counts what is waiting while offline
            self._set_state(online=False, last_error=str(exc))
            raise
        except ValueError as exc:
            if len(batch) > 1:  # find the poison event: retry with smaller batches
                self.batch_size = max(1, len(batch) // 2)
                log.warning("%s; retrying with batches of %d", exc, self.batch_size)
                return self.run_once()
            answers = {}
            for event in events:
                self._record_rejected(event, str(exc))
                rejected += 1
        else:
            for event in events:
                result = answers.get(event["event_id"], {})
                if result.get("status") == "rejected":
                    self._record_rejected(event, str(result.get("error", "rejected")))
                    rejected += 1
        self._progress = Progress(
            offset=batch[-1][1], count=self._progress.count + len(batch), rejected=self._progress.rejected + rejected
        )
        save_progress(self.state_path, self._progress)
        self._failures = 0
        self.batch_size = min(self._max_batch, self.batch_size * 2)
        self._refresh_backlog()
        self._set_state(online=True, last_error="", last_sync=datetime.fromtimestamp(self._clock(), timezone.utc))
        return len(batch)

    # -- loop ----------------------------------------------------------------------------------------

    def next_delay(self, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff after the current run of failures, at least ``retry_after``."""
        cap = min(self.max_delay, self.base_delay * (2 ** max(0, self._failures - 1)))
        delay = self._rng() * cap
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_delay * 5))
        return delay

    def _wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` or until ``stop`` is set; True when stopping."""
        if self._sleep is not None:
            self._sleep(seconds)
            return stop.is_set()
        return stop.wait(seconds)

    def run_forever(self, stop: threading.Event) -> None:
        """Sync until ``stop`` is set: batches back to back, backoff on failure, idle polling when done."""
        while not stop.is_set():
            try:
                sent = self.run_once()
            except SyncError as exc:
                delay = self.next_delay(exc.retry_after)
                log.warning("sync failed (%s); retrying in %.1f s", exc, delay)
                if self._wait(stop, delay):
                    return
                continue
            except Exception:  # noqa: BLE001 - the loop must survive anything and keep the backlog
                log.exception("sync failed unexpectedly")
                self._failures += 1
                self._set_state(online=False, last_error="unexpected sync error (see the log)")
                if self._wait(stop, self.next_delay()):
                    return
                continue
            if sent == 0 and self._wait(stop, self.idle_interval):
                return

    # -- heartbeat -----------------------------------------------------------------------------------

    def send_heartbeat(
        self, fps: float, recognition_latency_ms: float, version: str, recognized: int = 0, unknown: int = 0
    ) -> bool:
        """Tell the server how the kiosk is doing; returns whether the server took it (never raises)."""
        body = {
            "fps": float(fps),
            "recognition_latency_ms": float(recognition_latency_ms),
            "sync_backlog": self.state.backlog,
            "version": version,
            "recognized": int(recognized),
            "unknown": int(unknown),
        }
        try:
            response = self._post(HEARTBEAT_PATH, body)
        except SyncError as exc:
            self._set_state(online=False, last_error=str(exc))
            return False
        if response.status_code != 200:
            log.warning("heartbeat refused: %s %s", response.status_code, response.text[:200])
            return False
        self._set_state(online=True)
        return True


def main(argv: list[str] | None = None) -> int:
    """Command line: sync a log until stopped (SIGINT/SIGTERM), or once with --until-idle."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m kiosk.core.sync", description=__doc__.splitlines()[0])
    parser.add_argument("--attendance", required=True, help="the attendance CSV")
    parser.add_argument("--server", required=True, help="server base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token-file", required=True, help="file holding the kiosk token")
    parser.add_argument("--state", required=True, help="the sync state JSON file")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--max-delay", type=float, default=60.0, help="longest backoff in seconds")
    parser.add_argument("--idle-interval", type=float, default=2.0)
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is left to send")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    token = Path(args.token_file).read_text(encoding="utf-8").strip()
    client = SyncClient(
        args.attendance,
        args.server,
        token,
        args.state,
        batch_size=args.batch_size,
        max_delay=args.max_delay,
        idle_interval=args.idle_interval,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if args.until_idle:
        while not stop.is_set():
            try:
                if client.run_once() == 0:
                    break
            except SyncError as exc:
                if client._wait(stop, client.next_delay(exc.retry_after)):
                    break
        return 0 if client.state.backlog == 0 else 1
    client.run_forever(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
