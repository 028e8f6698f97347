"""Server retention: check-ins past RETENTION_CHECKIN_DAYS and templates of people not seen go, nothing else."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server import retention, schema
from tests.server.conftest import bearer, make_event
from tests.server.test_people import person

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=timezone.utc)


def _at(days_ago: float, **kw):
    ts = (NOW - timedelta(days=days_ago)).astimezone(timezone(timedelta(hours=2)))
    return make_event(timestamp=ts.isoformat(), **kw)


def _event_ids(app) -> set[str]:
    with app.extensions["db_engine"].connect() as conn:
        return set(conn.execute(select(schema.attendance.c.event_id)).scalars())


def _purge(app, checkin_days=0, template_days=0, now=NOW):
    with app.app_context(), app.extensions["db_engine"].connect() as conn:
        return retention.purge(conn, now, checkin_days, template_days)


def test_purge_removes_exactly_the_checkins_past_the_period(app, client, backend, kiosk_token):
    old = [_at(31), _at(30.0001)]
    young = [_at(29.9999), _at(1)]
    client.post("/api/v1/events", json={"events": old + young}, headers=bearer(kiosk_token))
    result = _purge(app, checkin_days=30)
    assert result.checkins == 2 and result.templates == 0
    assert _event_ids(app) == {e["event_id"] for e in young}
    assert _purge(app, checkin_days=30).checkins == 0


def _enrol_at(app, client, token, person_id, days_ago):
    client.put(f"/api/v1/people/{person_id}", json=person(n=2), headers=bearer(token))
    with app.extensions["db_engine"].begin() as conn:
        when = (NOW - timedelta(days=days_ago)).replace(tzinfo=None)
        conn.execute(schema.people.update().where(schema.people.c.person_id == person_id).values(updated_at=when))


def test_templates_of_people_not_seen_expire_and_reach_the_kiosks_as_deletions(app, client, backend, kiosk_token):
    _enrol_at(app, client, kiosk_token, "gone", 400)  # enrolled long ago, last seen 200 days ago
    _enrol_at(app, client, kiosk_token, "regular", 400)  # seen yesterday
    _enrol_at(app, client, kiosk_token, "new", 10)  # never seen, enrolled recently
    client.post("/api/v1/events", json={"events": [_at(200, person_id="gone"), _at(1, person_id="regular")]},
                headers=bearer(kiosk_token))  # fmt: skip
    # check-ins are purged first (90 days): "gone"'s last check-in survives as people.last_seen_at
    assert _purge(app, checkin_days=90).checkins == 1
    assert _purge(app, template_days=201).people == 0
    result = _purge(app, template_days=180)
    assert (result.people, result.templates) == (1, 2)
    changes = client.get("/api/v1/people/changes", headers=bearer(kiosk_token)).json
    assert changes["deletions"] == ["gone"]
    assert {u["person_id"] for u in changes["upserts"]} == {"regular", "new"}
    with app.extensions["db_engine"].connect() as conn:
        owners = set(conn.execute(select(schema.embeddings.c.person_id)).scalars())
        actions = conn.execute(select(schema.audit.c.action, schema.audit.c.subject)).all()
    assert owners == {"regular", "new"}
    assert ("expire", "gone") in actions and ("purge", None) in actions


def test_the_purge_runs_once_per_interval_whatever_the_number_of_callers(app, client, kiosk_token):
    app.config.update(RETENTION_CHECKIN_DAYS=30, PURGE_INTERVAL_SECONDS=3600)
    client.post("/api/v1/events", json={"events": [_at(40), _at(1)]}, headers=bearer(kiosk_token))
    results = []
    threads = [threading.Thread(target=lambda: results.append(retention.run_if_due(app, NOW))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ran = [r for r in results if r is not None]
    assert len(ran) == 1 and ran[0].checkins == 1
    assert retention.run_if_due(app, NOW + timedelta(minutes=59)) is None
    assert retention.run_if_due(app, NOW + timedelta(minutes=61)) is not None


def test_the_timer_purges_by_itself(app, client, kiosk_token, monkeypatch):
    monkeypatch.setattr(retention, "_loop", _fast_loop)
    app.config.update(RETENTION_CHECKIN_DAYS=30, PURGE_INTERVAL_SECONDS=1)
    old = make_event(timestamp=(datetime.now(timezone.utc) - timedelta(days=31)).isoformat())
    client.post("/api/v1/events", json={"events": [old]}, headers=bearer(kiosk_token))  # starts the timer
    deadline = time.monotonic() + 10
    while old["event_id"] in _event_ids(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    app.extensions["purge_stop"].set()
    assert old["event_id"] not in _event_ids(app)


def _fast_loop(app, interval, stop):
    while not stop.wait(0.05):
        retention.run_if_due(app)


def test_cli_purge_reports_counts(runner, tmp_path, monkeypatch):
    assert "retention is off" in runner.invoke("purge").output
    monkeypatch.setenv("RETENTION_CHECKIN_DAYS", "30")
    out = runner.invoke("purge")
    assert out.exit_code == 0 and "removed 0 check-ins and 0 templates of 0 people" in out.output
