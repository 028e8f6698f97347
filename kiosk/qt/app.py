"""Assembles the kiosk: worker process, camera thread, recognition bridge, main window, sync, statistics.

Data flows one way: camera thread -> (GUI picture, bridge) -> worker process -> bridge -> check-in CSV ->
GUI greeting; the sync thread reads the CSV and sends it to the server.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import time
from collections import deque
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from kiosk.core.attendance import AttendanceLog
from kiosk.core.checkin import CheckInPolicy, CheckInRecorder
from kiosk.core.config import KioskConfig, default_config_file
from kiosk.core.credentials import CredentialStore, FallbackCheck
from kiosk.core.pipeline import PipelineResult
from kiosk.core.stats import RunStats
from kiosk.core.stores import gallery_store
from kiosk.core.types import Direction, FaceState, Prompt
from kiosk.qt.admin import AdminController, AdminParts
from kiosk.qt.camera import CameraWorker
from kiosk.qt.entrance import Entrance
from kiosk.qt.kiosk_mode import KioskLock, ScreenDimmer, kiosk_mode_wanted, window_mode
from kiosk.qt.main_window import MainWindow
from kiosk.qt.recognition import RecognitionBridge
from kiosk.qt.sound import Sounds
from kiosk.vision.camera_source import parse_source
from kiosk.vision.worker import WorkerClient, WorkerSettings

log = logging.getLogger(__name__)

STALL_TICK_MS = 10
FACE_HOLD_S = 0.4
LIVE_SETTINGS = ("source", "cooldown_s", "threshold", "direction", "language")  # what the admin's Settings change


class StallMonitor(QObject):
    """Measures how late the GUI event loop serves a 10 ms timer: the UI's stalls."""

    def __init__(self, stats: RunStats, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stats = stats
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setInterval(STALL_TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.stats.stall_ms.append(max(0.0, (now - self._last) * 1000.0 - STALL_TICK_MS))
        self._last = now


def _apply_retention(config: KioskConfig) -> None:
    """Purge check-ins and templates past the retention periods (retention_*_days; 0 keeps them)."""
    from kiosk.core.retention import RetentionPolicy, run_retention

    policy = RetentionPolicy.from_config(config)
    if policy.checkin_days or policy.template_days:
        result = run_retention(policy, config.attendance, config.paths().sync_state, gallery_store(config))
        log.info("retention: removed %d check-ins and %d people's templates", result.checkins, len(result.people))


class KioskApp(QObject):
    """Owns every part of a running kiosk; ``start()`` then the Qt event loop; ``shutdown()`` at the end."""

    def __init__(self, config: KioskConfig, *, config_file: Path | None = None) -> None:
        super().__init__()
        self.config = config
        self.config_file = config_file
        self.stats = RunStats(started=time.monotonic())
        self.window = MainWindow(config.kiosk_id)
        self.worker = WorkerClient(WorkerSettings.from_config(config))
        _apply_retention(config)  # before the log and the sync client open the CSV
        self.log = AttendanceLog(config.attendance)
        policy = CheckInPolicy(config.kiosk_id, cooldown_s=config.cooldown_s, direction=Direction(config.direction))
        self.recorder = CheckInRecorder(policy, self.log)
        self.sounds = Sounds(config.sound)
        self.credentials = CredentialStore(config.gallery)
        self.entrance = Entrance(self.window, self.recorder,
                                 FallbackCheck(self.credentials, lambda: gallery_store(self.config).load().people),
                                 self.sounds, block=self._block_identity)
        self.kiosk_lock = KioskLock(self.window)
        self.dimmer = ScreenDimmer(self.window, config.dim_after_min * 60.0)
        self._threads: list[QThread] = []
        self._camera: CameraWorker | None = None
        self._camera_state = "starting"
        self._bridge: RecognitionBridge | None = None
        self._latest_frame = None
        self._fps_count = 0
        self._fps = 0.0
        self._sync = None
        self._shutting_down = False
        self._faces_at = 0.0
        self._unknown_seen: deque[int] = deque(maxlen=256)  # recent unknown track ids, each counted once
        self.stall_monitor = StallMonitor(self.stats, self)
        self._second = QTimer(self)
        self._second.setInterval(1000)
        self._second.timeout.connect(self._each_second)
        self.window.closing.connect(self.shutdown)
        self.admin = AdminController(AdminParts(
            window=self.window, worker=self.worker, latest_frame=self.latest_frame, config=lambda: self.config,
            config_file=config_file or default_config_file(), apply_settings=self.apply_settings, quit=self.quit,
            credentials=self.credentials,
        ))

    # -- start-up -----------------------------------------------------------------------------------
    def start(self) -> None:
        info = self.worker.start()
        log.info("recognition worker ready: %s", info)
        self._bridge = RecognitionBridge(self.worker, self.recorder)
        self._bridge.resultReady.connect(self._on_result)
        self._bridge.checkedIn.connect(self._on_checked_in)
        self._bridge.alreadyCheckedIn.connect(self._on_already)
        self._bridge.failed.connect(self.window.greeting.error)
        self._bridge.recognitionChanged.connect(self.window.status.set_recognition)
        self._bridge.drained.connect(self._on_drained)
        self._run_in_thread(self._bridge, "recognition")
        self._start_camera()
        self._start_sync()
        self.window.adminRequested.connect(self._on_admin)
        self.stall_monitor.start()
        self._second.start()
        if self.config.max_seconds > 0:
            QTimer.singleShot(int(self.config.max_seconds * 1000), self._finish)
        mode = window_mode(self.config.kiosk_mode, parse_source(self.config.source).is_live,
                           bool(self.config.admin_pin_hash), self.config.fullscreen)
        if mode == "locked":
            self.kiosk_lock.lock()
        elif mode == "fullscreen":
            if kiosk_mode_wanted(self.config.kiosk_mode, parse_source(self.config.source).is_live):
                log.warning("kiosk mode needs an admin PIN (python -m kiosk set-pin); running full screen, unlocked")
            self.window.showFullScreen()
        else:
            self.window.show()

    def _run_in_thread(self, obj: QObject, name: str) -> QThread:
        thread = QThread()
        thread.setObjectName(name)
        obj.moveToThread(thread)
        thread.started.connect(obj.run)
        thread.start()
        self._threads.append(thread)
        return thread

    def _start_camera(self) -> None:
        spec = parse_source(self.config.source, loop=self.config.loop)
        self._camera = CameraWorker(spec, sink=self._bridge.offer)
        self._camera.frameReady.connect(self._on_frame)
        self._camera.stateChanged.connect(self._on_camera_state)
        self._camera.finished.connect(self._on_camera_finished)
        self._camera_thread = self._run_in_thread(self._camera, "camera")

    def apply_settings(self, new: KioskConfig) -> list[str]:
        """Take the admin's settings (``LIVE_SETTINGS`` of ``new``) into use without a restart.

        The check-in policy changes at once; a new threshold reaches the worker between two frames; a new
        source restarts the camera. Returns the names of the settings that changed.
        """
        changed = [k for k in LIVE_SETTINGS if getattr(new, k) != getattr(self.config, k)]
        old, self.config = self.config, replace(self.config, **{k: getattr(new, k) for k in LIVE_SETTINGS})
        self.recorder.policy.reconfigure(cooldown_s=new.cooldown_s, direction=Direction(new.direction))
        if new.threshold != old.threshold and self._bridge is not None:
            self._bridge.set_policy(new.threshold, self.config.margin)
        if new.source != old.source:
            self.restart_camera(new.source)
        if new.language != old.language:  # every widget re-reads its text on QEvent.LanguageChange
            from kiosk.qt.i18n import install_language

            install_language(new.language)
        return changed

    def restart_camera(self, source: str) -> None:
        """Switch to another camera source (admin settings)."""
        self.config = replace(self.config, source=source)
        if self._camera is not None:
            self._camera.finished.disconnect(self._on_camera_finished)
            self._camera.stop()
            self._camera_thread.quit()
            self._camera_thread.wait(5000)
        self._start_camera()

    def _start_sync(self) -> None:
        if not self.config.server_url:
            return
        from kiosk.link.server_link import ServerLink

        self._sync = ServerLink(self.config, gallery_store(self.config), self.health)
        self._sync.start()

    def health(self):
        """The heartbeat's numbers (called from the heartbeat thread: reads only, copies lists)."""
        from kiosk.link.server_link import KioskHealth

        recent = list(itertools.islice(reversed(self.stats.analyse_ms), 100))
        latency = sorted(recent)[len(recent) // 2] if recent else 0.0
        return KioskHealth(self._fps, latency, self.stats.checkins + self.stats.already_checked_in,
                           self.stats.unknown_faces)

    # -- signals from the threads (GUI thread) ----------------------------------------------------------
    def _on_frame(self, rgb, frame_no: int, t: float) -> None:
        self._latest_frame = rgb
        self.window.video.set_frame(rgb)
        self.stats.frame_shown(time.monotonic())
        self._fps_count += 1

    def _on_result(self, result: PipelineResult) -> None:
        self.stats.frames_analysed += 1
        self.stats.analyse_ms.append(result.detect_ms + result.embed_ms)
        # Keep the last boxes through a frame or two where the detector misses a face (no flicker).
        now = time.monotonic()
        if result.frame.faces:
            self.dimmer.face_seen()
        if result.frame.faces or now - self._faces_at > FACE_HOLD_S:
            self.window.video.set_faces(result.frame.faces)
            self._faces_at = now
        for face in result.frame.faces:
            if face.state is FaceState.UNKNOWN and face.track_id not in self._unknown_seen:
                self._unknown_seen.append(face.track_id)
                self.stats.unknown_faces += 1
        prompts = {f.hint for f in result.frame.faces if f.state is FaceState.PENDING}
        if prompts:  # a face waiting for liveness asks for the blink; otherwise everyone holds still
            self.window.greeting.hint(Prompt.BLINK if Prompt.BLINK in prompts else Prompt.HOLD_STILL)

    def _on_checked_in(self, checkin, latency_ms: float) -> None:
        self.stats.checkins += 1
        self.stats.confirm_ms.append(latency_ms)
        self.entrance.face_checked_in(checkin)

    def _on_already(self, name: str, previous) -> None:
        self.stats.already_checked_in += 1
        self.entrance.already(name, previous)

    @Slot(str, str)
    def _on_camera_state(self, state: str, message: str) -> None:
        self._camera_state = state
        self.window.status.set_camera(state, self._fps)
        if state in ("unavailable", "starting"):
            self.window.video.show_message(message)
        elif state == "ended":
            self.window.video.show_message(message)

    @Slot()
    def _on_camera_finished(self) -> None:
        if self.config.exit_at_end and self._bridge is not None:
            self._bridge.close_input()  # quit once the last frame is analysed

    @Slot()
    def _on_drained(self) -> None:
        if self.config.exit_at_end:
            self._finish()

    def _each_second(self) -> None:
        self._fps, self._fps_count = float(self._fps_count), 0
        self.window.status.set_camera(self._camera_state, self._fps)
        self.window.status.tick()
        backlog = self._sync.state.backlog if self._sync else 0
        online = self._sync.state.online if self._sync else False
        self.window.status.set_server(self._sync is not None, online, backlog)
        state = self._sync.state if self._sync else None
        self.window.status.set_notices(
            damaged=(self.log.damaged_rows, str(self.log.damaged_file)),
            held=(state.held, state.held_file) if state else (0, ""),
            people=self._sync.people_notice() if self._sync else "",
        )

    def _on_admin(self) -> None:
        self.admin.open()

    def _block_identity(self, checkin) -> None:
        """"Not you?": the recogniser stops naming this person on the face's track."""
        if self._bridge is not None:
            self._bridge.block_identity(checkin.event_id, checkin.person_id)

    def quit(self) -> None:
        """Quit from the admin menu (after the PIN): the only way out of kiosk mode."""
        self.kiosk_lock.release()
        self.window.close()

    def latest_frame(self):
        return self._latest_frame

    # -- the end --------------------------------------------------------------------------------------
    def _finish(self) -> None:
        summary = self.stats.summary()
        sys.stdout.write(json.dumps(summary) + "\n")
        sys.stdout.flush()
        self.quit()

    @Slot()
    def shutdown(self) -> None:
        """Stop flags, quit, wait, join: every thread and the worker process end before the app does."""
        if self._shutting_down:
            return
        self._shutting_down = True
        self.kiosk_lock.release()  # the pointer comes back and the window may close
        # Every timer stops here, in the GUI thread: a QObject whose timer is still running and that Python's
        # garbage collector happens to destroy in another thread leaves the timer behind, and the GUI thread
        # crashes on its next tick (seen in CI: a segfault in QTimerInfoList::activateTimers).
        self.stall_monitor.stop()
        self._second.stop()
        if self._camera is not None:
            self._camera.stop()
        if self._bridge is not None:
            self._bridge.stop()
        for thread in self._threads:
            thread.quit()
            if not thread.wait(5000):
                log.warning("thread %s did not stop in time", thread.objectName())
        if self._sync is not None:
            self._sync.stop()
        self.sounds.close()
        self.admin.stop()
        self.worker.stop()
        self.log.close()
        QApplication.instance().quit()


def show_fatal(message: str) -> None:
    """A start-up error as a dialog (when a screen is there) and on stderr."""
    sys.stderr.write(f"kiosk: {message}\n")
    app = QApplication.instance()
    if app is not None and QApplication.platformName() not in ("offscreen", "minimal"):
        QMessageBox.critical(None, "Kiosk cannot start", message)
