"""Issue 12.10: names with control or text-direction characters never reach a terminal or a report."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from server import schema
from tests.server.conftest import bearer, make_event
from tests.server.test_people import person

HOSTILE = [
    "Eve\x1b[2J\x1b[31mAdmin",  # ANSI escape: clears the terminal of whoever runs `server export`
    "Eve\rAdmin",  # carriage return: overwrites the start of the line
    "Eve\tAdmin",
    "Eve\x85Admin",  # C1 next-line
    "Eve\x9b31mAdmin",  # C1 control sequence introducer
    "Eve\x7f",
    "\u202eevE nimdA",  # right-to-left override
    "Eve\u2066Admin\u2069",  # isolate
    "Eve\u2028Admin",  # line separator
]
FINE = ["Zoë O'Brien-Łukasz", "محمد عبد الله", "李小龍", "Ada 👩\u200d💻", "José María"]


@pytest.mark.parametrize("name", HOSTILE)
def test_people_with_control_or_bidi_characters_in_the_name_are_refused(app, client, kiosk_token, name):
    response = client.put("/api/v1/people/p-1", json=person(name=name), headers=bearer(kiosk_token))
    assert response.status_code == 400 and "name" in response.json["message"]
    employee = client.put("/api/v1/people/p-1", json=person(employee_no=name[:60]), headers=bearer(kiosk_token))
    assert employee.status_code == 400
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.people)).scalar_one() == 0


def test_names_in_any_script_are_kept_as_sent(client, backend, kiosk_token):
    for i, name in enumerate(FINE):
        response = client.put(f"/api/v1/people/p-{i}", json=person(name=name), headers=bearer(kiosk_token))
        assert response.status_code == 200
    pulled = client.get("/api/v1/people/changes", headers=bearer(kiosk_token)).json["upserts"]
    assert [u["name"] for u in pulled] == FINE
    events = [make_event(name=name) for name in FINE]
    results = client.post("/api/v1/events", json={"events": events}, headers=bearer(kiosk_token)).json["results"]
    assert [r["status"] for r in results] == ["created"] * len(FINE)


def test_checkins_with_hostile_names_are_rejected_with_the_reason(client, kiosk_token):
    events = [make_event(name=name) for name in HOSTILE]
    results = client.post("/api/v1/events", json={"events": events}, headers=bearer(kiosk_token)).json["results"]
    assert [r["status"] for r in results] == ["rejected"] * len(HOSTILE)
    assert all("control or text-direction" in r["error"] for r in results)


def test_export_shows_names_stored_before_the_rule_without_their_control_characters(runner, tmp_path):
    from server import create_app
    from tests.server.conftest import TEST_SECRET

    app = create_app({"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(schema.attendance.insert().values(
            event_id=str(uuid.uuid4()), kiosk="k", person_id="p-1", name="Eve\x1b[2J\r\u202eAdmin",
            timestamp="2024-05-01T08:00:00+00:00", ts_utc=datetime(2024, 5, 1, 8), local_date=date(2024, 5, 1),
            distance=0.3, direction="in", received_at=datetime(2024, 5, 1, 8),
        ))  # fmt: skip
    out = runner.invoke("export").output
    assert "Eve\ufffd[2J\ufffd\ufffdAdmin" in out
    assert not any(ch in out for ch in "\x1b\r\u202e")
