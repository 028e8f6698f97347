"""Prometheus metrics: request and ingest instrumentation, kiosk gauges computed at scrape time.

Under gunicorn PROMETHEUS_MULTIPROC_DIR is set and the counters and histograms live in prometheus_client's
multiprocess files; /metrics merges them. The kiosk gauges come from a collector that reads the
``heartbeats`` table at scrape time, so they agree across workers and survive restarts.
``process_resident_memory_bytes`` is, in multiprocess mode, a livesum gauge (the sum over the live
workers) that every worker refreshes at most once a second while it serves requests and at each scrape.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, select

from server import schema
from server.corrections import false_accepts_by_kiosk

log = logging.getLogger(__name__)
bp = Blueprint("metrics", __name__)

CONFIDENCE_BUCKETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)


def multiprocess_enabled() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests by method, url rule and status", ["method", "endpoint", "status"]
)
HTTP_DURATION = Histogram("http_request_duration_seconds", "HTTP request duration by url rule", ["endpoint"])
ATTENDANCE_RECORDS = Counter(
    "attendance_records_total", "Check-ins received, by kiosk and outcome", ["kiosk", "status"]
)
CHECKINS = Counter(
    "attendance_checkins_total",
    "Check-ins stored (not voids, not duplicates), by kiosk and method (face, pin, badge)",
    ["kiosk", "method"],
)
KIOSK_VOIDS = Counter(
    "attendance_kiosk_voids_total", "'Not you?' voids stored from kiosks, by kiosk", ["kiosk"]
)
INGEST_DURATION = Histogram(
    "attendance_ingest_duration_seconds",
    "Time to validate and store one POST /api/v1/events batch",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
RECOGNITIONS = Counter(
    "face_recognition_requests_total",
    "Faces the kiosks tried to recognise, from heartbeats",
    ["kiosk", "result"],
)
# Per kiosk: a camera that moved or got dirty shows as one kiosk's confidence falling (the kiosks are
# registered, so the label's values are bounded).
CONFIDENCE = Histogram(
    "face_recognition_confidence", "1 - distance of each created check-in", ["kiosk"], buckets=CONFIDENCE_BUCKETS
)
RSS = (
    Gauge(
        "process_resident_memory_bytes",
        "Resident memory of the server workers",
        multiprocess_mode="livesum",
        registry=None,  # read back through the multiprocess files, not the default registry
    )
    if multiprocess_enabled()
    else None
)

_rss_lock = threading.Lock()
_rss_updated = 0.0


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: the peak is the best we have
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def update_rss(force: bool = False) -> None:
    """Refresh this worker's share of process_resident_memory_bytes (multiprocess mode only)."""
    global _rss_updated
    if RSS is None:
        return
    now = time.monotonic()
    with _rss_lock:
        if not force and now - _rss_updated < 1.0:
            return
        _rss_updated = now
    RSS.set(_rss_bytes())


class KioskCollector(Collector):
    """The kiosk gauges, read from the last heartbeat of every active kiosk at scrape time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families = {
            "last": GaugeMetricFamily(
                "kiosk_last_heartbeat_timestamp_seconds",
                "Unix time of the kiosk's last heartbeat",
                labels=["kiosk"],
            ),
            "age": GaugeMetricFamily(
                "kiosk_heartbeat_age_seconds", "Seconds since the kiosk's last heartbeat", labels=["kiosk"]
            ),
            "backlog": GaugeMetricFamily(
                "kiosk_sync_backlog", "Check-ins the kiosk has not yet synced", labels=["kiosk"]
            ),
            "fps": GaugeMetricFamily("kiosk_frames_per_second", "Camera frames per second", labels=["kiosk"]),
            "latency": GaugeMetricFamily(
                "kiosk_recognition_latency_seconds",
                "Recognition latency reported by the kiosk",
                labels=["kiosk"],
            ),
        }
        false_accepts = GaugeMetricFamily(
            "kiosk_false_accepts",
            "Face check-ins later voided ('Not you?' or the console's Review) or reassigned, per kiosk",
            labels=["kiosk"],
        )
        hb, k = schema.heartbeats, schema.kiosks
        query = select(hb).join(k, k.c.name == hb.c.kiosk).where(k.c.revoked_at.is_(None))
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
                observed = false_accepts_by_kiosk(conn)
        except Exception:  # noqa: BLE001 - a scrape must still answer when the database is down
            log.warning("kiosk gauges unavailable: database query failed", exc_info=True)
            rows, observed = [], {}
        now = time.time()
        for row in rows:
            families["last"].add_metric([row.kiosk], row.received_at)
            families["age"].add_metric([row.kiosk], max(0.0, now - row.received_at))
            families["backlog"].add_metric([row.kiosk], row.sync_backlog)
            families["fps"].add_metric([row.kiosk], row.fps)
            families["latency"].add_metric([row.kiosk], row.recognition_latency_ms / 1000.0)
        for kiosk, n in sorted(observed.items()):
            false_accepts.add_metric([kiosk], n)
        yield from families.values()
        yield false_accepts


#: The methods the app answers; any other method name is counted as "other", so a client cannot create
#: a new series per made-up method (``curl -X AAAAB``).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"})


def _endpoint() -> str:
    """The matched url rule (bounded by the app's routes), or "unmatched" for any path that matched none."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _method() -> str:
    return request.method if request.method in KNOWN_METHODS else "other"


def _before() -> None:
    g.request_started = time.perf_counter()
    update_rss()


def _after(response: Response) -> Response:
    started = g.pop("request_started", None)
    endpoint = _endpoint()
    HTTP_REQUESTS.labels(_method(), endpoint, str(response.status_code)).inc()
    if started is not None:
        HTTP_DURATION.labels(endpoint).observe(time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics() -> Response:
    kiosk_registry: CollectorRegistry = current_app.extensions["metrics_registry"]
    if multiprocess_enabled():
        from prometheus_client import multiprocess

        update_rss(force=True)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry) + generate_latest(kiosk_registry)
    else:
        body = generate_latest(REGISTRY) + generate_latest(kiosk_registry)
    return Response(body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"})


def record_ingest(
    kiosk: str, counts: dict[str, int], confidences: list[float], seconds: float, methods: list[str], voids: int
) -> None:
    """Count one batch: outcomes, the methods of the stored check-ins, stored voids, confidences, time."""
    for status, n in counts.items():
        if n:
            ATTENDANCE_RECORDS.labels(kiosk, status).inc(n)
    for method in set(methods):
        CHECKINS.labels(kiosk, method).inc(methods.count(method))
    if voids:
        KIOSK_VOIDS.labels(kiosk).inc(voids)
    for c in confidences:
        CONFIDENCE.labels(kiosk).observe(c)
    INGEST_DURATION.observe(seconds)


def record_recognitions(kiosk: str, recognized: int, unknown: int) -> None:
    if recognized:
        RECOGNITIONS.labels(kiosk, "recognized").inc(recognized)
    if unknown:
        RECOGNITIONS.labels(kiosk, "unknown").inc(unknown)


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()
    registry.register(KioskCollector(app.extensions["db_engine"]))
    app.extensions["metrics_registry"] = registry
    app.before_request(_before)
    app.after_request(_after)
    app.register_blueprint(bp)
