"""The server image on its own: built by podman/buildah from the Dockerfile, run as the compose file runs it."""

from __future__ import annotations

import json
import secrets

import pytest
import requests

from tests.containers.engine import podman, wait_until
from tests.helpers import free_port

pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def running(engine, app_image):
    name = f"faceattend-image-test-{secrets.token_hex(3)}"
    volume = f"{name}-data"
    port = free_port()
    podman(
        engine, "run", "-d", "--name", name, "--read-only", "--tmpfs", "/tmp", "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges", "-v", f"{volume}:/data", "-p", f"127.0.0.1:{port}:8000",
        "-e", f"SECRET_KEY={secrets.token_hex(32)}", "-e", "WORKERS=2", app_image,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: requests.get(f"{url}/health", timeout=3).status_code == 200, 120, "the container's /health",
            on_fail=lambda: podman(engine, "logs", name, check=False).stderr[-3000:],
        )
        yield {"name": name, "url": url}
    finally:
        podman(engine, "rm", "--force", "--time", "5", name, check=False)
        podman(engine, "volume", "rm", "--force", volume, check=False)


def _exec(engine, running, *cmd: str):
    return podman(engine, "exec", running["name"], *cmd, check=False)


def test_the_image_runs_as_the_unprivileged_user(engine, app_image, running):
    config = json.loads(podman(engine, "image", "inspect", app_image).stdout)[0]["Config"]
    assert config["User"] == "10001:10001"
    assert _exec(engine, running, "id", "-u").stdout.strip() == "10001"
    # gunicorn's master and workers: every process of the container, not just the exec'd one
    top = podman(engine, "top", running["name"], "user", "args").stdout.splitlines()[1:]
    assert top and all(line.split()[0] in {"10001", "faceattend"} for line in top), top


def test_the_root_filesystem_is_read_only(engine, running):
    result = _exec(engine, running, "sh", "-c", "touch /opt/venv/planted")
    assert result.returncode != 0 and "Read-only file system" in result.stderr
    assert _exec(engine, running, "sh", "-c", "touch /tmp/ok && touch /data/ok").returncode == 0


def test_health_and_metrics_answer(running):
    health = requests.get(f"{running['url']}/health", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    metrics = requests.get(f"{running['url']}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert "http_requests_total" in metrics.text  # the /health request just made, counted in multiprocess mode


def test_the_entrypoint_created_the_embeddings_key_owner_only(engine, running):
    stat = _exec(engine, running, "stat", "-c", "%a %u %s", "/data/keys/embeddings.key")
    assert stat.returncode == 0, stat.stderr
    assert stat.stdout.split() == ["600", "10001", "32"]
    assert _exec(engine, running, "stat", "-c", "%a", "/data/keys").stdout.strip() == "700"


def test_the_image_carries_no_kiosk_packages_and_a_health_check(engine, app_image):
    inspect = json.loads(podman(engine, "image", "inspect", app_image).stdout)[0]
    assert "/health" in " ".join(inspect["Healthcheck"]["Test"]), "--format docker keeps HEALTHCHECK"
    listing = podman(engine, "run", "--rm", "--entrypoint", "pip", app_image, "list", "--format", "json").stdout
    names = {p["name"].lower() for p in json.loads(listing)}
    assert {"flask", "gunicorn", "psycopg"} <= names
    assert not names & {"dlib-bin", "pyside6-essentials", "opencv-python-headless", "numpy"}
