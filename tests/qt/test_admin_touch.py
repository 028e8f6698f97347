"""The admin corner at the touchscreen: every dialog with a text field has the keyboard, and deleting a
person deletes their PIN and badge too."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from kiosk.core.config import KioskConfig
from kiosk.core.credentials import CredentialStore
from kiosk.core.stores import gallery_store
from kiosk.qt.admin import AdminController, AdminParts
from kiosk.qt.people_dialog import PeopleDialog
from kiosk.qt.settings_dialog import SettingsDialog
from kiosk.qt.text_prompt import TextPrompt
from kiosk.qt.touch_keyboard import KeyboardDock
from tests.qt.test_touch_keyboard import tap_text

TAP = Qt.MouseButton.LeftButton


def test_the_rename_prompt_is_typed_with_taps(qtbot):
    prompt = TextPrompt(None, "Rename", "New name for Ann:", "Ann")
    qtbot.addWidget(prompt)
    prompt.show()
    qtbot.waitExposed(prompt)
    prompt.activateWindow()
    qtbot.mouseClick(prompt.edit, TAP)
    qtbot.waitUntil(prompt.keyboard.isVisible, timeout=3000)
    for _ in range(3):
        qtbot.mouseClick(prompt.keyboard.keyboard.backspace_button, TAP)
    tap_text(qtbot, prompt.keyboard.keyboard, "Bob")
    qtbot.mouseClick(prompt.ok_button, TAP)
    assert prompt.result() == prompt.DialogCode.Accepted and prompt.value() == "Bob"


def test_people_and_settings_get_the_keyboard_and_deleting_a_person_forgets_their_pin(qtbot, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_FILE", str(tmp_path / "gallery.key"))
    config = KioskConfig(gallery=str(tmp_path / "gallery"), attendance=str(tmp_path / "att.csv"),
                         key_file=str(tmp_path / "gallery.key"))
    gallery_store(config).add_person("Ann Example", np.random.default_rng(3).normal(size=(1, 128)),
                                     person_id="ann")
    credentials = CredentialStore(tmp_path / "gallery")
    credentials.set_pin("ann", "2468")
    credentials.set_badge("ann", "12345678")
    window = QWidget()
    qtbot.addWidget(window)
    controller = AdminController(AdminParts(
        window=window, worker=None, latest_frame=lambda: None, config=lambda: config,
        config_file=tmp_path / "kiosk.toml", apply_settings=lambda new: [], credentials=credentials))
    seen = {}

    def people_exec(dialog):
        seen["people"] = dialog.findChild(KeyboardDock) is not None
        dialog.delete_person("ann")
        return 0

    def settings_exec(dialog):
        seen["settings"] = dialog.findChild(KeyboardDock) is not None
        return 0

    monkeypatch.setattr(PeopleDialog, "exec", people_exec)
    monkeypatch.setattr(SettingsDialog, "exec", settings_exec)
    controller.open_people()
    controller.open_settings()
    assert seen == {"people": True, "settings": True}
    assert gallery_store(config).load().people == ()
    assert not credentials.has_pin("ann") and credentials.find_badge("12345678") is None
    assert "ann" not in CredentialStore(tmp_path / "gallery").path.read_text()
