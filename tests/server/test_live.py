"""The real thing: ``python -m server serve`` under gunicorn (2 workers) on loopback."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from kiosk.core.attendance import AttendanceLog
from kiosk.core.types import CheckIn, Direction
from kiosk.link.checkins import SyncClient
from kiosk.link.http import ServerClient
from tests.server.conftest import make_event
from tests.server.live import start_server

pytestmark = pytest.mark.slow


def samples(url: str) -> dict[tuple[str, tuple], float]:
    text = requests.get(url + "/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_health_and_security_headers(live_server):
    response = requests.get(live_server.url + "/health", timeout=5)
    assert response.json() == {"status": "ok", "database": "ok", "redis": "disabled"}
    missing = requests.get(live_server.url + "/api/v1/nothing", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert missing.headers["X-Content-Type-Options"] == "nosniff"


def test_sync_client_delivers_a_log_and_metrics_add_up_across_workers(live_server, tmp_path):
    tz = timezone(timedelta(hours=1))
    with AttendanceLog(tmp_path / "a.csv") as log:
        for i in range(250):
            log.append(CheckIn(str(uuid.uuid4()), f"p-{i % 7}", f"Name, {i}", datetime.now(tz), "kiosk-live",
                               0.35, Direction.IN))  # fmt: skip
    before = samples(live_server.url)
    client = SyncClient(tmp_path / "a.csv", live_server.url, live_server.kiosk_token, tmp_path / "s.json",
                        batch_size=10)  # fmt: skip
    while client.run_once():
        pass
    assert client.state.backlog == 0
    heartbeat = {"fps": 9.5, "recognition_latency_ms": 80, "sync_backlog": client.state.backlog, "version": "t",
                 "recognized": 5, "unknown": 2}  # fmt: skip
    assert ServerClient(live_server.url, live_server.kiosk_token).request("POST", "/api/v1/heartbeat", json=heartbeat)
    after = samples(live_server.url)
    key = ("attendance_records_total", (("kiosk", "kiosk-live"), ("status", "created")))
    assert after[key] - before.get(key, 0) == 250
    batches = ("attendance_ingest_duration_seconds_count", ())
    assert after[batches] - before.get(batches, 0) == 25
    assert after[("kiosk_sync_backlog", (("kiosk", "kiosk-live"),))] == 0
    assert after[("kiosk_frames_per_second", (("kiosk", "kiosk-live"),))] == 9.5
    assert after[("face_recognition_requests_total", (("kiosk", "kiosk-live"), ("result", "unknown")))] >= 2
    assert after[("process_resident_memory_bytes", ())] > 10_000_000
    rows = requests.get(live_server.url + "/api/v1/attendance", timeout=10,
                        headers={"Authorization": f"Bearer {live_server.admin_token}"}).json()["events"]  # fmt: skip
    assert len(rows) >= 250


def test_live_server_on_postgresql(pg_url, tmp_path):
    server = start_server(tmp_path, {"DATABASE_URL": pg_url}, workers=2, threads=2)
    try:
        headers = {"Authorization": f"Bearer {server.kiosk_token}"}
        events = [make_event() for _ in range(20)]
        for _ in range(2):
            response = requests.post(server.url + "/api/v1/events", json={"events": events}, headers=headers,
                                     timeout=10)  # fmt: skip
        assert {r["status"] for r in response.json()["results"]} == {"duplicate"}
        assert requests.get(server.url + "/health", timeout=5).json()["database"] == "ok"
    finally:
        server.stop()
