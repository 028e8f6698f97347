"""A one-line text question for the touchscreen (rename a person): the field, OK, Cancel and the keyboard."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.qt.style import TOUCH
from kiosk.qt.touch_keyboard import attach_keyboard


class TextPrompt(QDialog):
    """``TextPrompt(parent, title, label, text)``; ``value()`` after it was accepted."""

    def __init__(self, parent: QWidget | None, title: str, label: str, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setStyleSheet(TOUCH)
        self.setMinimumWidth(760)
        self.edit = QLineEdit(text)
        self.ok_button = QPushButton(self.tr("OK"))
        self.ok_button.clicked.connect(self.accept)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.ok_button, self.cancel_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(label))
        layout.addWidget(self.edit)
        layout.addLayout(buttons)
        self.keyboard = attach_keyboard(self)
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def value(self) -> str:
        return self.edit.text()


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    """The text typed, or None when cancelled."""
    prompt = TextPrompt(parent, title, label, text)
    return prompt.value() if prompt.exec() == QDialog.DialogCode.Accepted else None
