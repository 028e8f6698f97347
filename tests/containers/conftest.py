"""Session fixtures for the container tests: the engine, the locally made images, the app image.

Every test here is marked ``containers``. The images are cached between runs (podman's vfs storage and the
mmdebstrap root filesystems live under ~/.cache/faceattend/containers), so only the first run pays for
mmdebstrap; the app image is rebuilt each session from the working tree, reusing podman's layer cache.
"""

from __future__ import annotations

import subprocess

import pytest

from tests.containers.engine import APP_IMAGE, APP_TAG, BASE_IMAGE, SCRIPTS, podman, require_engine
from tests.helpers import ROOT


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/containers/" in str(item.fspath):
            item.add_marker(pytest.mark.containers)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def engine():
    """The environment podman runs with (skips locally, fails under CI=true, without a working podman)."""
    return require_engine()


@pytest.fixture(scope="session")
def local_images(engine, pytestconfig):
    """The base and stand-in images, built from Debian's packages; says which ones were built locally."""
    result = subprocess.run(
        [str(SCRIPTS / "local-images.sh"), "all"], env=engine, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, result.stderr[-3000:]
    built = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if line.startswith("built-locally: ")]
    # straight to the terminal, past pytest's capture: the run's output says which images are stand-ins
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    say = reporter.write_line if reporter else print
    say("\nimages built locally from Debian packages (no registry reachable here):")
    for line in built:
        say(f"  {line}")
    assert len(built) == 5, result.stdout
    return built


@pytest.fixture(scope="session")
def app_image(engine, local_images):
    """The server image from this working tree's Dockerfile, on the locally made base."""
    image = f"{APP_IMAGE}:{APP_TAG}"
    podman(
        engine, "build", "--isolation", "chroot", "--format", "docker", "--layers",
        "--build-arg", f"PYTHON_IMAGE={BASE_IMAGE}", "-t", image, str(ROOT), timeout=1500,
    )  # fmt: skip
    return image
