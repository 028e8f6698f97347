"""The admin corner says plainly when the server would refuse a change (issue 12.1, CONTRACTS.md C2), and the
status strip names the side files where data was set aside (issue 12.4, 12.5)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kiosk.core.gallery import GalleryStore
from kiosk.link.people import may_change
from kiosk.qt.people_dialog import PeopleDialog
from kiosk.qt.status_strip import StatusStrip


@pytest.fixture
def store(tmp_path):
    store = GalleryStore(tmp_path / "g")
    for i, (pid, name) in enumerate((("ada", "Ada Lovelace"), ("own", "Own Person"))):
        store.add_person(name, np.random.default_rng(i).normal(size=(1, 128)).astype(np.float32), person_id=pid)
    return store


def test_the_people_dialog_refuses_to_change_someone_enrolled_at_another_kiosk(qtbot, store, tmp_path):
    state = tmp_path / "people_sync.json"  # what the people pull learnt: Ada was enrolled at door-2
    state.write_text(json.dumps({"cursor": 5, "known": {}, "owners": {"ada": "door-2", "own": "door-1"},
                                 "names": ["door-1"]}))  # fmt: skip
    dlg = PeopleDialog(store, may_change=lambda pid: may_change(state, pid, "door-1"))
    qtbot.addWidget(dlg)
    assert not dlg.rename_person("ada", "Mallory")
    assert "Enrolled at door-2: ask an administrator" in dlg.error_label.text()
    assert not dlg.delete_person("ada")
    assert store.load().person("ada").name == "Ada Lovelace"
    assert dlg.rename_person("own", "Own P.") and store.load().person("own").name == "Own P."


def test_the_status_strip_names_the_side_files(qtbot, tmp_path):
    strip = StatusStrip("door-1")
    qtbot.addWidget(strip)
    strip.set_notices()
    assert strip.notice.isHidden()
    strip.set_notices(damaged=(1, str(tmp_path / "attendance.damaged.csv")), held=(2, str(tmp_path / "a.sync.held")),
                      people="Server refused a people change: enrolled at door-2")  # fmt: skip
    text = strip.notice.text()
    assert not strip.notice.isHidden()
    assert "1 damaged CSV row(s) set aside in attendance.damaged.csv" in text and "a.sync.held" in text
    assert "door-2" in text and str(tmp_path / "attendance.damaged.csv") in strip.notice.toolTip()


def test_enrolment_is_refused_up_front_once_the_server_said_this_kiosk_may_not_enrol(tmp_path):
    from kiosk.core.config import KioskConfig
    from kiosk.qt.admin import enrol_permission

    config = KioskConfig(gallery=str(tmp_path / "g"), attendance=str(tmp_path / "a.csv"), server_url="http://srv")
    assert enrol_permission(config).allowed
    config.paths().people_sync_state.parent.mkdir(parents=True)
    config.paths().people_sync_state.write_text(json.dumps(
        {"cursor": 1, "known": {}, "enrol_refused": "kiosk lobby may check people in but not enrol"}))
    verdict = enrol_permission(config)
    assert not verdict.allowed and "may not enrol" in verdict.message and "lobby" in verdict.message
    assert enrol_permission(KioskConfig(gallery=str(tmp_path / "g"))).allowed  # stand-alone kiosk
