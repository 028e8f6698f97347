"""Start ``python -m server serve`` under gunicorn as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.helpers import ROOT, free_port

SECRET = "live-secret-key-0123456789abcdef"


def server_env(root: Path, extra: dict[str, str]) -> dict[str, str]:
    from server.crypto import create_key_file

    drop = {"REDIS_URL", "DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR", "EMBEDDINGS_KEY_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    key = root / "keys" / "embeddings.key"
    if not key.exists():
        create_key_file(key)
    env.update(
        {
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": str(root / "instance"),
            "PROMETHEUS_MULTIPROC_DIR": str(root / "prometheus"),
            "PYTHONPATH": str(ROOT),
            "EMBEDDINGS_KEY_FILE": str(key),
        }
    )
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """Run ``python -m server ARGS``; returns stdout (raises on failure)."""
    out = subprocess.run(
        [sys.executable, "-m", "server", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    if out.returncode != 0:
        raise RuntimeError(f"python -m server {' '.join(args)} failed: {out.stderr}")
    return out.stdout


@dataclass
class LiveServer:
    root: Path
    env: dict[str, str]
    port: int
    workers: int = 2
    threads: int = 4
    kiosk_token: str = ""
    admin_token: str = ""
    proc: subprocess.Popen | None = None
    log_path: Path = field(default=Path("/dev/null"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        self.log_path = self.root / "server.log"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "server", "serve",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), "--threads", str(self.threads),
            ],
            env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the master and its workers (the whole process group), like a crash."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(root: Path, extra_env: dict[str, str], workers: int = 2, threads: int = 4) -> LiveServer:
    env = server_env(root, extra_env)
    kiosk_token = cli(env, "kiosk", "add", "--enrol", "kiosk-live").strip().splitlines()[-1]
    admin_token = cli(env, "admin", "add", "admin-live").strip().splitlines()[-1]
    server = LiveServer(root, env, free_port(), workers, threads, kiosk_token, admin_token)
    server.start()
    return server
