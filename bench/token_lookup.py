"""What a token lookup in the database on every request costs (what makes a revocation take effect at
once on every worker, issue 12.14, instead of a per-process cache that kept a revoked token working for
up to 5 s): the lookup alone (``server.auth.lookup``) against whole authenticated requests.

In-process (Flask's test client, no network, no gunicorn), so the lookup's share is the largest it can
be: a real request also pays the network and the server's queueing. Two requests: a heartbeat (the
cheapest authenticated write) and a batch of 10 check-ins (a kiosk's usual sync). SQLite always;
PostgreSQL too when BENCH_DATABASE_URL or TEST_DATABASE_URL is set (a fresh schema, dropped afterwards).
Prints one JSON document.

    .venv/bin/python -m bench.token_lookup [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-secret-key-0123456789abcdef"


def _event() -> dict:
    return {"event_id": str(uuid.uuid4()), "person_id": "p-1", "name": "Ada", "distance": 0.4, "direction": "in",
            "timestamp": datetime.now(timezone.utc).isoformat()}  # fmt: skip


def _summary(times: list[float]) -> dict:
    times = sorted(times)
    p90 = times[int(len(times) * 0.9)]
    return {"median_ms": round(statistics.median(times) * 1000, 3), "p90_ms": round(p90 * 1000, 3)}


def measure(url: str, workdir: Path, requests: int) -> dict:
    from server import auth, create_app

    key = str(workdir / "keys" / "embeddings.key")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": SECRET, "REDIS_URL": "",
                      "EMBEDDINGS_KEY_FILE": key})  # fmt: skip
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        token = auth.create_principal(conn, "kiosk", f"bench-{uuid.uuid4().hex[:8]}")
        for i in range(200):  # a realistic table: many kiosks and admins
            auth.create_principal(conn, "kiosk", f"other-{i}-{uuid.uuid4().hex[:6]}")
        lookups = []
        for _ in range(requests):
            started = time.perf_counter()
            assert auth.lookup(conn, token) is not None
            conn.commit()  # the request's connection ends its read transaction, as the app does
            lookups.append(time.perf_counter() - started)
    out = {"lookup_alone": _summary(lookups)}
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    heartbeat = {"fps": 10.0, "recognition_latency_ms": 100, "sync_backlog": 0, "version": "bench"}
    for kind in ("heartbeat", "events x10"):
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            if kind == "heartbeat":
                response = client.post("/api/v1/heartbeat", json=heartbeat, headers=headers)
            else:
                response = client.post("/api/v1/events", json={"events": [_event() for _ in range(10)]},
                                       headers=headers)  # fmt: skip
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
        out[kind] = _summary(times)
        out[kind]["lookup_share_of_median"] = round(out["lookup_alone"]["median_ms"] / out[kind]["median_ms"], 3)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    results: dict = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                     "requests_per_case": args.requests}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        backends = {"sqlite": f"sqlite:///{tmp_path / 'bench.db'}"}
        schema = None
        if pg:
            from sqlalchemy import create_engine, text

            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(pg)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            backends["postgresql"] = f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"
        try:
            for name, url in backends.items():
                results[name] = measure(url, tmp_path, args.requests)
        finally:
            if schema:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
