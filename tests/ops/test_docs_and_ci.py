"""The operator's guide, .env.example and the CI workflow agree with the files they describe."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tests.helpers import ROOT
from tests.ops.native import load_yaml

DOCS = ROOT / "docs" / "operations.md"
WORKFLOW = ROOT / ".github" / "workflows" / "ci-cd.yml"
SCRIPTS = {
    "./deploy.sh": "deploy.sh",
    "./verify_deployment.sh": "verify_deployment.sh",
    "scripts/backup.sh": "scripts/backup.sh",
    "scripts/restore.sh": "scripts/restore.sh",
    "scripts/cleanup.sh": "scripts/cleanup.sh",
    "scripts/health_monitor.sh": "scripts/health_monitor.sh",
}


def _env_example() -> dict[str, str]:
    pairs = re.findall(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.M)
    return dict(pairs)


def test_env_example_lists_every_variable_compose_reads():
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    assert used <= set(_env_example()), f"missing from .env.example: {used - set(_env_example())}"


def test_env_example_holds_no_secret():
    for key, value in _env_example().items():
        assert not re.search(r"PASSWORD|SECRET_KEY|TOKEN", key), key


def test_the_guide_documents_every_variable_and_alert():
    text = DOCS.read_text()
    for key in _env_example():
        assert f"`{key}`" in text, f"{key} is not in docs/operations.md"
    for path in sorted((ROOT / "monitoring" / "prometheus" / "rules").glob("*.yml")):
        for group in load_yaml(path)["groups"]:
            for rule in group["rules"]:
                assert f"| {rule['alert']} |" in text, f"alert {rule['alert']} is not explained"


def test_the_guide_and_env_example_explain_the_embeddings_key():
    text = DOCS.read_text()
    assert "### The embeddings key" in text
    for needed in (
        "EMBEDDINGS_KEY_FILE",
        "/data/keys/embeddings.key",
        "0600",
        "app-data",
        "python -m server keygen",
        "keys/embeddings.key",
        "--key-file",
        "enrol everyone again",
    ):
        assert needed in text, f"docs/operations.md does not mention {needed}"
    example = (ROOT / ".env.example").read_text()
    assert "EMBEDDINGS_KEY_FILE" in example and "/data/keys/embeddings.key" in example
    assert "backup.sh" in example and "enrolled again" in example


def _doc_commands() -> list[list[str]]:
    """Commands in the guide's code blocks (continuation lines joined) that call one of our scripts."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", DOCS.read_text(), re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("#", 1)[0].strip()
            for part in line.split("&&"):
                words = shlex.split(part.strip()) if part.strip() else []
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words.pop(0)
                if words and words[0] in SCRIPTS:
                    commands.append(words)
    return commands


def test_the_guide_shows_each_script():
    shown = {c[0] for c in _doc_commands()}
    assert {"./deploy.sh", "./verify_deployment.sh", "scripts/backup.sh", "scripts/restore.sh",
            "scripts/cleanup.sh"} <= shown  # fmt: skip


@pytest.mark.parametrize("command", _doc_commands(), ids=lambda c: " ".join(c)[:60])
def test_every_option_the_guide_uses_exists(command):
    help_text = subprocess.run(
        [str(ROOT / SCRIPTS[command[0]]), "--help"], capture_output=True, text=True, check=True
    ).stdout
    for word in command[1:]:
        if word.startswith("--"):
            assert re.search(rf"(^|\s){re.escape(word)}(\s|$)", help_text, re.M), f"{command[0]} has no {word}"


def test_ci_workflow_has_the_jobs_the_project_needs():
    workflow = load_yaml(WORKFLOW)
    jobs = workflow["jobs"]
    assert {"lint", "security", "test", "image", "package"} <= set(jobs)
    steps = lambda job: " ".join(str(s.get("run", "")) + str(s.get("uses", "")) for s in jobs[job]["steps"])  # noqa: E731
    assert "ruff check" in steps("lint")
    assert "bandit" in steps("security") and "pip-audit" in steps("security")
    assert jobs["test"]["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12"]
    assert "./bootstrap.sh test" in steps("test")
    assert "docker/build-push-action" in steps("image") and "/health" in steps("image")
    assert set(jobs["package"]["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "windows-latest", "macos-latest"}
    assert "pyinstaller" in steps("package") and "dist/kiosk/kiosk --self-test" in steps("package")
    assert "actions/upload-artifact" in steps("package")


def test_ci_workflow_validates_against_the_github_schema():
    checker = ROOT / ".venv" / "bin" / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_every_ci_job_has_a_timeout_and_every_action_is_pinned_to_a_commit():
    jobs = load_yaml(WORKFLOW)["jobs"]
    for name, job in jobs.items():
        assert 0 < job.get("timeout-minutes", 0) <= 90, f"job {name} has no timeout-minutes"
        for step in _steps(job):
            if "uses" in step:
                pinned = re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"])
                assert pinned, f"{name}: {step['uses']} is not pinned to a commit"
    text = WORKFLOW.read_text()
    assert all(re.search(r"@[0-9a-f]{40} # v?\d", line) for line in text.splitlines() if "uses:" in line), (
        "each pin names its release in a comment"
    )


def test_apt_get_update_runs_before_every_install():
    for name, job in load_yaml(WORKFLOW)["jobs"].items():
        updated = False
        for step in _steps(job):
            run = str(step.get("run", ""))
            if "apt-get update" in run:
                updated = True
            if "apt-get install" in run:
                assert updated or run.index("apt-get update") < run.index("apt-get install"), name


def test_the_image_waits_for_the_tests_is_scanned_cached_and_pushed_on_tags():
    workflow = load_yaml(WORKFLOW)
    image = workflow["jobs"]["image"]
    assert {"test", "lint"} <= set(image["needs"])
    uses = [str(s.get("uses", "")) for s in _steps(image)]
    assert any(u.startswith("aquasecurity/trivy-action@") for u in uses)
    scan = next(s for s in _steps(image) if str(s.get("uses", "")).startswith("aquasecurity/trivy-action@"))
    assert scan["with"]["exit-code"] == "1", "the scan must be able to fail the job"
    builds = [s for s in _steps(image) if str(s.get("uses", "")).startswith("docker/build-push-action@")]
    assert builds[0]["with"]["cache-from"] == "type=gha" and "type=gha" in builds[0]["with"]["cache-to"]
    push = [s for s in builds if s["with"].get("push")]
    assert push and push[0]["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert "ghcr.io" in str(image["env"]["IMAGE"]) and image["permissions"]["packages"] == "write"
    for name, job in workflow["jobs"].items():
        for step in _steps(job):
            if str(step.get("uses", "")).startswith("actions/setup-python@"):
                assert step["with"].get("cache") == "pip", f"{name}: no pip cache"
