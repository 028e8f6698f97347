"""The packaged kiosk, built with ``pyinstaller build.spec`` as CI builds it, works on its own.

Builds the Linux one-folder app into a temporary dist/work path (under CI=true always from clean; on a
developer machine a build in build/pytest-pyinstaller/ is reused while it is newer than the sources and the
installed packages), then runs the built executable: the self-test, enrolment and the kiosk on the Hamilton clip.
"""

from __future__ import annotations

import ast
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from tests.helpers import IN_CI, ROOT, require

pytestmark = pytest.mark.slow

HAMILTON = "video/hamilton_short_640x360.mp4"
SIZE_BUDGET_MB = 560  # 505 MB measured (docs/packaging.md); a jump past this means something big crept in


def _newest_input_mtime() -> float:
    inputs = [ROOT / "build.spec", Path(sysconfig.get_paths()["purelib"])]
    for folder in ("kiosk", "resources", "packaging"):
        inputs += [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return max(p.stat().st_mtime for p in inputs)


@pytest.fixture(scope="session")
def build(tmp_path_factory) -> Path:
    """The folder holding dist/ and work/ of a build of build.spec."""
    require(importlib.util.find_spec("PyInstaller"), "PyInstaller is not installed: pip install -e '.[build]'")
    if IN_CI:
        root = tmp_path_factory.mktemp("pyinstaller")
    else:
        root = ROOT / "build" / "pytest-pyinstaller"
        exe = root / "dist" / "kiosk" / "kiosk"
        if exe.is_file() and exe.stat().st_mtime > _newest_input_mtime():
            return root
        shutil.rmtree(root, ignore_errors=True)
    t0 = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(root / "dist"), "--workpath", str(root / "work"), str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
    sys.stderr.write(f"\npyinstaller build.spec: {time.monotonic() - t0:.0f} s\n")
    return root


@pytest.fixture(scope="session")
def app_dir(build) -> Path:
    folder = build / "dist" / "kiosk"
    assert (folder / "kiosk").is_file()
    return folder


def _bundled_models() -> tuple[str, ...]:
    for node in ast.parse((ROOT / "build.spec").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "BUNDLED_MODELS":
            return ast.literal_eval(node.value)
    raise AssertionError("build.spec assigns no BUNDLED_MODELS")


def run_built(app_dir: Path, tmp_path: Path, *args: str, timeout: int = 240, **env: str):
    """Run the built executable from outside the checkout, offscreen, with its settings in ``tmp_path``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "KIOSK_"))}
    full_env.update(QT_QPA_PLATFORM="offscreen", KIOSK_KEY_FILE=str(tmp_path / "gallery.key"),
                    KIOSK_CONFIG=str(tmp_path / "none.toml"), **env)
    return subprocess.run([str(app_dir / "kiosk"), *args], cwd=tmp_path, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_the_built_kiosk_passes_its_self_test(app_dir, tmp_path):
    r = run_built(app_dir, tmp_path, "--self-test")
    verdict = last_json(r.stdout)
    assert r.returncode == 0 and verdict["ok"] is True, (verdict, r.stderr[-2000:])
    assert verdict["frozen"] is True and verdict["faces"] == 1
    assert Path(verdict["models"]) == app_dir / "_internal" / "face_recognition_models" / "models"


def test_the_built_self_test_fails_with_the_reason_when_the_models_are_missing(app_dir, tmp_path):
    empty = tmp_path / "no-models"
    empty.mkdir()
    r = run_built(app_dir, tmp_path, "--self-test", KIOSK_MODELS_DIR=str(empty))
    verdict = last_json(r.stdout)
    assert r.returncode == 1 and verdict["ok"] is False
    assert "missing" in verdict["error"] and ".dat" in verdict["error"]


def test_the_built_kiosk_checks_in_miranda_from_the_hamilton_clip(app_dir, tmp_path, face_data):
    gallery = tmp_path / "gallery"
    r = run_built(app_dir, tmp_path, "enroll", "--gallery", str(gallery), "--key-file", str(tmp_path / "gallery.key"),
                  "--name", "Lin-Manuel Miranda", "--person-id", "miranda", "--consent-by", "packaging test",
                  str(face_data / "identities" / "Lin_Manuel_Miranda" / "1.png"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert last_json(r.stdout)["embeddings_added"] == 1

    attendance = tmp_path / "attendance.csv"
    r = run_built(app_dir, tmp_path, "run", "--source", str(face_data / HAMILTON), "--gallery", str(gallery),
                  "--attendance", str(attendance), "--exit-at-end", "--no-liveness", "--log-level", "WARNING")
    assert r.returncode == 0, r.stderr[-3000:]
    stats = last_json(r.stdout)
    assert stats["frames_shown"] > 200 and stats["frames_analysed"] > 0, stats
    with open(attendance, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [row["person_id"] for row in rows] == ["miranda"], rows
    assert stats["checkins"] == 1


def test_the_built_worker_starts_with_the_liveness_model(app_dir, tmp_path, face_data):
    """Liveness (on by default) makes the worker load the 68-point predictor from the bundle."""
    r = run_built(app_dir, tmp_path, "run", "--source", str(face_data / HAMILTON), "--gallery", str(tmp_path / "g"),
                  "--attendance", str(tmp_path / "a.csv"), "--exit-at-end", "--liveness", "--max-seconds", "3")
    assert r.returncode == 0, r.stderr[-3000:]
    assert last_json(r.stdout)["frames_analysed"] > 0


def test_the_build_leaves_out_dev_tools_the_server_and_unused_qt(build, app_dir):
    files = [p.relative_to(app_dir).as_posix() for p in app_dir.rglob("*")]
    models = app_dir / "_internal" / "face_recognition_models" / "models"
    assert sorted(p.name for p in models.iterdir()) == sorted(_bundled_models())
    unwanted = ("libQt6Qml",
                "libQt6Quick", "libQt6WebEngine", "libQt6Network", "libQt6OpenGL", "libQt6Wayland", "libQt63D",
                "plugins/platformthemes", "plugins/xcbglintegrations", "plugins/iconengines", "translations/",
                "libqwayland", "libqeglfs", "_tkinter", "libtk", "libgtk", "libcairo")
    assert [f for f in files if any(u in f for u in unwanted)] == []
    plugins = sorted(f.split("plugins/", 1)[1] for f in files if "/plugins/" in f and not f.endswith("/"))
    assert plugins == ["imageformats", "imageformats/libqjpeg.so", "platforminputcontexts",
                       "platforminputcontexts/libcomposeplatforminputcontextplugin.so", "platforms",
                       "platforms/libqoffscreen.so", "platforms/libqxcb.so"]

    pyz_toc = next((build / "work").glob("*/PYZ-00.toc"))
    modules = {entry[0] for entry in ast.literal_eval(pyz_toc.read_text())[1]}  # (pyz path, [entries])
    excluded = ("pytest", "_pytest", "hypothesis", "ruff", "skimage", "scipy", "matplotlib", "tkinter", "IPython",
                "flask", "werkzeug", "gunicorn", "sqlalchemy", "psycopg", "redis", "prometheus_client", "server",
                "PIL", "setuptools", "pip", "PySide6.QtNetwork", "PySide6.QtQml")
    leaked = sorted(m for m in modules if any(m == e or m.startswith(e + ".") for e in excluded))
    assert leaked == []
    assert {"requests", "cryptography", "kiosk.qt.app", "kiosk.vision.worker"} <= modules
    assert (app_dir / "_internal" / "cv2").is_dir()  # OpenCV's loader package is collected as files


def test_the_build_stays_within_its_size_budget(app_dir):
    size = sum(p.stat().st_size for p in app_dir.rglob("*") if p.is_file() and not p.is_symlink())
    assert size / 1e6 < SIZE_BUDGET_MB, f"dist/kiosk is {size / 1e6:.0f} MB (budget {SIZE_BUDGET_MB} MB)"
