"""The bridge between the GUI and the recognition worker process.

``RecognitionBridge`` is a QObject living in its own QThread. The camera thread hands it frames through
``offer()``, which keeps only the newest one; the bridge's loop sends that frame to the worker process,
waits for the answer (blocking on a pipe, which releases the GIL), turns confirmations into check-ins
through the ``CheckInRecorder`` and emits the results to the GUI. The GUI thread never waits on it: a new
match policy (``set_policy``) or a "Not you?" block is only handed over, and the loop sends it to the
worker between two frames.

When the worker process dies or stops answering, the loop starts a new one (after 0.5 s, doubling up to
30 s while it keeps failing), says so through ``recognitionChanged`` ("restarting", then "running") and
goes on with the newest frame; check-ins resume, and the check-in policy (in this process) still checks
nobody in twice.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from kiosk.core.checkin import CheckInRecorder
from kiosk.vision.protocol import Analysed, BlockIdentity, Failed, SetPolicy
from kiosk.vision.worker import WorkerClient

log = logging.getLogger(__name__)

WORKER_GONE = (TimeoutError, OSError, EOFError, RuntimeError)  # what a dead or stuck worker raises
RESTART_FIRST_S = 0.5
RESTART_MAX_S = 30.0
RESTART_CALM_S = 60.0  # a worker that ran this long starts the backoff over when it fails


class RecognitionBridge(QObject):
    resultReady = Signal(object)  # kiosk.core.pipeline.PipelineResult
    checkedIn = Signal(object, float)  # CheckIn, ms from the face's first frame to its confirmation
    alreadyCheckedIn = Signal(str, object)  # name, datetime of the earlier check-in
    failed = Signal(str)  # a sentence for the status strip
    drained = Signal()  # the last offered frame has been analysed (after close_input())
    policyApplied = Signal(float, float)  # threshold, margin: the worker matches with them from now on
    recognitionChanged = Signal(str)  # "restarting" (the worker died or hung) or "running" (it is back)

    def __init__(self, client: WorkerClient, recorder: CheckInRecorder) -> None:
        super().__init__()
        self.client = client
        self.recorder = recorder
        self._cond = threading.Condition()
        self._latest: tuple[np.ndarray, int, float] | None = None
        self._stop = False
        self._input_closed = False
        self._control: list[SetPolicy | BlockIdentity] = []  # sent to the worker between two frames
        self._tracks: dict[str, int] = {}  # event_id -> track_id of recent face check-ins
        self.blocked: list[tuple[int, bool, int]] = []  # (track_id, found, last frame analysed before it)
        self._last_frame_no = -1
        self.dropped = 0
        self.restarts = 0
        self._restart_delay = RESTART_FIRST_S
        self._restarted_at = float("-inf")

    # -- called from other threads ------------------------------------------------------------------
    def offer(self, rgb: np.ndarray, frame_no: int, t: float) -> None:
        """Newest frame wins: replaces any frame not yet taken by the loop."""
        with self._cond:
            if self._latest is not None:
                self.dropped += 1
            self._latest = (rgb, frame_no, t)
            self._cond.notify()

    def close_input(self) -> None:
        """No more frames will come: emit ``drained`` once the pending one is analysed."""
        with self._cond:
            self._input_closed = True
            self._cond.notify()

    def block_identity(self, event_id: str, person_id: str) -> None:
        """"Not you?" on check-in ``event_id``: the worker stops naming ``person_id`` on that face's track."""
        with self._cond:
            track_id = self._tracks.get(event_id)
            if track_id is not None:
                self._control.append(BlockIdentity(track_id, person_id))
                self._cond.notify()

    def set_policy(self, threshold: float, margin: float) -> None:
        """Match with a new threshold and margin from the next frame on; never waits for the worker."""
        with self._cond:
            self._control = [m for m in self._control if not isinstance(m, SetPolicy)]  # the newest wins
            self._control.append(SetPolicy(threshold, margin))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    # -- the loop, in the bridge's thread ---------------------------------------------------------------
    @Slot()
    def run(self) -> None:
        while True:
            with self._cond:
                while self._latest is None and not self._control and not self._stop and not self._input_closed:
                    self._cond.wait(0.5)
                if self._stop:
                    return
                control, self._control = self._control, []
                frame = None
                if not control:  # control messages go first; a waiting frame is taken on the next turn
                    frame, self._latest = self._latest, None
                    if frame is None:  # the input was closed and nothing is left
                        self._input_closed = False
                        self.drained.emit()
                        continue
            for message in control:
                if isinstance(message, SetPolicy):
                    self._send_policy(message)
                else:
                    self._send_block(message)
            if frame is not None:
                self._analyse(*frame)

    def _analyse(self, rgb: np.ndarray, frame_no: int, t: float) -> None:
        self._last_frame_no = frame_no
        try:
            answer = self.client.analyse(frame_no, t, rgb)
        except WORKER_GONE as exc:
            self._restart_worker(exc)
            return
        if not isinstance(answer, Analysed):
            message = answer.message if isinstance(answer, Failed) else f"unexpected answer {answer!r}"
            log.error("worker: %s", message)
            self.failed.emit(message)
            return
        result = answer.result
        for c in result.confirmations:
            self._check_in(c)
        self.resultReady.emit(result)

    def _send_block(self, block: BlockIdentity) -> None:
        try:
            answer = self.client.request(block)
        except WORKER_GONE as exc:  # the new worker starts without the old tracks: nothing left to block
            log.warning("could not block %s on track %d: %s", block.person_id, block.track_id, exc)
            self._restart_worker(exc)
            return
        self.blocked.append((block.track_id, bool(getattr(answer, "found", False)), self._last_frame_no))
        log.info("track %d: %s blocked (%s)", block.track_id, block.person_id, answer)

    def _send_policy(self, policy: SetPolicy) -> None:
        try:
            answer = self.client.request(policy)
        except WORKER_GONE as exc:  # the client kept the policy: the restarted worker starts with it
            if self._restart_worker(exc):
                self.policyApplied.emit(policy.threshold, policy.margin)
            return
        if isinstance(answer, Failed):
            log.error("worker: %s", answer.message)
            self.failed.emit(f"The new match threshold could not be applied: {answer.message}")
            return
        self.policyApplied.emit(policy.threshold, policy.margin)

    def _restart_worker(self, reason: Exception) -> bool:
        """Start a new worker process, with backoff, until one runs or the bridge stops; True when one runs.

        One warning per failure and per attempt (no traceback: a dead worker is an expected event here).
        """
        log.warning("the recognition worker stopped (%s: %s); restarting it",
                    reason.__class__.__name__, reason or "no answer")
        self.recognitionChanged.emit("restarting")
        if time.monotonic() - self._restarted_at > RESTART_CALM_S:
            self._restart_delay = RESTART_FIRST_S
        while not self._wait(self._restart_delay):
            self._restart_delay = min(self._restart_delay * 2, RESTART_MAX_S)
            try:
                ready = self.client.restart()
            except WORKER_GONE as exc:
                log.warning("the recognition worker did not start (%s); next try in %.1f s", exc, self._restart_delay)
                continue
            self.restarts += 1
            self._restarted_at = time.monotonic()
            log.warning("the recognition worker is back (pid %d, %d people)", ready.pid, ready.people)
            self.recognitionChanged.emit("running")
            return True
        return False

    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the bridge was stopped meanwhile."""
        with self._cond:
            return self._cond.wait_for(lambda: self._stop, seconds)

    def _check_in(self, confirmation) -> None:
        m = confirmation.match
        try:
            decision = self.recorder.record(m.person_id, m.name, m.distance)
        except Exception as exc:  # the CSV could not be written: say so, never greet
            log.exception("could not record a check-in for %s", m.person_id)
            self.failed.emit(f"Could not save the check-in: {exc}")
            return
        if decision.checkin is not None:
            with self._cond:
                self._tracks[decision.checkin.event_id] = confirmation.track_id
                while len(self._tracks) > 64:  # only recent check-ins can be "Not you?"
                    self._tracks.pop(next(iter(self._tracks)))
            latency_ms = (time.monotonic() - confirmation.first_seen) * 1000.0
            self.checkedIn.emit(decision.checkin, latency_ms)
        elif not confirmation.repeat:  # a face re-confirmed after a doubt was greeted already
            self.alreadyCheckedIn.emit(m.name, decision.previous)
