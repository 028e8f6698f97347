"""The kiosk started on damaged or foreign files says what is wrong and the way back, with no traceback,
and changes nothing (issue 12.4 and 12.9)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kiosk.core.secrets import MAGIC
from tests.helpers import ROOT


@pytest.mark.parametrize("damage", ["gallery", "attendance"])
def test_the_kiosk_refuses_to_start_on_a_damaged_file_with_a_sentence_not_a_traceback(tmp_path, face_data, damage):
    (tmp_path / "g").mkdir()
    key = tmp_path / "gallery.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    if damage == "gallery":
        target, content = tmp_path / "g" / "gallery.npz", MAGIC + b"\x00\x01"
    else:
        target, content = tmp_path / "att.csv", b"Shopping list\n\"milk\nbread\n"
    target.write_bytes(content)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-m", "kiosk", "run", "--source", str(face_data / "video" / "crowd_walking_800x450.mp4"),
         "--gallery", str(tmp_path / "g"), "--key-file", str(key), "--attendance", str(tmp_path / "att.csv"),
         "--exit-at-end", "--max-seconds", "20", "--no-liveness"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert r.returncode == 1, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert str(target) in r.stderr
    assert ("backup" in r.stderr) if damage == "gallery" else ("not an attendance log" in r.stderr)
    assert target.read_bytes() == content
