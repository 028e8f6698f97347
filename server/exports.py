"""The attendance report as CSV and as a real spreadsheet (XLSX: dates as dates, hours as numbers).

Text cells that a spreadsheet would run as a formula (=, +, -, @ ...) are neutralised: CSV gets a
leading apostrophe, XLSX cells are written as plain strings.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from server.reports import Report

DAY_COLUMNS = (
    "person_id", "name", "employee_no", "department", "date", "first_in", "last_out", "hours", "checkins", "note",
)  # fmt: skip
TOTAL_COLUMNS = ("person_id", "name", "employee_no", "department", "days", "hours")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _hours(seconds: float) -> float:
    return round(seconds / 3600.0, 2)


def _clock(ts: datetime | None) -> str:
    return ts.strftime("%H:%M:%S") if ts else ""


def _note(open_: bool) -> str:
    return "no check-out" if open_ else ""


def report_csv(report: Report) -> str:
    """One line per person and day (times in the report's time zone, hours as decimals)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DAY_COLUMNS)
    info = {t.person_id: t for t in report.totals}
    for r in report.rows:
        t = info[r.person_id]
        writer.writerow(
            [
                _safe(r.person_id), _safe(r.name), _safe(t.employee_no), _safe(t.department), r.day.isoformat(),
                _clock(r.first_in), _clock(r.last_out), f"{_hours(r.seconds):.2f}", r.checkins, _note(r.open),
            ]  # fmt: skip
        )
    return out.getvalue()


def report_xlsx(report: Report) -> bytes:
    """A workbook with the sheets "Attendance" (per person and day) and "Totals" (per person)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def text(ws: object, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell

    def typed(ws: object, value: object, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = number_format
        return cell

    def header(ws: object, names: tuple[str, ...]) -> list[WriteOnlyCell]:
        cells = [text(ws, n) for n in names]
        for c in cells:
            c.font = bold
        return cells

    days = wb.create_sheet("Attendance")
    days.freeze_panes = "A2"
    days.append(header(days, DAY_COLUMNS))
    info = {t.person_id: t for t in report.totals}
    for r in report.rows:
        t = info[r.person_id]
        days.append(
            [
                text(days, r.person_id), text(days, r.name), text(days, t.employee_no), text(days, t.department),
                typed(days, r.day, "yyyy-mm-dd"),
                typed(days, r.first_in.time().replace(microsecond=0), "hh:mm:ss") if r.first_in else None,
                typed(days, r.last_out.time().replace(microsecond=0), "hh:mm:ss") if r.last_out else None,
                typed(days, _hours(r.seconds), "0.00"), r.checkins, text(days, _note(r.open)),
            ]  # fmt: skip
        )
    totals = wb.create_sheet("Totals")
    totals.append(header(totals, TOTAL_COLUMNS))
    for t in report.totals:
        totals.append(
            [
                text(totals, t.person_id), text(totals, t.name), text(totals, t.employee_no),
                text(totals, t.department), t.days, typed(totals, _hours(t.seconds), "0.00"),
            ]  # fmt: skip
        )
    totals.append([text(totals, "total"), None, None, None, None, typed(totals, _hours(report.seconds), "0.00")])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
