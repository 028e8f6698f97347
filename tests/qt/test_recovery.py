"""Recognition comes back by itself: the worker process SIGKILLed in the middle of the Hamilton clip."""

import csv
import logging
import os
import signal

import pytest

from kiosk.core.config import KioskConfig
from kiosk.qt.app import KioskApp
from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton

pytestmark = pytest.mark.slow


def test_a_killed_worker_is_restarted_and_miranda_is_still_checked_in_once(qtbot, face_data, tmp_path, monkeypatch,
                                                                           caplog):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    enrol_hamilton(face_data, tmp_path / "gallery", tmp_path / "gallery.key")
    config = KioskConfig(source=str(face_data / HAMILTON), loop=True, gallery=str(tmp_path / "gallery"),
                         attendance=str(tmp_path / "att.csv"), key_file=str(tmp_path / "gallery.key"), liveness=False)
    app = KioskApp(config)
    qtbot.addWidget(app.window)
    caplog.set_level(logging.INFO, logger="kiosk")
    app.start()
    states: list[str] = []
    app._bridge.recognitionChanged.connect(states.append)
    try:
        qtbot.waitUntil(lambda: app.stats.frames_analysed > 3, timeout=30000)
        first_pid = app.worker.pid
        os.kill(first_pid, signal.SIGKILL)  # in the middle of the clip, before or around Miranda's check-in
        qtbot.waitUntil(lambda: "Recognition restarting" in app.window.status.recognition.text(), timeout=15000)
        assert app.window.status.recognition.isVisible()
        # (``states`` fills in the bridge's thread, the strip in the GUI thread: wait for both)
        qtbot.waitUntil(lambda: states == ["restarting", "running"] and not app.window.status.recognition.isVisible(),
                        timeout=120000)
        assert app.worker.alive and app.worker.pid != first_pid
        analysed = app.stats.frames_analysed
        qtbot.waitUntil(lambda: app.stats.frames_analysed > analysed + 5, timeout=30000)  # recognition resumed
        qtbot.waitUntil(lambda: app.stats.checkins >= 1, timeout=90000)  # check-ins resumed
        shown = app.stats.frames_shown
        qtbot.waitUntil(lambda: app.stats.frames_shown > shown + 300, timeout=60000)  # Miranda passes once more
    finally:
        app.shutdown()
    with open(tmp_path / "att.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["person_id"] for r in rows].count("miranda") == 1
    assert app._bridge.restarts == 1
    assert [r for r in caplog.records if r.exc_info] == []  # a sentence in the log, no traceback every 0.5 s
    assert sum("restarting it" in r.getMessage() for r in caplog.records) == 1
