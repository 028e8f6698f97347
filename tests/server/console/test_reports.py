"""Reports: per person and day in the site's time zone, totals, filters, CSV and a real XLSX, bad input."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from server import audit, schema
from tests.server.console.helpers import checkin, enrol, post_events

BERLIN = timezone(timedelta(hours=2))  # the kiosks' offset in May


@pytest.fixture
def may(app, client, kiosk_token, other_kiosk_token):
    """Two days of check-ins in Berlin (site zone Europe/Berlin), one of them across UTC midnight."""
    app.config["SITE_TIMEZONE"] = "Europe/Berlin"
    enrol(client, kiosk_token, "p-1", "Ada Lovelace", employee_no="E-1")
    enrol(client, kiosk_token, "p-2", '=HYPERLINK("x")')  # a name that a spreadsheet would run
    with app.extensions["db_engine"].begin() as conn:
        conn.execute(update(schema.people).where(schema.people.c.person_id == "p-1").values(department="Research"))

    def at(day: int, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(date(2024, 5, day), time(hh, mm), BERLIN)

    post_events(
        client, kiosk_token,
        checkin("p-1", "Ada Lovelace", at(2, 8, 30)),
        checkin("p-1", "Ada Lovelace", at(2, 12), "out"),
        checkin("p-1", "Ada Lovelace", at(2, 13)),
        checkin("p-1", "Ada Lovelace", at(2, 17, 15), "out"),
        # 01:30 in Berlin on 3 May is 23:30 UTC on 2 May: it belongs to 3 May in the report
        checkin("p-1", "Ada Lovelace", at(3, 1, 30)),
        checkin("p-1", "Ada Lovelace", at(3, 2, 30), "out"),
    )  # fmt: skip
    post_events(client, other_kiosk_token, checkin("p-2", '=HYPERLINK("x")', at(2, 9)))


def test_report_page_shows_first_in_last_out_and_hours_in_the_site_zone(backend, console, may):
    html = console.get("/reports/attendance?from=2024-05-01&to=2024-05-31").get_data(as_text=True)
    days = html[html.index('id="report-days"') : html.index('id="report-totals"')]
    assert '<td>2024-05-02</td>\n    <td>08:30</td><td>17:15</td>\n    <td class="text-end">7.75</td>' in days
    assert '<td>2024-05-03</td>\n    <td>01:30</td><td>02:30</td>\n    <td class="text-end">1.00</td>' in days
    assert "no check-out" in days  # p-2 never checked out
    totals = html[html.index('id="report-totals"') :]
    assert "<td>Ada Lovelace</td><td>E-1</td><td>Research</td>" in totals
    assert re.search(r"2 people · 3 person-days ·\s+7 check-ins", html)
    assert '<strong id="total-hours">8.75</strong>' in html


def test_filters_by_person_department_and_kiosk(console, may):
    def people(query: str) -> set[str]:
        html = console.get(f"/reports/attendance?from=2024-05-01&to=2024-05-31&{query}").get_data(as_text=True)
        totals = html[html.index('id="report-totals"') :]
        return {n for n in ("Ada Lovelace", "HYPERLINK") if n in totals}

    assert people("person=lovelace") == {"Ada Lovelace"}
    assert people("person=p-2") == {"HYPERLINK"}
    assert people("department=Research") == {"Ada Lovelace"}
    assert people("kiosk=kiosk-2") == {"HYPERLINK"}
    html = console.get("/reports/attendance?from=2024-05-01&to=2024-05-31&person=nobody").get_data(as_text=True)
    assert "Nobody called or numbered “nobody” has check-ins" in html


def test_csv_download_is_audited_and_neutralises_formulas(app, as_role, may):
    response = as_role("viewer").get("/reports/attendance?from=2024-05-01&to=2024-05-31&format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attendance-2024-05-01-2024-05-31.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["person_id"], r["date"], r["first_in"], r["last_out"], r["hours"]) for r in rows] == [
        ("p-2", "2024-05-02", "09:00:00", "", "0.00"),
        ("p-1", "2024-05-02", "08:30:00", "17:15:00", "7.75"),
        ("p-1", "2024-05-03", "01:30:00", "02:30:00", "1.00"),
    ]
    assert rows[0]["name"].startswith("'=")
    with app.extensions["db_engine"].connect() as conn:
        entry = audit.read(conn)[-1]
    assert entry["action"] == "export" and entry["actor"] == "user:viewer"
    assert entry["details"]["format"] == "csv" and entry["details"]["rows"] == 3


def test_xlsx_is_a_real_spreadsheet_with_dates_and_numbers(backend, console, may):
    response = console.get("/reports/attendance?from=2024-05-01&to=2024-05-31&format=xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    wb = load_workbook(io.BytesIO(response.data))
    days = list(wb["Attendance"].iter_rows(values_only=True))
    assert days[0][:8] == ("person_id", "name", "employee_no", "department", "date", "first_in", "last_out", "hours")
    ada = [r for r in days[1:] if r[0] == "p-1"]
    assert ada[0][4] == datetime(2024, 5, 2) and ada[0][5] == time(8, 30) and ada[0][7] == 7.75
    assert ada[1][7] == 1.0 and wb["Attendance"]["H2"].data_type == "n"  # hours are numbers, not text
    other = [r for r in days[1:] if r[0] == "p-2"][0]
    assert other[1] == '=HYPERLINK("x")' and wb["Attendance"]["B2"].data_type == "s"  # text, never a formula
    totals = list(wb["Totals"].iter_rows(values_only=True))
    assert totals[-1][0] == "total" and totals[-1][5] == 8.75


@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2024-13-01&to=2024-05-01", "is not a date"),
        ("from=yesterday", "is not a date"),
        ("from=2024-05-10&to=2024-05-01", "first date is after the last"),
        ("from=2000-01-01&to=2024-05-01", "at most 366 days"),
        ("from=2024-05-01&to=2024-05-02&format=pdf", "format is html, csv or xlsx"),
        ("from=2024-05-01&to=2024-05-02&person=" + "x" * 300, "too long"),
    ],
)
def test_bad_report_parameters_get_a_clear_message(console, query, message):
    response = console.get(f"/reports/attendance?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_report_defaults_to_this_month(console):
    html = console.get("/reports/attendance").get_data(as_text=True)
    assert 'id="from" name="from" value="' in html and "No check-ins in this range." in html
