"""The running kiosk in-process (pytest-qt, offscreen): greeting, boxes, camera loss and recovery."""

import shutil
import time

import pytest

from kiosk.core.config import KioskConfig
from kiosk.qt.app import KioskApp
from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton

pytestmark = pytest.mark.slow


@pytest.fixture
def gallery(face_data, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    enrol_hamilton(face_data, tmp_path / "gallery", tmp_path / "gallery.key")
    return tmp_path


def make_app(tmp, source, **kw) -> KioskApp:
    config = KioskConfig(source=str(source), gallery=str(tmp / "gallery"), attendance=str(tmp / "att.csv"),
                         key_file=str(tmp / "gallery.key"), liveness=False, **kw)
    return KioskApp(config)


def test_greeting_shows_the_name_of_the_person_checked_in(qtbot, gallery, face_data):
    app = make_app(gallery, face_data / HAMILTON)
    qtbot.addWidget(app.window)
    app.start()
    try:
        qtbot.waitUntil(lambda: "Welcome, Lin-Manuel Miranda" in app.window.greeting.text(), timeout=30000)
        assert "checked in at" in app.window.greeting.text()
        assert app.stats.checkins == 1
        names = {f.name for f in app.window.video.faces if f.state == "confirmed"}
        assert "Lin-Manuel Miranda" in names
    finally:
        app.shutdown()


def test_missing_camera_shows_unavailable_and_recovers_when_it_appears(qtbot, gallery, face_data, tmp_path):
    source = tmp_path / "camera.mp4"  # not there yet: a camera that is unplugged
    app = make_app(gallery, source, loop=True)
    qtbot.addWidget(app.window)
    app.start()
    try:
        qtbot.waitUntil(lambda: "Camera unavailable" in app.window.video.message, timeout=10000)
        assert app.stats.frames_shown == 0
        shutil.copy(face_data / HAMILTON, source)  # plugged in
        qtbot.waitUntil(lambda: app.stats.frames_shown > 10, timeout=15000)
        assert app.window.video.message == ""
    finally:
        app.shutdown()


def test_shutdown_stops_every_thread_and_the_worker_process(qtbot, gallery, face_data):
    app = make_app(gallery, face_data / HAMILTON)
    qtbot.addWidget(app.window)
    app.start()
    qtbot.waitUntil(lambda: app.stats.frames_analysed > 3, timeout=20000)
    t0 = time.monotonic()
    app.shutdown()
    assert time.monotonic() - t0 < 10
    assert not app.worker.alive
    assert all(not t.isRunning() for t in app._threads)
    # No timer of the app keeps running: a running timer of a QObject the garbage collector destroys in
    # another thread crashes the GUI thread on its next tick.
    from PySide6.QtCore import QTimer

    running = [t for t in app.findChildren(QTimer) if t.isActive()]
    assert running == [] and not app.stall_monitor._timer.isActive()


def test_a_network_camera_that_drops_out_shows_unavailable_and_comes_back(qtbot, gallery, face_data):
    from tests.qt.mjpeg_server import MjpegCamera

    camera = MjpegCamera(str(face_data / HAMILTON)).start()
    app = make_app(gallery, camera.url)
    qtbot.addWidget(app.window)
    app.start()
    try:
        qtbot.waitUntil(lambda: app.stats.frames_shown > 10, timeout=20000)
        camera.stop()  # cable pulled
        qtbot.waitUntil(lambda: "Camera unavailable" in app.window.video.message, timeout=15000)
        assert "unavailable" in app.window.status.camera.text()
        shown = app.stats.frames_shown
        camera.start()  # plugged back in, same address
        qtbot.waitUntil(lambda: app.stats.frames_shown > shown + 10, timeout=20000)
        assert app.window.video.message == ""
    finally:
        app.shutdown()
        camera.stop()
