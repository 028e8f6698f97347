"""The lock files: every dependency pinned with hashes, and in step with pyproject.toml."""

from __future__ import annotations

import re
import sys

import pytest

from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts" / "container"))
from server_requirements import KIOSK_ONLY, server_requirements  # noqa: E402

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(lock: str) -> dict[str, list[str]]:
    """name -> hashes, from a pip-compile --generate-hashes file."""
    pins: dict[str, list[str]] = {}
    current = None
    for line in (ROOT / lock).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            current = _norm(match.group(1))
            pins[current] = []
        elif current and (hashed := re.search(r"--hash=sha256:([0-9a-f]{64})", line)):
            pins[current].append(hashed.group(1))
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _name(requirement: str) -> str:
    return _norm(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])


def _applies(requirement: str) -> bool:
    marker = requirement.split(";", 1)[1] if ";" in requirement else ""
    return "python_version < '3.11'" not in marker


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-server.lock"])
def test_every_pin_has_hashes(lock):
    pins = _pins(lock)
    assert len(pins) > 10
    assert all(pins.values()), [name for name, hashes in pins.items() if not hashes]


def test_the_lock_covers_every_dependency_of_pyproject():
    wanted = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"]
    wanted += PYPROJECT["project"]["optional-dependencies"]["build"]
    missing = sorted({_name(r) for r in wanted if _applies(r)} - set(_pins("requirements.lock")))
    assert not missing, f"{missing} not in requirements.lock: run scripts/lock.sh and commit the lock"


def test_the_server_lock_covers_the_server_and_leaves_the_kiosk_out():
    pins = _pins("requirements-server.lock")
    wanted = {_name(r) for r in server_requirements(ROOT / "pyproject.toml") if _applies(r)}
    missing = sorted(wanted - set(pins))
    assert not missing, f"{missing} not in requirements-server.lock: run scripts/lock.sh and commit the lock"
    assert not (set(pins) & KIOSK_ONLY), "the server image would carry the kiosk's camera/vision/Qt packages"


def test_the_image_ci_and_bootstrap_install_from_the_locks():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements-server.lock" in dockerfile
    bootstrap = (ROOT / "bootstrap.sh").read_text()
    assert "requirements.lock" in bootstrap
    workflow = (ROOT / ".github" / "workflows" / "ci-cd.yml").read_text()
    assert "requirements.lock" in workflow
