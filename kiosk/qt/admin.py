"""The admin corner: a PIN first, then enrolment, the people list and the settings.

The dialogs are independent widgets; this module builds them with the running kiosk's parts and applies
what they change (a new camera source, cooldown or threshold takes effect at once and is persisted).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from PySide6.QtWidgets import QDialog, QMessageBox, QPushButton, QVBoxLayout

from kiosk.core.config import KioskConfig
from kiosk.core.gallery import GalleryStore
from kiosk.core.pin import PinGuard
from kiosk.core.secrets import sealer_for

log = logging.getLogger(__name__)


class AdminMenu(QDialog):
    """Three big buttons; ``choice`` is "enrol", "people", "settings" or "" (closed)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Administration")
        self.choice = ""
        layout = QVBoxLayout(self)
        for key, text in (("enrol", "Enrol a person"), ("people", "People"), ("settings", "Settings")):
            button = QPushButton(text)
            button.setMinimumHeight(64)
            button.setStyleSheet("font-size: 20pt;")
            button.clicked.connect(lambda _=False, k=key: self._pick(k))
            layout.addWidget(button)
        close = QPushButton("Close")
        close.setMinimumHeight(56)
        close.clicked.connect(self.reject)
        layout.addWidget(close)

    def _pick(self, key: str) -> None:
        self.choice = key
        self.accept()


def gallery_store(config: KioskConfig) -> GalleryStore:
    paths = config.paths()
    return GalleryStore(paths.gallery, sealer=sealer_for(paths.gallery, str(paths.key_file)))


def open_admin(app) -> None:
    """Ask for the PIN, then show the admin menu until it is closed."""
    if not app.config.admin_pin_hash:
        QMessageBox.information(
            app.window, "Administration",
            "No admin PIN is set on this kiosk.\nSet one with:  python -m kiosk set-pin",
        )
        return
    if getattr(app, "pin_guard", None) is None:
        app.pin_guard = PinGuard(app.config.admin_pin_hash, state_file=app.config.paths().pin_state)
    from kiosk.qt.pin_dialog import PinDialog

    if PinDialog(app.pin_guard, app.window).exec() != QDialog.DialogCode.Accepted:
        record(app, "pin", None, {"ok": False})
        return
    record(app, "pin", None, {"ok": True})
    while True:
        menu = AdminMenu(app.window)
        if menu.exec() != QDialog.DialogCode.Accepted:
            return
        {"enrol": open_enrolment, "people": open_people, "settings": open_settings}[menu.choice](app)


def open_enrolment(app) -> None:
    from kiosk.qt.admin_sampler import AdminSampler
    from kiosk.qt.enrol_dialog import EnrolDialog

    if getattr(app, "sampler", None) is None:
        app.sampler = AdminSampler(app.worker)
    dialog = EnrolDialog(gallery_store(app.config), app.sampler, app.latest_frame, app.window,
                         threshold=app.config.threshold)
    dialog.enrolled.connect(lambda person: record(app, "enrol", person.person_id))
    dialog.exec()


def open_people(app) -> None:
    from kiosk.qt.people_dialog import PeopleDialog

    dialog = PeopleDialog(gallery_store(app.config), app.window, may_change=people_permission(app.config))
    dialog.renamed.connect(lambda pid: record(app, "rename", pid))
    dialog.deleted.connect(lambda pid: record(app, "delete", pid))
    dialog.exec()


def people_permission(config: KioskConfig):
    """``person_id -> Permission`` from the people sync's state (CONTRACTS.md C2); None without a server."""
    if not config.server_url:
        return None
    from kiosk.link.people import may_change

    state = config.paths().people_sync_state
    return lambda person_id: may_change(state, person_id, config.kiosk_id)


def open_settings(app) -> None:
    from kiosk.qt.settings_dialog import SettingsDialog

    dialog = SettingsDialog(app.config, app.config_file, app.window)
    dialog.saved.connect(lambda new: apply_settings(app, new))
    dialog.exec()


def apply_settings(app, new: KioskConfig) -> None:
    """Take the saved settings into use without a restart."""
    old, app.config = app.config, replace(app.config, source=new.source, cooldown_s=new.cooldown_s,
                                          threshold=new.threshold, direction=new.direction)
    app.recorder.policy.cooldown = timedelta(seconds=new.cooldown_s)
    from kiosk.core.types import Direction

    app.recorder.policy.direction = Direction(new.direction)
    if new.threshold != old.threshold:
        from kiosk.vision.protocol import SetPolicy

        app.worker.request(SetPolicy(new.threshold, app.config.margin))
    if new.source != old.source:
        app.restart_camera(new.source)
    changed = {k: getattr(new, k) for k in ("source", "cooldown_s", "threshold", "direction")
               if getattr(new, k) != getattr(old, k)}
    record(app, "settings", None, {"changed": sorted(changed)})


def record(app, event: str, subject: str | None, details: dict | None = None) -> None:
    """One line in the kiosk's audit log (who did what, when, where; never face data)."""
    from kiosk.core.audit import audit

    try:
        audit(event, actor="admin", kiosk_id=app.config.kiosk_id, subject=subject, details=details,
              path=app.config.paths().audit_log)
    except Exception:  # an audit failure must be visible in the log but must not undo the admin's change
        log.exception("could not write the audit log entry for %s", event)
