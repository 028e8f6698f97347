"""Ingest benchmark: events/s and latency of POST /api/v1/events under gunicorn, 32 concurrent kiosks.

Starts ``python -m server serve`` on loopback over SQLite (a temporary file) and over PostgreSQL
(a fresh schema in BENCH_DATABASE_URL or TEST_DATABASE_URL, dropped afterwards), creates one token per
kiosk, and lets every kiosk send batches back to back (closed loop, no think time) for a fixed time.
Kiosks run as threads spread over a few client processes, each with its own keep-alive session.
Prints one JSON document.

    .venv/bin/python -m bench.ingest [--kiosks 32] [--seconds 8] [--workers 2] [--threads 4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_tokens(database_url: str, n: int) -> list[str]:
    from server import auth, create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": SECRET})
    with app.extensions["db_engine"].connect() as conn:
        tokens = [auth.create_principal(conn, "kiosk", f"bench-{uuid.uuid4().hex[:8]}") for _ in range(n)]
    app.extensions["db_engine"].dispose()
    return tokens


def start_server(database_url: str, workdir: Path, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(workdir / "instance"),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / f"prom-{port}"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    key = workdir / "keys" / "embeddings.key"
    env["EMBEDDINGS_KEY_FILE"] = str(key)
    if not key.exists():
        subprocess.run([sys.executable, "-m", "server", "keygen", str(key)], env=env, cwd=ROOT, check=True,
                       capture_output=True)
    cmd = [sys.executable, "-m", "server", "serve", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    log = open(workdir / f"server-{port}.log", "wb")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError(f"server did not start: {(workdir / f'server-{port}.log').read_text()[-2000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _events(n: int) -> list[dict]:
    now = datetime.now(timezone.utc).isoformat()
    return [
        {"event_id": str(uuid.uuid4()), "person_id": "p-1", "name": "Bench Person", "timestamp": now,
         "distance": 0.4, "direction": "in"}
        for _ in range(n)
    ]  # fmt: skip


def _client_process(
    url: str, tokens: list[str], batch: int, seconds: float, start_at: float, out: mp.Queue, rate: float = 0.0
) -> None:
    latencies: list[float] = []
    created = errors = 0
    lock = threading.Lock()

    def kiosk(token: str) -> None:
        nonlocal created, errors
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine: list[float] = []
        ok = bad = 0
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + seconds
        interval = 1.0 / rate if rate > 0 else 0.0
        due = time.perf_counter() + (hash(token) % 1000) / 1000.0 * interval  # kiosks out of step
        while time.time() < end:
            body = {"events": _events(batch)}
            if interval:
                # Paced (open loop): latency counts from when the request was due, so a slow server
                # cannot hide its queue by delaying the next send (no coordinated omission).
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                t0 = due
                due += interval
            else:
                t0 = time.perf_counter()
            try:
                response = session.post(url + "/api/v1/events", json=body, timeout=30)
                elapsed = time.perf_counter() - t0
                if response.status_code == 200:
                    ok += sum(r["status"] == "created" for r in response.json()["results"])
                    mine.append(elapsed)
                else:
                    bad += 1
            except requests.RequestException:
                bad += 1
        with lock:
            latencies.extend(mine)
            created += ok
            errors += bad

    threads = [threading.Thread(target=kiosk, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((latencies, created, errors))


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_load(url: str, tokens: list[str], batch: int, seconds: float, processes: int, rate: float = 0.0) -> dict:
    ctx = mp.get_context("fork")
    out: mp.Queue = ctx.Queue()
    start_at = time.time() + 1.0
    groups = [tokens[i::processes] for i in range(processes)]
    procs = [ctx.Process(target=_client_process, args=(url, g, batch, seconds, start_at, out, rate)) for g in groups]
    for p in procs:
        p.start()
    latencies: list[float] = []
    created = errors = 0
    for _ in procs:
        lat, c, e = out.get(timeout=seconds + 120)
        latencies += lat
        created += c
        errors += e
    for p in procs:
        p.join()
    return {
        "batch_size": batch,
        "pacing": f"{rate:g} requests/s per kiosk" if rate else "closed loop (back to back)",
        "kiosks": len(tokens),
        "seconds": seconds,
        "requests": len(latencies),
        "events_created": created,
        "errors": errors,
        "events_per_second": round(created / seconds, 1),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "latency_ms": {
            "p50": round(_percentile(latencies, 0.50) * 1000, 1),
            "p90": round(_percentile(latencies, 0.90) * 1000, 1),
            "p99": round(_percentile(latencies, 0.99) * 1000, 1),
            "max": round(max(latencies) * 1000, 1) if latencies else None,
        },
    }


def _pg_schema_url(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def _drop_pg_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client-processes", type=int, default=4)
    parser.add_argument("--batches", default="1,100")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--paced-rate", type=float, default=5.0,
                        help="also run single events paced at this many requests/s per kiosk (0: skip)")
    args = parser.parse_args()

    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "server": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
        "load": {"kiosks": args.kiosks, "client_processes": args.client_processes, "closed_loop": True},
        "results": {},
    }
    pg_base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        workdir = Path(tmp)
        for backend in args.backends.split(","):
            schema = None
            if backend == "sqlite":
                url = f"sqlite:///{workdir / 'bench.db'}"
            elif pg_base:
                url, schema = _pg_schema_url(pg_base)
            else:
                report["results"][backend] = "skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL"
                continue
            try:
                tokens = make_tokens(url, args.kiosks)
                proc, server_url = start_server(url, workdir, args.workers, args.threads)
                try:
                    report["results"][backend] = {
                        f"batch_{b}": run_load(server_url, tokens, int(b), args.seconds, args.client_processes)
                        for b in args.batches.split(",")
                    }
                    if args.paced_rate > 0:
                        report["results"][backend]["batch_1_paced"] = run_load(
                            server_url, tokens, 1, args.seconds, args.client_processes, args.paced_rate
                        )
                finally:
                    stop_server(proc)
            finally:
                if schema:
                    _drop_pg_schema(pg_base, schema)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
