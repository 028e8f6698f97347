"""Admin reads: GET /api/v1/attendance (JSON or CSV) and GET /api/v1/presence."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Response, current_app, jsonify, request

from server import attendance, audit, auth
from server.api import bp
from server.db import get_db
from server.validation import Invalid, query_date, query_identifier


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
        raise Invalid("from is after to")
    cap = current_app.config["ATTENDANCE_MAX_ROWS"]
    try:
        limit = int(request.args.get("limit", cap))
    except ValueError as exc:
        raise Invalid("limit must be an integer") from exc
    if not 1 <= limit <= cap:
        raise Invalid(f"limit must be between 1 and {cap}")
    person_id = query_identifier(request.args.get("person_id"), "person_id")
    kiosk = query_identifier(request.args.get("kiosk"), "kiosk")
    conn = get_db()
    rows = attendance.query_attendance(conn, start, end, person_id, kiosk, limit)
    as_csv = _wants_csv()
    details = {"rows": len(rows), "from": start and start.isoformat(), "to": end and end.isoformat(),
               "kiosk": kiosk, "format": "csv" if as_csv else "json"}  # fmt: skip
    audit.record_read(conn, auth.actor(), "read-attendance", person_id, details)
    if as_csv:
        return Response(
            attendance.csv_text(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="attendance.csv"'},
        )
    return jsonify(events=rows)


@bp.get("/presence")
@auth.require("admin")
def get_presence() -> Any:
    """The people seen on ``date`` (default: today in UTC), from the cache when it is sure."""
    day = query_date(request.args.get("date"), "date") or datetime.now(timezone.utc).date()
    conn = get_db()
    present, source = attendance.presence(conn, day)
    audit.record_read(conn, auth.actor(), "read-presence", None, {"date": day.isoformat(), "people": len(present)})
    return jsonify(date=day.isoformat(), person_ids=sorted(present), source=source)
