"""At a real kiosk with a real server: "Not you?" voids Miranda's face check-in on the server, the tracker
stops naming her on that face, and she checks in with her PIN instead (method "pin" on the server)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import requests
from PySide6.QtCore import Qt

from kiosk.core.attendance import read_rows, row_to_checkin
from kiosk.core.config import KioskConfig
from kiosk.core.credentials import CredentialStore
from kiosk.core.types import FaceState
from kiosk.qt.app import KioskApp
from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton
from tests.server.live import start_server

pytestmark = pytest.mark.slow
TAP = Qt.MouseButton.LeftButton


def test_not_you_then_pin_reaches_the_server_as_a_void_and_a_pin_check_in(qtbot, face_data, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    store = enrol_hamilton(face_data, tmp_path / "gallery", tmp_path / "gallery.key")
    with store.edit() as g:
        miranda = next(p for p in g.people if p.person_id == "miranda")
        g.put(replace(miranda, employee_no="42"), g.embeddings_of("miranda"))
    CredentialStore(tmp_path / "gallery").set_pin("miranda", "2468")
    server = start_server(tmp_path / "srv", {"DATABASE_URL": f"sqlite:///{tmp_path / 'srv.db'}"}, workers=1)
    config = KioskConfig(source=str(face_data / HAMILTON), loop=True, gallery=str(tmp_path / "gallery"),
                         attendance=str(tmp_path / "att.csv"), key_file=str(tmp_path / "gallery.key"),
                         kiosk_id="kiosk-live", liveness=False, server_url=server.url,
                         server_token=server.kiosk_token, sound=False, kiosk_mode="off")
    app = KioskApp(config)
    qtbot.addWidget(app.window)
    seen_after_void: list = []
    app.start()
    try:
        greeting = app.window.greeting
        qtbot.waitUntil(lambda: greeting.not_you_button.isVisible(), timeout=120000)
        original = row_to_checkin(next(read_rows(tmp_path / "att.csv"))[0])
        assert original.person_id == "miranda" and original.method == "face"
        track_id = app._bridge._tracks[original.event_id]
        with qtbot.waitSignal(app.entrance.voided, timeout=5000):
            qtbot.mouseClick(greeting.not_you_button, TAP)
        app._bridge.resultReady.connect(lambda r: seen_after_void.extend(
            (r.frame.frame_no, f) for f in r.frame.faces if f.track_id == track_id))
        qtbot.waitUntil(lambda: bool(app._bridge.blocked), timeout=10000)

        # At once, while her face is still the blocked one: the clip loops, and once Miranda has left and come
        # back she is a new face to the kiosk (a new track, no block), which may check her in by face again.
        qtbot.mouseClick(app.window.fallback_button, TAP)
        dialog = app.entrance.dialog
        for digits in ("42", "2468"):
            for d in digits:
                qtbot.mouseClick(dialog.keypad.digit_buttons[d], TAP)
            qtbot.mouseClick(dialog.keypad.ok_button, TAP)
        assert greeting.text().startswith("Welcome, Lin-Manuel Miranda")
        qtbot.wait(3000)  # the face stays in front of the camera for a while: never named Miranda on that track

        rows = [row_to_checkin(r) for r, _ in read_rows(tmp_path / "att.csv")]
        voids = [c for c in rows if c.is_void]
        assert [v.voids for v in voids] == [original.event_id] and voids[0].reason == "not_me"
        assert rows[-1].method == "pin" and rows[-1].person_id == "miranda"
        [(blocked_track, _found, block_frame)] = app._bridge.blocked  # found: False if the face had left
        assert blocked_track == track_id
        named = [f for n, f in seen_after_void
                 if n > block_frame and f.state is FaceState.CONFIRMED and f.person_id == "miranda"]
        assert named == [], "the blocked face was named Miranda again"

        headers = {"Authorization": f"Bearer {server.admin_token}"}
        got: dict[str, dict] = {}

        def server_has_the_pin_check_in() -> bool:
            answer = requests.get(server.url + "/api/v1/attendance", headers=headers, timeout=10).json()["events"]
            got.update((e["event_id"], e) for e in answer)
            return rows[-1].event_id in got

        qtbot.waitUntil(server_has_the_pin_check_in, timeout=60000)
        assert got[rows[-1].event_id]["method"] == "pin"
        assert original.event_id not in got  # the corrected view: the voided check-in is gone
        metrics = requests.get(server.url + "/metrics", timeout=10).text
        assert 'attendance_kiosk_voids_total{kiosk="kiosk-live"} 1.0' in metrics
    finally:
        app.shutdown()
        server.stop()

