"""Today's board: who is in, the latest arrivals, late arrivals, check-ins per kiosk, kiosks offline.

Everything is read from the corrected view (server.corrections) for the current day in the site's time
zone; "late" compares each person's first check-in with WORKDAY_START.
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from server import schema
from server.reports import people_directory, site_checkins

RECENT = 30


@dataclass(frozen=True, slots=True)
class Arrival:
    event_id: str
    person_id: str
    name: str
    at: datetime  # aware, site time zone
    kiosk: str
    direction: str
    method: str


@dataclass(frozen=True, slots=True)
class Late:
    person_id: str
    name: str
    first_in: datetime
    minutes: int


@dataclass(frozen=True, slots=True)
class KioskState:
    name: str
    checkins: int
    last_heartbeat: float | None  # unix time
    status: str  # online | offline | silent (no heartbeat yet) | other (manual entries, a revoked kiosk)

    @property
    def online(self) -> bool:
        return self.status == "online"


@dataclass(frozen=True, slots=True)
class Board:
    day: str
    now: datetime
    present: list[Arrival]  # each person's latest check-in, when it was "in"; by name
    recent: list[Arrival]  # newest first
    late: list[Late]  # by first check-in
    kiosks: list[KioskState]  # by name
    people_seen: int
    checkins: int

    @property
    def offline(self) -> list[KioskState]:
        return [k for k in self.kiosks if k.status in ("offline", "silent")]


def kiosk_states(conn: Connection, offline_seconds: int, counts: dict[str, int], now: float) -> list[KioskState]:
    """Every active kiosk with its check-ins today (``counts``) and whether its heartbeat is recent."""
    k, hb = schema.kiosks, schema.heartbeats
    rows = conn.execute(
        select(k.c.name, hb.c.received_at)
        .select_from(k.outerjoin(hb, hb.c.kiosk == k.c.name))
        .where(k.c.revoked_at.is_(None))
        .order_by(k.c.name)
    ).all()
    states = []
    for r in rows:
        if r.received_at is None:
            status = "silent"
        else:
            status = "online" if now - r.received_at <= offline_seconds else "offline"
        states.append(KioskState(r.name, counts.get(r.name, 0), r.received_at, status))
    known = {r.name for r in rows}
    states += [KioskState(name, n, None, "other") for name, n in sorted(counts.items()) if name not in known]
    return states


def board(
    conn: Connection, tz_name: str, workday_start: str, offline_seconds: int, now: datetime | None = None
) -> Board:
    """Today's board at ``now`` (default: the current time)."""
    tz = ZoneInfo(tz_name)
    now = (now or datetime.now(timezone.utc)).astimezone(tz)
    start = time.fromisoformat(workday_start)
    directory = people_directory(conn)
    arrivals = []
    for row in site_checkins(conn, now.date(), now.date(), tz):
        name = directory.get(row.person_id, (row.name,))[0]
        at = row.ts_utc.replace(tzinfo=timezone.utc).astimezone(tz)
        arrivals.append(Arrival(row.event_id, row.person_id, name, at, row.kiosk, row.direction, row.method))
    latest: dict[str, Arrival] = {}
    first_in: dict[str, Arrival] = {}
    counts: dict[str, int] = {}
    for a in arrivals:
        latest[a.person_id] = a
        if a.direction == "in":
            first_in.setdefault(a.person_id, a)
        counts[a.kiosk] = counts.get(a.kiosk, 0) + 1
    late = []
    for a in first_in.values():
        minutes = int((a.at - datetime.combine(a.at.date(), start, tz)).total_seconds() // 60)
        if minutes > 0:
            late.append(Late(a.person_id, a.name, a.at, minutes))
    return Board(
        day=now.date().isoformat(),
        now=now,
        present=sorted((a for a in latest.values() if a.direction == "in"), key=lambda a: a.name.casefold()),
        recent=list(reversed(arrivals[-RECENT:])),
        late=sorted(late, key=lambda x: x.first_in),
        kiosks=kiosk_states(conn, offline_seconds, counts, clock.time()),
        people_seen=len(latest),
        checkins=len(arrivals),
    )
