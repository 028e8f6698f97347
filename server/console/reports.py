"""Reports: attendance per person and day over a date range, on the page or as CSV / XLSX for payroll."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request

from server import audit, exports
from server import reports as report_data
from server.console import actor, bp, role_required
from server.db import get_db

PAGE_ROWS = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date(name: str, default: date) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise report_data.ReportError(f"“{raw[:40]}” is not a date: use YYYY-MM-DD, e.g. 2024-05-01") from exc


def _text(name: str, limit: int = 200) -> str:
    value = request.args.get(name, "").strip()
    if len(value) > limit or "\x00" in value:
        raise report_data.ReportError(f"the {name} filter is too long")
    return value


def _filters() -> report_data.Filters:
    today = datetime.now(timezone.utc).astimezone(ZoneInfo(current_app.config["SITE_TIMEZONE"])).date()
    start = _date("from", today.replace(day=1))
    end = _date("to", today)
    report_data.check_filters(start, end, int(current_app.config["REPORT_MAX_DAYS"]))
    return report_data.Filters(start, end, _text("person"), _text("department", 100), _text("kiosk", 64))


def _download(report: report_data.Report, fmt: str) -> Response:
    f = report.filters
    name = f"attendance-{f.start.isoformat()}-{f.end.isoformat()}.{fmt}"
    body: str | bytes
    if fmt == "csv":
        body, mimetype = exports.report_csv(report), "text/csv"
    else:
        body, mimetype = exports.report_xlsx(report), XLSX
    conn = get_db()
    details = {
        "format": fmt, "rows": len(report.rows), "from": f.start.isoformat(), "to": f.end.isoformat(),
        "person": f.person, "department": f.department, "kiosk": f.kiosk,
    }  # fmt: skip
    audit.record(conn, actor(), "export", None, details)
    conn.commit()
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/reports/attendance")
@role_required("viewer")
def report() -> Any:
    conn = get_db()
    choices = {"departments": report_data.departments(conn), "kiosks": report_data.kiosk_names(conn)}
    fmt = request.args.get("format", "html")
    args = {k: request.args.get(k, "") for k in ("from", "to", "person", "department", "kiosk")}
    try:
        if fmt not in ("html", "csv", "xlsx"):
            raise report_data.ReportError("format is html, csv or xlsx")
        filters = _filters()
    except report_data.ReportError as exc:
        return render_template("console/reports.html", error=str(exc), args=args, report=None, **choices), 400
    result = report_data.attendance_report(conn, filters, current_app.config["SITE_TIMEZONE"])
    if fmt != "html":
        return _download(result, fmt)
    pages = max(1, -(-len(result.rows) // PAGE_ROWS))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    rows = result.rows[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    args = {**args, "from": filters.start.isoformat(), "to": filters.end.isoformat()}
    empty_match = bool(filters.person) and not result.rows
    return render_template(
        "console/reports.html", report=result, rows=rows, page=page, pages=pages, args=args, error=None,
        empty_match=empty_match, **choices,
    )  # fmt: skip
