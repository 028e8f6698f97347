"""Repairing the attendance CSV (issue 12.4): only a torn last line is cut; a damaged row elsewhere goes to a
side file verbatim and every other row stays; a file that is not an attendance log is refused untouched."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.core.attendance import OLD_HEADER, AttendanceLog, read_rows, row_to_checkin
from kiosk.core.attendance_repair import damaged_path_for
from kiosk.core.sync_progress import Progress, load_progress, progress_path_for, save_progress
from kiosk.core.types import CheckIn, Direction
from kiosk.errors import AttendanceLogError

TZ = timezone(timedelta(hours=2))


def _checkins(n: int) -> list[CheckIn]:
    return [CheckIn(str(uuid.uuid4()), f"p-{i}", f'Name {i}, "quoted"', datetime(2024, 5, 1, 8, i, tzinfo=TZ),
                    "kiosk-1", 0.25 + i / 100, Direction.IN) for i in range(n)]  # fmt: skip


def _log_of(path, checkins) -> list[int]:
    with AttendanceLog(path) as log:
        return [log.append(c) for c in checkins]


def _flip(path, row_start: int, old: bytes, new: bytes) -> bytes:
    data = bytearray(path.read_bytes())
    at = data.index(old, row_start)
    data[at : at + len(old)] = new
    path.write_bytes(bytes(data))
    return bytes(data)


def test_one_flipped_byte_in_row_three_of_five_moves_only_that_row_aside(tmp_path, caplog):
    path = tmp_path / "attendance.csv"
    checkins = _checkins(5)
    ends = _log_of(path, checkins)
    _flip(path, ends[1], b"2024", b'"024')  # row 3's timestamp now opens a quote that never closes
    damaged_row = path.read_bytes()[ends[1] : ends[2]]
    with caplog.at_level(logging.WARNING), AttendanceLog(path) as log:
        assert log.damaged_rows == 1 and log.damaged_file == damaged_path_for(path)
    assert [row_to_checkin(r) for r, _ in read_rows(path)] == checkins[:2] + checkins[3:]
    assert damaged_path_for(path).read_bytes() == damaged_row  # verbatim
    assert damaged_path_for(path).name == "attendance.damaged.csv" and "attendance.damaged.csv" in caplog.text


def test_the_sync_offset_still_points_past_the_same_row_after_a_row_before_it_left(tmp_path):
    path = tmp_path / "attendance.csv"
    checkins = _checkins(5)
    ends = _log_of(path, checkins)
    save_progress(progress_path_for(path), Progress(ends[3], 4, 1))  # rows 1-4 synced
    _flip(path, ends[0], b"0.26", b"0.2\xff")  # row 2's distance is no number (and not UTF-8)
    AttendanceLog(path).close()
    progress = load_progress(progress_path_for(path))
    assert [row_to_checkin(r) for r, _ in read_rows(path, progress.offset)] == [checkins[4]]
    assert progress.count == 3 and progress.rejected == 1


def test_a_torn_last_line_and_a_damaged_row_are_told_apart(tmp_path):
    path = tmp_path / "attendance.csv"
    checkins = _checkins(4)
    ends = _log_of(path, checkins)
    _flip(path, ends[0], b",in,face,", b",sideways,face,")  # row 2 is damaged
    with open(path, "ab") as fh:
        fh.write(b'2f1c,p-9,"Half a na')  # and the power went out during a write
    AttendanceLog(path).close()
    assert [row_to_checkin(r) for r, _ in read_rows(path)] == [checkins[0], *checkins[2:]]
    assert b",sideways,face," in damaged_path_for(path).read_bytes()
    assert b"Half a na" not in damaged_path_for(path).read_bytes() + path.read_bytes()


@pytest.mark.parametrize("content", [
    b"Dear diary,\nthe \"kiosk\" was\nodd today",  # no header, a stray quote, no final newline
    b"id,who,when\n1,2,3\n",
    b"\x00\x01binary",
])  # fmt: skip
def test_a_file_that_is_not_an_attendance_log_is_refused_untouched(tmp_path, content):
    path = tmp_path / "notes.csv"
    path.write_bytes(content)
    with pytest.raises(AttendanceLogError, match="not an attendance log") as info:
        AttendanceLog(path)
    assert "Nothing was changed" in str(info.value)
    assert path.read_bytes() == content and not damaged_path_for(path).exists()


def test_a_log_of_the_earlier_version_with_a_damaged_row_keeps_working(tmp_path):
    path = tmp_path / "attendance.csv"
    rows = [f"e-{i},p-{i},Ann {i},2026-03-02T09:0{i}:00+01:00,kiosk-1,0.3{i},in\n".encode() for i in range(4)]
    rows[1] = rows[1].replace(b"2026", b'"026')
    path.write_bytes(OLD_HEADER + b"".join(rows))
    with AttendanceLog(path) as log:
        log.append(_checkins(1)[0])
    ids = [r["event_id"] for r, _ in read_rows(path)]
    assert ids[:3] == ["e-0", "e-2", "e-3"] and len(ids) == 4
    assert damaged_path_for(path).read_bytes() == rows[1]
