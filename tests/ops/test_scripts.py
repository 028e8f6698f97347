"""The ops scripts: shellcheck-clean, --help, and what each one does, run for real where it can be."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import ROOT, free_port, require_binary
from tests.ops.scripts import run

OPS_SCRIPTS = [
    "deploy.sh",
    "verify_deployment.sh",
    "scripts/backup.sh",
    "scripts/restore.sh",
    "scripts/cleanup.sh",
    "scripts/health_monitor.sh",
]


def _all_shell_scripts() -> list[Path]:
    skip = {".venv", ".git", "node_modules", "build", "dist"}
    found = [p for p in ROOT.rglob("*.sh") if not skip & set(p.relative_to(ROOT).parts)]
    return sorted(found + [ROOT / ".ci" / "run"])


def test_every_shell_script_in_the_repository_passes_shellcheck():
    shellcheck = require_binary("shellcheck")
    scripts = _all_shell_scripts()
    assert ROOT / "bootstrap.sh" in scripts and len(scripts) >= len(OPS_SCRIPTS) + 2
    result = run([shellcheck, "--severity=warning", *scripts])
    assert result.returncode == 0, result.stdout


def test_ops_scripts_pass_shellcheck_with_every_check_on():
    shellcheck = require_binary("shellcheck")
    result = run([shellcheck, "--severity=style", *(ROOT / s for s in OPS_SCRIPTS)])
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("script", OPS_SCRIPTS)
def test_ops_script_is_strict_and_explains_itself(script):
    path = ROOT / script
    assert os.access(path, os.X_OK), f"{script} is not executable"
    assert "set -euo pipefail" in path.read_text()
    result = run([path, "--help"])
    assert result.returncode == 0 and result.stdout.startswith("Usage:"), result.stderr
    bad = run([path, "--no-such-option"])
    assert bad.returncode == 2 and "--help" in bad.stderr


# ---- cleanup ----


def test_cleanup_prunes_podman_objects_by_its_own_label_where_docker_is_missing(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "podman").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "podman").chmod(0o755)
    # a PATH with this fake podman and the basic tools, and no docker
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("bash", "sh", "find", "date", "mkdir", "printf", "cat", "dirname", "grep", "sort", "rm", "tail"):
        found = shutil.which(tool)
        if found:
            (tools / tool).symlink_to(found)
    env = {**os.environ, "PATH": f"{bin_dir}:{tools}", "FACEATTEND_CONTAINERS_CACHE": str(tmp_path / "cache")}
    result = run([ROOT / "scripts/cleanup.sh", "--backup-dir", tmp_path / "b", "--docker", "--dry-run"], env=env)
    assert result.returncode == 0, result.stderr
    assert "would run: podman container prune --force --filter label=io.podman.compose.project=faceattend" in (
        result.stdout
    )


def test_cleanup_deletes_old_backups_but_keeps_the_newest(tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    now = time.time()
    for days in (1, 40, 50, 60, 70):
        archive = backups / f"faceattend-backup-{days:03d}.tar.gz"
        archive.write_text("x")
        os.utime(archive, (now - days * 86400, now - days * 86400))
    (backups / "unrelated.txt").write_text("keep me")

    dry = run([ROOT / "scripts/cleanup.sh", "--backup-dir", backups, "--keep-days", "30", "--keep", "2", "--dry-run"])
    assert dry.returncode == 0 and dry.stdout.count("would delete") == 3
    assert len(list(backups.iterdir())) == 6

    result = run([ROOT / "scripts/cleanup.sh", "--backup-dir", backups, "--keep-days", "30", "--keep", "2"])
    assert result.returncode == 0, result.stderr
    left = sorted(p.name for p in backups.iterdir())
    assert left == ["faceattend-backup-001.tar.gz", "faceattend-backup-040.tar.gz", "unrelated.txt"]


# ---- health monitor ----


class _Health(BaseHTTPRequestHandler):
    status = 200
    posts: list[dict] = []

    def do_GET(self):  # noqa: N802
        if self.path == "/metrics":  # as through nginx
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"status": "ok" if self.status == 200 else "degraded"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        _Health.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Health.status, _Health.posts = 200, []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_health_monitor_once_reports_up_and_down(health_server):
    require_binary("curl")
    up = run([ROOT / "scripts/health_monitor.sh", "--url", health_server, "--once"])
    assert up.returncode == 0 and up.stdout.startswith("UP")
    down = run([ROOT / "scripts/health_monitor.sh", "--url", f"http://127.0.0.1:{free_port()}", "--once"])
    assert down.returncode == 1 and down.stdout.startswith("DOWN")


def test_health_monitor_posts_to_the_webhook_after_repeated_failures(health_server):
    require_binary("curl")
    _Health.status = 503
    result = run([ROOT / "scripts/health_monitor.sh", "--url", health_server, "--webhook", health_server + "/hook",
                  "--interval", "0.1", "--failures", "2", "--count", "4"])  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("DOWN") == 1
    assert len(_Health.posts) == 1 and "DOWN" in _Health.posts[0]["text"]


# ---- deploy ----

FAKE_DOCKER = """#!/usr/bin/env bash
echo "$*" >> "$FAKE_DOCKER_LOG"
case "$*" in
  "compose version --short") echo 2.29.1 ;;
  *" ps -q app") cat "$FAKE_DOCKER_PS" 2>/dev/null || true ;;
  "inspect "*) echo healthy ;;
esac
"""


@pytest.fixture
def fake_docker(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "FAKE_DOCKER_LOG": str(tmp_path / "docker.log"),
        "FAKE_DOCKER_PS": str(tmp_path / "ps"),
        "SECRETS_DIR": str(tmp_path / "secrets"),
        "ENV_FILE": str(tmp_path / "no.env"),
    }
    return env, tmp_path


def test_deploy_creates_secrets_and_waits_for_a_healthy_stack(fake_docker, health_server):
    require_binary("openssl")
    env, tmp = fake_docker
    result = run([ROOT / "deploy.sh", "--profile", "production", "--build", "--scale", "3",
                  "--base-url", health_server, "--timeout", "5"], env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = (tmp / "docker.log").read_text().splitlines()
    assert any(c.endswith("--profile production build app") for c in calls)
    up = next(c for c in calls if " up " in c)
    assert "--profile production" in up and "--scale app=3" in up and "--wait" in up
    assert any(" rm --stop --force nginx " in c + " " for c in calls), "the basic profile's nginx is stopped"

    secrets = tmp / "secrets"
    assert secrets.stat().st_mode & 0o777 == 0o700
    assert (secrets / ".gitignore").read_text() == "*\n"
    for name in ("secret_key", "postgres_password", "grafana_admin_password", "tls/cert.pem", "tls/key.pem"):
        assert (secrets / name).stat().st_size > 0, name
    assert len((secrets / "secret_key").read_text().strip()) >= 32
    first_key = (secrets / "secret_key").read_text()
    again = run([ROOT / "deploy.sh", "--profile", "production", "--base-url", health_server, "--timeout", "5"], env=env)
    assert again.returncode == 0 and (secrets / "secret_key").read_text() == first_key, "secrets are kept"
    assert not (secrets / "embeddings.key").exists(), "the embeddings key lives in the app's volume, not secrets/"
    assert "/data/keys/embeddings.key" in result.stderr and "back it up" in result.stderr


FAKE_PODMAN = """#!/usr/bin/env bash
echo "$(basename "$0") $*" >> "$FAKE_DOCKER_LOG"
case "$*" in
  "ps -aq "*"service=nginx") echo abc123 ;;
esac
"""


def test_deploy_with_podman_uses_podman_compose_and_waits_through_nginx(fake_docker, health_server):
    require_binary("openssl")
    env, tmp = fake_docker
    for tool in ("podman", "podman-compose"):
        (tmp / "bin" / tool).write_text(FAKE_PODMAN)
        (tmp / "bin" / tool).chmod(0o755)
    env = {**env, "FACEATTEND_CONTAINERS_CACHE": str(tmp / "cache")}
    result = run([ROOT / "deploy.sh", "--engine", "podman", "--profile", "production", "--scale", "2",
                  "--base-url", health_server, "--timeout", "5"], env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = (tmp / "docker.log").read_text().splitlines()
    assert not any(c.startswith("compose ") for c in calls), "docker was called"
    up = next(c for c in calls if c.startswith("podman-compose ") and " up " in c)
    assert "-p faceattend" in up and "--profile production" in up and "--scale app=2" in up
    assert "--wait" not in up, "podman-compose has no --wait: readiness comes from /health through nginx"
    assert "podman rm --force --depend abc123" in calls, "the basic profile's nginx is removed by label"
    rolling = run([ROOT / "deploy.sh", "--engine", "podman", "--rolling", "--base-url", health_server], env=env)
    assert rolling.returncode == 1 and "--rolling needs Docker" in rolling.stderr


def test_deploy_help_explains_the_embeddings_key():
    help_text = run([ROOT / "deploy.sh", "--help"]).stdout
    assert "EMBEDDINGS_KEY_FILE" in help_text and "/data/keys/embeddings.key" in help_text
    assert "backup.sh" in help_text and "enrolled again" in help_text


def test_deploy_fails_when_the_stack_never_answers(fake_docker):
    env, _ = fake_docker
    result = run([ROOT / "deploy.sh", "--base-url", f"http://127.0.0.1:{free_port()}", "--timeout", "2"], env=env)
    assert result.returncode == 1 and "does not answer as it should" in result.stderr


def test_rolling_deploy_starts_new_replicas_before_stopping_the_old(fake_docker, health_server):
    env, tmp = fake_docker
    (tmp / "ps").write_text("old1\nold2\n")
    script = tmp / "bin" / "docker"
    # after the scale-up, compose lists the old replicas and two new ones
    script.write_text(
        FAKE_DOCKER.replace(
            'cat "$FAKE_DOCKER_PS"', 'cat "$FAKE_DOCKER_PS"; [ -f "$FAKE_DOCKER_PS.up" ] && printf "new1\\nnew2\\n"'
        ).replace(
            'echo "$*" >> "$FAKE_DOCKER_LOG"',
            'echo "$*" >> "$FAKE_DOCKER_LOG"; case "$*" in *"--no-recreate"*) touch "$FAKE_DOCKER_PS.up";; esac',
        )
    )
    result = run([ROOT / "deploy.sh", "--rolling", "--scale", "2", "--base-url", health_server, "--timeout", "5"],
                 env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    calls = (tmp / "docker.log").read_text().splitlines()
    scale_up = next(i for i, c in enumerate(calls) if "--no-recreate --scale app=4 app" in c)
    inspected = [i for i, c in enumerate(calls) if c.startswith("inspect")]
    stopped = next(i for i, c in enumerate(calls) if c.startswith("stop"))
    assert calls[stopped].split()[-2:] == ["old1", "old2"]
    assert scale_up < min(inspected) < stopped
    assert {c.split()[-1] for c in (calls[i] for i in inspected)} == {"new1", "new2"}
