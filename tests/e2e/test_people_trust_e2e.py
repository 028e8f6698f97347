"""The kiosk side of issue 12's people points, against a live gunicorn server with real scoped tokens:
a kiosk's own retention never erases anyone elsewhere (12.2), a pulled erasure beats an unpushed local
edit (12.3), and a 403 is recorded and said once instead of failing every sync (12.1, CONTRACTS.md C2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import requests

from kiosk.core.gallery import Consent, GalleryStore
from kiosk.core.retention import LAST_SEEN_FILE, RetentionPolicy, run_retention
from kiosk.core.secrets import Sealer
from kiosk.link.people import PeopleSync, may_change, may_enrol
from tests.server.live import cli, start_server

CONSENT = Consent("admin", "2024-05-01T08:00:00+02:00", "Attendance by face recognition.")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("trust-live")
    live = start_server(root, {"DATABASE_URL": f"sqlite:///{root / 'live.db'}"})
    live.door2 = cli(live.env, "kiosk", "add", "--enrol", "door-2").strip().splitlines()[-1]
    live.lobby = cli(live.env, "kiosk", "add", "lobby").strip().splitlines()[-1]  # check-in only
    yield live
    live.stop()


class Kiosk:
    def __init__(self, root, name, server, token):
        self.store = GalleryStore(root / name / "gallery", sealer=Sealer(root / name / "gallery.key"))
        self.state = root / name / "people_sync.json"
        self.sync = PeopleSync(self.store, server.url, token, self.state)

    def ids(self) -> set[str]:
        return {p.person_id for p in self.store.load().people}


def _vectors(seed, n=2):
    v = np.random.default_rng(seed).normal(size=(n, 128)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _server_people(server) -> set[str]:
    headers = {"Authorization": f"Bearer {server.admin_token}"}
    answer = requests.get(f"{server.url}/api/v1/people", headers=headers, timeout=10)
    return {p["person_id"] for p in answer.json()["people"]}


def test_a_kiosks_own_template_retention_never_erases_the_person_elsewhere(server, tmp_path):
    a, b = Kiosk(tmp_path, "a", server, server.kiosk_token), Kiosk(tmp_path, "b", server, server.door2)
    a.store.add_person("Grace Hopper", _vectors(1), person_id="grace", consent=CONSENT)
    a.sync.run_once()
    b.sync.run_once()
    assert "grace" in b.ids()
    later = datetime.now(timezone.utc) + timedelta(days=400)  # nobody saw Grace at kiosk A for a year
    result = run_retention(RetentionPolicy(template_days=30), tmp_path / "a" / "att.csv", tmp_path / "a" / "s.json",
                           a.store, later)  # fmt: skip
    assert result.people == ("grace",) and "grace" not in a.ids()
    assert (a.store.root / LAST_SEEN_FILE).exists()
    report = a.sync.run_once()
    assert report.deleted == 0
    assert "grace" in _server_people(server)
    b.sync.run_once()
    assert "grace" in b.ids()
    assert a.sync.run_once() == a.sync.run_once()  # nothing pending: no erasure later either
    assert "grace" in _server_people(server)


def test_an_erasure_pulled_from_the_server_beats_an_unpushed_local_edit(server, tmp_path):
    a, b = Kiosk(tmp_path, "a", server, server.kiosk_token), Kiosk(tmp_path, "b", server, server.door2)
    a.store.add_person("Alan Turing", _vectors(2), person_id="alan", consent=CONSENT)
    a.sync.run_once()
    b.sync.run_once()
    b.store.rename("alan", "Alan M. Turing")  # edited at B, not pushed yet
    a.store.remove("alan")
    assert a.sync.run_once().deleted == 1  # A enrolled Alan: its erasure is allowed
    report = b.sync.run_once()
    assert report.removed == 1 and report.pushed == 0
    assert "alan" not in b.ids() and "alan" not in _server_people(server)
    b.sync.run_once()
    assert "alan" not in b.ids() and "alan" not in _server_people(server)


def test_a_forbidden_people_change_is_recorded_and_said_once_and_dialogs_can_ask_first(server, tmp_path):
    a = Kiosk(tmp_path, "a", server, server.kiosk_token)
    lobby = Kiosk(tmp_path, "lobby", server, server.lobby)
    a.store.add_person("Ada Lovelace", _vectors(3), person_id="ada", consent=CONSENT)
    a.sync.run_once()
    a.sync.run_once()  # the pull tells A the name the server knows it by
    assert may_change(a.state, "ada", "kiosk-1").allowed

    lobby.store.add_person("Local Only", _vectors(4), person_id="local", consent=CONSENT)
    report = lobby.sync.run_once()  # PUT answers 403: recorded, no exception, no retry loop
    assert report.pushed == 0 and report.skipped == 1 and "ada" in lobby.ids()
    assert "enrol" in lobby.sync.notice and "lobby" in lobby.sync.notice
    assert lobby.sync.run_once().skipped == 0  # not sent again
    verdict = may_change(lobby.state, "ada", "lobby")
    assert not verdict.allowed and "Enrolled at kiosk-live" in verdict.message
    assert not may_change(lobby.state, "local", "lobby").allowed
    assert "local" not in _server_people(server) and "local" in lobby.ids()
    assert not may_enrol(lobby.state).allowed and "enrol" in may_enrol(lobby.state).message
    assert may_enrol(a.state).allowed
