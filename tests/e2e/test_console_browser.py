"""The console in a real browser (headless Chromium via Selenium) against a live gunicorn server:
log in, watch a kiosk's check-in arrive on Today without a reload, void it in Review, see the report
change, download the XLSX and read it back."""

from __future__ import annotations

import io
import time
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.e2e.console_browser import chrome, chromium_paths, console_server, login
from tests.server.conftest import bearer
from tests.server.console.helpers import checkin, minutes_ago

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    chromium_paths()
    root = tmp_path_factory.mktemp("console-browser")
    server, zone = console_server(root)
    yield server, zone, root
    server.stop()


def post(server, *events) -> None:
    response = requests.post(
        server.url + "/api/v1/events", json={"events": list(events)}, headers=bearer(server.kiosk_token), timeout=10
    )
    assert response.status_code == 200 and all(r["status"] == "created" for r in response.json()["results"])


def wait_for(condition, timeout: float = 30.0, what: str = "the condition"):
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:  # Today's refresh replaced the element between find and read
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def test_console_in_a_browser(live):
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By

    server, zone, root = live
    downloads = root / "downloads"
    downloads.mkdir()
    driver = chrome(downloads)
    try:
        login(driver, server.url)
        assert driver.current_url.endswith("/today")
        assert driver.find_element(By.TAG_NAME, "h1").text == "Today"
        driver.execute_script("window.notReloaded = true;")

        ada_in = checkin("p-1", "Ada Lovelace", minutes_ago(50))
        ada_out = checkin("p-1", "Ada Lovelace", minutes_ago(20), direction="out")
        alan = checkin("p-2", "Alan Turing", minutes_ago(2), distance=0.46)  # a doubtful match
        post(server, ada_in, ada_out, alan)
        arrivals = lambda: driver.find_element(By.ID, "arrivals").text  # noqa: E731
        wait_for(lambda: "Alan Turing" in arrivals(), what="the kiosk's check-in on Today")
        assert driver.execute_script("return window.notReloaded === true;"), "Today reloaded the page"
        assert "Alan Turing" in driver.find_element(By.ID, "present").text

        day = datetime.now(timezone.utc).astimezone(ZoneInfo(zone)).date().isoformat()
        report_url = f"{server.url}/reports/attendance?from={day}&to={day}"
        driver.get(report_url)
        assert "Alan Turing" in driver.find_element(By.ID, "report-days").text

        driver.get(server.url + "/review")
        row = driver.find_element(By.CSS_SELECTOR, f'li[data-event-id="{alan["event_id"]}"]')
        row.find_element(By.NAME, "reason").send_keys("it was a visitor")
        row.find_element(By.CSS_SELECTOR, 'button[value="void"]').click()
        wait_for(lambda: "check-in voided" in driver.find_element(By.ID, "main").text, what="the void to be recorded")
        assert "it was a visitor" in driver.find_element(By.ID, "corrections-table").text

        driver.get(report_url)
        days = driver.find_element(By.ID, "report-days").text
        assert "Alan Turing" not in days and "Ada Lovelace" in days
        driver.find_element(By.ID, "download-xlsx").click()
        path = wait_for(lambda: next(iter(downloads.glob("*.xlsx")), None), what="the XLSX download")
        wait_for(lambda: not list(downloads.glob("*.crdownload")), what="the download to finish")
        workbook = load_workbook(io.BytesIO(path.read_bytes()))
        rows = list(workbook["Attendance"].iter_rows(values_only=True))[1:]
        assert [(r[0], r[1], r[7]) for r in rows] == [("p-1", "Ada Lovelace", 0.5)]
        assert rows[0][4].date().isoformat() == day
    finally:
        driver.quit()
