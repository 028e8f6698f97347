"""10,000 check-ins reach the server exactly once while the server and the sync process are SIGKILLed.

The kiosk side writes the CSV through AttendanceLog while ``python -m kiosk.link.checkins`` (a subprocess)
sends it to ``python -m server serve`` (gunicorn, 2 workers, SQLite). The server's whole process group is
SIGKILLed and restarted twice, and the sync process is SIGKILLed once and restarted. Afterwards the server
holds exactly the 10,000 events and the CSV holds exactly the rows written.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.core.attendance import AttendanceLog, read_rows, row_to_checkin
from kiosk.core.types import CheckIn, Direction
from tests.helpers import ROOT
from tests.server.live import start_server

pytestmark = pytest.mark.slow

TOTAL = 10_000


def server_count(db_path) -> int:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM attendance").fetchone()[0]
    except sqlite3.Error:
        return -1


def start_sync(root, url) -> subprocess.Popen:
    log = open(root / "sync.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.link.checkins", "--attendance", str(root / "attendance.csv"),
         "--server", url, "--token-file", str(root / "token"), "--state", str(root / "sync.json"),
         "--batch-size", "100", "--max-delay", "0.5", "--idle-interval", "0.1"],
        cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    log.close()
    return proc


def write_checkins(path, checkins, pace_seconds: float) -> None:
    """Append ``checkins`` in chunks of 100 over about ``pace_seconds``, like a busy kiosk."""
    chunks = [checkins[i : i + 100] for i in range(0, len(checkins), 100)]
    with AttendanceLog(path) as log:
        for chunk in chunks:
            for c in chunk:
                log.append(c)
            time.sleep(pace_seconds / len(chunks))


def test_every_checkin_arrives_exactly_once_through_crashes(tmp_path):
    root = tmp_path
    db = root / "server.db"
    server = start_server(root, {"DATABASE_URL": f"sqlite:///{db}"}, workers=2, threads=4)
    (root / "token").write_text(server.kiosk_token)
    tz = timezone(timedelta(hours=2))
    start = datetime.now(tz) - timedelta(hours=3)
    # quotes and a comma in some names (no newline: names hold no control characters since issue 12.10)
    checkins = [
        CheckIn(str(uuid.uuid4()), f"p-{i % 50}", f'Person "{i}", née X' if i % 97 == 0 else f"Person {i}",
                start + timedelta(milliseconds=i), "kiosk-live", 0.3 + (i % 30) / 100, Direction.IN)
        for i in range(TOTAL)
    ]  # fmt: skip
    writer = threading.Thread(target=write_checkins, args=(root / "attendance.csv", checkins, 8.0))
    writer.start()
    sync = start_sync(root, server.url)
    faults = []
    try:
        deadline = time.monotonic() + 90
        plan = [(1500, "server"), (4000, "sync"), (6500, "server")]
        while time.monotonic() < deadline:
            count = server_count(db)
            if plan and count >= plan[0][0]:
                _, what = plan.pop(0)
                if what == "server":
                    server.kill()
                    faults.append(("server killed", count))
                    time.sleep(0.3)
                    server.start()
                else:
                    sync.send_signal(signal.SIGKILL)
                    sync.wait(10)
                    faults.append(("sync killed", count))
                    sync = start_sync(root, server.url)
            if count == TOTAL and not plan and not writer.is_alive():
                break
            time.sleep(0.02)
        writer.join()
        assert [f[0] for f in faults] == ["server killed", "sync killed", "server killed"], faults
        assert server_count(db) == TOTAL, (root / "sync.log").read_text()[-3000:]
        with sqlite3.connect(db) as conn:
            stored = {row[0] for row in conn.execute("SELECT event_id FROM attendance")}
        assert stored == {c.event_id for c in checkins}
        assert [row_to_checkin(r) for r, _ in read_rows(root / "attendance.csv")] == checkins
    finally:
        if sync.poll() is None:
            sync.send_signal(signal.SIGTERM)
            sync.wait(10)
        server.stop()
