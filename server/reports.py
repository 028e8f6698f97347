"""The attendance report: per person and day, first in, last out and time present, in the site's time zone.

Reads the corrected view (server.corrections): voided check-ins do not count, reassigned ones count for
the right person. Time present is the sum of the intervals from an "in" to the next "out" on the same day;
a day that ends checked in is flagged ``open`` and counts only its closed intervals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, select, type_coerce

from server import schema
from server.corrections import corrected_select


class ReportError(ValueError):
    """The report's parameters are unusable; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What a report covers: site-local dates (inclusive) and optional person, department and kiosk."""

    start: date
    end: date
    person: str = ""  # a person id, or part of a name (case-insensitive)
    department: str = ""
    kiosk: str = ""


class DayRow(NamedTuple):
    """One person on one day. A NamedTuple, not a frozen dataclass: a month's report makes 30,000 of them
    and a frozen dataclass's __init__ costs four times as much (bench/report.py)."""

    person_id: str
    name: str
    day: date
    first_in: datetime | None  # naive, in the report's time zone
    last_out: datetime | None
    seconds: float
    checkins: int
    open: bool  # the day ended checked in (no check-out after the last check-in)


@dataclass(frozen=True, slots=True)
class PersonTotal:
    person_id: str
    name: str
    employee_no: str
    department: str
    days: int
    seconds: float


@dataclass(frozen=True, slots=True)
class Report:
    filters: Filters
    tz: str
    rows: list[DayRow]  # by person name, then day
    totals: list[PersonTotal]  # by name
    seconds: float
    checkins: int


def check_filters(start: date, end: date, max_days: int) -> None:
    """Raise ReportError when ``start`` is after ``end`` or the range is longer than ``max_days``."""
    if start > end:
        raise ReportError("the first date is after the last date")
    if (end - start).days + 1 > max_days:
        raise ReportError(f"a report covers at most {max_days} days; choose a shorter range")


def utc_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Naive UTC [from, to) covering the site-local days ``start`` .. ``end``."""
    lo = datetime.combine(start, time(0), tz).astimezone(timezone.utc).replace(tzinfo=None)
    hi = datetime.combine(end + timedelta(days=1), time(0), tz).astimezone(timezone.utc).replace(tzinfo=None)
    return lo, hi


def site_checkins(conn: Connection, start: date, end: date, tz: ZoneInfo, kiosk: str = "") -> list[Any]:
    """Corrected check-ins on the site-local days ``start`` .. ``end``, oldest first."""
    a = schema.attendance
    lo, hi = utc_bounds(start, end, tz)
    stmt, _ = corrected_select()
    # local_date (indexed) is the kiosk's own date: a day either side covers every offset.
    stmt = stmt.where(
        a.c.local_date >= start - timedelta(days=1),
        a.c.local_date <= end + timedelta(days=1),
        a.c.ts_utc >= lo,
        a.c.ts_utc < hi,
    )
    if kiosk:
        stmt = stmt.where(a.c.kiosk == kiosk)
    return conn.execute(stmt.order_by(a.c.ts_utc, a.c.id)).all()


def people_directory(conn: Connection) -> dict[str, tuple[str, str, str]]:
    """person_id -> (name, employee number, department) of everyone not erased."""
    p = schema.people
    rows = conn.execute(select(p.c.person_id, p.c.name, p.c.employee_no, p.c.department).where(p.c.deleted.is_(False)))
    return {r.person_id: (r.name, r.employee_no or "", r.department or "") for r in rows}


def _summarise(person_id: str, name: str, day: date, events: list[tuple[datetime, str]]) -> DayRow:
    first_in = last_out = opened = None
    seconds = 0.0
    for ts, direction in events:
        if direction == "in":
            first_in = first_in or ts
            opened = opened or ts
        else:
            last_out = ts
            if opened is not None:
                seconds += (ts - opened).total_seconds()
                opened = None
    return DayRow(person_id, name, day, first_in, last_out, seconds, len(events), opened is not None)


def local_clock(tz: ZoneInfo) -> Callable[[datetime], datetime]:
    """naive UTC -> naive local time in ``tz``; the offset is looked up once per hour of UTC time (and per
    row only in an hour in which the offset changes), which is ten times cheaper than astimezone per row."""
    cache: dict[datetime, timedelta | None] = {}
    hour = timedelta(hours=1)

    def offset(at: datetime) -> timedelta:
        return at.replace(tzinfo=timezone.utc).astimezone(tz).utcoffset() or timedelta(0)

    def convert(ts: datetime) -> datetime:
        key = ts.replace(minute=0, second=0, microsecond=0)
        off = cache.get(key, False)
        if off is False:
            first, last = offset(key), offset(key + hour - timedelta(microseconds=1))
            off = cache[key] = first if first == last else None
        return ts + (off if off is not None else offset(ts))

    return convert


def _report_rows(conn: Connection, filters: Filters, tz: ZoneInfo) -> list[tuple[str, str, Any, str]]:
    """(person_id, name, ts_utc, direction) of the corrected check-ins in range, oldest first. On SQLite
    ts_utc comes back as the stored text (parsed by the caller with the fast datetime.fromisoformat)."""
    a = schema.attendance
    lo, hi = utc_bounds(filters.start, filters.end, tz)
    stmt, cols = corrected_select()
    stmt = stmt.with_only_columns(
        cols["person_id"], cols["name"], type_coerce(a.c.ts_utc, String), a.c.direction
    ).where(
        a.c.local_date >= filters.start - timedelta(days=1),
        a.c.local_date <= filters.end + timedelta(days=1),
        a.c.ts_utc >= lo,
        a.c.ts_utc < hi,
    )
    if filters.kiosk:
        stmt = stmt.where(a.c.kiosk == filters.kiosk)
    return conn.execute(stmt.order_by(a.c.ts_utc, a.c.id)).all()  # type: ignore[return-value]


def attendance_report(conn: Connection, filters: Filters, tz_name: str) -> Report:
    """The report for ``filters`` in the time zone ``tz_name`` (first in and last out as naive local times)."""
    tz = ZoneInfo(tz_name)
    to_local = local_clock(tz)
    directory = people_directory(conn)
    wanted: dict[str, bool] = {}  # person_id -> passes the person and department filters
    names: dict[str, str] = {}
    events: dict[str, dict[date, list[tuple[datetime, str]]]] = {}
    person = filters.person.casefold()
    for pid, stored_name, ts, direction in _report_rows(conn, filters, tz):
        ok = wanted.get(pid)
        if ok is None:
            info = directory.get(pid)
            name = names[pid] = info[0] if info else stored_name
            ok = wanted[pid] = (not filters.department or (info is not None and info[2] == filters.department)) and (
                not person or filters.person == pid or person in name.casefold()
            )
        if not ok:
            continue
        local = to_local(ts if isinstance(ts, datetime) else datetime.fromisoformat(ts))
        events.setdefault(pid, {}).setdefault(local.date(), []).append((local, direction))
    rows: list[DayRow] = []
    totals: list[PersonTotal] = []
    for pid in sorted(events, key=lambda p: (names[p].casefold(), p)):
        days = [_summarise(pid, names[pid], day, evs) for day, evs in sorted(events[pid].items())]
        rows += days
        _, employee_no, department = directory.get(pid, ("", "", ""))
        totals.append(PersonTotal(pid, names[pid], employee_no, department, len(days), sum(d.seconds for d in days)))
    return Report(
        filters=filters,
        tz=tz_name,
        rows=rows,
        totals=totals,
        seconds=sum(t.seconds for t in totals),
        checkins=sum(r.checkins for r in rows),
    )


def departments(conn: Connection) -> list[str]:
    p = schema.people
    rows = conn.execute(select(p.c.department).where(p.c.department.is_not(None), p.c.deleted.is_(False)).distinct())
    return sorted(d for d in rows.scalars() if d)


def kiosk_names(conn: Connection) -> list[str]:
    return sorted(conn.execute(select(schema.kiosks.c.name)).scalars())
