"""``python -m server``: tokens, revocation, listing, export."""

from __future__ import annotations

import csv
import io

from server import create_app
from tests.server.conftest import TEST_SECRET, bearer, make_event


def test_kiosk_add_prints_a_working_token_on_the_last_line(runner, tmp_path):
    result = runner.invoke("kiosk", "add", "lobby")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("fak_") and " " not in token
    app = create_app({"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    response = app.test_client().post("/api/v1/events", json={"events": [make_event()]}, headers=bearer(token))
    assert response.json["results"][0]["status"] == "created"

    assert "lobby\tactive" in runner.invoke("kiosk", "list").output
    assert runner.invoke("kiosk", "revoke", "lobby").exit_code == 0
    assert "revoked" in runner.invoke("kiosk", "list").output
    response = app.test_client().post("/api/v1/events", json={"events": [make_event()]}, headers=bearer(token))
    assert response.status_code == 401


def test_duplicate_names_and_unknown_revokes_fail_clearly(runner):
    assert runner.invoke("kiosk", "add", "lobby").exit_code == 0
    again = runner.invoke("kiosk", "add", "lobby")
    assert again.exit_code != 0 and "already exists" in again.output
    assert runner.invoke("kiosk", "revoke", "nobody").exit_code != 0


def test_admin_add_and_export_csv(runner, tmp_path):
    kiosk = runner.invoke("kiosk", "add", "k").output.strip().splitlines()[-1]
    admin = runner.invoke("admin", "add", "boss").output.strip().splitlines()[-1]
    assert admin.startswith("faa_")
    app = create_app({"SECRET_KEY": TEST_SECRET, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    events = [make_event(timestamp="2024-05-01T08:00:00+00:00"), make_event(timestamp="2024-06-01T08:00:00+00:00")]
    app.test_client().post("/api/v1/events", json={"events": events}, headers=bearer(kiosk))
    out = runner.invoke("export", "--from", "2024-05-01", "--to", "2024-05-31").output
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["event_id"] for r in rows] == [events[0]["event_id"]]


def test_refuses_to_run_without_a_secret_key(runner, monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    from click.testing import CliRunner

    from server.__main__ import cli

    result = CliRunner().invoke(cli, ["kiosk", "list"])
    assert result.exit_code != 0 and "SECRET_KEY" in result.output
