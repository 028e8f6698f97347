"""The sync client: sends the attendance CSV's un-synced rows to the server, in batches.

The CSV stays the source of truth. Progress is the byte offset just past the last row the server has
answered for, with the number of rows before it, kept in a small JSON file replaced atomically (write a
temporary file, fsync, rename). The offset advances only after the server answered for a whole batch, so
a crash at any moment re-sends at most one batch, which the server de-duplicates by ``event_id``.
Events the server rejects as invalid are not retried: they are logged and appended to a rejected-events
file (JSON lines). Failures back off (kiosk.link.http.Backoff: full jitter, ``Retry-After`` honoured).

A poison event (one the server fails on with a 5xx every time) must not hold back the check-ins after it:
when a batch fails with a 5xx again and again at the same offset, it is halved at each further failure
down to one event; that one event is set aside in the held-events file (JSON lines, shown in the status
strip) only once the server has taken the event after it, which proves that the server works and that
this event is what it cannot store. A server that is down for everything therefore never makes the
client set anything aside.

Run it alone: ``python -m kiosk.link.checkins --attendance FILE --server URL --token-file FILE --state FILE``.
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
from pathlib import Path
from typing import Any

import requests

from kiosk.core.atomic import open_append
from kiosk.core.attendance import read_rows
from kiosk.core.sync_progress import Progress, load_progress, save_progress
from kiosk.errors import SyncError
from kiosk.link.http import Backoff, ServerClient

log = logging.getLogger(__name__)

EVENTS_PATH = "/api/v1/events"
RESULT_STATUSES = ("created", "duplicate", "rejected", "erased")  # the server answers one per event
POISON_STRIKES = 2  # 5xx answers in a row for a batch starting at the same row before it is halved


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the status strip and the heartbeat show about syncing."""

    online: bool = False
    backlog: int = 0
    last_error: str = ""
    last_sync: datetime | None = None  # when the server last answered for a batch
    held: int = 0  # events set aside because the server failed on them alone (see held_file)
    held_file: str = ""


def _payload(row: dict[str, str]) -> dict[str, Any]:
    """The wire form of a CSV row. Raises ValueError for a row that cannot be one."""
    distance = float(row["distance"])
    if not row["event_id"]:
        raise ValueError("the row has no event_id")
    payload: dict[str, Any] = {
        "event_id": row["event_id"],
        "person_id": row["person_id"],
        "name": row["name"],
        "timestamp": row["timestamp"],
        "distance": distance,
        "direction": row["direction"],
    }
    if row.get("method") and row["method"] != "face":  # CONTRACTS.md C1: absent means "face"
        payload["method"] = row["method"]
    if row.get("voids"):
        payload.update(voids=row["voids"], reason=row.get("reason") or "not_me")
    return payload


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
        held_path: str | os.PathLike[str] | None = None,
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
        self.state_path = Path(state_path)
        self.rejected_path = Path(rejected_path) if rejected_path else self.state_path.with_suffix(".rejected")
        self.held_path = Path(held_path) if held_path else self.state_path.with_suffix(".held")
        self.batch_size = self._max_batch = max(1, batch_size)
        self.idle_interval = idle_interval
        self.http = ServerClient(server_url, token, timeout=timeout, session=session, clock=clock)
        self.backoff = Backoff(base_delay, max_delay, rng)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._strikes = (-1, 0)  # (offset of the failing batch, 5xx answers in a row for it)
        self._progress = load_progress(self.state_path)
        self._scanned = (0, 0)  # (offset, rows) counted so far, for the backlog
        self._state = SyncState(held=_count_lines(self.held_path), held_file=str(self.held_path))
        self._refresh_backlog()

    # -- state ---------------------------------------------------------------------------------------

    @property
    def state(self) -> SyncState:
        with self._lock:
            return self._state

    @property
    def progress(self) -> Progress:
        return self._progress

    def note_connection(self, online: bool, error: str = "") -> None:
        """What another request (the heartbeat) learnt about the connection, for the status strip."""
        self._set_state(online=online, **({"last_error": error} if error else {}))

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
        _append_line(self.rejected_path, {"rejected_at": _now_iso(), "error": error, "event": event})

    def _record_held(self, event: dict[str, Any], error: str) -> None:
        log.error("the server fails on event %s alone (%s); set aside in %s", event.get("event_id"), error,
                  self.held_path)  # fmt: skip
        _append_line(self.held_path, {"held_at": _now_iso(), "error": error, "event": event})
        with self._lock:
            self._state = replace(self._state, held=self._state.held + 1)

    def _send(self, events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The server's result per event_id. Raises SyncError (retry later) or ValueError (bad batch)."""
        response = self.http.request("POST", EVENTS_PATH, accept=(200, 400, 413), json={"events": events})
        status = response.status_code
        if status in (400, 413):
            raise ValueError(f"server answered {status}: {response.text[:200]}")
        try:
            results = response.json()["results"]
            by_id = {r["event_id"]: r for r in results if isinstance(r, dict) and isinstance(r.get("event_id"), str)}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SyncError("the server's answer is not the expected JSON") from exc
        if len(results) != len(events):
            raise SyncError("the server answered for a different number of events")
        if any(by_id.get(e["event_id"], {}).get("status") not in RESULT_STATUSES for e in events):
            raise SyncError("the server's answer does not account for every event")  # nothing counts as sent
        return by_id

    def run_once(self) -> int:
        """Send at most one batch; returns how many rows the server answered for (0: nothing to send).

        Raises SyncError when the server cannot take the batch now (the offset stays where it was).
        """
        batch = self._next_batch()
        if not batch:
            self._refresh_backlog()
            return 0
        events, rejected = self._events(batch)
        try:
            answers = self._send(events) if events else {}
        except SyncError as exc:
            self.backoff.failed()
            self._refresh_backlog()  # the status strip counts what is waiting while offline
            self._set_state(online=False, last_error=str(exc))
            if exc.status is not None and exc.status >= 500:
                return self._server_error(batch, exc)
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
            rejected += self._record_rejections(events, answers)
        self._advance(batch, rejected)
        return len(batch)

    def _events(self, batch: list[tuple[dict[str, str], int]]) -> tuple[list[dict[str, Any]], int]:
        """The wire form of the batch's rows and how many rows could not be one (recorded as rejected)."""
        events: list[dict[str, Any]] = []
        for row, _end in batch:
            try:
                events.append(_payload(row))
            except (ValueError, KeyError) as exc:
                self._record_rejected(dict(row), f"unreadable row in the attendance log: {exc}")
        return events, len(batch) - len(events)

    def _record_rejections(self, events: list[dict[str, Any]], answers: dict[str, dict[str, Any]]) -> int:
        rejected = 0
        for event in events:
            result = answers.get(event["event_id"], {})
            if result.get("status") == "rejected":
                self._record_rejected(event, str(result.get("error", "rejected")))
                rejected += 1
        return rejected

    def _advance(self, rows: list[tuple[dict[str, str], int]], rejected: int) -> None:
        """The server answered for ``rows``: move the saved progress past them."""
        self._progress = Progress(
            offset=rows[-1][1], count=self._progress.count + len(rows), rejected=self._progress.rejected + rejected
        )
        save_progress(self.state_path, self._progress)
        self._strikes = (-1, 0)
        self.backoff.succeeded()
        self.batch_size = min(self._max_batch, self.batch_size * 2)
        self._refresh_backlog()
        self._set_state(online=True, last_error="", last_sync=datetime.fromtimestamp(self._clock(), timezone.utc))

    def _server_error(self, batch: list[tuple[dict[str, str], int]], exc: SyncError) -> int:
        """A 5xx for ``batch``: halve it when that keeps happening; isolate one event. Re-raises ``exc``
        unless the event was set aside (then returns the rows the server answered for)."""
        start = self._progress.offset
        strikes = self._strikes[1] + 1 if self._strikes[0] == start else 1
        self._strikes = (start, strikes)
        if strikes < POISON_STRIKES:
            raise exc
        if len(batch) > 1:
            self.batch_size = max(1, len(batch) // 2)
            log.warning("%s again for the batch at offset %d; trying batches of %d", exc, start, self.batch_size)
            raise exc
        return self._probe_past(batch[0], exc)

    def _probe_past(self, suspect: tuple[dict[str, str], int], exc: SyncError) -> int:
        """Send the row after ``suspect`` alone; when the server takes it, set ``suspect`` aside."""
        after = next(iter(read_rows(self.attendance_path, suspect[1])), None)
        if after is None:
            raise exc  # nothing to compare with: the server may simply be down
        try:
            event = _payload(after[0])
            answers = self._send([event])
        except (SyncError, ValueError, KeyError):
            raise exc from None  # no proof that the server works: it is not this event's fault (yet)
        rejected = self._record_rejections([event], answers)
        self._record_held(_payload(suspect[0]), str(exc))
        self._advance([suspect, after], rejected)
        return 2

    # -- loop ----------------------------------------------------------------------------------------

    def next_delay(self, retry_after: float | None = None) -> float:
        """The backoff after the current run of failures (kiosk.link.http.Backoff)."""
        return self.backoff.next_delay(retry_after)

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
                self.backoff.failed()
                self._set_state(online=False, last_error="unexpected sync error (see the log)")
                if self._wait(stop, self.next_delay()):
                    return
                continue
            if sent == 0 and self._wait(stop, self.idle_interval):
                return


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


def _append_line(path: Path, entry: dict[str, Any]) -> None:
    """Append one JSON line to a side file and make it durable."""
    with open_append(path, text=True) as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def main(argv: list[str] | None = None) -> int:
    """Command line: sync a log until stopped (SIGINT/SIGTERM), or once with --until-idle."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m kiosk.link.checkins", description=__doc__.splitlines()[0])
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
