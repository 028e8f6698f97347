"""The kiosk audit log: one JSON line per admin action, never biometric data."""

from __future__ import annotations

import json
import stat

import numpy as np
import pytest

from kiosk.core import audit


def test_entries_are_appended_as_json_lines_in_an_owner_only_file(tmp_path):
    path = tmp_path / "gallery" / "audit.jsonl"
    audit.set_audit_path(path)
    try:
        audit.audit("enrol", actor="admin", kiosk_id="lobby", subject="p-1", details={"photos": 5})
        audit.audit("settings", actor="admin", kiosk_id="lobby", details={"changed": ["threshold"]})
    finally:
        audit.set_audit_path(None)
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["event"] for x in lines] == ["enrol", "settings"]
    assert lines[0]["subject"] == "p-1" and lines[0]["kiosk_id"] == "lobby" and lines[0]["at"].endswith("+00:00")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [e.event for e in audit.read_audit(path)] == ["enrol", "settings"]


def test_embeddings_and_unknown_events_are_refused(tmp_path):
    path = tmp_path / "audit.jsonl"
    with pytest.raises(audit.AuditError):
        audit.audit("enrol", actor="a", kiosk_id="k", details={"embedding": [0.1] * 128}, path=path)
    with pytest.raises(audit.AuditError):
        audit.audit("enrol", actor="a", kiosk_id="k", details={"x": np.zeros(128)}, path=path)
    with pytest.raises(audit.AuditError):
        audit.audit("hack", actor="a", kiosk_id="k", path=path)
    assert not path.exists()
