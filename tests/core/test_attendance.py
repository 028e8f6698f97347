"""The attendance CSV: durable appends, torn-line repair, header checks, round-trips, offsets."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.core.attendance import HEADER, AttendanceLog, read_rows, row_to_checkin
from kiosk.core.types import CheckIn, Direction
from kiosk.errors import AttendanceLogError

TZ = timezone(timedelta(hours=2))


def checkin(name: str = "Ada Lovelace", **kw) -> CheckIn:
    fields = dict(
        event_id=str(uuid.uuid4()),
        person_id="p-1",
        name=name,
        timestamp=datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=TZ),
        kiosk_id="kiosk-1",
        distance=0.3817,
        direction=Direction.IN,
    )
    fields.update(kw)
    return CheckIn(**fields)


def test_new_log_has_exactly_the_header(tmp_path):
    path = tmp_path / "a" / "attendance.csv"
    AttendanceLog(path).close()
    assert path.read_bytes() == b"event_id,person_id,name,timestamp,kiosk_id,distance,direction,method,voids,reason\n"


def test_pin_checkins_and_voids_read_back_with_their_method_and_target(tmp_path):
    path = tmp_path / "attendance.csv"
    first = checkin(method="pin")
    void = checkin(event_id="void-1", voids=first.event_id, reason="not_me", distance=0.0)
    with AttendanceLog(path) as log:
        log.append(first)
        log.append(void)
    read = [row_to_checkin(r) for r, _ in read_rows(path)]
    assert read == [first, void]
    assert read[0].method == "pin" and not read[0].is_void
    assert read[1].is_void and read[1].voids == first.event_id and read[1].method == "face"


def test_a_log_of_the_old_version_gets_the_new_header_and_keeps_its_rows_and_sync_offset(tmp_path):
    path = tmp_path / "attendance.csv"
    old_header = b"event_id,person_id,name,timestamp,kiosk_id,distance,direction\n"
    old_row = b"e-1,p-1,Ann,2026-03-02T09:00:00+01:00,kiosk-1,0.31,in\n"
    path.write_bytes(old_header + old_row + old_row.replace(b"e-1", b"e-2"))
    progress = tmp_path / "attendance.sync.json"
    progress.write_text(json.dumps({"offset": len(old_header) + len(old_row), "count": 1, "rejected": 0}))
    with AttendanceLog(path) as log:
        log.append(checkin(event_id="e-3", method="badge"))
    data = path.read_bytes()
    assert data.startswith(HEADER) and data.count(b"\n") == 4
    rows = [row_to_checkin(r) for r, _ in read_rows(path)]
    assert [(c.event_id, c.method) for c in rows] == [("e-1", "face"), ("e-2", "face"), ("e-3", "badge")]
    offset = json.loads(progress.read_text())["offset"]
    assert [r["event_id"] for r, _ in read_rows(path, offset)] == ["e-2", "e-3"]  # nothing re-sent, nothing skipped


def test_appended_checkins_read_back_identically(tmp_path):
    names = ["Smith, John", 'Zoë "Z" Ünal', "Line\nBreak", "Carriage\r\nReturn", "", "  spaced  ", 'é,"\n']
    written = [checkin(name, direction=Direction.OUT if i % 2 else Direction.IN) for i, name in enumerate(names)]
    with AttendanceLog(tmp_path / "a.csv") as log:
        for c in written:
            log.append(c)
    read = [row_to_checkin(row) for row, _ in read_rows(tmp_path / "a.csv")]
    assert read == written
    assert read[0].timestamp.utcoffset() == timedelta(hours=2)


def test_offsets_let_a_reader_resume_exactly_where_it_stopped(tmp_path):
    with AttendanceLog(tmp_path / "a.csv") as log:
        ends = [log.append(checkin(f"name {i}\nx")) for i in range(5)]
    rows = list(read_rows(tmp_path / "a.csv"))
    assert [end for _, end in rows] == ends
    rest = list(read_rows(tmp_path / "a.csv", rows[1][1]))
    assert [r for r, _ in rest] == [r for r, _ in rows[2:]]
    assert rows[-1][1] == (tmp_path / "a.csv").stat().st_size


def test_torn_last_line_is_removed_on_open_and_logged(tmp_path, caplog):
    path = tmp_path / "a.csv"
    with AttendanceLog(path) as log:
        first = checkin()
        log.append(first)
    intact = path.read_bytes()
    with open(path, "ab") as fh:
        fh.write(b'2f1c,p-2,"Half a na')  # the power went out mid-write
    with caplog.at_level(logging.WARNING):
        with AttendanceLog(path) as log:
            second = checkin("After")
            log.append(second)
    assert "torn" in caplog.text
    assert path.read_bytes().startswith(intact)
    assert [row_to_checkin(r) for r, _ in read_rows(path)] == [first, second]


def test_torn_record_inside_a_quoted_newline_is_removed(tmp_path):
    path = tmp_path / "a.csv"
    with AttendanceLog(path) as log:
        log.append(checkin())
    intact = path.read_bytes()
    with open(path, "ab") as fh:
        fh.write(b'id,p-2,"First line\nsecond')  # ends after a newline, but inside the quotes
    AttendanceLog(path).close()
    assert path.read_bytes() == intact


def test_torn_header_is_rewritten(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"event_id,per")
    AttendanceLog(path).close()
    assert path.read_bytes() == HEADER


def test_reader_ignores_a_row_still_being_written(tmp_path):
    path = tmp_path / "a.csv"
    with AttendanceLog(path) as log:
        log.append(checkin())
    with open(path, "ab") as fh:
        fh.write(b"abc,p-2,partial")
    assert len(list(read_rows(path))) == 1


def test_a_file_with_another_header_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,who,when\n1,2,3\n")
    with pytest.raises(AttendanceLogError, match="header"):
        AttendanceLog(path)
    assert path.read_text() == "id,who,when\n1,2,3\n"


def test_naive_timestamp_is_refused(tmp_path):
    with AttendanceLog(tmp_path / "a.csv") as log, pytest.raises(AttendanceLogError, match="offset"):
        log.append(checkin(timestamp=datetime(2024, 5, 1, 8, 0)))


def test_append_after_close_is_an_error(tmp_path):
    log = AttendanceLog(tmp_path / "a.csv")
    log.close()
    with pytest.raises(AttendanceLogError, match="closed"):
        log.append(checkin())


def test_concurrent_appends_never_interleave(tmp_path):
    log = AttendanceLog(tmp_path / "a.csv")
    written: list[CheckIn] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(50):
            c = checkin(f"thread {n}, row {i}\n" + "x" * 300)
            log.append(c)
            with lock:
                written.append(c)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    read = [row_to_checkin(r) for r, _ in read_rows(tmp_path / "a.csv")]
    assert sorted(read, key=lambda c: c.event_id) == sorted(written, key=lambda c: c.event_id)
