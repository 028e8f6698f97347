"""The admin PIN prompt: a big digit keypad for the touchscreen, keyboard entry too.

The dialog is accepted only when ``PinGuard`` says the PIN is right. While the guard locks out, the OK
button stays disabled and a timer counts the wait down.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.core.pin import FREE_ATTEMPTS, MAX_DIGITS, PinGuard, format_wait

TICK_MS = 250
STYLE = """
QWidget { font-size: 22px; }
QPushButton { min-height: 72px; min-width: 96px; font-size: 28px; }
QLineEdit { min-height: 64px; font-size: 32px; }
QLabel#pinMessage { color: #b00020; min-height: 48px; }
"""


class PinDialog(QDialog):
    """``PinDialog(guard, parent=None)``: asks for the admin PIN; ``accepted`` only on a correct one."""

    def __init__(self, guard: PinGuard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guard = guard
        self._verified = False
        self.setWindowTitle(self.tr("Admin PIN"))
        self.setStyleSheet(STYLE)

        self.prompt = QLabel(self.tr("Enter the admin PIN"))
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display = QLineEdit()
        self.display.setEchoMode(QLineEdit.EchoMode.Password)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setMaxLength(MAX_DIGITS)
        self.display.setValidator(QRegularExpressionValidator(rf"\d{{0,{MAX_DIGITS}}}", self.display))
        self.display.setAccessibleName(self.tr("PIN"))
        self.display.returnPressed.connect(self.submit)
        self.message = QLabel("")
        self.message.setObjectName("pinMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

        grid = QGridLayout()
        self.digit_buttons: dict[str, QPushButton] = {}
        for i, digit in enumerate("123456789"):
            grid.addWidget(self._digit_button(digit), i // 3, i % 3)
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.clicked.connect(self.display.clear)
        self.ok_button = QPushButton(self.tr("OK"))
        self.ok_button.clicked.connect(self.submit)
        grid.addWidget(self.clear_button, 3, 0)
        grid.addWidget(self._digit_button("0"), 3, 1)
        grid.addWidget(self.ok_button, 3, 2)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.clear_button, self.ok_button, self.cancel_button, *self.digit_buttons.values()):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keep typing in the PIN field

        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.display)
        layout.addWidget(self.message)
        layout.addLayout(grid)
        layout.addWidget(self.cancel_button)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._tick()  # a lockout may survive from before (persisted state)
        self.display.setFocus()

    def _digit_button(self, digit: str) -> QPushButton:
        button = QPushButton(digit)
        button.setAccessibleName(self.tr("digit %1").replace("%1", digit))
        button.clicked.connect(lambda: self.press_digit(digit))
        self.digit_buttons[digit] = button
        return button

    @property
    def locked(self) -> bool:
        return self._guard.remaining() > 0

    @Slot()
    def press_digit(self, digit: str) -> None:
        if len(self.display.text()) < MAX_DIGITS:
            self.display.setText(self.display.text() + digit)

    @Slot()
    def submit(self) -> None:
        """Check the entered PIN: accept on success, otherwise show why and maybe start the countdown."""
        if self.locked:  # refused unseen; do not keep it for later either
            self.display.clear()
            self._tick()
            return
        if not self.display.text():  # an empty OK is a slip, not a guess
            self.message.setText(self.tr("Enter the PIN first."))
            return
        result = self._guard.attempt(self.display.text())
        self.display.clear()
        if result.ok:
            self._verified = True
            self.accept()
            return
        left = FREE_ATTEMPTS - self._guard.failures
        if result.wait_s > 0:
            self.message.setText(self._locked_text(result.wait_s))
        elif left == 1:
            self.message.setText(self.tr("Wrong PIN. 1 more try before a waiting time."))
        else:
            self.message.setText(self.tr("Wrong PIN. %1 more tries before a waiting time.").replace("%1", str(left)))
        self._tick()

    def _locked_text(self, wait: float) -> str:
        return self.tr("Too many wrong PINs. Try again in %1.").replace("%1", format_wait(wait))

    def accept(self) -> None:  # only a verified PIN may close the dialog as accepted
        if self._verified:
            self._timer.stop()
            super().accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
            return
        text = event.text()
        if text.isdigit() and text.isascii() and not self.display.hasFocus():
            self.press_digit(text)
            return
        if event.key() == Qt.Key.Key_Backspace and not self.display.hasFocus():
            self.display.backspace()
            return
        super().keyPressEvent(event)

    @Slot()
    def _tick(self) -> None:
        wait = self._guard.remaining()
        locked = wait > 0
        self.ok_button.setEnabled(not locked)
        self.display.setEnabled(not locked)
        for button in self.digit_buttons.values():
            button.setEnabled(not locked)
        if locked:
            self.message.setText(self._locked_text(wait))
            if not self._timer.isActive():
                self._timer.start()
        elif self._timer.isActive():
            self._timer.stop()
            self.message.setText(self.tr("You can try again now."))
            self.display.setFocus()

    def closeEvent(self, event) -> None:
        self._timer.stop()
        super().closeEvent(event)
