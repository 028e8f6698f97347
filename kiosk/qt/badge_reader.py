"""A USB badge reader is a keyboard that types the badge's digits and Enter, fast.

``BadgeBuffer.feed(key_event)`` collects digit keys and returns the number when Enter ends it. A pause of
more than ``gap_s`` between keys starts over (a stray key pressed long ago is not half a badge).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from kiosk.core.credentials import MAX_BADGE_DIGITS, MIN_BADGE_DIGITS

GAP_S = 1.0


class BadgeBuffer:
    def __init__(self, gap_s: float = GAP_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.gap_s = gap_s
        self._clock = clock
        self._digits = ""
        self._last = 0.0

    def feed(self, event: QKeyEvent) -> str | None:
        """Take one key press: the badge number when it completes one, else None. Non-digit keys reset."""
        now = self._clock()
        if now - self._last > self.gap_s:
            self._digits = ""
        self._last = now
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            badge, self._digits = self._digits, ""
            return badge if MIN_BADGE_DIGITS <= len(badge) <= MAX_BADGE_DIGITS else None
        text = event.text()
        if len(text) == 1 and text.isascii() and text.isdigit():
            self._digits = (self._digits + text)[-MAX_BADGE_DIGITS:]
        else:
            self._digits = ""
        return None

    def handles(self, event: QKeyEvent) -> bool:
        """True for the keys a badge reader sends (digits and Enter)."""
        text = event.text()
        return event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or (
            len(text) == 1 and text.isascii() and text.isdigit())
