"""GET /health, GET /metrics, security headers and JSON errors."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.config import ConfigurationError
from tests.server.conftest import bearer, make_app, make_event


def test_health_is_ok_without_redis_configured(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "disabled"}


def test_health_with_real_redis_is_ok(tmp_path, redis_url):
    app = make_app(tmp_path, REDIS_URL=redis_url)
    assert app.test_client().get("/health").json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_redis_down_is_degraded_but_200_and_ingest_still_works(tmp_path):
    app = make_app(tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    client = app.test_client()
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["status"] == "degraded" and response.json["redis"] == "down"
    from server import auth

    with app.extensions["db_engine"].connect() as conn:
        token = auth.create_principal(conn, "kiosk", "k")
    result = client.post("/api/v1/events", json={"events": [make_event()]}, headers=bearer(token))
    assert result.json["results"][0]["status"] == "created"


def test_database_down_is_503(tmp_path):
    app = make_app(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/none", AUTO_MIGRATE=False)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["database"] == "down"


def test_presence_comes_from_redis_after_the_first_read(tmp_path, redis_url):
    import uuid

    app = make_app(tmp_path, REDIS_URL=redis_url, REDIS_PREFIX=f"test-{uuid.uuid4().hex}:")
    client = app.test_client()
    from server import auth

    with app.extensions["db_engine"].connect() as conn:
        kiosk = auth.create_principal(conn, "kiosk", "k")
        admin = auth.create_principal(conn, "admin", "a")
    event = make_event(timestamp="2024-05-01T09:00:00+02:00", person_id="p-9")
    client.post("/api/v1/events", json={"events": [event]}, headers=bearer(kiosk))
    first = client.get("/api/v1/presence?date=2024-05-01", headers=bearer(admin)).json
    second = client.get("/api/v1/presence?date=2024-05-01", headers=bearer(admin)).json
    assert first["person_ids"] == second["person_ids"] == ["p-9"]
    assert (first["source"], second["source"]) == ("database", "cache")


def test_refuses_to_start_with_the_default_secret_outside_testing(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        make_app(tmp_path, TESTING=False, SECRET_KEY="dev")


@pytest.mark.parametrize("path,method", [("/nope", "get"), ("/api/v1/events", "get"), ("/health", "post")])
def test_errors_are_json_with_code_and_message(client, path, method):
    response = getattr(client, method)(path)
    assert response.status_code in (404, 405)
    assert response.is_json and set(response.json) == {"error", "message"}


def test_unexpected_error_is_json_500(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert response.json["error"] == "internal_server_error"
    assert "boom" not in response.json["message"]


def test_security_headers_and_no_store_on_api(client, kiosk_token):
    response = client.post("/api/v1/events", json={"events": []}, headers=bearer(kiosk_token))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["Cache-Control"] == "no-store"


def _value(text: str, name: str, labels: str = "") -> float:
    """The sample ``name{labels}`` (labels as 'a="x",b="y"' in any order) in exposition ``text``, or 0."""
    wanted = dict(re.findall(r'(\w+)="([^"]*)"', labels))
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in wanted.items()):
                total += sample.value
    return total


def test_metrics_count_ingest_and_expose_kiosk_gauges(client, kiosk_token):
    before = client.get("/metrics").get_data(as_text=True)
    events = [make_event(distance=0.3), make_event(timestamp="bad")]
    client.post("/api/v1/events", json={"events": events}, headers=bearer(kiosk_token))
    client.post("/api/v1/events", json={"events": events[:1]}, headers=bearer(kiosk_token))
    hb = {"fps": 12.0, "recognition_latency_ms": 250, "sync_backlog": 7, "version": "1", "recognized": 4,
          "unknown": 2}  # fmt: skip
    client.post("/api/v1/heartbeat", json=hb, headers=bearer(kiosk_token))
    after = client.get("/metrics").get_data(as_text=True)

    def delta(name, labels=""):
        return _value(after, name, labels) - _value(before, name, labels)

    assert delta("attendance_records_total", 'kiosk="kiosk-1",status="created"') == 1
    assert delta("attendance_records_total", 'kiosk="kiosk-1",status="rejected"') == 1
    assert delta("attendance_records_total", 'kiosk="kiosk-1",status="duplicate"') == 1
    assert delta("attendance_ingest_duration_seconds_count") == 2
    assert delta("face_recognition_confidence_count", 'kiosk="kiosk-1"') == 1
    assert delta("face_recognition_confidence_bucket", 'kiosk="kiosk-1",le="0.7"') == 1
    assert delta("face_recognition_requests_total", 'kiosk="kiosk-1",result="recognized"') == 4
    assert delta("face_recognition_requests_total", 'kiosk="kiosk-1",result="unknown"') == 2
    assert delta("http_requests_total", 'endpoint="/api/v1/events",method="POST",status="200"') == 2
    assert "http_request_duration_seconds_bucket" in after
    assert _value(after, "kiosk_sync_backlog", 'kiosk="kiosk-1"') == 7
    assert _value(after, "kiosk_frames_per_second", 'kiosk="kiosk-1"') == 12
    assert _value(after, "kiosk_recognition_latency_seconds", 'kiosk="kiosk-1"') == 0.25
    assert _value(after, "kiosk_last_heartbeat_timestamp_seconds", 'kiosk="kiosk-1"') > 1.6e9
    assert 0 <= _value(after, "kiosk_heartbeat_age_seconds", 'kiosk="kiosk-1"') < 60
    assert "process_resident_memory_bytes" in after


def test_made_up_methods_and_unknown_paths_add_no_metric_series(client):
    """Issue 12.7: each new method name or path used to create a new http_requests_total series."""
    before = client.get("/metrics").get_data(as_text=True)
    for i in range(5):
        client.open("/health", method=f"AAAA{chr(65 + i)}")
        client.get(f"/no/such/path/{i}")
    after = client.get("/metrics").get_data(as_text=True)
    series = {line.split(" ")[0] for line in after.splitlines() if line.startswith("http_requests_total{")}
    assert not any("AAAA" in s or "/no/such" in s for s in series)
    assert _value(after, "http_requests_total", 'method="other"') - _value(before, "http_requests_total",
                                                                            'method="other"') == 5  # fmt: skip
    unmatched = 'endpoint="unmatched",method="GET",status="404"'
    assert _value(after, "http_requests_total", unmatched) - _value(before, "http_requests_total", unmatched) == 5
