"""English and German: switching the language changes the greeting and the keypad; every string is translated."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics

from kiosk.qt import i18n
from kiosk.qt.fallback_dialog import FallbackDialog
from kiosk.qt.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "i18n" / "kiosk_de.ts"


@pytest.fixture
def english_after(qapp):
    yield
    i18n.install_language("en")


def test_switching_to_german_changes_the_greeting_and_the_keypad_and_back(qtbot, english_after):
    window = MainWindow("door-1")
    qtbot.addWidget(window)
    dialog = FallbackDialog(check=None)
    qtbot.addWidget(dialog)
    assert window.greeting.text() == "Look at the camera to check in"
    assert i18n.install_language("de") == "de"
    assert i18n.keyboard_layout() == "qwertz"
    qtbot.waitUntil(lambda: window.greeting.text() == "Zum Anmelden bitte in die Kamera schauen", timeout=2000)
    assert window.fallback_button.text() == "Nicht erkannt?"
    assert dialog.prompt.text() == "Geben Sie Ihre Personalnummer ein"
    assert dialog.keypad.clear_button.text() == "Löschen" and dialog.cancel_button.text() == "Abbrechen"
    window.status.set_camera("live", 25.0)
    window.status.set_server(True, False, 3)
    assert window.status.camera.text() == "Kamera: live · 25 fps"
    assert window.status.server.text() == "Server: offline · 3 warten auf Übertragung"
    window.resize(1280, 800)
    window.show()
    window.greeting.already("Lin-Manuel Miranda", "05:13")  # the longest greeting: it fits the bar, not cut
    label = window.greeting.label
    need = QFontMetrics(label.font()).boundingRect(label.contentsRect(), Qt.TextFlag.TextWordWrap, label.text())
    assert need.height() <= label.height() and need.width() <= label.width()
    window.greeting.welcome("Ann Example", "08:59")
    assert window.greeting.text() == "Willkommen, Ann Example, angemeldet um 08:59"
    assert i18n.install_language("en") == "en"
    qtbot.waitUntil(lambda: window.greeting.text() == "Welcome, Ann Example, checked in at 08:59", timeout=2000)
    assert dialog.keypad.clear_button.text() == "Clear" and i18n.keyboard_layout() == "qwerty"


def test_the_language_setting_follows_the_system_unless_set(monkeypatch):
    from PySide6.QtCore import QLocale

    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("de_AT")))
    assert i18n.resolve_language("") == "de"
    assert i18n.resolve_language("en") == "en"
    monkeypatch.setattr(QLocale, "system", staticmethod(lambda: QLocale("fr_FR")))
    assert i18n.resolve_language("system") == "en"  # no French: English


def test_every_visible_string_has_a_german_translation_and_the_qm_is_up_to_date(tmp_path):
    lupdate = shutil.which("pyside6-lupdate") or str(Path(i18n.sys.executable).with_name("pyside6-lupdate"))
    if not Path(lupdate).exists():
        pytest.fail("pyside6-lupdate is missing (it comes with PySide6)")
    copy = tmp_path / "kiosk_de.ts"
    shutil.copy(TS, copy)
    sources = sorted(str(p) for p in (ROOT / "kiosk" / "qt").glob("*.py"))
    i18n.subprocess.run([lupdate, "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
                        check=True, capture_output=True)
    untranslated = [m.findtext("source") for m in ET.parse(copy).getroot().iter("message")
                    if m.find("translation").get("type") == "unfinished" or not m.findtext("translation")]
    assert untranslated == [], "run: python -m kiosk.qt.i18n, then translate these in kiosk_de.ts"
    assert copy.read_bytes() == TS.read_bytes(), "kiosk_de.ts is stale: run python -m kiosk.qt.i18n"
    qm = i18n.compile_ts(TS, tmp_path / "kiosk_de.qm")
    assert qm.read_bytes() == i18n.translation_file("de").read_bytes(), "kiosk_de.qm is stale: python -m kiosk.qt.i18n"


def test_the_settings_dialog_saves_the_language(qtbot, tmp_path):
    from kiosk.core.config import KioskConfig, load_config
    from kiosk.qt.settings_dialog import SettingsDialog

    config = KioskConfig(source=str(tmp_path))  # an existing folder is a valid source
    dialog = SettingsDialog(config, tmp_path / "kiosk.toml")
    qtbot.addWidget(dialog)
    assert dialog.language_combo.currentData() == ""  # the system's language
    dialog.language_combo.setCurrentIndex(dialog.language_combo.findData("de"))
    with qtbot.waitSignal(dialog.saved, timeout=2000) as saved:
        dialog.save()
    assert saved.args[0].language == "de"
    assert load_config(tmp_path / "kiosk.toml", env={}).language == "de"


def test_the_enrolment_checks_reasons_are_shown_in_german(english_after):
    from kiosk.qt.sample_text import localise

    reason = ("The face is too small (61 px wide; at least 80 px is needed). Use a closer or larger photo. "
              "The face is too dark. Use a photo taken in better light.")
    assert localise(reason) == reason  # English: unchanged
    i18n.install_language("de")
    assert localise(reason) == ("Das Gesicht ist zu klein (61 px breit; mindestens 80 px sind nötig). Verwenden Sie "
                                "ein näheres oder größeres Foto. Das Gesicht ist zu dunkel. Verwenden Sie ein Foto "
                                "mit besserem Licht.")
    assert localise("3 faces are in the photo; use a photo showing only the person being enrolled.").startswith(
        "Im Foto sind 3 Gesichter")
    assert localise("Come closer · Hold still") == "Kommen Sie näher · Bitte still halten"
    assert localise("Something new.") == "Something new."
