"""POST /api/v1/events and /api/v1/heartbeat against SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from server import schema
from tests.server.conftest import bearer, make_event


def count_rows(app) -> int:
    with app.extensions["db_engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.attendance)).scalar_one()


def post(client, token, events):
    return client.post("/api/v1/events", json={"events": events}, headers=bearer(token))


def test_batch_is_stored_and_each_event_gets_a_result(app, backend, client, kiosk_token):
    events = [make_event(person_id=f"p-{i}") for i in range(5)]
    response = post(client, kiosk_token, events)
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created"] * 5
    assert [r["event_id"] for r in response.json["results"]] == [e["event_id"] for e in events]
    assert count_rows(app) == 5


def test_resending_a_batch_stores_nothing_twice(app, backend, client, kiosk_token):
    events = [make_event() for _ in range(3)]
    post(client, kiosk_token, events)
    again = post(client, kiosk_token, events + [events[0]])
    assert [r["status"] for r in again.json["results"]] == ["duplicate"] * 4
    assert count_rows(app) == 3


def test_invalid_event_is_rejected_and_its_valid_siblings_are_stored(app, backend, client, kiosk_token):
    good = make_event()
    bad = make_event(timestamp="2024-05-01T08:00:00")  # no offset
    response = post(client, kiosk_token, [good, bad, make_event(direction="sideways")])
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["created", "rejected", "rejected"]
    assert "offset" in response.json["results"][1]["error"]
    assert count_rows(app) == 1


def test_kiosk_identity_comes_from_the_token_not_the_body(app, client, kiosk_token, other_kiosk_token):
    event = make_event(kiosk="kiosk-2", kiosk_id="kiosk-2")
    post(client, kiosk_token, [event])
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(schema.attendance.c.kiosk)).scalar_one() == "kiosk-1"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
def test_events_without_a_valid_kiosk_token_are_refused(app, client, headers):
    response = client.post("/api/v1/events", json={"events": [make_event()]}, headers=headers)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert count_rows(app) == 0


def test_admin_token_cannot_write_events(app, client, admin_token):
    assert post(client, admin_token, [make_event()]).status_code == 403


def test_revoked_kiosk_token_stops_working(app, client, kiosk_token):
    from server import auth

    with app.extensions["db_engine"].connect() as conn:
        assert auth.revoke(conn, "kiosk", "kiosk-1")
    assert post(client, kiosk_token, [make_event()]).status_code == 401


def test_too_many_events_is_413_with_json(app, client, kiosk_token):
    app.config["MAX_BATCH_EVENTS"] = 3
    response = post(client, kiosk_token, [make_event() for _ in range(4)])
    assert response.status_code == 413
    assert response.json["error"] == "request_entity_too_large"
    assert count_rows(app) == 0


def test_oversized_body_is_413_with_json(app, client, kiosk_token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = post(client, kiosk_token, [make_event(name="x" * 2000)])
    assert response.status_code == 413
    assert response.json["error"] == "request_entity_too_large"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"events": {}}', b'{"events": "x"}', b"[" * 5000, b"\xff\xfe"])
def test_malformed_body_is_400_with_json(app, client, kiosk_token, body):
    response = client.post("/api/v1/events", data=body, content_type="application/json", headers=bearer(kiosk_token))
    assert response.status_code == 400
    assert set(response.json) == {"error", "message"}


def test_event_id_is_normalised_so_case_does_not_make_a_second_row(app, client, kiosk_token):
    eid = str(uuid.uuid4())
    post(client, kiosk_token, [make_event(event_id=eid.upper())])
    assert post(client, kiosk_token, [make_event(event_id=eid)]).json["results"][0]["status"] == "duplicate"
    assert count_rows(app) == 1


def test_heartbeat_keeps_the_last_state_per_kiosk(app, backend, client, kiosk_token):
    for backlog in (5, 2):
        body = {"fps": 14.5, "recognition_latency_ms": 120, "sync_backlog": backlog, "version": "0.1.0",
                "recognized": 3, "unknown": 1}  # fmt: skip
        response = client.post("/api/v1/heartbeat", json=body, headers=bearer(kiosk_token))
        assert response.status_code == 200
    with app.extensions["db_engine"].connect() as conn:
        rows = conn.execute(select(schema.heartbeats)).all()
    assert len(rows) == 1 and rows[0].sync_backlog == 2 and rows[0].kiosk == "kiosk-1"


def test_invalid_heartbeat_is_400(client, kiosk_token):
    response = client.post("/api/v1/heartbeat", json={"fps": "fast"}, headers=bearer(kiosk_token))
    assert response.status_code == 400
    assert "fps" in response.json["message"]


def test_a_timestamp_with_offset_seconds_is_stored_canonically_and_its_batch_goes_through(
    app, backend, client, kiosk_token, admin_token
):
    """Issue 12.5: "…08:00:00.1+02:00:00.1" (32 characters, valid ISO 8601 for Python) was re-rendered as 42
    characters: on PostgreSQL that overflowed the column, failed the whole batch with 500, and the kiosk
    resent it forever while later check-ins waited."""
    odd = make_event(timestamp="2024-05-01T08:00:00.1+02:00:00.1")
    odder = make_event(timestamp="2024-05-01T08:00:00.5-03:30:30")
    normal = make_event(timestamp="2024-05-01T09:00:00+02:00")
    response = post(client, kiosk_token, [odd, odder, normal])
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["created"] * 3
    rows = client.get("/api/v1/attendance?from=2024-05-01&to=2024-05-01", headers={
        "Authorization": f"Bearer {admin_token}"}).json["events"]  # fmt: skip
    stamps = {r["event_id"]: r["timestamp"] for r in rows}
    assert stamps == {
        odd["event_id"]: "2024-05-01T08:00:00+02:00",  # the same instant: 06:00:00 UTC
        odder["event_id"]: "2024-05-01T07:59:30.500000-03:31",  # the same instant: 11:30:30.5 UTC
        normal["event_id"]: "2024-05-01T09:00:00+02:00",  # as sent
    }
    with app.extensions["db_engine"].connect() as conn:
        utc = dict(conn.execute(select(schema.attendance.c.event_id, schema.attendance.c.ts_utc)).all())
    assert str(utc[odd["event_id"]]) == "2024-05-01 06:00:00"
    assert str(utc[odder["event_id"]]) == "2024-05-01 11:30:30.500000"
