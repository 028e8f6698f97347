"""The enrolment dialog's "way in without the face": a personal PIN (typed twice) and a badge number.

Both are optional. ``problem()`` says what is wrong with what was typed ("" when fine); ``store(creds,
person_id)`` saves them hashed in the ``CredentialStore`` (never the PIN itself).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRegularExpression, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from kiosk.core.credentials import MAX_BADGE_DIGITS, CredentialStore, check_badge_rules
from kiosk.core.pin import MAX_DIGITS, check_pin_rules


def _digits_only(edit: QLineEdit, most: int) -> None:
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{most}}}"), edit))
    edit.setMaxLength(most)


class CredentialFields(QWidget):
    """PIN, PIN again, badge: three rows for the dialog's form. ``changed`` when any is edited."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pin_edit = QLineEdit()
        self.pin_again_edit = QLineEdit()
        for edit in (self.pin_edit, self.pin_again_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            _digits_only(edit, MAX_DIGITS)
        self.badge_edit = QLineEdit()
        _digits_only(self.badge_edit, MAX_BADGE_DIGITS)
        for edit in (self.pin_edit, self.pin_again_edit, self.badge_edit):
            edit.textChanged.connect(self.changed)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.labels = [QLabel() for _ in range(2)]
        pins = QHBoxLayout()  # the PIN and its repetition side by side: one row less on a 800 px screen
        pins.addWidget(self.pin_edit)
        pins.addWidget(self.pin_again_edit)
        self.form.addRow(self.labels[0], pins)
        self.form.addRow(self.labels[1], self.badge_edit)
        self.retranslate()

    def retranslate(self) -> None:
        self.labels[0].setText(self.tr("Personal PIN"))
        self.labels[1].setText(self.tr("Badge no."))
        self.pin_edit.setPlaceholderText(self.tr("4-12 digits"))
        self.pin_again_edit.setPlaceholderText(self.tr("PIN again"))
        self.badge_edit.setPlaceholderText(self.tr("Optional: hold the badge to the reader"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def problem(self, credentials: CredentialStore | None = None) -> str:
        """What stops saving, as a sentence; "" when the fields are empty or right."""
        pin, again, badge = self.pin_edit.text(), self.pin_again_edit.text(), self.badge_edit.text()
        if pin or again:
            try:
                check_pin_rules(pin)
            except ValueError:
                return self.tr("The personal PIN needs 4 to 12 digits.")
            if pin != again:
                return self.tr("The two PINs differ: type the same PIN twice.")
        if badge:
            try:
                check_badge_rules(badge)
            except ValueError:
                return self.tr("A badge number has 4 to 32 digits.")
            if credentials is not None and credentials.find_badge(badge) is not None:
                return self.tr("This badge already belongs to someone else.")
        return ""

    def store(self, credentials: CredentialStore, person_id: str) -> None:
        """Save the PIN (hashed) and the badge for ``person_id``. Raises ValueError (badge taken, bad PIN)."""
        if self.pin_edit.text():
            credentials.set_pin(person_id, self.pin_edit.text())
        if self.badge_edit.text():
            credentials.set_badge(person_id, self.badge_edit.text())
