"""Run the project's ops configuration with native binaries, the way the containers would.

Docker does not run on the test machines, so the tests start the same programs (nginx, Prometheus, Redis,
the app under gunicorn) on loopback with free ports. The project's config files are copied into a temp
folder and only their addresses (and writable paths) are rewritten; everything else is what ships.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from tests.helpers import ROOT

NGINX_DIR = ROOT / "nginx"
PROMETHEUS_DIR = ROOT / "monitoring" / "prometheus"


def load_yaml(path: Path) -> object:
    return YAML(typ="safe").load(path.read_text())


def dump_yaml(data: object, path: Path) -> None:
    yaml = YAML(typ="safe")
    yaml.default_flow_style = False
    with path.open("w") as fh:
        yaml.dump(data, fh)


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: subprocess.Popen | None = None) -> None:
    """Poll ``check`` until it returns true; raise naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}")
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def nginx_prefix(
    tmp: Path,
    app_port: int,
    http_port: int,
    status_port: int,
    *,
    conf: str = "nginx.conf",
    https_port: int | None = None,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> Path:
    """Copy nginx/ into ``tmp`` with addresses and writable paths rewritten; return the config path."""
    prefix = tmp / "nginx"
    shutil.copytree(NGINX_DIR, prefix)
    (prefix / "run").mkdir()
    os.chmod(tmp, 0o755)  # workers run as "nobody" when the tests run as root
    os.chmod(prefix / "run", 0o777)
    for path in prefix.rglob("*.conf"):
        text = path.read_text()
        text = text.replace("/tmp/", f"{prefix / 'run'}/")
        text = text.replace("http://app:8000", f"http://127.0.0.1:{app_port}")
        text = text.replace("listen 8080", f"listen 127.0.0.1:{http_port}")
        text = text.replace("listen 8081", f"listen 127.0.0.1:{status_port}")
        if https_port is not None:
            text = text.replace("listen 8443", f"listen 127.0.0.1:{https_port}")
        if tls_cert is not None and tls_key is not None:
            text = text.replace("/run/secrets/tls_cert", str(tls_cert))
            text = text.replace("/run/secrets/tls_key", str(tls_key))
        text = text.replace("worker_processes auto;", "worker_processes 1;")
        path.write_text(text)
    # As the container's entrypoint does at start: the resolver from this machine's /etc/resolv.conf.
    subprocess.run(
        ["sh", str(prefix / "faceattend" / "resolver-entrypoint.sh"), "true"],
        env={**os.environ, "NGINX_RESOLVER_CONF": str(prefix / "run" / "nginx-resolver.conf")},
        check=True,
    )
    return prefix / conf


def nginx_command(conf: Path) -> list[str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return [nginx, "-p", str(conf.parent), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"]


def prometheus_config(
    tmp: Path, targets: dict[str, list[str]], scrape_interval: str = "1s", alertmanager: str | None = None
) -> Path:
    """The project's prometheus.yml with each job's discovery replaced by static ``targets``.

    Jobs without an entry in ``targets`` (exporters the test does not run) are dropped. Rule files stay
    the project's own, by absolute path, so Prometheus loads and evaluates them. The ``alerting:`` block
    points at ``alertmanager`` (host:port), or is dropped without one.
    """
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    assert isinstance(config, dict)
    config["global"]["scrape_interval"] = scrape_interval
    config["global"]["scrape_timeout"] = scrape_interval
    config["global"]["evaluation_interval"] = scrape_interval
    config["rule_files"] = [str(PROMETHEUS_DIR / pattern) for pattern in config.get("rule_files", [])]
    jobs = []
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if name not in targets:
            continue
        for key in [k for k in job if k.endswith("_sd_configs") or k == "static_configs"]:
            del job[key]
        job["static_configs"] = [{"targets": targets[name]}]
        jobs.append(job)
    config["scrape_configs"] = jobs
    if alertmanager:
        config["alerting"]["alertmanagers"][0]["static_configs"] = [{"targets": [alertmanager]}]
    else:
        config.pop("alerting", None)
    path = tmp / "prometheus.yml"
    dump_yaml(config, path)
    return path


def prometheus_command(config: Path, port: int, storage: Path) -> list[str]:
    return [
        shutil.which("prometheus") or "prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
    ]


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """Terminate one process we started and wait for it."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


ALERTMANAGER_DIR = ROOT / "monitoring" / "alertmanager"


def alertmanager_config(tmp: Path, env: dict[str, str]) -> Path:
    """Alertmanager's config as the container makes it: render-config.sh with ``env`` as the environment."""
    path = tmp / "alertmanager.yml"
    result = subprocess.run(
        ["sh", str(ALERTMANAGER_DIR / "render-config.sh"), "true"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env, "ALERTMANAGER_CONFIG": str(path)},
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"render-config.sh failed: {result.stderr}")
    return path


def alertmanager_command(config: Path, port: int, storage: Path) -> list[str]:
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager") or "prometheus-alertmanager"
    return [
        binary,
        f"--config.file={config}",
        f"--storage.path={storage}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
