"""Issue 12.12: an admin reading attendance, presence or people leaves an audit row; kiosks' pulls do not."""

from __future__ import annotations

from tests.server.conftest import bearer, make_event
from tests.server.test_people import person


def audit_log(client, admin_token):
    return client.get("/api/v1/audit", headers=bearer(admin_token)).json["entries"]


def test_admin_reads_of_personal_data_are_audited(client, backend, kiosk_token, admin_token):
    client.put("/api/v1/people/p-1", json=person(), headers=bearer(kiosk_token))
    events = [make_event(person_id="p-1", timestamp="2024-05-01T08:00:00+02:00"), make_event(person_id="p-2")]
    client.post("/api/v1/events", json={"events": events}, headers=bearer(kiosk_token))
    client.get("/api/v1/people/changes?since=0", headers=bearer(kiosk_token))  # a kiosk's pull: not audited
    start = audit_log(client, admin_token)[-1]["id"]

    admin = bearer(admin_token)
    assert client.get("/api/v1/attendance?person_id=p-1&from=2024-05-01", headers=admin).status_code == 200
    assert client.get("/api/v1/attendance?format=csv", headers=admin).status_code == 200
    assert client.get("/api/v1/presence?date=2024-05-01", headers=admin).status_code == 200
    assert client.get("/api/v1/people", headers=admin).status_code == 200
    assert client.get("/api/v1/people/changes?since=0", headers=admin).status_code == 200

    reads = [e for e in audit_log(client, admin_token) if e["id"] > start]
    assert [(e["actor"], e["action"], e["subject"]) for e in reads] == [
        ("admin:alice", "read-attendance", "p-1"),
        ("admin:alice", "read-attendance", None),
        ("admin:alice", "read-presence", None),
        ("admin:alice", "read-people", None),
        ("admin:alice", "read-people", None),
    ]
    assert reads[0]["details"] == {"rows": 1, "from": "2024-05-01", "format": "json"}
    assert reads[1]["details"] == {"rows": 2, "format": "csv"}
    assert reads[2]["details"] == {"date": "2024-05-01", "people": 1}
    assert reads[3]["details"] == {"people": 1}
    assert "Grace" not in str(reads)
