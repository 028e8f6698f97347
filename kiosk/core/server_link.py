"""The kiosk's background link to the server: check-in sync, people sync and heartbeats, in threads.

No Qt: plain threads doing network I/O, each stopped by one event. The GUI reads ``state`` once a second
for its status strip; nothing here calls back into the GUI.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk import __version__
from kiosk.core.gallery import GalleryStore
from kiosk.core.sync import SyncClient, SyncState

log = logging.getLogger(__name__)

HEARTBEAT_S = 30.0


@dataclass(frozen=True, slots=True)
class KioskHealth:
    """What the heartbeat reports: the shown frame rate, recognition latency, cumulative face counts."""

    fps: float
    latency_ms: float
    recognized: int
    unknown: int


def sync_state_path(attendance: str | Path) -> Path:
    return Path(attendance).with_suffix(".sync.json")


class ServerLink:
    def __init__(
        self,
        server_url: str,
        token: str,
        attendance: str | Path,
        store: GalleryStore,
        health: Callable[[], KioskHealth],
        *,
        heartbeat_s: float = HEARTBEAT_S,
        people_sync: bool = True,
    ) -> None:
        self.checkins = SyncClient(attendance, server_url, token, sync_state_path(attendance))
        self.people = None
        if people_sync:
            from kiosk.core.people_sync import PeopleSync

            self.people = PeopleSync(store, server_url, token, Path(store.root) / "people_sync.json")
        self._health = health
        self._heartbeat_s = heartbeat_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sent = KioskHealth(0.0, 0.0, 0, 0)

    @property
    def state(self) -> SyncState:
        return self.checkins.state

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
        """Report the kiosk's state; the face counts are sent as increments since the last heartbeat."""
        now = self._health()
        ok = self.checkins.send_heartbeat(
            fps=now.fps, recognition_latency_ms=now.latency_ms, version=__version__,
            recognized=max(0, now.recognized - self._sent.recognized),
            unknown=max(0, now.unknown - self._sent.unknown),
        )
        if ok:
            self._sent = now
        return ok

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
