"""Run statistics of the kiosk, printed as one JSON line by a headless run (``--exit-at-end``)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

# A kiosk runs for months: samples are kept in bounded windows (the stall window is an hour at 100 Hz).
STALL_WINDOW = 360_000
SAMPLE_WINDOW = 10_000


def percentile(values, q: float) -> float | None:
    return round(float(np.percentile(np.fromiter(values, float), q)), 1) if values else None


@dataclass
class RunStats:
    """Counters fed by the GUI thread; ``summary()`` is the JSON the headless run prints."""

    started: float = 0.0
    frames_shown: int = 0
    frames_analysed: int = 0
    checkins: int = 0
    already_checked_in: int = 0
    confirm_ms: deque = field(default_factory=lambda: deque(maxlen=SAMPLE_WINDOW))
    stall_ms: deque = field(default_factory=lambda: deque(maxlen=STALL_WINDOW))
    analyse_ms: deque = field(default_factory=lambda: deque(maxlen=SAMPLE_WINDOW))
    unknown_faces: int = 0  # distinct tracks labelled unknown, for the heartbeat
    first_shown: float | None = None
    last_shown: float | None = None

    def frame_shown(self, now: float) -> None:
        self.frames_shown += 1
        if self.first_shown is None:
            self.first_shown = now
        self.last_shown = now

    def summary(self) -> dict:
        span = (self.last_shown - self.first_shown) if self.first_shown is not None and self.last_shown else 0.0
        shown_fps = (self.frames_shown - 1) / span if span > 0 else 0.0
        return {
            "frames_shown": self.frames_shown,
            "frames_analysed": self.frames_analysed,
            "checkins": self.checkins,
            "already_checked_in": self.already_checked_in,
            "shown_fps": round(shown_fps, 2),
            "confirm_ms_p50": percentile(self.confirm_ms, 50),
            "confirm_ms_p95": percentile(self.confirm_ms, 95),
            "analyse_ms_p50": percentile(self.analyse_ms, 50),
            "ui_stall_ms_max": round(max(self.stall_ms), 1) if self.stall_ms else 0.0,
            "ui_stall_ms_p99": percentile(self.stall_ms, 99) or 0.0,
        }
