"""The project's nginx configs, run by a real nginx in front of a stub app on loopback.

The stub stands in for the app so these tests do not depend on the server; test_stack_smoke.py runs the
same config in front of the real one.
"""

from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import urllib3

from tests.helpers import ROOT, free_port, require_binary
from tests.ops.native import nginx_command, nginx_prefix, port_open, stop, wait_until

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class _StubApp(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        _StubApp.seen.append((self.command, self.path, dict(self.headers)))
        body = b'{"status": "ok"}' if self.path == "/health" else b"stub-body"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def do_HEAD(self) -> None:
        _StubApp.seen.append((self.command, self.path, dict(self.headers)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def stub_app():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _start(cmd):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def plain_nginx(stub_app, tmp_path_factory):
    require_binary("nginx")
    tmp = tmp_path_factory.mktemp("nginx-plain")
    http_port, status_port = free_port(), free_port()
    conf = nginx_prefix(tmp, stub_app, http_port, status_port)
    proc = _start(nginx_command(conf))
    try:
        wait_until(lambda: port_open(http_port), 15, "nginx", proc)
        yield {"http": f"http://127.0.0.1:{http_port}", "status": f"http://127.0.0.1:{status_port}"}
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def tls_nginx(stub_app, tmp_path_factory):
    require_binary("nginx")
    tmp = tmp_path_factory.mktemp("nginx-tls")
    cert, key = _self_signed(tmp)
    http_port, https_port, status_port = free_port(), free_port(), free_port()
    conf = nginx_prefix(
        tmp, stub_app, http_port, status_port, conf="nginx-tls.conf", https_port=https_port, tls_cert=cert,
        tls_key=key,
    )  # fmt: skip
    proc = _start(nginx_command(conf))
    try:
        wait_until(lambda: port_open(https_port), 15, "nginx (TLS)", proc)
        yield {"http": f"http://127.0.0.1:{http_port}", "https": f"https://127.0.0.1:{https_port}"}
    finally:
        stop(proc)


def _self_signed(tmp) -> tuple:
    openssl = require_binary("openssl")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("conf", ["nginx.conf", "nginx-tls.conf"])
def test_nginx_accepts_the_config(conf, tmp_path):
    require_binary("nginx")
    cert, key = _self_signed(tmp_path)
    conf_path = nginx_prefix(
        tmp_path, 8000, free_port(), free_port(), conf=conf, https_port=free_port(), tls_cert=cert, tls_key=key
    )
    result = subprocess.run(nginx_command(conf_path)[:-2] + ["-t"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_requests_reach_the_app_with_forwarding_headers(plain_nginx):
    response = requests.get(plain_nginx["http"] + "/health", timeout=5)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    method, path, headers = _StubApp.seen[-1]
    assert (method, path) == ("GET", "/health")
    assert headers["X-Forwarded-For"] == "127.0.0.1" and headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "//metrics", "/%6Detrics", "/metrics?x=1"])
def test_metrics_are_not_public(plain_nginx, path):
    before = len(_StubApp.seen)
    response = requests.get(plain_nginx["http"] + path, timeout=5)
    assert response.status_code in {403, 404}
    assert len(_StubApp.seen) == before, "the request reached the app"


def test_responses_carry_security_headers_and_no_version(plain_nginx):
    response = requests.get(plain_nginx["http"] + "/api/v1/anything", timeout=5)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert "Content-Security-Policy" in response.headers
    assert response.headers["Server"] == "nginx"  # server_tokens off: no version


def test_oversized_bodies_are_refused(plain_nginx):
    response = requests.post(plain_nginx["http"] + "/api/v1/events", data=b"x" * (3 * 1024 * 1024), timeout=10)
    assert response.status_code == 413


def test_nginx_reports_its_own_health_and_stub_status(plain_nginx):
    assert requests.get(plain_nginx["http"] + "/nginx-health", timeout=5).text == "ok\n"
    status = requests.get(plain_nginx["status"] + "/stub_status", timeout=5)
    assert status.status_code == 200 and "Active connections" in status.text


def test_tls_variant_redirects_http_and_serves_https_with_hsts(tls_nginx):
    redirect = requests.get(tls_nginx["http"] + "/health", allow_redirects=False, timeout=5)
    assert redirect.status_code == 301 and redirect.headers["Location"].startswith("https://")
    urllib3.disable_warnings()
    response = requests.get(tls_nginx["https"] + "/health", verify=False, timeout=5)  # self-signed test cert
    assert response.status_code == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert requests.get(tls_nginx["https"] + "/metrics", verify=False, timeout=5).status_code == 403


@pytest.mark.parametrize("method", ["PATCH", "TRACE", "OPTIONS", "AAAAB", "PROPFIND"])
def test_methods_the_api_does_not_use_are_refused(plain_nginx, method):
    before = len(_StubApp.seen)
    response = requests.request(method, plain_nginx["http"] + "/api/v1/events", timeout=5)
    assert response.status_code == 405
    assert len(_StubApp.seen) == before, f"{method} reached the app"


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PUT", "DELETE"])
def test_methods_the_api_uses_reach_the_app(plain_nginx, method):
    response = requests.request(method, plain_nginx["http"] + "/api/v1/people/x", timeout=5)
    assert response.status_code == 200
    assert _StubApp.seen[-1][0] == method


def test_the_resolver_comes_from_resolv_conf(tmp_path):
    resolv = tmp_path / "resolv.conf"
    # Podman: aardvark-dns first, then the host's resolver, which knows nothing of "app"
    resolv.write_text("# podman\nsearch dns.podman\nnameserver 10.89.0.1\nnameserver 10.255.255.53\noptions ndots:0\n")
    out = tmp_path / "resolver.conf"
    script = ROOT / "nginx" / "faceattend" / "resolver-entrypoint.sh"
    env = {"PATH": "/usr/bin:/bin", "RESOLV_CONF": str(resolv), "NGINX_RESOLVER_CONF": str(out)}
    result = subprocess.run(["sh", str(script), "echo", "started"], env=env, capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "started\n", result.stderr
    assert out.read_text() == "resolver 10.89.0.1 valid=10s ipv6=off;\n"
    resolv.write_text("nameserver fd00::53\nnameserver 10.0.0.1\n")
    assert subprocess.run(["sh", str(script), "true"], env=env).returncode == 0
    assert out.read_text() == "resolver [fd00::53] valid=10s ipv6=off;\n"
    resolv.write_text("search example\n")
    result = subprocess.run(["sh", str(script), "true"], env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "no nameserver" in result.stderr
    assert "resolver 127.0.0.11" not in (ROOT / "nginx" / "faceattend" / "http.conf").read_text()
