"""Issue 12.6: ``python -m server serve`` checks its configuration before it touches any file, and clears
only prometheus_client's own files in PROMETHEUS_MULTIPROC_DIR (never recursively, never anything else)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT
from tests.server.live import free_port, server_env, start_server

pytestmark = pytest.mark.slow


def crowded_folder(path):
    """A folder someone pointed PROMETHEUS_MULTIPROC_DIR at by mistake: a database, a backup, links."""
    path.mkdir()
    (path / "attendance.db").write_bytes(b"SQLite format 3\x00 precious")
    (path / "backups").mkdir()
    (path / "backups" / "counter_1.db").write_bytes(b"a backup that happens to look like a metric file")
    (path / "notes.txt").write_text("keep me")
    (path / "gauge_livesum_999999.db.bak").write_text("not exactly a metric file name")
    (path / "histogram_7.db").symlink_to(path / "attendance.db")
    (path / "counter_999999.db").write_bytes(b"\x00" * 16)  # left by a crashed earlier run
    (path / "gauge_livesum_999998.db").write_bytes(b"\x00" * 16)
    return path


def survivors(path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")}


def test_a_wrong_configuration_stops_serve_before_it_deletes_anything(tmp_path):
    folder = crowded_folder(tmp_path / "data")
    before = survivors(folder)
    env = server_env(tmp_path, {"PROMETHEUS_MULTIPROC_DIR": str(folder), "SECRET_KEY": "dev",
                                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "server", "serve", "--bind", f"127.0.0.1:{free_port()}"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode != 0 and "SECRET_KEY" in out.stderr
    assert survivors(folder) == before


def test_serve_deletes_only_the_metric_files_of_earlier_runs(tmp_path):
    folder = crowded_folder(tmp_path / "data")
    server = start_server(tmp_path, {"PROMETHEUS_MULTIPROC_DIR": str(folder),
                                     "DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}"}, workers=1, threads=1)
    try:
        left = survivors(folder)
    finally:
        server.stop()
    assert {"attendance.db", "backups", "backups/counter_1.db", "notes.txt", "gauge_livesum_999999.db.bak",
            "histogram_7.db"} <= left  # fmt: skip
    assert "counter_999999.db" not in left and "gauge_livesum_999998.db" not in left
    assert (folder / "attendance.db").read_bytes().endswith(b"precious")
