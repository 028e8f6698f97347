"""The attendance report as CSV and as a real spreadsheet (XLSX: dates as dates, hours as numbers).

Text cells that a spreadsheet would run as a formula (=, +, -, @ ...) are neutralised: CSV gets a
leading apostrophe, XLSX cells are written as plain strings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.attendance import FORMULA_START, safe_cell
from server.reports import Report

DAY_COLUMNS = (
    "person_id", "name", "employee_no", "department", "date", "first_in", "last_out", "hours", "checkins", "note",
)  # fmt: skip
TOTAL_COLUMNS = ("person_id", "name", "employee_no", "department", "days", "hours")


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
                safe_cell(r.person_id), safe_cell(r.name), safe_cell(t.employee_no), safe_cell(t.department),
                r.day.isoformat(),
                _clock(r.first_in), _clock(r.last_out), f"{_hours(r.seconds):.2f}", r.checkins, _note(r.open),
            ]  # fmt: skip
        )
    return out.getvalue()


def report_xlsx(report: Report) -> bytes:
    """A workbook with the sheets "Attendance" (per person and day) and "Totals" (per person).

    Dates are date cells, clock times time cells and hours numbers. Cells are written as plain values
    (openpyxl's write-only mode gives dates and times their number format by itself); only text that
    starts like a formula is wrapped in a cell forced to be a string.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)

    def sheet(title: str) -> tuple[Any, Callable[[str], Any]]:
        ws = wb.create_sheet(title)

        def text(value: str) -> Any:
            if not value.startswith(FORMULA_START):
                return value
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            return cell

        return ws, text

    days, text = sheet("Attendance")
    days.freeze_panes = "A2"
    days.append(DAY_COLUMNS)
    info = {t.person_id: t for t in report.totals}
    for r in report.rows:
        t = info[r.person_id]
        days.append(
            (
                text(r.person_id), text(r.name), text(t.employee_no), text(t.department), r.day,
                r.first_in.time().replace(microsecond=0) if r.first_in else None,
                r.last_out.time().replace(microsecond=0) if r.last_out else None,
                _hours(r.seconds), r.checkins, _note(r.open),
            )  # fmt: skip
        )
    totals, text = sheet("Totals")
    totals.append(TOTAL_COLUMNS)
    for t in report.totals:
        row = (text(t.person_id), text(t.name), text(t.employee_no), text(t.department), t.days, _hours(t.seconds))
        totals.append(row)
    totals.append(("total", None, None, None, len(report.rows), _hours(report.seconds)))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
