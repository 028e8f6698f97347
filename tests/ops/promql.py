"""What the ops files may query: the metric names the server exports, and a small PromQL name extractor."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from tests.helpers import ROOT

DASHBOARD_DIR = ROOT / "monitoring" / "grafana" / "dashboards"
RULES_DIR = ROOT / "monitoring" / "prometheus" / "rules"

#: The server's metrics (the contract in the ops issue); histograms also expose _bucket, _sum, _count.
APP_COUNTERS = {"http_requests_total", "attendance_records_total", "face_recognition_requests_total",
                "attendance_checkins_total", "attendance_kiosk_voids_total"}
APP_HISTOGRAMS = {"http_request_duration_seconds", "attendance_ingest_duration_seconds", "face_recognition_confidence"}
APP_GAUGES = {
    "kiosk_last_heartbeat_timestamp_seconds",
    "kiosk_heartbeat_age_seconds",
    "kiosk_sync_backlog",
    "kiosk_frames_per_second",
    "kiosk_recognition_latency_seconds",
    "process_resident_memory_bytes",
    "kiosk_false_accepts",
}
APP_METRICS = (
    APP_COUNTERS | APP_GAUGES | {f"{h}{suffix}" for h in APP_HISTOGRAMS for suffix in ("_bucket", "_sum", "_count")}
)
#: Series Prometheus makes itself.
PROMETHEUS_METRICS = {"up", "scrape_duration_seconds", "ALERTS"}
#: The exporters' own metrics (redis_exporter, postgres_exporter, nginx-prometheus-exporter).
EXPORTER_METRICS = {
    "redis_up",
    "redis_memory_used_bytes",
    "redis_connected_clients",
    "pg_up",
    "pg_stat_database_numbackends",
    "nginx_up",
    "nginx_connections_active",
    "nginx_http_requests_total",
}
#: node-exporter (file systems; the textfile collector's files from scripts/backup.sh and tls_cert_metric.sh).
NODE_METRICS = {
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "faceattend_backup_last_success_timestamp_seconds",
    "faceattend_backup_last_size_bytes",
    "faceattend_tls_cert_not_after_timestamp_seconds",
}
#: cAdvisor's per-container series (the infrastructure dashboard).
CADVISOR_METRICS = {
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_spec_memory_limit_bytes",
    "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total",
    "container_fs_usage_bytes",
    "container_fs_reads_bytes_total",
    "container_fs_writes_bytes_total",
}
ALLOWED_METRICS = APP_METRICS | PROMETHEUS_METRICS | EXPORTER_METRICS | NODE_METRICS | CADVISOR_METRICS

_FUNCTIONS = {
    "abs",
    "absent",
    "absent_over_time",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "count_over_time",
    "day_of_week",
    "delta",
    "deriv",
    "exp",
    "floor",
    "histogram_quantile",
    "hour",
    "idelta",
    "increase",
    "irate",
    "label_join",
    "label_replace",
    "last_over_time",
    "ln",
    "log2",
    "log10",
    "max_over_time",
    "min_over_time",
    "predict_linear",
    "quantile_over_time",
    "rate",
    "resets",
    "round",
    "scalar",
    "sort",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "sum_over_time",
    "time",
    "timestamp",
    "vector",
}
_AGGREGATIONS = {
    "sum",
    "min",
    "max",
    "avg",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "group",
}
_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "inf",
    "nan",
}
_DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")

#: Grafana's variables and what the tests put in their place to run a query in Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$kiosk": ".*"}


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (label matchers, strings and ranges removed)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b\d+(\.\d+)?([eE][+-]?\d+)?\b", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for token in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        if token.lower() in _FUNCTIONS | _AGGREGATIONS | _KEYWORDS or _DURATION.match(token):
            continue
        names.add(token)
    return names


def grafana_to_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def dashboards() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARD_DIR.glob("*.json"))}


def dashboard_queries() -> Iterator[tuple[str, str, str]]:
    """(dashboard file, panel title, expr) for every query, template variables included."""
    for name, board in dashboards().items():
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                yield name, panel["title"], target["expr"]
        for variable in board.get("templating", {}).get("list", []):
            query = variable.get("query")
            if isinstance(query, dict):
                yield name, f"variable {variable['name']}", query["query"]


def rule_expressions() -> Iterator[tuple[str, str]]:
    from tests.ops.native import load_yaml

    for path in sorted(RULES_DIR.glob("*.yml")):
        doc = load_yaml(path)
        assert isinstance(doc, dict)
        for group in doc["groups"]:
            for rule in group["rules"]:
                yield rule.get("alert") or rule.get("record"), rule["expr"]


def label_values_metric(expr: str) -> str | None:
    """For Grafana's ``label_values(metric, label)``: the metric; else None."""
    m = re.fullmatch(r"\s*label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,\s*\w+\s*\)\s*", expr)
    return m.group(1) if m else None


def runnable_query(expr: str) -> str:
    """A query Prometheus's HTTP API can run for a dashboard expression (label_values -> a selector)."""
    metric = label_values_metric(expr)
    return metric if metric else grafana_to_promql(expr)
