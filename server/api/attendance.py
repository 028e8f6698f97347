"""Admin reads: GET /api/v1/attendance (JSON or CSV) and GET /api/v1/presence."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from flask import Response, current_app, jsonify, request
from sqlalchemy import Connection, select
from werkzeug.exceptions import BadRequest

from server import auth, schema
from server.api import bp
from server.cache import get_cache
from server.db import get_db
from server.validation import query_date, query_identifier

CSV_FIELDS = ("event_id", "person_id", "name", "timestamp", "kiosk", "distance", "direction")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def query_attendance(
    conn: Connection,
    start: date | None = None,
    end: date | None = None,
    person_id: str | None = None,
    kiosk: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Check-ins between ``start`` and ``end`` (inclusive, each in the kiosk's local date), oldest first."""
    a = schema.attendance
    query = select(
        a.c.event_id, a.c.person_id, a.c.name, a.c.timestamp, a.c.kiosk, a.c.distance, a.c.direction
    ).order_by(a.c.ts_utc, a.c.id)
    if start is not None:
        query = query.where(a.c.local_date >= start)
    if end is not None:
        query = query.where(a.c.local_date <= end)
    if person_id:
        query = query.where(a.c.person_id == person_id)
    if kiosk:
        query = query.where(a.c.kiosk == kiosk)
    if limit is not None:
        query = query.limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def _safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (a leading ' is shown by spreadsheets, not run)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: io.TextIOBase) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in rows:
        writer.writerow([_safe_cell(row[f]) if f != "distance" else row[f] for f in CSV_FIELDS])


def _wants_csv() -> bool:
    if request.args.get("format") == "csv":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv"


@bp.get("/attendance")
@auth.require("admin")
def get_attendance() -> Any:
    start = query_date(request.args.get("from"), "from")
    end = query_date(request.args.get("to"), "to")
    if start and end and start > end:
        raise BadRequest("from is after to")
    cap = current_app.config["ATTENDANCE_MAX_ROWS"]
    try:
        limit = int(request.args.get("limit", cap))
    except ValueError as exc:
        raise BadRequest("limit must be an integer") from exc
    if not 1 <= limit <= cap:
        raise BadRequest(f"limit must be between 1 and {cap}")
    rows = query_attendance(
        get_db(),
        start,
        end,
        query_identifier(request.args.get("person_id"), "person_id"),
        query_identifier(request.args.get("kiosk"), "kiosk"),
        limit,
    )
    if _wants_csv():
        out = io.StringIO()
        write_csv(rows, out)
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="attendance.csv"'},
        )
    return jsonify(events=rows)


@bp.get("/presence")
@auth.require("admin")
def get_presence() -> Any:
    """The people seen on ``date`` (default: today in UTC), from the cache when it is sure."""
    day = query_date(request.args.get("date"), "date") or datetime.now(timezone.utc).date()
    key = day.isoformat()
    cache = get_cache()
    present = cache.present(key)
    source = "cache"
    if present is None:
        a = schema.attendance
        rows = get_db().execute(select(a.c.person_id).where(a.c.local_date == day).distinct())
        present = {r.person_id for r in rows}
        cache.fill_presence(key, present)
        source = "database"
    return jsonify(date=key, person_ids=sorted(present), source=source)
