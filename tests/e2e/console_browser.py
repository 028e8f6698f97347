"""A headless Chromium (Debian's chromium + chromium-driver) driven by Selenium, and a live console server
with an account, for the console's browser test and its screenshots."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.helpers import ROOT, require
from tests.server.console.helpers import midday_zone
from tests.server.live import LiveServer, server_env, start_server

PASSWORD = "browser test password"
DESKTOP = (1280, 900)
PHONE = (390, 844)


def chromium_paths() -> tuple[str, str]:
    """(browser, driver) from Debian's packages; skips (fails under CI) when they are missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    require(
        browser and driver, "chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
    )
    return str(browser), str(driver)


def chrome(downloads: Path, size: tuple[int, int] = DESKTOP):
    """A headless Chromium that saves downloads into ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={size[0]},{size[1]}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(arg)  # fmt: skip
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    return webdriver.Chrome(service=Service(driver), options=options)


def console_server(root: Path) -> tuple[LiveServer, str]:
    """A live server whose site zone is in daytime now, with the workday started an hour ago, and an admin
    account ``ada-admin``; returns (server, site zone)."""
    zone = midday_zone()
    start = datetime.now(timezone.utc).astimezone(ZoneInfo(zone)) - timedelta(hours=1)
    extra = {"DATABASE_URL": f"sqlite:///{root / 'console.db'}", "SITE_TIMEZONE": zone,
             "WORKDAY_START": start.strftime("%H:%M")}  # fmt: skip
    env = server_env(root, extra)
    subprocess.run(
        [sys.executable, "-m", "server", "user", "add", "ada-admin", "--role", "admin", "--password-stdin"],
        env=env, cwd=ROOT, input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return start_server(root, extra, workers=2, threads=4), zone


def login(driver, url: str, name: str = "ada-admin", password: str = PASSWORD) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url + "/login")
    driver.find_element(By.ID, "username").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    # The login page's heading can go stale between finding it and reading it while the next page loads.
    WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.TAG_NAME, "h1").text != "Log in")
