"""The attendance report: per person and day, first in, last out and time present, in the site's time zone.

Reads the corrected view (server.corrections): voided check-ins do not count, reassigned ones count for
the right person. Time present is the sum of the intervals from an "in" to the next "out" on the same day;
a day that ends checked in is flagged ``open`` and counts only its closed intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

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


@dataclass(frozen=True, slots=True)
class DayRow:
    person_id: str
    name: str
    day: date
    first_in: datetime | None  # aware, site time zone
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


def _matches(person: str, person_id: str, name: str) -> bool:
    return not person or person == person_id or person.casefold() in name.casefold()


def attendance_report(conn: Connection, filters: Filters, tz_name: str) -> Report:
    """The report for ``filters`` in the time zone ``tz_name``."""
    tz = ZoneInfo(tz_name)
    directory = people_directory(conn)
    days: dict[tuple[str, date], list[tuple[datetime, str]]] = {}
    names: dict[str, str] = {}
    for row in site_checkins(conn, filters.start, filters.end, tz, filters.kiosk):
        info = directory.get(row.person_id)
        name = info[0] if info else row.name
        if filters.department and (info is None or info[2] != filters.department):
            continue
        if not _matches(filters.person, row.person_id, name):
            continue
        local = row.ts_utc.replace(tzinfo=timezone.utc).astimezone(tz)
        days.setdefault((row.person_id, local.date()), []).append((local, row.direction))
        names[row.person_id] = name
    rows = [_summarise(pid, names[pid], day, events) for (pid, day), events in days.items()]
    rows.sort(key=lambda r: (r.name.casefold(), r.person_id, r.day))
    totals: dict[str, PersonTotal] = {}
    for r in rows:
        t = totals.get(r.person_id)
        _, employee_no, department = directory.get(r.person_id, ("", "", ""))
        totals[r.person_id] = PersonTotal(
            r.person_id,
            r.name,
            employee_no,
            department,
            (t.days if t else 0) + 1,
            (t.seconds if t else 0.0) + r.seconds,
        )
    return Report(
        filters=filters,
        tz=tz_name,
        rows=rows,
        totals=list(totals.values()),
        seconds=sum(r.seconds for r in rows),
        checkins=sum(r.checkins for r in rows),
    )


def departments(conn: Connection) -> list[str]:
    p = schema.people
    rows = conn.execute(select(p.c.department).where(p.c.department.is_not(None), p.c.deleted.is_(False)).distinct())
    return sorted(d for d in rows.scalars() if d)


def kiosk_names(conn: Connection) -> list[str]:
    return sorted(conn.execute(select(schema.kiosks.c.name)).scalars())
