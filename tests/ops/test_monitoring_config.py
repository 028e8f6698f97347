"""Prometheus config, alert rules and Grafana dashboards: valid, tested, and querying only real metrics."""

from __future__ import annotations

import subprocess

import pytest

from tests.helpers import ROOT, require_binary
from tests.ops.native import PROMETHEUS_DIR, alertmanager_config, load_yaml
from tests.ops.promql import (
    ALLOWED_METRICS,
    dashboard_queries,
    dashboards,
    metric_names,
    rule_expressions,
)

GRAFANA = ROOT / "monitoring" / "grafana"
REQUIRED_ALERTS = {
    "FaceAttendReplicaDown",
    "FaceAttendAllReplicasDown",
    "FaceAttendHighErrorRate",
    "FaceAttendSlowIngest",
    "FaceAttendKioskSilent",
    "FaceAttendKioskBacklogGrowing",
    "FaceAttendLowRecognitionConfidence",
    "FaceAttendHighMemory",
}


def _promtool(*args: str) -> subprocess.CompletedProcess:
    promtool = require_binary("promtool")
    return subprocess.run([promtool, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)


def test_promtool_accepts_the_prometheus_config():
    result = _promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_alert_rules():
    rule_files = sorted(str(p.relative_to(PROMETHEUS_DIR)) for p in (PROMETHEUS_DIR / "rules").glob("*.yml"))
    assert rule_files
    result = _promtool("check", "rules", *rule_files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_behaves_as_its_promtool_test_says():
    tests = sorted(str(p.relative_to(PROMETHEUS_DIR)) for p in (PROMETHEUS_DIR / "tests").glob("*.yml"))
    assert tests
    result = _promtool("test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr


def _alerts() -> list[dict]:
    rules = []
    for path in sorted((PROMETHEUS_DIR / "rules").glob("*.yml")):
        for group in load_yaml(path)["groups"]:
            rules.extend(r for r in group["rules"] if "alert" in r)
    return rules


def test_the_issue_s_alerts_all_exist():
    assert REQUIRED_ALERTS <= {r["alert"] for r in _alerts()}


@pytest.mark.parametrize("rule", _alerts(), ids=lambda r: r["alert"])
def test_alert_has_severity_summary_and_description(rule):
    allowed = {"critical", "warning", "info"} | ({"none"} if rule["alert"] == "Watchdog" else set())
    assert rule["labels"]["severity"] in allowed
    assert rule["annotations"]["summary"].strip()
    assert rule["annotations"]["description"].strip()


def test_every_alert_has_a_promtool_test_case():
    tested = set()
    for path in (PROMETHEUS_DIR / "tests").glob("*.yml"):
        for case in load_yaml(path)["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    tested.add(check["alertname"])
    assert {r["alert"] for r in _alerts()} <= tested


@pytest.mark.parametrize("name,expr", list(rule_expressions()), ids=[n for n, _ in rule_expressions()])
def test_alert_queries_only_metrics_that_exist(name, expr):
    assert metric_names(expr) <= ALLOWED_METRICS, f"{name}: unknown metrics {metric_names(expr) - ALLOWED_METRICS}"


def test_prometheus_scrapes_each_app_replica_through_dns_not_the_balancer():
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    app = next(job for job in config["scrape_configs"] if job["job_name"] == "faceattend")
    assert app["dns_sd_configs"][0]["names"] == ["app"]
    assert "static_configs" not in app
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"faceattend", "redis", "postgres", "nginx"} <= jobs


def test_the_three_dashboards_exist_with_unique_uids_and_panel_ids():
    boards = dashboards()
    assert set(boards) == {"system-overview.json", "face-recognition.json", "infrastructure.json"}
    uids = [b["uid"] for b in boards.values()]
    assert len(set(uids)) == len(uids)
    for name, board in boards.items():
        ids = [p["id"] for p in board["panels"]]
        assert len(set(ids)) == len(ids), name
        assert all(p.get("targets") for p in board["panels"]), name


def test_dashboards_use_the_provisioned_datasource():
    datasource = load_yaml(GRAFANA / "provisioning" / "datasources" / "prometheus.yml")["datasources"][0]
    for name, board in dashboards().items():
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] == datasource["uid"], (name, panel["title"])
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == datasource["uid"], (name, panel["title"])


def test_the_dashboard_provider_points_where_compose_mounts_the_dashboards():
    provider = load_yaml(GRAFANA / "provisioning" / "dashboards" / "faceattend.yml")["providers"][0]
    compose = load_yaml(ROOT / "docker-compose.yml")
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./monitoring/grafana/dashboards:{provider['options']['path']}:ro" in mounts


def test_the_recognition_dashboard_covers_what_the_issue_asks():
    board = dashboards()["face-recognition.json"]
    exprs = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
    assert "[1h]" in exprs and "[1d]" in exprs  # check-ins per hour and per day
    assert 'result="unknown"' in exprs
    assert "face_recognition_confidence_bucket" in exprs
    assert "kiosk_frames_per_second" in exprs and "kiosk_recognition_latency_seconds" in exprs


@pytest.mark.parametrize(
    "board,title,expr", list(dashboard_queries()), ids=[f"{b}:{t}" for b, t, _ in dashboard_queries()]
)
def test_dashboard_queries_only_metrics_that_exist(board, title, expr):
    names = metric_names(expr.replace("label_values(", "(").replace(", kiosk)", ")"))
    assert names <= ALLOWED_METRICS, f"{board} / {title}: unknown metrics {names - ALLOWED_METRICS}"


def test_the_metric_name_extractor_sees_through_promql():
    expr = 'histogram_quantile(0.95, sum by (le, endpoint) (rate(http_request_duration_seconds_bucket{job="x"}[5m])))'
    assert metric_names(expr) == {"http_request_duration_seconds_bucket"}
    assert metric_names('absent(up{job="a"} == 1) or vector(0)') == {"up"}
    assert metric_names("typo_metric_total / on (kiosk) kiosk_sync_backlog") == {
        "typo_metric_total",
        "kiosk_sync_backlog",
    }


# ---- Alertmanager: routes and receivers from the environment ----

RECEIVER_SETTINGS = {
    "webhook": {"ALERT_WEBHOOK_URL": "https://chat.example.org/hooks/ops"},
    "email": {"ALERT_EMAIL_TO": "ops@example.org", "ALERT_SMTP_SMARTHOST": "smtp.example.org:587",
              "ALERT_SMTP_USERNAME": "alerts"},  # fmt: skip
    "both": {"ALERT_WEBHOOK_URL": "https://chat.example.org/hooks/ops", "ALERT_EMAIL_TO": "ops@example.org",
             "ALERT_SMTP_SMARTHOST": "smtp.example.org:25", "WATCHDOG_WEBHOOK_URL": "https://dms.example.org/p/1"},
}


def _amtool(*args: str) -> subprocess.CompletedProcess:
    amtool = require_binary("amtool")
    return subprocess.run([amtool, *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("kind", list(RECEIVER_SETTINGS))
def test_amtool_accepts_the_config_rendered_from_the_environment(kind, tmp_path):
    config = alertmanager_config(tmp_path, RECEIVER_SETTINGS[kind])
    result = _amtool("check-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    text = config.read_text()
    assert ("webhook_configs" in text) == ("ALERT_WEBHOOK_URL" in RECEIVER_SETTINGS[kind])
    assert ("email_configs" in text) == ("ALERT_EMAIL_TO" in RECEIVER_SETTINGS[kind])


@pytest.mark.parametrize(
    "labels,receiver",
    [(["alertname=Watchdog", "severity=none"], "watchdog"),
     (["alertname=FaceAttendAllReplicasDown", "severity=critical"], "people"),
     (["alertname=FaceAttendKioskSilent", "severity=warning", "kiosk=lobby"], "people")],
)  # fmt: skip
def test_alerts_are_routed_to_people_and_the_watchdog_to_the_dead_man_s_switch(labels, receiver, tmp_path):
    config = alertmanager_config(tmp_path, RECEIVER_SETTINGS["both"])
    result = _amtool("config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0 and result.stdout.strip() == receiver, result.stdout + result.stderr


@pytest.mark.parametrize(
    "env,message",
    [({}, "alerts would reach nobody"), ({"ALERT_EMAIL_TO": "ops@example.org"}, "ALERT_SMTP_SMARTHOST")],
)
def test_alertmanager_refuses_to_start_without_a_receiver(env, message, tmp_path):
    with pytest.raises(RuntimeError, match=message):
        alertmanager_config(tmp_path, env)


def test_prometheus_sends_alerts_to_alertmanager_and_has_a_watchdog():
    config = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["alertmanager:9093"]
    watchdog = [r for r in _alerts() if r["alert"] == "Watchdog"]
    assert watchdog and watchdog[0]["expr"] == "vector(1)" and "for" not in watchdog[0]
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert {"alertmanager", "node", "cadvisor"} <= jobs


# ---- dashboards for people who glance ----

STATUS_PANELS = {"stat", "gauge", "bargauge"}


def _panels() -> list[tuple[str, dict]]:
    return [(name, panel) for name, board in dashboards().items() for panel in board["panels"]]


@pytest.mark.parametrize(
    "board,panel", [(b, p) for b, p in _panels() if p["type"] in STATUS_PANELS], ids=lambda x: str(x)[:40]
)
def test_every_status_panel_has_thresholds_that_colour_it(board, panel):
    defaults = panel["fieldConfig"]["defaults"]
    overrides = [prop["value"] for o in panel["fieldConfig"]["overrides"] for prop in o["properties"]
                 if prop["id"] == "thresholds"]  # fmt: skip
    steps = [s for th in [defaults.get("thresholds")] + overrides if th for s in th["steps"]]
    assert steps, f"{board} / {panel['title']}: no thresholds"
    colours = {s["color"] for s in steps}
    assert len(colours) >= 2 or panel["title"].startswith("Check-ins"), f"{panel['title']}: one colour tells nothing"
    if defaults.get("color", {}).get("mode"):
        assert defaults["color"]["mode"] == "thresholds"


def test_zero_replicas_is_red_not_green():
    panel = next(p for b, p in _panels() if p["title"] == "App replicas up")
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[0] == {"color": "red", "value": None} and "or vector(0)" in panel["targets"][0]["expr"]


def test_the_overview_shows_kiosks_online_offline_and_check_ins_per_minute():
    titles = {p["title"]: p for b, p in _panels() if b == "system-overview.json"}
    assert {"Kiosks online", "Kiosks offline", "Check-ins per minute", "Check-ins per minute by kiosk"} <= set(titles)
    assert "< 300" in titles["Kiosks online"]["targets"][0]["expr"]
    assert ">= 300" in titles["Kiosks offline"]["targets"][0]["expr"]
    assert "* 60" in titles["Check-ins per minute"]["targets"][0]["expr"]


def test_the_kiosk_table_has_one_row_per_kiosk():
    table = next(p for b, p in _panels() if p["title"] == "Kiosks")
    assert all(t.get("format") == "table" and t.get("instant") for t in table["targets"])
    assert all("by (kiosk)" in t["expr"] or "max by (kiosk)" in t["expr"] for t in table["targets"])
    join = table["transformations"][0]
    assert join["id"] == "joinByField" and join["options"]["byField"] == "kiosk"


def test_confidence_is_shown_per_kiosk():
    panel = next(p for b, p in _panels() if p["title"] == "Median confidence by kiosk")
    assert "sum by (kiosk, le)" in panel["targets"][0]["expr"] and panel["targets"][0]["legendFormat"] == "{{kiosk}}"


def test_the_infrastructure_dashboard_shows_each_container_s_cpu_memory_network_and_storage():
    exprs = " ".join(t["expr"] for b, p in _panels() if b == "infrastructure.json" for t in p["targets"])
    for metric in ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                   "container_network_receive_bytes_total", "container_network_transmit_bytes_total",
                   "container_fs_usage_bytes"):  # fmt: skip
        assert metric in exprs, metric
    assert exprs.count("by (name)") >= 5
