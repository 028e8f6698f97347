"""The on-screen keyboard types into the focused field with taps only, in the layout of the UI's language."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QPushButton, QVBoxLayout

from kiosk.qt.touch_keyboard import KEY_MIN, TouchKeyboard, attach_keyboard

TAP = Qt.MouseButton.LeftButton


def tap_text(qtbot, keyboard: TouchKeyboard, text: str) -> None:
    """Tap the keys that type ``text`` (Shift before a capital, Space for a blank)."""
    for ch in text:
        if ch == " ":
            qtbot.mouseClick(keyboard.space_button, TAP)
            continue
        if ch.isupper():
            qtbot.mouseClick(keyboard.shift_button, TAP)
        qtbot.mouseClick(keyboard.keys[ch.lower()], TAP)


def make_dialog(qtbot):
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    name, number = QLineEdit(), QLineEdit()
    ok = QPushButton("OK")
    for w in (name, number, ok):
        layout.addWidget(w)
    dock = attach_keyboard(dialog)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    return dialog, name, number, ok, dock


def test_taps_type_a_name_with_capitals_and_move_to_the_next_field(qtbot):
    dialog, name, number, ok, dock = make_dialog(qtbot)
    assert not dock.isVisible()
    qtbot.mouseClick(name, TAP)
    qtbot.waitUntil(dock.isVisible, timeout=2000)
    kb = dock.keyboard
    tap_text(qtbot, kb, "Zoe Day-Lewis")
    assert name.text() == "Zoe Day-Lewis"
    qtbot.mouseClick(kb.backspace_button, TAP)
    assert name.text() == "Zoe Day-Lewi"
    qtbot.mouseClick(kb.next_button, TAP)
    assert number.hasFocus()
    tap_text(qtbot, kb, "42")
    assert number.text() == "42" and name.text() == "Zoe Day-Lewi"
    qtbot.mouseClick(ok, TAP)  # a button has the focus: no keyboard needed
    qtbot.waitUntil(lambda: not dock.isVisible(), timeout=2000)


def test_caps_lock_stays_and_shift_is_for_one_letter(qtbot):
    dialog, name, *_, dock = make_dialog(qtbot)
    qtbot.mouseClick(name, TAP)
    qtbot.waitUntil(dock.isVisible, timeout=2000)
    kb = dock.keyboard
    qtbot.mouseClick(kb.caps_button, TAP)
    tap_text(qtbot, kb, "abc")
    qtbot.mouseClick(kb.caps_button, TAP)
    tap_text(qtbot, kb, "d")
    assert name.text() == "ABCd"


def test_the_german_layout_is_qwertz_with_umlauts_and_every_key_is_finger_sized(qtbot):
    de = TouchKeyboard("qwertz")
    en = TouchKeyboard("qwerty")
    for kb in (de, en):
        qtbot.addWidget(kb)
        kb.resize(1000, 320)
        kb.show()
    assert {"ä", "ö", "ü", "ß"} <= set(de.keys) and not {"ä", "ß"} & set(en.keys)
    assert de.keys["z"].y() < de.keys["y"].y() and en.keys["y"].y() < en.keys["z"].y()  # QWERTZ vs QWERTY
    for button in [*de.keys.values(), de.space_button, de.next_button, de.shift_button, de.backspace_button]:
        assert button.height() >= KEY_MIN and button.width() >= KEY_MIN
