"""Screenshots of every console page at desktop and phone widths, over a small made-up office.

    PYTHONPATH=$PWD .venv/bin/python -m tests.e2e.console_screenshots docs/console

Starts a live server in a temporary folder, fills it through the API as kiosks would (people, a week of
check-ins, a doubtful match, a "Not you?" void, heartbeats), logs in with headless Chromium and writes
``<page>-desktop.png`` and ``<page>-phone.png`` into the folder given.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import uuid
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from tests.e2e.console_browser import DESKTOP, PHONE, chrome, console_server, login
from tests.server.conftest import bearer
from tests.server.live import cli

PEOPLE = [
    ("e-101", "Ada Lovelace", "Research"), ("e-102", "Alan Turing", "Research"),
    ("e-103", "Grace Hopper", "Engineering"),
    ("e-104", "Katherine Johnson", "Engineering"), ("e-105", "Tim Berners-Lee", "Engineering"),
    ("e-106", "Hedy Lamarr", "Design"), ("e-107", "Margaret Hamilton", "Engineering"),
    ("e-108", "Edsger Dijkstra", "Research"), ("e-109", "Barbara Liskov", "Research"),
    ("e-110", "Dennis Ritchie", "Operations"), ("e-111", "Frances Allen", "Operations"),
    ("e-112", "John McCarthy", "Design"),
]  # fmt: skip
PAGES = ["login", "today", "reports", "review", "people", "person", "kiosks", "audit"]


def _event(pid: str, name: str, at: datetime, direction: str, distance: float = 0.32, **extra) -> dict:
    return {"event_id": str(uuid.uuid4()), "person_id": pid, "name": name, "timestamp": at.isoformat(),
            "distance": distance, "direction": direction, **extra}  # fmt: skip


def populate(server, zone: str) -> None:
    rng = random.Random(7)
    tz = ZoneInfo(zone)
    url, headers = server.url, bearer(server.kiosk_token)
    for i, (pid, name, dept) in enumerate(PEOPLE):
        body = {"name": name, "employee_no": f"E-{1000 + i}", "embeddings": [[0.01 * (i + 1)] * 128] * 3,
                "consent": {"given": True, "at": "2024-05-01T08:00:00+02:00", "version": "v2"}}  # fmt: skip
        requests.put(f"{url}/api/v1/people/{pid}", json=body, headers=headers, timeout=10).raise_for_status()
    now = datetime.now(timezone.utc).astimezone(tz)
    start = datetime.combine(now.date(), time(0), tz)
    events = []
    for back in range(6, 0, -1):  # a working week behind us
        day = start - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for pid, name, _ in PEOPLE:
            arrive = day + timedelta(hours=8, minutes=rng.randint(0, 75))
            leave = arrive + timedelta(hours=8, minutes=rng.randint(-60, 60))
            events += [_event(pid, name, arrive, "in"), _event(pid, name, leave, "out")]
    workday = now - timedelta(hours=1)
    for k, (pid, name, _) in enumerate(PEOPLE[:10]):
        arrive = workday + timedelta(minutes=rng.randint(-45, 50))
        arrive = min(arrive, now - timedelta(minutes=2))
        events.append(_event(pid, name, arrive, "in", distance=0.45 if k == 3 else 0.3, margin=0.2))
        if k in (5, 8):
            events.append(_event(pid, name, min(arrive + timedelta(minutes=30), now - timedelta(minutes=1)), "out"))
    wrong = _event("e-111", "Frances Allen", now - timedelta(minutes=7), "in", distance=0.46, margin=0.02)
    events.append(wrong)
    for i in range(0, len(events), 400):
        requests.post(f"{url}/api/v1/events", json={"events": events[i : i + 400]}, headers=headers, timeout=30)
    void = {**wrong, "event_id": str(uuid.uuid4()), "voids": wrong["event_id"], "reason": "not_me",
            "timestamp": now.isoformat(), "distance": 0}  # fmt: skip
    requests.post(f"{url}/api/v1/events", json={"events": [void]}, headers=headers, timeout=10).raise_for_status()
    beat = {"fps": 14.8, "recognition_latency_ms": 180, "sync_backlog": 0, "version": "0.1.0"}
    requests.post(f"{url}/api/v1/heartbeat", json=beat, headers=headers, timeout=10).raise_for_status()
    cli(server.env, "kiosk", "add", "loading-dock")
    with sqlite3.connect(server.root / "console.db") as db:  # departments are set in the console's People page
        db.executemany("UPDATE people SET department = ? WHERE person_id = ?", [(d, p) for p, _, d in PEOPLE])


def shoot(driver, url: str, path: Path, width: int, height: int) -> None:
    """The whole page (up to 3200 px tall) as a browser ``width`` pixels wide shows it."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.get(url)
    full = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {**metrics, "height": min(max(height, int(full)), 3200)}
    )
    driver.save_screenshot(str(path))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, zone = console_server(Path(tmp))
        try:
            populate(server, zone)
            today = datetime.now(timezone.utc).astimezone(ZoneInfo(zone)).date()
            urls = {
                "login": "/login", "today": "/today",
                "reports": f"/reports/attendance?from={(today - timedelta(days=7)).isoformat()}&to={today.isoformat()}",
                "review": "/review", "people": "/people", "person": "/people/e-101", "kiosks": "/kiosks",
                "audit": "/audit",
            }  # fmt: skip
            for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
                driver = chrome(Path(tmp), size)
                try:
                    shoot(driver, server.url + "/login", out / f"login-{label}.png", *size)
                    login(driver, server.url)
                    for page in PAGES[1:]:
                        shoot(driver, server.url + urls[page], out / f"{page}-{label}.png", *size)
                finally:
                    driver.quit()
        finally:
            server.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/console"))
