"""Report benchmark: the console's attendance report over 1,000 people x 30 days (60,000 check-ins).

For SQLite (a temporary file) and PostgreSQL (a fresh schema in BENCH_DATABASE_URL or TEST_DATABASE_URL,
dropped afterwards): fills the tables directly (1,000 people in 10 departments, an "in" and an "out" per
person and working day over 30 days, 300 voids and 100 reassignments as corrections), logs in to the
console with the Flask test client (real session and CSRF) and times, in-process and with no network:

- ``page``: GET /reports/attendance for the 30 days (HTML, first page of 500 rows, totals for everyone);
- ``csv`` and ``xlsx``: the same report as downloads;
- ``report_only``: server.reports.attendance_report alone (query + per-day summaries);
- ``api_json`` (the obvious alternative): GET /api/v1/attendance for the same range, the raw corrected
  check-ins that a payroll script would otherwise fetch and add up itself.

Each is run ``--repeat`` times after one warm-up; prints one JSON document with the median, min and max.

    .venv/bin/python bench/report.py [--people 1000] [--days 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdef"
ZONE = "Europe/Berlin"
PASSWORD = "bench password 123"
FIRST_DAY = date(2024, 4, 1)


def fill(app, people: int, days: int) -> dict[str, int]:
    """People, check-ins and corrections straight into the tables (not the thing measured)."""
    from server import schema, users

    tz = ZoneInfo(ZONE)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        conn.execute(
            schema.people.insert(),
            [
                {"person_id": f"p-{i:05d}", "name": f"Person {i:05d}", "employee_no": f"E-{i}", "consent": None,
                 "deleted": False, "seq": i + 1, "updated_at": now, "updated_by": "bench", "department": f"D{i % 10}"}
                for i in range(people)
            ],
        )  # fmt: skip
        users.add_user(conn, "bench", "viewer", PASSWORD)
    rows: list[dict] = []
    for d in range(days):
        day = FIRST_DAY + timedelta(days=d)
        for i in range(people):
            arrive = datetime.combine(day, clock(8, 0), tz) + timedelta(minutes=(i * 7 + d * 13) % 90)
            leave = arrive + timedelta(hours=8, minutes=(i * 11 + d) % 60)
            for at, direction in ((arrive, "in"), (leave, "out")):
                rows.append({
                    "event_id": str(uuid.uuid4()), "kiosk": f"door-{i % 4}", "person_id": f"p-{i:05d}",
                    "name": f"Person {i:05d}", "timestamp": at.isoformat(),
                    "ts_utc": at.astimezone(timezone.utc).replace(tzinfo=None), "local_date": at.date(),
                    "distance": 0.3, "direction": direction, "received_at": now, "method": "face", "margin": None,
                })  # fmt: skip
    corrections = []
    for n, row in enumerate(rows[:: len(rows) // 400][:400]):  # spread over the whole range
        reassign = n >= 300
        corrections.append({
            "correction_id": str(uuid.uuid4()), "event_id": row["event_id"],
            "kind": "reassign" if reassign else "void", "person_id": "p-00000" if reassign else None,
            "name": "Person 00000" if reassign else None, "reason": "bench", "actor": "user:bench", "created_at": now,
        })  # fmt: skip
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(schema.attendance.insert(), rows[i : i + 5000])
        conn.execute(schema.corrections.insert(), corrections)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    return {"people": people, "days": days, "checkins": len(rows), "voids": 300, "reassigns": 100}


def login(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "login failed"


def timed(fn, repeat: int) -> dict[str, float]:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(samples), 4),
        "min_s": round(min(samples), 4),
        "max_s": round(max(samples), 4),
    }


def run(database_url: str, people: int, days: int, repeat: int, key_dir: str) -> dict:
    from server import auth, create_app, reports

    app = create_app({
        "TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": database_url, "SITE_TIMEZONE": ZONE,
        "EMBEDDINGS_KEY_FILE": os.path.join(key_dir, "embeddings.key"), "ATTENDANCE_MAX_ROWS": 1_000_000,
        "REDIS_URL": "",
    })  # fmt: skip
    data = fill(app, people, days)
    with app.extensions["db_engine"].connect() as conn:
        admin = auth.create_principal(conn, "admin", "bench-admin")
    client = app.test_client()
    login(client)
    last = FIRST_DAY + timedelta(days=days - 1)
    query = f"from={FIRST_DAY.isoformat()}&to={last.isoformat()}"
    out: dict = {"data": data}

    def page() -> None:
        response = client.get(f"/reports/attendance?{query}")
        assert response.status_code == 200 and b"Totals per person" in response.data

    def download(fmt: str):
        def go() -> None:
            response = client.get(f"/reports/attendance?{query}&format={fmt}")
            assert response.status_code == 200 and len(response.data) > 1000

        return go

    def report_only() -> None:
        with app.app_context(), app.extensions["db_engine"].connect() as conn:
            result = reports.attendance_report(conn, reports.Filters(FIRST_DAY, last), ZONE)
        out["report_rows"] = len(result.rows)
        out["report_people"] = len(result.totals)

    def api_json() -> None:
        response = client.get(
            f"/api/v1/attendance?{query}&limit=1000000", headers={"Authorization": f"Bearer {admin}"}
        )
        assert response.status_code == 200

    out["page"] = timed(page, repeat)
    out["report_only"] = timed(report_only, repeat)
    out["csv"] = timed(download("csv"), repeat)
    out["xlsx"] = timed(download("xlsx"), max(1, repeat // 2))
    out["api_json"] = timed(api_json, repeat)
    app.extensions["db_engine"].dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result: dict = {
        "benchmark": "console attendance report",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "params": vars(args),
    }
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = run(f"sqlite:///{tmp}/report.db", args.people, args.days, args.repeat, tmp)
        base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if base:
            schema = f"bench_report_{uuid.uuid4().hex[:8]}"
            engine = create_engine(base)
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in base else "?"
            try:
                url = f"{base}{sep}options=-csearch_path%3D{schema}"
                result["postgresql"] = run(url, args.people, args.days, args.repeat, tmp)
            finally:
                with engine.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()
        else:
            result["postgresql"] = "skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
