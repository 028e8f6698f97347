"""The sync client against a real HTTP server that misbehaves (issue 12): garbage answers, 5xx, odd
statuses and headers, dropped connections and hangs, in random order. Whatever it does, the client never
raises out of its loop, never loses a row (each one ends on the server, or in the rejected or held file),
and waits before every retry (no tight loop)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.sync_progress import load_progress
from kiosk.link.checkins import SyncClient
from tests.link.test_checkins import write_log

GARBAGE_BODIES = [b"", b"not json", b"\xff\xfe\x00", b"null", b"[]", b'{"results": "x"}', b'{"results": [1, 2]}',
                  b'{"results": [{"status": "created"}]}', b'{"results": [{"event_id": 5, "status": "created"}]}',
                  b'{"error": "internal"}', b"<html>502 Bad Gateway</html>", b"{" * 5000]  # fmt: skip
RETRY_AFTER = ["", "5", "-5", "NaN", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT", "tomorrow", "0.01"]
STATUSES = [200, 201, 204, 301, 302, 401, 403, 404, 405, 408, 409, 418, 425, 429, 500, 502, 503, 504, 599]

behaviours = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(STATUSES), st.sampled_from(GARBAGE_BODIES),
              st.sampled_from(RETRY_AFTER)),
    st.tuples(st.just("hang"), st.floats(0.35, 0.6)),
    st.tuples(st.just("drop")),
    st.tuples(st.just("wrong_count")),
)  # fmt: skip


class Misbehaving(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        with server.lock:
            script = server.script.pop(0) if server.script else ("ok",)
            server.requests += 1
        kind = script[0]
        if kind == "hang":
            time.sleep(script[1])  # longer than the client's read timeout
            return
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if kind == "answer":
            self._reply(script[1], script[2], {"Retry-After": script[3]} if script[3] else {})
            return
        events = json.loads(body)["events"]
        if kind == "wrong_count":
            self._reply(200, json.dumps({"results": [{"event_id": "x", "status": "created"}] * 3}).encode())
            return
        results = []
        with server.lock:
            for e in events:
                results.append({"event_id": e["event_id"], "status": "duplicate" if e["event_id"] in server.events
                                else "created"})  # fmt: skip
                server.events[e["event_id"]] = e
        self._reply(200, json.dumps({"results": results}).encode())

    def _reply(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def http():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    server.daemon_threads = True
    server.lock = threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _ids(path) -> set[str]:
    try:
        return {json.loads(line)["event"]["event_id"] for line in path.read_text().splitlines()}
    except FileNotFoundError:
        return set()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=st.lists(behaviours, max_size=12), rows=st.integers(1, 9), batch=st.integers(1, 4))
def test_whatever_the_server_does_no_row_is_lost_and_every_retry_waits(http, tmp_path_factory, script, rows, batch):
    root = tmp_path_factory.mktemp("fuzz")
    checkins = write_log(root / "a.csv", rows)
    with http.lock:
        http.script, http.events, http.requests = list(script), {}, 0
    stop = threading.Event()
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if load_progress(root / "sync.json").count == rows or len(waits) > 60:
            stop.set()

    client = SyncClient(root / "a.csv", f"http://127.0.0.1:{http.server_address[1]}", "tok", root / "sync.json",
                        batch_size=batch, timeout=(0.5, 0.25), base_delay=0.01, max_delay=0.05, idle_interval=0.01,
                        sleep=sleep, rng=lambda: 0.5)  # fmt: skip
    client.run_forever(stop)  # must return, never raise

    assert load_progress(root / "sync.json").count == rows and client.state.backlog == 0
    everywhere = set(http.events) | _ids(root / "sync.rejected") | _ids(root / "sync.held")
    assert {c.event_id for c in checkins} <= everywhere  # no lost row
    assert all(w > 0 for w in waits)
    answered = -(-rows // batch) + rows  # batches the good server answered, at most one per row
    assert http.requests <= 2 * len(waits) + answered + 1  # a failure is followed by a wait (or one probe)
