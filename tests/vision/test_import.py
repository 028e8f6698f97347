"""`python -m kiosk import`: bulk enrolment as an admin runs it (real processes, real photos, JSON lines)."""

import json
import os
import subprocess
import sys

import pytest

from tests.vision.conftest import photo

pytestmark = pytest.mark.slow


def kiosk(*args, tmp_path):
    env = dict(os.environ, KIOSK_KEY_FILE=str(tmp_path / "gallery.key"))
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, timeout=600)


def people_folder(face_data, root):
    """Two people from the shared photos (symlinked, never copied), one unusable folder."""
    for folder, person in (("obama", "Barack_Obama"), ("biden", "Joseph_Biden")):
        (root / folder).mkdir(parents=True)
        for n in (1, 2):
            (root / folder / f"{n}.jpg").symlink_to(photo(face_data, person, n))
    (root / "nobody").mkdir()
    (root / "nobody" / "broken.jpg").write_bytes(b"not an image")
    (root / "people.csv").write_text("folder,person_id,name,employee_no\nobama,E-44,Barack Obama,44\n")
    return root


def test_import_enrols_everyone_once_reports_each_person_and_resumes(face_data, tmp_path):
    src = people_folder(face_data, tmp_path / "staff")
    gallery = tmp_path / "gallery"
    args = ("import", "--gallery", str(gallery), "--consent-by", "hr", "--jitter", "0", "--workers", "2", str(src))
    r = kiosk(*args, tmp_path=tmp_path)
    lines = {x["folder"]: x for x in map(json.loads, r.stdout.splitlines())}
    assert r.returncode == 1, r.stderr  # one person could not be enrolled
    assert set(lines) == {"obama", "biden", "nobody"}
    assert lines["obama"]["status"] == "enrolled" and lines["obama"]["person_id"] == "E-44"
    assert lines["obama"]["name"] == "Barack Obama" and len(lines["obama"]["accepted"]) == 2
    assert lines["biden"]["status"] == "enrolled" and lines["biden"]["person_id"] == "biden"
    assert lines["nobody"]["status"] == "failed" and lines["nobody"]["rejected"][0]["reason"]
    assert "2 enrolled" in r.stderr

    listed = kiosk("people", "--gallery", str(gallery), tmp_path=tmp_path)
    people = {p["person_id"]: p for p in map(json.loads, listed.stdout.splitlines())}
    assert set(people) == {"E-44", "biden"} and people["E-44"]["employee_no"] == "44"
    assert people["E-44"]["embeddings"] == 2 and people["E-44"]["consent"]

    probe = photo(face_data, "Barack_Obama", 4)
    found = json.loads(kiosk("identify", "--gallery", str(gallery), str(probe), tmp_path=tmp_path).stdout)
    assert found["faces"][0]["person_id"] == "E-44"

    again = kiosk(*args, tmp_path=tmp_path)
    statuses = {x["folder"]: x["status"] for x in map(json.loads, again.stdout.splitlines())}
    assert statuses == {"obama": "skipped", "biden": "skipped", "nobody": "failed"}


def test_import_refuses_without_consent_or_folder(tmp_path):
    r = kiosk("import", "--gallery", str(tmp_path / "g"), str(tmp_path), tmp_path=tmp_path)
    assert r.returncode == 2 and "--consent-by" in r.stderr
    r = kiosk("import", "--gallery", str(tmp_path / "g"), "--consent-by", "hr", str(tmp_path / "missing"),
              tmp_path=tmp_path)
    assert r.returncode == 2 and "not a folder" in r.stderr
