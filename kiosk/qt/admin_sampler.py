"""The bridge between the enrolment dialog and the recognition worker process.

The embedding work runs in the worker process (dlib holds the GIL); this module only moves requests and
answers: a ``QThread`` runs a ``_SampleJob`` object (``moveToThread``) that loads a file (cheap) and waits
for the worker's answer, so the GUI never blocks. All bookkeeping (what is running, what waits) stays in
the GUI thread. Camera frames follow "newest frame wins": while one sample is being computed, only the
latest frame is kept. Files the admin picked are never dropped: they wait in order.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from kiosk.errors import ImageError
from kiosk.vision.enrol import Sample
from kiosk.vision.image_io import load_image
from kiosk.vision.protocol import Failed, Sampled
from kiosk.vision.worker import WorkerClient

log = logging.getLogger(__name__)

STOP_WAIT_MS = 10_000


@dataclass(frozen=True, slots=True)
class SampleRequest:
    """One thing to sample: a camera frame (``rgb``) or an image file (``path``)."""

    source: str
    rgb: np.ndarray | None = None
    path: str | None = None


class _SampleJob(QObject):
    """Lives in the bridge thread: turns one request into one Sample via the worker process."""

    finished = Signal(object)  # Sample
    failed = Signal(str)

    def __init__(self, client: WorkerClient) -> None:
        super().__init__()
        self._client = client

    @Slot(object)
    def run(self, request: SampleRequest) -> None:
        try:
            rgb = request.rgb
            if request.path is not None:
                try:
                    rgb = load_image(request.path)
                except ImageError as exc:
                    self.finished.emit(Sample(request.source, None, None, None, str(exc)))
                    return
            answer = self._client.sample(rgb, request.source)
        except Exception as exc:  # a dead or stuck worker must become a sentence, not a crash
            log.exception("enrolment sample failed")
            self.failed.emit(f"The face engine did not answer ({exc}). Close this window and try again.")
            return
        if isinstance(answer, Sampled):
            self.finished.emit(answer.sample)
        else:
            message = answer.message if isinstance(answer, Failed) else repr(answer)
            log.error("unexpected answer from the worker: %s", message)
            self.failed.emit(f"The face engine could not check this sample: {message}")


class AdminSampler(QObject):
    """Asks the (already started, shared) worker process for enrolment samples without blocking the GUI.

    Signals: ``sampleReady(Sample)``, ``failed(str)`` (a sentence), ``busyChanged(bool)``.
    """

    sampleReady = Signal(object)
    failed = Signal(str)
    busyChanged = Signal(bool)
    _submit = Signal(object)

    def __init__(self, client: WorkerClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._thread = QThread()
        self._thread.setObjectName("admin-sampler")
        self._job = _SampleJob(client)
        self._job.moveToThread(self._thread)
        self._submit.connect(self._job.run)
        self._job.finished.connect(self._on_finished)
        self._job.failed.connect(self._on_failed)
        self._thread.finished.connect(self._job.deleteLater)
        self._running = False
        self._stopped = False
        self._next_frame: SampleRequest | None = None
        self._files: deque[SampleRequest] = deque()
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._running

    def request_frame_sample(self, rgb: np.ndarray, source: str = "camera") -> None:
        """Sample a camera frame (RGB). While busy, only the newest frame waits; older ones are dropped."""
        self._next_frame = SampleRequest(source, np.ascontiguousarray(rgb, dtype=np.uint8))
        self._pump()

    def request_file_sample(self, path: str) -> None:
        """Sample an image file; an unreadable file gives a rejected Sample saying why."""
        self._files.append(SampleRequest(str(path), path=str(path)))
        self._pump()

    def pending(self) -> int:
        """Requests waiting (not counting the one running)."""
        return len(self._files) + (self._next_frame is not None)

    def stop(self) -> None:
        """Drop waiting requests, let the running one end, quit and wait for the thread."""
        self._stopped = True
        self._files.clear()
        self._next_frame = None
        if self._thread.isRunning():
            self._thread.quit()
            if not self._thread.wait(STOP_WAIT_MS):
                log.warning("the enrolment sampler thread did not stop in time")

    def _pump(self) -> None:
        if self._running or self._stopped:
            return
        if self._files:
            request = self._files.popleft()
        elif self._next_frame is not None:
            request, self._next_frame = self._next_frame, None
        else:
            return
        self._running = True
        self.busyChanged.emit(True)
        self._submit.emit(request)

    def _done(self) -> None:
        self._running = False
        self._pump()
        if not self._running:
            self.busyChanged.emit(False)

    @Slot(object)
    def _on_finished(self, sample: Sample) -> None:
        if self._stopped:
            return
        self.sampleReady.emit(sample)
        self._done()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self._stopped:
            return
        self.failed.emit(message)
        self._done()
