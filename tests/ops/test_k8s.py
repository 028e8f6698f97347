"""k8s/: the manifests validate against Kubernetes' schemas and say what an operator relies on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, require
from tests.ops.native import load_yaml

K8S = ROOT / "k8s"
KUBERNETES_VERSION = "1.30.0"


def _documents() -> dict[str, dict]:
    from ruamel.yaml import YAML

    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in YAML(typ="safe").load_all(path.read_text()):
            docs[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return docs


DOCS = _documents()


def _validator() -> str:
    found = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent / "kubernetes-validate")
    require(Path(found).exists(), "kubernetes-validate is not installed (pip install -e '.[dev]')")
    return found


@pytest.mark.parametrize("path", sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"))
def test_manifest_validates_strictly_against_the_kubernetes_schema(path):
    result = subprocess.run(
        [_validator(), "--strict", "-k", KUBERNETES_VERSION, str(K8S / path)], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0 and "passed" in result.stdout, result.stdout + result.stderr


def test_the_validator_catches_a_broken_manifest(tmp_path):
    broken = tmp_path / "broken.yaml"
    deployment = (K8S / "deployment.yaml").read_text().replace("containerPort: 8000", "containerPort: http-port")
    broken.write_text(deployment.replace("replicas: 2", "replicas: 2\n  replica: 3"))
    result = subprocess.run([_validator(), "--strict", "-k", KUBERNETES_VERSION, str(broken)], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0


def test_kustomization_lists_every_manifest():
    listed = set(load_yaml(K8S / "kustomization.yaml")["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}


def test_the_deployment_runs_two_hardened_replicas_with_probes_and_limits():
    deployment = DOCS["Deployment/faceattend"]
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    for container in pod["containers"] + pod.get("initContainers", []):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert container["resources"]["limits"]["memory"] and container["resources"]["limits"]["cpu"]
    server = pod["containers"][0]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert server[probe]["httpGet"]["path"] == "/health", probe
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == "8000"
    assert annotations["prometheus.io/path"] == "/metrics"


def test_configuration_comes_from_a_configmap_and_secrets_from_a_secret():
    server = DOCS["Deployment/faceattend"]["spec"]["template"]["spec"]["containers"][0]
    assert server["envFrom"][0]["configMapRef"]["name"] == "faceattend" and "ConfigMap/faceattend" in DOCS
    secret_env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in server["env"] if "valueFrom" in e}
    assert set(secret_env) == {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"}, "PostgreSQL and Redis by URL"
    assert all(ref["name"] == "faceattend" for ref in secret_env.values())
    assert not any(d["kind"] == "Secret" for d in DOCS.values()), "no secret value in the repository"
    assert not any(k in DOCS["ConfigMap/faceattend"]["data"] for k in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"))


def test_service_ingress_hpa_and_pdb_point_at_the_deployment():
    labels = DOCS["Deployment/faceattend"]["spec"]["selector"]["matchLabels"]
    assert DOCS["Service/faceattend"]["spec"]["selector"] == labels
    assert DOCS["PodDisruptionBudget/faceattend"]["spec"]["selector"]["matchLabels"] == labels
    assert DOCS["PodDisruptionBudget/faceattend"]["spec"]["minAvailable"] >= 1
    hpa = DOCS["HorizontalPodAutoscaler/faceattend"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "faceattend" and hpa["minReplicas"] >= 2
    ingress = DOCS["Ingress/faceattend"]["spec"]
    assert ingress["tls"] and ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "faceattend"
    deny = DOCS["Ingress/faceattend-metrics-deny"]
    assert deny["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/metrics"
    assert "whitelist-source-range" in " ".join(deny["metadata"]["annotations"])
