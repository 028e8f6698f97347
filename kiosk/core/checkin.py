"""When a confirmed identity becomes a check-in: at most once per person per cooldown."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.core.types import CheckIn, Direction

DEFAULT_COOLDOWN_S = 300.0


@dataclass(frozen=True, slots=True)
class Decision:
    """``checkin`` is set for a new check-in; otherwise ``previous`` is the one within the cooldown."""

    checkin: CheckIn | None
    previous: datetime | None

    @property
    def is_new(self) -> bool:
        return self.checkin is not None


def _local_now() -> datetime:
    return datetime.now().astimezone()


class CheckInPolicy:
    """Decides, per person, whether a confirmation is a new check-in. Thread-safe."""

    def __init__(
        self,
        kiosk_id: str,
        *,
        cooldown_s: float = DEFAULT_COOLDOWN_S,
        direction: Direction = Direction.IN,
        clock: Callable[[], datetime] = _local_now,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.clock = clock
        self._last: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self.reconfigure(cooldown_s=cooldown_s, direction=direction)

    def reconfigure(self, *, cooldown_s: float, direction: Direction) -> None:
        """Use a new cooldown and direction from the next decision on (thread-safe; the admin's settings).

        Raises ValueError for a negative cooldown.
        """
        if cooldown_s < 0:
            raise ValueError("cooldown must not be negative")
        with self._lock:
            self._cooldown = timedelta(seconds=cooldown_s)
            self._direction = Direction(direction)

    @property
    def cooldown(self) -> timedelta:
        return self._cooldown

    @property
    def direction(self) -> Direction:
        return self._direction

    def seed(self, history: Iterable[CheckIn]) -> None:
        """Remember earlier check-ins (from the CSV at start-up) so a restart checks nobody in twice."""
        with self._lock:
            for c in history:
                if c.person_id not in self._last or c.timestamp > self._last[c.person_id]:
                    self._last[c.person_id] = c.timestamp

    def decide(self, person_id: str, name: str, distance: float, method: str = "face") -> Decision:
        """A new check-in (made by ``method``) unless the person checked in within the cooldown."""
        now = self.clock()
        with self._lock:
            last = self._last.get(person_id)
            if last is not None and now - last < self._cooldown:
                return Decision(None, last)
            self._last[person_id] = now
            direction = self._direction
        event = CheckIn(
            str(uuid.uuid4()), person_id, name, now, self.kiosk_id, round(float(distance), 4), direction, method=method,
        )
        return Decision(event, last)

    def void(self, original: CheckIn, reason: str) -> CheckIn:
        """The event that cancels ``original`` (CONTRACTS.md C1); the person may check in again at once."""
        with self._lock:
            if self._last.get(original.person_id) == original.timestamp:
                del self._last[original.person_id]
        return CheckIn(str(uuid.uuid4()), original.person_id, original.name, self.clock(), self.kiosk_id, 0.0,
                       original.direction, method=original.method, voids=original.event_id, reason=reason[:200])

    def forget(self, person_id: str) -> None:
        """Undo the bookkeeping of a check-in that could not be written (so the next sighting retries)."""
        with self._lock:
            self._last.pop(person_id, None)


class CheckInRecorder:
    """The policy plus the attendance log: a new check-in is durable in the CSV before it is announced."""

    def __init__(self, policy: CheckInPolicy, log) -> None:  # log: kiosk.core.attendance.AttendanceLog
        self.policy = policy
        self.log = log
        history = []
        for row, _ in log.read_rows():
            try:
                history.append(_row_to_checkin(row))
            except (KeyError, ValueError):
                continue
        voided = {c.voids for c in history if c.is_void}
        policy.seed(c for c in history if not c.is_void and c.event_id not in voided)

    def record(self, person_id: str, name: str, distance: float, method: str = "face") -> Decision:
        """Decide, and write a new check-in (flushed and fsynced). Raises AttendanceLogError if it cannot."""
        decision = self.policy.decide(person_id, name, distance, method)
        if decision.checkin is not None:
            try:
                self.log.append(decision.checkin)
            except Exception:
                self.policy.forget(person_id)
                raise
        return decision


    def void(self, original: CheckIn, reason: str = "not_me") -> CheckIn:
        """Write the event that cancels ``original`` (never touching its row). Raises AttendanceLogError."""
        event = self.policy.void(original, reason)
        self.log.append(event)
        return event


def _row_to_checkin(row: dict[str, str]) -> CheckIn:
    from kiosk.core.attendance import row_to_checkin

    return row_to_checkin(row)
