"""Least privilege for people writes (issue 12.1) and tombstones that win (issue 12.3)."""

from __future__ import annotations

from sqlalchemy import func, select

from server import schema
from server.privacy import pseudonym
from tests.server.conftest import TEST_SECRET, bearer, make_event
from tests.server.test_people import person


def stored_embeddings(app, person_id="p-1") -> list[bytes]:
    with app.extensions["db_engine"].connect() as conn:
        e = schema.embeddings
        return list(conn.execute(select(e.c.vector).where(e.c.person_id == person_id)).scalars())


def audit_rows(app) -> list[tuple[str, str, str | None]]:
    with app.extensions["db_engine"].connect() as conn:
        a = schema.audit
        return [tuple(r) for r in conn.execute(select(a.c.actor, a.c.action, a.c.subject).order_by(a.c.id))]


def pull(client, token, since=0) -> dict:
    return client.get(f"/api/v1/people/changes?since={since}", headers=bearer(token)).json


# -- 12.1 scopes ------------------------------------------------------------------------------------------


def test_a_check_in_only_kiosk_cannot_write_people_but_checks_in_and_pulls(
    app, client, backend, checkin_token, kiosk_token
):
    put = client.put("/api/v1/people/p-1", json=person(), headers=bearer(checkin_token))
    assert put.status_code == 403 and put.json["error"] == "forbidden"
    assert "enrol" in put.json["message"] and "ask an administrator" in put.json["message"]
    client.put("/api/v1/people/p-2", json=person(), headers=bearer(kiosk_token))
    delete = client.delete("/api/v1/people/p-2", headers=bearer(checkin_token))
    assert delete.status_code == 403 and delete.json["error"] == "forbidden"

    assert stored_embeddings(app, "p-1") == [] and len(stored_embeddings(app, "p-2")) == 2
    events = client.post("/api/v1/events", json={"events": [make_event()]}, headers=bearer(checkin_token))
    assert events.json["results"][0]["status"] == "created"
    assert [u["person_id"] for u in pull(client, checkin_token)["upserts"]] == ["p-2"]
    denied = [r for r in audit_rows(app) if r[1] == "denied"]
    assert denied == [("kiosk:kiosk-3", "denied", "p-1"), ("kiosk:kiosk-3", "denied", "p-2")]


def test_an_enrol_kiosk_cannot_change_or_erase_a_person_enrolled_elsewhere(
    app, client, backend, kiosk_token, other_kiosk_token, admin_token
):
    assert client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token)).status_code == 200
    before = stored_embeddings(app)

    hijack = client.put("/api/v1/people/p-1", json=person(name="Mallory", n=1), headers=bearer(other_kiosk_token))
    assert hijack.status_code == 403 and "enrolled at kiosk-1" in hijack.json["message"]
    erase = client.delete("/api/v1/people/p-1", headers=bearer(other_kiosk_token))
    assert erase.status_code == 403 and "enrolled at kiosk-1" in erase.json["message"]
    assert stored_embeddings(app) == before
    assert pull(client, other_kiosk_token)["upserts"][0]["name"] == "Grace Hopper"

    own = client.put("/api/v1/people/p-1", json=person(name="G. Hopper", n=1), headers=bearer(kiosk_token))
    assert own.status_code == 200 and len(stored_embeddings(app)) == 1
    admin = client.put("/api/v1/people/p-1", json=person(name="Grace B. Hopper"), headers=bearer(admin_token))
    assert admin.status_code == 200
    upsert = pull(client, other_kiosk_token)["upserts"][0]
    assert upsert["name"] == "Grace B. Hopper" and upsert["enrolled_by"] == "kiosk-1"  # an admin edit keeps it
    assert client.delete("/api/v1/people/p-1", headers=bearer(kiosk_token)).status_code == 200


def test_the_people_pull_says_who_enrolled_each_person(client, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    client.put("/api/v1/people/p-2", json=person(name="Ada"), headers=bearer(admin_token))
    upserts = {u["person_id"]: u["enrolled_by"] for u in pull(client, kiosk_token)["upserts"]}
    assert upserts == {"p-1": "kiosk-1", "p-2": "admin:alice"}
    listing = client.get("/api/v1/people", headers=bearer(admin_token)).json["people"]
    assert [p["enrolled_by"] for p in listing] == ["kiosk-1", "admin:alice"]


def test_every_gallery_change_is_audited_with_the_tokens_name(app, client, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    client.put("/api/v1/people/p-1", json=person(n=1), headers=bearer(admin_token))
    client.delete("/api/v1/people/p-1", headers=bearer(kiosk_token))
    changes = [r for r in audit_rows(app) if r[1] in ("enrol", "delete")]
    assert changes == [
        ("kiosk:kiosk-1", "enrol", "p-1"), ("admin:alice", "enrol", "p-1"), ("kiosk:kiosk-1", "delete", "p-1"),
    ]  # fmt: skip


def test_a_kiosk_erasing_someone_the_server_never_had_gets_404_and_no_tombstone(app, client, kiosk_token):
    response = client.delete("/api/v1/people/nobody", headers=bearer(kiosk_token))
    assert response.status_code == 404 and response.json["error"] == "not_found"
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.people)).scalar_one() == 0


def test_cli_kiosk_scopes_show_in_the_list_and_change_without_a_new_token(runner, tmp_path):
    from server import create_app

    plain = runner.invoke("kiosk", "add", "door-1").output.strip().splitlines()[-1]
    enrol = runner.invoke("kiosk", "add", "--enrol", "door-2").output.strip().splitlines()[-1]
    listing = runner.invoke("kiosk", "list").output
    assert "door-1\tactive\tcheckin\t" in listing and "door-2\tactive\tcheckin,enrol\t" in listing

    app = create_app({"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    client = app.test_client()
    assert client.put("/api/v1/people/p-1", json=person(), headers=bearer(plain)).status_code == 403
    assert client.put("/api/v1/people/p-2", json=person(), headers=bearer(enrol)).status_code == 200

    assert runner.invoke("kiosk", "scopes", "door-1", "--enrol").exit_code == 0
    assert runner.invoke("kiosk", "scopes", "door-2", "--no-enrol").exit_code == 0
    assert "door-1\tactive\tcheckin,enrol\t" in runner.invoke("kiosk", "list").output
    assert client.put("/api/v1/people/p-1", json=person(), headers=bearer(plain)).status_code == 200
    assert client.put("/api/v1/people/p-2", json=person(n=1), headers=bearer(enrol)).status_code == 403
    assert runner.invoke("kiosk", "scopes", "nobody", "--enrol").exit_code != 0

    import json

    log = [json.loads(line) for line in runner.invoke("audit").output.splitlines()]
    scopes = [(e["subject"], e["details"]["scopes"]) for e in log if e["action"] == "token-scopes"]
    assert scopes == [("door-1", "checkin enrol"), ("door-2", "checkin")]


# -- 12.3 tombstones win --------------------------------------------------------------------------------


def test_an_erased_person_is_not_brought_back_by_a_later_push(app, client, backend, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    assert client.delete("/api/v1/people/p-1", headers=bearer(admin_token)).status_code == 200
    cursor = pull(client, kiosk_token)["cursor"]

    late = client.put("/api/v1/people/p-1", json=person(name="Grace (edited)"), headers=bearer(kiosk_token))
    assert late.status_code == 410 and late.json["error"] == "erased"
    assert client.put("/api/v1/people/p-1", json=person(), headers=bearer(admin_token)).status_code == 410
    after = pull(client, kiosk_token)
    assert after["upserts"] == [] and after["deletions"] == ["p-1"] and after["cursor"] == cursor
    assert stored_embeddings(app) == []
    again = client.delete("/api/v1/people/p-1", headers=bearer(kiosk_token))
    assert again.status_code == 200 and again.json["cursor"] == cursor  # erasing twice changes nothing

    refused = client.put("/api/v1/people/p-1?reenrol=true", json=person(), headers=bearer(kiosk_token))
    assert refused.status_code == 403
    back = client.put("/api/v1/people/p-1?reenrol=true", json=person(), headers=bearer(admin_token))
    assert back.status_code == 200
    upsert = pull(client, kiosk_token, cursor)["upserts"][0]
    assert upsert["person_id"] == "p-1" and upsert["enrolled_by"] == "admin:alice"
    assert ("admin:alice", "re-enrol", "p-1") in audit_rows(app)


def test_checkins_of_an_erased_person_that_arrive_later_are_pseudonymised(
    app, client, backend, kiosk_token, other_kiosk_token, admin_token
):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    early = make_event(person_id="p-1", name="Grace Hopper")
    client.post("/api/v1/events", json={"events": [early]}, headers=bearer(kiosk_token))
    client.delete("/api/v1/people/p-1", headers=bearer(admin_token))

    late = make_event(person_id="p-1", name="Grace Hopper")  # recorded offline on kiosk-2 before the erasure
    other = make_event(person_id="p-2", name="Ada Lovelace")
    response = client.post("/api/v1/events", json={"events": [late, other]}, headers=bearer(other_kiosk_token))
    assert [r["status"] for r in response.json["results"]] == ["created", "created"]
    with app.extensions["db_engine"].connect() as conn:
        a = schema.attendance
        rows = {r.event_id: (r.person_id, r.name) for r in conn.execute(select(a.c.event_id, a.c.person_id, a.c.name))}
    hidden = (pseudonym("p-1", TEST_SECRET), "erased")
    assert rows == {early["event_id"]: hidden, late["event_id"]: hidden, other["event_id"]: ("p-2", "Ada Lovelace")}
    export = client.get("/api/v1/attendance?format=csv", headers=bearer(admin_token)).get_data(as_text=True)
    assert "Grace" not in export and "p-1," not in export


def test_with_the_delete_policy_late_checkins_of_an_erased_person_are_not_stored(
    app, client, kiosk_token, admin_token
):
    app.config["ERASURE_CHECKINS"] = "delete"
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    client.delete("/api/v1/people/p-1", headers=bearer(admin_token))
    late = make_event(person_id="p-1", name="Grace Hopper")
    response = client.post("/api/v1/events", json={"events": [late]}, headers=bearer(kiosk_token))
    assert response.json["results"] == [{"event_id": late["event_id"], "status": "erased"}]
    with app.extensions["db_engine"].connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.attendance)).scalar_one() == 0

