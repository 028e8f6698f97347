"""The admin corner wired into the running kiosk: PIN set from the command line, settings applied live."""

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt

from kiosk.core.config import KioskConfig, load_config
from kiosk.core.pin import verify_pin
from kiosk.qt.app import KioskApp
from tests.qt.kiosk_fixtures import HAMILTON, enrol_hamilton

pytestmark = pytest.mark.slow


def test_set_pin_stores_only_a_hash_that_the_kiosk_reads(tmp_path):
    cfg = tmp_path / "kiosk.toml"
    r = subprocess.run([sys.executable, "-m", "kiosk", "set-pin", "--config", str(cfg), "--pin-stdin"],
                       input="482916\n", capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["admin_pin"] == "set"
    assert "482916" not in cfg.read_text()
    stored = load_config(cfg, env={}).admin_pin_hash
    assert verify_pin("482916", stored) and not verify_pin("000000", stored)


def test_set_pin_refuses_a_bad_pin(tmp_path):
    r = subprocess.run([sys.executable, "-m", "kiosk", "set-pin", "--config", str(tmp_path / "k.toml"), "--pin-stdin"],
                       input="12\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "PIN" in r.stderr
    assert not (tmp_path / "k.toml").exists()


def test_settings_saved_by_the_admin_take_effect_without_a_restart(qtbot, face_data, tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    enrol_hamilton(face_data, tmp_path / "gallery", tmp_path / "gallery.key")
    config = KioskConfig(source=str(face_data / HAMILTON), loop=True, gallery=str(tmp_path / "gallery"),
                         attendance=str(tmp_path / "att.csv"), key_file=str(tmp_path / "gallery.key"), liveness=False)
    app = KioskApp(config, config_file=tmp_path / "kiosk.toml")
    qtbot.addWidget(app.window)
    app.start()
    try:
        qtbot.waitUntil(lambda: app.stats.frames_shown > 5, timeout=20000)
        new = KioskConfig(source=str(face_data / "video" / "crowd_walking_800x450.mp4"), cooldown_s=60,
                          threshold=0.45, direction="out")
        shown = app.stats.frames_shown
        with qtbot.waitSignal(app._bridge.policyApplied, timeout=60000) as applied:
            app.admin.apply_settings(new)  # returns at once: the bridge sends the threshold between frames
        assert applied.args == [0.45, config.margin]
        assert app.recorder.policy.cooldown.total_seconds() == 60
        assert app.recorder.policy.direction.value == "out"
        assert app.config.threshold == 0.45
        qtbot.waitUntil(lambda: app.latest_frame() is not None and app.latest_frame().shape[1] == 800, timeout=20000)
        assert app.stats.frames_shown > shown
        entries = [json.loads(x) for x in (tmp_path / "gallery" / "audit.jsonl").read_text().splitlines()]
        assert entries[-1]["event"] == "settings" and entries[-1]["kiosk_id"] == "kiosk-1"
        assert set(entries[-1]["details"]["changed"]) == {"source", "cooldown_s", "threshold", "direction"}
    finally:
        app.shutdown()


def test_settings_saved_untouched_change_no_file_no_audit_and_no_worker_reload(qtbot, face_data, tmp_path,
                                                                               monkeypatch):
    from kiosk.core.config import save_settings
    from kiosk.qt.settings_dialog import SettingsDialog

    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    enrol_hamilton(face_data, tmp_path / "gallery", tmp_path / "gallery.key")
    cfg_file = tmp_path / "kiosk.toml"
    save_settings({"source": str(face_data / HAMILTON), "loop": True, "gallery": str(tmp_path / "gallery"),
                   "attendance": str(tmp_path / "att.csv"), "key_file": str(tmp_path / "gallery.key"),
                   "liveness": False, "threshold": 0.4725, "cooldown_s": 300.0}, cfg_file)
    config = load_config(cfg_file, env={})
    app = KioskApp(config, config_file=cfg_file)
    qtbot.addWidget(app.window)
    sent: list[str] = []
    request = app.worker.request

    def spy(r, timeout=30.0):  # every request to the worker process, by kind
        sent.append(type(r).__name__)
        return request(r, timeout)

    monkeypatch.setattr(app.worker, "request", spy)
    audit_log = config.paths().audit_log
    app.start()
    try:
        qtbot.waitUntil(lambda: app.stats.frames_analysed > 3, timeout=30000)
        before = (cfg_file.read_bytes(), cfg_file.stat().st_mtime_ns)
        audit_before = audit_log.read_bytes() if audit_log.exists() else None
        dialog = SettingsDialog(app.config, cfg_file, app.window)
        qtbot.addWidget(dialog)
        dialog.saved.connect(app.admin.apply_settings)  # as the admin corner wires it
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        analysed = app.stats.frames_analysed
        qtbot.waitUntil(lambda: app.stats.frames_analysed > analysed + 3, timeout=30000)  # any reload was sent
        assert (cfg_file.read_bytes(), cfg_file.stat().st_mtime_ns) == before
        assert (audit_log.read_bytes() if audit_log.exists() else None) == audit_before
        assert "AnalyseFrame" in sent and "SetPolicy" not in sent and "Reload" not in sent
        assert app.config.threshold == 0.4725
    finally:
        app.shutdown()
