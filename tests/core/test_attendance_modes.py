"""The attendance log and its side files hold names and times of day: they are the owner's alone from the
first byte, whatever the umask, and a rewrite (retention, repair) keeps them so."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.core.atomic import replace_file
from kiosk.core.attendance import AttendanceLog
from kiosk.core.attendance_repair import damaged_path_for
from kiosk.core.retention import purge_checkins, update_last_seen, write_retention_removed
from kiosk.core.sync_progress import Progress, save_progress
from kiosk.core.types import CheckIn, Direction
from kiosk.link.checkins import _append_line
from tests.helpers import require_posix

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    require_posix()
    old = os.umask(0o022)  # the usual default: group and others may read what is created
    yield
    os.umask(old)


def checkin(days_ago: float) -> CheckIn:
    return CheckIn(str(uuid.uuid4()), "p-1", "Ada Lovelace", NOW - timedelta(days=days_ago), "k1", 0.3,
                   Direction.IN)


def test_a_new_log_is_owner_only_and_stays_so_when_retention_rewrites_it(tmp_path):
    csv, state = tmp_path / "attendance.csv", tmp_path / "attendance.csv.sync.json"
    with AttendanceLog(csv) as log:
        ends = [log.append(checkin(d)) for d in (40, 35, 1)]
    assert mode(csv) == 0o600
    save_progress(state, Progress(ends[-1], 3, 0))
    assert purge_checkins(csv, state, NOW, 30) == 2
    assert mode(csv) == 0o600
    assert update_last_seen(csv, tmp_path / "last_seen.json") == {"p-1": checkin(1).timestamp.isoformat()}
    assert mode(tmp_path / "last_seen.json") == 0o600
    write_retention_removed(tmp_path / "removed.json", {"p-9"})
    assert mode(tmp_path / "removed.json") == 0o600


def test_a_damaged_row_goes_to_an_owner_only_side_file(tmp_path):
    csv = tmp_path / "attendance.csv"
    with AttendanceLog(csv) as log:
        for d in (3, 2, 1):
            log.append(checkin(d))
    data = csv.read_bytes()
    at = data.index(b",in,")
    csv.write_bytes(data[:at] + b",sideways," + data[at + 4 :])  # the first row is damaged, not torn
    with AttendanceLog(csv) as log:
        assert log.damaged_rows == 1
    assert mode(damaged_path_for(csv)) == 0o600


def test_held_and_rejected_check_ins_are_owner_only(tmp_path):
    side = tmp_path / "attendance.csv.held"
    _append_line(side, {"event": {"name": "Ada Lovelace"}})
    assert mode(side) == 0o600


def test_an_existing_file_keeps_the_permissions_an_administrator_gave_it(tmp_path):
    csv = tmp_path / "attendance.csv"
    AttendanceLog(csv).close()
    os.chmod(csv, 0o640)
    with AttendanceLog(csv) as log:
        log.append(checkin(1))
    replace_file(csv, csv.read_bytes())
    assert mode(csv) == 0o640
