"""People, Kiosks and Audit (admins)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from server import audit, schema
from tests.server.conftest import bearer
from tests.server.console.helpers import checkin, enrol, minutes_ago, post_events


def test_people_search_shows_enrolment_state_without_faces(console, client, kiosk_token):
    enrol(client, kiosk_token, "p-1", "Ada Lovelace", employee_no="E-1", samples=3)
    enrol(client, kiosk_token, "p-2", "Alan Turing")
    html = console.get("/people?q=lovel").get_data(as_text=True)
    table = html[html.index('id="people-table"') :]
    assert "Ada Lovelace" in table and "Alan Turing" not in table
    assert re.search(r"<td>E-1</td><td></td><td class=\"text-end\">3</td>\s*<td>kiosk-1</td>", table)
    assert "<img" not in html
    assert "Nobody matches" in console.get("/people?q=zzz").get_data(as_text=True)
    detail = console.get("/people/p-1").get_data(as_text=True)
    assert "3 (encrypted templates; no photos are kept)" in detail and "version v1" in detail


def test_rename_reaches_the_kiosks_and_is_audited(app, console, client, kiosk_token):
    enrol(client, kiosk_token, "p-1", "Ada Lovelace")
    cursor = client.get("/api/v1/people/changes?since=0", headers=bearer(kiosk_token)).get_json()["cursor"]
    form = {"name": "Ada King", "employee_no": "E-7", "department": "Research"}
    html = console.post("/people/p-1", form, page="/people/p-1", follow_redirects=True).get_data(as_text=True)
    assert "Saved." in html and 'value="Ada King"' in html and 'value="Research"' in html
    changes = client.get(f"/api/v1/people/changes?since={cursor}", headers=bearer(kiosk_token)).get_json()
    assert [(u["person_id"], u["name"], len(u["embeddings"])) for u in changes["upserts"]] == [("p-1", "Ada King", 2)]
    bad = console.post("/people/p-1", {"name": ""}, page="/people/p-1", follow_redirects=True).get_data(as_text=True)
    assert "Not saved: name must not be empty" in bad
    with app.extensions["db_engine"].connect() as conn:
        actions = [(e["actor"], e["action"]) for e in audit.read(conn) if e["subject"] == "p-1"]
    assert ("user:admin", "rename") in actions


def test_erase_needs_the_typed_id_and_uses_the_erasure_path(app, console, client, kiosk_token):
    enrol(client, kiosk_token, "p-1", "Ada Lovelace")
    post_events(client, kiosk_token, checkin("p-1", "Ada Lovelace", minutes_ago(5)))
    wrong = console.post("/people/p-1/erase", {"confirm": "p-"}, page="/people/p-1", follow_redirects=True)
    assert "type the person&#39;s id exactly" in wrong.get_data(as_text=True)
    html = console.post("/people/p-1/erase", {"confirm": "p-1"}, page="/people/p-1", follow_redirects=True)
    assert "p-1 erased" in html.get_data(as_text=True)
    again = console.post("/people/p-1/erase", {"confirm": "p-1"}, follow_redirects=True).get_data(as_text=True)
    assert "already erased" in again
    with app.extensions["db_engine"].connect() as conn:
        person = conn.execute(select(schema.people).where(schema.people.c.person_id == "p-1")).one()
        embeddings = conn.execute(select(func.count()).select_from(schema.embeddings)).scalar_one()
        names = set(conn.execute(select(schema.attendance.c.name)).scalars())
        deletes = [e for e in audit.read(conn) if e["action"] == "delete"]
    assert person.deleted and person.name == "" and person.department is None and embeddings == 0
    assert names == {"erased"}  # the default policy pseudonymises the history
    assert len(deletes) == 1 and deletes[0]["actor"] == "user:admin"
    assert console.get("/people/p-1").status_code == 404


def test_add_a_kiosk_shows_its_token_once_and_revoke_needs_the_name(app, console, client):
    response = console.post("/kiosks", {"name": "door-3"}, page="/kiosks")
    assert response.status_code == 201
    token = re.search(r'id="token-value">([^<]+)<', response.get_data(as_text=True)).group(1)
    beat = {"fps": 1, "recognition_latency_ms": 1, "sync_backlog": 7, "version": "2.1"}
    assert client.post("/api/v1/heartbeat", json=beat, headers=bearer(token)).status_code == 200
    page = console.get("/kiosks").get_data(as_text=True)
    assert token not in page and "door-3" in page and "2.1" in page and '<td class="text-end">7</td>' in page
    assert "already exists" in console.post("/kiosks", {"name": "door-3"}, page="/kiosks").get_data(as_text=True)
    assert console.post("/kiosks", {"name": ""}, page="/kiosks").status_code == 400
    no = console.post("/kiosks/door-3/revoke", {"confirm": "door"}, page="/kiosks", follow_redirects=True)
    assert "Not revoked" in no.get_data(as_text=True)
    yes = console.post("/kiosks/door-3/revoke", {"confirm": "door-3"}, page="/kiosks", follow_redirects=True)
    assert "Kiosk door-3 revoked" in yes.get_data(as_text=True)
    assert client.post("/api/v1/heartbeat", json={}, headers=bearer(token)).status_code == 401
    with app.extensions["db_engine"].connect() as conn:
        actions = [(e["actor"], e["action"], e["subject"]) for e in audit.read(conn)]
    assert ("user:admin", "token-add", "door-3") in actions and ("user:admin", "token-revoke", "door-3") in actions


def test_audit_page_filters_and_shows_logins_and_exports(console, as_role):
    as_role("viewer").get("/reports/attendance?format=csv")
    html = console.get("/audit?action=export").get_data(as_text=True)
    table = html[html.index('id="audit-table"') :]
    assert "user:viewer" in table and "login" not in table.replace("export", "")
    logins = console.get("/audit?action=login&actor=viewer").get_data(as_text=True)
    assert "user:viewer" in logins[logins.index('id="audit-table"') :]
    bad = console.get("/audit?from=soon")
    assert bad.status_code == 400 and "is not a date" in bad.get_data(as_text=True)


def test_kiosk_scopes_are_set_at_creation_and_changed_without_a_new_token(app, console, client):
    from server import auth

    response = console.post("/kiosks", {"name": "door-4", "enrol": "on"}, page="/kiosks")
    token = re.search(r'id="token-value">([^<]+)<', response.get_data(as_text=True)).group(1)
    console.post("/kiosks", {"name": "door-5"}, page="/kiosks")
    with app.extensions["db_engine"].connect() as conn:
        scopes = {h.name: h.scopes for h in auth.list_principals(conn, "kiosk")}
    assert scopes == {"door-4": ("checkin", "enrol"), "door-5": ("checkin",)}
    html = console.post("/kiosks/door-4/scopes", {"enrol": "off"}, page="/kiosks", follow_redirects=True)
    assert "Kiosk door-4 may now: checkin." in html.get_data(as_text=True)
    with app.extensions["db_engine"].connect() as conn:
        assert {h.name: h.scopes for h in auth.list_principals(conn, "kiosk")}["door-4"] == ("checkin",)
        entry = [e for e in audit.read(conn) if e["action"] == "token-scopes"][-1]
    assert entry["actor"] == "user:admin" and entry["subject"] == "door-4"
    body = {"name": "X", "consent": {"given": True, "at": "2024-05-01T08:00:00+02:00"}, "embeddings": [[0.1] * 128]}
    assert client.put("/api/v1/people/p-x", json=body, headers=bearer(token)).status_code == 403
    gone = console.post("/kiosks/nope/scopes", {"enrol": "on"}, page="/kiosks", follow_redirects=True)
    assert "no active kiosk called nope" in gone.get_data(as_text=True)
