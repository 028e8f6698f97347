"""Kiosk retention: exactly the synced rows past the period go, the sync offset stays right."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import numpy as np

from kiosk.core.attendance import AttendanceLog, read_rows
from kiosk.core.gallery import GalleryStore
from kiosk.core.retention import RetentionPolicy, purge_checkins, run_retention
from kiosk.core.sync_progress import Progress, load_progress, save_progress
from kiosk.core.types import CheckIn, Direction

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=timezone.utc)


def _checkin(days_ago: float, person="p-1") -> CheckIn:
    ts = (NOW - timedelta(days=days_ago)).astimezone(timezone(timedelta(hours=2)))
    return CheckIn(str(uuid.uuid4()), person, "Ada, \"the\" first", ts, "k1", 0.4, Direction.IN)


def _write(path, checkins):
    ends = []
    with AttendanceLog(path) as log:
        for c in checkins:
            ends.append(log.append(c))
    return ends


def test_purge_removes_only_synced_rows_past_the_period_and_moves_the_offset(tmp_path):
    csv, state = tmp_path / "attendance.csv", tmp_path / "sync.json"
    rows = [_checkin(40), _checkin(30.001), _checkin(29.999), _checkin(35), _checkin(50), _checkin(1)]
    ends = _write(csv, rows)
    save_progress(state, Progress(offset=ends[3], count=4, rejected=1))  # rows 0-3 synced; 4 (old) and 5 not

    assert purge_checkins(csv, state, NOW, 30) == 3

    left = [r["event_id"] for r, _ in read_rows(csv)]
    assert left == [rows[i].event_id for i in (2, 4, 5)]  # the unsynced old row stays
    progress = load_progress(state)
    assert progress.count == 1 and progress.rejected == 1
    after_offset = [r["event_id"] for r, _ in read_rows(csv, progress.offset)]
    assert after_offset == [rows[4].event_id, rows[5].event_id]  # the sync client resumes exactly there
    assert purge_checkins(csv, state, NOW, 30) == 0
    with AttendanceLog(csv) as log:  # still a valid log that takes new rows
        log.append(_checkin(0))
    assert len(list(read_rows(csv))) == 4


def test_nothing_is_purged_when_retention_is_off_or_nothing_is_synced(tmp_path):
    csv, state = tmp_path / "attendance.csv", tmp_path / "sync.json"
    _write(csv, [_checkin(400), _checkin(300)])
    before = csv.read_bytes()
    assert purge_checkins(csv, state, NOW, 0) == 0
    assert purge_checkins(csv, state, NOW, 30) == 0  # no progress file: nothing is synced
    assert csv.read_bytes() == before


def test_templates_of_people_not_seen_go_with_their_photos(tmp_path):
    store = GalleryStore(tmp_path / "gallery")
    v = np.ones((1, 128), np.float32)
    for pid in ("seen", "gone", "fresh"):
        store.add_person(pid, v, person_id=pid)
    with store.edit() as g:  # enrolled long ago, except "fresh"
        from dataclasses import replace

        recent = (NOW - timedelta(days=5)).isoformat()
        g.people[:] = [replace(p, enrolled_at=recent if p.person_id == "fresh" else "2023-01-01T00:00:00+00:00")
                       for p in g.people]  # fmt: skip
    store.photos_dir("gone").mkdir(parents=True)
    csv, state = tmp_path / "attendance.csv", tmp_path / "sync.json"
    ends = _write(csv, [_checkin(200, "gone"), _checkin(10, "seen")])
    save_progress(state, Progress(ends[-1], 2))

    result = run_retention(RetentionPolicy(checkin_days=90, template_days=180), csv, state, store, NOW)
    assert result.checkins == 1 and result.people == ("gone",)
    assert {p.person_id for p in store.load().people} == {"seen", "fresh"}
    assert not store.photos_dir("gone").exists()
    # "seen"'s check-in is purged later, but its last-seen time survives in last_seen.json
    result = run_retention(RetentionPolicy(checkin_days=5, template_days=180), csv, state, store, NOW)
    assert result.checkins == 1 and result.people == ()


def test_policy_from_env():
    assert RetentionPolicy.from_env({"RETENTION_CHECKIN_DAYS": "30"}) == RetentionPolicy(30, 0)


def test_a_csv_of_the_earlier_version_is_purged_too(tmp_path):
    from kiosk.core.attendance import OLD_HEADER

    csv = tmp_path / "att.csv"
    old = (NOW - timedelta(days=40)).isoformat()
    new = (NOW - timedelta(days=1)).isoformat()
    rows = [f"e-1,p-1,Ann,{old},k1,0.3,in\n".encode(), f"e-2,p-1,Ann,{new},k1,0.3,in\n".encode()]
    csv.write_bytes(OLD_HEADER + b"".join(rows))
    state = tmp_path / "att.sync.json"
    save_progress(state, Progress(csv.stat().st_size, 2, 0))
    assert purge_checkins(csv, state, NOW, 30) == 1
    assert csv.read_bytes() == OLD_HEADER + rows[1]
    assert load_progress(state) == Progress(csv.stat().st_size, 1, 0)
