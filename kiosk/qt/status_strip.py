"""The status strip: camera state and frame rate, server connection and backlog, kiosk name, clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


class StatusStrip(QWidget):
    def __init__(self, kiosk_id: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.camera = QLabel(self.tr("Camera: starting"))
        self.server = QLabel(self.tr("Server: not configured"))
        self.kiosk = QLabel(kiosk_id)
        self.clock = QLabel("")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        for w in (self.camera, self.server):
            layout.addWidget(w)
            layout.addSpacing(24)
        layout.addStretch(1)
        layout.addWidget(self.kiosk)
        layout.addSpacing(24)
        layout.addWidget(self.clock)
        self.setStyleSheet("#statusStrip { background: #2c3e50; } QLabel { color: #ecf0f1; font-size: 16pt; }")
        self.tick()

    def set_camera(self, state: str, fps: float | None = None) -> None:
        names = {"starting": self.tr("starting"), "live": self.tr("live"), "unavailable": self.tr("unavailable"),
                 "ended": self.tr("ended")}
        text = self.tr("Camera: %1").replace("%1", names.get(state, state))
        if fps is not None and state == "live":
            text += f" · {fps:.0f} fps"
        self.camera.setText(text)

    def set_server(self, configured: bool, online: bool, backlog: int) -> None:
        waiting = self.tr("%1 waiting to sync").replace("%1", str(backlog))
        if not configured:
            text = self.tr("Server: not configured")
        elif online:
            text = self.tr("Server: online") + (f" · {waiting}" if backlog else "")
        else:
            text = self.tr("Server: offline") + f" · {waiting}"
        self.server.setText(text)

    def tick(self) -> None:
        self.clock.setText(datetime.now().strftime("%H:%M"))
