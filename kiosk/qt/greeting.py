"""The large greeting shown when someone is checked in (or was already), readable from 1.5 m."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel

SHOW_MS = 4000


class GreetingBanner(QLabel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMinimumHeight(96)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SHOW_MS)
        self._timer.timeout.connect(self.clear_greeting)
        self.clear_greeting()

    def _show(self, text: str, background: str) -> None:
        self.setText(text)
        self.setStyleSheet(
            f"QLabel {{ background: {background}; color: white; font-size: 34pt; font-weight: 600; padding: 12px; }}"
        )
        self._timer.start()

    def welcome(self, name: str, time_text: str) -> None:
        self._show(f"Welcome, {name}, checked in at {time_text}", "#27ae60")

    def already(self, name: str, time_text: str) -> None:
        self._show(f"{name}, already checked in at {time_text}", "#2980b9")

    def hint(self, text: str) -> None:
        if not self._timer.isActive():
            self.setText(text)
            self.setStyleSheet("QLabel { background: #34495e; color: white; font-size: 26pt; padding: 12px; }")

    def error(self, text: str) -> None:
        self._show(text, "#c0392b")

    def clear_greeting(self) -> None:
        self.setText("Look at the camera to check in")
        self.setStyleSheet("QLabel { background: #34495e; color: #ecf0f1; font-size: 26pt; padding: 12px; }")
