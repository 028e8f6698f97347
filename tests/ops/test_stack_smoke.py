"""The stack end to end, with the binaries the containers run, on loopback.

The server under gunicorn (2 workers, prometheus multiprocess mode), its own Redis, nginx with the
project's config, Prometheus with the project's config and alert rules, and Alertmanager with the config
render-config.sh makes, delivering to a local webhook sink: check-ins go in through nginx, and Prometheus
must see them; every dashboard query must run; a fired alert must arrive at the sink; verify_deployment.sh
must pass.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.helpers import ROOT, free_port, require, require_binary
from tests.ops.native import (
    alertmanager_command,
    alertmanager_config,
    nginx_command,
    nginx_prefix,
    port_open,
    prometheus_command,
    prometheus_config,
    stop,
    wait_until,
)
from tests.ops.promql import APP_METRICS, CADVISOR_METRICS, dashboard_queries, metric_names, runnable_query

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


class _Sink(BaseHTTPRequestHandler):
    """A webhook receiver: what a chat bridge or pager would get from Alertmanager."""

    received: list[tuple[str, dict]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Sink.received.append((self.path, json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class Stack:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.ports = {
            name: free_port()
            for name in ("redis", "app", "nginx", "status", "prometheus", "alertmanager", "node", "redis_exporter",
                         "nginx_exporter", "postgres_exporter")
        }  # fmt: skip
        self.app = f"http://127.0.0.1:{self.ports['app']}"
        self.nginx = f"http://127.0.0.1:{self.ports['nginx']}"
        self.prometheus = f"http://127.0.0.1:{self.ports['prometheus']}"
        self.alertmanager = f"http://127.0.0.1:{self.ports['alertmanager']}"
        self.sink: ThreadingHTTPServer | None = None
        self.env = {
            **os.environ,
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": f"sqlite:///{tmp / 'attendance.db'}",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "multiproc"),
            "INSTANCE_PATH": str(tmp / "instance"),
            # As in the image: a key file apart from the database, created once by `python -m server keygen`.
            "EMBEDDINGS_KEY_FILE": str(tmp / "keys" / "embeddings.key"),
        }
        self.token = ""

    def start(self, name: str, cmd: list[str], **kwargs) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **kwargs)
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop_all(self) -> None:
        for proc in reversed(list(self.procs.values())):
            stop(proc)
        if self.sink is not None:
            self.sink.shutdown()
            self.sink.server_close()

    def query(self, promql: str) -> dict:
        response = requests.get(f"{self.prometheus}/api/v1/query", params={"query": promql}, timeout=10)
        return response.json()

    def value(self, promql: str) -> float | None:
        result = self.query(promql)["data"]["result"]
        return float(result[0]["value"][1]) if result else None


def _check_in(stack: Stack, n: int) -> list[str]:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "person_id": f"smoke-{i}",
            "name": f"Smoke Person {i}",
            "timestamp": now,
            "distance": 0.35,
            "direction": "in",
        }
        for i in range(n)
    ]
    response = requests.post(
        f"{stack.nginx}/api/v1/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {stack.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return [r["status"] for r in response.json()["results"]]


def _start_exporters(stack: Stack, tmp: Path) -> None:
    """The exporters of the monitoring profile (Debian's packages), pointed at this stack's services.

    node-exporter reads a textfile folder the project's own scripts fill (backup age, certificate expiry).
    """
    textfile = tmp / "textfile"
    env = {**os.environ, "TEXTFILE_DIR": str(textfile)}
    cert = tmp / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=smoke",
         "-keyout", str(tmp / "key.pem"), "-out", str(cert)], check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run([str(ROOT / "scripts" / "tls_cert_metric.sh"), str(cert)], env=env, check=True, timeout=30)
    backup = subprocess.run(
        [str(ROOT / "scripts" / "backup.sh"), "--output-dir", str(tmp / "backups"), "--no-config", "--database-url",
         stack.env["DATABASE_URL"], "--key-file", stack.env["EMBEDDINGS_KEY_FILE"]],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    p = stack.ports
    stack.start("node", [require_binary("prometheus-node-exporter"), f"--web.listen-address=127.0.0.1:{p['node']}",
                         f"--collector.textfile.directory={textfile}"])  # fmt: skip
    stack.start("redis_exporter", [require_binary("prometheus-redis-exporter"),
                                   f"--redis.addr=redis://127.0.0.1:{p['redis']}",
                                   f"--web.listen-address=127.0.0.1:{p['redis_exporter']}"])  # fmt: skip
    stack.start("nginx_exporter", [require_binary("prometheus-nginx-exporter"),
                                   f"-nginx.scrape-uri=http://127.0.0.1:{p['status']}/stub_status",
                                   f"-web.listen-address=127.0.0.1:{p['nginx_exporter']}"])  # fmt: skip
    database = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    pg_env = {**os.environ, "DATA_SOURCE_NAME": database.replace("+psycopg", "") + "?sslmode=disable"}
    exporter = require_binary("prometheus-postgres-exporter")
    stack.start("postgres_exporter", [exporter, f"--web.listen-address=127.0.0.1:{p['postgres_exporter']}"], env=pg_env)
    for name in ("node", "redis_exporter", "nginx_exporter", "postgres_exporter"):
        wait_until(lambda name=name: port_open(p[name]), 20, name, stack.procs[name])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require((ROOT / "server" / "__main__.py").exists(), "the server (server/__main__.py) is not there yet")
    redis_server = require_binary("redis-server")
    require_binary("nginx")
    require_binary("prometheus")
    require_binary("curl")
    require_binary("prometheus-alertmanager")
    tmp = tmp_path_factory.mktemp("stack")
    stack = Stack(tmp)
    try:
        stack.start(
            "redis",
            [redis_server, "--port", str(stack.ports["redis"]), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp)],
        )  # fmt: skip
        wait_until(lambda: port_open(stack.ports["redis"]), 15, "redis", stack.procs["redis"])

        # Outside testing/debug the server refuses to start without its embeddings key: create it the
        # documented way, as the image's entrypoint does on first start.
        keygen = subprocess.run(
            [sys.executable, "-m", "server", "keygen"], env=stack.env, cwd=ROOT, capture_output=True, text=True,
            timeout=60,
        )  # fmt: skip
        assert keygen.returncode == 0, keygen.stderr
        key = Path(stack.env["EMBEDDINGS_KEY_FILE"])
        assert key.stat().st_size == 32 and stat.S_IMODE(key.stat().st_mode) == 0o600

        added = subprocess.run(
            [sys.executable, "-m", "server", "kiosk", "add", "smoke-kiosk"],
            env=stack.env, cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        stack.token = added.stdout.strip().splitlines()[-1]

        app = stack.start(
            "app",
            [sys.executable, "-m", "server", "serve", "--bind", f"127.0.0.1:{stack.ports['app']}", "--workers", "2"],
            env=stack.env, cwd=ROOT,
        )  # fmt: skip
        wait_until(lambda: requests.get(f"{stack.app}/health", timeout=2).ok, 40, "app", app)

        conf = nginx_prefix(tmp, stack.ports["app"], stack.ports["nginx"], stack.ports["status"])
        nginx = stack.start("nginx", nginx_command(conf))
        wait_until(lambda: port_open(stack.ports["nginx"]), 15, "nginx", nginx)

        _start_exporters(stack, tmp)

        stack.sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
        threading.Thread(target=stack.sink.serve_forever, daemon=True).start()
        sink = f"http://127.0.0.1:{stack.sink.server_address[1]}"
        am_config = alertmanager_config(
            tmp, {"ALERT_WEBHOOK_URL": f"{sink}/people", "WATCHDOG_WEBHOOK_URL": f"{sink}/watchdog"}
        )
        alertmanager = stack.start(
            "alertmanager", alertmanager_command(am_config, stack.ports["alertmanager"], tmp / "am")
        )
        wait_until(lambda: requests.get(f"{stack.alertmanager}/-/ready", timeout=2).ok, 30, "alertmanager",
                   alertmanager)  # fmt: skip

        config = prometheus_config(
            tmp,
            {
                "prometheus": [f"127.0.0.1:{stack.ports['prometheus']}"],
                "faceattend": [f"127.0.0.1:{stack.ports['app']}"],
                "alertmanager": [f"127.0.0.1:{stack.ports['alertmanager']}"],
                "node": [f"127.0.0.1:{stack.ports['node']}"],
                "redis": [f"127.0.0.1:{stack.ports['redis_exporter']}"],
                "nginx": [f"127.0.0.1:{stack.ports['nginx_exporter']}"],
                "postgres": [f"127.0.0.1:{stack.ports['postgres_exporter']}"],
            },
            alertmanager=f"127.0.0.1:{stack.ports['alertmanager']}",
        )
        prometheus = stack.start("prometheus", prometheus_command(config, stack.ports["prometheus"], tmp / "tsdb"))
        wait_until(lambda: requests.get(f"{stack.prometheus}/-/ready", timeout=2).ok, 30, "prometheus", prometheus)
        yield stack
    except Exception as exc:
        logs = "\n".join(f"--- {name} ---\n{stack.log(name)}" for name in stack.procs)
        raise AssertionError(f"the stack did not start: {exc}\n{logs}") from exc
    finally:
        stack.stop_all()


def test_check_ins_through_nginx_move_the_counter_prometheus_sees(stack):
    wait_until(lambda: stack.value('up{job="faceattend"}') == 1.0, 20, "Prometheus scraping the app")
    before = stack.value('sum(attendance_records_total{job="faceattend", status="created"})') or 0.0

    assert _check_in(stack, 3) == ["created"] * 3
    heartbeat = {"fps": 12.5, "recognition_latency_ms": 80, "sync_backlog": 2, "version": "smoke",
                 "recognized": 3, "unknown": 1}  # fmt: skip
    response = requests.post(
        f"{stack.nginx}/api/v1/heartbeat", json=heartbeat, headers={"Authorization": f"Bearer {stack.token}"},
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.text

    query = 'sum(attendance_records_total{job="faceattend", status="created"})'
    wait_until(lambda: (stack.value(query) or 0.0) >= before + 3, 20, "the check-in counter in Prometheus")

    # the other outcomes the dashboards show: a duplicate, a rejected event, a kiosk's "Not you?" void
    first = {"event_id": str(uuid.uuid4()), "person_id": "smoke-x", "name": "Smoke X", "distance": 0.3,
             "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"), "direction": "in"}  # fmt: skip
    void = {**first, "event_id": str(uuid.uuid4()), "voids": first["event_id"], "reason": "not_me"}
    bad = {**first, "event_id": str(uuid.uuid4()), "timestamp": "yesterday-ish"}
    response = requests.post(
        f"{stack.nginx}/api/v1/events", json={"events": [first, first, bad, void]},
        headers={"Authorization": f"Bearer {stack.token}"}, timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses[:3] == ["created", "duplicate", "rejected"], statuses
    assert stack.value('up{job="faceattend"}') == 1.0


def test_every_app_metric_the_dashboards_use_is_exported(stack):
    used = set()
    for _, _, expr in dashboard_queries():
        used |= metric_names(expr.replace("label_values(", "(").replace(", kiosk)", ")")) & APP_METRICS

    def all_present() -> bool:
        return all(stack.value(f"count({name})") for name in used)

    try:
        wait_until(all_present, 20, "every dashboard metric")
    except TimeoutError:
        missing = sorted(name for name in used if not stack.value(f"count({name})"))
        pytest.fail(f"the server does not export {missing} (the dashboards and alerts query them)")


#: Panels whose metrics come from cAdvisor, which no Debian package or reachable image provides here: their
#: queries must run, but there is nothing for them to return in this test (the container metrics are
#: covered where Docker runs them, in the CI image job's monitoring deployment).
NO_DATA_HERE = CADVISOR_METRICS


@pytest.mark.parametrize(
    "board,title,expr", list(dashboard_queries()), ids=[f"{b}:{t}" for b, t, _ in dashboard_queries()]
)
def test_dashboard_query_returns_data_in_prometheus(stack, board, title, expr):
    """Every panel shows something: the query runs and (cAdvisor's aside) returns at least one series."""
    query = runnable_query(expr)
    result = stack.query(query)
    assert result["status"] == "success", f"{board} / {title}: {result.get('error')}"
    if metric_names(query) & NO_DATA_HERE:
        return
    # rates need two scrapes of a counter that moved: the check-in test above made them move
    wait_until(lambda: bool(stack.query(query)["data"]["result"]), 30, f"{board} / {title}: data for {query}")


def test_alert_rules_load_and_evaluate_without_error(stack):
    deadline = time.monotonic() + 15
    while True:
        groups = requests.get(f"{stack.prometheus}/api/v1/rules", timeout=10).json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if rules and all(rule.get("lastEvaluation", "").startswith("20") for rule in rules):
            break
        assert time.monotonic() < deadline, "rules were not evaluated"
        time.sleep(0.5)
    assert len(rules) >= 8
    bad = {rule["name"]: rule.get("lastError") for rule in rules if rule["health"] != "ok"}
    assert not bad
    firing = {rule["name"] for rule in rules if rule.get("state") == "firing"}
    assert "FaceAttendAllReplicasDown" not in firing


def test_verify_deployment_passes_against_the_stack(stack):
    result = subprocess.run(
        [str(ROOT / "verify_deployment.sh"), "--base-url", stack.nginx, "--app-url", stack.app,
         "--prometheus-url", stack.prometheus, "--token", stack.token, "--timeout", "5"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASS") == 6


def test_verify_deployment_fails_when_metrics_are_public(stack):
    # Pointed at the app itself (no nginx in front), /metrics is public: the check must catch that.
    result = subprocess.run(
        [str(ROOT / "verify_deployment.sh"), "--base-url", stack.app, "--timeout", "5"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "/metrics answered 200" in result.stdout


def test_the_server_refuses_to_start_without_its_key_file(stack, tmp_path):
    env = {**stack.env, "EMBEDDINGS_KEY_FILE": str(tmp_path / "missing.key")}
    result = subprocess.run(
        [sys.executable, "-m", "server", "kiosk", "list"], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "keygen" in result.stderr


def test_keygen_never_overwrites_the_key(stack):
    key = Path(stack.env["EMBEDDINGS_KEY_FILE"])
    before = key.read_bytes()
    again = subprocess.run(
        [sys.executable, "-m", "server", "keygen"], env=stack.env, cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert again.returncode != 0 and key.read_bytes() == before


def test_a_fired_alert_reaches_the_webhook_through_alertmanager(stack):
    """Prometheus fires the always-on Watchdog, Alertmanager routes it to its receiver, the sink gets it."""

    def delivered() -> list[dict]:
        return [body for path, body in _Sink.received if path == "/watchdog"]

    wait_until(lambda: bool(delivered()), 60, "the Watchdog alert at the webhook sink")
    body = delivered()[0]
    assert body["status"] == "firing" and body["receiver"] == "watchdog"
    alert = body["alerts"][0]
    assert alert["labels"]["alertname"] == "Watchdog" and alert["labels"]["stack"] == "faceattend"
    assert "pipeline" in alert["annotations"]["summary"]
    # Prometheus knows its Alertmanager, and Alertmanager holds the alert
    active = requests.get(f"{stack.prometheus}/api/v1/alertmanagers", timeout=10).json()["data"]["activeAlertmanagers"]
    assert [a["url"] for a in active] == [f"{stack.alertmanager}/api/v2/alerts"]
    alerts = requests.get(f"{stack.alertmanager}/api/v2/alerts", timeout=10).json()
    assert "Watchdog" in {a["labels"]["alertname"] for a in alerts}
