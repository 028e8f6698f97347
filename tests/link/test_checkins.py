"""The sync client's logic against a fake server: progress, batching, rejects, backoff, state."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from kiosk.core.attendance import AttendanceLog
from kiosk.core.config import KioskConfig
from kiosk.core.sync_progress import load_progress
from kiosk.core.types import CheckIn, Direction
from kiosk.errors import SyncError
from kiosk.link.checkins import SyncClient
from kiosk.link.server_link import KioskHealth, ServerLink

TZ = timezone(timedelta(hours=1))


class FakeResponse:
    def __init__(self, status: int, body: object = None, headers: dict | None = None) -> None:
        self.status_code = status
        self._body = body
        self.headers = headers or {}
        self.text = json.dumps(body)

    def json(self):
        return self._body


class FakeServer:
    """A requests.Session stand-in: stores events by id, or fails as told."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.events: dict[str, dict] = {}
        self.batches: list[int] = []
        self.fail_with: list[object] = []  # FakeResponse or exception, consumed one per call
        self.reject_names: set[str] = set()
        self.poison_names: set[str] = set()  # a batch holding one of these answers 500, every time
        self.calls = 0
        self.heartbeats: list[dict] = []

    def post(self, url, json=None, timeout=None):
        assert timeout is not None
        self.calls += 1
        if self.fail_with:
            failure = self.fail_with.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        if url.endswith("/heartbeat"):
            self.heartbeats.append(json)
            return FakeResponse(200, {"status": "ok"})
        if any(e["name"] in self.poison_names for e in json["events"]):
            return FakeResponse(500, {"error": "internal", "message": "value too long for type character(40)"})
        self.batches.append(len(json["events"]))
        results = []
        for e in json["events"]:
            if e["name"] in self.reject_names:
                results.append({"event_id": e["event_id"], "status": "rejected", "error": "bad name"})
            elif e["event_id"] in self.events:
                results.append({"event_id": e["event_id"], "status": "duplicate"})
            else:
                self.events[e["event_id"]] = e
                results.append({"event_id": e["event_id"], "status": "created"})
        return FakeResponse(200, {"results": results})


def write_log(path, n: int, name=lambda i: f"Person {i}") -> list[CheckIn]:
    checkins = [
        CheckIn(str(uuid.uuid4()), f"p-{i}", name(i), datetime(2024, 5, 1, 8, 0, tzinfo=TZ) + timedelta(seconds=i),
                "kiosk-1", 0.4, Direction.IN)
        for i in range(n)
    ]  # fmt: skip
    with AttendanceLog(path) as log:
        for c in checkins:
            log.append(c)
    return checkins


@pytest.fixture
def server():
    return FakeServer()


def client_for(tmp_path, server, **kw) -> SyncClient:
    return SyncClient(tmp_path / "a.csv", "http://kiosk.test", "tok", tmp_path / "sync.json", session=server, **kw)


def test_everything_is_sent_once_in_batches_and_progress_is_saved(tmp_path, server):
    checkins = write_log(tmp_path / "a.csv", 250)
    client = client_for(tmp_path, server)
    assert client.state.backlog == 250
    while client.run_once():
        pass
    assert server.batches == [100, 100, 50]
    assert set(server.events) == {c.event_id for c in checkins}
    assert server.events[checkins[0].event_id]["timestamp"] == "2024-05-01T08:00:00+01:00"
    assert client.state.backlog == 0 and client.state.online and client.state.last_sync is not None
    progress = load_progress(tmp_path / "sync.json")
    assert progress.count == 250 and progress.offset == (tmp_path / "a.csv").stat().st_size


def test_a_restarted_client_resumes_from_the_saved_offset(tmp_path, server):
    write_log(tmp_path / "a.csv", 150)
    client_for(tmp_path, server).run_once()
    again = client_for(tmp_path, server)
    assert again.state.backlog == 50
    assert again.run_once() == 50
    assert server.batches == [100, 50]


def test_offset_does_not_move_when_the_server_is_down(tmp_path, server):
    write_log(tmp_path / "a.csv", 10)
    client = client_for(tmp_path, server)
    server.fail_with = [requests.ConnectionError("refused"), FakeResponse(503, {}, {"Retry-After": "7"})]
    with pytest.raises(SyncError):
        client.run_once()
    assert not client.state.online and "reach" in client.state.last_error
    with pytest.raises(SyncError) as info:
        client.run_once()
    assert info.value.retry_after == 7
    assert load_progress(tmp_path / "sync.json").count == 0 and client.state.backlog == 10
    assert client.run_once() == 10 and len(server.events) == 10


def test_rejected_events_are_recorded_and_not_retried(tmp_path, server):
    write_log(tmp_path / "a.csv", 5, name=lambda i: "BAD" if i == 2 else f"P{i}")
    server.reject_names = {"BAD"}
    client = client_for(tmp_path, server)
    assert client.run_once() == 5
    assert client.run_once() == 0
    lines = (tmp_path / "sync.rejected").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["event"]["name"] == "BAD"
    assert load_progress(tmp_path / "sync.json").rejected == 1 and server.batches == [5]


def test_a_batch_the_server_refuses_whole_is_split_to_find_the_poison_row(tmp_path, server):
    write_log(tmp_path / "a.csv", 4)
    server.fail_with = [FakeResponse(413, {}), FakeResponse(400, {}), FakeResponse(400, {})]
    client = client_for(tmp_path, server)
    # 4 -> 413, split to 2 -> 400, split to 1 -> 400: that single row is recorded as rejected.
    assert client.run_once() == 1
    while client.run_once():
        pass
    assert len(server.events) == 3
    assert len((tmp_path / "sync.rejected").read_text().splitlines()) == 1


def test_backoff_is_full_jitter_exponential_capped_and_honours_retry_after(tmp_path, server):
    client = client_for(tmp_path, server, base_delay=1.0, max_delay=8.0, rng=lambda: 1.0)
    delays = []
    for failures in range(1, 7):
        client.backoff.failures = failures
        delays.append(client.next_delay())
    assert delays == [1, 2, 4, 8, 8, 8]
    zero = client_for(tmp_path, server, rng=lambda: 0.0)
    assert zero.next_delay() == 0.0 and zero.next_delay(retry_after=30) == 30


def test_run_forever_retries_with_backoff_until_the_server_answers(tmp_path, server):
    write_log(tmp_path / "a.csv", 3)
    stop = threading.Event()
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        if len(server.events) == 3:
            stop.set()

    server.fail_with = [requests.Timeout("slow"), requests.Timeout("slow"), FakeResponse(429, {}, {"Retry-After": "2"})]
    client = client_for(tmp_path, server, base_delay=1.0, rng=lambda: 0.5, sleep=sleep)
    client.run_forever(stop)
    assert slept[:3] == [0.5, 1.0, 2.0] and len(server.events) == 3


def test_rows_appended_while_syncing_are_picked_up(tmp_path, server):
    write_log(tmp_path / "a.csv", 3)
    client = client_for(tmp_path, server)
    client.run_once()
    with AttendanceLog(tmp_path / "a.csv") as log:
        log.append(CheckIn(str(uuid.uuid4()), "p-x", "Late", datetime.now(TZ), "kiosk-1", 0.5, Direction.OUT))
    assert client.run_once() == 1 and len(server.events) == 4


def test_heartbeat_carries_the_backlog(tmp_path, server):
    write_log(tmp_path / "a.csv", 7)
    config = KioskConfig(attendance=str(tmp_path / "a.csv"), server_url="http://kiosk.test", server_token="tok")
    link = ServerLink(config, None, lambda: KioskHealth(15, 90, 3, 1), session=server)
    assert link.send_heartbeat()
    assert server.heartbeats[0]["sync_backlog"] == 7 and server.heartbeats[0]["unknown"] == 1
    server.fail_with = [requests.ConnectionError("down")]
    assert not link.send_heartbeat()
    assert not link.state.online


def test_state_file_is_replaced_atomically_and_a_corrupt_one_restarts_from_zero(tmp_path, server):
    write_log(tmp_path / "a.csv", 2)
    client_for(tmp_path, server).run_once()
    assert not (tmp_path / "sync.json.tmp").exists()
    (tmp_path / "sync.json").write_text("{garbage")
    again = client_for(tmp_path, server)
    assert again.state.backlog == 2
    again.run_once()
    assert len(server.events) == 2  # re-sent, and the server de-duplicates


def _run_until(tmp_path, server, done, max_sleeps=200, **kw):
    """A client's run_forever with recorded waits, until ``done(client)`` or ``max_sleeps`` waits."""
    stop = threading.Event()
    slept: list[float] = []

    def sleep(seconds):
        slept.append(seconds)
        if done(client) or len(slept) >= max_sleeps:
            stop.set()

    client = client_for(tmp_path, server, sleep=sleep, rng=lambda: 0.5, **kw)
    client.run_forever(stop)
    return client, slept


def test_one_event_the_server_fails_on_is_set_aside_and_the_later_checkins_go_through(tmp_path, server):
    checkins = write_log(tmp_path / "a.csv", 40, name=lambda i: "POISON" if i == 13 else f"P{i}")
    server.poison_names = {"POISON"}
    client, slept = _run_until(tmp_path, server, lambda c: c.state.backlog == 0 and len(server.events) == 39,
                               batch_size=16)
    assert set(server.events) == {c.event_id for i, c in enumerate(checkins) if i != 13}
    held = [json.loads(line) for line in (tmp_path / "sync.held").read_text().splitlines()]
    assert [h["event"]["event_id"] for h in held] == [checkins[13].event_id] and "500" in held[0]["error"]
    assert client.state.held == 1 and client.state.held_file == str(tmp_path / "sync.held")
    assert load_progress(tmp_path / "sync.json").count == 40 and client.state.backlog == 0
    failures = server.calls - len(server.batches)
    assert failures <= 12 and all(s > 0 for s in slept[:failures])  # every failure waited: no tight loop
    assert client_for(tmp_path, server).state.held == 1  # the count survives a restart


def test_a_server_that_fails_on_everything_gets_nothing_set_aside(tmp_path, server):
    write_log(tmp_path / "a.csv", 8)
    server.poison_names = {f"Person {i}" for i in range(8)}
    client, slept = _run_until(tmp_path, server, lambda c: False, max_sleeps=30)
    assert len(slept) == 30 and server.calls <= 2 * 30 + 1  # a request per wait, plus at most one probe
    assert not (tmp_path / "sync.held").exists() and client.state.backlog == 8
    assert load_progress(tmp_path / "sync.json").count == 0
    server.poison_names = set()
    while client.run_once():
        pass
    assert len(server.events) == 8
