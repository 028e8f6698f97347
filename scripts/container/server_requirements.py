"""Print the server image's requirements: pyproject's dependencies less the kiosk-only ones, plus its build backend.

The kiosk needs the camera, vision and Qt packages; the server image does not. scripts/lock.sh feeds this
to pip-compile to make requirements-server.lock, which the Dockerfile installs with --require-hashes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

KIOSK_ONLY = {"dlib-bin", "face-recognition-models", "numpy", "opencv-python-headless", "pyside6-essentials"}


def server_requirements(pyproject: Path) -> list[str]:
    """Return the requirement strings the server image installs from ``pyproject``."""
    data = tomllib.loads(pyproject.read_text())
    deps = [dep for dep in data["project"]["dependencies"] if _name(dep) not in KIOSK_ONLY]
    # The build backend too (setuptools): the image installs the project with --no-build-isolation, so
    # the backend is pinned and hash-checked like everything else.
    # redis needs async-timeout on Python < 3.11.3 (Debian 12's python3 is 3.11.2), and pip-compile drops
    # a marker that the locking interpreter does not match: ask for it unconditionally (it is tiny).
    return deps + list(data["build-system"]["requires"]) + ["async-timeout>=4.0.3"]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower()


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2]
    print("\n".join(server_requirements(root / "pyproject.toml")))
