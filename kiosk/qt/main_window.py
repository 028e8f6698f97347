"""The kiosk's main window: live feed with face boxes, the greeting, the status strip, the admin corner,
and "Can't be recognised?" for whoever the camera fails (a badge reader typing on the window works too)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QMainWindow, QPushButton, QToolButton, QVBoxLayout, QWidget

from kiosk.qt.badge_reader import BadgeBuffer
from kiosk.qt.greeting import GreetingBanner
from kiosk.qt.status_strip import StatusStrip
from kiosk.qt.video_view import VideoView

FALLBACK_STYLE = """
QPushButton { background: rgba(20, 24, 28, 200); color: white; font-size: 20pt; font-weight: 600;
              border: 2px solid rgba(255, 255, 255, 160); border-radius: 12px; padding: 0 24px; }
QPushButton:pressed { background: rgba(60, 70, 80, 230); }
"""


class MainWindow(QMainWindow):
    adminRequested = Signal()
    fallbackRequested = Signal()
    badgeScanned = Signal(str)
    closing = Signal()

    def __init__(self, kiosk_id: str, parent=None) -> None:
        super().__init__(parent)
        self.kiosk_id = kiosk_id
        self.video = VideoView()
        self.greeting = GreetingBanner()
        self.status = StatusStrip(kiosk_id)
        self._badge = BadgeBuffer()
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
        self.admin_button.setFixedSize(56, 56)
        self.admin_button.setStyleSheet(
            "QToolButton { background: rgba(0,0,0,60); color: rgba(255,255,255,120); border: none; font-size: 22pt; }"
        )
        self.admin_button.clicked.connect(self.adminRequested)
        # The way in without the face: big, at thumb height, on the live picture.
        self.fallback_button = QPushButton(self.video)
        self.fallback_button.setObjectName("fallbackButton")
        self.fallback_button.setStyleSheet(FALLBACK_STYLE)
        self.fallback_button.setMinimumHeight(72)
        self.fallback_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.fallback_button.clicked.connect(self.fallbackRequested)
        for button in (self.admin_button, self.fallback_button):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setStyleSheet("QMainWindow { background: #14181c; }")
        self.resize(1280, 800)
        self.video.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Attendance kiosk · %1").replace("%1", self.kiosk_id))
        self.admin_button.setToolTip(self.tr("Administration"))
        self.admin_button.setAccessibleName(self.tr("Administration"))
        self.fallback_button.setText(self.tr("Can't be recognised?"))
        self.fallback_button.adjustSize()
        self._place_buttons()

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _place_buttons(self) -> None:
        self.admin_button.move(self.video.width() - self.admin_button.width() - 8, 8)
        b = self.fallback_button
        b.resize(max(b.sizeHint().width(), 320), max(b.sizeHint().height(), 72))
        b.move(self.video.width() - b.width() - 24, self.video.height() - b.height() - 24)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.video and event.type() == QEvent.Type.Resize:
            self._place_buttons()
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if self._badge.handles(event):  # a USB badge reader types digits and Enter
            badge = self._badge.feed(event)
            if badge:
                self.badgeScanned.emit(badge)
            return
        if event.key() == Qt.Key.Key_F11:
            self.setWindowState(self.windowState() ^ Qt.WindowState.WindowFullScreen)
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.closing.emit()
        super().closeEvent(event)
