"""Kiosk mode and the dimmed screen.

``KioskLock`` makes the main window a kiosk: full screen without decorations, the pointer hidden, and
Esc, Alt+F4 and the window manager's close ignored; only ``release()`` (Quit in the admin menu, after the
PIN, or the end of a test run) lets it close. ``ScreenDimmer`` darkens the screen after some minutes with
nobody in front and brightens it on the next face or touch.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QCursor, QPainter
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

DIM_OPACITY = 0.8
CHECK_MS = 5000


def kiosk_mode_wanted(setting: str, source_is_camera: bool) -> bool:
    """``kiosk_mode`` "auto" (or "") is on for a camera (device or network), off for files and folders."""
    text = (setting or "auto").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return source_is_camera


def window_mode(setting: str, source_is_camera: bool, has_admin_pin: bool, fullscreen: bool) -> str:
    """"locked" (kiosk mode), "fullscreen" or "window". Kiosk mode never locks without an admin PIN, since
    Quit in the PIN-protected admin menu is the only way out of it."""
    if kiosk_mode_wanted(setting, source_is_camera):
        return "locked" if has_admin_pin else "fullscreen"
    return "fullscreen" if fullscreen else "window"


class KioskLock(QObject):
    """Locks ``window`` while ``locked``; install once, ``release()`` before a legitimate close."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.locked = False
        self.ignored: list[str] = []  # what was refused (for the log and the tests)

    def lock(self) -> None:
        self.locked = True
        self.window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self.window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.window.installEventFilter(self)
        QApplication.instance().installEventFilter(self)
        QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
        screen = self.window.screen() or QApplication.primaryScreen()
        self.window.setGeometry(screen.geometry())  # without a window manager showFullScreen() alone may not
        self.window.showFullScreen()

    def release(self) -> None:
        if not self.locked:
            return
        self.locked = False
        QApplication.instance().removeEventFilter(self)
        self.window.removeEventFilter(self)
        QApplication.restoreOverrideCursor()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if not self.locked:
            return False
        kind = event.type()
        if kind == QEvent.Type.Close and obj is self.window:
            event.ignore()
            self.ignored.append("close")
            return True
        if kind == QEvent.Type.KeyPress and self._blocked(event) and self._in_main_window(obj):
            self.ignored.append(f"key {event.key()}")
            return True
        return False

    def _in_main_window(self, obj) -> bool:
        """Keys aimed at the main window (dialogs keep Esc to close themselves)."""
        return isinstance(obj, QWidget) and obj.window() is self.window

    @staticmethod
    def _blocked(event) -> bool:
        key = event.key()
        mods = event.modifiers()
        if key == Qt.Key.Key_Escape or key == Qt.Key.Key_F11:
            return True
        if key == Qt.Key.Key_F4 and mods & Qt.KeyboardModifier.AltModifier:
            return True
        return key in (Qt.Key.Key_Q, Qt.Key.Key_W) and bool(mods & Qt.KeyboardModifier.ControlModifier)


class DimOverlay(QWidget):
    """A dark veil over the whole window; a touch on it wakes the screen."""

    def __init__(self, parent: QWidget, on_touch: Callable[[], None]) -> None:
        super().__init__(parent)
        self._on_touch = on_touch
        self.setObjectName("dimOverlay")
        self.hide()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        color = QColor(0, 0, 0)
        color.setAlphaF(DIM_OPACITY)
        painter.fillRect(self.rect(), color)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self._on_touch()
        event.accept()


class ScreenDimmer(QObject):
    """Dims ``window`` after ``after_s`` without a face (0: never); ``face_seen()`` and touches wake it."""

    def __init__(self, window: QWidget, after_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.after_s = after_s
        self._clock = clock
        self._last_face = clock()
        self.overlay = DimOverlay(window, self.wake)
        window.installEventFilter(self)
        self._timer = QTimer(self, interval=CHECK_MS, timeout=self.check)
        if after_s > 0:
            self._timer.start()

    @property
    def dimmed(self) -> bool:
        return self.overlay.isVisible()

    def face_seen(self) -> None:
        self._last_face = self._clock()
        if self.dimmed:
            self.wake()

    def wake(self) -> None:
        self._last_face = self._clock()
        self.overlay.hide()

    def check(self) -> None:
        if self.after_s > 0 and not self.dimmed and self._clock() - self._last_face >= self.after_s:
            parent = self.overlay.parentWidget()
            self.overlay.setGeometry(parent.rect())
            self.overlay.raise_()
            self.overlay.show()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and obj is self.overlay.parentWidget():
            self.overlay.setGeometry(obj.rect())
        return False
