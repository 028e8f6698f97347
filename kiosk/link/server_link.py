"""The kiosk's background link to the server: check-in sync, people sync and heartbeats, in threads.

No Qt: plain threads doing network I/O, each stopped by one event. The GUI reads ``state`` once a second
for its status strip; nothing here calls back into the GUI. Every file location comes from the config
(``KioskConfig.paths``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import requests

from kiosk import __version__
from kiosk.core.config import KioskConfig
from kiosk.core.gallery import GalleryStore
from kiosk.errors import SyncError
from kiosk.link.checkins import SyncClient, SyncState
from kiosk.link.http import ServerClient
from kiosk.link.people import PeopleSync

log = logging.getLogger(__name__)

HEARTBEAT_S = 30.0
HEARTBEAT_PATH = "/api/v1/heartbeat"


@dataclass(frozen=True, slots=True)
class KioskHealth:
    """What the heartbeat reports: the shown frame rate, recognition latency, cumulative face counts."""

    fps: float
    latency_ms: float
    recognized: int
    unknown: int


class ServerLink:
    """Runs the check-in sync, the people sync (when ``store`` is given) and the heartbeat for ``config``."""

    def __init__(
        self,
        config: KioskConfig,
        store: GalleryStore | None,
        health: Callable[[], KioskHealth],
        *,
        heartbeat_s: float = HEARTBEAT_S,
        session: requests.Session | None = None,
    ) -> None:
        paths = config.paths()
        url, token = config.server_url, config.server_token
        self.checkins = SyncClient(paths.attendance, url, token, paths.sync_state, rejected_path=paths.sync_rejected,
                                   held_path=paths.sync_held, session=session)  # fmt: skip
        self.people = None if store is None else PeopleSync(store, url, token, paths.people_sync_state, session=session)
        self.http = ServerClient(url, token, session=session)
        self._health = health
        self._heartbeat_s = heartbeat_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sent = KioskHealth(0.0, 0.0, 0, 0)

    @property
    def state(self) -> SyncState:
        return self.checkins.state

    def people_notice(self) -> str:
        """The people sync's latest refusal by the server, for the status strip ("" when none)."""
        return self.people.notice if self.people is not None else ""

    def start(self) -> None:
        targets = [("sync-checkins", self.checkins.run_forever), ("heartbeat", self._heartbeat_loop)]
        if self.people is not None:
            targets.append(("sync-people", self.people.run_forever))
        for name, target in targets:
            thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _heartbeat_loop(self, stop: threading.Event) -> None:
        while not stop.wait(self._heartbeat_s):
            self.send_heartbeat()

    def send_heartbeat(self) -> bool:
        """Report the kiosk's state; returns whether the server took it (never raises).

        The face counts are sent as increments since the last heartbeat the server took.
        """
        now = self._health()
        body = {
            "fps": float(now.fps),
            "recognition_latency_ms": float(now.latency_ms),
            "sync_backlog": self.checkins.state.backlog,
            "version": __version__,
            "recognized": max(0, int(now.recognized) - self._sent.recognized),
            "unknown": max(0, int(now.unknown) - self._sent.unknown),
        }
        try:
            self.http.request("POST", HEARTBEAT_PATH, json=body)
        except SyncError as exc:
            if exc.status is None:  # no answer at all: the status strip shows the kiosk offline
                self.checkins.note_connection(False, str(exc))
            else:
                log.warning("heartbeat refused: %s %s", exc, exc.body[:200])
            return False
        self.checkins.note_connection(True)
        self._sent = now
        return True

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
