"""Today, Review and corrections: kiosk check-ins and "Not you?" voids, manager corrections, the corrected view."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from server import audit, schema
from tests.server.conftest import bearer
from tests.server.console.helpers import checkin, enrol, midday_zone, minutes_ago, post_events, void_of


@pytest.fixture
def site(app):
    """A site zone in which it is daytime now, and a workday that started 30 minutes ago."""
    zone = midday_zone()
    app.config["SITE_TIMEZONE"] = zone
    start = datetime.now(timezone.utc).astimezone(ZoneInfo(zone)) - timedelta(minutes=30)
    app.config["WORKDAY_START"] = start.strftime("%H:%M")
    return zone


def live(console) -> str:
    response = console.get("/today/live")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[
        start : html.index("</", html.index("<tbody", start) if "<tbody" in html[start : start + 400] else start)
    ]


def test_today_shows_who_is_in_late_arrivals_and_kiosks(app, client, console, site, kiosk_token, other_kiosk_token):
    post_events(
        client, kiosk_token,
        checkin("p-1", "Ada Lovelace", minutes_ago(40)),  # before the workday started
        checkin("p-2", "Alan Turing", minutes_ago(10)),  # 20 minutes late
        checkin("p-3", "Grace Hopper", minutes_ago(50)),
        checkin("p-3", "Grace Hopper", minutes_ago(5), direction="out"),
    )  # fmt: skip
    client.post(
        "/api/v1/heartbeat",
        json={"fps": 10, "recognition_latency_ms": 100, "sync_backlog": 0, "version": "1.0"},
        headers=bearer(kiosk_token),
    )
    html = live(console)
    present = html[html.index('id="present"') : html.index('id="h-late"')]
    assert "Ada Lovelace" in present and "Alan Turing" in present and "Grace Hopper" not in present
    late = html[html.index('id="late"') : html.index('id="h-kiosks"')]
    assert "Alan Turing" in late and "20 min" in late and "Ada Lovelace" not in late
    kiosks = html[html.index('id="kiosk-table"') :]
    assert re.search(r"kiosk-1</td>\s*<td><span class=\"badge text-bg-success\">online", kiosks)
    assert re.search(r"kiosk-2</td>\s*<td><span class=\"badge text-bg-danger\">never seen", kiosks)
    assert re.search(r"kiosk-1</td>.*?</td>\s*<td>4</td>", kiosks, re.S)
    assert '<div class="display-6" id="count-in">2</div>' in html
    page = console.get("/today").get_data(as_text=True)
    assert 'data-live-url="/today/live"' in page and "console.js" in page


def test_kiosk_void_takes_the_check_in_out_everywhere_and_shows_in_review(
    app, backend, client, console, site, kiosk_token, admin_token
):
    original = checkin("p-1", "Ada Lovelace", minutes_ago(3))
    post_events(client, kiosk_token, original)
    day = datetime.fromisoformat(original["timestamp"]).date().isoformat()
    presence = client.get(f"/api/v1/presence?date={day}", headers=bearer(admin_token)).get_json()
    assert presence["person_ids"] == ["p-1"]
    void = void_of(original)
    assert post_events(client, kiosk_token, void)[0]["status"] == "created"
    assert post_events(client, kiosk_token, void)[0]["status"] == "duplicate"  # a resent batch
    assert "Ada Lovelace" not in live(console)
    presence = client.get(f"/api/v1/presence?date={day}", headers=bearer(admin_token)).get_json()
    assert presence["person_ids"] == []
    events = client.get("/api/v1/attendance", headers=bearer(admin_token)).get_json()["events"]
    assert events == []
    with app.extensions["db_engine"].connect() as conn:
        a, c = schema.attendance, schema.corrections
        assert conn.execute(select(func.count()).select_from(a)).scalar_one() == 1  # the original stays
        row = conn.execute(select(c)).one()
    assert (row.kind, row.event_id, row.actor, row.reason) == ("void", original["event_id"], "kiosk:kiosk-1", "not_me")
    review = console.get("/review").get_data(as_text=True)
    corrections = review[review.index('id="corrections-table"') :]
    assert "Not you?" in corrections and "kiosk:kiosk-1" in corrections and "Ada Lovelace" in corrections


def test_a_kiosk_cannot_void_another_kiosks_check_in(app, client, kiosk_token, other_kiosk_token):
    original = checkin("p-1", "Ada Lovelace", minutes_ago(3))
    post_events(client, kiosk_token, original)
    result = post_events(client, other_kiosk_token, void_of(original))[0]
    assert result["status"] == "rejected" and "another kiosk" in result["error"]
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.corrections)).scalar_one() == 0


def test_bad_void_and_method_values_are_rejected(client, kiosk_token):
    results = post_events(
        client, kiosk_token,
        {**checkin("p-1", "Ada", minutes_ago(1)), "voids": "not-a-uuid"},
        {**checkin("p-1", "Ada", minutes_ago(1)), "method": "retina"},
        {**checkin("p-1", "Ada", minutes_ago(1)), "reason": "x" * 201, "voids": str(uuid.uuid4())},
    )  # fmt: skip
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert "voids" in results[0]["error"] and "method" in results[1]["error"] and "reason" in results[2]["error"]


def test_method_is_stored_and_counted(app, client, kiosk_token):
    from prometheus_client import REGISTRY

    def count() -> float:
        value = REGISTRY.get_sample_value("attendance_checkins_total", {"kiosk": "kiosk-1", "method": "pin"})
        return value or 0.0

    before = count()
    post_events(
        client, kiosk_token, checkin("p-1", "Ada", minutes_ago(1), method="pin"), checkin("p-2", "Bo", minutes_ago(1))
    )
    with app.extensions["db_engine"].connect() as conn:
        methods = dict(conn.execute(select(schema.attendance.c.person_id, schema.attendance.c.method)).all())
    assert methods == {"p-1": "pin", "p-2": "face"}
    assert count() == before + 1


def review_form(console, event_id: str, show: str = "") -> dict:
    """The nonce of the review form of ``event_id`` as the page rendered it."""
    html = console.get(f"/review?show={show}").get_data(as_text=True)
    start = html.index(f'data-event-id="{event_id}"')
    nonce = re.search(r'name="nonce" value="([^"]+)"', html[start:]).group(1)
    return {"nonce": nonce}


def test_review_lists_doubtful_matches_only(client, as_role, site, kiosk_token):
    near = checkin("p-1", "Ada Lovelace", minutes_ago(5), distance=0.45)
    small_margin = checkin("p-2", "Alan Turing", minutes_ago(5), distance=0.30, margin=0.01)
    sure = checkin("p-3", "Grace Hopper", minutes_ago(5), distance=0.30, margin=0.2)
    post_events(client, kiosk_token, near, small_margin, sure)
    html = as_role("manager").get("/review").get_data(as_text=True)
    table = html[html.index('id="review-table"') : html.index('id="h-add"')]
    assert near["event_id"] in table and small_margin["event_id"] in table
    assert sure["event_id"] not in table
    everything = as_role("manager").get("/review?show=all").get_data(as_text=True)
    assert sure["event_id"] in everything


def report_names(console, day: str) -> str:
    html = console.get(f"/reports/attendance?from={day}&to={day}").get_data(as_text=True)
    return html[html.index('id="report-days"') : html.index('id="report-totals"')]


def test_manager_voids_a_check_in_once_and_the_report_changes(app, backend, client, as_role, site, kiosk_token):
    manager = as_role("manager")
    event = checkin("p-1", "Ada Lovelace", minutes_ago(5), distance=0.45)
    post_events(client, kiosk_token, event)
    day = datetime.fromisoformat(event["timestamp"]).astimezone(ZoneInfo(site)).date().isoformat()
    assert "Ada Lovelace" in report_names(manager, day)
    form = {**review_form(manager, event["event_id"]), "action": "void", "reason": "it was her sister"}
    response = manager.post(f"/review/{event['event_id']}", form, follow_redirects=True)
    assert response.status_code == 200 and "check-in voided" in response.get_data(as_text=True)
    again = manager.post(f"/review/{event['event_id']}", form, follow_redirects=True)  # a double submit
    assert "nothing changed" in again.get_data(as_text=True)
    assert "Ada Lovelace" not in report_names(manager, day)
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.corrections)).scalar_one() == 1
        entry = [e for e in audit.read(conn) if e["action"] == "correct"]
    assert entry[0]["actor"] == "user:manager" and entry[0]["details"]["kind"] == "void"


def test_void_needs_a_reason(app, client, as_role, site, kiosk_token):
    manager = as_role("manager")
    event = checkin("p-1", "Ada Lovelace", minutes_ago(5), distance=0.45)
    post_events(client, kiosk_token, event)
    form = {**review_form(manager, event["event_id"]), "action": "void", "reason": "  "}
    html = manager.post(f"/review/{event['event_id']}", form, follow_redirects=True).get_data(as_text=True)
    assert "Not recorded: give a reason" in html
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.corrections)).scalar_one() == 0


def test_reassign_moves_the_check_in_and_refuses_unknown_or_erased_people(app, client, as_role, site, kiosk_token):
    manager = as_role("manager")
    enrol(client, kiosk_token, "p-2", "Alan Turing")
    enrol(client, kiosk_token, "p-9", "Gone Person")
    client.delete("/api/v1/people/p-9", headers=bearer(kiosk_token))
    event = checkin("p-1", "Ada Lovelace", minutes_ago(5), distance=0.45)
    post_events(client, kiosk_token, event)
    day = datetime.fromisoformat(event["timestamp"]).astimezone(ZoneInfo(site)).date().isoformat()
    url = f"/review/{event['event_id']}"
    for person, message in (
        ("p-9", "p-9 was erased"),
        ("nobody", "nobody called or numbered"),
        ("", "choose a person"),
    ):
        form = {**review_form(manager, event["event_id"]), "action": "reassign", "person": person, "reason": "r"}
        html = manager.post(url, form, follow_redirects=True).get_data(as_text=True)
        assert message in html, person
    form = {**review_form(manager, event["event_id"]), "action": "reassign", "person": "p-2", "reason": "twins"}
    html = manager.post(url, form, follow_redirects=True).get_data(as_text=True)
    assert "reassigned to Alan Turing" in html
    names = report_names(manager, day)
    assert "Alan Turing" in names and "Ada Lovelace" not in names
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.corrections)).scalar_one() == 1


def test_add_a_missed_check_in_once(app, client, as_role, site, kiosk_token):
    manager = as_role("manager")
    enrol(client, kiosk_token, "p-2", "Alan Turing")
    html = manager.get("/review").get_data(as_text=True)
    add = html[html.index('id="add-form"') :]
    nonce = re.search(r'name="nonce" value="([^"]+)"', add).group(1)
    local = datetime.now(timezone.utc).astimezone(ZoneInfo(site)) - timedelta(minutes=20)
    form = {"nonce": nonce, "person": "p-2", "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
            "direction": "in", "reason": "camera was down"}  # fmt: skip
    assert "Added a check-in for Alan Turing" in manager.post("/review/add", form, follow_redirects=True).get_data(
        as_text=True
    )
    assert "already recorded" in manager.post("/review/add", form, follow_redirects=True).get_data(as_text=True)
    assert "Alan Turing" in report_names(manager, local.date().isoformat())
    future = {**form, "nonce": str(uuid.uuid4()), "date": (local + timedelta(days=3)).date().isoformat()}
    assert "in the future" in manager.post("/review/add", future, follow_redirects=True).get_data(as_text=True)
    garbage = {**form, "nonce": str(uuid.uuid4()), "date": "31/12/2024"}
    assert "YYYY-MM-DD" in manager.post("/review/add", garbage, follow_redirects=True).get_data(as_text=True)
    with app.extensions["db_engine"].connect() as conn:
        rows = conn.execute(select(schema.attendance.c.kiosk, schema.attendance.c.method)).all()
    assert rows == [("console", "manual")]


def test_false_accepts_per_kiosk_on_metrics(app, backend, client, as_role, site, kiosk_token):
    manager = as_role("manager")
    enrol(client, kiosk_token, "p-2", "Alan Turing")
    wrong = [checkin("p-1", "Ada Lovelace", minutes_ago(5), distance=0.45) for _ in range(3)]
    post_events(client, kiosk_token, *wrong)
    post_events(client, kiosk_token, void_of(wrong[0]))
    form = {**review_form(manager, wrong[1]["event_id"]), "action": "reassign", "person": "p-2", "reason": "twin"}
    manager.post(f"/review/{wrong[1]['event_id']}", form)
    form = {**review_form(manager, wrong[2]["event_id"]), "action": "confirm"}
    manager.post(f"/review/{wrong[2]['event_id']}", form)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'kiosk_false_accepts{kiosk="kiosk-1"} 2.0' in metrics
    kiosks = as_role("admin").get("/kiosks").get_data(as_text=True)
    assert re.search(r'<td class="text-end">2</td>', kiosks)
