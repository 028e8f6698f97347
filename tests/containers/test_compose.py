"""docker-compose.yml brought up for real with podman-compose: the basic profile with two app replicas
behind nginx, a replica killed, scaled, torn down; then the production profile with PostgreSQL.

Third-party images come from scripts/local-images.sh (Debian-package stand-ins, named in the output), the
app image from this tree's Dockerfile. Each project gets its own name, ports and secrets folder.
"""

from __future__ import annotations

import secrets
import subprocess
import tarfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import urllib3

from tests.containers.engine import APP_IMAGE, APP_TAG, STANDINS, Compose, podman, wait_until
from tests.helpers import ROOT, free_port

pytestmark = pytest.mark.timeout(1800)


def _settings(tmp_path, http_port: int, https_port: int) -> dict[str, str]:
    secrets_dir = tmp_path / "secrets"
    (secrets_dir / "tls").mkdir(parents=True)
    for name in ("secret_key", "postgres_password", "grafana_admin_password"):
        (secrets_dir / name).write_text(secrets.token_hex(24) + "\n")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(secrets_dir / "tls" / "key.pem"), "-out", str(secrets_dir / "tls" / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    for path in secrets_dir.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # read by the containers' non-root users
    return {
        **STANDINS,
        "APP_IMAGE": APP_IMAGE,
        "APP_VERSION": APP_TAG,
        "SECRETS_DIR": str(secrets_dir),
        "HTTP_BIND": "127.0.0.1",
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "APP_WORKERS": "1",
        "APP_THREADS": "4",
    }


def _add_kiosk(compose: Compose, name: str) -> str:
    """A kiosk token, made inside a running replica through its entrypoint (as an operator would)."""
    replica = compose.containers("app")[0]["Names"][0]
    result = podman(compose.env, "exec", replica, "faceattend-entrypoint", "python", "-m", "server", "kiosk", "add",
                    name)  # fmt: skip
    return result.stdout.strip().splitlines()[-1]


def _check_in(base: str, token: str, n: int, verify: bool = True) -> list[str]:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    events = [
        {"event_id": str(uuid.uuid4()), "person_id": f"ctr-{i}", "name": f"Container Person {i}", "timestamp": now,
         "distance": 0.3, "direction": "in"}
        for i in range(n)
    ]  # fmt: skip
    response = requests.post(
        f"{base}/api/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {token}"},
        timeout=15, verify=verify,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return [r["status"] for r in response.json()["results"]]


def _replica_ids(compose: Compose) -> set[str]:
    return {c["Id"] for c in compose.containers("app")}


@pytest.fixture(scope="module")
def basic(engine, app_image, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compose-basic")
    http_port = free_port()
    compose = Compose(engine, f"fa-basic-{secrets.token_hex(2)}", tmp, _settings(tmp, http_port, free_port()))
    compose.profiles = ["basic"]
    base = f"http://127.0.0.1:{http_port}"
    try:
        compose.run("up", "-d", "--scale", "app=2", timeout=900)
        wait_until(lambda: requests.get(f"{base}/health", timeout=5).status_code == 200, 180,
                   "/health through nginx (basic profile)", on_fail=compose.logs)  # fmt: skip
        yield compose, base
    finally:
        compose.down()


def test_basic_profile_runs_two_replicas_behind_nginx(basic):
    compose, base = basic
    assert len(_replica_ids(compose)) == 2, compose.logs()
    names = {c["Labels"]["com.docker.compose.service"] for c in compose.containers()}
    assert names == {"app", "nginx", "redis"}
    health = requests.get(f"{base}/health", timeout=5).json()
    assert health == {"status": "ok", "database": "ok", "redis": "ok"}, health
    assert requests.get(f"{base}/metrics", timeout=5).status_code == 403


def test_check_ins_go_through_nginx_and_survive_a_killed_replica(basic):
    compose, base = basic
    token = _add_kiosk(compose, "container-kiosk")
    assert _check_in(base, token, 3) == ["created"] * 3
    victim = sorted(_replica_ids(compose))[0]
    podman(compose.env, "kill", victim)
    # The other replica answers every request: nginx skips the dead one (proxy_next_upstream).
    for _ in range(6):
        assert _check_in(base, token, 2) == ["created"] * 2
    assert requests.get(f"{base}/health", timeout=10).status_code == 200


def _requests_served(compose: Compose, container: str) -> float:
    """How many requests one replica has answered, from its own /metrics (not through nginx)."""
    code = ("import urllib.request, re; t = urllib.request.urlopen('http://127.0.0.1:8000/metrics').read().decode(); "
            "print(sum(float(v) for v in re.findall(r'^http_requests_total\\{[^}]*\\} (\\S+)$', t, re.M)))")
    return float(podman(compose.env, "exec", container, "python", "-c", code).stdout.strip() or 0)


def test_the_app_scales_and_nginx_spreads_requests_over_every_replica(basic):
    """A third replica joins without touching nginx: it re-resolves "app" through the engine's DNS."""
    compose, base = basic
    compose.run("up", "-d", "--scale", "app=3", timeout=600)
    wait_until(lambda: len(_replica_ids(compose)) == 3, 120, "three running replicas", on_fail=compose.logs)
    newest = max(compose.containers("app"), key=lambda c: c["Created"])["Names"][0]
    wait_until(lambda: requests.get(f"{base}/health", timeout=5).status_code == 200, 60, "/health after scaling")
    # its gunicorn is up once its own /metrics answers (a one-element list: 0 requests is an answer too)
    before = wait_until(lambda: [_requests_served(compose, newest)], 120, f"{newest} serving", compose.logs)[0]

    def reached() -> bool:
        for _ in range(10):
            requests.get(f"{base}/health", timeout=10)
        return _requests_served(compose, newest) > before + 1

    wait_until(reached, 90, f"requests through nginx reaching the new replica {newest}", on_fail=compose.logs)


def test_tear_down_leaves_nothing_running(engine, app_image, tmp_path):
    settings = _settings(tmp_path, free_port(), free_port())
    compose = Compose(engine, f"fa-down-{secrets.token_hex(2)}", tmp_path, settings)
    compose.profiles = ["basic"]
    try:
        compose.run("up", "-d", "--scale", "app=2", timeout=900)
        compose.run("up", "-d", "--scale", "app=3", "app", timeout=600)
        wait_until(lambda: len(_replica_ids(compose)) == 3, 120, "three replicas", on_fail=compose.logs)
    finally:
        compose.down()
    assert compose.containers(running_only=False) == []
    assert compose.pods() == [], "podman-compose's pod is left behind"
    networks = podman(engine, "network", "ls", "--format", "{{.Name}}").stdout.split()
    assert f"{compose.project}_default" not in networks
    volumes = podman(engine, "volume", "ls", "-q", "--filter", f"label=io.podman.compose.project={compose.project}")
    assert volumes.stdout.split() == []


def test_production_profile_stores_check_ins_in_postgres(engine, app_image, tmp_path):
    """production, plus the monitoring profile's Prometheus: it finds both replicas through Podman's DNS."""
    https_port, prometheus_port = free_port(), free_port()
    settings = {**_settings(tmp_path, free_port(), https_port), "POSTGRES_HOST": "postgres",
                "PROMETHEUS_PORT": str(prometheus_port)}  # fmt: skip
    compose = Compose(engine, f"fa-prod-{secrets.token_hex(2)}", tmp_path, settings)
    compose.profiles = ["production", "monitoring"]
    base = f"https://127.0.0.1:{https_port}"
    prometheus = f"http://127.0.0.1:{prometheus_port}"
    urllib3.disable_warnings()
    try:
        # Grafana, cAdvisor and the exporters have no stand-in here: the services that do, by name
        compose.run("up", "-d", "--scale", "app=2", "app", "nginx-tls", "redis", "postgres", "prometheus",
                    timeout=900)  # fmt: skip
        names = {c["Labels"]["com.docker.compose.service"] for c in compose.containers()}
        assert names == {"app", "nginx-tls", "redis", "postgres", "prometheus"}, compose.logs()
        wait_until(lambda: requests.get(f"{base}/health", timeout=5, verify=False).status_code == 200, 240,
                   "/health through nginx-tls (production profile)", on_fail=compose.logs)  # fmt: skip
        token = _add_kiosk(compose, "prod-kiosk")
        assert _check_in(base, token, 4, verify=False) == ["created"] * 4
        postgres = compose.containers("postgres")[0]["Names"][0]
        count = podman(engine, "exec", postgres, "psql", "-U", "faceattend", "-d", "faceattend", "-tAc",
                       "SELECT count(*) FROM attendance")  # fmt: skip
        assert int(count.stdout.strip()) == 4, count.stderr

        def replicas_scraped() -> bool:
            query = requests.get(f"{prometheus}/api/v1/query", params={"query": 'sum(up{job="faceattend"})'},
                                 timeout=5).json()["data"]["result"]  # fmt: skip
            return bool(query) and float(query[0]["value"][1]) == 2

        wait_until(replicas_scraped, 120, "Prometheus scraping both replicas (dns_sd on app)", compose.logs)

        # scripts/backup.sh --compose against this stack: pg_dump in the postgres container, the app's key
        env = {**compose.env, "BACKUP_ENGINE": "podman", "TEXTFILE_DIR": str(tmp_path / "textfile")}
        backup = subprocess.run(
            [str(ROOT / "scripts" / "backup.sh"), "--compose", "--no-config", "--output-dir", str(tmp_path / "b")],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert backup.returncode == 0, backup.stderr
        with tarfile.open(backup.stdout.strip().splitlines()[-1]) as tar:
            members = {Path(m.name).relative_to(Path(m.name).parts[0]).as_posix(): m for m in tar.getmembers()
                       if len(Path(m.name).parts) > 1}  # fmt: skip
            assert members["keys/embeddings.key"].size == 32
            dump = tar.extractfile(members["database.pgdump"]).read()
        assert dump.startswith(b"PGDMP"), "a pg_dump custom-format archive"
        assert (tmp_path / "textfile" / "faceattend_backup.prom").exists()
    finally:
        compose.down()
    assert compose.containers(running_only=False) == []
