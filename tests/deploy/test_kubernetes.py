"""deploy/kubernetes (kustomize): every manifest validates against the Kubernetes JSON schemas
(bundled by the pinned ``kubernetes-validate`` wheel; no network), and says what scale-out needs:
replicas with an OPA sidecar on localhost, a migration Job, shared state, bounded connections."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from gateway.config import Settings

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy/kubernetes"
KUBERNETES_VERSION = "1.33.0"
POSTGRES_MAX_CONNECTIONS = 100


def kustomization() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return found


def resources() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for name in kustomization()["resources"]:
        docs.extend(d for d in yaml.safe_load_all((K8S / name).read_text()) if d)
    return docs


def one(kind: str, name: str) -> dict[str, Any]:
    (found,) = [d for d in resources() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def test_kustomization_lists_every_manifest() -> None:
    listed = set(kustomization()["resources"])
    present = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == present


@pytest.mark.parametrize("doc", resources(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_every_manifest_validates_against_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_rejects_a_broken_manifest() -> None:
    broken = copy.deepcopy(one("Deployment", "tvaers-gateway"))
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    typo = copy.deepcopy(one("Deployment", "tvaers-gateway"))
    typo["spec"]["replica"] = 3  # strict: unknown fields are errors
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES_VERSION, strict=True)


def containers(kind: str, name: str) -> dict[str, dict[str, Any]]:
    spec = one(kind, name)["spec"]["template"]["spec"]
    return {c["name"]: c for c in spec["containers"]}


def test_replicas_run_with_an_opa_sidecar_on_localhost() -> None:
    deployment = one("Deployment", "tvaers-gateway")
    assert deployment["spec"]["replicas"] >= 2
    found = containers("Deployment", "tvaers-gateway")
    assert set(found) == {"gateway", "opa"}
    assert "--addr=127.0.0.1:8181" in found["opa"]["args"]
    assert "--bundle" not in found["opa"]["args"]  # downloaded and signature-checked instead
    settings = one("ConfigMap", "tvaers-gateway")["data"]
    assert settings["TVAERS_POLICY_ENGINE"] == "opa"
    assert settings["TVAERS_OPA_URL"] == "http://127.0.0.1:8181"
    assert found["gateway"]["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_opa_only_accepts_a_signed_bundle() -> None:
    config = yaml.safe_load(one("ConfigMap", "tvaers-opa")["data"]["opa.yaml"])
    for bundle in config["bundles"].values():
        assert bundle["signing"]["keyid"] in config["keys"]


def test_a_job_migrates_and_replicas_do_not() -> None:
    settings = one("ConfigMap", "tvaers-gateway")["data"]
    assert settings["TVAERS_MIGRATE_ON_STARTUP"] == "false"
    job = containers("Job", "tvaers-migrate")["migrate"]
    assert job["command"] == ["tvaers", "db", "upgrade"]


def test_every_setting_is_a_real_setting() -> None:
    fields = {f"TVAERS_{name.upper()}" for name in Settings.model_fields}
    settings = one("ConfigMap", "tvaers-gateway")["data"]
    assert set(settings) - fields == set()
    Settings(**{k.removeprefix("TVAERS_").lower(): v for k, v in settings.items()})


def test_replicas_share_state_and_fit_postgres_connection_limit() -> None:
    settings = one("ConfigMap", "tvaers-gateway")["data"]
    assert settings["TVAERS_SHARED_STATE"] == "database"
    per_replica = int(settings["TVAERS_DB_POOL_SIZE"]) + int(settings["TVAERS_DB_MAX_OVERFLOW"])
    per_replica += 3  # the audit sequencer's own pool (gateway.audit.log.sequencer)
    replicas = one("Deployment", "tvaers-gateway")["spec"]["replicas"]
    surge = one("Deployment", "tvaers-gateway")["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
    # Room left for superuser_reserved_connections, backups and an operator session.
    assert (replicas + surge) * per_replica + 1 <= POSTGRES_MAX_CONNECTIONS - 20


def test_the_verify_export_is_on_disk_not_in_memory() -> None:
    spec = one("Deployment", "tvaers-gateway")["spec"]["template"]["spec"]
    work_dir = one("ConfigMap", "tvaers-gateway")["data"]["TVAERS_WORK_DIR"]
    mounts = {
        m["mountPath"]: m["name"]
        for m in containers("Deployment", "tvaers-gateway")["gateway"]["volumeMounts"]
    }
    volume = {v["name"]: v for v in spec["volumes"]}[mounts[work_dir]]
    assert volume["emptyDir"].get("medium") != "Memory"


def test_compose_web_login_works_from_inside_the_container() -> None:
    """Discovery on the internal network, proxy trust set, redirect URIs from the public URL."""
    from tests.deploy.compose_file import load_compose, service_env

    env = service_env(load_compose()["services"]["gateway"])
    discovery = env["TVAERS_OIDC_DISCOVERY_URL"]
    assert discovery.startswith("http://keycloak:") and "localhost" not in discovery
    assert env["TVAERS_FORWARDED_ALLOW_IPS"].startswith("${TVAERS_FORWARDED_ALLOW_IPS:?")
    realm = (REPO / "deploy/keycloak/tvaers-realm.json").read_text(encoding="utf-8")
    assert "localhost:8000" not in realm
    assert '"${TVAERS_PUBLIC_URL}/auth/callback"' in realm
    keycloak = service_env(load_compose()["services"]["keycloak"])
    assert "TVAERS_PUBLIC_URL" in keycloak
