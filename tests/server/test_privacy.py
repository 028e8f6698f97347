"""Privacy on the server: embeddings encrypted at rest, erasure, the key file rules, the audit log."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from server import create_app, schema
from server.config import ConfigurationError
from server.crypto import create_key_file
from server.privacy import pseudonym
from tests.server.conftest import TEST_SECRET, bearer, make_app, make_event
from tests.server.test_people import person

KNOWN = [0.123456789 + 0.001 * j for j in range(128)]


def _raw_database_bytes(app) -> bytes:
    engine = app.extensions["db_engine"]
    if engine.dialect.name == "sqlite":
        path = Path(engine.url.database)
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    with engine.connect() as conn:
        return b"".join(bytes(v) for v in conn.execute(text("SELECT vector FROM embeddings")).scalars())


def test_embeddings_at_rest_do_not_contain_the_vector_bytes(app, client, backend, kiosk_token):
    body = person(embeddings=[KNOWN, KNOWN[::-1]])
    assert client.put("/api/v1/people/p-1", json=body, headers=bearer(kiosk_token)).status_code == 200
    raw = _raw_database_bytes(app)
    assert len(raw) > 2 * 128 * 8
    for fmt in ("<128d", "<128f", ">128d"):
        packed = struct.pack(fmt, *KNOWN)
        assert packed not in raw and packed[:64] not in raw, fmt
    # ... and the kiosks still get the exact numbers back
    got = client.get("/api/v1/people/changes", headers=bearer(kiosk_token)).json["upserts"][0]["embeddings"]
    assert got == [KNOWN, KNOWN[::-1]]


def test_a_row_moved_to_another_person_does_not_decrypt(app, client, kiosk_token):
    client.put("/api/v1/people/p-1", json=person(n=1), headers=bearer(kiosk_token))
    client.put("/api/v1/people/p-2", json=person(n=1), headers=bearer(kiosk_token))
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(text("UPDATE embeddings SET person_id = 'p-2' WHERE person_id = 'p-1'"))
    assert client.get("/api/v1/people/changes", headers=bearer(kiosk_token)).status_code == 500


def test_vectors_stored_before_encryption_are_sealed_at_start(tmp_path):
    app = make_app(tmp_path)
    plain = struct.pack("<128d", *KNOWN)
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(schema.people.insert().values(
            person_id="old", name="Old", deleted=False, seq=1, updated_at=schema_now(), updated_by="k"))  # fmt: skip
        conn.execute(schema.embeddings.insert().values(person_id="old", vector=plain))
    app.extensions["db_engine"].dispose()
    app = make_app(tmp_path)
    assert struct.pack("<128d", *KNOWN) not in _raw_database_bytes(app)


def schema_now():
    from datetime import datetime

    return datetime(2024, 5, 1, 8, 0)


def _prod_config(tmp_path, **extra):
    return {"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", **extra}


def test_refuses_to_start_without_a_key_file_or_with_a_readable_one(tmp_path):
    missing = tmp_path / "nokey"
    with pytest.raises(ConfigurationError, match="EMBEDDINGS_KEY_FILE.*does not exist.*keygen"):
        create_app(_prod_config(tmp_path, EMBEDDINGS_KEY_FILE=str(missing)))
    assert not missing.exists()
    key = create_key_file(tmp_path / "k" / "embeddings.key")
    assert (key.stat().st_mode & 0o777) == 0o600
    os.chmod(key, 0o644)
    with pytest.raises(ConfigurationError, match="readable by other users"):
        create_app(_prod_config(tmp_path, EMBEDDINGS_KEY_FILE=str(key)))
    os.chmod(key, 0o600)
    create_app(_prod_config(tmp_path, EMBEDDINGS_KEY_FILE=str(key)))


def test_testing_creates_an_owner_only_key(tmp_path):
    key = tmp_path / "new" / "embeddings.key"
    make_app(tmp_path, EMBEDDINGS_KEY_FILE=str(key))
    assert key.stat().st_size == 32 and (key.stat().st_mode & 0o077) == 0


def test_keygen_creates_a_key_once(runner, tmp_path):
    path = tmp_path / "fresh.key"
    assert runner.invoke("keygen", str(path)).exit_code == 0
    assert (path.stat().st_mode & 0o777) == 0o600
    again = runner.invoke("keygen", str(path))
    assert again.exit_code != 0 and "not overwriting" in again.output


def _checkins(app, **where):
    a = schema.attendance
    with app.extensions["db_engine"].connect() as conn:
        query = select(a.c.person_id, a.c.name)
        for key, value in where.items():
            query = query.where(a.c[key] == value)
        return conn.execute(query).all()


def _count(app, table) -> int:
    with app.extensions["db_engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("policy", ["pseudonymise", "delete", "keep"])
def test_erasure_removes_templates_and_applies_the_checkin_policy(app, client, kiosk_token, admin_token, policy):
    app.config["ERASURE_CHECKINS"] = policy
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    client.put("/api/v1/people/p-2", json=person(name="Other"), headers=bearer(kiosk_token))
    events = [make_event(person_id="p-1", name="Grace Hopper"), make_event(person_id="p-2", name="Other")]
    client.post("/api/v1/events", json={"events": events}, headers=bearer(kiosk_token))

    assert client.delete("/api/v1/people/p-1", headers=bearer(admin_token)).status_code == 200

    with app.extensions["db_engine"].connect() as conn:
        left = conn.execute(select(schema.embeddings.c.person_id).distinct()).scalars().all()
    assert left == ["p-2"]
    assert _checkins(app, person_id="p-2") == [("p-2", "Other")]
    if policy == "keep":
        assert _checkins(app, person_id="p-1") == [("p-1", "Grace Hopper")]
    elif policy == "delete":
        assert _count(app, schema.attendance) == 1
    else:
        assert _checkins(app, person_id="p-1") == []
        assert _checkins(app, name="erased") == [(pseudonym("p-1", TEST_SECRET), "erased")]
        assert "p-1" not in pseudonym("p-1", TEST_SECRET)


def test_erasure_drops_the_person_from_the_redis_presence(tmp_path, redis_url):
    import redis

    prefix = f"t-{os.getpid()}-{tmp_path.name}:"
    app = make_app(tmp_path, REDIS_URL=redis_url, REDIS_PREFIX=prefix)
    client = app.test_client()
    from server import auth

    with app.extensions["db_engine"].connect() as conn:
        kiosk = auth.create_principal(conn, "kiosk", "k")
        admin = auth.create_principal(conn, "admin", "a")
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk))
    event = make_event(person_id="p-1")
    client.post("/api/v1/events", json={"events": [event, make_event(person_id="p-2")]}, headers=bearer(kiosk))
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    day = event["timestamp"][:10]
    try:
        assert r.smembers(f"{prefix}presence:{day}") == {"p-1", "p-2"}
        client.delete("/api/v1/people/p-1", headers=bearer(admin))
        assert r.smembers(f"{prefix}presence:{day}") == {"p-2"}
    finally:
        for key in r.scan_iter(match=prefix + "*"):
            r.delete(key)


def test_people_changes_and_admin_commands_are_audited_without_names(app, client, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    client.delete("/api/v1/people/p-1", headers=bearer(admin_token))
    assert client.get("/api/v1/audit", headers=bearer(kiosk_token)).status_code == 403
    entries = client.get("/api/v1/audit", headers=bearer(admin_token)).json["entries"]
    assert [(e["actor"], e["action"], e["subject"]) for e in entries] == [
        ("kiosk:kiosk-1", "enrol", "p-1"),
        ("admin:alice", "delete", "p-1"),
    ]
    assert entries[0]["details"]["embeddings"] == 2
    assert entries[1]["details"] == {"cursor": 2, "embeddings_removed": 2, "checkins_policy": "pseudonymise",
                                     "checkins_changed": 0}  # fmt: skip
    assert "Grace" not in str(entries)
    page = client.get(f"/api/v1/audit?since={entries[0]['id']}", headers=bearer(admin_token)).json
    assert [e["action"] for e in page["entries"]] == ["delete"]


def test_cli_person_export_and_delete_answer_access_and_erasure_requests(runner, tmp_path):
    import json

    kiosk = runner.invoke("kiosk", "add", "--enrol", "k").output.strip().splitlines()[-1]
    app = create_app({"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    client = app.test_client()
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk))
    client.post("/api/v1/events", json={"events": [make_event(person_id="p-1")]}, headers=bearer(kiosk))

    out = runner.invoke("person", "export", "p-1")
    data = json.loads(out.output)
    assert data["person"]["name"] == "Grace Hopper" and data["embedding_count"] == 2
    assert len(data["checkins"]) == 1 and [a["action"] for a in data["audit"]] == ["enrol"]
    assert "embeddings" not in data["person"]

    assert runner.invoke("person", "delete", "p-1").exit_code == 0
    after = json.loads(runner.invoke("person", "export", "p-1").output)
    assert after["person"]["deleted"] and after["person"]["name"] == "" and after["embedding_count"] == 0
    assert after["checkins"] == []
    log = [json.loads(line) for line in runner.invoke("audit").output.splitlines()]
    assert [e["action"] for e in log] == ["token-add", "enrol", "person-export", "delete", "person-export"]
    assert log[3]["actor"].startswith("cli:")
