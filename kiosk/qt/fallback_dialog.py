""""Can't be recognised?": check in with the employee number and a personal PIN, or with a badge.

Two steps on the big keypad (employee number, then PIN), or a badge held to the USB reader at any time
(the reader types digits and Enter; keys typed on this dialog are read as a badge, taps as the keypad).
``identified(person_id, method)`` is emitted for a correct PIN ("pin") or a known badge ("badge") and the
dialog closes; a wrong one says so, and a person's growing lockout is counted down. The dialog closes by
itself after a minute without a touch.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.core.credentials import FallbackCheck, Outcome
from kiosk.core.pin import MAX_DIGITS, format_wait
from kiosk.qt.badge_reader import BadgeBuffer
from kiosk.qt.keypad import Keypad

IDLE_MS = 60_000
TICK_MS = 250
STYLE = """
QDialog { background: #1c2833; }
QLabel { color: #ecf0f1; font-size: 24px; }
QLabel#title { font-size: 30px; font-weight: 600; }
QLabel#message { color: #f5b7b1; font-size: 24px; min-height: 64px; }
QLabel#badgeHint { color: #aeb6bf; font-size: 20px; }
QLineEdit { min-height: 72px; font-size: 40px; background: white; color: #1c2833; border-radius: 8px; }
QPushButton#cancel { min-height: 64px; font-size: 24px; }
"""


class FallbackDialog(QDialog):
    """``FallbackDialog(check, parent=None)``; ``identified(person_id, method)`` on success."""

    identified = Signal(str, str)

    def __init__(self, check: FallbackCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._check = check
        self._badge = BadgeBuffer()
        self._employee_no = ""
        self.step = "number"
        self.setObjectName("fallbackDialog")
        self.setStyleSheet(STYLE)
        self.setModal(True)

        self.title = QLabel()
        self.title.setObjectName("title")
        self.title.setWordWrap(True)
        self.prompt = QLabel()
        self.prompt.setWordWrap(True)
        self.display = QLineEdit()
        self.display.setReadOnly(True)  # taps on the keypad, or a badge: no text cursor, no system keyboard
        self.display.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMaxLength(MAX_DIGITS)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        self.badge_hint = QLabel()
        self.badge_hint.setObjectName("badgeHint")
        self.badge_hint.setWordWrap(True)
        self.cancel_button = QPushButton()
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self._back_or_cancel)
        self.keypad = Keypad(self.display)
        self.keypad.submitted.connect(self.submit)

        left = QVBoxLayout()
        for w in (self.title, self.prompt, self.display, self.message, self.badge_hint):
            left.addWidget(w)
        left.addStretch(1)
        left.addWidget(self.cancel_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(24)
        layout.addLayout(left, 1)
        layout.addWidget(self.keypad)
        self.setMinimumWidth(980)  # the title on one line, in English and German

        self._idle = QTimer(self, singleShot=True, interval=IDLE_MS, timeout=self.reject)
        self._tick_timer = QTimer(self, interval=TICK_MS, timeout=self._tick)
        self._idle.start()
        self.retranslate()
        self.setFocus()

    # -- text ----------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Check in without your face"))
        self.title.setText(self.tr("Check in without your face"))
        self.badge_hint.setText(self.tr("Or hold your badge to the reader."))
        if self.step == "number":
            self.prompt.setText(self.tr("Enter your employee number"))
            self.cancel_button.setText(self.tr("Cancel"))
        else:
            self.prompt.setText(self.tr("Employee number %1: enter your personal PIN").replace("%1", self._employee_no))
            self.cancel_button.setText(self.tr("Back"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- steps ---------------------------------------------------------------------------------------
    def _set_step(self, step: str) -> None:
        self.step = step
        self.display.clear()
        self.display.setEchoMode(QLineEdit.EchoMode.Password if step == "pin" else QLineEdit.EchoMode.Normal)
        self.retranslate()
        self._tick()

    @Slot()
    def _back_or_cancel(self) -> None:
        if self.step == "pin":
            self.message.clear()
            self._set_step("number")
        else:
            self.reject()

    @Slot()
    def submit(self) -> None:
        """OK on the keypad: take the employee number, or check the PIN."""
        self._idle.start()
        text = self.display.text()
        if not text:
            self.message.setText(self.tr("Type the number first."))
            return
        if self.step == "number":
            self._employee_no = text
            self.message.clear()
            self._set_step("pin")
            return
        result = self._check.check_pin(self._employee_no, text)
        self.display.clear()
        self._answer(result, "pin")

    def check_badge(self, badge: str) -> None:
        """A badge number from the reader (any step)."""
        self._idle.start()
        self._answer(self._check.check_badge(badge), "badge")

    def _answer(self, result, method: str) -> None:
        if result.ok:
            self.identified.emit(result.person_id, method)
            self.accept()
            return
        if result.outcome is Outcome.LOCKED:
            self._tick()
        elif result.outcome is Outcome.NO_PIN:
            self.message.setText(self.tr("No PIN is set for this number. Please ask at the front desk."))
        elif method == "badge":
            self.message.setText(self.tr("This badge is not known. Please ask at the front desk."))
        else:
            self.message.setText(self.tr("Employee number or PIN is wrong. Please try again."))

    @Slot()
    def _tick(self) -> None:
        wait = self._check.remaining(self._employee_no) if self.step == "pin" else 0.0
        self.keypad.set_locked(wait > 0)
        if wait > 0:
            self.message.setText(self.tr("Too many wrong PINs. Try again in %1.").replace("%1", format_wait(wait)))
            if not self._tick_timer.isActive():
                self._tick_timer.start()
        elif self._tick_timer.isActive():
            self._tick_timer.stop()
            self.message.setText(self.tr("You can try again now."))

    # -- the badge reader ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self._back_or_cancel()
            return
        if self._badge.handles(event):
            badge = self._badge.feed(event)
            if badge:
                self.check_badge(badge)
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        self._idle.stop()
        self._tick_timer.stop()
        super().done(result)
