"""Two kiosks share people through a live gunicorn server: enrol on A reaches B; delete on A erases on B."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import numpy as np
import pytest
import requests

from kiosk.core.gallery import Consent, GalleryStore
from kiosk.core.secrets import Sealer
from kiosk.link.people import PeopleSync
from tests.helpers import ROOT
from tests.server.live import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("people-live")
    live = start_server(root, {"DATABASE_URL": f"sqlite:///{root / 'live.db'}"})
    yield live
    live.stop()


def _kiosk(root, name):
    store = GalleryStore(root / name / "gallery", sealer=Sealer(root / name / "keys" / "gallery.key"))
    return store


def _vectors(seed, n=3):
    v = np.random.default_rng(seed).normal(size=(n, 128)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _db_embedding_owners(server) -> list[str]:
    with sqlite3.connect(f"file:{server.root / 'live.db'}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT person_id FROM embeddings")]


def test_enrol_on_a_reaches_b_and_delete_on_a_erases_everywhere(server, tmp_path):
    a, b = _kiosk(tmp_path, "a"), _kiosk(tmp_path, "b")
    sync_a = PeopleSync(a, server.url, server.kiosk_token, tmp_path / "a" / "people_sync.json")
    sync_b = PeopleSync(b, server.url, server.kiosk_token, tmp_path / "b" / "people_sync.json")
    consent = Consent("admin", "2024-05-01T08:00:00+02:00", "Attendance by face recognition.")
    vectors = _vectors(1)
    a.add_person("Ada Lovelace", vectors, person_id="ada", consent=consent, keep_photos=True)
    photos_b = b.photos_dir("ada")

    assert sync_a.run_once().pushed == 1
    assert sync_b.run_once().pulled == 1
    got = b.load()
    assert got.person("ada").name == "Ada Lovelace" and got.person("ada").consent == consent
    np.testing.assert_array_equal(got.embeddings_of("ada"), vectors)
    assert a.path.read_bytes() != b.path.read_bytes()  # each kiosk seals with its own key
    assert sync_a.run_once().pulled == 0 and sync_b.run_once().pushed == 0  # nothing echoes back

    photos_b.mkdir(parents=True)
    (photos_b / "1.jpg").write_bytes(b"jpeg")
    a.rename("ada", "Ada King")
    sync_a.run_once()
    sync_b.run_once()
    assert b.load().person("ada").name == "Ada King" and photos_b.exists()

    a.remove("ada")
    assert sync_a.run_once().deleted == 1
    assert sync_b.run_once().removed == 1
    assert [p.person_id for p in b.load().people] == [] and not photos_b.exists()
    headers = {"Authorization": f"Bearer {server.kiosk_token}"}
    changes = requests.get(f"{server.url}/api/v1/people/changes?since=0", headers=headers, timeout=10).json()
    assert changes["upserts"] == [] and "ada" in changes["deletions"]
    assert "ada" not in _db_embedding_owners(server)


def test_people_without_consent_stay_on_their_kiosk(server, tmp_path):
    a = _kiosk(tmp_path, "a")
    a.add_person("No Consent", _vectors(2, 1), person_id="nocon")
    report = PeopleSync(a, server.url, server.kiosk_token, tmp_path / "s.json").run_once()
    assert report.skipped == 1 and report.pushed == 0
    assert "nocon" not in _db_embedding_owners(server)


def test_sync_people_command(server, tmp_path):
    b = _kiosk(tmp_path, "b")
    b.add_person("Cli Person", _vectors(3, 1), person_id="cli-1",
                 consent=Consent("admin", "2024-05-01T08:00:00+00:00", "text"))  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "sync-people", "--gallery", str(b.root), "--key-file",
         str(tmp_path / "b" / "keys" / "gallery.key"), "--server", server.url, "--token", server.kiosk_token],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert '"pushed": 1' in out.stdout
    assert (b.root / "people_sync.json").exists()
