"""Attendance reads: the check-in history, presence on a day, and the CSV export.

Used by the JSON API, the web console and ``python -m server export`` alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from server import schema
from server.cache import get_cache
from server.corrections import corrected_select, present_on
from server.validation import displayable

CSV_FIELDS = ("event_id", "person_id", "name", "timestamp", "kiosk", "distance", "direction")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs text starting so as a formula


def query_attendance(
    conn: Connection,
    start: date | None = None,
    end: date | None = None,
    person_id: str | None = None,
    kiosk: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Check-ins between ``start`` and ``end`` (inclusive, each in the kiosk's local date), oldest first,
    as corrected (server.corrections): voided ones left out, reassigned ones under the right person."""
    a = schema.attendance
    stmt, cols = corrected_select()
    stmt = stmt.with_only_columns(
        a.c.event_id, cols["person_id"].label("person_id"), cols["name"].label("name"), a.c.timestamp,
        a.c.kiosk, a.c.distance, a.c.direction, a.c.method,
    )  # fmt: skip
    if start is not None:
        stmt = stmt.where(a.c.local_date >= start)
    if end is not None:
        stmt = stmt.where(a.c.local_date <= end)
    if person_id:
        stmt = stmt.where(cols["person_id"] == person_id)
    if kiosk:
        stmt = stmt.where(a.c.kiosk == kiosk)
    stmt = stmt.order_by(a.c.ts_utc, a.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(row._mapping) for row in conn.execute(stmt)]


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (a leading ' is shown by spreadsheets, not run), and
    control and text-direction characters stored before names refused them (shown as U+FFFD)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        value = "'" + value
    return displayable(value) if isinstance(value, str) else value


def write_csv(rows: Iterable[dict[str, Any]], out: io.TextIOBase) -> None:
    """Write ``rows`` (from query_attendance) as CSV with a header; formulas are neutralised."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow([safe_cell(row[f]) if f != "distance" else row[f] for f in CSV_FIELDS])


def csv_text(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    write_csv(rows, out)
    return out.getvalue()


def presence(conn: Connection, day: date) -> tuple[set[str], str]:
    """The person ids seen on ``day`` and where the answer came from ("cache" or "database").

    The cache answers when it is sure (see Cache.present); otherwise the database does and fills it.
    """
    key = day.isoformat()
    cache = get_cache()
    present = cache.present(key)
    if present is not None:
        return present, "cache"
    present = present_on(conn, day)
    cache.fill_presence(key, present)
    return present, "database"
