"""GET /api/v1/attendance: filters, JSON and CSV, admin only."""

from __future__ import annotations

import csv
import io

from tests.server.conftest import bearer, make_event


def seed(client, token):
    events = [
        make_event(person_id="p-1", name="Smith, John", timestamp="2024-05-01T08:00:00+02:00"),
        make_event(person_id="p-2", name='=HYPERLINK("x")', timestamp="2024-05-01T23:30:00-05:00"),
        make_event(person_id="p-1", name="Smith, John", timestamp="2024-05-03T17:00:00+02:00", direction="out"),
    ]
    client.post("/api/v1/events", json={"events": events}, headers=bearer(token))
    return events


def test_filters_by_local_date_person_and_kiosk(client, backend, kiosk_token, admin_token):
    events = seed(client, kiosk_token)
    get = lambda q: client.get("/api/v1/attendance" + q, headers=bearer(admin_token))  # noqa: E731
    day1 = get("?from=2024-05-01&to=2024-05-01").json["events"]
    assert [e["event_id"] for e in day1] == [events[0]["event_id"], events[1]["event_id"]]
    assert day1[0] == {**{k: events[0][k] for k in events[0]}, "kiosk": "kiosk-1", "method": "face"}
    assert len(get("?person_id=p-1").json["events"]) == 2
    assert len(get("?kiosk=kiosk-2").json["events"]) == 0
    assert get("?from=2024-05-02").json["events"][0]["direction"] == "out"
    assert get("?from=yesterday").status_code == 400
    assert get("?from=2024-05-03&to=2024-05-01").status_code == 400


def test_csv_export_round_trips_and_defuses_formulas(client, kiosk_token, admin_token):
    seed(client, kiosk_token)
    response = client.get("/api/v1/attendance", headers={**bearer(admin_token), "Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["name"] for r in rows] == ["Smith, John", '\'=HYPERLINK("x")', "Smith, John"]
    assert rows[0]["kiosk"] == "kiosk-1" and rows[0]["timestamp"] == "2024-05-01T08:00:00+02:00"


def test_attendance_needs_an_admin_token(client, kiosk_token):
    assert client.get("/api/v1/attendance").status_code == 401
    assert client.get("/api/v1/attendance", headers=bearer(kiosk_token)).status_code == 403
