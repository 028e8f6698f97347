"""Run statistics of the kiosk, printed as one JSON line by a headless run (``--exit-at-end``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


@dataclass
class RunStats:
    """Counters fed by the GUI thread; ``summary()`` is the JSON the headless run prints."""

    started: float = 0.0
    frames_shown: int = 0
    frames_analysed: int = 0
    checkins: int = 0
    already_checked_in: int = 0
    confirm_ms: list[float] = field(default_factory=list)
    stall_ms: list[float] = field(default_factory=list)
    analyse_ms: list[float] = field(default_factory=list)
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
