"""The camera thread: reads frames from a FrameSource, paces files to their frame rate, reconnects.

``CameraWorker`` is a QObject moved to a QThread (not a QThread subclass). Each frame goes to the GUI by a
queued signal and to the recognition bridge through ``sink`` (a thread-safe "newest frame wins" slot).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from kiosk.errors import CameraError
from kiosk.vision.camera_source import FrameSource, SourceSpec

log = logging.getLogger(__name__)


def _unavailable() -> str:
    return QCoreApplication.translate("CameraWorker", "Camera unavailable, retrying…")

RETRY_S = 2.0


class CameraWorker(QObject):
    frameReady = Signal(object, int, float)  # rgb, frame number, capture time (time.monotonic)
    stateChanged = Signal(str, str)  # state ("starting", "live", "unavailable", "ended"), human message
    finished = Signal()

    def __init__(self, spec: SourceSpec, sink: Callable[[np.ndarray, int, float], None] | None = None,
                 opener: Callable[[SourceSpec], FrameSource] | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.sink = sink
        self._open = opener or (lambda s: s.open())
        self._stop = threading.Event()
        self.frame_no = 0

    def stop(self) -> None:
        """Thread-safe: ask the loop to end (it checks between frames and while waiting)."""
        self._stop.set()

    @Slot()
    def run(self) -> None:
        opening = QCoreApplication.translate("CameraWorker", "Opening %1…")  # safe from this thread
        self.stateChanged.emit("starting", opening.replace("%1", self.spec.describe()))
        while not self._stop.is_set():
            try:
                source = self._open(self.spec)
            except CameraError as exc:
                log.warning("camera: %s", exc)
                self.stateChanged.emit("unavailable", _unavailable())
                self._stop.wait(RETRY_S)
                continue
            self.stateChanged.emit("live", self.spec.describe())
            ended = self._pump(source)
            source.close()
            if ended:
                self.stateChanged.emit("ended", QCoreApplication.translate("CameraWorker", "The video has ended."))
                break
            if not self._stop.is_set():
                self.stateChanged.emit("unavailable", _unavailable())
                self._stop.wait(RETRY_S)
        self.finished.emit()

    def _pump(self, source: FrameSource) -> bool:
        """Deliver frames until the source fails (False) or a finite source ends (True)."""
        pace = 1.0 / source.fps if source.fps > 0 and not self.spec.is_live else 0.0
        next_due = time.monotonic()
        while not self._stop.is_set():
            frame = source.read()
            if frame is None:
                return source.finite
            now = time.monotonic()
            self.frame_no += 1
            if self.sink is not None:
                self.sink(frame, self.frame_no, now)
            self.frameReady.emit(frame, self.frame_no, now)
            if pace:
                next_due += pace
                delay = next_due - time.monotonic()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_due = time.monotonic()  # running late: do not try to catch up
        return False
