"""The status strip: camera state and frame rate, server connection and backlog, kiosk name, clock, and a
notice when data was set aside (damaged CSV rows, check-ins the server could not store) or the server
refused a people change."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget


class StatusStrip(QWidget):
    def __init__(self, kiosk_id: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.camera = QLabel(self.tr("Camera: starting"))
        self.server = QLabel(self.tr("Server: not configured"))
        self.recognition = QLabel("")  # shown only while recognition is not running
        self.recognition.setObjectName("recognition")
        self.recognition.hide()
        self.kiosk = QLabel(kiosk_id)
        self.clock = QLabel("")
        self.notice = QLabel("")  # a second line, only while something needs an administrator
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        rows = QVBoxLayout(self)
        rows.setContentsMargins(16, 6, 16, 6)
        rows.setSpacing(2)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(layout)
        rows.addWidget(self.notice)
        for w in (self.camera, self.server, self.recognition):
            layout.addWidget(w)
            layout.addSpacing(24)
        layout.addStretch(1)
        layout.addWidget(self.kiosk)
        layout.addSpacing(24)
        layout.addWidget(self.clock)
        self.setStyleSheet("#statusStrip { background: #2c3e50; } QLabel { color: #ecf0f1; font-size: 16pt; }"
                           " QLabel#notice { color: #f5b041; } QLabel#recognition { color: #f5b041; }")
        self.tick()

    def set_camera(self, state: str, fps: float | None = None) -> None:
        names = {"starting": self.tr("starting"), "live": self.tr("live"), "unavailable": self.tr("unavailable"),
                 "ended": self.tr("ended")}
        text = self.tr("Camera: %1").replace("%1", names.get(state, state))
        if fps is not None and state == "live":
            text += f" · {fps:.0f} fps"
        self.camera.setText(text)

    def set_recognition(self, state: str) -> None:
        """"restarting": say so (⚠ and words, not colour alone); "running": hide the note."""
        self.recognition.setText("⚠ " + self.tr("Recognition restarting") if state == "restarting" else "")
        self.recognition.setVisible(state == "restarting")

    def set_server(self, configured: bool, online: bool, backlog: int) -> None:
        waiting = self.tr("%1 waiting to sync").replace("%1", str(backlog))
        if not configured:
            text = self.tr("Server: not configured")
        elif online:
            text = self.tr("Server: online") + (f" · {waiting}" if backlog else "")
        else:
            text = self.tr("Server: offline") + f" · {waiting}"
        self.server.setText(text)

    def set_notices(self, damaged: tuple[int, str] = (0, ""), held: tuple[int, str] = (0, ""),
                    people: str = "") -> None:
        """Show what needs an administrator: (count, side file) of damaged CSV rows and of check-ins
        the server could not store, and the people sync's refusal; hidden when there is nothing."""
        parts = []
        if damaged[0]:
            parts.append(self.tr("%1 damaged CSV row(s) set aside in %2").replace("%1", str(damaged[0]))
                         .replace("%2", Path(damaged[1]).name))
        if held[0]:
            parts.append(self.tr("%1 check-in(s) the server cannot store, set aside in %2").replace("%1", str(held[0]))
                         .replace("%2", Path(held[1]).name))
        if people:
            parts.append(people)
        self.notice.setText("⚠ " + " · ".join(parts) if parts else "")
        files = [damaged[1] if damaged[0] else "", held[1] if held[0] else "", people]
        self.notice.setToolTip("\n".join(f for f in files if f))
        self.notice.setVisible(bool(parts))

    def tick(self) -> None:
        self.clock.setText(datetime.now().strftime("%H:%M"))
