"""People and embeddings: push from one kiosk, pull on another, delete with tombstones."""

from __future__ import annotations

from sqlalchemy import func, select

from server import schema
from tests.server.conftest import bearer


def person(name="Grace Hopper", n=2, **extra):
    body = {
        "name": name,
        "employee_no": "E-42",
        "consent": {"given": True, "at": "2024-05-01T08:00:00+02:00", "version": "v1"},
        "embeddings": [[0.01 * (i + j) for j in range(128)] for i in range(n)],
    }
    body.update(extra)
    return body


def test_person_enrolled_on_one_kiosk_reaches_another(client, backend, kiosk_token, other_kiosk_token):
    put = client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    assert put.status_code == 200
    changes = client.get("/api/v1/people/changes?since=0", headers=bearer(other_kiosk_token)).json
    assert [u["person_id"] for u in changes["upserts"]] == ["p-1"]
    got = changes["upserts"][0]
    assert got["name"] == "Grace Hopper" and got["employee_no"] == "E-42" and got["consent"]["given"]
    assert len(got["embeddings"]) == 2 and got["embeddings"][1][:3] == [0.01, 0.02, 0.03]
    again = client.get(f"/api/v1/people/changes?since={changes['cursor']}", headers=bearer(other_kiosk_token))
    assert again.json["upserts"] == [] and again.json["cursor"] == changes["cursor"]


def test_deletion_is_a_tombstone_and_removes_the_embeddings(app, client, backend, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    cursor = client.get("/api/v1/people/changes", headers=bearer(kiosk_token)).json["cursor"]
    assert client.delete("/api/v1/people/p-1", headers=bearer(admin_token)).status_code == 200
    changes = client.get(f"/api/v1/people/changes?since={cursor}", headers=bearer(kiosk_token)).json
    assert changes["deletions"] == ["p-1"] and changes["upserts"] == []
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.embeddings)).scalar_one() == 0
        row = conn.execute(select(schema.people)).one()
    assert row.name == "" and row.employee_no is None and row.consent is None


def test_re_enrolling_replaces_the_embeddings(client, kiosk_token):
    client.put("/api/v1/people/p-1", json=person(n=3), headers=bearer(kiosk_token))
    client.put("/api/v1/people/p-1", json=person(name="G. Hopper", n=1), headers=bearer(kiosk_token))
    changes = client.get("/api/v1/people/changes", headers=bearer(kiosk_token)).json
    assert len(changes["upserts"]) == 1
    assert changes["upserts"][0]["name"] == "G. Hopper" and len(changes["upserts"][0]["embeddings"]) == 1


def test_admins_never_get_embeddings(client, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    changes = client.get("/api/v1/people/changes", headers=bearer(admin_token)).json
    assert changes["upserts"] and "embeddings" not in changes["upserts"][0]
    listing = client.get("/api/v1/people", headers=bearer(admin_token)).json["people"]
    assert listing[0]["embedding_count"] == 2 and "embeddings" not in listing[0]
    assert client.get("/api/v1/people/changes").status_code == 401


def test_changes_are_paged_in_cursor_order(app, client, kiosk_token):
    app.config["PEOPLE_PAGE_SIZE"] = 2
    for i in range(5):
        client.put(f"/api/v1/people/p-{i}", json=person(n=1), headers=bearer(kiosk_token))
    seen, cursor, more = [], 0, True
    while more:
        page = client.get(f"/api/v1/people/changes?since={cursor}", headers=bearer(kiosk_token)).json
        seen += [u["person_id"] for u in page["upserts"]]
        cursor, more = page["cursor"], page["more"]
    assert seen == [f"p-{i}" for i in range(5)]


def test_person_without_consent_or_with_bad_embeddings_is_refused(app, client, kiosk_token):
    bad = [
        person(consent={"given": False, "at": "2024-05-01T08:00:00+02:00"}),
        person(consent=None),
        person(embeddings=[[0.1] * 127]),
        person(embeddings=[]),
        person(embeddings=[[float("nan")] * 128]),
        person(name=""),
    ]
    for body in bad:
        response = client.put("/api/v1/people/p-1", json=body, headers=bearer(kiosk_token))
        assert response.status_code == 400, body
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.people)).scalar_one() == 0
