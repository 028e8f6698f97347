"""The admin corner: a PIN first, then enrolment, the people list and the settings.

The dialogs are independent widgets; ``AdminController`` builds them with the parts of the running kiosk
it is given (``AdminParts``), and hands what they change back through ``apply_settings`` (a new camera
source, cooldown or threshold takes effect at once and is persisted). It never reaches into the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QVBoxLayout, QWidget

from kiosk.core.config import KioskConfig
from kiosk.core.credentials import CredentialStore
from kiosk.core.pin import PinGuard
from kiosk.core.stores import gallery_store
from kiosk.qt.touch_keyboard import attach_keyboard
from kiosk.vision.worker import WorkerClient

log = logging.getLogger(__name__)


class AdminMenu(QDialog):
    """Big buttons; ``choice`` is "enrol", "people", "settings", "quit" (when offered) or "" (closed)."""

    def __init__(self, parent=None, *, can_quit: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Administration"))
        self.choice = ""
        layout = QVBoxLayout(self)
        choices = [("enrol", self.tr("Enrol a person")), ("people", self.tr("People")),
                   ("settings", self.tr("Settings"))]
        if can_quit:
            choices.append(("quit", self.tr("Quit the kiosk")))
        for key, text in choices:
            button = QPushButton(text)
            button.setMinimumHeight(64)
            button.setStyleSheet("font-size: 20pt;")
            button.clicked.connect(lambda _=False, k=key: self._pick(k))
            layout.addWidget(button)
        close = QPushButton(self.tr("Close"))
        close.setMinimumHeight(56)
        close.clicked.connect(self.reject)
        layout.addWidget(close)

    def _pick(self, key: str) -> None:
        self.choice = key
        self.accept()


@dataclass(frozen=True)
class AdminParts:
    """What the admin corner may use of the running kiosk, and nothing else."""

    window: QWidget  # parent of the dialogs
    worker: WorkerClient  # computes enrolment samples
    latest_frame: Callable[[], np.ndarray | None]  # the camera's newest picture, for live enrolment
    config: Callable[[], KioskConfig]  # the settings in force now
    config_file: Path  # where Settings writes
    apply_settings: Callable[[KioskConfig], list[str]]  # take new settings into use; the names that changed
    quit: Callable[[], None] | None = None  # end the kiosk (the only way out of kiosk mode)
    credentials: CredentialStore | None = None  # personal PINs and badges ("Can't be recognised?")


def people_permission(config: KioskConfig):
    """``person_id -> Permission`` from the people sync's state (CONTRACTS.md C2); None without a server."""
    if not config.server_url:
        return None
    from kiosk.link.people import may_change

    state = config.paths().people_sync_state
    return lambda person_id: may_change(state, person_id, config.kiosk_id)


def enrol_permission(config: KioskConfig):
    """Whether the server lets this kiosk enrol new people (always, without a server)."""
    from kiosk.link.people import Permission, may_enrol

    return may_enrol(config.paths().people_sync_state) if config.server_url else Permission(True)


class AdminController:
    """The admin corner: asks for the PIN, then shows the menu and its dialogs, and audits what they do."""

    def __init__(self, parts: AdminParts) -> None:
        self.parts = parts
        self._pin_guard: PinGuard | None = None
        self._sampler = None  # kiosk.qt.admin_sampler.AdminSampler, started on the first enrolment

    def open(self) -> None:
        """Ask for the PIN, then show the admin menu until it is closed."""
        config = self.parts.config()
        if not config.admin_pin_hash:
            QMessageBox.information(
                self.parts.window, QCoreApplication.translate("AdminMenu", "Administration"),
                QCoreApplication.translate("AdminMenu", "No admin PIN is set on this kiosk.\nSet one with:  python -m kiosk set-pin"),  # noqa: E501
            )
            return
        if self._pin_guard is None:
            self._pin_guard = PinGuard(config.admin_pin_hash, state_file=config.paths().pin_state)
        from kiosk.qt.pin_dialog import PinDialog

        if PinDialog(self._pin_guard, self.parts.window).exec() != QDialog.DialogCode.Accepted:
            self.record("pin", None, {"ok": False})
            return
        self.record("pin", None, {"ok": True})
        while True:
            menu = AdminMenu(self.parts.window, can_quit=self.parts.quit is not None)
            if menu.exec() != QDialog.DialogCode.Accepted:
                return
            if menu.choice == "quit":
                self.record("quit", None)
                self.parts.quit()
                return
            {"enrol": self.open_enrolment, "people": self.open_people, "settings": self.open_settings}[menu.choice]()

    def open_enrolment(self) -> None:
        from kiosk.qt.admin_sampler import AdminSampler
        from kiosk.qt.enrol_dialog import EnrolDialog

        config = self.parts.config()
        verdict = enrol_permission(config)
        if not verdict.allowed:
            QMessageBox.information(self.parts.window, "Enrol a person", verdict.message)
            return
        if self._sampler is None:
            self._sampler = AdminSampler(self.parts.worker)
        dialog = EnrolDialog(gallery_store(config), self._sampler, self.parts.latest_frame, self.parts.window,
                             threshold=config.threshold, margin=config.margin, credentials=self.parts.credentials)
        _fill_screen(dialog, self.parts.window)
        dialog.enrolled.connect(lambda person: self.record("enrol", person.person_id))
        dialog.exec()

    def open_people(self) -> None:
        from kiosk.qt.people_dialog import PeopleDialog

        config = self.parts.config()
        dialog = PeopleDialog(gallery_store(config), self.parts.window, may_change=people_permission(config))
        dialog.renamed.connect(lambda pid: self.record("rename", pid))
        dialog.deleted.connect(lambda pid: self.record("delete", pid))
        if self.parts.credentials is not None:  # deleting a person deletes their PIN and badge too
            dialog.deleted.connect(self.parts.credentials.forget)
        attach_keyboard(dialog)
        dialog.exec()

    def open_settings(self) -> None:
        from kiosk.qt.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.parts.config(), self.parts.config_file, self.parts.window)
        dialog.saved.connect(self.apply_settings)
        attach_keyboard(dialog)
        dialog.exec()

    def apply_settings(self, new: KioskConfig) -> None:
        """Take saved settings into use without a restart, and audit which ones changed."""
        changed = self.parts.apply_settings(new)
        if changed:  # Save with nothing changed is no admin action worth a line
            self.record("settings", None, {"changed": sorted(changed)})

    def stop(self) -> None:
        """End the enrolment sampler's thread (at shutdown)."""
        if self._sampler is not None:
            self._sampler.stop()

    def record(self, event: str, subject: str | None, details: dict | None = None) -> None:
        """One line in the kiosk's audit log (who did what, when, where; never face data)."""
        from kiosk.core.audit import audit

        config = self.parts.config()
        try:
            audit(event, actor="admin", kiosk_id=config.kiosk_id, subject=subject, details=details,
                  path=config.paths().audit_log)
        except Exception:  # an audit failure must be visible in the log but must not undo the admin's change
            log.exception("could not write the audit log entry for %s", event)


def _fill_screen(dialog: QWidget, window: QWidget) -> None:
    """A dialog as big as the kiosk's window (the enrolment dialog is laid out for 1280x800 and up)."""
    if window.isFullScreen():
        dialog.setGeometry(window.geometry())
    else:
        dialog.resize(max(dialog.sizeHint().width(), 1200), max(dialog.sizeHint().height(), 760))
