"""Podman for the container tests: the project's settings, images made locally, a compose project.

No Docker engine and no image registry here: Podman runs the images (scripts/podman-env.sh has the
settings), the app's base image and stand-ins for the third-party images are built from Debian's packages
(scripts/local-images.sh), cached between runs under ~/.cache/faceattend/containers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.helpers import ROOT, require

SCRIPTS = ROOT / "scripts"
APP_IMAGE = "localhost/faceattend-server"
APP_TAG = "containers-test"
BASE_IMAGE = "localhost/faceattend/python-base:bookworm"
STANDINS = {
    "NGINX_IMAGE": "localhost/faceattend/standin-nginx:bookworm",
    "REDIS_IMAGE": "localhost/faceattend/standin-redis:bookworm",
    "POSTGRES_IMAGE": "localhost/faceattend/standin-postgres:bookworm",
    "PROMETHEUS_IMAGE": "localhost/faceattend/standin-prometheus:bookworm",
}


def podman_env() -> dict[str, str]:
    """os.environ plus CONTAINERS_CONF / CONTAINERS_STORAGE_CONF from scripts/podman-env.sh."""
    out = subprocess.run([str(SCRIPTS / "podman-env.sh")], capture_output=True, text=True, check=True).stdout
    env = dict(os.environ)
    env.update(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return env


def require_engine() -> dict[str, str]:
    """The environment to run podman with; skips (fails under CI=true) when podman cannot run containers."""
    for tool in ("podman", "buildah", "mmdebstrap"):
        require(shutil.which(tool), f"{tool} is not installed (./bootstrap.sh setup installs it)")
    require(_compose_command(), "podman-compose is not installed (pip install podman-compose)")
    env = podman_env()
    info = subprocess.run(["podman", "info", "--format", "json"], env=env, capture_output=True, text=True)
    require(info.returncode == 0, f"podman cannot run here: {info.stderr.strip()[-500:]}")
    return env


def _compose_command() -> list[str] | None:
    exe = shutil.which("podman-compose") or str(Path(sys.executable).parent / "podman-compose")
    return [exe] if Path(exe).exists() else None


def podman(env: dict[str, str], *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(["podman", *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


class Compose:
    """One podman-compose project of the repo's docker-compose.yml, in a scratch folder for .env/secrets."""

    def __init__(self, env: dict[str, str], project: str, workdir: Path, settings: dict[str, str]) -> None:
        self.project = project
        self.workdir = workdir
        self.env = {**env, **settings, "COMPOSE_PROJECT_NAME": project}
        self.profiles: list[str] = []

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        cmd = [*_compose_command(), "-p", self.project, "-f", str(ROOT / "docker-compose.yml")]
        for profile in self.profiles:
            cmd += ["--profile", profile]
        result = subprocess.run(
            [*cmd, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            output = f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            raise AssertionError(f"podman-compose {' '.join(args)} failed:\n{output}")
        return result

    def containers(self, service: str | None = None, running_only: bool = True) -> list[dict]:
        args = ["ps", "--format", "json", "--filter", f"label=io.podman.compose.project={self.project}"]
        if not running_only:
            args.append("--all")
        if service:
            args += ["--filter", f"label=com.docker.compose.service={service}"]
        out = podman(self.env, *args).stdout
        return json.loads(out or "[]")

    def logs(self) -> str:
        parts = []
        for container in self.containers(running_only=False):
            name = container["Names"][0]
            logs = podman(self.env, "logs", "--tail", "40", name, check=False)
            parts.append(f"--- {name} ({container['State']}) ---\n{logs.stdout[-2500:]}{logs.stderr[-2500:]}")
        return "\n".join(parts)

    def down(self) -> None:
        """Everything of the project goes: containers (scaled replicas too), its network, volumes and pod."""
        self.run("down", "-v", "-t", "5", check=False, timeout=300)
        # podman-compose's down only knows the replicas the file declares: remove what it left by label.
        leftover = [c["Id"] for c in self.containers(running_only=False)]
        if leftover:
            podman(self.env, "rm", "--force", "--depend", "--time", "5", "--volumes", *leftover, check=False)
        label = f"label=io.podman.compose.project={self.project}"
        for volume in podman(self.env, "volume", "ls", "-q", "--filter", label, check=False).stdout.split():
            podman(self.env, "volume", "rm", "--force", volume, check=False)
        podman(self.env, "network", "rm", "--force", f"{self.project}_default", check=False)
        podman(self.env, "pod", "rm", "--force", f"pod_{self.project}", check=False)  # podman-compose's pod

    def pods(self) -> list[str]:
        out = podman(self.env, "pod", "ls", "--format", "{{.Name}}", "--filter", f"name=pod_{self.project}").stdout
        return out.split()


def wait_until(check: Callable[[], object], timeout: float, what: str, on_fail: Callable[[], str] | None = None):
    """Poll ``check`` until it returns something true; return it, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - not there yet
            last = exc
        time.sleep(1)
    detail = on_fail() if on_fail else ""
    raise AssertionError(f"{what}: not after {timeout:.0f} s (last: {last!r})\n{detail}")
