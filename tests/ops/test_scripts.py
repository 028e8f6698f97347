"""The ops scripts: shellcheck-clean, --help, and what each one does, run for real where it can be."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import ROOT, require, require_binary
from tests.ops.native import free_port

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


def run(args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 120)
    # backup.sh's metric for node-exporter goes to a scratch folder, not the repository's var/
    env = kwargs.get("env") or dict(os.environ)
    env.setdefault("TEXTFILE_DIR", tempfile.mkdtemp(prefix="faceattend-textfile-"))
    kwargs["env"] = env
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)


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


# ---- backup and restore ----


def _kiosk_data(root: Path) -> Path:
    data = root / "kiosk-data"
    (data / "gallery").mkdir(parents=True)
    (data / "gallery" / "gallery.npz").write_bytes(os.urandom(2048))
    (data / "gallery" / "gallery.lock").write_text("")
    (data / "attendance.csv").write_text("event_id,person_id\n1,ada\n")
    return data


def _keygen(path: Path) -> Path:
    """An embeddings key made the server's documented way: ``python -m server keygen PATH``."""
    result = run([sys.executable, "-m", "server", "keygen", path], cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert path.stat().st_size == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    return path


def _sqlite_db(root: Path) -> Path:
    db = root / "attendance.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE attendance (event_id TEXT PRIMARY KEY, person_id TEXT)")
        conn.execute("INSERT INTO attendance VALUES ('e1', 'ada'), ('e2', 'grace')")
    return db


def _archive_members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {Path(m.name).relative_to(Path(m.name).parts[0]).as_posix(): m for m in tar.getmembers()
                if len(Path(m.name).parts) > 1}  # fmt: skip


def test_backup_and_restore_round_trip_sqlite_and_kiosk_data(tmp_path):
    db = _sqlite_db(tmp_path)
    key = _keygen(tmp_path / "embeddings.key")  # the server's default: <instance>/embeddings.key, beside the db
    data = _kiosk_data(tmp_path)
    url = f"sqlite:///{db}"

    backup = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path / "backups", "--database-url", url,
                  "--data-dir", data])  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    archive = Path(backup.stdout.strip().splitlines()[-1])
    assert archive.is_file() and archive.stat().st_mode & 0o077 == 0, "the archive must be private"
    with tarfile.open(archive) as tar:
        names = {Path(n).relative_to(Path(n).parts[0]).as_posix() for n in tar.getnames() if len(Path(n).parts) > 1}
    assert {"database.sqlite", "data/gallery/gallery.npz", "data/attendance.csv", "SHA256SUMS", "MANIFEST"} <= names
    assert "config/docker-compose.yml" in names and "data/gallery/gallery.lock" not in names
    assert not any(n.startswith("config/secrets") for n in names)
    members = _archive_members(archive)
    assert stat.S_IMODE(members["keys/embeddings.key"].mode) == 0o600, "the key stays owner-only in the archive"
    assert members["keys/embeddings.key"].size == 32
    original_key = key.read_bytes()
    key.unlink()  # disaster: the key is gone too

    # disaster: rows gone, gallery overwritten
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM attendance")
    original = (data / "gallery" / "gallery.npz").read_bytes()
    (data / "gallery" / "gallery.npz").write_bytes(b"broken")

    restore = run([ROOT / "scripts/restore.sh", "--archive", archive, "--database-url", url, "--data-dir", data,
                   "--key-file", key, "--yes"])  # fmt: skip
    assert restore.returncode == 0, restore.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM attendance").fetchone()[0] == 2
    assert key.read_bytes() == original_key and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert (data / "gallery" / "gallery.npz").read_bytes() == original
    assert list(tmp_path.glob("attendance.db.pre-restore-*")), "the replaced database is kept"
    assert list(tmp_path.glob("kiosk-data.pre-restore-*")), "the replaced data folder is kept"


def test_backup_takes_the_key_from_key_file_and_restore_keeps_the_replaced_one(tmp_path):
    db = _sqlite_db(tmp_path)
    key = _keygen(tmp_path / "keys" / "embeddings.key")
    env = {**os.environ, "EMBEDDINGS_KEY_FILE": str(key)}
    backup = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path, "--database-url", f"sqlite:///{db}",
                  "--no-config"], env=env)  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    archive = Path(backup.stdout.strip().splitlines()[-1])
    assert "embeddings key: yes" in _read_member(archive, "MANIFEST")
    original = key.read_bytes()

    key.unlink()
    other = _keygen(key)  # someone made a new key: it would not decrypt the backup's embeddings
    replaced = other.read_bytes()
    restore = run([ROOT / "scripts/restore.sh", "--archive", archive, "--key-file", key, "--yes"])
    assert restore.returncode == 0, restore.stderr
    assert key.read_bytes() == original and stat.S_IMODE(key.stat().st_mode) == 0o600
    kept = list(key.parent.glob("embeddings.key.pre-restore-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == replaced

    again = run([ROOT / "scripts/restore.sh", "--archive", archive, "--key-file", key, "--yes"])
    assert again.returncode == 0 and "unchanged" in again.stderr


def _read_member(archive: Path, name: str) -> str:
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/" + name))
        return tar.extractfile(member).read().decode()


def test_a_successful_backup_leaves_its_age_for_node_exporter_and_a_failed_one_does_not(tmp_path):
    db = _sqlite_db(tmp_path)
    textfile = tmp_path / "textfile"
    env = {**os.environ, "TEXTFILE_DIR": str(textfile)}
    env.pop("EMBEDDINGS_KEY_FILE", None)
    failed = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path / "b", "--database-url", f"sqlite:///{db}",
                  "--no-config"], env=env)  # fmt: skip
    assert failed.returncode == 1 and not (textfile / "faceattend_backup.prom").exists()

    before = time.time()
    ok = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path / "b", "--database-url", f"sqlite:///{db}",
              "--no-key", "--no-config"], env=env)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    archive = Path(ok.stdout.strip().splitlines()[-1])
    text = (textfile / "faceattend_backup.prom").read_text()
    values = dict(line.split() for line in text.splitlines() if not line.startswith("#"))
    assert before - 1 <= float(values["faceattend_backup_last_success_timestamp_seconds"]) <= time.time() + 1
    assert int(values["faceattend_backup_last_size_bytes"]) == archive.stat().st_size
    promtool = shutil.which("promtool")
    if promtool:  # the exposition format node-exporter will parse
        lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout + lint.stderr
    assert sorted(p.name for p in textfile.iterdir()) == ["faceattend_backup.prom"], "no temp file left behind"


def test_the_certificate_expiry_metric_names_each_file_and_its_not_after(tmp_path):
    openssl = require_binary("openssl")
    cert = tmp_path / "cert.pem"
    made = run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "10", "-subj", "/CN=t",
                "-keyout", tmp_path / "key.pem", "-out", cert])  # fmt: skip
    assert made.returncode == 0, made.stderr
    textfile = tmp_path / "textfile"
    env = {**os.environ, "TEXTFILE_DIR": str(textfile)}
    result = run([ROOT / "scripts/tls_cert_metric.sh", cert], env=env)
    assert result.returncode == 0, result.stderr
    line = [x for x in (textfile / "faceattend_tls.prom").read_text().splitlines() if not x.startswith("#")]
    assert line[0].startswith('faceattend_tls_cert_not_after_timestamp_seconds{file="cert.pem"} ')
    assert abs(float(line[0].split()[-1]) - (time.time() + 10 * 86400)) < 120
    broken = run([ROOT / "scripts/tls_cert_metric.sh", tmp_path / "key.pem"], env=env)
    assert broken.returncode == 1 and "cannot read a certificate" in broken.stderr


def test_backup_of_a_database_without_its_key_fails_unless_no_key(tmp_path):
    db = _sqlite_db(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "EMBEDDINGS_KEY_FILE"}
    out = tmp_path / "backups"
    backup = run([ROOT / "scripts/backup.sh", "--output-dir", out, "--database-url", f"sqlite:///{db}",
                  "--no-config"], env=env)  # fmt: skip
    assert backup.returncode == 1 and "--key-file" in backup.stderr and "unreadable" in backup.stderr
    assert not list(out.glob("*.tar.gz"))

    missing = run([ROOT / "scripts/backup.sh", "--output-dir", out, "--database-url", f"sqlite:///{db}",
                   "--key-file", tmp_path / "nope.key", "--no-config"], env=env)  # fmt: skip
    assert missing.returncode == 1 and "no embeddings key" in missing.stderr

    (tmp_path / "short.key").write_bytes(b"x" * 16)
    short = run([ROOT / "scripts/backup.sh", "--output-dir", out, "--database-url", f"sqlite:///{db}",
                 "--key-file", tmp_path / "short.key", "--no-config"], env=env)  # fmt: skip
    assert short.returncode == 1 and "32 bytes" in short.stderr

    without = run([ROOT / "scripts/backup.sh", "--output-dir", out, "--database-url", f"sqlite:///{db}",
                   "--no-key", "--no-config"], env=env)  # fmt: skip
    assert without.returncode == 0, without.stderr
    archive = Path(without.stdout.strip().splitlines()[-1])
    assert "keys/embeddings.key" not in _archive_members(archive)
    assert "left out" in _read_member(archive, "MANIFEST") and "WARNING" in without.stderr


def test_restore_of_a_database_needs_somewhere_for_its_key(tmp_path):
    db = _sqlite_db(tmp_path)
    _keygen(tmp_path / "embeddings.key")
    url = f"sqlite:///{db}"
    env = {k: v for k, v in os.environ.items() if k != "EMBEDDINGS_KEY_FILE"}
    backup = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path / "b", "--database-url", url, "--no-config"],
                 env=env)  # fmt: skip
    archive = backup.stdout.strip().splitlines()[-1]

    refused = run([ROOT / "scripts/restore.sh", "--archive", archive, "--database-url", url, "--yes"], env=env)
    assert refused.returncode == 1 and "--key-file" in refused.stderr
    assert not list(tmp_path.glob("attendance.db.pre-restore-*")), "nothing is replaced before the refusal"

    kept = run([ROOT / "scripts/restore.sh", "--archive", archive, "--database-url", url, "--no-key", "--yes"],
               env=env)  # fmt: skip
    assert kept.returncode == 0, kept.stderr
    assert list(tmp_path.glob("attendance.db.pre-restore-*"))
    assert not list(tmp_path.glob("embeddings.key.pre-restore-*")), "--no-key leaves the current key alone"


def test_restore_refuses_a_damaged_archive(tmp_path):
    data = _kiosk_data(tmp_path)
    backup = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path, "--data-dir", data, "--no-config"])
    archive = Path(backup.stdout.strip().splitlines()[-1])
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    top = next(unpacked.iterdir())
    (top / "data" / "attendance.csv").write_text("tampered\n")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as tar:
        tar.add(top, arcname=top.name)

    restore = run([ROOT / "scripts/restore.sh", "--archive", damaged, "--data-dir", data, "--yes"])
    assert restore.returncode == 1 and "checksums do not match" in restore.stderr
    assert (data / "attendance.csv").read_text().startswith("event_id")


def test_restore_asks_before_replacing_anything(tmp_path):
    data = _kiosk_data(tmp_path)
    backup = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path, "--data-dir", data, "--no-config"])
    archive = backup.stdout.strip().splitlines()[-1]
    restore = run([ROOT / "scripts/restore.sh", "--archive", archive, "--data-dir", data], stdin=subprocess.DEVNULL)
    assert restore.returncode == 1 and "--yes" in restore.stderr
    assert not list(tmp_path.glob("kiosk-data.pre-restore-*"))


def _postgres_admin_url() -> str:
    return os.environ.get("OPS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def test_backup_and_restore_round_trip_postgresql(tmp_path):
    psql = require_binary("psql")
    require_binary("pg_dump")
    require_binary("pg_restore")
    admin = _postgres_admin_url()
    ready = run([psql, admin, "-Atc", "SELECT 1"], timeout=20)
    require(ready.returncode == 0, f"PostgreSQL is not reachable at {admin} (bootstrap.sh test starts it)")
    name = f"ops_backup_{uuid.uuid4().hex[:8]}"
    run([psql, admin, "-c", f"CREATE DATABASE {name}"], check=True)
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    sqlalchemy_url = url.replace("postgresql://", "postgresql+psycopg://")
    try:
        run([psql, url, "-c", "CREATE TABLE attendance (event_id text primary key); "
             "INSERT INTO attendance VALUES ('e1'), ('e2'), ('e3');"], check=True)  # fmt: skip
        key = _keygen(tmp_path / "keys" / "embeddings.key")
        backup = run([ROOT / "scripts/backup.sh", "--output-dir", tmp_path, "--database-url", sqlalchemy_url,
                      "--key-file", key, "--no-config"])  # fmt: skip
        assert backup.returncode == 0, backup.stderr
        archive = backup.stdout.strip().splitlines()[-1]
        run([psql, url, "-c", "DELETE FROM attendance"], check=True)

        original_key = key.read_bytes()
        key.unlink()
        restore = run([ROOT / "scripts/restore.sh", "--archive", archive, "--database-url", sqlalchemy_url,
                       "--key-file", key, "--yes"])  # fmt: skip
        assert restore.returncode == 0, restore.stderr
        assert key.read_bytes() == original_key and stat.S_IMODE(key.stat().st_mode) == 0o600
        count = run([psql, url, "-Atc", "SELECT count(*) FROM attendance"], check=True).stdout.strip()
        assert count == "3"
    finally:
        run([psql, admin, "-c", f"DROP DATABASE IF EXISTS {name}"])


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
