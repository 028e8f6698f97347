"""Kiosk mode locks the window; the screen dims with nobody in front and wakes on a face or a touch."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kiosk.qt.kiosk_mode import KioskLock, ScreenDimmer, kiosk_mode_wanted
from kiosk.qt.main_window import MainWindow


def test_kiosk_mode_is_on_by_default_for_a_camera_and_follows_the_flag():
    assert kiosk_mode_wanted("auto", source_is_camera=True)
    assert not kiosk_mode_wanted("auto", source_is_camera=False)
    assert kiosk_mode_wanted("True", source_is_camera=False)  # --kiosk-mode
    assert not kiosk_mode_wanted("False", source_is_camera=True)  # --no-kiosk-mode


def test_a_locked_kiosk_ignores_close_escape_and_alt_f4_until_released(qtbot):
    window = MainWindow("door-1")
    qtbot.addWidget(window)
    lock = KioskLock(window)
    lock.lock()
    try:
        qtbot.waitExposed(window)
        assert window.isFullScreen() and window.geometry() == window.screen().geometry()
        assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
        assert QApplication.overrideCursor().shape() == Qt.CursorShape.BlankCursor  # the pointer is hidden
        assert not window.close()
        qtbot.keyClick(window, Qt.Key.Key_Escape)
        qtbot.keyClick(window, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
        qtbot.keyClick(window, Qt.Key.Key_F11)
        assert window.isVisible() and window.isFullScreen()
        assert lock.ignored[0] == "close" and len(lock.ignored) == 4
    finally:
        lock.release()
    assert QApplication.overrideCursor() is None
    assert window.close() and not window.isVisible()


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_screen_dims_after_minutes_without_a_face_and_wakes_on_a_face_or_a_touch(qtbot):
    window = MainWindow("door-1")
    qtbot.addWidget(window)
    window.show()
    clock = Clock()
    dimmer = ScreenDimmer(window, after_s=300, clock=clock)
    clock.t += 299
    dimmer.check()
    assert not dimmer.dimmed
    clock.t += 2
    dimmer.check()
    assert dimmer.dimmed and dimmer.overlay.geometry() == window.rect()
    dimmer.face_seen()
    assert not dimmer.dimmed
    clock.t += 301
    dimmer.check()
    assert dimmer.dimmed
    qtbot.mouseClick(dimmer.overlay, Qt.MouseButton.LeftButton)  # a touch wakes it too
    assert not dimmer.dimmed


def test_dimming_off_never_dims(qtbot):
    window = MainWindow("door-1")
    qtbot.addWidget(window)
    clock = Clock()
    dimmer = ScreenDimmer(window, after_s=0, clock=clock)
    clock.t += 10_000
    dimmer.check()
    assert not dimmer.dimmed


def test_kiosk_mode_never_locks_without_an_admin_pin_to_quit_with():
    from kiosk.qt.kiosk_mode import window_mode

    assert window_mode("auto", True, has_admin_pin=True, fullscreen=False) == "locked"
    assert window_mode("auto", True, has_admin_pin=False, fullscreen=False) == "fullscreen"
    assert window_mode("auto", False, has_admin_pin=True, fullscreen=False) == "window"
    assert window_mode("off", True, has_admin_pin=True, fullscreen=True) == "fullscreen"
