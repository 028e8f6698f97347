"""The admin corner: PIN first, then enrolment, people and settings. Wired after the dialogs exist."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox


def open_admin(app) -> None:
    QMessageBox.information(app.window, "Administration", "Administration is not available yet.")
