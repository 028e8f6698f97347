"""Helpers shared by the tests: what to do when a service or the shared data is missing.

On a developer's laptop a missing service or data set skips the test with a loud reason; under CI
(``CI=true``) it fails, so that a broken install step can never hide behind a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: object, reason: str) -> None:
    """Skip (developer machine) or fail (CI) the current test unless ``condition`` holds."""
    if condition:
        return
    message = f"MISSING PREREQUISITE: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true, so this is a failure, not a skip)")
    pytest.skip(message)


def face_data_dir() -> Path:
    """The shared face data: ``FACE_DATA_DIR`` or ``../shared/data/faces`` from the project root."""
    return Path(os.environ.get("FACE_DATA_DIR", ROOT.parent / "shared" / "data" / "faces"))


def require_face_data() -> Path:
    root = face_data_dir()
    require((root / "identities").is_dir(), f"shared face data not found at {root} (set FACE_DATA_DIR)")
    return root


def require_binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    require(path, f"the program {name!r} is not installed (bootstrap.sh installs it)")
    return str(path)
