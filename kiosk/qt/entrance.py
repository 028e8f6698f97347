"""What the person at the door sees and hears after recognition: greeting, tones, "Not you?", the keypad.

``Entrance`` connects the main window to the check-in recorder: face check-ins and "already" answers from
the recognition bridge, check-ins by PIN or badge ("Can't be recognised?" and a badge reader on the live
screen), and "Not you?", which writes a void event (CONTRACTS.md C1; the sync client sends it like any
row), asks the recogniser to stop naming that person on that face's track, and tells the person to try
again or use the keypad. It runs on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Signal, Slot

from kiosk.core.checkin import CheckInRecorder
from kiosk.core.credentials import FallbackCheck
from kiosk.core.types import CheckIn
from kiosk.qt.fallback_dialog import FallbackDialog
from kiosk.qt.main_window import MainWindow
from kiosk.qt.sound import Sounds

log = logging.getLogger(__name__)


class Entrance(QObject):
    """``Entrance(window, recorder, check, sounds, block=None)``; ``block(checkin)`` stops a track's identity."""

    checkedIn = Signal(object)  # CheckIn by any method
    voided = Signal(object)  # the void event written after "Not you?"

    def __init__(
        self,
        window: MainWindow,
        recorder: CheckInRecorder,
        check: FallbackCheck,
        sounds: Sounds,
        block: Callable[[CheckIn], None] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.recorder = recorder
        self.check = check
        self.sounds = sounds
        self._block = block
        self.dialog: FallbackDialog | None = None
        window.fallbackRequested.connect(self.open_fallback)
        window.badgeScanned.connect(self.badge)
        window.greeting.notYou.connect(self.not_you)

    # -- recognition's answers -------------------------------------------------------------------------
    @Slot(object)
    def face_checked_in(self, checkin: CheckIn) -> None:
        self.window.greeting.welcome(checkin.name, _hhmm(checkin.timestamp), checkin)
        self.sounds.play("checkin")
        self.checkedIn.emit(checkin)

    @Slot(str, object)
    def already(self, name: str, previous: datetime | None) -> None:
        self.window.greeting.already(name, _hhmm(previous) if previous is not None else None)
        self.sounds.play("refused")

    # -- without the face ----------------------------------------------------------------------------
    @Slot()
    def open_fallback(self) -> None:
        """The keypad dialog; a correct PIN or badge checks the person in."""
        self.dialog = FallbackDialog(self.check, self.window)
        self.dialog.identified.connect(self.check_in_by)
        self.dialog.open()

    @Slot(str)
    def badge(self, badge: str) -> None:
        """A badge read on the live screen."""
        result = self.check.check_badge(badge)
        if result.ok:
            self.check_in_by(result.person_id, "badge")
        else:
            self.window.greeting.refused(self.tr("This badge is not known. Please ask at the front desk."))
            self.sounds.play("refused")

    @Slot(str, str)
    def check_in_by(self, person_id: str, method: str) -> None:
        person = self.check.person(person_id)
        if person is None:  # deleted between the check and now
            self.window.greeting.refused(self.tr("You are not enrolled here. Please ask at the front desk."))
            self.sounds.play("refused")
            return
        try:
            decision = self.recorder.record(person.person_id, person.name, 0.0, method)
        except Exception as exc:  # the CSV could not be written: say so, never greet
            log.exception("could not record a %s check-in for %s", method, person_id)
            self.window.greeting.error(self.tr("Could not save the check-in: %1").replace("%1", str(exc)))
            self.sounds.play("refused")
            return
        if decision.checkin is None:
            self.already(person.name, decision.previous)
            return
        log.info("%s checked in by %s", person.person_id, method)
        self.window.greeting.welcome(person.name, _hhmm(decision.checkin.timestamp))
        self.sounds.play("checkin")
        self.checkedIn.emit(decision.checkin)

    # -- "Not you?" ----------------------------------------------------------------------------------
    @Slot(object)
    def not_you(self, checkin: CheckIn) -> None:
        try:
            event = self.recorder.void(checkin, "not_me")
        except Exception as exc:
            log.exception("could not void check-in %s", checkin.event_id)
            self.window.greeting.error(self.tr("Could not cancel the check-in: %1").replace("%1", str(exc)))
            return
        log.info("check-in %s voided at the kiosk (not %s)", checkin.event_id, checkin.person_id)
        if self._block is not None:
            self._block(checkin)
        self.window.greeting.voided()
        self.sounds.play("refused")
        self.voided.emit(event)


def _hhmm(when: datetime) -> str:
    return when.strftime("%H:%M")
