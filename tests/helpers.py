"""Helpers shared by the tests: what to do when a service or the shared data is missing.

On a developer's laptop a missing service or data set skips the test with a loud reason; under CI
(``CI=true``) it fails, so that a broken install step can never hide behind a skip.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
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


def require_posix() -> None:
    """For tests of file permissions: skip on a developer's Windows machine, fail under CI (which is Linux)."""
    require(os.name == "posix", "POSIX file permissions (this test checks file modes)")


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


_PORTS_GIVEN: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback TCP port that is free now and stays free until a test's server binds it.

    ``bind(0)`` would hand out a port from the kernel's ephemeral range, the same range the kernel takes
    local ports of outgoing connections from: an exporter connecting to PostgreSQL can take that port
    before the server the test meant it for starts, and the server fails with "address already in use"
    (seen in CI with Prometheus, the last process of the stack to start). So the port comes from below
    the ephemeral range, is never handed out twice in one test run, and is checked free by binding it.
    """
    low, _ = _ephemeral_range()
    floor = 20000 if low > 21000 else 1024
    for _ in range(200):
        port = random.randrange(floor, low)
        if port in _PORTS_GIVEN:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _PORTS_GIVEN.add(port)
        return port
    raise RuntimeError(f"no free loopback port found between {floor} and {low}")
