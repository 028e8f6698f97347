"""The kiosk keeps checking people in while the server is down, shows it, and catches up afterwards."""

import csv

import pytest
import requests

from kiosk.core.config import KioskConfig
from kiosk.qt.app import KioskApp
from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton
from tests.server.live import LiveServer, cli, free_port, server_env

pytestmark = pytest.mark.slow


def test_status_strip_shows_offline_and_backlog_then_empties_when_the_server_returns(qtbot, face_data, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    enrol_hamilton(face_data, tmp_path / "gallery", tmp_path / "gallery.key")
    # The server's database and the kiosk's token exist, but the server is not running yet.
    env = server_env(tmp_path / "srv", {"DATABASE_URL": f"sqlite:///{tmp_path / 'srv.db'}"})
    token = cli(env, "kiosk", "add", "entrance-1").strip().splitlines()[-1]
    admin = cli(env, "admin", "add", "ops").strip().splitlines()[-1]
    server = LiveServer(tmp_path / "srv", env, free_port(), 1, 2, token, admin)
    config = KioskConfig(source=str(face_data / HAMILTON), gallery=str(tmp_path / "gallery"),
                         attendance=str(tmp_path / "att.csv"), key_file=str(tmp_path / "gallery.key"),
                         kiosk_id="entrance-1", liveness=False, server_url=server.url, server_token=token)
    app = KioskApp(config)
    qtbot.addWidget(app.window)
    app.start()
    try:
        qtbot.waitUntil(lambda: app.stats.checkins == 1, timeout=30000)
        qtbot.waitUntil(lambda: "offline · 1 waiting to sync" in app.window.status.server.text(), timeout=10000)
        server.start()
        qtbot.waitUntil(lambda: app.window.status.server.text() == "Server: online", timeout=60000)
        got = requests.get(server.url + "/api/v1/attendance", headers={"Authorization": f"Bearer {admin}"},
                           timeout=10).json()["events"]
        with open(tmp_path / "att.csv", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [e["event_id"] for e in got] == [r["event_id"] for r in rows]
        assert got[0]["person_id"] == "miranda"
        assert app._sync.send_heartbeat()  # the server takes the kiosk's heartbeat too
    finally:
        app.shutdown()
        server.stop()
