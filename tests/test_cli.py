"""The command line (kiosk/cli.py) as a user runs it: real processes, real photos, JSON out."""

import json
import os
import subprocess
import sys

import pytest

from tests.vision.conftest import photo

pytestmark = pytest.mark.slow


def kiosk(*args, env_extra=None, tmp_path=None):
    env = dict(os.environ)
    if tmp_path is not None:
        env["KIOSK_KEY_FILE"] = str(tmp_path / "gallery.key")
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def enrolled(face_data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    gallery = tmp / "gallery"
    for name, pid, photos in (("Barack Obama", "obama", (1, 2, 3)), ("Joe Biden", "biden", (1, 2))):
        r = kiosk("enroll", "--gallery", str(gallery), "--name", name, "--person-id", pid, "--jitter", "0",
                  "--consent-by", "admin",
                  *[str(photo(face_data, name.replace(" ", "_").replace("Joe", "Joseph"), n)) for n in photos],
                  tmp_path=tmp)
        assert r.returncode == 0, r.stderr
        summary = json.loads(r.stdout)
        assert summary["person_id"] == pid and summary["accepted"]
    return tmp, gallery


def test_identify_names_enrolled_people_and_leaves_strangers_unknown(enrolled, face_data):
    tmp, gallery = enrolled
    obama_probe = photo(face_data, "Barack_Obama", 4)
    stranger = next((face_data / "unknowns" / "Dan_Quayle").iterdir())
    r = kiosk("identify", "--gallery", str(gallery), str(obama_probe), str(stranger), tmp_path=tmp)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["image"] for x in lines] == [str(obama_probe), str(stranger)]
    assert lines[0]["faces"][0]["name"] == "Barack Obama" and lines[0]["faces"][0]["person_id"] == "obama"
    assert len(lines[0]["faces"][0]["box"]) == 4
    assert lines[1]["faces"] and all(f["name"] is None and f["person_id"] is None for f in lines[1]["faces"])


def test_identify_reports_a_broken_image_and_goes_on(enrolled, face_data, tmp_path):
    tmp, gallery = enrolled
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"not an image")
    good = photo(face_data, "Joseph_Biden", 3)
    r = kiosk("identify", "--gallery", str(gallery), str(bad), str(tmp_path / "missing.png"), str(good), tmp_path=tmp)
    assert r.returncode == 0
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert "error" in lines[0] and "error" in lines[1]
    assert lines[2]["faces"][0]["person_id"] == "biden"


def test_enroll_with_no_usable_photo_exits_2_with_reasons(tmp_path, face_data):
    bad = tmp_path / "x.jpg"
    bad.write_text("nope")
    r = kiosk("enroll", "--gallery", str(tmp_path / "g"), "--name", "Nobody", "--consent-by", "admin", str(bad),
              str(face_data / "group" / "fr_obama_and_biden.jpg"), tmp_path=tmp_path)
    assert r.returncode == 2
    assert "nothing was enrolled" in r.stderr
    summary = json.loads(r.stdout)
    assert len(summary["rejected"]) == 2 and summary["accepted"] == []
    assert not (tmp_path / "g" / "gallery.npz").exists()


def test_enroll_without_consent_exits_2_and_enrols_nobody(tmp_path, face_data):
    r = kiosk("enroll", "--gallery", str(tmp_path / "g"), "--name", "Barack Obama",
              str(photo(face_data, "Barack_Obama", 1)), tmp_path=tmp_path)
    assert r.returncode == 2 and "--consent-by is required" in r.stderr
    assert not (tmp_path / "g" / "gallery.npz").exists()


def test_enrolling_the_same_face_under_another_name_warns(enrolled, face_data, tmp_path):
    tmp, gallery = enrolled
    import shutil

    copy = tmp_path / "g"
    shutil.copytree(gallery, copy)
    r = kiosk("enroll", "--gallery", str(copy), "--name", "B. Obama", "--jitter", "0", "--consent-by", "admin",
              str(photo(face_data, "Barack_Obama", 4)), tmp_path=tmp)
    assert r.returncode == 0
    assert any("already matches Barack Obama" in w for w in json.loads(r.stdout)["warnings"])


def test_people_lists_and_removes(enrolled, tmp_path):
    tmp, gallery = enrolled
    import shutil

    copy = tmp_path / "g"
    shutil.copytree(gallery, copy)
    listed = [json.loads(x) for x in kiosk("people", "--gallery", str(copy), tmp_path=tmp).stdout.splitlines()]
    assert {p["person_id"] for p in listed} == {"obama", "biden"}
    assert all(p["embeddings"] >= 1 for p in listed)
    r = kiosk("people", "remove", "obama", "--gallery", str(copy), tmp_path=tmp)
    assert r.returncode == 0
    listed = [json.loads(x) for x in kiosk("people", "--gallery", str(copy), tmp_path=tmp).stdout.splitlines()]
    assert [p["person_id"] for p in listed] == ["biden"]
    r = kiosk("people", "remove", "obama", "--gallery", str(copy), tmp_path=tmp)
    assert r.returncode == 2 and "No person" in r.stderr


def test_self_test_passes_with_real_models():
    r = kiosk("--self-test")
    assert r.returncode == 0, r.stdout + r.stderr
    verdict = json.loads(r.stdout)
    assert verdict["ok"] is True and verdict["faces"] == 1


def test_self_test_fails_with_the_reason_when_models_are_missing(tmp_path):
    r = kiosk("--self-test", env_extra={"KIOSK_MODELS_DIR": str(tmp_path)})
    assert r.returncode == 1
    assert "shape_predictor_5_face_landmarks.dat" in json.loads(r.stdout)["error"]


def test_enroll_can_use_the_cnn_detector_for_photos(tmp_path, face_data):
    r = kiosk("enroll", "--gallery", str(tmp_path / "g"), "--name", "Barack Obama", "--consent-by", "admin",
              "--detector", "cnn", "--jitter", "0",
              str(face_data / "extras" / "resolution_series" / "obama-480p.jpg"), tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["embeddings_added"] == 1


def test_help_lists_every_command_including_run():
    r = kiosk("--help")
    assert r.returncode == 0
    for command in ("run", "enroll", "import", "identify", "people", "set-pin", "sync-people"):
        assert f"    {command} " in r.stdout, command
    run_help = kiosk("run", "--help")
    assert run_help.returncode == 0 and "--source" in run_help.stdout and "--threshold" in run_help.stdout
