"""The door without the face: keypad + PIN, badge reader, "Not you?", tones, on the real main window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from kiosk.core.attendance import AttendanceLog, read_rows, row_to_checkin
from kiosk.core.checkin import CheckInPolicy, CheckInRecorder
from kiosk.core.credentials import CredentialStore, FallbackCheck
from kiosk.core.gallery import GalleryStore
from kiosk.qt.entrance import Entrance
from kiosk.qt.fallback_dialog import FallbackDialog
from kiosk.qt.greeting import Mood
from kiosk.qt.main_window import MainWindow
from kiosk.qt.sound import Sounds

TAP = Qt.MouseButton.LeftButton


class Door:
    """A main window, a recorder on a real CSV, and the people Ann (E-0042, PIN 2468, badge) and Bob (7)."""

    def __init__(self, qtbot, tmp_path) -> None:
        rng = np.random.default_rng(1)
        self.store = GalleryStore(tmp_path / "gallery")
        self.ann = self.store.add_person("Ann Example", rng.normal(size=(1, 128)).astype(np.float32),
                                         person_id="ann", employee_no="E-0042")
        self.bob = self.store.add_person("Bob Example", rng.normal(size=(1, 128)).astype(np.float32),
                                         person_id="bob", employee_no="7")
        self.credentials = CredentialStore(tmp_path / "gallery")
        self.credentials.set_pin("ann", "2468")
        self.credentials.set_pin("bob", "1357")
        self.credentials.set_badge("ann", "0012345678")
        self.csv = tmp_path / "attendance.csv"
        self.log = AttendanceLog(self.csv)
        self.recorder = CheckInRecorder(CheckInPolicy("door-1", cooldown_s=300), self.log)
        self.window = MainWindow("door-1")
        qtbot.addWidget(self.window)
        self.sounds = Sounds(enabled=True)
        self.sounds.backend = ""  # no audio device here: the tones are noted, not heard
        self.blocked = []
        self.entrance = Entrance(self.window, self.recorder,
                                 FallbackCheck(self.credentials, lambda: self.store.load().people),
                                 self.sounds, block=self.blocked.append)
        self.window.show()

    def rows(self):
        return [row_to_checkin(r) for r, _ in read_rows(self.csv)]

    def close(self) -> None:
        self.log.close()
        self.sounds.close()


@pytest.fixture
def door(qtbot, tmp_path):
    d = Door(qtbot, tmp_path)
    yield d
    d.close()


def open_keypad(qtbot, door) -> FallbackDialog:
    qtbot.mouseClick(door.window.fallback_button, TAP)
    qtbot.waitUntil(lambda: door.entrance.dialog is not None and door.entrance.dialog.isVisible(), timeout=2000)
    return door.entrance.dialog


def tap_number(qtbot, dlg: FallbackDialog, digits: str) -> None:
    for d in digits:
        qtbot.mouseClick(dlg.keypad.digit_buttons[d], TAP)
    qtbot.mouseClick(dlg.keypad.ok_button, TAP)


def test_employee_number_and_pin_on_the_keypad_check_the_person_in_with_method_pin(qtbot, door):
    dlg = open_keypad(qtbot, door)
    assert dlg.prompt.text() == "Enter your employee number"
    tap_number(qtbot, dlg, "42")  # "E-0042" is 42 on the keypad
    assert dlg.prompt.text() == "Employee number 42: enter your personal PIN"
    for d in "2468":
        qtbot.mouseClick(dlg.keypad.digit_buttons[d], TAP)
    assert dlg.display.displayText() != "2468"  # masked
    with qtbot.waitSignal(dlg.finished, timeout=5000):
        qtbot.mouseClick(dlg.keypad.ok_button, TAP)
    rows = door.rows()
    assert [(c.person_id, c.method) for c in rows] == [("ann", "pin")]
    assert door.window.greeting.text().startswith("Welcome, Ann Example, checked in at")
    assert door.window.greeting.mood is Mood.WELCOME
    assert not door.window.greeting.not_you_button.isVisibleTo(door.window)  # a PIN check-in is no face mix-up
    assert door.sounds.played == ["checkin"]


def test_wrong_pins_lock_out_that_person_with_a_growing_wait_but_not_others(qtbot, door):
    dlg = open_keypad(qtbot, door)
    tap_number(qtbot, dlg, "42")
    for _ in range(2):
        tap_number(qtbot, dlg, "1111")
        assert dlg.message.text() == "Employee number or PIN is wrong. Please try again."
        assert dlg.keypad.ok_button.isEnabled()
    tap_number(qtbot, dlg, "1111")  # the third wrong PIN in a row: 5 s
    assert dlg.message.text() == "Too many wrong PINs. Try again in 5 s."
    assert not dlg.keypad.ok_button.isEnabled() and not dlg.keypad.digit_buttons["2"].isEnabled()
    result = door.credentials.check_pin("ann", "2468")  # even the right PIN is not looked at now
    assert result.outcome.value == "locked" and 0 < result.wait_s <= 5
    qtbot.mouseClick(dlg.cancel_button, TAP)  # back to the number: Bob is not locked
    tap_number(qtbot, dlg, "7")
    assert dlg.keypad.ok_button.isEnabled()
    with qtbot.waitSignal(dlg.finished, timeout=5000):
        tap_number(qtbot, dlg, "1357")
    assert [(c.person_id, c.method) for c in door.rows()] == [("bob", "pin")]
    assert CredentialStore(door.store.root).remaining("ann") > 0  # the lockout survives a restart


def test_an_unknown_employee_number_gets_the_same_answer_as_a_wrong_pin(qtbot, door):
    dlg = open_keypad(qtbot, door)
    tap_number(qtbot, dlg, "999")
    tap_number(qtbot, dlg, "2468")
    assert dlg.message.text() == "Employee number or PIN is wrong. Please try again."
    assert door.rows() == []


def test_a_badge_read_on_the_live_screen_checks_in_with_method_badge(qtbot, door):
    qtbot.keyClicks(door.window, "0012345678")
    qtbot.keyClick(door.window, Qt.Key.Key_Return)
    assert [(c.person_id, c.method) for c in door.rows()] == [("ann", "badge")]
    assert door.window.greeting.text().startswith("Welcome, Ann Example")
    qtbot.keyClicks(door.window, "0012345678")  # again within the cooldown
    qtbot.keyClick(door.window, Qt.Key.Key_Return)
    assert len(door.rows()) == 1
    assert door.window.greeting.mood is Mood.ALREADY and "already checked in at" in door.window.greeting.text()
    assert door.sounds.played == ["checkin", "refused"]


def test_an_unknown_badge_in_the_keypad_dialog_is_refused_with_a_reason(qtbot, door):
    dlg = open_keypad(qtbot, door)
    qtbot.keyClicks(dlg, "99999999")
    qtbot.keyClick(dlg, Qt.Key.Key_Enter)
    assert dlg.message.text() == "This badge is not known. Please ask at the front desk."
    assert door.rows() == [] and dlg.isVisible()
    qtbot.keyClicks(dlg, "0012345678")
    with qtbot.waitSignal(dlg.finished, timeout=5000):
        qtbot.keyClick(dlg, Qt.Key.Key_Enter)
    assert [(c.person_id, c.method) for c in door.rows()] == [("ann", "badge")]


def test_not_you_writes_a_void_pointing_at_the_check_in_and_blocks_the_track(qtbot, door):
    checkin = door.recorder.record("ann", "Ann Example", 0.38).checkin
    door.entrance.face_checked_in(checkin)
    greeting = door.window.greeting
    assert greeting.not_you_button.isVisible() and greeting.not_you_button.text() == "Not you?"
    assert greeting._not_you_timer.isActive() and greeting._not_you_timer.interval() == 10_000  # for 10 s
    with qtbot.waitSignal(door.entrance.voided, timeout=2000) as sig:
        qtbot.mouseClick(greeting.not_you_button, TAP)
    original, void = door.rows()
    assert original == checkin  # the check-in's row is never touched
    assert void == sig.args[0]
    assert void.voids == checkin.event_id and void.reason == "not_me" and void.person_id == "ann"
    assert void.event_id != checkin.event_id and void.distance == 0.0
    assert door.blocked == [checkin]
    assert not greeting.not_you_button.isVisible()
    assert "Can't be recognised?" in greeting.text() and greeting.mood is Mood.REFUSED
    assert door.sounds.played == ["checkin", "refused"]
    # The person may check in right away by keypad: the voided check-in does not count for the cooldown.
    door.entrance.check_in_by("ann", "pin")
    assert [c.method for c in door.rows()] == ["face", "face", "pin"]


def test_not_you_disappears_after_its_time(qtbot, door):
    checkin = door.recorder.record("bob", "Bob Example", 0.4).checkin
    door.entrance.face_checked_in(checkin)
    greeting = door.window.greeting
    greeting._not_you_timer.setInterval(50)  # the 10 s, shortened for the test
    greeting._not_you_timer.start()
    qtbot.waitUntil(lambda: not greeting.not_you_button.isVisible(), timeout=2000)
    assert len(door.rows()) == 1


def test_a_restart_after_a_void_does_not_count_the_voided_check_in(door, tmp_path):
    checkin = door.recorder.record("ann", "Ann Example", 0.38).checkin
    door.recorder.void(checkin)
    again = CheckInRecorder(CheckInPolicy("door-1", cooldown_s=300), door.log)
    assert again.record("ann", "Ann Example", 0.0, "pin").checkin is not None
