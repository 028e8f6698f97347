"""The status strip: camera state and frame rate, server connection and backlog, kiosk name, clock."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


class StatusStrip(QWidget):
    def __init__(self, kiosk_id: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("statusStrip")
        self.camera = QLabel("Camera: starting")
        self.server = QLabel("Server: not configured")
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
        text = f"Camera: {state}"
        if fps is not None and state == "live":
            text += f" · {fps:.0f} fps"
        self.camera.setText(text)

    def set_server(self, configured: bool, online: bool, backlog: int) -> None:
        if not configured:
            text = f"Offline mode · {backlog} check-ins saved locally" if backlog else "Server: not configured"
        elif online:
            text = "Server: online" + (f" · {backlog} waiting to sync" if backlog else "")
        else:
            text = f"Server: offline · {backlog} waiting to sync"
        self.server.setText(text)

    def tick(self) -> None:
        self.clock.setText(datetime.now().strftime("%H:%M"))
