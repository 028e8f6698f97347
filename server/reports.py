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

from sqlalchemy import BigInteger, Connection, Integer, cast, extract, func, select

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


_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()


def local_seconds(tz: ZoneInfo) -> Callable[[int], int]:
    """Unix seconds -> seconds since 1970-01-01 00:00 of ``tz``'s wall clock. The offset is looked up once
    per hour of UTC time (per row only in an hour in which it changes): far cheaper than a datetime and
    astimezone per check-in."""
    cache: dict[int, int | None] = {}

    def offset(epoch: int) -> int:
        local = datetime.fromtimestamp(epoch, timezone.utc).astimezone(tz)
        return int((local.utcoffset() or timedelta(0)).total_seconds())

    def convert(epoch: int) -> int:
        hour = epoch // 3600
        off = cache.get(hour, False)
        if off is False:
            first, last = offset(hour * 3600), offset(hour * 3600 + 3599)
            off = cache[hour] = first if first == last else None
        return epoch + (off if off is not None else offset(epoch))

    return convert


def _clock(local: int | None) -> datetime | None:
    return None if local is None else _EPOCH + timedelta(seconds=local)


def _report_rows(conn: Connection, filters: Filters, tz: ZoneInfo) -> list[tuple[str, str, int, str]]:
    """(person_id, name, unix seconds, direction) of the corrected check-ins in range, by person and time.
    The database computes the unix seconds, so no datetime is built per row."""
    a = schema.attendance
    lo, hi = utc_bounds(filters.start, filters.end, tz)
    stmt, cols = corrected_select()
    if conn.dialect.name == "sqlite":
        epoch = cast(func.strftime("%s", a.c.ts_utc), Integer)
    else:  # PostgreSQL: ts_utc is a timestamp without time zone holding UTC
        epoch = cast(extract("epoch", a.c.ts_utc), BigInteger)
    stmt = stmt.with_only_columns(cols["person_id"], cols["name"], epoch, a.c.direction).where(
        a.c.local_date >= filters.start - timedelta(days=1),
        a.c.local_date <= filters.end + timedelta(days=1),
        a.c.ts_utc >= lo,
        a.c.ts_utc < hi,
    )
    if filters.kiosk:
        stmt = stmt.where(a.c.kiosk == filters.kiosk)
    return conn.execute(stmt.order_by(cols["person_id"], a.c.ts_utc, a.c.id)).all()  # type: ignore[return-value]


def attendance_report(conn: Connection, filters: Filters, tz_name: str) -> Report:
    """The report for ``filters`` in the time zone ``tz_name`` (first in and last out as naive local times).

    One pass over the check-ins (ordered by person and time) with a small state machine per day: time
    present grows from the first "in" not yet closed to the next "out".
    """
    tz = ZoneInfo(tz_name)
    to_local = local_seconds(tz)
    directory = people_directory(conn)
    person = filters.person.casefold()
    people: dict[str, tuple[str, list[DayRow]]] = {}
    days: list[DayRow] = []
    pid_now: str | None = None
    name = ""
    keep = False
    day = first_in = last_out = opened = None
    seconds = count = 0

    def close_day() -> None:
        if day is not None:
            days.append(DayRow(
                pid_now, name, date.fromordinal(_EPOCH_ORDINAL + day), _clock(first_in), _clock(last_out),
                float(seconds), count, opened is not None,
            ))  # type: ignore[arg-type]  # fmt: skip

    for pid, stored_name, epoch, direction in _report_rows(conn, filters, tz):
        if pid != pid_now:
            close_day()
            pid_now, day, days = pid, None, []
            info = directory.get(pid)
            name = info[0] if info else stored_name
            keep = (not filters.department or (info is not None and info[2] == filters.department)) and (
                not person or filters.person == pid or person in name.casefold()
            )
            if keep:
                people[pid] = (name, days)
        if not keep:
            continue
        local = to_local(int(epoch))
        if local // 86400 != day:
            close_day()
            day, first_in, last_out, opened, seconds, count = local // 86400, None, None, None, 0, 0
        count += 1
        if direction == "in":
            if first_in is None:
                first_in = local
            if opened is None:
                opened = local
        else:
            last_out = local
            if opened is not None:
                seconds += local - opened
                opened = None
    close_day()
    rows: list[DayRow] = []
    totals: list[PersonTotal] = []
    for pid, (name, person_days) in sorted(people.items(), key=lambda item: (item[1][0].casefold(), item[0])):
        rows += person_days
        _, employee_no, department = directory.get(pid, ("", "", ""))
        totals.append(
            PersonTotal(pid, name, employee_no, department, len(person_days), sum(d.seconds for d in person_days))
        )
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
