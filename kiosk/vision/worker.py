"""The recognition worker process, and the client that talks to it. No Qt here.

dlib's landmark and descriptor calls hold the GIL for about 100 ms per face, so they run in a separate
process started with the ``spawn`` context (forking a process that has Qt loaded is unsafe). The client
sends one request at a time and waits for its answer, so the caller decides which frame goes next: the
newest one (frames that arrive meanwhile are dropped by the caller, never queued here).

Requests:  ("frame", frame_no, t, rgb) | ("sample", rgb, source) | ("reload",) | ("policy", threshold, margin)
           | ("stop",)
Answers:   ("ready", info) | ("result", PipelineResult) | ("sample", Sample) | ("reloaded", n) | ("error", text)
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection

import numpy as np

from kiosk.core.matching import DEFAULT_MARGIN, DEFAULT_THRESHOLD
from kiosk.core.tracking import TrackingSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    gallery_dir: str
    key_file: str | None = None
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    live_width: int = 480
    tracking: TrackingSettings = TrackingSettings()
    log_level: str = "WARNING"
    liveness: bool = True  # a check-in needs a blink or 3-D face motion (kiosk.core.liveness)


def _load_matcher(settings: WorkerSettings):
    from kiosk.core.gallery import GalleryStore
    from kiosk.core.matching import Matcher, MatchPolicy
    from kiosk.core.secrets import sealer_for

    store = GalleryStore(settings.gallery_dir, sealer=sealer_for(settings.gallery_dir, settings.key_file))
    return store, Matcher(store.load(), MatchPolicy(settings.threshold, settings.margin))


def worker_main(conn: Connection, settings: WorkerSettings) -> None:
    """Entry point of the worker process: load models and gallery, then answer requests until "stop"."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s worker: %(message)s")
    from kiosk.core.liveness import LivenessSettings
    from kiosk.core.pipeline import RecognitionPipeline
    from kiosk.vision.engine import DetectorSettings, FaceEngine
    from kiosk.vision.enrol import sample_from_image

    try:
        engine = FaceEngine(settings=DetectorSettings(live_width=settings.live_width)).load(
            landmarks_68=settings.liveness
        )
        store, matcher = _load_matcher(settings)
    except Exception as exc:  # report any start-up failure to the GUI instead of dying silently
        log.exception("worker failed to start")
        conn.send(("error", str(exc)))
        return
    pipeline = RecognitionPipeline(
        engine, matcher, settings.tracking, liveness=LivenessSettings() if settings.liveness else None
    )
    mtime = store.mtime_ns()
    conn.send(("ready", {"people": len(matcher.gallery.people), "embeddings": len(matcher), "pid": os.getpid()}))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        kind = request[0]
        try:
            if kind == "stop":
                return
            if kind == "frame":
                _, frame_no, t, rgb = request
                if store.mtime_ns() != mtime:  # another process (admin dialog, CLI, sync) changed it
                    store, matcher = _load_matcher(settings)
                    pipeline.set_matcher(matcher)
                    mtime = store.mtime_ns()
                conn.send(("result", pipeline.process(rgb, frame_no, t)))
            elif kind == "sample":
                _, rgb, source = request
                conn.send(("sample", sample_from_image(engine, rgb, source)))
            elif kind == "policy":  # the admin changed the threshold on the spot
                _, threshold, margin = request
                settings = replace(settings, threshold=float(threshold), margin=float(margin))
                store, matcher = _load_matcher(settings)
                pipeline.set_matcher(matcher)
                conn.send(("reloaded", len(matcher.gallery.people)))
            elif kind == "reload":
                store, matcher = _load_matcher(settings)
                pipeline.set_matcher(matcher)
                mtime = store.mtime_ns()
                conn.send(("reloaded", len(matcher.gallery.people)))
            else:
                conn.send(("error", f"unknown request {kind!r}"))
        except Exception as exc:  # one bad frame must not kill recognition
            log.exception("worker request %s failed", kind)
            conn.send(("error", f"{exc.__class__.__name__}: {exc}"))


class WorkerClient:
    """Starts the worker process and exchanges one request/answer at a time with it."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self._ctx = mp.get_context("spawn")
        self._conn: Connection | None = None
        self._proc = None
        self._lock = threading.Lock()  # the bridge and the admin sampler share one worker

    def start(self, timeout: float = 60.0) -> dict:
        """Start the process and wait until models and gallery are loaded; returns its "ready" info."""
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
        kind, payload = parent.recv()
        if kind != "ready":
            self.stop()
            raise RuntimeError(f"the recognition worker failed to start: {payload}")
        return payload

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def request(self, *message, timeout: float = 30.0):
        """Send one request and return its answer (kind, payload...)."""
        with self._lock:
            if self._conn is None:
                raise RuntimeError("worker not started")
            self._conn.send(message)
            if not self._conn.poll(timeout):
                raise TimeoutError(f"the recognition worker did not answer {message[0]!r} in {timeout:.0f} s")
            return self._conn.recv()

    def analyse(self, frame_no: int, t: float, rgb: np.ndarray, timeout: float = 30.0):
        return self.request("frame", frame_no, t, np.ascontiguousarray(rgb, dtype=np.uint8), timeout=timeout)

    def sample(self, rgb: np.ndarray, source: str, timeout: float = 60.0):
        return self.request("sample", np.ascontiguousarray(rgb, dtype=np.uint8), source, timeout=timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if self._conn is not None:
            try:
                self._conn.send(("stop",))
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
