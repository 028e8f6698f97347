"""The recognition worker process, and the client that talks to it. No Qt here.

dlib's landmark and descriptor calls hold the GIL for about 100 ms per face, so they run in a separate
process started with the ``spawn`` context (forking a process that has Qt loaded is unsafe). The client
sends one request at a time and waits for its answer, so the caller decides which frame goes next: the
newest one (frames that arrive meanwhile are dropped by the caller, never queued here).

The messages are the frozen dataclasses of ``kiosk.vision.protocol``.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from kiosk.core.config import KioskConfig
from kiosk.core.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD
from kiosk.core.tracking import TrackingSettings
from kiosk.errors import KioskError
from kiosk.vision.protocol import (
    Analysed,
    AnalyseFrame,
    Answer,
    Blocked,
    BlockIdentity,
    Failed,
    Ready,
    Reload,
    Reloaded,
    Request,
    Sampled,
    SampleImage,
    SetPolicy,
    Stop,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    gallery_dir: str
    key_file: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    live_width: int = 480
    far_face: int = 48  # the far pass's smallest face (kiosk.vision.engine.DetectorSettings); 0: off
    tracking: TrackingSettings = TrackingSettings()
    log_level: str = "WARNING"
    liveness: bool = True  # a check-in needs a blink or 3-D face motion (kiosk.core.liveness)
    models_dir: str | None = None  # None: kiosk.vision.models finds them

    @classmethod
    def from_config(cls, config: KioskConfig) -> WorkerSettings:
        """The worker's part of the kiosk's settings (one source: kiosk.core.config)."""
        c = config.resolved()
        return cls(gallery_dir=c.gallery, key_file=c.key_file, threshold=c.threshold, margin=c.margin,
                   live_width=c.live_width, far_face=c.far_face, log_level=c.log_level.upper(), liveness=c.liveness,
                   models_dir=c.models_dir or None)  # fmt: skip


def _load_matcher(settings: WorkerSettings):
    from kiosk.core.gallery import GalleryStore
    from kiosk.core.matching import Matcher, MatchPolicy
    from kiosk.core.secrets import sealer_for

    store = GalleryStore(settings.gallery_dir, sealer=sealer_for(settings.gallery_dir, settings.key_file))
    return store, Matcher(store.load(), MatchPolicy(settings.threshold, settings.margin))


class _Recogniser:
    """The worker process's state (models, gallery, pipeline with its tracks): one answer per request."""

    def __init__(self, settings: WorkerSettings) -> None:
        """Load the models and the gallery; raises KioskError (or anything dlib raises) when they cannot be."""
        from kiosk.core.liveness import LivenessSettings
        from kiosk.core.pipeline import RecognitionPipeline
        from kiosk.vision.engine import DetectorSettings, FaceEngine
        from kiosk.vision.models import model_paths

        self.settings = settings
        models = model_paths(Path(settings.models_dir)) if settings.models_dir else None
        detector = DetectorSettings(live_width=settings.live_width, far_face=settings.far_face)
        self.engine = FaceEngine(models, detector).load(landmarks_68=settings.liveness)
        self.store, self.matcher = _load_matcher(settings)
        self.mtime = self.store.mtime_ns()
        self.pipeline = RecognitionPipeline(
            self.engine, self.matcher, settings.tracking, liveness=LivenessSettings() if settings.liveness else None,
            far=settings.far_face > 0,
        )

    def ready(self) -> Ready:
        return Ready(len(self.matcher.gallery.people), len(self.matcher), os.getpid())

    def reload(self) -> Reloaded:
        """Read the gallery again (with the current policy); the tracks keep their identities."""
        self.store, self.matcher = _load_matcher(self.settings)
        self.pipeline.set_matcher(self.matcher)
        self.mtime = self.store.mtime_ns()
        return Reloaded(len(self.matcher.gallery.people))

    def answer(self, request: Request) -> Answer:
        """The answer to one request (not ``Stop``); exceptions are the caller's to report."""
        from kiosk.vision.enrol import sample_from_image

        match request:
            case AnalyseFrame(frame_no, t, rgb):
                if self.store.mtime_ns() != self.mtime:  # another process (admin dialog, CLI, sync) changed it
                    self.reload()
                return Analysed(self.pipeline.process(rgb, frame_no, t))
            case SampleImage(rgb, source):
                return Sampled(sample_from_image(self.engine, rgb, source))
            case SetPolicy(threshold, margin):  # the admin changed the threshold on the spot
                self.settings = replace(self.settings, threshold=float(threshold), margin=float(margin))
                return self.reload()
            case BlockIdentity(track_id, person_id):  # "Not you?": this track is not this person
                return Blocked(self.pipeline.tracker.block(int(track_id), str(person_id)))
            case Reload():
                return self.reload()
        return Failed(f"unknown request {type(request).__name__}")


def worker_main(conn: Connection, settings: WorkerSettings) -> None:
    """Entry point of the worker process: load models and gallery, then answer requests until ``Stop``."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s worker: %(message)s")
    try:
        recogniser = _Recogniser(settings)
    except KioskError as exc:  # a missing model, a damaged gallery: the sentence says what to do
        log.error("worker failed to start: %s", exc)
        conn.send(Failed(str(exc)))
        return
    except Exception as exc:  # report any other start-up failure to the GUI instead of dying silently
        log.exception("worker failed to start")
        conn.send(Failed(str(exc)))
        return
    conn.send(recogniser.ready())
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if isinstance(request, Stop):
            return
        try:
            conn.send(recogniser.answer(request))
        except Exception as exc:  # one bad frame must not kill recognition
            log.exception("worker request %s failed", type(request).__name__)
            conn.send(Failed(f"{exc.__class__.__name__}: {exc}"))


class WorkerClient:
    """Starts the worker process and exchanges one request/answer at a time with it."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._ctx = mp.get_context("spawn")
        self._conn: Connection | None = None
        self._proc = None
        self._lock = threading.Lock()  # the bridge and the admin sampler share one worker

    def start(self, timeout: float = 60.0) -> Ready:
        """Start the process and wait until models and gallery are loaded.

        Raises TimeoutError when it takes longer than ``timeout``, RuntimeError when loading failed.
        """
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(
            target=worker_main, args=(child, self.settings), name="kiosk-recognition", daemon=True
        )
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(timeout):
            self.stop()
            raise TimeoutError("the recognition worker did not start in time")
        try:
            answer = parent.recv()
        except (EOFError, OSError) as exc:
            self.stop()
            raise RuntimeError("the recognition worker ended while starting") from exc
        if not isinstance(answer, Ready):
            self.stop()
            raise RuntimeError(f"the recognition worker failed to start: {getattr(answer, 'message', answer)}")
        return answer

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        """The worker process's id while there is one."""
        return self._proc.pid if self._proc is not None else None

    def restart(self, timeout: float = 60.0) -> Ready:
        """End the process (killed when it does not stop) and start a new one with the current settings.

        Waits for the requests in flight (the lock); raises as ``start`` does.
        """
        with self._lock:
            self.stop(timeout=1.0)
            return self.start(timeout)

    def request(self, request: Request, timeout: float = 30.0) -> Answer:
        """Send one request and return its answer.

        Raises RuntimeError when not started, TimeoutError when no answer comes in ``timeout``, and
        OSError/EOFError when the process is gone.
        """
        with self._lock:
            if self._conn is None:
                raise RuntimeError("worker not started")
            if isinstance(request, SetPolicy):  # a restarted worker starts with the policy in force
                self.settings = replace(self.settings, threshold=float(request.threshold), margin=float(request.margin))
            self._conn.send(request)
            if not self._conn.poll(timeout):
                raise TimeoutError(
                    f"the recognition worker did not answer {type(request).__name__} in {timeout:.0f} s"
                )
            return self._conn.recv()

    def analyse(self, frame_no: int, t: float, rgb: np.ndarray, timeout: float = 30.0) -> Answer:
        """``Analysed`` or ``Failed`` for one frame."""
        return self.request(AnalyseFrame(frame_no, t, np.ascontiguousarray(rgb, dtype=np.uint8)), timeout)

    def sample(self, rgb: np.ndarray, source: str, timeout: float = 60.0) -> Answer:
        """``Sampled`` or ``Failed`` for one enrolment picture."""
        return self.request(SampleImage(np.ascontiguousarray(rgb, dtype=np.uint8), source), timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if self._conn is not None:
            try:
                self._conn.send(Stop())
            except (OSError, ValueError):
                pass
        if self._proc is not None:
            self._proc.join(timeout)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(2)
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._proc = None
