"""docker-compose.yml and the Dockerfile: what the compose schema cannot check.

Docker does not run on the test machines; these tests read the files the way the engine would and hold
them to the deployment's rules (non-root, healthchecks, pinned tags, secrets as files, profiles).
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, require, require_binary
from tests.ops.native import load_yaml

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|_KEY$|^KEY$|_PASS$|CREDENTIAL)", re.I)
#: Images without a shell or HTTP client, where no healthcheck can run; Prometheus's `up` watches them.
NO_HEALTHCHECK = {"nginx-exporter"}
#: Where the app's embeddings key lives: on its own volume, created by the entrypoint (never a compose secret).
KEY_FILE = "/data/keys/embeddings.key"

PROFILES = {
    ("basic",): {"app", "nginx", "redis"},
    ("production",): {"app", "nginx-tls", "redis", "postgres"},
    ("production", "monitoring"): {
        "app",
        "nginx-tls",
        "redis",
        "postgres",
        "prometheus",
        "grafana",
        "redis-exporter",
        "postgres-exporter",
        "nginx-exporter",
        "alertmanager",
        "node-exporter",
        "cadvisor",
    },
}
#: Services that must run as root, and why (every other one runs as a non-root user).
ROOT_SERVICES = {"cadvisor": "reads every container's cgroups and the engine's state under /var/lib"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return load_yaml(COMPOSE)


def active_services(compose: dict, profiles: tuple[str, ...]) -> set[str]:
    """The services `docker compose --profile P ... up` starts."""
    return {
        name
        for name, service in compose["services"].items()
        if not service.get("profiles") or set(service["profiles"]) & set(profiles)
    }


def resolve_default(value: str) -> str:
    """``${VAR:-default}`` -> ``default``: what compose uses when .env leaves VAR unset."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)


def test_compose_file_validates_against_the_compose_spec_schema():
    checker = ROOT / ".venv" / "bin" / "check-jsonschema"
    require(checker.exists(), "check-jsonschema is not installed in .venv (pip install -e '.[dev]')")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("profiles", list(PROFILES), ids=["+".join(p) for p in PROFILES])
def test_each_profile_starts_what_it_promises(compose, profiles):
    assert active_services(compose, profiles) == PROFILES[profiles]


def test_the_app_can_scale(compose):
    app = compose["services"]["app"]
    assert "container_name" not in app
    assert "ports" not in app, "a host port would stop `--scale app=N` at the second replica"
    assert not any("container_name" in s for s in compose["services"].values())


def test_every_image_tag_is_pinned(compose):
    for name, service in compose["services"].items():
        image = resolve_default(service["image"])
        assert ":" in image.rsplit("/", 1)[-1], f"{name}: {image} has no tag"
        tag = image.rsplit(":", 1)[1]
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not pinned"


def test_every_service_runs_as_a_non_root_user(compose):
    for name, service in compose["services"].items():
        if name in ROOT_SERVICES:
            assert service.get("read_only") is True, f"{name} runs as root: at least its root is read-only"
            continue
        user = str(service.get("user", ""))
        assert user, f"{name} has no user"
        assert user.split(":")[0] not in {"root", "0"}, f"{name} runs as root"


def test_every_service_has_a_healthcheck_and_dependents_wait_for_it(compose):
    services = compose["services"]
    for name, service in services.items():
        if name in NO_HEALTHCHECK:
            continue
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
    for name, service in services.items():
        for dependency, spec in service.get("depends_on", {}).items():
            assert isinstance(spec, dict), f"{name} -> {dependency}: use the long form with a condition"
            if dependency not in NO_HEALTHCHECK:
                assert spec["condition"] == "service_healthy", f"{name} -> {dependency}"


def test_the_app_s_healthcheck_asks_its_health_endpoint(compose):
    test = " ".join(compose["services"]["app"]["healthcheck"]["test"])
    assert "/health" in test


def test_no_secret_is_passed_in_an_environment_variable(compose):
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        assert isinstance(env, dict), f"{name}: use the mapping form for environment"
        for key, value in env.items():
            if SECRET_NAME.search(key):
                assert key.endswith("_FILE"), f"{name}: {key} carries a secret; pass a *_FILE instead"
                assert str(value).startswith("/run/secrets/"), f"{name}: {key}={value}"
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", str(value)), f"{name}: {key} embeds a password"


def test_the_app_has_its_embeddings_key_file_on_its_volume(compose):
    app = compose["services"]["app"]
    assert app["environment"].get("EMBEDDINGS_KEY_FILE") == KEY_FILE
    mounts = {m.split(":")[1]: m.split(":")[0] for m in app["volumes"]}
    assert "/data" in mounts and mounts["/data"] in compose["volumes"], "the key must live on a named volume"
    assert KEY_FILE.startswith("/data/")


def test_the_embeddings_key_is_neither_a_compose_secret_nor_an_environment_value(compose):
    # Compose mounts file secrets 0644, and the server refuses a key readable by others.
    assert not KEY_FILE.startswith("/run/secrets/")
    assert not any(re.search(r"embed|key_file", name, re.I) for name in compose["secrets"])
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            source = secret if isinstance(secret, str) else secret["source"]
            assert "embed" not in source.lower(), f"{name}: the embeddings key must not be a compose secret"
        for key, value in service.get("environment", {}).items():
            if "EMBEDDINGS" in key.upper():
                assert key == "EMBEDDINGS_KEY_FILE" and name == "app", f"{name}: {key}"
                assert str(value).startswith("/") and not str(value).startswith("/run/secrets/"), value
    text = COMPOSE.read_text()
    assert "EMBEDDINGS_KEY:" not in text and "EMBEDDINGS_KEY=" not in text, "the key itself is never a value"


def test_secrets_are_files_under_the_secrets_folder(compose):
    declared = compose["secrets"]
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            assert secret in declared, f"{name} uses undeclared secret {secret}"
    for name, secret in declared.items():
        assert resolve_default(secret["file"]).startswith("./secrets/"), name


def test_production_services_restart_have_limits_and_a_read_only_root(compose):
    for name in PROFILES[("production", "monitoring")]:
        service = compose["services"][name]
        assert service.get("restart") in {"unless-stopped", "always"}, name
        limits = service["deploy"]["resources"]["limits"]
        assert limits.get("memory") and limits.get("cpus"), name
        assert service.get("read_only") is True, name
        assert "no-new-privileges:true" in service.get("security_opt", []), name


def test_state_lives_in_named_volumes(compose):
    declared = set(compose["volumes"])
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            mount = resolve_default(mount)
            source = mount.split(":", 1)[0]
            if source.startswith((".", "/")):
                assert mount.endswith(":ro"), f"{name}: bind mount {mount} must be read-only"
            else:
                assert source in declared, f"{name}: {source} is not a named volume"


def test_only_nginx_and_loopback_monitoring_publish_host_ports(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            if name.startswith("nginx"):
                continue
            assert resolve_default(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_nginx_services_mount_the_project_config(compose):
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in compose["services"]["nginx"]["volumes"]
    assert "./nginx/nginx-tls.conf:/etc/nginx/nginx.conf:ro" in compose["services"]["nginx-tls"]["volumes"]
    assert compose["services"]["nginx-tls"]["secrets"] == ["tls_cert", "tls_key"]


def test_prometheus_mounts_the_project_config(compose):
    assert "./monitoring/prometheus:/etc/prometheus:ro" in compose["services"]["prometheus"]["volumes"]


# ---- Dockerfile ----


def _stages() -> list[list[str]]:
    lines = DOCKERFILE.read_text().splitlines()
    stages: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def _dockerfile_args() -> dict[str, str]:
    return dict(re.findall(r"^ARG (\w+)=(\S+)$", DOCKERFILE.read_text(), re.M))


def test_dockerfile_is_multi_stage_with_pinned_bases():
    stages = _stages()
    assert len(stages) >= 2
    args = _dockerfile_args()
    for stage in stages:
        base = stage[0].split()[1]
        base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
        assert ":" in base and not base.endswith(":latest"), base


def test_dockerfile_runs_as_a_non_root_user_with_a_health_check():
    final = "\n".join(_stages()[-1])
    users = re.findall(r"^USER (\S+)", final, re.M)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*", final, re.M)
    assert "/health" in final.split("HEALTHCHECK", 1)[1].split("\n\n", 1)[0]


def test_dockerfile_serves_with_gunicorn_in_multiprocess_mode():
    text = DOCKERFILE.read_text()
    assert re.search(r"PROMETHEUS_MULTIPROC_DIR=/tmp/", text)
    cmd = re.findall(r"^CMD (.*)$", text, re.M)[-1]
    assert "server serve" in cmd and "--workers" in cmd


def _instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined and heredoc bodies left out."""
    lines, out, heredoc = DOCKERFILE.read_text().splitlines(), [], None
    for line in lines:
        if heredoc:
            heredoc = None if line == heredoc else heredoc
            continue
        if line.lstrip().startswith("#") or not line.strip():
            continue
        if out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1] + " " + line.strip()
        else:
            out.append(line)
        marker = re.search(r"<<'?(\w+)'?", line)
        heredoc = marker.group(1) if marker else None
    return out


def test_dockerfile_bakes_in_no_secret():
    for instruction in _instructions():
        if instruction.split()[0] in {"ENV", "ARG"}:
            for key in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", instruction):
                assert not SECRET_NAME.search(key) or key.endswith("_FILE"), instruction
        if instruction.startswith(("COPY", "ADD")):
            assert "secret" not in instruction and ".env" not in instruction, instruction
    ignore = [x for x in (ROOT / ".dockerignore").read_text().splitlines() if x and not x.startswith("#")]
    assert ignore[0] == "*", ".dockerignore should list what goes in, after excluding everything"
    assert not any(x.startswith("!") and ("secret" in x or ".env" in x) for x in ignore)


def _entrypoint() -> str:
    return (ROOT / "scripts" / "container" / "entrypoint.sh").read_text()


def test_the_dockerfile_copies_the_entrypoint_file():
    assert "COPY scripts/container/entrypoint.sh /usr/local/bin/faceattend-entrypoint" in _instructions()
    assert os.access(ROOT / "scripts" / "container" / "entrypoint.sh", os.X_OK)


def test_the_dockerfile_builds_with_buildah_1_28_too():
    """No heredocs (buildah 1.28 reads none) and no BuildKit-only flags."""
    text = DOCKERFILE.read_text()
    assert not re.search(r"<<-?'?\w+'?", "\n".join(_instructions())), "a heredoc: Debian's buildah cannot read it"
    for flag in ("--chmod", "--link", "--mount=type=secret", "--checksum"):
        assert flag not in text, flag


def test_the_base_image_is_pinned_by_digest_and_can_be_swapped():
    args = _dockerfile_args()
    assert re.fullmatch(r"python:3\.\d+\.\d+-slim-\w+@sha256:[0-9a-f]{64}", args["PYTHON_IMAGE"])
    assert all(stage[0].startswith("FROM ${PYTHON_IMAGE}") for stage in _stages())
    assert "python3 -m venv" in DOCKERFILE.read_text(), "Debian's own python3 has no `python` command"


def test_the_entrypoint_passes_shellcheck(tmp_path):
    shellcheck = require_binary("shellcheck")
    script = tmp_path / "entrypoint.sh"
    script.write_text(_entrypoint())
    result = subprocess.run([shellcheck, "-s", "sh", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def _run_entrypoint(tmp_path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    script = tmp_path / "entrypoint.sh"
    script.write_text(_entrypoint())
    base = {
        # `python` is the image's venv python; here the project's own, which has the server installed
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "multiproc"),
        "EMBEDDINGS_KEY_FILE": str(tmp_path / "keys" / "embeddings.key"),
    }
    return subprocess.run(["sh", str(script), "env"], env={**base, **env}, capture_output=True, text=True,
                          check=check, cwd=tmp_path)  # fmt: skip


def _entrypoint_env(tmp_path, env: dict[str, str]) -> dict[str, str]:
    out = _run_entrypoint(tmp_path, env).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_the_entrypoint_reads_secret_files_into_the_server_s_variables(tmp_path):
    (tmp_path / "key").write_text("k" * 64)
    (tmp_path / "pw").write_text("hunter2hunter2")
    env = _entrypoint_env(
        tmp_path,
        {
            "SECRET_KEY_FILE": str(tmp_path / "key"),
            "POSTGRES_PASSWORD_FILE": str(tmp_path / "pw"),
            "POSTGRES_HOST": "postgres",
            "POSTGRES_USER": "faceattend",
            "POSTGRES_DB": "faceattend",
        },
    )
    assert env["SECRET_KEY"] == "k" * 64
    assert env["DATABASE_URL"] == "postgresql+psycopg://faceattend:hunter2hunter2@postgres:5432/faceattend"
    assert (tmp_path / "multiproc").is_dir()


def test_the_entrypoint_leaves_sqlite_alone_without_postgres_host(tmp_path):
    (tmp_path / "key").write_text("k" * 64)
    env = _entrypoint_env(tmp_path, {"SECRET_KEY_FILE": str(tmp_path / "key"), "POSTGRES_HOST": ""})
    assert "DATABASE_URL" not in env


def test_the_entrypoint_creates_the_embeddings_key_once_owner_only(tmp_path):
    key = tmp_path / "keys" / "embeddings.key"
    first = _run_entrypoint(tmp_path, {})
    env = dict(line.split("=", 1) for line in first.stdout.splitlines() if "=" in line)
    assert env["EMBEDDINGS_KEY_FILE"] == str(key), "exported for the server"
    assert key.stat().st_size == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600, "owner-only, or the server refuses it"
    assert stat.S_IMODE(key.parent.stat().st_mode) & 0o077 == 0
    assert "creating one" in first.stderr
    created = key.read_bytes()

    again = _run_entrypoint(tmp_path, {})
    assert key.read_bytes() == created, "an existing key is never replaced"
    assert "creating one" not in again.stderr


def test_the_entrypoint_s_default_key_file_is_on_the_app_volume():
    script = _entrypoint()
    assert f'EMBEDDINGS_KEY_FILE="${{EMBEDDINGS_KEY_FILE:-{KEY_FILE}}}"' in script
    assert "python -m server keygen" in script
    assert "export EMBEDDINGS_KEY_FILE" in script
    dockerfile = DOCKERFILE.read_text()
    assert f"EMBEDDINGS_KEY_FILE={KEY_FILE}" in dockerfile, "also set in the image, for exec without entrypoint"
    assert re.search(r"mkdir -p /data/keys.*chown -R faceattend:faceattend /data.*chmod 700 /data/keys",
                     dockerfile, re.S)  # fmt: skip


def test_the_entrypoint_stops_when_it_cannot_create_the_key(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = _run_entrypoint(tmp_path, {"EMBEDDINGS_KEY_FILE": str(blocker / "embeddings.key")}, check=False)
    assert result.returncode != 0 and "EMBEDDINGS_KEY_FILE=" not in result.stdout


# ---- portability: nothing that only Docker provides ----


def test_nginx_takes_its_resolver_from_the_container_at_start(compose):
    for name in ("nginx", "nginx-tls"):
        service = compose["services"][name]
        assert service["entrypoint"] == ["/bin/sh", "/etc/nginx/faceattend/resolver-entrypoint.sh"], name
        assert service["command"][0] == "nginx"
    text = "\n".join(p.read_text() for p in (ROOT / "nginx").rglob("*.conf"))
    assert "resolver 127.0.0.11" not in text, "Docker's own DNS address: nginx answers 502 under Podman"


def test_third_party_images_can_be_swapped_for_local_builds(compose):
    """Where no registry is reachable, .env points these at locally built images (scripts/local-images.sh)."""
    text = COMPOSE.read_text()
    for variable in ("NGINX_IMAGE", "REDIS_IMAGE", "POSTGRES_IMAGE", "PROMETHEUS_IMAGE", "ALERTMANAGER_IMAGE"):
        assert "${" + variable + ":-" in text, variable


def test_alertmanager_is_configured_from_the_environment(compose):
    service = compose["services"]["alertmanager"]
    assert service["entrypoint"][-1] == "/etc/alertmanager/render-config.sh"
    assert "--config.file=/tmp/alertmanager.yml" in service["command"]
    assert {"ALERT_WEBHOOK_URL", "ALERT_EMAIL_TO", "ALERT_SMTP_SMARTHOST", "WATCHDOG_WEBHOOK_URL"} <= set(
        service["environment"]
    )
    assert "./monitoring/alertmanager:/etc/alertmanager:ro" in service["volumes"]
