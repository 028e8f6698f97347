"""The big touch keypad: ten digits, "⌫" (delete one), "Clear" and "OK", each at least 96 x 80 px.

It edits a ``QLineEdit`` it is given (and never takes the focus from it), so a physical keyboard or a badge
reader typing into the same field still works. ``submitted`` is emitted by OK.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

KEY_STYLE = """
QPushButton { min-height: 80px; min-width: 112px; font-size: 32px; border-radius: 10px;
              background: #ecf0f1; color: #1c2833; border: 1px solid #95a5a6; }
QPushButton:pressed { background: #bdc3c7; }
QPushButton:disabled { color: #95a5a6; background: #d5d8dc; }
QPushButton#clearKey { font-size: 24px; }
QPushButton#okKey { background: #27ae60; color: white; font-weight: 600; }
QPushButton#okKey:disabled { background: #a9dfbf; }
"""


class Keypad(QWidget):
    """``Keypad(target, parent=None)``: digits into ``target``; ``submitted`` on OK."""

    submitted = Signal()

    def __init__(self, target: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.setStyleSheet(KEY_STYLE)
        grid = QGridLayout(self)
        grid.setSpacing(10)
        self.digit_buttons: dict[str, QPushButton] = {}
        for i, digit in enumerate("123456789"):
            grid.addWidget(self._button(digit, lambda _=False, d=digit: self.press(d)), i // 3, i % 3)
            self.digit_buttons[digit] = grid.itemAt(i).widget()
        self.back_button = self._button("⌫", self.backspace)
        self.zero = self._button("0", lambda: self.press("0"))
        self.digit_buttons["0"] = self.zero
        self.clear_button = self._button("", self.target.clear)
        self.ok_button = self._button("", self.submitted.emit)
        self.ok_button.setObjectName("okKey")
        self.clear_button.setObjectName("clearKey")
        grid.addWidget(self.clear_button, 3, 0)
        grid.addWidget(self.zero, 3, 1)
        grid.addWidget(self.back_button, 3, 2)
        grid.addWidget(self.ok_button, 4, 0, 1, 3)
        self.retranslate()

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def retranslate(self) -> None:
        self.clear_button.setText(self.tr("Clear"))
        self.ok_button.setText(self.tr("OK"))
        self.back_button.setAccessibleName(self.tr("Delete"))
        for digit, button in self.digit_buttons.items():
            button.setAccessibleName(self.tr("digit %1").replace("%1", digit))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def press(self, digit: str) -> None:
        if self.target.maxLength() > len(self.target.text()):
            self.target.setText(self.target.text() + digit)

    def backspace(self) -> None:
        self.target.setText(self.target.text()[:-1])

    def set_locked(self, locked: bool) -> None:
        """Grey out the digits and OK (a lockout is running); Clear stays."""
        for button in (*self.digit_buttons.values(), self.back_button, self.ok_button):
            button.setEnabled(not locked)
