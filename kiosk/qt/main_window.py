"""The kiosk's main window: live feed with face boxes, the greeting, the status strip, the admin corner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QToolButton, QVBoxLayout, QWidget

from kiosk.qt.greeting import GreetingBanner
from kiosk.qt.status_strip import StatusStrip
from kiosk.qt.video_view import VideoView


class MainWindow(QMainWindow):
    adminRequested = Signal()
    closing = Signal()

    def __init__(self, kiosk_id: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Attendance kiosk · {kiosk_id}")
        self.video = VideoView()
        self.greeting = GreetingBanner()
        self.status = StatusStrip(kiosk_id)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.greeting)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.status)
        self.setCentralWidget(central)
        # A discreet corner button for admins (PIN-protected).
        self.admin_button = QToolButton(self.video)
        self.admin_button.setText("⚙")
        self.admin_button.setToolTip("Administration")
        self.admin_button.setFixedSize(56, 56)
        self.admin_button.setStyleSheet(
            "QToolButton { background: rgba(0,0,0,60); color: rgba(255,255,255,120); border: none; font-size: 22pt; }"
        )
        self.admin_button.clicked.connect(self.adminRequested)
        self.setStyleSheet("QMainWindow { background: #14181c; }")
        self.resize(1280, 800)

        self.video.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.video and event.type() == QEvent.Type.Resize:
            self.admin_button.move(self.video.width() - self.admin_button.width() - 8, 8)
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_F11:
            self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.closing.emit()
        super().closeEvent(event)
