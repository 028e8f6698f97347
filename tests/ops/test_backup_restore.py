"""backup.sh and restore.sh, run for real: SQLite and PostgreSQL round trips, the embeddings key, damaged
archives, the backup-age metric and the certificate-expiry metric."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import time
import uuid
from pathlib import Path

from tests.helpers import ROOT, require, require_binary
from tests.ops.scripts import run


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


